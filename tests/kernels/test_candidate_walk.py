"""fastquant.kernels._candidate_walk: cv2's walk to a candidate, located by chunk sums."""

import numpy as np
import pytest

from fastquant.kernels import _candidate_walk
from fastquant.kernels._common import chunk_count


def chunk_sums(dist, weights, n_chunks):
    """Sum of weights * dist over each chunk as the kernels cut them (NumPy's order)."""
    size = -(-len(dist) // n_chunks)
    products = weights * dist.astype(np.float64)
    return np.array([products[c * size:(c + 1) * size].sum() for c in range(n_chunks)])


def boundary_draws(dist, weights):
    """Draws p on which cv2's chain lands on or next to zero: each running sum of the
    products (summed as cv2's chain subtracts them), and its float64 neighbours."""
    running = np.cumsum(weights * dist.astype(np.float64))
    return np.concatenate([running, np.nextafter(running, 0), np.nextafter(running, np.inf)])


def assert_same_rows(dist, weights, draws, n_chunks):
    sums = chunk_sums(dist, weights, n_chunks)
    for p in draws:
        walked = _candidate_walk.walk_rows(dist, weights, p)
        assert _candidate_walk.locate_row(dist, weights, sums, p) == walked, p


@pytest.mark.parametrize("n_chunks", [1, 3, 64])
def test_located_row_is_the_walked_row_on_random_distances(n_chunks):
    rng = np.random.default_rng(n_chunks)
    dist = rng.random(5000).astype(np.float32) ** 4 * np.float32(1e3)
    weights = rng.integers(0, 5, 5000).astype(np.int32)
    total = float(np.sum(weights * dist.astype(np.float64)))
    draws = np.concatenate([rng.uniform(0, total, 400), [0.0, total, 2 * total, -1.0],
                            boundary_draws(dist, weights)[::7]])
    assert_same_rows(dist, weights, draws, n_chunks)


@pytest.mark.parametrize("n_chunks", [1, 7, 256])
def test_located_row_is_the_walked_row_where_the_chain_lands_on_zero(n_chunks):
    # Distances spread over many binades: the chain's roundings and the chunk sums'
    # differ, and every draw puts the crossing within a rounding of a row's edge.
    rng = np.random.default_rng(7)
    dist = (10.0 ** rng.uniform(-6, 6, 20000)).astype(np.float32)
    weights = np.ones(20000, dtype=np.int32)
    assert_same_rows(dist, weights, boundary_draws(dist, weights)[::13], n_chunks)


def test_located_row_is_the_walked_row_on_ties_zeros_and_tiny_values():
    cases = [
        np.zeros(1000, np.float32),  # every row at a center
        np.repeat(np.float32([0, 1, 0, 0, 3]), 300),  # equal distances, runs of zeros
        np.full(777, np.float32(1e-38)),  # subnormal products' neighbourhood
        np.concatenate([np.full(500, np.float32(1e30)), np.full(500, np.float32(1e-30))]),
        np.float32([5.0]),  # one row: always row 0
        np.float32([2.0, 0.0]),
    ]
    for dist in cases:
        weights = np.ones(len(dist), np.int32)
        total = float(np.sum(dist, dtype=np.float64))
        draws = np.concatenate([[0.0, total / 2, total, np.nan, np.inf],
                                boundary_draws(dist, weights)[::11]])
        for n_chunks in {1, chunk_count(len(dist)), min(len(dist), 5)}:
            assert_same_rows(dist, weights, draws, n_chunks)

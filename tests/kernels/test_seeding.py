"""fastquant.kernels._seeding: k-means++ seeding."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from fastquant import kernels
from fastquant.kernels import _candidate_walk, _distances, _seeding

from .. import naive
from ._data import blobs, distinct, ones

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("d", [1, 3, 5])
def test_kmeanspp_matches_reference(d):
    points = blobs(3000, d, 6, seed=7, integer=True)
    reference = naive.MWC(5)
    state = np.array([reference.state], dtype=np.uint64)
    chosen = kernels.kmeanspp(points, ones(points), 10, 3, state)
    np.testing.assert_array_equal(points[chosen], naive.kmeanspp(points, 10, reference))
    assert int(state[0]) == reference.state


def _float_cases():
    """Float data on which every draw's walk ends in a chunk the located walk must
    find: blobs, duplicated rows, clusters 10**6 apart, distances over many binades."""
    rng = np.random.default_rng(21)
    centers = rng.uniform(-10, 10, (12, 16))
    far = np.concatenate([rng.random((3000, 4)), rng.random((3000, 4)) + 1e6,
                          rng.random((40, 4)) - 1e6])
    return {
        "blobs": centers[rng.integers(0, 12, 6000)] + rng.standard_normal((6000, 16)),
        "duplicates": np.repeat(rng.random((30, 3)), 150, axis=0),
        "far apart": far,
        "binades": 10.0 ** rng.uniform(-15, 15, (5000, 1)),
    }


@pytest.mark.parametrize("case", list(_float_cases()))
def test_kmeanspp_on_float_data_matches_the_reference_walk(case):
    points = np.ascontiguousarray(_float_cases()[case], dtype=np.float32)
    for seed in (3, 4):
        reference = naive.MWC(seed)
        state = np.array([reference.state], dtype=np.uint64)
        chosen = kernels.kmeanspp(points, ones(points), 12, 3, state)
        np.testing.assert_array_equal(points[chosen], naive.kmeanspp(points, 12, reference))


def test_weighted_walk_over_rows_equals_walk_over_expanded_samples():
    dist = np.array([1.0, 2.0, 3.0, 4.0], dtype=np.float32)
    weights = np.array([2, 1, 1, 3], dtype=np.int32)
    inverse = np.repeat(np.arange(4, dtype=np.int32), weights)  # samples row by row
    total = float(np.sum(weights * dist))
    for p in np.linspace(0.01, total, 60):
        by_rows = _candidate_walk.walk_rows(dist, weights, p)
        by_samples = _seeding._pick_sample(dist, inverse, p)
        assert by_rows == by_samples, p


def test_prefix_walk_equals_cv2_walk_on_integer_distances():
    rng = np.random.default_rng(15)
    rows = rng.integers(0, 50, size=(40, 3)).astype(np.float32)
    inverse = rng.integers(0, 40, size=5000).astype(np.int32)
    weights = np.bincount(inverse, minlength=40).astype(np.int32)
    assert _seeding._integer_distances(rows, weights)
    dist = ((rows - rows[7]) ** 2).sum(axis=1).astype(np.float32)
    sample_dist = dist[inverse].astype(np.float64)
    # chunk boundaries as the kernels cut them
    size = -(-5000 // 10)
    chunk_sums = np.array([sample_dist[c * size:(c + 1) * size].sum() for c in range(10)])
    total = sample_dist.sum()
    for p in np.concatenate([[0.0, total, total * 2], rng.uniform(0, total, 300), np.cumsum(sample_dist)[::97]]):
        walked = _seeding._pick_sample(dist, inverse, p)
        assert _seeding._pick_by_prefix(dist, inverse, chunk_sums, p) == walked, p


def test_integer_distance_condition():
    ones = np.ones(3, np.int32)
    assert not _seeding._integer_distances(np.array([[0.5], [1.0], [2.0]], np.float32), ones)
    assert not _seeding._integer_distances(np.array([[0.0], [5000.0], [1.0]], np.float32), ones)
    assert _seeding._integer_distances(np.array([[0.0], [4000.0], [1.0]], np.float32), ones)


@pytest.mark.parametrize("k", [_seeding.INCREMENTAL_MIN_CLUSTERS, _seeding.INCREMENTAL_MIN_CLUSTERS + 1, 40])
def test_kmeanspp_on_weighted_rows_equals_the_reference_on_samples_with_many_centers(k):
    # Beyond INCREMENTAL_MIN_CLUSTERS the per-chunk sums are updated row by row.
    points = np.clip(np.rint(blobs(30_000, 3, 9, seed=3, integer=True) / 8), 0, 31).astype(np.float32)
    _, counts, inverse, _ = distinct(points)
    rows = points[np.unique(inverse, return_index=True)[1]]
    reference = naive.MWC(8)
    state = np.array([reference.state], dtype=np.uint64)
    chosen = _seeding.kmeanspp_rows(rows, counts, inverse, k, 3, state)
    np.testing.assert_array_equal(rows[chosen], naive.kmeanspp(points, k, reference))


def _four_lane_sum(values, weights):
    """The chunk sums the seeding must keep: four interleaved float64 partial sums (rows
    past the last multiple of 4 into the first), added as (s0 + s1) + (s2 + s3)."""
    lanes = [0.0, 0.0, 0.0, 0.0]
    whole = len(values) - len(values) % 4
    for i, (v, w) in enumerate(zip(values.tolist(), weights.tolist())):
        lanes[i % 4 if i < whole else 0] += w * v
    return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])


@pytest.mark.parametrize("n_rows, n_chunks, n_trials",
                         [(1, 1, 3), (7, 1, 3), (256, 1, 3), (1027, 1, 3), (2053, 3, 3),
                          (5001, 4, 3), (2053, 3, 1), (2053, 3, 2), (1027, 2, 4), (5001, 4, 7)])
def test_blocked_chunk_sums_equal_one_four_lane_sum_per_chunk(n_rows, n_chunks, n_trials):
    # The chunks are taken SEEDING_BLOCK rows at a time, candidates three at a time (the
    # last group padded); the distances and each chunk's sum must be those of one pass
    # over the chunk, candidate by candidate. The values span 24 binades, so the sums
    # round and their order shows.
    rng = np.random.default_rng(n_rows + n_trials)
    X = (rng.standard_normal((n_rows, 5)) * 10.0 ** rng.uniform(-3, 3, (n_rows, 1))).astype(np.float32)
    weights = rng.integers(0, 7, n_rows).astype(np.int32)
    current = 1
    rows = rng.integers(0, n_rows, n_trials).astype(np.int64)
    slot_of = np.array([t if t < current else t + 1 for t in range(n_trials)], dtype=np.int64)
    slots = np.empty((n_trials + 1, n_rows), dtype=np.float32)
    nearest = (10.0 ** rng.uniform(-12, 12, n_rows)).astype(np.float32)  # (order matters)
    slots[current] = nearest
    partials = np.empty((n_trials, n_chunks))
    features = np.ascontiguousarray(X.T)
    for chunk in range(n_chunks):
        _seeding._chunk_distances(features, X, weights, rows, slots[current], slots, slot_of,
                                  n_trials, chunk, partials)
    size = -(-n_rows // n_chunks)
    for t in range(n_trials):
        distances = np.empty(n_rows, dtype=np.float32)
        _distances.distances_to_row(features, 0, X[rows[t]], distances)
        expected = np.minimum(nearest, distances)
        np.testing.assert_array_equal(slots[slot_of[t]], expected)
        for chunk in range(n_chunks):
            part = slice(chunk * size, min((chunk + 1) * size, n_rows))
            assert partials[t, chunk] == _four_lane_sum(expected[part].astype(np.float64),
                                                        weights[part]), (t, chunk)
    np.testing.assert_array_equal(slots[current], nearest)


def test_kmeanspp_without_samples_to_walk_compiles_no_walk_over_samples():
    # kernels.kmeanspp never has samples to walk: numba drops that code (the exact walk,
    # its row-to-chunks table) from it. A fresh process, so nothing else compiled them.
    code = """
        import numpy as np
        from fastquant import kernels
        from fastquant.kernels import _chunk_table, _seeding
        points = np.random.default_rng(0).random((500, 3)).astype(np.float32)
        kernels.kmeanspp(points, np.ones(500, np.int32), 4, 3, np.array([1], np.uint64))
        print(len(_chunk_table.chunks_of_rows.signatures),
              len(_seeding._integer_distances.signatures))
    """
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "0"]

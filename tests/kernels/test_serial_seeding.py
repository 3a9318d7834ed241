"""fastquant.kernels._serial_seeding: quantize's serial k-means++ seeding."""

import numpy as np
import pytest

from fastquant import kernels
from fastquant._jit import serial_twin
from fastquant.kernels import _seeding
from fastquant.kernels._checks import KernelArgumentError
from fastquant.kernels._serial_seeding import kmeanspp_small

from ._data import blobs


def _seed_both(X, weights, k, n_trials, seed):
    """kmeanspp_small's and kmeanspp's centers (and generator states after) on X."""
    small_state = np.array([seed], dtype=np.uint64)
    general_state = small_state.copy()
    small = kmeanspp_small(np.ascontiguousarray(X.T), weights, k, n_trials, small_state)
    general = kernels.kmeanspp(X, weights, k, n_trials, general_state)
    return small, general, int(small_state[0]), int(general_state[0])


def _cases():
    """Weighted colours as quantize seeds them (several chunks, weights of 1, weights
    with zeros) and float data whose sums round (24 binades, duplicates: equal trials,
    distances beyond float32's range: infinite sums)."""
    rng = np.random.default_rng(4)
    cases = {}
    for n, d in [(1, 3), (7, 1), (511, 3), (513, 4), (3000, 3), (20_000, 3), (5000, 5)]:
        X = blobs(n, d, 9, seed=n, integer=True)
        cases[f"colours {n}x{d}"] = (X, rng.integers(1, 5000, n).astype(np.int32))
    X = blobs(4000, 3, 6, seed=1)
    cases["unit weights"] = (X, np.ones(4000, dtype=np.int32))
    cases["zero weights"] = (X, rng.integers(0, 3, 4000).astype(np.int32))
    spread = (rng.standard_normal((6000, 4)) * 10.0 ** rng.uniform(-12, 12, (6000, 1)))
    cases["binades"] = (spread.astype(np.float32), rng.integers(1, 9, 6000).astype(np.int32))
    cases["duplicates"] = (np.repeat(rng.random((30, 3)), 70, axis=0).astype(np.float32),
                           np.ones(2100, dtype=np.int32))
    # squared distances overflow to infinity: no trial lowers the potential
    cases["overflow"] = ((rng.random((600, 3)) * 1e30).astype(np.float32),
                         np.ones(600, dtype=np.int32))
    return cases


@pytest.mark.parametrize("case", list(_cases()))
@pytest.mark.parametrize("k", [1, 2, 16, 64])
def test_the_same_centers_as_kmeanspp(case, k):
    X, weights = _cases()[case]
    k = min(k, len(X))
    for seed in (1, 0xFFFFFFFF12345):
        small, general, small_state, general_state = _seed_both(X, weights, k, 3, seed)
        np.testing.assert_array_equal(small, general)
        assert small_state == general_state  # the same draws


@pytest.mark.parametrize("n_trials", [1, 2, 5])
def test_the_same_centers_as_kmeanspp_serial_twin_for_any_trials(n_trials):
    X = blobs(2500, 3, 12, seed=9, integer=True)
    weights = np.random.default_rng(2).integers(1, 300, 2500).astype(np.int32)
    state = np.array([77], dtype=np.uint64)
    twin = serial_twin(_seeding.kmeanspp)(X, weights, 40, n_trials, state.copy())
    small = kmeanspp_small(np.ascontiguousarray(X.T), weights, 40, n_trials, state)
    np.testing.assert_array_equal(small, twin)


def test_every_row_chosen_when_k_is_the_rows():
    X = blobs(50, 3, 4, seed=3)
    chosen = kmeanspp_small(np.ascontiguousarray(X.T), np.ones(50, np.int32), 50, 3,
                            np.array([5], dtype=np.uint64))
    assert sorted(chosen.tolist()) == list(range(50))


@pytest.mark.parametrize("weights, k, n_trials, message", [
    (np.ones(9, np.int32), 2, 3, "weights"),
    (np.ones(10, np.int32), 0, 3, "n_clusters must be at least 1"),
    (np.ones(10, np.int32), 11, 3, "n_clusters must not exceed the rows"),
    (np.ones(10, np.int32), 2, 0, "n_trials must be at least 1"),
])
def test_bad_arguments_raise(weights, k, n_trials, message):
    features = np.zeros((3, 10), dtype=np.float32)
    with pytest.raises(KernelArgumentError, match=message):
        kmeanspp_small(features, weights, k, n_trials, np.array([1], dtype=np.uint64))

"""fastquant._cell_lloyd: attempts on grid cells give the plain attempts' results."""

import numba
import numpy as np
import pytest

import fastquant
from fastquant import _attempts, _cell_lloyd

from .parity_cases import rgb


def _photo_like(seed, n=20_000, colours=3_000, n_features=3):
    """Integer data with repeated rows (so they are clustered as distinct rows)."""
    rng = np.random.default_rng(seed)
    palette = np.clip(rng.normal(128, 60, size=(colours, n_features)), 0, 255).round()
    return palette[rng.integers(0, colours, n)].astype(np.float32)


def _run(data, k, flags, criteria=(3, 10, 1.0), attempts=5, seed=7):
    fastquant.setRNGSeed(seed)
    return fastquant.kmeans(data, k, None, criteria, attempts, flags)


def _assert_same(a, b):
    assert a[0] == b[0]
    np.testing.assert_array_equal(a[1], b[1])
    np.testing.assert_array_equal(a[2], b[2])


@pytest.mark.parametrize("n_features", [1, 2, 3])
@pytest.mark.parametrize("k", [1, 2, 3, 4])
@pytest.mark.parametrize("flags", [fastquant.KMEANS_RANDOM_CENTERS, fastquant.KMEANS_PP_CENTERS])
def test_cell_attempts_give_the_plain_attempts_results(monkeypatch, n_features, k, flags):
    data = _photo_like(n_features * 10 + k, n_features=n_features)
    used = []
    real = _cell_lloyd.CellTree
    monkeypatch.setattr(_attempts, "CellTree", lambda *a: used.append(1) or real(*a))
    cells = _run(data, k, flags, criteria=(3, 30, 0.01))
    assert used, "the cell passes did not run"
    monkeypatch.setattr(_attempts, "suits", lambda rows, n_clusters: False)
    _assert_same(cells, _run(data, k, flags, criteria=(3, 30, 0.01)))


def test_cell_attempts_with_repairs_give_the_plain_results(monkeypatch):
    # Few distinct colours and far random centers: clusters empty out and get repaired.
    data = np.repeat(np.array([[0, 0, 0], [1, 0, 0], [200, 200, 200]], np.float32), 50, axis=0)
    data = np.concatenate([data, np.array([[255, 255, 255]], np.float32)])
    runs = [(seed, criteria) for seed in range(6) for criteria in [(3, 10, 1.0), (1, 3, 0.0)]]
    results = [_run(data, 4, fastquant.KMEANS_RANDOM_CENTERS, c, seed=s) for s, c in runs]
    monkeypatch.setattr(_attempts, "suits", lambda rows, n_clusters: False)
    for (seed, criteria), cells in zip(runs, results):
        _assert_same(cells, _run(data, 4, fastquant.KMEANS_RANDOM_CENTERS, criteria, seed=seed))


def test_cell_attempts_are_the_same_on_one_thread():
    data = rgb("chelsea", 2)
    before = numba.get_num_threads()
    many = _run(data, 2, fastquant.KMEANS_RANDOM_CENTERS, attempts=10)
    numba.set_num_threads(1)
    try:
        one = _run(data, 2, fastquant.KMEANS_RANDOM_CENTERS, attempts=10)
    finally:
        numba.set_num_threads(before)
    _assert_same(many, one)


def test_estimates_bound_the_compactness(monkeypatch):
    seen = []
    real = _cell_lloyd.best_outcome

    def check(outcomes):
        for outcome in outcomes:
            if np.isfinite(outcome.margin):
                exact = outcome.result().compactness
                seen.append(abs(exact - outcome.estimate) / outcome.margin)
        return real(outcomes)

    monkeypatch.setattr(_attempts, "best_outcome", check)
    for k in (2, 3, 4):
        _run(rgb("rocket", 3), k, fastquant.KMEANS_RANDOM_CENTERS, attempts=4)
        _run(_photo_like(k), k, fastquant.KMEANS_PP_CENTERS, attempts=4)
    assert len(seen) >= 20 and max(seen) <= 1.0


class _Outcome:
    """A stand-in for :class:`_cell_lloyd.Outcome` that counts its summations."""

    def __init__(self, name, compactness, estimate, margin, key=None):
        self.name, self.compactness = name, compactness
        self.estimate, self.margin, self._key = estimate, margin, key
        self.summed = 0

    def key(self):
        return self._key

    def result(self):
        self.summed += 1
        return self


def test_best_outcome_sums_only_the_attempts_that_can_be_smallest():
    outcomes = [
        _Outcome("far", 200.0, 200.0, 1.0),
        _Outcome("first", 100.0, 100.2, 1.0, key="same"),
        _Outcome("twin", 100.0, 100.2, 1.0, key="same"),
        _Outcome("close", 100.5, 100.4, 1.0),
        _Outcome("unknown", 150.0, 0.0, np.inf),
    ]
    best = _cell_lloyd.best_outcome(outcomes)
    assert best.name == "first"
    assert [o.summed for o in outcomes] == [0, 1, 0, 1, 1]
    # An estimate above the lowest upper bound whose lower bound is below it may still
    # be the smallest.
    edge = _Outcome("edge", 99.9, 101.3, 1.5)
    assert _cell_lloyd.best_outcome(outcomes + [edge]).name == "edge"


def test_estimate_margins_cover_the_float32_rounding():
    rng = np.random.default_rng(3)
    for n_features in (1, 2, 3):
        sums = rng.uniform(0, 1e6, (4, n_features))
        counts = rng.integers(1, 1000, 4)
        centers = (sums / counts[:, None]).astype(np.float32)
        squares = (sums**2 / counts[:, None]).sum(1) + rng.uniform(0, 1e6, 4)
        estimate, margin = _cell_lloyd._estimate(sums, counts, squares, centers)
        # each float32 distance within 1.01 (D + 2) 2**-24 of the exact one
        assert margin >= 1.01 * (n_features + 2) * 2.0**-24 * estimate * 2

"""Deduplicated rows: the engine must give exactly the per-sample results."""

from collections import namedtuple

import numpy as np
import pytest

import fastquant as fq
from fastquant._distinct import Rows, distinct_rows, plain_rows
from fastquant._lloyd import RowPasses, Workspace, lloyd
from fastquant._validation import Criteria, as_points
from fastquant.kernels import _random

from . import naive

Result = namedtuple("Result", "compactness labels centers")


def _repetitive(n=8000, spread=2, seed=0):
    """Few distinct integer colours, many samples each (like a flat-coloured image)."""
    rng = np.random.default_rng(seed)
    palette = rng.integers(10, 240, size=(5, 3))
    noise = rng.integers(-spread, spread + 1, size=(n, 3))
    return (palette[rng.integers(0, 5, n)] + noise).astype(np.float32)


def test_rows_are_the_distinct_samples_with_counts():
    points = as_points(_repetitive())
    rows = distinct_rows(points)
    unique, inverse, counts = np.unique(points.values, axis=0, return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(rows.values, unique)
    np.testing.assert_array_equal(rows.weights, counts)
    np.testing.assert_array_equal(rows.inverse, inverse.ravel())
    np.testing.assert_array_equal(rows.values[rows.inverse], points.values)


@pytest.mark.parametrize(
    "data",
    [
        np.random.default_rng(1).random((500, 3)).astype(np.float32),  # not integers
        np.arange(3000, dtype=np.float32).reshape(1000, 3),  # all distinct
        np.array([[0, 0], [1e6, 1e6]] * 50, dtype=np.float32),  # key space too large
    ],
    ids=["fractional", "no-repeats", "wide-range"],
)
def test_falls_back_to_samples(data):
    rows = distinct_rows(as_points(data))
    assert len(rows.inverse) == 0 and len(rows.values) == len(data)
    assert (rows.weights == 1).all()


def _run(rows, points, k, seed, criteria=Criteria(30, 0.0)):
    rng = np.array([naive.MWC(seed).state], dtype=np.uint64)
    centers = _random.random_centers(points.low, points.high, k, rng)
    labels = np.empty(len(rows.values), dtype=np.int32)
    attempt = lloyd(RowPasses(rows, Workspace(len(rows.values), k, 3), labels), criteria, centers)
    return Result(attempt.compactness, attempt.sample_labels(rows), attempt.centers)


@pytest.mark.parametrize("k", [7, 30, 60])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_weighted_and_plain_runs_agree_through_empty_cluster_repairs(k, seed):
    points = as_points(_repetitive(seed=seed))
    rows = distinct_rows(points)
    assert len(rows.values) < len(points.values) // 10
    weighted = _run(rows, points, k, seed)
    plain = _run(plain_rows(points.values), points, k, seed)
    np.testing.assert_array_equal(weighted.labels, plain.labels)
    np.testing.assert_array_equal(weighted.centers, plain.centers)
    assert weighted.compactness == pytest.approx(plain.compactness, rel=1e-12)

    reference = naive.kmeans_attempt(
        points.values, k, 30, 0.0, centers=naive.random_centers(points.values, k, naive.MWC(seed))
    )
    np.testing.assert_array_equal(weighted.labels, reference[1])


def test_repair_splits_a_colour_and_last_pass_keeps_the_split():
    # Two colours, three clusters: one colour must be split by the empty-cluster repair,
    # and with maxCount 2 the split survives into the returned labels.
    points = np.array([[0, 0, 0]] * 5 + [[9, 9, 9]] * 3, dtype=np.float32)
    start = _random.random_centers(np.zeros(3, np.float32), np.full(3, 9, np.float32), 3,
                                      np.array([7], dtype=np.uint64))
    for rows in (distinct_rows(as_points(points)), plain_rows(points)):
        labels = np.empty(len(rows.values), dtype=np.int32)
        attempt = lloyd(RowPasses(rows, Workspace(len(rows.values), 3, 3), labels), Criteria(2, 0.0), start.copy())
        result = Result(attempt.compactness, attempt.sample_labels(rows), attempt.centers)
        reference = naive.kmeans_attempt(points, 3, 2, 0.0, centers=start.copy())
        np.testing.assert_array_equal(result.labels, reference[1])
        np.testing.assert_array_equal(result.centers, reference[2])
        assert result.compactness == pytest.approx(reference[0], abs=1e-9)
    assert len(distinct_rows(as_points(points)).values) == 2
    assert len(np.unique(result.labels)) == 3


def test_sums_are_marked_exact_only_below_2_to_the_53():
    assert distinct_rows(as_points(_repetitive())).exact_sums
    assert not plain_rows(_repetitive()).exact_sums
    # Integers near 2**40 (float32 steps of 2**17 there): two values, 10,000 samples.
    big = np.float32(2.0**40) + np.float32(2.0**17) * (np.arange(10_000) % 2)
    rows = distinct_rows(as_points(big.reshape(-1, 1).astype(np.float32)))
    assert len(rows.inverse) == 10_000 and not rows.exact_sums


@pytest.mark.parametrize("max_iter", [2, 6])
def test_weighted_rows_without_inverse_move_whole_rows_in_the_repair(max_iter):
    # Rows standing for several samples but given without their samples (as quantize
    # does): a repair moves a whole row, and the centers stay the weighted means.
    values = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [90, 90, 90]], dtype=np.float32)
    weights = np.array([50, 3, 2, 1], dtype=np.int32)
    start = np.array([[0, 0, 0], [200, 200, 200], [250, 250, 250]], dtype=np.float32)
    for exact_sums in (False, True):  # True: sums updated by label changes, then recomputed
        rows = Rows(values, weights, np.empty(0, np.int32), exact_sums)
        labels = np.empty(4, dtype=np.int32)
        attempt = lloyd(RowPasses(rows, Workspace(4, 3, 3), labels), Criteria(max_iter, 0.0), start)
        assert len(np.unique(attempt.row_labels)) == 3
        for c in range(3):
            members = attempt.row_labels == c
            mean = (values[members] * weights[members, None]).sum(0) / weights[members].sum()
            np.testing.assert_allclose(attempt.centers[c], mean, rtol=1e-6)


@pytest.mark.parametrize("k, spread", [(6, 2), (40, 2), (12, 0)])
def test_kmeanspp_runs_on_repetitive_data_match_the_reference(k, spread):
    """Weighted rows, the prefix-sum seeding walk and (spread 0: 5 colours, 12
    clusters) repairs that split colours, against the per-sample reference."""
    data = _repetitive(n=3000, spread=spread, seed=k)
    assert len(distinct_rows(as_points(data)).inverse) == len(data)  # weighted path
    fq.setRNGSeed(k)
    compactness, labels, centers = fq.kmeans(data, k, None, (3, 15, 0.0), 2, fq.KMEANS_PP_CENTERS)
    rng = naive.MWC(k)
    runs = [
        naive.kmeans_attempt(data, k, 15, 0.0, centers=naive.kmeanspp(data, k, rng))
        for _ in range(2)
    ]
    best = min(runs, key=lambda run: run[0])
    np.testing.assert_array_equal(labels.ravel(), best[1])
    np.testing.assert_array_equal(centers, best[2])
    assert compactness == pytest.approx(best[0], rel=1e-12, abs=1e-9)


@pytest.mark.parametrize("data", [
    _repetitive(),
    _repetitive(3000)[:, :2] + 5,
    _repetitive(3000)[:, :1],
    np.arange(256, dtype=np.float32).reshape(-1, 1),  # all distinct: plain rows
    np.arange(256 * 9, dtype=np.float32).reshape(-1, 3) % 256,  # 3 samples a row: plain rows
    np.arange(256 * 12, dtype=np.float32).reshape(-1, 3) % 256,  # 4 samples a row: distinct
], ids=["repetitive", "two-features", "one-feature", "no-repeats", "three-repeats",
        "four-repeats"])
def test_table_from_the_check_is_the_general_table(data):
    points = as_points(data)
    assert points.byte_table is not None
    rows, general = distinct_rows(points), distinct_rows(points._replace(byte_table=None))
    np.testing.assert_array_equal(rows.values, general.values)
    np.testing.assert_array_equal(rows.weights, general.weights)
    np.testing.assert_array_equal(rows.inverse, general.inverse)
    assert rows.exact_sums == general.exact_sums

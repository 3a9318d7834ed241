"""fastquant.kernels._gemm: the kernels of the matrix-product pass (the pass itself is
tested in tests/test_gemm_pass.py)."""

import numpy as np
import pytest

from fastquant import kernels
from fastquant.kernels import _gemm, _neighbours
from fastquant.kernels._tunables import STRIP_ROWS

from ._data import blobs, ones, partials
from .test_tiles import _near_ties


def test_accumulate_labels_refuses_a_previous_label_out_of_range_before_writing():
    points = blobs(600, 4, 3, seed=1)
    labels = np.zeros(len(points), np.int32)
    previous = labels.copy()
    previous[17] = 3  # only 3 clusters
    sums, counts = partials(len(points), 3, 4)
    sums.fill(7.0)
    with pytest.raises(ValueError, match="labels must be cluster indices"):
        _gemm.accumulate_labels(points, ones(points), labels, previous, True, sums, counts)
    assert np.all(sums == 7.0)


@pytest.mark.parametrize("weighted", [False, True])
def test_accumulate_labels_brings_known_partials_up_to_date_bit_for_bit(weighted):
    """Partials of earlier labels, brought up to date with the new ones, are those
    of a full accumulation, bit for bit: no change, a few rows in a few chunks
    (one into a cluster no row of its chunk had, one leaving a cluster empty), every
    row."""
    points = blobs(6000, 8, 6, seed=3) * np.float32(1.1)
    rng = np.random.default_rng(4)
    weights = rng.integers(1, 9, len(points)).astype(np.int32) if weighted else ones(points)
    k = 7
    labels = rng.integers(0, k - 1, len(points)).astype(np.int32)  # cluster 6 empty
    sums, counts = partials(len(points), k, 8)
    assert len(counts) > 4
    _gemm.accumulate_labels(points, weights, labels, labels[:0], False, sums, counts)
    new = labels.copy()
    steps = [new.copy()]
    new[[10, 700, 701, 3000]] = [6, 2, 2, 0]
    new[:1500][labels[:1500] == 3] = 1  # cluster 3 loses its rows of the first chunks
    steps.append(new.copy())
    steps.append(rng.integers(0, k, len(points)).astype(np.int32))
    summed = labels
    for step in steps:
        expected_sums, expected_counts = partials(len(points), k, 8)
        _gemm.accumulate_labels(points, weights, step, step[:0], False, expected_sums,
                                expected_counts)
        _gemm.accumulate_labels(points, weights, step, summed, False, sums, counts)
        assert sums.tobytes() == expected_sums.tobytes()
        np.testing.assert_array_equal(counts, expected_counts)
        summed = step


def test_accumulate_labels_refuses_known_labels_out_of_range_before_writing():
    points = blobs(600, 4, 3, seed=1)
    labels = np.zeros(len(points), np.int32)
    summed = labels.copy()
    summed[17] = -1
    sums, counts = partials(len(points), 3, 4)
    sums.fill(7.0)
    with pytest.raises(ValueError, match="labels must be cluster indices"):
        _gemm.accumulate_labels(points, ones(points), labels, summed, False, sums, counts)
    assert np.all(sums == 7.0)


def test_row_norms_are_float64_sums_of_squares():
    points = blobs(100, 5, 3, seed=2)
    out = np.empty(len(points))
    _gemm.row_norms(points, out)
    np.testing.assert_allclose(out, (points.astype(np.float64) ** 2).sum(1), rtol=1e-15)


def _adversarial_dots(points, centers, labels, against):
    """float32 dot products off by nearly the most any summation order may err
    (``gamma_D * sum_j |x_j c_j|``): ``against`` the plain label, the label's product
    rounded down (its expansion distance up) and every other one up; else the other
    way round."""
    x = points.astype(np.float64)
    c = centers.astype(np.float64)
    d = points.shape[1]
    gamma = (d - 1) * 2.0**-24 / (1 - (d - 1) * 2.0**-24)
    slack = 0.9 * gamma * (np.abs(c) @ np.abs(x).T)
    sign = np.ones((len(centers), len(points)))
    sign[labels, np.arange(len(points))] = -1.0
    sign = sign if against else -sign
    return np.ascontiguousarray((c @ x.T + sign * slack).astype(np.float32))


@pytest.mark.parametrize("against", [True, False])
@pytest.mark.parametrize("d, offset, scale", [(16, 0.0, 1.0), (16, 1000.0, 1.0), (128, 0.0, 1.0),
                                              (128, 1e4, 1e-2)])
def test_nearest_from_dots_gives_cv2_labels_under_the_worst_rounding_of_any_blas(d, offset,
                                                                                 scale, against):
    """Dot products as wrong as a BLAS may make them, for or against the right label:
    the rows the expansion cannot decide are searched among the centers within the
    margin, every row gets the plain pass's label, and the bounds of the others hold
    for the exact distances."""
    points, centers = _near_ties(d, offset, scale, seed=d + 1)
    points = np.concatenate([points, blobs(500, d, 16, seed=d)])
    centers = np.concatenate([centers, points[-16:] + np.float32(0.25)])
    plain = np.zeros(len(points), np.int32)
    sums, counts = partials(len(points), *centers.shape)
    kernels.assign_and_accumulate(points, ones(points), centers, plain, sums, counts)
    dots = _adversarial_dots(points, centers, plain, against)
    row_sq = np.empty(len(points))
    _gemm.row_norms(points, row_sq)
    center_sq = (centers * centers).sum(axis=1, dtype=np.float32)  # any order will do
    norm_max = float(np.sqrt((centers.astype(np.float64) ** 2).sum(axis=1).max()))
    labels = np.full(len(points), -1, np.int32)
    runner_up = np.empty(len(points), np.int32)
    upper, lower, runner_lower = (np.empty(len(points), np.float32) for _ in range(3))
    settled = np.zeros(-(-len(points) // STRIP_ROWS), np.int64)
    _gemm.nearest_from_dots(points, centers, np.arange(len(points)), dots, center_sq, norm_max,
                            row_sq, labels, runner_up, upper, lower, runner_lower, settled)
    np.testing.assert_array_equal(labels, plain)
    assert settled.sum() > len(points) // 3  # the near ties were searched again
    exact = np.sqrt(((points[:, None].astype(np.float64) - centers[None]) ** 2).sum(-1))
    rows = np.flatnonzero(upper < np.inf)
    assert len(rows) > 200  # of the 500 blob points
    at = exact[rows]
    assert np.all(upper[rows] >= at[np.arange(len(rows)), labels[rows]])
    assert np.all(runner_lower[rows] <= at[np.arange(len(rows)), runner_up[rows]])
    at[np.arange(len(rows)), labels[rows]] = np.inf
    at[np.arange(len(rows)), runner_up[rows]] = np.inf
    assert np.all(lower[rows] <= at.min(axis=1))


def _tile_arguments(n=300, k=5, d=4):
    points = blobs(n, d, k, seed=3)
    centers = points[:k].copy()
    row_sq = np.empty(n)
    _gemm.row_norms(points, row_sq)
    per_row = [np.zeros(n, np.int32), np.zeros(n, np.int32)] + [
        np.full(n, np.inf, np.float32) for _ in range(3)]
    dots = np.ascontiguousarray((centers @ points.T).astype(np.float32))
    center_sq = (centers * centers).sum(axis=1, dtype=np.float32)
    return points, centers, dots, center_sq, row_sq, per_row


def test_nearest_from_dots_refuses_rows_out_of_range_and_short_state():
    points, centers, dots, center_sq, row_sq, per_row = _tile_arguments()
    labels, runner_up, upper, lower, runner_lower = per_row
    rows = np.arange(len(points))
    rows[7] = len(points)
    with pytest.raises(ValueError, match="rows must be row indices of X"):
        _gemm.nearest_from_dots(points, centers, rows, dots, center_sq, 1.0, row_sq, labels,
                                runner_up, upper, lower, runner_lower, np.zeros(1, np.int64))
    with pytest.raises(ValueError, match="runner_lower must have one entry per row"):
        _gemm.nearest_from_dots(points, centers, np.arange(len(points)), dots, center_sq, 1.0,
                                row_sq, labels, runner_up, upper, lower, runner_lower[:-1],
                                np.zeros(1, np.int64))


def test_rows_to_search_searches_rows_whose_runner_up_is_out_of_range():
    points, centers, _, _, _, (labels, runner_up, upper, lower, runner_lower) = _tile_arguments()
    upper.fill(0.0)  # bounds that keep every label...
    lower.fill(np.inf)
    runner_lower.fill(np.inf)
    runner_up[[3, 9]] = [len(centers), -1]  # ...but two runners-up are not centers
    moves = np.zeros(len(centers))
    half_gaps = np.zeros(len(centers))
    pending = np.empty(len(points), np.int64)
    counts = np.empty(kernels.chunk_count(len(points)), np.int64)
    near = np.empty((len(centers), 3), np.int32)
    near_low = np.empty((len(centers), 3))
    _neighbours.center_neighbours(centers, near, near_low)
    movers = np.empty(2, np.int32)
    _gemm.rows_to_search(points, centers, moves, half_gaps, near, near_low, movers, labels,
                         runner_up, upper, lower, runner_lower, pending, counts)
    assert counts.sum() == 2
    with pytest.raises(ValueError, match="runner_up must have one entry per row"):
        _gemm.rows_to_search(points, centers, moves, half_gaps, near, near_low, movers, labels,
                             runner_up[:-1], upper, lower, runner_lower, pending, counts)
    with pytest.raises(ValueError, match="near_low must be as wide as near"):
        _gemm.rows_to_search(points, centers, moves, half_gaps, near, near_low[:, :2], movers,
                             labels, runner_up, upper, lower, runner_lower, pending, counts)
    with pytest.raises(ValueError, match="movers must not outnumber the centers"):
        _gemm.rows_to_search(points, centers, moves, half_gaps, near, near_low,
                             np.empty(len(centers) + 1, np.int32), labels, runner_up, upper,
                             lower, runner_lower, pending, counts)

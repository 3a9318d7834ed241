"""fastquant.kernels._repair: cv2's empty-cluster repair."""

import numpy as np
import pytest

from fastquant.kernels import _distinct_table, _repair
from fastquant.kernels._tunables import FARTHEST_IN_STEP_MIN_FEATURES

from .. import naive
from ._data import NO_INVERSE, ones


_NO_MOVES = (np.empty(0, np.int32), np.empty(0, np.int64), np.empty(0, np.int32))


_NO_LAST = np.empty(0, np.int64)


def test_farthest_sample_takes_highest_index_on_ties():
    points = np.array([[0], [3], [-3], [1], [3], [9]], dtype=np.float32)
    labels = np.array([0, 0, 0, 0, 0, 1], dtype=np.int32)
    center = np.zeros((1, 1), dtype=np.float32)
    weights = ones(points)
    assert _repair.farthest_sample(points, weights, labels, NO_INVERSE, _NO_LAST, *_NO_MOVES, 0, center) == 4
    assert _repair.farthest_sample(points, weights, labels, NO_INVERSE, _NO_LAST, *_NO_MOVES, 1, center) == 5
    same = np.zeros((3, 2), dtype=np.float32)
    zeros = np.zeros(3, np.int32)
    assert _repair.farthest_sample(same, ones(same), zeros, NO_INVERSE, _NO_LAST, *_NO_MOVES, 0, same[:1]) == 2


@pytest.mark.parametrize("n_features", [1, FARTHEST_IN_STEP_MIN_FEATURES])
def test_farthest_sample_on_rows_skips_moved_samples(n_features):
    # (both searches: row by row, and eight rows in step)
    rows = np.zeros((3, n_features), dtype=np.float32)
    rows[:, 0] = [0, 5, -5]
    weights = np.array([2, 3, 2], dtype=np.int32)
    inverse = np.array([1, 0, 2, 1, 1, 0, 2], dtype=np.int32)  # samples of each row
    labels = np.zeros(3, dtype=np.int32)
    center = np.zeros((1, n_features), dtype=np.float32)
    last = _distinct_table.last_samples(inverse, 3)
    np.testing.assert_array_equal(last, [5, 4, 6])
    # rows 1 and 2 are equally far: the highest sample among them is 6 (row 2).
    assert _repair.farthest_sample(rows, weights, labels, inverse, last, *_NO_MOVES, 0, center) == 6
    # sample 6 moved to cluster 1: the next is sample 4 (row 1).
    count = np.array([0, 0, 1], dtype=np.int32)
    moved = (count, np.array([6], np.int64), np.array([1], np.int32))
    assert _repair.farthest_sample(rows, weights, labels, inverse, last, *moved, 0, center) == 4
    # ... and it is the only, hence farthest, sample of cluster 1.
    assert _repair.farthest_sample(rows, weights, labels, inverse, last, *moved, 1, center) == 6
    # both samples of row 2, the farthest, moved: the row no longer counts.
    rows[2, 0] = -6
    count = np.array([0, 0, 2], dtype=np.int32)
    moved = (count, np.array([2, 6], np.int64), np.array([1, 1], np.int32))
    assert _repair.farthest_sample(rows, weights, labels, inverse, last, *moved, 0, center) == 4


@pytest.mark.parametrize("n_features", [3, FARTHEST_IN_STEP_MIN_FEATURES, 128])
@pytest.mark.parametrize("n", [5, 8, 203])
def test_farthest_sample_is_cv2s_among_many_rows_ties_to_the_highest(n, n_features):
    # (from FARTHEST_IN_STEP_MIN_FEATURES features rows are measured eight at a time;
    # ties fall in and across those groups)
    rng = np.random.default_rng(n)
    points = (rng.standard_normal((n, n_features)) * 3).astype(np.float32)
    labels = rng.integers(0, 2, n).astype(np.int32)
    center = points[:1] + np.float32(0.25)
    dists = naive.sq_distances(points, center)[:, 0]
    far = int(np.flatnonzero(labels == 1)[np.argmax(dists[labels == 1])])
    for copy in (n // 3, n - 1):  # exact copies of the farthest row
        points[copy] = points[far]
        labels[copy] = 1
    dists = naive.sq_distances(points, center)[:, 0]
    expected = int(np.flatnonzero((labels == 1) & (dists == dists[labels == 1].max()))[-1])
    got = _repair.farthest_sample(points, ones(points), labels, NO_INVERSE, _NO_LAST,
                                  *_NO_MOVES, 1, center)
    assert got == expected

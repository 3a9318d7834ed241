"""fastquant.kernels._cell_passes: passes over grid cells against the row-by-row pass."""

import numpy as np
import pytest

from fastquant import _cell_lloyd, _distinct, _validation, kernels
from fastquant.kernels import _cell_passes

from .test_cell_tree import rows_of


def _near_tie_centers(rng, rows, n_clusters):
    """Centers where many rows are within float32 rounding of a bisector: each center
    after the first is the mirror image of another through a row, moved by a few ulps."""
    values = rows.values.astype(np.float64)
    centers = [rng.uniform(values.min(0), values.max(0))]
    while len(centers) < n_clusters:
        mirror = 2 * values[rng.integers(len(values))] - centers[rng.integers(len(centers))]
        centers.append(mirror)
    centers = np.array(centers, dtype=np.float32)
    steps = rng.integers(-3, 4, size=centers.shape)
    for _ in range(int(np.abs(steps).max())):
        centers = np.where(steps > 0, np.nextafter(centers, np.float32(np.inf)), centers)
        centers = np.where(steps < 0, np.nextafter(centers, np.float32(-np.inf)), centers)
        steps = steps - np.sign(steps)
    return centers


def _plain(rows, centers):
    """Labels, sums, counts and weighted squared norms of the row-by-row pass (cv2's
    float32 order; integer rows, so the float64 sums are exact)."""
    labels = np.empty(len(rows.values), dtype=np.int32)
    kernels.assign(rows.values, centers, labels, np.empty(len(rows.values), dtype=np.float32))
    values = rows.values.astype(np.float64)
    sums = np.zeros(centers.shape)
    np.add.at(sums, labels, rows.weights[:, None] * values)
    counts = np.bincount(labels, weights=rows.weights, minlength=len(centers)).astype(np.int64)
    squares = np.bincount(labels, weights=rows.weights * (values**2).sum(1),
                          minlength=len(centers))
    return labels, sums, counts, squares


def _tree_pass(tree, centers):
    labels = np.empty(len(tree.order), dtype=np.int32)
    tree.labels(centers, labels)
    k, d = centers.shape
    sums, counts, squares = np.empty((k, d)), np.empty(k, dtype=np.int64), np.empty(k)
    done, empty = tree.passes(centers.copy(), 1, 0.0, sums, counts, squares, np.empty_like(centers))
    assert done == 1 and empty == (counts == 0).any()
    return labels, sums, counts, squares


@pytest.mark.parametrize("n_features", [1, 2, 3])
@pytest.mark.parametrize("n_clusters", [2, 3, 4])
def test_cell_pass_gives_the_plain_pass_near_ties(n_features, n_clusters):
    rows, points = rows_of(n_features * 10 + n_clusters, n_features)
    tree = _cell_lloyd.CellTree(rows, points)
    rng = np.random.default_rng(n_clusters)
    for trial in range(40):
        centers = _near_tie_centers(rng, rows, n_clusters)
        expected = _plain(rows, centers)
        got = _tree_pass(tree, centers)
        for name, a, b in zip(("labels", "sums", "counts", "squares"), got, expected):
            np.testing.assert_array_equal(a, b, err_msg=f"{name}, trial {trial}")


def test_cell_pass_breaks_exact_ties_to_the_lower_index():
    # Centers 10.5 +- 0.5 apart along feature 0: rows at 10 and 11 lie at equal float32
    # distances from both (exactly), so both must go to center 0 as cv2 sends them.
    samples = np.array([[x, y, 3] for x in range(8, 14) for y in range(4)] * 2, np.float32)
    points = _validation.as_points(samples)
    rows = _distinct.distinct_rows(points)
    tree = _cell_lloyd.CellTree(rows, points)
    for centers in ([[10, 1, 3], [11, 1, 3]], [[11, 1, 3], [10, 1, 3]]):
        centers = np.array(centers, np.float32)
        expected = _plain(rows, centers)
        for a, b in zip(_tree_pass(tree, centers), expected):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("n_features", [1, 2, 3])
def test_leaf_rows_move_from_their_leafs_cluster_exactly(n_features):
    # A leaf's totals go to its middle's nearest center and the rows searched elsewhere
    # move out: leaves split by a bisector through rows, duplicate centers (the lower
    # index takes all), a cluster left empty, centers inside a one-row leaf, and leaves
    # of one row each (spread-out colours).
    for seed, distinct in ((1, 900), (2, 12)):
        rows, points = rows_of(seed + n_features, n_features, distinct=distinct)
        tree = _cell_lloyd.CellTree(rows, points)
        values = rows.values
        one = values[0]
        cases = [
            np.stack([one - 1, one + 1]),  # bisector through row 0 (a tie: center 0)
            np.stack([one + 1, one - 1]),
            np.stack([one, one, values[-1]]),  # duplicate centers
            np.stack([values[-1], one, one]),
            np.stack([one, np.full(n_features, 1e4)]),  # an empty cluster
            np.stack([np.full(n_features, 1e4), one, values.mean(0)]),
            np.stack([one + 0.25, one - 0.25, one + 0.5, one - 0.5]),
            np.stack([values.mean(0), values.mean(0) + 0.5]),
        ]
        for case, centers in enumerate(cases):
            centers = np.asarray(centers, np.float32)
            got, expected = _tree_pass(tree, centers), _plain(rows, centers)
            for name, a, b in zip(("labels", "sums", "counts", "squares"), got, expected):
                np.testing.assert_array_equal(a, b, err_msg=f"{name}, {distinct}, case {case}")


def test_passes_stop_at_an_empty_cluster_and_at_the_pass_limit():
    rows, points = rows_of(5, 3)
    tree = _cell_lloyd.CellTree(rows, points)
    far = np.array([[128, 128, 128], [1e4, 1e4, 1e4]], np.float32)
    sums, counts, squares = np.empty((2, 3)), np.empty(2, np.int64), np.empty(2)
    assert tree.passes(far.copy(), 5, 0.0, sums, counts, squares, np.empty_like(far)) == (1, True)
    start = np.array([[20, 20, 20], [230, 230, 230]], np.float32)
    following = np.empty_like(start)
    assert tree.passes(start.copy(), 3, -1.0, sums, counts, squares, following) == (3, False)


def test_kernels_refuse_mismatched_arguments():
    rows, points = rows_of(6, 3)
    tree = _cell_lloyd.CellTree(rows, points)
    centers = np.zeros((2, 3), np.float32)
    with pytest.raises(ValueError, match="labels must have one entry per row"):
        tree.labels(centers, np.empty(3, np.int32))
    with pytest.raises(ValueError, match="centers must have one column per column of X"):
        tree.labels(np.zeros((2, 2), np.float32), np.empty(len(tree.order), np.int32))
    with pytest.raises(ValueError, match="max_passes must be at least 1"):
        tree.passes(centers, 0, 0.0, np.empty((2, 3)), np.empty(2, np.int64), np.empty(2),
                    np.empty_like(centers))

    def walk(**changed):
        arrays = dict(zip(("rows", "weights", "first_row", "box"), tree.tree), **changed)
        broken = tuple(arrays.values()) + tree.tree[4:]
        _cell_passes.tree_passes(broken, centers, 2, 1, 0.0, np.empty((2, 3)),
                                 np.empty(2, np.int64), np.empty(2), np.empty_like(centers),
                                 tree.order, np.empty(0, np.int32))

    first_row = tree.first_row.copy()
    first_row[5] = len(tree.order) + 1
    with pytest.raises(ValueError, match="first_row must not decrease"):
        walk(first_row=first_row)
    with pytest.raises(ValueError, match="box must have one row per node"):
        walk(box=tree.box[1:])
    with pytest.raises(ValueError, match="shifts must have one entry per feature"):
        _cell_passes.tree_passes(tree.tree[:7] + (tree.shifts[:2],), centers, 2, 1, 0.0,
                                 np.empty((2, 3)), np.empty(2, np.int64), np.empty(2),
                                 np.empty_like(centers), tree.order, np.empty(0, np.int32))

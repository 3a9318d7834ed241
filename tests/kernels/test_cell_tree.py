"""fastquant.kernels._cell_tree: the tree of grid cells and its sums."""

import numpy as np
import pytest

from fastquant import _cell_lloyd, _distinct, _validation
from fastquant.kernels import _cell_tree


def rows_of(seed, n_features, n=3000, distinct=900, high=256):
    """Distinct integer rows (with weights) of random data, and their Points."""
    rng = np.random.default_rng(seed)
    colours = rng.integers(0, high, size=(distinct, n_features))
    samples = colours[rng.integers(0, distinct, n)].astype(np.float32)
    points = _validation.as_points(samples)
    rows = _distinct.distinct_rows(points)
    assert len(rows.inverse) and rows.exact_sums
    return rows, points


def test_node_sums_are_the_sums_of_their_rows():
    rows, points = rows_of(4, 3)
    tree = _cell_lloyd.CellTree(rows, points)
    assert sorted(tree.order.tolist()) == list(range(len(rows.values)))
    np.testing.assert_array_equal(tree.rows, rows.values[tree.order])
    root_sum = (rows.weights[:, None] * rows.values.astype(np.float64)).sum(0)
    np.testing.assert_array_equal(tree.sums[0], root_sum)
    assert tree.counts[0] == rows.weights.sum()
    np.testing.assert_array_equal(tree.box[0], [rows.values.min(0), rows.values.max(0)])
    n_leaves = len(tree.first_row) - 1
    leaves = tree.counts[len(tree.counts) - n_leaves:]
    np.testing.assert_array_equal(leaves, np.add.reduceat(
        np.append(tree.weights, 0), tree.first_row[:-1]) * (np.diff(tree.first_row) > 0))


def test_build_refuses_rows_outside_the_grid():
    rows, points = rows_of(6, 3)
    tree = _cell_lloyd.CellTree(rows, points)
    with pytest.raises(ValueError, match="rows must be integers within the grid"):
        _cell_tree.build_tree(rows.values, rows.weights, np.zeros(3, np.int64) + 100,
                              tree.shifts, tree.order, tree.rows, tree.weights,
                              tree.first_row, tree.box, tree.sums, tree.counts, tree.squares)
    with pytest.raises(ValueError, match="box must have one row per node"):
        _cell_tree.build_tree(rows.values, rows.weights, points.low.astype(np.int64),
                              tree.shifts, tree.order, tree.rows, tree.weights,
                              tree.first_row, tree.box[1:], tree.sums, tree.counts, tree.squares)
    with pytest.raises(ValueError, match="shifts must have one entry per feature"):
        _cell_tree.build_tree(rows.values, rows.weights, points.low.astype(np.int64),
                              tree.shifts[:2], tree.order, tree.rows, tree.weights,
                              tree.first_row, tree.box, tree.sums, tree.counts, tree.squares)


@pytest.mark.parametrize("n_features", [1, 2, 3])
def test_every_node_holds_the_sums_box_and_squares_of_its_rows(n_features):
    rows, points = rows_of(7 + n_features, n_features, distinct=400)
    tree = _cell_lloyd.CellTree(rows, points)
    n_leaves = len(tree.first_row) - 1
    fan = 1 << n_features
    bits = round(np.log(n_leaves) / np.log(fan))
    values = tree.rows.astype(np.float64)
    weights = tree.weights.astype(np.float64)
    node = 0
    for level in range(bits + 1):
        span = n_features * (bits - level)
        for m in range(fan**level):
            first, last = tree.first_row[m << span], tree.first_row[(m + 1) << span]
            if first < last:
                mine = slice(first, last)
                assert tree.counts[node] == weights[mine].sum()
                np.testing.assert_array_equal(
                    tree.sums[node], (weights[mine, None] * values[mine]).sum(0))
                assert tree.squares[node] == (weights[mine] * (values[mine]**2).sum(1)).sum()
                np.testing.assert_array_equal(tree.box[node, 0], tree.rows[mine].min(0))
                np.testing.assert_array_equal(tree.box[node, 1], tree.rows[mine].max(0))
            else:
                assert tree.counts[node] == 0
            node += 1
    assert node == len(tree.counts)

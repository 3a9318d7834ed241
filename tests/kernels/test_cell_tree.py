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

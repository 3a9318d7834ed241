"""The cell tree of the cell passes (``_cell_passes``): distinct integer rows sorted
into the leaves of a complete tree over a grid.

The grid has ``2**bits`` cells per feature; each node splits every feature in two, so a
node has ``2**D`` children, and the nodes of a level are numbered in Morton order: the
rows of every node, once sorted by leaf, are one contiguous range. Each node keeps the
bounding box of its rows, their exact float64 sums (integers below 2**53: exact in any
order), their total weight and their weighted squared norms (an empty node only its
weight, 0).
"""

import numpy as np

from .._jit import helper, inline
from ._checks import require_at_most, require_equal
from ._common import F32_INF


def tree_sizes(n_features, bits):
    """(leaves, nodes) of the tree of ``bits`` levels below its root over
    ``n_features`` features."""
    fan = 1 << n_features
    return fan**bits, (fan ** (bits + 1) - 1) // (fan - 1)


@inline
def level_offset(level, n_features):
    """Index of the first node of ``level`` (the root is level 0, node 0)."""
    fan = 1 << n_features
    return ((1 << (n_features * level)) - 1) // (fan - 1)


@inline
def depth(n_leaves, n_features):
    """The levels below the root of a tree with ``n_leaves`` leaves (0 unless a power
    of ``2**n_features``: callers check)."""
    fan = 1 << n_features
    bits = 0
    while fan**bits < n_leaves:
        bits += 1
    return bits


@inline
def require_nodes(first_row, box, node_sums, node_weights, node_squares, n_features):
    """The node arrays fit a tree over ``first_row``'s leaves; returns its depth."""
    n_leaves = first_row.shape[0] - 1
    fan = 1 << n_features
    bits = depth(n_leaves, n_features)
    require_equal(fan**bits, n_leaves, "first_row must have one entry per leaf, plus one")
    n_nodes = (fan ** (bits + 1) - 1) // (fan - 1)
    require_equal(box.shape[0], n_nodes, "box must have one row per node")
    require_equal(box.shape[1], 2, "box must hold a low and a high corner")
    require_equal(box.shape[2], n_features, "box must have one column per feature")
    require_equal(node_sums.shape[0], n_nodes, "node_sums must have one row per node")
    require_equal(node_sums.shape[1], n_features, "node_sums must have one column per feature")
    require_equal(node_weights.shape[0], n_nodes, "node_weights must have one entry per node")
    require_equal(node_squares.shape[0], n_nodes, "node_squares must have one entry per node")
    return bits


@inline
def node_rows(first_row, level, m, bits, n_features):
    """The sorted rows ``first`` to ``last - 1`` of node ``m`` of ``level``."""
    span = n_features * (bits - level)
    return first_row[m << span], first_row[(m + 1) << span]


@inline
def has_rows(first_row, level, m, bits, n_features):
    """Whether node ``m`` of ``level`` holds a row."""
    first, last = node_rows(first_row, level, m, bits, n_features)
    return first < last


@inline
def square_norm(rows, p, n_features):
    """The squared norm (float64) of row ``p``'s first ``n_features`` values (the
    caller's constant, so that the loop unrolls)."""
    total = 0.0
    for j in range(n_features):
        value = np.float64(rows[p, j])
        total += value * value
    return total


@inline
def _clear_node(box, node_sums, node_squares, node):
    node_squares[node] = 0.0
    for j in range(node_sums.shape[1]):
        node_sums[node, j] = 0.0
        box[node, 0, j] = F32_INF
        box[node, 1, j] = -F32_INF


@inline
def _leaf_totals(tree_rows, tree_weights, first, last, box, node_sums, node_weights,
                 node_squares, node, n_features):
    """Fill ``node`` with the box, sums, weight and squares of sorted rows ``first`` to
    ``last - 1`` (a leaf's, in row order; at least one). One feature at a time, so
    that every total is a local (the node's arrays may alias the rows, for all the
    compiler knows); the squares add up in row order as ever."""
    weight_total = 0
    square_total = 0.0
    for p in range(first, last):
        weight_total += tree_weights[p]
        square_total += tree_weights[p] * square_norm(tree_rows, p, n_features)
    node_weights[node] = weight_total
    node_squares[node] = square_total
    for j in range(n_features):
        total = 0.0
        low = high = tree_rows[first, j]
        for p in range(first, last):
            value = tree_rows[p, j]
            total += tree_weights[p] * np.float64(value)
            low = min(low, value)
            high = max(high, value)
        node_sums[node, j] = total
        box[node, 0, j] = low
        box[node, 1, j] = high


@helper
def build_tree(X, weights, low, shifts, order, tree_rows, tree_weights, first_row, box,
               node_sums, node_weights, node_squares):
    """Sort rows into the leaves of the tree and fill the nodes.

    Parameters
    ----------
    X, weights
        IN: integer-valued rows and their weights.
    low : int64 (n_features,)
        IN: the smallest value of each feature.
    shifts : tuple of n_features ints
        IN: leaf coordinate of a row along feature j is ``(x_j - low_j) >> shifts[j]``,
        below ``2**bits`` (bits from the tree's size). A tuple, so that its length, the
        number of features, is a constant of the compiled code (the feature loops
        unroll; one specialisation per number of features).
    order : int32 (n_rows,)
        OUT: the row of X at each position of the sorted rows.
    tree_rows, tree_weights
        OUT: the rows and weights, sorted by leaf (in row order within a leaf).
    first_row : int64 (n_leaves + 1,)
        OUT: the sorted rows of leaf ``m`` (in tree order) are ``first_row[m]`` to
        ``first_row[m + 1] - 1``.
    box : float32 (n_nodes, 2, n_features)
        OUT: the smallest and largest value of each feature over a node's rows
        (undefined for empty nodes).
    node_sums : float64 (n_nodes, n_features)
        OUT: the weighted sums of a node's rows (undefined for empty nodes).
    node_weights : int64 (n_nodes,)
        OUT: their total weight (0 for empty nodes).
    node_squares : float64 (n_nodes,)
        OUT: the weighted sums of the rows' squared norms (for estimates; undefined for
        empty nodes).
    """
    n_rows, n_features = X.shape
    require_equal(weights.shape[0], n_rows, "weights must have one entry per row of X")
    require_equal(low.shape[0], n_features, "low must have one entry per feature")
    require_equal(len(shifts), n_features, "shifts must have one entry per feature")
    require_equal(order.shape[0], n_rows, "order must have one entry per row of X")
    require_equal(tree_rows.shape[0], n_rows, "tree_rows must have one row per row of X")
    require_equal(tree_rows.shape[1], n_features, "tree_rows must have one column per feature")
    require_equal(tree_weights.shape[0], n_rows, "tree_weights must have one entry per row")
    bits = require_nodes(first_row, box, node_sums, node_weights, node_squares, n_features)
    n_features = len(shifts)  # (a constant)
    n_nodes = box.shape[0]
    n_leaves = first_row.shape[0] - 1
    fan = 1 << n_features
    # Morton code of each leaf coordinate, one feature at a time: bit b of the
    # coordinate of feature j goes to bit b * n_features + (n_features - 1 - j).
    spread = np.zeros((n_features, 1 << bits), dtype=np.int32)
    for j in range(n_features):
        for value in range(1 << bits):
            code = 0
            for b in range(bits):
                code |= ((value >> b) & 1) << (b * n_features + n_features - 1 - j)
            spread[j, value] = code
    leaf = np.empty(n_rows, dtype=np.int32)
    for m in range(n_leaves + 1):
        first_row[m] = 0
    n_bad = 0
    for i in range(n_rows):
        code = 0
        for j in range(n_features):
            coordinate = (np.int64(X[i, j]) - low[j]) >> shifts[j]
            if coordinate < 0 or coordinate >= (1 << bits):
                n_bad += 1
                coordinate = 0
            code |= spread[j, coordinate]
        leaf[i] = code
        first_row[code + 1] += 1
    require_at_most(n_bad, 0, "rows must be integers within the grid (low, shifts)")
    for m in range(n_leaves):
        first_row[m + 1] += first_row[m]
    # The rows are placed first, then each leaf's rows (now side by side, in row
    # order) are summed in registers: every value added is an integer below 2**53,
    # exact in any order, and the squares round as they would in row order. (With the
    # feature loops unrolled this is as fast as gathering the sums as the rows are
    # placed, 0.90 against 0.89 ms on messi.jpg, and leaves the empty leaves alone.)
    cursor = first_row[:n_leaves].copy()
    for i in range(n_rows):
        p = cursor[leaf[i]]
        cursor[leaf[i]] = p + 1
        order[p] = i
        tree_weights[p] = weights[i]
        for j in range(n_features):
            tree_rows[p, j] = X[i, j]
    leaves = n_nodes - n_leaves
    for m in range(n_leaves):
        node_weights[leaves + m] = 0  # (the rest of an empty node is left undefined)
        if first_row[m] < first_row[m + 1]:
            _leaf_totals(tree_rows, tree_weights, first_row[m], first_row[m + 1], box,
                         node_sums, node_weights, node_squares, leaves + m, n_features)
    for level in range(bits - 1, -1, -1):
        offset = level_offset(level, n_features)
        below = level_offset(level + 1, n_features)
        for m in range(1 << (n_features * level)):
            node = offset + m
            node_weights[node] = 0
            first, last = node_rows(first_row, level, m, bits, n_features)
            if first == last:
                continue
            _clear_node(box, node_sums, node_squares, node)
            for c in range(m * fan, (m + 1) * fan):
                child = below + c
                first, last = node_rows(first_row, level + 1, c, bits, n_features)
                if first == last:
                    continue
                node_weights[node] += node_weights[child]
                node_squares[node] += node_squares[child]
                for j in range(n_features):
                    node_sums[node, j] += node_sums[child, j]
                    box[node, 0, j] = min(box[node, 0, j], box[child, 0, j])
                    box[node, 1, j] = max(box[node, 1, j], box[child, 1, j])

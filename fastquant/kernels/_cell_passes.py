"""Lloyd passes over the cell tree (``_cell_tree``): whole cells labelled at once.

A pass walks the tree from the top. A node lies wholly on one side of every bisector
between its nearest center ``a`` and each other center ``b`` when the exact ``d_b(x) -
d_a(x)`` (linear in ``x``, so smallest at a corner of the box) exceeds ``(D + 2) 2**-22
(max d_a + max d_b)``, the maxima taken over the whole data's box. cv2's float32
distances (``t = x - c`` rounded, squared, summed in feature order: ``D + 2`` roundings)
are each within a relative ``1.01 (D + 2) 2**-24`` of the exact ones, so every row of
such a node gets label ``a`` from the row-by-row search too, ties included (a tie never
passes the test). The node then adds its sums and weight to cluster ``a``; other nodes
are opened, and the rows of a leaf are searched one by one in cv2's float32 order. An
unsettled leaf also adds its totals to ``a`` first, and each row the search labels
``b != a`` then moves: its weighted values are taken from ``a`` and added to ``b``. The
sums are those of the plain pass: weighted sums of integers below 2**53 are exact in
float64 in any order, removals included (``Rows.exact_sums``: every partial sum is
bounded by the sum of the weighted values' magnitudes, below 2**53). The sums of squared
norms are exact too while their total is below 2**53; beyond it they round once per
addition or removal, by at most 2**-53 of that total each, as in the plain order (they
serve only for estimates, whose margin allows for that).
"""

import numpy as np

from .._jit import helper, inline
from ._cell_tree import (
    depth, has_rows, level_offset, node_rows, require_nodes, square_norm,
)
from ._checks import require_at_least, require_at_most, require_centers, require_equal
from ._common import F32_INF, F32_ZERO
from ._passes import cluster_means

#: Relative margin of the bisector test per feature-plus-two: 4x the float32 rounding of
#: a squared distance (1.01 (D + 2) 2**-24), which also covers the float64 evaluation of
#: the test (float32 operands, so ``2 x - a - b`` is exact and each product rounds once).
#: A constant of the proof, not a tunable.
_MARGIN_PER_FEATURE = 2.0**-22
#: Absolute margin: covers float32 underflow of tiny squares (2**-149 a rounding).
_TINY = 1e-30



@inline
def _farthest(box, node, centers, far):
    """``far[k]``: the largest squared distance (float64) from ``node``'s box to center k."""
    for k in range(centers.shape[0]):
        total = 0.0
        for j in range(centers.shape[1]):
            low = np.float64(box[node, 0, j]) - np.float64(centers[k, j])
            high = np.float64(box[node, 1, j]) - np.float64(centers[k, j])
            total += max(low * low, high * high)
        far[k] = total


@inline
def _node_label(box, node, centers, limit, n_features):
    """The center nearest the middle of a node's box (float64), and whether every row of
    the node is nearer to it than to any other center by ``limit`` (the proven margin
    over the whole data: see :func:`_tree_pass`)."""
    n_clusters = centers.shape[0]
    nearest = 0
    best = np.inf
    for k in range(n_clusters):
        middle = 0.0
        for j in range(n_features):
            half = 0.5 * (np.float64(box[node, 0, j]) + np.float64(box[node, 1, j])) - centers[k, j]
            middle += half * half
        if middle < best:
            best = middle
            nearest = k
    for k in range(n_clusters):
        if k == nearest:
            continue
        # d_k(x) - d_a(x) = sum_j g_j (2 x_j - a_j - k_j), g = a - k: smallest at the
        # corner that takes the low side where g_j > 0 (float32 operands: 2 x - a - k
        # is exact in float64 for values of like magnitude).
        gap = 0.0
        for j in range(n_features):
            a = np.float64(centers[nearest, j])
            c = np.float64(centers[k, j])
            g = a - c
            x = np.float64(box[node, 0, j]) if g > 0 else np.float64(box[node, 1, j])
            gap += g * (2.0 * x - a - c)
        if not gap > limit[nearest, k]:
            return nearest, False
    return nearest, True


@inline
def _search_leaf(tree_rows, tree_weights, centers, first, last, nearest, sums, counts,
                 squares, order, labels, n_features):
    """Search the rows ``first`` to ``last - 1`` of a leaf one by one in cv2's float32
    order. The leaf's totals are already with cluster ``nearest``: the rows the search
    sends elsewhere move (their sums are exact integers, so taking them out again gives
    the sums of adding every row to its own cluster)."""
    for p in range(first, last):
        best = F32_INF
        label = 0
        for k in range(centers.shape[0]):
            d = F32_ZERO
            for j in range(n_features):
                t = tree_rows[p, j] - centers[k, j]
                d += t * t
            closer = d < best  # (selects, not branches: rows near a
            best = d if closer else best  # bisector go either way)
            label = k if closer else label
        if label != nearest:
            weight = tree_weights[p]
            counts[label] += weight
            counts[nearest] -= weight
            square = weight * square_norm(tree_rows, p, n_features)
            squares[label] += square
            squares[nearest] -= square
            for j in range(n_features):
                value = weight * np.float64(tree_rows[p, j])
                sums[label, j] += value
                sums[nearest, j] -= value
        if labels.shape[0] > 0:
            labels[order[p]] = label


@inline
def _walk(tree, centers, limit, start, sums, counts, squares, order, labels, n_features):
    """The walk of :func:`_tree_pass` from the nodes of level ``start``."""
    tree_rows, tree_weights, first_row, box, node_sums, node_weights, node_squares = tree[:7]
    fan = 1 << n_features
    n_leaves = first_row.shape[0] - 1
    bits = depth(n_leaves, n_features)
    offsets = np.empty(bits + 1, dtype=np.int64)  # (no division per node)
    for level in range(bits + 1):
        offsets[level] = level_offset(level, n_features)
    stack_level = np.empty((1 << (n_features * start)) + bits * fan, dtype=np.int64)
    stack_node = np.empty_like(stack_level)
    top = 0
    for m in range((1 << (n_features * start)) - 1, -1, -1):
        if has_rows(first_row, start, m, bits, n_features):  # (only nodes with rows)
            stack_level[top] = start
            stack_node[top] = m
            top += 1
    while top > 0:
        top -= 1
        level = stack_level[top]
        m = stack_node[top]
        first, last = node_rows(first_row, level, m, bits, n_features)
        node = offsets[level] + m
        nearest, settled = _node_label(box, node, centers, limit, n_features)
        if settled or level == bits:  # (a leaf's rows then move: see _search_leaf)
            counts[nearest] += node_weights[node]
            squares[nearest] += node_squares[node]
            for j in range(n_features):
                sums[nearest, j] += node_sums[node, j]
        if settled:
            if labels.shape[0] > 0:
                for p in range(first, last):
                    labels[order[p]] = nearest
        elif level < bits:
            for child in range((m + 1) * fan - 1, m * fan - 1, -1):
                stack_level[top] = level + 1  # (kept only if it has rows: no branch)
                stack_node[top] = child
                top += has_rows(first_row, level + 1, child, bits, n_features)
        else:
            _search_leaf(tree_rows, tree_weights, centers, first, last, nearest, sums,
                         counts, squares, order, labels, n_features)


@inline
def _tree_pass(tree, centers, start_level, sums, counts, squares, order, labels):
    """One assignment pass over the tree: the sums, counts and sums of squared norms of
    the nearest centers' clusters (cleared first) and, when ``labels`` is not empty, the
    label of every row (``labels[order[p]]`` for sorted row p)."""
    first_row, box = tree[2], tree[3]
    n_features = len(tree[7])  # (a constant: the feature loops unroll)
    n_clusters = centers.shape[0]
    n_leaves = first_row.shape[0] - 1
    for k in range(n_clusters):
        counts[k] = 0
        squares[k] = 0.0
        for j in range(n_features):
            sums[k, j] = 0.0
    if first_row[n_leaves] == 0:
        return
    # Every node's box lies within the root's, so the largest squared distances from
    # the root's box bound those of every node: the margin of a pair of centers is
    # computed once per pass (it exceeds a node's own by less than the float32 rounding
    # of the data's largest distances, about 10**-6 of them).
    margin = (n_features + 2) * _MARGIN_PER_FEATURE
    far = np.empty(n_clusters, dtype=np.float64)
    _farthest(box, 0, centers, far)
    limit = np.empty((n_clusters, n_clusters), dtype=np.float64)
    for a in range(n_clusters):
        for k in range(n_clusters):
            limit[a, k] = margin * (far[a] + far[k]) + _TINY
    start = min(start_level, depth(n_leaves, n_features))
    _walk(tree, centers, limit, start, sums, counts, squares, order, labels, n_features)


@inline
def _require_tree(tree, centers):
    """The arrays of a tree agree (see :func:`build_tree`), and ``first_row`` only
    points at rows (the walk reads the rows it points at unchecked)."""
    tree_rows, tree_weights, first_row, box, node_sums, node_weights, node_squares = tree[:7]
    n_rows, n_features = tree_rows.shape
    require_centers(centers, n_features)
    require_at_least(n_features, 1, "tree_rows must have at least one feature")
    require_equal(len(tree[7]), n_features, "shifts must have one entry per feature")
    require_equal(tree_weights.shape[0], n_rows, "tree_weights must have one entry per row")
    require_nodes(first_row, box, node_sums, node_weights, node_squares, n_features)
    n_leaves = first_row.shape[0] - 1
    require_equal(first_row[0], 0, "first_row must start at 0")
    require_equal(first_row[n_leaves], n_rows, "first_row must end at n_rows")
    n_bad = 0
    for m in range(n_leaves):
        if first_row[m + 1] < first_row[m]:
            n_bad += 1
    require_at_most(n_bad, 0, "first_row must not decrease")


@helper
def tree_passes(tree, centers, start_level, max_passes, eps_sq, sums, counts, squares,
                following, order, labels):
    """Lloyd passes over the tree, with cv2's center update and stopping rule, until an
    empty cluster, the last allowed pass or a small enough move; or one pass that labels
    every row.

    Parameters
    ----------
    tree : tuple
        IN: ``(tree_rows, tree_weights, first_row, box, node_sums, node_weights,
        node_squares, shifts)`` from :func:`build_tree` (``shifts``, a tuple, only for
        its length: the number of features is then a constant of the compiled walk).
    centers : float32 (n_clusters, n_features)
        INOUT: the centers of the first pass in; the centers of the last pass out.
    start_level : int
        The walk starts at the nodes of this level (capped at the leaves').
    max_passes : int
        At most this many passes (at least 1).
    eps_sq : float
        The passes stop once no center moves more than this (squared).
    sums : float64 (n_clusters, n_features)
        OUT: the sums of the last pass's clusters.
    counts : int64 (n_clusters,)
        OUT: their weights.
    squares : float64 (n_clusters,)
        OUT: their weighted sums of squared norms (rounded: for estimates only).
    following : float32 (n_clusters, n_features)
        OUT: the means of the last pass's clusters (unless one is empty, or labelled).
    order : int32 (n_rows,)
        IN: the row of X at each sorted row (:func:`build_tree`).
    labels : int32 (n_rows,) or (0,)
        OUT unless empty: the nearest center of every row of X (lowest index on ties),
        as the row-by-row search in cv2's float32 order gives it. Then one pass runs,
        and its means are not computed.

    Returns
    -------
    (int, bool)
        The passes run, and whether the last one left a cluster empty (then neither
        its means nor the stopping rule were computed: cv2 repairs first).
    """
    tree_rows = tree[0]
    _require_tree(tree, centers)
    require_at_least(max_passes, 1, "max_passes must be at least 1")
    require_equal(sums.shape[0], centers.shape[0], "sums must have one row per center")
    require_equal(sums.shape[1], centers.shape[1], "sums must have one column per feature")
    require_equal(counts.shape[0], centers.shape[0], "counts must have one entry per center")
    require_equal(squares.shape[0], centers.shape[0], "squares must have one entry per center")
    require_equal(following.shape[0], centers.shape[0], "following must have one row per center")
    require_equal(following.shape[1], centers.shape[1],
                  "following must have one column per feature")
    require_equal(order.shape[0], tree_rows.shape[0], "order must have one entry per row")
    if labels.shape[0] > 0:
        require_equal(labels.shape[0], tree_rows.shape[0], "labels must have one entry per row")
        n_bad = 0
        for p in range(order.shape[0]):
            if order[p] < 0 or order[p] >= order.shape[0]:
                n_bad += 1
        require_at_most(n_bad, 0, "order must hold row indices")
    done = 0
    while True:
        _tree_pass(tree, centers, start_level, sums, counts, squares, order, labels)
        done += 1
        for k in range(counts.shape[0]):
            if counts[k] == 0:
                return done, True
        if labels.shape[0] > 0:
            return done, False
        shift = cluster_means(sums, counts, centers, following)
        if done == max_passes or shift <= eps_sq:
            return done, False
        for k in range(centers.shape[0]):
            for j in range(centers.shape[1]):
                centers[k, j] = following[k, j]

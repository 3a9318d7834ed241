"""Attempts of Lloyd's algorithm whose passes label whole cells of a colour grid
(``kernels._cell_tree``, ``kernels._cell_passes``), for distinct integer rows with few
features and few clusters.

The passes give the labels, sums and counts of the plain passes (``_lloyd.RowPasses``),
so an attempt ends with the same centers, labels and compactness; what changes is the
cost: at K = 2 on messi.jpg's 69,991 colours, a pass looks at about 800 cells and 3,200
rows instead of every row. The compactness, a pass over the rows, is summed only for the
attempts that an estimate from exact second moments cannot rule out
(:func:`best_outcome`).
"""

from typing import Callable

import numpy as np

from ._distinct import Rows
from ._lloyd import Attempt, RowPasses, _means, fill_empty_clusters
from ._validation import Criteria, Points
from .kernels import _cell_passes, _cell_tree
from .kernels._tunables import (
    CELL_TREE_BITS, CELL_TREE_MAX_CLUSTERS, CELL_TREE_MAX_FEATURES, CELL_TREE_START_LEVEL,
)


_NO_LABELS = np.empty(0, dtype=np.int32)


class CellTree:
    """The rows sorted into the cells of a grid, with each cell's sums (shared by the
    attempts of a call: nothing in it changes)."""

    def __init__(self, rows: Rows, points: Points):
        n_rows, n_features = rows.values.shape
        bits = CELL_TREE_BITS // n_features
        spans = points.high.astype(np.int64) - points.low.astype(np.int64)
        self.shifts = tuple(max(0, int(s).bit_length() - bits) for s in spans)
        n_leaves, n_nodes = _cell_tree.tree_sizes(n_features, bits)
        self.order = np.empty(n_rows, dtype=np.int32)
        self.rows = np.empty_like(rows.values)
        self.weights = np.empty_like(rows.weights)
        self.first_row = np.empty(n_leaves + 1, dtype=np.int64)
        self.box = np.empty((n_nodes, 2, n_features), dtype=np.float32)
        self.sums = np.empty((n_nodes, n_features), dtype=np.float64)
        self.counts = np.empty(n_nodes, dtype=np.int64)
        self.squares = np.empty(n_nodes, dtype=np.float64)
        _cell_tree.build_tree(rows.values, rows.weights, points.low.astype(np.int64),
                              self.shifts, self.order, self.rows, self.weights,
                              self.first_row, self.box, self.sums, self.counts, self.squares)
        self.tree = (self.rows, self.weights, self.first_row, self.box, self.sums,
                     self.counts, self.squares, self.shifts)

    def labels(self, centers: np.ndarray, out: np.ndarray):
        """The nearest center of every row, into ``out`` (int32, original row order)."""
        k, d = centers.shape
        _cell_passes.tree_passes(self.tree, centers, CELL_TREE_START_LEVEL, 1, 0.0,
                               np.empty((k, d)), np.empty(k, dtype=np.int64), np.empty(k),
                               np.empty_like(centers), self.order, out)

    def passes(self, centers, max_passes: int, eps_sq: float, sums, counts, squares,
               following):
        """See ``kernels._cell_passes.tree_passes``."""
        return _cell_passes.tree_passes(self.tree, centers, CELL_TREE_START_LEVEL, max_passes,
                                      eps_sq, sums, counts, squares, following, self.order,
                                      _NO_LABELS)


def suits(rows: Rows, n_clusters: int) -> bool:
    """Whether attempts on ``rows`` run on the cells (distinct rows whose sums are exact,
    few features, few clusters)."""
    return (rows.exact_sums and len(rows.inverse) > 0 and n_clusters <= CELL_TREE_MAX_CLUSTERS
            and 1 <= rows.values.shape[1] <= CELL_TREE_MAX_FEATURES)


class Outcome:
    """An attempt that ran on the cells, before its compactness is summed.

    The compactness is that of the plain passes (``RowPasses.finish``: float32 distances
    in cv2's order, weighted, summed in row order), so it costs a pass over the rows;
    :func:`best_outcome` sums it only where it can decide. ``estimate`` and ``margin``
    bound it: it lies within ``margin`` of ``estimate`` (infinite margin: unknown).
    """

    def __init__(self, tree: CellTree, passes: Callable[[], RowPasses], assigned, centers,
                 estimate: float = 0.0, margin: float = np.inf):
        self.tree = tree
        # The passes of the repairs (with their moved samples), or a maker of fresh ones.
        self.passes = passes
        self.assigned = assigned  # the centers of the last pass (None: no pass ran)
        self.centers = centers
        self.estimate, self.margin = estimate, margin

    def key(self):
        """Equal keys: equal labels, centers and compactness (None: not known)."""
        if self.assigned is None or isinstance(self.passes, RowPasses):
            return None
        return self.assigned.tobytes(), self.centers.tobytes()

    def result(self) -> Attempt:
        """The attempt with its compactness, as ``lloyd`` would have returned it."""
        passes = self.passes if isinstance(self.passes, RowPasses) else self.passes()
        if self.assigned is not None:
            self.tree.labels(self.assigned, passes.labels)
        return passes.finish(self.centers)


def _estimate(sums, counts, squares, centers):
    """(estimate, margin) of the compactness of clusters with these sums to ``centers``.

    The exact sum of weighted squared distances is ``sum_k squares_k - 2 c_k . sums_k +
    counts_k |c_k|^2``. cv2's float32 distances are each within ``1.01 (D + 2) 2**-24`` of
    the exact ones and the float64 sums of the compactness add less than ``n 2**-53``; the
    margin takes 4 times the first, and ``2**-26`` of the terms' magnitudes for every
    float64 rounding here and in ``squares``.
    """
    c = centers.astype(np.float64)
    cross = 2 * (c * sums).sum(axis=1)
    norms = (c * c).sum(axis=1) * counts
    estimate = float((squares - cross + norms).sum())
    magnitude = float((squares + np.abs(cross) + norms).sum())
    return estimate, (c.shape[1] + 2) * 2.0**-22 * abs(estimate) + 2.0**-26 * magnitude


def best_outcome(outcomes) -> Attempt:
    """The first attempt of smallest compactness, as ``_attempts.best_attempt`` picks
    it, summing the compactness only of the attempts whose bounds reach the lowest
    upper bound (once for attempts that ended alike)."""
    ceiling = min(o.estimate + o.margin for o in outcomes)
    best, known = None, {}
    for outcome in outcomes:
        if outcome.estimate - outcome.margin > ceiling:
            continue  # larger than another attempt's compactness
        key = outcome.key()
        result = known.get(key) if key is not None else None
        if result is None:
            result = outcome.result()
            if key is not None:
                known[key] = result
        if best is None or result.compactness < best.compactness:
            best = result
    return best


def cell_lloyd(tree: CellTree, make_passes: Callable[[], RowPasses], criteria: Criteria,
               centers: np.ndarray) -> Outcome:
    """One attempt from ``centers``, as ``_lloyd.lloyd(make_passes(), criteria, centers)``
    runs it: the same passes, repairs and stopping rule, counted the same way. The row
    passes (fresh, with zero labels) are made only for a repair."""
    iteration = 1
    if iteration == criteria.max_iter or np.inf <= criteria.eps_sq:
        return Outcome(tree, make_passes, None, centers)
    current = np.array(centers, dtype=np.float32, order="C")
    n_clusters, n_features = current.shape
    sums = np.empty((n_clusters, n_features), dtype=np.float64)
    counts = np.empty(n_clusters, dtype=np.int64)
    squares = np.empty(n_clusters, dtype=np.float64)
    following = np.empty_like(current)
    passes = None
    while True:
        done, empty = tree.passes(current, criteria.max_iter - iteration, criteria.eps_sq,
                                  sums, counts, squares, following)
        iteration += done - 1 if empty else done
        if not empty:
            return Outcome(tree, make_passes, current, following,
                           *_estimate(sums, counts, squares, following))
        passes = make_passes() if passes is None else passes
        passes.moves.clear()  # a pass gives every sample its row's label again
        tree.labels(current, passes.labels)
        fill_empty_clusters(passes, sums, counts)
        following, shift = _means(sums, counts, current)
        iteration += 1
        if iteration == criteria.max_iter or shift <= criteria.eps_sq:
            return Outcome(tree, passes, current, following)
        current, following = following, np.empty_like(following)

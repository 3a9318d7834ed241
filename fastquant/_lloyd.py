"""The k-means engine: one attempt of Lloyd's algorithm with cv2's rules, and the best
of several attempts. Works on validated float32 points, deduplicated into weighted
rows where that pays (see ``_distinct``); results are those of the plain algorithm."""

from typing import Dict, NamedTuple, Optional, Tuple

import numpy as np

from . import kernels
from .kernels import _bounds, _passes, _random, _repair, _seeding
from ._distinct import Rows, distinct_rows, plain_rows
from ._execution import launch
from ._validation import Criteria, Points
from .constants import KMEANSPP_TRIALS


#: Distance bounds (Hamerly's) are kept from this many features and clusters on. Below,
#: the search over all centers costs less than keeping the bounds (measured on 1M-point
#: blobs: bounds win at D = 16 with K = 32 and 64, lose at K = 8 and 16, and lose on the
#: 8-bit photos, D = 3, up to K = 256).
BOUNDS_MIN_FEATURES = 8
BOUNDS_MIN_CLUSTERS = 32


class Workspace:
    """Buffers reused by every pass of every attempt on the same rows."""

    def __init__(self, n_rows: int, n_clusters: int, n_features: int):
        n_chunks = kernels.chunk_count(n_rows)
        self.partial_sums = np.empty((n_chunks, n_clusters, n_features), dtype=np.float64)
        self.partial_counts = np.empty((n_chunks, n_clusters), dtype=np.int64)
        self.partial_dist = np.empty(n_chunks, dtype=np.float64)
        self.sums = np.empty((n_clusters, n_features), dtype=np.float64)
        self.counts = np.empty(n_clusters, dtype=np.int64)
        self.bounded = n_features >= BOUNDS_MIN_FEATURES and n_clusters >= BOUNDS_MIN_CLUSTERS
        if self.bounded:
            self.upper = np.empty(n_rows, dtype=np.float32)
            self.lower = np.empty(n_rows, dtype=np.float32)
            self.moves = np.empty(n_clusters, dtype=np.float64)
            self.half_gaps = np.empty(n_clusters, dtype=np.float64)

    def reduce(self):
        kernels.reduce_partials(self.partial_sums, self.partial_counts, self.sums, self.counts)


def moved_arrays(moved: Dict[int, int]):
    """``(samples, labels)``: int64 and int32 arrays of a sample -> label mapping."""
    samples = np.fromiter(moved.keys(), dtype=np.int64, count=len(moved))
    labels = np.fromiter(moved.values(), dtype=np.int32, count=len(moved))
    return samples, labels


class _Moves:
    """Samples the empty-cluster repair took out of their row's cluster.

    cv2 moves one *sample*; when rows stand for several samples, the moved samples
    are kept aside until the next assignment pass gives every sample of a row the
    same label again.
    """

    _NONE = np.empty(0, dtype=np.int32)

    def __init__(self, n_rows: int):
        self.n_rows = n_rows
        self.label: Dict[int, int] = {}  # sample index -> its label
        self.count = self._NONE  # moved samples per row, allocated on the first move

    def move(self, sample: int, row: int, label: int):
        if not len(self.count):
            self.count = np.zeros(self.n_rows, dtype=np.int32)
        if sample not in self.label:
            self.count[row] += 1
        self.label[sample] = label

    def arrays(self):
        """(moved samples, their labels) as arrays."""
        return moved_arrays(self.label)

    def clear(self):
        if self.label:
            self.label.clear()
            self.count[:] = 0


def _means(sums, counts, previous=None):
    """Centers of clusters (see _passes.cluster_means) and their largest squared move
    from ``previous`` (infinity without it)."""
    centers = np.empty(sums.shape, dtype=np.float32)
    if previous is None:
        previous = centers[:0]
    return centers, _passes.cluster_means(sums, counts, previous, centers)


def fill_empty_clusters(passes, sums, counts):
    """cv2's repair: each empty cluster, in increasing order, takes the sample of the
    largest cluster (lowest index among equals) that lies farthest from that
    cluster's mean. ``sums`` and ``counts`` (INOUT) follow the moves."""
    for k in np.flatnonzero(counts == 0):
        largest = int(np.argmax(counts))
        mean, _ = _means(sums[largest : largest + 1], counts[largest : largest + 1])
        value, weight = passes.move_farthest(largest, mean, int(k))
        counts[largest] -= weight
        counts[k] += weight
        sums[largest] -= weight * value
        sums[k] += weight * value


def lloyd(passes, criteria: Criteria, initial_centers: Optional[np.ndarray] = None):
    """One attempt of cv2's loop, counted as cv2 counts its passes.

    Parameters
    ----------
    passes
        Where the data live: ``label_sums()`` gives the sums and counts of the
        initial labels, ``assign(centers)`` runs an assignment pass and gives the new
        sums and counts, ``move_farthest(cluster, mean, into)`` moves the farthest
        sample of ``cluster`` into cluster ``into`` and gives its float64 value and
        weight, and ``finish(centers)`` gives the result.
    criteria : Criteria
    initial_centers : float32 (n_clusters, n_features), optional
        Starting centers; without them the centers start as the means of the
        initial labels.

    Returns
    -------
    Whatever ``passes.finish`` returns.
    """
    if initial_centers is None:
        sums, counts = passes.label_sums()
    centers = initial_centers
    iteration = 0
    while True:
        if iteration == 0 and initial_centers is not None:
            shift = np.inf
        else:
            fill_empty_clusters(passes, sums, counts)
            centers, shift = _means(sums, counts, None if iteration == 0 else centers)
        iteration += 1
        if iteration == criteria.max_iter or shift <= criteria.eps_sq:
            return passes.finish(centers)
        sums, counts = passes.assign(centers)


class Attempt(NamedTuple):
    """Outcome of one attempt, on rows."""

    compactness: float
    row_labels: np.ndarray  # int32 (n_rows,)
    centers: np.ndarray  # float32 (n_clusters, n_features)
    moved_samples: np.ndarray  # int64: samples whose label differs from their row's
    moved_labels: np.ndarray  # int32: their labels

    def take_sample_labels(self, rows: Rows) -> np.ndarray:
        """Labels of the samples (``rows`` are spent: see Rows.take_sample_labels)."""
        labels = rows.take_sample_labels(self.row_labels)
        labels[self.moved_samples] = self.moved_labels
        return labels


class RowPasses:
    """The passes of :func:`lloyd` over rows held in memory.

    Parameters
    ----------
    rows : Rows
    workspace : Workspace
    labels : int32 (n_rows,)
        INOUT: the initial labels (rows must then be the samples themselves), then
        the labels of the rows.
    """

    def __init__(self, rows: Rows, workspace: Workspace, labels: np.ndarray):
        self.rows = rows
        self.workspace = workspace
        self.labels = labels
        self.moves = _Moves(len(rows.values))
        # Sums and counts of the rows' current labels, when they are exact and so can
        # be brought up to date by the changes of labels alone.
        self.label_totals = None
        # Centers the distance bounds refer to (None: no bounds yet).
        self.bounds_centers = None

    def label_sums(self):
        ws, rows = self.workspace, self.rows
        launch(kernels.accumulate, rows.values, rows.weights, self.labels, ws.partial_sums, ws.partial_counts)
        ws.reduce()
        return ws.sums, ws.counts

    def assign(self, centers):
        ws, rows = self.workspace, self.rows
        update = self.label_totals is not None
        work = rows.values.size * len(centers)
        if ws.bounded:
            previous = self.bounds_centers
            if previous is None:  # no bounds yet: every row is searched
                ws.upper.fill(np.inf)
                ws.lower.fill(0.0)
                self.labels.fill(0)
                previous = centers
            _bounds.center_moves_and_gaps(centers, previous, ws.moves, ws.half_gaps)
            launch(
                _bounds.assign_bounded, rows.values, rows.weights, centers, ws.moves,
                ws.half_gaps, update, self.labels, ws.upper, ws.lower, ws.partial_sums,
                ws.partial_counts, work=work,
            )
            self.bounds_centers = centers
        else:
            launch(
                _passes.assign_and_update if update else kernels.assign_and_accumulate,
                rows.values, rows.weights, centers, self.labels, ws.partial_sums,
                ws.partial_counts, work=work,
            )
        ws.reduce()
        self.moves.clear()
        if update:
            sums, counts = self.label_totals
            sums += ws.sums
            counts += ws.counts
        elif rows.exact_sums:
            self.label_totals = ws.sums.copy(), ws.counts.copy()
        else:
            return ws.sums, ws.counts
        sums, counts = self.label_totals
        return sums.copy(), counts.copy()  # the empty-cluster repair changes them

    def move_farthest(self, cluster: int, mean, into: int):
        rows, moves, labels = self.rows, self.moves, self.labels
        moved_samples, moved_labels = moves.arrays()
        sample = _repair.farthest_sample(
            rows.values, rows.weights, labels, rows.inverse, rows.last_sample, moves.count,
            moved_samples, moved_labels, cluster, mean,
        )
        if len(rows.inverse):  # one sample leaves its row
            row, weight = int(rows.inverse[sample]), 1
            moves.move(sample, row, into)
        else:  # the row moves, with its weight (1 for plain samples, as in cv2)
            row, weight = sample, int(rows.weights[sample])
            labels[row] = into
            self.label_totals = None
            if self.workspace.bounded:
                self.workspace.upper[row] = np.inf
        return rows.values[row].astype(np.float64), weight

    def finish(self, centers) -> Attempt:
        """The last pass: compactness without reassignment."""
        rows, moves, labels = self.rows, self.moves, self.labels
        weights = rows.weights - moves.count if moves.label else rows.weights
        compactness = launch(
            _passes.label_distance_sum, rows.values, weights, centers, labels,
            self.workspace.partial_dist,
        )
        moved_samples, moved_labels = moves.arrays()
        if moves.label:
            moved_rows = np.ascontiguousarray(rows.values[rows.inverse[moved_samples]])
            compactness += _passes.label_distance_sum(
                moved_rows, np.ones(len(moved_samples), np.int32), centers, moved_labels,
                np.empty(kernels.chunk_count(len(moved_samples))),
            )
        return Attempt(float(compactness), labels, centers, moved_samples, moved_labels)


def best_attempt(
    points: Points,
    n_clusters: int,
    criteria: Criteria,
    attempts: int,
    use_kmeanspp: bool,
    rng_state: np.ndarray,
    start_labels: Optional[np.ndarray] = None,
    rows: Optional[Rows] = None,
    start_centers: Optional[np.ndarray] = None,
) -> Tuple[Attempt, Rows]:
    """Run ``attempts`` attempts; the one of smallest compactness (first on ties) and
    the rows it ran on.

    Parameters
    ----------
    points : Points
        The validated points and their bounding box (for random centers).
    n_clusters : int
    criteria : Criteria
    attempts : int
    use_kmeanspp : bool
        Seed with k-means++ (3 trials per center) rather than random centers.
    rng_state : uint64 (1,)
        INOUT: the generator, advanced by every initialisation.
    start_labels : int32 (n_samples,), optional
        Labels that replace the initialisation of the first attempt (run on the
        samples themselves, since samples of one row may carry different labels).
    rows : Rows, optional
        The rows to cluster, when the caller has built them (default: the distinct
        rows of ``points``).
    start_centers : float32 (n_clusters, n_features), optional
        Centers that replace the initialisation of the first attempt.
    """
    rows = distinct_rows(points) if rows is None else rows
    n_features = points.values.shape[1]
    workspace = Workspace(len(rows.values), n_clusters, n_features)
    best, best_rows = None, rows
    for attempt in range(attempts):
        attempt_rows = rows
        if attempt == 0 and start_labels is not None:
            attempt_rows = plain_rows(points.values)
            workspace_0 = Workspace(len(start_labels), n_clusters, n_features)
            result = lloyd(RowPasses(attempt_rows, workspace_0, start_labels.copy()), criteria)
        else:
            if attempt == 0 and start_centers is not None:
                initial_centers = start_centers
            elif use_kmeanspp:
                chosen = launch(
                    _seeding.kmeanspp_rows, rows.values, rows.weights, rows.inverse, n_clusters,
                    KMEANSPP_TRIALS, rng_state, workspace.partial_dist, work=rows.values.size,
                )
                initial_centers = rows.values[chosen]
            else:
                initial_centers = _random.random_centers(
                    points.low, points.high, n_clusters, rng_state
                )
            labels = np.empty(len(rows.values), dtype=np.int32)
            result = lloyd(RowPasses(rows, workspace, labels), criteria, initial_centers)
        if best is None or result.compactness < best.compactness:
            best, best_rows = result, attempt_rows
    return best, best_rows

"""The k-means engine: one attempt of Lloyd's algorithm with cv2's rules (the best of
several attempts: ``_attempts``). Works on validated float32 points, deduplicated into weighted
rows where that pays (see ``_distinct``); results are those of the plain algorithm."""

from typing import Dict, NamedTuple, Optional, Protocol, Tuple

import numpy as np

from . import kernels
from .kernels import _passes, _repair, _tiles
from .kernels._tunables import (
    BOUNDS_MAX_FEATURES, BOUNDS_MIN_CLUSTERS, BOUNDS_MIN_FEATURES, GEMM_MIN_CLUSTERS,
    GEMM_MIN_FEATURES, ROW_BLOCK_MAX_FEATURES, TILES_MIN_FEATURES,
)
from ._distance_bounds import DistanceBounds
from ._distinct import Rows
from ._execution import launch
from ._gemm_pass import GemmPass
from ._validation import Criteria


class Workspace:
    """Buffers reused by every pass of every attempt on the same rows.

    The per-chunk partial sums take at most ``kernels._tunables.PARTIALS_BUDGET`` bytes
    or, for very large ``n_clusters * n_features``, ``MIN_BUDGET_CHUNKS`` times one
    chunk's (see ``kernels.chunk_count``).
    """

    def __init__(self, n_rows: int, n_clusters: int, n_features: int, count_dtype=np.int64):
        # Counts are int64 for integer weights, float64 for float sample weights.
        n_chunks = kernels.chunk_count(n_rows, n_clusters, n_features)
        self.partial_sums = np.empty((n_chunks, n_clusters, n_features), dtype=np.float64)
        self.partial_counts = np.empty((n_chunks, n_clusters), dtype=count_dtype)
        self.partial_dist = np.empty(kernels.chunk_count(n_rows), dtype=np.float64)
        self.sums = np.empty((n_clusters, n_features), dtype=np.float64)
        self.counts = np.empty(n_clusters, dtype=count_dtype)
        self.settled = np.empty(n_chunks, dtype=np.int64)  # rows the tiles left unsure
        # (wider rows than ROW_BLOCK_MAX_FEATURES are searched row by row instead)
        self.tiled = TILES_MIN_FEATURES <= n_features <= ROW_BLOCK_MAX_FEATURES
        products = (GEMM_MIN_FEATURES <= n_features <= ROW_BLOCK_MAX_FEATURES
                    and n_clusters >= GEMM_MIN_CLUSTERS)
        self.gemm = GemmPass(n_rows, n_clusters, n_features) if products else None
        bounded = (BOUNDS_MIN_FEATURES <= n_features < BOUNDS_MAX_FEATURES
                   and n_clusters >= BOUNDS_MIN_CLUSTERS)
        if products:  # the matrix-product pass keeps the bounds
            self.bounds = self.gemm.bounds
        else:
            self.bounds = DistanceBounds(n_rows, n_clusters) if bounded else None

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


def fill_empty_clusters(passes, sums, counts, donors=None):
    """cv2's repair: each empty cluster, in increasing order, takes the sample of the
    largest cluster (lowest index among equals) that lies farthest from that
    cluster's mean. ``sums`` and ``counts`` (INOUT) follow the moves. ``donors``,
    when given, replaces ``counts`` in the choice of the largest cluster."""
    for k in np.flatnonzero(counts == 0):
        largest = int(np.argmax(counts if donors is None else donors))
        mean, _ = _means(sums[largest : largest + 1], counts[largest : largest + 1])
        value, weight = passes.move_farthest(largest, mean, int(k))
        counts[largest] -= weight
        counts[k] += weight
        if donors is not None:
            donors[largest] -= 1
            donors[k] += 1
        sums[largest] -= weight * value
        sums[k] += weight * value


class Passes(Protocol):
    """Where the data of an attempt live: rows in memory (:class:`RowPasses`) or the
    blocks of a dask array (``fastquant.dask._passes.BlockPasses``). :func:`lloyd`
    drives any of them."""

    def label_sums(self) -> Tuple[np.ndarray, np.ndarray]:
        """float64 (K, D) sums and int64 (K,) counts of the initial labels (only
        needed by attempts that start from labels)."""

    def assign(self, centers: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """An assignment pass to ``centers``: the new labels' sums and counts, arrays
        the caller may change."""

    def move_farthest(self, cluster: int, mean: np.ndarray, into: int) -> Tuple[np.ndarray, int]:
        """Move the sample of ``cluster`` farthest from ``mean`` (float32 (1, D)) into
        cluster ``into`` (cv2's empty-cluster repair); its float64 (D,) value and its
        weight."""

    def finish(self, centers: np.ndarray):
        """The attempt's result: the compactness of the current labels to ``centers``,
        without reassignment (cv2's last pass)."""


def lloyd(passes: Passes, criteria: Criteria, initial_centers: Optional[np.ndarray] = None,
          total_shift: bool = False):
    """One attempt of cv2's loop, counted as cv2 counts its passes.

    Parameters
    ----------
    passes : Passes
        Where the data live.
    criteria : Criteria
    initial_centers : float32 (n_clusters, n_features), optional
        Starting centers; without them the centers start as the means of the
        initial labels.
    total_shift : bool
        Compare ``criteria.eps_sq`` with the sum over the centers of their squared
        moves (scikit-learn's rule) instead of the largest one (cv2's).

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
            previous = None if iteration == 0 else centers
            centers, shift = _means(sums, counts, previous)
            if total_shift and previous is not None:
                shift = float(np.sum(np.square(centers.astype(np.float64) - previous)))
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

    def sample_labels(self, rows: Rows, out: Optional[np.ndarray] = None) -> np.ndarray:
        """Labels of the samples, into ``out`` when given (see Rows.sample_labels)."""
        labels = rows.sample_labels(self.row_labels, out)
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
        if workspace.bounds is not None:
            workspace.bounds.reset()

    def label_sums(self):
        ws, rows = self.workspace, self.rows
        launch(kernels.accumulate, rows.values, rows.weights, self.labels, ws.partial_sums, ws.partial_counts)
        ws.reduce()
        return ws.sums, ws.counts

    def assign(self, centers, totals: bool = True):
        """An assignment pass to ``centers``; the sums and counts of the new labels,
        or None without ``totals`` (then only the changes of labels are accumulated,
        which costs less)."""
        ws, rows = self.workspace, self.rows
        update = self.label_totals is not None or not totals
        if ws.gemm is not None:
            ws.gemm.assign(rows.values, rows.weights, centers, update, self.labels,
                           ws.partial_sums, ws.partial_counts)
        elif ws.bounds is not None:
            ws.bounds.assign(rows, centers, update, self.labels, ws.partial_sums, ws.partial_counts)
        elif ws.tiled:
            launch(
                _tiles.assign_tiled, rows.values, rows.weights, centers, update, self.labels,
                ws.partial_sums, ws.partial_counts, ws.settled,
                work=rows.values.size * len(centers),
            )
        else:
            launch(
                _passes.assign_and_update if update else kernels.assign_and_accumulate,
                rows.values, rows.weights, centers, self.labels, ws.partial_sums,
                ws.partial_counts, work=rows.values.size * len(centers),
            )
        ws.reduce()
        self.moves.clear()
        if not totals:
            self.label_totals = None
            return None
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
            row, weight = sample, rows.weights[sample].item()
            labels[row] = into
            self.label_totals = None
            if self.workspace.bounds is not None:
                self.workspace.bounds.invalidate(row)
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
            compactness += launch(
                _passes.label_distance_sum, moved_rows, np.ones(len(moved_samples), np.int32),
                centers, moved_labels, np.empty(kernels.chunk_count(len(moved_samples))),
                work=moved_rows.size,
            )
        return Attempt(float(compactness), labels, centers, moved_samples, moved_labels)

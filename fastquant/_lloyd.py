"""The k-means engine: one attempt of Lloyd's algorithm with cv2's rules, and the best
of several attempts. Works on validated float32 points, deduplicated into weighted
rows where that pays (see ``_distinct``); results are those of the plain algorithm."""

from typing import Dict, NamedTuple, Optional

import numpy as np

from . import kernels
from ._distinct import Rows, distinct_rows, plain_rows
from ._execution import launch
from ._validation import Criteria, Points
from .constants import KMEANSPP_TRIALS


class Result(NamedTuple):
    """Outcome of a k-means run."""

    compactness: float
    labels: np.ndarray  # int32 (n_samples,)
    centers: np.ndarray  # float32 (n_clusters, n_features)


class Workspace:
    """Buffers reused by every pass of every attempt on the same rows."""

    def __init__(self, n_rows: int, n_clusters: int, n_features: int):
        n_chunks = kernels.chunk_count(n_rows)
        self.partial_sums = np.empty((n_chunks, n_clusters, n_features), dtype=np.float64)
        self.partial_counts = np.empty((n_chunks, n_clusters), dtype=np.int64)
        self.partial_dist = np.empty(n_chunks, dtype=np.float64)
        self.sums = np.empty((n_clusters, n_features), dtype=np.float64)
        self.counts = np.empty(n_clusters, dtype=np.int64)

    def reduce(self):
        kernels.reduce_partials(self.partial_sums, self.partial_counts, self.sums, self.counts)


class _Moves:
    """Samples the empty-cluster repair took out of their row's cluster.

    cv2 moves one *sample*; when rows stand for several samples, the moved samples
    are kept aside until the next assignment pass gives every sample of a row the
    same label again.
    """

    def __init__(self, n_rows: int):
        self.label: Dict[int, int] = {}  # sample index -> its label
        self.count = np.zeros(n_rows, dtype=np.int32)  # moved samples per row

    def move(self, sample: int, row: int, label: int):
        if sample not in self.label:
            self.count[row] += 1
        self.label[sample] = label

    def clear(self):
        if self.label:
            self.label.clear()
            self.count[:] = 0


def _means(sums, counts):
    """Centers from float64 sums, scaled as cv2 scales them: float32(sum) * float32(1/count).

    The sums are exact where cv2's float32 running sums are not; the scaling follows
    cv2 so that centers agree bit for bit whenever cv2's sums are exact.
    """
    scale = np.float32(1.0) / counts.astype(np.float32)
    return sums.astype(np.float32) * scale[:, None]


def _farthest_sample(rows: Rows, labels, moves: _Moves, cluster: int, center):
    """(sample, row) of the sample of ``cluster`` farthest from ``center``; cv2 takes
    the highest sample index among equally far ones."""
    distances = np.empty(len(rows.values), dtype=np.float32)
    kernels.cluster_distances(rows.values, labels, cluster, center, distances)
    if not len(rows.inverse):
        row = int(np.flatnonzero(distances == distances.max())[-1])
        return row, row
    distances[rows.weights == moves.count] = -1  # rows whose samples all moved away
    moved = np.array([s for s, label in moves.label.items() if label == cluster], dtype=np.int64)
    moved_distances = np.empty(len(moved), dtype=np.float32)
    kernels.cluster_distances(
        np.ascontiguousarray(rows.values[rows.inverse[moved]]),
        np.zeros(len(moved), dtype=np.int32), 0, center, moved_distances,
    )
    farthest = max(distances.max(), moved_distances.max(initial=-1))
    sample = -1
    tied = distances == farthest
    start = rows.n_samples - 1
    while start >= 0 and tied.any():  # highest sample of a tied row not moved away
        found = int(kernels.last_pixel_of(rows.inverse, tied, start))
        if found not in moves.label:
            sample = found
            break
        start = found - 1
    sample = max([sample] + moved[moved_distances == farthest].tolist())
    return sample, int(rows.inverse[sample])


def _fill_empty_clusters(rows: Rows, labels, moves: _Moves, sums, counts):
    """cv2's repair: each empty cluster, in increasing order, takes the sample of the
    largest cluster that lies farthest from that cluster's mean."""
    for k in np.flatnonzero(counts == 0):
        largest = int(np.argmax(counts))  # lowest index among equals
        mean = _means(sums[largest : largest + 1], counts[largest : largest + 1])
        sample, row = _farthest_sample(rows, labels, moves, largest, mean)
        if len(rows.inverse):
            moves.move(sample, row, k)
        else:
            labels[row] = k
        counts[largest] -= 1
        counts[k] += 1
        sums[largest] -= rows.values[row]
        sums[k] += rows.values[row]


def _center_shift(centers_new, centers_old):
    """Largest squared movement of a center; differences taken in float32 as cv2 does."""
    step = (centers_new - centers_old).astype(np.float64)
    return float(np.max(np.sum(step * step, axis=1)))


def _finish(rows: Rows, centers, labels, moves: _Moves, workspace: Workspace) -> Result:
    """The last pass: compactness and sample labels, without reassignment."""
    weights = rows.weights - moves.count if moves.label else rows.weights
    compactness = launch(
        kernels.label_distance_sum, rows.values, weights, centers, labels, workspace.partial_dist
    )
    sample_labels = rows.sample_labels(labels)
    if moves.label:
        samples = np.fromiter(moves.label.keys(), dtype=np.int64)
        moved_labels = np.fromiter(moves.label.values(), dtype=np.int32)
        moved_rows = np.ascontiguousarray(rows.values[rows.inverse[samples]])
        compactness += kernels.label_distance_sum(
            moved_rows, np.ones(len(samples), np.int32), centers, moved_labels,
            np.empty(kernels.chunk_count(len(samples))),
        )
        sample_labels[samples] = moved_labels
    return Result(float(compactness), sample_labels, centers)


def lloyd(
    rows: Rows,
    criteria: Criteria,
    workspace: Workspace,
    labels: np.ndarray,
    initial_centers: Optional[np.ndarray] = None,
) -> Result:
    """One attempt, counted as cv2 counts its passes.

    Parameters
    ----------
    rows : Rows
    criteria : Criteria
    workspace : Workspace
    labels : int32 (n_rows,)
        INOUT: the initial labels when ``initial_centers`` is None (rows must then be
        the samples themselves), then the labels of the rows.
    initial_centers : float32 (n_clusters, n_features), optional
        Starting centers; without them the centers start as the means of ``labels``.
    """
    ws = workspace
    moves = _Moves(len(rows.values))
    if initial_centers is None:
        launch(kernels.accumulate, rows.values, rows.weights, labels, ws.partial_sums, ws.partial_counts)
        ws.reduce()
    centers = initial_centers
    iteration = 0
    while True:
        if iteration == 0 and initial_centers is not None:
            shift = np.inf
        else:
            _fill_empty_clusters(rows, labels, moves, ws.sums, ws.counts)
            centers_new = _means(ws.sums, ws.counts)
            shift = np.inf if iteration == 0 else _center_shift(centers_new, centers)
            centers = centers_new
        iteration += 1
        if iteration == criteria.max_iter or shift <= criteria.eps_sq:
            return _finish(rows, centers, labels, moves, ws)
        launch(
            kernels.assign_and_accumulate,
            rows.values, rows.weights, centers, labels, ws.partial_sums, ws.partial_counts,
        )
        ws.reduce()
        moves.clear()


def best_of_attempts(
    points: Points,
    n_clusters: int,
    criteria: Criteria,
    attempts: int,
    use_kmeanspp: bool,
    rng_state: np.ndarray,
    start_labels: Optional[np.ndarray] = None,
) -> Result:
    """Run ``attempts`` attempts and keep the one of smallest compactness (first on ties).

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
    """
    rows = distinct_rows(points)
    n_features = points.values.shape[1]
    workspace = Workspace(len(rows.values), n_clusters, n_features)
    best = None
    for attempt in range(attempts):
        if attempt == 0 and start_labels is not None:
            samples = plain_rows(points.values)
            result = lloyd(
                samples, criteria, Workspace(samples.n_samples, n_clusters, n_features),
                start_labels.copy(),
            )
        else:
            if use_kmeanspp:
                chosen = launch(
                    kernels.kmeanspp, rows.values, rows.weights, rows.inverse, n_clusters,
                    KMEANSPP_TRIALS, rng_state, workspace.partial_dist,
                )
                initial_centers = rows.values[chosen]
            else:
                initial_centers = kernels.random_centers(
                    points.low, points.high, n_clusters, rng_state
                )
            labels = np.empty(len(rows.values), dtype=np.int32)
            result = lloyd(rows, criteria, workspace, labels, initial_centers)
        if best is None or result.compactness < best.compactness:
            best = result
    return best

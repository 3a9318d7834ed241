"""The k-means engine: one attempt of Lloyd's algorithm with cv2's rules, and the best
of several attempts. Works on validated (n_samples, n_features) float32 points."""

from typing import NamedTuple, Optional

import numpy as np

from . import kernels
from ._execution import launch
from ._validation import Criteria, Points
from .constants import KMEANSPP_TRIALS


class Result(NamedTuple):
    """Outcome of a k-means run."""

    compactness: float
    labels: np.ndarray  # int32 (n_samples,)
    centers: np.ndarray  # float32 (n_clusters, n_features)


class Workspace:
    """Buffers reused by every pass of every attempt on the same points."""

    def __init__(self, n_samples: int, n_clusters: int, n_features: int):
        n_chunks = kernels.chunk_count(n_samples)
        self.partial_sums = np.empty((n_chunks, n_clusters, n_features), dtype=np.float64)
        self.partial_counts = np.empty((n_chunks, n_clusters), dtype=np.int64)
        self.partial_dist = np.empty(n_chunks, dtype=np.float64)
        self.sums = np.empty((n_clusters, n_features), dtype=np.float64)
        self.counts = np.empty(n_clusters, dtype=np.int64)

    def reduce(self):
        kernels.reduce_partials(self.partial_sums, self.partial_counts, self.sums, self.counts)


def _fill_empty_clusters(points, labels, sums, counts):
    """cv2's repair: each empty cluster, in increasing order, takes the point of the
    largest cluster that lies farthest from that cluster's mean."""
    for k in np.flatnonzero(counts == 0):
        largest = int(np.argmax(counts))  # lowest index among equals
        mean = _means(sums[largest : largest + 1], counts[largest : largest + 1])
        moved = kernels.farthest_in_cluster(points, labels, largest, mean)
        labels[moved] = k
        counts[largest] -= 1
        counts[k] += 1
        sums[largest] -= points[moved]
        sums[k] += points[moved]


def _means(sums, counts):
    """Centers from float64 sums, scaled as cv2 scales them: float32(sum) * float32(1/count).

    The sums are exact where cv2's float32 running sums are not; the scaling follows
    cv2 so that centers agree bit for bit whenever cv2's sums are exact.
    """
    scale = np.float32(1.0) / counts.astype(np.float32)
    return sums.astype(np.float32) * scale[:, None]


def _center_shift(centers_new, centers_old):
    """Largest squared movement of a center; differences taken in float32 as cv2 does."""
    step = (centers_new - centers_old).astype(np.float64)
    return float(np.max(np.sum(step * step, axis=1)))


def lloyd(
    points: np.ndarray,
    criteria: Criteria,
    workspace: Workspace,
    labels: np.ndarray,
    initial_centers: Optional[np.ndarray] = None,
) -> Result:
    """One attempt, counted as cv2 counts its passes.

    Parameters
    ----------
    points : float32 (n_samples, n_features)
    criteria : Criteria
    workspace : Workspace
    labels : int32 (n_samples,)
        INOUT: the initial labels when ``initial_centers`` is None, then the result.
    initial_centers : float32 (n_clusters, n_features), optional
        Starting centers; without them the centers start as the means of ``labels``.
    """
    ws = workspace
    if initial_centers is None:
        launch(kernels.accumulate, points, labels, ws.partial_sums, ws.partial_counts)
        ws.reduce()
    centers = initial_centers
    iteration = 0
    while True:
        if iteration == 0 and initial_centers is not None:
            shift = np.inf
        else:
            _fill_empty_clusters(points, labels, ws.sums, ws.counts)
            centers_new = _means(ws.sums, ws.counts)
            shift = np.inf if iteration == 0 else _center_shift(centers_new, centers)
            centers = centers_new
        iteration += 1
        if iteration == criteria.max_iter or shift <= criteria.eps_sq:
            compactness = launch(
                kernels.label_distance_sum, points, centers, labels, ws.partial_dist
            )
            return Result(float(compactness), labels, centers)
        launch(
            kernels.assign_and_accumulate,
            points, centers, labels, ws.partial_sums, ws.partial_counts,
        )
        ws.reduce()


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
        Labels that replace the initialisation of the first attempt.
    """
    values = points.values
    n_samples, n_features = values.shape
    workspace = Workspace(n_samples, n_clusters, n_features)
    best = None
    labels = np.empty(n_samples, dtype=np.int32)
    for attempt in range(attempts):
        if attempt == 0 and start_labels is not None:
            labels[:] = start_labels
            initial_centers = None
        elif use_kmeanspp:
            chosen = launch(
                kernels.kmeanspp, values, n_clusters, KMEANSPP_TRIALS, rng_state,
                workspace.partial_dist,
            )
            initial_centers = values[chosen]
        else:
            initial_centers = kernels.random_centers(points.low, points.high, n_clusters, rng_state)
        result = lloyd(values, criteria, workspace, labels, initial_centers)
        if best is None or result.compactness < best.compactness:
            # keep the winner's labels; the next attempt writes into the loser's buffer
            labels = best.labels if best is not None else np.empty_like(labels)
            best = result
    return best

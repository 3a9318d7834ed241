"""``fastquant.kmeans``: the drop-in replacement for ``cv2.kmeans``."""

from typing import Optional, Sequence, Tuple

import numpy as np

from . import _validation as check
from ._execution import one_thread_per_launch
from ._attempts import best_attempt
from .kernels._tunables import SMALL_KMEANS_MAX_WORK
from ._rng import thread_state


def kmeans(
    data: np.ndarray,
    K: int,
    bestLabels: Optional[np.ndarray],
    criteria: Sequence,
    attempts: int,
    flags: int,
    centers: Optional[np.ndarray] = None,
) -> Tuple[float, np.ndarray, np.ndarray]:
    """Cluster points into K groups, exactly as ``cv2.kmeans`` does.

    Parameters
    ----------
    data : array_like
        The points, read as cv2 reads them: (N, D) is N points of dimension D; (N,)
        and (1, N) are N scalars; (1, W, C) is W points of dimension C; (H, W, C) with
        H > 1 is H points of dimension W*C (each image row is a point). Integer and
        floating dtypes are accepted and converted to float32 (cv2 accepts float32 only).
    K : int
        Number of clusters, 1 <= K <= N.
    bestLabels : ndarray or None
        With ``KMEANS_USE_INITIAL_LABELS``, the initial cluster of each point. When it
        is a writable int32 array of shape (N, 1), (1, N) or (N,), the resulting labels
        are written into it and it is returned.
    criteria : tuple
        ``(type, maxCount, epsilon)``: ``type`` combines ``TERM_CRITERIA_COUNT`` and
        ``TERM_CRITERIA_EPS``; maxCount is clamped to [2, 100] (100 without the COUNT
        bit); epsilon is the center movement below which an attempt stops
        (FLT_EPSILON without the EPS bit).
    attempts : int
        Number of runs; the one with the smallest compactness is returned.
    flags : int
        ``KMEANS_RANDOM_CENTERS``, ``KMEANS_PP_CENTERS``, optionally combined with
        ``KMEANS_USE_INITIAL_LABELS`` (first attempt only).
    centers : ndarray, optional
        A writable float32 (K, D) array receives the centers and is returned.

    Returns
    -------
    compactness : float
        Sum of squared distances from each point to the center of its label.
    labels : ndarray of int32, shape (N, 1)
        Cluster of each point (``bestLabels`` itself when written in place).
    centers : ndarray of float32, shape (K, D)
        The means of the points of each cluster, accumulated in float64.

    Raises
    ------
    TypeError
        A non-numeric ``data``, a non-integer ``K``, ``attempts`` or ``flags``, or a
        malformed ``criteria``.
    ValueError
        Empty data, more than 3 dimensions, NaN or infinite values, a range whose
        squared distances overflow float32, K out of [1, N], unknown flag bits, a
        negative maxCount, or initial labels of the wrong shape or out of range.

    Notes
    -----
    Random and k-means++ initialisation draw from the calling thread's generator,
    which reproduces OpenCV's: after ``fastquant.setRNGSeed(s)`` and
    ``cv2.setRNGSeed(s)`` both libraries start from the same centers.
    """
    with one_thread_per_launch(_small(data, K), tasks_on_threads=True):
        return _kmeans(data, K, bestLabels, criteria, attempts, flags, centers)


def _small(data, K) -> bool:
    """Whether a pass over ``data`` takes at most SMALL_KMEANS_MAX_WORK operations (then
    every launch is serial, from the first check of the data on)."""
    try:
        return np.size(data) * int(K) <= SMALL_KMEANS_MAX_WORK
    except (TypeError, ValueError, OverflowError):  # refused by the checks in _kmeans
        return True


def _kmeans(data, K, bestLabels, criteria, attempts, flags, centers):
    points = check.as_points(data)
    n_samples, n_features = points.values.shape
    n_clusters = check.parse_k(K, n_samples)
    rules = check.parse_criteria(criteria, n_clusters)
    n_attempts = check.parse_attempts(attempts, n_clusters)
    use_initial_labels, use_kmeanspp = check.parse_flags(flags)
    start_labels = (
        check.initial_labels(bestLabels, n_samples, n_clusters) if use_initial_labels else None
    )
    best, rows = best_attempt(
        points, n_clusters, rules, n_attempts, use_kmeanspp, thread_state(), start_labels
    )
    labels_out = check.labels_target(bestLabels, n_samples)
    if labels_out is None:
        # The rows are not used again: their sample-to-row map (int32, one per sample)
        # becomes the labels in place, so the two never coexist (42 MiB at 11M samples).
        in_place = rows.inverse if len(rows.inverse) else None
        labels_out = best.sample_labels(rows, in_place).reshape(n_samples, 1)
    elif labels_out.flags.c_contiguous:  # written in place, no temporary array
        best.sample_labels(rows, labels_out.reshape(-1))
    else:
        labels_out[...] = best.sample_labels(rows).reshape(labels_out.shape)
    centers_out = check.centers_target(centers, n_clusters, n_features)
    if centers_out is None:
        centers_out = best.centers
    else:
        centers_out[...] = best.centers
    return best.compactness, labels_out, centers_out

"""``fastquant.dask.kmeans``: cv2's k-means over a dask array."""

import numbers
from typing import Optional, Sequence, Tuple

import dask.array as da
import numpy as np

from .. import _validation as check
from ..kernels import _random
from .._lloyd import lloyd
from .._rng import thread_state
from ..constants import KMEANS_PP_CENTERS
from ._init import checked_bounds, kmeans_parallel
from ._passes import BlockAttempt, BlockPasses


def _as_dask_points(data) -> da.Array:
    """``data`` as a 2-D dask array with one block along the features."""
    array = data if isinstance(data, da.Array) else da.asarray(data)
    if array.dtype.kind not in "iuf":
        raise TypeError(f"data must hold integers or floating-point numbers, got dtype {array.dtype}")
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2:
        raise ValueError(f"data must be 1-D (N,) or 2-D (N, D), got shape {array.shape}")
    if any(np.isnan(size) for size in array.chunks[0]):
        raise ValueError("data has unknown chunk sizes; call data.compute_chunk_sizes() first")
    if array.size == 0:
        raise ValueError(f"data is empty (shape {array.shape})")
    return array.rechunk({1: -1}) if array.numblocks[1] > 1 else array


def _positive(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def kmeans(
    data,
    K: int,
    criteria: Sequence,
    attempts: int = 1,
    flags: int = KMEANS_PP_CENTERS,
    *,
    initial_centers: Optional[np.ndarray] = None,
    oversampling: float = 2.0,
    rounds: int = 5,
) -> Tuple[float, da.Array, np.ndarray]:
    """k-means over a dask array, with ``fastquant.kmeans``'s rules, on any scheduler.

    Every pass maps fastquant's assign-and-accumulate kernel over the blocks where
    they live and reduces the per-block sums and counts with a tree reduction; the
    data never travel to the client. Runs on the current dask scheduler (a
    ``distributed.Client`` when one is active).

    Parameters
    ----------
    data : dask.array.Array or array_like, shape (N, D) or (N,)
        The points, any integer or floating dtype (computed in float32, as cv2 does).
        Blocks may split the rows in any way; a split along the features is undone.
    K : int
        Number of clusters, 1 <= K <= N.
    criteria : tuple
        ``(type, maxCount, epsilon)``, read as ``fastquant.kmeans`` reads it.
    attempts : int
        Number of runs; the one with the smallest compactness is returned.
    flags : int
        ``KMEANS_PP_CENTERS`` (k-means|| seeding, see Notes) or
        ``KMEANS_RANDOM_CENTERS`` (drawn exactly as ``fastquant.kmeans`` draws them).
        ``KMEANS_USE_INITIAL_LABELS`` is not supported: pass ``initial_centers``.
    initial_centers : array_like (K, D), optional
        Centers that replace the seeding of the first attempt.
    oversampling : float
        k-means||: expected candidates per round, in multiples of K.
    rounds : int
        k-means||: sampling rounds (two passes over the data each).

    Returns
    -------
    compactness : float
        Sum of squared distances from each point to the center of its label.
    labels : dask.array.Array of int32, shape (N, 1)
        Lazy; chunked like the rows of ``data``. Computing it is one more pass.
    centers : ndarray of float32, shape (K, D)

    Raises
    ------
    TypeError, ValueError
        As ``fastquant.kmeans`` for the shared arguments (NaN or infinite data are
        found by a first pass over the data); also for unknown chunk sizes, initial
        labels, a bad ``initial_centers``, ``oversampling`` or ``rounds``.

    Notes
    -----
    Given the same starting centers, the result equals ``fastquant.kmeans``'s
    whatever the chunking and the number of
    workers: the same labels, and centers equal up to float32 rounding of float64
    sums added in another order (bit-identical on integer-valued data, where those
    sums are exact). With ``KMEANS_RANDOM_CENTERS`` the starting centers are those
    of ``fastquant.kmeans`` for the same generator state, so the whole result
    agrees. k-means|| draws from the calling thread's generator (see
    ``fastquant.setRNGSeed``) and from per-sample streams that do not depend on the
    chunking; it differs from the k-means++ seeding of ``fastquant.kmeans``.
    """
    points = _as_dask_points(data)
    n_samples, n_features = points.shape
    n_clusters = check.parse_k(K, n_samples)
    rules = check.parse_criteria(criteria, n_clusters)
    n_attempts = check.parse_attempts(attempts, n_clusters)
    use_initial_labels, use_kmeanspp = check.parse_flags(flags)
    if use_initial_labels:
        raise ValueError(
            "flags: KMEANS_USE_INITIAL_LABELS is not supported on dask arrays; pass "
            "initial_centers instead"
        )
    start = None if initial_centers is None else check.starting_centers(
        initial_centers, n_clusters, n_features, "initial_centers", "(K, D)"
    )
    scale = _positive(oversampling, "oversampling")
    n_rounds = check.positive_int(rounds, "rounds")

    bounds = checked_bounds(points)
    rng_state = thread_state()
    best: Optional[BlockAttempt] = None
    for attempt in range(n_attempts):
        if attempt == 0 and start is not None:
            centers = start
        elif use_kmeanspp:
            centers = kmeans_parallel(points, bounds, n_clusters, rng_state, scale, n_rounds)
        else:
            centers = _random.random_centers(*bounds, n_clusters, rng_state)
        result = lloyd(BlockPasses(points, *bounds), rules, centers)
        if best is None or result.compactness < best.compactness:
            best = result
    return best.compactness, best.labels(points), best.centers

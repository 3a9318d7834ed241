"""Low-level k-means kernels on plain arrays, for embedding in scientific code.

All jitted code of fastquant lives in this module (numba's on-disk cache does not notice
edits to jitted helpers defined in other files). Kernels never validate their input:
they expect

* ``X``: float32, C-contiguous, shape (n_samples, n_features), finite;
* ``centers``: float32, C-contiguous, shape (n_clusters, n_features);
* ``labels``: int32, C-contiguous, shape (n_samples,);
* partial-sum workspaces with a first axis of ``chunk_count(n_samples)`` chunks.

Every kernel can be called from Python or from a user's own ``@numba.njit`` function.
The work is split into a fixed number of chunks that depends only on ``n_samples``;
each chunk accumulates its own float64 partial sums, which are combined serially in
chunk order. Results are therefore bitwise identical whatever the number of threads.

Squared distances are computed in float32 as ``((0 + t0*t0) + t1*t1) + ...`` with
``t = x - c``, the order OpenCV uses, so that nearest-center decisions agree with
``cv2.kmeans``. Sums of coordinates and of distances are float64.

The random generator is OpenCV's multiply-with-carry ``cv::RNG``; its state is a
``uint64`` array of shape (1,) that the functions below advance in place.
"""

import numpy as np
from numba import prange

from ._jit import helper, inline, kernel

#: Smallest number of samples per chunk.
MIN_CHUNK_SIZE = 512
#: Largest number of chunks a pass is split into.
MAX_CHUNKS = 256
#: From this many clusters on, distances are computed cluster-vectorised.
VECTOR_MIN_CLUSTERS = 12

_RNG_MULTIPLIER = np.uint64(4164903690)
_LOW32 = np.uint64(0xFFFFFFFF)
_SHIFT32 = np.uint64(32)
_FLOAT_SCALE = np.float32(2.3283064365386962890625e-10)  # 2**-32
_DOUBLE_SCALE = 5.4210108624275221700372640043497e-20  # 2**-64
_F32_ZERO = np.float32(0.0)
_F32_ONE = np.float32(1.0)
_F32_TWO = np.float32(2.0)
_F32_INF = np.float32(np.inf)


@helper
def chunk_count(n_samples):
    """Number of chunks a pass over ``n_samples`` points is split into.

    Parameters
    ----------
    n_samples : int
        Number of points.

    Returns
    -------
    int
        ``min(MAX_CHUNKS, ceil(n_samples / MIN_CHUNK_SIZE))``, at least 1. It depends
        on ``n_samples`` only, never on the number of threads.
    """
    return max(1, min(MAX_CHUNKS, (n_samples + MIN_CHUNK_SIZE - 1) // MIN_CHUNK_SIZE))


# ---------------------------------------------------------------------------
# The random generator (cv::RNG)


@helper
def rng_next(state):
    """Advance the generator; return the next uint32 (cv::RNG::next).

    Parameters
    ----------
    state : ndarray of uint64, shape (1,)
        INOUT: the generator state.

    Returns
    -------
    uint32
    """
    s = (state[0] & _LOW32) * _RNG_MULTIPLIER + (state[0] >> _SHIFT32)
    state[0] = s
    return np.uint32(s & _LOW32)


@helper
def rng_float(state):
    """Next float32 in [0, 1), computed as OpenCV does (``next() * 2**-32`` in float32)."""
    return np.float32(rng_next(state)) * _FLOAT_SCALE


@helper
def rng_double(state):
    """Next float64 in [0, 1) from two draws, the first one in the high 32 bits."""
    high = np.uint64(rng_next(state))
    low = np.uint64(rng_next(state))
    return np.float64((high << _SHIFT32) | low) * _DOUBLE_SCALE


# ---------------------------------------------------------------------------
# Serial building blocks


@inline
def _chunk_bounds(chunk, n_chunks, n_samples):
    size = (n_samples + n_chunks - 1) // n_chunks
    start = min(chunk * size, n_samples)
    return start, min(start + size, n_samples)


@inline
def _sq_dist(X, i, Y, r):
    """Squared distance between X[i] and Y[r] in float32, in OpenCV's order."""
    d = _F32_ZERO
    for j in range(X.shape[1]):
        t = X[i, j] - Y[r, j]
        d += t * t
    return d


@inline
def _transpose(centers):
    n_clusters, n_features = centers.shape
    centers_t = np.empty((n_features, n_clusters), dtype=np.float32)
    for k in range(n_clusters):
        for j in range(n_features):
            centers_t[j, k] = centers[k, j]
    return centers_t


@inline
def _nearest(X, i, centers_t, dist_buf):
    """Index of the center nearest to X[i] (lowest index on ties) and its distance.

    ``centers_t`` holds the centers as (n_features, n_clusters). Few clusters are
    scanned one by one; many are scanned feature by feature into ``dist_buf``
    (scratch of n_clusters), a loop over contiguous clusters that vectorises. Both
    sum the squared differences in the same (feature) order.
    """
    n_features, n_clusters = centers_t.shape
    if n_clusters < VECTOR_MIN_CLUSTERS:
        best = 0
        best_dist = _F32_INF
        for k in range(n_clusters):
            d = _F32_ZERO
            for j in range(n_features):
                t = X[i, j] - centers_t[j, k]
                d += t * t
            if d < best_dist:
                best_dist = d
                best = k
        return best, best_dist
    for k in range(n_clusters):
        dist_buf[k] = _F32_ZERO
    for j in range(n_features):
        x = X[i, j]
        for k in range(n_clusters):
            t = x - centers_t[j, k]
            dist_buf[k] += t * t
    best = 0
    best_dist = dist_buf[0]
    for k in range(1, n_clusters):
        if dist_buf[k] < best_dist:
            best_dist = dist_buf[k]
            best = k
    return best, best_dist


@inline
def _clear_chunk(sums, counts):
    for k in range(sums.shape[0]):
        counts[k] = 0
        for j in range(sums.shape[1]):
            sums[k, j] = 0.0


@inline
def _ordered_sum(partial):
    """Sum of per-chunk partials, in chunk order (so independent of the thread count)."""
    total = 0.0
    for chunk in range(partial.shape[0]):
        total += partial[chunk]
    return total


@inline
def _add_point(X, i, label, sums, counts):
    counts[label] += 1
    for j in range(X.shape[1]):
        sums[label, j] += X[i, j]


# ---------------------------------------------------------------------------
# Kernels


@kernel
def feature_bounds(X, low, high):
    """Per-feature minimum and maximum of the finite values, and a count of the others.

    Parameters
    ----------
    X : float32 (n_samples, n_features)
        IN: the points (may hold NaN or infinities: this is the validation pass).
    low, high : float32 (n_features,)
        OUT: smallest and largest finite value of each feature (+inf and -inf for a
        feature with no finite value).

    Returns
    -------
    int
        Number of NaN and infinite values.
    """
    n_samples, n_features = X.shape
    n_chunks = chunk_count(n_samples)
    chunk_low = np.empty((n_chunks, n_features), dtype=np.float32)
    chunk_high = np.empty((n_chunks, n_features), dtype=np.float32)
    chunk_bad = np.empty(n_chunks, dtype=np.int64)
    for chunk in prange(n_chunks):
        start, stop = _chunk_bounds(chunk, n_chunks, n_samples)
        bad = 0
        for j in range(n_features):
            chunk_low[chunk, j] = _F32_INF
            chunk_high[chunk, j] = -_F32_INF
        for i in range(start, stop):
            for j in range(n_features):
                x = X[i, j]
                if x - x != _F32_ZERO:  # NaN, or inf - inf
                    bad += 1
                else:
                    chunk_low[chunk, j] = min(chunk_low[chunk, j], x)
                    chunk_high[chunk, j] = max(chunk_high[chunk, j], x)
        chunk_bad[chunk] = bad
    n_bad = 0
    for j in range(n_features):
        low[j] = _F32_INF
        high[j] = -_F32_INF
    for chunk in range(n_chunks):
        n_bad += chunk_bad[chunk]
        for j in range(n_features):
            low[j] = min(low[j], chunk_low[chunk, j])
            high[j] = max(high[j], chunk_high[chunk, j])
    return n_bad


@kernel
def assign(X, centers, labels, distances):
    """Assign every point to its nearest center.

    Parameters
    ----------
    X : float32 (n_samples, n_features)
        IN: the points.
    centers : float32 (n_clusters, n_features)
        IN: the centers.
    labels : int32 (n_samples,)
        OUT: index of the nearest center (the lowest index on ties).
    distances : float32 (n_samples,)
        OUT: squared distance to that center.
    """
    n_samples = X.shape[0]
    n_chunks = chunk_count(n_samples)
    centers_t = _transpose(centers)
    for chunk in prange(n_chunks):
        start, stop = _chunk_bounds(chunk, n_chunks, n_samples)
        dist_buf = np.empty(centers.shape[0], dtype=np.float32)
        for i in range(start, stop):
            best, best_dist = _nearest(X, i, centers_t, dist_buf)
            labels[i] = best
            distances[i] = best_dist


@kernel
def assign_and_accumulate(X, centers, labels, partial_sums, partial_counts):
    """One Lloyd pass: nearest-center assignment fused with per-chunk sums.

    Parameters
    ----------
    X : float32 (n_samples, n_features)
        IN: the points.
    centers : float32 (n_clusters, n_features)
        IN: the centers.
    labels : int32 (n_samples,)
        OUT: index of the nearest center (the lowest index on ties).
    partial_sums : float64 (n_chunks, n_clusters, n_features)
        OUT: per chunk, the coordinate sums of the points of each cluster.
    partial_counts : int64 (n_chunks, n_clusters)
        OUT: per chunk, the number of points of each cluster.

    Notes
    -----
    ``n_chunks`` is ``partial_sums.shape[0]``; use :func:`chunk_count` and combine
    the partials with :func:`reduce_partials`.
    """
    n_samples = X.shape[0]
    n_chunks = partial_sums.shape[0]
    centers_t = _transpose(centers)
    for chunk in prange(n_chunks):
        start, stop = _chunk_bounds(chunk, n_chunks, n_samples)
        sums = partial_sums[chunk]
        counts = partial_counts[chunk]
        _clear_chunk(sums, counts)
        dist_buf = np.empty(centers.shape[0], dtype=np.float32)
        for i in range(start, stop):
            best, _ = _nearest(X, i, centers_t, dist_buf)
            labels[i] = best
            _add_point(X, i, best, sums, counts)


@kernel
def accumulate(X, labels, partial_sums, partial_counts):
    """Per-chunk coordinate sums and counts of the points of each cluster.

    Parameters
    ----------
    X : float32 (n_samples, n_features)
        IN: the points.
    labels : int32 (n_samples,)
        IN: cluster of each point, in [0, n_clusters).
    partial_sums : float64 (n_chunks, n_clusters, n_features)
        OUT: as in :func:`assign_and_accumulate`.
    partial_counts : int64 (n_chunks, n_clusters)
        OUT: as in :func:`assign_and_accumulate`.
    """
    n_samples = X.shape[0]
    n_chunks = partial_sums.shape[0]
    for chunk in prange(n_chunks):
        start, stop = _chunk_bounds(chunk, n_chunks, n_samples)
        sums = partial_sums[chunk]
        counts = partial_counts[chunk]
        _clear_chunk(sums, counts)
        for i in range(start, stop):
            _add_point(X, i, labels[i], sums, counts)


@helper
def reduce_partials(partial_sums, partial_counts, sums, counts):
    """Combine per-chunk partials in chunk order.

    Parameters
    ----------
    partial_sums : float64 (n_chunks, n_clusters, n_features)
        IN.
    partial_counts : int64 (n_chunks, n_clusters)
        IN.
    sums : float64 (n_clusters, n_features)
        OUT: total coordinate sums per cluster.
    counts : int64 (n_clusters,)
        OUT: total number of points per cluster.
    """
    _clear_chunk(sums, counts)
    for chunk in range(partial_sums.shape[0]):
        for k in range(sums.shape[0]):
            counts[k] += partial_counts[chunk, k]
            for j in range(sums.shape[1]):
                sums[k, j] += partial_sums[chunk, k, j]


@kernel
def label_distance_sum(X, centers, labels, partial_dist):
    """Sum of squared distances from each point to the center of its label.

    Labels are not changed: this is the last pass of a cv2 k-means run, whose
    result is the compactness.

    Parameters
    ----------
    X : float32 (n_samples, n_features)
        IN: the points.
    centers : float32 (n_clusters, n_features)
        IN: the centers.
    labels : int32 (n_samples,)
        IN: cluster of each point.
    partial_dist : float64 (n_chunks,)
        OUT: per-chunk sums (workspace).

    Returns
    -------
    float
        The float64 sum of the float32 squared distances.
    """
    n_samples = X.shape[0]
    n_chunks = partial_dist.shape[0]
    for chunk in prange(n_chunks):
        start, stop = _chunk_bounds(chunk, n_chunks, n_samples)
        total = 0.0
        for i in range(start, stop):
            total += _sq_dist(X, i, centers, labels[i])
        partial_dist[chunk] = total
    return _ordered_sum(partial_dist)


@helper
def farthest_in_cluster(X, labels, cluster, center):
    """Index of the point of ``cluster`` farthest from ``center``.

    Parameters
    ----------
    X : float32 (n_samples, n_features)
        IN: the points.
    labels : int32 (n_samples,)
        IN: cluster of each point.
    cluster : int
        The cluster searched.
    center : float32 (1, n_features)
        IN: the reference point.

    Returns
    -------
    int
        The highest index among the farthest points, -1 if the cluster is empty.
    """
    best = -1
    best_dist = _F32_ZERO
    for i in range(X.shape[0]):
        if labels[i] == cluster:
            d = _sq_dist(X, i, center, 0)
            if best_dist <= d:
                best_dist = d
                best = i
    return best


@helper
def random_centers(low, high, n_clusters, rng_state):
    """Random centers in the bounding box widened by 1/n_features (cv2's rule).

    Parameters
    ----------
    low, high : float32 (n_features,)
        IN: per-feature minimum and maximum of the data.
    n_clusters : int
        Number of centers.
    rng_state : uint64 (1,)
        INOUT: generator state; one float is drawn per center and feature, in order.

    Returns
    -------
    float32 (n_clusters, n_features)
    """
    n_features = low.shape[0]
    margin = _F32_ONE / np.float32(n_features)
    scale = _F32_ONE + margin * _F32_TWO
    centers = np.empty((n_clusters, n_features), dtype=np.float32)
    for k in range(n_clusters):
        for j in range(n_features):
            u = rng_float(rng_state)
            centers[k, j] = (u * scale - margin) * (high[j] - low[j]) + low[j]
    return centers


@helper
def _pick_weighted(dist, p):
    """cv2's walk: subtract dist[i] from p until p <= 0; the index reached."""
    last = dist.shape[0] - 1
    i = 0
    while i < last:
        p -= dist[i]
        if p <= 0.0:
            break
        i += 1
    return i


@kernel
def kmeanspp(X, n_clusters, n_trials, rng_state, partial_dist):
    """k-means++ seeding with ``n_trials`` candidates per center, as cv2 does it.

    Parameters
    ----------
    X : float32 (n_samples, n_features)
        IN: the points.
    n_clusters : int
        Number of centers to pick.
    n_trials : int
        Candidates drawn per center; the one that lowers the potential most wins.
    rng_state : uint64 (1,)
        INOUT: generator state.
    partial_dist : float64 (n_chunks,)
        Workspace for per-chunk sums.

    Returns
    -------
    int64 (n_clusters,)
        Indices of the points chosen as centers.
    """
    n_samples = X.shape[0]
    n_chunks = partial_dist.shape[0]
    chosen = np.empty(n_clusters, dtype=np.int64)
    dist = np.empty(n_samples, dtype=np.float32)
    best_dist = np.empty(n_samples, dtype=np.float32)
    trial_dist = np.empty(n_samples, dtype=np.float32)
    chosen[0] = rng_next(rng_state) % np.uint32(n_samples)
    for chunk in prange(n_chunks):
        start, stop = _chunk_bounds(chunk, n_chunks, n_samples)
        total = 0.0
        for i in range(start, stop):
            dist[i] = _sq_dist(X, i, X, chosen[0])
            total += dist[i]
        partial_dist[chunk] = total
    potential = _ordered_sum(partial_dist)

    for k in range(1, n_clusters):
        best_sum = np.inf
        best_index = -1
        for _ in range(n_trials):
            candidate = _pick_weighted(dist, rng_double(rng_state) * potential)
            for chunk in prange(n_chunks):
                start, stop = _chunk_bounds(chunk, n_chunks, n_samples)
                total = 0.0
                for i in range(start, stop):
                    trial_dist[i] = min(dist[i], _sq_dist(X, i, X, candidate))
                    total += trial_dist[i]
                partial_dist[chunk] = total
            trial_sum = _ordered_sum(partial_dist)
            if trial_sum < best_sum:
                best_sum = trial_sum
                best_index = candidate
                best_dist, trial_dist = trial_dist, best_dist
        chosen[k] = best_index
        potential = best_sum
        dist, best_dist = best_dist, dist
    return chosen

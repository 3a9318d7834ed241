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
#: Rows whose nearest centers are searched together, one SIMD lane each.
ROW_BLOCK = 64
#: k-means++ with more clusters than this updates its per-chunk sums of sample
#: distances row by row (after building a row-to-chunks table) instead of
#: recomputing them over all samples for every center.
INCREMENTAL_MIN_CLUSTERS = 16

_RNG_MULTIPLIER = np.uint64(4164903690)
_LOW32 = np.uint64(0xFFFFFFFF)
_SHIFT32 = np.uint64(32)
_FLOAT_SCALE = np.float32(2.3283064365386962890625e-10)  # 2**-32
_DOUBLE_SCALE = 5.4210108624275221700372640043497e-20  # 2**-64
_F32_ZERO = np.float32(0.0)
_F32_ONE = np.float32(1.0)
_F32_TWO = np.float32(2.0)
_F32_INF = np.float32(np.inf)
_F32_ROUNDING = 2.0**-22  # relative widening that survives rounding a float64 to float32
_F64_SLACK = 1e-12  # relative widening that covers float64 rounding of short sums
_TINY_DISTANCE = 1e-18  # absolute slack: float32 squares of differences below 1e-19 underflow


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


_GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_TOP53_SCALE = 1.0 / 9007199254740992.0  # 2**-53


@helper
def counter_uniforms(seed, first_index, out):
    """Uniform float64 in [0, 1) for each sample index, independent of any partition.

    The value of sample ``i`` is the SplitMix64 output for ``seed + i * gamma``: a
    pure function of ``(seed, i)``, so blocks of a distributed array draw the same
    numbers however the array is chunked.

    Parameters
    ----------
    seed : uint64
        Stream seed.
    first_index : int
        Sample index of ``out[0]``.
    out : float64 (n,)
        OUT: the numbers of samples ``first_index`` to ``first_index + n - 1``.
    """
    for i in range(out.shape[0]):
        z = np.uint64(seed) + np.uint64(first_index + i) * _GOLDEN_GAMMA
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        z = (z ^ (z >> np.uint64(27))) * _MIX2
        z = z ^ (z >> np.uint64(31))
        out[i] = np.float64(z >> np.uint64(11)) * _TOP53_SCALE


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
def _row_block_buffers(n_features):
    """Scratch of the row-block search: the block's coordinates by feature, the
    running distances, and each row's best distance, second-best distance and label."""
    block_x = np.empty((n_features, ROW_BLOCK), dtype=np.float32)
    dist = np.empty(ROW_BLOCK, dtype=np.float32)
    best_dist = np.empty(ROW_BLOCK, dtype=np.float32)
    second_dist = np.empty(ROW_BLOCK, dtype=np.float32)
    best_label = np.empty(ROW_BLOCK, dtype=np.int32)
    return block_x, dist, best_dist, second_dist, best_label


@inline
def _load_rows(X, first, count, block_x):
    """Rows ``first`` to ``first + count - 1`` into ``block_x``, feature by feature,
    zeros past them. Loops index views from 0: numba's handling of negative indices
    keeps LLVM from vectorising ``X[first + r]``."""
    rows = X[first : first + count]
    for j in range(X.shape[1]):
        column = block_x[j]
        for r in range(count):
            column[r] = rows[r, j]
        for r in range(count, ROW_BLOCK):
            column[r] = _F32_ZERO


@inline
def _gather_rows(X, index, count, block_x):
    """Rows ``index[0]`` to ``index[count - 1]`` into ``block_x``, as :func:`_load_rows`."""
    for j in range(X.shape[1]):
        column = block_x[j]
        for r in range(count):
            column[r] = X[index[r], j]
        for r in range(count, ROW_BLOCK):
            column[r] = _F32_ZERO


@inline
def _distances_to_row(features, first, row, out):
    """``out[i]``: squared distance from sample ``first + i`` (``features[:, first +
    i]``) to ``row``, summed over the features in :func:`_sq_dist`'s order. The loops
    run over contiguous views from index 0, which numba's negative-index handling
    needs in order to let LLVM vectorise them."""
    for i in range(out.shape[0]):
        out[i] = _F32_ZERO
    for j in range(features.shape[0]):
        c = row[j]
        feature = features[j, first : first + out.shape[0]]
        for i in range(out.shape[0]):
            t = feature[i] - c
            out[i] += t * t


@inline
def _block_nearest(block_x, centers, dist, best_dist, best_label, second_dist, track_second):
    """Nearest center (lowest index on ties) and its squared distance for each row of
    ``block_x``, into ``best_label`` and ``best_dist``; with ``track_second``, the
    second-smallest distance into ``second_dist`` (equal to the smallest on a tie).

    Every loop runs over the ROW_BLOCK rows, one SIMD lane per row, with a
    branch-free running minimum: loops of a fixed length over contiguous rows
    vectorise, where a search over the centers of one row does not. Each distance is
    summed over the features in order (:func:`_distances_to_row`).
    """
    for r in range(ROW_BLOCK):
        best_dist[r] = _F32_INF
        best_label[r] = 0
        second_dist[r] = _F32_INF
    for k in range(centers.shape[0]):
        _distances_to_row(block_x, 0, centers[k], dist)
        for r in range(ROW_BLOCK):
            closer = dist[r] < best_dist[r]
            if track_second:
                second_dist[r] = best_dist[r] if closer else min(second_dist[r], dist[r])
            best_dist[r] = dist[r] if closer else best_dist[r]
            best_label[r] = k if closer else best_label[r]


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
def _add_point(X, i, weight, label, sums, counts):
    counts[label] += weight
    for j in range(X.shape[1]):
        sums[label, j] += weight * np.float64(X[i, j])


@inline
def _add_labelled_point(X, i, weight, label, old_label, changes_only, sums, counts):
    """Add point i to cluster ``label``; with ``changes_only``, only if it left
    ``old_label``, from which it is then subtracted."""
    if not changes_only:
        _add_point(X, i, weight, label, sums, counts)
    elif label != old_label:
        _add_point(X, i, weight, label, sums, counts)
        _add_point(X, i, -weight, old_label, sums, counts)


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
    n_samples, n_features = X.shape
    n_chunks = chunk_count(n_samples)
    for chunk in prange(n_chunks):
        start, stop = _chunk_bounds(chunk, n_chunks, n_samples)
        block_x, dist, best_dist, second_dist, best_label = _row_block_buffers(n_features)
        for first in range(start, stop, ROW_BLOCK):
            count = min(ROW_BLOCK, stop - first)
            _load_rows(X, first, count, block_x)
            _block_nearest(block_x, centers, dist, best_dist, best_label, second_dist, False)
            block_labels = labels[first : first + count]
            block_distances = distances[first : first + count]
            for r in range(count):
                block_labels[r] = best_label[r]
                block_distances[r] = best_dist[r]


@inline
def _assign_chunk(X, weights, centers, labels, start, stop, changes_only, sums, counts):
    """Nearest centers of rows ``start`` to ``stop - 1`` into ``labels``, and their
    weighted sums into ``sums`` and ``counts`` (cleared first): of every row, or with
    ``changes_only`` of the rows whose label changed, added to the new cluster and
    subtracted from the old one."""
    _clear_chunk(sums, counts)
    block_x, dist, best_dist, second_dist, best_label = _row_block_buffers(X.shape[1])
    for first in range(start, stop, ROW_BLOCK):
        count = min(ROW_BLOCK, stop - first)
        _load_rows(X, first, count, block_x)
        _block_nearest(block_x, centers, dist, best_dist, best_label, second_dist, False)
        rows = X[first : first + count]
        block_weights = weights[first : first + count]
        block_labels = labels[first : first + count]
        for r in range(count):
            _add_labelled_point(rows, r, block_weights[r], best_label[r], block_labels[r],
                                changes_only, sums, counts)
            block_labels[r] = best_label[r]


@kernel
def assign_and_accumulate(X, weights, centers, labels, partial_sums, partial_counts):
    """One Lloyd pass: nearest-center assignment fused with per-chunk weighted sums.

    Parameters
    ----------
    X : float32 (n_samples, n_features)
        IN: the points.
    weights : int32 (n_samples,)
        IN: multiplicity of each point (all 1 for plain data).
    centers : float32 (n_clusters, n_features)
        IN: the centers.
    labels : int32 (n_samples,)
        OUT: index of the nearest center (the lowest index on ties).
    partial_sums : float64 (n_chunks, n_clusters, n_features)
        OUT: per chunk, the weighted coordinate sums of the points of each cluster.
    partial_counts : int64 (n_chunks, n_clusters)
        OUT: per chunk, the total weight of each cluster.

    Notes
    -----
    ``n_chunks`` is ``partial_sums.shape[0]``; use :func:`chunk_count` and combine
    the partials with :func:`reduce_partials`.
    """
    n_samples = X.shape[0]
    n_chunks = partial_sums.shape[0]
    for chunk in prange(n_chunks):
        start, stop = _chunk_bounds(chunk, n_chunks, n_samples)
        _assign_chunk(
            X, weights, centers, labels, start, stop, False,
            partial_sums[chunk], partial_counts[chunk],
        )


@kernel
def assign_and_update(X, weights, centers, labels, partial_sums, partial_counts):
    """One Lloyd pass that accumulates only the change of the cluster sums.

    Added to the sums and counts of the previous labels, the result gives those of
    the new labels. After the first passes few points change cluster, so this pass
    costs little more than the assignment. The sums it gives are exact, and equal to
    :func:`assign_and_accumulate`'s, when the points are integers and every weighted
    coordinate sum stays below 2**53 in magnitude; otherwise they can differ in the
    last bits.

    Parameters
    ----------
    X : float32 (n_samples, n_features)
        IN: the points.
    weights : int32 (n_samples,)
        IN: multiplicity of each point.
    centers : float32 (n_clusters, n_features)
        IN: the centers.
    labels : int32 (n_samples,)
        INOUT: the previous labels in, the nearest centers out (lowest index on ties).
    partial_sums : float64 (n_chunks, n_clusters, n_features)
        OUT: per chunk, weighted coordinate sums of the points that joined each
        cluster minus those of the points that left it.
    partial_counts : int64 (n_chunks, n_clusters)
        OUT: per chunk, the weight that joined each cluster minus the weight that left.
    """
    n_samples = X.shape[0]
    n_chunks = partial_sums.shape[0]
    for chunk in prange(n_chunks):
        start, stop = _chunk_bounds(chunk, n_chunks, n_samples)
        _assign_chunk(
            X, weights, centers, labels, start, stop, True,
            partial_sums[chunk], partial_counts[chunk],
        )


@inline
def _bound_margin(n_features):
    """Relative slack of the distance bounds: a float32 squared distance over D
    features is within (D + 1) * 2**-24 of the exact one, relatively, so its square
    root within (D + 1) * 2**-25; the margin is more than eight times that."""
    return (n_features + 2) * 2.0**-22


@inline
def _settle_rows(X, centers, pending, count, labels, upper, lower,
                 block_x, dist, best_dist, second_dist, best_label):
    """Nearest centers of the rows ``pending[:count]`` into ``labels``, with fresh
    bounds."""
    margin = _bound_margin(X.shape[1])
    _gather_rows(X, pending, count, block_x)
    _block_nearest(block_x, centers, dist, best_dist, best_label, second_dist, True)
    for r in range(count):
        i = pending[r]
        labels[i] = best_label[r]
        upper[i] = np.float32(np.sqrt(np.float64(best_dist[r])) * (1.0 + margin) + _TINY_DISTANCE)
        lower[i] = np.float32(max(np.sqrt(np.float64(second_dist[r])) * (1.0 - margin) - _TINY_DISTANCE, 0.0))


@kernel
def assign_bounded(X, weights, centers, moves, half_gaps, changes_only, labels, upper, lower,
                   partial_sums, partial_counts):
    """A Lloyd pass that skips the rows whose nearest center cannot have changed
    (Hamerly's bounds), with the labels and sums of :func:`assign_and_accumulate`.

    Each row keeps an upper bound on its distance to the center of its label and a
    lower bound on its distance to every other center. When the centers move, the
    bounds widen by the moves; a row is skipped when its upper bound (tightened to
    the exact distance if needed) is below both its lower bound and half the
    distance from its center to the nearest other center. The bounds carry a
    relative margin larger than the rounding of float32 squared distances, so a
    skipped row is one whose float32 distances would have picked the same center,
    ties included: the labels are exactly those of the full search. The sums are
    then accumulated in row order, as :func:`assign_and_accumulate` does.

    Parameters
    ----------
    X : float32 (n_samples, n_features)
        IN: the points.
    weights : int32 (n_samples,)
        IN: multiplicity of each point.
    centers : float32 (n_clusters, n_features)
        IN: the centers.
    moves : float64 (n_clusters,)
        IN: how far each center moved since the bounds were set (not less than the
        exact Euclidean distance).
    half_gaps : float64 (n_clusters,)
        IN: half the distance from each center to the nearest other one (not more
        than the exact value; infinity for a single center).
    changes_only : bool
        Accumulate only the label changes, as :func:`assign_and_update` does
        (``labels`` must then hold the previous labels), instead of every point.
    labels : int32 (n_samples,)
        INOUT: the labels of the bounds in, the nearest centers out. Must be valid
        cluster indices even where the bounds are unset.
    upper : float32 (n_samples,)
        INOUT: bound on each row's distance to its center; infinity where unset.
    lower : float32 (n_samples,)
        INOUT: bound on each row's distance to every other center.
    partial_sums : float64 (n_chunks, n_clusters, n_features)
        OUT: as in :func:`assign_and_accumulate` or, with ``changes_only``,
        :func:`assign_and_update`.
    partial_counts : int64 (n_chunks, n_clusters)
        OUT: likewise.
    """
    n_samples, n_features = X.shape
    n_chunks = partial_sums.shape[0]
    margin = _bound_margin(n_features)
    max_move = 0.0  # the largest move, and the largest of the others' (for its center)
    second_move = 0.0
    for k in range(moves.shape[0]):
        if moves[k] > max_move:
            second_move = max_move
            max_move = moves[k]
        else:
            second_move = max(second_move, moves[k])
    for chunk in prange(n_chunks):
        start, stop = _chunk_bounds(chunk, n_chunks, n_samples)
        previous = labels[start:stop].copy() if changes_only else labels[:0]
        block_x, dist, best_dist, second_dist, best_label = _row_block_buffers(n_features)
        pending = np.empty(ROW_BLOCK, dtype=np.int64)
        n_pending = 0
        for i in range(start, stop):
            label = labels[i]
            high = np.float64(upper[i]) + moves[label]
            low = np.float64(lower[i]) - (max_move if moves[label] < max_move else second_move)
            bound = max(low, half_gaps[label])
            if high * (1.0 + margin) >= bound and high < np.inf:  # tighten the upper bound
                high = np.sqrt(np.float64(_sq_dist(X, i, centers, label))) * (1.0 + margin) + _TINY_DISTANCE
            if high * (1.0 + margin) < bound:
                upper[i] = np.float32(high * (1.0 + _F32_ROUNDING))
                lower[i] = np.float32(max(low * (1.0 - _F32_ROUNDING), 0.0))
            else:
                pending[n_pending] = i
                n_pending += 1
                if n_pending == ROW_BLOCK:
                    _settle_rows(X, centers, pending, n_pending, labels, upper, lower,
                                 block_x, dist, best_dist, second_dist, best_label)
                    n_pending = 0
        _settle_rows(X, centers, pending, n_pending, labels, upper, lower,
                     block_x, dist, best_dist, second_dist, best_label)
        sums = partial_sums[chunk]
        counts = partial_counts[chunk]
        _clear_chunk(sums, counts)
        for i in range(start, stop):
            old = previous[i - start] if changes_only else labels[i]
            _add_labelled_point(X, i, weights[i], labels[i], old, changes_only, sums, counts)


@helper
def center_moves_and_gaps(centers, previous, moves, half_gaps):
    """Inputs of :func:`assign_bounded`: how far each center moved from
    ``previous``, rounded up, and half the distance to its nearest other center,
    rounded down (float64 arithmetic on float32 coordinates).

    Parameters
    ----------
    centers : float32 (n_clusters, n_features)
        IN: the new centers.
    previous : float32 (n_clusters, n_features)
        IN: the centers the bounds were set or last widened with.
    moves : float64 (n_clusters,)
        OUT.
    half_gaps : float64 (n_clusters,)
        OUT.
    """
    n_clusters, n_features = centers.shape
    for k in range(n_clusters):
        total = 0.0
        for j in range(n_features):
            t = np.float64(centers[k, j]) - np.float64(previous[k, j])
            total += t * t
        moves[k] = np.sqrt(total) * (1.0 + _F64_SLACK)
        half_gaps[k] = np.inf
    for k in range(n_clusters):
        for m in range(k + 1, n_clusters):
            total = 0.0
            for j in range(n_features):
                t = np.float64(centers[k, j]) - np.float64(centers[m, j])
                total += t * t
            gap = 0.5 * np.sqrt(total) * (1.0 - _F64_SLACK)
            half_gaps[k] = min(half_gaps[k], gap)
            half_gaps[m] = min(half_gaps[m], gap)


@kernel
def accumulate(X, weights, labels, partial_sums, partial_counts):
    """Per-chunk weighted coordinate sums and total weights of each cluster.

    Parameters
    ----------
    X : float32 (n_samples, n_features)
        IN: the points.
    weights : int32 (n_samples,)
        IN: multiplicity of each point.
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
            _add_point(X, i, weights[i], labels[i], sums, counts)


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


@helper
def cluster_means(sums, counts, previous, centers):
    """Centers from float64 sums, scaled as cv2 scales them, and how far they moved.

    Parameters
    ----------
    sums : float64 (n_clusters, n_features)
        IN: coordinate sums of the clusters.
    counts : int64 (n_clusters,)
        IN: their weights, all positive.
    previous : float32 (n_clusters, n_features)
        IN: the centers before, or an empty (0, n_features) array.
    centers : float32 (n_clusters, n_features)
        OUT: ``float32(sum) * float32(1 / count)``. The sums are exact where cv2's
        float32 running sums are not; the scaling follows cv2, so that centers agree
        bit for bit whenever cv2's sums are exact.

    Returns
    -------
    float
        The largest squared move of a center, as cv2 measures it (float32
        differences squared and summed in float64, in feature order); infinity
        without ``previous``.
    """
    n_clusters, n_features = sums.shape
    shift = 0.0 if previous.shape[0] > 0 else np.inf
    for k in range(n_clusters):
        scale = _F32_ONE / np.float32(counts[k])
        move = 0.0
        for j in range(n_features):
            centers[k, j] = np.float32(sums[k, j]) * scale
            if previous.shape[0] > 0:
                step = np.float64(centers[k, j] - previous[k, j])
                move += step * step
        shift = max(shift, move)
    return shift


@kernel
def label_distance_sum(X, weights, centers, labels, partial_dist):
    """Weighted sum of squared distances from each point to the center of its label.

    Labels are not changed: this is the last pass of a cv2 k-means run, whose
    result is the compactness.

    Parameters
    ----------
    X : float32 (n_samples, n_features)
        IN: the points.
    weights : int32 (n_samples,)
        IN: multiplicity of each point.
    centers : float32 (n_clusters, n_features)
        IN: the centers.
    labels : int32 (n_samples,)
        IN: cluster of each point.
    partial_dist : float64 (n_chunks,)
        OUT: per-chunk sums (workspace).

    Returns
    -------
    float
        The float64 sum of weight times float32 squared distance.
    """
    n_samples = X.shape[0]
    n_chunks = partial_dist.shape[0]
    for chunk in prange(n_chunks):
        start, stop = _chunk_bounds(chunk, n_chunks, n_samples)
        total = 0.0
        for i in range(start, stop):
            total += weights[i] * np.float64(_sq_dist(X, i, centers, labels[i]))
        partial_dist[chunk] = total
    return _ordered_sum(partial_dist)


@inline
def _row_of(inverse, sample):
    return inverse[sample] if inverse.shape[0] > 0 else sample


@inline
def _is_moved(sample, moved_samples):
    for m in range(moved_samples.shape[0]):
        if moved_samples[m] == sample:
            return True
    return False


@inline
def _highest_unmoved_sample(row, floor, inverse, last_sample, n_moved, moved_samples):
    """The larger of ``floor`` and the highest sample of ``row`` still in it."""
    if inverse.shape[0] == 0:
        return max(floor, row)
    if n_moved == 0:
        return max(floor, last_sample[row])
    for sample in range(last_sample[row], floor, -1):
        if inverse[sample] == row and not _is_moved(sample, moved_samples):
            return sample
    return floor


@helper
def farthest_sample(X, weights, labels, inverse, last_sample, moved_count, moved_samples,
                    moved_labels, cluster, center):
    """The sample of ``cluster`` farthest from ``center``, the highest index on ties.

    This is cv2's choice of the sample that moves into an empty cluster, made on rows
    that may stand for several samples. Samples already moved by the repair carry
    their own labels and no longer count in their row.

    Parameters
    ----------
    X : float32 (n_rows, n_features)
        IN: the rows.
    weights : int32 (n_rows,)
        IN: samples per row.
    labels : int32 (n_rows,)
        IN: label of each row.
    inverse : int32 (n_samples,)
        IN: row of each sample, or empty when rows are samples.
    last_sample : int64 (n_rows,)
        IN: highest sample index of each row, or empty when rows are samples.
    moved_count : int32 (n_rows,)
        IN: samples moved out of each row, or empty when none are.
    moved_samples : int64 (n_moved,)
        IN: the moved samples.
    moved_labels : int32 (n_moved,)
        IN: their labels.
    cluster : int
        The cluster searched (not empty).
    center : float32 (1, n_features)
        IN: the reference point.

    Returns
    -------
    int
        The sample index.
    """
    n_rows = X.shape[0]
    farthest = -_F32_ONE
    best = -1
    for r in range(n_rows):
        moved = moved_count[r] if moved_count.shape[0] > 0 else 0
        if labels[r] != cluster or weights[r] <= moved:
            continue
        d = _sq_dist(X, r, center, 0)
        if d < farthest:
            continue
        if d > farthest:
            farthest = d
            best = -1
        best = _highest_unmoved_sample(r, best, inverse, last_sample, moved, moved_samples)
    for m in range(moved_samples.shape[0]):
        if moved_labels[m] != cluster:
            continue
        d = _sq_dist(X, _row_of(inverse, moved_samples[m]), center, 0)
        if d > farthest:
            farthest = d
            best = moved_samples[m]
        elif d == farthest:
            best = max(best, moved_samples[m])
    return best


@kernel
def gather_labels(row_labels, inverse, labels):
    """Label of each sample from the label of its row.

    Parameters
    ----------
    row_labels : int32 (n_rows,)
        IN: label of each distinct row.
    inverse : int32 (n_samples,)
        IN: row of each sample.
    labels : int32 (n_samples,)
        OUT: ``row_labels[inverse]``; may be ``inverse`` itself.
    """
    n_samples = inverse.shape[0]
    n_chunks = chunk_count(n_samples)
    for chunk in prange(n_chunks):
        start, stop = _chunk_bounds(chunk, n_chunks, n_samples)
        for i in range(start, stop):
            labels[i] = row_labels[inverse[i]]


@helper
def last_samples(inverse, n_rows):
    """Highest sample index of each row.

    Parameters
    ----------
    inverse : int32 (n_samples,)
        IN: row of each sample.
    n_rows : int
        Number of rows.

    Returns
    -------
    int64 (n_rows,)
    """
    last = np.empty(n_rows, dtype=np.int64)
    for i in range(inverse.shape[0]):
        last[inverse[i]] = i
    return last


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
def _pick_weighted(dist, weights, inverse, n_pixels, p):
    """cv2's walk: subtract each sample's distance from p until p <= 0; the row of
    the sample reached. Samples are walked in order through ``inverse``; without it
    the rows are walked, each counting ``weight`` times its distance (for a weight of
    1, exactly cv2's walk)."""
    last = n_pixels - 1
    i = 0
    while i < last:
        if inverse.shape[0] > 0:
            p -= dist[inverse[i]]
        else:
            p -= weights[i] * np.float64(dist[i])
        if p <= 0.0:
            break
        i += 1
    return _row_of(inverse, i)


@helper
def _integer_distances(X, weights):
    """True when every squared distance between rows of X is an integer exact in
    float32 and every weighted sum of such distances an integer exact in float64."""
    n_rows, n_features = X.shape
    low = np.empty(n_features, dtype=np.float64)
    high = np.empty(n_features, dtype=np.float64)
    total_weight = 0.0
    for i in range(n_rows):
        total_weight += weights[i]
        for j in range(n_features):
            x = np.float64(X[i, j])
            if x != np.floor(x):
                return False
            if i == 0 or x < low[j]:
                low[j] = x
            if i == 0 or x > high[j]:
                high[j] = x
    largest = 0.0
    for j in range(n_features):
        largest += (high[j] - low[j]) ** 2
    return largest < 2.0**24 and largest * total_weight < 2.0**52


@helper
def _pick_by_prefix(dist, inverse, chunk_sums, p):
    """cv2's walk when every step of it is exact (integer distances): the first
    sample whose running sum of distances reaches p, found chunk by chunk."""
    n_pixels = inverse.shape[0]
    n_chunks = chunk_sums.shape[0]
    reached = 0.0
    for chunk in range(n_chunks):
        if reached + chunk_sums[chunk] >= p:
            start, stop = _chunk_bounds(chunk, n_chunks, n_pixels)
            for i in range(start, stop):
                reached += dist[inverse[i]]
                if reached >= p:
                    return inverse[i]
        reached += chunk_sums[chunk]
    return inverse[n_pixels - 1]


@inline
def _by_feature(X):
    """X as (n_features, n_samples): a pass over the samples then reads contiguous
    memory, one SIMD lane per sample."""
    n_samples, n_features = X.shape
    features = np.empty((n_features, n_samples), dtype=np.float32)
    n_chunks = chunk_count(n_samples)
    for chunk in prange(n_chunks):
        start, stop = _chunk_bounds(chunk, n_chunks, n_samples)
        for i in range(start, stop):
            for j in range(n_features):
                features[j, i] = X[i, j]
    return features


@inline
def _weighted_sum(values, weights):
    """Sum of ``weights[i] * values[i]`` in float64, as four interleaved partial sums
    added in a fixed order: four independent chains of additions, not one."""
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    n = values.shape[0]
    i = 0
    while i + 4 <= n:
        s0 += weights[i] * np.float64(values[i])
        s1 += weights[i + 1] * np.float64(values[i + 1])
        s2 += weights[i + 2] * np.float64(values[i + 2])
        s3 += weights[i + 3] * np.float64(values[i + 3])
        i += 4
    while i < n:
        s0 += weights[i] * np.float64(values[i])
        i += 1
    return (s0 + s1) + (s2 + s3)


#: An entry of the row-to-chunks table: a chunk index in the high 8 bits (chunks are
#: below MAX_CHUNKS = 256) and, in the low 8 bits, a count of the row's samples in that
#: chunk, 1 to 255; a row with more samples in a chunk has several entries for it.
_ENTRY_COUNT_BITS = np.uint16(8)
_ENTRY_COUNT_MASK = np.uint16(255)
_ENTRY_ONE = np.uint16(1)


@helper
def _chunks_of_rows(inverse, n_rows, n_chunks):
    """For each row, the sample chunks holding its samples and how many there: a
    table in CSR form, ``entries[offsets[r]:offsets[r + 1]]`` (see _ENTRY_COUNT_BITS),
    built by two serial passes over the samples, which are walked chunk by chunk."""
    n_samples = inverse.shape[0]
    last_chunk = np.full(n_rows, -1, dtype=np.int16)  # chunk indices are below MAX_CHUNKS
    run = np.zeros(n_rows, dtype=np.uint8)  # count in the row's last entry
    offsets = np.zeros(n_rows + 1, dtype=np.int32)  # entries <= samples < 2**31
    for chunk in range(n_chunks):
        start, stop = _chunk_bounds(chunk, n_chunks, n_samples)
        for i in range(start, stop):
            row = inverse[i]
            if last_chunk[row] != chunk or run[row] == _ENTRY_COUNT_MASK:
                last_chunk[row] = chunk
                run[row] = 0
                offsets[row + 1] += 1
            run[row] += 1
    for row in range(n_rows):
        offsets[row + 1] += offsets[row]
    entries = np.empty(offsets[n_rows], dtype=np.uint16)
    # offsets[row] serves as the row's fill cursor, then is restored from its neighbour.
    last_chunk[:] = -1
    for chunk in range(n_chunks):
        start, stop = _chunk_bounds(chunk, n_chunks, n_samples)
        for i in range(start, stop):
            row = inverse[i]
            if last_chunk[row] != chunk or entries[offsets[row] - 1] & _ENTRY_COUNT_MASK == _ENTRY_COUNT_MASK:
                last_chunk[row] = chunk
                entries[offsets[row]] = np.uint16(chunk) << _ENTRY_COUNT_BITS
                offsets[row] += 1
            entries[offsets[row] - 1] += _ENTRY_ONE
    for row in range(n_rows - 1, 0, -1):
        offsets[row] = offsets[row - 1]
    offsets[0] = 0
    return offsets, entries


@helper
def _update_chunk_sums(new_dist, old_dist, offsets, entries, chunk_sums):
    """Bring per-chunk sums of sample distances from ``old_dist`` to ``new_dist`` by
    visiting only the rows whose distance changed. Exact when every distance and sum
    is an integer below 2**53 (the exact walk's condition): the order of the
    additions then does not matter."""
    for row in range(new_dist.shape[0]):
        if new_dist[row] != old_dist[row]:
            delta = np.float64(new_dist[row]) - np.float64(old_dist[row])
            for entry in range(offsets[row], offsets[row + 1]):
                packed = entries[entry]
                chunk_sums[packed >> _ENTRY_COUNT_BITS] += (packed & _ENTRY_COUNT_MASK) * delta


@kernel
def kmeanspp(X, weights, inverse, n_clusters, n_trials, rng_state, partial_dist):
    """k-means++ seeding with ``n_trials`` candidates per center, as cv2 does it.

    The points may be given as distinct rows with multiplicities. With ``inverse``,
    the draws are made over the samples the rows stand for, in sample order, exactly
    as on the full data; without it, over the rows, each weighted by its multiplicity.

    cv2 finds a candidate by subtracting distances from p = u * potential, sample by
    sample. On integer-valued rows every distance is an integer and every such
    subtraction exact, so the sample reached is the first whose prefix sum reaches
    p: per-chunk sums, computed in parallel once per center, locate it without the
    serial walk over all samples.

    Parameters
    ----------
    X : float32 (n_rows, n_features)
        IN: the points (or distinct rows).
    weights : int32 (n_rows,)
        IN: multiplicity of each row.
    inverse : int32 (n_pixels,)
        IN: row of each pixel, or an empty array to walk the weighted rows.
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
        Indices of the rows chosen as centers.
    """
    n_samples = X.shape[0]
    n_pixels = inverse.shape[0] if inverse.shape[0] > 0 else n_samples
    n_chunks = partial_dist.shape[0]
    chosen = np.empty(n_clusters, dtype=np.int64)
    # Slot `current` holds each row's distance to its nearest center so far; the
    # other slots receive the trials' distances, and the winner's slot becomes current.
    slots = np.empty((n_trials + 1, n_samples), dtype=np.float32)
    current = 0
    trial_slots = np.empty(n_trials, dtype=np.int64)
    candidates = np.empty(n_trials, dtype=np.int64)
    trial_partials = np.empty((n_trials, n_chunks), dtype=np.float64)
    exact_walk = inverse.shape[0] > 0 and _integer_distances(X, weights)
    sample_chunks = chunk_count(n_pixels) if exact_walk else 0
    sample_sums = np.empty(sample_chunks, dtype=np.float64)
    features = _by_feature(X)
    chosen[0] = _row_of(inverse, rng_next(rng_state) % np.uint32(n_pixels))
    for chunk in prange(n_chunks):
        start, stop = _chunk_bounds(chunk, n_chunks, n_samples)
        chunk_dist = slots[current, start:stop]
        _distances_to_row(features, start, X[chosen[0]], chunk_dist)
        partial_dist[chunk] = _weighted_sum(chunk_dist, weights[start:stop])
    potential = _ordered_sum(partial_dist)

    incremental = exact_walk and n_clusters > INCREMENTAL_MIN_CLUSTERS
    offsets, entries = _chunks_of_rows(  # empty when not incremental
        inverse if incremental else inverse[:0], n_samples if incremental else 0, sample_chunks
    )

    previous = current
    for k in range(1, n_clusters):
        dist = slots[current]
        if incremental and k > 1:
            _update_chunk_sums(dist, slots[previous], offsets, entries, sample_sums)
        else:
            for chunk in prange(sample_chunks):
                start, stop = _chunk_bounds(chunk, sample_chunks, n_pixels)
                total = 0.0
                for i in range(start, stop):
                    total += dist[inverse[i]]
                sample_sums[chunk] = total
        # Every candidate is drawn from the same distances, so all are drawn first
        # and their distances computed in one pass: each chunk of the data is read
        # once, from cache for all but the first trial.
        for t in range(n_trials):
            p = rng_double(rng_state) * potential
            if exact_walk:
                candidates[t] = _pick_by_prefix(dist, inverse, sample_sums, p)
            else:
                candidates[t] = _pick_weighted(dist, weights, inverse, n_pixels, p)
            trial_slots[t] = t if t < current else t + 1
        for chunk in prange(n_chunks):
            start, stop = _chunk_bounds(chunk, n_chunks, n_samples)
            chunk_dist = dist[start:stop]
            for t in range(n_trials):
                chunk_trial = slots[trial_slots[t], start:stop]
                _distances_to_row(features, start, X[candidates[t]], chunk_trial)
                for r in range(stop - start):
                    chunk_trial[r] = min(chunk_dist[r], chunk_trial[r])
                trial_partials[t, chunk] = _weighted_sum(chunk_trial, weights[start:stop])
        best_sum = np.inf
        best_trial = 0
        for t in range(n_trials):
            trial_sum = _ordered_sum(trial_partials[t])
            if trial_sum < best_sum:
                best_sum = trial_sum
                best_trial = t
        chosen[k] = candidates[best_trial]
        potential = best_sum
        previous = current
        current = trial_slots[best_trial]
    return chosen


# ---------------------------------------------------------------------------
# Distinct rows of integer-valued data (an 8-bit image has far fewer colours than pixels)

#: Largest key space (product of the per-feature value spans) a distinct-row table covers.
MAX_KEY_SPACE = 1 << 24
_KEY_GROUPS = 4  # fixed, so that the table never depends on the number of threads
_ONE64 = np.uint64(1)


@inline
def _popcount(word):
    word = word - ((word >> np.uint64(1)) & np.uint64(0x5555555555555555))
    word = (word & np.uint64(0x3333333333333333)) + (
        (word >> np.uint64(2)) & np.uint64(0x3333333333333333)
    )
    word = (word + (word >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (word * np.uint64(0x0101010101010101)) >> np.uint64(56)


@kernel
def row_keys(X, low, spans, keys):
    """Mixed-radix key of each row of integer-valued data (first feature most significant).

    Parameters
    ----------
    X : float32 (n_samples, n_features)
        IN: the points.
    low : float32 (n_features,)
        IN: per-feature minimum.
    spans : int64 (n_features,)
        IN: per-feature ``max - min + 1``; their product must not exceed MAX_KEY_SPACE.
    keys : int32 (n_samples,)
        OUT: the keys (meaningless where the return value is not 0).

    Returns
    -------
    int
        Number of values that are not integers.
    """
    n_samples, n_features = X.shape
    n_chunks = chunk_count(n_samples)
    chunk_bad = np.empty(n_chunks, dtype=np.int64)
    for chunk in prange(n_chunks):
        start, stop = _chunk_bounds(chunk, n_chunks, n_samples)
        bad = 0
        for i in range(start, stop):
            key = 0
            for j in range(n_features):
                offset = X[i, j] - low[j]
                digit = np.int64(offset)
                if np.float32(digit) != offset:
                    bad += 1
                key = key * spans[j] + digit
            keys[i] = key
        chunk_bad[chunk] = bad
    n_bad = 0
    for chunk in range(n_chunks):
        n_bad += chunk_bad[chunk]
    return n_bad


@kernel
def distinct_keys(keys, key_space):
    """Sorted distinct keys, their multiplicities, and each key's rank, in place.

    Parameters
    ----------
    keys : int32 (n_samples,)
        INOUT: keys in [0, key_space); replaced by the rank of each key among the
        distinct keys (the row index of the sample in the table).
    key_space : int
        Upper bound of the keys.

    Returns
    -------
    unique : int64 (n_distinct,)
        The distinct keys in increasing order.
    counts : int32 (n_distinct,)
        How many samples carry each of them.
    """
    n_samples = keys.shape[0]
    n_words = (key_space + 63) // 64
    present = np.zeros((_KEY_GROUPS, n_words), dtype=np.uint64)
    for group in prange(_KEY_GROUPS):
        start, stop = _chunk_bounds(group, _KEY_GROUPS, n_samples)
        for i in range(start, stop):
            key = keys[i]
            present[group, key >> 6] |= _ONE64 << np.uint64(key & 63)
    merged = np.empty(n_words, dtype=np.uint64)
    for word in prange(n_words):
        bits = present[0, word]
        for group in range(1, _KEY_GROUPS):
            bits |= present[group, word]
        merged[word] = bits
    rank_base = np.empty(n_words, dtype=np.int64)
    n_distinct = 0
    for word in range(n_words):
        rank_base[word] = n_distinct
        n_distinct += _popcount(merged[word])
    unique = np.empty(n_distinct, dtype=np.int64)
    for word in prange(n_words):
        bits = merged[word]
        r = rank_base[word]
        while bits:  # the set bits, lowest first
            lowest = bits & (~bits + _ONE64)
            unique[r] = word * 64 + np.int64(_popcount(lowest - _ONE64))
            r += 1
            bits ^= lowest
    n_chunks = chunk_count(n_samples)
    for chunk in prange(n_chunks):
        start, stop = _chunk_bounds(chunk, n_chunks, n_samples)
        for i in range(start, stop):
            key = keys[i]
            below = merged[key >> 6] & ((_ONE64 << np.uint64(key & 63)) - _ONE64)
            keys[i] = rank_base[key >> 6] + _popcount(below)
    group_counts = np.zeros((_KEY_GROUPS, n_distinct), dtype=np.int32)
    for group in prange(_KEY_GROUPS):
        start, stop = _chunk_bounds(group, _KEY_GROUPS, n_samples)
        for i in range(start, stop):
            group_counts[group, keys[i]] += 1
    counts = np.empty(n_distinct, dtype=np.int32)
    for r in prange(n_distinct):
        total = 0
        for group in range(_KEY_GROUPS):
            total += group_counts[group, r]
        counts[r] = total
    return unique, counts


@kernel
def key_rows(unique, low, spans, values):
    """The rows of mixed-radix keys (the inverse of :func:`row_keys`).

    Parameters
    ----------
    unique : int64 (n_rows,)
        IN: keys.
    low : float32 (n_features,)
        IN: per-feature minimum.
    spans : int64 (n_features,)
        IN: per-feature ``max - min + 1``.
    values : float32 (n_rows, n_features)
        OUT: ``low[j] + digit j`` of each key, in float32.
    """
    n_rows, n_features = values.shape
    n_chunks = chunk_count(n_rows)
    for chunk in prange(n_chunks):
        start, stop = _chunk_bounds(chunk, n_chunks, n_rows)
        for r in range(start, stop):
            rest = unique[r]
            for j in range(n_features - 1, -1, -1):
                values[r, j] = np.float32(rest % spans[j]) + low[j]
                rest //= spans[j]


# ---------------------------------------------------------------------------
# Error diffusion


@helper
def floyd_steinberg(image, palette, active, labels):
    """Floyd-Steinberg dithering of an image onto a palette.

    Pixels are visited row by row, left to right; each takes the nearest palette
    colour (lowest index on ties) of its value plus the error diffused to it, and
    passes its own error on: 7/16 right, 3/16 below left, 5/16 below, 1/16 below right.

    Parameters
    ----------
    image : float32 (height, width, channels)
        IN: the pixel values.
    palette : float32 (n_colors, channels)
        IN: the colours.
    active : bool (height, width)
        IN: pixels to dither; the others keep their label and neither take nor
        pass on error.
    labels : int32 (height, width)
        INOUT: palette index of each pixel (set for the active ones).
    """
    height, width, channels = image.shape
    error = np.zeros((2, width + 2, channels), dtype=np.float32)
    value = np.empty(channels, dtype=np.float32)
    for y in range(height):
        current = y % 2
        below = 1 - current
        for x in range(width + 2):
            for c in range(channels):
                error[below, x, c] = _F32_ZERO
        for x in range(width):
            if not active[y, x]:
                continue
            for c in range(channels):
                value[c] = image[y, x, c] + error[current, x + 1, c]
            best = 0
            best_dist = _F32_INF
            for k in range(palette.shape[0]):
                d = _F32_ZERO
                for c in range(channels):
                    t = value[c] - palette[k, c]
                    d += t * t
                if d < best_dist:
                    best_dist = d
                    best = k
            labels[y, x] = best
            for c in range(channels):
                e = value[c] - palette[best, c]
                error[current, x + 2, c] += e * np.float32(7.0 / 16.0)
                error[below, x, c] += e * np.float32(3.0 / 16.0)
                error[below, x + 1, c] += e * np.float32(5.0 / 16.0)
                error[below, x + 2, c] += e * np.float32(1.0 / 16.0)

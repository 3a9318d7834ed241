"""Chunking, scalar helpers and constants shared by every kernel.

A pass over the samples is split into ``chunk_count(n_samples, n_clusters, n_features)``
chunks: a number that depends only on the sizes, never on the thread count, so per-chunk
float64 partial sums combined in chunk order give the same result on any number of
threads; their memory stays within PARTIALS_BUDGET (or MIN_BUDGET_CHUNKS chunks).

Squared distances are float32 sums ``((0 + t0*t0) + t1*t1) + ...`` with ``t = x - c``,
the order OpenCV uses, so that nearest-center decisions agree with ``cv2.kmeans``.
"""

import numpy as np
from numba import prange

from .._jit import helper, inline
from ._checks import in_range, require_at_least
from ._tunables import MAX_CHUNKS, MIN_BUDGET_CHUNKS, MIN_CHUNK_SIZE, PARTIALS_BUDGET


F32_ZERO = np.float32(0.0)
F32_ONE = np.float32(1.0)
F32_TWO = np.float32(2.0)
F32_INF = np.float32(np.inf)


@helper
def chunk_count(n_samples, n_clusters=1, n_features=1):
    """Number of chunks a pass over ``n_samples`` points is split into.

    Parameters
    ----------
    n_samples : int
        Number of points, at least 0.
    n_clusters, n_features : int
        Shape of one chunk's partial sums (``n_clusters`` at least 1; the defaults
        suit a pass without partial sums).

    Returns
    -------
    int
        ``min(MAX_CHUNKS, ceil(n_samples / MIN_CHUNK_SIZE))``, at least 1, and at most
        as many as fit ``PARTIALS_BUDGET`` (``n_clusters * (n_features + 1) * 8`` bytes
        a chunk), though not fewer than MIN_BUDGET_CHUNKS for that. It depends on the
        arguments only, never on the number of threads.
    """
    require_at_least(n_samples, 0, "n_samples must not be negative")
    require_at_least(n_clusters, 1, "n_clusters must be at least 1")
    require_at_least(n_features, 0, "n_features must not be negative")
    chunk_bytes = n_clusters * (n_features + 1) * 8
    affordable = max(MIN_BUDGET_CHUNKS, PARTIALS_BUDGET // chunk_bytes)
    by_size = (n_samples + MIN_CHUNK_SIZE - 1) // MIN_CHUNK_SIZE
    return max(1, min(MAX_CHUNKS, min(by_size, affordable)))  # (min of two: a compile
    # of numba's min fewer on a first run)


@inline
def chunk_bounds(chunk, n_chunks, n_samples):
    size = (n_samples + n_chunks - 1) // n_chunks
    start = min(chunk * size, n_samples)
    return start, min(start + size, n_samples)


@inline
def sq_dist(X, i, Y, r):
    """Squared distance between X[i] and Y[r] in float32, in OpenCV's order."""
    d = F32_ZERO
    for j in range(X.shape[1]):
        t = X[i, j] - Y[r, j]
        d += t * t
    return d


@inline
def sq_dist8(X, rows, Y, targets, out):
    """:func:`sq_dist` of eight pairs, ``X[rows[l]]`` to ``Y[targets[l]]`` (tuples of 8
    indices), into ``out[:8]``: the same float32 values, summed in step as eight
    independent chains (one chain waits on each addition: at D = 128 eight pairs took
    0.36x the time of eight calls, 300,000 rows, one thread)."""
    x0, x1, x2, x3 = X[rows[0]], X[rows[1]], X[rows[2]], X[rows[3]]
    x4, x5, x6, x7 = X[rows[4]], X[rows[5]], X[rows[6]], X[rows[7]]
    y0, y1, y2, y3 = Y[targets[0]], Y[targets[1]], Y[targets[2]], Y[targets[3]]
    y4, y5, y6, y7 = Y[targets[4]], Y[targets[5]], Y[targets[6]], Y[targets[7]]
    d0 = d1 = d2 = d3 = d4 = d5 = d6 = d7 = F32_ZERO
    for j in range(X.shape[1]):
        t0, t1, t2, t3 = x0[j] - y0[j], x1[j] - y1[j], x2[j] - y2[j], x3[j] - y3[j]
        t4, t5, t6, t7 = x4[j] - y4[j], x5[j] - y5[j], x6[j] - y6[j], x7[j] - y7[j]
        d0, d1, d2, d3 = d0 + t0 * t0, d1 + t1 * t1, d2 + t2 * t2, d3 + t3 * t3
        d4, d5, d6, d7 = d4 + t4 * t4, d5 + t5 * t5, d6 + t6 * t6, d7 + t7 * t7
    out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7] = d0, d1, d2, d3, d4, d5, d6, d7


@inline
def clear_chunk(sums, counts):
    for k in range(sums.shape[0]):
        counts[k] = 0
        for j in range(sums.shape[1]):
            sums[k, j] = 0.0


@inline
def ordered_sum(partial):
    """Sum of per-chunk partials, in chunk order (so independent of the thread count)."""
    total = 0.0
    for chunk in range(partial.shape[0]):
        total += partial[chunk]
    return total


@inline
def add_point(X, i, weight, label, sums, counts):
    counts[label] += weight
    for j in range(X.shape[1]):
        sums[label, j] += weight * np.float64(X[i, j])


@inline
def add_labelled_point(X, i, weight, label, old_label, changes_only, sums, counts):
    """Add point i to cluster ``label``; with ``changes_only``, only if it left
    ``old_label``, from which it is then subtracted."""
    if not changes_only:
        add_point(X, i, weight, label, sums, counts)
    elif label != old_label:
        add_point(X, i, weight, label, sums, counts)
        add_point(X, i, -weight, old_label, sums, counts)


@inline
def add_chunk_points(X, weights, labels, previous, changes_only, sums, counts):
    """Every row of ``X`` added to the cluster of its label (``sums`` and ``counts``
    cleared first), in row order; with ``changes_only``, only the rows whose label
    differs from ``previous``, subtracted from the old cluster. The flag is tested
    once, outside the loops: a test per row keeps them from being optimised."""
    clear_chunk(sums, counts)
    if changes_only:
        for i in range(X.shape[0]):
            add_labelled_point(X, i, weights[i], labels[i], previous[i], True, sums, counts)
    else:
        for i in range(X.shape[0]):
            add_point(X, i, weights[i], labels[i], sums, counts)


@inline
def refresh_chunk_points(X, weights, labels, summed, sums, counts):
    """``sums`` and ``counts`` (INOUT: those :func:`add_chunk_points` gives for the
    labels ``summed``) made those it gives for ``labels``. Only the clusters a row
    entered or left are summed again, from zero, over the rows in row order: the
    steps of a full accumulation, so the same float64 values; the others keep the
    same rows, hence their values. Few changed labels: a fraction of the reads."""
    dirty = np.zeros(sums.shape[0], dtype=np.bool_)
    n_changed = 0
    for i in range(X.shape[0]):
        if labels[i] != summed[i]:
            dirty[labels[i]] = True
            dirty[summed[i]] = True
            n_changed += 1
    if n_changed == 0:
        return
    for k in range(sums.shape[0]):
        if dirty[k]:
            counts[k] = 0
            for j in range(sums.shape[1]):
                sums[k, j] = 0.0
    for i in range(X.shape[0]):
        if dirty[labels[i]]:
            add_point(X, i, weights[i], labels[i], sums, counts)


@inline
def row_of(inverse, sample):
    return inverse[sample] if inverse.shape[0] > 0 else sample


@inline
def by_feature(X):
    """X as (n_features, n_samples): a pass over the samples then reads contiguous
    memory, one SIMD lane per sample."""
    n_samples, n_features = X.shape
    features = np.empty((n_features, n_samples), dtype=np.float32)
    n_chunks = chunk_count(n_samples)
    for chunk in prange(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n_samples)
        for i in range(start, stop):
            for j in range(n_features):
                features[j, i] = X[i, j]
    return features


@inline
def add_weighted(values, weights, s0, s1, s2, s3):
    """``(s0, s1, s2, s3)`` with ``weights[i] * values[i]`` added, in float64, to lane
    ``i % 4`` (the values past the last multiple of 4 to ``s0``): four independent
    chains of additions, not one. Over consecutive pieces of a range, each starting at
    a multiple of 4 from the range's start, the lanes come out as from one call on the
    whole range."""
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
    return s0, s1, s2, s3


@inline
def weighted_sum(values, weights):
    """Sum of ``weights[i] * values[i]`` in float64: the four lanes of
    :func:`add_weighted` added in a fixed order, ``(s0 + s1) + (s2 + s3)``."""
    s0, s1, s2, s3 = add_weighted(values, weights, 0.0, 0.0, 0.0, 0.0)
    return (s0 + s1) + (s2 + s3)


@inline
def count_outside(indices, size):
    """How many of ``indices`` fall outside [0, size), in one parallel pass."""
    n = indices.shape[0]
    n_chunks = chunk_count(n)
    n_bad = 0
    for chunk in prange(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n)
        chunk_bad = 0
        for i in range(start, stop):
            if not in_range(indices[i], size):
                chunk_bad += 1
        n_bad += chunk_bad
    return n_bad

"""Nearest centers, 64 rows at a time: the search every Lloyd pass is built on.

Above ROW_BLOCK_MAX_FEATURES features, the rows of a block are searched one by one
instead, with the same float32 sums in the same order: the same labels and distances,
without a copy of the block that would take 256 bytes a feature."""

import numpy as np
from numba import prange

from .._jit import helper, inline, kernel
from ._checks import require_centers, require_labels_for, require_one_per_row
from ._common import (
    F32_INF, F32_ZERO, chunk_bounds, chunk_count, sq_dist,
)
from ._tunables import ROW_BLOCK, ROW_BLOCK_MAX_FEATURES


@inline
def row_block_buffers(n_features):
    """Whether the search goes row by row (wide data), and the scratch of the row-block
    search: the block's coordinates by feature (none when by row), the running
    distances, and each row's best distance, second-best distance and label."""
    by_row = n_features > ROW_BLOCK_MAX_FEATURES
    block_x = np.empty((0 if by_row else n_features, ROW_BLOCK), dtype=np.float32)
    dist = np.empty(ROW_BLOCK, dtype=np.float32)
    best_dist = np.empty(ROW_BLOCK, dtype=np.float32)
    second_dist = np.empty(ROW_BLOCK, dtype=np.float32)
    best_label = np.empty(ROW_BLOCK, dtype=np.int32)
    return by_row, block_x, dist, best_dist, second_dist, best_label


@inline
def load_rows(X, first, count, block_x):
    """Rows ``first`` to ``first + count - 1`` into ``block_x``, feature by feature,
    zeros past them. Loops index views from 0: numba's handling of negative indices
    keeps LLVM from vectorising ``X[first + r]``."""
    rows = X[first : first + count]
    for j in range(X.shape[1]):
        column = block_x[j]
        for r in range(count):
            column[r] = rows[r, j]
        for r in range(count, ROW_BLOCK):
            column[r] = F32_ZERO


@inline
def gather_rows(X, index, count, block_x):
    """Rows ``index[0]`` to ``index[count - 1]`` into ``block_x``, as :func:`load_rows`."""
    for j in range(X.shape[1]):
        column = block_x[j]
        for r in range(count):
            column[r] = X[index[r], j]
        for r in range(count, ROW_BLOCK):
            column[r] = F32_ZERO


@inline
def distances_to_row(features, first, row, out):
    """``out[i]``: squared distance from sample ``first + i`` (``features[:, first +
    i]``) to ``row``, summed over the features in :func:`sq_dist`'s order (four
    features per visit of ``out[i]``: ``((out + t0*t0) + t1*t1) + ...``). The loops
    run over contiguous views from index 0, which numba's negative-index handling
    needs in order to let LLVM vectorise them."""
    n = out.shape[0]
    for i in range(n):
        out[i] = F32_ZERO
    j = 0
    while j + 4 <= features.shape[0]:  # four features per visit of out[i], same order
        c0, c1, c2, c3 = row[j], row[j + 1], row[j + 2], row[j + 3]
        f0 = features[j, first : first + n]
        f1 = features[j + 1, first : first + n]
        f2 = features[j + 2, first : first + n]
        f3 = features[j + 3, first : first + n]
        for i in range(n):
            t0, t1, t2, t3 = f0[i] - c0, f1[i] - c1, f2[i] - c2, f3[i] - c3
            out[i] = out[i] + t0 * t0 + t1 * t1 + t2 * t2 + t3 * t3
        j += 4
    while j < features.shape[0]:
        c = row[j]
        feature = features[j, first : first + n]
        for i in range(n):
            t = feature[i] - c
            out[i] += t * t
        j += 1


@inline
def block_nearest(block_x, centers, dist, best_dist, best_label, second_dist, track_second):
    """Nearest center (lowest index on ties) and its squared distance for each row of
    ``block_x``, into ``best_label`` and ``best_dist``; with ``track_second``, the
    second-smallest distance into ``second_dist`` (equal to the smallest on a tie).

    Every loop runs over the ROW_BLOCK rows, one SIMD lane per row, with a
    branch-free running minimum: loops of a fixed length over contiguous rows
    vectorise, where a search over the centers of one row does not. Each distance is
    summed over the features in order (:func:`distances_to_row`).
    """
    for r in range(ROW_BLOCK):
        best_dist[r] = F32_INF
        best_label[r] = 0
        second_dist[r] = F32_INF
    for k in range(centers.shape[0]):
        distances_to_row(block_x, 0, centers[k], dist)
        for r in range(ROW_BLOCK):
            closer = dist[r] < best_dist[r]
            if track_second:
                second_dist[r] = best_dist[r] if closer else min(second_dist[r], dist[r])
            best_dist[r] = dist[r] if closer else best_dist[r]
            best_label[r] = k if closer else best_label[r]


@inline
def _row_nearest(X, i, centers, r, best_dist, best_label, second_dist, track_second):
    """:func:`block_nearest` of row ``i`` of X alone, into entry ``r`` of the outputs."""
    best = F32_INF
    second = F32_INF
    label = 0
    for k in range(centers.shape[0]):
        d = sq_dist(X, i, centers, k)
        closer = d < best
        if track_second:
            second = best if closer else min(second, d)
        best = d if closer else best
        label = k if closer else label
    best_dist[r] = best
    best_label[r] = label
    second_dist[r] = second


# The searches of wide data, row by row, are not inlined: inlined into the loops of the
# block search they slowed a pass over 10**6 x 3 points by 7%, and so did a shared
# inline helper choosing between the two searches. Callers write the choice out:
#     if by_row: range_row_by_row(...) else: load_rows(...); block_nearest(...)
@helper
def range_row_by_row(X, first, count, centers, best_dist, best_label, second_dist,
                     track_second):
    for r in range(count):
        _row_nearest(X, first + r, centers, r, best_dist, best_label, second_dist, track_second)


@helper
def index_row_by_row(X, index, count, centers, best_dist, best_label, second_dist,
                     track_second):
    for r in range(count):
        _row_nearest(X, index[r], centers, r, best_dist, best_label, second_dist, track_second)


@kernel
def assign(X, centers, labels, distances):
    """Assign every point to its nearest center.

    Parameters
    ----------
    X, centers
        IN (see ``fastquant.kernels``).
    labels : int32 (n_samples,)
        OUT: index of the nearest center (the lowest index on ties).
    distances : float32 (n_samples,)
        OUT: squared distance to that center.
    """
    n_samples, n_features = X.shape
    require_centers(centers, n_features)
    require_labels_for(labels, n_samples, centers.shape[0])
    require_one_per_row(distances, n_samples, "distances")
    n_chunks = chunk_count(n_samples)
    for chunk in prange(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n_samples)
        by_row, block_x, dist, best_dist, second_dist, best_label = row_block_buffers(n_features)
        for first in range(start, stop, ROW_BLOCK):
            count = min(ROW_BLOCK, stop - first)
            if by_row:
                range_row_by_row(X, first, count, centers, best_dist, best_label, second_dist,
                                 False)
            else:
                load_rows(X, first, count, block_x)
                block_nearest(block_x, centers, dist, best_dist, best_label, second_dist, False)
            block_labels = labels[first : first + count]
            block_distances = distances[first : first + count]
            for r in range(count):
                block_labels[r] = best_label[r]
                block_distances[r] = best_dist[r]

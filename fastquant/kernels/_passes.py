"""Lloyd passes: assignment fused with per-chunk sums, the sums alone, their
reduction, the centers from them and the compactness of a labelling."""

import numpy as np
from numba import prange

from .._jit import helper, inline, kernel
from ._checks import (
    in_range, require_at_least, require_centers, require_cluster_indices, require_equal,
    require_integers, require_one_per_row, require_partials, require_pass_arguments,
)
from ._common import (
    F32_ONE, add_point, chunk_bounds, clear_chunk,
    ordered_sum, sq_dist, sq_dist8,
)
from ._tunables import ROW_BLOCK
from ._distances import block_nearest, load_rows, range_row_by_row, row_block_buffers

@inline
def _assign_chunk(X, weights, centers, labels, start, stop, changes_only, sums, counts):
    """Nearest centers of rows ``start`` to ``stop - 1`` into ``labels``, and their
    weighted sums into ``sums`` and ``counts`` (cleared first): of every row, or with
    ``changes_only`` of the rows whose label changed, added to the new cluster and
    subtracted from the old one. With ``changes_only``, a row whose previous label is
    not a cluster index is skipped (left as it is) and counted: returns that count."""
    clear_chunk(sums, counts)
    n_clusters = sums.shape[0]
    n_bad = 0
    by_row, block_x, dist, best_dist, second_dist, best_label = row_block_buffers(X.shape[1])
    for first in range(start, stop, ROW_BLOCK):
        count = min(ROW_BLOCK, stop - first)
        if by_row:
            range_row_by_row(X, first, count, centers, best_dist, best_label, second_dist, False)
        else:
            load_rows(X, first, count, block_x)
            block_nearest(block_x, centers, dist, best_dist, best_label, second_dist, False)
        rows = X[first : first + count]
        block_weights = weights[first : first + count]
        block_labels = labels[first : first + count]
        # The flag is tested once per block, outside the loops over rows: tested per
        # row, the serial kernel's search went unvectorised (2.19 against 0.17 ms a
        # pass over messi.jpg's 69,991 colours, K = 2).
        if changes_only:
            for r in range(count):
                old = block_labels[r]
                if not in_range(old, n_clusters):
                    n_bad += 1
                elif best_label[r] != old:
                    add_point(rows, r, block_weights[r], best_label[r], sums, counts)
                    add_point(rows, r, -block_weights[r], old, sums, counts)
                    block_labels[r] = best_label[r]
        else:
            for r in range(count):
                add_point(rows, r, block_weights[r], best_label[r], sums, counts)
                block_labels[r] = best_label[r]
    return n_bad


@kernel
def assign_and_accumulate(X, weights, centers, labels, partial_sums, partial_counts):
    """One Lloyd pass: nearest-center assignment fused with per-chunk weighted sums.

    Parameters
    ----------
    X, weights, centers
        IN (see ``fastquant.kernels``).
    labels : int32 (n_samples,)
        OUT: index of the nearest center (the lowest index on ties).
    partial_sums, partial_counts
        OUT (see ``fastquant.kernels``).

    Notes
    -----
    ``n_chunks`` is ``partial_sums.shape[0]``; use :func:`chunk_count` and combine
    the partials with :func:`reduce_partials`.
    """
    require_pass_arguments(X, weights, centers, labels, partial_sums, partial_counts)
    n_samples = X.shape[0]
    n_chunks = partial_sums.shape[0]
    for chunk in prange(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n_samples)
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
    X, weights, centers
        IN (see ``fastquant.kernels``).
    labels : int32 (n_samples,)
        INOUT: the previous labels in, the nearest centers out (lowest index on ties).
    partial_sums : float64 (n_chunks, n_clusters, n_features)
        OUT: per chunk, weighted coordinate sums of the points that joined each
        cluster minus those of the points that left it.
    partial_counts : int64 (n_chunks, n_clusters)
        OUT: per chunk, the weight that joined each cluster minus the weight that left.
    """
    require_pass_arguments(X, weights, centers, labels, partial_sums, partial_counts)
    n_samples = X.shape[0]
    n_chunks = partial_sums.shape[0]
    n_bad = 0
    for chunk in prange(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n_samples)
        n_bad += _assign_chunk(
            X, weights, centers, labels, start, stop, True,
            partial_sums[chunk], partial_counts[chunk],
        )
    require_cluster_indices(n_bad)


@kernel
def accumulate(X, weights, labels, partial_sums, partial_counts):
    """Per-chunk weighted coordinate sums and total weights of each cluster.

    Parameters
    ----------
    X, weights
        IN (see ``fastquant.kernels``).
    labels : int32 (n_samples,)
        IN: cluster of each point, in [0, n_clusters).
    partial_sums, partial_counts
        OUT (see ``fastquant.kernels``).
    """
    require_integers(labels, "labels")
    require_one_per_row(weights, X.shape[0], "weights")
    require_one_per_row(labels, X.shape[0], "labels")
    require_partials(partial_sums, partial_counts, X.shape[1])
    n_samples = X.shape[0]
    n_chunks, n_clusters = partial_counts.shape
    n_bad = 0
    for chunk in prange(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n_samples)
        sums = partial_sums[chunk]
        counts = partial_counts[chunk]
        clear_chunk(sums, counts)
        chunk_bad = 0
        for i in range(start, stop):
            if in_range(labels[i], n_clusters):
                add_point(X, i, weights[i], labels[i], sums, counts)
            else:
                chunk_bad += 1
        n_bad += chunk_bad
    require_cluster_indices(n_bad)


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
    require_partials(partial_sums, partial_counts, sums.shape[1])
    require_equal(sums.shape[0], partial_sums.shape[1],
                  "sums must have one row per cluster of partial_sums")
    require_equal(counts.shape[0], partial_sums.shape[1],
                  "counts must have one entry per cluster of partial_sums")
    clear_chunk(sums, counts)
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
    require_equal(counts.shape[0], n_clusters, "counts must have one entry per row of sums")
    require_equal(centers.shape[0], n_clusters, "centers must have one row per row of sums")
    require_equal(centers.shape[1], n_features, "centers must have one column per column of sums")
    if previous.shape[0] > 0:
        require_equal(previous.shape[0], n_clusters, "previous must have no rows or one per row of sums")
        require_equal(previous.shape[1], n_features, "previous must have one column per column of sums")
    shift = 0.0 if previous.shape[0] > 0 else np.inf
    for k in range(n_clusters):
        scale = F32_ONE / np.float32(counts[k])
        move = 0.0
        for j in range(n_features):
            centers[k, j] = np.float32(sums[k, j]) * scale
            if previous.shape[0] > 0:
                step = np.float64(centers[k, j] - previous[k, j])
                move += step * step
        shift = max(shift, move)
    return shift


@inline
def _all_in_range(indices, size):
    n_in = 0
    for k in range(indices.shape[0]):
        n_in += 1 if in_range(indices[k], size) else 0
    return n_in == indices.shape[0]


@kernel
def label_distance_sum(X, weights, centers, labels, partial_dist):
    """Weighted sum of squared distances from each point to the center of its label.

    Labels are not changed: this is the last pass of a cv2 k-means run, whose
    result is the compactness.

    Parameters
    ----------
    X, weights, centers
        IN (see ``fastquant.kernels``).
    labels : int32 (n_samples,)
        IN: cluster of each point.
    partial_dist : float64 (n_chunks,)
        OUT: per-chunk sums (workspace).

    Returns
    -------
    float
        The float64 sum of weight times float32 squared distance.
    """
    require_integers(labels, "labels")
    require_one_per_row(weights, X.shape[0], "weights")
    require_one_per_row(labels, X.shape[0], "labels")
    require_centers(centers, X.shape[1])
    require_at_least(partial_dist.shape[0], 1, "partial_dist must have at least one chunk")
    n_samples = X.shape[0]
    n_clusters = centers.shape[0]
    n_chunks = partial_dist.shape[0]
    n_bad = 0
    for chunk in prange(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n_samples)
        total = 0.0
        chunk_bad = 0
        d = np.empty(8, dtype=np.float32)
        i = start
        while i < stop:  # eight rows in step where their labels are valid
            if i + 8 <= stop and _all_in_range(labels[i : i + 8], n_clusters):
                sq_dist8(X, (i, i + 1, i + 2, i + 3, i + 4, i + 5, i + 6, i + 7), centers,
                         (labels[i], labels[i + 1], labels[i + 2], labels[i + 3],
                          labels[i + 4], labels[i + 5], labels[i + 6], labels[i + 7]), d)
                for lane in range(8):
                    total += weights[i + lane] * np.float64(d[lane])
                i += 8
            elif in_range(labels[i], n_clusters):
                total += weights[i] * np.float64(sq_dist(X, i, centers, labels[i]))
                i += 1
            else:
                chunk_bad += 1
                i += 1
        partial_dist[chunk] = total
        n_bad += chunk_bad
    require_cluster_indices(n_bad)
    return ordered_sum(partial_dist)

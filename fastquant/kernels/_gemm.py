"""Nearest centers from a tile of BLAS dot products, settled in cv2's order where it
is not sure: the kernels of the matrix-product pass (``fastquant/_gemm_pass.py``).

The products ``x.c`` of a tile of rows with every center come from a float32 matrix
product (``sgemm``, computed outside: NumPy's ``matmul``), laid out centers by rows so
that the scan below runs one SIMD lane per row. A row takes the center of the
smallest expansion distance ``fl(fl(||c||**2) - 2 fl(x.c))`` only when the second
smallest is farther by more than the margin of ``_tiles.margin_terms``; that proof
holds for a dot product summed in *any* order, with or without fused multiply-adds,
which is what a BLAS may do (its blocking, its threads and its SIMD width choose the
order; every product entry is still a float32 sum of float32 products). The other
rows are searched again with cv2's float32 sums (ties to the lowest index). Labels
are therefore those of the plain pass whatever the BLAS and its thread count; the
sums are accumulated afterwards in fastquant's fixed chunks, in row order.
"""

import numpy as np
from numba import prange

from .._jit import kernel
from ._checks import in_range, require_cluster_indices
from ._common import ROW_BLOCK, add_chunk_points, chunk_bounds
from ._distances import row_block_buffers
from ._tiles import fold_nearest, margin_terms, row_margin, settle

#: Rows of a tile labelled by one iteration of the parallel loop: its unsure rows
#: are searched again in cv2's order ROW_BLOCK at a time, which costs a full
#: block's search however few they are, so a strip should hold many blocks.
STRIP_ROWS = 2048


@kernel
def row_norms(X, out):
    """float64 squared norms of the rows of ``X`` (float32 (n, D)) into ``out`` (n,)."""
    for i in prange(X.shape[0]):
        total = 0.0
        for j in range(X.shape[1]):
            total += np.float64(X[i, j]) * np.float64(X[i, j])
        out[i] = total


@kernel
def nearest_from_dots(X, centers, first, dots, center_sq, center_norm_max, row_sq, labels,
                      settled):
    """Labels of rows ``first`` to ``first + dots.shape[1] - 1`` of ``X`` from their
    dot products with the centers.

    Parameters
    ----------
    X : float32 (n_samples, n_features)
        IN: the points (the unsure rows are searched again from them).
    centers : float32 (n_clusters, n_features)
        IN: the centers.
    first : int
        The first row of the tile.
    dots : float32 (n_clusters, tile_rows)
        IN: ``dots[k, r]``, the dot product of row ``first + r`` with center ``k``,
        summed in any order.
    center_sq : float32 (n_clusters,)
        IN: the centers' float32 squared norms (``_tiles.center_norms``).
    center_norm_max : float
        The largest center norm (float64).
    row_sq : float64 (n_samples,)
        IN: the squared norms of the rows (:func:`row_norms`).
    labels : int32 (n_samples,)
        OUT: the tile's nearest centers (the lowest index on ties).
    settled : int64 (n_strips,)
        OUT: per strip of STRIP_ROWS rows of the tile, the rows searched again in
        cv2's order (``n_strips`` at least ``ceil(tile_rows / STRIP_ROWS)``).
    """
    tile_rows = dots.shape[1]
    relative, absolute = margin_terms(X.shape[1])
    n_strips = (tile_rows + STRIP_ROWS - 1) // STRIP_ROWS
    for strip in prange(n_strips):
        strip_stop = min(tile_rows, (strip + 1) * STRIP_ROWS)
        best_dist = np.empty(ROW_BLOCK, dtype=np.float32)
        second_dist = np.empty(ROW_BLOCK, dtype=np.float32)
        best_label = np.empty(ROW_BLOCK, dtype=np.int32)
        buffers = row_block_buffers(X.shape[1])
        pending = np.empty(2 * ROW_BLOCK, dtype=np.int64)
        n_pending = 0
        n_settled = 0
        for begin in range(strip * STRIP_ROWS, strip_stop, ROW_BLOCK):
            count = min(ROW_BLOCK, strip_stop - begin)
            fold_nearest(dots, begin, count, center_sq, best_dist, best_label, second_dist)
            for r in range(count):
                row = first + begin + r
                labels[row] = best_label[r]
                pending[n_pending] = row
                margin = row_margin(row_sq[row], center_norm_max, relative, absolute)
                gap = np.float64(second_dist[r]) - np.float64(best_dist[r])
                n_pending += 0 if gap > margin else 1
            if n_pending >= ROW_BLOCK:  # a full block of rows to search in cv2's order
                settle(X, centers, pending, ROW_BLOCK, labels, buffers)
                n_settled += ROW_BLOCK
                n_pending -= ROW_BLOCK
                pending[:n_pending] = pending[ROW_BLOCK : ROW_BLOCK + n_pending]
        settle(X, centers, pending, n_pending, labels, buffers)
        settled[strip] = n_settled + n_pending


@kernel
def accumulate_labels(X, weights, labels, previous, changes_only, partial_sums,
                      partial_counts):
    """Per-chunk weighted sums of the clusters of ``labels`` (as those of
    ``assign_and_accumulate``) or, with ``changes_only``, of the changes from
    ``previous`` (as those of ``assign_and_update``).

    Parameters
    ----------
    X : float32 (n_samples, n_features)
        IN: the points.
    weights : int32 or float64 (n_samples,)
        IN: multiplicity of each point.
    labels : int32 (n_samples,)
        IN: the clusters, in range.
    previous : int32 (n_samples,) or (0,)
        IN: the labels before (read only with ``changes_only``; a label out of range
        raises ValueError before any sum is written).
    changes_only : bool
    partial_sums : float64 (n_chunks, n_clusters, n_features)
        OUT.
    partial_counts : (n_chunks, n_clusters)
        OUT.
    """
    n_samples = X.shape[0]
    n_chunks, n_clusters = partial_counts.shape
    n_bad = 0
    if changes_only:  # checked before any sum is written
        for i in range(n_samples):
            n_bad += 0 if in_range(previous[i], n_clusters) else 1
    require_cluster_indices(n_bad)
    for chunk in prange(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n_samples)
        chunk_previous = previous[start:stop] if changes_only else previous[:0]
        add_chunk_points(X[start:stop], weights[start:stop], labels[start:stop],
                         chunk_previous, changes_only, partial_sums[chunk],
                         partial_counts[chunk])

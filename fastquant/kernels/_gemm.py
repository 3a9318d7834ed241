"""Nearest centers from a tile of BLAS dot products, settled in cv2's order where it
is not sure, with Hamerly's bounds: the kernels of the matrix-product pass
(``fastquant/_gemm_pass.py``).

The products ``x.c`` of a tile of rows with every center come from a float32 matrix
product (NumPy's ``matmul``, computed outside), laid out centers by rows so that the
scan runs one SIMD lane per row. Why the labels are exactly the plain pass's, with
``u = 2**-24``, ``gamma_n = n u / (1 - n u)``, ``D`` features, ``e_k = ||x - c_k||**2``
exactly, ``s_k`` cv2's float32 sum of ``(x_j - c_j)**2`` in feature order, ``a_k =
fl(fl(||c_k||**2) - 2 fl(x.c_k))`` and ``B = (||x|| + max_k ||c_k||)**2``:

* A BLAS chooses its own order of summation (blocking, threads, SIMD width, fused
  multiply-adds), but every entry is a float32 sum of the D float32 products, so in
  *any* order ``|fl(x.c) - x.c| <= gamma_D sum_j |x_j c_j| <= gamma_D ||x|| ||c||``
  (Higham, Accuracy and Stability, 3.1; Cauchy-Schwarz). A product summed in float64
  and rounded once errs less.
* With ``|fl(||c||**2) - ||c||**2| <= gamma_D ||c||**2``, an exact doubling and one
  rounding of the subtraction: ``|a_k + ||x||**2 - e_k| <= gamma_{D+1} (||c||**2 +
  2 ||x|| ||c||) <= gamma_{D+1} B``; and ``|s_k - e_k| <= gamma_{D+2} e_k <=
  gamma_{D+2} B``. Underflow adds at most ``2**-150`` per rounding.
* So when the second smallest ``a`` exceeds the smallest, ``a_b``, by more than
  ``2 (gamma_{D+1} + gamma_{D+2}) B`` plus the underflow term (``_tiles.margin_terms``,
  widened for its own float64 arithmetic), ``s_b`` is strictly the smallest float32
  distance: ``b`` is cv2's label. Every other row is searched again with cv2's sums
  (ties to the lowest index), among the centers whose ``a`` is within that margin of
  ``a_b``: by the same inequality, every other center's float32 distance is strictly
  larger than ``s_b``. So the labels do not depend on the BLAS or its threads.
* The same inequality makes ``a + ||x||**2`` (``||x||**2`` in float64) within half
  that margin of the exact squared distance: the Hamerly bounds of a decided row
  are set from ``a_b`` plus, and the second smallest ``a`` minus, half its margin,
  then widened for float32 storage as ``_bounds`` widens its own.

The sums are accumulated afterwards (:func:`accumulate_labels`) in fastquant's fixed
chunks, in row order, so they do not depend on the tiles or any thread count.
"""

import numpy as np
from numba import prange

from .._jit import inline, kernel
from ._bounds import F32_ROUNDING, TINY_DISTANCE, bound_margin, bounds_hold, largest_moves
from ._checks import in_range, require_cluster_indices
from ._common import F32_INF, F32_TWO, add_chunk_points, chunk_bounds, sq_dist
from ._tiles import fold_nearest, margin_terms, row_margin
from ._tunables import STRIP_ROWS



@kernel
def row_norms(X, out):
    """float64 squared norms of the rows of ``X`` (float32 (n, D)) into ``out`` (n,)."""
    for i in prange(X.shape[0]):
        total = 0.0
        for j in range(X.shape[1]):
            total += np.float64(X[i, j]) * np.float64(X[i, j])
        out[i] = total


@kernel
def rows_to_search(X, centers, moves, half_gaps, labels, upper, lower, pending,
                   pending_counts):
    """The rows whose Hamerly bounds (see ``_bounds.assign_bounded``) do not keep their
    label; the others keep it, with their bounds moved to ``centers``.

    Parameters
    ----------
    X : float32 (n_samples, n_features)
    centers : float32 (n_clusters, n_features)
    moves, half_gaps : float64 (n_clusters,)
        IN: as in ``_bounds.assign_bounded``.
    labels : int32 (n_samples,)
        IN: the labels of the bounds, valid cluster indices.
    upper, lower : float32 (n_samples,)
        INOUT: the bounds (``upper`` infinite where unset).
    pending : int64 (n_samples,)
        OUT: per chunk ``c`` of ``chunk_count(n_samples)`` equal chunks, the rows to
        search from the chunk's first row on, ``pending_counts[c]`` of them.
    pending_counts : int64 (n_chunks,)
        OUT.
    """
    n_samples = X.shape[0]
    n_chunks = pending_counts.shape[0]
    margin = bound_margin(X.shape[1])
    max_move, second_move = largest_moves(moves)
    for chunk in prange(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n_samples)
        n_pending = 0
        for i in range(start, stop):
            if not bounds_hold(X, i, centers, labels[i], moves, half_gaps, max_move,
                               second_move, margin, upper, lower):
                pending[start + n_pending] = i
                n_pending += 1
        pending_counts[chunk] = n_pending


@inline
def _expansion_bounds(row_sq, best, second, row_margin_value, upper, lower, i):
    """Hamerly bounds of row ``i`` from its expansion distances: ``a + ||x||**2`` is
    within half the margin of the exact squared distance (``_tiles.margin_terms``)."""
    half = 0.5 * row_margin_value
    high = np.sqrt(max(np.float64(best) + row_sq + half, 0.0))
    low = np.sqrt(max(np.float64(second) + row_sq - half, 0.0))
    upper[i] = np.float32(high * (1.0 + F32_ROUNDING) + TINY_DISTANCE)
    lower[i] = np.float32(max(low * (1.0 - F32_ROUNDING) - TINY_DISTANCE, 0.0))


@inline
def _settle_among_candidates(X, i, centers, dots, column, center_sq, best, margin):
    """cv2's label of row ``i`` (column ``column`` of ``dots``), searched in cv2's order
    among the centers whose expansion distance is within ``margin`` of the smallest,
    ``best``: every other center's float32 distance is strictly larger than the
    smallest one's (``_tiles.margin_terms``), so it can be neither the nearest nor
    tied with it. The expansion distances are recomputed exactly as
    ``_tiles.fold_nearest`` computed them; a NaN or infinite margin makes every
    center a candidate."""
    label = 0
    nearest = F32_INF
    for k in range(centers.shape[0]):
        gap = np.float64(center_sq[k] - F32_TWO * dots[k, column]) - np.float64(best)
        if not gap > margin:
            d = sq_dist(X, i, centers, k)
            if d < nearest:  # strict: the lowest index on ties
                nearest = d
                label = k
    return label


@kernel
def nearest_from_dots(X, centers, rows, dots, center_sq, center_norm_max, row_sq, labels,
                      upper, lower, settled):
    """Labels and Hamerly bounds of rows ``rows`` of ``X`` from their dot products
    with the centers.

    Parameters
    ----------
    X : float32 (n_samples, n_features)
        IN: the points (the unsure rows are searched again from them).
    centers : float32 (n_clusters, n_features)
        IN: the centers.
    rows : int64 (tile_rows,)
        IN: the rows of the tile.
    dots : float32 (n_clusters, tile_rows)
        IN: ``dots[k, r]``, the dot product of row ``rows[r]`` with center ``k``,
        summed in any order.
    center_sq : float32 (n_clusters,)
        IN: the centers' float32 squared norms (``_tiles.center_norms``).
    center_norm_max : float
        The largest center norm (float64).
    row_sq : float64 (n_samples,)
        IN: the squared norms of the rows (:func:`row_norms`).
    labels : int32 (n_samples,)
        OUT: the nearest centers of the tile's rows (the lowest index on ties).
    upper, lower : float32 (n_samples,)
        OUT: their bounds (see ``_bounds.assign_bounded``); unset (infinite upper
        bound) for the rows searched again in cv2's order.
    settled : int64 (n_strips,)
        OUT: per strip of STRIP_ROWS rows of the tile, the rows searched again in
        cv2's order (``n_strips`` at least ``ceil(tile_rows / STRIP_ROWS)``).
    """
    tile_rows = dots.shape[1]
    relative, absolute = margin_terms(X.shape[1])
    n_strips = (tile_rows + STRIP_ROWS - 1) // STRIP_ROWS
    for strip in prange(n_strips):
        start = strip * STRIP_ROWS
        count = min(tile_rows, start + STRIP_ROWS) - start
        best_dist = np.empty(STRIP_ROWS, dtype=np.float32)
        second_dist = np.empty(STRIP_ROWS, dtype=np.float32)
        best_label = np.empty(STRIP_ROWS, dtype=np.int32)
        fold_nearest(dots, start, count, center_sq, best_dist, best_label, second_dist)
        n_settled = 0
        for r in range(count):
            i = rows[start + r]
            margin = row_margin(row_sq[i], center_norm_max, relative, absolute)
            if np.float64(second_dist[r]) - np.float64(best_dist[r]) > margin:
                labels[i] = best_label[r]
                _expansion_bounds(row_sq[i], best_dist[r], second_dist[r], margin, upper,
                                  lower, i)
            else:
                labels[i] = _settle_among_candidates(X, i, centers, dots, start + r, center_sq,
                                                     best_dist[r], margin)
                upper[i] = np.inf
                lower[i] = 0.0
                n_settled += 1
        settled[strip] = n_settled


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

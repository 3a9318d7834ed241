"""Nearest centers through the norm expansion, settled in cv2's order where it is
not sure: the search of Lloyd passes on many features.

The plain search (``_distances``) sums ``(x_j - c_j)**2`` over the features for every
row and center: a subtraction, a multiplication and an addition per feature. The
expansion ``||c||**2 - 2 x.c`` (``||x||**2`` is the same for every center of a row)
costs one fused multiply-add per feature, and ``x.c`` is summed over eight features
at a time with the row's running sum touched once: fewer loads and stores. Its value
differs from cv2's float32 sum by rounding, so a row takes the expansion's nearest
center only when the second nearest is farther by more than a proven margin
(:func:`margin_terms`); the other rows are searched again with the float32 sums of
``sq_dist`` (ties to the lowest index). The labels are therefore exactly those of
the plain search.
"""

import numpy as np
from numba import prange

from .._jit import fused, inline, kernel
from ._common import (
    F32_INF, F32_TWO, F32_ZERO, add_chunk_points, chunk_bounds,
)
from ._distances import (
    block_nearest, gather_rows, index_row_by_row, load_rows, row_block_buffers,
)
from ._tunables import ROW_BLOCK, SETTLE_BY_ROW_BELOW

#: float32's unit roundoff.
_UNIT = 2.0**-24
#: Smallest positive float32 (subnormal): bound on the error of an underflowing step.
_F32_TINY = 2.0**-149
#: Beyond this sum of norms (squared: 9e36) the expansion could overflow float32
#: (see :func:`margin_terms`): the row is searched in cv2's order.
_NORM_LIMIT = 3e18
#: Widening of the margin that covers its own float64 arithmetic.
_MARGIN_SLACK = 1.0 + 2.0**-20


@inline
def _gamma(n):
    """Higham's gamma_n = n u / (1 - n u): the relative error bound of n roundings."""
    return n * _UNIT / (1.0 - n * _UNIT)


@inline
def margin_terms(n_features):
    """``(relative, absolute)``: the margin below which a row's expansion distances
    cannot decide its nearest center is ``relative * B + absolute``.

    Notation: ``e_k = ||x - c_k||**2`` exactly, ``s_k`` cv2's float32 sum (``sq_dist``),
    ``a_k = fl(fl(||c_k||**2) - 2 fl(x.c_k))`` the expansion as :func:`_tile_nearest`
    computes it (float32, any summation order), ``B = (||x|| + max_k ||c_k||)**2``,
    ``D`` the number of features and ``u = 2**-24``.

    * ``s_k``: each term ``fl(fl(x_j - c_j)**2)`` is ``(x_j - c_j)**2 (1 + d)**2 (1 +
      d')`` and the D - 1 additions of nonnegative terms add D - 1 roundings, so
      ``|s_k - e_k| <= gamma_{D+2} e_k <= gamma_{D+2} B`` (Higham, Accuracy and
      Stability, 3.1 and 4.2), since ``||x - c|| <= ||x|| + ||c||``.
    * ``a_k``: ``|fl(||c||**2) - ||c||**2| <= gamma_D ||c||**2`` and ``|fl(x.c) -
      x.c| <= gamma_D sum_j |x_j c_j| <= gamma_D ||x|| ||c||`` (Cauchy-Schwarz), in
      any order of summation, fused multiply-adds included (they round less); the
      doubling is exact and the subtraction adds one rounding, so ``|a_k + ||x||**2 -
      e_k| <= gamma_{D+1} (||c||**2 + 2 ||x|| ||c||) <= gamma_{D+1} B``.
    * Underflow breaks the relative model only by an absolute error of at most
      ``2**-150`` per rounding: fewer than ``6 D + 8`` roundings in both values give
      the term ``(12 D + 16) 2**-149`` below.

    Hence for centers ``b`` and ``k``: ``s_k - s_b >= (a_k - a_b) - 2 (gamma_{D+1} +
    gamma_{D+2}) B - tiny``. When the second smallest ``a`` exceeds the smallest
    ``a_b`` by more than the returned margin, ``s_b`` is strictly the smallest of the
    float32 sums and ``b`` is cv2's label, ties excluded. The margin is widened by
    ``2**-20`` relatively, more than the float64 rounding of its own computation and
    of the gap it is compared with. Every intermediate value of ``a`` is at most
    ``3 B`` in magnitude, so with ``sqrt(B)`` below ``_NORM_LIMIT`` nothing overflows.
    """
    relative = 2.0 * (_gamma(n_features + 1) + _gamma(n_features + 2)) * _MARGIN_SLACK
    return relative, (12 * n_features + 16) * _F32_TINY * _MARGIN_SLACK


@inline
def _update_nearest(k, center_sq, dot, best_dist, best_label, second_dist):
    """Fold center ``k``'s expansion distances ``center_sq[k] - 2 dot`` into the
    running smallest, second-smallest and label of each row (``dot``: one per row)."""
    ck = center_sq[k]
    for r in range(dot.shape[0]):
        d = ck - F32_TWO * dot[r]
        closer = d < best_dist[r]
        second_dist[r] = best_dist[r] if closer else min(second_dist[r], d)
        best_dist[r] = d if closer else best_dist[r]
        best_label[r] = k if closer else best_label[r]


@fused
def tile_nearest(block_x, centers, center_sq, dots, best_dist, best_label, second_dist):
    """Smallest and second-smallest expansion distance ``||c||**2 - 2 x.c`` of each
    row of ``block_x`` (features by rows), and the center of the smallest (the
    lowest index among equal values).

    Two centers at a time, ``x.c`` accumulated four features per visit of the rows'
    running sums ``dots`` (float32 (2, ROW_BLOCK)): each coordinate loaded serves
    two multiply-adds. The multiply-adds fuse (the ``contract`` flag of this
    function alone: cv2's order elsewhere must not be fused). Each loop runs over
    the ROW_BLOCK rows, one SIMD lane per row.
    """
    n_features = block_x.shape[0]
    n_clusters = centers.shape[0]
    dot_a = dots[0]
    dot_b = dots[1]
    for r in range(ROW_BLOCK):
        best_dist[r] = F32_INF
        best_label[r] = 0
        second_dist[r] = F32_INF
    for k in range(0, n_clusters, 2):
        m = min(k + 1, n_clusters - 1)  # a lone last center is paired with itself
        a = centers[k]
        b = centers[m]
        for r in range(ROW_BLOCK):
            dot_a[r] = F32_ZERO
            dot_b[r] = F32_ZERO
        j = 0
        while j + 4 <= n_features:
            a0, a1, a2, a3 = a[j], a[j + 1], a[j + 2], a[j + 3]
            b0, b1, b2, b3 = b[j], b[j + 1], b[j + 2], b[j + 3]
            x0, x1, x2, x3 = block_x[j], block_x[j + 1], block_x[j + 2], block_x[j + 3]
            for r in range(ROW_BLOCK):
                v0, v1, v2, v3 = x0[r], x1[r], x2[r], x3[r]
                dot_a[r] = dot_a[r] + v0 * a0 + v1 * a1 + v2 * a2 + v3 * a3  # 4 FMAs
                dot_b[r] = dot_b[r] + v0 * b0 + v1 * b1 + v2 * b2 + v3 * b3
            j += 4
        while j < n_features:
            aj = a[j]
            bj = b[j]
            xj = block_x[j]
            for r in range(ROW_BLOCK):
                dot_a[r] += xj[r] * aj
                dot_b[r] += xj[r] * bj
            j += 1
        _update_nearest(k, center_sq, dot_a, best_dist, best_label, second_dist)
        if m > k:
            _update_nearest(m, center_sq, dot_b, best_dist, best_label, second_dist)


@inline
def center_norms(centers):
    """float32 squared norms of the centers and the largest norm (float64)."""
    n_clusters, n_features = centers.shape
    center_sq = np.empty(n_clusters, dtype=np.float32)
    norm_max = 0.0
    for k in range(n_clusters):
        total = F32_ZERO
        exact = 0.0
        for j in range(n_features):
            total += centers[k, j] * centers[k, j]
            exact += np.float64(centers[k, j]) ** 2
        center_sq[k] = total
        norm_max = max(norm_max, exact)
    return center_sq, np.sqrt(norm_max)


@inline
def _fold_pair(k, center_sq, dots_a, dots_b, best_dist, best_label, second_dist):
    """:func:`_update_nearest` for centers ``k`` and ``k + 1`` at once: the nearer of
    the two (``k`` on ties) and the farther are merged into the running values,
    which are loaded and stored once for both."""
    ca = center_sq[k]
    cb = center_sq[k + 1]
    ka = np.int32(k)
    kb = np.int32(k + 1)
    for r in range(dots_a.shape[0]):
        da = ca - F32_TWO * dots_a[r]
        db = cb - F32_TWO * dots_b[r]
        b_nearer = db < da
        near = db if b_nearer else da
        far = da if b_nearer else db
        best = best_dist[r]
        closer = near < best
        second_dist[r] = min(best, far) if closer else min(second_dist[r], near)
        best_dist[r] = near if closer else best
        best_label[r] = (kb if b_nearer else ka) if closer else best_label[r]


@inline
def fold_nearest(dots, first, count, center_sq, best_dist, best_label, second_dist):
    """Smallest and second-smallest expansion distance ``||c||**2 - 2 x.c`` of rows
    ``first`` to ``first + count - 1`` of ``dots`` (float32 (n_clusters, rows): the
    rows' dot products with each center, summed in any order), and the center of the
    smallest (the lowest index among equal values), into the first ``count`` entries
    of the outputs. Equal smallest values leave a second-smallest equal to them."""
    n_clusters = dots.shape[0]
    for r in range(count):
        best_dist[r] = F32_INF
        best_label[r] = 0
        second_dist[r] = F32_INF
    stop = first + count
    for k in range(0, n_clusters - 1, 2):
        _fold_pair(k, center_sq, dots[k, first:stop], dots[k + 1, first:stop], best_dist,
                   best_label, second_dist)
    if n_clusters % 2:
        last = n_clusters - 1
        _update_nearest(last, center_sq, dots[last, first:stop], best_dist, best_label,
                        second_dist)


@inline
def row_margin(row_sq, center_norm_max, relative, absolute):
    """The margin of a row of squared norm ``row_sq`` (float64): see
    :func:`margin_terms`; infinite where the expansion could overflow."""
    norm = np.sqrt(row_sq) + center_norm_max
    return relative * norm * norm + absolute if norm < _NORM_LIMIT else np.inf


@inline
def _row_margins(block_x, center_norm_max, relative, absolute, margins):
    """The margin of each row of ``block_x`` (features by rows)."""
    for r in range(ROW_BLOCK):
        margins[r] = 0.0
    for j in range(block_x.shape[0]):
        xj = block_x[j]
        for r in range(ROW_BLOCK):
            margins[r] += np.float64(xj[r]) * np.float64(xj[r])
    for r in range(ROW_BLOCK):
        margins[r] = row_margin(margins[r], center_norm_max, relative, absolute)


@inline
def settle(X, centers, pending, count, labels, buffers):
    """Nearest centers of rows ``pending[:count]`` in cv2's order, into ``labels``
    (``buffers``: those of ``row_block_buffers``). A block's search costs the same
    however few rows it holds: fewer than SETTLE_BY_ROW_BELOW are searched row by row."""
    by_row, block_x, dist, best_dist, second_dist, best_label = buffers
    if by_row or count < SETTLE_BY_ROW_BELOW:
        index_row_by_row(X, pending, count, centers, best_dist, best_label, second_dist, False)
    else:
        gather_rows(X, pending, count, block_x)
        block_nearest(block_x, centers, dist, best_dist, best_label, second_dist, False)
    for r in range(count):
        labels[pending[r]] = best_label[r]


@inline
def settle_full_block(X, centers, pending, n_pending, labels, buffers):
    """:func:`settle` the first ROW_BLOCK of the ``n_pending`` rows of ``pending`` when
    there are that many, and move the others to the front: (rows still pending, rows
    searched)."""
    if n_pending < ROW_BLOCK:
        return n_pending, 0
    settle(X, centers, pending, ROW_BLOCK, labels, buffers)
    n_pending -= ROW_BLOCK
    pending[:n_pending] = pending[ROW_BLOCK : ROW_BLOCK + n_pending]
    return n_pending, ROW_BLOCK


@kernel
def assign_tiled(X, weights, centers, changes_only, labels, partial_sums, partial_counts,
                 settled):
    """A Lloyd pass through the norm expansion, with the labels and sums of
    ``assign_and_accumulate`` (or, with ``changes_only``, ``assign_and_update``).

    Parameters
    ----------
    X, weights, centers
        IN (see ``fastquant.kernels``).
    changes_only : bool
        Accumulate only the label changes (``labels`` must hold the previous labels).
    labels : int32 (n_samples,)
        INOUT: the nearest centers out (the lowest index on ties).
    partial_sums, partial_counts
        OUT (see ``fastquant.kernels``).
    settled : int64 (n_chunks,)
        OUT: per chunk, the rows searched again in cv2's order.
    """
    n_samples, n_features = X.shape
    n_chunks = partial_sums.shape[0]
    center_sq, center_norm_max = center_norms(centers)
    relative, absolute = margin_terms(n_features)
    for chunk in prange(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n_samples)
        previous = labels[start:stop].copy() if changes_only else labels[:0]
        block_x = np.empty((n_features, ROW_BLOCK), dtype=np.float32)
        best_dist = np.empty(ROW_BLOCK, dtype=np.float32)
        second_dist = np.empty(ROW_BLOCK, dtype=np.float32)
        best_label = np.empty(ROW_BLOCK, dtype=np.int32)
        dots = np.empty((2, ROW_BLOCK), dtype=np.float32)
        margins = np.empty(ROW_BLOCK, dtype=np.float64)
        pending_buffers = row_block_buffers(n_features)  # the tile's stay in use
        pending = np.empty(2 * ROW_BLOCK, dtype=np.int64)
        n_pending = 0
        n_settled = 0
        for first in range(start, stop, ROW_BLOCK):
            count = min(ROW_BLOCK, stop - first)
            load_rows(X, first, count, block_x)
            tile_nearest(block_x, centers, center_sq, dots, best_dist, best_label, second_dist)
            _row_margins(block_x, center_norm_max, relative, absolute, margins)
            block_labels = labels[first : first + count]
            for r in range(count):
                block_labels[r] = best_label[r]
                pending[n_pending] = first + r
                unsure = not np.float64(second_dist[r]) - np.float64(best_dist[r]) > margins[r]
                n_pending += 1 if unsure else 0
            n_pending, searched = settle_full_block(X, centers, pending, n_pending, labels,
                                                    pending_buffers)
            n_settled += searched
        settle(X, centers, pending, n_pending, labels, pending_buffers)
        settled[chunk] = n_settled + n_pending
        add_chunk_points(X[start:stop], weights[start:stop], labels[start:stop], previous,
                         changes_only, partial_sums[chunk], partial_counts[chunk])

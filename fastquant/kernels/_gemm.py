"""Nearest centers from a tile of BLAS dot products, settled in cv2's order where it
is not sure, with Hamerly's bounds and a runner-up per row: the kernels of the
matrix-product pass (``fastquant/_gemm_pass.py``).

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
  that margin of the exact squared distance: the bounds of a decided row (see
  :func:`rows_to_search`) are set from ``a_b`` plus, and the second and third
  smallest ``a`` minus, half its margin, then widened for float32 storage as
  ``_bounds`` widens its own.

The sums are accumulated afterwards (:func:`accumulate_labels`) in fastquant's fixed
chunks, in row order, so they do not depend on the tiles or any thread count.
"""

import numpy as np
from numba import prange

from .._jit import inline, kernel
from ._bounds import (
    F32_ROUNDING, TINY_DISTANCE, bound_margin, distance_above, distance_below, largest_moves,
)
from ._checks import (
    in_range, require_at_least, require_cluster_indices, require_equal, require_none_bad,
    require_one_per_row,
)
from ._common import (
    F32_INF, F32_TWO, add_chunk_points, chunk_bounds, refresh_chunk_points, sq_dist,
)
from ._neighbours import (
    cv2_nearest, settle_by_movers, settle_by_neighbours, sq_estimate, top_moves,
)
from ._tiles import margin_terms, row_margin
from ._tunables import STRIP_ROWS



@kernel
def row_norms(X, out):
    """float64 squared norms of the rows of ``X`` (float32 (n, D)) into ``out`` (n,),
    within ``2e-12`` relatively (:func:`sq_estimate`)."""
    origin = np.zeros((1, X.shape[1]), dtype=np.float32)
    for i in prange(X.shape[0]):
        out[i] = sq_estimate(X, i, origin, 0)


@inline
def _require_row_state(n_samples, labels, runner_up, upper, lower, runner_lower):
    """The per-row arrays of the pass have one entry per row of X."""
    require_one_per_row(labels, n_samples, "labels")
    require_one_per_row(runner_up, n_samples, "runner_up")
    require_one_per_row(upper, n_samples, "upper")
    require_one_per_row(lower, n_samples, "lower")
    require_one_per_row(runner_lower, n_samples, "runner_lower")


@inline
def _keeps_label(X, i, centers, labels, runner_up, moves, half_gaps, max_move, second_move,
                 margin, absolute, near_centers, upper, lower, runner_lower):
    """Whether row ``i`` needs no search: its bounds, widened by the moves, keep its
    label (the upper one tightened to the exact distance if needed), or leave only
    its label and its runner-up in contention, which it then settles with their
    float32 distances (the lower index on ties), or its label's nearest centers
    settle it (``_neighbours.settle_by_neighbours``), or the centers that moved most
    do (``_neighbours.settle_by_movers``; ``near_centers`` is ``(near, near_low, cand,
    est, movers, rest_move)``); its bounds are then stored for the new centers. See
    :func:`rows_to_search`."""
    label = labels[i]
    other = runner_up[i]
    if not (in_range(label, centers.shape[0]) and in_range(other, centers.shape[0])):
        return False
    high = np.float64(upper[i]) + moves[label]
    if not high < np.inf:
        return False
    rest = np.float64(lower[i]) - (max_move if moves[label] < max_move else second_move)
    near = np.float64(runner_lower[i]) - moves[other]
    bound = max(min(rest, near), half_gaps[label])
    if high * (1.0 + margin) >= bound:  # tighten the upper bound
        label_sq = sq_estimate(X, i, centers, label)
        high = distance_above(np.sqrt(label_sq), margin)
        if high * (1.0 + margin) >= bound:
            near_table, near_low, cand, est, movers, rest_move = near_centers
            other_sq = 0.0 if other == label else sq_estimate(X, i, centers, other)
            other_high = distance_above(np.sqrt(other_sq), margin)
            if other == label or min(high, other_high) * (1.0 + margin) >= rest:
                return (settle_by_neighbours(X, i, centers, label, high, label_sq, margin,
                                             absolute, near_table, near_low, cand, est, labels,
                                             runner_up, upper, lower, runner_lower)
                        or settle_by_movers(X, i, centers, label, other, label_sq,
                                            np.float64(lower[i]) - rest_move, movers, margin,
                                            absolute, cand, est, labels, runner_up, upper,
                                            lower, runner_lower))
            # every other center is farther than the nearer of the two, in float32 too
            cand[0], cand[1], est[0], est[1] = label, other, label_sq, other_sq
            if cv2_nearest(X, i, centers, cand, est, 2, margin, absolute) == 1:
                labels[i] = other
                runner_up[i] = label
                high, label_sq, other_sq = other_high, other_sq, label_sq
            near = distance_below(np.sqrt(other_sq), margin)
    upper[i] = np.float32(high * (1.0 + F32_ROUNDING))
    lower[i] = np.float32(max(rest * (1.0 - F32_ROUNDING), 0.0))
    runner_lower[i] = np.float32(max(near * (1.0 - F32_ROUNDING), 0.0))
    return True


@kernel
def rows_to_search(X, centers, moves, half_gaps, near, near_low, movers, labels, runner_up,
                   upper, lower, runner_lower, pending, pending_counts):
    """The rows whose bounds do not settle their label; the others are settled, with
    their bounds moved to ``centers``.

    Each row keeps, besides Hamerly's upper bound on its distance to the center of its
    label, its runner-up (the second-nearest center when the bounds were set), a lower
    bound on its distance to the runner-up and one on its distance to every other
    center. The bounds widen by the moves as Hamerly's do (``_bounds.bounds_hold``):
    the runner-up's by its own move, the others' by the largest. A row is settled
    when its label's upper bound is below the two lower bounds or half the gap from
    its center to the nearest other; or, when only the runner-up is in the way, when
    the smaller of their upper bounds is below the other centers' lower bound: the
    nearer of the two by float32 distance (the lower index on ties) is then its label,
    and the other its runner-up. The margins are those of ``_bounds``: the labels are the full
    search's.

    Parameters
    ----------
    X : float32 (n_samples, n_features)
    centers : float32 (n_clusters, n_features)
    moves, half_gaps : float64 (n_clusters,)
        IN: as in ``_bounds.assign_bounded``.
    near, near_low : int32 and float64 (n_clusters, width)
        IN: each center's nearest others (``_neighbours.center_neighbours``); a row
        the bounds do not settle is settled by its label's when they reach far enough.
    movers : int32 (n_movers,)
        OUT: the centers that moved most (at most n_clusters); a row the bounds and
        the neighbours do not settle is settled by them when its bound on the other
        centers, widened by the largest move but theirs, holds.
    labels, runner_up : int32 (n_samples,)
        INOUT: each row's label, valid cluster indices, and runner-up (read where the
        bounds are set; out of range: the row is searched).
    upper, lower, runner_lower : float32 (n_samples,)
        INOUT: the bounds (``upper`` infinite where unset).
    pending : int64 (n_samples,)
        OUT: per chunk ``c`` of ``chunk_count(n_samples)`` equal chunks, the rows to
        search from the chunk's first row on, ``pending_counts[c]`` of them.
    pending_counts : int64 (n_chunks,)
        OUT.
    """
    n_samples = X.shape[0]
    _require_row_state(n_samples, labels, runner_up, upper, lower, runner_lower)
    require_equal(moves.shape[0], centers.shape[0], "moves must have one entry per center")
    require_equal(half_gaps.shape[0], centers.shape[0], "half_gaps must have one entry per center")
    require_equal(near.shape[0], centers.shape[0], "near must have one row per center")
    require_equal(near_low.shape[0], centers.shape[0], "near_low must have one row per center")
    require_equal(near_low.shape[1], near.shape[1], "near_low must be as wide as near")
    require_at_least(centers.shape[0], movers.shape[0], "movers must not outnumber the centers")
    n_chunks = pending_counts.shape[0]
    margin = bound_margin(X.shape[1])
    absolute = margin_terms(X.shape[1])[1]
    max_move, second_move = largest_moves(moves)
    rest_move = top_moves(moves, movers)
    scratch = max(near.shape[1] + 1, movers.shape[0] + 2)
    for chunk in prange(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n_samples)
        near_centers = (near, near_low, np.empty(scratch, dtype=np.int32),
                        np.empty(scratch, dtype=np.float64), movers, rest_move)
        n_pending = 0
        for i in range(start, stop):
            if not _keeps_label(X, i, centers, labels, runner_up, moves, half_gaps, max_move,
                                second_move, margin, absolute, near_centers, upper, lower,
                                runner_lower):
                pending[start + n_pending] = i
                n_pending += 1
        pending_counts[chunk] = n_pending


@inline
def _fold_three(dots, first, count, center_sq, best_dist, best_label, second_dist,
                second_label, third_dist):
    """The three smallest expansion distances ``||c||**2 - 2 x.c`` of rows ``first``
    to ``first + count - 1`` of ``dots`` (float32 (n_clusters, rows)), and the centers
    of the two smallest (the lower index first among equal values), into the first
    ``count`` entries of the outputs. One sweep over the centers, one SIMD lane per
    row: each center's products of the rows are one contiguous run."""
    for r in range(count):
        best_dist[r] = F32_INF
        second_dist[r] = F32_INF
        third_dist[r] = F32_INF
        best_label[r] = 0
        second_label[r] = 0
    stop = first + count
    for k in range(dots.shape[0]):
        ck = center_sq[k]
        kk = np.int32(k)
        products = dots[k, first:stop]
        for r in range(count):
            a = ck - F32_TWO * products[r]
            best = best_dist[r]
            second = second_dist[r]
            closer = a < best
            closer2 = a < second
            third_dist[r] = second if closer2 else min(third_dist[r], a)
            second_dist[r] = best if closer else (a if closer2 else second)
            second_label[r] = best_label[r] if closer else (kk if closer2 else second_label[r])
            best_dist[r] = a if closer else best
            best_label[r] = kk if closer else best_label[r]


@inline
def _expansion_bound(value, row_sq, shift):
    """A bound on a distance from its expansion distance ``value`` (float32): ``value +
    ||x||**2`` is within half the row's margin of the exact squared distance
    (``_tiles.margin_terms``); ``shift`` is plus that half for a bound above, minus it
    for one below, widened for float32 storage as ``_bounds`` widens its own."""
    root = np.sqrt(max(np.float64(value) + row_sq + shift, 0.0))
    if shift > 0.0:
        return np.float32(root * (1.0 + F32_ROUNDING) + TINY_DISTANCE)
    return np.float32(max(root * (1.0 - F32_ROUNDING) - TINY_DISTANCE, 0.0))


@inline
def _settle_among_candidates(X, i, centers, dots, column, center_sq, best, margin):
    """cv2's label of row ``i`` (column ``column`` of ``dots``), searched in cv2's order
    among the centers whose expansion distance is within ``margin`` of the smallest,
    ``best``: every other center's float32 distance is strictly larger than the
    smallest one's (``_tiles.margin_terms``), so it can be neither the nearest nor
    tied with it. The expansion distances are recomputed exactly as
    :func:`_fold_three` computed them; a NaN or infinite margin makes every center a
    candidate."""
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
                      runner_up, upper, lower, runner_lower, settled):
    """Labels, runners-up and bounds (see :func:`rows_to_search`) of rows ``rows`` of
    ``X`` from their dot products with the centers.

    Parameters
    ----------
    X : float32 (n_samples, n_features)
        IN: the points (the unsure rows are searched again from them).
    centers : float32 (n_clusters, n_features)
        IN: the centers.
    rows : int64 (tile_rows,)
        IN: the rows of the tile, valid row indices.
    dots : float32 (n_clusters, tile_rows)
        IN: ``dots[k, r]``, the dot product of row ``rows[r]`` with center ``k``,
        summed in any order.
    center_sq : float32 (n_clusters,)
        IN: the centers' float32 squared norms (``_tiles.center_norms``).
    center_norm_max : float
        The largest center norm (float64).
    row_sq : float64 (n_samples,)
        IN: the squared norms of the rows (:func:`row_norms`).
    labels, runner_up : int32 (n_samples,)
        OUT: the nearest centers of the tile's rows (the lowest index on ties) and,
        where the bounds are set, their second-nearest by expansion distance.
    upper, lower, runner_lower : float32 (n_samples,)
        OUT: their bounds; unset (infinite upper bound) for the rows searched again in
        cv2's order.
    settled : int64 (n_strips,)
        OUT: per strip of STRIP_ROWS rows of the tile, the rows searched again in
        cv2's order (``n_strips`` at least ``ceil(tile_rows / STRIP_ROWS)``).
    """
    n_samples = X.shape[0]
    _require_row_state(n_samples, labels, runner_up, upper, lower, runner_lower)
    require_one_per_row(row_sq, n_samples, "row_sq")
    require_equal(dots.shape[0], centers.shape[0], "dots must have one row per center")
    require_equal(rows.shape[0], dots.shape[1], "dots must have one column per row of the tile")
    tile_rows = dots.shape[1]
    n_strips = (tile_rows + STRIP_ROWS - 1) // STRIP_ROWS
    require_at_least(settled.shape[0], n_strips, "settled must have one entry per strip")
    n_bad = 0
    for r in range(tile_rows):
        n_bad += 0 if in_range(rows[r], n_samples) else 1
    require_none_bad(n_bad, "rows must be row indices of X")
    relative, absolute = margin_terms(X.shape[1])
    for strip in prange(n_strips):
        start = strip * STRIP_ROWS
        count = min(tile_rows, start + STRIP_ROWS) - start
        best_dist = np.empty(STRIP_ROWS, dtype=np.float32)
        second_dist = np.empty(STRIP_ROWS, dtype=np.float32)
        third_dist = np.empty(STRIP_ROWS, dtype=np.float32)
        best_label = np.empty(STRIP_ROWS, dtype=np.int32)
        second_label = np.empty(STRIP_ROWS, dtype=np.int32)
        _fold_three(dots, start, count, center_sq, best_dist, best_label, second_dist,
                    second_label, third_dist)
        n_settled = 0
        for r in range(count):
            i = rows[start + r]
            margin = row_margin(row_sq[i], center_norm_max, relative, absolute)
            if np.float64(second_dist[r]) - np.float64(best_dist[r]) > margin:
                half = 0.5 * margin
                labels[i] = best_label[r]
                runner_up[i] = second_label[r]
                upper[i] = _expansion_bound(best_dist[r], row_sq[i], half)
                runner_lower[i] = _expansion_bound(second_dist[r], row_sq[i], -half)
                lower[i] = _expansion_bound(third_dist[r], row_sq[i], -half)
            else:
                labels[i] = _settle_among_candidates(X, i, centers, dots, start + r, center_sq,
                                                     best_dist[r], margin)
                upper[i] = np.inf
                n_settled += 1
        settled[strip] = n_settled


@kernel
def accumulate_labels(X, weights, labels, previous, changes_only, partial_sums,
                      partial_counts):
    """Per-chunk weighted sums of the clusters of ``labels`` (as those of
    ``assign_and_accumulate``) or, with ``changes_only``, of the changes from
    ``previous`` (as those of ``assign_and_update``).

    Without ``changes_only``, a non-empty ``previous`` holds the labels whose sums
    ``partial_sums`` and ``partial_counts`` already hold (a pass before, on the same
    ``X`` and ``weights``): only the partials of a chunk and cluster that a row
    entered or left are summed again, in the same steps as a full accumulation, so
    every partial is the one a full accumulation gives, for a fraction of the reads
    once few labels change.

    Parameters
    ----------
    X : float32 (n_samples, n_features)
        IN: the points.
    weights : int32 or float64 (n_samples,)
        IN: multiplicity of each point.
    labels : int32 (n_samples,)
        IN: the clusters, in range.
    previous : int32 (n_samples,) or (0,)
        IN: the labels before (with ``changes_only``) or those of the partials (without
        it; empty: the partials are summed anew). A label out of range raises
        ValueError before any sum is written.
    changes_only : bool
    partial_sums : float64 (n_chunks, n_clusters, n_features)
        OUT, or INOUT with the labels of ``previous`` (see above).
    partial_counts : (n_chunks, n_clusters)
        OUT, or INOUT as ``partial_sums``.
    """
    n_samples = X.shape[0]
    n_chunks, n_clusters = partial_counts.shape
    refresh = previous.shape[0] > 0 and not changes_only
    n_bad = 0
    if changes_only or refresh:  # checked before any sum is written
        require_one_per_row(previous, n_samples, "previous")
        for i in range(n_samples):
            n_bad += 0 if in_range(previous[i], n_clusters) else 1
    require_cluster_indices(n_bad)
    for chunk in prange(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n_samples)
        if refresh:
            refresh_chunk_points(X[start:stop], weights[start:stop], labels[start:stop],
                                 previous[start:stop], partial_sums[chunk], partial_counts[chunk])
        else:
            chunk_previous = previous[start:stop] if changes_only else previous[:0]
            add_chunk_points(X[start:stop], weights[start:stop], labels[start:stop],
                             chunk_previous, changes_only, partial_sums[chunk],
                             partial_counts[chunk])

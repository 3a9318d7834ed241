"""Hamerly's distance bounds: a Lloyd pass that skips the rows whose nearest center
cannot have changed, with exactly the labels of the full search.

The state is a :data:`Bounds` (``fastquant._distance_bounds.DistanceBounds`` owns it):
:func:`center_moves_and_gaps` fills its ``moves`` and ``half_gaps`` from the new
centers, then :func:`assign_bounded` widens each row's bounds by the moves, skips the
rows they settle and searches the others, leaving fresh bounds for the next pass.
"""

from collections import namedtuple

import numpy as np
from numba import prange

from .._jit import helper, inline, kernel
from ._checks import (
    in_range, require_cluster_indices, require_equal, require_one_per_row, require_pass_arguments,
)
from ._common import add_chunk_points, chunk_bounds, refresh_chunk_points, sq_dist
from ._tunables import ROW_BLOCK
from ._distances import block_nearest, gather_rows, index_row_by_row, row_block_buffers


F32_ROUNDING = 2.0**-22  # relative widening that survives rounding a float64 to float32
_F64_SLACK = 1e-12  # relative widening that covers float64 rounding of short sums
TINY_DISTANCE = 1e-18  # absolute slack: float32 squares of differences below 1e-19 underflow

#: Hamerly's bounds of every row and the moves of the centers they refer to:
#:
#: * ``upper``, float32 (n_rows,): bound on each row's distance to the center of its
#:   label; infinity where unset (the row is then searched);
#: * ``lower``, float32 (n_rows,): bound on each row's distance to every other center;
#: * ``moves``, float64 (n_clusters,): how far each center moved since the bounds were
#:   set (not less than the exact Euclidean distance);
#: * ``half_gaps``, float64 (n_clusters,): half the distance from each center to the
#:   nearest other one (not more than the exact value; infinity for a single center).
Bounds = namedtuple("Bounds", ["upper", "lower", "moves", "half_gaps"])


@inline
def bound_margin(n_features):
    """Relative slack of the distance bounds: a float32 squared distance over D
    features is within (D + 1) * 2**-24 of the exact one, relatively, so its square
    root within (D + 1) * 2**-25; the margin is more than eight times that."""
    return (n_features + 2) * 2.0**-22


@inline
def distance_above(distance, margin):
    """A bound above a distance computed with a relative error below ``margin``."""
    return distance * (1.0 + margin) + TINY_DISTANCE


@inline
def distance_below(distance, margin):
    """A bound below a distance computed with a relative error below ``margin``."""
    return max(distance * (1.0 - margin) - TINY_DISTANCE, 0.0)


@inline
def largest_moves(moves):
    """The largest move and the largest of the others (the move of the other centers
    for the center that moved most)."""
    max_move = 0.0
    second_move = 0.0
    for k in range(moves.shape[0]):
        if moves[k] > max_move:
            second_move = max_move
            max_move = moves[k]
        else:
            second_move = max(second_move, moves[k])
    return max_move, second_move


@inline
def bounds_hold(X, i, centers, label, moves, half_gaps, max_move, second_move, margin,
                upper, lower):
    """Whether row ``i`` keeps its label ``label``: its bounds, widened by the moves (the
    upper one tightened to the exact distance if needed), settle it; they are then
    stored for the new centers. Otherwise the row must be searched. See
    :func:`assign_bounded`."""
    high = np.float64(upper[i]) + moves[label]
    low = np.float64(lower[i]) - (max_move if moves[label] < max_move else second_move)
    bound = max(low, half_gaps[label])
    if high * (1.0 + margin) >= bound and high < np.inf:  # tighten the upper bound
        high = distance_above(np.sqrt(np.float64(sq_dist(X, i, centers, label))), margin)
    if high * (1.0 + margin) < bound:
        upper[i] = np.float32(high * (1.0 + F32_ROUNDING))
        lower[i] = np.float32(max(low * (1.0 - F32_ROUNDING), 0.0))
        return True
    return False


@inline
def _settle_rows(X, centers, pending, count, search, labels, upper, lower):
    """Nearest centers of the rows ``pending[:count]`` into ``labels``, with fresh
    bounds; ``search`` is the scratch of ``_distances.row_block_buffers``."""
    by_row, block_x, dist, best_dist, second_dist, best_label = search
    margin = bound_margin(X.shape[1])
    if by_row:
        index_row_by_row(X, pending, count, centers, best_dist, best_label, second_dist, True)
    else:
        gather_rows(X, pending, count, block_x)
        block_nearest(block_x, centers, dist, best_dist, best_label, second_dist, True)
    for r in range(count):
        i = pending[r]
        labels[i] = best_label[r]
        upper[i] = np.float32(distance_above(np.sqrt(np.float64(best_dist[r])), margin))
        lower[i] = np.float32(distance_below(np.sqrt(np.float64(second_dist[r])), margin))


@kernel
def assign_bounded(X, weights, centers, bounds, changes_only, refresh, labels, partial_sums,
                   partial_counts):
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
    X, weights, centers
        IN (see ``fastquant.kernels``).
    bounds : Bounds
        INOUT: the rows' bounds (their ``upper`` and ``lower``, updated), and the
        centers' ``moves`` and ``half_gaps`` since they were set (IN).
    changes_only : bool
        Accumulate only the label changes, as :func:`assign_and_update` does
        (``labels`` must then hold the previous labels), instead of every point.
    refresh : bool
        Without ``changes_only``: ``partial_sums`` and ``partial_counts`` hold those of
        ``labels`` (IN), as a pass left them; only the chunks' clusters that a row
        entered or left are summed again (``_common.refresh_chunk_points``), to the
        same values.
    labels : int32 (n_samples,)
        INOUT: the labels of the bounds in, the nearest centers out. Must be valid
        cluster indices even where the bounds are unset.
    partial_sums, partial_counts
        OUT (INOUT with ``refresh``): as :func:`assign_and_accumulate` or, with
        ``changes_only``, :func:`assign_and_update` gives them.
    """
    require_pass_arguments(X, weights, centers, labels, partial_sums, partial_counts)
    upper, lower, moves, half_gaps = bounds
    require_one_per_row(upper, X.shape[0], "upper")
    require_one_per_row(lower, X.shape[0], "lower")
    require_equal(moves.shape[0], centers.shape[0], "moves must have one entry per center")
    require_equal(half_gaps.shape[0], centers.shape[0], "half_gaps must have one entry per center")
    n_samples, n_features = X.shape
    n_chunks, n_clusters = partial_counts.shape
    margin = bound_margin(n_features)
    max_move, second_move = largest_moves(moves)
    n_bad = 0
    for chunk in prange(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n_samples)
        previous = labels[start:stop].copy() if changes_only or refresh else labels[:0]
        search = row_block_buffers(n_features)
        pending = np.empty(ROW_BLOCK, dtype=np.int64)
        n_pending = 0
        chunk_bad = 0
        for i in range(start, stop):
            label = labels[i]
            if not in_range(label, n_clusters):  # skipped, and the chunk not accumulated
                chunk_bad += 1
                continue
            if not bounds_hold(X, i, centers, label, moves, half_gaps, max_move, second_move,
                               margin, upper, lower):
                pending[n_pending] = i
                n_pending += 1
                if n_pending == ROW_BLOCK:
                    _settle_rows(X, centers, pending, n_pending, search, labels, upper, lower)
                    n_pending = 0
        _settle_rows(X, centers, pending, n_pending, search, labels, upper, lower)
        end = stop if chunk_bad == 0 else start  # bad labels: nothing is added
        if refresh and not changes_only:
            refresh_chunk_points(X[start:end], weights[start:end], labels[start:end],
                                 previous, partial_sums[chunk], partial_counts[chunk])
        else:
            add_chunk_points(X[start:end], weights[start:end], labels[start:end], previous,
                             changes_only, partial_sums[chunk], partial_counts[chunk])
        n_bad += chunk_bad
    require_cluster_indices(n_bad)


@helper
def center_moves_and_gaps(centers, previous, bounds):
    """The ``moves`` and ``half_gaps`` of ``bounds`` (OUT), as :func:`assign_bounded`
    reads them: how far each center moved from ``previous``, rounded up, and half the
    distance to its nearest other center, rounded down (float64 arithmetic on float32
    coordinates).

    Parameters
    ----------
    centers : float32 (n_clusters, n_features)
        IN: the new centers.
    previous : float32 (n_clusters, n_features)
        IN: the centers the bounds were set or last widened with.
    bounds : Bounds
        OUT: its ``moves`` and ``half_gaps``.
    """
    moves, half_gaps = bounds.moves, bounds.half_gaps
    n_clusters, n_features = centers.shape
    require_equal(previous.shape[0], n_clusters, "previous must have one row per center")
    require_equal(previous.shape[1], n_features, "previous must have one column per column of centers")
    require_equal(moves.shape[0], n_clusters, "moves must have one entry per center")
    require_equal(half_gaps.shape[0], n_clusters, "half_gaps must have one entry per center")
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

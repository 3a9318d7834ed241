"""Each center's nearest other centers, and the rows they settle without a search: a
row whose bounds fail is compared with the few centers near its own (Elkan's
center-to-center test) before the matrix-product pass searches all of them.

A center ``j`` with ``||c_a - c_j|| > 2 ||x - c_a||`` is farther from ``x`` than ``c_a``
(triangle inequality). So when the table of ``c_a``'s nearest centers reaches past
twice a bound on the row's distance to ``c_a``, the row's nearest center is ``a`` or
one of the table's centers before that point, and every later center is at least the
difference of the two bounds away. Otherwise the row is compared with the few
centers that moved most (:func:`settle_by_movers`): its bound on the others then
widens by the largest of the other moves only. The distances are float64 estimates
within ``2e-12`` of the exact ones (:func:`sq_estimate`), taken with ``_bounds``'
margins; the label is decided by cv2's float32 sums wherever the estimates are close.
"""

import numpy as np
from numba import prange

from .._jit import inline, kernel, reassociated
from ._bounds import F32_ROUNDING, bound_margin, distance_above, distance_below
from ._checks import require_at_least, require_equal
from ._common import sq_dist


@reassociated
def sq_estimate(X, i, Y, r):
    """``||X[i] - Y[r]||**2`` in float64, summed in any order (SIMD lanes, fused
    multiply-adds): each difference and square rounds at most once (so a term is
    within ``gamma_3``) and the sum of the D nonnegative terms adds at most D - 1
    roundings, so it is within ``gamma_{D+2}`` (float64) of the exact value,
    relatively, below ``2e-12`` for any D the pass takes (``ROW_BLOCK_MAX_FEATURES``),
    far inside ``_bounds.bound_margin``; and about five times as fast as cv2's one
    float32 chain."""
    total = 0.0
    for j in range(X.shape[1]):
        t = np.float64(X[i, j]) - np.float64(Y[r, j])
        total += t * t
    return total


@kernel
def center_neighbours(centers, near, near_low):
    """The nearest other centers of every center, nearest first.

    Parameters
    ----------
    centers : float32 (n_clusters, n_features)
    near : int32 (n_clusters, width)
        OUT: per center, the ``width`` nearest other centers (-1 past the last).
    near_low : float64 (n_clusters, width)
        OUT: bounds below their distances (infinity past the last), nondecreasing.
    """
    n_clusters, width = near.shape
    require_equal(n_clusters, centers.shape[0], "near must have one row per center")
    require_equal(near_low.shape[0], n_clusters, "near_low must have one row per center")
    require_equal(near_low.shape[1], width, "near_low must be as wide as near")
    require_at_least(width, 1, "near must have a column")
    margin = bound_margin(centers.shape[1])
    for a in prange(n_clusters):
        for t in range(width):
            near[a, t] = -1
            near_low[a, t] = np.inf
        for j in range(n_clusters):
            if j == a:
                continue
            d = distance_below(np.sqrt(sq_estimate(centers, a, centers, j)), margin)
            if d < near_low[a, width - 1]:  # insert, keeping the order
                t = width - 1
                while t > 0 and near_low[a, t - 1] > d:
                    near_low[a, t] = near_low[a, t - 1]
                    near[a, t] = near[a, t - 1]
                    t -= 1
                near_low[a, t] = d
                near[a, t] = j


@inline
def cv2_nearest(X, i, centers, cand, est, count, margin, absolute):
    """Position in ``cand[:count]`` of cv2's nearest to row ``i`` of those centers
    (the smallest float32 sum, the lower index on ties), from ``est``, their squared
    distances within ``2e-12`` relatively (:func:`sq_estimate`).

    cv2's float32 sums are within ``gamma_{D+2}`` relatively plus the underflow term
    of ``_tiles.margin_terms``, ``absolute``, of the exact values (see there), and
    ``margin`` (``_bounds.bound_margin``) is more than four times ``gamma_{D+2}``: a
    center whose estimate exceeds the smallest by more than ``margin`` relatively
    plus ``absolute`` has the larger float32 sum. The others are compared by their
    float32 sums."""
    best = 0
    for s in range(1, count):
        if est[s] < est[best]:
            best = s
    smallest = est[best]
    n_close = 0
    for s in range(count):
        n_close += 1 if est[s] * (1.0 - margin) - absolute <= smallest else 0
    if n_close == 1:
        return best
    win = -1
    win_sq = np.float32(np.inf)
    for s in range(count):
        if est[s] * (1.0 - margin) - absolute <= smallest:
            d = sq_dist(X, i, centers, cand[s])
            if win < 0 or d < win_sq or (d == win_sq and cand[s] < cand[win]):
                win = s
                win_sq = d
    return win


@inline
def settle_by_neighbours(X, i, centers, label, high, label_sq, margin, absolute, near,
                         near_low, cand, est, labels, runner_up, upper, lower, runner_lower):
    """Whether row ``i``, of label ``label`` at distance at most ``high`` (its squared
    estimate ``label_sq``), is settled by its label's nearest centers (see the module
    docstring): its label (cv2's among ``label`` and the table's centers within twice
    ``high``, the others then proven farther), runner-up and bounds are then stored.
    Not when more centers than the table holds are that close. ``cand`` and ``est``
    are scratch of ``near``'s width."""
    width = near.shape[1]
    reach = 2.0 * high * (1.0 + margin)
    if not near_low[label, width - 1] > reach:
        return False  # more close centers than the table holds
    cand[0] = label
    est[0] = label_sq
    count = 1
    t = 0
    while near_low[label, t] <= reach:
        cand[count] = near[label, t]
        est[count] = sq_estimate(X, i, centers, near[label, t])
        count += 1
        t += 1
    # every center from the table's t-th on is at least ``rest`` away, more than
    # ``reach - high = high (1 + 2 margin)``: farther than the winner, whose estimate
    # is at most ``label_sq`` or within ``margin`` of it, so ``win_high (1 + margin)``
    # stays below ``rest``, and its float32 sum is larger (``_bounds`` margins)
    rest = near_low[label, t] - high
    return settle_among(X, i, centers, cand, est, count, rest, margin, absolute, labels,
                        runner_up, upper, lower, runner_lower)


@inline
def settle_among(X, i, centers, cand, est, count, rest, margin, absolute, labels, runner_up,
                 upper, lower, runner_lower):
    """Whether row ``i`` is settled among the centers ``cand[:count]`` (their squared
    estimates ``est``), every other center being at least ``rest`` away: cv2's nearest
    of them is its label when its distance bound, widened by ``margin``, stays below
    ``rest`` (then the others' float32 sums are larger, ``_bounds``' margins); the
    label, runner-up (the second by estimate) and bounds are then stored."""
    win = cv2_nearest(X, i, centers, cand, est, count, margin, absolute)
    win_high = distance_above(np.sqrt(est[win]), margin)
    if not win_high * (1.0 + margin) < rest:
        return False
    second = -1
    others = rest
    for s in range(count):
        if s == win:
            continue
        if second < 0 or est[s] < est[second]:
            if second >= 0:
                others = min(others, distance_below(np.sqrt(est[second]), margin))
            second = s
        else:
            others = min(others, distance_below(np.sqrt(est[s]), margin))
    labels[i] = cand[win]
    runner_up[i] = cand[second] if second >= 0 else cand[win]
    runner_near = distance_below(np.sqrt(est[second]), margin) if second >= 0 else rest
    upper[i] = np.float32(win_high * (1.0 + F32_ROUNDING))
    lower[i] = np.float32(max(others * (1.0 - F32_ROUNDING), 0.0))
    runner_lower[i] = np.float32(max(runner_near * (1.0 - F32_ROUNDING), 0.0))
    return True


@inline
def top_moves(moves, movers):
    """The centers that moved most into ``movers`` (int32, largest move first) and the
    largest move of the others (0 when there are none)."""
    n_movers = min(movers.shape[0], moves.shape[0])
    for k in range(moves.shape[0]):
        t = min(k, n_movers)
        while t > 0 and moves[movers[t - 1]] < moves[k]:  # insert, keeping the order
            if t < n_movers:
                movers[t] = movers[t - 1]
            t -= 1
        if t < n_movers:
            movers[t] = k
    rest_move = 0.0
    for k in range(moves.shape[0]):
        held = False
        for t in range(n_movers):
            held = held or movers[t] == k
        if not held:
            rest_move = max(rest_move, moves[k])
    return rest_move


@inline
def settle_by_movers(X, i, centers, label, other, label_sq, rest, movers, margin, absolute,
                     cand, est, labels, runner_up, upper, lower, runner_lower):
    """Whether row ``i`` is settled by the centers that moved most: its bound on the
    other centers, ``rest``, widened by the largest move but theirs (Hamerly's is
    widened by theirs), keeps every center but its label ``label`` (squared estimate
    ``label_sq``), its runner-up ``other`` and ``movers`` away, and cv2's nearest of
    those is then its label (:func:`settle_among`). One move far larger than the rest
    (an emptied cluster's center, re-seeded) no longer sends every row to a search.
    ``cand`` and ``est`` are scratch of at least ``movers.shape[0] + 2`` entries."""
    if not distance_above(np.sqrt(label_sq), margin) * (1.0 + margin) < rest:
        return False  # (a nearer runner-up or mover is left to the search)
    cand[0] = label
    est[0] = label_sq
    count = 1
    for t in range(movers.shape[0] + 1):
        k = other if t == movers.shape[0] else movers[t]
        held = False
        for s in range(count):
            held = held or cand[s] == k
        if not held:
            cand[count] = k
            est[count] = sq_estimate(X, i, centers, k)
            count += 1
    return settle_among(X, i, centers, cand, est, count, rest, margin, absolute, labels,
                        runner_up, upper, lower, runner_lower)

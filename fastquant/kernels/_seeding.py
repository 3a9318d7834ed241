"""k-means++ seeding as cv2 does it: :func:`kmeanspp` on weighted rows (plain data has
weights of 1), :func:`kmeanspp_rows` on distinct rows standing for the samples of an
inverse, drawn over the samples exactly as cv2 draws on the full data."""

import numpy as np
from numba import prange

from .._jit import helper, inline, kernel
from ._checks import (
    require_at_least, require_at_most, require_integers, require_none_bad, require_one_per_row,
)
from ._candidate_walk import locate_row
from ._chunk_table import chunks_of_rows, update_chunk_sums
from ._common import (
    F32_INF, F32_ZERO, add_weighted, by_feature, chunk_bounds, chunk_count, count_outside,
    ordered_sum,
)
from ._random import rng_double, rng_next
from ._tunables import INCREMENTAL_MIN_CLUSTERS, SEEDING_BLOCK


@helper
def _pick_sample(dist, inverse, p):
    """cv2's walk over the samples of distinct rows, in sample order: subtract each
    sample's distance (its row's) from p until p <= 0; the row of the sample reached."""
    last = inverse.shape[0] - 1
    i = 0
    while i < last:
        p -= dist[inverse[i]]
        if p <= 0.0:
            break
        i += 1
    return inverse[i]


@inline
def _first_center(weights, rng_state):
    """The first center: uniform over the points when every weight is 1 (cv2's draw,
    ``next() % n``), otherwise with probability proportional to the weight (one
    float64 draw located on the running sum of the weights)."""
    n = weights.shape[0]
    total = 0.0
    unit = True
    for i in range(n):
        total += weights[i]
        unit = unit and weights[i] == 1
    if unit:
        return np.int64(rng_next(rng_state) % np.uint32(n))
    p = rng_double(rng_state) * total
    reached = 0.0
    last = 0
    for i in range(n):
        if weights[i] > 0:
            last = i
            reached += weights[i]
            if reached > p:
                return np.int64(i)
    return np.int64(last)


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
            start, stop = chunk_bounds(chunk, n_chunks, n_pixels)
            for i in range(start, stop):
                reached += dist[inverse[i]]
                if reached >= p:
                    return inverse[i]
        reached += chunk_sums[chunk]
    return inverse[n_pixels - 1]


@inline
def _three_distances(features, first, row_a, row_b, row_c, out):
    """``out[0, i]``, ``out[1, i]``, ``out[2, i]``: squared distances from sample
    ``first + i`` to ``row_a``, ``row_b`` and ``row_c``, each summed over the features in
    :func:`~fastquant.kernels._common.sq_dist`'s order. One visit of a sample serves
    the three rows (four features a visit): its features are loaded once, not three
    times. Loops over views from index 0, so that LLVM vectorises them."""
    n = out.shape[1]
    out_a, out_b, out_c = out[0], out[1], out[2]
    for i in range(n):
        out_a[i] = F32_ZERO
        out_b[i] = F32_ZERO
        out_c[i] = F32_ZERO
    j = 0
    while j + 4 <= features.shape[0]:
        f0 = features[j, first : first + n]
        f1 = features[j + 1, first : first + n]
        f2 = features[j + 2, first : first + n]
        f3 = features[j + 3, first : first + n]
        a0, a1, a2, a3 = row_a[j], row_a[j + 1], row_a[j + 2], row_a[j + 3]
        b0, b1, b2, b3 = row_b[j], row_b[j + 1], row_b[j + 2], row_b[j + 3]
        c0, c1, c2, c3 = row_c[j], row_c[j + 1], row_c[j + 2], row_c[j + 3]
        for i in range(n):
            x0, x1, x2, x3 = f0[i], f1[i], f2[i], f3[i]
            t0, t1, t2, t3 = x0 - a0, x1 - a1, x2 - a2, x3 - a3
            out_a[i] = out_a[i] + t0 * t0 + t1 * t1 + t2 * t2 + t3 * t3
            t0, t1, t2, t3 = x0 - b0, x1 - b1, x2 - b2, x3 - b3
            out_b[i] = out_b[i] + t0 * t0 + t1 * t1 + t2 * t2 + t3 * t3
            t0, t1, t2, t3 = x0 - c0, x1 - c1, x2 - c2, x3 - c3
            out_c[i] = out_c[i] + t0 * t0 + t1 * t1 + t2 * t2 + t3 * t3
        j += 4
    while j < features.shape[0]:
        a, b, c = row_a[j], row_b[j], row_c[j]
        feature = features[j, first : first + n]
        for i in range(n):
            x = feature[i]
            t = x - a
            out_a[i] += t * t
            t = x - b
            out_b[i] += t * t
            t = x - c
            out_c[i] += t * t
        j += 1


@helper
def _chunk_distances(features, X, weights, rows, nearest, slots, slot_of, n_used, chunk,
                     partials):
    """For each candidate ``t < n_used``: each row of the chunk's squared distance to
    row ``rows[t]`` or, when smaller, its distance in ``nearest``, into
    ``slots[slot_of[t]]``; their sum weighted by ``weights`` into ``partials[t, chunk]``
    (four lanes, as :func:`weighted_sum` sums the whole chunk).

    The chunk is taken in blocks of SEEDING_BLOCK rows (a multiple of 4), the
    candidates three at a time (:func:`_three_distances`; the last group padded with
    the last candidate), all candidates of a block before the next block: the block's
    features are read from memory once, and its distances summed while they are in
    cache, each sum's four lanes carried from block to block.

    Not inlined: one compiled copy serves both walks' first distances and trials (the
    call costs nothing next to a chunk's distances)."""
    start, stop = chunk_bounds(chunk, partials.shape[1], X.shape[0])
    block = np.empty((3, SEEDING_BLOCK), dtype=np.float32)
    lanes = np.zeros((n_used, 4), dtype=np.float64)
    last_used = n_used - 1
    for first in range(start, stop, SEEDING_BLOCK):
        last = min(first + SEEDING_BLOCK, stop)
        block_nearest = nearest[first:last]
        block_weights = weights[first:last]
        found = block[:, : last - first]
        for group in range(0, n_used, 3):
            _three_distances(features, first, X[rows[group]],
                             X[rows[min(group + 1, last_used)]],
                             X[rows[min(group + 2, last_used)]], found)
            for t in range(group, min(group + 3, n_used)):
                trial = slots[slot_of[t], first:last]
                distances = found[t - group]
                for r in range(trial.shape[0]):
                    trial[r] = min(block_nearest[r], distances[r])
                lane = lanes[t]
                lane[0], lane[1], lane[2], lane[3] = add_weighted(
                    trial, block_weights, lane[0], lane[1], lane[2], lane[3])
    for t in range(n_used):
        partials[t, chunk] = (lanes[t, 0] + lanes[t, 1]) + (lanes[t, 2] + lanes[t, 3])


@inline
def _candidates(n_rows, n_trials):
    """Workspace of the candidates drawn for one center: ``rows``, the row of each
    candidate; ``slots``, distances of every row: slot ``current`` to the nearest center
    so far, slot ``slot_of[t]`` with candidate ``t`` added (the winner's slot then
    becomes current, no copy); ``partials``, per-chunk sums of each candidate's slot."""
    rows = np.empty(n_trials, dtype=np.int64)
    slots = np.empty((n_trials + 1, n_rows), dtype=np.float32)
    slot_of = np.empty(n_trials, dtype=np.int64)
    partials = np.empty((n_trials, chunk_count(n_rows)), dtype=np.float64)
    return rows, slots, slot_of, partials


@inline
def _check_seeding(X, weights, n_clusters, n_trials):
    require_one_per_row(weights, X.shape[0], "weights")
    require_at_least(n_clusters, 1, "n_clusters must be at least 1")
    require_at_least(n_trials, 1, "n_trials must be at least 1")


@inline
def _first_distances(features, X, weights, first, candidates, current):
    """Each row's distance to the row ``first`` into ``slots[current]``, their weighted
    sum over each chunk into ``partials[0]``; the potential (the sum of those)."""
    rows, slots, slot_of, partials = candidates
    rows[0] = first
    slot_of[0] = current  # (nearest and trial the same slot, of infinite distances)
    nearest = slots[current]
    for r in range(nearest.shape[0]):  # (serial: in the parallel loop it compiled 0.7 s longer)
        nearest[r] = F32_INF
    for chunk in prange(partials.shape[1]):  # (np.int64: a literal would compile again)
        _chunk_distances(features, X, weights, rows, slots[current], slots, slot_of,
                         np.int64(1), chunk, partials)
    return ordered_sum(partials[0])


@inline
def _best_candidate(features, X, weights, candidates, current):
    """Each row's distance to its nearest center with each candidate added, and the
    candidate that lowers the potential most (the first of equals) with that potential.

    Every candidate is drawn from the same distances, so all are drawn first and
    their distances computed in one pass: each block of the data is read once, from
    cache for all but the first candidate. ``candidates``: see :func:`_candidates`."""
    rows, slots, slot_of, partials = candidates
    n_trials, n_chunks = partials.shape
    for t in range(n_trials):
        slot_of[t] = t if t < current else t + 1
    for chunk in prange(n_chunks):
        _chunk_distances(features, X, weights, rows, slots[current], slots, slot_of, n_trials,
                         chunk, partials)
    best_sum = np.inf
    best = 0
    for t in range(n_trials):
        trial_sum = ordered_sum(partials[t])
        if trial_sum < best_sum:
            best_sum = trial_sum
            best = t
    return best, best_sum


@kernel
def kmeanspp(X, weights, n_clusters, n_trials, rng_state):
    """k-means++ seeding with ``n_trials`` candidates per center, as cv2 does it.

    Parameters
    ----------
    X : float32 (n_samples, n_features)
        IN: the points.
    weights : int32 (n_samples,)
        IN: multiplicity of each point (all 1 for plain data). With all weights 1 the
        draws are cv2's. Otherwise the first center is drawn with probability
        proportional to the weight, and each candidate, as in cv2, with probability
        proportional to weight times squared distance to the nearest center so far
        (a point of weight 0 is never drawn).
    n_clusters : int
        Number of centers to pick, 1 <= n_clusters <= n_samples.
    n_trials : int
        Candidates drawn per center (cv2 uses 3); the one that lowers the potential
        most wins.
    rng_state : uint64 (1,)
        INOUT: the generator (see :func:`rng_next`).

    Returns
    -------
    int64 (n_clusters,)
        Indices of the points chosen as centers, in the order they were chosen.
    """
    require_at_most(n_clusters, X.shape[0], "n_clusters must not exceed the rows of X")
    _check_seeding(X, weights, n_clusters, n_trials)  # (so X has at least one row)
    features = by_feature(X)
    candidates = _candidates(X.shape[0], n_trials)
    rows, slots, slot_of, partials = candidates
    chosen = np.empty(n_clusters, dtype=np.int64)
    chosen[0] = _first_center(weights, rng_state)
    current = 0
    potential = _first_distances(features, X, weights, chosen[0], candidates, current)
    best = 0
    for k in range(1, n_clusters):
        dist = slots[current]
        for t in range(n_trials):  # (partials[best]: the chunks' sums of dist)
            rows[t] = locate_row(dist, weights, partials[best], rng_double(rng_state) * potential)
        best, potential = _best_candidate(features, X, weights, candidates, current)
        chosen[k] = rows[best]
        current = slot_of[best]
    return chosen


@kernel
def kmeanspp_rows(X, weights, inverse, n_clusters, n_trials, rng_state):
    """:func:`kmeanspp` on distinct rows that stand for the samples of ``inverse``:
    the draws are made over the samples, in sample order, exactly as cv2 makes them
    on the full data.

    cv2 finds a candidate by subtracting distances from p = u * potential, sample by
    sample. On integer-valued rows every distance is an integer and every such
    subtraction exact, so the sample reached is the first whose prefix sum reaches
    p: per-chunk sums of the samples' distances locate it without the serial walk
    over all samples. With more than INCREMENTAL_MIN_CLUSTERS centers, those sums
    are updated from the rows whose distance changed (the row-to-chunks table of
    ``_chunk_table``) instead of summed again over all samples.

    Parameters
    ----------
    X : float32 (n_rows, n_features)
        IN: the distinct rows.
    weights : int32 (n_rows,)
        IN: how many samples each row stands for.
    inverse : int32 (n_samples,)
        IN: row of each sample, at least one sample.
    n_clusters, n_trials, rng_state
        As in :func:`kmeanspp`.

    Returns
    -------
    int64 (n_clusters,)
        Indices of the rows chosen as centers.
    """
    n_rows = X.shape[0]
    n_samples = inverse.shape[0]
    require_integers(inverse, "inverse")
    _check_seeding(X, weights, n_clusters, n_trials)
    require_at_least(n_samples, 1, "inverse must hold at least one sample")
    require_none_bad(count_outside(inverse, n_rows), "inverse must be row indices of X")
    features = by_feature(X)
    candidates = _candidates(n_rows, n_trials)
    rows, slots, slot_of, partials = candidates
    exact = _integer_distances(X, weights)
    sample_chunks = chunk_count(n_samples) if exact else 0
    sample_sums = np.empty(sample_chunks, dtype=np.float64)
    incremental = exact and n_clusters > INCREMENTAL_MIN_CLUSTERS
    if incremental:
        offsets, entries = chunks_of_rows(inverse, n_rows, sample_chunks)
    else:  # no table
        offsets, entries = np.zeros(1, dtype=np.int32), np.empty(0, dtype=np.uint16)
    chosen = np.empty(n_clusters, dtype=np.int64)
    chosen[0] = inverse[rng_next(rng_state) % np.uint32(n_samples)]
    current = 0
    potential = _first_distances(features, X, weights, chosen[0], candidates, current)
    previous = current
    for k in range(1, n_clusters):
        dist = slots[current]
        if incremental and k > 1:
            update_chunk_sums(dist, slots[previous], offsets, entries, sample_sums)
        elif exact:  # (no parallel region at all when there is nothing to sum)
            for chunk in prange(sample_chunks):
                start, stop = chunk_bounds(chunk, sample_chunks, n_samples)
                total = 0.0
                for i in range(start, stop):
                    total += dist[inverse[i]]
                sample_sums[chunk] = total
        for t in range(n_trials):
            p = rng_double(rng_state) * potential
            if exact:
                rows[t] = _pick_by_prefix(dist, inverse, sample_sums, p)
            else:
                rows[t] = _pick_sample(dist, inverse, p)
        best, potential = _best_candidate(features, X, weights, candidates, current)
        chosen[k] = rows[best]
        previous = current
        current = slot_of[best]
    return chosen

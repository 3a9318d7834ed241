"""k-means++ seeding as cv2 does it, on plain or distinct weighted rows."""

import numpy as np
from numba import prange

from .._jit import helper, inline, kernel
from ._checks import (
    require_at_least, require_at_most, require_integers, require_none_bad, require_one_per_row,
)
from ._chunk_table import chunks_of_rows, update_chunk_sums
from ._common import (
    by_feature, chunk_bounds, chunk_count, count_outside, ordered_sum, row_of, weighted_sum,
)
from ._distances import distances_to_row
from ._random import rng_double, rng_next


#: k-means++ with more clusters than this updates its per-chunk sums of sample
#: distances row by row (after building a row-to-chunks table) instead of
#: recomputing them over all samples for every center.
INCREMENTAL_MIN_CLUSTERS = 16


@helper
def _pick_weighted(dist, weights, inverse, n_pixels, p):
    """cv2's walk: subtract each sample's distance from p until p <= 0; the row of
    the sample reached. Samples are walked in order through ``inverse``; without it
    the rows are walked, each counting ``weight`` times its distance (for a weight of
    1, exactly cv2's walk)."""
    last = n_pixels - 1
    i = 0
    while i < last:
        if inverse.shape[0] > 0:
            p -= dist[inverse[i]]
        else:
            p -= weights[i] * np.float64(dist[i])
        if p <= 0.0:
            break
        i += 1
    return row_of(inverse, i)


@helper
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
    partial_dist = np.empty(chunk_count(X.shape[0]), dtype=np.float64)
    no_inverse = np.empty(0, dtype=np.int32)
    return _kmeanspp(X, weights, no_inverse, n_clusters, n_trials, rng_state, partial_dist, False)


@kernel
def kmeanspp_rows(X, weights, inverse, n_clusters, n_trials, rng_state, partial_dist):
    """:func:`kmeanspp` on distinct rows that stand for the samples of ``inverse``
    (with an empty ``inverse``, :func:`kmeanspp` itself, which compiles less)."""
    return _kmeanspp(X, weights, inverse, n_clusters, n_trials, rng_state, partial_dist, True)


@inline
def _kmeanspp(X, weights, inverse, n_clusters, n_trials, rng_state, partial_dist,
              walks_samples):
    """k-means++ seeding with ``n_trials`` candidates per center, as cv2 does it.

    The points may be given as distinct rows with multiplicities. With ``inverse``,
    the draws are made over the samples the rows stand for, in sample order, exactly
    as on the full data; without it, over the rows, each weighted by its multiplicity.

    cv2 finds a candidate by subtracting distances from p = u * potential, sample by
    sample. On integer-valued rows every distance is an integer and every such
    subtraction exact, so the sample reached is the first whose prefix sum reaches
    p: per-chunk sums, computed in parallel once per center, locate it without the
    serial walk over all samples.

    Parameters
    ----------
    X : float32 (n_rows, n_features)
        IN: the points (or distinct rows).
    weights : int32 (n_rows,)
        IN: multiplicity of each row.
    inverse : int32 (n_pixels,)
        IN: row of each pixel, or an empty array to walk the weighted rows.
    n_clusters : int
        Number of centers to pick.
    n_trials : int
        Candidates drawn per center; the one that lowers the potential most wins.
    rng_state : uint64 (1,)
        INOUT: generator state.
    partial_dist : float64 (n_chunks,)
        Workspace for per-chunk sums.
    walks_samples : bool
        A constant of the calling kernel: False when ``inverse`` is always empty, so
        that numba drops the code of the walk over samples (prefix sums, row-to-chunks
        table: 1.6 s of compiling) from that kernel.

    Returns
    -------
    int64 (n_clusters,)
        Indices of the rows chosen as centers.
    """
    n_samples = X.shape[0]
    n_pixels = inverse.shape[0] if inverse.shape[0] > 0 else n_samples
    require_one_per_row(weights, n_samples, "weights")
    require_at_least(n_clusters, 1, "n_clusters must be at least 1")
    require_at_least(n_trials, 1, "n_trials must be at least 1")
    require_at_least(n_pixels, 1, "X must have at least one row")
    require_at_least(partial_dist.shape[0], 1, "partial_dist must have at least one chunk")
    if walks_samples:
        require_integers(inverse, "inverse")
        require_none_bad(count_outside(inverse, n_samples), "inverse must be row indices of X")
    n_chunks = partial_dist.shape[0]
    chosen = np.empty(n_clusters, dtype=np.int64)
    # Slot `current` holds each row's distance to its nearest center so far; the
    # other slots receive the trials' distances, and the winner's slot becomes current.
    slots = np.empty((n_trials + 1, n_samples), dtype=np.float32)
    current = 0
    trial_slots = np.empty(n_trials, dtype=np.int64)
    candidates = np.empty(n_trials, dtype=np.int64)
    trial_partials = np.empty((n_trials, n_chunks), dtype=np.float64)
    exact_walk = False
    if walks_samples:  # (a constant: numba compiles only one side)
        exact_walk = inverse.shape[0] > 0 and _integer_distances(X, weights)
    sample_chunks = chunk_count(n_pixels) if exact_walk else 0
    sample_sums = np.empty(sample_chunks, dtype=np.float64)
    features = by_feature(X)
    if inverse.shape[0] > 0:
        chosen[0] = inverse[rng_next(rng_state) % np.uint32(n_pixels)]
    else:
        chosen[0] = _first_center(weights, rng_state)
    for chunk in prange(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n_samples)
        chunk_dist = slots[current, start:stop]
        distances_to_row(features, start, X[chosen[0]], chunk_dist)
        partial_dist[chunk] = weighted_sum(chunk_dist, weights[start:stop])
    potential = ordered_sum(partial_dist)

    incremental = exact_walk and n_clusters > INCREMENTAL_MIN_CLUSTERS
    if walks_samples:
        offsets, entries = chunks_of_rows(  # empty when not incremental
            inverse if incremental else inverse[:0], n_samples if incremental else 0,
            sample_chunks,
        )

    previous = current
    for k in range(1, n_clusters):
        dist = slots[current]
        if walks_samples:
            if incremental and k > 1:
                update_chunk_sums(dist, slots[previous], offsets, entries, sample_sums)
            elif exact_walk:  # (no parallel region at all when there is nothing to sum)
                for chunk in prange(sample_chunks):
                    start, stop = chunk_bounds(chunk, sample_chunks, n_pixels)
                    total = 0.0
                    for i in range(start, stop):
                        total += dist[inverse[i]]
                    sample_sums[chunk] = total
        # Every candidate is drawn from the same distances, so all are drawn first
        # and their distances computed in one pass: each chunk of the data is read
        # once, from cache for all but the first trial.
        for t in range(n_trials):
            p = rng_double(rng_state) * potential
            candidates[t] = -1
            if walks_samples:
                if exact_walk:
                    candidates[t] = _pick_by_prefix(dist, inverse, sample_sums, p)
            if candidates[t] < 0:
                candidates[t] = _pick_weighted(dist, weights, inverse, n_pixels, p)
            trial_slots[t] = t if t < current else t + 1
        for chunk in prange(n_chunks):
            start, stop = chunk_bounds(chunk, n_chunks, n_samples)
            chunk_dist = dist[start:stop]
            for t in range(n_trials):
                chunk_trial = slots[trial_slots[t], start:stop]
                distances_to_row(features, start, X[candidates[t]], chunk_trial)
                for r in range(stop - start):
                    chunk_trial[r] = min(chunk_dist[r], chunk_trial[r])
                trial_partials[t, chunk] = weighted_sum(chunk_trial, weights[start:stop])
        best_sum = np.inf
        best_trial = 0
        for t in range(n_trials):
            trial_sum = ordered_sum(trial_partials[t])
            if trial_sum < best_sum:
                best_sum = trial_sum
                best_trial = t
        chosen[k] = candidates[best_trial]
        potential = best_sum
        previous = current
        current = trial_slots[best_trial]
    return chosen

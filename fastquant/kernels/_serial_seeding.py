"""k-means++ seeding of a few thousand weighted rows, serially: quantize's seeding.

quantize seeds k-means on the cells of a coarse colour grid (or on at most
COARSE_MIN_ROWS colours), where :func:`fastquant._execution.launch` would run the
serial twin of :func:`~fastquant.kernels._seeding.kmeanspp` anyway.
:func:`kmeanspp_small` picks the same centers with plain loops: the same draws from the
generator, the same float32 distances (summed over the features in cv2's order), the
same float64 sums of each chunk of ``chunk_count(n_rows)`` rows (:func:`weighted_sum`)
added in chunk order, and the row of each draw found by the same walk
(:func:`locate_row`).

Without the general kernel's blocks of rows and its parallel loops it compiles in less
time, which a first run of ``quantize`` pays: on the README command's empty cache,
``kmeanspp_small`` and its distance helper took 0.41 and 0.28 s of CPU where
``kmeanspp``'s serial twin and ``_chunk_distances`` took 0.70 and 0.47 s. Run warm, it
seeded 5,000 and 20,000 weighted colours with K = 256 in 3.2 and 11.2 ms against the
twin's 3.6 and 13.2 ms (same process, min of 5). The first center is now the one
candidate of a round 0 whose rows are all at infinity, so the distance loops are
written once, in the kernel: the seeding's compile went from 1.37-1.39 to 1.25-1.32 s
of CPU (a fresh cache, the kernel and its helpers).
"""

import numpy as np

from .._jit import helper
from ._candidate_walk import locate_row
from ._checks import require_at_least, require_at_most, require_one_per_row
from ._common import F32_INF, F32_ZERO, chunk_bounds, chunk_count, ordered_sum, weighted_sum
from ._random import rng_double
from ._seeding import _first_center


@helper
def kmeanspp_small(features, weights, n_clusters, n_trials, rng_state):
    """k-means++ seeding of weighted rows, serially: the centers
    :func:`~fastquant.kernels._seeding.kmeanspp` picks for the same arguments (see the
    module docstring), for data too small to share between threads.

    Parameters
    ----------
    features : float32 (n_features, n_rows)
        IN: the rows, by feature (``X.T`` of kmeanspp's ``X``, contiguous).
    weights : int32 (n_rows,)
        IN: each row's weight (see ``kmeanspp``).
    n_clusters : int
        Number of centers to pick, 1 <= n_clusters <= n_rows.
    n_trials : int
        Candidates drawn per center, at least 1; the one that lowers the potential
        most (the first of equals) wins.
    rng_state : uint64 (1,)
        INOUT: the generator.

    Returns
    -------
    int64 (n_clusters,)
        Indices of the rows chosen as centers, in the order they were chosen.
    """
    n_rows = features.shape[1]
    require_one_per_row(weights, n_rows, "weights")
    require_at_least(n_clusters, 1, "n_clusters must be at least 1")
    require_at_most(n_clusters, n_rows, "n_clusters must not exceed the rows")
    require_at_least(n_trials, 1, "n_trials must be at least 1")
    n_features = features.shape[0]
    n_chunks = chunk_count(n_rows)
    # each row's distance to its nearest center so far (none: infinity), with the sum
    # of each chunk; the same with a candidate added, and with the best candidate so
    # far added (dtypes given by keyword, as the other kernels give them: one compile
    # of each)
    nearest = np.empty(n_rows, dtype=np.float32)
    nearest[:] = F32_INF
    trial = np.empty(n_rows, dtype=np.float32)
    best = np.empty(n_rows, dtype=np.float32)
    nearest_sums = np.empty(n_chunks, dtype=np.float64)
    trial_sums = np.empty(n_chunks, dtype=np.float64)
    best_sums = np.empty(n_chunks, dtype=np.float64)
    candidates = np.empty(n_trials, dtype=np.int64)
    chosen = np.empty(n_clusters, dtype=np.int64)
    candidates[0] = _first_center(weights, rng_state)
    potential = 0.0
    # the first center is the one candidate of round 0 (one copy of the distance loops)
    for k in range(n_clusters):
        n_candidates = 1 if k == 0 else n_trials
        for t in range(1 if k == 0 else 0, n_candidates):
            candidates[t] = locate_row(nearest, weights, nearest_sums,
                                       rng_double(rng_state) * potential)
        best_sum = np.inf
        for t in range(n_candidates):
            # each row's squared distance to the candidate (the rows by feature, so
            # that the loops over rows vectorise; summed over the features in order,
            # as cv2 sums it) or, when smaller, its distance in ``nearest``; the
            # weighted sum of those over each chunk, and their total in chunk order
            center = candidates[t]
            for chunk in range(n_chunks):
                start, stop = chunk_bounds(chunk, n_chunks, n_rows)
                distances = trial[start:stop]
                for i in range(distances.shape[0]):
                    distances[i] = F32_ZERO
                for j in range(n_features):
                    feature = features[j, start:stop]
                    c = features[j, center]
                    for i in range(distances.shape[0]):
                        u = feature[i] - c
                        distances[i] += u * u
                near = nearest[start:stop]
                for i in range(distances.shape[0]):
                    distances[i] = distances[i] if distances[i] < near[i] else near[i]
                trial_sums[chunk] = weighted_sum(distances, weights[start:stop])
            trial_sum = ordered_sum(trial_sums)
            better = trial_sum < best_sum  # (the first of equals wins)
            if better or t == 0:  # (the first when none is below infinity, as kmeanspp)
                best, trial = trial, best
                best_sums, trial_sums = trial_sums, best_sums
                chosen[k] = center
            if better or k == 0:  # (round 0: the potential, whatever it is)
                best_sum = trial_sum
        nearest, best = best, nearest
        nearest_sums, best_sums = best_sums, nearest_sums
        potential = best_sum
    return chosen

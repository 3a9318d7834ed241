"""Lloyd passes run in one call: an attempt's passes, centers and stopping test without
a return to Python between them (a pass over messi.jpg's 69,991 colours at K = 2 lasts
about 0.1 ms, as long as the Python around it)."""

import numpy as np
from numba import prange

from .._jit import kernel
from ._checks import require_cluster_indices, require_equal, require_pass_arguments
from ._common import chunk_bounds, count_outside
from ._passes import assign_chunk, cluster_means, reduce_partials


@kernel
def lloyd_passes(X, weights, centers, labels, partial_sums, partial_counts, sums, counts,
                 exact, have_totals, iteration, max_iter, eps_sq):
    """Lloyd passes from ``centers`` until cv2's loop stops or a cluster is left empty.

    Each pass is :func:`~fastquant.kernels._passes.assign_and_accumulate`'s, or with
    exact sums after the first, :func:`~fastquant.kernels._passes.assign_and_update`'s
    added to the totals; then the centers by
    :func:`~fastquant.kernels._passes.cluster_means` and cv2's stopping test: the same
    results as those kernels driven from Python.

    Parameters
    ----------
    X, weights, partial_sums, partial_counts
        IN, and workspace (see ``fastquant.kernels``).
    centers : float32 (n_clusters, n_features)
        INOUT: the centers of the first pass in; out, the centers of the stop, or
        those of the last pass when it left a cluster empty.
    labels : int32 (n_samples,)
        INOUT: the labels before (read when ``have_totals``), then the last pass's.
    sums : float64 (n_clusters, n_features), counts : (n_clusters,) like partial_counts
        INOUT: with ``have_totals``, the sums and weights of ``labels`` in; out, those
        of the last pass's labels.
    exact : bool
        The weighted sums are exact in any order (integers below 2**53), so a pass may
        accumulate only the changes of labels.
    have_totals : bool
        ``sums`` and ``counts`` hold the totals of ``labels`` (used when ``exact``).
    iteration : int
        cv2's iteration count before the first pass (at least 1).
    max_iter : int
        cv2's iteration limit (the caller has checked that ``iteration`` is below it).
    eps_sq : float
        The largest squared move of a center that stops the loop.

    Returns
    -------
    iteration : int
        The count after the last pass's centers, or before them when the pass left a
        cluster empty.
    stopped : bool
        True when cv2's loop stopped (``centers`` are its final centers); False when
        the last pass left a cluster empty, for the caller's repair.
    """
    require_pass_arguments(X, weights, centers, labels, partial_sums, partial_counts)
    n_samples, n_features = X.shape
    n_clusters = centers.shape[0]
    require_equal(sums.shape[0], n_clusters, "sums must have one row per center")
    require_equal(sums.shape[1], n_features, "sums must have one column per column of X")
    require_equal(counts.shape[0], n_clusters, "counts must have one entry per center")
    update = exact and have_totals
    if update:  # the passes below read these labels as cluster indices
        require_cluster_indices(count_outside(labels, n_clusters))
    n_chunks = partial_sums.shape[0]
    pass_sums = np.empty_like(sums)
    pass_counts = np.empty_like(counts)
    previous = np.empty_like(centers)
    chunk_bad = np.empty(n_chunks, dtype=np.int64)  # (numba's reduction of a sum
    # failed to compile in a prange nested in this loop)
    while True:
        for chunk in prange(n_chunks):
            start, stop = chunk_bounds(chunk, n_chunks, n_samples)
            chunk_bad[chunk] = assign_chunk(X, weights, centers, labels, start, stop, update,
                                            partial_sums[chunk], partial_counts[chunk])
        require_cluster_indices(np.sum(chunk_bad))
        reduce_partials(partial_sums, partial_counts, pass_sums, pass_counts)
        empty = False
        for k in range(n_clusters):
            counts[k] = counts[k] + pass_counts[k] if update else pass_counts[k]
            for j in range(n_features):
                sums[k, j] = sums[k, j] + pass_sums[k, j] if update else pass_sums[k, j]
            empty = empty or counts[k] == 0
        update = exact
        if empty:
            return iteration, False
        previous[:] = centers
        shift = cluster_means(sums, counts, previous, centers)
        iteration += 1
        if iteration == max_iter or shift <= eps_sq:
            return iteration, True

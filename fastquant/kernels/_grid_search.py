"""Nearest centers of low-dimensional points through a grid of candidate lists.

The points (colours, 1 to 4 coordinates) are sorted by the cell of a regular grid over
their bounding box. For a cell, the only centers that can be nearest to a point inside
it are those whose smallest distance to the cell's box is at most the smallest, over
all centers, of the largest distance to the box (the center reaching that bound is
within it of every point of the cell). A pass computes that candidate list once per
cell it visits and searches only it: with 256 colours a few dozen candidates instead
of 256. The bounds are taken in float64 with a relative slack far above float32's
rounding, so the center found is exactly the one of the brute-force search (float32
distances in OpenCV's order, lowest index among equals) and the results depend
neither on the grid nor on the number of threads.
"""

import numpy as np
from numba import prange

from .._jit import helper, inline, kernel
from ._common import F32_ZERO, chunk_bounds

#: Relative slack on the candidate bound: float32 distances are within a few 1e-7 of
#: the exact ones, so 1e-5 keeps every center the brute-force search could choose.
_SLACK = 1e-5
#: Share of a cell's width its box is widened by on each side (a point rounded into
#: the cell next to its own stays inside the box).
_MARGIN = 1e-3
#: The two levels of :func:`_cell_candidates`, as numpy booleans: numba types them as
#: variables, so both calls share one compile (a constant True / False would be two).
_COARSE_CELL = np.bool_(False)
_CELL = np.bool_(True)


@helper
def sort_by_cell(values, low, inverse_width, coarse, fine):
    """The points' order by grid cell (a counting sort: stable, no comparison).

    The grid has ``coarse * fine`` cells per coordinate; a cell's key puts the coarse
    cell (``fine ** n_features`` cells) first, so that the points of a coarse cell are
    contiguous too.

    Parameters
    ----------
    values : float32 (n, n_features)
        IN: the points.
    low, inverse_width : float64 (n_features,)
        IN: the grid's origin and the inverse of its cells' width per coordinate.
    coarse, fine : int
        Coarse cells per coordinate, and cells per coarse cell per coordinate.

    Returns
    -------
    order : int64 (n,)
        The points' indices, cell by cell.
    cells : int32 (n,)
        The key of the cell of each point of ``order``.
    features : float32 (n_features, n)
        The points of ``order``, by coordinate.
    """
    n, n_features = values.shape
    grid = coarse * fine
    n_cells = grid**n_features
    cell_of = np.empty(n, dtype=np.int32)
    starts = np.empty(n_cells + 1, dtype=np.int64)
    starts[:] = 0
    for i in range(n):
        major = 0
        minor = 0
        for j in range(n_features):
            digit = np.int64((np.float64(values[i, j]) - low[j]) * inverse_width[j])
            digit = min(max(digit, 0), grid - 1)
            major = major * coarse + digit // fine
            minor = minor * fine + digit % fine
        cell = major * fine**n_features + minor
        cell_of[i] = cell
        starts[cell + 1] += 1
    for cell in range(n_cells):
        starts[cell + 1] += starts[cell]
    order = np.empty(n, dtype=np.int64)
    cells = np.empty(n, dtype=np.int32)
    features = np.empty((n_features, n), dtype=np.float32)
    for i in range(n):
        at = starts[cell_of[i]]
        order[at] = i
        cells[at] = cell_of[i]
        for j in range(n_features):
            features[j, at] = values[i, j]
        starts[cell_of[i]] = at + 1
    return order, cells, features


@inline
def _box(cell, low, width, coarse, fine, level_fine, box_low, box_high):
    """The box of a cell key (``level_fine``) or of its coarse cell, widened by
    _MARGIN cells on each side."""
    n_features = low.shape[0]
    sub = fine**n_features
    major = cell // sub
    minor = cell % sub
    extent = 1 if level_fine else fine
    for j in range(n_features - 1, -1, -1):
        digit = (major % coarse) * fine
        major //= coarse
        if level_fine:
            digit += minor % fine
        minor //= fine
        box_low[j] = low[j] + (digit - _MARGIN) * width[j]
        box_high[j] = low[j] + (digit + extent + _MARGIN) * width[j]


@inline
def _candidates(centers, pool, n_pool, box_low, box_high, near, members):
    """The centers of ``pool[:n_pool]`` that may be nearest to a point of the box into
    ``members`` (in pool order); their number. ``near`` is scratch space."""
    n_features = centers.shape[1]
    bound = np.inf
    for m in range(n_pool):
        c = pool[m]
        smallest = 0.0
        largest = 0.0
        for j in range(n_features):
            v = np.float64(centers[c, j])
            below = box_low[j] - v
            above = v - box_high[j]
            # (comparisons, not max / min: numba compiles those once per tuple type)
            gap = below if below > above else above
            gap = gap if gap > 0.0 else 0.0
            smallest += gap * gap
            span = below if below < above else above  # minus the largest distance
            largest += span * span
        near[m] = smallest
        bound = largest if largest < bound else bound
    bound *= 1.0 + _SLACK
    n_members = 0
    for m in range(n_pool):
        if near[m] <= bound:
            members[n_members] = pool[m]
            n_members += 1
    return n_members


@helper
def _cell_candidates(cell, level_fine, grid, centers, pool, n_pool, scratch, members):
    """:func:`_candidates` for the box of the cell key ``cell`` (``level_fine``) or of
    its coarse cell. ``grid``: (low, width, coarse, fine); ``scratch``: (box_low,
    box_high, near), float64 arrays of n_features, n_features and n_centers.

    Not inlined: one compiled copy serves the coarse cells and the cells (a call per
    cell costs little next to its search)."""
    low, width, coarse, fine = grid
    box_low, box_high, near = scratch
    _box(cell, low, width, coarse, fine, level_fine, box_low, box_high)
    return _candidates(centers, pool, n_pool, box_low, box_high, near, members)


@inline
def _search_run(features, start, stop, centers, members, n_members, best, distances,
                labels):
    """Nearest of the ``members`` centers for the points ``start:stop`` (one cell): the
    centers one by one, the points in SIMD lanes (``features`` is by coordinate);
    ``best`` (float32, from ``start``) gets the smallest distance, ``distances`` is
    scratch space."""
    n_features = features.shape[0]
    length = stop - start
    run_labels = labels[start:stop]
    for m in range(n_members):
        c = members[m]
        for i in range(length):
            distances[i] = F32_ZERO
        for j in range(n_features):
            center = centers[c, j]
            coordinates = features[j, start:stop]
            for i in range(length):
                t = coordinates[i] - center
                distances[i] += t * t
        if m == 0:
            for i in range(length):
                best[i] = distances[i]
                run_labels[i] = c
        else:
            for i in range(length):
                closer = distances[i] < best[i]
                best[i] = distances[i] if closer else best[i]
                run_labels[i] = c if closer else run_labels[i]


@kernel
def grid_pass(features, cells, low, width, coarse, fine, centers, weights, sum_features,
              labels, partial_sums, partial_weights, partial_dist):
    """Nearest center of every point (sorted by cell), and the weighted sums of each
    cluster, chunk by chunk.

    The candidates of a coarse cell are searched among all centers, those of a cell
    among its coarse cell's (a center far from the coarse cell is far from its cells;
    the bound of a cell taken over fewer centers is only larger).

    Parameters
    ----------
    features : float32 (n_features, n)
        IN: the points, by coordinate, in the order of :func:`sort_by_cell`.
    cells : int32 (n,)
        IN: the cell key of each point.
    low, width : float64 (n_features,)
        IN: the grid's origin and its cells' width per coordinate.
    coarse, fine : int
        See :func:`sort_by_cell`.
    centers : float32 (n_centers, n_features)
        IN: the centers.
    weights : int32 (n,)
        IN: weight of each point.
    sum_features : float32 (n_sum_features, n)
        IN: what is summed per cluster for each point, by coordinate (the points or
        the same points in other units).
    labels : int32 (n,)
        OUT: the nearest center of each point (lowest index among equals).
    partial_sums : float64 (n_chunks, n_centers, n_sum_features)
    partial_weights : int64 (n_chunks, n_centers)
    partial_dist : float64 (n_chunks,)
        SCRATCH: per chunk of points, the weighted sums of ``sum_features``, the weights
        and the weighted squared distances of the points of each cluster.

    Returns
    -------
    sums : float64 (n_centers, n_sum_features)
    totals : int64 (n_centers,)
    distance : float
        The chunks' sums, weights and distance sum added in chunk order (in the kernel,
        not in a helper of their own: a compile fewer on a first run).
    """
    n_features, n = features.shape
    n_centers = centers.shape[0]
    n_chunks = partial_sums.shape[0]
    sub = fine**n_features
    grid = (low, width, coarse, fine)
    for chunk in prange(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n)
        sums = partial_sums[chunk]
        totals = partial_weights[chunk]
        sums[:, :] = 0.0
        totals[:] = 0
        scratch = (np.empty(n_features, dtype=np.float64),
                   np.empty(n_features, dtype=np.float64), np.empty(n_centers, dtype=np.float64))
        every = np.empty(n_centers, dtype=np.int32)
        for c in range(n_centers):
            every[c] = c
        pool = np.empty(n_centers, dtype=np.int32)
        members = np.empty(n_centers, dtype=np.int32)
        # (two allocations: as rows of one array, LLVM could not tell them apart, and
        # a K = 256 call on a 768x512 photo took 1.13x as long)
        best = np.empty(stop - start, dtype=np.float32)
        distances = np.empty(stop - start, dtype=np.float32)
        n_pool = 0
        major = -1
        distance = 0.0
        run = start
        while run < stop:
            cell = cells[run]
            end = run + 1
            while end < stop and cells[end] == cell:
                end += 1
            if cell // sub != major:
                major = cell // sub
                n_pool = _cell_candidates(cell, _COARSE_CELL, grid, centers, every, n_centers,
                                          scratch, pool)
            n_members = _cell_candidates(cell, _CELL, grid, centers, pool, n_pool, scratch,
                                         members)
            _search_run(features, run, end, centers, members, n_members, best, distances,
                        labels)
            for i in range(run, end):
                label = labels[i]
                w = weights[i]
                totals[label] += w
                for j in range(sum_features.shape[0]):
                    sums[label, j] += w * np.float64(sum_features[j, i])
                distance += w * np.float64(best[i - run])
            run = end
        partial_dist[chunk] = distance
    cluster_sums = np.empty((n_centers, sum_features.shape[0]), dtype=np.float64)
    cluster_weights = np.empty(n_centers, dtype=np.int64)
    cluster_sums[:] = 0.0
    cluster_weights[:] = 0
    total_distance = 0.0
    for chunk in range(n_chunks):
        for c in range(n_centers):
            cluster_weights[c] += partial_weights[chunk, c]
            for j in range(sum_features.shape[0]):
                cluster_sums[c, j] += partial_sums[chunk, c, j]
        total_distance += partial_dist[chunk]
    return cluster_sums, cluster_weights, total_distance

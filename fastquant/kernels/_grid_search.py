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
from ._checks import require_equal
from ._common import F32_ZERO, chunk_bounds

#: Relative slack on the candidate bound: float32 distances are within a few 1e-7 of
#: the exact ones, so 1e-5 keeps every center the brute-force search could choose.
_SLACK = 1e-5
#: Share of a cell's width its box is widened by on each side (a point rounded into
#: the cell next to its own stays inside the box).
_MARGIN = 1e-3


@helper
def sort_by_cell(values, low, inverse_width, coarse, fine, features):
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
    features : float32 (n_features, n)
        OUT: the points of ``order``, by coordinate (from the caller: the kernels on
        quantize's path then make no 2-D float32 array, a specialisation of
        ``np.empty`` less to compile).

    Returns
    -------
    order : int64 (n,)
        The points' indices, cell by cell.
    cells : int32 (n,)
        The key of the cell of each point of ``order``.
    """
    n, n_features = values.shape
    require_equal(features.shape, (n_features, n), "features must be values.T's shape")
    grid = coarse * fine
    # cells in all and in a coarse cell (products, not ``**``: numba's integer power
    # compiled 0.05-0.1 s more)
    n_cells = 1
    sub = 1
    for j in range(n_features):
        n_cells *= grid
        sub *= fine
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
        cell = major * sub + minor
        cell_of[i] = cell
        starts[cell + 1] += 1
    for cell in range(n_cells):
        starts[cell + 1] += starts[cell]
    order = np.empty(n, dtype=np.int64)
    cells = np.empty(n, dtype=np.int32)
    for i in range(n):
        at = starts[cell_of[i]]
        order[at] = i
        cells[at] = cell_of[i]
        for j in range(n_features):
            features[j, at] = values[i, j]
        starts[cell_of[i]] = at + 1
    return order, cells


@inline
def _box(cell, low, width, coarse, fine, sub, level_fine, box_low, box_high):
    """The box of a cell key (``level_fine``) or of its coarse cell (of ``sub``
    cells), widened by _MARGIN cells on each side."""
    n_features = low.shape[0]
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
def grid_pass(features, cells, grid, centers, weights, sum_features, labels, partial_sums,
              partial_weights, partial_dist):
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
    grid : (low, width, coarse, fine) or None
        The grid the candidate lists are made on: its origin and its cells' width per
        coordinate (float64 (n_features,)), and ``coarse`` and ``fine`` (see
        :func:`sort_by_cell`). None: every center is searched for every point, in the
        same order, so with the same labels and sums. The two are compiled apart
        (numba drops the branch of the other at compile time): a first run that
        searches few centers, where the lists do not pay, compiles 0.3 s less.
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
        not in a helper of their own: a compile fewer on a first run). ``sums`` and
        ``totals`` are ``partial_sums[0]`` and ``partial_weights[0]``.
    """
    n_features, n = features.shape
    n_centers = centers.shape[0]
    n_chunks = partial_sums.shape[0]
    sub = 1  # cells in a coarse cell (see sort_by_cell)
    if grid is not None:
        for j in range(n_features):
            sub *= grid[3]
    for chunk in prange(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n)
        sums = partial_sums[chunk]
        totals = partial_weights[chunk]
        sums[:] = 0.0
        totals[:] = 0
        # the candidate lists: every center, a coarse cell's, a cell's (in its coarse
        # cell's), with their lengths
        lists = np.empty(3 * n_centers, dtype=np.int32)
        for c in range(n_centers):
            lists[c] = c
        if grid is not None:
            box_low = np.empty(n_features, dtype=np.float64)
            box_high = np.empty(n_features, dtype=np.float64)
            near = np.empty(n_centers, dtype=np.float64)
            n_listed = np.empty(3, dtype=np.int64)
            n_listed[0] = n_centers
        # (two allocations: as rows of one array, LLVM could not tell them apart, and
        # a K = 256 call on a 768x512 photo took 1.13x as long)
        best = np.empty(stop - start, dtype=np.float32)
        distances = np.empty(stop - start, dtype=np.float32)
        major = -1
        distance = 0.0
        run = start
        while run < stop:
            if grid is None:  # one run: the chunk, every center
                end = stop
                members = lists
                n_members = n_centers
            else:  # a run per cell, its candidates
                cell = cells[run]
                end = run + 1
                while end < stop and cells[end] == cell:
                    end += 1
                level = 1  # (the coarse cell's list first where it changes)
                if cell // sub != major:
                    major = cell // sub
                    level = 0
                low, width, coarse, fine = grid
                while level < 2:  # (one copy of the search for both: a compile's worth)
                    _box(cell, low, width, coarse, fine, sub, level == 1, box_low, box_high)
                    n_listed[level + 1] = _candidates(
                        centers, lists[level * n_centers:], n_listed[level], box_low,
                        box_high, near, lists[(level + 1) * n_centers:])
                    level += 1
                members = lists[2 * n_centers:]
                n_members = n_listed[2]
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
    # (into chunk 0's partials: no arrays of their own, 0.05 s less to compile; a
    # partial sum started at 0.0 is never -0.0, so the values are those of sums
    # started at 0.0)
    total_distance = partial_dist[0]
    for chunk in range(1, n_chunks):
        for c in range(n_centers):
            partial_weights[0, c] += partial_weights[chunk, c]
            for j in range(sum_features.shape[0]):
                partial_sums[0, c, j] += partial_sums[chunk, c, j]
        total_distance += partial_dist[chunk]
    return partial_sums[0], partial_weights[0], total_distance

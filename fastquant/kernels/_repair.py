"""cv2's empty-cluster repair on rows that may stand for several samples."""

import numpy as np

from .._jit import helper, inline
from ._checks import in_range, require_at_least, require_equal, require_one_per_row
from ._common import F32_ONE, row_of, sq_dist, sq_dist8
from ._tunables import FARTHEST_IN_STEP_MIN_FEATURES

_LAST_SAMPLE_RULE = "last_sample must hold sample indices of inverse"


@inline
def _is_moved(sample, moved_samples):
    for m in range(moved_samples.shape[0]):
        if moved_samples[m] == sample:
            return True
    return False


@inline
def _highest_unmoved_sample(row, floor, inverse, last_sample, n_moved, moved_samples):
    """The larger of ``floor`` and the highest sample of ``row`` still in it."""
    if inverse.shape[0] == 0:
        return max(floor, row)
    last = last_sample[row]
    if not in_range(last, inverse.shape[0]):
        raise ValueError(_LAST_SAMPLE_RULE)
    if n_moved == 0:
        return max(floor, last)
    for sample in range(last, floor, -1):
        if inverse[sample] == row and not _is_moved(sample, moved_samples):
            return sample
    return floor


@inline
def _farther(rows, dists, count, farthest, best, inverse, last_sample, moved_count,
             moved_samples):
    """``(farthest, best)`` after rows ``rows[:count]`` (in row order) at float32 squared
    distances ``dists[:count]``: the largest distance and its highest unmoved sample."""
    for h in range(count):
        d = dists[h]
        if d < farthest:
            continue
        if d > farthest:
            farthest = d
            best = -1
        moved = moved_count[rows[h]] if moved_count.shape[0] > 0 else 0
        best = _highest_unmoved_sample(rows[h], best, inverse, last_sample, moved, moved_samples)
    return farthest, best


@inline
def _farthest_row_by_row(X, weights, labels, inverse, last_sample, moved_count, moved_samples,
                         cluster, center):
    """``(largest distance, its highest unmoved sample)`` over the rows of ``cluster``
    still holding a sample, one row at a time (few features: a row's distance is a
    short chain). The step of :func:`_farther` is written out here: called per row as
    an inlined helper returning a tuple, it made the search 16x slower (messi.jpg's
    colours at K = 2: 2.2-2.4 against 0.14 ms)."""
    farthest = -F32_ONE
    best = -1
    for r in range(X.shape[0]):
        moved = moved_count[r] if moved_count.shape[0] > 0 else 0
        if labels[r] != cluster or weights[r] <= moved:
            continue
        d = sq_dist(X, r, center, 0)
        if d < farthest:
            continue
        if d > farthest:
            farthest = d
            best = -1
        best = _highest_unmoved_sample(r, best, inverse, last_sample, moved, moved_samples)
    return farthest, best


@inline
def _farthest_in_step(X, weights, labels, inverse, last_sample, moved_count, moved_samples,
                      cluster, center):
    """:func:`_farthest_row_by_row`'s result, the rows measured eight in step (many
    features: eight independent chains)."""
    farthest = -F32_ONE
    best = -1
    held = np.empty(8, dtype=np.int64)  # the cluster's rows, measured eight in step
    dists = np.empty(8, dtype=np.float32)
    n_held = 0
    for r in range(X.shape[0]):
        moved = moved_count[r] if moved_count.shape[0] > 0 else 0
        if labels[r] != cluster or weights[r] <= moved:
            continue
        held[n_held] = r
        n_held += 1
        if n_held == 8:
            sq_dist8(X, (held[0], held[1], held[2], held[3], held[4], held[5], held[6], held[7]),
                     center, (0, 0, 0, 0, 0, 0, 0, 0), dists)
            farthest, best = _farther(held, dists, 8, farthest, best, inverse, last_sample,
                                      moved_count, moved_samples)
            n_held = 0
    for h in range(n_held):
        dists[h] = sq_dist(X, held[h], center, 0)
    farthest, best = _farther(held, dists, n_held, farthest, best, inverse, last_sample,
                              moved_count, moved_samples)
    return farthest, best


@helper
def farthest_sample(X, weights, labels, inverse, last_sample, moved_count, moved_samples,
                    moved_labels, cluster, center):
    """The sample of ``cluster`` farthest from ``center``, the highest index on ties.

    This is cv2's choice of the sample that moves into an empty cluster, made on rows
    that may stand for several samples. Samples already moved by the repair carry
    their own labels and no longer count in their row.

    Parameters
    ----------
    X : float32 (n_rows, n_features)
        IN: the rows.
    weights : int32 (n_rows,)
        IN: samples per row.
    labels : int32 (n_rows,)
        IN: label of each row.
    inverse : int32 (n_samples,)
        IN: row of each sample, or empty when rows are samples.
    last_sample : int64 (n_rows,)
        IN: highest sample index of each row, or empty when rows are samples.
    moved_count : int32 (n_rows,)
        IN: samples moved out of each row, or empty when none are.
    moved_samples : int64 (n_moved,)
        IN: the moved samples.
    moved_labels : int32 (n_moved,)
        IN: their labels.
    cluster : int
        The cluster searched (not empty).
    center : float32 (1, n_features)
        IN: the reference point.

    Returns
    -------
    int
        The sample index.
    """
    n_rows = X.shape[0]
    require_one_per_row(weights, n_rows, "weights")
    require_one_per_row(labels, n_rows, "labels")
    if inverse.shape[0] > 0:
        require_one_per_row(last_sample, n_rows, "last_sample")
    if moved_count.shape[0] > 0:
        require_one_per_row(moved_count, n_rows, "moved_count")
    require_equal(moved_labels.shape[0], moved_samples.shape[0],
                  "moved_labels must have one entry per moved sample")
    require_at_least(center.shape[0], 1, "center must have one row")
    require_equal(center.shape[1], X.shape[1], "center must have one column per column of X")
    n_samples = inverse.shape[0] if inverse.shape[0] > 0 else n_rows
    for m in range(moved_samples.shape[0]):
        sample = moved_samples[m]
        if not (in_range(sample, n_samples) and in_range(row_of(inverse, sample), n_rows)):
            raise ValueError("moved_samples must be samples of rows of X")
    if X.shape[1] < FARTHEST_IN_STEP_MIN_FEATURES:
        farthest, best = _farthest_row_by_row(X, weights, labels, inverse, last_sample,
                                              moved_count, moved_samples, cluster, center)
    else:
        farthest, best = _farthest_in_step(X, weights, labels, inverse, last_sample,
                                           moved_count, moved_samples, cluster, center)
    for m in range(moved_samples.shape[0]):
        if moved_labels[m] != cluster:
            continue
        d = sq_dist(X, row_of(inverse, moved_samples[m]), center, 0)
        if d > farthest:
            farthest = d
            best = moved_samples[m]
        elif d == farthest:
            best = max(best, moved_samples[m])
    if best < 0:
        raise ValueError("cluster must have a sample (it is empty)")
    return best

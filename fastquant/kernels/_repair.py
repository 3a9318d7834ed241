"""cv2's empty-cluster repair on rows that may stand for several samples."""

from .._jit import helper, inline
from ._common import F32_ONE, row_of, sq_dist


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
    if n_moved == 0:
        return max(floor, last_sample[row])
    for sample in range(last_sample[row], floor, -1):
        if inverse[sample] == row and not _is_moved(sample, moved_samples):
            return sample
    return floor


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
    farthest = -F32_ONE
    best = -1
    for r in range(n_rows):
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
    for m in range(moved_samples.shape[0]):
        if moved_labels[m] != cluster:
            continue
        d = sq_dist(X, row_of(inverse, moved_samples[m]), center, 0)
        if d > farthest:
            farthest = d
            best = moved_samples[m]
        elif d == farthest:
            best = max(best, moved_samples[m])
    return best

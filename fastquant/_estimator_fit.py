"""``KMeans.fit`` on fastquant's engine: the rows of weighted samples, scikit-learn's
stopping rule and a final assignment pass, so that the labels are those of the
centers returned.

Lloyd's passes run as in ``fastquant.kmeans`` (float32 distances in cv2's order,
float64 sums). After the last center update, the centers are the float64 means of
the sums; one more assignment pass to those centers (rounded to float32, as
``predict`` rounds them) gives the labels and the inertia.
"""

from typing import NamedTuple, Optional

import numpy as np

from . import kernels
from .kernels import _distinct_table, _estimator
from ._attempts import best_attempt
from ._distinct import Rows, distinct_rows
from ._estimator_checks import integer_weights
from ._execution import launch
from ._lloyd import RowPasses, fill_empty_clusters
from ._validation import Criteria, Points


class Fitted(NamedTuple):
    """Outcome of the best attempt."""

    compactness: float  # inertia of ``labels`` (the name best_attempt compares)
    row_labels: np.ndarray  # int32 (n_rows,)
    centers: np.ndarray  # float64 (n_clusters, n_features): means of the last update
    n_iter: int  # assignment passes before the final one


class FitPasses(RowPasses):
    """:class:`RowPasses` that count the Lloyd iterations, keep the sums and counts
    of the last center update, and end with an assignment pass to the final centers.

    With float weights, a cluster left empty is repaired with a row of the cluster
    holding the most rows of positive weight (the heaviest cluster may be one row).
    """

    def __init__(self, rows: Rows, workspace, labels: np.ndarray):
        super().__init__(rows, workspace, labels)
        self.n_iter = 0
        self.totals = None
        self.assigned_with = None  # centers the labels are the assignment to

    def assign(self, centers):
        sums, counts = super().assign(centers)
        self.n_iter += 1
        self.assigned_with = centers
        if self.rows.weights.dtype.kind == "f" and not np.all(counts > 0):
            rows_per_cluster = np.bincount(
                self.labels[self.rows.weights > 0], minlength=len(counts)
            )
            fill_empty_clusters(self, sums, counts, rows_per_cluster)
        self.totals = sums, counts
        return sums, counts

    def move_farthest(self, cluster: int, mean, into: int):
        self.assigned_with = None
        return super().move_farthest(cluster, mean, into)

    def finish(self, centers) -> Fitted:
        sums, counts = self.totals
        means = sums / counts[:, np.newaxis]
        final = means.astype(np.float32)
        if self.assigned_with is None or not np.array_equal(self.assigned_with, final):
            super().assign(final, totals=False)
        compactness = super().finish(final).compactness
        return Fitted(compactness, self.labels, means, self.n_iter)


class WeightedRows(NamedTuple):
    rows: Rows  # what the engine iterates over
    sample_rows: Optional[np.ndarray]  # int32 row of each sample of X; None: row i is sample i
    kept: Optional[np.ndarray] = None  # bool: samples that are rows (float weights above 0)


def weighted_rows(points: Points, weights: Optional[np.ndarray]) -> WeightedRows:
    """The rows to cluster for samples ``points`` with ``weights`` (None: all 1).

    Integer weights of a moderate total run as the repeated samples (each row stands
    for ``weight`` samples, k-means++ draws samples): the result is bitwise that of
    repeating the rows, on integer data. Other weights run on the samples of positive
    weight as float64 weights (k-means++ draws its first center in proportion to the
    weights).
    """
    exact = integer_weights(weights) if weights is not None else None
    if weights is not None and exact is None:
        no_inverse = np.empty(0, np.int32)
        kept = weights > 0
        if np.all(kept):
            return WeightedRows(Rows(points.values, weights, no_inverse), None)
        values = np.ascontiguousarray(points.values[kept])
        return WeightedRows(Rows(values, weights[kept], no_inverse), None, kept)
    base = distinct_rows(points)
    sample_rows = base.inverse if len(base.inverse) else None
    if exact is None:
        return WeightedRows(base, sample_rows)
    rows_of = np.arange(len(base.values), dtype=np.int32) if sample_rows is None else sample_rows
    row_weights = np.bincount(rows_of, weights=exact, minlength=len(base.values))
    inverse = np.repeat(rows_of, exact)
    largest = max(float(np.max(np.abs(points.low))), float(np.max(np.abs(points.high))))
    rows = Rows(base.values, row_weights.astype(np.int32), inverse,
                base.exact_sums and len(inverse) * largest < 2.0**53)
    return WeightedRows(rows, sample_rows)


def fit_rows(points: Points, weighted: WeightedRows, n_clusters: int, max_iter: int,
             tol: float, n_init: int, use_kmeanspp: bool, rng_state: np.ndarray,
             start_centers: Optional[np.ndarray]) -> Fitted:
    """The best of ``n_init`` runs of at most ``max_iter`` Lloyd iterations that stop
    when the squared center moves sum to ``tol`` (absolute) or less."""
    criteria = Criteria(max_iter=max_iter + 1, eps_sq=tol)  # cv2 counts the seeding
    best, _ = best_attempt(
        points, n_clusters, criteria, n_init, use_kmeanspp, rng_state,
        rows=weighted.rows, start_centers=start_centers, passes_type=FitPasses,
        total_shift=True,
    )
    return best


def sample_labels(points: Points, fitted: Fitted, weighted: WeightedRows) -> np.ndarray:
    """Labels of the samples of X from those of the rows (a new array; the rows keep
    mapping the samples). Samples left out of the rows (weight 0) get their nearest
    center."""
    if weighted.kept is not None:
        labels = np.empty(len(points.values), dtype=np.int32)
        labels[weighted.kept] = fitted.row_labels
        left_out = np.ascontiguousarray(points.values[~weighted.kept])
        left_labels = np.empty(len(left_out), dtype=np.int32)
        launch(kernels.assign, left_out, fitted.centers.astype(np.float32), left_labels,
               np.empty(len(left_out), dtype=np.float32), work=left_out.size * len(fitted.centers))
        labels[~weighted.kept] = left_labels
        return labels
    if weighted.sample_rows is None:
        return fitted.row_labels
    labels = np.empty(len(weighted.sample_rows), dtype=np.int32)
    launch(_distinct_table.gather_labels, fitted.row_labels, weighted.sample_rows, labels,
           work=len(labels))
    return labels


def mean_variance(X: np.ndarray, weights: np.ndarray) -> float:
    """Mean over the features of their weighted variance (``weights`` sum above 0)."""
    partial = np.empty((kernels.chunk_count(len(X)), 2, X.shape[1]), dtype=np.float64)
    shift = X[0].astype(np.float64)
    launch(_estimator.shifted_moments, X, weights, shift, partial, work=X.size)
    total = float(np.sum(weights, dtype=np.float64))
    first, second = np.add.reduce(partial, axis=0) / total
    return float(np.mean(np.maximum(second - first * first, 0.0)))

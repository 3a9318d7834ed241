"""k-means passes of ``quantize`` over colours: the nearest-center search goes through
a grid of candidate lists (``kernels._grid_search``)."""

from typing import Optional, Tuple

import numpy as np

from .kernels import _grid_search
from .kernels._common import chunk_count
from ._execution import launch
from ._validation import Criteria
from .kernels._image_tunables import GRID_FINE as FINE
from .kernels._image_tunables import GRID_LIST_MIN_CENTERS as LIST_MIN_CENTERS
from .kernels._image_tunables import GRID_MAX_CELLS as MAX_CELLS
from .kernels._image_tunables import GRID_POINTS_PER_CELL as POINTS_PER_CELL
from .kernels._tunables import PARTIALS_BUDGET


def pass_chunks(n: int, k: int, n_sum: int) -> int:
    """``chunk_count(n, k, n_sum)``, through the specialisation of ``chunk_count`` the
    kernels compile (``chunk_count(n)``) where the partial sums fit PARTIALS_BUDGET:
    then the two counts are equal, and a first run compiles one specialisation less."""
    n_chunks = chunk_count(n)
    if n_chunks * k * (n_sum + 1) * 8 > PARTIALS_BUDGET:
        n_chunks = chunk_count(n, k, n_sum)
    return n_chunks


class GridPoints:
    """Points sorted by the cell of a grid over their bounding box, with their weights.

    Parameters
    ----------
    values : float32 (n, n_features)
        The points (where distances are measured).
    weights : int32 (n,)
    sum_values : float32 (n, n_sum_features), optional
        What the cluster sums are made of (default: ``values``).
    """

    def __init__(self, values: np.ndarray, weights: np.ndarray,
                 sum_values: Optional[np.ndarray] = None):
        n, n_features = values.shape
        by_feature = np.ascontiguousarray(values.T)  # fast reductions per coordinate
        self.low = by_feature.min(axis=1).astype(np.float64)
        span = by_feature.max(axis=1).astype(np.float64) - self.low
        cells = max(1.0, min(MAX_CELLS, n / POINTS_PER_CELL))
        grid = max(1, int(cells ** (1.0 / n_features)))
        self.fine = min(FINE, grid)
        self.coarse = max(1, grid // self.fine)
        self.width = np.where(span > 0, span / (self.coarse * self.fine), 1.0)
        self.features = np.empty((n_features, n), dtype=np.float32)
        self.order, self.cells = _grid_search.sort_by_cell(
            values, self.low, 1.0 / self.width, self.coarse, self.fine, self.features)
        self.weights = np.ascontiguousarray(weights[self.order], dtype=np.int32)
        self.sum_features = (self.features if sum_values is None
                             else np.ascontiguousarray(sum_values[self.order].T))
        self.labels = np.empty(n, dtype=np.int32)

    def reweighted(self, weights: np.ndarray, sum_values: np.ndarray) -> "GridPoints":
        """The same points (and grid) with other weights and sum values (given in the
        points' original order)."""
        other = object.__new__(GridPoints)
        other.__dict__.update(self.__dict__)
        other.weights = np.ascontiguousarray(weights[self.order], dtype=np.int32)
        other.sum_features = np.ascontiguousarray(sum_values[self.order].T)
        other.labels = np.empty_like(self.labels)
        return other

    def assign(self, centers: np.ndarray) -> Tuple[np.ndarray, np.ndarray, float]:
        """A pass: the labels (in the points' sorted order, ``self.labels``), and the
        float64 (K, n_sum_features) sums, int64 (K,) weights and weighted squared
        distance of the clusters."""
        n_features, n = self.features.shape
        k, n_sum = len(centers), self.sum_features.shape[0]
        n_chunks = pass_chunks(n, k, n_sum)
        partial_sums = np.empty((n_chunks, k, n_sum), dtype=np.float64)
        partial_weights = np.empty((n_chunks, k), dtype=np.int64)
        partial_dist = np.empty(n_chunks, dtype=np.float64)
        # the candidate lists from LIST_MIN_CENTERS centers (see the tunable)
        grid = ((self.low, self.width, self.coarse, self.fine) if k >= LIST_MIN_CENTERS
                else None)
        sums, totals, distance = launch(
            _grid_search.grid_pass, self.features, self.cells, grid,
            np.ascontiguousarray(centers, dtype=np.float32), self.weights,
            self.sum_features, self.labels, partial_sums, partial_weights, partial_dist,
            work=n * n_features * 16)
        return sums.copy(), totals.copy(), distance  # (not views keeping the partials)

    def labels_in_order(self) -> np.ndarray:
        """The labels of the last pass in the points' original order."""
        labels = np.empty_like(self.labels)
        labels[self.order] = self.labels
        return labels


def grid_lloyd(points: GridPoints, centers: np.ndarray, criteria: Criteria
               ) -> Tuple[np.ndarray, float]:
    """Lloyd passes from ``centers`` until they move less than ``criteria.eps_sq`` or
    after ``criteria.max_iter`` passes; an empty cluster keeps its center. The centers
    (float32) and the compactness of the last pass."""
    centers = np.ascontiguousarray(centers, dtype=np.float32)
    compactness = np.inf
    for _ in range(criteria.max_iter):
        sums, totals, compactness = points.assign(centers)
        filled = totals > 0
        moved = centers.copy()
        moved[filled] = (sums[filled] / totals[filled, None]).astype(np.float32)
        shift = float(np.max(np.sum(np.square(moved - centers, dtype=np.float32), axis=1)))
        centers = moved
        if shift <= criteria.eps_sq:
            break
    return centers, compactness

"""Clustering distinct rows with multiplicities instead of every pixel.

An 8-bit photo has far fewer distinct colours than pixels (messi.jpg: 69,991 for
306,908 pixels). Every pixel of a colour gets the same nearest center, and weighted
sums of integers are exact in float64, so k-means on the distinct rows, weighted by
their counts, gives the same labels and the same means as on the pixels.
"""

from dataclasses import dataclass
from functools import cached_property

from typing import Optional

import numpy as np

from .constants import KMEANSPP_TRIALS
from .kernels import _distinct_table, _seeding
from .kernels._tunables import KEY_GROUPS, MAX_KEY_SPACE, MIN_SAMPLES_PER_ROW
from ._execution import launch, runs_serially
from ._validation import Points

@dataclass(frozen=True)
class Rows:
    """The points k-means iterates over."""

    values: np.ndarray  # float32 (n_rows, n_features)
    weights: np.ndarray  # int32 (n_rows,): how many samples each row stands for
    inverse: np.ndarray  # int32 (n_samples,): row of each sample; empty when rows are samples
    #: Every weighted coordinate sum is an integer below 2**53 in magnitude, so float64
    #: sums are exact in any order (and can be updated by the changes of labels).
    exact_sums: bool = False

    @cached_property
    def last_sample(self) -> np.ndarray:
        """Highest sample index of each row (empty when rows are samples)."""
        if not len(self.inverse):
            return np.empty(0, dtype=np.int64)
        return _distinct_table.last_samples(self.inverse, len(self.values))

    def sample_labels(self, row_labels: np.ndarray, out: Optional[np.ndarray] = None) -> np.ndarray:
        """Labels of the samples given the labels of the rows; the rows keep mapping
        the samples.

        Parameters
        ----------
        row_labels : int32 (n_rows,)
        out : int32 (n_samples,), optional
            Written and returned (a caller's own buffer saves the page faults of a
            fresh array: 90 ms for 11M samples); without it, a new array, or
            ``row_labels`` itself when rows are samples.
        """
        if not len(self.inverse):
            if out is None:
                return row_labels
            out[...] = row_labels
            return out
        labels = np.empty(len(self.inverse), dtype=np.int32) if out is None else out
        launch(_distinct_table.gather_labels, row_labels, self.inverse, labels, work=len(labels))
        return labels

    def kmeanspp(self, n_clusters: int, rng_state: np.ndarray) -> np.ndarray:
        """int64 (n_clusters,): the rows k-means++ picks as centers, drawn as cv2 draws
        them on the samples (``rng_state`` is advanced)."""
        if not len(self.inverse):
            return launch(_seeding.kmeanspp, self.values, self.weights, n_clusters,
                          KMEANSPP_TRIALS, rng_state, work=self.values.size)
        return launch(_seeding.kmeanspp_rows, self.values, self.weights, self.inverse,
                      n_clusters, KMEANSPP_TRIALS, rng_state, work=self.values.size)


def plain_rows(values: np.ndarray) -> Rows:
    """Every sample is its own row, of weight 1."""
    return Rows(values, np.ones(len(values), dtype=np.int32), np.empty(0, dtype=np.int32))


def _key_spans(points: Points):
    """Per-feature value spans when the keys of all rows fit MAX_KEY_SPACE, else None."""
    spans = points.high.astype(np.float64) - points.low + 1
    if np.prod(spans) > MAX_KEY_SPACE:
        return None
    return spans.astype(np.int64)


def _exact_sums(points: Points) -> bool:
    """Whether weighted sums of ``points``' integer values are exact in float64."""
    largest = max(float(np.max(np.abs(points.low))), float(np.max(np.abs(points.high))))
    return len(points.values) * largest < 2.0**53


def distinct_rows(points: Points) -> Rows:
    """The distinct rows of integer-valued data with their counts, when that pays.

    Falls back to :func:`plain_rows` when the data are not integer-valued, span too
    many values, or repeat too little.
    """
    values = points.values
    if points.byte_table is not None:
        rows, counts, inverse = points.byte_table
        if len(rows) * MIN_SAMPLES_PER_ROW > len(values):
            return plain_rows(values)
        return Rows(rows, counts, inverse, _exact_sums(points))
    spans = _key_spans(points)
    if spans is None:
        return plain_rows(values)
    keys = np.empty(len(values), dtype=np.int32)
    if launch(_distinct_table.row_keys, values, points.low, spans, keys, work=values.size):
        return plain_rows(values)
    groups = 1 if runs_serially(len(keys)) else KEY_GROUPS  # (the same table)
    unique, counts = launch(_distinct_table.distinct_keys, keys, int(np.prod(spans)), groups,
                            work=len(keys))
    if len(unique) * MIN_SAMPLES_PER_ROW > len(values):
        return plain_rows(values)
    rows = np.empty((len(unique), len(spans)), dtype=np.float32)
    launch(_distinct_table.key_rows, unique, points.low, spans, rows, work=rows.size)
    return Rows(rows, counts, keys, _exact_sums(points))

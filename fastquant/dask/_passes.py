"""Lloyd passes over the blocks of a dask array, for the loop of ``fastquant._lloyd``.

Every pass maps a function of ``_blocks`` over the blocks on the workers and reduces
the per-block partials with dask's tree reduction; only K x D sums and K counts reach
the client. Labels are never stored: a block's labels are a function of the centers
of the last assignment pass (plus the few samples the empty-cluster repair moved), so
they are recomputed wherever they are needed and returned as a lazy array.
"""

from typing import Dict, NamedTuple

import dask.array as da
import numpy as np

from .._lloyd import moved_arrays
from . import _blocks


def per_block(data: da.Array, func, width: int, *args) -> da.Array:
    """(n_blocks, width) float64: the row ``func(block, *args)`` of each block."""
    return data.map_blocks(
        func, *args, dtype=np.float64, chunks=((1,) * data.numblocks[0], (width,)),
        meta=np.empty((0, 0), dtype=np.float64),
    )


def tree_sum(data: da.Array, func, width: int, *args) -> np.ndarray:
    """(width,) float64: the per-block rows of ``func`` summed by a tree reduction."""
    return per_block(data, func, width, *args).sum(axis=0).compute()


class BlockAttempt(NamedTuple):
    """Outcome of one attempt on a dask array."""

    compactness: float
    centers: np.ndarray  # float32 (K, D): the final centers
    assigned: np.ndarray  # float32 (K, D): the centers the labels come from
    moved_samples: np.ndarray  # int64: samples the last repair moved
    moved_labels: np.ndarray  # int32: their labels

    def labels(self, data: da.Array) -> da.Array:
        """(N, 1) int32, lazy, chunked like ``data``'s rows."""
        return data.map_blocks(
            _blocks.labels, self.assigned, self.moved_samples, self.moved_labels,
            dtype=np.int32, chunks=(data.chunks[0], (1,)), meta=np.empty((0, 0), dtype=np.int32),
        )


class BlockPasses:
    """The passes of ``fastquant._lloyd.lloyd`` over a (N, D) dask array whose rows
    are split into blocks (one block along the features), of per-feature bounds
    ``low`` and ``high``. Attempts always start from centers, so ``label_sums`` is
    not needed."""

    def __init__(self, data: da.Array, low: np.ndarray, high: np.ndarray):
        self.data = data
        self.low = low
        self.high = high
        self.assigned = None
        self.moved: Dict[int, int] = {}  # sample index -> label, since the last pass

    def assign(self, centers: np.ndarray):
        n_clusters, n_features = centers.shape
        total = tree_sum(
            self.data, _blocks.sums_and_counts, n_clusters * (n_features + 1), centers,
            self.low, self.high,
        )
        self.assigned = centers
        self.moved = {}
        sums = total[: n_clusters * n_features].reshape(n_clusters, n_features).copy()
        counts = total[n_clusters * n_features :].astype(np.int64)
        return sums, counts

    def move_farthest(self, cluster: int, mean: np.ndarray, into: int):
        width = 2 + mean.shape[1]
        rows = per_block(
            self.data, _blocks.farthest, width, self.assigned, *moved_arrays(self.moved), cluster, mean
        ).compute()
        farthest = rows[rows[:, 0] == rows[:, 0].max()]
        chosen = farthest[np.argmax(farthest[:, 1])]  # the highest index on ties, as cv2
        self.moved[int(chosen[1])] = into
        return chosen[2:].copy(), 1

    def finish(self, centers: np.ndarray) -> BlockAttempt:
        samples, labels = moved_arrays(self.moved)
        compactness = tree_sum(
            self.data, _blocks.distance_sum, 1, self.assigned, samples, labels, centers,
            self.low, self.high,
        )
        return BlockAttempt(float(compactness[0]), centers, self.assigned, samples, labels)

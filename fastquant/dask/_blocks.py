"""What runs on the workers: one block of rows in, a small array out.

Each function takes one block of a (N, D) dask array (any numeric dtype) and returns
a per-block partial that the client reduces. dask provides the parallelism, one
task per worker thread, so the kernels run on the calling thread alone (they
release the GIL). ``block_info`` (passed by ``map_blocks``) gives the block's first
row, so results can name rows by their index in the whole array.
"""

import functools

import numpy as np

from .. import kernels
from ..kernels import _feature_bounds, _passes, _random, _repair
from .._distinct import plain_rows
from .._execution import launch, one_thread_per_launch
from .._lloyd import RowPasses, Workspace
from ._block_rows import as_points, block_rows

_NO_MOVES = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int32))


def _one_thread(func):
    @functools.wraps(func)
    def on_one_thread(*args, **kwargs):
        with one_thread_per_launch():
            return func(*args, **kwargs)

    return on_one_thread


def first_row(block_info) -> int:
    """Index, in the whole array, of the block's first row."""
    return int(block_info[0]["array-location"][0][0])


def _labels(points, first, centers, moved_samples, moved_labels):
    """Nearest-center labels, with the samples moved by the empty-cluster repair
    carrying their own labels, and the squared distance to the nearest center."""
    n_samples = len(points)
    labels = np.empty(n_samples, dtype=np.int32)
    distances = np.empty(n_samples, dtype=np.float32)
    launch(kernels.assign, points, centers, labels, distances)
    here = (moved_samples >= first) & (moved_samples < first + n_samples)
    labels[moved_samples[here] - first] = moved_labels[here]
    return labels, distances


@_one_thread
def bounds(block, block_info=None) -> np.ndarray:
    """(1, 1 + 2D) float64: the count of non-finite values, then the per-feature
    minimum and maximum of the finite ones."""
    points = as_points(block)
    low = np.empty(points.shape[1], dtype=np.float32)
    high = np.empty(points.shape[1], dtype=np.float32)
    n_bad = launch(_feature_bounds.feature_bounds, points, low, high)
    return np.concatenate(([n_bad], low, high)).reshape(1, -1)


@_one_thread
def sums_and_counts(block, centers, low, high, block_info=None) -> np.ndarray:
    """(1, K*D + K) float64: one Lloyd pass over the block, the coordinate sums of
    each cluster (row-major) followed by the cluster sizes.

    Integer-valued blocks are clustered as their distinct rows weighted by their
    counts (``low`` and ``high``, the data's bounds, size the key table): the same
    sums, exactly, for a fraction of the work on photographs.
    """
    rows = block_rows(block, low, high)
    n_clusters, n_features = centers.shape
    workspace = Workspace(len(rows.values), n_clusters, n_features)
    labels = np.empty(len(rows.values), dtype=np.int32)
    sums, counts = RowPasses(rows, workspace, labels).assign(centers)
    return np.concatenate((sums.ravel(), counts)).reshape(1, -1)


# The block's samples are rows of their own: no inverse, no last samples, no moves
# within rows (the moved samples' labels are already in ``labels``).
_NO_INVERSE = np.empty(0, dtype=np.int32)
_NO_LAST = np.empty(0, dtype=np.int64)
_NO_COUNT = np.empty(0, dtype=np.int32)


@_one_thread
def farthest(block, centers, moved_samples, moved_labels, cluster, mean, block_info=None):
    """(1, 2 + D) float64: the squared distance to ``mean`` of the block's farthest
    sample of ``cluster`` (cv2's rule, the kernel of the in-memory repair: highest
    index on ties), its index, then its coordinates; a distance of -1 when the block
    has no sample of ``cluster``."""
    points = as_points(block)
    first = first_row(block_info)
    labels, _ = _labels(points, first, centers, moved_samples, moved_labels)
    result = np.full((1, 2 + points.shape[1]), -1.0)
    if not np.any(labels == cluster):  # (the kernel refuses a cluster without samples)
        return result
    pick = _repair.farthest_sample(
        points, np.ones(len(points), dtype=np.int32), labels, _NO_INVERSE, _NO_LAST, _NO_COUNT,
        *_NO_MOVES, cluster, mean,
    )
    if pick >= 0:
        distance = np.empty(1, dtype=np.float32)
        # the kernel every pass uses (no other specialisation to compile on a worker)
        launch(kernels.assign, points[pick : pick + 1], mean, np.empty(1, dtype=np.int32),
               distance)
        result[0, 0] = distance[0]
        result[0, 1] = first + pick
        result[0, 2:] = points[pick]
    return result


@_one_thread
def labels(block, centers, moved_samples, moved_labels, block_info=None) -> np.ndarray:
    """(n, 1) int32: the label of every sample of the block."""
    points = as_points(block)
    found, _ = _labels(points, first_row(block_info), centers, moved_samples, moved_labels)
    return found.reshape(-1, 1)


@_one_thread
def distance_sum(block, assigned, moved_samples, moved_labels, centers, low, high,
                 block_info=None):
    """(1, 1) float64: the block's share of the compactness, each sample labelled by
    ``assigned`` (and the moves) and measured to ``centers``."""
    first = first_row(block_info)
    if np.any((moved_samples >= first) & (moved_samples < first + len(block))):
        points = as_points(block)
        rows = plain_rows(points)
        labels, _ = _labels(points, first, assigned, moved_samples, moved_labels)
    else:  # each distinct row once, weighted
        rows = block_rows(block, low, high)
        labels, _ = _labels(rows.values, 0, assigned, *_NO_MOVES)
    partial = np.empty(kernels.chunk_count(len(rows.values)), dtype=np.float64)
    total = launch(_passes.label_distance_sum, rows.values, rows.weights, centers, labels, partial)
    return np.array([[total]])


@_one_thread
def potential(block, candidates, low, high, block_info=None) -> np.ndarray:
    """(1, 1) float64: the sum over the block of the squared distance to the nearest
    candidate."""
    rows = block_rows(block, low, high)
    _, distances = _labels(rows.values, 0, candidates, *_NO_MOVES)
    return np.array([[np.dot(rows.weights.astype(np.float64), distances.astype(np.float64))]])


@_one_thread
def oversample(block, candidates, seed, scale, block_info=None) -> np.ndarray:
    """(m, D) float32: the samples k-means|| adds, each sample ``i`` independently with
    probability ``min(1, scale * d_i)`` (``d_i`` its squared distance to the nearest
    candidate), decided by a draw that depends only on ``seed`` and ``i``."""
    points = as_points(block)
    _, distances = _labels(points, 0, candidates, *_NO_MOVES)
    draws = np.empty(len(points), dtype=np.float64)
    _random.counter_uniforms(np.uint64(seed), first_row(block_info), draws)
    return points[draws < scale * distances.astype(np.float64)]


@_one_thread
def nearest_counts(block, candidates, low, high, block_info=None) -> np.ndarray:
    """(1, C) float64: how many samples of the block each candidate is nearest to."""
    rows = block_rows(block, low, high)
    found, _ = _labels(rows.values, 0, candidates, *_NO_MOVES)
    counts = np.bincount(found, weights=rows.weights, minlength=len(candidates))
    return counts.reshape(1, -1)

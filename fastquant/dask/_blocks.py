"""What runs on the workers: one block of rows in, a small array out.

Each function takes one block of a (N, D) dask array (any numeric dtype) and returns
a per-block partial that the client reduces. The kernels run as their serial twins:
dask provides the parallelism, one task per worker thread, and the kernels release
the GIL. ``block_info`` (passed by ``map_blocks``) gives the block's first row, so
results can name rows by their index in the whole array.
"""

import numpy as np

from .. import kernels
from .._jit import serial_twin

_assign = serial_twin(kernels.assign)
_assign_and_accumulate = serial_twin(kernels.assign_and_accumulate)
_label_distance_sum = serial_twin(kernels.label_distance_sum)
_feature_bounds = serial_twin(kernels.feature_bounds)
_NO_MOVES = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int32))


def as_points(block) -> np.ndarray:
    """The block as C-contiguous, writeable float32 (the type the kernels compile for)."""
    points = np.asarray(block, dtype=np.float32, order="C")
    return points if points.flags.writeable else points.copy()


def first_row(block_info) -> int:
    """Index, in the whole array, of the block's first row."""
    return int(block_info[0]["array-location"][0][0])


def _labels(points, first, centers, moved_samples, moved_labels):
    """Nearest-center labels, with the samples moved by the empty-cluster repair
    carrying their own labels, and the squared distance to the nearest center."""
    n_samples = len(points)
    labels = np.empty(n_samples, dtype=np.int32)
    distances = np.empty(n_samples, dtype=np.float32)
    _assign(points, centers, labels, distances)
    here = (moved_samples >= first) & (moved_samples < first + n_samples)
    labels[moved_samples[here] - first] = moved_labels[here]
    return labels, distances


def bounds(block, block_info=None) -> np.ndarray:
    """(1, 1 + 2D) float64: the count of non-finite values, then the per-feature
    minimum and maximum of the finite ones."""
    points = as_points(block)
    low = np.empty(points.shape[1], dtype=np.float32)
    high = np.empty(points.shape[1], dtype=np.float32)
    n_bad = _feature_bounds(points, low, high)
    return np.concatenate(([n_bad], low, high)).reshape(1, -1)


def sums_and_counts(block, centers, block_info=None) -> np.ndarray:
    """(1, K*D + K) float64: one Lloyd pass over the block, the coordinate sums of
    each cluster (row-major) followed by the cluster sizes."""
    points = as_points(block)
    n_chunks = kernels.chunk_count(len(points))
    n_clusters, n_features = centers.shape
    partial_sums = np.empty((n_chunks, n_clusters, n_features), dtype=np.float64)
    partial_counts = np.empty((n_chunks, n_clusters), dtype=np.int64)
    sums = np.empty((n_clusters, n_features), dtype=np.float64)
    counts = np.empty(n_clusters, dtype=np.int64)
    _assign_and_accumulate(
        points, np.ones(len(points), dtype=np.int32), centers,
        np.empty(len(points), dtype=np.int32), partial_sums, partial_counts,
    )
    kernels.reduce_partials(partial_sums, partial_counts, sums, counts)
    return np.concatenate((sums.ravel(), counts)).reshape(1, -1)


def farthest(block, centers, moved_samples, moved_labels, cluster, mean, block_info=None):
    """(1, 2 + D) float64: the squared distance to ``mean`` of the block's farthest
    sample of ``cluster`` (highest index on ties), its index, then its coordinates;
    a distance of -1 when the block has no sample of ``cluster``."""
    points = as_points(block)
    first = first_row(block_info)
    labels, _ = _labels(points, first, centers, moved_samples, moved_labels)
    members = np.flatnonzero(labels == cluster)
    result = np.full((1, 2 + points.shape[1]), -1.0)
    if len(members):
        distances = np.empty(len(members), dtype=np.float32)
        _assign(points[members], mean, np.empty(len(members), dtype=np.int32), distances)
        pick = len(members) - 1 - int(np.argmax(distances[::-1]))  # the last of the largest
        result[0, 0] = distances[pick]
        result[0, 1] = first + members[pick]
        result[0, 2:] = points[members[pick]]
    return result


def labels(block, centers, moved_samples, moved_labels, block_info=None) -> np.ndarray:
    """(n, 1) int32: the label of every sample of the block."""
    points = as_points(block)
    found, _ = _labels(points, first_row(block_info), centers, moved_samples, moved_labels)
    return found.reshape(-1, 1)


def distance_sum(block, assigned, moved_samples, moved_labels, centers, block_info=None):
    """(1, 1) float64: the block's share of the compactness, each sample labelled by
    ``assigned`` (and the moves) and measured to ``centers``."""
    points = as_points(block)
    found, _ = _labels(points, first_row(block_info), assigned, moved_samples, moved_labels)
    partial = np.empty(kernels.chunk_count(len(points)), dtype=np.float64)
    total = _label_distance_sum(points, np.ones(len(points), dtype=np.int32), centers, found, partial)
    return np.array([[total]])


def potential(block, candidates, block_info=None) -> np.ndarray:
    """(1, 1) float64: the sum over the block of the squared distance to the nearest
    candidate."""
    _, distances = _labels(as_points(block), 0, candidates, *_NO_MOVES)
    return np.array([[np.sum(distances, dtype=np.float64)]])


def oversample(block, candidates, seed, scale, block_info=None) -> np.ndarray:
    """(m, D) float32: the samples k-means|| adds, each sample ``i`` independently with
    probability ``min(1, scale * d_i)`` (``d_i`` its squared distance to the nearest
    candidate), decided by a draw that depends only on ``seed`` and ``i``."""
    points = as_points(block)
    _, distances = _labels(points, 0, candidates, *_NO_MOVES)
    draws = np.empty(len(points), dtype=np.float64)
    kernels.counter_uniforms(np.uint64(seed), first_row(block_info), draws)
    return points[draws < scale * distances.astype(np.float64)]


def nearest_counts(block, candidates, block_info=None) -> np.ndarray:
    """(1, C) float64: how many samples of the block each candidate is nearest to."""
    found, _ = _labels(as_points(block), 0, candidates, *_NO_MOVES)
    return np.bincount(found, minlength=len(candidates)).astype(np.float64).reshape(1, -1)

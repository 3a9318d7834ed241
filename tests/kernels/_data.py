"""Data and small helpers shared by the kernel tests."""

import numpy as np

from fastquant import kernels
from fastquant.kernels import _distinct_table


def blobs(n, d, k, seed, integer=False):
    rng = np.random.default_rng(seed)
    centers = rng.uniform(0, 255, size=(k, d))
    points = centers[rng.integers(0, k, n)] + rng.normal(0, 12, size=(n, d))
    if integer:
        points = np.clip(np.rint(points), 0, 255)
    return np.ascontiguousarray(points, dtype=np.float32)


NO_INVERSE = np.empty(0, dtype=np.int32)


def ones(points):
    return np.ones(len(points), dtype=np.int32)


def partials(n, k, d):
    c = kernels.chunk_count(n)
    return np.empty((c, k, d)), np.empty((c, k), dtype=np.int64)


def reduced(partial_sums, partial_counts):
    k, d = partial_sums.shape[1:]
    sums, counts = np.empty((k, d)), np.empty(k, dtype=np.int64)
    kernels.reduce_partials(partial_sums, partial_counts, sums, counts)
    return sums, counts


def distinct(points):
    low = points.min(axis=0)
    spans = (points.max(axis=0) - low + 1).astype(np.int64)
    keys = np.empty(len(points), dtype=np.int32)
    assert _distinct_table.row_keys(points, low, spans, keys) == 0
    expected = np.unique(keys, return_inverse=True, return_counts=True)
    unique, counts = _distinct_table.distinct_keys(keys, int(np.prod(spans)))
    return unique, counts, keys, expected

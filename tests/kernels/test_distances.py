"""fastquant.kernels._distances: the nearest-center search."""

import numpy as np
import pytest

from fastquant import kernels

from .. import naive
from ._data import blobs


@pytest.mark.parametrize("d", [1, 3, 4, 16])
def test_assign_matches_reference(d):
    points = blobs(20_000, d, 7, seed=d)
    centers = points[::2857].copy()
    labels = np.empty(len(points), dtype=np.int32)
    distances = np.empty(len(points), dtype=np.float32)
    kernels.assign(points, centers, labels, distances)
    expected = naive.sq_distances(points, centers)
    np.testing.assert_array_equal(labels, np.argmin(expected, axis=1))
    np.testing.assert_array_equal(distances, expected.min(axis=1))


def test_assign_breaks_ties_towards_lowest_index():
    points = np.array([[0, 0], [2, 0], [1, 0], [5, 5]], dtype=np.float32)
    centers = np.array([[5, 5], [0, 0], [2, 0], [0, 0]], dtype=np.float32)
    labels = np.empty(4, dtype=np.int32)
    distances = np.empty(4, dtype=np.float32)
    kernels.assign(points, centers, labels, distances)
    # point [1, 0] is at distance 1 from centers 1, 2 and 3.
    np.testing.assert_array_equal(labels, [1, 2, 1, 0])
    np.testing.assert_array_equal(distances, [0, 0, 1, 0])

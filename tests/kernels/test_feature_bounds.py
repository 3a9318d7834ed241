"""fastquant.kernels._feature_bounds: the validation pass."""

import numpy as np

from fastquant.kernels import _feature_bounds

from ._data import blobs


def test_feature_bounds_counts_non_finite_and_bounds_the_rest():
    points = blobs(5000, 4, 3, seed=11)
    low, high = np.empty(4, np.float32), np.empty(4, np.float32)
    assert _feature_bounds.feature_bounds(points, low, high) == 0
    np.testing.assert_array_equal(low, points.min(axis=0))
    np.testing.assert_array_equal(high, points.max(axis=0))
    points[10, 1] = np.nan
    points[4000, 2] = np.inf
    points[4001, 2] = -np.inf
    assert _feature_bounds.feature_bounds(points, low, high) == 3
    finite = np.where(np.isfinite(points), points, np.nan)
    np.testing.assert_array_equal(low, np.nanmin(finite, axis=0))
    np.testing.assert_array_equal(high, np.nanmax(finite, axis=0))

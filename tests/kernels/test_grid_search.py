"""fastquant.kernels._grid_search (through fastquant._grid_lloyd): the nearest centers
through candidate lists are those of the brute-force search, and the sums theirs."""

import numpy as np
import pytest

from fastquant import _grid_lloyd
from fastquant._grid_lloyd import GridPoints, grid_lloyd
from fastquant._validation import Criteria

from .. import naive


def _points(n, n_features, rng):
    """Integer colours, half of them on a coarse lattice (many equal distances)."""
    values = rng.integers(0, 256, size=(n, n_features)).astype(np.float32)
    values[: n // 2] = values[: n // 2] // 16 * 16
    return values


def _centers(k, n_features, rng):
    centers = rng.integers(0, 256, size=(k, n_features)).astype(np.float32)
    centers[1::3] = centers[::3][: len(centers[1::3])]  # equal centers: ties
    centers[2::3] += 0.5
    return centers


@pytest.mark.parametrize("n, k, n_features", [(20000, 256, 3), (5000, 7, 3), (3000, 16, 1),
                                              (4000, 40, 4), (50, 300, 3), (6000, 64, 2)])
def test_labels_and_sums_are_those_of_the_brute_force_search(n, k, n_features):
    rng = np.random.default_rng(n + k)
    values = _points(n, n_features, rng)
    weights = rng.integers(1, 9, size=n).astype(np.int32)
    sum_values = rng.random((n, 2)).astype(np.float32)
    centers = _centers(k, n_features, rng)
    points = GridPoints(values, np.ones(n, np.int32)).reweighted(weights, sum_values)
    sums, totals, distance = points.assign(centers)
    distances = naive.sq_distances(values, centers)
    expected = np.argmin(distances, axis=1)  # lowest index among equals
    np.testing.assert_array_equal(points.labels_in_order(), expected)
    np.testing.assert_array_equal(totals, np.bincount(expected, weights, minlength=k))
    for j in range(2):
        np.testing.assert_allclose(
            sums[:, j], np.bincount(expected, weights * sum_values[:, j].astype(np.float64),
                                    minlength=k), rtol=1e-12)
    nearest = distances[np.arange(n), expected].astype(np.float64)
    np.testing.assert_allclose(distance, np.dot(weights, nearest), rtol=1e-12)


def test_labels_do_not_depend_on_the_grid(monkeypatch):
    rng = np.random.default_rng(1)
    values = _points(8000, 3, rng)
    centers = _centers(100, 3, rng)
    found = []
    for cells, fine in [(1, 1), (64, 2), (1 << 15, 4), (1 << 15, 8)]:
        monkeypatch.setattr(_grid_lloyd, "MAX_CELLS", cells)
        monkeypatch.setattr(_grid_lloyd, "FINE", fine)
        points = GridPoints(values, np.ones(len(values), np.int32))
        points.assign(centers)
        found.append(points.labels_in_order())
    for labels in found[1:]:
        np.testing.assert_array_equal(labels, found[0])


def test_lloyd_passes_match_the_reference():
    rng = np.random.default_rng(2)
    values = _points(3000, 3, rng)
    start = values[rng.choice(len(values), 12, replace=False)]
    centers, _ = grid_lloyd(GridPoints(values, np.ones(len(values), np.int32)), start,
                            Criteria(max_iter=5, eps_sq=0.0))
    expected = start.astype(np.float64)
    for _ in range(5):
        labels = np.argmin(naive.sq_distances(values, expected.astype(np.float32)), axis=1)
        for c in range(len(expected)):
            if np.any(labels == c):
                expected[c] = values[labels == c].astype(np.float64).mean(axis=0)
    np.testing.assert_allclose(centers, expected, rtol=1e-6)


def test_sums_are_the_same_on_one_thread():
    from fastquant._execution import one_thread_per_launch

    rng = np.random.default_rng(4)
    values = _points(60000, 3, rng)
    weights = rng.integers(1, 9, size=len(values)).astype(np.int32)
    centers = _centers(64, 3, rng)
    points = GridPoints(values, weights)
    parallel = points.assign(centers)
    with one_thread_per_launch():
        serial = points.assign(centers)
    np.testing.assert_array_equal(parallel[0], serial[0])
    np.testing.assert_array_equal(parallel[1], serial[1])
    assert parallel[2] == serial[2]


@pytest.mark.parametrize("n_features, coarse, fine", [(3, 4, 4), (1, 7, 3), (4, 2, 2), (2, 1, 1)])
def test_sort_by_cell_is_a_stable_sort_by_cell_key(n_features, coarse, fine):
    from fastquant.kernels._grid_search import sort_by_cell

    rng = np.random.default_rng(n_features * 10 + coarse)
    values = _points(5000, n_features, rng)
    low = values.min(axis=0).astype(np.float64)
    inverse_width = coarse * fine / (values.max(axis=0).astype(np.float64) - low + 1.0)
    features = np.empty((n_features, len(values)), np.float32)
    order, cells = sort_by_cell(values, low, inverse_width, coarse, fine, features)
    grid = coarse * fine
    digits = np.clip(((values.astype(np.float64) - low) * inverse_width).astype(np.int64),
                     0, grid - 1)
    major = np.zeros(len(values), np.int64)
    minor = np.zeros(len(values), np.int64)
    for j in range(n_features):  # the coarse cell first, then the cell within it
        major = major * coarse + digits[:, j] // fine
        minor = minor * fine + digits[:, j] % fine
    keys = major * fine**n_features + minor
    expected = np.argsort(keys, kind="stable")
    np.testing.assert_array_equal(order, expected)
    np.testing.assert_array_equal(cells, keys[expected])
    np.testing.assert_array_equal(features, values[expected].T)


def test_sort_by_cell_refuses_features_of_the_wrong_shape():
    from fastquant.kernels._checks import KernelArgumentError
    from fastquant.kernels._grid_search import sort_by_cell

    values = np.zeros((10, 3), np.float32)
    with pytest.raises(KernelArgumentError, match="features must be values.T's shape"):
        sort_by_cell(values, np.zeros(3), np.ones(3), 2, 2, np.empty((10, 3), np.float32))


@pytest.mark.parametrize("k", [1, 3, 8, 40])
def test_every_center_searched_gives_the_lists_labels_and_sums(monkeypatch, k):
    # a pass without the grid (few centers) and with it: the same points in the same
    # order, so the same labels and, bit for bit, the same sums
    rng = np.random.default_rng(k)
    values = _points(30000, 3, rng)
    weights = rng.integers(1, 9, size=len(values)).astype(np.int32)
    centers = _centers(k, 3, rng)
    points = GridPoints(values, weights)
    found = []
    for smallest in (10**6, 1):  # every center; the lists
        monkeypatch.setattr(_grid_lloyd, "LIST_MIN_CENTERS", smallest)
        sums, totals, distance = points.assign(centers)
        found.append((points.labels_in_order(), sums, totals, distance))
    np.testing.assert_array_equal(found[0][0], found[1][0])
    np.testing.assert_array_equal(found[0][1], found[1][1])
    np.testing.assert_array_equal(found[0][2], found[1][2])
    assert found[0][3] == found[1][3]

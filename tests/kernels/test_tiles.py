"""fastquant.kernels._tiles: the norm-expansion search gives the plain pass's labels
and bitwise sums, near ties included."""

import numpy as np
import pytest

from fastquant import kernels
from fastquant._jit import serial_twin
from fastquant.kernels import _passes, _tiles

from ._data import blobs, ones, partials


def _tiled(points, centers, weights, labels, changes_only=False, serial=False):
    partial_sums, partial_counts = partials(len(points), *centers.shape)
    settled = np.empty(len(partial_sums), dtype=np.int64)
    kernel = serial_twin(_tiles.assign_tiled) if serial else _tiles.assign_tiled
    kernel(points, weights, centers, changes_only, labels, partial_sums, partial_counts, settled)
    return partial_sums, partial_counts, int(settled.sum())


def _plain(points, centers, weights, labels, changes_only=False):
    partial_sums, partial_counts = partials(len(points), *centers.shape)
    kernel = _passes.assign_and_update if changes_only else kernels.assign_and_accumulate
    kernel(points, weights, centers, labels, partial_sums, partial_counts)
    return partial_sums, partial_counts


def assert_same_pass(points, centers, weights=None, previous=None, serial=False):
    """The tiled pass and the plain one agree bit for bit; the rows settled in cv2's
    order."""
    weights = ones(points) if weights is None else weights
    changes_only = previous is not None
    plain_labels = np.zeros(len(points), np.int32) if previous is None else previous.copy()
    tiled_labels = plain_labels.copy()
    plain_sums, plain_counts = _plain(points, centers, weights, plain_labels, changes_only)
    sums, counts, settled = _tiled(points, centers, weights, tiled_labels, changes_only, serial)
    np.testing.assert_array_equal(tiled_labels, plain_labels)
    assert sums.tobytes() == plain_sums.tobytes()
    np.testing.assert_array_equal(counts, plain_counts)
    return settled


@pytest.mark.parametrize("d", [3, 8, 16, 128, 129])
@pytest.mark.parametrize("k", [1, 2, 255, 256, 257])
def test_random_data_gives_the_plain_labels_and_sums(d, k):
    points = blobs(600, d, 12, seed=d * 1000 + k)
    centers = points[np.random.default_rng(k).choice(len(points), k, replace=k > 600)].copy()
    centers += np.float32(0.5)  # not on the points
    assert_same_pass(points, centers)


def test_changes_only_and_weights_and_serial_twin():
    points = blobs(3000, 16, 20, seed=3)
    rng = np.random.default_rng(4)
    centers = points[rng.choice(len(points), 40, replace=False)].copy()
    weights = rng.integers(1, 9, len(points)).astype(np.int32)
    previous = rng.integers(0, 40, len(points)).astype(np.int32)
    assert_same_pass(points, centers, weights, previous)
    assert_same_pass(points, centers, weights, serial=True)


def _near_ties(d, offset, scale, seed, n=2000):
    """Points halfway between two centers, then moved by an ulp or two in a few
    coordinates: their float32 distances to both centers differ by a few ulps or
    not at all, and the expansion's rounding is larger than that."""
    rng = np.random.default_rng(seed)
    pairs = 8
    centers = (offset + scale * rng.standard_normal((2 * pairs, d))).astype(np.float32)
    first = rng.integers(0, pairs, n) * 2
    mid = (centers[first].astype(np.float64) + centers[first + 1]) / 2
    points = mid.astype(np.float32)
    for _ in range(3):
        where = rng.integers(0, d, n)
        step = rng.choice([-np.inf, np.inf], n).astype(np.float32)
        points[np.arange(n), where] = np.nextafter(points[np.arange(n), where], step)
    return np.ascontiguousarray(points), centers


@pytest.mark.parametrize("d", [8, 16, 128, 129])
@pytest.mark.parametrize("offset, scale", [(0.0, 1.0), (1000.0, 1.0), (0.0, 1e15), (0.0, 1e-21)])
def test_near_ties_are_settled_in_cv2_order(d, offset, scale):
    points, centers = _near_ties(d, offset, scale, seed=d)
    settled = assert_same_pass(points, centers)
    assert settled > len(points) // 2  # most rows are too close to call


def test_duplicated_centers_take_the_lowest_index():
    points = blobs(1000, 16, 5, seed=8)
    centers = np.repeat(points[:5], 3, axis=0)[[2, 0, 1, 5, 3, 4, 14, 13, 12, 6, 7, 8, 9, 10, 11]]
    settled = assert_same_pass(points, np.ascontiguousarray(centers))
    assert settled == len(points)  # every row has two centers at distance 0 apart


def test_far_apart_rows_need_no_settling():
    points = blobs(2000, 16, 4, seed=9)
    centers = np.ascontiguousarray(points[:4] + np.float32(0.25))
    assert assert_same_pass(points, centers) < len(points) // 20


def test_huge_values_fall_back_to_cv2_order():
    rng = np.random.default_rng(10)
    points = (rng.standard_normal((500, 8)) * 1e19).astype(np.float32)  # squares overflow
    centers = np.ascontiguousarray(points[:7] * np.float32(0.5))
    assert assert_same_pass(points, centers) == len(points)


@pytest.mark.parametrize("d", [1, 8, 100])
def test_margin_bounds_the_rounding(d):
    """The margin covers the rounding actually seen on adversarial data: twice the
    largest gap between cv2's float32 sum and the expansion, relative to B."""
    relative, absolute = _tiles.margin_terms(d)
    rng = np.random.default_rng(d)
    x = (1000 + rng.standard_normal((200, d))).astype(np.float32)
    c = (1000 + rng.standard_normal((50, d))).astype(np.float32)
    cv2_order = np.zeros((200, 50), np.float32)
    for j in range(d):
        t = x[:, None, j] - c[None, :, j]
        cv2_order += t * t
    expansion = (c.astype(np.float32) ** 2).sum(1) - np.float32(2) * (x @ c.T)
    xn = (x.astype(np.float64) ** 2).sum(1)
    error = np.abs(cv2_order - (expansion.astype(np.float64) + xn[:, None]))
    bound = (np.sqrt(xn)[:, None] + np.sqrt((c.astype(np.float64) ** 2).sum(1)).max()) ** 2
    assert np.all(2 * error <= relative * bound + absolute)

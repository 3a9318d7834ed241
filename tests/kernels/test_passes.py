"""fastquant.kernels._passes: Lloyd passes and their sums."""

import numpy as np
import pytest

from fastquant import kernels
from fastquant.kernels import _passes

from .. import naive
from ._data import blobs, ones, partials, reduced


def test_assign_and_accumulate_gives_exact_sums_on_integer_data():
    points = blobs(50_000, 3, 9, seed=3, integer=True)
    centers = points[:9].copy()
    labels = np.empty(len(points), dtype=np.int32)
    partial_sums, partial_counts = partials(len(points), 9, 3)
    kernels.assign_and_accumulate(points, ones(points), centers, labels, partial_sums, partial_counts)
    sums, counts = reduced(partial_sums, partial_counts)

    assert labels.tolist() == np.argmin(naive.sq_distances(points, centers), axis=1).tolist()
    expected = np.zeros((9, 3))
    np.add.at(expected, labels, points)
    np.testing.assert_array_equal(sums, expected)  # integers below 2**53: exact
    np.testing.assert_array_equal(counts, np.bincount(labels, minlength=9))


def test_assign_and_update_gives_the_change_of_exact_sums():
    rng = np.random.default_rng(5)
    points = blobs(40_000, 3, 9, seed=5, integer=True)
    weights = rng.integers(1, 1000, len(points)).astype(np.int32)
    labels = np.empty(len(points), dtype=np.int32)
    partial_sums, partial_counts = partials(len(points), 9, 3)
    kernels.assign_and_accumulate(points, weights, points[:9].copy(), labels, partial_sums, partial_counts)
    sums, counts = reduced(partial_sums, partial_counts)

    moved_centers = points[:9] + np.float32(7.0)
    _passes.assign_and_update(points, weights, moved_centers, labels, partial_sums, partial_counts)
    delta_sums, delta_counts = reduced(partial_sums, partial_counts)
    expected_labels = np.argmin(naive.sq_distances(points, moved_centers), axis=1)
    np.testing.assert_array_equal(labels, expected_labels)
    expected = np.zeros((9, 3))
    np.add.at(expected, labels, points * weights[:, None].astype(np.float64))
    np.testing.assert_array_equal(sums + delta_sums, expected)  # integers below 2**53: exact
    np.testing.assert_array_equal(counts + delta_counts, np.bincount(labels, weights, 9))
    assert 0 < (delta_counts != 0).sum()

    _passes.assign_and_update(points, weights, moved_centers, labels, partial_sums, partial_counts)
    np.testing.assert_array_equal(labels, expected_labels)  # no label changes: no change
    assert not partial_sums.any() and not partial_counts.any()


def test_cluster_means_scale_as_cv2_and_measure_the_largest_move():
    rng = np.random.default_rng(9)
    sums = rng.uniform(-1e6, 1e6, size=(7, 5))
    counts = rng.integers(1, 10**6, 7)
    previous = rng.uniform(-5, 5, size=(7, 5)).astype(np.float32)
    centers = np.empty((7, 5), dtype=np.float32)
    shift = _passes.cluster_means(sums, counts, previous, centers)
    expected = sums.astype(np.float32) * (np.float32(1) / counts.astype(np.float32))[:, None]
    np.testing.assert_array_equal(centers, expected)
    steps = (expected - previous).astype(np.float64)
    moves = [sum(steps[k, j] * steps[k, j] for j in range(5)) for k in range(7)]  # in order
    assert shift == max(moves)
    assert _passes.cluster_means(sums, counts, previous[:0], centers) == np.inf


def test_accumulate_uses_given_labels():
    points = blobs(3000, 4, 5, seed=4)
    labels = (np.arange(3000) % 5).astype(np.int32)
    partial_sums, partial_counts = partials(3000, 5, 4)
    kernels.accumulate(points, ones(points), labels, partial_sums, partial_counts)
    sums, counts = reduced(partial_sums, partial_counts)
    expected = np.zeros((5, 4))
    np.add.at(expected, labels, points.astype(np.float64))
    np.testing.assert_allclose(sums, expected, rtol=1e-13)
    np.testing.assert_array_equal(counts, [600] * 5)


def test_label_distance_sum_uses_labels_not_nearest_center():
    points = blobs(4000, 3, 4, seed=5)
    centers = points[:4].copy()
    labels = (np.arange(4000) % 4).astype(np.int32)
    workspace = np.empty(kernels.chunk_count(4000))
    total = _passes.label_distance_sum(points, ones(points), centers, labels, workspace)
    expected = naive.sq_distances(points, centers)[np.arange(4000), labels]
    assert total == pytest.approx(float(np.sum(expected, dtype=np.float64)), rel=1e-12)


@pytest.mark.parametrize("n", [7, 8, 1001])
def test_label_distance_sum_is_the_weighted_sum_of_cv2_distances_in_chunk_and_row_order(n):
    # (rows are measured eight at a time: the sums must still be cv2's, bit for bit)
    rng = np.random.default_rng(n)
    points = (rng.standard_normal((n, 128)) * rng.uniform(0.01, 100, (n, 1))).astype(np.float32)
    centers = points[rng.choice(n, 5)] + np.float32(0.5)
    labels = rng.integers(0, 5, n).astype(np.int32)
    weights = rng.integers(1, 4, n).astype(np.int32)
    workspace = np.empty(kernels.chunk_count(n))
    total = _passes.label_distance_sum(points, weights, centers, labels, workspace)
    each = naive.sq_distances(points, centers)[np.arange(n), labels]
    expected = 0.0
    for chunk in range(len(workspace)):
        size = -(-n // len(workspace))
        part = 0.0
        for i in range(chunk * size, min(n, (chunk + 1) * size)):
            part += int(weights[i]) * float(each[i])
        expected += part
    assert total == expected


def test_label_distance_sum_rejects_a_bad_label_among_eight_rows():
    points = blobs(16, 4, 2, seed=1)
    labels = np.zeros(16, dtype=np.int32)
    labels[11] = 2
    with pytest.raises(ValueError):
        _passes.label_distance_sum(points, ones(points), points[:2].copy(), labels,
                                   np.empty(kernels.chunk_count(16)))

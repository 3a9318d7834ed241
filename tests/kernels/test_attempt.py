"""fastquant.kernels._attempt: Lloyd passes run in one call, against the same passes
driven from Python one kernel at a time."""

import numpy as np
import pytest

from fastquant import kernels
from fastquant._jit import serial_twin
from fastquant.kernels import _attempt, _passes
from fastquant.kernels._checks import KernelArgumentError

from ._data import blobs, ones, reduced


def _workspace(n, k, d, count_dtype=np.int64):
    chunks = kernels.chunk_count(n, k, d)
    return (np.empty((chunks, k, d)), np.empty((chunks, k), dtype=count_dtype),
            np.empty((k, d)), np.empty(k, dtype=count_dtype))


def _driven(points, weights, centers, labels, exact, max_iter, eps_sq):
    """The passes as _lloyd drove them before the fused kernel: one launch per pass."""
    n, d = points.shape
    partial_sums, partial_counts, _, _ = _workspace(n, len(centers), d, weights.dtype)
    centers = centers.copy()
    totals, iteration = None, 1
    while True:
        if totals is None:
            kernels.assign_and_accumulate(points, weights, centers, labels, partial_sums,
                                          partial_counts)
            sums, counts = reduced(partial_sums, partial_counts)
            totals = (sums, counts) if exact else None
        else:
            _passes.assign_and_update(points, weights, centers, labels, partial_sums,
                                      partial_counts)
            delta_sums, delta_counts = reduced(partial_sums, partial_counts)
            sums, counts = totals[0] + delta_sums, totals[1] + delta_counts
            totals = (sums, counts)
        if np.any(counts == 0):
            return iteration, False, centers, sums, counts
        new = np.empty_like(centers)
        shift = _passes.cluster_means(sums, counts, centers, new)
        centers = new
        iteration += 1
        if iteration == max_iter or shift <= eps_sq:
            return iteration, True, centers, sums, counts


def _fused(kernel, points, weights, centers, labels, exact, max_iter, eps_sq):
    partial_sums, partial_counts, sums, counts = _workspace(*points.shape[:1], len(centers),
                                                            points.shape[1], weights.dtype)
    centers = centers.copy()
    iteration, stopped = kernel(points, weights, centers, labels, partial_sums, partial_counts,
                                sums, counts, exact, False, 1, max_iter, eps_sq)
    return iteration, stopped, centers, sums, counts


@pytest.mark.parametrize("kernel", [_attempt.lloyd_passes, serial_twin(_attempt.lloyd_passes)],
                         ids=["parallel", "serial"])
@pytest.mark.parametrize("integer", [True, False], ids=["exact", "float"])
def test_lloyd_passes_give_the_driven_passes_results(kernel, integer):
    rng = np.random.default_rng(11)
    points = blobs(30_000, 3, 6, seed=11, integer=integer)
    weights = rng.integers(1, 50, len(points)).astype(np.int32)
    start = points[rng.choice(len(points), 6, replace=False)].copy()
    expected_labels = np.zeros(len(points), np.int32)
    expected = _driven(points, weights, start, expected_labels, integer, 30, 0.5)
    labels = np.zeros(len(points), np.int32)
    got = _fused(kernel, points, weights, start, labels, integer, 30, 0.5)

    assert got[:2] == expected[:2] and got[1] and 3 < got[0] < 30  # stopped by the move
    np.testing.assert_array_equal(labels, expected_labels)
    for array, reference in zip(got[2:], expected[2:]):
        np.testing.assert_array_equal(array, reference)


def test_lloyd_passes_stop_at_the_iteration_limit():
    points = blobs(5_000, 2, 4, seed=2, integer=True)
    start = points[:4].copy()
    got = _fused(_attempt.lloyd_passes, points, ones(points), start,
                 np.zeros(len(points), np.int32), True, 3, 0.0)
    assert got[:2] == (3, True)


def test_lloyd_passes_hand_back_a_pass_that_left_a_cluster_empty():
    points = blobs(5_000, 3, 3, seed=4, integer=True)
    start = np.vstack([points[:2], [[1e4, 1e4, 1e4]]]).astype(np.float32)  # nothing near
    labels = np.zeros(len(points), np.int32)
    iteration, stopped, centers, sums, counts = _fused(
        serial_twin(_attempt.lloyd_passes), points, ones(points), start, labels, True, 10, 0.0)

    assert (iteration, stopped) == (1, False)
    np.testing.assert_array_equal(centers, start)  # those of the pass, for the repair
    assert counts[2] == 0 and counts.sum() == len(points)
    np.testing.assert_array_equal(sums[0], points[labels == 0].sum(axis=0))


def test_lloyd_passes_update_from_given_totals():
    # Totals handed in (after a repair) are updated by the changes of labels alone.
    points = blobs(8_000, 3, 5, seed=6, integer=True)
    start = points[:5].copy()
    labels = np.arange(len(points), dtype=np.int32) % 5
    partial_sums, partial_counts, sums, counts = _workspace(len(points), 5, 3)
    sums[...] = [points[labels == k].sum(axis=0) for k in range(5)]
    counts[...] = np.bincount(labels, minlength=5)
    centers = start.copy()
    _attempt.lloyd_passes(points, ones(points), centers, labels, partial_sums, partial_counts,
                          sums, counts, True, True, 1, 2, 0.0)

    expected_labels = np.zeros(len(points), np.int32)
    expected = _driven(points, ones(points), start, expected_labels, True, 2, 0.0)
    np.testing.assert_array_equal(labels, expected_labels)
    np.testing.assert_array_equal(centers, expected[2])
    np.testing.assert_array_equal(sums, expected[3])


def test_lloyd_passes_refuse_given_labels_out_of_range():
    points = blobs(1_000, 3, 2, seed=1, integer=True)
    partial_sums, partial_counts, sums, counts = _workspace(len(points), 2, 3)
    labels = np.zeros(len(points), np.int32)
    labels[7] = 2
    with pytest.raises(KernelArgumentError, match="labels must be cluster indices"):
        serial_twin(_attempt.lloyd_passes)(points, ones(points), points[:2].copy(), labels,
                                           partial_sums, partial_counts, sums, counts, True,
                                           True, 1, 5, 0.0)

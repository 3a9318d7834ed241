"""fastquant._lloyd: cv2's loop over any passes, the empty-cluster repair, the bounds."""

import inspect

import numpy as np
import pytest

from fastquant import _lloyd
from fastquant._distinct import Rows, plain_rows
from fastquant._validation import Criteria

from . import naive


def _points(n=6000, d=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, d)).astype(np.float32)


def _attempt(points, centers, criteria, rows=None):
    rows = plain_rows(points) if rows is None else rows
    workspace = _lloyd.Workspace(len(rows.values), len(centers), points.shape[1])
    labels = np.empty(len(rows.values), dtype=np.int32)
    return _lloyd.lloyd(_lloyd.RowPasses(rows, workspace, labels), criteria, centers)


@pytest.mark.parametrize("max_iter", [2, 3, 7])
def test_lloyd_counts_passes_as_cv2_and_matches_the_reference(max_iter):
    points = _points()
    centers = points[:5].copy()
    result = _attempt(points, centers, Criteria(max_iter=max_iter, eps_sq=0.0))
    expected_compactness, expected_labels, expected_centers, passes = naive.kmeans_attempt(
        points, 5, max_iter, 0.0, centers=centers
    )
    assert passes == max_iter
    np.testing.assert_array_equal(result.row_labels, expected_labels)
    np.testing.assert_array_equal(result.centers, expected_centers)
    assert result.compactness == pytest.approx(expected_compactness, rel=1e-12)


def test_the_repair_moves_the_farthest_sample_of_the_largest_cluster():
    # Cluster 0 holds everything; center 1 is far from every point and stays empty.
    points = np.array([[0], [1], [2], [10], [3]], dtype=np.float32)
    sums = np.array([[16.0], [0.0]])
    counts = np.array([5, 0], dtype=np.int64)
    passes = _lloyd.RowPasses(
        plain_rows(points), _lloyd.Workspace(5, 2, 1), np.zeros(5, dtype=np.int32)
    )
    _lloyd.fill_empty_clusters(passes, sums, counts)
    assert passes.labels.tolist() == [0, 0, 0, 1, 0]  # 10 is farthest from the mean 3.2
    np.testing.assert_array_equal(counts, [4, 1])
    np.testing.assert_array_equal(sums, [[6.0], [10.0]])


def test_weighted_rows_give_the_samples_result():
    points = np.repeat(_points(300, seed=1) // 32, 20, axis=0)
    np.random.default_rng(1).shuffle(points)
    unique, inverse, counts = np.unique(points, axis=0, return_inverse=True, return_counts=True)
    rows = Rows(unique, counts.astype(np.int32), inverse.reshape(-1).astype(np.int32), True)
    centers = points[:9].copy()
    criteria = Criteria(max_iter=10, eps_sq=0.0)
    on_rows = _attempt(points, centers, criteria, rows)
    on_samples = _attempt(points, centers, criteria)
    np.testing.assert_array_equal(on_rows.sample_labels(rows), on_samples.row_labels)
    np.testing.assert_array_equal(on_rows.centers, on_samples.centers)
    assert on_rows.compactness == on_samples.compactness


def _fits(cls, name):
    """True when ``cls.name`` takes the protocol's parameters, in order, and any
    further ones have defaults."""
    wanted = list(inspect.signature(getattr(_lloyd.Passes, name)).parameters)
    given = inspect.signature(getattr(cls, name)).parameters
    extra = list(given)[len(wanted):]
    return list(given)[: len(wanted)] == wanted and all(
        given[p].default is not inspect.Parameter.empty for p in extra
    )


def test_row_and_block_passes_follow_the_passes_protocol():
    dask_passes = pytest.importorskip("fastquant.dask._passes")
    methods = [name for name in vars(_lloyd.Passes) if not name.startswith("_")]
    assert sorted(methods) == ["assign", "finish", "label_sums", "move_farthest"]
    for cls in (_lloyd.RowPasses, dask_passes.BlockPasses):
        for name in methods:
            if name == "label_sums" and cls is dask_passes.BlockPasses:
                continue  # dask attempts always start from centers
            assert _fits(cls, name), (cls, name)


def test_reading_sample_labels_leaves_the_row_map_intact():
    points = np.repeat(_points(200, seed=4) // 64, 30, axis=0)
    unique, inverse, counts = np.unique(points, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1).astype(np.int32)
    rows = Rows(unique, counts.astype(np.int32), inverse.copy(), True)
    result = _attempt(points, points[:5].copy(), Criteria(max_iter=5, eps_sq=0.0), rows)
    first = result.sample_labels(rows)
    np.testing.assert_array_equal(rows.inverse, inverse)  # not written over
    out = np.full(len(points), -1, dtype=np.int32)
    assert result.sample_labels(rows, out) is out
    np.testing.assert_array_equal(out, first)
    expected = result.row_labels[inverse]
    expected[result.moved_samples] = result.moved_labels  # samples the repair moved
    np.testing.assert_array_equal(first, expected)


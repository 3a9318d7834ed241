"""fastquant.kernels._distinct_table: the distinct-row table."""

import numpy as np
import pytest

from fastquant import kernels
from fastquant.kernels import _distinct_table, _passes, _seeding

from .. import naive
from ._data import blobs, distinct, partials, reduced


def test_distinct_table_matches_numpy_unique():
    points = blobs(100_000, 3, 8, seed=12, integer=True)
    unique, counts, inverse, (np_unique, np_inverse, np_counts) = distinct(points)
    np.testing.assert_array_equal(unique, np_unique)
    np.testing.assert_array_equal(counts, np_counts)
    np.testing.assert_array_equal(inverse, np_inverse)


@pytest.mark.parametrize("groups", [1, 3, 7])
def test_distinct_keys_do_not_depend_on_the_groups(groups):
    points = blobs(50_000, 3, 8, seed=15, integer=True)
    keys = np.empty(len(points), dtype=np.int32)
    low = points.min(axis=0)
    spans = (points.max(axis=0) - low + 1).astype(np.int64)
    _distinct_table.row_keys(points, low, spans, keys)
    rank = keys.copy()
    expected = _distinct_table.distinct_keys(keys, int(np.prod(spans)))
    got = _distinct_table.distinct_keys(rank, int(np.prod(spans)), groups)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])
    np.testing.assert_array_equal(rank, keys)


def test_distinct_keys_refuse_no_group():
    with pytest.raises(ValueError, match="groups must be at least 1"):
        _distinct_table.distinct_keys(np.zeros(4, np.int32), 8, 0)


def test_row_keys_count_non_integer_values():
    points = blobs(1000, 2, 3, seed=13, integer=True)
    points[17, 1] += 0.5
    low = points.min(axis=0)
    spans = (np.floor(points.max(axis=0) - low) + 1).astype(np.int64)
    assert _distinct_table.row_keys(points, low, spans, np.empty(1000, np.int32)) == 1


def test_weighted_rows_give_the_same_sums_and_seeding_as_the_samples():
    points = blobs(20_000, 3, 5, seed=14, integer=True)
    points = np.clip(np.rint(points / 16), 0, 15).astype(np.float32)  # few distinct rows
    unique, counts, inverse, _ = distinct(points)
    rows = points[np.unique(inverse, return_index=True)[1]]
    assert len(rows) < 1000
    centers = points[:6].copy()
    row_labels = np.empty(len(rows), dtype=np.int32)
    partial_sums, partial_counts = partials(len(rows), 6, 3)
    kernels.assign_and_accumulate(rows, counts, centers, row_labels, partial_sums, partial_counts)
    sums, totals = reduced(partial_sums, partial_counts)

    labels = np.argmin(naive.sq_distances(points, centers), axis=1)
    np.testing.assert_array_equal(row_labels[inverse], labels)
    expected = np.zeros((6, 3))
    np.add.at(expected, labels, points)
    np.testing.assert_array_equal(sums, expected)
    np.testing.assert_array_equal(totals, np.bincount(labels, minlength=6))

    workspace = np.empty(kernels.chunk_count(len(rows)))
    reference = naive.MWC(21)
    state = np.array([reference.state], dtype=np.uint64)
    chosen = _seeding.kmeanspp_rows(rows, counts, inverse, 8, 3, state)
    np.testing.assert_array_equal(rows[chosen], naive.kmeanspp(points, 8, reference))
    total = _passes.label_distance_sum(rows, counts, centers, row_labels, workspace)
    per_sample = naive.sq_distances(points, centers)[np.arange(len(points)), labels]
    assert total == pytest.approx(float(np.sum(per_sample, dtype=np.float64)), rel=1e-12)

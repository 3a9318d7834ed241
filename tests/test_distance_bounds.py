"""fastquant._distance_bounds: the bounds' state across the passes of an attempt."""

import numpy as np

from fastquant import _lloyd
from fastquant._distinct import plain_rows


def _points(n, d, seed):
    return np.random.default_rng(seed).integers(0, 256, size=(n, d)).astype(np.float32)


def test_bounds_are_kept_only_where_they_pay():
    assert _lloyd.Workspace(100, 32, 8).bounds is not None
    assert _lloyd.Workspace(100, 31, 8).bounds is None
    assert _lloyd.Workspace(100, 64, 7).bounds is None


def test_an_invalidated_row_is_searched_again():
    points = _points(4000, 8, 2)
    centers = points[:40].copy()
    rows = plain_rows(points)
    workspace = _lloyd.Workspace(len(points), 40, 8)
    labels = np.empty(len(points), dtype=np.int32)
    passes = _lloyd.RowPasses(rows, workspace, labels)
    passes.assign(centers)
    nearest = labels.copy()
    # A repair gives row 7 another label by hand; without invalidating its bounds, the
    # next pass would skip it (the centers did not move) and keep the wrong label.
    labels[7] = (nearest[7] + 1) % 40
    workspace.bounds.invalidate(7)
    passes.label_totals = None
    passes.assign(centers)
    np.testing.assert_array_equal(labels, nearest)


def test_a_skipped_row_keeps_its_label_when_its_bounds_are_not_invalidated():
    # The counterpart of the test above: shows that the invalidation is what matters.
    points = _points(4000, 8, 2)
    centers = points[:40].copy()
    workspace = _lloyd.Workspace(len(points), 40, 8)
    labels = np.empty(len(points), dtype=np.int32)
    passes = _lloyd.RowPasses(plain_rows(points), workspace, labels)
    passes.assign(centers)
    wrong = (labels[7] + 1) % 40
    labels[7] = wrong
    passes.assign(centers)
    assert labels[7] == wrong


def test_a_new_attempt_resets_the_bounds():
    points = _points(4000, 8, 3)
    workspace = _lloyd.Workspace(len(points), 40, 8)
    first = _lloyd.RowPasses(plain_rows(points), workspace, np.empty(len(points), np.int32))
    first.assign(points[:40].copy())
    assert workspace.bounds.centers is not None
    _lloyd.RowPasses(plain_rows(points), workspace, np.empty(len(points), np.int32))
    assert workspace.bounds.centers is None


def test_passes_sum_again_only_what_changed_and_all_after_a_label_changed_by_hand():
    # Each pass after the first sums again only the chunks' clusters a row entered or
    # left; the sums must stay those of a full accumulation of the labels. A repair
    # gives the outlier row 7 the empty cluster 39 by hand and puts its center on it:
    # the pass keeps that label, so only the invalidation tells that the sums changed.
    rng = np.random.default_rng(5)
    points = (rng.standard_normal((6000, 8)) + rng.integers(0, 4, (6000, 1)) * 3).astype(np.float32)
    points[7] = 100.0
    rows = plain_rows(points)
    workspace = _lloyd.Workspace(len(points), 40, 8)
    labels = np.empty(len(points), dtype=np.int32)
    passes = _lloyd.RowPasses(rows, workspace, labels)
    centers = points[8:48].copy()
    centers[39] = 1e4  # (no row is nearer to it: an empty cluster)
    for step in range(4):
        if step == 2:
            labels[7] = 39
            workspace.bounds.invalidate(7)
            centers[39] = points[7]
        sums, counts = passes.assign(centers)
        fresh = _lloyd.Workspace(len(points), 40, 8)
        _lloyd.RowPasses(rows, fresh, labels.copy()).label_sums()
        np.testing.assert_array_equal(sums, fresh.sums)  # bit for bit
        np.testing.assert_array_equal(counts, np.bincount(labels, minlength=40))
        centers = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None],
                           centers).astype(np.float32)
    assert labels[7] == 39

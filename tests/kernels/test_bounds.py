"""fastquant.kernels._bounds: Hamerly's distance bounds."""

import copy

import numpy as np
import pytest

from fastquant import kernels
from fastquant.kernels import _bounds

from .. import naive
from ._data import blobs, ones, partials, reduced


class _BoundedPasses:
    """Drives _bounds.assign_bounded over a sequence of centers, as RowPasses does."""

    def __init__(self, points, weights, k):
        n = len(points)
        self.points, self.weights = points, weights
        self.labels = np.zeros(n, dtype=np.int32)
        self.bounds = _bounds.Bounds(
            upper=np.full(n, np.inf, dtype=np.float32), lower=np.zeros(n, dtype=np.float32),
            moves=np.empty(k), half_gaps=np.empty(k),
        )
        self.previous = None
        self.partials = None

    def run(self, centers, changes_only=False, refresh=False):
        """One pass; with ``refresh``, on the partial sums the pass before left (a copy,
        so that the earlier result stays as it was)."""
        previous = centers if self.previous is None else self.previous
        _bounds.center_moves_and_gaps(centers, previous, self.bounds)
        if refresh:
            partial_sums, partial_counts = (part.copy() for part in self.partials)
        else:
            partial_sums, partial_counts = partials(len(self.points), *centers.shape)
        _bounds.assign_bounded(
            self.points, self.weights, centers, self.bounds, changes_only, refresh,
            self.labels, partial_sums, partial_counts,
        )
        self.previous = centers
        self.partials = partial_sums, partial_counts
        return partial_sums, partial_counts

    def rows_skipped_without_a_distance(self, centers):
        """How many rows the next pass would skip without computing any distance: a
        copy of the state runs on points that are all NaN, which poison every row
        whose distance is computed (tightened or searched)."""
        probe = copy.deepcopy(self)
        probe.points = np.full_like(self.points, np.nan)
        probe.run(centers)
        return int(np.isfinite(probe.bounds.upper).sum())


def _lloyd_centers(points, centers, passes):
    """The centers of ``passes`` plain Lloyd passes from ``centers`` (and the first)."""
    out = [centers]
    labels = np.empty(len(points), dtype=np.int32)
    for _ in range(passes):
        partial_sums, partial_counts = partials(len(points), *centers.shape)
        kernels.assign_and_accumulate(points, ones(points), centers, labels, partial_sums, partial_counts)
        sums, counts = reduced(partial_sums, partial_counts)
        centers = (sums / np.maximum(counts, 1)[:, None]).astype(np.float32)
        out.append(centers)
    return out


@pytest.mark.parametrize("d, k", [(16, 40), (8, 33), (3, 64)])
def test_assign_bounded_gives_the_labels_and_sums_of_the_full_pass(d, k):
    # With refresh, each pass sums again only what changed on the partials of the pass
    # before: the same partials, bit for bit, as summed anew.
    points = blobs(30_000, d, 50, seed=d)
    bounded = _BoundedPasses(points, ones(points), k)
    refreshed = _BoundedPasses(points, ones(points), k)
    skipped = []
    for n, centers in enumerate(_lloyd_centers(points, points[: 7 * k : 7].copy(), 8)):
        labels = np.empty(len(points), dtype=np.int32)
        expected_sums, expected_counts = partials(len(points), k, d)
        kernels.assign_and_accumulate(points, ones(points), centers, labels, expected_sums, expected_counts)
        skipped.append(bounded.rows_skipped_without_a_distance(centers))
        partial_sums, partial_counts = bounded.run(centers)
        np.testing.assert_array_equal(bounded.labels, labels)
        np.testing.assert_array_equal(partial_sums, expected_sums)  # same rows, same order
        np.testing.assert_array_equal(partial_counts, expected_counts)
        for part, expected in zip(refreshed.run(centers, refresh=n > 0),
                                  (expected_sums, expected_counts)):
            np.testing.assert_array_equal(part, expected)
        distances = np.sqrt(naive.sq_distances(points, centers).astype(np.float64))
        assert (bounded.bounds.upper >= distances[np.arange(len(points)), labels]).all()
        others = distances.copy()
        others[np.arange(len(points)), labels] = np.inf
        assert (bounded.bounds.lower <= others.min(axis=1)).all()
    assert skipped[0] == 0  # no bounds yet: every row is searched
    assert skipped[-1] > len(points) // 10  # near convergence most rows keep their center


def test_assign_bounded_recomputes_rows_that_became_ties():
    # Points on a line at 0..10. With centers at 2 and 8 the point at 5 is a tie (the
    # lower index wins); with the second center one float32 step below 8 it is
    # nearer to that one, and back at 8 a tie again.
    points = np.zeros((11, 8), dtype=np.float32)
    points[:, 0] = np.arange(11)
    bounded = _BoundedPasses(points, ones(points), 2)
    just_below_8 = np.nextafter(np.float32(8), np.float32(0))
    for pair, label_of_5 in (((0, 10), 0), ((2, 8), 0), ((2, just_below_8), 1), ((2, 8), 0)):
        centers = np.zeros((2, 8), dtype=np.float32)
        centers[:, 0] = pair
        bounded.run(centers)
        np.testing.assert_array_equal(bounded.labels, np.argmin(naive.sq_distances(points, centers), axis=1))
        assert bounded.labels[5] == label_of_5


def test_assign_bounded_accumulates_changes_only_on_integer_data():
    points = blobs(20_000, 8, 40, seed=11, integer=True)
    weights = np.random.default_rng(11).integers(1, 50, len(points)).astype(np.int32)
    bounded = _BoundedPasses(points, weights, 36)
    centers_seq = _lloyd_centers(points, points[:36].copy(), 5)
    sums, counts = reduced(*bounded.run(centers_seq[0]))
    for centers in centers_seq[1:]:
        delta_sums, delta_counts = reduced(*bounded.run(centers, changes_only=True))
        sums, counts = sums + delta_sums, counts + delta_counts
        expected = np.zeros((36, 8))
        np.add.at(expected, bounded.labels, points * weights[:, None].astype(np.float64))
        np.testing.assert_array_equal(sums, expected)
        np.testing.assert_array_equal(counts, np.bincount(bounded.labels, weights, 36))

"""fastquant._gemm_pass: the matrix-product pass gives the plain pass's labels and
bitwise sums, near ties included, with its bounds and at any BLAS thread count."""

import numpy as np
import pytest

from fastquant import kernels
from fastquant._gemm_pass import GemmPass
from fastquant.kernels import _passes

from .kernels._data import blobs, ones, partials
from .kernels.test_tiles import _near_ties


def _plain(points, centers, weights, labels, changes_only=False):
    partial_sums, partial_counts = partials(len(points), *centers.shape)
    kernel = _passes.assign_and_update if changes_only else kernels.assign_and_accumulate
    kernel(points, weights, centers, labels, partial_sums, partial_counts)
    return partial_sums, partial_counts


def assert_bounds_hold(gemm, points, centers, labels):
    """The bounds of every row that has them hold for the exact distances: above the
    distance to its label's center, below those to its runner-up and to every other
    center."""
    exact = np.sqrt(((points.astype(np.float64)[:, None] - centers.astype(np.float64)) ** 2)
                    .sum(2))
    state = gemm.bounds.state
    rows = np.flatnonzero(np.isfinite(state.upper))
    runner = gemm.runner_up[rows]
    slack = 1 + 1e-12
    assert np.all(state.upper[rows] * slack >= exact[rows, labels[rows]])
    apart = runner != labels[rows]  # (a runner-up that is the label bounds nothing)
    assert np.all(gemm.runner_lower[rows][apart] <= exact[rows, runner][apart] * slack)
    others = exact[rows].copy()
    others[np.arange(len(rows)), labels[rows]] = np.inf
    others[np.arange(len(rows)), runner] = np.inf
    assert np.all(state.lower[rows] <= others.min(1) * slack)


def assert_same_passes(points, centers_list, weights=None, changes_only=False):
    """Successive passes of one GemmPass (bounds carried from pass to pass, partials
    left to it as a Lloyd attempt leaves them) agree bit for bit with plain passes;
    the rows searched and settled of each pass."""
    weights = ones(points) if weights is None else weights
    gemm = GemmPass(len(points), *centers_list[0].shape)
    labels = np.zeros(len(points), np.int32)
    plain_labels = labels.copy()
    counts = []
    sums, part_counts = partials(len(points), *centers_list[0].shape)
    for centers in centers_list:
        previous = plain_labels.copy()
        plain_sums, plain_counts = _plain(points, centers, weights, plain_labels, changes_only)
        counts.append(gemm.assign(points, weights, centers, changes_only, labels, sums,
                                  part_counts))
        np.testing.assert_array_equal(labels, plain_labels)
        assert_bounds_hold(gemm, points, centers, labels)
        assert sums.tobytes() == plain_sums.tobytes()
        np.testing.assert_array_equal(part_counts, plain_counts)
        if changes_only:  # the changes are those from the previous labels
            assert np.array_equal(previous == plain_labels, previous == labels)
    return counts


def test_partials_are_summed_anew_for_other_arrays_and_a_new_attempt():
    """The partials are brought up to date only when they are the ones the last pass
    wrote, in the same attempt: other arrays, and the same arrays after the bounds'
    reset (a new attempt), are summed from scratch, whatever they hold."""
    points = blobs(3000, 16, 20, seed=11)
    weights = ones(points)
    centers = points[np.random.default_rng(12).choice(len(points), 40, replace=False)].copy()
    steps = [centers, _moved(centers, 1.0, 13)]
    gemm = GemmPass(len(points), *centers.shape)
    labels = np.zeros(len(points), np.int32)
    sums, counts = partials(len(points), *centers.shape)
    gemm.assign(points, weights, steps[0], False, labels, sums, counts)
    plain_labels = np.zeros(len(points), np.int32)
    plain_sums, plain_counts = _plain(points, steps[1], weights, plain_labels)
    other_sums, other_counts = np.full_like(sums, 7.0), np.full_like(counts, 7)
    gemm.assign(points, weights, steps[1], False, labels, other_sums, other_counts)
    assert other_sums.tobytes() == plain_sums.tobytes()
    np.testing.assert_array_equal(other_counts, plain_counts)
    for centers in steps:  # a new attempt from the first centers again
        plain_sums, plain_counts = _plain(points, centers, weights, plain_labels)
        gemm.bounds.reset()
        other_sums.fill(7.0)
        other_counts.fill(7)
        gemm.assign(points, weights, centers, False, labels, other_sums, other_counts)
        assert other_sums.tobytes() == plain_sums.tobytes()
        np.testing.assert_array_equal(other_counts, plain_counts)


def _moved(centers, step, seed):
    rng = np.random.default_rng(seed)
    return (centers + step * rng.standard_normal(centers.shape)).astype(np.float32)


@pytest.mark.parametrize("d", [8, 16, 128, 129])
@pytest.mark.parametrize("k", [1, 2, 255, 256, 257])
def test_random_data_gives_the_plain_labels_and_sums(d, k):
    points = blobs(700, d, 12, seed=d * 1000 + k)
    centers = points[np.random.default_rng(k).choice(len(points), k, replace=k > 700)].copy()
    centers += np.float32(0.5)  # not on the points
    (searched, _), (again, _) = assert_same_passes(points, [centers, _moved(centers, 0.01, k)])
    assert searched == len(points)  # no bounds yet
    if k > 1:
        assert again < len(points)  # the bounds keep some labels


def test_changes_only_weights_and_many_tiles(monkeypatch):
    monkeypatch.setattr("fastquant._gemm_pass.TILE_BYTES", 40 * 4 * 100)  # 100-row tiles
    points = blobs(3000, 16, 20, seed=3)
    rng = np.random.default_rng(4)
    centers = points[rng.choice(len(points), 40, replace=False)].copy()
    weights = rng.integers(1, 9, len(points)).astype(np.int32)
    steps = [centers, _moved(centers, 1.0, 5), _moved(centers, 2.0, 6)]
    assert_same_passes(points, steps, weights, changes_only=True)
    assert_same_passes(points, steps, weights)


@pytest.mark.parametrize("d", [16, 128])
@pytest.mark.parametrize("offset, scale", [(0.0, 1.0), (1000.0, 1.0), (1e4, 1e-2), (0.0, 1e15)])
def test_near_ties_are_settled_in_cv2_order(d, offset, scale):
    """Points equidistant to two centers within an ulp or two; large norms with tiny
    differences; the second pass moves every center by an ulp."""
    points, centers = _near_ties(d, offset, scale, seed=d)
    nudged = np.nextafter(centers, np.float32(np.inf))
    (_, settled), _ = assert_same_passes(points, [centers, nudged])
    assert settled > len(points) // 2  # most rows are too close to call


def test_huge_values_fall_back_to_cv2_order():
    rng = np.random.default_rng(10)
    points = (rng.standard_normal((500, 8)) * 1e19).astype(np.float32)  # squares overflow
    centers = np.ascontiguousarray(points[:7] * np.float32(0.5))
    [(_, settled)] = assert_same_passes(points, [centers])
    assert settled == len(points)


def test_labels_do_not_depend_on_the_blas_thread_count():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    points, centers = _near_ties(128, 1000.0, 1.0, seed=7, n=4000)
    points = np.concatenate([points, blobs(4000, 128, 30, seed=8)])
    runs = []
    for threads in (1, 2):
        with threadpoolctl.threadpool_limits(threads, user_api="blas"):
            labels = np.zeros(len(points), np.int32)
            sums, counts = partials(len(points), *centers.shape)
            GemmPass(len(points), *centers.shape).assign(
                points, ones(points), centers, False, labels, sums, counts)
            runs.append((labels, sums.tobytes()))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]


def _pairs(d, seed, n=3000):
    """Far-apart pairs of centers 6 apart along a coordinate axis, points spread along
    each pair's axis; a tenth of them lie where the pairs slid by 0.5 leave them at
    exactly equal float32 distances from both centers of their pair. The pairs slide
    by 0, 1, 0.5 (ties kept on the lower index), 0, 0.5 (ties moving to the lower
    index). Every other center stays far."""
    rng = np.random.default_rng(seed)
    n_pairs = 20
    middles = rng.integers(-10, 11, (n_pairs, d)).astype(np.float64)
    axis = np.arange(n_pairs) % d
    pair = rng.integers(0, n_pairs, n)
    points = middles[pair] + 0.05 * rng.standard_normal((n, d))
    along = rng.uniform(-6, 6, n)
    along[: n // 10] = 0.5
    points[np.arange(n), axis[pair]] = middles[pair, axis[pair]] + along
    steps = []
    for shift in (0.0, 1.0, 0.5, 0.0, 0.5):
        centers = np.repeat(middles, 2, axis=0)
        centers[0::2][np.arange(n_pairs), axis] += shift - 3
        centers[1::2][np.arange(n_pairs), axis] += shift + 3
        steps.append(centers.astype(np.float32))
    return np.ascontiguousarray(points, dtype=np.float32), steps


def _plain_changes(points, steps):
    """How many rows change label from each step's plain pass to the next's."""
    labels = []
    for step in steps:
        plain = np.zeros(len(points), np.int32)
        _plain(points, step, ones(points), plain)
        labels.append(plain)
    return [int((a != b).sum()) for a, b in zip(labels, labels[1:])]


@pytest.mark.parametrize("d", [32, 128])
def test_rows_change_to_their_runner_up_without_a_search(d):
    """Rows that cross to the other center of their pair are settled by the bounds of
    the pair, in float32 and with ties to the lower index, as the plain pass settles
    them; fewer rows are searched than change label."""
    points, steps = _pairs(d, seed=d)
    changed = _plain_changes(points, steps)
    counts = assert_same_passes(points, steps)
    assert all(searched < change for (searched, _), change in zip(counts[1:], changed))
    assert assert_same_passes(points, steps, changes_only=True) == counts


def _triples(d, seed, n=3000):
    """Far-apart triples of centers 3 apart along a coordinate axis, points spread
    along each triple's axis, a tenth of them half a step from a center. The triples
    slide by 0, then 3 (the rows' label and runner-up are no longer their nearest:
    the third center is), 3 (ties, kept on the lower index), 1.5, then 0."""
    rng = np.random.default_rng(seed)
    n_triples = 20
    middles = (128.0 / d) * rng.integers(-10, 11, (n_triples, d))  # far apart, norms small
    axis = np.arange(n_triples) % d
    triple = rng.integers(0, n_triples, n)
    points = middles[triple] + 0.05 * rng.standard_normal((n, d))
    along = rng.uniform(-5, 5, n)
    along[: n // 10] = np.round(along[: n // 10]) + 0.5
    points[np.arange(n), axis[triple]] = middles[triple, axis[triple]] + along
    steps = []
    for shift in (0.0, 3.0, 3.0, 1.5, 0.0):
        centers = np.repeat(middles, 3, axis=0)
        for place in range(3):
            centers[place::3][np.arange(n_triples), axis] += 3.0 * (place - 1) - shift
        steps.append(centers.astype(np.float32))
    return np.ascontiguousarray(points, dtype=np.float32), steps


@pytest.mark.parametrize("d", [16, 128])
def test_rows_move_to_a_nearby_center_without_a_search(d):
    """Rows whose label and runner-up both lose to a third center close to them are
    settled by their label's nearest centers, with cv2's labels (exact float32 ties
    to the lower index): fewer rows are searched than change label."""
    points, steps = _triples(d, seed=d)
    changed = _plain_changes(points, steps)
    counts = assert_same_passes(points, steps)
    assert changed[0] > len(points) // 2
    assert counts[1][0] < changed[0] // 4


def _orphans(d, seed, n=4000):
    """30 blobs with centers at 20 of them (the rows of the other 10 are far from
    every center), then a pass where every center moves a little but center 1 jumps
    into orphan blob 25, center 3 far away and center 0 onto center 7 (exact ties)."""
    rng = np.random.default_rng(seed)
    middles = rng.uniform(-10, 10, (30, d))
    points = (middles[rng.integers(0, 30, n)] + rng.standard_normal((n, d))).astype(np.float32)
    first = (middles[:20] + 0.3 * rng.standard_normal((20, d))).astype(np.float32)
    second = _moved(first, 0.002, seed + 1)
    second[1] = middles[25]
    second[3] = 1000.0
    second[0] = second[7]
    return points, [first, second]


@pytest.mark.parametrize("d", [32, 128])
def test_rows_are_settled_by_the_centers_that_moved_most(d, monkeypatch):
    """When a few centers jump (emptied clusters re-seeded), the rows far from every
    center are settled against those few and a bound widened by the others' moves:
    cv2's labels (rows joining the center that jumped to them, ties to the lower
    index), far fewer searches than with Hamerly's bound alone."""
    points, steps = _orphans(d, seed=d)
    (_, _), (searched, _) = assert_same_passes(points, steps)
    monkeypatch.setattr("fastquant._gemm_pass.MOVERS", 0)
    (_, _), (hamerly, _) = assert_same_passes(points, steps)
    assert searched < hamerly // 2

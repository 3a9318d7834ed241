import numba
import numpy as np
import pytest

from fastquant import kernels
from fastquant.kernels import _bounds, _chunk_table, _common, _distinct_table, _feature_bounds, _passes, _random, _repair, _seeding
from fastquant._jit import serial_twin

from . import naive


def _blobs(n, d, k, seed, integer=False):
    rng = np.random.default_rng(seed)
    centers = rng.uniform(0, 255, size=(k, d))
    points = centers[rng.integers(0, k, n)] + rng.normal(0, 12, size=(n, d))
    if integer:
        points = np.clip(np.rint(points), 0, 255)
    return np.ascontiguousarray(points, dtype=np.float32)


_NO_INVERSE = np.empty(0, dtype=np.int32)


def _ones(points):
    return np.ones(len(points), dtype=np.int32)


def _partials(n, k, d):
    c = kernels.chunk_count(n)
    return np.empty((c, k, d)), np.empty((c, k), dtype=np.int64)


def _reduced(partial_sums, partial_counts):
    k, d = partial_sums.shape[1:]
    sums, counts = np.empty((k, d)), np.empty(k, dtype=np.int64)
    kernels.reduce_partials(partial_sums, partial_counts, sums, counts)
    return sums, counts


@pytest.mark.parametrize("seed", [0, 1, 12345, -1, 2**31 - 1])
def test_rng_matches_reference_generator(seed):
    reference = naive.MWC(seed)
    state = np.array([reference.state], dtype=np.uint64)
    for _ in range(50):
        assert kernels.rng_next(state) == reference.next()
    for _ in range(20):
        assert kernels.rng_float(state) == reference.uniform_float()
        assert kernels.rng_double(state) == reference.uniform_double()
    assert int(state[0]) == reference.state


@pytest.mark.parametrize("n", [1, 511, 512, 513, 100_000, 10**8])
def test_chunk_count_depends_on_size_only(n):
    count = kernels.chunk_count(n)
    assert 1 <= count <= _common.MAX_CHUNKS
    assert count == min(_common.MAX_CHUNKS, -(-n // _common.MIN_CHUNK_SIZE))


@pytest.mark.parametrize("d", [1, 3, 4, 16])
def test_assign_matches_reference(d):
    points = _blobs(20_000, d, 7, seed=d)
    centers = points[::2857].copy()
    labels = np.empty(len(points), dtype=np.int32)
    distances = np.empty(len(points), dtype=np.float32)
    kernels.assign(points, centers, labels, distances)
    expected = naive.sq_distances(points, centers)
    np.testing.assert_array_equal(labels, np.argmin(expected, axis=1))
    np.testing.assert_array_equal(distances, expected.min(axis=1))


def test_assign_breaks_ties_towards_lowest_index():
    points = np.array([[0, 0], [2, 0], [1, 0], [5, 5]], dtype=np.float32)
    centers = np.array([[5, 5], [0, 0], [2, 0], [0, 0]], dtype=np.float32)
    labels = np.empty(4, dtype=np.int32)
    distances = np.empty(4, dtype=np.float32)
    kernels.assign(points, centers, labels, distances)
    # point [1, 0] is at distance 1 from centers 1, 2 and 3.
    np.testing.assert_array_equal(labels, [1, 2, 1, 0])
    np.testing.assert_array_equal(distances, [0, 0, 1, 0])


def test_assign_and_accumulate_gives_exact_sums_on_integer_data():
    points = _blobs(50_000, 3, 9, seed=3, integer=True)
    centers = points[:9].copy()
    labels = np.empty(len(points), dtype=np.int32)
    partial_sums, partial_counts = _partials(len(points), 9, 3)
    kernels.assign_and_accumulate(points, _ones(points), centers, labels, partial_sums, partial_counts)
    sums, counts = _reduced(partial_sums, partial_counts)

    assert labels.tolist() == np.argmin(naive.sq_distances(points, centers), axis=1).tolist()
    expected = np.zeros((9, 3))
    np.add.at(expected, labels, points)
    np.testing.assert_array_equal(sums, expected)  # integers below 2**53: exact
    np.testing.assert_array_equal(counts, np.bincount(labels, minlength=9))


def test_assign_and_update_gives_the_change_of_exact_sums():
    rng = np.random.default_rng(5)
    points = _blobs(40_000, 3, 9, seed=5, integer=True)
    weights = rng.integers(1, 1000, len(points)).astype(np.int32)
    labels = np.empty(len(points), dtype=np.int32)
    partial_sums, partial_counts = _partials(len(points), 9, 3)
    kernels.assign_and_accumulate(points, weights, points[:9].copy(), labels, partial_sums, partial_counts)
    sums, counts = _reduced(partial_sums, partial_counts)

    moved_centers = points[:9] + np.float32(7.0)
    _passes.assign_and_update(points, weights, moved_centers, labels, partial_sums, partial_counts)
    delta_sums, delta_counts = _reduced(partial_sums, partial_counts)
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


class _BoundedPasses:
    """Drives _bounds.assign_bounded over a sequence of centers, as RowPasses does."""

    def __init__(self, points, weights, k):
        n = len(points)
        self.points, self.weights = points, weights
        self.labels = np.zeros(n, dtype=np.int32)
        self.upper = np.full(n, np.inf, dtype=np.float32)
        self.lower = np.zeros(n, dtype=np.float32)
        self.moves, self.half_gaps = np.empty(k), np.empty(k)
        self.previous = None

    def run(self, centers, changes_only=False):
        previous = centers if self.previous is None else self.previous
        _bounds.center_moves_and_gaps(centers, previous, self.moves, self.half_gaps)
        partial_sums, partial_counts = _partials(len(self.points), *centers.shape)
        _bounds.assign_bounded(
            self.points, self.weights, centers, self.moves, self.half_gaps, changes_only,
            self.labels, self.upper, self.lower, partial_sums, partial_counts,
        )
        self.previous = centers
        return partial_sums, partial_counts


def _lloyd_centers(points, centers, passes):
    """The centers of ``passes`` plain Lloyd passes from ``centers`` (and the first)."""
    out = [centers]
    labels = np.empty(len(points), dtype=np.int32)
    for _ in range(passes):
        partial_sums, partial_counts = _partials(len(points), *centers.shape)
        kernels.assign_and_accumulate(points, _ones(points), centers, labels, partial_sums, partial_counts)
        sums, counts = _reduced(partial_sums, partial_counts)
        centers = (sums / np.maximum(counts, 1)[:, None]).astype(np.float32)
        out.append(centers)
    return out


@pytest.mark.parametrize("d, k", [(16, 40), (8, 33), (3, 64)])
def test_assign_bounded_gives_the_labels_and_sums_of_the_full_pass(d, k):
    points = _blobs(30_000, d, 50, seed=d)
    bounded = _BoundedPasses(points, _ones(points), k)
    skipped = 0
    for centers in _lloyd_centers(points, points[: 7 * k : 7].copy(), 8):
        labels = np.empty(len(points), dtype=np.int32)
        expected_sums, expected_counts = _partials(len(points), k, d)
        kernels.assign_and_accumulate(points, _ones(points), centers, labels, expected_sums, expected_counts)
        before = bounded.upper.copy()
        partial_sums, partial_counts = bounded.run(centers)
        np.testing.assert_array_equal(bounded.labels, labels)
        np.testing.assert_array_equal(partial_sums, expected_sums)  # same rows, same order
        np.testing.assert_array_equal(partial_counts, expected_counts)
        distances = np.sqrt(naive.sq_distances(points, centers).astype(np.float64))
        assert (bounded.upper >= distances[np.arange(len(points)), labels]).all()
        others = distances.copy()
        others[np.arange(len(points)), labels] = np.inf
        assert (bounded.lower <= others.min(axis=1)).all()
        skipped += int((bounded.upper > before).sum())  # widened, not recomputed
    assert skipped > 0


def test_assign_bounded_recomputes_rows_that_became_ties():
    # Points on a line at 0..10. With centers at 2 and 8 the point at 5 is a tie (the
    # lower index wins); with the second center one float32 step below 8 it is
    # nearer to that one, and back at 8 a tie again.
    points = np.zeros((11, 8), dtype=np.float32)
    points[:, 0] = np.arange(11)
    bounded = _BoundedPasses(points, _ones(points), 2)
    just_below_8 = np.nextafter(np.float32(8), np.float32(0))
    for pair, label_of_5 in (((0, 10), 0), ((2, 8), 0), ((2, just_below_8), 1), ((2, 8), 0)):
        centers = np.zeros((2, 8), dtype=np.float32)
        centers[:, 0] = pair
        bounded.run(centers)
        np.testing.assert_array_equal(bounded.labels, np.argmin(naive.sq_distances(points, centers), axis=1))
        assert bounded.labels[5] == label_of_5


def test_assign_bounded_accumulates_changes_only_on_integer_data():
    points = _blobs(20_000, 8, 40, seed=11, integer=True)
    weights = np.random.default_rng(11).integers(1, 50, len(points)).astype(np.int32)
    bounded = _BoundedPasses(points, weights, 36)
    centers_seq = _lloyd_centers(points, points[:36].copy(), 5)
    sums, counts = _reduced(*bounded.run(centers_seq[0]))
    for centers in centers_seq[1:]:
        delta_sums, delta_counts = _reduced(*bounded.run(centers, changes_only=True))
        sums, counts = sums + delta_sums, counts + delta_counts
        expected = np.zeros((36, 8))
        np.add.at(expected, bounded.labels, points * weights[:, None].astype(np.float64))
        np.testing.assert_array_equal(sums, expected)
        np.testing.assert_array_equal(counts, np.bincount(bounded.labels, weights, 36))


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
    points = _blobs(3000, 4, 5, seed=4)
    labels = (np.arange(3000) % 5).astype(np.int32)
    partial_sums, partial_counts = _partials(3000, 5, 4)
    kernels.accumulate(points, _ones(points), labels, partial_sums, partial_counts)
    sums, counts = _reduced(partial_sums, partial_counts)
    expected = np.zeros((5, 4))
    np.add.at(expected, labels, points.astype(np.float64))
    np.testing.assert_allclose(sums, expected, rtol=1e-13)
    np.testing.assert_array_equal(counts, [600] * 5)


def test_label_distance_sum_uses_labels_not_nearest_center():
    points = _blobs(4000, 3, 4, seed=5)
    centers = points[:4].copy()
    labels = (np.arange(4000) % 4).astype(np.int32)
    workspace = np.empty(kernels.chunk_count(4000))
    total = _passes.label_distance_sum(points, _ones(points), centers, labels, workspace)
    expected = naive.sq_distances(points, centers)[np.arange(4000), labels]
    assert total == pytest.approx(float(np.sum(expected, dtype=np.float64)), rel=1e-12)


_NO_MOVES = (np.empty(0, np.int32), np.empty(0, np.int64), np.empty(0, np.int32))
_NO_LAST = np.empty(0, np.int64)


def test_farthest_sample_takes_highest_index_on_ties():
    points = np.array([[0], [3], [-3], [1], [3], [9]], dtype=np.float32)
    labels = np.array([0, 0, 0, 0, 0, 1], dtype=np.int32)
    center = np.zeros((1, 1), dtype=np.float32)
    ones = _ones(points)
    assert _repair.farthest_sample(points, ones, labels, _NO_INVERSE, _NO_LAST, *_NO_MOVES, 0, center) == 4
    assert _repair.farthest_sample(points, ones, labels, _NO_INVERSE, _NO_LAST, *_NO_MOVES, 1, center) == 5
    same = np.zeros((3, 2), dtype=np.float32)
    zeros = np.zeros(3, np.int32)
    assert _repair.farthest_sample(same, _ones(same), zeros, _NO_INVERSE, _NO_LAST, *_NO_MOVES, 0, same[:1]) == 2


def test_farthest_sample_on_rows_skips_moved_samples():
    rows = np.array([[0], [5], [-5]], dtype=np.float32)
    weights = np.array([2, 3, 2], dtype=np.int32)
    inverse = np.array([1, 0, 2, 1, 1, 0, 2], dtype=np.int32)  # samples of each row
    labels = np.zeros(3, dtype=np.int32)
    center = np.zeros((1, 1), dtype=np.float32)
    last = _distinct_table.last_samples(inverse, 3)
    np.testing.assert_array_equal(last, [5, 4, 6])
    # rows 1 and 2 are equally far: the highest sample among them is 6 (row 2).
    assert _repair.farthest_sample(rows, weights, labels, inverse, last, *_NO_MOVES, 0, center) == 6
    # sample 6 moved to cluster 1: the next is sample 4 (row 1).
    count = np.array([0, 0, 1], dtype=np.int32)
    moved = (count, np.array([6], np.int64), np.array([1], np.int32))
    assert _repair.farthest_sample(rows, weights, labels, inverse, last, *moved, 0, center) == 4
    # ... and it is the only, hence farthest, sample of cluster 1.
    assert _repair.farthest_sample(rows, weights, labels, inverse, last, *moved, 1, center) == 6


@pytest.mark.parametrize("d", [1, 3, 16])
def test_random_centers_match_reference(d):
    points = _blobs(1000, d, 3, seed=6)
    state = np.array([naive.MWC(77).state], dtype=np.uint64)
    got = _random.random_centers(points.min(axis=0), points.max(axis=0), 12, state)
    np.testing.assert_array_equal(got, naive.random_centers(points, 12, naive.MWC(77)))


@pytest.mark.parametrize("d", [1, 3, 5])
def test_kmeanspp_matches_reference(d):
    points = _blobs(3000, d, 6, seed=7, integer=True)
    reference = naive.MWC(5)
    state = np.array([reference.state], dtype=np.uint64)
    chosen = _seeding.kmeanspp_rows(points, _ones(points), _NO_INVERSE, 10, 3, state, np.empty(kernels.chunk_count(3000)))
    np.testing.assert_array_equal(points[chosen], naive.kmeanspp(points, 10, reference))
    assert int(state[0]) == reference.state


def _all_kernel_outputs(points, centers):
    n, k, d = len(points), len(centers), points.shape[1]
    labels = np.empty(n, dtype=np.int32)
    partial_sums, partial_counts = _partials(n, k, d)
    kernels.assign_and_accumulate(points, _ones(points), centers, labels, partial_sums, partial_counts)
    workspace = np.empty(kernels.chunk_count(n))
    total = _passes.label_distance_sum(points, _ones(points), centers, labels, workspace)
    state = np.array([1], dtype=np.uint64)
    chosen = _seeding.kmeanspp_rows(points, _ones(points), _NO_INVERSE, k, 3, state, workspace)
    return labels.tobytes(), partial_sums.tobytes(), np.float64(total).tobytes(), chosen.tobytes()


def test_results_are_bitwise_identical_with_one_and_two_threads():
    points = _blobs(200_000, 3, 16, seed=8)
    centers = points[::12500].copy()
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = _all_kernel_outputs(points, centers)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = _all_kernel_outputs(points, centers)
    finally:
        numba.set_num_threads(before)
    assert one == two


def test_serial_twins_give_the_same_results():
    points = _blobs(30_000, 3, 5, seed=9)
    centers = points[:5].copy()
    outputs = []
    for assign in (kernels.assign, serial_twin(kernels.assign)):
        labels = np.empty(len(points), dtype=np.int32)
        distances = np.empty(len(points), dtype=np.float32)
        assign(points, centers, labels, distances)
        outputs.append((labels.tobytes(), distances.tobytes()))
    assert outputs[0] == outputs[1]


@numba.njit
def _user_lloyd(points, centers, n_passes):
    """A user's own jitted Lloyd loop built from fastquant's kernels."""
    n, d = points.shape
    k = centers.shape[0]
    n_chunks = kernels.chunk_count(n)
    labels = np.empty(n, dtype=np.int32)
    partial_sums = np.empty((n_chunks, k, d))
    partial_counts = np.empty((n_chunks, k), dtype=np.int64)
    sums = np.empty((k, d))
    counts = np.empty(k, dtype=np.int64)
    weights = np.ones(n, dtype=np.int32)
    for _ in range(n_passes):
        kernels.assign_and_accumulate(points, weights, centers, labels, partial_sums, partial_counts)
        kernels.reduce_partials(partial_sums, partial_counts, sums, counts)
        for c in range(k):
            for j in range(d):
                centers[c, j] = np.float32(sums[c, j] / max(counts[c], 1))
    return labels


@numba.njit
def _user_seeding(points, k, seed):
    state = np.empty(1, dtype=np.uint64)
    state[0] = seed
    workspace = np.empty(kernels.chunk_count(points.shape[0]))
    weights = np.ones(points.shape[0], dtype=np.int32)
    no_inverse = np.empty(0, dtype=np.int32)
    return _seeding.kmeanspp_rows(points, weights, no_inverse, k, 3, state, workspace), kernels.rng_next(state)


def test_kernels_are_callable_from_a_users_njit_function():
    points = _blobs(5000, 3, 4, seed=10, integer=True)
    centers = points[:4].copy()
    labels = _user_lloyd(points, centers.copy(), 3)

    expected_centers = centers.copy()
    for _ in range(3):
        expected = np.argmin(naive.sq_distances(points, expected_centers), axis=1)
        for c in range(4):
            members = points[expected == c].astype(np.float64)
            expected_centers[c] = members.sum(axis=0) / max(len(members), 1)
    np.testing.assert_array_equal(labels, expected)

    chosen, _ = _user_seeding(points, 4, 99)
    np.testing.assert_array_equal(points[chosen], naive.kmeanspp(points, 4, naive.MWC(99)))


def test_feature_bounds_counts_non_finite_and_bounds_the_rest():
    points = _blobs(5000, 4, 3, seed=11)
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


def _distinct(points):
    low = points.min(axis=0)
    spans = (points.max(axis=0) - low + 1).astype(np.int64)
    keys = np.empty(len(points), dtype=np.int32)
    assert _distinct_table.row_keys(points, low, spans, keys) == 0
    expected = np.unique(keys, return_inverse=True, return_counts=True)
    unique, counts = _distinct_table.distinct_keys(keys, int(np.prod(spans)))
    return unique, counts, keys, expected


def test_distinct_table_matches_numpy_unique():
    points = _blobs(100_000, 3, 8, seed=12, integer=True)
    unique, counts, inverse, (np_unique, np_inverse, np_counts) = _distinct(points)
    np.testing.assert_array_equal(unique, np_unique)
    np.testing.assert_array_equal(counts, np_counts)
    np.testing.assert_array_equal(inverse, np_inverse)


def test_row_keys_count_non_integer_values():
    points = _blobs(1000, 2, 3, seed=13, integer=True)
    points[17, 1] += 0.5
    low = points.min(axis=0)
    spans = (np.floor(points.max(axis=0) - low) + 1).astype(np.int64)
    assert _distinct_table.row_keys(points, low, spans, np.empty(1000, np.int32)) == 1


def test_weighted_rows_give_the_same_sums_and_seeding_as_the_samples():
    points = _blobs(20_000, 3, 5, seed=14, integer=True)
    points = np.clip(np.rint(points / 16), 0, 15).astype(np.float32)  # few distinct rows
    unique, counts, inverse, _ = _distinct(points)
    rows = points[np.unique(inverse, return_index=True)[1]]
    assert len(rows) < 1000
    centers = points[:6].copy()
    row_labels = np.empty(len(rows), dtype=np.int32)
    partial_sums, partial_counts = _partials(len(rows), 6, 3)
    kernels.assign_and_accumulate(rows, counts, centers, row_labels, partial_sums, partial_counts)
    sums, totals = _reduced(partial_sums, partial_counts)

    labels = np.argmin(naive.sq_distances(points, centers), axis=1)
    np.testing.assert_array_equal(row_labels[inverse], labels)
    expected = np.zeros((6, 3))
    np.add.at(expected, labels, points)
    np.testing.assert_array_equal(sums, expected)
    np.testing.assert_array_equal(totals, np.bincount(labels, minlength=6))

    workspace = np.empty(kernels.chunk_count(len(rows)))
    reference = naive.MWC(21)
    state = np.array([reference.state], dtype=np.uint64)
    chosen = _seeding.kmeanspp_rows(rows, counts, inverse, 8, 3, state, workspace)
    np.testing.assert_array_equal(rows[chosen], naive.kmeanspp(points, 8, reference))
    total = _passes.label_distance_sum(rows, counts, centers, row_labels, workspace)
    per_sample = naive.sq_distances(points, centers)[np.arange(len(points)), labels]
    assert total == pytest.approx(float(np.sum(per_sample, dtype=np.float64)), rel=1e-12)


def test_weighted_walk_over_rows_equals_walk_over_expanded_samples():
    dist = np.array([1.0, 2.0, 3.0, 4.0], dtype=np.float32)
    weights = np.array([2, 1, 1, 3], dtype=np.int32)
    inverse = np.repeat(np.arange(4, dtype=np.int32), weights)  # samples row by row
    total = float(np.sum(weights * dist))
    for p in np.linspace(0.01, total, 60):
        by_rows = _seeding._pick_weighted(dist, weights, _NO_INVERSE, 4, p)
        by_samples = _seeding._pick_weighted(dist, weights, inverse, len(inverse), p)
        assert by_rows == by_samples, p


def test_prefix_walk_equals_cv2_walk_on_integer_distances():
    rng = np.random.default_rng(15)
    rows = rng.integers(0, 50, size=(40, 3)).astype(np.float32)
    inverse = rng.integers(0, 40, size=5000).astype(np.int32)
    weights = np.bincount(inverse, minlength=40).astype(np.int32)
    assert _seeding._integer_distances(rows, weights)
    dist = ((rows - rows[7]) ** 2).sum(axis=1).astype(np.float32)
    sample_dist = dist[inverse].astype(np.float64)
    # chunk boundaries as the kernels cut them
    size = -(-5000 // 10)
    chunk_sums = np.array([sample_dist[c * size:(c + 1) * size].sum() for c in range(10)])
    total = sample_dist.sum()
    for p in np.concatenate([[0.0, total, total * 2], rng.uniform(0, total, 300), np.cumsum(sample_dist)[::97]]):
        walked = _seeding._pick_weighted(dist, weights, inverse, 5000, p)
        assert _seeding._pick_by_prefix(dist, inverse, chunk_sums, p) == walked, p


def test_integer_distance_condition():
    ones = np.ones(3, np.int32)
    assert not _seeding._integer_distances(np.array([[0.5], [1.0], [2.0]], np.float32), ones)
    assert not _seeding._integer_distances(np.array([[0.0], [5000.0], [1.0]], np.float32), ones)
    assert _seeding._integer_distances(np.array([[0.0], [4000.0], [1.0]], np.float32), ones)


@pytest.mark.parametrize("seed", [0, 1, 2**63 + 12345, 2**64 - 1])
def test_counter_uniforms_match_splitmix64_and_ignore_the_partition(seed):
    whole = np.empty(3000)
    _random.counter_uniforms(np.uint64(seed), 0, whole)
    expected = [naive.splitmix64_uniform(seed, i) for i in range(3000)]
    np.testing.assert_array_equal(whole, expected)
    part = np.empty(1000)
    _random.counter_uniforms(np.uint64(seed), 1234, part)
    np.testing.assert_array_equal(part, whole[1234:2234])
    assert 0.0 <= whole.min() and whole.max() < 1.0


def test_row_to_chunks_table_and_incremental_chunk_sums_are_exact():
    rng = np.random.default_rng(5)
    n_rows, n_chunks = 300, 7
    inverse = rng.integers(0, n_rows, 5000).astype(np.int32)
    inverse[715:1430] = 299  # all 715 samples of chunk 1: three entries (255, 255, 205)
    offsets, entries = _chunk_table.chunks_of_rows(inverse, n_rows, n_chunks)
    entry_chunk, entry_count = entries >> 8, entries & 255
    bounds = [(c * 715, min(c * 715 + 715, 5000)) for c in range(n_chunks)]  # ceil(5000/7)
    assert offsets[0] == 0 and offsets[-1] == len(entries)
    for row in (0, 17, 299):
        expected = {c: int(np.sum(inverse[a:b] == row)) for c, (a, b) in enumerate(bounds)}
        got = {}
        for chunk, count in zip(entry_chunk[offsets[row]:offsets[row + 1]],
                                entry_count[offsets[row]:offsets[row + 1]]):
            assert 1 <= count <= 255
            got[int(chunk)] = got.get(int(chunk), 0) + int(count)
        assert got == {c: n for c, n in expected.items() if n}
    assert np.sum(entry_chunk[offsets[299]:offsets[300]] == 1) == 3
    old = rng.integers(0, 10**6, n_rows).astype(np.float32)
    new = np.where(rng.random(n_rows) < 0.3, old - rng.integers(1, 1000, n_rows), old).astype(np.float32)
    sums = np.array([old[inverse[a:b]].sum(dtype=np.float64) for a, b in bounds])
    _chunk_table.update_chunk_sums(new, old, offsets, entries, sums)
    np.testing.assert_array_equal(sums, [new[inverse[a:b]].sum(dtype=np.float64) for a, b in bounds])


@pytest.mark.parametrize("k", [_seeding.INCREMENTAL_MIN_CLUSTERS, _seeding.INCREMENTAL_MIN_CLUSTERS + 1, 40])
def test_kmeanspp_on_weighted_rows_equals_the_reference_on_samples_with_many_centers(k):
    # Beyond INCREMENTAL_MIN_CLUSTERS the per-chunk sums are updated row by row.
    points = np.clip(np.rint(_blobs(30_000, 3, 9, seed=3, integer=True) / 8), 0, 31).astype(np.float32)
    _, counts, inverse, _ = _distinct(points)
    rows = points[np.unique(inverse, return_index=True)[1]]
    reference = naive.MWC(8)
    state = np.array([reference.state], dtype=np.uint64)
    chosen = _seeding.kmeanspp_rows(rows, counts, inverse, k, 3, state,
                              np.empty(kernels.chunk_count(len(rows))))
    np.testing.assert_array_equal(rows[chosen], naive.kmeanspp(points, k, reference))

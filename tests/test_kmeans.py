"""fastquant.kmeans against the contract, using the pure-NumPy reference in naive.py."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fastquant as fq

from . import naive

EPS_COUNT = fq.TERM_CRITERIA_EPS + fq.TERM_CRITERIA_COUNT


def _pixels(n=6000, seed=0):
    """Integer-valued RGB-like points: what np.float32(image) gives."""
    rng = np.random.default_rng(seed)
    palette = rng.integers(0, 256, size=(6, 3))
    noise = rng.integers(-20, 21, size=(n, 3))
    return np.clip(palette[rng.integers(0, 6, n)] + noise, 0, 255).astype(np.float32)


def _run(data, k, criteria, attempts, flags, seed=3, labels=None):
    fq.setRNGSeed(seed)
    return fq.kmeans(data, k, labels, criteria, attempts, flags)


def _reference(points, k, max_iter, eps, attempts, use_pp, seed=3, start_labels=None):
    rng = naive.MWC(seed)
    best = None
    for a in range(attempts):
        if a == 0 and start_labels is not None:
            run = naive.kmeans_attempt(points, k, max_iter, eps, labels=start_labels.copy())
        else:
            centers = naive.kmeanspp(points, k, rng) if use_pp else naive.random_centers(points, k, rng)
            run = naive.kmeans_attempt(points, k, max_iter, eps, centers=centers)
        if best is None or run[0] < best[0]:
            best = run
    return best


def _assert_same(result, reference):
    compactness, labels, centers = result
    np.testing.assert_array_equal(labels.ravel(), reference[1])
    np.testing.assert_array_equal(centers, reference[2])
    assert compactness == pytest.approx(reference[0], rel=1e-12)


@pytest.mark.parametrize("flags", [fq.KMEANS_RANDOM_CENTERS, fq.KMEANS_PP_CENTERS])
@pytest.mark.parametrize("k", [1, 2, 7, 40])
def test_whole_runs_match_reference(flags, k):
    points = _pixels()
    result = _run(points, k, (EPS_COUNT, 10, 1.0), 2, flags)
    max_iter = 2 if k == 1 else 10
    _assert_same(result, _reference(points, k, max_iter, 1.0, 1 if k == 1 else 2, flags == 2))


@pytest.mark.parametrize("flags", [fq.KMEANS_RANDOM_CENTERS, fq.KMEANS_PP_CENTERS])
def test_runs_with_distance_bounds_match_reference(flags):
    # 8 features and 40 clusters: the passes keep distance bounds. Integer values in
    # 0..3 also make distinct rows with exact sums (changes-only accumulation), and
    # random centers leave clusters empty (repairs).
    rng = np.random.default_rng(8)
    noise = rng.integers(-1, 2, size=(5000, 8)) * (rng.random((5000, 8)) < 0.15)
    points = np.clip(rng.integers(0, 4, size=(8, 8))[rng.integers(0, 8, 5000)] + noise, 0, 3)
    points = points.astype(np.float32)  # 526 distinct rows
    result = _run(points, 40, (EPS_COUNT, 12, 0.01), 2, flags)
    _assert_same(result, _reference(points, 40, 12, 0.01, 2, flags == fq.KMEANS_PP_CENTERS))


@pytest.mark.parametrize("k", [32, 70])
def test_distance_bounds_do_not_change_results_on_float_data(k, monkeypatch):
    rng = np.random.default_rng(k)
    points = (rng.normal(size=(12, 10)) * 5)[rng.integers(0, 12, 20_000)]
    points = (points + rng.normal(size=points.shape)).astype(np.float32)
    bounded = _run(points, k, (EPS_COUNT, 15, 1e-4), 2, fq.KMEANS_PP_CENTERS)
    monkeypatch.setattr(fq._lloyd, "BOUNDS_MIN_CLUSTERS", 10**9)
    plain = _run(points, k, (EPS_COUNT, 15, 1e-4), 2, fq.KMEANS_PP_CENTERS)
    np.testing.assert_array_equal(bounded[1], plain[1])
    np.testing.assert_array_equal(bounded[2], plain[2])
    assert bounded[0] == plain[0]


@pytest.mark.parametrize("d, k", [(40, 9), (70, 40)])
def test_norm_expansion_passes_do_not_change_results(d, k, monkeypatch):
    # From 32 features on the passes without bounds search through the norm expansion;
    # far from the origin its rounding is large: many rows are left to cv2's order.
    rng = np.random.default_rng(d)
    centers = 300 + rng.normal(size=(9, d)) * 3
    points = (centers[rng.integers(0, 9, 6000)] + rng.normal(size=(6000, d))).astype(np.float32)
    tiled = _run(points, k, (EPS_COUNT, 8, 1e-4), 2, fq.KMEANS_PP_CENTERS)
    monkeypatch.setattr(fq._lloyd, "TILES_MIN_FEATURES", 10**9)
    plain = _run(points, k, (EPS_COUNT, 8, 1e-4), 2, fq.KMEANS_PP_CENTERS)
    np.testing.assert_array_equal(tiled[1], plain[1])
    np.testing.assert_array_equal(tiled[2], plain[2])
    assert tiled[0] == plain[0]


@pytest.mark.parametrize(
    "criteria, max_iter, eps",
    [
        ((fq.TERM_CRITERIA_COUNT, 5, 123.0), 5, np.finfo(np.float32).eps),  # eps ignored
        ((fq.TERM_CRITERIA_COUNT, 300, 0.0), 100, np.finfo(np.float32).eps),  # clamped
        ((fq.TERM_CRITERIA_COUNT, 0, 0.0), 2, np.finfo(np.float32).eps),  # clamped up
        ((fq.TERM_CRITERIA_COUNT, 1, 0.0), 2, np.finfo(np.float32).eps),
        ((fq.TERM_CRITERIA_EPS, 3, 0.5), 100, 0.5),  # count ignored
        ((fq.TERM_CRITERIA_EPS, 3, -4.0), 100, 0.0),  # negative eps counts as 0
        ((EPS_COUNT, 4, 1e-3), 4, 1e-3),
        ((0, 7, 5.0), 100, np.finfo(np.float32).eps),  # neither bit
    ],
)
def test_criteria_rules(criteria, max_iter, eps):
    points = _pixels(3000, seed=1)
    result = _run(points, 12, criteria, 1, fq.KMEANS_RANDOM_CENTERS)
    _assert_same(result, _reference(points, 12, max_iter, eps, 1, False))


def test_last_pass_does_not_reassign_labels():
    points = _pixels(4000, seed=2)
    fq.setRNGSeed(11)
    _, labels, centers = fq.kmeans(points, 9, None, (fq.TERM_CRITERIA_COUNT, 2, 0), 1, 0)
    initial = naive.random_centers(points, 9, naive.MWC(11))
    # maxCount 2: one assignment to the initial centers, then the means of those labels.
    # (centers_from_labels also applies the empty-cluster repair to the labels.)
    first = np.argmin(naive.sq_distances(points, initial), axis=1)
    expected_centers = naive.centers_from_labels(points, first, 9)
    np.testing.assert_array_equal(labels.ravel(), first)
    np.testing.assert_array_equal(centers, expected_centers)
    assert (np.argmin(naive.sq_distances(points, centers), axis=1) != first).any()


def test_initial_labels_are_used_on_the_first_attempt_only():
    points = _pixels(3000, seed=3)
    start = (np.arange(3000) % 5).astype(np.int32).reshape(-1, 1)
    result = _run(points, 5, (EPS_COUNT, 20, 0.01), 3, fq.KMEANS_USE_INITIAL_LABELS, labels=start.copy())
    _assert_same(result, _reference(points, 5, 20, 0.01, 3, False, start_labels=start.ravel()))
    flags = fq.KMEANS_USE_INITIAL_LABELS | fq.KMEANS_PP_CENTERS
    result = _run(points, 5, (EPS_COUNT, 20, 0.01), 3, flags, labels=start.copy())
    _assert_same(result, _reference(points, 5, 20, 0.01, 3, True, start_labels=start.ravel()))


def test_empty_cluster_takes_farthest_point_of_largest_cluster():
    points = np.array([[0], [1], [2], [10], [10], [10], [11]], dtype=np.float32)
    # cluster 1 is empty; cluster 0 = {0, 1, 2} (3 points), cluster 2 = {10, 10, 10, 11}.
    start = np.array([0, 0, 0, 2, 2, 2, 2], dtype=np.int32)
    _, labels, centers = fq.kmeans(points, 3, start.copy(), (fq.TERM_CRITERIA_COUNT, 2, 0), 1, 1)
    # the largest cluster is 2 (mean 10.25); its farthest point is 11 (index 6).
    assert centers.ravel().tolist() == [1.0, 11.0, 10.0]
    np.testing.assert_array_equal(labels.ravel()[:3], [0, 0, 0])


def test_empty_cluster_ties_choose_lowest_cluster_and_highest_point():
    points = np.array([[0], [0], [4], [4]], dtype=np.float32)
    start = np.array([0, 0, 2, 2], dtype=np.int32)
    _, labels, centers = fq.kmeans(points, 4, start, (fq.TERM_CRITERIA_COUNT, 2, 0), 1, 1)
    reference = naive.kmeans_attempt(points, 4, 2, 0.0, labels=start.astype(np.int64).copy())
    np.testing.assert_array_equal(centers, reference[2])
    # clusters 0 and 2 tie in size: cluster 1 takes point 1 (the last of cluster 0).
    assert centers[1, 0] == 0.0 and centers[3, 0] == 4.0


def test_k_equals_one_is_the_mean():
    points = _pixels(5000, seed=4)
    compactness, labels, centers = _run(points, 1, (EPS_COUNT, 50, 0.0), 9, fq.KMEANS_PP_CENTERS)
    assert not labels.any()
    np.testing.assert_allclose(centers[0], points.astype(np.float64).mean(axis=0), rtol=2e-7)
    expected = np.sum((points.astype(np.float64) - centers[0]) ** 2)
    assert compactness == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize(
    "shape, n, d",
    [((600,), 600, 1), ((1, 600), 600, 1), ((600, 1), 600, 1), ((150, 4), 150, 4),
     ((1, 200, 3), 200, 3), ((20, 10, 3), 20, 30)],
)
def test_input_shapes_are_read_as_cv2_reads_them(shape, n, d):
    data = _pixels(600, seed=5).ravel()[: int(np.prod(shape))].reshape(shape)
    compactness, labels, centers = _run(data, 3, (EPS_COUNT, 10, 1.0), 1, 0)
    assert labels.shape == (n, 1) and labels.dtype == np.int32
    assert centers.shape == (3, d) and centers.dtype == np.float32
    _assert_same((compactness, labels, centers), _reference(data.reshape(n, d), 3, 10, 1.0, 1, False))


def _layouts(points):
    big_endian = points.astype(">f4")
    read_only = points.copy()
    read_only.flags.writeable = False
    strided = np.repeat(points, 2, axis=0)[::2]
    return {
        "fortran": np.asfortranarray(points),
        "strided": strided,
        "big-endian": big_endian,
        "read-only": read_only,
        "uint8": points.astype(np.uint8),
        "int64": points.astype(np.int64),
        "float64": points.astype(np.float64),
    }


@pytest.mark.parametrize("layout", list(_layouts(_pixels(10))))
def test_layouts_and_dtypes_give_the_float32_result(layout):
    points = _pixels(2000, seed=6)
    expected = _run(points, 6, (EPS_COUNT, 10, 1.0), 2, fq.KMEANS_PP_CENTERS)
    data = _layouts(points)[layout]
    before = data.copy()
    got = _run(data, 6, (EPS_COUNT, 10, 1.0), 2, fq.KMEANS_PP_CENTERS)
    _assert_same(got, (expected[0], expected[1].ravel(), expected[2]))
    np.testing.assert_array_equal(data, before)  # input untouched


@pytest.mark.parametrize("shape", [(300, 1), (1, 300), (300,)])
def test_labels_written_in_place_into_suitable_best_labels(shape):
    points = _pixels(300, seed=7)
    target = np.full(shape, -1, dtype=np.int32)
    _, labels, _ = _run(points, 4, (EPS_COUNT, 10, 1.0), 1, 0, labels=target)
    assert labels is target and labels.min() >= 0


@pytest.mark.parametrize(
    "target",
    [np.zeros((300, 1), np.int64), np.zeros((299, 1), np.int32), np.zeros((10, 30), np.int32)],
)
def test_unsuitable_best_labels_get_a_new_array(target):
    _, labels, _ = _run(_pixels(300, seed=7), 4, (EPS_COUNT, 10, 1.0), 1, 0, labels=target)
    assert labels is not target and labels.shape == (300, 1) and labels.dtype == np.int32
    assert not target.any()


def test_centers_written_in_place_only_when_shape_and_dtype_fit():
    points = _pixels(300, seed=8)
    good = np.zeros((4, 3), np.float32)
    fq.setRNGSeed(1)
    _, _, centers = fq.kmeans(points, 4, None, (EPS_COUNT, 10, 1.0), 1, 0, good)
    assert centers is good and good.any()
    for bad in (np.zeros((12,), np.float32), np.zeros((4, 3), np.float64)):
        _, _, centers = fq.kmeans(points, 4, None, (EPS_COUNT, 10, 1.0), 1, 0, bad)
        assert centers is not bad and centers.shape == (4, 3) and not bad.any()


def test_generator_state_carries_over_between_calls():
    points = _pixels(2000, seed=9)
    fq.setRNGSeed(5)
    first = fq.kmeans(points, 5, None, (EPS_COUNT, 10, 1.0), 1, 0)
    second = fq.kmeans(points, 5, None, (EPS_COUNT, 10, 1.0), 1, 0)
    rng = naive.MWC(5)
    for got in (first, second):
        expected = naive.kmeans_attempt(points, 5, 10, 1.0, centers=naive.random_centers(points, 5, rng))
        _assert_same(got, expected)


def test_exact_means_on_2_pow_25_points():
    """The contract's accuracy case: 90% values 10..30, 10% values 200..255."""
    n = 2**25
    n_dark = n * 9 // 10
    dark = (10 + np.arange(n_dark) % 21).astype(np.float32)
    light = (200 + np.arange(n - n_dark) % 56).astype(np.float32)
    data = np.concatenate([dark, light])
    del dark, light
    fq.setRNGSeed(1)
    compactness, labels, centers = fq.kmeans(data, 2, None, (EPS_COUNT, 10, 0.01), 1, fq.KMEANS_PP_CENTERS)
    labels = labels.ravel()
    dark_label = labels[0]
    assert (labels[:n_dark] == dark_label).all() and (labels[n_dark:] != dark_label).all()

    exact = []
    for values in (10 + np.arange(n_dark) % 21, 200 + np.arange(n - n_dark) % 56):
        total, count = int(values.sum()), len(values)
        exact.append((total / count, int((values.astype(np.int64) ** 2).sum()) - total**2 / count))
    got = (centers[dark_label, 0], centers[1 - dark_label, 0])
    for center, (mean, _) in zip(got, exact):
        # float32(sum) * float32(1/count): each of the three roundings is half an ulp.
        assert abs(float(center) - mean) <= 2 * np.spacing(np.float32(mean))
    # cv2 5.0.0 returns 17.78 for the dark mean (20 - 3.3e-7) with seed 1.
    assert abs(float(got[0]) - exact[0][0]) < 1e-5
    assert compactness == pytest.approx(sum(ss for _, ss in exact), rel=1e-6)


@settings(max_examples=60, deadline=None)
@given(
    data=hnp.arrays(
        np.float32,
        st.tuples(st.integers(2, 60), st.integers(1, 5)),
        elements=st.floats(-1e3, 1e3, width=32),
    ),
    k=st.integers(1, 8),
    flags=st.sampled_from([0, 2]),
    seed=st.integers(-(2**31), 2**31 - 1),
)
def test_invariants(data, k, flags, seed):
    k = min(k, len(data))
    fq.setRNGSeed(seed)
    compactness, labels, centers = fq.kmeans(data, k, None, (EPS_COUNT, 10, 0.0), 2, flags)
    labels = labels.ravel()
    assert labels.min() >= 0 and labels.max() < k
    assert len(np.unique(labels)) == k  # the empty-cluster rule leaves no cluster empty
    for c in range(k):
        members = data[labels == c].astype(np.float64)
        total, mean = members.sum(axis=0), members.mean(axis=0)
        # float32(sum) * float32(1/count): half an ulp of the sum, then of the product.
        tolerance = np.spacing(np.abs(total).astype(np.float32)) / len(members) + 2 * np.spacing(
            np.abs(mean).astype(np.float32)
        )
        assert np.all(np.abs(centers[c] - mean) <= tolerance)
    recomputed = np.sum(naive.sq_distances(data, centers)[np.arange(len(data)), labels], dtype=np.float64)
    assert compactness == pytest.approx(recomputed, rel=1e-9, abs=1e-9)

import numpy as np
import pytest

import fastquant as fq

from . import naive


def _points(n=4000, seed=0):
    rng = np.random.default_rng(seed)
    means = rng.uniform(0, 100, size=(5, 4))
    return (means[rng.integers(0, 5, n)] + rng.normal(0, 3, (n, 4))).astype(np.float32)


def test_fit_matches_the_cv2_style_engine_with_the_same_seed():
    points = _points()
    model = fq.KMeans(5, seed=42, attempts=2, max_iter=30, tol=0.01).fit(points)
    rng = naive.MWC(42)
    runs = [
        naive.kmeans_attempt(points, 5, 30, 0.01, centers=naive.kmeanspp(points, 5, rng))
        for _ in range(2)
    ]
    best = min(runs, key=lambda run: run[0])  # min keeps the first on ties, as cv2 does
    np.testing.assert_array_equal(model.labels_, best[1])
    np.testing.assert_array_equal(model.cluster_centers_, best[2])
    assert model.inertia_ == pytest.approx(best[0], rel=1e-12)


def test_init_centers_start_the_single_attempt():
    points = _points()
    start = points[[3, 1000, 2000, 3000, 3999]]
    model = fq.KMeans(5, init=start, max_iter=30, tol=0.01).fit(points)
    compactness, labels, centers, _ = naive.kmeans_attempt(points, 5, 30, 0.01, centers=start.copy())
    np.testing.assert_array_equal(model.labels_, labels)
    np.testing.assert_array_equal(model.cluster_centers_, centers)
    assert model.inertia_ == pytest.approx(compactness, rel=1e-12)


@pytest.mark.parametrize(
    "init, attempts, message",
    [
        (np.zeros((4, 4)), 1, r"init must have shape \(n_clusters, n_features\) = \(5, 4\)"),
        (np.zeros((5, 3)), 1, r"init must have shape"),
        (np.zeros((5, 4)), 2, r"attempts must be 1"),
        (np.full((5, 4), np.nan), 1, r"init.*NaN"),
        ("kmeans++", 1, r"init must be one of"),
    ],
)
def test_bad_init_is_refused(init, attempts, message):
    with pytest.raises(ValueError, match=message):
        fq.KMeans(5, init=init, attempts=attempts).fit(_points(100))


def test_fit_does_not_touch_the_thread_generator():
    fq.setRNGSeed(5)
    fq.KMeans(3, seed=1).fit(_points(500))
    from fastquant._rng import thread_state

    assert int(thread_state()[0]) == 5


def test_predict_assigns_new_points_to_nearest_fitted_center():
    model = fq.KMeans(5, init="random", seed=3).fit(_points())
    new = _points(1000, seed=1)
    labels = model.predict(new)
    assert labels.dtype == np.int32
    expected = np.argmin(naive.sq_distances(new, model.cluster_centers_), axis=1)
    np.testing.assert_array_equal(labels, expected)


def test_fit_predict_returns_training_labels():
    model = fq.KMeans(4, seed=0)
    labels = model.fit_predict(_points())
    assert labels is model.labels_


@pytest.mark.parametrize(
    "kwargs, error, word",
    [
        ({"init": "bogus"}, ValueError, "init"),
        ({"max_iter": 1}, ValueError, "max_iter"),
        ({"tol": -1.0}, ValueError, "tol"),
        ({"attempts": 0}, ValueError, "attempts"),
        ({"seed": 1.5}, TypeError, "seed"),
    ],
)
def test_bad_parameters_are_named(kwargs, error, word):
    with pytest.raises(error, match=word):
        fq.KMeans(3, **kwargs).fit(_points(100))


def test_bad_data_and_unfitted_use_are_reported():
    with pytest.raises(ValueError, match="X must be 2-D"):
        fq.KMeans(2).fit(np.zeros(10))
    with pytest.raises(RuntimeError, match="not fitted"):
        fq.KMeans(2).predict(np.zeros((3, 2)))
    model = fq.KMeans(2, seed=0).fit(_points(100))
    with pytest.raises(ValueError, match="4"):
        model.predict(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="NaN"):
        model.predict(np.full((3, 4), np.nan))

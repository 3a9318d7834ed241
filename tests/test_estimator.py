import pickle
import warnings

import numpy as np
import pytest

import fastquant as fq
from fastquant._estimator_checks import ConvergenceWarning, NotFittedError

from . import naive


def _points(n=4000, seed=0, d=4, integer=False):
    rng = np.random.default_rng(seed)
    means = rng.uniform(0, 100, size=(5, d))
    points = means[rng.integers(0, 5, n)] + rng.normal(0, 3, (n, d))
    return np.round(points).astype(np.float32) if integer else points.astype(np.float32)


def _reference_fit(points, k, max_iter, seed):
    """k-means++ from cv::RNG(seed), cv2's passes with tol 0, then the means of the
    last labels in float64 and one more assignment to them: (labels, centers,
    inertia, n_iter)."""
    start = naive.kmeanspp(points, k, naive.MWC(seed))
    _, labels, _, passes = naive.kmeans_attempt(points, k, max_iter + 1, 0.0, centers=start)
    centers = np.stack([points[labels == c].astype(np.float64).sum(axis=0) / np.sum(labels == c)
                        for c in range(k)])
    distances = naive.sq_distances(points, centers.astype(np.float32))
    final = np.argmin(distances, axis=1)
    inertia = float(np.sum(distances[np.arange(len(points)), final], dtype=np.float64))
    return final, centers, inertia, passes - 1


@pytest.mark.parametrize("seed", [0, 7])
@pytest.mark.parametrize("max_iter", [1, 3, 50])
def test_fit_is_cv2s_passes_then_a_final_assignment(seed, max_iter):
    points = _points(1500, seed=seed, integer=True)
    model = fq.KMeans(6, max_iter=max_iter, tol=0, random_state=seed).fit(points.astype(np.float64))
    labels, centers, inertia, n_iter = _reference_fit(points, 6, max_iter, seed)
    np.testing.assert_array_equal(model.labels_, labels)
    np.testing.assert_array_equal(model.cluster_centers_, centers)
    assert model.inertia_ == pytest.approx(inertia, rel=1e-12)
    assert model.n_iter_ == n_iter


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("max_iter", [1, 2, 5, 300])
# (n, d, k): the second runs the passes with distance bounds
@pytest.mark.parametrize("shape", [(3000, 3, 8), (2000, 10, 40)])
def test_labels_are_predict_on_the_training_data(seed, max_iter, shape):
    n, d, k = shape
    points = np.random.default_rng(seed).normal(size=(n, d))
    model = fq.KMeans(k, max_iter=max_iter, random_state=seed).fit(points)
    np.testing.assert_array_equal(model.labels_, model.predict(points))
    squared = np.sum((points - model.cluster_centers_[model.labels_]) ** 2, axis=1)
    assert model.inertia_ == pytest.approx(np.sum(squared), rel=1e-5)


def test_labels_are_predict_on_a_photo():
    import imageio.v3 as iio

    pixels = iio.imread(fq.__path__[0] + "/data/messi.jpg").reshape(-1, 3)
    model = fq.KMeans(16, max_iter=20, random_state=0).fit(pixels)
    np.testing.assert_array_equal(model.labels_, model.predict(pixels))


@pytest.mark.parametrize(
    "dtype, expected",
    [(np.float32, np.float32), (np.float64, np.float64), (np.int64, np.float64),
     (np.uint8, np.float64), (np.int32, np.float64)],
)
def test_centers_keep_the_floating_dtype(dtype, expected):
    points = _points(500, integer=True).astype(dtype)
    model = fq.KMeans(3, random_state=0).fit(points)
    assert model.cluster_centers_.dtype == expected
    assert model.transform(points).dtype == expected
    assert model.labels_.dtype == np.int32 and model.predict(points).dtype == np.int32


def test_converged_centers_are_the_exact_float64_means():
    points = _points(3000, integer=True, seed=3)
    model = fq.KMeans(5, tol=0, random_state=1).fit(points.astype(np.int64))
    for c in range(5):
        members = points[model.labels_ == c].astype(np.float64)
        assert np.array_equal(model.cluster_centers_[c], members.sum(axis=0) / len(members))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("repeats", ["few", "many"])  # rows, or distinct colours with counts
def test_integer_weights_are_bitwise_repeated_rows(seed, repeats):
    rng = np.random.default_rng(seed)
    high = 255 if repeats == "few" else 8
    points = rng.integers(0, high, size=(1200, 3))
    weights = rng.integers(0, 4, size=len(points))
    weighted = fq.KMeans(7, random_state=seed, max_iter=30).fit(points, sample_weight=weights)
    repeated = fq.KMeans(7, random_state=seed, max_iter=30).fit(np.repeat(points, weights, axis=0))
    np.testing.assert_array_equal(np.repeat(weighted.labels_, weights), repeated.labels_)
    np.testing.assert_array_equal(weighted.cluster_centers_, repeated.cluster_centers_)
    assert weighted.inertia_ == repeated.inertia_
    assert weighted.n_iter_ == repeated.n_iter_


def test_float_weights_give_weighted_means_and_inertia():
    points = _points(2000, seed=4).astype(np.float64)
    weights = np.random.default_rng(4).uniform(0, 3, len(points))
    weights[::5] = 0
    model = fq.KMeans(5, tol=0, random_state=0).fit(points, sample_weight=weights)
    np.testing.assert_array_equal(model.labels_, model.predict(points))
    for c in range(5):
        members = model.labels_ == c
        mean = np.average(points[members], axis=0, weights=weights[members])
        np.testing.assert_allclose(model.cluster_centers_[c], mean, rtol=1e-6)
    squared = np.sum((points - model.cluster_centers_[model.labels_]) ** 2, axis=1)
    assert model.inertia_ == pytest.approx(np.dot(weights, squared), rel=1e-5)
    assert model.score(points, sample_weight=weights) == pytest.approx(-model.inertia_, rel=1e-9)


def test_one_heavy_point_does_not_empty_its_cluster():
    # The third center starts empty; the heaviest cluster is the one point at 10.
    points = np.array([[0.0], [0.1], [0.2], [0.3], [10.0]])
    model = fq.KMeans(3, init=np.array([[0.0], [10.0], [100.0]]))
    model.fit(points, sample_weight=[1.5, 0.5, 0.5, 0.5, 100.5])
    assert np.all(np.isfinite(model.cluster_centers_))
    assert len(set(model.labels_)) == 3


@pytest.mark.parametrize(
    "sample_weight, error, message",
    [
        ([1, -1, 1, 1], ValueError, r"sample_weight must not be negative.*\[1\] = -1"),
        ([0, 0, 0, 0], ValueError, "sample_weight is all zero"),
        ([1, 0, 0, 0], ValueError, "sample_weight has 1 positive weights, fewer than n_clusters=2"),
        ([1, 1, 1], ValueError, r"sample_weight must have shape \(4,\)"),
        ([1, np.nan, 1, 1], ValueError, "sample_weight contains NaN"),
        (["a", 1, 1, 1], TypeError, "sample_weight must hold real numbers"),
    ],
)
def test_bad_sample_weights_are_named(sample_weight, error, message):
    with pytest.raises(error, match=message):
        fq.KMeans(2).fit(np.arange(8.0).reshape(4, 2), sample_weight=sample_weight)


def test_deprecated_names_warn_and_map_to_the_new_ones():
    points = _points(500)
    with pytest.warns(FutureWarning, match=r"attempts=.*deprecated.*use n_init"):
        old = fq.KMeans(4, attempts=3, random_state=5).fit(points)
    with pytest.warns(FutureWarning, match=r"seed=.*deprecated.*use random_state"):
        old_seed = fq.KMeans(4, n_init=3, seed=5).fit(points)
    new = fq.KMeans(4, n_init=3, random_state=5).fit(points)
    np.testing.assert_array_equal(old.labels_, new.labels_)
    np.testing.assert_array_equal(old_seed.cluster_centers_, new.cluster_centers_)
    with pytest.raises(ValueError, match="give n_init or its deprecated alias attempts"):
        with pytest.warns(FutureWarning):
            fq.KMeans(4, attempts=2, n_init=3).fit(points)


@pytest.mark.parametrize(
    "kwargs, error, word",
    [
        ({"init": "bogus"}, ValueError, "init"),
        ({"max_iter": 0}, ValueError, "max_iter"),
        ({"max_iter": 2.5}, TypeError, "max_iter"),
        ({"tol": -1.0}, ValueError, "tol"),
        ({"tol": "x"}, TypeError, "tol"),
        ({"tol": 1e200}, ValueError, "tol"),
        ({"tol": float("nan")}, ValueError, "tol"),
        ({"n_init": 0}, ValueError, "n_init"),
        ({"n_init": "many"}, TypeError, "n_init"),
        ({"n_clusters": 0}, ValueError, "n_clusters"),
        ({"random_state": "x"}, TypeError, "random_state"),
        ({"init": np.full((3, 4), np.nan)}, ValueError, "init.*NaN"),
    ],
)
def test_bad_parameters_are_named(kwargs, error, word):
    with pytest.raises(error, match=word):
        fq.KMeans(**{"n_clusters": 3, **kwargs}).fit(_points(100))


def test_bad_data_is_reported():
    model = fq.KMeans(2)
    with pytest.raises(ValueError, match="X must be 2-D.*Reshape your data"):
        model.fit(np.zeros(10))
    with pytest.raises(ValueError, match="Complex data not supported"):
        model.fit(np.ones((5, 2), dtype=complex))
    with pytest.raises(TypeError, match="X must hold numbers"):
        model.fit(np.array([["a", "b"], ["c", "d"]], dtype=object))
    with pytest.raises(ValueError, match="X contains NaN"):
        model.fit(np.full((3, 2), np.nan))
    scipy_sparse = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match="sparse"):
        model.fit(scipy_sparse.csr_matrix(np.eye(4)))


def test_object_arrays_of_numbers_are_numbers():
    points = _points(300).astype(np.float64)
    as_objects = fq.KMeans(3, random_state=0).fit(points.astype(object))
    plain = fq.KMeans(3, random_state=0).fit(points)
    np.testing.assert_array_equal(as_objects.cluster_centers_, plain.cluster_centers_)


def test_unfitted_use_raises_not_fitted_error():
    for method in ("predict", "transform", "score"):
        with pytest.raises(NotFittedError, match="not fitted yet") as caught:
            getattr(fq.KMeans(2), method)(np.zeros((3, 2)))
        assert isinstance(caught.value, ValueError) and isinstance(caught.value, AttributeError)
    sklearn_exceptions = pytest.importorskip("sklearn.exceptions")
    with pytest.raises(sklearn_exceptions.NotFittedError):
        fq.KMeans(2).predict(np.zeros((3, 2)))


def test_duplicates_give_a_convergence_warning():
    points = np.array([[0, 0], [0, 0], [1, 1], [1, 1]] * 5)
    with pytest.warns(ConvergenceWarning, match=r"distinct clusters \(2\).*n_clusters \(3\)"):
        model = fq.KMeans(3, random_state=0).fit(points)
    assert issubclass(ConvergenceWarning, UserWarning)
    np.testing.assert_array_equal(model.labels_, model.predict(points))


def test_array_init_with_several_runs_warns_and_runs_once():
    points = _points(500)
    start = points[[0, 100, 200]]
    with pytest.warns(RuntimeWarning, match="only one init"):
        warned = fq.KMeans(3, init=start, n_init=4).fit(points)
    once = fq.KMeans(3, init=start).fit(points)
    np.testing.assert_array_equal(warned.cluster_centers_, once.cluster_centers_)


def test_random_state_kinds():
    points = _points(500)
    fits = [fq.KMeans(4, random_state=3).fit(points).cluster_centers_ for _ in range(2)]
    np.testing.assert_array_equal(fits[0], fits[1])  # idempotent with an int
    np.random.seed(11)
    first = fq.KMeans(4).fit(points).cluster_centers_
    np.random.seed(11)
    np.testing.assert_array_equal(first, fq.KMeans(4).fit(points).cluster_centers_)
    for state in (np.random.RandomState(0), np.random.default_rng(0)):
        model = fq.KMeans(4, random_state=state).fit(points)
        np.testing.assert_array_equal(model.labels_, model.predict(points))


def test_fit_does_not_touch_the_thread_generator():
    fq.setRNGSeed(5)
    fq.KMeans(3, random_state=1).fit(_points(500))
    from fastquant._rng import thread_state

    assert int(thread_state()[0]) == 5


def test_transform_and_score():
    points = _points(1000).astype(np.float64)
    model = fq.KMeans(5, random_state=0).fit(points)
    expected = np.sqrt(((points[:, None, :] - model.cluster_centers_[None]) ** 2).sum(axis=2))
    np.testing.assert_allclose(model.transform(points), expected, rtol=1e-12)
    np.testing.assert_allclose(model.fit_transform(points), expected, rtol=1e-12)
    assert model.score(points) == pytest.approx(-model.inertia_, rel=1e-9)
    assert model.fit_predict(points) is model.labels_


def test_params_repr_and_pickle():
    model = fq.KMeans(3, tol=0.5)
    assert repr(model) == "KMeans(n_clusters=3, tol=0.5)"
    assert model.get_params()["n_init"] == 1
    assert model.set_params(n_init=2, max_iter=7) is model and model.max_iter == 7
    with pytest.raises(ValueError, match="Invalid parameter 'bogus'"):
        model.set_params(bogus=1)
    fitted = model.fit(_points(300))
    again = pickle.loads(pickle.dumps(fitted))
    new = _points(50, seed=2)
    np.testing.assert_array_equal(again.predict(new), fitted.predict(new))


def test_data_frames_give_feature_names():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(_points(300), columns=["a", "b", "c", "d"])
    model = fq.KMeans(3, random_state=0).fit(frame)
    assert list(model.feature_names_in_) == ["a", "b", "c", "d"]
    with pytest.raises(ValueError, match="feature names should match"):
        model.predict(frame[["d", "c", "b", "a"]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict(frame)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        model.predict(frame.to_numpy())
    assert not hasattr(model.fit(frame.to_numpy()), "feature_names_in_")


def test_fastquant_never_imports_sklearn():
    import subprocess
    import sys

    code = (
        "import sys, numpy as np, fastquant as fq\n"
        "m = fq.KMeans(2, random_state=0).fit(np.arange(20.0).reshape(10, 2))\n"
        "m.predict(np.zeros((1, 2)))\n"
        "try:\n    fq.KMeans().predict(np.zeros((1, 2)))\nexcept ValueError:\n    pass\n"
        "assert not [n for n in sys.modules if n.split('.')[0] == 'sklearn']\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_tol_is_relative_to_the_variance_and_sums_the_center_moves():
    points = _points(3000, seed=5).astype(np.float64)
    start = points[:5]
    centers = [start] + [fq.KMeans(5, init=start, max_iter=i, tol=0).fit(points).cluster_centers_
                         for i in range(1, 6)]
    moves = [np.sum((b - a) ** 2, axis=1) for a, b in zip(centers, centers[1:])]
    # Between the 4th and 5th total moves; the largest single move is below it already
    # at the 4th iteration, so cv2's rule would stop one iteration earlier.
    tol_abs = np.sqrt(np.sum(moves[3]) * np.sum(moves[4]))
    assert np.all([np.sum(m) > tol_abs for m in moves[:4]]) and np.max(moves[3]) < tol_abs
    tol = tol_abs / np.mean(np.var(points, axis=0))
    assert fq.KMeans(5, init=start, tol=tol).fit(points).n_iter_ == 5

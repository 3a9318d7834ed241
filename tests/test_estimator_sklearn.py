"""fastquant.KMeans as a scikit-learn estimator: scikit-learn's estimator checks, and
the cases of scikit-learn's own ``sklearn/cluster/tests/test_k_means.py`` that apply
to a dense Lloyd KMeans, rewritten here for fastquant (skipped without scikit-learn).

Not adapted (they test scikit-learn internals or options fastquant does not have):
sparse input (refused), ``algorithm="elkan"``, ``verbose``, ``copy_x``, MiniBatchKMeans,
the ``k_means``/``kmeans_plusplus`` functions and private helpers (empty-cluster
relocation, inertia and distance helpers, ``_init_centroids``).
"""

import warnings

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

from numpy.testing import assert_allclose, assert_array_equal  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import make_blobs  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.metrics import pairwise_distances, v_measure_score  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from fastquant import KMeans  # noqa: E402

#: Checks that do not apply, with the reason (also listed in docs/api.md).
NOT_APPLICABLE = {
    "check_sample_weight_equivalence_on_dense_data": (
        "the check shuffles the weighted samples but not the repeated ones, and "
        "k-means++ draws depend on the order of the samples (scikit-learn's own KMeans "
        "lists the same check as expected to fail); with the order kept, integer "
        "weights give bitwise the result of repeated rows (test_estimator.py)"
    ),
}

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*does not inherit from.*BaseEstimator")
    _CHECKS = parametrize_with_checks(
        [KMeans()], expected_failed_checks=lambda estimator: NOT_APPLICABLE
    )


@_CHECKS
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


# --- adapted from scikit-learn's sklearn/cluster/tests/test_k_means.py --------------

SEEDS = (0, 1)
TRUE_CENTERS = np.array([[0.0, 5.0, 0.0, 0.0, 0.0], [1.0, 1.0, 4.0, 0.0, 0.0],
                         [1.0, 0.0, 0.0, 5.0, 1.0]])
N_CLUSTERS, N_FEATURES = TRUE_CENTERS.shape
X, TRUE_LABELS = make_blobs(n_samples=100, centers=TRUE_CENTERS, cluster_std=1.0,
                            random_state=42)


def _check_fitted_model(km):
    assert km.cluster_centers_.shape == (N_CLUSTERS, N_FEATURES)
    assert np.unique(km.labels_).shape[0] == N_CLUSTERS
    assert_allclose(v_measure_score(TRUE_LABELS, km.labels_), 1.0)
    assert km.inertia_ > 0.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_results_on_a_toy_problem(dtype):
    toy = np.array([[0, 0], [0.5, 0], [0.5, 1], [1, 1]], dtype=dtype)
    km = KMeans(n_clusters=2, init=np.array([[0, 0], [1, 1]], dtype=dtype))
    km.fit(toy, sample_weight=[3, 1, 1, 3])
    assert_array_equal(km.labels_, [0, 0, 1, 1])
    assert_allclose(km.inertia_, 0.375)
    assert_allclose(km.cluster_centers_, [[0.125, 0], [0.875, 1]])
    assert km.n_iter_ == 2


def test_empty_cluster_is_refilled():
    toy = np.array([[0, 0], [0.5, 0], [0.5, 1], [1, 1]])
    km = KMeans(n_clusters=2, init=np.array([[0.5, 0.5], [3, 3]])).fit(toy)
    assert_allclose(km.inertia_, 0.25)
    assert km.n_iter_ == 3
    assert sorted(km.cluster_centers_.tolist()) == [[0.25, 0.0], [0.75, 1.0]]


@pytest.mark.parametrize("seed", SEEDS)
def test_tol_zero_converges_before_max_iter(seed):
    data = np.random.RandomState(seed).normal(size=(5000, 10))
    km = KMeans(n_clusters=5, random_state=seed, tol=0, max_iter=300).fit(data)
    assert km.n_iter_ < 300


@pytest.mark.parametrize(
    "init",
    ["random", "k-means++", TRUE_CENTERS.copy(), lambda X, k, random_state: TRUE_CENTERS.copy()],
    ids=["random", "k-means++", "ndarray", "callable"],
)
def test_all_init(init):
    n_init = 10 if isinstance(init, str) else 1
    _check_fitted_model(KMeans(init=init, n_clusters=N_CLUSTERS, random_state=42,
                               n_init=n_init).fit(X))


@pytest.mark.parametrize(
    "init, expected",
    [("k-means++", 1), ("random", 10),
     (lambda X, k, random_state: random_state.uniform(size=(k, X.shape[1])), 10),
     ("array", 1)],
)
def test_n_init_auto_with_initial_centroids(init, expected):
    data = np.random.randn(100, 10)
    if isinstance(init, str) and init == "array":
        init = np.random.randn(5, 10)
    assert KMeans(n_clusters=5, init=init, n_init="auto").fit(data)._n_init == expected


def test_fortran_aligned_data():
    km_c = KMeans(n_clusters=N_CLUSTERS, init=TRUE_CENTERS, random_state=0).fit(X)
    km_f = KMeans(n_clusters=N_CLUSTERS, init=np.asfortranarray(TRUE_CENTERS),
                  random_state=0).fit(np.asfortranarray(X))
    assert_allclose(km_c.cluster_centers_, km_f.cluster_centers_)
    assert_array_equal(km_c.labels_, km_f.labels_)


def test_warning_n_init_precomputed_centers():
    with pytest.warns(RuntimeWarning, match="Explicit initial center position passed"):
        KMeans(init=TRUE_CENTERS, n_clusters=N_CLUSTERS, n_init=10).fit(X)


@pytest.mark.parametrize("seed", SEEDS)
def test_score_improves_with_max_iter(seed):
    data = np.random.RandomState(seed).randn(100, 10)
    s1 = KMeans(random_state=seed, max_iter=1).fit(data).score(data)
    s2 = KMeans(random_state=seed, max_iter=10).fit(data).score(data)
    assert s2 > s1


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("max_iter", [2, 100])
def test_predict(dtype, max_iter):
    data, _ = make_blobs(n_samples=200, n_features=10, centers=10, random_state=0)
    data = data.astype(dtype)
    km = KMeans(n_clusters=10, init="random", n_init=10, max_iter=max_iter, random_state=0)
    labels = km.fit(data).labels_
    assert_array_equal(km.predict(data), labels)
    assert_array_equal(km.fit_predict(data), labels)
    assert_array_equal(km.predict(km.cluster_centers_), np.arange(10))


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
@pytest.mark.parametrize("init", ["k-means++", "ndarray"])
def test_integer_input(dtype, init):
    dense = np.array([[0, 0], [10, 10], [12, 9], [-1, 1], [2, 0], [8, 10]])
    n_init = 1 if init == "ndarray" else 10
    init = dense[:2] if init == "ndarray" else init
    km = KMeans(n_clusters=2, init=init, n_init=n_init, random_state=0).fit(dense.astype(dtype))
    assert km.cluster_centers_.dtype == np.float64
    assert_allclose(v_measure_score(km.labels_, [0, 1, 1, 0, 0, 1]), 1.0)


def test_transform():
    km = KMeans(n_clusters=N_CLUSTERS, random_state=0).fit(X)
    distances = km.transform(km.cluster_centers_)
    assert_allclose(distances, pairwise_distances(km.cluster_centers_))
    assert_array_equal(distances.diagonal(), np.zeros(N_CLUSTERS))
    assert_allclose(km.transform(X), pairwise_distances(X, km.cluster_centers_))


def test_fit_transform():
    first = KMeans(random_state=0).fit(X).transform(X)
    assert_allclose(first, KMeans(random_state=0).fit_transform(X))


def test_more_inits_never_worse():
    previous = np.inf
    for n_init in [1, 5, 10]:
        km = KMeans(n_clusters=N_CLUSTERS, init="random", n_init=n_init, random_state=0,
                    max_iter=1).fit(X)
        assert km.inertia_ <= previous
        previous = km.inertia_


@pytest.mark.parametrize("seed", SEEDS)
def test_float32_and_float64_agree(seed):
    km = KMeans(random_state=seed)
    results = {}
    for dtype in [np.float64, np.float32]:
        km.fit(X.astype(dtype))
        assert km.cluster_centers_.dtype == dtype
        results[dtype] = (km.inertia_, km.transform(X.astype(dtype)), km.cluster_centers_,
                          km.labels_)
    single, double = results[np.float32], results[np.float64]
    assert_allclose(single[0], double[0], rtol=1e-4)
    assert_allclose(single[1], double[1], atol=double[1].max() * 1e-4)
    assert_allclose(single[2], double[2], atol=double[2].max() * 1e-4)
    assert_array_equal(single[3], double[3])


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.float32, np.float64])
def test_init_centers_not_mutated(dtype):
    init = TRUE_CENTERS.astype(dtype)
    km = KMeans(init=init, n_clusters=N_CLUSTERS).fit(X.astype(dtype))
    assert not np.may_share_memory(km.cluster_centers_, init)
    assert_array_equal(init, TRUE_CENTERS.astype(dtype))


def test_init_at_fitted_centers_keeps_them():
    km1 = KMeans(n_clusters=N_CLUSTERS).fit(X)
    km2 = KMeans(n_clusters=N_CLUSTERS, init=km1.cluster_centers_).fit(X)
    assert_allclose(km1.cluster_centers_, km2.cluster_centers_)


@pytest.mark.parametrize("seed", SEEDS)
def test_warns_fewer_distinct_points_than_clusters(seed):
    data = np.asarray([[0, 0], [0, 1], [1, 0], [1, 0]])
    km = KMeans(n_clusters=4, random_state=seed)
    with pytest.warns(ConvergenceWarning, match=r"Number of distinct clusters \(3\) found "
                      r"smaller than n_clusters \(4\). Possibly due to duplicate points in X."):
        km.fit(data)
    assert set(km.labels_) == set(range(3))


@pytest.mark.parametrize("seed", SEEDS)
def test_weighted_vs_repeated(seed):
    weights = np.random.RandomState(seed).randint(1, 5, size=len(X))
    km = KMeans(init=TRUE_CENTERS, n_clusters=N_CLUSTERS, random_state=seed)
    weighted = clone(km).fit(X, sample_weight=weights)
    repeated = clone(km).fit(np.repeat(X, weights, axis=0))
    assert_array_equal(repeated.labels_, np.repeat(weighted.labels_, weights))
    assert_allclose(weighted.inertia_, repeated.inertia_)
    assert_allclose(np.sort(weighted.cluster_centers_, axis=0),
                    np.sort(repeated.cluster_centers_, axis=0))


@pytest.mark.parametrize("seed", SEEDS)
def test_unit_weights_vs_no_weights(seed):
    km = KMeans(n_clusters=N_CLUSTERS, random_state=seed)
    none = clone(km).fit(X)
    ones = clone(km).fit(X, sample_weight=np.ones(len(X)))
    assert_array_equal(none.labels_, ones.labels_)
    assert_allclose(none.cluster_centers_, ones.cluster_centers_)


@pytest.mark.parametrize("seed", SEEDS)
def test_scaled_weights(seed):
    weights = np.random.RandomState(seed).uniform(size=len(X))
    km = KMeans(n_clusters=N_CLUSTERS, random_state=seed)
    original = clone(km).fit(X, sample_weight=weights)
    scaled = clone(km).fit(X, sample_weight=0.5 * weights)
    assert_array_equal(original.labels_, scaled.labels_)
    assert_allclose(original.cluster_centers_, scaled.cluster_centers_)


def test_max_iter_one_counts_one_iteration():
    assert KMeans(max_iter=1).fit(X).n_iter_ == 1


def test_empty_cluster_with_weights_is_refilled():
    km = KMeans(n_clusters=2, init=np.array([[-1], [10]]))
    km.fit(np.array([[-1], [1]]), sample_weight=[1.9, 0.1])
    assert len(set(km.labels_)) == 2
    assert_allclose(km.cluster_centers_, [[-1], [1]])


@pytest.mark.parametrize("seed", SEEDS)
def test_same_result_with_one_and_two_threads(seed):
    import numba

    data = np.random.RandomState(seed).normal(size=(50, 10))
    previous = numba.get_num_threads()
    results = []
    try:
        for threads in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(threads)
            results.append(KMeans(n_clusters=N_CLUSTERS, random_state=seed).fit(data).labels_)
    finally:
        numba.set_num_threads(previous)
    assert_array_equal(results[0], results[1])


@pytest.mark.parametrize("seed", SEEDS)
def test_one_iteration_is_assign_update_assign(seed):
    data = np.random.RandomState(seed).uniform(size=(100, 5))
    init = data[:5]
    labels = pairwise_distances(data, init).argmin(axis=1)
    centers = np.array([data[labels == k].mean(axis=0) for k in range(5)])
    km = KMeans(n_clusters=5, init=init, max_iter=1).fit(data)
    assert_array_equal(km.labels_, pairwise_distances(data, centers).argmin(axis=1))
    assert_allclose(km.cluster_centers_, centers)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_inertia_is_the_weighted_sum_of_squared_distances(dtype):
    rng = np.random.RandomState(0)
    data = rng.randn(100, 10).astype(dtype)
    weights = rng.uniform(size=100)
    km = KMeans(n_clusters=5, random_state=0).fit(data, sample_weight=weights)
    squared = ((data.astype(np.float64) - km.cluster_centers_[km.labels_]) ** 2).sum(axis=1)
    assert_allclose(km.inertia_, np.sum(squared * weights), rtol=1e-6)
    assert_allclose(km.score(data, sample_weight=weights), -km.inertia_, rtol=1e-12)


def test_n_init_auto():
    assert KMeans(n_init="auto", init="k-means++").fit(X)._n_init == 1
    assert KMeans(n_init="auto", init="random").fit(X)._n_init == 10


def test_sample_weight_unchanged():
    weights = np.array([0.5, 0.2, 0.3])
    KMeans(n_clusters=2, random_state=0).fit(np.array([[1], [2], [4]]), sample_weight=weights)
    assert_array_equal(weights, [0.5, 0.2, 0.3])


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_clusters": len(X) + 1}, r"n_samples.* should be >= n_clusters"),
        ({"init": X[:2]},
         r"The shape of the initial centers .* does not match the number of clusters"),
        ({"init": lambda X_, k, random_state: X_[:2]},
         r"The shape of the initial centers .* does not match the number of clusters"),
        ({"init": X[:8, :2]},
         r"The shape of the initial centers .* does not match the number of features of the data"),
        ({"init": lambda X_, k, random_state: X_[:8, :2]},
         r"The shape of the initial centers .* does not match the number of features of the data"),
    ],
)
def test_wrong_params(params, match):
    with pytest.raises(ValueError, match=match):
        KMeans().set_params(**params).fit(X)


@pytest.mark.parametrize("kwargs", [{"init": np.str_("k-means++")},
                                    {"init": [[0, 0], [1, 1]], "n_init": 1}])
def test_array_like_or_numpy_scalar_init(kwargs):
    KMeans(n_clusters=2, **kwargs).fit(np.asarray([[0, 0], [0.5, 0], [0.5, 1], [1, 1]]))


def test_feature_names_out():
    km = KMeans().fit(X)
    assert_array_equal(km.get_feature_names_out(), [f"kmeans{i}" for i in range(8)])


def test_predict_with_read_only_centers():
    data, _ = make_blobs(n_samples=200, n_features=10, centers=10, random_state=0)
    km = KMeans()
    first = km.fit_predict(data)
    km.cluster_centers_.setflags(write=False)
    km.labels_.setflags(write=False)
    assert_array_equal(first, km.predict(data))


def test_relocating_with_duplicates_stops():
    data = np.array([[0, 0], [1, 1], [1, 1], [1, 0], [0, 1]])
    km = KMeans(n_clusters=5, init=data)
    message = r"Number of distinct clusters \(4\) found smaller than n_clusters \(5\)"
    with pytest.warns(ConvergenceWarning, match=message):
        km.fit(data)
    assert km.n_iter_ == 1


def test_pipeline_and_grid_search():
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipeline = make_pipeline(StandardScaler(), KMeans(random_state=0))
    search = GridSearchCV(pipeline, {"kmeans__n_clusters": [2, 3]}, cv=2).fit(X)
    assert search.best_params_ == {"kmeans__n_clusters": 3}  # the score is -inertia
    assert search.best_estimator_[-1].get_params()["n_clusters"] == 3
    assert search.predict(X).shape == (len(X),)

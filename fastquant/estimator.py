"""``fastquant.KMeans``: k-means with scikit-learn's estimator interface on fastquant's
engine. scikit-learn itself is optional (see ``_estimator_checks``)."""

import inspect
import warnings
from typing import Any, Callable, Optional, Union

import numpy as np
from numpy.typing import ArrayLike

from . import kernels
from .kernels import _estimator
from ._estimator_checks import (
    ConvergenceWarning,
    NotFittedError,
    as_samples,
    check_feature_names,
    relative_tol,
    sample_weights,
    seed_from,
    sklearn_compatible,
)
from ._estimator_fit import fit_rows, mean_variance, sample_labels, weighted_rows
from ._execution import launch
from ._rng import new_state
from ._validation import positive_int, starting_centers

_INITS = ("k-means++", "random")


class KMeans:
    """k-means clustering with scikit-learn's interface and fastquant's exact engine.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters (at most the number of samples).
    init : {"k-means++", "random"}, callable or array_like of shape (n_clusters, n_features)
        Seeding: k-means++ with 3 candidates per center (cv2's), centers drawn
        uniformly in the bounding box of the data (cv2's "random"), a callable
        ``init(X, n_clusters, random_state)`` returning the centers, or the centers.
    n_init : int or "auto", default=1
        Runs from different seedings; the one of smallest inertia is kept. "auto" is
        10 with ``init="random"``, else 1. Given centers (array or callable) run once:
        ``n_init > 1`` then warns.
    max_iter : int, default=300
        Most Lloyd iterations (an assignment pass and a center update) per run.
    tol : float, default=1e-4
        A run stops when the sum over the centers of their squared moves is at most
        ``tol`` times the mean variance of the features (weighted by
        ``sample_weight``), as in scikit-learn. 0 stops only when no center moves.
    random_state : int, numpy.random.RandomState, numpy.random.Generator or None
        Seeds this estimator's own cv2-style generator: an int ``s`` seeds it as
        ``cv::RNG(s)`` (fits are repeatable); a RandomState or Generator gives a
        new seed at each fit; None draws it from numpy's global RandomState. The
        thread's generator of ``fastquant.kmeans`` is never touched.
    attempts : int, optional
        Deprecated alias of ``n_init`` (FutureWarning; removed in the next release).
    seed : int, optional
        Deprecated alias of ``random_state`` (FutureWarning; removed in the next release).

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        The float64 means of the clusters of the last update, in the floating dtype
        of ``X`` (float32 for float32 input, else float64).
    labels_ : ndarray of int32, shape (n_samples,)
        Cluster of each training sample: ``predict(X)`` on the training data.
    inertia_ : float
        Weighted sum of squared distances of the samples to their centers.
    n_iter_ : int
        Lloyd iterations of the run kept.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        The column names, when ``X`` was a data frame with string column names.

    Notes
    -----
    Distances are computed in float32 (in cv2's order, as ``fastquant.kmeans``
    does), sums in float64. ``predict`` and the last pass of ``fit`` compare the
    samples, rounded to float32, with ``cluster_centers_`` rounded to float32, so
    ``labels_`` equals ``predict(X)``. ``transform`` computes distances in float64.
    """

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        init: Union[str, np.ndarray, Callable] = "k-means++",
        n_init: Union[int, str] = 1,
        max_iter: int = 300,
        tol: float = 1e-4,
        random_state: Union[None, int, np.random.RandomState, np.random.Generator] = None,
        attempts: Optional[int] = None,
        seed: Optional[int] = None,
    ):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.attempts = attempts
        self.seed = seed

    # --- scikit-learn's estimator protocol ------------------------------------------

    @classmethod
    def _param_names(cls):
        return [name for name in inspect.signature(cls.__init__).parameters if name != "self"]

    def get_params(self, deep: bool = True) -> dict:
        """The constructor's parameters, by name.

        Parameters
        ----------
        deep : bool
            Accepted for scikit-learn's sake; no effect (no parameter is an estimator).
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> "KMeans":
        """Set constructor parameters in place; return self.

        Parameters
        ----------
        **params
            Constructor parameters by name; another name is a ValueError.
        """
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for estimator {self!r}. Valid parameters "
                    f"are: {valid!r}."
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = inspect.signature(type(self).__init__).parameters
        changed = [
            f"{name}={value!r}"
            for name, value in self.get_params().items()
            if isinstance(value, np.ndarray) or callable(value)
            or type(value) is not type(defaults[name].default) or value != defaults[name].default
        ]
        return f"{type(self).__name__}({', '.join(changed)})"

    def __sklearn_tags__(self):
        """scikit-learn's tags (called by scikit-learn only, so it is installed)."""
        from sklearn.utils import InputTags, Tags, TargetTags, TransformerTags

        return Tags(
            estimator_type="clusterer",
            target_tags=TargetTags(required=False),
            transformer_tags=TransformerTags(preserves_dtype=["float64", "float32"]),
            input_tags=InputTags(),
        )

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "cluster_centers_")

    # --- fitting --------------------------------------------------------------------

    def _aliases(self):
        """``(n_init, random_state)`` with the deprecated ``attempts`` and ``seed``."""
        n_init, random_state = self.n_init, self.random_state
        for old, new, default in (("attempts", "n_init", 1), ("seed", "random_state", None)):
            value = getattr(self, old)
            if value is None:
                continue
            warnings.warn(
                f"KMeans({old}=...) is deprecated and will be removed in the next "
                f"release: use {new}", FutureWarning, stacklevel=3,
            )
            if getattr(self, new) is not default:
                raise ValueError(f"give {new} or its deprecated alias {old}, not both")
            if old == "attempts":
                n_init = value
            else:
                random_state = value
        if isinstance(n_init, str) and n_init == "auto":
            drawn = callable(self.init) or (isinstance(self.init, str) and self.init == "random")
            n_init = 10 if drawn else 1
        return positive_int(n_init, "n_init"), random_state

    def _initial_centers(self, values, n_clusters: int, seed: int):
        """The ``init`` centers as float32, or None to seed by k-means++ / random."""
        init = self.init
        if isinstance(init, str):
            if init not in _INITS:
                raise ValueError(
                    f"init must be one of {_INITS}, a callable or an array, got {init!r}"
                )
            return None
        if callable(init):
            init = init(values, n_clusters, random_state=np.random.RandomState(seed % 2**32))
        shape = np.shape(init)
        for axis, what, size in ((0, "number of clusters", n_clusters),
                                 (1, "number of features of the data", values.shape[1])):
            if len(shape) == 2 and shape[axis] != size:
                raise ValueError(
                    f"The shape of the initial centers {shape} given as init does not "
                    f"match the {what} {size}"
                )
        return starting_centers(init, n_clusters, values.shape[1], "init",
                                "(n_clusters, n_features)")

    def fit(self, X: ArrayLike, y: Any = None,
            sample_weight: Optional[ArrayLike] = None) -> "KMeans":
        """Cluster ``X``; return self.

        Parameters
        ----------
        X : array_like or data frame of shape (n_samples, n_features)
        y : ignored
        sample_weight : array_like of shape (n_samples,), optional
            Non-negative weights, not all zero: the means, the inertia and k-means++
            are weighted. Integer weights give the result of repeating each sample
            ``weight`` times (bitwise, on integer data, up to a total of 2**24
            samples or 16 times n_samples).
        """
        n_init, random_state = self._aliases()
        n_clusters = positive_int(self.n_clusters, "n_clusters")
        max_iter = positive_int(self.max_iter, "max_iter")
        tol = relative_tol(self.tol)
        samples = as_samples(X)
        n_samples, n_features = samples.points.values.shape
        if n_samples < n_clusters:
            raise ValueError(f"n_samples={n_samples} should be >= n_clusters={n_clusters}.")
        weights = sample_weights(sample_weight, n_samples)
        if weights is not None and np.count_nonzero(weights) < n_clusters:
            raise ValueError(
                f"sample_weight has {np.count_nonzero(weights)} positive weights, fewer "
                f"than n_clusters={n_clusters}"
            )
        seed = seed_from(random_state)
        if not isinstance(self.init, str) and not callable(self.init) and n_init != 1:
            warnings.warn(
                "Explicit initial center position passed: performing only one init in "
                f"KMeans instead of n_init={n_init}.", RuntimeWarning, stacklevel=2,
            )
            n_init = 1
        self._n_init = n_init
        weighted = weighted_rows(samples.points, weights)
        rows = weighted.rows
        tol_abs = tol * mean_variance(rows.values, rows.weights) if tol else 0.0
        use_kmeanspp = isinstance(self.init, str) and self.init == "k-means++"
        rng_state = new_state(seed)
        best = None
        # A callable gives the centers of each run; otherwise the engine runs them all.
        calls, runs_per_call = (n_init, 1) if callable(self.init) else (1, n_init)
        for call in range(calls):
            start_centers = self._initial_centers(samples.points.values, n_clusters, seed + call)
            fitted = fit_rows(
                samples.points, weighted, n_clusters, max_iter, tol_abs, runs_per_call,
                use_kmeanspp, rng_state, start_centers,
            )
            if best is None or fitted.compactness < best.compactness:
                best = fitted
        self._set_fitted(best, sample_labels(samples.points, best, weighted), samples)
        return self

    def _set_fitted(self, fitted, labels, samples):
        self.cluster_centers_ = fitted.centers.astype(samples.dtype)
        self.labels_ = labels
        self.inertia_ = fitted.compactness
        self.n_iter_ = fitted.n_iter
        self.n_features_in_ = samples.points.values.shape[1]
        if samples.feature_names is not None:
            self.feature_names_in_ = samples.feature_names
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        n_clusters = len(fitted.centers)
        found = np.count_nonzero(np.bincount(fitted.row_labels, minlength=n_clusters))
        if found < n_clusters:  # samples left out of the rows may hold other labels
            found = np.count_nonzero(np.bincount(labels, minlength=n_clusters))
        if found < n_clusters:
            warnings.warn(
                f"Number of distinct clusters ({found}) found smaller than n_clusters "
                f"({n_clusters}). Possibly due to duplicate points in X.",
                sklearn_compatible(ConvergenceWarning, "ConvergenceWarning"), stacklevel=3,
            )

    # --- using the fitted model -----------------------------------------------------

    def _fitted_samples(self, X):
        """``X`` validated against the fitted model."""
        if not self.__sklearn_is_fitted__():
            raise sklearn_compatible(NotFittedError, "NotFittedError")(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' "
                "with appropriate arguments before using this estimator."
            )
        samples = as_samples(X)
        check_feature_names(getattr(self, "feature_names_in_", None), samples.feature_names,
                            type(self).__name__)
        n_features = samples.points.values.shape[1]
        if n_features != self.n_features_in_:
            raise ValueError(
                f"X has {n_features} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )
        return samples

    def _nearest(self, samples):
        """Labels (int32) and float32 squared distances of the nearest centers."""
        values = samples.points.values
        centers = np.array(self.cluster_centers_, dtype=np.float32, order="C")  # writable
        labels = np.empty(len(values), dtype=np.int32)
        distances = np.empty(len(values), dtype=np.float32)
        launch(kernels.assign, values, centers, labels, distances, work=values.size * len(centers))
        return labels, distances

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Index of the nearest center for each row of ``X`` (int32).

        Parameters
        ----------
        X : array_like or data frame of shape (n_samples, n_features)
            With the fitted model's number of features (and names, if fitted with some).
        """
        return self._nearest(self._fitted_samples(X))[0]

    def fit_predict(self, X: ArrayLike, y: Any = None,
                    sample_weight: Optional[ArrayLike] = None) -> np.ndarray:
        """``fit(X, y, sample_weight).labels_`` (the parameters as in :meth:`fit`)."""
        return self.fit(X, sample_weight=sample_weight).labels_

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Euclidean distances from each row of ``X`` to each center, shape
        (n_samples, n_clusters), in the floating dtype of ``X``.

        Parameters
        ----------
        X : array_like or data frame of shape (n_samples, n_features)
            As in :meth:`predict`.
        """
        samples = self._fitted_samples(X)
        values = samples.points.values
        if samples.dtype != values.dtype:
            values = np.array(samples.array, dtype=samples.dtype, order="C")
        out = np.empty((len(values), len(self.cluster_centers_)), dtype=samples.dtype)
        centers = np.array(self.cluster_centers_, dtype=np.float64, order="C")
        launch(_estimator.center_distances, values, centers, out, work=out.size * values.shape[1])
        return out

    def fit_transform(self, X: ArrayLike, y: Any = None,
                      sample_weight: Optional[ArrayLike] = None) -> np.ndarray:
        """``fit(X, y, sample_weight).transform(X)`` (the parameters as in :meth:`fit`)."""
        return self.fit(X, sample_weight=sample_weight).transform(X)

    def score(self, X: ArrayLike, y: Any = None,
              sample_weight: Optional[ArrayLike] = None) -> float:
        """Opposite of the (weighted) inertia of ``X`` for the fitted centers.

        Parameters
        ----------
        X : array_like or data frame of shape (n_samples, n_features)
            As in :meth:`predict`.
        y : ignored
        sample_weight : array_like of shape (n_samples,), optional
            Weight of each row's squared distance.
        """
        samples = self._fitted_samples(X)
        _, distances = self._nearest(samples)
        weights = sample_weights(sample_weight, len(distances))
        if weights is None:
            return -float(np.sum(distances, dtype=np.float64))
        return -float(np.dot(weights, distances.astype(np.float64)))

    def get_feature_names_out(self, input_features: Optional[ArrayLike] = None) -> np.ndarray:
        """Names of the ``transform`` columns: ``kmeans0``, ``kmeans1``, ...

        Parameters
        ----------
        input_features : array_like of str, optional
            Checked against the fitted features (their number, and their names when
            fitted with names); not used otherwise.
        """
        if not self.__sklearn_is_fitted__():
            raise sklearn_compatible(NotFittedError, "NotFittedError")(
                f"This {type(self).__name__} instance is not fitted yet."
            )
        if input_features is not None:
            given = np.asarray(input_features, dtype=object)
            if len(given) != self.n_features_in_:
                raise ValueError(
                    "input_features should have length equal to number of features "
                    f"({self.n_features_in_}), got {len(given)}"
                )
            fitted = getattr(self, "feature_names_in_", None)
            if fitted is not None and not np.array_equal(given, fitted):
                raise ValueError("input_features is not equal to feature_names_in_")
        prefix = type(self).__name__.lower()
        return np.asarray([f"{prefix}{k}" for k in range(len(self.cluster_centers_))], dtype=object)

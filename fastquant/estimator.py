"""``KMeans``: fit once, assign many times (for code that is not replacing cv2)."""

import os
from typing import Optional, Union

import numpy as np

from . import _validation as check
from . import kernels
from ._execution import launch
from ._lloyd import best_attempt
from ._rng import new_state
from ._validation import Criteria

_INITS = ("k-means++", "random")


def _as_2d_points(X, name: str) -> check.Points:
    values = check.as_float32(X, name)
    if values.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {values.shape}")
    return check.checked_points(values, name)


class KMeans:
    """k-means with cv2's algorithm, exact float64 means and a private generator.

    Parameters
    ----------
    n_clusters : int
        Number of clusters.
    init : {"k-means++", "random"} or array_like of shape (n_clusters, n_features)
        Seeding: k-means++ with 3 trials per center, uniform in the data's box, or
        these initial centers (then ``attempts`` must be 1).
    attempts : int
        Independent runs; the one of smallest inertia is kept.
    max_iter : int
        Center computations per run, the initial one included (cv2's ``maxCount``),
        at least 2.
    tol : float
        A run stops when no center moves by more than ``tol``.
    seed : int, optional
        Seed of this estimator's own cv2-style generator; None draws one from the OS.
        The thread's generator used by ``fastquant.kmeans`` is never touched.

    Attributes
    ----------
    cluster_centers_ : ndarray of float32, shape (n_clusters, n_features)
    labels_ : ndarray of int32, shape (n_samples,)
    inertia_ : float
        Sum of squared distances of the training points to their centers.
    """

    def __init__(
        self,
        n_clusters: int,
        *,
        init: Union[str, np.ndarray] = "k-means++",
        attempts: int = 1,
        max_iter: int = 100,
        tol: float = 1e-4,
        seed: Optional[int] = None,
    ):
        self.n_clusters = n_clusters
        self.init = init
        self.attempts = attempts
        self.max_iter = max_iter
        self.tol = tol
        self.seed = seed

    def _criteria(self) -> Criteria:
        max_iter = check.require_int(self.max_iter, "max_iter")
        if max_iter < 2:
            raise ValueError(f"max_iter must be at least 2, got {max_iter}")
        if not (np.isfinite(self.tol) and self.tol >= 0):
            raise ValueError(f"tol must be a finite number >= 0, got {self.tol}")
        return Criteria(max_iter=max_iter, eps_sq=float(self.tol) ** 2)

    def _initial_centers(self, n_clusters: int, n_features: int, attempts: int):
        """The ``init`` centers as float32 (n_clusters, n_features), or None."""
        if isinstance(self.init, str):
            if self.init not in _INITS:
                raise ValueError(f"init must be one of {_INITS} or an array, got {self.init!r}")
            return None
        centers = check.starting_centers(self.init, n_clusters, n_features, "init",
                                         "(n_clusters, n_features)")
        if attempts != 1:
            raise ValueError(f"init given as centers runs one attempt: attempts must be 1, got {attempts}")
        return centers

    def fit(self, X) -> "KMeans":
        """Cluster ``X`` (n_samples, n_features); return self."""
        points = _as_2d_points(X, "X")
        n_samples, n_features = points.values.shape
        n_clusters = check.parse_k(self.n_clusters, n_samples)
        attempts = check.require_int(self.attempts, "attempts")
        if attempts < 1:
            raise ValueError(f"attempts must be at least 1, got {attempts}")
        start_centers = self._initial_centers(n_clusters, n_features, attempts)
        seed = self.seed if self.seed is not None else int.from_bytes(os.urandom(8), "little")
        best, rows = best_attempt(
            points, n_clusters, self._criteria(), attempts,
            isinstance(self.init, str) and self.init == "k-means++", new_state(check.require_int(seed, "seed")),
            start_centers=start_centers,
        )
        self.cluster_centers_ = best.centers
        self.labels_ = best.take_sample_labels(rows)
        self.inertia_ = best.compactness
        return self

    def predict(self, X) -> np.ndarray:
        """Index of the nearest fitted center for each row of ``X`` (int32)."""
        centers = getattr(self, "cluster_centers_", None)
        if centers is None:
            raise RuntimeError("this KMeans is not fitted yet: call fit first")
        points = _as_2d_points(X, "X").values
        if points.shape[1] != centers.shape[1]:
            raise ValueError(
                f"X has {points.shape[1]} features but the model was fitted with "
                f"{centers.shape[1]}"
            )
        labels = np.empty(points.shape[0], dtype=np.int32)
        distances = np.empty(points.shape[0], dtype=np.float32)
        launch(kernels.assign, points, centers, labels, distances)
        return labels

    def fit_predict(self, X) -> np.ndarray:
        """Fit on ``X`` and return its labels."""
        return self.fit(X).labels_

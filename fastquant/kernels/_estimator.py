"""Kernels of ``fastquant.KMeans`` that the cv2 engine does not need: the distances to
every center (``transform``) and the weighted spread of the features (scikit-learn's
relative ``tol``)."""

import numpy as np
from numba import prange

from .._jit import kernel
from ._common import chunk_bounds, chunk_count


@kernel
def center_distances(X, centers, out):
    """Euclidean distance from every point to every center.

    Parameters
    ----------
    X : float32 or float64 (n_samples, n_features)
        IN: the points.
    centers : float64 (n_clusters, n_features)
        IN: the centers.
    out : float32 or float64 (n_samples, n_clusters)
        OUT: ``out[i, k]``, the distance from ``X[i]`` to ``centers[k]``, summed in
        float64 and rounded to ``out``'s dtype.
    """
    n_samples, n_features = X.shape
    n_chunks = chunk_count(n_samples)
    for chunk in prange(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n_samples)
        for i in range(start, stop):
            for k in range(centers.shape[0]):
                total = 0.0
                for j in range(n_features):
                    t = np.float64(X[i, j]) - centers[k, j]
                    total += t * t
                out[i, k] = np.sqrt(total)


@kernel
def shifted_moments(X, weights, shift, partial):
    """Per-chunk weighted sums of ``X - shift`` and of its square, feature by feature.

    Parameters
    ----------
    X : float32 (n_samples, n_features)
        IN: the points.
    weights : int32 or float64 (n_samples,)
        IN: weight of each point.
    shift : float64 (n_features,)
        IN: subtracted from every point (one of them: keeps the sums of squares
        small, so that the variance does not cancel out).
    partial : float64 (n_chunks, 2, n_features)
        OUT: per chunk, ``sum w * (x - shift)`` and ``sum w * (x - shift)**2``;
        combine them in chunk order.
    """
    n_samples, n_features = X.shape
    n_chunks = partial.shape[0]
    for chunk in prange(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n_samples)
        sums = partial[chunk]
        for j in range(n_features):
            sums[0, j] = 0.0
            sums[1, j] = 0.0
        for i in range(start, stop):
            w = np.float64(weights[i])
            for j in range(n_features):
                t = np.float64(X[i, j]) - shift[j]
                sums[0, j] += w * t
                sums[1, j] += w * t * t

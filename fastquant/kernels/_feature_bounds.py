"""The validation pass: per-feature bounding box and a count of non-finite values."""

import numpy as np
from numba import prange

from .._jit import kernel
from ._checks import require_equal
from ._common import F32_INF, F32_ZERO, chunk_bounds, chunk_count


@kernel
def feature_bounds(X, low, high):
    """Per-feature minimum and maximum of the finite values, and a count of the others.

    Parameters
    ----------
    X : float32 (n_samples, n_features)
        IN: the points (may hold NaN or infinities: this is the validation pass).
    low, high : float32 (n_features,)
        OUT: smallest and largest finite value of each feature (+inf and -inf for a
        feature with no finite value).

    Returns
    -------
    int
        Number of NaN and infinite values.
    """
    n_samples, n_features = X.shape
    require_equal(low.shape[0], n_features, "low must have one entry per column of X")
    require_equal(high.shape[0], n_features, "high must have one entry per column of X")
    n_chunks = chunk_count(n_samples)
    chunk_low = np.empty((n_chunks, n_features), dtype=np.float32)
    chunk_high = np.empty((n_chunks, n_features), dtype=np.float32)
    chunk_bad = np.empty(n_chunks, dtype=np.int64)
    for chunk in prange(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n_samples)
        bad = 0
        for j in range(n_features):
            chunk_low[chunk, j] = F32_INF
            chunk_high[chunk, j] = -F32_INF
        for i in range(start, stop):
            for j in range(n_features):
                x = X[i, j]
                if x - x != F32_ZERO:  # NaN, or inf - inf
                    bad += 1
                else:
                    chunk_low[chunk, j] = min(chunk_low[chunk, j], x)
                    chunk_high[chunk, j] = max(chunk_high[chunk, j], x)
        chunk_bad[chunk] = bad
    n_bad = 0
    for j in range(n_features):
        low[j] = F32_INF
        high[j] = -F32_INF
    for chunk in range(n_chunks):
        n_bad += chunk_bad[chunk]
        for j in range(n_features):
            low[j] = min(low[j], chunk_low[chunk, j])
            high[j] = max(high[j], chunk_high[chunk, j])
    return n_bad

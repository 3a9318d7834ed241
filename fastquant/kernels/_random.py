"""OpenCV's multiply-with-carry generator (``cv::RNG``) and a counter-based stream.

The generator's state is a ``uint64`` array of shape (1,) that the functions advance in
place, so that a Python caller and jitted code share it.
"""

import numpy as np
from .._jit import helper
from ._checks import require_at_least, require_equal, require_rng_state
from ._common import F32_ONE, F32_TWO


_RNG_MULTIPLIER = np.uint64(4164903690)
_LOW32 = np.uint64(0xFFFFFFFF)
_SHIFT32 = np.uint64(32)
_FLOAT_SCALE = np.float32(2.3283064365386962890625e-10)  # 2**-32
_DOUBLE_SCALE = 5.4210108624275221700372640043497e-20  # 2**-64


@helper
def rng_next(state):
    """Advance the generator; return the next uint32 (cv::RNG::next).

    Parameters
    ----------
    state : ndarray of uint64, shape (1,)
        INOUT: the generator state.

    Returns
    -------
    uint32
    """
    require_rng_state(state)
    s = (state[0] & _LOW32) * _RNG_MULTIPLIER + (state[0] >> _SHIFT32)
    state[0] = s
    return np.uint32(s & _LOW32)


@helper
def rng_float(state):
    """Next float32 in [0, 1), computed as OpenCV does (``next() * 2**-32`` in float32)."""
    return np.float32(rng_next(state)) * _FLOAT_SCALE


@helper
def rng_double(state):
    """Next float64 in [0, 1) from two draws, the first one in the high 32 bits."""
    high = np.uint64(rng_next(state))
    low = np.uint64(rng_next(state))
    return np.float64((high << _SHIFT32) | low) * _DOUBLE_SCALE


_GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_TOP53_SCALE = 1.0 / 9007199254740992.0  # 2**-53


@helper
def counter_uniforms(seed, first_index, out):
    """Uniform float64 in [0, 1) for each sample index, independent of any partition.

    The value of sample ``i`` is the SplitMix64 output for ``seed + i * gamma``: a
    pure function of ``(seed, i)``, so blocks of a distributed array draw the same
    numbers however the array is chunked.

    Parameters
    ----------
    seed : uint64
        Stream seed.
    first_index : int
        Sample index of ``out[0]``.
    out : float64 (n,)
        OUT: the numbers of samples ``first_index`` to ``first_index + n - 1``.
    """
    for i in range(out.shape[0]):
        z = np.uint64(seed) + np.uint64(first_index + i) * _GOLDEN_GAMMA
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        z = (z ^ (z >> np.uint64(27))) * _MIX2
        z = z ^ (z >> np.uint64(31))
        out[i] = np.float64(z >> np.uint64(11)) * _TOP53_SCALE


@helper
def random_centers(low, high, n_clusters, rng_state):
    """Random centers in the bounding box widened by 1/n_features (cv2's rule).

    Parameters
    ----------
    low, high : float32 (n_features,)
        IN: per-feature minimum and maximum of the data.
    n_clusters : int
        Number of centers.
    rng_state : uint64 (1,)
        INOUT: generator state; one float is drawn per center and feature, in order.

    Returns
    -------
    float32 (n_clusters, n_features)
    """
    n_features = low.shape[0]
    require_equal(high.shape[0], n_features, "high must have as many entries as low")
    require_at_least(n_clusters, 0, "n_clusters must not be negative")
    margin = F32_ONE / np.float32(n_features)
    scale = F32_ONE + margin * F32_TWO
    centers = np.empty((n_clusters, n_features), dtype=np.float32)
    for k in range(n_clusters):
        for j in range(n_features):
            u = rng_float(rng_state)
            centers[k, j] = (u * scale - margin) * (high[j] - low[j]) + low[j]
    return centers

"""sRGB to CIELAB (D65) and to Oklab, for clustering colours where distances follow
perception."""

import numpy as np

# sRGB primaries to CIE XYZ, D65 white point (IEC 61966-2-1).
_RGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
_WHITE_D65 = np.array([0.95047, 1.0, 1.08883])
_DELTA = 6.0 / 29.0


def _linear(rgb: np.ndarray) -> np.ndarray:
    """Linear-light values of sRGB values in [0, 1], in ``rgb``'s own float dtype (values
    out of [0, 1] continue the curve: the linear segment below 0, the power above 1)."""
    t = rgb.dtype.type
    edge = t(0.04045)
    curve = ((np.maximum(rgb, edge) + t(0.055)) / t(1.055)) ** t(2.4)  # no NaN from below 0
    return np.where(rgb <= edge, rgb / t(12.92), curve)


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB coordinates of sRGB colours.

    Parameters
    ----------
    rgb : ndarray (n, 3)
        sRGB values scaled to [0, 1].

    Returns
    -------
    ndarray of float32, shape (n, 3)
        L* in [0, 100], a* and b* roughly in [-128, 127].
    """
    xyz = _linear(np.asarray(rgb, dtype=np.float64)) @ _RGB_TO_XYZ.T / _WHITE_D65
    f = np.where(
        xyz > _DELTA**3, np.cbrt(xyz), xyz / (3 * _DELTA**2) + 4.0 / 29.0
    )
    lab = np.empty_like(f)
    lab[:, 0] = 116.0 * f[:, 1] - 16.0
    lab[:, 1] = 500.0 * (f[:, 0] - f[:, 1])
    lab[:, 2] = 200.0 * (f[:, 1] - f[:, 2])
    return lab.astype(np.float32)


# Linear sRGB to cone responses, and cube-rooted responses to Oklab (Ottosson, 2020).
_RGB_TO_LMS = np.array(
    [
        [0.4122214708, 0.5363325363, 0.0514459929],
        [0.2119034982, 0.6806995451, 0.1073969566],
        [0.0883024619, 0.2817188376, 0.6299787005],
    ]
)
_LMS_TO_OKLAB = np.array(
    [
        [0.2104542553, 0.7936177850, -0.0040720468],
        [1.9779984951, -2.4285922050, 0.4505937099],
        [0.0259040371, 0.7827717662, -0.8086757660],
    ]
)


def srgb_to_oklab(rgb: np.ndarray) -> np.ndarray:
    """Oklab coordinates of sRGB colours (``rgb`` as :func:`srgb_to_lab` takes it),
    computed in float32: float32 (n, 3), L in [0, 1], a and b roughly in [-0.4, 0.4]."""
    lms = np.cbrt(_linear(np.asarray(rgb, dtype=np.float32)) @ _RGB_TO_LMS.T.astype(np.float32))
    return (lms @ _LMS_TO_OKLAB.T.astype(np.float32)).astype(np.float32)

"""Semi-transparent colours: clustered premultiplied, so that a colour's error weighs
as much as the pixel is opaque, and fully transparent pixels set apart.

A pixel of alpha ``a`` (peak ``P``) is the point ``(r a/P, g a/P, b a/P, a)``: the colour
of a 10%-opaque pixel moves its point a tenth as far, and every fully transparent pixel
is the same point whatever its colour. A cluster's entry is its mean alpha with the
alpha-weighted mean colour (the mean of the premultiplied points, unpremultiplied).
"""

from typing import Optional

import numpy as np


def premultiplied(values: np.ndarray, peak: float) -> np.ndarray:
    """Colour coordinates (all channels but the last) scaled by alpha / peak.

    Parameters
    ----------
    values : ndarray (n, channels)
        Colours with alpha last (in any colour space; alpha in [0, peak]).
    peak : float
        Alpha of an opaque pixel.

    Returns
    -------
    float32 ndarray (n, channels)
    """
    values = np.asarray(values, dtype=np.float32)
    out = values.copy()
    out[:, :-1] *= values[:, -1:] * np.float32(1.0 / peak)
    return out


def transparent_pixels(pixels: np.ndarray, k: int) -> Optional[np.ndarray]:
    """Mask of the fully transparent pixels of RGBA ``pixels`` (n, 4), when they get an
    entry of their own: some are there, the others too, and ``k`` leaves room for them.
    None otherwise (RGB, gray, no transparent pixel, all transparent, or k = 1)."""
    if pixels.shape[1] != 4 or k < 2:
        return None
    clear = pixels[:, 3] == 0
    if not clear.any() or clear.all():
        return None
    return clear


def cluster_means(labels: np.ndarray, values: np.ndarray, weights: np.ndarray,
                  n_groups: int) -> np.ndarray:
    """The palette entry of each cluster of RGBA colours: mean alpha and the
    alpha-weighted mean colour (float64, in the colours' units).

    Parameters
    ----------
    labels : int ndarray (n,)
        Cluster of each colour.
    values : ndarray (n, 4)
        The colours, straight (not premultiplied) RGBA.
    weights : ndarray (n,)
        How many pixels each colour stands for.
    n_groups : int
        Number of clusters.
    """
    weights = weights.astype(np.float64)
    alpha = values[:, 3].astype(np.float64)
    totals = np.bincount(labels, weights=weights, minlength=n_groups)
    coverage = np.bincount(labels, weights=weights * alpha, minlength=n_groups)
    means = np.empty((n_groups, 4))
    means[:, 3] = coverage / np.maximum(totals, 1)
    for channel in range(3):
        sums = np.bincount(labels, weights=weights * alpha * values[:, channel],
                           minlength=n_groups)
        means[:, channel] = sums / np.maximum(coverage, 1e-300)
    return means

"""``fastquant.quantize``: an image in k colours."""

from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from . import _validation as check
from . import kernels
from . import _alpha
from ._colorspace import srgb_to_lab
from ._dithering import Dither, check_dither, dithered_labels
from ._distinct import Rows, distinct_rows
from ._execution import launch
from ._quality import check_target, smallest_k
from ._lloyd import RowPasses, Workspace, best_attempt, lloyd
from ._rng import new_state
from ._validation import Criteria

#: Passes and center movement at which quantization stops (in the clustering space).
CRITERIA = Criteria(max_iter=30, eps_sq=0.05**2)
#: With more distinct colours than this, k-means first runs on coarse colour groups...
COARSE_MIN_ROWS = 16384
#: ... of this many levels per channel ...
COARSE_LEVELS = 32
#: ... then refines on all the colours with these passes.
REFINE_CRITERIA = Criteria(max_iter=12, eps_sq=0.05**2)
SPACES = ("rgb", "lab")
_PEAKS = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}


@dataclass(frozen=True)
class Quantized:
    """An image reduced to a palette.

    Attributes
    ----------
    image : ndarray
        The quantized image, same shape and dtype as the input; equal to
        ``palette[labels]`` (reshaped to the input's shape).
    palette : ndarray
        The colours, same dtype as the input: shape (n_colors,) for a 2-D gray image,
        (n_colors, channels) otherwise; n_colors <= k.
    labels : ndarray
        Palette index of each pixel, shape (height, width), uint8 when the palette has
        at most 256 colours, uint16 otherwise.
    compactness : float
        k-means compactness in the clustering space (0 when the image has at most k
        colours).
    mse : float
        Mean squared error per channel value between the quantized and the original
        image, in the image's units.
    psnr : float
        Peak signal-to-noise ratio in dB (peak 255, 65535 or 1.0); inf when exact.
    """

    image: np.ndarray
    palette: np.ndarray
    labels: np.ndarray
    compactness: float
    mse: float
    psnr: float


def _check_image(image) -> Tuple[np.ndarray, float]:
    array = np.asarray(image)
    array = array if array.dtype.isnative else array.astype(array.dtype.newbyteorder("="))
    if array.dtype not in _PEAKS and array.dtype.kind != "f":
        raise TypeError(
            f"image must be uint8, uint16 or floating point in [0, 1], got dtype {array.dtype}"
        )
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 3, 4)):
        raise ValueError(
            "image must be (height, width) or (height, width, channels) with 1, 3 or 4 "
            f"channels, got shape {array.shape}"
        )
    if array.size == 0:
        raise ValueError(f"image is empty (shape {array.shape})")
    if array.dtype.kind == "f":
        if not np.isfinite(array).all() or array.min() < 0 or array.max() > 1:
            raise ValueError("a floating-point image must hold finite values in [0, 1]")
        return array, 1.0
    return array, _PEAKS[array.dtype]


def _weighted_rows(values: np.ndarray) -> Rows:
    """The distinct colours with their counts (the parallel table for integer data,
    np.unique for the rest)."""
    points = check.checked_points(np.ascontiguousarray(values, dtype=np.float32), "image")
    rows = distinct_rows(points)
    if len(rows.inverse) == 0:
        unique, inverse, counts = np.unique(
            points.values, axis=0, return_inverse=True, return_counts=True
        )
        rows = Rows(unique, counts.astype(np.int32), inverse.reshape(-1).astype(np.int32))
    return rows


def _to_space(values: np.ndarray, space: str, peak: float) -> np.ndarray:
    """Colours in the clustering space; RGBA premultiplied (see ``_alpha``)."""
    if space == "rgb":
        converted = np.asarray(values, dtype=np.float32)
    else:
        converted = srgb_to_lab(values[:, :3] / peak)
        if values.shape[1] == 4:  # alpha on the scale of L*
            converted = np.column_stack([converted, values[:, 3] * np.float32(100.0 / peak)])
    if values.shape[1] == 4:
        converted = _alpha.premultiplied(converted, 100.0 if space != "rgb" else peak)
    return np.ascontiguousarray(converted, dtype=np.float32)


def _round(palette: np.ndarray, dtype: np.dtype, peak: float) -> np.ndarray:
    if dtype.kind == "f":
        return np.clip(palette, 0.0, 1.0).astype(dtype)
    return np.clip(np.rint(palette), 0, peak).astype(dtype)


def _dense_ranks(keys: np.ndarray, key_space: int) -> np.ndarray:
    """Rank of each key among the distinct keys, for keys in [0, key_space)."""
    present = np.bincount(keys, minlength=key_space) > 0
    ranks = np.cumsum(present) - 1
    return ranks[keys]


def _group_means(group: np.ndarray, rows: Rows, n_groups: int):
    """(total weight, weighted mean colour) of each group of rows, in float64."""
    weights = rows.weights.astype(np.float64)
    totals = np.bincount(group, weights=weights, minlength=n_groups)
    sums = np.column_stack(
        [np.bincount(group, weights=weights * rows.values[:, c], minlength=n_groups)
         for c in range(rows.values.shape[1])]
    )
    return totals, sums / np.maximum(totals, 1)[:, None]


def _coarse_rows(rows: Rows) -> Rows:
    """Colours grouped by their high bits: the weighted mean colour of each group."""
    scale = max(float(rows.values.max()), 1.0) / (COARSE_LEVELS - 1)
    digits = np.rint(rows.values / scale).astype(np.int64)
    keys = np.zeros(len(digits), dtype=np.int64)
    for channel in range(digits.shape[1]):
        keys = keys * COARSE_LEVELS + digits[:, channel]
    group = _dense_ranks(keys, COARSE_LEVELS ** digits.shape[1])
    totals, means = _group_means(group, rows, int(group.max()) + 1)
    return Rows(means.astype(np.float32), totals.astype(np.int32), np.empty(0, np.int32))


def _seeded_kmeans(space_rows: Rows, k, attempts, seed):
    """k-means++ and CRITERIA passes on weighted rows; the best attempt."""
    points = check.checked_points(space_rows.values, "image")
    best, _ = best_attempt(points, k, CRITERIA, attempts, True, new_state(seed), rows=space_rows)
    return best


def _coarse_to_fine(rows: Rows, space_rows: Rows, k, attempts, seed, space, peak):
    """k-means on the colours; with many colours, first on coarse groups of them
    (the costly seeding and most passes), then a few passes on all of them."""
    if len(rows.values) <= COARSE_MIN_ROWS:
        return _seeded_kmeans(space_rows, k, attempts, seed)
    coarse = _coarse_rows(rows)
    coarse_space = Rows(_to_space(coarse.values, space, peak), coarse.weights, coarse.inverse)
    if len(coarse_space.values) > k:
        centers = _seeded_kmeans(coarse_space, k, attempts, seed).centers
    else:
        centers = coarse_space.values
    labels = np.empty(len(space_rows.values), dtype=np.int32)
    workspace = Workspace(len(space_rows.values), len(centers), centers.shape[1])
    return lloyd(RowPasses(space_rows, workspace, labels), REFINE_CRITERIA, centers)


def _cluster(values, k, attempts, seed, space, dtype, peak):
    """Labels (n,) and palette (m, c) of the colours ``values`` (n, c), m <= k."""
    return _cluster_rows(_weighted_rows(values), k, attempts, seed, space, dtype, peak)


def _cluster_rows(rows: Rows, k, attempts, seed, space, dtype, peak):
    """Labels of the samples ``rows.inverse`` maps, and palette (m, c), m <= k, of
    distinct colours with their counts."""
    if len(rows.values) <= k:
        return rows.inverse, _round(rows.values, dtype, peak), 0.0
    space_rows = Rows(_to_space(rows.values, space, peak), rows.weights, np.empty(0, np.int32))
    best = _coarse_to_fine(rows, space_rows, k, attempts, seed, space, peak)
    # The palette: the mean colour of each cluster, in the image's own units.
    if rows.values.shape[1] == 4:
        means = _alpha.cluster_means(best.row_labels, rows.values, rows.weights, k)
    else:
        _, means = _group_means(best.row_labels, rows, k)
    palette = _round(means, dtype, peak)
    # Each colour goes to its nearest palette entry (rounding moved the centers).
    row_labels = np.empty(len(rows.values), dtype=np.int32)
    launch(
        kernels.assign, space_rows.values, _to_space(palette.astype(np.float32), space, peak),
        row_labels, np.empty(len(rows.values), dtype=np.float32),
    )
    compact = _dense_ranks(row_labels, len(palette))
    used = np.flatnonzero(np.bincount(row_labels, minlength=len(palette)))
    palette, merged = np.unique(palette[used], axis=0, return_inverse=True)
    return merged.reshape(-1)[compact][rows.inverse], palette, best.compactness


def quantize(
    image,
    k: int,
    *,
    attempts: int = 1,
    seed: Optional[int] = None,
    dither: Dither = False,
    space: str = "rgb",
    target_psnr: Optional[float] = None,
) -> Quantized:
    """Reduce an image to at most ``k`` colours with k-means.

    Parameters
    ----------
    image : array_like
        uint8 or uint16 image, or floating-point image with values in [0, 1]; 2-D
        gray, or (height, width, channels) with 1, 3 (RGB) or 4 (RGBA) channels.
    k : int
        Largest number of colours, >= 1. An image with at most ``k`` distinct colours
        keeps them all, unchanged.
    attempts : int
        k-means runs (k-means++ seeding); the most compact is kept.
    seed : int, optional
        Seed of the generator (cv2's, private to this call); None means 0, so that
        results are reproducible.
    dither : bool, float or {"floyd", "ordered"}
        False: every pixel on its palette entry. True or "floyd": Floyd-Steinberg
        error diffusion; a number in [0, 1]: Floyd-Steinberg diffusing that share of
        the error. "ordered": an 8x8 Bayer pattern scaled to the palette's spacing
        (no error carried between pixels: stable from frame to frame).
    space : {"rgb", "lab"}
        Cluster the colours as they are, or in CIELAB (perceptual distances; needs
        3 or 4 channels). The palette is in the image's own units either way.
    target_psnr : float, optional
        A quality target in dB: the result of the smallest K up to ``k`` whose PSNR
        reaches it (found by bisection on K), or the result of ``k`` when none does
        (check ``psnr``).

    Returns
    -------
    Quantized

    Notes
    -----
    RGBA images are clustered on premultiplied colour (a 10%-opaque pixel's colour
    error weighs 10%) with alpha; fully transparent pixels all share one palette
    entry (0, 0, 0, 0) and the others get the other k - 1. A binary alpha mask
    (only 0 and the peak) thus comes back exactly; other alpha values are quantized
    with the colour.
    """
    array, peak = _check_image(image)
    k = check.positive_int(k, "k")
    attempts = check.positive_int(attempts, "attempts")
    if space not in SPACES:
        raise ValueError(f"space must be one of {SPACES}, got {space!r}")
    channels = 1 if array.ndim == 2 else array.shape[2]
    if space == "lab" and channels not in (3, 4):
        raise ValueError(f"space='lab' needs an RGB or RGBA image, got {channels} channel(s)")
    seed = 0 if seed is None else check.require_int(seed, "seed")
    check_dither(dither)
    target_psnr = check_target(target_psnr)
    if target_psnr is not None:
        return smallest_k(
            lambda n: quantize(array, n, attempts=attempts, seed=seed, dither=dither,
                               space=space), k, target_psnr)
    height, width = array.shape[:2]
    pixels = array.reshape(-1, channels)

    transparent = _alpha.transparent_pixels(pixels, k)
    if transparent is None:
        labels, palette, compactness = _cluster(pixels, k, attempts, seed, space, array.dtype, peak)
    else:
        opaque = ~transparent
        colour_labels, colours, compactness = _cluster(
            pixels[opaque], k - 1, attempts, seed, space, array.dtype, peak
        )
        palette = np.zeros((len(colours) + 1, 4), dtype=array.dtype)
        palette[:-1] = colours
        labels = np.full(len(pixels), len(colours), dtype=np.int64)
        labels[opaque] = colour_labels

    labels = labels.reshape(height, width)
    if dither:
        # transparent pixels keep their entry (the last one), which no other pixel takes
        active = None if transparent is None else ~transparent.reshape(height, width)
        colours = palette.reshape(len(palette), channels)
        labels = dithered_labels(array.reshape(height, width, channels),
                                 colours if transparent is None else colours[:-1],
                                 labels, active, dither, peak)
    return quantized_result(array, palette.reshape(len(palette), channels), labels,
                            compactness, peak)


def quantized_result(array: np.ndarray, palette: np.ndarray, labels: np.ndarray,
                     compactness: float, peak: float) -> Quantized:
    """The :class:`Quantized` of ``array`` given its palette (n, channels) and labels."""
    labels = labels.astype(np.uint8 if len(palette) <= 256 else np.uint16)
    if array.ndim == 2:
        palette = palette.reshape(-1)
    quantized = palette[labels].reshape(array.shape)
    error = (quantized.astype(np.float64) - array).reshape(-1)
    mse = float(np.dot(error, error)) / error.size
    psnr = float("inf") if mse == 0 else 10.0 * np.log10(peak**2 / mse)
    return Quantized(quantized, palette, labels, float(compactness), mse, psnr)

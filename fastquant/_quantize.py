"""``fastquant.quantize``: an image in k colours."""

from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from . import _alpha
from . import _validation as check
from . import kernels
from ._colorspace import srgb_to_lab, srgb_to_oklab
from ._colour_table import colour_table
from ._distinct import Rows
from .kernels import _image_passes as image_passes
from ._dithering import Dither, check_dither, dithered_labels
from ._execution import launch, one_thread_per_launch
from ._quality import check_target, smallest_k
from ._lloyd import RowPasses, Workspace, best_attempt, lloyd
from ._rng import new_state
from ._validation import Criteria, Points
from .kernels._tunables import (
    COARSE_GROUPS_PER_CLUSTER, COARSE_LEVELS, COARSE_MIN_ROWS, DENSE_KEY_SPACE, FEW_COLOUR_ATTEMPTS,
    FEW_COLOURS, MAX_LEVELS, OKLAB_SCALE, QUANTIZE_EPS, QUANTIZE_MAX_PASSES, REFINE_MAX_PASSES,
    SERIAL_MAX_PIXELS, SERIAL_MAX_WORK, UNWEIGHTED_COLOURS, WEIGHT_BLOCK_SHIFT, WEIGHT_FLOOR, WEIGHT_SCALE,
    WEIGHT_SMOOTH_VARIANCE, WEIGHTED_COLOURS,
)

#: Passes and center movement at which quantization stops (in the clustering space),
#: and the passes of the refinement on all colours after the coarse groups.
CRITERIA = Criteria(max_iter=QUANTIZE_MAX_PASSES, eps_sq=QUANTIZE_EPS**2)
REFINE_CRITERIA = Criteria(max_iter=REFINE_MAX_PASSES, eps_sq=QUANTIZE_EPS**2)
SPACES = ("rgb", "lab", "oklab")
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
        at most 256 colours, uint16 up to 65,536, uint32 above.
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


#: Scale of each perceptual space, so that CRITERIA's eps means about the same in each:
#: L* spans 0-100, Oklab's L 0-1.
_SPACE_SCALE = {"lab": 1.0, "oklab": OKLAB_SCALE}


def _to_space(values: np.ndarray, space: str, peak: float) -> np.ndarray:
    """float32 coordinates of colours (image units) in the clustering space; a fourth
    channel (alpha) goes on the scale of the lightness, and the colour is premultiplied
    by it (see ``_alpha``)."""
    if space == "rgb":
        coordinates = np.asarray(values, dtype=np.float32)
        alpha_peak = peak
    else:
        convert = srgb_to_lab if space == "lab" else srgb_to_oklab
        scale = np.float32(_SPACE_SCALE[space])
        coordinates = convert(values[:, :3] * np.float32(1.0 / peak)) * scale
        alpha_peak = 100.0
        if values.shape[1] == 4:
            alpha = values[:, 3] * np.float32(100.0 / peak)
            coordinates = np.column_stack([coordinates, alpha])
    if values.shape[1] == 4:
        coordinates = _alpha.premultiplied(coordinates, alpha_peak)
    return np.ascontiguousarray(coordinates, dtype=np.float32)


def _round(palette: np.ndarray, dtype: np.dtype, peak: float) -> np.ndarray:
    if dtype.kind == "f":
        return np.clip(palette, 0.0, 1.0).astype(dtype)
    return np.clip(np.rint(palette), 0, peak).astype(dtype)


def _dense_ranks(keys: np.ndarray, key_space: int) -> np.ndarray:
    """Rank of each key among the distinct keys, for keys in [0, key_space)."""
    present = np.bincount(keys, minlength=key_space) > 0
    ranks = np.cumsum(present) - 1
    return ranks[keys]


def _group_means(group: np.ndarray, values: np.ndarray, weights: np.ndarray, n_groups: int):
    """(total weight, weighted float64 mean value) of each group of rows."""
    means = np.empty((n_groups, values.shape[1]), dtype=np.float64)
    totals = image_passes.group_means(group.astype(np.int32, copy=False), values, weights,
                                       n_groups, means)
    return totals, means


def _grid_rows(values: np.ndarray, weights: np.ndarray, peak: float, levels: int,
               space: str) -> Rows:
    """The colours grouped by the cells of a grid of ``levels`` levels per channel:
    weighted mean colour (in the clustering space) and total weight of each cell."""
    digits = np.rint(values * np.float32((levels - 1) / peak)).astype(np.int64)
    keys = digits[:, 0].copy()
    for channel in range(1, digits.shape[1]):
        keys *= levels
        keys += digits[:, channel]
    key_space = levels ** values.shape[1]
    group = np.empty(len(keys), dtype=np.int32)
    if key_space <= DENSE_KEY_SPACE:
        n_groups = image_passes.dense_groups(keys, key_space, group)
    else:
        table = colour_table(keys[:, None])
        n_groups = len(table.counts)
        group = table.pixel_labels(np.arange(n_groups, dtype=np.int32))
    totals, means = _group_means(group, values, weights, n_groups)
    return Rows(_to_space(means.astype(np.float32), space, peak), totals.astype(np.int32),
                np.empty(0, np.int32))


def _seeded_kmeans(space_rows: Rows, k, attempts, seed):
    """k-means++ and CRITERIA passes on weighted rows: the best attempt. The rows are
    colours of a checked image (finite, bounded), so the bounds are not checked again
    (the check is a kernel to compile); k-means++ does not use them."""
    values = space_rows.values
    points = Points(values, values.min(axis=0), values.max(axis=0))
    best, _ = best_attempt(points, k, CRITERIA, attempts, True, new_state(seed), rows=space_rows)
    return best


def _refine(rows: Rows, centers: np.ndarray) -> np.ndarray:
    """REFINE_CRITERIA passes of k-means on ``rows`` from ``centers``: the new centers."""
    labels = np.empty(len(rows.values), dtype=np.int32)
    workspace = Workspace(len(rows.values), len(centers), centers.shape[1])
    return lloyd(RowPasses(rows, workspace, labels), REFINE_CRITERIA, centers).centers


def _fine_levels(coarse: Rows, attempt, levels: int, space: str, peak: float) -> int:
    """Levels of the grid the centers are refined on: twice the coarse ones, and in RGB
    more until a cell is no wider than the clusters' RMS spread per channel (so that the
    cells stand for their colours well, even in a photo quantized at 45 dB)."""
    fine = 2 * levels
    if space == "rgb":
        spread = np.sqrt(attempt.compactness / float(np.sum(coarse.weights, dtype=np.float64))
                         / coarse.values.shape[1])
        while peak / (fine - 1) > spread and fine <= peak:
            fine *= 2
    return fine


def _coarse_to_fine(values, space_rows: Rows, k, attempts, seed, space, peak):
    """Centers of k clusters of the colours.

    With few colours, k-means on them. With many, on the cells of a grid instead
    (weighted means; the sums are those of the colours): k-means++ and most passes on
    a coarse grid of COARSE_LEVELS levels per channel (finer until it has
    COARSE_GROUPS_PER_CLUSTER cells per cluster: smooth 16-bit or float images have
    many colours in few cells), then a few passes on a finer grid (see _fine_levels),
    or on the colours themselves when that grid would have a level per value.
    """
    if len(values) <= COARSE_MIN_ROWS:
        return _seeded_kmeans(space_rows, k, attempts, seed).centers
    levels = COARSE_LEVELS
    while True:
        coarse = _grid_rows(values, space_rows.weights, peak, levels, space)
        if (len(coarse.values) >= COARSE_GROUPS_PER_CLUSTER * k or levels > peak
                or levels >= MAX_LEVELS):
            break
        levels *= 2
    if len(coarse.values) <= k:
        return _seeded_kmeans(space_rows, k, attempts, seed).centers
    if len(coarse.values) * k < SERIAL_MAX_WORK:
        with one_thread_per_launch():
            attempt = _seeded_kmeans(coarse, k, attempts, seed)
    else:
        attempt = _seeded_kmeans(coarse, k, attempts, seed)
    fine = _fine_levels(coarse, attempt, levels, space, peak)
    if fine > peak or fine > MAX_LEVELS:  # a level per value: the colours themselves
        return _refine(space_rows, attempt.centers)
    return _refine(_grid_rows(values, space_rows.weights, peak, fine, space), attempt.centers)


def _label_dtype(n_colours: int) -> np.dtype:
    if n_colours <= 256:
        return np.dtype(np.uint8)
    return np.dtype(np.uint16 if n_colours <= 65536 else np.uint32)


def _smoothness_weights(image: np.ndarray, peak: float, k: int) -> np.ndarray:
    """Weight of each block of ``image`` (height, width, channels): high where its
    colours vary little (see WEIGHT_SMOOTH_VARIANCE)."""
    height, width = image.shape[:2]
    block = 1 << WEIGHT_BLOCK_SHIFT
    weights = np.empty((-(-height // block), -(-width // block)), np.float32)
    position = np.log2(max(k, UNWEIGHTED_COLOURS) / UNWEIGHTED_COLOURS) / np.log2(
        WEIGHTED_COLOURS / UNWEIGHTED_COLOURS)
    floor = 1.0 - (1.0 - WEIGHT_FLOOR) * min(position, 1.0)
    launch(image_passes.block_weights, image, block, (255.0 / peak) ** 2,
           WEIGHT_SMOOTH_VARIANCE, floor, weights, work=image.size)
    return weights


def _integer_weights(weights: np.ndarray) -> np.ndarray:
    """The colours' weights as the int32 weights of k-means (at least 1 each)."""
    scale = min(WEIGHT_SCALE, 2.0**30 / max(float(weights.sum()), 1.0))
    return np.maximum(np.rint(weights * scale), 1).astype(np.int32)


def _cluster(table, k, attempts, seed, space, peak):
    """Labels (n,) and palette (m, c) of the pixels of a colour table, m <= k, and the
    compactness."""
    n_colours = len(table.counts)
    if n_colours <= k:
        colour_labels = np.arange(n_colours, dtype=_label_dtype(n_colours))
        return table.pixel_labels(colour_labels), table.colours, 0.0
    with one_thread_per_launch(n_colours * k < SERIAL_MAX_WORK):
        colour_labels, palette, compactness = _clustered(table, k, attempts, seed, space, peak)
    return table.pixel_labels(colour_labels), palette, compactness


def _clustered(table, k, attempts, seed, space, peak):
    """:func:`_cluster` of a table of more than k colours, with the labels of the
    colours instead of the pixels'."""
    n_colours = len(table.counts)
    values = table.colours.astype(np.float32)
    weights = _integer_weights(table.weights)
    space_rows = Rows(_to_space(values, space, peak), weights, np.empty(0, np.int32))
    centers = _coarse_to_fine(values, space_rows, k, attempts, seed, space, peak)
    # The palette: the mean colour of each cluster, in the image's units (the best
    # for the MSE whatever the weights), ...
    row_labels = np.empty(n_colours, dtype=np.int32)
    distances = np.empty(n_colours, dtype=np.float32)
    launch(kernels.assign, space_rows.values, centers, row_labels, distances,
           work=space_rows.values.size * len(centers))
    compactness = float(np.dot(weights, distances.astype(np.float64)))
    if values.shape[1] == 4:
        means = _alpha.cluster_means(row_labels, values, table.counts, k)
    else:
        _, means = _group_means(row_labels, values, table.counts, k)
    palette = _round(means, table.colours.dtype, peak)
    # ... and each colour goes to its nearest palette entry (rounding moved the centers).
    launch(kernels.assign, space_rows.values, _to_space(palette.astype(np.float32), space, peak),
           row_labels, distances, work=space_rows.values.size * k)
    compact = _dense_ranks(row_labels, len(palette))
    used = np.flatnonzero(np.bincount(row_labels, minlength=len(palette)))
    palette, merged = np.unique(palette[used], axis=0, return_inverse=True)
    colour_labels = merged.reshape(-1)[compact].astype(_label_dtype(len(palette)))
    return colour_labels, palette, compactness


def quantize(
    image,
    k: int,
    *,
    attempts: Optional[int] = None,
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
    attempts : int, optional
        k-means runs (k-means++ seeding); the most compact is kept. None: 5 up to
        k = 16 (where seeds matter most), 1 above.
    seed : int, optional
        Seed of the generator (cv2's, private to this call); None means 0, so that
        results are reproducible.
    dither : bool, float or {"floyd", "ordered"}
        False: every pixel on its palette entry. True or "floyd": Floyd-Steinberg
        error diffusion; a number in [0, 1]: Floyd-Steinberg diffusing that share of
        the error. "ordered": an 8x8 Bayer pattern scaled to the palette's spacing
        (no error carried between pixels: stable from frame to frame).
    space : {"rgb", "lab", "oklab"}
        Cluster the colours as they are, or in CIELAB or Oklab (perceptual distances;
        needs 3 or 4 channels). The palette is in the image's own units either way.
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
    attempts = default_attempts(k) if attempts is None else check.positive_int(attempts, "attempts")
    if space not in SPACES:
        raise ValueError(f"space must be one of {SPACES}, got {space!r}")
    channels = 1 if array.ndim == 2 else array.shape[2]
    if space != "rgb" and channels not in (3, 4):
        raise ValueError(f"space={space!r} needs an RGB or RGBA image, got {channels} "
                         "channel(s)")
    seed = 0 if seed is None else check.require_int(seed, "seed")
    check_dither(dither)
    target_psnr = check_target(target_psnr)
    if target_psnr is not None:
        return smallest_k(
            lambda n: quantize(array, n, attempts=attempts, seed=seed, dither=dither,
                               space=space), k, target_psnr)
    with one_thread_per_launch(array.shape[0] * array.shape[1] < SERIAL_MAX_PIXELS):
        return _quantized(array, peak, k, attempts, seed, dither, space)


def _quantized(array, peak, k, attempts, seed, dither, space) -> Quantized:
    """:func:`quantize` of a checked image, with checked arguments."""
    height, width = array.shape[:2]
    channels = 1 if array.ndim == 2 else array.shape[2]
    pixels = np.ascontiguousarray(array).reshape(-1, channels)

    transparent = _alpha.transparent_pixels(pixels, k)
    if transparent is None:
        table = colour_table(pixels, width, WEIGHT_BLOCK_SHIFT,
                             _smoothness_weights(pixels.reshape(height, width, channels), peak, k))
        labels, palette, compactness = _cluster(table, k, attempts, seed, space, peak)
    else:
        opaque = ~transparent
        colour_labels, colours, compactness = _cluster(
            colour_table(pixels[opaque]), k - 1, attempts, seed, space, peak
        )
        palette = np.zeros((len(colours) + 1, 4), dtype=array.dtype)
        palette[:-1] = colours
        labels = np.full(len(pixels), len(colours), dtype=_label_dtype(len(palette)))
        labels[opaque] = colour_labels

    if dither:
        # transparent pixels keep their entry (the last one), which no other pixel takes
        active = None if transparent is None else ~transparent.reshape(height, width)
        labels = dithered_labels(array.reshape(height, width, channels),
                                 palette if transparent is None else palette[:-1],
                                 labels.reshape(height, width), active, dither, peak)
    return quantized_result(array, palette, labels, compactness, peak)


def default_attempts(k: int) -> int:
    """Attempts when none are asked for: FEW_COLOUR_ATTEMPTS up to FEW_COLOURS, else 1."""
    return FEW_COLOUR_ATTEMPTS if k <= FEW_COLOURS else 1


def quantized_result(array: np.ndarray, palette: np.ndarray, labels: np.ndarray,
                     compactness: float, peak: float) -> Quantized:
    """The :class:`Quantized` of ``array`` given its palette (n, channels) and labels."""
    height, width = array.shape[:2]
    pixels = np.ascontiguousarray(array).reshape(height * width, -1)
    labels = np.ascontiguousarray(labels.reshape(-1), dtype=_label_dtype(len(palette)))
    quantized = np.empty_like(pixels)
    palette = np.ascontiguousarray(palette.reshape(len(palette), -1))
    sse = launch(image_passes.paint, pixels, palette, labels, quantized, work=len(labels))
    mse = sse / pixels.size
    psnr = float("inf") if mse == 0 else 10.0 * np.log10(peak**2 / mse)
    if array.ndim == 2:
        palette = palette.reshape(-1)
    return Quantized(quantized.reshape(array.shape), palette, labels.reshape(height, width),
                     float(compactness), mse, psnr)

"""``fastquant.quantize``: an image in k colours."""

import contextlib
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from . import _alpha
from . import _validation as check
from ._attempt_score import block_sample
from ._colour_clusters import cluster as _cluster
from ._colour_clusters import label_dtype as _label_dtype
from ._colour_table import colour_table
from ._dithering import Dither, check_dither, dithered_labels
from ._execution import launch, one_thread_per_launch
from ._heap import release_free_heap
from ._quality import check_target, smallest_k
from .kernels import _image_passes as image_passes
from .kernels._image_tunables import (
    FEW_COLOUR_ATTEMPTS, FEW_COLOURS, SCORE_MIN_PIXELS, SERIAL_MAX_PIXELS,
    SPLIT_MIN_PIXELS, UNWEIGHTED_COLOURS, WEIGHT_BLOCK_SHIFT, WEIGHT_FLOOR,
    WEIGHT_SMOOTH_VARIANCE, WEIGHTED_COLOURS,
)


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
    small = array.shape[0] * array.shape[1] < SERIAL_MAX_PIXELS
    with one_thread_per_launch() if small else contextlib.nullcontext():
        return _quantized(array, k, attempts, seed, dither, space, peak)


def _quantized(array: np.ndarray, k: int, attempts: int, seed: int, dither: Dither,
               space: str, peak: float) -> Quantized:
    """:func:`quantize` of a checked image."""
    height, width = array.shape[:2]
    channels = 1 if array.ndim == 2 else array.shape[2]
    pixels = np.ascontiguousarray(array).reshape(-1, channels)
    transparent = _alpha.transparent_pixels(pixels, k)
    # the split of heavy cells (see _grid_cells): not with dithering, whose nearest-colour
    # search slows down on the palette it gives (see SPLIT_MIN_PIXELS)
    split = not dither and len(pixels) >= SPLIT_MIN_PIXELS
    palette, labels, compactness = _clustered_pixels(pixels, transparent, width, k, attempts,
                                                     seed, space, peak, split)
    _release_heap(len(pixels))  # the table's, before the result is allocated
    if dither:
        # transparent pixels keep their entry (the last one), which no other pixel takes
        active = None if transparent is None else ~transparent.reshape(height, width)
        labels = dithered_labels(array.reshape(height, width, channels),
                                 palette if transparent is None else palette[:-1],
                                 labels.reshape(height, width), active, dither, peak)
    return quantized_result(array, palette, labels, compactness, peak)


def _clustered_pixels(pixels: np.ndarray, transparent: Optional[np.ndarray], width: int,
                      k: int, attempts: int, seed: int, space: str, peak: float,
                      split: bool = False):
    """The palette, the label of each pixel (n_pixels,) and the compactness of the
    pixels (n_pixels, channels) of an image ``width`` wide (``split``: see
    ``_colour_clusters.cluster``)."""
    if transparent is None:
        weights = _smoothness_weights(pixels.reshape(-1, width, pixels.shape[1]), peak, k)
        table = colour_table(pixels, width, WEIGHT_BLOCK_SHIFT, weights)
        del weights
        # large images: the attempt that scores best on SSIM and PSNR (see _attempt_score)
        sample = (block_sample(table, len(pixels) // width, width, peak)
                  if attempts > 1 and len(pixels) >= SCORE_MIN_PIXELS else None)
        colour_labels, palette, compactness = _cluster(table, k, attempts, seed, space, peak,
                                                       split, sample)
        del sample
        _release_heap(len(pixels))  # the clustering's temporaries, before the labels
        return palette, table.pixel_labels(colour_labels), compactness
    opaque = ~transparent
    table = colour_table(pixels[opaque])
    colour_labels, colours, compactness = _cluster(table, k - 1, attempts, seed, space, peak,
                                                   split)
    palette = np.zeros((len(colours) + 1, 4), dtype=pixels.dtype)
    palette[:-1] = colours
    labels = np.full(len(pixels), len(colours), dtype=_label_dtype(len(palette)))
    labels[opaque] = table.pixel_labels(colour_labels)
    return palette, labels, compactness


def _release_heap(n_pixels: int) -> None:
    """Give freed heap memory back (see ``_heap``) after a step of a large image's
    call: at 24 MP that cut the call's peak by 24 MiB. Not on images under
    SERIAL_MAX_PIXELS, where faulting the pages in again cost 7% of a 768x512 call."""
    if n_pixels >= SERIAL_MAX_PIXELS:
        release_free_heap()


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

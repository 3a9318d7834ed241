"""Palettes shared by several images (``fastquant.palette``) and images mapped onto
a given palette (``fastquant.remap``)."""

from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
from numpy.typing import ArrayLike

from . import _alpha
from . import _validation as check
from . import kernels
from ._colour_table import ColourTable, colour_table
from ._dithering import Dither, check_dither, dithered_labels
from ._execution import launch
from ._quality import smallest_k
from ._colour_clusters import cluster as _cluster
from ._colour_clusters import to_space as _to_space
from ._quantize import (SPACES, WEIGHT_BLOCK_SHIFT, Quantized, _check_image,
                        _smoothness_weights, default_attempts, quantize, quantized_result)


@dataclass(frozen=True)
class Palette:
    """Colours fitted on one or several images.

    Attributes
    ----------
    colors : ndarray (n_colors, channels)
        The colours, in the images' dtype: 1, 3 (RGB) or 4 (RGBA) channels.
    space : str
        The space the colours were clustered in; :func:`remap` looks for each pixel's
        nearest entry there ("rgb", "lab" or "oklab").
    """

    colors: np.ndarray
    space: str = "rgb"

    def __len__(self) -> int:
        return len(self.colors)


def _channels(array: np.ndarray) -> int:
    return 1 if array.ndim == 2 else array.shape[2]


def _table(colours: np.ndarray, counts: np.ndarray, weights: np.ndarray) -> ColourTable:
    """A colour table of distinct ``colours`` whose "pixels" are the colours themselves."""
    index = np.arange(len(colours), dtype=np.int32)
    return ColourTable(colours, counts, weights, colours, None, index)


def _joint_table(images, k: int) -> Tuple[ColourTable, float]:
    """The distinct colours of all the images with their total counts and weights
    (each image's pixels weighted as :func:`quantize` weighs them)."""
    tables, dtype, peak, channels = [], None, None, None
    for index, image in enumerate(images):
        array, image_peak = _check_image(image)
        if dtype is None:
            dtype, peak, channels = array.dtype, image_peak, _channels(array)
        elif array.dtype != dtype or _channels(array) != channels:
            raise ValueError(
                f"images must share a dtype and a number of channels: image 0 is {dtype} "
                f"with {channels} channel(s), image {index} is {array.dtype} with "
                f"{_channels(array)}")
        height, width = array.shape[:2]
        pixels = np.ascontiguousarray(array).reshape(-1, channels)
        block_weight = _smoothness_weights(pixels.reshape(height, width, channels), peak, k)
        tables.append(colour_table(pixels, width, WEIGHT_BLOCK_SHIFT, block_weight))
    if dtype is None:
        raise ValueError("images is empty: give at least one image")
    # the same colour seen in several images: one row, its counts and weights summed
    joint = colour_table(np.concatenate([table.colours for table in tables]))
    row = joint.pixel_labels(np.arange(len(joint.counts), dtype=np.int32))
    counts = np.bincount(row, np.concatenate([t.counts for t in tables]).astype(np.float64))
    if counts.sum() >= 2**31:
        raise ValueError(f"images hold {int(counts.sum())} pixels; at most 2**31 - 1 in all")
    weights = np.bincount(row, np.concatenate([table.weights for table in tables]))
    return _table(joint.colours, counts.astype(np.int32), weights), peak


def palette(
    images: Iterable,
    k: int,
    *,
    space: str = "rgb",
    seed: Optional[int] = None,
    attempts: Optional[int] = None,
) -> Palette:
    """Fit one palette of at most ``k`` colours on several images together.

    The images' colours are gathered in one table (each distinct colour once, with
    its number of pixels over all the images) and clustered as :func:`quantize`
    clusters one image's: the result is that of ``quantize`` on the images put side
    by side, up to the seeding (the table's order may differ).

    Parameters
    ----------
    images : iterable of array_like
        Images of one dtype and number of channels, as :func:`quantize` takes them
        (sizes may differ).
    k : int
        Largest number of colours, >= 1.
    space : {"rgb", "lab", "oklab"}
        Clustering space, as for :func:`quantize`.
    seed : int, optional
        Seed of the generator; None means 0.
    attempts : int, optional
        k-means runs; the most compact is kept (None: as :func:`quantize`).

    Returns
    -------
    Palette
        RGBA images: fully transparent pixels share one entry (0, 0, 0, 0), the
        others are clustered premultiplied.
    """
    k = check.positive_int(k, "k")
    attempts = default_attempts(k) if attempts is None else check.positive_int(attempts, "attempts")
    if space not in SPACES:
        raise ValueError(f"space must be one of {SPACES}, got {space!r}")
    seed = 0 if seed is None else check.require_int(seed, "seed")
    table, peak = _joint_table(images, k)
    channels = table.colours.shape[1]
    if space != "rgb" and channels not in (3, 4):
        raise ValueError(f"space={space!r} needs RGB or RGBA images, got {channels} channel(s)")
    clear = _alpha.transparent_pixels(table.colours, k)
    if clear is None:
        _, colours, _ = _cluster(table, k, attempts, seed, space, peak)
    else:  # as quantize: the others clustered on their counts, one entry for all clear
        kept = ~clear
        others = _table(table.colours[kept], table.counts[kept],
                        table.counts[kept].astype(np.float64))
        _, colours, _ = _cluster(others, k - 1, attempts, seed, space, peak)
        colours = np.concatenate([colours, np.zeros((1, 4), colours.dtype)])
    return Palette(colours, space)


def _palette_colours(palette, array: np.ndarray) -> Tuple[np.ndarray, str]:
    """The palette's colours in the image's dtype, (n, channels), and its space."""
    space = palette.space if isinstance(palette, Palette) else "rgb"
    given = np.asarray(palette.colors if isinstance(palette, Palette) else palette)
    channels = _channels(array)
    if given.ndim == 1 and channels == 1:
        given = given[:, None]
    if given.ndim != 2 or given.shape[1] != channels or not 1 <= len(given) <= 65536:
        raise ValueError(
            f"palette must hold 1 to 65536 colours of the image's {channels} channel(s), "
            f"shape (n, {channels}), got shape {given.shape}")
    colours = given.astype(array.dtype)
    if given.dtype.kind not in "uif" or not np.array_equal(colours, given):
        raise ValueError(f"palette colours must be {array.dtype} values like the image's, "
                         f"got {given.dtype} values that do not convert exactly")
    return colours, space


def remap(image: ArrayLike, palette: Union[Palette, ArrayLike], *,
          dither: Dither = False) -> Quantized:
    """Map an image onto a given palette.

    Parameters
    ----------
    image : array_like
        As :func:`quantize` takes it.
    palette : Palette or array_like (n_colours, channels)
        The colours, as many channels as the image (a gray image also takes shape
        (n_colours,)), values the image's dtype can hold exactly. Each pixel goes to
        its nearest entry (the first on ties): by squared RGB distance for an
        array, in the palette's space for a :class:`Palette`; RGBA colours are
        compared premultiplied.
    dither : bool, float or {"floyd", "ordered"}
        As for :func:`quantize`.

    Returns
    -------
    Quantized
        ``palette`` is exactly the given colours, in the given order (entries no pixel
        takes included); ``compactness`` the sum of squared distances in the
        comparison space.
    """
    array, peak = _check_image(image)
    colours, space = _palette_colours(palette, array)
    check_dither(dither)
    height, width = array.shape[:2]
    channels = _channels(array)
    table = colour_table(np.ascontiguousarray(array).reshape(-1, channels))
    row_labels = np.empty(len(table.counts), dtype=np.int32)
    distances = np.empty(len(table.counts), dtype=np.float32)
    launch(kernels.assign, _to_space(table.colours.astype(np.float32), space, peak),
           _to_space(colours.astype(np.float32), space, peak), row_labels, distances)
    compactness = float(np.dot(table.counts.astype(np.float64), distances))
    labels = table.pixel_labels(row_labels).reshape(height, width)
    active = array[..., 3] > 0 if channels == 4 else None  # transparent: nearest entry
    labels = dithered_labels(array.reshape(height, width, channels), colours, labels, active,
                             dither, peak)
    return quantized_result(array, colours, labels, compactness, peak)


@dataclass(frozen=True)
class QuantizedFrames:
    """The frames of an animation (or one image), each quantized."""

    frames: List[Quantized]

    @property
    def mse(self) -> float:
        """Mean squared error over all the frames' values."""
        sizes = [q.image.size for q in self.frames]
        return float(np.dot(sizes, [q.mse for q in self.frames]) / sum(sizes))

    @property
    def psnr(self) -> float:
        """PSNR over all the frames, in dB."""
        image = self.frames[0].image
        peak = 1.0 if image.dtype.kind == "f" else float(np.iinfo(image.dtype).max)
        mse = self.mse
        return float("inf") if mse == 0 else float(10.0 * np.log10(peak**2 / mse))

    @property
    def n_colours(self) -> int:
        """Most palette entries a frame has."""
        return max(len(q.palette) for q in self.frames)


def quantize_frames(
    images: Sequence,
    k: int,
    *,
    colours: Optional[np.ndarray] = None,
    per_frame: bool = False,
    target_psnr: Optional[float] = None,
    attempts: Optional[int] = None,
    seed: Optional[int] = None,
    dither: Dither = False,
    space: str = "rgb",
) -> QuantizedFrames:
    """Quantize frames on one palette fitted on them all (a single image: as
    :func:`quantize` does), on one palette each (``per_frame``), or remap them onto
    ``colours``. ``target_psnr``: the smallest K up to ``k`` whose PSNR over all the
    frames reaches it (per frame with ``per_frame``); unused with ``colours``."""
    if colours is not None:
        return QuantizedFrames([remap(image, colours, dither=dither) for image in images])
    options = dict(attempts=attempts, seed=seed, dither=dither, space=space)
    if per_frame or len(images) == 1:
        return QuantizedFrames([quantize(image, k, target_psnr=target_psnr, **options)
                                for image in images])

    def shared(n_colours: int) -> QuantizedFrames:
        fitted = palette(images, n_colours, space=space, seed=seed, attempts=attempts)
        return QuantizedFrames([remap(image, fitted, dither=dither) for image in images])

    return shared(k) if target_psnr is None else smallest_k(shared, k, target_psnr)

"""The ``dither=`` option: none, Floyd-Steinberg error diffusion with a strength, or an
ordered 8x8 Bayer pattern scaled to the palette's spacing.

Floyd-Steinberg is damped where it costs fidelity and hides no banding: on edges and
texture (the share of error a pixel takes falls to 0 where it differs from a neighbour
by EDGE_SCALE palette spacings), and the error a pixel passes on is at most
ERROR_LIMIT spacings long. Both were chosen on the 28 rich-photo cells of
``benchmarks/rich_photos.py --dither`` (7 photos x K = 4, 16, 64, 256, palette of the
undithered k-means), by PSNR and SSIM against libimagequant at dithering level 1:

======================  ==============  ==============
damping                 PSNR >= (mean)  SSIM >= (mean)
======================  ==============  ==============
none (plain, serial)    1/28 (-1.42)    1/28 (-0.028)
serpentine              1/28 (-1.44)    1/28 (-0.028)
edges 2                 23/28 (+0.27)   26/28 (+0.014)
error limit 1           3/28 (-0.27)    13/28 (+0.003)
edges 2, limit 0.75     27/28 (+0.46)   28/28 (+0.029)
edges 3, limit 0.5      28/28 (+0.52)   28/28 (+0.036)
======================  ==============  ==============
"""

from typing import Optional, Tuple, Union

import numpy as np

from . import kernels
from ._alpha import premultiplied
from ._execution import launch
from .kernels import _dither
from .kernels._image_tunables import EDGE_SCALE, ERROR_LIMIT

Dither = Union[bool, float, str]
METHODS = ("floyd", "ordered")


def check_dither(dither: Dither) -> Tuple[Optional[str], float]:
    """The method and strength ``dither`` asks for: (None, 0) for no dithering,
    ("floyd", strength) or ("ordered", 1).

    Raises
    ------
    ValueError
        ``dither`` is a number outside [0, 1] or a string other than "floyd" or
        "ordered".
    TypeError
        ``dither`` is neither a bool, a number nor a string.
    """
    if isinstance(dither, (bool, np.bool_)):
        return ("floyd", 1.0) if dither else (None, 0.0)
    if isinstance(dither, str):
        if dither not in METHODS:
            raise ValueError(f"dither must be True/False, a strength in [0, 1] or one of "
                             f"{METHODS}, got {dither!r}")
        return dither, 1.0
    if isinstance(dither, (int, float, np.integer, np.floating)):
        strength = float(dither)
        if not 0.0 <= strength <= 1.0:
            raise ValueError(f"dither strength must be in [0, 1], got {dither!r}")
        return ("floyd", strength) if strength > 0 else (None, 0.0)
    raise TypeError(f"dither must be a bool, a number in [0, 1] or a string, got "
                    f"{type(dither).__name__}")


def palette_spacing(colours: np.ndarray) -> float:
    """Typical distance between neighbouring palette colours, per channel: the median
    distance from each entry to its nearest other entry, over sqrt(channels)."""
    colours = np.asarray(colours, dtype=np.float64)
    if len(colours) < 2:
        return 0.0
    gaps = ((colours[:, None, :] - colours[None, :, :]) ** 2).sum(axis=2)
    np.fill_diagonal(gaps, np.inf)
    return float(np.median(np.sqrt(gaps.min(axis=1)))) / np.sqrt(colours.shape[1])


def dithered_labels(image: np.ndarray, palette: np.ndarray, labels: np.ndarray,
                    active: Optional[np.ndarray], dither: Dither, peak: float) -> np.ndarray:
    """Labels of the pixels dithered onto ``palette`` (RGBA: premultiplied).

    Parameters
    ----------
    image : ndarray (height, width, channels)
        The pixels.
    palette : ndarray (n_colours, channels)
        The colours pixels may take.
    labels : int ndarray (height, width)
        Undithered labels (kept where ``active`` is false).
    active : bool ndarray (height, width), optional
        Pixels to dither; None: all.
    dither : bool, float or str
        As checked by :func:`check_dither`.
    peak : float
        Value of full intensity (255, 65535 or 1.0).

    Returns
    -------
    int32 ndarray (height, width)
    """
    method, strength = check_dither(dither)
    labels = np.array(labels, dtype=np.int32)
    if method is None:
        return labels
    height, width, channels = image.shape
    colours = np.asarray(palette, dtype=np.float32)
    if channels == 4:
        values = premultiplied(np.asarray(image, dtype=np.float32).reshape(-1, 4), peak)
        values, colours = values.reshape(height, width, 4), premultiplied(colours, peak)
    elif image.dtype == np.uint8 and method == "floyd":  # read as it is: no float copy
        values = image
    else:
        values = np.asarray(image, dtype=np.float32)
    values = np.ascontiguousarray(values)
    colours = np.ascontiguousarray(colours)
    if active is None:
        active = np.ones((height, width), dtype=bool)
    if method == "floyd":
        spacing = max(palette_spacing(colours), 1e-6 * peak)
        launch(_dither.floyd_steinberg, values, colours, active, np.float32(strength),
               np.float32(EDGE_SCALE * spacing), np.float32(ERROR_LIMIT * spacing), labels,
               work=values.size * len(colours))
        return labels
    n_colour = channels - 1 if channels in (2, 4) else channels
    spread = np.float32(palette_spacing(colours[:, :n_colour]))
    shifted = np.empty((height * width, channels), dtype=np.float32)
    launch(_dither.ordered_offsets, values, _dither.BAYER_8, spread, n_colour, shifted,
           work=shifted.size)
    ordered = np.empty(height * width, dtype=np.int32)
    launch(kernels.assign, shifted, colours, ordered, np.empty(height * width, np.float32))
    return np.where(active, ordered.reshape(height, width), labels)

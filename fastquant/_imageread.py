"""Reading image files with imageio: the first frame, turned by its EXIF orientation,
with palette images expanded to colours."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Tuple, Union

import imageio.v3 as iio
import numpy as np

#: What the functions accept as a file name.
PathLike = Union[str, "os.PathLike[str]"]



def read_image(path: PathLike) -> np.ndarray:
    """Read the first frame of an image file as an array.

    Any format imageio reads is accepted.  Files that pillow decodes (JPEG,
    PNG, GIF, TIFF, BMP, WebP, ...) are read through imageio's pillow plugin:
    the first frame of a multi-frame file (animated GIF or PNG, multi-page
    TIFF), turned as its EXIF orientation says.  Other files, and files that
    pillow would decode with fewer bits per sample than they hold (such as
    16-bit RGB TIFF), are read by the plugin imageio chooses; the orientation
    is applied there as well when that plugin does not do it itself.

    CMYK (and YCbCr) images come back as RGB.  Palette ("P") images come
    back as colours, never as palette indices:
    RGBA when the file gives the palette an alpha (a PNG tRNS chunk, a GIF
    transparent index, an RGBA palette), otherwise RGB, or 2-D gray when every
    entry of the palette is a gray level (so an indexed gray PNG written by
    :func:`write_image` reads back as the 2-D image it was made from).

    Parameters
    ----------
    path : str or path-like
        The file to read.

    Returns
    -------
    ndarray
        The pixels, ``(height, width)`` or ``(height, width, channels)``, in
        the file's own sample type (``uint8``, ``uint16``, ``float32``, ...).

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist or is not a file.
    ValueError
        When the file cannot be decoded as an image; the message gives the
        reason in one line.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"input {str(path)!r} does not exist or is not a file")
    try:
        return np.ascontiguousarray(_decode(path))
    except Exception as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ValueError(f"input {str(path)!r} is not a readable image: {reason}") from None


def _decode(path: Path) -> np.ndarray:
    """First frame of ``path``: pillow first, then imageio's own choice of plugin."""
    hints = None
    pillow_error = None
    try:
        file = iio.imopen(path, "r", plugin="pillow")
    except Exception:
        file = None  # not a format pillow knows
    if file is not None:
        try:
            with file:
                array, hints = _read_with_pillow(file)
            if array is not None:
                return array
        except Exception as exc:  # pillow knows the format but not this variant
            pillow_error = exc
    try:
        return _read_with_default_plugin(path, hints)
    except Exception:
        if pillow_error is not None:
            raise pillow_error from None
        raise


def _read_with_pillow(file) -> Tuple[Optional[np.ndarray], dict]:
    """Read frame 0 through an open pillow plugin.

    Returns the array, or None when pillow would lose bits of the samples,
    and the facts the other plugins need (frame shape, orientation).
    """
    meta = file.metadata(index=0, exclude_applied=False)
    size = meta.get("shape")  # pillow's (width, height)
    hints = {
        "shape": None if size is None else (int(size[1]), int(size[0])),
        "orientation": _tag_number(meta.get("Orientation")),
    }
    array = np.asarray(file.read(index=0, rotate=True, mode=_colour_mode(meta)))
    bits = _tag_number(meta.get("BitsPerSample"))  # a TIFF tag
    if bits is not None and bits > 8 * array.dtype.itemsize:
        return None, hints
    return array, hints


def _tag_number(value) -> Optional[int]:
    """Largest number in a metadata tag (a number or a tuple of them), or None."""
    try:
        return int(np.max(np.asarray(value, dtype=np.int64)))
    except (TypeError, ValueError, OverflowError):
        return None


def _colour_mode(meta: dict) -> Optional[str]:
    """Pillow mode to convert a frame to, so that it gives RGB(A) or gray values.

    Palette images are expanded (None keeps imageio's default, which expands
    a palette to its own mode, RGB or RGBA, but drops transparency given apart
    from the palette); CMYK and YCbCr images are converted to RGB.
    """
    mode = meta.get("mode")
    if mode in ("CMYK", "YCbCr"):
        return "RGB"
    if mode == "PA":
        return "RGBA"
    if mode != "P":
        return None
    if "transparency" in meta:
        return "RGBA"
    entries = np.asarray(meta.get("palette", ()))
    if entries.ndim == 2 and entries.shape[0] > 0 and entries.shape[1] == 3:
        if (entries == entries[:, :1]).all():
            return "L"
    return None


def _read_with_default_plugin(path: Path, hints: Optional[dict]) -> np.ndarray:
    """Frame 0 through the plugin imageio picks, asking it for the orientation."""
    turned = True
    try:
        array = np.asarray(iio.imread(path, index=0, rotate=True))
    except TypeError:  # the plugin takes no ``rotate``: read plainly, turn here
        turned = False
        array = np.asarray(iio.imread(path, index=0))
    if hints is not None:
        shape = hints["shape"]
        # Some TIFF readers give pages of one shape stacked as one series.
        stacked = array.ndim >= 3 and array.shape[:2] != shape and array.shape[1:3] == shape
        if shape is not None and stacked:
            array = array[0]
        if not turned and hints["orientation"] is not None:
            array = _apply_orientation(array, hints["orientation"])
    return array


def _apply_orientation(array: np.ndarray, orientation: int) -> np.ndarray:
    """Turn an array as an EXIF orientation tag (1 to 8) says; other values leave it."""
    if orientation == 2:
        return array[:, ::-1]
    if orientation == 3:
        return array[::-1, ::-1]
    if orientation == 4:
        return array[::-1]
    if orientation == 5:
        return array.swapaxes(0, 1)
    if orientation == 6:
        return np.rot90(array, -1)
    if orientation == 7:
        return array.swapaxes(0, 1)[::-1, ::-1]
    if orientation == 8:
        return np.rot90(array, 1)
    return array

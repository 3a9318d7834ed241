"""Reading image files with imageio: the first frame, turned by its EXIF orientation,
with palette images expanded to colours, within a limit on the number of pixels."""

from __future__ import annotations

import math
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional, Sequence, Tuple, Union

import imageio.v3 as iio
import numpy as np
from imageio.core.legacy_plugin_wrapper import LegacyPlugin
from PIL import Image

from .kernels._image_tunables import MAX_PIXELS

#: What the functions accept as a file name (bytes names as ``os.fsencode`` gives them).
PathLike = Union[str, bytes, "os.PathLike[str]"]

#: How to read a larger image, said by every refusal.
_RAISE_HINT = "max_pixels (--max-pixels N on the command line) raises the limit, 0 lifts it"

#: Serializes the reads that lift Pillow's own decompression-bomb check.
_PILLOW_LIMIT_LOCK = threading.Lock()


class PixelLimitError(ValueError):
    """An image file holds more pixels than the reader was allowed to decode."""


def as_path(path: PathLike) -> Path:
    """``path`` as a :class:`~pathlib.Path`; a bytes name is decoded as ``os.fsdecode`` does."""
    return Path(os.fsdecode(path))


def native_byte_order(array: np.ndarray) -> np.ndarray:
    """``array`` itself, or its values in the machine's byte order when stored in the other."""
    if array.dtype.isnative:
        return array
    return array.astype(array.dtype.newbyteorder("="))


def check_max_pixels(max_pixels: Optional[int]) -> Optional[int]:
    """The pixel limit ``max_pixels`` means: None (no limit) for None or 0.

    Raises
    ------
    TypeError
        ``max_pixels`` is not an integer (or None).
    ValueError
        ``max_pixels`` is negative.
    """
    if max_pixels is None:
        return None
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, (int, np.integer)):
        raise TypeError(f"max_pixels must be an integer or None, got {type(max_pixels).__name__}")
    if max_pixels < 0:
        raise ValueError(f"max_pixels must be 0 (no limit) or more, got {max_pixels}")
    return int(max_pixels) or None


def read_image(path: PathLike, *, max_pixels: Optional[int] = MAX_PIXELS) -> np.ndarray:
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
    Samples stored big-endian (16-bit TIFF or PNM) come back in the machine's
    own byte order.

    The size of the frame is read from the file's header and checked against
    ``max_pixels`` before any pixel is decoded, whatever the format (plugins
    of imageio's legacy family, which give the size only by decoding, are
    checked right after decoding).  A limit above Pillow's own
    (``2 * PIL.Image.MAX_IMAGE_PIXELS``) lifts Pillow's check while the file
    is read, under a lock.

    Parameters
    ----------
    path : str, bytes or path-like
        The file to read.
    max_pixels : int or None
        Largest number of pixels (height times width, times depth for a
        volume) to decode; default :data:`MAX_PIXELS` (178,956,970, the size
        at which Pillow refuses a file).  None or 0: no limit.

    Returns
    -------
    ndarray
        The pixels, ``(height, width)`` or ``(height, width, channels)``, in
        the file's own sample type (``uint8``, ``uint16``, ``float32``, ...).

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist or is not a file.
    PixelLimitError
        (a ``ValueError``) When the image has more than ``max_pixels`` pixels;
        the message gives its size and the limit.
    ValueError
        When the file cannot be decoded as an image; the message gives the
        reason in one line.  Also when ``max_pixels`` is negative.
    TypeError
        When ``max_pixels`` is not an integer or None.
    """
    limit = check_max_pixels(max_pixels)
    path = as_path(path)
    if not path.is_file():
        raise FileNotFoundError(f"input {str(path)!r} does not exist or is not a file")
    try:
        with _pillow_check_lifted(limit):
            array = _decode(path, limit)
    except PixelLimitError:
        raise
    except Exception as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ValueError(f"input {str(path)!r} is not a readable image: {reason}") from None
    return native_byte_order(np.ascontiguousarray(array))


@contextmanager
def _pillow_check_lifted(limit: Optional[int]) -> Iterator[None]:
    """Lift Pillow's decompression-bomb check when ``limit`` allows larger images.

    Pillow refuses images above twice ``Image.MAX_IMAGE_PIXELS`` on its own,
    whatever the caller allows; with a larger limit (or none) the check is
    off while the file is read and restored afterwards.  The pixel limit
    checked here stands in for it.
    """
    pillow_limit = Image.MAX_IMAGE_PIXELS
    if pillow_limit is None or (limit is not None and limit <= 2 * pillow_limit):
        yield
        return
    with _PILLOW_LIMIT_LOCK:
        saved, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
        try:
            yield
        finally:
            Image.MAX_IMAGE_PIXELS = saved


def _check_pixels(path: Path, shape: Sequence[int], limit: Optional[int]) -> None:
    """Refuse a frame of ``shape`` (a trailing axis of 1 to 4 is its channels)."""
    if limit is None:
        return
    axes = [int(n) for n in shape]
    if len(axes) >= 3 and axes[-1] <= 4:
        axes = axes[:-1]
    pixels = math.prod(axes)
    if pixels > limit:
        size = "x".join(str(n) for n in reversed(axes))  # width x height (x depth)
        raise PixelLimitError(
            f"input {str(path)!r} is {size} = {pixels:,} pixels, above the limit of "
            f"{limit:,}; {_RAISE_HINT}"
        )


def _decode(path: Path, limit: Optional[int]) -> np.ndarray:
    """First frame of ``path``: pillow first, then imageio's own choice of plugin."""
    hints = None
    pillow_error = None
    try:
        file = iio.imopen(path, "r", plugin="pillow")
    except Exception as exc:
        if isinstance(exc.__cause__, Image.DecompressionBombError):  # Pillow's own limit
            _refuse_as_pillow_did(path, limit, exc.__cause__)
        file = None  # not a format pillow knows
    if file is not None:
        try:
            with file:
                array, hints = _read_with_pillow(file, path, limit)
            if array is not None:
                return array
        except PixelLimitError:
            raise
        except Exception as exc:  # pillow knows the format but not this variant
            pillow_error = exc
    try:
        return _read_with_default_plugin(path, hints, limit)
    except PixelLimitError:
        raise
    except Exception:
        if pillow_error is not None:
            raise pillow_error from None
        raise


def _refuse_as_pillow_did(path: Path, limit: Optional[int], refusal: Exception) -> None:
    """Raise the :class:`PixelLimitError` of a file Pillow refused as too large.

    Pillow's check is lifted (under the lock) only to read the frame's size
    from the header, so that the message gives the size and ``limit``.
    """
    with _pillow_check_lifted(None), iio.imopen(path, "r", plugin="pillow") as file:
        _check_pixels(path, file.properties(index=0).shape[:2], limit)
    raise PixelLimitError(
        f"input {str(path)!r} is above Pillow's pixel limit ({refusal}); {_RAISE_HINT}"
    )


def _read_with_pillow(file, path: Path, limit: Optional[int]) -> Tuple[Optional[np.ndarray], dict]:
    """Read frame 0 through an open pillow plugin, once its size is within ``limit``.

    Returns the array, or None when pillow would lose bits of the samples,
    and the facts the other plugins need (frame shape, orientation).
    """
    meta = file.metadata(index=0, exclude_applied=False)
    size = meta.get("shape")  # pillow's (width, height)
    hints = {
        "shape": None if size is None else (int(size[1]), int(size[0])),
        "orientation": _tag_number(meta.get("Orientation")),
    }
    _check_pixels(path, file.properties(index=0).shape[:2], limit)
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


def _read_with_default_plugin(path: Path, hints: Optional[dict], limit: Optional[int]) -> np.ndarray:
    """Frame 0 through the plugin imageio picks, asking it for the orientation.

    The size comes from the plugin's properties before decoding, except for
    legacy plugins, whose properties decode the image: those are checked after.
    """
    with iio.imopen(path, "r") as file:
        legacy = isinstance(file, LegacyPlugin)
        if not legacy:
            _check_pixels(path, file.properties(index=0).shape, limit)
        turned = True
        try:
            array = np.asarray(file.read(index=0, rotate=True))
        except TypeError:  # the plugin takes no ``rotate``: read plainly, turn here
            turned = False
            array = np.asarray(file.read(index=0))
    if legacy:
        _check_pixels(path, array.shape, limit)
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

"""Animations and multi-page files: every frame with its duration (read), and
quantized frames written as an animated GIF or PNG (APNG)."""

from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np
from PIL import Image

from ._imageread import (MAX_PIXELS, PathLike, PixelLimitError, _check_pixels,
                         _pillow_check_lifted, as_path, check_max_pixels, native_byte_order)
from ._atomic_write import write_with
from ._indexed import gif_transparency, palette_entries

#: Extensions :func:`write_frames` writes animated.
ANIMATED_EXTENSIONS = (".gif", ".png")


@dataclass(frozen=True)
class Frames:
    """The frames of an image file.

    Attributes
    ----------
    images : list of ndarray
        Every frame, whole (as displayed, not the patch a GIF stores), all of one
        shape and dtype: ``(height, width)`` gray, or ``(height, width, 3 or 4)``.
    durations : list of int
        Display time of each frame in milliseconds (0 when the file gives none, as
        for TIFF pages).
    loop : int or None
        How many times the animation repeats as the file says (0: forever); None
        when the file says nothing (a GIF without a loop extension plays once).
    """

    images: List[np.ndarray]
    durations: List[int]
    loop: Optional[int] = None

    def __len__(self) -> int:
        return len(self.images)


def frame_count(path: PathLike) -> int:
    """Number of frames of an image file (1 for still images and files Pillow cannot
    open: :func:`~fastquant._imageread.read_image` tells those apart)."""
    try:
        with Image.open(as_path(path)) as image:
            return int(getattr(image, "n_frames", 1))
    except Exception:
        return 1


def read_frames(path: PathLike, *, max_pixels: Optional[int] = MAX_PIXELS) -> Frames:
    """Read every frame of an animated GIF, an animated PNG (APNG) or a multi-page
    TIFF, with its duration (a still image gives one frame).

    Parameters
    ----------
    path : str, bytes or path-like
        The file.
    max_pixels : int or None
        Largest number of pixels of all the frames together; None or 0: no limit.

    Returns
    -------
    Frames
        Palette frames come back as colours (RGBA when some frame has transparency,
        else RGB); when frames differ in channels all become RGB(A).

    Raises
    ------
    FileNotFoundError
        ``path`` is not a file.
    PixelLimitError
        (a ``ValueError``) The frames hold more than ``max_pixels`` pixels in all.
    ValueError
        The file cannot be decoded, or its frames differ in size or sample type.
    """
    limit = check_max_pixels(max_pixels)
    path = as_path(path)
    if not path.is_file():
        raise FileNotFoundError(f"input {str(path)!r} does not exist or is not a file")
    try:
        with _pillow_check_lifted(limit), Image.open(path) as file:
            n_frames = int(getattr(file, "n_frames", 1))
            _check_pixels(path, (n_frames * file.height, file.width), limit)
            loop = file.info.get("loop")
            images, durations = [], []
            for index in range(n_frames):
                file.seek(index)
                images.append(_frame_array(file))
                durations.append(int(round(float(file.info.get("duration", 0) or 0))))
    except PixelLimitError:
        raise
    except Exception as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ValueError(f"input {str(path)!r} is not a readable image: {reason}") from None
    images = _alike(images, path)
    return Frames(images, durations, None if loop is None else int(loop))


def _frame_array(frame: Image.Image) -> np.ndarray:
    """The current frame as RGB(A) or gray values (palette and other modes expanded)."""
    mode = frame.mode
    if mode in ("P", "PA", "LA", "La", "RGBa", "1", "CMYK", "YCbCr", "HSV", "LAB"):
        alpha = mode in ("PA", "LA", "La", "RGBa") or "transparency" in frame.info
        frame = frame.convert("RGBA" if alpha else "RGB")
    return native_byte_order(np.array(frame))


def _alike(images: List[np.ndarray], path) -> List[np.ndarray]:
    """Frames of one number of channels: gray frames among colour ones become RGB,
    RGB ones among RGBA ones get an opaque alpha."""
    shapes = {image.shape[:2] for image in images}
    dtypes = {image.dtype for image in images}
    if len(shapes) > 1 or len(dtypes) > 1:
        raise ValueError(f"input {str(path)!r} has frames of different sizes or sample types")
    channels = max(1 if image.ndim == 2 else image.shape[2] for image in images)
    if channels == 1:
        return images
    peak = np.iinfo(images[0].dtype).max if images[0].dtype.kind in "ui" else 1.0
    out = []
    for image in images:
        if image.ndim == 2:
            image = np.repeat(image[:, :, None], 3, axis=2)
        if image.shape[2] < channels:
            opaque = np.full(image.shape[:2] + (1,), peak, dtype=image.dtype)
            image = np.concatenate([image, opaque], axis=2)
        out.append(image)
    return out


def write_frames(
    path: PathLike,
    palettes: Sequence[np.ndarray],
    labels: Sequence[np.ndarray],
    durations: Sequence[int],
    loop: Optional[int],
    *,
    max_size: Optional[int] = None,
) -> None:
    """Write quantized frames as an animated GIF or PNG, atomically.

    Parameters
    ----------
    path : str, bytes or path-like
        ``.gif`` or ``.png`` (APNG); already checked by ``check_destination``.
    palettes : sequence of uint8 ndarray (n_i, 3 or 4)
        The palette of each frame (the same array for a shared palette). A PNG has
        one palette: frames with their own palettes are written in full colour.
    labels : sequence of ndarray (height, width)
        Palette index of every pixel of each frame.
    durations : sequence of int
        Milliseconds per frame (a GIF keeps hundredths of a second).
    loop : int or None
        Repeat count to write (0: forever); None writes none.
    max_size : int, optional
        Largest file to write, in bytes.

    Raises
    ------
    ValueError
        Another extension, palettes that are not uint8 with 1 to 256 entries, or a
        GIF asked for partial transparency.
    """
    path = as_path(path)
    extension = path.suffix.lower()
    if extension not in ANIMATED_EXTENSIONS:
        raise ValueError(f"output {str(path)!r}: an animation is written as .gif or .png "
                         f"(APNG), not {path.suffix}")
    shared = all(p is palettes[0] or np.array_equal(p, palettes[0]) for p in palettes)
    images = [_frame_image(p, l, extension, shared) for p, l in zip(palettes, labels)]
    options = dict(save_all=True, append_images=images[1:], duration=list(durations))
    if loop is not None:
        options["loop"] = int(loop)
    if extension == ".gif":
        options.update(disposal=2, optimize=False)
        transparency = images[0].info.get("transparency")
        if transparency is not None:
            options["transparency"] = transparency
    elif images[0].mode == "P" and "transparency" in images[0].info:
        options["transparency"] = images[0].info["transparency"]
    write_with(path, lambda name: images[0].save(name, format=extension[1:].upper(),
                                                 **options), max_size=max_size)


def _frame_image(palette: np.ndarray, labels: np.ndarray, extension: str,
                 shared: bool) -> Image.Image:
    """A Pillow image of one frame: indexed, or in full colour for a PNG frame with a
    palette of its own."""
    entries = palette_entries(palette)
    if entries is None:
        raise ValueError("animated output needs uint8 palettes of 1 to 256 entries, got "
                         f"{np.asarray(palette).dtype} shape {np.asarray(palette).shape}")
    colours, rgb, alpha = entries
    if extension == ".png" and not shared:
        return Image.fromarray(np.ascontiguousarray(colours[labels]))
    image = Image.fromarray(np.asarray(labels, dtype=np.uint8), mode="P")
    image.putpalette(rgb.reshape(-1).tobytes(), rawmode="RGB")
    if extension == ".gif":
        transparency = gif_transparency(alpha)
        if transparency is not None:
            image.info["transparency"] = transparency
    elif alpha is not None:
        image.info["transparency"] = alpha.tobytes()
    return image

"""One image file in, one quantized file out: the unit of work of the command line's
batches, run locally or on a dask worker."""

import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image

from ._dithering import Dither
from ._frames import frame_count, read_frames, write_frames
from ._imageread import MAX_PIXELS, PathLike, as_path, read_image
from ._atomic_write import LargerThanInputError, check_destination, check_output_name
from ._imagewrite import write_image
from ._palette import quantize_frames

#: Exit status of a file skipped because its output would be larger than its input...
SKIPPED_LARGER = 98
#: ... or because its quality is below the minimum asked for (pngquant's codes).
SKIPPED_QUALITY = 99


@dataclass(frozen=True)
class FileResult:
    """What became of one input file."""

    source: str
    target: str
    error: Optional[str] = None  # None when the file was written
    width: int = 0
    height: int = 0
    colours: int = 0
    psnr: float = math.nan
    seconds: float = 0.0  # quantization time, reading and writing excluded
    skipped: int = 0  # SKIPPED_LARGER or SKIPPED_QUALITY when not written on purpose

    @property
    def ok(self) -> bool:
        return self.error is None

    def summary(self, k: int) -> str:
        """One line for a written file."""
        return (
            f"{Path(self.source).name}: {self.width}x{self.height}, K={k}, {self.colours} "
            f"colours, PSNR {self.psnr:.2f} dB, {self.seconds:.2f} s -> {self.target}"
        )


def output_paths(sources: Sequence[PathLike], out_dir: PathLike, k: int, format: str) -> List[Path]:
    """``<out_dir>/<stem>-k<K>.<format>`` for each source, checked by :func:`check_outputs`.

    Raises
    ------
    ValueError
        When two sources would write the same file, when an output would be one of
        the sources, or when ``out_dir`` is an existing file.
    """
    folder = as_path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"output folder {str(folder)!r} is a file")
    extension = format.lstrip(".")
    targets = [folder / f"{as_path(source).stem}-k{k}.{extension}" for source in sources]
    seen = {}
    for source, target in zip(sources, targets):
        if target in seen:
            raise ValueError(f"{seen[target]} and {source} would both be written to {target}")
        seen[target] = source
    check_outputs(sources, targets)
    return targets


def check_outputs(sources: Sequence[PathLike], targets: Sequence[PathLike]) -> None:
    """Refuse a batch, before anything is written, when an output would replace an input.

    An output is an input when both resolve to the same path (another spelling,
    ``..``, a symbolic link) or, for files that exist, when they are the same file
    (a hard link; the same inode on the same device).  Outputs that are folders
    or have no extension are refused as well.

    Raises
    ------
    ValueError
        Naming the first such output and the input it would replace.
    """
    inputs: Dict[object, PathLike] = {}
    for source in sources:
        for key in _file_keys(as_path(source)):
            inputs.setdefault(key, source)
    for target in targets:
        path = as_path(target)
        try:
            check_output_name(path)
        except OSError as exc:
            raise ValueError(str(exc)) from None
        for key in _file_keys(path):
            if key in inputs:
                raise ValueError(
                    f"output {str(path)!r} would replace the input {str(inputs[key])!r}; "
                    "nothing was written"
                )


def _file_keys(path: Path) -> List[object]:
    """What identifies the file at ``path``: its resolved path and, when it exists,
    its (device, inode) pair."""
    keys: List[object] = [os.path.realpath(path)]
    try:
        status = os.stat(path)
    except OSError:
        return keys
    identity: Tuple[int, int] = (status.st_dev, status.st_ino)
    return keys + [identity]


def read_palette(path: PathLike, *, max_pixels: Optional[int] = MAX_PIXELS) -> np.ndarray:
    """The colours of a palette file, in order: the palette of an indexed PNG or GIF
    (RGBA when it has transparency), or else the distinct colours of the image in the
    order they first appear (at most 256).

    Raises
    ------
    ValueError
        The file is not a readable image, or has more than 256 colours.
    """
    path = as_path(path)
    try:
        with Image.open(path) as file:
            if file.mode == "P":
                rgb = np.array(file.getpalette("RGB"), dtype=np.uint8).reshape(-1, 3)
                transparency = file.info.get("transparency")
                if transparency is None:
                    return rgb
                alpha = np.full(len(rgb), 255, np.uint8)
                if isinstance(transparency, bytes):
                    given = np.frombuffer(transparency, np.uint8)[: len(rgb)]
                    alpha[: len(given)] = given
                else:
                    alpha[int(transparency)] = 0
                return np.column_stack([rgb, alpha])
    except OSError:
        pass  # not for Pillow: read_image says why, or reads it
    image = read_image(path, max_pixels=max_pixels)
    pixels = image.reshape(-1, 1 if image.ndim == 2 else image.shape[2])
    colours, first = np.unique(pixels, axis=0, return_index=True)
    if len(colours) > 256:
        raise ValueError(f"palette file {str(path)!r} has {len(colours)} colours; a palette "
                         "holds at most 256 (give an indexed PNG/GIF or a small swatch)")
    colours = colours[np.argsort(first)]
    return colours[:, 0] if image.ndim == 2 else colours


def matched(image: np.ndarray, colours: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """An image and a palette with as many channels and one scale: a gray image
    becomes RGB for an RGB(A) palette, the side without alpha gets an opaque one, and
    8-bit colours are scaled to a 16-bit image."""
    colours = np.asarray(colours)
    if image.dtype == np.uint16 and colours.dtype == np.uint8:
        colours = colours.astype(np.uint16) * 257
    if colours.ndim == 1:
        colours = colours[:, None]
    if image.ndim == 2 and colours.shape[1] > 1:
        image = np.repeat(image[:, :, None], 3, axis=2)
    if image.ndim == 3 and image.shape[2] == 1 and colours.shape[1] > 1:
        image = np.repeat(image, 3, axis=2)
    if colours.shape[1] == 1 and image.ndim == 3 and image.shape[2] >= 3:
        colours = np.repeat(colours, 3, axis=1)
    peak = np.iinfo(image.dtype).max if image.dtype.kind in "ui" else 1.0
    channels = 1 if image.ndim == 2 else image.shape[2]
    if channels == 3 and colours.shape[1] == 4:
        image = np.dstack([image, np.full(image.shape[:2], peak, image.dtype)])
    if channels == 4 and colours.shape[1] == 3:
        colours = np.column_stack([colours, np.full(len(colours), peak, colours.dtype)])
    return image, colours


def quantize_file(
    source: PathLike,
    target: PathLike,
    k: int,
    *,
    attempts: Optional[int] = None,
    seed: Optional[int] = None,
    dither: Dither = False,
    space: str = "rgb",
    force: bool = False,
    make_parents: bool = False,
    max_pixels: Optional[int] = MAX_PIXELS,
    palette: Optional[np.ndarray] = None,
    quality: Optional[Tuple[float, float]] = None,
    skip_if_larger: bool = False,
    per_frame: bool = False,
) -> FileResult:
    """Read ``source``, quantize it to ``k`` colours and write ``target`` atomically.

    An animated GIF or PNG, or a multi-page TIFF, is written as an animated GIF or
    PNG (APNG, by the extension of ``target``) with its durations and loop count,
    on one palette fitted on all its frames.

    Parameters
    ----------
    source, target : str, bytes or Path
        The input image and the output file (its suffix picks the format).
    k : int
        Number of colours.
    attempts, seed, dither, space
        As for :func:`fastquant.quantize`.
    force : bool
        Replace an existing ``target`` (never ``source`` itself).
    make_parents : bool
        Create ``target``'s folder when missing.
    max_pixels : int or None
        Largest image to read, in pixels (see :func:`~fastquant._imageread.read_image`);
        None or 0: no limit.
    palette : ndarray (n, channels), optional
        Colours to remap onto (``k`` is then unused).
    quality : (float, float), optional
        (MIN, MAX) PSNR in dB: the smallest K up to ``k`` that reaches MAX; below
        MIN nothing is written (``skipped`` is SKIPPED_QUALITY).
    skip_if_larger : bool
        Write nothing when the output would be larger than ``source`` (``skipped``
        is SKIPPED_LARGER).
    per_frame : bool
        Animated input: one palette per frame instead of one for all.

    Returns
    -------
    FileResult
        Unreadable input, an image above ``max_pixels``, a bad argument, too
        little memory or a failed write is reported in ``error`` rather than
        raised, so that one bad file does not stop a batch.
    """
    source, target = as_path(source), as_path(target)
    options = dict(attempts=attempts, seed=seed, dither=dither, space=space)
    target_psnr = None if quality is None else quality[1]
    try:
        max_size = os.path.getsize(source) if skip_if_larger else None
        animated = frame_count(source) > 1
        if animated:
            frames = read_frames(source, max_pixels=max_pixels)
            images = frames.images
        else:
            images = [read_image(source, max_pixels=max_pixels)]
        if palette is not None:
            pairs = [matched(image, palette) for image in images]
            images, palette = [image for image, _ in pairs], pairs[0][1]
        start = time.perf_counter()
        result = quantize_frames(images, k, colours=palette, per_frame=per_frame,
                                 target_psnr=target_psnr, **options)
        seconds = time.perf_counter() - start
        if quality is not None and result.psnr < quality[0]:
            return FileResult(str(source), str(target), (
                f"quality {result.psnr:.2f} dB is below the minimum {quality[0]:g} dB; "
                "not written"), skipped=SKIPPED_QUALITY)
        if make_parents:
            target.parent.mkdir(parents=True, exist_ok=True)
        if animated:
            check_destination(target, force, [source])
            write_frames(target, [q.palette for q in result.frames],
                         [q.labels for q in result.frames], frames.durations, frames.loop,
                         max_size=max_size)
        else:
            single = result.frames[0]
            write_image(target, single.image, overwrite=force, protect=[source],
                        palette=single.palette, labels=single.labels, max_size=max_size)
    except LargerThanInputError as exc:
        return FileResult(str(source), str(target), str(exc), skipped=SKIPPED_LARGER)
    except (OSError, ValueError, TypeError) as exc:
        return FileResult(str(source), str(target), error=str(exc))
    except MemoryError as exc:
        return FileResult(str(source), str(target), error=str(exc) or "out of memory")
    height, width = images[0].shape[:2]
    return FileResult(str(source), str(target), None, width, height,
                      result.n_colours, result.psnr, seconds)

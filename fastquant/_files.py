"""One image file in, one quantized file out: the unit of work of the command line's
batches, run locally or on a dask worker."""

import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from ._imageread import MAX_PIXELS, PathLike, as_path, read_image
from ._imagewrite import check_output_name, write_image
from ._quantize import quantize


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


def quantize_file(
    source: PathLike,
    target: PathLike,
    k: int,
    *,
    attempts: Optional[int] = None,
    seed: Optional[int] = None,
    dither: bool = False,
    space: str = "rgb",
    force: bool = False,
    make_parents: bool = False,
    max_pixels: Optional[int] = MAX_PIXELS,
) -> FileResult:
    """Read ``source``, quantize it to ``k`` colours and write ``target`` atomically.

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

    Returns
    -------
    FileResult
        Unreadable input, an image above ``max_pixels``, a bad argument, too
        little memory or a failed write is reported in ``error`` rather than
        raised, so that one bad file does not stop a batch.
    """
    source, target = as_path(source), as_path(target)
    try:
        image = read_image(source, max_pixels=max_pixels)
        start = time.perf_counter()
        result = quantize(image, k, attempts=attempts, seed=seed, dither=dither, space=space)
        seconds = time.perf_counter() - start
        if make_parents:
            target.parent.mkdir(parents=True, exist_ok=True)
        write_image(target, result.image, overwrite=force, protect=[source],
                    palette=result.palette, labels=result.labels)
    except (OSError, ValueError, TypeError) as exc:
        return FileResult(str(source), str(target), error=str(exc))
    except MemoryError as exc:
        return FileResult(str(source), str(target), error=str(exc) or "out of memory")
    return FileResult(str(source), str(target), None, image.shape[1], image.shape[0],
                      len(result.palette), result.psnr, seconds)

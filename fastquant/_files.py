"""One image file in, one quantized file out: the unit of work of the command line's
batches, run locally or on a dask worker."""

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Union

from ._imageread import read_image
from ._imagewrite import write_image
from ._quantize import quantize

PathLike = Union[str, Path]


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
    """``<out_dir>/<stem>-k<K>.<format>`` for each source.

    Raises
    ------
    ValueError
        When two sources would write the same file.
    """
    targets = [Path(out_dir) / f"{Path(source).stem}-k{k}.{format.lstrip('.')}" for source in sources]
    seen = {}
    for source, target in zip(sources, targets):
        if target in seen:
            raise ValueError(f"{seen[target]} and {source} would both be written to {target}")
        seen[target] = source
    return targets


def quantize_file(
    source: PathLike,
    target: PathLike,
    k: int,
    *,
    attempts: int = 1,
    seed: Optional[int] = None,
    dither: bool = False,
    space: str = "rgb",
    force: bool = False,
    make_parents: bool = False,
) -> FileResult:
    """Read ``source``, quantize it to ``k`` colours and write ``target`` atomically.

    Parameters
    ----------
    source, target : str or Path
        The input image and the output file (its suffix picks the format).
    k : int
        Number of colours.
    attempts, seed, dither, space
        As for :func:`fastquant.quantize`.
    force : bool
        Replace an existing ``target`` (never ``source`` itself).
    make_parents : bool
        Create ``target``'s folder when missing.

    Returns
    -------
    FileResult
        Unreadable input, a bad argument or a failed write is reported in ``error``
        rather than raised, so that one bad file does not stop a batch.
    """
    source, target = Path(source), Path(target)
    try:
        image = read_image(source)
        start = time.perf_counter()
        result = quantize(image, k, attempts=attempts, seed=seed, dither=dither, space=space)
        seconds = time.perf_counter() - start
        if make_parents:
            target.parent.mkdir(parents=True, exist_ok=True)
        write_image(target, result.image, overwrite=force, protect=[source],
                    palette=result.palette, labels=result.labels)
    except (OSError, ValueError, TypeError) as exc:
        return FileResult(str(source), str(target), error=str(exc))
    return FileResult(str(source), str(target), None, image.shape[1], image.shape[0],
                      len(result.palette), result.psnr, seconds)

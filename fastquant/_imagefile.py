"""Reading and writing image files with imageio, writes being atomic."""

import os
import tempfile
from pathlib import Path

import imageio.v3 as iio
import numpy as np


def read_image(path) -> np.ndarray:
    """Read the first frame of an image file as an array.

    Raises
    ------
    ValueError
        When the file cannot be decoded as an image.
    FileNotFoundError
        When it does not exist.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"input {str(path)!r} does not exist or is not a file")
    try:
        return np.asarray(iio.imread(path, index=0))
    except Exception as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ValueError(f"input {str(path)!r} is not a readable image: {reason}") from None


def write_image(path, image: np.ndarray, *, overwrite: bool = False, protect=()) -> None:
    """Write ``image`` to ``path`` atomically (temporary file, then rename).

    Parameters
    ----------
    path : path-like
        Destination; its extension chooses the format.
    image : ndarray
        The pixels.
    overwrite : bool
        Replace an existing file; without it an existing ``path`` is an error.
    protect : iterable of path-like
        Files that must never be replaced (the inputs).

    Raises
    ------
    FileExistsError
        ``path`` exists and ``overwrite`` is false, or ``path`` is a protected input.
    """
    path = Path(path)
    for other in protect:
        if path.exists() and os.path.samefile(path, other):
            raise FileExistsError(f"output {str(path)!r} is the input file; refusing to overwrite it")
    if path.exists() and not overwrite:
        raise FileExistsError(f"output {str(path)!r} already exists (use --force to replace it)")
    directory = path.parent if str(path.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=directory)
    os.close(handle)
    try:
        iio.imwrite(temporary, image, extension=path.suffix or None)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise

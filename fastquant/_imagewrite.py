"""Writing image files: full colour through imageio, or indexed (a palette PNG by the
encoder of ``_indexed``, a palette GIF through imageio's pillow plugin), always
atomically (``_atomic_write``)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Optional

import imageio.v3 as iio
import numpy as np

from ._atomic_write import check_destination, write_with
from ._imageread import PathLike, as_path, native_byte_order
from ._indexed import (
    encode_indexed_png, gif_transparency, label_indices, palette_entries, used_entries,
)


def write_image(
    path: PathLike,
    image: np.ndarray,
    *,
    overwrite: bool = False,
    protect: Iterable[PathLike] = (),
    palette: Optional[np.ndarray] = None,
    labels: Optional[np.ndarray] = None,
    max_size: Optional[int] = None,
) -> None:
    """Write ``image`` to ``path`` atomically (temporary file, then rename).

    The file is first written whole to a temporary file in the folder of
    ``path``, which then replaces ``path`` (``os.replace``); on any failure
    the temporary file is removed and an existing ``path`` is left as it was.
    A replaced file keeps its permission bits; a new one gets those of any new
    file under the umask.  When called from the main thread, SIGINT, SIGTERM
    and SIGHUP arriving during the write first remove the temporary file and
    then act as they would have (the previous handlers are restored).

    With ``palette`` and ``labels`` (``image`` being ``palette[labels]``) the
    image is written indexed when the format allows it:

    * ``.png``: a palette PNG (colour type 3) with a PLTE chunk holding the
      entries some pixel uses (in their order), at the smallest bit depth
      that indexes them (1, 2, 4 or 8 bits), and a tRNS chunk with the alpha
      of the entries up to the last one not opaque when the palette has 4
      channels.  A gray palette is written as gray RGB triplets.  No
      metadata chunk is written.
    * ``.gif``: a palette GIF.  GIF has one transparent index and no partial
      alpha, so a 4-channel palette must be all opaque, or opaque except for
      one entry of alpha 0, which becomes the transparent index.

    Any other extension, a palette of more than 256 entries or a palette that
    is not ``uint8`` writes ``image`` in full colour, as without a palette.
    Samples in a byte order other than the machine's are written by value.

    Parameters
    ----------
    path : str, bytes or path-like
        Destination; its extension chooses the format.
    image : ndarray
        The pixels, ``(height, width)`` or ``(height, width, channels)``.
    overwrite : bool
        Replace an existing file; without it an existing ``path`` is an error.
    protect : iterable of str, bytes or path-like
        Files that must never be replaced (the inputs).
    palette : ndarray, optional
        The colours of an indexed image: shape ``(n,)`` (or ``(n, 1)``) of gray
        levels, or ``(n, 3)`` RGB, or ``(n, 4)`` RGBA.  Given with ``labels``.
    labels : ndarray, optional
        Integer indices into ``palette`` of shape ``(height, width)``, values
        below ``n`` (``uint8`` when ``n <= 256``).  Given with ``palette``.
    max_size : int, optional
        Largest file to write, in bytes (the input's size for ``--skip-if-larger``).

    Raises
    ------
    FileExistsError
        ``path`` exists and ``overwrite`` is false, or ``path`` is a protected
        input.
    IsADirectoryError
        ``path`` is a folder.
    ValueError
        ``path`` has no extension; only one of ``palette`` and ``labels`` is
        given; or, when writing indexed, ``labels`` is not of the image's
        height and width, holds an index outside the palette, or
        ``palette[labels]`` differs from ``image``; or a GIF is asked for an
        alpha it cannot hold.
    InterruptedError
        A signal arrived during the write and its handler returned.
    LargerThanInputError
        (a ``ValueError``) The file would have more than ``max_size`` bytes;
        nothing was written.
    """
    path = as_path(path)
    image = native_byte_order(np.asarray(image))
    check_destination(path, overwrite, protect)
    write_with(path, _writer(path, image, palette, labels), max_size=max_size)


def _writer(
    path: Path, image: np.ndarray, palette: Optional[np.ndarray], labels: Optional[np.ndarray]
) -> Callable[[str], None]:
    """Check the arguments and return what writes the file, given its name."""
    if (palette is None) != (labels is None):
        raise ValueError("palette and labels must be given together")
    extension = path.suffix.lower()
    if palette is not None and extension in (".png", ".gif"):
        entries = palette_entries(palette)
        if entries is not None:
            colours, rgb, alpha = entries
            indices = label_indices(labels, colours, image)
            if extension == ".png":
                data = encode_indexed_png(*used_entries(indices, rgb, alpha))

                def write_png(name: str) -> None:
                    with open(name, "wb") as stream:
                        stream.write(data)

                return write_png
            transparency = gif_transparency(alpha)
            options = {} if transparency is None else {"transparency": transparency}
            return lambda name: iio.imwrite(
                name, indices, plugin="pillow", extension=".gif", mode="P",
                palette=rgb.tobytes(), **options,
            )

    def write_full_colour(name: str) -> None:
        try:
            iio.imwrite(name, image, extension=path.suffix)
        except TypeError as exc:  # Pillow has no mode for this sample type and channels
            raise ValueError(
                f"output {str(path)!r}: cannot write a {image.dtype} image of shape "
                f"{image.shape} as {path.suffix} ({exc}); .tif holds any of them"
            ) from None

    return write_full_colour

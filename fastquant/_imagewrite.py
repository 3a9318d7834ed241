"""Writing image files atomically: a temporary file in the destination's folder
replaces the destination only once it is complete, and is removed on any failure or
on SIGTERM/SIGINT/SIGHUP during the write. A quantized image can be written
as an indexed (palette) PNG, by a small encoder here, or as an indexed GIF, through
imageio's pillow plugin."""

from __future__ import annotations

import binascii
import os
import secrets
import signal
import stat
import struct
import threading
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Tuple

import imageio.v3 as iio
import numpy as np

from ._imageread import PathLike, as_path, native_byte_order
from .kernels._tunables import IDAT_CHUNK, PNG_COMPRESSION

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Largest number of palette entries an indexed PNG or GIF holds.
_MAX_ENTRIES = 256
#: Signals that, arriving during a write, remove the temporary file before they act.
_CLEANUP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
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


class LargerThanInputError(ValueError):
    """The file written would be larger than allowed (``--skip-if-larger``)."""


def write_with(path: Path, write: Callable[[str], None], *, max_size: Optional[int] = None) -> None:
    """Run ``write`` on a temporary file beside ``path``, then move it to ``path``
    (the atomic part of :func:`write_image`, for callers with their own encoder;
    ``path`` must have passed :func:`check_destination`).

    Raises
    ------
    LargerThanInputError
        The written file has more than ``max_size`` bytes; nothing was written.
    """
    with _signals_removing_temporary(path):
        temporary = _create_temporary(path)
        try:
            write(temporary)
            size = os.path.getsize(temporary)
            if max_size is not None and size > max_size:
                raise LargerThanInputError(
                    f"output {str(path)!r} would be {size:,} bytes, larger than the input's "
                    f"{max_size:,}; not written")
            _keep_mode(path, temporary)
            os.replace(temporary, path)
        except BaseException:
            try:
                os.unlink(temporary)
            except FileNotFoundError:
                pass
            raise


def check_output_name(path: Path) -> None:
    """Refuse a destination that is a folder, or without extension (which names no format).

    Raises
    ------
    IsADirectoryError
        ``path`` is a folder.
    ValueError
        ``path`` has no extension.
    """
    if path.is_dir():
        raise IsADirectoryError(f"output {str(path)!r} is a folder, not a file name")
    if not path.suffix:
        raise ValueError(
            f"output {str(path)!r} has no extension to choose its format (such as .png or .gif)"
        )


def check_destination(path: Path, overwrite: bool, protect: Iterable[PathLike]) -> None:
    """Refuse a bad output name, a protected file, or a file that exists without ``overwrite``."""
    check_output_name(path)
    if not path.exists():
        return
    for other in protect:
        try:
            same = os.path.samefile(path, as_path(other))
        except OSError:  # a protected file that does not exist is not this one
            same = False
        if same:
            raise FileExistsError(f"output {str(path)!r} is the input file; refusing to overwrite it")
    if not overwrite:
        raise FileExistsError(f"output {str(path)!r} already exists (use --force to replace it)")


def _keep_mode(path: Path, temporary: str) -> None:
    """Give ``temporary`` the permission bits of the file it replaces, if there is one."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return
    os.chmod(temporary, mode)


class _Signalled(BaseException):
    """A cleanup signal arrived while a file was being written."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextmanager
def _signals_removing_temporary(path: Path) -> Iterator[None]:
    """Turn the cleanup signals into :class:`_Signalled` while the block runs.

    The block's own ``except``/``finally`` clauses thus run (removing the
    temporary file); then the previous handlers are put back and the signal is
    passed on to the one it was meant for: the default action (ending the
    process) or the handler Python code had installed.  Signals that were
    ignored stay ignored.  Only the main thread can set handlers; elsewhere
    the block runs as it is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def raise_signalled(signum, frame):
        raise _Signalled(signum)

    previous = {}
    try:
        for signum in _CLEANUP_SIGNALS:
            if signal.getsignal(signum) not in (signal.SIG_IGN, None):
                previous[signum] = signal.signal(signum, raise_signalled)
        yield
    except _Signalled as caught:
        handler = previous[caught.signum]
        _restore(previous)
        if callable(handler):
            handler(caught.signum, None)
        else:  # the default action
            signal.raise_signal(caught.signum)
        name = signal.Signals(caught.signum).name
        raise InterruptedError(f"writing {str(path)!r} was interrupted by {name}") from None
    finally:
        _restore(previous)


def _restore(previous: dict) -> None:
    """Put back the signal handlers saved in ``previous`` (and forget them)."""
    while previous:
        signum, handler = previous.popitem()
        signal.signal(signum, handler)


def _create_temporary(path: Path) -> str:
    """Create an empty, uniquely named hidden file beside ``path``; return its name.

    Unlike ``tempfile.mkstemp`` (which makes files readable by their owner
    only) the file gets the permissions of any new file under the umask, so
    the output has them too once it replaces ``path``.  Raises
    ``FileNotFoundError`` naming the folder when it is missing.
    """
    directory = path.parent
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        name = directory / f".{path.stem}-{secrets.token_hex(4)}{path.suffix}"
        try:
            handle = os.open(name, flags, 0o666)
        except FileExistsError:
            continue
        except (FileNotFoundError, NotADirectoryError):
            raise FileNotFoundError(
                f"output folder {str(directory)!r} of {str(path)!r} does not exist"
            ) from None
        os.close(handle)
        return str(name)
    raise FileExistsError(f"no free temporary file name beside {str(path)!r}")


def _writer(
    path: Path, image: np.ndarray, palette: Optional[np.ndarray], labels: Optional[np.ndarray]
) -> Callable[[str], None]:
    """Check the arguments and return what writes the file, given its name."""
    if (palette is None) != (labels is None):
        raise ValueError("palette and labels must be given together")
    extension = path.suffix.lower()
    if palette is not None and extension in (".png", ".gif"):
        entries = _palette_entries(palette)
        if entries is not None:
            colours, rgb, alpha = entries
            indices = _indices(labels, colours, image)
            if extension == ".png":
                data = _encode_indexed_png(*_used_entries(indices, rgb, alpha))

                def write_png(name: str) -> None:
                    with open(name, "wb") as stream:
                        stream.write(data)

                return write_png
            transparency = _gif_transparency(alpha)
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


def _palette_entries(palette) -> Optional[Tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]]:
    """Split a palette into (its colours, RGB triplets, alpha or None).

    None when it cannot be written indexed: not ``uint8``, not 1 to 256
    entries, or not 1, 3 or 4 channels.
    """
    colours = np.asarray(palette)
    if colours.dtype != np.uint8:
        return None
    if colours.ndim == 2 and colours.shape[1] == 1:
        colours = colours[:, 0]
    if colours.ndim == 0 or not 1 <= colours.shape[0] <= _MAX_ENTRIES:
        return None
    if colours.ndim == 1:
        return colours, np.repeat(colours[:, None], 3, axis=1), None
    if colours.ndim == 2 and colours.shape[1] in (3, 4):
        alpha = colours[:, 3].copy() if colours.shape[1] == 4 else None
        return colours, np.ascontiguousarray(colours[:, :3]), alpha
    return None


def _indices(labels, colours: np.ndarray, image: np.ndarray) -> np.ndarray:
    """Check ``labels`` against the palette and the image; return them as uint8."""
    labels = np.asarray(labels)
    if labels.ndim != 2 or labels.shape != image.shape[:2]:
        raise ValueError(
            f"labels must have the image's height and width {image.shape[:2]}, "
            f"got shape {labels.shape}"
        )
    if labels.dtype.kind not in "ui":
        raise ValueError(f"labels must be integers, got {labels.dtype}")
    if labels.size == 0:
        raise ValueError(f"cannot write an empty image (shape {image.shape})")
    low, high = int(labels.min()), int(labels.max())
    if low < 0 or high >= colours.shape[0]:
        raise ValueError(
            f"labels must be in [0, {colours.shape[0] - 1}] for a palette of "
            f"{colours.shape[0]} entries, got values in [{low}, {high}]"
        )
    indices = labels.astype(np.uint8)
    if not np.array_equal(colours[indices], image):
        raise ValueError("image is not palette[labels]; cannot write it indexed")
    return indices


def _gif_transparency(alpha: Optional[np.ndarray]) -> Optional[int]:
    """The GIF transparent index for a palette's alpha (None: all opaque)."""
    if alpha is None or (alpha == 255).all():
        return None
    clear = np.flatnonzero(alpha == 0)
    if clear.size == 1 and np.count_nonzero(alpha == 255) == alpha.size - 1:
        return int(clear[0])
    raise ValueError(
        "GIF cannot hold this palette's alpha: it allows one fully transparent "
        f"entry (alpha 0) with all others opaque (255), got alpha values "
        f"{sorted(set(alpha.tolist()))}; write a PNG instead"
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC-32 of type and data."""
    crc = binascii.crc32(data, binascii.crc32(kind)) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _used_entries(indices: np.ndarray, rgb: np.ndarray, alpha: Optional[np.ndarray]):
    """The indices, RGB and alpha of the entries some pixel uses, in their order;
    alpha (the tRNS chunk) shortened after its last entry that is not opaque (None
    when all are)."""
    used = np.bincount(indices.reshape(-1), minlength=len(rgb)) > 0
    new_index = (np.cumsum(used) - 1).astype(np.uint8)
    indices, rgb = new_index[indices], rgb[used]
    if alpha is not None:
        alpha = alpha[used]
        translucent = np.flatnonzero(alpha != 255)
        end = translucent[-1] + 1 if len(translucent) else 0
        if end and alpha[end - 1] == 10 and end < len(alpha):
            end += 1  # Pillow reads a tRNS chunk "\0\n" as "entry 0 transparent, no other"
        alpha = alpha[:end] if end else None
    return indices, rgb, alpha


def _bit_depth(n_entries: int) -> int:
    """Fewest bits per index (1, 2, 4 or 8) that tell ``n_entries`` entries apart."""
    for bits in (1, 2, 4):
        if n_entries <= 1 << bits:
            return bits
    return 8


def _packed_rows(indices: np.ndarray, bits: int) -> np.ndarray:
    """Rows of indices packed ``8 // bits`` to a byte, leftmost pixel in the high bits,
    each row padded with zero bits to whole bytes."""
    if bits == 8:
        return indices
    per_byte = 8 // bits
    height, width = indices.shape
    padded = np.zeros((height, -(-width // per_byte) * per_byte), dtype=np.uint8)
    padded[:, :width] = indices
    groups = padded.reshape(height, -1, per_byte)
    shifts = np.arange(8 - bits, -1, -bits, dtype=np.uint8)
    return np.bitwise_or.reduce(groups << shifts, axis=2).astype(np.uint8)


def _encode_indexed_png(indices: np.ndarray, rgb: np.ndarray, alpha: Optional[np.ndarray]) -> bytes:
    """Encode a palette PNG: colour type 3, the fewest bits per index, no interlace.

    Parameters
    ----------
    indices : ndarray of uint8, shape (height, width)
        Palette index of every pixel, each below ``len(rgb)``.
    rgb : ndarray of uint8, shape (n, 3)
        The PLTE entries, 1 <= n <= 256.
    alpha : ndarray of uint8, shape (n,), or None
        Alpha of every entry, written as a tRNS chunk; None writes none.

    Returns
    -------
    bytes
        The whole file.
    """
    height, width = indices.shape
    bits = _bit_depth(len(rgb))
    header = struct.pack(">IIBBBBB", width, height, bits, 3, 0, 0, 0)
    packed = _packed_rows(indices, bits)
    rows = np.zeros((height, packed.shape[1] + 1), dtype=np.uint8)  # filter 0 (None) per row
    rows[:, 1:] = packed
    compressed = zlib.compress(rows.tobytes(), PNG_COMPRESSION)
    parts = [_PNG_SIGNATURE, _png_chunk(b"IHDR", header), _png_chunk(b"PLTE", rgb.tobytes())]
    if alpha is not None:
        parts.append(_png_chunk(b"tRNS", alpha.tobytes()))
    for start in range(0, len(compressed), IDAT_CHUNK):
        parts.append(_png_chunk(b"IDAT", compressed[start:start + IDAT_CHUNK]))
    parts.append(_png_chunk(b"IEND", b""))
    return b"".join(parts)

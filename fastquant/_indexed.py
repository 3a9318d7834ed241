"""Indexed (palette) images: a quantized image's palette split into the entries PNG
and GIF hold, its labels checked against the image, and a small palette PNG encoder
(colour type 3, the fewest bits per index, no metadata)."""

from __future__ import annotations

import binascii
import struct
import zlib
from typing import Optional, Tuple

import numpy as np

from .kernels._image_tunables import IDAT_CHUNK, PNG_COMPRESSION

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Largest number of palette entries an indexed PNG or GIF holds.
_MAX_ENTRIES = 256


def palette_entries(palette) -> Optional[Tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]]:
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


def label_indices(labels, colours: np.ndarray, image: np.ndarray) -> np.ndarray:
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


def gif_transparency(alpha: Optional[np.ndarray]) -> Optional[int]:
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


def used_entries(indices: np.ndarray, rgb: np.ndarray, alpha: Optional[np.ndarray]):
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


def encode_indexed_png(indices: np.ndarray, rgb: np.ndarray, alpha: Optional[np.ndarray]) -> bytes:
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

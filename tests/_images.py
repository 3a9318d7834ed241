"""Helpers of the image-writing tests: inspecting PNG files, indexed test images."""

import binascii
import struct

import numpy as np


def png_chunks(path):
    """The (type, data) chunks of a PNG file, checking signature and CRCs."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind = data[offset + 4:offset + 8]
        body = data[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])
        assert crc == binascii.crc32(kind + body) & 0xFFFFFFFF, kind
        chunks.append((kind, body))
        offset += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1] == (b"IEND", b"")
    return chunks


def png_header(path):
    """(width, height, bit depth, colour type) of a PNG file."""
    width, height, depth, colour_type = struct.unpack(">IIBB", png_chunks(path)[0][1][:10])
    return width, height, depth, colour_type


def indexed(channels, entries=12, shape=(40, 56), seed=0):
    """A palette of ``entries`` uint8 colours, labels into it and the image."""
    rng = np.random.default_rng(seed)
    if channels == 1:
        palette = rng.choice(256, entries, replace=False).astype(np.uint8)
    else:
        palette = rng.integers(0, 256, (entries, channels), dtype=np.uint8)
        palette[:, 0] = np.arange(entries) * 7  # distinct entries
    rows = np.arange(shape[0])[:, None] // 5 + np.arange(shape[1])[None, :] // 7
    labels = ((rows + rng.integers(0, 2, shape)) % entries).astype(np.uint8)
    return palette, labels, palette[labels]


def names(folder):
    return sorted(p.name for p in folder.iterdir())

"""Dithering of an image onto a palette: Floyd-Steinberg error diffusion with a
strength, and the offsets of an ordered 8x8 Bayer pattern."""

import numpy as np
from numba import prange

from .._jit import helper, inline, kernel
from ._common import F32_INF, F32_ZERO

#: The 8x8 Bayer threshold matrix (each of 0..63 once; neighbours far apart in rank).
BAYER_8 = np.array(
    [
        [0, 32, 8, 40, 2, 34, 10, 42],
        [48, 16, 56, 24, 50, 18, 58, 26],
        [12, 44, 4, 36, 14, 46, 6, 38],
        [60, 28, 52, 20, 62, 30, 54, 22],
        [3, 35, 11, 43, 1, 33, 9, 41],
        [51, 19, 59, 27, 49, 17, 57, 25],
        [15, 47, 7, 39, 13, 45, 5, 37],
        [63, 31, 55, 23, 61, 29, 53, 21],
    ],
    dtype=np.int32,
)


#: From this many colours on, the nearest entry is searched among the entries sorted
#: by their first channel, below it by a plain scan (hokkaido 800x600, ms per
#: megapixel, scan -> sorted: K=16 68 -> 81, K=128 367 -> 408, K=160 493 -> 419,
#: K=256 807 -> 508).
SORTED_SEARCH_MIN = 144


@inline
def _nearest_by_scan(value, palette):
    """Index of the entry nearest ``value`` (the lowest index on ties)."""
    best = 0
    best_dist = F32_INF
    for k in range(palette.shape[0]):
        d = F32_ZERO
        for c in range(palette.shape[1]):
            t = value[c] - palette[k, c]
            d += t * t
        if d < best_dist:
            best_dist = d
            best = k
    return best


@inline
def _nearest_by_first_channel(value, sorted_palette, order):
    """Index (in the unsorted palette) of the entry nearest ``value``, the lowest index
    on ties, searching outward from ``value``'s place among the entries sorted by
    their first channel; a direction stops once the first channel alone is farther
    than the best distance (the float32 sum never drops below its first term)."""
    n_colors, channels = sorted_palette.shape
    low, high = 0, n_colors
    while low < high:
        middle = (low + high) // 2
        if sorted_palette[middle, 0] < value[0]:
            low = middle + 1
        else:
            high = middle
    best = -1
    best_dist = F32_INF
    up, down = low, low - 1
    while up < n_colors or down >= 0:
        for side in range(2):
            position = up if side == 0 else down
            if position < 0 or position >= n_colors:
                continue
            t = value[0] - sorted_palette[position, 0]
            if t * t > best_dist:
                if side == 0:
                    up = n_colors
                else:
                    down = -1
                continue
            d = F32_ZERO
            for c in range(channels):
                u = value[c] - sorted_palette[position, c]
                d += u * u
            index = order[position]
            if d < best_dist or (d == best_dist and index < best):
                best_dist = d
                best = index
            if side == 0:
                up += 1
            else:
                down -= 1
    return best


@helper
def floyd_steinberg(image, palette, active, labels, strength=np.float32(1.0)):
    """Floyd-Steinberg dithering of an image onto a palette.

    Pixels are visited row by row, left to right; each takes the nearest palette
    colour (lowest index on ties) of its value plus the error diffused to it, and
    passes ``strength`` times its own error on: 7/16 right, 3/16 below left, 5/16
    below, 1/16 below right.

    Parameters
    ----------
    image : float32 (height, width, channels)
        IN: the pixel values.
    palette : float32 (n_colors, channels)
        IN: the colours.
    active : bool (height, width)
        IN: pixels to dither; the others keep their label and neither take nor
        pass on error.
    labels : int32 (height, width)
        INOUT: palette index of each pixel (set for the active ones).
    strength : float32
        IN: share of the error diffused, in [0, 1] (0: the nearest colour).
    """
    height, width, channels = image.shape
    error = np.zeros((2, width + 2, channels), dtype=np.float32)
    value = np.empty(channels, dtype=np.float32)
    order = np.argsort(palette[:, 0], kind="mergesort")
    sorted_palette = np.empty_like(palette)
    for position in range(palette.shape[0]):
        for c in range(channels):
            sorted_palette[position, c] = palette[order[position], c]
    for y in range(height):
        current = y % 2
        below = 1 - current
        for x in range(width + 2):
            for c in range(channels):
                error[below, x, c] = F32_ZERO
        for x in range(width):
            if not active[y, x]:
                continue
            for c in range(channels):
                value[c] = image[y, x, c] + error[current, x + 1, c]
            if palette.shape[0] < SORTED_SEARCH_MIN:
                best = _nearest_by_scan(value, palette)
            else:
                best = _nearest_by_first_channel(value, sorted_palette, order)
            labels[y, x] = best
            for c in range(channels):
                e = (value[c] - palette[best, c]) * strength
                error[current, x + 2, c] += e * np.float32(7.0 / 16.0)
                error[below, x, c] += e * np.float32(3.0 / 16.0)
                error[below, x + 1, c] += e * np.float32(5.0 / 16.0)
                error[below, x + 2, c] += e * np.float32(1.0 / 16.0)


@kernel
def ordered_offsets(image, thresholds, spread, n_offset, out):
    """Pixel values shifted by an ordered (Bayer) pattern, ready for a nearest search.

    Pixel (y, x) gets ``spread * ((thresholds[y % 8, x % 8] + 0.5) / 64 - 0.5)`` added
    to its first ``n_offset`` channels: the pattern repeats every 8 pixels in both
    directions and does not depend on the other pixels.

    Parameters
    ----------
    image : float32 (height, width, channels)
        IN: the pixel values.
    thresholds : int32 (8, 8)
        IN: the Bayer matrix (:data:`BAYER_8`).
    spread : float32
        IN: amplitude of the pattern, in the image's units (the palette's spacing).
    n_offset : int
        IN: how many leading channels are shifted (the colour, not alpha).
    out : float32 (height * width, channels)
        OUT: the shifted values, pixel by pixel in row order.
    """
    height, width, channels = image.shape
    for y in prange(height):
        for x in range(width):
            t = (np.float32(thresholds[y % 8, x % 8]) + np.float32(0.5)) / np.float32(64.0)
            shift = spread * (t - np.float32(0.5))
            row = y * width + x
            for c in range(channels):
                if c < n_offset:
                    out[row, c] = image[y, x, c] + shift
                else:
                    out[row, c] = image[y, x, c]

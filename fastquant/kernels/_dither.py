"""Dithering of an image onto a palette: Floyd-Steinberg error diffusion with a
strength, and the offsets of an ordered 8x8 Bayer pattern."""

import numpy as np
from numba import prange

from .._jit import helper, inline, kernel
from ._checks import require_at_least, require_equal
from ._common import F32_INF, F32_ONE, F32_ZERO

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


#: Relative widening of the lower bound test, and the rounding of a float32 sum of
#: channels relative to the magnitudes summed (far above float32's 2**-24 per addition).
_BOUND_SLACK = np.float32(1e-5)
_SUM_ROUNDING = np.float32(2.0**-18)


@inline
def _nearest_colour(value, palette, order, sums, guess):
    """Index of the palette colour nearest to ``value`` (lowest index on ties), the
    same as a search over all colours.

    The colours are visited by increasing gap between their sum of channels and the
    value's (``order`` sorts them by ``sums``), which bounds the squared distance from
    below: ``(sum of differences)**2 / channels``; the search stops once that bound
    exceeds the best distance found, starting from colour ``guess`` when it is a valid
    index (the pixel's own nearest colour is usually close to the answer).
    """
    channels = value.shape[0]
    n_colors = order.shape[0]
    total = F32_ZERO
    for c in range(channels):
        total += value[c]
    high = np.searchsorted(sums, total)
    low = high - 1
    rounding = _SUM_ROUNDING * (abs(total) + max(abs(sums[0]), abs(sums[-1])) + F32_ONE)
    best = n_colors
    best_dist = F32_INF
    if 0 <= guess < n_colors:
        best = guess
        best_dist = F32_ZERO
        for c in range(channels):
            t = value[c] - palette[guess, c]
            best_dist += t * t
    inv_channels = np.float32(1.0 / channels)
    while low >= 0 or high < n_colors:
        gap_low = total - sums[low] if low >= 0 else F32_INF
        gap_high = sums[high] - total if high < n_colors else F32_INF
        if gap_low <= gap_high:
            gap, position = gap_low, low
            low -= 1
        else:
            gap, position = gap_high, high
            high += 1
        gap -= rounding
        if gap > F32_ZERO and gap * gap * inv_channels > best_dist * (F32_ONE + _BOUND_SLACK):
            break
        k = order[position]
        d = F32_ZERO
        for c in range(channels):
            t = value[c] - palette[k, c]
            d += t * t
        if d < best_dist or (d == best_dist and k < best):
            best_dist = d
            best = k
    return best


@helper
def floyd_steinberg(image, palette, active, labels, strength=np.float32(1.0)):
    """Floyd-Steinberg dithering of an image onto a palette.

    Pixels are visited row by row, left to right; each takes the nearest palette
    colour (lowest index on ties; see :func:`_nearest_colour`) of its value plus the
    error diffused to it, clamped to the palette's range in each channel (so that the
    error of colours the palette cannot reach does not pile up into streaks), and
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
        INOUT: palette index of each pixel (set for the active ones); an index in
        range on input (the pixel's nearest colour without dithering, say) only speeds
        up the search.
    strength : float32
        IN: share of the error diffused, in [0, 1] (0: the nearest colour).
    """
    height, width, channels = image.shape
    require_at_least(palette.shape[0], 1, "palette must have at least one colour")
    require_equal(palette.shape[1], channels, "palette must have one column per channel of image")
    require_equal(active.shape[0], height, "active must have one row per row of image")
    require_equal(active.shape[1], width, "active must have one column per column of image")
    require_equal(labels.shape[0], height, "labels must have one row per row of image")
    require_equal(labels.shape[1], width, "labels must have one column per column of image")
    low = np.empty(channels, dtype=np.float32)
    high = np.empty(channels, dtype=np.float32)
    for c in range(channels):
        low[c] = palette[:, c].min()
        high[c] = palette[:, c].max()
    sums = np.zeros(palette.shape[0], dtype=np.float32)
    for k in range(palette.shape[0]):
        for c in range(channels):
            sums[k] += palette[k, c]
    order = np.argsort(sums, kind="mergesort")
    sums = sums[order]
    error = np.zeros((2, width + 2, channels), dtype=np.float32)
    value = np.empty(channels, dtype=np.float32)
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
                v = image[y, x, c] + error[current, x + 1, c]
                value[c] = min(max(v, low[c]), high[c])
            best = _nearest_colour(value, palette, order, sums, labels[y, x])
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

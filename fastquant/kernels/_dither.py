"""Error diffusion of an image onto a palette."""

import numpy as np
from .._jit import helper
from ._common import F32_INF, F32_ZERO


@helper
def floyd_steinberg(image, palette, active, labels):
    """Floyd-Steinberg dithering of an image onto a palette.

    Pixels are visited row by row, left to right; each takes the nearest palette
    colour (lowest index on ties) of its value plus the error diffused to it, and
    passes its own error on: 7/16 right, 3/16 below left, 5/16 below, 1/16 below right.

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
    """
    height, width, channels = image.shape
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
                value[c] = image[y, x, c] + error[current, x + 1, c]
            best = 0
            best_dist = F32_INF
            for k in range(palette.shape[0]):
                d = F32_ZERO
                for c in range(channels):
                    t = value[c] - palette[k, c]
                    d += t * t
                if d < best_dist:
                    best_dist = d
                    best = k
            labels[y, x] = best
            for c in range(channels):
                e = value[c] - palette[best, c]
                error[current, x + 2, c] += e * np.float32(7.0 / 16.0)
                error[below, x, c] += e * np.float32(3.0 / 16.0)
                error[below, x + 1, c] += e * np.float32(5.0 / 16.0)
                error[below, x + 2, c] += e * np.float32(1.0 / 16.0)

"""Dithering of an image onto a palette: Floyd-Steinberg error diffusion damped on
edges, and the offsets of an ordered 8x8 Bayer pattern."""

import numpy as np
from numba import prange

from .._jit import helper, inline, kernel
from ._checks import require_at_least, require_equal
from ._common import F32_INF, F32_ONE, F32_ZERO
from ._image_tunables import BAND_ROWS, GRID_CELLS, GRID_SPLIT, WARMUP_ROWS

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

#: Widening of a grid cell, relative to its width and to the values' magnitude, that
#: covers the float32 rounding of a value's cell index; and the relative slack of the
#: candidates' test, far above float32's rounding of a distance (channels * 2**-24).
_CELL_MARGIN = 1e-3
_VALUE_MARGIN = 1e-6
_CANDIDATE_SLACK = 1e-5


@helper
def grid_sides(channels, n_cells, split):
    """Fine cells per channel of a grid of at most ``n_cells`` cells: the largest
    multiple of ``split`` whose channels-th power fits (at least ``split``)."""
    side = split
    while (side + split) ** channels <= n_cells:
        side += split
    return side


@inline
def _cell_candidates(cell, sides, widths, lows, slack, palette, pool, pool_start,
                     pool_count, box, out):
    """Writes to ``out`` the colours of ``pool[pool_start:pool_start + pool_count]``
    (ascending indices, kept in order) that can be nearest, by squared distance, to
    a value in grid cell ``cell``, on ties too; returns their count.

    The cell's box, widened by a margin, holds every value whose float32 index falls
    in the cell; the pool's colour nearest to the box's centre is at most ``bound``
    from any of them (its farthest corner), so a colour whose nearest point of the
    box is farther than ``bound`` is never the nearest, nor tied with it.
    """
    channels = palette.shape[1]
    rest = cell
    for c in range(channels - 1, -1, -1):
        index = rest % sides[c]
        rest //= sides[c]
        margin = _CELL_MARGIN * widths[c] + slack[c]
        box[0, c] = lows[c] + index * widths[c] - margin
        box[1, c] = lows[c] + (index + 1) * widths[c] + margin
    centre_best = np.inf
    bound = np.inf
    for j in range(pool_start, pool_start + pool_count):
        k = pool[j]
        d = 0.0
        for c in range(channels):
            t = palette[k, c] - 0.5 * (box[0, c] + box[1, c])
            d += t * t
        if d < centre_best:
            centre_best = d
            bound = 0.0
            for c in range(channels):
                t = max(abs(palette[k, c] - box[0, c]), abs(palette[k, c] - box[1, c]))
                bound += t * t
    bound *= 1.0 + _CANDIDATE_SLACK
    count = 0
    for j in range(pool_start, pool_start + pool_count):
        k = pool[j]
        d = 0.0
        for c in range(channels):
            t = max(box[0, c] - palette[k, c], palette[k, c] - box[1, c], 0.0)
            d += t * t
        if d <= bound:
            out[count] = k
            count += 1
    return count


@inline
def _stored(candidates, used, scratch, count):
    """``candidates`` with ``scratch[:count]`` written from ``used`` on (a longer copy
    when it does not fit)."""
    if used + count > candidates.shape[0]:
        grown = np.empty(2 * candidates.shape[0] + count, dtype=np.int32)
        for j in range(used):
            grown[j] = candidates[j]
        candidates = grown
    for j in range(count):
        candidates[used + j] = scratch[j]
    return candidates


@inline
def _row_shares(image, y, inverse, strength, out):
    """Share of the diffused error each pixel of row ``y`` takes: ``strength`` on
    flat areas, falling linearly to 0 where the pixel differs from one of its 4
    neighbours (the border repeated) by ``1 / inverse`` or more (sum over channels of
    the absolute differences).

    Texture and edges hide banding, and noise added there only moves pixels away
    from their colour; flat areas and smooth gradients are where dithering pays.
    """
    height, width, channels = image.shape
    up = max(y - 1, 0)
    down = min(y + 1, height - 1)
    for x in range(width):
        left = max(x - 1, 0)
        right = min(x + 1, width - 1)
        activity = F32_ZERO
        for yy, xx in ((up, x), (down, x), (y, left), (y, right)):
            total = F32_ZERO
            for c in range(channels):
                total += abs(np.float32(image[y, x, c]) - np.float32(image[yy, xx, c]))
            activity = max(activity, total)
        out[x] = strength * max(F32_ONE - activity * inverse, F32_ZERO)


@helper
def _diffuse_band(image, palette, active, strength, inverse, limit, labels, first, stop,
                  low, high, scales, sides, widths, slack):
    """Rows ``first`` to ``stop`` of :func:`floyd_steinberg`, diffused from
    WARMUP_ROWS rows above ``first``, with their own grid of candidates."""
    height, width, channels = image.shape
    n_colors = palette.shape[0]
    lows = low.astype(np.float64)
    coarse_sides = np.maximum(sides // GRID_SPLIT, 1)
    coarse_widths = widths * (sides // coarse_sides)
    fine_starts = np.full(np.prod(sides), -1, dtype=np.int32)
    fine_counts = np.zeros(np.prod(sides), dtype=np.int32)
    coarse_starts = np.full(np.prod(coarse_sides), -1, dtype=np.int32)
    coarse_counts = np.zeros(np.prod(coarse_sides), dtype=np.int32)
    everyone = np.arange(n_colors).astype(np.int32)
    candidates = np.empty(max(4096, 64 * n_colors), dtype=np.int32)
    used = 0
    scratch = np.empty(n_colors, dtype=np.int32)
    box = np.empty((2, channels), dtype=np.float64)
    error = np.zeros((2, width + 2, channels), dtype=np.float32)
    value = np.empty(channels, dtype=np.float32)
    carry = np.empty(channels, dtype=np.float32)
    shares = np.empty(width, dtype=np.float32)
    for y in range(max(first - WARMUP_ROWS, 0), stop):
        _row_shares(image, y, inverse, strength, shares)
        current = y % 2
        below = 1 - current
        for x in range(width + 2):
            for c in range(channels):
                error[below, x, c] = F32_ZERO
        step = 1 if current == 0 else -1
        for i in range(width):
            x = i if current == 0 else width - 1 - i
            if not active[y, x]:
                continue
            share = shares[x]
            cell = 0
            coarse = 0
            for c in range(channels):
                v = np.float32(image[y, x, c]) + share * error[current, x + 1, c]
                v = min(max(v, low[c]), high[c])
                value[c] = v
                index = min(np.int64((v - low[c]) * scales[c]), sides[c] - 1)
                cell = cell * sides[c] + index
                coarse = coarse * coarse_sides[c] + index // GRID_SPLIT
            if fine_starts[cell] < 0:
                if coarse_starts[coarse] < 0:
                    count = _cell_candidates(coarse, coarse_sides, coarse_widths, lows, slack,
                                             palette, everyone, 0, n_colors, box, scratch)
                    candidates = _stored(candidates, used, scratch, count)
                    coarse_starts[coarse] = used
                    coarse_counts[coarse] = count
                    used += count
                count = _cell_candidates(cell, sides, widths, lows, slack, palette, candidates,
                                         coarse_starts[coarse], coarse_counts[coarse], box,
                                         scratch)
                candidates = _stored(candidates, used, scratch, count)
                fine_starts[cell] = used
                fine_counts[cell] = count
                used += count
            start = fine_starts[cell]
            best = candidates[start]
            best_dist = F32_INF
            for j in range(start, start + fine_counts[cell]):
                k = candidates[j]
                d = F32_ZERO
                for c in range(channels):
                    t = value[c] - palette[k, c]
                    d += t * t
                if d < best_dist:
                    best_dist = d
                    best = k
            if y >= first:
                labels[y, x] = best
            length = F32_ZERO
            for c in range(channels):
                carry[c] = value[c] - palette[best, c]
                length += carry[c] * carry[c]
            if length > limit * limit:
                shrink = limit / np.sqrt(length)
                for c in range(channels):
                    carry[c] *= shrink
            for c in range(channels):
                e = carry[c]
                error[current, x + 1 + step, c] += e * np.float32(7.0 / 16.0)
                error[below, x + 1 - step, c] += e * np.float32(3.0 / 16.0)
                error[below, x + 1, c] += e * np.float32(5.0 / 16.0)
                error[below, x + 1 + step, c] += e * np.float32(1.0 / 16.0)


@kernel
def floyd_steinberg(image, palette, active, strength, edge_scale, limit, labels):
    """Floyd-Steinberg dithering of an image onto a palette, serpentine, in bands.

    Rows are visited left to right and right to left in turn (rows 0, 2, 4, ... to
    the right). Each pixel takes the palette colour nearest (by float32 squared
    distance summed channel by channel, lowest index on ties) to its value plus
    a share of the error diffused to it (``strength`` on flat areas, less near edges:
    :func:`_row_shares`), clamped to the palette's range in
    each channel (error the palette cannot reach does not pile up into streaks); its
    own error, shortened to length ``limit`` if longer, goes 7/16 ahead, 3/16 below
    behind, 5/16 below and 1/16 below ahead. The rows are diffused in bands of
    BAND_ROWS rows, in parallel, each from WARMUP_ROWS rows above it (with no error
    coming in; those rows' labels are the band above's): the result does not depend
    on the thread count.

    The nearest colour is searched among the candidates of the value's cell in a
    grid over the palette's box, built as a band first needs a cell: the same answer
    as a search over all colours.

    Parameters
    ----------
    image : uint8 or float32 (height, width, channels)
        IN: the pixel values.
    palette : float32 (n_colors, channels)
        IN: the colours.
    active : bool (height, width)
        IN: pixels to dither; the others keep their label and neither take nor
        pass on error.
    strength : float32
        IN: share of the incoming error a pixel of a flat area takes, in [0, 1] (0:
        the nearest colour).
    edge_scale : float32
        IN: difference to a neighbour (sum over channels) from which a pixel takes no
        error (> 0).
    limit : float32
        IN: largest length of the error a pixel passes on.
    labels : int32 (height, width)
        INOUT: palette index of each pixel (set for the active ones).
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
    scales = np.empty(channels, dtype=np.float32)
    sides = np.ones(channels, dtype=np.int64)
    widths = np.zeros(channels, dtype=np.float64)
    slack = np.empty(channels, dtype=np.float64)
    side = grid_sides(channels, GRID_CELLS, GRID_SPLIT)
    for c in range(channels):
        low[c] = palette[:, c].min()
        high[c] = palette[:, c].max()
        span = np.float64(high[c]) - np.float64(low[c])
        scales[c] = F32_ZERO
        if span > 0:
            sides[c] = side
            widths[c] = span / side
            scales[c] = np.float32(side / span)
        slack[c] = _VALUE_MARGIN * (abs(np.float64(low[c])) + abs(np.float64(high[c])) + 1e-30)
    inverse = F32_ONE / edge_scale
    n_bands = (height + BAND_ROWS - 1) // BAND_ROWS
    for band in prange(n_bands):
        first = band * BAND_ROWS
        _diffuse_band(image, palette, active, strength, inverse, limit, labels, first,
                      min(first + BAND_ROWS, height), low, high, scales, sides, widths, slack)


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

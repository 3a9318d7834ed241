"""Passes of ``quantize`` around its colour table: the smoothness weight of each block of
pixels, the grid cells of colours and their means, and the quantized image itself."""

import numpy as np
from numba import prange

from .._jit import helper, kernel
from ._common import chunk_bounds, chunk_count


@kernel
def block_weights(image, block, variance_scale, smooth_variance, floor, weights):
    """Weight of each block of pixels from its colour variance: ``floor + (1 - floor)
    / (1 + variance / smooth_variance)``, high where the image is smooth.

    Parameters
    ----------
    image : (height, width, n_channels)
        IN: the image.
    block : int
        Side of the square blocks (the last row and column of blocks may be smaller).
    variance_scale : float
        Factor from the image's units squared to those of ``smooth_variance``.
    smooth_variance, floor : float
        The weighting's parameters.
    weights : float32 (ceil(height / block), ceil(width / block))
        OUT: the weight of each block.
    """
    height, width, n_channels = image.shape
    n_block_rows, n_block_cols = weights.shape
    for by in prange(n_block_rows):
        y0 = by * block
        y1 = min(y0 + block, height)
        for bx in range(n_block_cols):
            x0 = bx * block
            x1 = min(x0 + block, width)
            n = (y1 - y0) * (x1 - x0)
            variance = 0.0
            for c in range(n_channels):
                total = 0.0
                squares = 0.0
                for y in range(y0, y1):
                    for x in range(x0, x1):
                        v = np.float64(image[y, x, c])
                        total += v
                        squares += v * v
                spread = squares - total * total / n
                if spread > 0.0:  # (not max(): a compile of its own)
                    variance += spread / n
            variance *= variance_scale / n_channels
            weights[by, bx] = floor + (1.0 - floor) / (1.0 + variance / smooth_variance)


@kernel
def paint(pixels, palette, labels, out):
    """The quantized pixels and their squared error against the original ones.

    Parameters
    ----------
    pixels : (n_pixels, n_channels)
        IN: the original pixels.
    palette : (n_colors, n_channels), same dtype as ``pixels``
        IN: the colours.
    labels : (n_pixels,) integer
        IN: palette index of each pixel.
    out : (n_pixels, n_channels), same dtype as ``pixels``
        OUT: ``palette[labels]``.

    Returns
    -------
    float
        Sum over all values of ``(out - pixels)**2`` in float64, summed per chunk and
        the chunks in order.
    """
    n_pixels, n_channels = pixels.shape
    n_chunks = chunk_count(n_pixels)
    partial = np.empty(n_chunks, dtype=np.float64)
    for chunk in prange(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n_pixels)
        total = 0.0
        for i in range(start, stop):
            colour = labels[i]
            for j in range(n_channels):
                value = palette[colour, j]
                out[i, j] = value
                t = np.float64(value) - np.float64(pixels[i, j])
                total += t * t
        partial[chunk] = total
    sse = 0.0
    for chunk in range(n_chunks):
        sse += partial[chunk]
    return sse


@helper
def dense_groups(keys, key_space, group):
    """Group of each key: the distinct keys numbered in order of first appearance.

    Parameters
    ----------
    keys : int64 (n,)
        IN: keys in [0, key_space).
    key_space : int
        Upper bound of the keys (a table of that many int32 entries is made).
    group : int32 (n,)
        OUT: group of each key.

    Returns
    -------
    int
        Number of groups.
    """
    slot = np.empty(key_space, dtype=np.int32)
    slot[:] = -1
    n_groups = 0
    for i in range(keys.shape[0]):
        g = slot[keys[i]]
        if g < 0:
            g = n_groups
            slot[keys[i]] = g
            n_groups += 1
        group[i] = g
    return n_groups


@helper
def group_means(group, values, weights, n_groups, means):
    """Total weight and weighted mean of the rows of each group.

    Parameters
    ----------
    group : int32 (n,)
        IN: group of each row, in [0, n_groups).
    values : float32 (n, n_features)
        IN: the rows.
    weights : int32 (n,)
        IN: weight of each row.
    n_groups : int
    means : float64 (n_groups, n_features)
        OUT: weighted mean of each group (0 for an empty one).

    Returns
    -------
    int64 (n_groups,)
        Total weight of each group.
    """
    n_features = values.shape[1]
    totals = np.empty(n_groups, dtype=np.int64)
    totals[:] = 0
    means[:] = 0.0
    for i in range(group.shape[0]):
        g = group[i]
        w = weights[i]
        totals[g] += w
        for j in range(n_features):
            means[g, j] += np.float64(w) * np.float64(values[i, j])
    for g in range(n_groups):
        if totals[g] > 0:
            for j in range(n_features):
                means[g, j] /= np.float64(totals[g])
    return totals

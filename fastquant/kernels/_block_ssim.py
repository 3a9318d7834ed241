"""How a palette scores on sampled blocks of an image: SSIM and squared error.

``quantize`` runs several k-means attempts at small k and keeps one of them
(``fastquant/_attempt_score.py``). Its score is measured on square blocks of pixels
sampled from the image: the SSIM of each block, as scikit-image computes it in one
window (sample covariances, constants ``(0.01 L)**2`` and ``(0.03 L)**2``), averaged
over the blocks and the channels, and the squared error of the sampled pixels.
"""

import numpy as np
from numba import prange

from .._jit import inline, kernel
from ._checks import in_range, require_at_least, require_equal, require_none_bad
from ._common import chunk_bounds, chunk_count


@kernel
def block_scores(colour_of, colours, colour_labels, palette, c1, c2):
    """SSIM summed over blocks and channels, and squared error summed over values, of
    the sampled pixels painted with a palette.

    Parameters
    ----------
    colour_of : int32 (n_blocks, n_in_block)
        IN: the colour (a row of ``colours``) of each pixel of each block; at least 2
        pixels a block.
    colours : float32 (n_colours, n_channels)
        IN: the distinct colours of the image.
    colour_labels : int32 (n_colours,)
        IN: palette entry of each colour.
    palette : float64 (n_entries, n_channels)
        IN: the palette.
    c1, c2 : float
        SSIM's constants, ``(0.01 L)**2`` and ``(0.03 L)**2`` for a data range L.

    Returns
    -------
    ssim_sum : float
        Sum over blocks and channels of the block's SSIM (divide by n_blocks *
        n_channels for the mean).
    sse : float
        Sum over sampled pixels and channels of the squared error.

    Both are float64 sums per fixed chunk of blocks, the chunks added in order.
    """
    n_blocks, n_in_block = colour_of.shape
    n_colours, n_channels = colours.shape
    require_equal(colour_labels.shape[0], n_colours,
                  "colour_labels must have one entry per row of colours")
    require_equal(palette.shape[1], n_channels,
                  "palette must have one column per column of colours")
    require_at_least(n_in_block, 2, "blocks must hold at least 2 pixels")
    n_entries = palette.shape[0]
    n_chunks = chunk_count(n_blocks)
    partial_ssim = np.empty(n_chunks, dtype=np.float64)
    partial_sse = np.empty(n_chunks, dtype=np.float64)
    partial_bad = np.empty(n_chunks, dtype=np.int64)
    sums = np.empty((n_chunks, 5, n_channels), dtype=np.float64)
    n = np.float64(n_in_block)
    for chunk in prange(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n_blocks)
        ssim_total = 0.0
        sse = 0.0
        bad = 0
        for b in range(start, stop):
            if not _block_in_range(colour_of, b, n_colours, colour_labels, n_entries):
                bad += 1
                continue
            for s in range(5):
                for j in range(n_channels):
                    sums[chunk, s, j] = 0.0
            for i in range(n_in_block):  # one pass: x, y, x^2, y^2, xy per channel
                c = colour_of[b, i]
                entry = colour_labels[c]
                for j in range(n_channels):
                    x = np.float64(colours[c, j])
                    y = palette[entry, j]
                    sums[chunk, 0, j] += x
                    sums[chunk, 1, j] += y
                    sums[chunk, 2, j] += x * x
                    sums[chunk, 3, j] += y * y
                    sums[chunk, 4, j] += x * y
                    sse += (x - y) * (x - y)
            for j in range(n_channels):
                mx = sums[chunk, 0, j] / n
                my = sums[chunk, 1, j] / n
                vx = (sums[chunk, 2, j] - n * mx * mx) / (n - 1.0)
                vy = (sums[chunk, 3, j] - n * my * my) / (n - 1.0)
                cxy = (sums[chunk, 4, j] - n * mx * my) / (n - 1.0)
                ssim_total += ((2.0 * mx * my + c1) * (2.0 * cxy + c2)
                               / ((mx * mx + my * my + c1) * (vx + vy + c2)))
        partial_ssim[chunk] = ssim_total
        partial_sse[chunk] = sse
        partial_bad[chunk] = bad
    ssim_sum = 0.0
    sse = 0.0
    n_bad = 0
    for chunk in range(n_chunks):
        ssim_sum += partial_ssim[chunk]
        sse += partial_sse[chunk]
        n_bad += partial_bad[chunk]
    require_none_bad(n_bad, "colour_of and colour_labels must hold indices of colours and "
                     "of palette entries")
    return ssim_sum, sse


@inline
def _block_in_range(colour_of, b, n_colours, colour_labels, n_entries):
    """Whether every colour of block ``b`` and its palette entry are valid indices."""
    for i in range(colour_of.shape[1]):
        c = colour_of[b, i]
        if not in_range(c, n_colours) or not in_range(colour_labels[c], n_entries):
            return False
    return True

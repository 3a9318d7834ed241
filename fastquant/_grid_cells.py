"""The cells of a grid over colours that quantize's k-means starts on, heavy ones split.

k-means++ and the first passes of ``quantize`` run on the weighted mean of each cell of
a coarse grid over the colours (``_colour_clusters``). A cell is one row there, so it
gets one seed at most, and the later passes on finer rows seldom bring a center from
elsewhere: a region of colour space that holds much of the image's weight in a few
cells ends with few palette entries. On a 24 MP photo of a dark, smooth scene, the 59% of
the pixels whose mean value is 8-16 (a few cells of 32 levels) got 8 of 256 entries
(libimagequant gave them 29, and had the higher SSIM). :func:`split_heavy` divides each
cell heavier than a share of the total into cells SPLIT_FACTOR times finer (from
SPLIT_MIN_COLOURS colours, on images of SPLIT_MIN_PIXELS or more).
"""

from typing import Tuple

import numpy as np

from ._colour_table import colour_table
from .kernels import _image_passes as image_passes
from .kernels._image_tunables import DENSE_KEY_SPACE, HEAVY_CELL_SHARE, MAX_LEVELS, SPLIT_FACTOR


def cell_groups(values: np.ndarray, peak: float, levels: int) -> Tuple[np.ndarray, int]:
    """The cell of each colour on a grid of ``levels`` levels per channel, numbered in
    order of first appearance (int32 (n,)), and the number of cells."""
    digits = np.rint(values * np.float32((levels - 1) / peak)).astype(np.int64)
    keys = digits[:, 0].copy()
    for channel in range(1, digits.shape[1]):
        keys *= levels
        keys += digits[:, channel]
    key_space = levels ** values.shape[1]
    group = np.empty(len(keys), dtype=np.int32)
    if key_space <= DENSE_KEY_SPACE:
        return group, image_passes.dense_groups(keys, key_space, group)
    table = colour_table(keys[:, None])
    n_groups = len(table.counts)
    return table.pixel_labels(np.arange(n_groups, dtype=np.int32)), n_groups


def split_heavy(group: np.ndarray, n_groups: int, values: np.ndarray, weights: np.ndarray,
                peak: float, levels: int, k: int) -> Tuple[np.ndarray, int]:
    """The cells of :func:`cell_groups` (``group``, ``n_groups``) with those whose weight
    is above HEAVY_CELL_SHARE / k of the total divided into the cells of a grid
    SPLIT_FACTOR times finer (unless that grid has more levels than values: float
    images, or MAX_LEVELS).

    Parameters
    ----------
    group : int32 (n,)
        Cell of each colour, in [0, n_groups).
    values : float32 (n, channels)
        The colours, in the image's units.
    weights : int32 (n,)
        Weight of each colour.
    peak : float
        Largest value of a channel.
    levels, k : int
        Levels of the grid of ``group``; colours of the palette.

    Returns
    -------
    group : int32 (n,)
        The new cell of each colour: the cells that were not split first, in their
        order, then the finer ones.
    n_groups : int
    """
    fine = levels * SPLIT_FACTOR
    if fine - 1 > peak or fine > MAX_LEVELS:
        return group, n_groups
    totals = np.bincount(group, weights=weights, minlength=n_groups)
    heavy_cell = totals > float(totals.sum()) * (HEAVY_CELL_SHARE / k)
    if not heavy_cell.any():
        return group, n_groups
    heavy = heavy_cell[group]
    kept = ~heavy_cell
    renumbered = (np.cumsum(kept) - 1).astype(np.int32)
    split = np.empty_like(group)
    split[~heavy] = renumbered[group[~heavy]]
    finer, n_finer = cell_groups(values[heavy], peak, fine)
    n_kept = int(np.count_nonzero(kept))
    split[heavy] = finer + n_kept
    return split, n_kept + n_finer

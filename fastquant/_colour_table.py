"""The colour table of an image: its distinct colours, their counts, and the way back
from a label per colour to a label per pixel.

Built in one parallel pass over the pixels, whatever the image (see
``kernels._colour_table``): uint8 gray and RGB through a bitmap of the 2**24 colours,
which keeps no per-pixel index; uint16, float and RGBA through a hash table, which keeps
an int32 index per pixel. No sort, no copy of the pixels in another dtype.
"""

from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from .kernels import _colour_table as table_kernels
from .kernels import _distinct_table
from .kernels._tunables import BITMAP_MAX_BYTES, KEY_GROUPS
from ._execution import launch


@dataclass(frozen=True)
class ColourTable:
    """Distinct colours of pixels with their counts.

    Attributes
    ----------
    colours : ndarray (n_colours, n_channels)
        The distinct colours, in the pixels' dtype.
    counts : int32 ndarray (n_colours,)
        How many pixels have each colour.
    weights : float64 ndarray (n_colours,)
        Sum of the weights of the pixels of each colour (the counts without weights).
    """

    colours: np.ndarray
    counts: np.ndarray
    weights: np.ndarray
    _pixels: np.ndarray
    _bitmap: Optional[Tuple[np.ndarray, np.ndarray]]  # (merged, rank_base) of the byte path
    _inverse: Optional[np.ndarray]  # int32 colour of each pixel, hash path

    def pixel_labels(self, colour_labels: np.ndarray) -> np.ndarray:
        """The label of each pixel, given the label of each colour.

        Parameters
        ----------
        colour_labels : ndarray (n_colours,) of uint8, uint16 or int32

        Returns
        -------
        ndarray (n_pixels,), same dtype as ``colour_labels``
        """
        labels = np.empty(len(self._pixels), dtype=colour_labels.dtype)
        if self._bitmap is not None:
            launch(table_kernels.byte_labels, self._pixels, *self._bitmap, colour_labels,
                   labels, work=len(labels))
        else:
            launch(_distinct_table.gather_labels, colour_labels, self._inverse, labels,
                   work=len(labels))
        return labels

    def pixel_colours(self, pixel_index: np.ndarray) -> np.ndarray:
        """The colour (row of ``colours``, int32) of each of the pixels ``pixel_index``."""
        if self._bitmap is None:
            return self._inverse[pixel_index]
        pixels = self._pixels[pixel_index]
        colours = np.empty(len(pixels), dtype=np.int32)
        launch(table_kernels.byte_labels, pixels, *self._bitmap,
               np.arange(len(self.counts), dtype=np.int32), colours, work=len(pixels))
        return colours


def colour_table(pixels: np.ndarray, width: Optional[int] = None, block_shift: int = 0,
                 block_weight: Optional[np.ndarray] = None) -> ColourTable:
    """The distinct colours of ``pixels`` with their counts and weights.

    Parameters
    ----------
    pixels : ndarray (n_pixels, n_channels)
        uint8, uint16, integer or floating point (finite) values.
    width : int, optional
        Width of the image whose rows ``pixels`` are (needed with ``block_weight``).
    block_shift : int
        The blocks of pixels ``block_weight`` gives weights to are ``2**block_shift``
        pixels square.
    block_weight : float32 ndarray (n_block_rows, n_block_columns), optional
        Weight of the pixels of each block; without it, every pixel weighs 1.

    Returns
    -------
    ColourTable
    """
    pixels = np.ascontiguousarray(pixels)
    if pixels.dtype.kind == "f" and np.signbit(pixels).any():
        pixels = pixels + pixels.dtype.type(0)  # -0.0 and 0.0 are one colour
    n_pixels = len(pixels)
    if block_weight is None:  # one block of weight 1
        width, block_shift, block_weight = n_pixels, 62, np.ones((1, 1), np.float32)
    if pixels.dtype == np.uint8 and pixels.shape[1] <= BITMAP_MAX_BYTES:
        n_words = -(-(1 << (8 * pixels.shape[1])) // 64)  # a bit per key
        merged = np.empty(n_words, np.uint64)
        rank_base, colours, counts, weights = launch(
            table_kernels.byte_colour_table, pixels, width, block_shift, block_weight,
            np.zeros((KEY_GROUPS, n_words), np.uint64), merged, work=n_pixels)
        return ColourTable(colours, counts, weights, pixels, (merged, rank_base), None)
    row_bytes = pixels.view(np.uint8).reshape(n_pixels, -1)
    inverse = np.empty(n_pixels, dtype=np.int32)
    first, counts = launch(table_kernels.hashed_colour_table, row_bytes, inverse, work=n_pixels)
    weights = launch(table_kernels.inverse_colour_weights, inverse, len(counts), width,
                     block_shift, block_weight, work=n_pixels)
    return ColourTable(pixels[first], counts, weights, pixels, None, inverse)

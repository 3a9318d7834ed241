"""Which of ``quantize``'s k-means attempts to keep: the one whose palette stands best
on sampled blocks of the image in SSIM and PSNR together, rather than the most compact.

At small k, ``quantize`` runs several attempts from different k-means++ seeds. Their
palettes differ in SSIM by much more than in compactness, and not in the same order: on
the 1920x1280 rich photos at K = 16, ten attempts of one call spanned 0.009-0.028 in SSIM,
and the most compact of the first five was the worst of them in SSIM for
yosemite_tunnel_view (-0.0009 against libimagequant, while another was +0.0108). Each
attempt's palette is scored on square blocks of the image (the window of scikit-image's
SSIM, on a lattice of blocks: ``kernels._block_ssim``): its mean SSIM and its PSNR over
the same pixels. Each score is standardised over the attempts (minus their mean, over
their standard deviation), and the attempt kept is the one whose lower standardised score
is highest (:func:`most_balanced`): no attempt wins on SSIM by losing much of the PSNR,
and no weight between the two needs choosing.
"""

from typing import Callable, List, Optional, Tuple

import numpy as np

from ._colour_table import ColourTable
from ._execution import launch
from ._grid_lloyd import GridPoints
from .kernels import _block_ssim
from .kernels._image_tunables import SCORE_BLOCK, SCORE_MAX_BLOCKS


class BlockSample:
    """Square blocks of SCORE_BLOCK pixels a side, on a lattice over an image (at most
    SCORE_MAX_BLOCKS of them, evenly spread), each pixel as its row of the image's
    colour table.

    Parameters
    ----------
    table : ColourTable
        The colour table of the image's pixels (all of them, in row-major order).
    height, width : int
        The image's size.
    peak : float
        The data range (255, 65535 or 1.0).
    """

    def __init__(self, table: ColourTable, height: int, width: int, peak: float):
        block_rows, block_columns = height // SCORE_BLOCK, width // SCORE_BLOCK
        stride = 1
        while -(-block_rows // stride) * -(-block_columns // stride) > SCORE_MAX_BLOCKS:
            stride += 1
        offsets = np.arange(SCORE_BLOCK)
        ys = (np.arange(0, block_rows, stride) * SCORE_BLOCK)[:, None, None, None] \
            + offsets[None, None, :, None]
        xs = (np.arange(0, block_columns, stride) * SCORE_BLOCK)[None, :, None, None] \
            + offsets[None, None, None, :]
        pixel_index = (ys * width + xs).reshape(-1, SCORE_BLOCK * SCORE_BLOCK)
        self.colour_of = table.pixel_colours(pixel_index.reshape(-1)).reshape(pixel_index.shape)
        self.c1, self.c2 = (0.01 * peak) ** 2, (0.03 * peak) ** 2
        self.peak = peak

    def scores(self, colours: np.ndarray, colour_labels: np.ndarray,
               palette: np.ndarray) -> Tuple[float, float]:
        """Mean SSIM of the sampled blocks and their PSNR (dB) once painted with
        ``palette`` (float64 (n_entries, channels)), the colours (float32 (n_colours,
        channels)) going to their ``colour_labels`` (int32)."""
        ssim_sum, sse = launch(_block_ssim.block_scores, self.colour_of, colours,
                               colour_labels, palette, self.c1, self.c2,
                               work=self.colour_of.size * colours.shape[1])
        n_values = self.colour_of.size * colours.shape[1]
        mse = max(sse / n_values, 1e-12 * self.peak**2)
        mean_ssim = ssim_sum / (len(self.colour_of) * colours.shape[1])
        return mean_ssim, 10.0 * np.log10(self.peak**2 / mse)


def block_sample(table: ColourTable, height: int, width: int,
                 peak: float) -> Optional[BlockSample]:
    """The :class:`BlockSample` of an image, or None when it holds no whole block."""
    if height < SCORE_BLOCK or width < SCORE_BLOCK:
        return None
    return BlockSample(table, height, width, peak)


def most_balanced(scores: np.ndarray) -> int:
    """Index of the row of ``scores`` (n_attempts, n_scores), higher better, whose lowest
    standardised score is highest (each column minus its mean, over its standard
    deviation; a column that does not vary counts 0); the first on ties."""
    spread = scores.std(axis=0)
    standard = (scores - scores.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    return int(np.argmax(standard.min(axis=1)))


def attempt_chooser(sample: BlockSample, points: GridPoints,
                    colours: np.ndarray) -> Callable[[List[np.ndarray]], int]:
    """The choice among attempts, given their centers (in the clustering space): each of
    the image's colours (``points``, weighted by their pixel counts, summing ``colours``
    in the image's units) goes to its nearest center, the palette is the mean colour of
    each cluster, and its scores on ``sample`` decide (:func:`most_balanced`)."""
    def choose(centers: List[np.ndarray]) -> int:
        scores = []
        for attempt in centers:
            sums, totals, _ = points.assign(attempt)
            palette = sums / np.maximum(totals, 1)[:, None]
            scores.append(sample.scores(colours, points.labels_in_order(), palette))
        return most_balanced(np.array(scores))
    return choose

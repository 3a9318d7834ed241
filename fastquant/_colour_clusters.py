"""The palette of a colour table: k-means on its colours, coarse to fine.

k-means++ and most passes run on the weighted means of the cells of a coarse grid
over the colours, a few more on a finer grid or on the colours themselves; every pass
searches the nearest centers through a grid of candidate lists (``_grid_lloyd``).
The palette is then the mean colour of each cluster, rounded, and each colour goes to
its nearest entry.
"""

from typing import NamedTuple, Optional

import numpy as np

from . import _alpha
from ._colorspace import srgb_to_lab, srgb_to_oklab
from ._attempt_score import BlockSample, attempt_chooser
from ._colour_table import ColourTable
from ._distinct import Rows
from ._execution import launch, one_thread_per_launch, runs_serially
from ._grid_cells import cell_groups, split_heavy
from ._grid_lloyd import GridPoints, grid_lloyd
from ._rng import new_state
from ._validation import Criteria
from .constants import KMEANSPP_TRIALS
from .kernels import _image_passes as image_passes
from .kernels import _seeding
from .kernels._serial_seeding import kmeanspp_small
from .kernels._image_tunables import (
    ATTEMPT_MAX_PASSES, ATTEMPT_RUN_ON_PASSES, COARSE_GROUPS_PER_CLUSTER, COARSE_LEVELS,
    COARSE_MIN_ROWS, MAX_LEVELS, MSE_PASSES, OKLAB_SCALE, QUANTIZE_EPS,
    QUANTIZE_MAX_PASSES, REFINE_MAX_PASSES, SERIAL_MAX_WORK, SPLIT_MIN_COLOURS,
    WEIGHT_SCALE,
)

#: Passes and center movement at which quantization stops (in the clustering space),
#: and the passes of the refinement on all colours after the coarse groups.
CRITERIA = Criteria(max_iter=QUANTIZE_MAX_PASSES, eps_sq=QUANTIZE_EPS**2)
REFINE_CRITERIA = Criteria(max_iter=REFINE_MAX_PASSES, eps_sq=QUANTIZE_EPS**2)
#: Passes of each of several attempts on the coarse groups, and of the most compact one
#: after them.
ATTEMPT_CRITERIA = Criteria(max_iter=ATTEMPT_MAX_PASSES, eps_sq=QUANTIZE_EPS**2)
RUN_ON_CRITERIA = Criteria(max_iter=ATTEMPT_RUN_ON_PASSES, eps_sq=QUANTIZE_EPS**2)
#: Scale of each perceptual space, so that CRITERIA's eps means about the same in each:
#: L* spans 0-100, Oklab's L 0-1.
_SPACE_SCALE = {"lab": 1.0, "oklab": OKLAB_SCALE}


def to_space(values: np.ndarray, space: str, peak: float) -> np.ndarray:
    """float32 coordinates of colours (image units) in the clustering space; a fourth
    channel (alpha) goes on the scale of the lightness, and the colour is premultiplied
    by it (see ``_alpha``)."""
    if space == "rgb":
        coordinates = np.asarray(values, dtype=np.float32)
        alpha_peak = peak
    else:
        convert = srgb_to_lab if space == "lab" else srgb_to_oklab
        scale = np.float32(_SPACE_SCALE[space])
        coordinates = convert(values[:, :3] * np.float32(1.0 / peak)) * scale
        alpha_peak = 100.0
        if values.shape[1] == 4:
            alpha = values[:, 3] * np.float32(100.0 / peak)
            coordinates = np.column_stack([coordinates, alpha])
    if values.shape[1] == 4:
        coordinates = _alpha.premultiplied(coordinates, alpha_peak)
    return np.ascontiguousarray(coordinates, dtype=np.float32)


def label_dtype(n_colours: int) -> np.dtype:
    """The smallest unsigned dtype of labels of ``n_colours`` colours."""
    if n_colours <= 256:
        return np.dtype(np.uint8)
    return np.dtype(np.uint16 if n_colours <= 65536 else np.uint32)


def _round(palette: np.ndarray, dtype: np.dtype, peak: float) -> np.ndarray:
    if dtype.kind == "f":
        return np.clip(palette, 0.0, 1.0).astype(dtype)
    return np.clip(np.rint(palette), 0, peak).astype(dtype)


def _grid_rows(values: np.ndarray, weights: np.ndarray, peak: float, levels: int,
               space: str, split_k: int = 0) -> Rows:
    """The colours grouped by the cells of a grid of ``levels`` levels per channel:
    weighted mean colour (in the clustering space) and total weight of each cell.
    ``split_k``: the cells heavy for that many clusters are split (``_grid_cells``)."""
    group, n_groups = cell_groups(values, peak, levels)
    if split_k:
        group, n_groups = split_heavy(group, n_groups, values, weights, peak, levels, split_k)
    means = np.empty((n_groups, values.shape[1]), dtype=np.float64)
    totals = image_passes.group_means(group, values, weights, n_groups, means)
    return Rows(to_space(means.astype(np.float32), space, peak), totals.astype(np.int32),
                np.empty(0, np.int32))


class _Attempt(NamedTuple):
    compactness: float
    centers: np.ndarray


def _seeded_kmeans(rows: Rows, points: GridPoints, k: int, attempts: int, seed,
                   early: bool = False, choose=None) -> _Attempt:
    """k-means++ and CRITERIA passes on weighted rows (``points`` are the same rows on
    their search grid): the most compact of ``attempts`` attempts, or the one
    ``choose`` picks from their centers (see ``_attempt_score``). Where a launch would
    run serially, the seeding is ``kmeanspp_small``. ``early``: the one kept after
    ATTEMPT_CRITERIA's passes, run on for RUN_ON_CRITERIA's."""
    rng_state = new_state(seed)
    serially = runs_serially(rows.values.size)
    by_feature = np.ascontiguousarray(rows.values.T) if serially else None
    tried = []
    for _ in range(attempts):
        if serially:  # (the same centers as kmeanspp's, less to compile)
            chosen = kmeanspp_small(by_feature, rows.weights, k, KMEANSPP_TRIALS, rng_state)
        else:
            chosen = launch(_seeding.kmeanspp, rows.values, rows.weights, k, KMEANSPP_TRIALS,
                            rng_state, work=rows.values.size)
        centers, compactness = grid_lloyd(points, rows.values[chosen],
                                          ATTEMPT_CRITERIA if early else CRITERIA)
        tried.append(_Attempt(compactness, centers))
    if choose is None or attempts == 1:
        best = min(tried, key=lambda attempt: attempt.compactness)
    else:
        best = tried[choose([attempt.centers for attempt in tried])]
    if early:
        centers, compactness = grid_lloyd(points, best.centers, RUN_ON_CRITERIA)
        best = _Attempt(compactness, centers)
    return best


def _fine_levels(coarse: Rows, attempt: _Attempt, levels: int, space: str, peak: float) -> int:
    """Levels of the grid the centers are refined on: twice the coarse ones, and in RGB
    more until a cell is no wider than the clusters' RMS spread per channel (so that the
    cells stand for their colours well, even in a photo quantized at 45 dB)."""
    fine = 2 * levels
    if space == "rgb":
        spread = np.sqrt(attempt.compactness / float(np.sum(coarse.weights, dtype=np.float64))
                         / coarse.values.shape[1])
        while peak / (fine - 1) > spread and fine <= peak:
            fine *= 2
    return fine


def _coarse_to_fine(values, rows: Rows, points: GridPoints, k, attempts, seed, space, peak,
                    split: bool = False, choose=None):
    """Centers of k clusters of the colours (``rows`` in the clustering space, ``points``
    the same on their search grid).

    With few colours, k-means on them. With many, on the cells of a grid instead
    (weighted means; the sums are those of the colours): k-means++ and most passes on
    a coarse grid of COARSE_LEVELS levels per channel (finer until it has
    COARSE_GROUPS_PER_CLUSTER cells per cluster: smooth 16-bit or float images have
    many colours in few cells; with several attempts, only the most compact after a
    few passes runs on; with ``split``, its heavy cells are split so that a heavy
    region can get many seeds: see ``_grid_cells``), then a few passes on
    a finer grid (see _fine_levels),
    or on the colours themselves when that grid would have a level per value.
    ``choose``: see ``_seeded_kmeans``.
    """
    if len(values) <= COARSE_MIN_ROWS:
        return _seeded_kmeans(rows, points, k, attempts, seed, choose=choose).centers
    levels = COARSE_LEVELS
    while True:
        coarse = _grid_rows(values, rows.weights, peak, levels, space)
        if (len(coarse.values) >= COARSE_GROUPS_PER_CLUSTER * k or levels > peak
                or levels >= MAX_LEVELS):
            break
        levels *= 2
    if split:
        coarse = _grid_rows(values, rows.weights, peak, levels, space, split_k=k)
    if len(coarse.values) <= k:
        return _seeded_kmeans(rows, points, k, attempts, seed, choose=choose).centers
    attempt = _seeded_kmeans(coarse, GridPoints(coarse.values, coarse.weights), k, attempts,
                             seed, early=attempts > 1, choose=choose)
    fine = _fine_levels(coarse, attempt, levels, space, peak)
    if fine <= peak and fine <= MAX_LEVELS:
        fine_rows = _grid_rows(values, rows.weights, peak, fine, space)
        points = GridPoints(fine_rows.values, fine_rows.weights)
    # else a level per value: refine on the colours themselves
    return grid_lloyd(points, attempt.centers, REFINE_CRITERIA)[0]


def _integer_weights(weights: np.ndarray) -> np.ndarray:
    """The colours' weights as the int32 weights of k-means (at least 1 each)."""
    scale = min(WEIGHT_SCALE, 2.0**30 / max(float(weights.sum()), 1.0))
    return np.maximum(np.rint(weights * scale), 1).astype(np.int32)


def cluster(table: ColourTable, k: int, attempts: int, seed, space: str, peak: float,
            split: bool = False, sample: Optional[BlockSample] = None):
    """Labels (n_colours,) and palette (m, channels) of the colours of a table, m <= k,
    and the compactness (in the clustering space, over the pixels). ``split``: split the
    heavy coarse cells from SPLIT_MIN_COLOURS colours on (see ``_grid_cells``).
    ``sample``: keep the attempt that stands best on these blocks of the image (see
    ``_attempt_score``), not the most compact."""
    n_colours = len(table.counts)
    if n_colours <= k:
        return np.arange(n_colours, dtype=label_dtype(n_colours)), table.colours, 0.0
    if n_colours * k < SERIAL_MAX_WORK:
        with one_thread_per_launch():
            return _palette(table, k, attempts, seed, space, peak, split, sample)
    return _palette(table, k, attempts, seed, space, peak, split, sample)


def _palette(table: ColourTable, k: int, attempts: int, seed, space: str, peak: float,
             split: bool, sample: Optional[BlockSample]):
    """Labels of the colours of a table with more than ``k`` of them, the palette and
    the compactness."""
    values = table.colours.astype(np.float32)
    rows = Rows(to_space(values, space, peak), _integer_weights(table.weights),
                np.empty(0, np.int32))
    points = GridPoints(rows.values, rows.weights)
    # the points weighted by pixel counts: the palette's, and the attempt choice's
    by_count = None if sample is None else points.reweighted(table.counts, values)
    choose = None if sample is None else attempt_chooser(sample, by_count, values)
    centers = _coarse_to_fine(values, rows, points, k, attempts, seed, space, peak,
                              split and k >= SPLIT_MIN_COLOURS, choose)
    # The palette: the mean colour of each cluster, in the image's units (the best
    # for the MSE whatever the weights), ...
    points = by_count if sample is not None else points.reweighted(table.counts, values)
    sums, totals, compactness = points.assign(centers)
    if values.shape[1] == 4:
        means = _alpha.cluster_means(points.labels_in_order(), values, table.counts, k)
    else:
        means = sums / np.maximum(totals, 1)[:, None]
        for _ in range(MSE_PASSES):
            sums, totals, _ = points.assign(to_space(means.astype(np.float32), space, peak))
            filled = totals > 0
            means[filled] = sums[filled] / totals[filled, None]
    palette = _round(means, table.colours.dtype, peak)
    # ... and each colour goes to its nearest palette entry (rounding moved the centers).
    points.assign(to_space(palette.astype(np.float32), space, peak))
    row_labels = points.labels_in_order()
    used = np.flatnonzero(np.bincount(row_labels, minlength=len(palette)))
    palette, merged = np.unique(palette[used], axis=0, return_inverse=True)
    to_entry = np.zeros(k, dtype=np.int64)
    to_entry[used] = merged.reshape(-1)
    return to_entry[row_labels].astype(label_dtype(len(palette))), palette, compactness

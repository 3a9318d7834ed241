"""fastquant._grid_cells: grid cells of colours, heavy cells split finer."""

import numpy as np

import fastquant as fq
from fastquant import _grid_cells
from fastquant.kernels._image_tunables import COARSE_LEVELS, SPLIT_FACTOR


def _partition(group):
    """The groups as a set of frozensets of row indices (numbering ignored)."""
    return {frozenset(np.flatnonzero(group == g).tolist()) for g in np.unique(group)}


def _cells(values, levels):
    """Naive oracle: the grid cell of each colour as a tuple of digits."""
    return [tuple(row) for row in np.rint(np.asarray(values, np.float64) * (levels - 1) / 255.0).astype(int)]


def test_heavy_cells_are_split_on_the_finer_grid_and_light_ones_kept():
    rng = np.random.default_rng(0)
    light = rng.integers(0, 256, size=(400, 3))
    dense = rng.integers(40, 60, size=(300, 3))  # a few coarse cells, many fine ones
    values = np.vstack([light, dense]).astype(np.float32)
    weights = np.concatenate([np.ones(400), np.full(300, 50)]).astype(np.int32)
    group, n = _grid_cells.cell_groups(values, 255.0, COARSE_LEVELS)
    k = 64
    split, n_split = _grid_cells.split_heavy(group, n, values, weights, 255.0, COARSE_LEVELS, k)

    totals = np.bincount(group, weights=weights)
    heavy = totals[group] > weights.sum() / k
    assert heavy[400:].mean() > 0.9 and not heavy[:400].all()
    coarse = _cells(values, COARSE_LEVELS)
    fine = _cells(values, COARSE_LEVELS * SPLIT_FACTOR)
    expected = {}
    for i in range(len(values)):
        expected.setdefault(("fine", fine[i]) if heavy[i] else ("coarse", coarse[i]), []).append(i)
    assert _partition(split) == {frozenset(rows) for rows in expected.values()}
    assert n_split == len(expected) == len(np.unique(split)) and split.max() == n_split - 1
    assert n_split > n
    # the cells that were not split come first, in their order
    kept = len({coarse[i] for i in np.flatnonzero(~heavy)})
    assert np.array_equal(np.unique(split[~heavy]), np.arange(kept))


def test_nothing_is_split_without_a_heavy_cell_or_a_finer_grid():
    rng = np.random.default_rng(1)
    values = rng.integers(0, 256, size=(500, 3)).astype(np.float32)
    weights = np.ones(500, np.int32)
    group, n = _grid_cells.cell_groups(values, 255.0, COARSE_LEVELS)
    same, n_same = _grid_cells.split_heavy(group, n, values, weights, 255.0, COARSE_LEVELS, 4)
    assert n_same == n and same is group  # no cell above a quarter of the weight
    unit = values / np.float32(255.0)  # a float image: no grid finer than its values
    group, n = _grid_cells.cell_groups(unit, 1.0, COARSE_LEVELS)
    heavy_weights = np.full(500, 1, np.int32)
    heavy_weights[0] = 10**6
    same, n_same = _grid_cells.split_heavy(group, n, unit, heavy_weights, 1.0, COARSE_LEVELS, 4)
    assert n_same == n and same is group


def test_a_heavy_region_gets_more_palette_entries_than_its_coarse_cells(monkeypatch):
    from fastquant import _quantize

    monkeypatch.setattr(_quantize, "SPLIT_MIN_PIXELS", 1000)  # a small image
    # 90% of the pixels in the cube 8-24 (27 cells of the 32-level grid: 0.03% of its
    # volume), the rest anywhere; > COARSE_MIN_ROWS colours, so k-means++ starts on cells.
    rng = np.random.default_rng(3)
    image = rng.integers(8, 25, size=(400, 400, 3)).astype(np.uint8)
    spread = rng.random((400, 400)) < 0.1
    image[spread] = rng.integers(0, 256, size=(int(spread.sum()), 3))
    result = fq.quantize(image, 256, seed=1)
    in_region = np.all((result.palette >= 8) & (result.palette <= 24), axis=1)
    covering = len(set(_cells(image[~spread].reshape(-1, 3), COARSE_LEVELS)))
    assert covering == 27
    assert in_region.sum() > covering

"""fastquant.kernels._neighbours: the table of each center's nearest others (the rows
it settles are tested with the pass, in tests/test_gemm_pass.py)."""

import numpy as np
import pytest

from fastquant.kernels import _neighbours
from fastquant.kernels._bounds import bound_margin

from ._data import blobs


@pytest.mark.parametrize("k, width", [(40, 9), (5, 5), (3, 6)])
def test_center_neighbours_are_the_nearest_with_bounds_below(k, width):
    """Each center's ``width`` nearest others, nearest first, each with a bound below
    its exact distance and within the margin of it; -1 and infinity past the last
    (fewer others than the width); a duplicated center is a neighbour at 0."""
    centers = blobs(k, 16, 4, seed=k)
    centers[1] = centers[0]
    near = np.empty((k, width), np.int32)
    near_low = np.empty((k, width))
    _neighbours.center_neighbours(centers, near, near_low)
    c = centers.astype(np.float64)
    exact = np.sqrt(((c[:, None] - c[None]) ** 2).sum(2))
    margin = bound_margin(16)
    for a in range(k):
        others = [j for j in np.argsort(exact[a], kind="stable") if j != a][:width]
        n = len(others)
        np.testing.assert_allclose(exact[a, near[a, :n]], exact[a, others], rtol=1e-12)
        assert np.all(near_low[a, :n] <= exact[a, near[a, :n]])
        assert np.all(near_low[a, :n] >= exact[a, near[a, :n]] * (1 - 2 * margin) - 1e-17)
        assert np.all(np.diff(near_low[a, :n]) >= 0)
        assert np.all(near[a, n:] == -1) and np.all(near_low[a, n:] == np.inf)
    assert near[0, 0] == 1 and near_low[0, 0] == 0.0


def test_center_neighbours_refuses_tables_of_other_shapes():
    centers = blobs(10, 4, 2, seed=1)
    with pytest.raises(ValueError, match="near must have one row per center"):
        _neighbours.center_neighbours(centers, np.empty((9, 3), np.int32), np.empty((9, 3)))
    with pytest.raises(ValueError, match="near_low must be as wide as near"):
        _neighbours.center_neighbours(centers, np.empty((10, 3), np.int32), np.empty((10, 2)))

"""fastquant.kernels._neighbours: the table of each center's nearest others (the rows
it settles are tested with the pass, in tests/test_gemm_pass.py)."""

import numba
import numpy as np
import pytest

from fastquant.kernels import _neighbours
from fastquant.kernels._bounds import bound_margin

from fastquant.kernels._tiles import margin_terms

from ._data import blobs
from .test_tiles import _near_ties


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


def _cv2_sq(points, center):
    """cv2's float32 squared distances of the rows of ``points`` to ``center``, summed
    in feature order."""
    total = np.zeros(len(points), np.float32)
    for j in range(points.shape[1]):
        t = points[:, j] - center[j]
        total += t * t
    return total


@pytest.mark.parametrize("d, offset, scale", [(16, 0.0, 1.0), (128, 1000.0, 1.0),
                                              (128, 0.0, 1e-21), (129, 1e4, 1e-2)])
def test_cv2_nearest_chooses_as_cv2_near_ties_and_far(d, offset, scale):
    """The choice between two centers is cv2's (the smaller float32 sum, the lower
    index on ties) on rows within an ulp of the bisector, where float64 estimates
    may order them otherwise, and on rows far from it."""
    points, centers = _near_ties(d, offset, scale, seed=d)
    points = np.concatenate([points, blobs(300, d, 4, seed=d) * np.float32(scale)
                             + np.float32(offset)])
    margin = 4 * (d + 2) * 2.0**-24
    absolute = margin_terms(d)[1]
    n_decided = 0
    for pair in range(0, 16, 2):
        for a, b in ((pair, pair + 1), (pair + 1, pair)):
            sq_a, sq_b = _cv2_sq(points, centers[a]), _cv2_sq(points, centers[b])
            expected = (sq_b < sq_a) | ((sq_b == sq_a) & (b < a))
            cand = np.array([a, b], np.int32)
            for i in range(len(points)):
                est_a = _neighbours.sq_estimate(points, i, centers, a)
                est_b = _neighbours.sq_estimate(points, i, centers, b)
                est = np.array([est_a, est_b])
                got = _neighbours.cv2_nearest(points, i, centers, cand, est, 2, margin, absolute)
                assert got == int(expected[i]), (i, a, b)
                n_decided += (est_a < est_b * (1 - margin)) or (est_b < est_a * (1 - margin))
    assert 0 < n_decided < 2 * 8 * len(points)  # both ways of deciding are used


def test_sq_estimate_is_within_its_bound():
    points = blobs(200, 129, 3, seed=5) * np.float32(1e3)
    centers = points[:3] + np.float32(0.25)
    exact = ((points.astype(np.float64)[:, None] - centers.astype(np.float64)) ** 2)
    exact = exact.sum(2)  # float64 pairwise, itself within 1e-13
    for i in range(len(points)):
        for k in range(3):
            got = _neighbours.sq_estimate(points, i, centers, k)
            assert abs(got - exact[i, k]) <= 1e-12 * exact[i, k]


@numba.njit
def _top_moves(moves, movers):
    return _neighbours.top_moves(moves, movers)


@pytest.mark.parametrize("k, n_movers", [(40, 8), (8, 8), (5, 0), (1, 1)])
def test_top_moves_are_the_largest_first_ties_to_the_lower_index(k, n_movers):
    moves = np.round(np.random.default_rng(k).exponential(1.0, k), 1)  # with ties
    movers = np.full(n_movers, -1, np.int32)
    rest = _top_moves(moves, movers)
    expected = np.argsort(-moves, kind="stable")[:n_movers]
    np.testing.assert_array_equal(movers, expected)
    others = np.delete(moves, expected)
    assert rest == (others.max() if len(others) else 0.0)

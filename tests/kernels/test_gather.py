"""fastquant.kernels._gather: rows gathered into a tile on numba's threads."""

import numpy as np
import pytest

from fastquant._jit import serial_twin
from fastquant.kernels import _gather

from ._data import blobs


@pytest.mark.parametrize("serial", [False, True])
def test_gather_rows_copies_rows_in_order_on_any_thread_count(serial):
    points = blobs(5000, 7, 3, seed=2)
    rows = np.random.default_rng(1).integers(0, len(points), 4500)
    out = np.zeros((4600, 7), np.float32)
    (serial_twin(_gather.gather_rows) if serial else _gather.gather_rows)(points, rows, out)
    np.testing.assert_array_equal(out[:4500], points[rows])
    assert not out[4500:].any()
    with pytest.raises(ValueError, match="out must have the columns of X"):
        _gather.gather_rows(points, rows, out[:, :6])


def test_gather_rows_refuses_rows_out_of_range_and_a_short_out():
    points = blobs(100, 3, 2, seed=1)
    out = np.zeros((10, 3), np.float32)
    with pytest.raises(ValueError, match="rows must be row indices of X"):
        _gather.gather_rows(points, np.array([0, 100]), out)
    assert not out.any()  # (refused before any row is copied)
    with pytest.raises(ValueError, match="out must have a row per row gathered"):
        _gather.gather_rows(points, np.arange(11), out)

"""fastquant.kernels._gemm: the kernels of the matrix-product pass (the pass itself is
tested in tests/test_gemm_pass.py)."""

import numpy as np
import pytest

from fastquant.kernels import _gemm

from ._data import blobs, ones, partials


def test_accumulate_labels_refuses_a_previous_label_out_of_range_before_writing():
    points = blobs(600, 4, 3, seed=1)
    labels = np.zeros(len(points), np.int32)
    previous = labels.copy()
    previous[17] = 3  # only 3 clusters
    sums, counts = partials(len(points), 3, 4)
    sums.fill(7.0)
    with pytest.raises(ValueError, match="labels must be cluster indices"):
        _gemm.accumulate_labels(points, ones(points), labels, previous, True, sums, counts)
    assert np.all(sums == 7.0)


def test_row_norms_are_float64_sums_of_squares():
    points = blobs(100, 5, 3, seed=2)
    out = np.empty(len(points))
    _gemm.row_norms(points, out)
    np.testing.assert_allclose(out, (points.astype(np.float64) ** 2).sum(1), rtol=1e-15)

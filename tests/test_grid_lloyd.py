"""fastquant._grid_lloyd: k-means passes over colours through a grid."""

import pytest

from fastquant import kernels
from fastquant._grid_lloyd import pass_chunks
from fastquant.kernels._tunables import MIN_CHUNK_SIZE, PARTIALS_BUDGET


@pytest.mark.parametrize("n", [0, 1, MIN_CHUNK_SIZE, MIN_CHUNK_SIZE + 1, 10**5, 10**7])
@pytest.mark.parametrize("k", [1, 8, 256, 4096, 65536, PARTIALS_BUDGET // 40 + 1])
@pytest.mark.parametrize("n_sum", [1, 3, 4])
def test_pass_chunks_is_chunk_count_of_the_three_sizes(n, k, n_sum):
    # The shortcut through chunk_count(n) must give the budgeted count, also where the
    # budget cuts it (large K) and at its edge.
    assert pass_chunks(n, k, n_sum) == kernels.chunk_count(n, k, n_sum)


def test_pass_chunks_at_the_edge_of_the_budget():
    n = 10**7
    chunks = kernels.chunk_count(n)
    edge = PARTIALS_BUDGET // (chunks * 8 * 4)  # partials exactly at the budget, n_sum 3
    for k in (edge - 1, edge, edge + 1):
        assert pass_chunks(n, k, 3) == kernels.chunk_count(n, k, 3), k


def test_a_pass_returns_arrays_of_their_own():
    # (not views of the chunks' partials, which would stay allocated with them)
    import numpy as np

    from fastquant._grid_lloyd import GridPoints

    rng = np.random.default_rng(5)
    values = rng.integers(0, 256, (3000, 3)).astype(np.float32)
    sums, totals, _ = GridPoints(values, np.ones(3000, np.int32)).assign(values[:5])
    assert sums.base is None and totals.base is None
    assert sums.shape == (5, 3) and totals.shape == (5,)

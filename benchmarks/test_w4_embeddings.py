"""W4: embeddings-like blobs from given initial centers, fastquant against scikit-learn
and faiss.

1,000,000 float32 points in 128 dimensions around 256 centers (see
:func:`workloads.gaussian_blobs`), K = 256, the same 256 points of the data as initial
centers for every contender (:func:`workloads.initial_centers`), 10 passes, with the
calls of :data:`workloads.GIVEN_CONTENDERS`. One pytest-benchmark group, "W4 K=256".
cv2 takes labels, not centers, as a start: it is not in this comparison.
"""

import pytest

from workloads import GIVEN_CONTENDERS, MODULES, benchmark_given, rounds

#: Rounds per contender (``FASTQUANT_BENCH_ROUNDS`` overrides them all).
ROUNDS = {"fastquant": 3, "sklearn": 3, "faiss": 3}


@pytest.mark.parametrize("contender", list(GIVEN_CONTENDERS))
def test_w4_embeddings(benchmark, w4_points, w4_centers, warm_libraries, record_timing,
                       contender):
    """Time ``contender`` on the 128-dimensional blobs with K = 256."""
    pytest.importorskip(MODULES[contender])
    benchmark_given(benchmark, record_timing, "W4", w4_points, w4_centers, contender,
                    rounds(ROUNDS[contender]))

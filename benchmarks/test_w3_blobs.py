"""W3: Gaussian blobs, fastquant against cv2, scikit-learn and faiss.

1,000,000 float32 points in 16 dimensions around 64 centers (built once per session,
see :func:`workloads.gaussian_blobs`), K = 64, k-means++, one attempt, 10 assignment
passes, with the calls of :mod:`workloads`. One pytest-benchmark group, "W3 K=64".
Every contender takes a few seconds at most, so cv2 runs on all the points.
"""

import pytest

from workloads import CONTENDERS, MODULES, W3_K, benchmark_contender, rounds

#: Rounds per contender (``FASTQUANT_BENCH_ROUNDS`` overrides them all).
ROUNDS = {"fastquant": 5, "cv2": 3, "sklearn": 3, "faiss": 5}


@pytest.mark.parametrize("contender", list(CONTENDERS))
def test_w3_blobs(benchmark, blob_points, warm_libraries, record_timing, contender):
    """Time ``contender`` on the blobs with K = 64."""
    pytest.importorskip(MODULES[contender])
    benchmark_contender(benchmark, record_timing, "W3", blob_points, W3_K, contender,
                        rounds(ROUNDS[contender]))

"""W2: a large photo, fastquant against cv2, scikit-learn and faiss.

The points are messi.jpg upscaled 6x with bicubic interpolation (4074 x 2712, about
11 million integer-valued float32 points, built once per session). Each contender runs
k-means++, one attempt and 10 assignment passes for K = 16, 64 and 256 (``--quick``
mode of ``report.py``, i.e. ``FASTQUANT_BENCH_QUICK=1``: K = 16 and 64); the calls are
those of :mod:`workloads`. Each K is one pytest-benchmark group of four contenders.

cv2 needs about 10 s at K = 16 and minutes at K = 256, so it is timed on all the
points only where one call is predicted to take under 60 s (15 s in quick mode);
elsewhere its time is estimated from a 1/16 subsample, scaled linearly in N and marked
"estimated" (see :func:`workloads.benchmark_contender`). scikit-learn takes about 40 s
at K = 64 and minutes at K = 256, hence a single round.
"""

import pytest

from workloads import CONTENDERS, MODULES, W2_KS, W2_QUICK_KS, benchmark_contender, quick, rounds

#: Rounds per contender (``FASTQUANT_BENCH_ROUNDS`` overrides them all).
ROUNDS = {"fastquant": 3, "cv2": 2, "sklearn": 1, "faiss": 3}


@pytest.mark.parametrize("contender", list(CONTENDERS))
@pytest.mark.parametrize("k", W2_QUICK_KS if quick() else W2_KS)
def test_w2_large_photo(benchmark, w2_points, warm_libraries, record_timing, k, contender):
    """Time ``contender`` on the upscaled photo with K clusters."""
    pytest.importorskip(MODULES[contender])
    benchmark_contender(benchmark, record_timing, "W2", w2_points, k, contender,
                        rounds(ROUNDS[contender]))

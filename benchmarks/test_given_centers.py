"""W2 from given initial centers (the Lloyd passes alone), and the k-means++ seeding
alone on W3's points.

* "W2 given K=64": the upscaled photo of W2, the same 64 points of it as initial centers
  for fastquant, scikit-learn and faiss, 10 passes (:data:`workloads.GIVEN_CONTENDERS`).
* "seeding K=64": ``fastquant.kernels.kmeanspp`` against scikit-learn's
  ``kmeans_plusplus``, 3 candidates per center each, on W3's 1M x 16 blobs.
"""

import pytest

from workloads import (
    GIVEN_CONTENDERS, MODULES, SEEDING_CONTENDERS, SEEDING_K, THREADS, W2_GIVEN_K,
    WARMUP_STEP, benchmark_given, initial_centers, rounds, strided_sample,
)

ROUNDS = {"fastquant": 3, "sklearn": 3, "faiss": 3}


@pytest.mark.parametrize("contender", list(GIVEN_CONTENDERS))
def test_w2_given_centers(benchmark, w2_points, warm_libraries, record_timing, contender):
    """Time ``contender``'s Lloyd passes on the large photo with K = 64."""
    pytest.importorskip(MODULES[contender])
    centers = initial_centers(w2_points, W2_GIVEN_K)
    benchmark_given(benchmark, record_timing, "W2 given", w2_points, centers, contender,
                    rounds(ROUNDS[contender]))


@pytest.mark.parametrize("contender", list(SEEDING_CONTENDERS))
def test_seeding(benchmark, blob_points, warm_libraries, record_timing, contender):
    """Time ``contender``'s k-means++ seeding of 64 centers on W3's points."""
    pytest.importorskip(MODULES[contender])
    run = SEEDING_CONTENDERS[contender]
    benchmark.group = f"seeding K={SEEDING_K}"
    benchmark.extra_info.update(k=SEEDING_K, n_points=len(blob_points), threads=THREADS)
    run(strided_sample(blob_points, WARMUP_STEP), SEEDING_K)
    centers = benchmark.pedantic(run, args=(blob_points, SEEDING_K),
                                 rounds=rounds(ROUNDS[contender]), iterations=1)
    assert centers.shape == (SEEDING_K, blob_points.shape[1])
    record_timing(benchmark, "seeding", f"K={SEEDING_K}", contender,
                  extra={"compactness": float("nan"), "estimated": False})

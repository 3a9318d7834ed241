"""W1: the OpenCV k-means colour-quantization tutorial call, cv2 against fastquant.

Both libraries cluster the pixels of messi.jpg with the tutorial's arguments
(criteria EPS + MAX_ITER, 10 passes, epsilon 1.0; 10 attempts; random centers) for
K = 2, 8, 25 and 100. Each K is one pytest-benchmark group holding the two contenders,
and both generators are seeded with the same value before every round, so both
libraries start every round from the same centers.

cv2 takes about 0.25, 0.66, 1.7 and 6.5 s per call at K = 2, 8, 25 and 100, hence the
pedantic mode with a few rounds (``FASTQUANT_BENCH_ROUNDS`` overrides them all), each
contender's after one untimed call: on 2 cores, the thread pool of the library that ran
just before (OpenCV's or numba's, still spinning) slowed the first calls of the other
by up to 1.7x here.
"""

import os

import pytest

import fastquant

cv2 = pytest.importorskip("cv2")

SEED = 12345
ATTEMPTS = 10
#: Rounds per K: more for the fast cases, fewer where one cv2 call takes seconds.
ROUNDS = {2: 5, 8: 5, 25: 3, 100: 3}
CONTENDERS = {"cv2": cv2, "fastquant": fastquant}


def _rounds(k: int) -> int:
    override = os.environ.get("FASTQUANT_BENCH_ROUNDS", "").strip()
    return int(override) if override else ROUNDS[k]


@pytest.mark.parametrize("contender", list(CONTENDERS))
@pytest.mark.parametrize("k", list(ROUNDS))
def test_w1_tutorial(benchmark, messi_points, warm_libraries, record_timing, k, contender):
    """Time ``<contender>.kmeans`` on messi.jpg with the tutorial's arguments."""
    library = CONTENDERS[contender]
    criteria = (library.TERM_CRITERIA_EPS + library.TERM_CRITERIA_MAX_ITER, 10, 1.0)
    benchmark.group = f"W1 K={k}"
    benchmark.extra_info.update(k=k, contender=contender, seed=SEED, attempts=ATTEMPTS)

    compactness, labels, centers = benchmark.pedantic(
        library.kmeans,
        args=(messi_points, k, None, criteria, ATTEMPTS, library.KMEANS_RANDOM_CENTERS),
        setup=lambda: library.setRNGSeed(SEED),
        rounds=_rounds(k),
        iterations=1,
        warmup_rounds=1,  # the other library's worker threads wind down meanwhile
    )

    assert centers.shape == (k, 3) and labels.shape == (len(messi_points), 1)
    benchmark.extra_info["compactness"] = float(compactness)
    record_timing(benchmark, "W1", f"K={k}", contender, extra=float(compactness))

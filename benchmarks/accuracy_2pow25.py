"""Accuracy on the contract's case: 2**25 one-dimensional points, K = 2.

90% of the points cycle through the integers 10..30 and 10% through 200..255, so
k-means with K = 2 separates the two groups and each center should be the exact mean
of its group. cv2 accumulates its sums in float32, which loses precision over 2**25
points; fastquant accumulates in float64.

For cv2.kmeans and fastquant.kmeans (KMEANS_PP_CENTERS, criteria EPS + COUNT, 10,
0.01, one attempt, the same seed) this prints, per cluster, the returned center, the
exact mean of the points carrying that label (Python integers and fractions, no
floating-point sums) and the absolute error; then the returned compactness relative
to the compactness at the exact means of the same labels (the smallest possible for
that labelling) and, to tell a poor center from a poorly summed compactness, the exact
compactness at the returned centers, relative to the same minimum.

Run from the repository root (takes well under a minute and about 1 GB of memory):

    PYTHONPATH=. python benchmarks/accuracy_2pow25.py [--seed S] [--log2-n 25]
"""

import argparse
import time
from fractions import Fraction
from typing import List, NamedTuple

import numpy as np

import fastquant

N_VALUES = 256  # the data are integers in 0..255


def contract_points(n: int) -> np.ndarray:
    """(n, 1) float32: 90% values cycling 10..30, then 10% values cycling 200..255."""
    n_dark = n * 9 // 10
    dark = 10 + np.arange(n_dark) % 21
    light = 200 + np.arange(n - n_dark) % 56
    return np.concatenate([dark, light]).astype(np.float32).reshape(n, 1)


class ClusterStats(NamedTuple):
    """Exact statistics of the points carrying one label."""

    count: int
    mean: Fraction
    min_compactness: Fraction  # sum of squared distances to the exact mean
    histogram: List[int]  # histogram[v] = number of points of value v


def exact_cluster_stats(values: np.ndarray, labels: np.ndarray, k: int) -> List[ClusterStats]:
    """Per label, the count, mean and minimum compactness of integer ``values``.

    Counts come from an integer histogram of (label, value) pairs; every sum after
    that is taken on Python integers, so the results are exact.
    """
    pairs = labels.astype(np.int64) * N_VALUES + values
    histograms = np.bincount(pairs, minlength=k * N_VALUES).reshape(k, N_VALUES)
    stats = []
    for row in histograms:
        histogram = [int(c) for c in row]
        count = sum(histogram)
        total = sum(v * c for v, c in enumerate(histogram))
        squares = sum(v * v * c for v, c in enumerate(histogram))
        mean = Fraction(total, count) if count else Fraction(0)
        min_compactness = squares - mean * total
        stats.append(ClusterStats(count, mean, min_compactness, histogram))
    return stats


def exact_compactness_at(center: float, histogram: List[int]) -> Fraction:
    """Exact sum of squared distances from the points of ``histogram`` to ``center``."""
    c = Fraction(center)
    return sum((c - v) ** 2 * n for v, n in enumerate(histogram) if n)


def report(name: str, library, points: np.ndarray, values: np.ndarray, seed: int) -> None:
    """Run ``library.kmeans`` on the contract case; print its time and accuracy."""
    criteria = (library.TERM_CRITERIA_EPS + library.TERM_CRITERIA_COUNT, 10, 0.01)
    # An untimed call on a slice first, so the time excludes loading numba's kernels.
    library.kmeans(points[:4096], 2, None, criteria, 1, library.KMEANS_PP_CENTERS)
    library.setRNGSeed(seed)
    start = time.perf_counter()
    compactness, labels, centers = library.kmeans(
        points, 2, None, criteria, 1, library.KMEANS_PP_CENTERS
    )
    elapsed = time.perf_counter() - start

    labels = labels.ravel()
    stats = exact_cluster_stats(values, labels, len(centers))
    order = sorted(range(len(centers)), key=lambda j: float(centers[j, 0]))
    print(f"{name}  ({elapsed:.2f} s)")
    for j in order:
        center = float(centers[j, 0])
        s = stats[j]
        error = abs(Fraction(center) - s.mean)
        print(
            f"  cluster {j}: {s.count:>9} points  center {center!r:<20}"
            f" exact mean {float(s.mean)!r:<20} |error| {float(error):.3e}"
        )
    minimum = sum(s.min_compactness for s in stats)
    at_centers = sum(
        exact_compactness_at(float(centers[j, 0]), stats[j].histogram) for j in order
    )
    print(f"  compactness returned        {compactness!r}")
    print(f"  compactness at exact means  {float(minimum)!r}")
    print(f"  returned / exact            {float(Fraction(compactness) / minimum)!r}")
    print(f"  exact at its centers / exact at exact means {float(at_centers / minimum)!r}")


def main() -> None:
    """Build the case, then report cv2 (when installed) and fastquant."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1, help="seed of both generators (default 1)")
    parser.add_argument("--log2-n", type=int, default=25, help="log2 of the point count (default 25)")
    args = parser.parse_args()

    points = contract_points(2**args.log2_n)
    values = points.ravel().astype(np.int64)
    print(f"{len(points)} points (D=1), K=2, KMEANS_PP_CENTERS, criteria (EPS+COUNT, 10, 0.01),"
          f" 1 attempt, seed {args.seed}\n")
    try:
        import cv2
    except ImportError:
        print("cv2: not installed, skipped\n")
    else:
        report(f"cv2 {cv2.__version__}", cv2, points, values, args.seed)
        print()
    report(f"fastquant {fastquant.__version__}", fastquant, points, values, args.seed)


if __name__ == "__main__":
    main()

"""Data, contenders and timing helpers shared by the W2, W3 and memory benchmarks.

W2 and W3 compare fastquant with ``cv2.kmeans`` and with two other k-means libraries,
scikit-learn's ``KMeans`` and faiss's ``Kmeans``, on one workload each:

* W2, a large photo: messi.jpg upscaled 6x with bicubic interpolation (4074 x 2712,
  about 11 MP). The resampled image is uint8, so its float32 points are integers.
* W3, Gaussian blobs: 1,000,000 float32 points in 16 dimensions around 64 centers.

and, with given initial centers (the same K points of the data for every contender, so
the comparison is the Lloyd passes alone), W4 (embeddings-like blobs: 1,000,000 float32
points in 128 dimensions around 256 centers, K = 256) and W2 at K = 64; and the
k-means++ seeding alone (fastquant's ``kernels.kmeanspp`` against scikit-learn's
``kmeans_plusplus``, both with 3 candidates per center) on W3's points.

Every contender runs k-means++ initialisation, one attempt and 10 assignment passes:

* ``fastquant.kmeans`` and ``cv2.kmeans``: criteria ``(TERM_CRITERIA_COUNT, 11, 0)``,
  ``KMEANS_PP_CENTERS`` (cv2 counts the initialisation as a pass, so maxCount 11 means
  10 assignment passes), generator seeded before the call;
* scikit-learn: ``KMeans(n_clusters=K, algorithm="lloyd", n_init=1, tol=0,
  max_iter=10, init="k-means++")``; ``fit`` also returns the labels of the final centers;
* faiss: ``faiss.Kmeans(D, K, niter=10, max_points_per_centroid=N)`` (so no
  subsampling) then one ``index.search`` for the labels, since every other contender
  returns labels. faiss has no k-means++: it starts from K random points, which costs
  it less than a k-means++ initialisation.

Each contender uses all cores (``THREADS``): numba and OpenCV do by default, faiss is
set with ``faiss.omp_set_num_threads`` and scikit-learn runs under
``threadpoolctl.threadpool_limits``.

cv2 at large K on 11 MP takes minutes (its k-means++ alone makes 3K passes over the
data). :func:`benchmark_contender` therefore first times cv2 on a strided 1/16
subsample (after a warm-up call there); when the time scaled linearly to all the points exceeds the limit (60 s,
``FASTQUANT_BENCH_CV2_LIMIT``), cv2 is timed on the subsample and its times are
scaled by N / n and marked "estimated" everywhere they are shown.

Run as a script, the module is the child process of the memory benchmark (see
:func:`main`).
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Callable, Dict, Tuple

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
MESSI_PATH = REPO_ROOT / "fastquant" / "data" / "messi.jpg"

SEED = 12345
#: Assignment passes of every contender (cv2's maxCount is one more: see above).
PASSES = 10
#: Threads given to every contender: all cores.
THREADS = os.cpu_count() or 1
#: W2: upscaling factor of messi.jpg, and the cluster counts (--quick: the first two).
W2_FACTOR = 6
W2_KS = (16, 64, 256)
W2_QUICK_KS = (16, 64)
#: Cluster counts of the dask comparison (test_dask.py).
DASK_KS = (16, 64)
#: W3: points, dimensions, blob centers and clusters.
W3_SHAPE = (1_000_000, 16)
W3_BLOBS = 64
W3_K = 64
#: W4: points, dimensions, blob centers and clusters (given initial centers).
W4_SHAPE = (1_000_000, 128)
W4_BLOBS = 256
W4_K = 256
#: W2 with given initial centers: the cluster count.
W2_GIVEN_K = 64
#: k-means++ seeding alone (on W3's points): centers, and candidates per center.
SEEDING_K = 64
SEEDING_TRIALS = 3
#: Memory benchmark: the workload's cluster count.
MEMORY_K = 64
#: cv2 is timed on every CV2_SAMPLE_STEP-th point when the full call would be too slow.
CV2_SAMPLE_STEP = 16
#: Warm-up calls run on every WARMUP_STEP-th point.
WARMUP_STEP = 64
#: The memory benchmark's warm-up runs on every MEMORY_WARMUP_STEP-th point of W2: enough
#: for the parallel kernels (W2 / 64 is a small call, which launches serial kernels only,
#: so its child compiled the parallel ones: 488 MiB peak against 385 MiB warm).
MEMORY_WARMUP_STEP = 8

# Result of a contender: (compactness, labels, centers).
Result = Tuple[float, np.ndarray, np.ndarray]


def quick() -> bool:
    """True when ``FASTQUANT_BENCH_QUICK=1``: fewer cluster counts, lower cv2 limit."""
    return os.environ.get("FASTQUANT_BENCH_QUICK", "").strip() == "1"


def rounds(default: int) -> int:
    """``default``, or the value of ``FASTQUANT_BENCH_ROUNDS`` when it is set."""
    override = os.environ.get("FASTQUANT_BENCH_ROUNDS", "").strip()
    return int(override) if override else default


def cv2_limit_seconds() -> float:
    """Longest predicted cv2 call that is timed on all the points (else estimated)."""
    override = os.environ.get("FASTQUANT_BENCH_CV2_LIMIT", "").strip()
    if override:
        return float(override)
    return 15.0 if quick() else 60.0


# --- data -------------------------------------------------------------------------


def upscaled_messi(factor: int = W2_FACTOR) -> np.ndarray:
    """messi.jpg resized ``factor`` times with cv2's bicubic filter, as (N, 3) float32.

    ``cv2.resize(..., INTER_CUBIC)`` rounds and clips to uint8, so the points are
    integer-valued, as any 8-bit photo's are.
    """
    import cv2
    import imageio.v3 as iio

    image = iio.imread(MESSI_PATH)
    large = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
    return np.ascontiguousarray(large.reshape(-1, large.shape[-1]), dtype=np.float32)


def gaussian_blobs(shape=W3_SHAPE, n_blobs: int = W3_BLOBS, seed: int = SEED) -> np.ndarray:
    """float32 points around ``n_blobs`` centers drawn uniformly in [-10, 10]^D.

    Each point is its blob's center plus standard normal noise (unit variance in every
    dimension); the blob of each point is drawn uniformly.
    """
    n, d = shape
    rng = np.random.default_rng(seed)
    centers = rng.uniform(-10.0, 10.0, size=(n_blobs, d)).astype(np.float32)
    points = rng.standard_normal((n, d), dtype=np.float32)
    points += centers[rng.integers(0, n_blobs, size=n)]
    return points


def initial_centers(points: np.ndarray, k: int, seed: int = SEED) -> np.ndarray:
    """``k`` distinct points drawn uniformly with a seeded generator (float32 copy)."""
    rng = np.random.default_rng(seed)
    return np.ascontiguousarray(points[np.sort(rng.choice(len(points), k, replace=False))])


def strided_sample(points: np.ndarray, step: int) -> np.ndarray:
    """Every ``step``-th point, as a contiguous copy."""
    return np.ascontiguousarray(points[::step])


# --- contenders ----------------------------------------------------------------------


def _cv2_style(library, points: np.ndarray, k: int, seed: int) -> Result:
    library.setRNGSeed(seed)
    criteria = (library.TERM_CRITERIA_COUNT, PASSES + 1, 0)
    compactness, labels, centers = library.kmeans(
        points, k, None, criteria, 1, library.KMEANS_PP_CENTERS
    )
    return float(compactness), labels.ravel(), centers


def run_fastquant(points: np.ndarray, k: int, seed: int = SEED) -> Result:
    """``fastquant.kmeans`` with k-means++ and 10 assignment passes."""
    import fastquant

    return _cv2_style(fastquant, points, k, seed)


def run_cv2(points: np.ndarray, k: int, seed: int = SEED) -> Result:
    """``cv2.kmeans`` with the same arguments as :func:`run_fastquant`."""
    import cv2

    return _cv2_style(cv2, points, k, seed)


def run_sklearn(points: np.ndarray, k: int, seed: int = SEED) -> Result:
    """scikit-learn's Lloyd k-means: k-means++, 10 iterations, tol 0, THREADS threads."""
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    model = KMeans(n_clusters=k, algorithm="lloyd", n_init=1, tol=0, max_iter=PASSES,
                   init="k-means++", random_state=seed)
    with threadpool_limits(limits=THREADS):
        model.fit(points)
    return float(model.inertia_), model.labels_, model.cluster_centers_


def run_faiss(points: np.ndarray, k: int, seed: int = SEED) -> Result:
    """faiss: 10 iterations on all the points (no subsampling), then labels by search."""
    import faiss

    faiss.omp_set_num_threads(THREADS)
    n, d = points.shape
    model = faiss.Kmeans(d, k, niter=PASSES, max_points_per_centroid=n, seed=seed,
                         verbose=False)
    model.train(points)
    distances, labels = model.index.search(points, 1)
    return float(distances.sum(dtype=np.float64)), labels.ravel(), model.centroids


CONTENDERS: Dict[str, Callable[..., Result]] = {
    "fastquant": run_fastquant,
    "cv2": run_cv2,
    "sklearn": run_sklearn,
    "faiss": run_faiss,
}
#: The module each contender needs (for ``pytest.importorskip`` and the memory child).
MODULES = {"fastquant": "fastquant", "cv2": "cv2", "sklearn": "sklearn.cluster",
           "faiss": "faiss"}
#: The other k-means libraries; ratios compare fastquant with the faster of them.
PEERS = ("sklearn", "faiss")


# --- contenders from given initial centers, and the seeding alone -----------------


def given_fastquant(points: np.ndarray, centers: np.ndarray) -> Result:
    """``fastquant.KMeans`` from ``centers``: 10 iterations, tol 0."""
    import fastquant

    model = fastquant.KMeans(n_clusters=len(centers), init=centers, n_init=1,
                             max_iter=PASSES, tol=0)
    model.fit(points)
    return float(model.inertia_), model.labels_, model.cluster_centers_


def given_sklearn(points: np.ndarray, centers: np.ndarray) -> Result:
    """scikit-learn's Lloyd k-means from ``centers``: 10 iterations, tol 0."""
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    model = KMeans(n_clusters=len(centers), init=centers, algorithm="lloyd", n_init=1,
                   tol=0, max_iter=PASSES)
    with threadpool_limits(limits=THREADS):
        model.fit(points)
    return float(model.inertia_), model.labels_, model.cluster_centers_


def given_faiss(points: np.ndarray, centers: np.ndarray) -> Result:
    """faiss from ``centers`` (``init_centroids``): 10 iterations on all the points,
    then labels by search."""
    import faiss

    faiss.omp_set_num_threads(THREADS)
    n, d = points.shape
    model = faiss.Kmeans(d, len(centers), niter=PASSES, max_points_per_centroid=n,
                         verbose=False)
    model.train(points, init_centroids=centers)
    distances, labels = model.index.search(points, 1)
    return float(distances.sum(dtype=np.float64)), labels.ravel(), model.centroids


GIVEN_CONTENDERS: Dict[str, Callable[..., Result]] = {
    "fastquant": given_fastquant,
    "sklearn": given_sklearn,
    "faiss": given_faiss,
}


def seeding_fastquant(points: np.ndarray, k: int, seed: int = SEED) -> np.ndarray:
    """fastquant's k-means++ (``kernels.kmeanspp``, cv2's draws): the centers."""
    from fastquant import kernels

    weights = np.ones(len(points), dtype=np.int32)
    state = np.array([seed], dtype=np.uint64)
    return points[kernels.kmeanspp(points, weights, k, SEEDING_TRIALS, state)]


def seeding_sklearn(points: np.ndarray, k: int, seed: int = SEED) -> np.ndarray:
    """scikit-learn's ``kmeans_plusplus`` with as many candidates per center."""
    from sklearn.cluster import kmeans_plusplus
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=THREADS):
        centers, _ = kmeans_plusplus(points, k, n_local_trials=SEEDING_TRIALS,
                                     random_state=seed)
    return centers


SEEDING_CONTENDERS: Dict[str, Callable[..., np.ndarray]] = {
    "fastquant": seeding_fastquant,
    "sklearn": seeding_sklearn,
}


# --- timing ------------------------------------------------------------------------


def benchmark_contender(benchmark, record_timing, section: str, points: np.ndarray,
                        k: int, contender: str, n_rounds: int) -> None:
    """Time ``contender`` on ``points`` with ``k`` clusters in pytest-benchmark's group.

    One untimed warm-up call on a strided slice comes first (numba compilation,
    thread pools, lazy imports). For cv2 the warm-up is on the 1/16 subsample, and a
    second call there, timed and scaled by N / n, predicts the full call's time
    (``extra_info["predicted_seconds"]``); beyond :func:`cv2_limit_seconds` the rounds
    run on the subsample and every time is scaled by N / n
    (``extra_info["estimated"]``, ``extra_info["time_scale"]``). The summary and the
    report apply the scale.
    """
    run = CONTENDERS[contender]
    benchmark.group = f"{section} K={k}"
    info = benchmark.extra_info
    info.update(k=k, n_points=len(points), n_dims=points.shape[1], seed=SEED, threads=THREADS,
                estimated=False, time_scale=1.0)

    target = points
    if contender == "cv2":
        sample = strided_sample(points, CV2_SAMPLE_STEP)
        run(sample, k)  # warm-up
        start = time.perf_counter()
        run(sample, k)
        probe = time.perf_counter() - start
        predicted = probe * len(points) / len(sample)
        info.update(sample_points=len(sample), sample_seconds=probe,
                    predicted_seconds=predicted, limit_seconds=cv2_limit_seconds())
        if predicted > cv2_limit_seconds():
            target = sample
            info.update(estimated=True, time_scale=len(points) / len(sample))
            # pytest-benchmark's table shows the subsample's own, unscaled times.
            benchmark.name += f" [1/{CV2_SAMPLE_STEP} subsample, unscaled]"
    else:
        run(strided_sample(points, WARMUP_STEP), k)

    compactness, labels, centers = benchmark.pedantic(
        run, args=(target, k), rounds=n_rounds, iterations=1
    )
    assert centers.shape == (k, points.shape[1]) and labels.shape == (len(target),)
    # For an estimate this is the subsample's compactness, not comparable with the others.
    info["compactness"] = compactness
    record_timing(benchmark, section, f"K={k}", contender,
                  extra={"compactness": compactness, "estimated": info["estimated"]},
                  scale=info["time_scale"])


def benchmark_given(benchmark, record_timing, section: str, points: np.ndarray,
                    centers: np.ndarray, contender: str, n_rounds: int) -> None:
    """Time ``contender`` from the given ``centers`` (one untimed warm-up call on a
    strided slice first), in the group ``section K=k``."""
    run = GIVEN_CONTENDERS[contender]
    k = len(centers)
    benchmark.group = f"{section} K={k}"
    benchmark.extra_info.update(k=k, n_points=len(points), n_dims=points.shape[1],
                                threads=THREADS, estimated=False, time_scale=1.0)
    run(strided_sample(points, WARMUP_STEP), centers)
    compactness, labels, result = benchmark.pedantic(run, args=(points, centers),
                                                     rounds=n_rounds, iterations=1)
    assert result.shape == centers.shape and labels.shape == (len(points),)
    benchmark.extra_info["compactness"] = compactness
    record_timing(benchmark, section, f"K={k}", contender,
                  extra={"compactness": compactness, "estimated": False})


# --- environment -------------------------------------------------------------------

#: Environment variables that change which BLAS kernel OpenBLAS runs (see README).
OPENBLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def cpu_model() -> str:
    """The processor's model name from /proc/cpuinfo ("unknown" elsewhere)."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def _version(module: str):
    try:
        return __import__(module).__version__
    except ImportError:
        return None


def environment_info() -> dict:
    """Machine, library versions and thread pools as this process sees them now.

    Read after the benchmarks ran: numba picks its threading layer at the first
    parallel launch, and threadpoolctl only lists the BLAS and OpenMP libraries that
    are loaded (its ``architecture`` field is the kernel OpenBLAS chose).
    """
    import platform

    import numba

    try:
        layer = numba.threading_layer()
    except ValueError:  # no parallel kernel ran in this process
        layer = "not started"
    info = {
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {name: _version(name) for name in
                     ("numpy", "numba", "cv2", "sklearn", "faiss", "threadpoolctl")},
        "numba_threading_layer": layer,
        "numba_threads": numba.get_num_threads(),
        "openblas_environment": {name: os.environ.get(name) for name in OPENBLAS_VARIABLES},
        "bench_threads": THREADS,
    }
    try:
        import cv2
        info["cv2_threads"] = cv2.getNumThreads()
    except ImportError:
        pass
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        info["threadpools"] = []
    else:
        keys = ("user_api", "internal_api", "prefix", "version", "architecture",
                "threading_layer", "num_threads")
        info["threadpools"] = [
            {**{key: pool.get(key) for key in keys},
             "library": "/".join(Path(pool["filepath"]).parts[-2:])}
            for pool in threadpool_info()
        ]
    return info


# --- memory child ------------------------------------------------------------------


def _status_kib(field: str) -> int:
    """A ``/proc/self/status`` field in KiB (Linux), e.g. VmRSS or VmHWM."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def measure_peak_rss(contender: str, points_path: str, k: int, seed: int) -> dict:
    """Import ``contender``, load the points, run it once; return the RSS in bytes.

    Meant to run in a fresh process: ``peak_rss`` is the process's high-water mark
    (VmHWM) from start to the end of the call, interpreter and imports included;
    ``rss_after_import`` and ``rss_before_call`` (points loaded) show what the
    interpreter with the contender's library and the input account for.
    """
    run = CONTENDERS[contender]
    __import__(MODULES[contender])
    rss_after_import = _status_kib("VmRSS") * 1024
    points = np.load(points_path)
    rss_before_call = _status_kib("VmRSS") * 1024
    start = time.perf_counter()
    compactness, _, _ = run(points, k, seed)
    seconds = time.perf_counter() - start
    return {
        "contender": contender,
        "k": k,
        "input_bytes": int(points.nbytes),
        "rss_after_import": rss_after_import,
        "rss_before_call": rss_before_call,
        "peak_rss": _status_kib("VmHWM") * 1024,
        "seconds": seconds,
        "compactness": compactness,
    }


def main(argv=None) -> None:
    """Child of the memory benchmark: print :func:`measure_peak_rss` as one JSON line."""
    parser = argparse.ArgumentParser(description="peak RSS of one k-means call")
    parser.add_argument("contender", choices=sorted(CONTENDERS))
    parser.add_argument("points", help=".npy file of float32 (N, D) points")
    parser.add_argument("--k", type=int, default=MEMORY_K)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    print(json.dumps(measure_peak_rss(args.contender, args.points, args.k, args.seed)))


if __name__ == "__main__":
    sys.exit(main())

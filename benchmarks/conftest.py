"""Shared fixtures and the end-of-run summary of the fastquant benchmarks.

The benchmarks time fastquant and its competitors (OpenCV's ``cv2.kmeans``; on W2 and
W3 also scikit-learn and faiss) in the same process, so all see the same machine load.
Each test hands its timings to :func:`record_timing`; at the end of the session
:func:`pytest_terminal_summary` prints the ratios ``competitor time / fastquant time``
for every workload, the whole-process start-up times and the peak memory, below
pytest-benchmark's own tables. :func:`pytest_benchmark_update_machine_info` adds the
library versions and thread pools to ``--benchmark-json`` (read by ``report.py``).
"""

from pathlib import Path
from typing import Dict, Tuple

import imageio.v3 as iio
import numpy as np
import pytest

import fastquant
from workloads import (
    PEERS, W4_BLOBS, W4_K, W4_SHAPE, environment_info, gaussian_blobs, initial_centers,
    upscaled_messi,
)

#: Repository root and the photo of the OpenCV k-means tutorial shipped with fastquant.
REPO_ROOT = Path(__file__).resolve().parent.parent
MESSI_PATH = REPO_ROOT / "fastquant" / "data" / "messi.jpg"

#: ``config.stash`` key of the timings recorded during the session:
#: ``{(section, case): {contender: (min_seconds, median_seconds, extra)}}``.
_TIMINGS = pytest.StashKey[Dict[Tuple[str, str], Dict[str, tuple]]]()


def load_messi() -> np.ndarray:
    """The pixels of messi.jpg as an (N, 3) float32 array, read with imageio.v3."""
    image = iio.imread(MESSI_PATH)
    return np.ascontiguousarray(image.reshape(-1, image.shape[-1]), dtype=np.float32)


def warm_fastquant_kernels(points: np.ndarray) -> None:
    """Compile (or load from the on-disk cache) every kernel fastquant runs on ``points``.

    numba compiles one specialisation per argument type on the first call, so a call
    on a small slice of the same float32 points reaches every kernel with the types a
    timed call uses. Both initialisations are run, plus a degenerate case (two distinct
    points, more clusters than they fill) that goes through the empty-cluster repair.
    The calling thread's generator is left in an arbitrary state: reseed before timing.
    """
    sample = np.ascontiguousarray(points[:4096], dtype=np.float32)
    criteria = (fastquant.TERM_CRITERIA_EPS + fastquant.TERM_CRITERIA_MAX_ITER, 10, 1.0)
    for flags in (fastquant.KMEANS_RANDOM_CENTERS, fastquant.KMEANS_PP_CENTERS):
        fastquant.kmeans(sample, 8, None, criteria, 2, flags)
    n_features = sample.shape[1]
    two_values = np.repeat(np.array([[0.0], [255.0]], dtype=np.float32), 32, axis=0)
    degenerate = np.ascontiguousarray(np.tile(two_values, (1, n_features)))
    fastquant.kmeans(degenerate, 6, None, criteria, 3, fastquant.KMEANS_RANDOM_CENTERS)


@pytest.fixture(scope="session")
def messi_points() -> np.ndarray:
    """messi.jpg as (N, 3) float32 points (writable: fastquant copies read-only input)."""
    return load_messi()


@pytest.fixture(scope="session")
def warm_libraries(messi_points) -> None:
    """Warm fastquant's kernels and OpenCV's thread pool once per session.

    Keeps numba's compilation (or cache loading) and OpenCV's first-call set-up out of
    every timed round.
    """
    import cv2

    warm_fastquant_kernels(messi_points)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 10, 1.0)
    cv2.kmeans(np.asarray(messi_points[:4096]), 8, None, criteria, 1, cv2.KMEANS_RANDOM_CENTERS)


@pytest.fixture(scope="session")
def w2_points() -> np.ndarray:
    """W2: messi.jpg upscaled 6x (bicubic), (N, 3) float32, about 11 million points."""
    return upscaled_messi()


@pytest.fixture(scope="session")
def blob_points() -> np.ndarray:
    """W3: 1,000,000 float32 Gaussian-blob points in 16 dimensions."""
    return gaussian_blobs()


@pytest.fixture(scope="session")
def w4_points() -> np.ndarray:
    """W4: 1,000,000 float32 Gaussian-blob points in 128 dimensions (256 blobs)."""
    return gaussian_blobs(W4_SHAPE, W4_BLOBS)


@pytest.fixture(scope="session")
def w4_centers(w4_points) -> np.ndarray:
    """W4's given initial centers: 256 of its points."""
    return initial_centers(w4_points, W4_K)


@pytest.fixture
def record_timing(request):
    """A function ``record(benchmark, section, case, contender, extra=None, scale=1.0)``.

    Files the min and median of a finished ``benchmark``, multiplied by ``scale``
    (for times estimated from a subsample), for the end-of-run summary, and writes
    ``section``, ``case`` and ``contender`` into its ``extra_info`` as ``workload``,
    ``case`` and ``contender`` (``report.py`` reads them from the JSON). ``section`` is
    "W1" (printed as cv2/fastquant ratios per case), "W2", "W3", "W4", "W2 given" or
    "seeding" (ratios against
    cv2 and the faster peer; ``extra`` is a dict with "compactness" and "estimated"),
    "startup" (plain times) or "memory" (``extra`` is the child's measurement).
    Nothing is filed when benchmarking is disabled.
    """
    timings = request.config.stash.setdefault(_TIMINGS, {})

    def record(benchmark, section, case, contender, extra=None, scale=1.0):
        benchmark.extra_info.update(workload=section, case=case, contender=contender)
        if isinstance(extra, dict):  # e.g. start-up's CPU seconds, for report.py
            for key, value in extra.items():
                benchmark.extra_info.setdefault(key, value)
        stats = benchmark.stats
        if not stats:  # --benchmark-disable / --benchmark-skip: no timings exist
            return
        timings.setdefault((section, case), {})[contender] = (
            stats["min"] * scale, stats["median"] * scale, extra,
        )

    return record


def _ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:8.2f}x" if denominator > 0 else "     n/a"


def _thread_info() -> str:
    """Threads each library used (read after the runs: numba's layer is chosen lazily)."""
    import numba

    try:
        layer = numba.threading_layer()
    except ValueError:  # no parallel kernel ran in this process
        layer = "not started"
    info = f"numba: {numba.get_num_threads()} threads, layer {layer}"
    try:
        import cv2
    except ImportError:
        return info
    return f"{info}; cv2: {cv2.getNumThreads()} threads"


def _w1_lines(rows) -> list:
    header = (
        f"{'case':<8}{'cv2 min':>11}{'fq min':>11}{'ratio(min)':>12}"
        f"{'cv2 med':>11}{'fq med':>11}{'ratio(med)':>12}   compactness cv2 / fastquant"
    )
    lines = [_thread_info(), header]
    for case, contenders in rows:
        if not {"cv2", "fastquant"} <= contenders.keys():
            lines.append(f"{case:<8}(only {', '.join(sorted(contenders))} ran: no ratio)")
            continue
        cv_min, cv_med, cv_compact = contenders["cv2"]
        fq_min, fq_med, fq_compact = contenders["fastquant"]
        lines.append(
            f"{case:<8}{cv_min:10.3f}s{fq_min:10.3f}s{_ratio(cv_min, fq_min):>12}"
            f"{cv_med:10.3f}s{fq_med:10.3f}s{_ratio(cv_med, fq_med):>12}"
            f"   {cv_compact:.6g} / {fq_compact:.6g}"
        )
    return lines


def _startup_lines(rows) -> list:
    """Wall times (min, median) and the least CPU time of a round (``extra["cpu"]``, when
    recorded), then fastquant minus the numba floor of the same case (test_startup.py)."""
    def cpu(extra):
        return extra["cpu"] if extra and "cpu" in extra else float("nan")

    entries = [
        (f"{contender}: {case}", t_min, t_med, cpu(extra))
        for case, contenders in rows
        for contender, (t_min, t_med, extra) in sorted(contenders.items())
    ]
    entries += [
        (f"fastquant - numba floor: {case}", contenders["fastquant"][0] - floor[0],
         contenders["fastquant"][1] - floor[1], cpu(contenders["fastquant"][2]) - cpu(floor[2]))
        for case, contenders in rows
        for name, floor in contenders.items()
        if name.startswith("numba") and "fastquant" in contenders
    ]
    width = max(len(entry[0]) for entry in entries) + 2
    lines = [f"{'command':<{width}}{'min':>10}{'median':>10}{'cpu min':>10}"]
    for label, t_min, t_med, t_cpu in entries:
        lines.append(f"{label:<{width}}{t_min:9.3f}s{t_med:9.3f}s{t_cpu:9.3f}s")
    return lines


def _seconds(value: float, estimated: bool = False) -> str:
    return f"{value:9.3f}s" + ("*" if estimated else " ")


def _peers_lines(rows) -> list:
    """W2/W3: min times per contender, then cv2/fastquant and best-peer/fastquant."""
    names = ("fastquant", "cv2") + PEERS
    header = (f"{'case':<8}" + "".join(f"{name:>11}" for name in names)
              + f"{'cv2/fq min':>12}{'med':>9}{'peer/fq min':>13}{'med':>9}  faster peer")
    lines = [_thread_info(), "times: min of the rounds; * estimated from a subsample", header]
    notes = []
    for case, contenders in rows:
        cells = "".join(
            _seconds(contenders[name][0], contenders[name][2]["estimated"])
            if name in contenders else f"{'-':>10} "
            for name in names
        )
        ratios = ""
        if "fastquant" in contenders:
            fq_min, fq_med, _ = contenders["fastquant"]
            if "cv2" in contenders:
                cv_min, cv_med, _ = contenders["cv2"]
                ratios += f"{_ratio(cv_min, fq_min):>12}{_ratio(cv_med, fq_med):>9}"
            else:
                ratios += f"{'-':>12}{'-':>9}"
            ran = [peer for peer in PEERS if peer in contenders]
            if ran:
                best = min(ran, key=lambda peer: contenders[peer][0])
                best_med = min(contenders[peer][1] for peer in ran)
                ratios += (f"{_ratio(contenders[best][0], fq_min):>13}"
                           f"{_ratio(best_med, fq_med):>9}  {best}")
                if len(ran) < len(PEERS):
                    ratios += " (only peer run)"
        lines.append(f"{case:<8}{cells}{ratios}")
        notes.append(f"{case:<8}" + "  ".join(
            f"{name} {contenders[name][2]['compactness']:.6g}"
            + (" (of the subsample)" if contenders[name][2]["estimated"] else "")
            for name in names if name in contenders))
    return lines + ["compactness:"] + notes


def _memory_lines(rows) -> list:
    """Peak RSS of one fresh process per contender against the float32 input size."""
    mib = 1024.0 * 1024.0
    lines = [f"{'case':<10}{'contender':<11}{'after import':>13}{'input loaded':>13}"
             f"{'peak':>10}{'input':>10}{'peak/input':>12}"]
    for case, contenders in rows:
        for contender, (_, _, child) in contenders.items():
            lines.append(
                f"{case:<10}{contender:<11}{child['rss_after_import'] / mib:10.0f}MiB"
                f"{child['rss_before_call'] / mib:10.0f}MiB{child['peak_rss'] / mib:7.0f}MiB"
                f"{child['input_bytes'] / mib:7.0f}MiB"
                f"{child['peak_rss'] / child['input_bytes']:11.2f}x"
            )
    return lines


def _dask_lines(rows) -> list:
    """fastquant.dask against dask-ml: times, ratio and the workers' memory."""
    mib = 1024.0 * 1024.0
    lines = [f"{'case':<15}{'contender':<11}{'min':>9}{'median':>9}{'dask-ml/fq':>12}"
             f"{'worker start':>14}{'worker peak':>13}{'input':>10}"]
    for case, contenders in rows:
        fq_min = contenders["fastquant"][0] if "fastquant" in contenders else None
        for contender, (t_min, t_med, memory) in sorted(contenders.items()):
            ratio = (_ratio(t_min, fq_min) if contender == "dask-ml" and fq_min else "")
            lines.append(
                f"{case:<15}{contender:<11}{t_min:8.2f}s{t_med:8.2f}s{ratio:>12}"
                f"{memory['start'] / mib:11.0f}MiB{memory['peak'] / mib:10.0f}MiB"
                f"{memory['input'] / mib:7.0f}MiB"
            )
    return lines


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter, config):
    """Print the ratios, start-up times and memory after pytest-benchmark's tables."""
    timings = config.stash.get(_TIMINGS, {})
    sections = {
        "W1": ("W1 tutorial (messi.jpg, 10 attempts, random centers): cv2 time / fastquant time",
               _w1_lines),
        "W2": ("W2 large photo (messi.jpg x6 bicubic, k-means++, 10 passes): time / fastquant time",
               _peers_lines),
        "W3": ("W3 Gaussian blobs (1M x 16, K=64, k-means++, 10 passes): time / fastquant time",
               _peers_lines),
        "W4": ("W4 embeddings (1M x 128 blobs, K=256, given centers, 10 passes): "
               "time / fastquant time", _peers_lines),
        "W2 given": ("W2 from given centers (the Lloyd passes alone): time / fastquant time",
                     _peers_lines),
        "seeding": ("k-means++ seeding alone (W3's points, 3 candidates per center)",
                    _peers_lines),
        "startup": ("Whole-process start-up times (python -c / python -m fastquant)",
                    _startup_lines),
        "memory": ("Peak RSS of one fresh process per contender (VmHWM)", _memory_lines),
        "dask": ("fastquant.dask against dask-ml on a 2-worker LocalCluster (10 passes)",
                 _dask_lines),
    }
    for section, (title, format_rows) in sections.items():
        rows = [(case, contenders) for (sec, case), contenders in timings.items() if sec == section]
        if not rows:
            continue
        terminalreporter.write_sep("-", title)
        for line in format_rows(rows):
            terminalreporter.write_line(line)


def pytest_benchmark_update_machine_info(config, machine_info):
    """Add the library versions, thread pools and OpenBLAS settings to the JSON output."""
    machine_info["fastquant_bench"] = environment_info()

"""``fastquant bench``: fastquant against the k-means libraries installed here, on your
data or on a named workload, in one process.

Every contender runs the same job: k-means++, one attempt and PASSES assignment passes
(faiss, which has no k-means++, starts from random points), or, with given centers,
PASSES passes from the same centers; W1 runs the OpenCV tutorial's call (cv2 and
fastquant only). Each contender is called once untimed on a slice of the points
(compilation, thread pools), then timed ``rounds`` times; the table gives the fastest
round. The compactness column is computed the same way for everyone: the sum of
squared distances from each point to its nearest returned center.
"""

import argparse
import importlib
import sys
import time
from typing import Callable, Dict, List, Optional, Sequence, TextIO, Tuple

import numpy as np

from . import kernels
from ._bench_data import PASSES, SEED, Workload, named_workload, user_workload
from ._execution import launch
from .kernels._tunables import WARMUP_STEP

#: Each contender: the module it needs and the function that runs it.
_MODULES = {"fastquant": "fastquant", "cv2": "cv2", "sklearn": "sklearn.cluster",
            "faiss": "faiss"}


def _cv2_style(library, workload: Workload, points, k: int) -> np.ndarray:
    library.setRNGSeed(SEED)
    if workload.tutorial:
        criteria = (library.TERM_CRITERIA_EPS + library.TERM_CRITERIA_MAX_ITER, 10, 1.0)
        return library.kmeans(points, k, None, criteria, 10, library.KMEANS_RANDOM_CENTERS)[2]
    criteria = (library.TERM_CRITERIA_COUNT, PASSES + 1, 0)  # cv2 counts the seeding
    return library.kmeans(points, k, None, criteria, 1, library.KMEANS_PP_CENTERS)[2]


def _run_fastquant(workload: Workload, points, k: int) -> np.ndarray:
    import fastquant

    if workload.given_centers:
        model = fastquant.KMeans(k, init=workload.initial_centers(k), n_init=1,
                                 max_iter=PASSES, tol=0.0)
        return model.fit(points).cluster_centers_
    return _cv2_style(fastquant, workload, points, k)


def _run_cv2(workload: Workload, points, k: int) -> Optional[np.ndarray]:
    import cv2

    if workload.given_centers:
        return None  # cv2.kmeans takes initial labels, not centers
    return _cv2_style(cv2, workload, points, k)


def _run_sklearn(workload: Workload, points, k: int) -> Optional[np.ndarray]:
    from sklearn.cluster import KMeans

    if workload.tutorial:
        return None
    init = workload.initial_centers(k) if workload.given_centers else "k-means++"
    model = KMeans(n_clusters=k, algorithm="lloyd", n_init=1, tol=0, max_iter=PASSES,
                   init=init, random_state=SEED)
    return model.fit(points).cluster_centers_


def _run_faiss(workload: Workload, points, k: int) -> Optional[np.ndarray]:
    import faiss

    if workload.tutorial:
        return None
    n, d = points.shape
    model = faiss.Kmeans(d, k, niter=PASSES, max_points_per_centroid=n, seed=SEED,
                         verbose=False)
    init = workload.initial_centers(k) if workload.given_centers else None
    model.train(points, init_centroids=init)
    return model.centroids


RUNNERS: Dict[str, Callable[[Workload, np.ndarray, int], Optional[np.ndarray]]] = {
    "fastquant": _run_fastquant, "cv2": _run_cv2, "sklearn": _run_sklearn, "faiss": _run_faiss,
}


def available(names: Sequence[str]) -> List[str]:
    """The contenders of ``names`` whose library imports here."""
    found = []
    for name in names:
        try:
            importlib.import_module(_MODULES[name])
        except ImportError:
            continue
        found.append(name)
    return found


def compactness(points: np.ndarray, centers: np.ndarray) -> float:
    """Sum of squared distances from each point to its nearest center (float64 sum
    of fastquant's float32 distances)."""
    centers = np.ascontiguousarray(centers, dtype=np.float32)
    labels = np.empty(len(points), dtype=np.int32)
    distances = np.empty(len(points), dtype=np.float32)
    launch(kernels.assign, points, centers, labels, distances, work=points.size * len(centers))
    return float(np.sum(distances, dtype=np.float64))


class Progress:
    """A one-line progress bar on ``stream`` (plain lines when it is not a terminal)."""

    def __init__(self, total: int, stream: TextIO):
        self.total, self.done, self.stream = total, 0, stream
        self.tty = hasattr(stream, "isatty") and stream.isatty()

    def step(self, what: str):
        self.done += 1
        filled = 30 * self.done // self.total
        line = f"[{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total} {what}"
        self.stream.write(f"\r{line:<79}" if self.tty else line + "\n")
        self.stream.flush()

    def close(self):
        if self.tty:
            self.stream.write("\n")


Row = Tuple[int, str, float, float]  # (k, contender, best seconds, compactness)


def run(workload: Workload, contenders: Sequence[str], rounds: int,
        stream: TextIO = sys.stderr) -> List[Row]:
    """Time every contender on every K of ``workload``; one row per (K, contender)
    that can run it, fastquant first."""
    warm = np.ascontiguousarray(workload.points[::WARMUP_STEP])
    jobs = [(k, name) for k in workload.ks for name in contenders]
    progress = Progress(len(jobs) * (rounds + 1), stream)
    rows = []
    for k, name in jobs:
        if k > len(warm):
            raise ValueError(f"K = {k} is more than the {len(warm)} points of the warm-up slice")
        runner = RUNNERS[name]
        progress.step(f"{name} K={k} warm-up")
        if runner(workload, warm, k) is None:
            progress.done += rounds
            continue
        best, centers = np.inf, None
        for round_ in range(rounds):
            start = time.perf_counter()
            centers = runner(workload, workload.points, k)
            best = min(best, time.perf_counter() - start)
            progress.step(f"{name} K={k} round {round_ + 1}")
        rows.append((k, name, best, compactness(workload.points, centers)))
    progress.close()
    return rows


def table(rows: Sequence[Row]) -> str:
    """The rows as a text table: time, speed ratio (contender's time / fastquant's)
    and compactness relative to fastquant's."""
    own = {k: (seconds, value) for k, name, seconds, value in rows if name == "fastquant"}
    lines = [f"{'K':>5}  {'contender':<10} {'time (s)':>10} {'/ fastquant':>12} {'compactness':>14} {'/ fastquant':>12}"]
    for k, name, seconds, value in rows:
        base = own.get(k)
        speed = f"{seconds / base[0]:.2f}x" if base else "-"
        quality = f"{value / base[1]:.4f}" if base and base[1] > 0 else "-"
        lines.append(f"{k:>5}  {name:<10} {seconds:>10.3f} {speed:>12} {value:>14.6g} {quality:>12}")
    return "\n".join(lines)


def plot(rows: Sequence[Row], title: str, path: str) -> None:
    """A bar chart of the times per K and contender, written to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ks = sorted({row[0] for row in rows})
    names = list(dict.fromkeys(row[1] for row in rows))
    width = 0.8 / len(names)
    figure, axes = plt.subplots(figsize=(max(4, 1.6 * len(ks) * len(names)), 3.5))
    for index, name in enumerate(names):
        times = {k: s for k, n, s, _ in rows if n == name}
        axes.bar([i + index * width for i in range(len(ks)) if ks[i] in times],
                 [times[k] for k in ks if k in times], width, label=name)
    axes.set_xticks([i + width * (len(names) - 1) / 2 for i in range(len(ks))])
    axes.set_xticklabels([f"K = {k}" for k in ks])
    axes.set_ylabel("seconds (best round)")
    axes.set_title(title)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def parser(prog: str = "fastquant bench") -> argparse.ArgumentParser:
    from ._cli_args import Parser

    bench = Parser(prog=prog, description=__doc__.split("\n\n")[0].replace("``", ""))
    source = bench.add_mutually_exclusive_group()
    source.add_argument("--workload", default=None, help="W1, W2, W3 or W4 (default W3)")
    source.add_argument("--data", help="your points: an (N, D) .npy file, or an image")
    bench.add_argument("-k", type=int, action="append", help="cluster count (repeat for more)")
    bench.add_argument("--given-centers", action="store_true",
                       help="with --data: start every contender from the same centers")
    bench.add_argument("--contenders", default="fastquant,cv2,sklearn,faiss",
                       help="comma-separated (those not installed are skipped)")
    bench.add_argument("--rounds", type=int, default=3, help="timed rounds (default 3)")
    bench.add_argument("--plot", help="write a bar chart of the times (needs matplotlib)")
    return bench


def main(argv: Sequence[str], prog: str = "fastquant bench") -> int:
    """Run ``fastquant bench``; return the exit status (2 for usage errors)."""
    command = parser(prog)
    args = command.parse_args(list(argv))
    names = [n.strip() for n in args.contenders.split(",") if n.strip()]
    unknown = [n for n in names if n not in RUNNERS]
    if unknown or "fastquant" not in names:
        command.error(f"--contenders must include fastquant and name only {', '.join(RUNNERS)}")
    if args.rounds < 1 or any(k < 1 for k in args.k or ()):
        command.error("--rounds and -k must be at least 1")
    if args.given_centers and not args.data:
        command.error("--given-centers goes with --data (W4 always gives centers)")
    if args.plot:
        try:
            importlib.import_module("matplotlib")
        except ImportError:
            command.error("--plot needs matplotlib (pip install matplotlib)")
    try:
        if args.data:
            if not args.k:
                command.error("-k is required with --data")
            workload = user_workload(args.data, tuple(args.k), args.given_centers)
        else:
            workload = named_workload(args.workload or "W3", tuple(args.k) if args.k else None)
    except (OSError, ValueError) as exc:
        command.error(str(exc))
    contenders = available(names)
    print(f"{workload.name}: {len(workload.points):,} points of dimension "
          f"{workload.points.shape[1]}; contenders: {', '.join(contenders)}")
    rows = run(workload, contenders, args.rounds)
    print(table(rows))
    if args.plot:
        plot(rows, f"{workload.name}: k-means, best of {args.rounds}", args.plot)
        print(f"plot written to {args.plot}")
    return 0

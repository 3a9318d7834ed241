"""Run the benchmark suite and regenerate docs/performance.md and docs/performance.png.

One command, from the repository root:

    python benchmarks/report.py [--quick] [--json OUT.json] [--from-json IN.json] [-k EXPR]

It runs ``pytest benchmarks/ --benchmark-only --benchmark-json=<temporary file>`` in a
child process (so the timings are those of the benchmark modules, nothing is timed
twice), then reads the JSON and writes

* ``docs/performance.md``: the machine, the library versions and thread pools, every
  ratio against its target marked met / missed, and the times behind them;
* ``docs/performance.png``: the same ratios against their targets, linked from the page.

``--quick`` sets ``FASTQUANT_BENCH_QUICK=1`` and ``FASTQUANT_BENCH_ROUNDS=1`` for the
run: one round of everything, W2 at K = 16 and 64 only, and cv2 estimated from a
subsample beyond 15 s per call instead of 60 s. ``--from-json`` rebuilds the page from
a JSON file kept earlier with ``--json``, without running anything.

OpenBLAS: on some processors this workplace sets ``OPENBLAS_CORETYPE`` (and
``OPENBLAS_L2_SIZE``), which pins OpenBLAS to an older, slower kernel. scikit-learn and
faiss multiply matrices with OpenBLAS, so the benchmark child runs with both variables
removed together; the page records what they were and, from threadpoolctl inside the
benchmark process, which kernel each OpenBLAS then chose. Tests and CI are untouched.

Ratios are ``competitor time / fastquant time`` from the fastest round of each
(``min``, the reading least disturbed by other load; the ratio of the medians is
shown beside it). Start-up targets are judged on the median time of a round.
"""

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Tuple

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

from workloads import (CV2_SAMPLE_STEP, DASK_KS, MEMORY_K, OPENBLAS_VARIABLES,  # noqa: E402
                       PEERS, SEEDING_K, W2_GIVEN_K, W2_KS, W3_K, W4_K, cpu_model)

DOCS_DIR = REPO_ROOT / "docs"
#: The cluster counts of W1 that have a target (those of test_w1_tutorial.py).
W1_KS = (2, 8, 25, 100)
#: The start-up cases (as test_startup.py records them) that have a target: the README's
#: first command on an empty cache, and the warm one-shot process against the numba
#: floor (one trivial cached function), with and without scipy.
STARTUP_COLD_EXAMPLE = "python -m fastquant --example -k 8, empty cache"
STARTUP_WARM = ("one-shot kmeans, warm cache", "one-shot kmeans, warm cache, no scipy")
STARTUP_FLOOR = "numba (one cached function)"


# --- running ---------------------------------------------------------------------


def benchmark_environment(quick: bool) -> Tuple[dict, Dict[str, Optional[str]]]:
    """The benchmark child's environment and the OpenBLAS variables it was spared."""
    env = dict(os.environ)
    removed = {name: env.pop(name, None) for name in OPENBLAS_VARIABLES}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO_ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    )
    if quick:
        env["FASTQUANT_BENCH_QUICK"] = "1"
        env["FASTQUANT_BENCH_ROUNDS"] = "1"
    return env, removed


def machine_cpu_seconds() -> Optional[float]:
    """CPU time all processes of the machine have spent busy since boot (Linux)."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    """User + system CPU time of this process's finished children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_suite(json_path: Path, quick: bool, select: Optional[str] = None
              ) -> Tuple[int, Dict[str, Optional[str]], dict]:
    """Run every benchmark, writing pytest-benchmark's JSON to ``json_path``.

    pytest's output goes to this terminal. Returns pytest's exit code, the OpenBLAS
    variables removed from its environment and the run's wall-clock seconds with the
    CPU seconds that other processes of the machine took meanwhile (the machine's
    busy time less the benchmark processes' own: a measure of disturbance).
    """
    env, removed = benchmark_environment(quick)
    command = [sys.executable, "-m", "pytest", str(BENCH_DIR), "--benchmark-only",
               f"--benchmark-json={json_path}", "-p", "no:cacheprovider", "-q"]
    if select:
        command += ["-k", select]
    print("+", " ".join(command), flush=True)
    machine_before, own_before = machine_cpu_seconds(), children_cpu_seconds()
    start = time.perf_counter()
    returncode = subprocess.run(command, cwd=REPO_ROOT, env=env).returncode
    wall = time.perf_counter() - start
    machine_after, own_after = machine_cpu_seconds(), children_cpu_seconds()
    others = None
    if machine_before is not None and machine_after is not None:
        others = max(0.0, (machine_after - machine_before) - (own_after - own_before))
    return returncode, removed, {"run_seconds": wall, "other_cpu_seconds": others}


# --- reading ---------------------------------------------------------------------


class Timing(NamedTuple):
    """One contender's result in one case, times already scaled when estimated."""

    min: float
    median: float
    rounds: int
    estimated: bool
    info: dict


def read_results(data: dict) -> Dict[Tuple[str, str], Dict[str, Timing]]:
    """``{(workload, case): {contender: Timing}}`` from pytest-benchmark's JSON.

    The workload ("W1", "W2", "W3", "startup", "memory"), case and contender are the
    ``extra_info`` that conftest's ``record_timing`` wrote; benchmarks without them
    (run but not recorded) are left out.
    """
    results: Dict[Tuple[str, str], Dict[str, Timing]] = {}
    for bench in data["benchmarks"]:
        info = bench.get("extra_info", {})
        stats = bench["stats"]
        if not {"workload", "case", "contender"} <= info.keys():
            continue
        workload, case, contender = info["workload"], info["case"], info["contender"]
        scale = float(info.get("time_scale", 1.0))
        results.setdefault((workload, case), {})[contender] = Timing(
            stats["min"] * scale, stats["median"] * scale, stats["rounds"],
            bool(info.get("estimated", False)), info,
        )
    return results


class Row(NamedTuple):
    """One target of the table."""

    workload: str
    case: str
    measure: str
    value: Optional[float]  # None: not run
    value_median: Optional[float]
    target: float
    at_least: bool  # True: value >= target is met; False: value <= target
    unit: str  # "x" (a ratio or multiple) or "s"
    note: str
    estimated: bool = False  # the value rests on an estimated cv2 time

    @property
    def status(self) -> str:
        if self.value is None:
            return "not run"
        met = self.value >= self.target if self.at_least else self.value <= self.target
        return "met" if met else "missed"

    def format(self, value: Optional[float]) -> str:
        if value is None:
            return "-"
        return f"{value:.2f}{self.unit}" if self.unit == "x" else f"{value:.3f} s"

    @property
    def target_text(self) -> str:
        sign = ">=" if self.at_least else "<="
        return f"{sign} {self.target:g}{self.unit}" if self.unit == "x" else \
            f"{sign} {self.target:g} s"


def _speed_row(results, workload, case, rival: str, target: float) -> Row:
    """``rival`` time / fastquant time; ``rival`` is a contender ("cv2", "dask-ml") or
    "peer" (the faster of scikit-learn and faiss)."""
    contenders = results.get((workload, case), {})
    fq = contenders.get("fastquant")
    if rival != "peer":
        measure = f"{rival} / fastquant"
        other = contenders.get(rival)
        best_median = other.median if other else None
        note = (f"cv2 estimated from a 1/{CV2_SAMPLE_STEP} subsample"
                if other and other.estimated else "")
        if other and fq and "worker_peak_bytes" in other.info and "worker_peak_bytes" in fq.info:
            note = (f"worker peak {other.info['worker_peak_bytes'] / 2**20:.0f} MiB "
                    f"({rival}), {fq.info['worker_peak_bytes'] / 2**20:.0f} MiB (fastquant)")
    else:
        measure = "min(sklearn, faiss) / fastquant"
        ran = [peer for peer in PEERS if peer in contenders]
        other = min((contenders[peer] for peer in ran), key=lambda t: t.min, default=None)
        best_median = min((contenders[peer].median for peer in ran), default=None)
        note = ""
        if ran:
            faster = min(ran, key=lambda peer: contenders[peer].min)
            note = f"faster peer: {faster}"
            if len(ran) < len(PEERS):
                note += f" (only {', '.join(ran)} ran)"
    if fq is None or other is None:
        return Row(workload, case, measure, None, None, target, True, "x", "")
    return Row(workload, case, measure, other.min / fq.min, best_median / fq.median,
               target, True, "x", note, other.estimated)


def target_rows(results) -> List[Row]:
    """Every target of the brief, in order, with its measured value (or not run)."""
    rows = [_speed_row(results, "W1", f"K={k}", "cv2", 20.0) for k in W1_KS]
    for k in W2_KS:
        rows.append(_speed_row(results, "W2", f"K={k}", "cv2", 30.0))
        rows.append(_speed_row(results, "W2", f"K={k}", "peer", 10.0))
    rows.append(_speed_row(results, "W3", f"K={W3_K}", "cv2", 3.0))
    rows.append(_speed_row(results, "W3", f"K={W3_K}", "faiss", 2.0))
    rows.append(_speed_row(results, "W3", f"K={W3_K}", "sklearn", 5.0))
    rows.append(_speed_row(results, "W4", f"K={W4_K}", "faiss", 1.0))
    rows.append(_speed_row(results, "W4", f"K={W4_K}", "sklearn", 3.0))
    rows.append(_speed_row(results, "W2 given", f"K={W2_GIVEN_K}", "faiss", 10.0))
    rows.append(_speed_row(results, "seeding", f"K={SEEDING_K}", "sklearn", 3.0))
    for k in DASK_KS:
        rows.append(_speed_row(results, "dask", f"W2 K={k}", "dask-ml", 5.0))

    cold = results.get(("startup", STARTUP_COLD_EXAMPLE), {}).get("fastquant")
    rows.append(Row("start-up", "README command, empty cache",
                    "python -m fastquant --example -k 8 (median)",
                    cold.median if cold else None, cold.median if cold else None, 5.0, False,
                    "s", f"min {cold.min:.3f} s" if cold else ""))
    for case in STARTUP_WARM:
        contenders = results.get(("startup", case), {})
        fq, floor = contenders.get("fastquant"), contenders.get(STARTUP_FLOOR)
        excess = fq.median - floor.median if fq and floor else None
        note = ""
        if fq and floor:
            note = f"min {fq.min - floor.min:+.3f} s"
            if "cpu" in fq.info and "cpu" in floor.info:
                note += f", CPU {fq.info['cpu'] - floor.info['cpu']:+.3f} s"
        rows.append(Row("start-up", case.replace("one-shot kmeans, ", "one-shot, "),
                        "fastquant - numba floor (median)", excess, excess, 0.1, False,
                        "s", note))

    memory = results.get(("memory", f"W2 K={MEMORY_K}"), {}).get("fastquant")
    ratio = memory.info["peak_rss"] / memory.info["input_bytes"] if memory else None
    rows.append(Row("memory", f"W2 K={MEMORY_K}", "peak RSS / float32 input", ratio, ratio,
                    3.0, False, "x",
                    f"peak {memory.info['peak_rss'] / 2**20:.0f} MiB, input "
                    f"{memory.info['input_bytes'] / 2**20:.0f} MiB" if memory else ""))
    return rows


# --- writing ---------------------------------------------------------------------


def _table(header: List[str], lines: List[List[str]]) -> List[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    out += ["| " + " | ".join(cells) + " |" for cells in lines]
    return out


def _case_order(workload: str, case: str) -> Tuple[str, int]:
    """Sort "K=16" before "K=256"."""
    return workload, int(case[2:]) if case.startswith("K=") else 0


def _mib(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:.0f} MiB"


def _disturbance(meta: dict, cores: int) -> str:
    """A sentence on the CPU time other processes took during the run."""
    others = meta.get("other_cpu_seconds")
    if others is None:
        return "- Other processes during the run: unknown (no /proc/stat)."
    share = others / (meta["run_seconds"] * cores) if meta["run_seconds"] else 0.0
    text = (f"- Other processes took {others:.0f} CPU-seconds during the run, "
            f"{100 * share:.1f}% of the machine's {cores} cores")
    if share > 0.05:
        return text + ": **the machine was busy, the times are disturbed; run again.**"
    return text + "."


def machine_section(env_info: dict, removed: dict, meta: dict) -> List[str]:
    """Machine, versions, thread pools and the OpenBLAS handling, as markdown lines."""
    versions = env_info.get("versions", {})
    cores = env_info.get("cores") or os.cpu_count() or 1
    lines = [
        "## Machine and libraries",
        "",
        f"- CPU: {env_info.get('cpu_model', cpu_model())}, {cores} cores "
        f"({env_info.get('platform', '?')}), Python {env_info.get('python', '?')}",
        _disturbance(meta, cores),
        f"- numpy {versions.get('numpy')}, numba {versions.get('numba')} "
        f"(threading layer {env_info.get('numba_threading_layer')}, "
        f"{env_info.get('numba_threads')} threads), OpenCV {versions.get('cv2')} "
        f"({env_info.get('cv2_threads')} threads), scikit-learn {versions.get('sklearn')}, "
        f"faiss {versions.get('faiss')}, threadpoolctl {versions.get('threadpoolctl')}",
        f"- Threads: every contender uses all {env_info.get('bench_threads')} cores "
        "(numba and OpenCV by default, faiss through `faiss.omp_set_num_threads`, "
        "scikit-learn under `threadpoolctl.threadpool_limits`).",
    ]
    set_before = {name: value for name, value in removed.items() if value is not None}
    if set_before:
        described = ", ".join(f"`{name}={value}`" for name, value in set_before.items())
        lines.append(f"- OpenBLAS: the environment had {described}; the benchmark run "
                     f"had both `{'` and `'.join(OPENBLAS_VARIABLES)}` removed, so each "
                     "OpenBLAS chose its own kernel (below).")
    else:
        lines.append(f"- OpenBLAS: neither `{'` nor `'.join(OPENBLAS_VARIABLES)}` was set; "
                     "each OpenBLAS chose its own kernel (below).")
    seen = env_info.get("openblas_environment", {})
    if any(seen.values()):
        lines.append(f"  Inside the benchmark process they were still {seen}.")
    pools = env_info.get("threadpools", [])
    if pools:
        lines += ["", "Thread pools loaded in the benchmark process (threadpoolctl, after "
                  "the run; kernel: the one each OpenBLAS chose):", ""]
        lines += _table(
            ["library", "API", "version", "kernel", "threads"],
            [[f"`{p['library']}`", f"{p['user_api']} ({p['internal_api']})",
              str(p.get("version") or "-"), str(p.get("architecture") or "-"),
              str(p.get("num_threads"))] for p in pools],
        )
    return lines


def details_section(results) -> List[str]:
    """The times behind the ratios, per workload, and the memory measurements."""
    lines = ["## Times", "",
             "Seconds per call: min and median of the rounds. *est.*: cv2 timed on every "
             f"{CV2_SAMPLE_STEP}th point and scaled by N / n (k-means cost is linear in N). "
             "Where cv2 ran on all the points, the note gives what the subsample predicted, "
             "a check of the estimate.", ""]
    header = ["workload", "case", "contender", "min", "median", "rounds", "compactness", "note"]
    cells = []
    timed = [(key, contenders) for key, contenders in results.items()
             if key[0] in ("W1", "W2", "W3")]
    for (workload, case), contenders in sorted(timed, key=lambda item: _case_order(*item[0])):
        for name in ("fastquant", "cv2") + PEERS:
            t = contenders.get(name)
            if t is None:
                continue
            note = ""
            if t.estimated:
                note = (f"est.: {t.info['sample_points']:,} points timed, times x "
                        f"{t.info['time_scale']:.2f}; compactness of that subsample")
            if name == "cv2" and "predicted_seconds" in t.info and not t.estimated:
                note = f"subsample predicted {t.info['predicted_seconds']:.1f} s"
            compactness = t.info.get("compactness")
            cells.append([workload, case, name, f"{t.min:.3f}", f"{t.median:.3f}",
                          str(t.rounds), f"{compactness:.6g}" if compactness else "-", note])
    lines += _table(header, cells)

    startup = [(case, name, t) for (w, case), c in results.items() if w == "startup"
               for name, t in c.items()]
    if startup:
        lines += ["", "Whole-process start-up (`python -c` / `python -m fastquant`, from "
                  "exec to exit):", ""]
        lines += _table(["contender", "command", "min", "median", "rounds"],
                        [[name, case, f"{t.min:.3f} s", f"{t.median:.3f} s", str(t.rounds)]
                         for case, name, t in startup])

    memory = results.get(("memory", f"W2 K={MEMORY_K}"), {})
    if memory:
        lines += ["", f"### Memory, W2 K={MEMORY_K}", "",
                  "One fresh process per contender: imports its library, loads the float32 "
                  "points from a `.npy` file, runs the W2 call once. Peak is the process's "
                  "`VmHWM`, with nothing subtracted (interpreter, imports and input "
                  "included).", ""]
        lines += _table(
            ["contender", "after import", "input loaded", "peak", "float32 input",
             "peak / input", "call time (first in the process)"],
            [[name, _mib(t.info["rss_after_import"]), _mib(t.info["rss_before_call"]),
              _mib(t.info["peak_rss"]), _mib(t.info["input_bytes"]),
              f"{t.info['peak_rss'] / t.info['input_bytes']:.2f}x",
              f"{t.info['seconds']:.1f} s"] for name, t in memory.items()],
        )
    return lines


def write_markdown(path: Path, rows: List[Row], results, env_info: dict, removed: dict,
                   meta: dict) -> None:
    """Write docs/performance.md."""
    mode = "quick (`--quick`: one round, W2 at K = 16 and 64)" if meta["quick"] else "full"
    lines = [
        "# Performance",
        "",
        f"Generated by `python benchmarks/report.py{' --quick' if meta['quick'] else ''}` "
        f"on {meta['date']} ({mode}); the benchmark run took {meta['run_seconds'] / 60:.1f} "
        "min. Do not edit by hand: rerun the command.",
        "",
    ]
    if meta["returncode"] != 0:
        lines += [f"**pytest exited with code {meta['returncode']}: some benchmarks failed or "
                  "did not run; their rows say \"not run\".**", ""]
    lines += [
        "Workloads (code in `benchmarks/`):",
        "",
        "- **W1** (`test_w1_tutorial.py`): the OpenCV tutorial call on messi.jpg "
        "(679 x 452), criteria (EPS + MAX_ITER, 10, 1.0), 10 attempts, random centers.",
        "- **W2** (`test_w2_large_photo.py`): messi.jpg upscaled 6x with bicubic "
        "interpolation (11,048,688 integer-valued float32 points), k-means++, 1 attempt, "
        "10 assignment passes.",
        "- **W3** (`test_w3_blobs.py`): 1,000,000 float32 points in 16 dimensions around "
        "64 Gaussian blobs, K = 64, k-means++, 1 attempt, 10 assignment passes.",
        "- Contenders on W2 and W3: `fastquant.kmeans` and `cv2.kmeans` with criteria "
        "(COUNT, 11, 0) and `KMEANS_PP_CENTERS`; scikit-learn `KMeans(algorithm=\"lloyd\", "
        "n_init=1, tol=0, max_iter=10, init=\"k-means++\")`; faiss `Kmeans(niter=10, "
        "max_points_per_centroid=N)` (no subsampling; random initial centers, faiss has no "
        "k-means++) plus one `index.search` for the labels that the others return.",
        "- Ratios: competitor time / fastquant time from the fastest round of each "
        "(ratio of the medians beside it). Start-up targets use the median round.",
        "",
        "## Targets",
        "",
        "![ratios against targets](performance.png)",
        "",
    ]
    lines += _table(
        ["workload", "case", "measure", "value", "value (medians)", "target", "status", "note"],
        [[r.workload, r.case, r.measure, r.format(r.value), r.format(r.value_median),
          r.target_text, f"**{r.status}**", r.note] for r in rows],
    )
    counts = {status: sum(r.status == status for r in rows) for status in ("met", "missed",
                                                                            "not run")}
    lines += ["", f"{counts['met']} met, {counts['missed']} missed, {counts['not run']} not run.",
              ""]
    lines += machine_section(env_info, removed, meta) + [""]
    lines += details_section(results) + [""]
    path.write_text("\n".join(lines))


def write_plot(path: Path, rows: List[Row], quick: bool) -> None:
    """Bars of every measured value with its target marked; green met, red missed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        ("speed: competitor time / fastquant time (log scale)",
         [r for r in rows if r.workload in ("W1", "W2", "W3", "dask")], True),
        ("start-up: seconds, median (log scale)",
         [r for r in rows if r.workload == "start-up"], True),
        ("memory: peak RSS / float32 input", [r for r in rows if r.workload == "memory"], False),
    ]
    heights = [max(len(p[1]), 1) + 1 for p in panels]
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 0.32 * sum(heights) + 2.0),
                             gridspec_kw={"height_ratios": heights})
    colors = {"met": "#2e7d32", "missed": "#c62828", "not run": "#bdbdbd"}
    for ax, (title, panel_rows, log) in zip(axes, panels):
        labels, positions = [], range(len(panel_rows))
        for y, row in zip(positions, panel_rows):
            short = "vs cv2" if row.measure.startswith("cv2") else \
                "vs best peer" if row.measure.startswith("min(") else ""
            labels.append(f"{row.workload} {row.case} {short}".strip())
            value = row.value if row.value is not None else 0.0
            estimated = row.estimated
            ax.barh(y, value, color=colors[row.status], hatch="//" if estimated else None,
                    edgecolor="white" if estimated else None, height=0.6)
            ax.plot([row.target, row.target], [y - 0.4, y + 0.4], color="black", lw=2)
            text = "not run" if row.value is None else row.format(row.value)
            ax.annotate(f" {text}" + (" (est.)" if estimated else ""),
                        (max(value, row.target), y), va="center", fontsize=8)
        ax.set_yticks(list(positions), labels, fontsize=8)
        ax.invert_yaxis()
        if log:
            ax.set_xscale("log")
            values = [r.value for r in panel_rows if r.value] + [r.target for r in panel_rows]
            ax.set_xlim(min([0.1] + [v / 3 for v in values]), max(v * 4 for v in values))
        else:
            top = max([r.target for r in panel_rows] + [r.value or 0 for r in panel_rows])
            ax.set_xlim(0, top * 1.35)
        ax.set_title(title, fontsize=10, loc="left")
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle("fastquant: measured (bars) against targets (black ticks)"
                 + (" — quick run" if quick else ""), fontsize=11)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in colors.values()]
    handles.append(plt.Rectangle((0, 0), 1, 1, facecolor=colors["missed"], hatch="//",
                                 edgecolor="white"))
    fig.legend(handles, list(colors) + ["cv2 estimated"], loc="lower center", ncol=4,
               fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --- main ------------------------------------------------------------------------


def main(argv=None) -> int:
    """Run the suite (or read a kept JSON), then write the page and the plot."""
    parser = argparse.ArgumentParser(description="Run the benchmarks; write docs/performance.md")
    parser.add_argument("--quick", action="store_true",
                        help="one round, W2 at K = 16 and 64, lower cv2 limit (a few minutes)")
    parser.add_argument("--json", type=Path, help="also keep pytest-benchmark's JSON here")
    parser.add_argument("--from-json", type=Path,
                        help="rebuild the page from this JSON instead of running the suite")
    parser.add_argument("--docs", type=Path, default=DOCS_DIR, help="output folder (docs/)")
    parser.add_argument("-k", dest="select", metavar="EXPR",
                        help="run only the benchmarks pytest -k EXPR selects (the other "
                             "rows read 'not run'; for trying the report out)")
    args = parser.parse_args(argv)

    if args.from_json:
        data = json.loads(args.from_json.read_text())
        meta = data.get("fastquant_report", {"returncode": 0, "openblas_removed": {},
                                             "quick": args.quick, "run_seconds": 0.0})
    else:
        with tempfile.TemporaryDirectory() as tmp:
            json_path = Path(tmp) / "benchmarks.json"
            returncode, removed, run = run_suite(json_path, args.quick, args.select)
            if not json_path.exists():
                print(f"pytest exited with {returncode} and wrote no JSON", file=sys.stderr)
                return returncode or 1
            data = json.loads(json_path.read_text())
        meta = {"returncode": returncode, "openblas_removed": removed, "quick": args.quick,
                **run}
        data["fastquant_report"] = meta
        if args.json:
            args.json.write_text(json.dumps(data, indent=1))

    results = read_results(data)
    rows = target_rows(results)
    env_info = data.get("machine_info", {}).get("fastquant_bench", {})
    when = datetime.datetime.fromisoformat(data["datetime"]) if "datetime" in data \
        else datetime.datetime.now(datetime.timezone.utc)
    meta = {**meta, "date": when.strftime("%Y-%m-%d %H:%M %Z")}
    quick, run_seconds, returncode = meta["quick"], meta["run_seconds"], meta["returncode"]
    removed = meta["openblas_removed"]
    args.docs.mkdir(parents=True, exist_ok=True)
    write_markdown(args.docs / "performance.md", rows, results, env_info, removed, meta)
    write_plot(args.docs / "performance.png", rows, quick)

    width = max(len(f"{r.workload} {r.case} {r.measure}") for r in rows)
    for r in rows:
        label = f"{r.workload} {r.case} {r.measure}"
        print(f"{label:<{width}}  {r.format(r.value):>9}  {r.target_text:>9}  {r.status}"
              + (f"  ({r.note})" if r.note else ""))
    print(f"wrote {args.docs / 'performance.md'} and {args.docs / 'performance.png'} "
          f"(benchmark run {run_seconds / 60:.1f} min)")
    return returncode


if __name__ == "__main__":
    sys.exit(main())

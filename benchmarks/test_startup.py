"""Whole-process start-up: ``python -c`` / ``python -m fastquant`` from exec to exit.

A script that imports fastquant and clusters once pays for the interpreter, the
imports (numpy, numba) and loading or compiling the Numba kernels. This is timed

* with a warm on-disk numba cache (one untimed run fills it first),
* with an empty cache (a fresh ``NUMBA_CACHE_DIR`` every round: every kernel compiles),
* for ``python -m fastquant --example -k 8 -o <tmp>/m.png --force`` (the README's first
  command), with a warm cache and with an empty one,

and, side by side, the floor any numba library starts from: a process that imports numba
and calls one trivial cached ``@njit`` function (warm cache), with scipy importable and
without it (numba imports ``scipy.linalg`` at the first call of any jitted function when
scipy is installed; "no scipy" is simulated by ``sys.modules['scipy'] = None`` before
anything is imported). The summary prints fastquant's one-shot minus that floor. The same
one-shot clustering with cv2 (nothing to compile) is timed for comparison.

The package is copied without its ``__pycache__`` directories to a temporary
directory and the child processes run there with ``PYTHONPATH`` pointing at the copy
and ``NUMBA_CACHE_DIR`` set, so the in-tree cache of the working copy is never read.
"Cache" means numba's cache: Python's bytecode of the copy is written by the first
child and reused by all later ones, cold-cache rounds included.
"""

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from workloads import rounds

REPO_ROOT = Path(__file__).resolve().parent.parent

ONE_SHOT = (
    "import fastquant, numpy as np; "
    "fastquant.kmeans(np.random.rand(1000,3).astype(np.float32), 4, None, (3, 10, 1.0), 1, 2)"
)
ONE_SHOT_CV2 = (
    "import cv2, numpy as np; "
    "cv2.kmeans(np.random.rand(1000,3).astype(np.float32), 4, None, (3, 10, 1.0), 1, 2)"
)
#: The floor: numba imported and one trivial cached function called (module written
#: next to the package copy, since numba caches functions of files only).
TRIVIAL_MODULE = """import numba


@numba.njit(cache=True)
def one(x):
    return x + 1
"""
ONE_SHOT_TRIVIAL = "import trivial_numba; trivial_numba.one(1)"
#: Prefixed to a ``-c`` script: scipy cannot be imported (as if it were not installed).
WITHOUT_SCIPY = "import sys; sys.modules['scipy'] = None; "
#: The contender name of the floor in the summary (see conftest._startup_lines).
NUMBA_FLOOR = "numba (one cached function)"
#: The README's first command, after its install line.
EXAMPLE = ("-m", "fastquant", "--example", "-k", "8")
#: Rounds of the warm- and cold-cache runs (``FASTQUANT_BENCH_ROUNDS`` overrides both).
WARM_ROUNDS = rounds(5)
COLD_ROUNDS = rounds(2)


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory) -> Path:
    """A directory holding a copy of the fastquant package free of any cache files."""
    root = tmp_path_factory.mktemp("fastquant-copy")
    shutil.copytree(
        REPO_ROOT / "fastquant",
        root / "fastquant",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc"),
    )
    (root / "trivial_numba.py").write_text(TRIVIAL_MODULE)
    return root


def child_env(package_root: Path, cache_dir: Path) -> dict:
    """The environment of a child process: the copied package, the given numba cache."""
    env = dict(os.environ)
    # Unset anything that would disable a cache or run extra code at start-up; the
    # bytecode of the copy is written by its first run, as after a normal install.
    for name in ("FASTQUANT_DISABLE_CACHE", "NUMBA_DISABLE_JIT", "PYTHONSTARTUP",
                 "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    env["PYTHONPATH"] = str(package_root)
    env["NUMBA_CACHE_DIR"] = str(cache_dir)
    return env


#: CPU seconds (user + system) of each child since the last ``cpu_seconds()``: on a
#: shared machine the wall time of a compile-bound child depends on the other load, its
#: CPU time far less.
_CHILD_CPU = []


def run(command, package_root: Path, cache_dir: Path) -> subprocess.CompletedProcess:
    """Run ``command`` (argv) in ``package_root``; raise with its output if it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(
        command, cwd=package_root, env=child_env(package_root, cache_dir),
        capture_output=True, text=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    _CHILD_CPU.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    if result.returncode != 0:
        raise AssertionError(
            f"{command!r} exited with {result.returncode}:\n{result.stdout}{result.stderr}"
        )
    return result


def cpu_seconds() -> dict:
    """``{"cpu": least CPU time of a child}`` since the last call (the summary prints it)."""
    least = min(_CHILD_CPU, default=float("nan"))
    _CHILD_CPU.clear()
    return {"cpu": least}


@pytest.fixture(scope="module")
def warm_cache(package_copy, tmp_path_factory) -> Path:
    """A numba cache directory shared by the warm-cache benchmarks (filled by their warm-up).

    Also checks once that the children import the copy, not the working tree.
    """
    cache_dir = tmp_path_factory.mktemp("numba-cache-warm")
    probe = run(
        [sys.executable, "-c", "import fastquant; print(fastquant.__file__)"],
        package_copy, cache_dir,
    )
    imported = Path(probe.stdout.strip()).resolve()
    assert imported.is_relative_to(package_copy.resolve()), imported
    return cache_dir


@pytest.mark.parametrize("scipy", [True, False], ids=["scipy", "no-scipy"])
@pytest.mark.parametrize("contender", ["fastquant", NUMBA_FLOOR])
def test_startup_one_shot_against_numba_floor(benchmark, package_copy, warm_cache, record_timing,
                                              contender, scipy):
    """``python -c ONE_SHOT`` once the on-disk cache holds every kernel it needs, and
    the floor, with and without scipy."""
    benchmark.group = "startup"
    code = ONE_SHOT if contender == "fastquant" else ONE_SHOT_TRIVIAL
    code = code if scipy else WITHOUT_SCIPY + code
    cpu_seconds()
    benchmark.pedantic(
        run, args=([sys.executable, "-c", code], package_copy, warm_cache),
        rounds=WARM_ROUNDS, warmup_rounds=1, iterations=1,
    )
    case = "one-shot kmeans, warm cache" + ("" if scipy else ", no scipy")
    record_timing(benchmark, "startup", case, contender, extra=cpu_seconds())


def test_startup_one_shot_cold_cache(benchmark, package_copy, tmp_path_factory, record_timing):
    """``python -c ONE_SHOT`` with an empty cache directory: every kernel compiles."""
    benchmark.group = "startup"

    def fresh_cache():
        return ([sys.executable, "-c", ONE_SHOT], package_copy,
                tmp_path_factory.mktemp("numba-cache-cold")), {}

    cpu_seconds()
    benchmark.pedantic(run, setup=fresh_cache, rounds=COLD_ROUNDS, iterations=1)
    record_timing(benchmark, "startup", "one-shot kmeans, empty cache", "fastquant",
                  extra=cpu_seconds())


def test_startup_example_warm_cache(benchmark, package_copy, warm_cache, tmp_path, record_timing):
    """``python -m fastquant --example -k 8 -o <tmp>/m.png --force`` with a warm cache."""
    benchmark.group = "startup"
    output = tmp_path / "m.png"
    command = [sys.executable, *EXAMPLE, "-o", str(output), "--force"]
    cpu_seconds()
    benchmark.pedantic(
        run, args=(command, package_copy, warm_cache),
        rounds=WARM_ROUNDS, warmup_rounds=1, iterations=1,
    )
    assert output.stat().st_size > 0
    record_timing(benchmark, "startup", "python -m fastquant --example -k 8, warm cache",
                  "fastquant", extra=cpu_seconds())


def test_startup_example_cold_cache(benchmark, package_copy, tmp_path_factory, record_timing):
    """The README's first command with an empty cache directory (target: 5 s)."""
    benchmark.group = "startup"

    def fresh_cache():
        root = tmp_path_factory.mktemp("numba-cache-example")
        command = [sys.executable, *EXAMPLE, "-o", str(root / "m.png"), "--force"]
        return (command, package_copy, root / "cache"), {}

    cpu_seconds()
    benchmark.pedantic(run, setup=fresh_cache, rounds=COLD_ROUNDS, iterations=1)
    record_timing(benchmark, "startup", "python -m fastquant --example -k 8, empty cache",
                  "fastquant", extra=cpu_seconds())


def test_startup_one_shot_cv2(benchmark, package_copy, tmp_path, record_timing):
    """The same one-shot clustering with cv2, for comparison (no compilation involved)."""
    pytest.importorskip("cv2")
    benchmark.group = "startup"
    cpu_seconds()
    benchmark.pedantic(
        run, args=([sys.executable, "-c", ONE_SHOT_CV2], package_copy, tmp_path),
        rounds=WARM_ROUNDS, warmup_rounds=1, iterations=1,
    )
    record_timing(benchmark, "startup", "one-shot kmeans", "cv2", extra=cpu_seconds())

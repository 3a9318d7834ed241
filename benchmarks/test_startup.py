"""Whole-process start-up: ``python -c`` / ``python -m fastquant`` from exec to exit.

A script that imports fastquant and clusters once pays for the interpreter, the
imports (numpy, numba) and loading or compiling the Numba kernels. This is timed

* with a warm on-disk numba cache (one untimed run fills it first),
* with an empty cache (a fresh ``NUMBA_CACHE_DIR`` every round: every kernel compiles),
* for ``python -m fastquant --example -k 8 -o <tmp>/m.png --force``, warm cache,

and, side by side, the same one-shot clustering with cv2 (nothing to compile).

The package is copied without its ``__pycache__`` directories to a temporary
directory and the child processes run there with ``PYTHONPATH`` pointing at the copy
and ``NUMBA_CACHE_DIR`` set, so the in-tree cache of the working copy is never read.
"Cache" means numba's cache: Python's bytecode of the copy is written by the first
child and reused by all later ones, cold-cache rounds included.
"""

import os
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


def run(command, package_root: Path, cache_dir: Path) -> subprocess.CompletedProcess:
    """Run ``command`` (argv) in ``package_root``; raise with its output if it fails."""
    result = subprocess.run(
        command, cwd=package_root, env=child_env(package_root, cache_dir),
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"{command!r} exited with {result.returncode}:\n{result.stdout}{result.stderr}"
        )
    return result


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


def test_startup_one_shot_warm_cache(benchmark, package_copy, warm_cache, record_timing):
    """``python -c ONE_SHOT`` once the on-disk cache holds every kernel it needs."""
    benchmark.group = "startup"
    benchmark.pedantic(
        run, args=([sys.executable, "-c", ONE_SHOT], package_copy, warm_cache),
        rounds=WARM_ROUNDS, warmup_rounds=1, iterations=1,
    )
    record_timing(benchmark, "startup", "one-shot kmeans, warm cache", "fastquant")


def test_startup_one_shot_cold_cache(benchmark, package_copy, tmp_path_factory, record_timing):
    """``python -c ONE_SHOT`` with an empty cache directory: every kernel compiles."""
    benchmark.group = "startup"

    def fresh_cache():
        return ([sys.executable, "-c", ONE_SHOT], package_copy,
                tmp_path_factory.mktemp("numba-cache-cold")), {}

    benchmark.pedantic(run, setup=fresh_cache, rounds=COLD_ROUNDS, iterations=1)
    record_timing(benchmark, "startup", "one-shot kmeans, empty cache", "fastquant")


def test_startup_example_warm_cache(benchmark, package_copy, warm_cache, tmp_path, record_timing):
    """``python -m fastquant --example -k 8 -o <tmp>/m.png --force`` with a warm cache."""
    benchmark.group = "startup"
    output = tmp_path / "m.png"
    command = [sys.executable, "-m", "fastquant", "--example", "-k", "8",
               "-o", str(output), "--force"]
    benchmark.pedantic(
        run, args=(command, package_copy, warm_cache),
        rounds=WARM_ROUNDS, warmup_rounds=1, iterations=1,
    )
    assert output.stat().st_size > 0
    record_timing(benchmark, "startup", "python -m fastquant --example -k 8, warm cache",
                  "fastquant")


def test_startup_one_shot_cv2(benchmark, package_copy, tmp_path, record_timing):
    """The same one-shot clustering with cv2, for comparison (no compilation involved)."""
    pytest.importorskip("cv2")
    benchmark.group = "startup"
    benchmark.pedantic(
        run, args=([sys.executable, "-c", ONE_SHOT_CV2], package_copy, tmp_path),
        rounds=WARM_ROUNDS, warmup_rounds=1, iterations=1,
    )
    record_timing(benchmark, "startup", "one-shot kmeans", "cv2")

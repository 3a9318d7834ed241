"""Peak memory on W2 (K = 64): one fresh process per contender.

The W2 points (messi.jpg upscaled 6x, about 11 million float32 points, 126 MiB) are
saved once to a temporary ``.npy`` file. For each contender a child process
(``python benchmarks/workloads.py CONTENDER FILE --k 64``, see
:func:`workloads.measure_peak_rss`) imports only that contender's library, loads the
points and runs the W2 call once, then reports its high-water mark of resident memory
(``VmHWM`` in ``/proc/self/status``). Nothing is subtracted: the peak includes the
interpreter, the imports and the input itself. It is reported with the input's size
and the ratio peak / input size.

Before fastquant's child starts, the parent runs the same call on a slice of the
points, so numba's on-disk cache holds every kernel the child loads (the child then
measures a warm-cache run, not a compilation). pytest-benchmark times the whole child
process, one round; the measurements go to ``extra_info``.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from workloads import (BENCH_DIR, CONTENDERS, MEMORY_K, MEMORY_WARMUP_STEP, MODULES,
                       REPO_ROOT, strided_sample)


@pytest.fixture(scope="module")
def w2_points_file(w2_points, tmp_path_factory) -> str:
    """The W2 points in a temporary ``.npy`` file."""
    path = tmp_path_factory.mktemp("w2") / "w2_points.npy"
    np.save(path, w2_points)
    return str(path)


def run_child(contender: str, points_file: str) -> dict:
    """Run the memory child for ``contender``; return its JSON measurement."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO_ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    )
    command = [sys.executable, str(BENCH_DIR / "workloads.py"), contender, points_file,
               "--k", str(MEMORY_K)]
    result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(
            f"{command!r} exited with {result.returncode}:\n{result.stdout}{result.stderr}"
        )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
@pytest.mark.parametrize("contender", list(CONTENDERS))
def test_memory_w2(benchmark, w2_points, w2_points_file, warm_libraries, record_timing,
                   contender):
    """Peak RSS of a fresh process running ``contender`` on W2 with K = 64."""
    pytest.importorskip(MODULES[contender])
    if contender == "fastquant":
        CONTENDERS[contender](strided_sample(w2_points, MEMORY_WARMUP_STEP), MEMORY_K)
    benchmark.group = f"memory W2 K={MEMORY_K}"
    child = benchmark.pedantic(run_child, args=(contender, w2_points_file),
                               rounds=1, iterations=1)
    assert child["input_bytes"] == w2_points.nbytes
    benchmark.extra_info.update(child, peak_over_input=child["peak_rss"] / child["input_bytes"])
    record_timing(benchmark, "memory", f"W2 K={MEMORY_K}", contender, extra=child)

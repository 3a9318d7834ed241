"""fastquant.kernels._common: chunking, and results that do not depend on the thread count."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fastquant import kernels
from fastquant.kernels import _common
from fastquant._jit import serial_twin

from ._data import blobs

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("n", [1, 511, 512, 513, 100_000, 10**8])
def test_chunk_count_depends_on_size_only(n):
    count = kernels.chunk_count(n)
    assert 1 <= count <= _common.MAX_CHUNKS
    assert count == min(_common.MAX_CHUNKS, -(-n // _common.MIN_CHUNK_SIZE))


_THREAD_SCRIPT = """
import numba, numpy as np
from fastquant import kernels
from fastquant.kernels import _passes
from tests.kernels._data import blobs, ones, partials

points = blobs(200_000, 3, 16, seed=8)
centers = points[::12500].copy()
outputs = []
for threads in (1, 2):
    numba.set_num_threads(threads)
    n, k, d = len(points), len(centers), points.shape[1]
    labels = np.empty(n, dtype=np.int32)
    partial_sums, partial_counts = partials(n, k, d)
    kernels.assign_and_accumulate(points, ones(points), centers, labels, partial_sums, partial_counts)
    workspace = np.empty(kernels.chunk_count(n))
    total = _passes.label_distance_sum(points, ones(points), centers, labels, workspace)
    state = np.array([1], dtype=np.uint64)
    chosen = kernels.kmeanspp(points, ones(points), k, 3, state)
    outputs.append((labels.tobytes(), partial_sums.tobytes(), float(total), chosen.tobytes()))
print(numba.config.NUMBA_NUM_THREADS, outputs[0] == outputs[1])
"""


def test_results_are_bitwise_identical_with_one_and_two_threads():
    # Two threads on any machine, one core included: numba runs as many as it is told.
    done = subprocess.run(
        [sys.executable, "-c", _THREAD_SCRIPT], capture_output=True, text=True, timeout=600,
        cwd=ROOT, env={**os.environ, "NUMBA_NUM_THREADS": "2"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2", "True"]


def test_serial_twins_give_the_same_results():
    points = blobs(30_000, 3, 5, seed=9)
    centers = points[:5].copy()
    outputs = []
    for assign in (kernels.assign, serial_twin(kernels.assign)):
        labels = np.empty(len(points), dtype=np.int32)
        distances = np.empty(len(points), dtype=np.float32)
        assign(points, centers, labels, distances)
        outputs.append((labels.tobytes(), distances.tobytes()))
    assert outputs[0] == outputs[1]

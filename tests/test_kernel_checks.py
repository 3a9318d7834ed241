"""The kernels' argument checks (fastquant/kernels/_checks.py): every inconsistent call
raises a ValueError naming the argument (or, for a wrong element type, numba's
TypingError at compile time) and writes nothing outside its arrays."""

import os
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
import pytest
from numba.core.errors import TypingError

from fastquant import kernels
from fastquant._lloyd import Workspace
from fastquant.kernels import (
    _bounds, _common, _distinct_table, _dither, _passes, _repair, _seeding, _tunables,
)

from . import naive

ROOT = Path(__file__).resolve().parents[1]


def _data(n=1000, d=3, k=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, d), dtype=np.float32)
    return X, X[:k].copy(), np.ones(n, np.int32), rng.integers(0, k, n).astype(np.int32)


def _partials(n, k, d, chunks=None):
    c = kernels.chunk_count(n) if chunks is None else chunks
    return np.zeros((c, k, d)), np.zeros((c, k), dtype=np.int64)


# --- public kernels -------------------------------------------------------------------


def test_assign_refuses_outputs_shorter_than_X_and_mismatched_centers():
    X, centers, _, _ = _data()
    n = len(X)
    with pytest.raises(ValueError, match="labels must have one entry per row of X: got 999, expected 1000"):
        kernels.assign(X, centers, np.empty(n - 1, np.int32), np.empty(n, np.float32))
    with pytest.raises(ValueError, match="distances must have one entry per row of X"):
        kernels.assign(X, centers, np.empty(n, np.int32), np.empty(3, np.float32))
    with pytest.raises(ValueError, match="centers must have one column per column of X"):
        kernels.assign(X, centers[:, :2].copy(), np.empty(n, np.int32), np.empty(n, np.float32))
    with pytest.raises(ValueError, match="centers must have at least one row"):
        kernels.assign(X, centers[:0], np.empty(n, np.int32), np.empty(n, np.float32))


@pytest.mark.parametrize("bad", [4, -1, 2**30, -(2**31)])
def test_accumulate_skips_and_reports_labels_outside_the_clusters(bad):
    X, _, weights, labels = _data()
    labels[[3, 700]] = bad
    sums, counts = _partials(len(X), 4, 3)
    with pytest.raises(ValueError, match=r"labels must be cluster indices in \[0, n_clusters\): 2 entries are not"):
        kernels.accumulate(X, weights, labels, sums, counts)
    assert counts.sum() == len(X) - 2  # the other rows were added, the bad ones skipped


def test_accumulate_checks_shapes_of_weights_labels_and_workspaces():
    X, _, weights, labels = _data()
    sums, counts = _partials(len(X), 4, 3)
    with pytest.raises(ValueError, match="weights must have one entry per row of X"):
        kernels.accumulate(X, weights[:-1], labels, sums, counts)
    with pytest.raises(ValueError, match="labels must have one entry per row of X"):
        kernels.accumulate(X, weights, labels[:10], sums, counts)
    with pytest.raises(ValueError, match="partial_sums must have one column per feature"):
        kernels.accumulate(X, weights, labels, sums[:, :, :2].copy(), counts)
    with pytest.raises(ValueError, match="partial_counts must have as many chunks"):
        kernels.accumulate(X, weights, labels, sums, counts[:1].copy())
    with pytest.raises(ValueError, match="partial_counts must have as many clusters"):
        kernels.accumulate(X, weights, labels, sums, counts[:, :2].copy())
    with pytest.raises(ValueError, match="partial_sums must have at least one chunk"):
        kernels.accumulate(X, weights, labels, sums[:0], counts[:0])


def test_assign_and_accumulate_needs_one_center_per_cluster_of_the_workspace():
    X, centers, weights, labels = _data()
    sums, counts = _partials(len(X), 5, 3)
    with pytest.raises(ValueError, match="centers must have one row per cluster of partial_sums: got 4, expected 5"):
        kernels.assign_and_accumulate(X, weights, centers, labels, sums, counts)


def test_reduce_partials_checks_every_shape():
    sums, counts = _partials(1000, 4, 3)
    total, total_counts = np.empty((4, 3)), np.empty(4, np.int64)
    kernels.reduce_partials(sums, counts, total, total_counts)
    with pytest.raises(ValueError, match="sums must have one row per cluster"):
        kernels.reduce_partials(sums, counts, total[:3], total_counts)
    with pytest.raises(ValueError, match="counts must have one entry per cluster"):
        kernels.reduce_partials(sums, counts, total, total_counts[:2])
    with pytest.raises(ValueError, match="partial_counts must have as many chunks"):
        kernels.reduce_partials(sums, counts[:1], total, total_counts)
    with pytest.raises(ValueError, match="partial_sums must have one column per feature"):
        kernels.reduce_partials(sums, counts, np.empty((4, 5)), total_counts)


def test_kmeanspp_checks_counts_weights_and_state():
    X, _, weights, _ = _data(n=50)
    state = np.array([7], np.uint64)
    with pytest.raises(ValueError, match="n_clusters must be at least 1"):
        kernels.kmeanspp(X, weights, 0, 3, state)
    with pytest.raises(ValueError, match="n_clusters must not exceed the rows of X: got 51, limit 50"):
        kernels.kmeanspp(X, weights, 51, 3, state)
    with pytest.raises(ValueError, match="n_trials must be at least 1"):
        kernels.kmeanspp(X, weights, 3, 0, state)
    with pytest.raises(ValueError, match="weights must have one entry per row of X"):
        kernels.kmeanspp(X, weights[:3], 3, 3, state)
    with pytest.raises(ValueError, match=r"rng_state must have shape \(1,\)"):
        kernels.kmeanspp(X, weights, 3, 3, np.empty(0, np.uint64))


@pytest.mark.parametrize("draw", [kernels.rng_next, kernels.rng_float, kernels.rng_double])
@pytest.mark.parametrize("size", [0, 2])
def test_generators_need_a_state_of_one_value(draw, size):
    with pytest.raises(ValueError, match=r"rng_state must have shape \(1,\): got %d" % size):
        draw(np.zeros(size, np.uint64))


def test_chunk_count_refuses_negative_sizes():
    with pytest.raises(ValueError, match="n_samples must not be negative"):
        kernels.chunk_count(-1)
    with pytest.raises(ValueError, match="n_clusters must be at least 1"):
        kernels.chunk_count(10, 0, 3)


def test_index_arrays_of_another_element_type_are_refused_at_compile_time():
    X, _, weights, labels = _data()
    sums, counts = _partials(len(X), 4, 3)
    with pytest.raises(TypingError, match="labels must be an array of integers, got array.float64"):
        kernels.accumulate(X, weights, labels.astype(np.float64), sums, counts)


@numba.njit
def _users_pass(X, weights, labels, partial_sums, partial_counts):
    kernels.accumulate(X, weights, labels, partial_sums, partial_counts)
    return partial_counts.sum()


def test_checks_raise_inside_a_users_njit_function():
    X, _, weights, labels = _data()
    sums, counts = _partials(len(X), 4, 3)
    assert _users_pass(X, weights, labels, sums, counts) == len(X)
    labels[0] = 9
    with pytest.raises(ValueError, match="labels must be cluster indices"):
        _users_pass(X, weights, labels, sums, counts)


# --- private kernels --------------------------------------------------------------------


def test_lloyd_passes_skip_and_report_bad_previous_labels():
    X, centers, weights, labels = _data()
    labels[5] = -3
    sums, counts = _partials(len(X), 4, 3)
    before = labels.copy()
    with pytest.raises(ValueError, match="labels must be cluster indices"):
        _passes.assign_and_update(X, weights, centers, labels, sums, counts)
    assert labels[5] == -3 and not np.array_equal(labels, before)  # skipped, others done
    with pytest.raises(ValueError, match="labels must be cluster indices"):
        _passes.label_distance_sum(X, weights, centers, labels, np.empty(2))
    with pytest.raises(ValueError, match="partial_dist must have at least one chunk"):
        _passes.label_distance_sum(X, weights, centers, np.zeros(len(X), np.int32), np.empty(0))


def test_cluster_means_checks_shapes():
    sums, counts = np.ones((4, 3)), np.ones(4, np.int64)
    with pytest.raises(ValueError, match="counts must have one entry per row of sums"):
        _passes.cluster_means(sums, counts[:3], np.empty((0, 3), np.float32), np.empty((4, 3), np.float32))
    with pytest.raises(ValueError, match="previous must have no rows or one per row of sums"):
        _passes.cluster_means(sums, counts, np.empty((2, 3), np.float32), np.empty((4, 3), np.float32))
    with pytest.raises(ValueError, match="centers must have one column per column of sums"):
        _passes.cluster_means(sums, counts, np.empty((0, 3), np.float32), np.empty((4, 2), np.float32))


def test_bounded_pass_checks_labels_and_bounds():
    X, centers, weights, labels = _data(d=8)
    n, k = len(X), len(centers)
    sums, counts = _partials(n, k, 8)
    bounds = _bounds.Bounds(np.full(n, np.inf, np.float32), np.zeros(n, np.float32),
                            np.empty(k), np.empty(k))
    _bounds.center_moves_and_gaps(centers, centers, bounds)
    labels[10] = k
    with pytest.raises(ValueError, match="labels must be cluster indices"):
        _bounds.assign_bounded(X, weights, centers, bounds, False, False, labels, sums, counts)
    short_upper = bounds._replace(upper=bounds.upper[:5])
    with pytest.raises(ValueError, match="upper must have one entry per row of X"):
        _bounds.assign_bounded(X, weights, centers, short_upper, False, False, labels, sums,
                               counts)
    short_moves = bounds._replace(moves=bounds.moves[:2])
    with pytest.raises(ValueError, match="moves must have one entry per center"):
        _bounds.assign_bounded(X, weights, centers, short_moves, False, False, labels, sums,
                               counts)
    with pytest.raises(ValueError, match="previous must have one row per center"):
        _bounds.center_moves_and_gaps(centers, centers[:2], bounds)


def test_farthest_sample_checks_rows_moved_samples_and_empty_clusters():
    X, _, weights, labels = _data(n=20)
    none32, none64 = np.empty(0, np.int32), np.empty(0, np.int64)
    center = X[:1].copy()
    assert _repair.farthest_sample(X, weights, labels, none32, none64, none32, none64, none32,
                                   labels[0], center) >= 0
    with pytest.raises(ValueError, match="cluster must have a sample"):
        _repair.farthest_sample(X, weights, labels, none32, none64, none32, none64, none32, 99, center)
    with pytest.raises(ValueError, match="moved_samples must be samples of rows of X"):
        _repair.farthest_sample(X, weights, labels, none32, none64, none32,
                                np.array([10**9]), np.array([0], np.int32), 0, center)
    with pytest.raises(ValueError, match="labels must have one entry per row of X"):
        _repair.farthest_sample(X, weights, labels[:3], none32, none64, none32, none64, none32, 0, center)
    with pytest.raises(ValueError, match="center must have one column per column of X"):
        _repair.farthest_sample(X, weights, labels, none32, none64, none32, none64, none32, 0, center[:, :1].copy())
    inverse = np.arange(20, dtype=np.int32)
    with pytest.raises(ValueError, match="last_sample must hold sample indices of inverse"):
        _repair.farthest_sample(X, weights, labels, inverse, np.full(20, 50, np.int64), none32, none64,
                                none32, labels[0], center)


def test_seeding_on_rows_refuses_an_empty_inverse():
    X, _, weights, _ = _data(n=50)
    with pytest.raises(ValueError, match="inverse must hold at least one sample"):
        _seeding.kmeanspp_rows(X, weights, np.empty(0, np.int32), 3, 3, np.array([1], np.uint64))


def test_seeding_on_rows_refuses_inverse_outside_the_rows():
    X, _, weights, _ = _data(n=50)
    inverse = np.zeros(200, np.int32)
    inverse[17] = 50
    with pytest.raises(ValueError, match="inverse must be row indices of X: 1 entries are not"):
        _seeding.kmeanspp_rows(X, weights, inverse, 3, 3, np.array([1], np.uint64))


@pytest.mark.parametrize("bad", [5, -1, 2**31 - 1])
def test_distinct_table_refuses_indices_outside_it(bad):
    row_labels = np.arange(5, dtype=np.int32)
    inverse = np.zeros(3000, np.int32)
    inverse[2999] = bad
    labels = np.full(3000, -7, np.int32)
    with pytest.raises(ValueError, match=r"inverse must be row indices in \[0, n_rows\): 1 entries"):
        _distinct_table.gather_labels(row_labels, inverse, labels)
    assert labels[2999] == -7 and (labels[:2999] == 0).all()
    with pytest.raises(ValueError, match="labels must have one entry per entry of inverse"):
        _distinct_table.gather_labels(row_labels, inverse, labels[:5])
    with pytest.raises(ValueError, match="inverse must be row indices"):
        _distinct_table.last_samples(inverse, 5)
    keys = inverse.copy()
    with pytest.raises(ValueError, match=r"keys must be in \[0, key_space\)"):
        _distinct_table.distinct_keys(keys, 5)
    np.testing.assert_array_equal(keys, inverse)  # not ranked: refused before any write
    with pytest.raises(ValueError, match="key_space must not be negative"):
        _distinct_table.distinct_keys(keys, -64)


def test_floyd_steinberg_checks_palette_and_masks():
    image = np.zeros((4, 5, 3), np.float32)
    palette = np.zeros((2, 3), np.float32)
    active, labels = np.ones((4, 5), np.bool_), np.zeros((4, 5), np.int32)
    one = np.float32(1.0)
    with pytest.raises(ValueError, match="palette must have at least one colour"):
        _dither.floyd_steinberg(image, palette[:0], active, one, one, one, labels)
    with pytest.raises(ValueError, match="palette must have one column per channel of image"):
        _dither.floyd_steinberg(image, palette[:, :2].copy(), active, one, one, one, labels)
    with pytest.raises(ValueError, match="active must have one column per column of image"):
        _dither.floyd_steinberg(image, palette, active[:, :3].copy(), one, one, one, labels)
    with pytest.raises(ValueError, match="labels must have one row per row of image"):
        _dither.floyd_steinberg(image, palette, active, one, one, one, labels[:2].copy())


# --- memory ---------------------------------------------------------------------------------


def test_partial_sums_stay_within_the_budget_and_depend_on_sizes_only():
    assert kernels.chunk_count(10**6) == _common.MAX_CHUNKS  # small partials: unchanged
    assert kernels.chunk_count(10**6, 256, 3) == _common.MAX_CHUNKS
    assert kernels.chunk_count(131072, 65536, 32) == _common.MIN_BUDGET_CHUNKS
    for n, k, d in [(131072, 65536, 32), (10**6, 8192, 3), (2, 2, 10**7), (100, 3, 2)]:
        ws = Workspace(n, k, d)
        one_chunk = ws.partial_sums[0].nbytes + ws.partial_counts[0].nbytes
        assert ws.partial_sums.nbytes + ws.partial_counts.nbytes <= max(
            _common.PARTIALS_BUDGET, _common.MIN_BUDGET_CHUNKS * one_chunk)


def test_wide_rows_are_searched_row_by_row_with_the_same_sums():
    d = _tunables.ROW_BLOCK_MAX_FEATURES + 1
    rng = np.random.default_rng(3)
    X = rng.normal(size=(70, d)).astype(np.float32)
    centers = X[[0, 5, 9]] + np.float32(0.5)
    centers[2] = centers[1]  # a tie: the lowest index wins
    labels, distances = np.empty(70, np.int32), np.empty(70, np.float32)
    kernels.assign(X, centers, labels, distances)
    expected = naive.sq_distances(X, centers)
    np.testing.assert_array_equal(labels, np.argmin(expected, axis=1))
    np.testing.assert_array_equal(distances, expected.min(axis=1))


_PEAK_SCRIPT = """
import numpy as np, fastquant as fq
from fastquant import kernels
from fastquant._lloyd import Workspace
def peak():
    return int([l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]) << 10
case = {case!r}
rng = np.random.default_rng(0)
if case == "wide":
    X = rng.random((2, 1000), dtype=np.float32)
    fq.kmeans(X, 2, None, (fq.TERM_CRITERIA_COUNT, 2, 0), 1, 0)  # compiled
    X = rng.random((2, 2 * 10**6), dtype=np.float32)
    before = peak()
    fq.kmeans(X, 2, None, (fq.TERM_CRITERIA_COUNT, 2, 0), 1, 0)
else:
    n, k, d = 65536, 16384, 32
    X = rng.random((n, d), dtype=np.float32)
    weights, labels = np.ones(n, np.int32), rng.integers(0, k, n).astype(np.int32)
    small = Workspace(1000, 4, d)
    kernels.accumulate(X[:1000], weights[:1000], labels[:1000] % 4, small.partial_sums, small.partial_counts)
    before = peak()
    ws = Workspace(n, k, d)
    kernels.accumulate(X, weights, labels, ws.partial_sums, ws.partial_counts)
print((peak() - before) / X.nbytes)
"""


@pytest.mark.parametrize("case, limit", [("wide", 12), ("big_k", 12)])
def test_peak_memory_is_a_few_times_the_data(case, limit):
    """VmHWM growth, in a fresh process, as a multiple of the data's size: 36x for
    kmeans of (2, 2e6) float32 with the 64-row blocks (7x row by row), 66x for the
    partials of 65,536 x 32 points with K = 16,384 in 128 chunks (8x in 15)."""
    result = subprocess.run(
        [sys.executable, "-c", _PEAK_SCRIPT.format(case=case)], capture_output=True, text=True,
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert float(result.stdout.split()[-1]) < limit


def test_labels_must_hold_every_cluster_index():
    X = np.random.default_rng(1).random((500, 3), dtype=np.float32)
    centers = X[:300].copy()
    with pytest.raises(ValueError, match="the highest cluster index must fit the labels' integer type: got 299, limit 255"):
        kernels.assign(X, centers, np.empty(500, np.uint8), np.empty(500, np.float32))
    labels = np.empty(500, np.int16)
    kernels.assign(X, centers, labels, np.empty(500, np.float32))
    np.testing.assert_array_equal(labels, np.arange(300).tolist() + labels[300:].tolist())


_STRING_CODE_SCRIPT = """
import numba.core.event as event
import numpy as np
from fastquant import kernels

compiled = []
class Listener(event.Listener):
    def on_start(self, ev):
        pass
    def on_end(self, ev):
        compiled.append(ev.data["dispatcher"].py_func.__qualname__)
event.register("numba:compile", Listener())
X = np.random.default_rng(0).random((100, 3), dtype=np.float32)
try:
    kernels.assign(X, X[:4].copy(), np.empty(99, np.int32), np.empty(100, np.float32))
except ValueError as error:
    print(error)
print(sorted({name for name in compiled if "str" in name or "unicode" in name}))
"""


def test_check_messages_are_formatted_outside_the_compiled_code():
    """The numbers of a message travel as exception arguments: compiling a kernel
    compiles none of numba's string code (str(int), concatenation: 2 s in a fresh
    cache), yet the message is whole."""
    result = subprocess.run(
        [sys.executable, "-c", _STRING_CODE_SCRIPT], capture_output=True, text=True,
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), "FASTQUANT_DISABLE_CACHE": "1"},
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines() == [
        "labels must have one entry per row of X: got 99, expected 100", "[]"]

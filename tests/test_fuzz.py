"""Fuzz tests: ``kmeans``, ``quantize`` and the public kernels on random shapes, values
and argument mixes either return a valid result or raise ValueError, TypeError or
MemoryError (or, for an element type a kernel cannot take, numba's TypingError).

The fuzzing runs in a child pytest process, so that a crash of the interpreter fails
:func:`test_fuzz_in_a_child_process` instead of killing the test run. Hypothesis is
derandomized, so every run tries the same examples. Also here: the regressions of
issue 10 found by the bad-input campaign outside the kernels' own checks.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from numba.core.errors import TypingError

import fastquant as fq
from fastquant import kernels

ROOT = Path(__file__).resolve().parents[1]
IN_CHILD = os.environ.get("FASTQUANT_FUZZ_CHILD") == "1"
child_only = pytest.mark.skipif(not IN_CHILD, reason="run by test_fuzz_in_a_child_process")
REFUSALS = (ValueError, TypeError, MemoryError, TypingError)
FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


def test_fuzz_in_a_child_process():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "fuzzed",
         str(Path(__file__))],
        capture_output=True, text=True, cwd=ROOT, timeout=900,
        env={**os.environ, "FASTQUANT_FUZZ_CHILD": "1", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, (
        f"child exited with {result.returncode}\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
    )


_values = st.sampled_from(["uniform", "integers", "constant", "huge", "nan", "tiny"])


def _points(draw, n, d):
    kind = draw(_values)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if kind == "uniform":
        return rng.random((n, d)) * 255
    if kind == "integers":
        return rng.integers(0, 4, (n, d)).astype(np.float64)
    if kind == "constant":
        return np.full((n, d), 7.0)
    if kind == "huge":
        return rng.random((n, d)) * 1e30
    if kind == "tiny":
        return rng.random((n, d)) * 1e-40
    values = rng.random((n, d))
    values[rng.integers(0, n), rng.integers(0, d)] = np.nan
    return values


@st.composite
def kmeans_calls(draw):
    n = draw(st.integers(1, 40))
    d = draw(st.integers(1, 4))
    data = _points(draw, n, d).astype(draw(st.sampled_from([np.float32, np.float64, np.int16, np.uint8])))
    k = draw(st.integers(-1, n + 2))
    criteria = (draw(st.integers(-1, 4)), draw(st.integers(-2, 5)),
                draw(st.sampled_from([0.0, 1e-3, 1.0, -1.0, 1e200, float("inf"), float("nan")])))
    flags = draw(st.integers(-1, 4))
    labels = None
    if draw(st.booleans()):
        labels = np.random.default_rng(n).integers(-1, max(k, 1) + 1, (n, 1)).astype(np.int32)
    return data, k, labels, criteria, draw(st.integers(-1, 3)), flags


@child_only
@FUZZ
@given(kmeans_calls())
def test_kmeans_fuzzed(call):
    data, k, labels, criteria, attempts, flags = call
    try:
        compactness, out_labels, centers = fq.kmeans(data, k, labels, criteria, attempts, flags)
    except REFUSALS:
        return
    n = len(data)
    assert out_labels.shape == (n, 1) and centers.shape == (k, data.shape[1])
    assert ((out_labels >= 0) & (out_labels < k)).all()
    assert np.isfinite(compactness) and compactness >= 0


@st.composite
def images(draw):
    h, w = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    channels = draw(st.sampled_from([None, 1, 3, 4]))
    shape = (h, w) if channels is None else (h, w, channels)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    dtype = draw(st.sampled_from([np.uint8, np.uint16, np.float32]))
    if dtype == np.float32:
        image = rng.random(shape, dtype=np.float32) * draw(st.sampled_from([1.0, 255.0, 1e30]))
    else:
        image = rng.integers(0, draw(st.sampled_from([2, 256])), shape).astype(dtype)
    return image, draw(st.integers(-1, 300)), draw(st.booleans()), draw(st.sampled_from(["rgb", "lab", "xyz"]))


@child_only
@FUZZ
@given(images())
def test_quantize_fuzzed(call):
    image, k, dither, space = call
    try:
        result = fq.quantize(image, k, dither=dither, space=space, seed=1)
    except REFUSALS:
        return
    assert result.image.shape == image.shape and result.image.dtype == image.dtype
    assert len(result.palette) <= k


_SIZES = ("centers_rows", "centers_columns", "labels", "weights", "chunks", "clusters",
          "features", "count_chunks", "count_clusters")


@st.composite
def kernel_calls(draw):
    """Consistent arguments, except (often) one size off by one; labels in range, a
    little out of it, or anywhere in int32."""
    n = draw(st.integers(0, 40))
    d = draw(st.integers(0, 4))
    k = draw(st.integers(0, 5))
    wrong = draw(st.sampled_from((None,) + _SIZES))
    off = dict.fromkeys(_SIZES, 0)
    if wrong is not None:
        off[wrong] = draw(st.sampled_from([-1, 1]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    X = rng.random((n, d), dtype=np.float32)
    size = lambda base, name: max(base + off[name], 0)  # noqa: E731
    centers = rng.random((size(k, "centers_rows"), size(d, "centers_columns")), dtype=np.float32)
    label_range = draw(st.sampled_from([(0, max(k, 1)), (-3, k + 3), (-(2**31), 2**31 - 1)]))
    labels = rng.integers(*label_range, size(n, "labels"))
    labels = labels.astype(draw(st.sampled_from([np.int32, np.int64])))
    weights = np.ones(size(n, "weights"), np.int32)
    chunks = size(kernels.chunk_count(n), "chunks")
    partial_sums = np.zeros((chunks, size(k, "clusters"), size(d, "features")))
    partial_counts = np.zeros((size(chunks, "count_chunks"), size(k, "count_clusters")), np.int64)
    state = np.full(draw(st.sampled_from([1, 1, 0, 2])), 12345, np.uint64)
    scalars = (draw(st.integers(-2, n + 2)), draw(st.integers(-1, 4)))
    return X, centers, labels, weights, partial_sums, partial_counts, state, scalars


def _valid_partials(partial_sums, partial_counts, n_clusters):
    assert (partial_counts >= 0).all() and partial_counts.shape[1] == n_clusters


@child_only
@settings(FUZZ, max_examples=300)
@given(kernel_calls())
def test_public_kernels_fuzzed(call):
    X, centers, labels, weights, partial_sums, partial_counts, state, (n_clusters, n_trials) = call
    n = len(X)
    distances = np.empty(len(labels), np.float32)
    calls = [
        lambda: kernels.assign(X, centers, labels, distances),
        lambda: kernels.accumulate(X, weights, labels, partial_sums, partial_counts),
        lambda: kernels.assign_and_accumulate(X, weights, centers, labels, partial_sums, partial_counts),
        lambda: kernels.reduce_partials(partial_sums, partial_counts, np.empty(partial_sums.shape[1:]),
                                        np.empty(partial_sums.shape[1], np.int64)),
        lambda: kernels.kmeanspp(X, weights, n_clusters, n_trials, state),
        lambda: kernels.rng_next(state),
        lambda: kernels.rng_double(state),
        lambda: kernels.chunk_count(n_clusters, n_trials, n_clusters),
    ]
    for number, call_kernel in enumerate(calls):
        try:
            result = call_kernel()
        except REFUSALS:
            continue
        if number in (0, 2) and n:
            assert ((labels >= 0) & (labels < len(centers))).all()
        if number in (1, 2):
            _valid_partials(partial_sums, partial_counts, partial_sums.shape[1])
        if number == 4:
            assert ((result >= 0) & (result < n)).all() and len(result) == n_clusters
        if number == 7:
            assert 1 <= result <= 256


# --- regressions of issue 10 ------------------------------------------------------------

#: cv2 5.1.0 on 10,000 x 2 float32 points of default_rng(0) with setRNGSeed(0): an epsilon
#: whose square overflows stops each attempt after its initialisation, before any
#: assignment, with cv2's fresh label buffer (zeros) as the labels.
_EPS_OVERFLOW_CV2 = {
    0: (12077.494244158268, [[-0.43939921259880066, 0.8985264301300049],
                             [1.302067518234253, 0.1288638412952423]]),
    fq.KMEANS_PP_CENTERS: (4303.724772103102, [[0.9539150595664978, 0.2628325819969177],
                                               [0.2949877381324768, 0.6615533828735352]]),
}


@pytest.mark.parametrize("epsilon", [float("inf"), 1e200])
@pytest.mark.parametrize("flags", sorted(_EPS_OVERFLOW_CV2))
def test_epsilon_whose_square_overflows_gives_cv2s_result(epsilon, flags):
    X = np.random.default_rng(0).random((10000, 2), dtype=np.float32)
    fq.setRNGSeed(0)
    compactness, labels, centers = fq.kmeans(X, 2, None, (fq.TERM_CRITERIA_EPS, 10, epsilon), 1, flags)
    expected_compactness, expected_centers = _EPS_OVERFLOW_CV2[flags]
    assert compactness == expected_compactness
    np.testing.assert_array_equal(centers, np.float32(expected_centers))
    assert not labels.any()


_CV2_EPS_SCRIPT = """
import sys, numpy as np
lib = sys.argv[1]
m = __import__(lib)
X = np.random.default_rng(5).random((40000, 3), dtype=np.float32)  # labels above malloc's mmap threshold: fresh zeros in cv2
for flags in (0, 2):
    for attempts in (1, 3):
        m.setRNGSeed(7)
        c, labels, centers = m.kmeans(X, 4, None, (m.TERM_CRITERIA_EPS, 10, float("inf")), attempts, flags)
        print(repr(c), int(labels.min()), int(labels.max()), centers.tobytes().hex())
"""


def test_epsilon_whose_square_overflows_matches_cv2_live():
    pytest.importorskip("cv2")
    outputs = []
    for lib in ("cv2", "fastquant"):  # each in its own process: cv2 reads its uninitialised label buffer
        result = subprocess.run([sys.executable, "-c", _CV2_EPS_SCRIPT, lib], capture_output=True,
                                text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert result.returncode == 0, result.stderr[-2000:]
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]

"""Parity of ``fastquant.kmeans`` with ``cv2.kmeans``.

Every case of ``parity_cases.CASES`` is checked twice:

* against cv2's outputs stored in ``tests/reference/`` (these tests need no OpenCV);
* against a fresh ``cv2.kmeans`` call (marked ``cv2``, skipped without OpenCV).

Both libraries are seeded with ``setRNGSeed(case.seed)`` right before the call, so they
start from the same random or k-means++ centers. The bar, identical everywhere:

* the labels agree on at least 99.9% of the points;
* the compactness is within 1e-4 of cv2's, relative.

Further live tests check that a fresh thread's generator starts where cv2's does, and
that ``bestLabels`` and the ``centers`` argument are written in place as cv2 does.
"""

import json
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

import fastquant

from .parity_cases import (
    CASES,
    CASES_BY_NAME,
    INITIAL,
    RANDOM,
    as_points,
    feature_count,
    fingerprint,
    point_count,
    run,
)

MIN_LABEL_AGREEMENT = 0.999
COMPACTNESS_RTOL = 1e-4
REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
REGENERATE_HINT = "regenerate it with: python tests/reference/generate.py {name}"

by_case = pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])


# ---------------------------------------------------------------------------
# Helpers


def label_agreement(labels, reference_labels) -> float:
    """Fraction of points whose labels are equal."""
    labels = np.asarray(labels).reshape(-1)
    reference_labels = np.asarray(reference_labels).reshape(-1)
    assert labels.shape == reference_labels.shape
    return float(np.mean(labels == reference_labels))


def relative_difference(value: float, reference: float) -> float:
    """``|value - reference| / |reference|`` (0 for equal values, inf if reference is 0)."""
    if value == reference:
        return 0.0
    return abs(value - reference) / abs(reference) if reference else float("inf")


def assert_parity(what: str, compactness, labels, ref_compactness, ref_labels):
    """Fail unless ``labels`` and ``compactness`` meet the bar against the reference."""
    agreement = label_agreement(labels, ref_labels)
    n_points = np.asarray(ref_labels).size
    assert agreement >= MIN_LABEL_AGREEMENT, (
        f"{what}: labels agree on {agreement:.6f} of the points "
        f"({round((1 - agreement) * n_points)} of {n_points} differ), "
        f"need {MIN_LABEL_AGREEMENT}"
    )
    difference = relative_difference(compactness, ref_compactness)
    assert difference <= COMPACTNESS_RTOL, (
        f"{what}: compactness {compactness!r} vs cv2's {ref_compactness!r}, relative "
        f"difference {difference:.3e} > {COMPACTNESS_RTOL}"
    )


def recomputed_compactness(data, labels, centers) -> float:
    """Sum of squared distances from each point to its labelled center, in float64."""
    points = as_points(np.asarray(data)).astype(np.float64)
    offsets = points - np.asarray(centers, dtype=np.float64)[np.asarray(labels).reshape(-1)]
    return float(np.sum(offsets * offsets))


def in_fresh_thread(function):
    """Run ``function()`` in a new ``threading.Thread``; return its result or re-raise."""
    outcome = {}

    def target():
        try:
            outcome["result"] = function()
        except BaseException as exc:  # re-raised in the calling thread
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


@lru_cache(maxsize=None)
def fastquant_result(name: str):
    """fastquant's seeded run of the case ``name`` (computed once per session)."""
    return run(fastquant, CASES_BY_NAME[name])


@lru_cache(maxsize=None)
def stored_reference(name: str) -> dict:
    """cv2's stored outputs for the case ``name``, checked to be up to date."""
    path = REFERENCE_DIR / f"{name}.npz"
    hint = REGENERATE_HINT.format(name=name)
    if not path.exists():
        pytest.fail(f"no stored reference {path.name}; {hint}")
    with np.load(path) as stored:
        reference = {key: stored[key] for key in stored.files}
    expected = fingerprint(CASES_BY_NAME[name])
    recorded = json.loads(str(reference["fingerprint"]))
    changed = sorted(key for key in expected if recorded.get(key) != expected[key])
    if changed:
        pytest.fail(
            f"stored reference {path.name} was made for another call or input "
            f"(differs in {', '.join(changed)}); {hint}"
        )
    return reference


# ---------------------------------------------------------------------------
# (a) Stored cv2 outputs, no OpenCV needed


@by_case
def test_output_layout(case):
    """labels are int32 (N, 1), centers float32 (K, D) as cv2 returned them, and the
    compactness is a Python float."""
    compactness, labels, centers, data = fastquant_result(case.name)
    n_points, n_features = point_count(data.shape), feature_count(data.shape)
    assert type(compactness) is float
    assert labels.dtype == np.int32 and labels.shape == (n_points, 1)
    assert centers.dtype == np.float32 and centers.shape == (case.K, n_features)
    assert centers.shape == stored_reference(case.name)["centers"].shape


@by_case
def test_matches_stored_cv2_output(case):
    """fastquant reproduces cv2's stored labels and compactness."""
    compactness, labels, _, _ = fastquant_result(case.name)
    reference = stored_reference(case.name)
    what = f"{case.name} vs stored OpenCV {reference['opencv_version']}"
    assert_parity(what, compactness, labels, float(reference["compactness"]),
                  reference["labels"])


@by_case
def test_returned_centers_give_the_compactness(case):
    """The returned centers and labels themselves reproduce cv2's compactness (so the
    centers are those the compactness was measured with)."""
    _, labels, centers, data = fastquant_result(case.name)
    reference = float(stored_reference(case.name)["compactness"])
    recomputed = recomputed_compactness(data, labels, centers)
    difference = relative_difference(recomputed, reference)
    assert difference <= COMPACTNESS_RTOL, f"relative difference {difference:.3e}"


def test_fresh_thread_starts_like_seed_zero():
    """A new thread's generator starts at 0xFFFFFFFF, the state ``setRNGSeed(0)`` sets,
    whatever the calling thread's generator holds."""
    case = CASES_BY_NAME["rocket_random_k10_attempts3"]
    data, _ = case.make_inputs()

    def unseeded():
        return fastquant.kmeans(
            data, case.K, None, case.criteria, case.attempts, case.flags
        )

    fastquant.setRNGSeed(987654)
    in_thread = in_fresh_thread(unseeded)
    fastquant.setRNGSeed(0)
    seeded = unseeded()
    assert in_thread[0] == seeded[0]
    np.testing.assert_array_equal(in_thread[1], seeded[1])
    np.testing.assert_array_equal(in_thread[2], seeded[2])


# ---------------------------------------------------------------------------
# (b) Live comparison with OpenCV


@pytest.mark.cv2
@by_case
def test_matches_live_cv2(case):
    """fastquant and a fresh cv2.kmeans call, same seed, give the same result."""
    cv2 = pytest.importorskip("cv2")
    ref_compactness, ref_labels, ref_centers, _ = run(cv2, case)
    compactness, labels, centers, _ = run(fastquant, case)
    assert type(compactness) is type(ref_compactness)
    assert (labels.shape, labels.dtype) == (ref_labels.shape, ref_labels.dtype)
    assert (centers.shape, centers.dtype) == (ref_centers.shape, ref_centers.dtype)
    assert_parity(f"{case.name} vs live OpenCV {cv2.__version__}", compactness, labels,
                  ref_compactness, ref_labels)


# ---------------------------------------------------------------------------
# (c) Unseeded generators of new threads


@pytest.mark.cv2
@pytest.mark.parametrize(
    "case",
    [CASES_BY_NAME[name] for name in ("rocket_random_k10_attempts3",
                                      "chelsea_pp_k12_attempts3")],
    ids=lambda case: case.name,
)
def test_fresh_threads_agree_without_seeding(case):
    """In a new thread, two unseeded calls in a row give the same results in both
    libraries: each thread's generator starts at 0xFFFFFFFF and carries over between
    calls. The main thread is seeded first, to show that its state does not leak."""
    cv2 = pytest.importorskip("cv2")

    def two_unseeded_calls(library):
        results = []
        for _ in range(2):
            data, best_labels = case.make_inputs()
            results.append(library.kmeans(
                data, case.K, best_labels, case.criteria, case.attempts, case.flags
            ))
        return results

    cv2.setRNGSeed(4321)
    fastquant.setRNGSeed(4321)
    cv2_runs = in_fresh_thread(lambda: two_unseeded_calls(cv2))
    fastquant_runs = in_fresh_thread(lambda: two_unseeded_calls(fastquant))
    for call, (ours, theirs) in enumerate(zip(fastquant_runs, cv2_runs), start=1):
        assert_parity(f"{case.name}, unseeded call {call} in a new thread",
                      ours[0], ours[1], theirs[0], theirs[1])
    assert fastquant_runs[0][0] != fastquant_runs[1][0], "the state did not carry over"


# ---------------------------------------------------------------------------
# (d) Output arguments written in place

IN_PLACE_CASE = CASES_BY_NAME["chelsea_initial_k6_attempts3"]


def _labels_argument(layout: str, n_points: int, n_clusters: int) -> np.ndarray:
    """A bestLabels array of the given layout, holding ``i mod K`` where it can."""
    values = (np.arange(n_points) % n_clusters).astype(np.int32)
    if layout == "Nx1":
        return values.reshape(n_points, 1)
    if layout == "1xN":
        return values.reshape(1, n_points)
    if layout == "N":
        return values
    if layout == "Nx1_strided":  # every other element of an (N, 2) array
        return np.repeat(values[:, None], 2, axis=1)[:, :1]
    if layout == "wrong_length":
        return np.zeros((n_points + 1, 1), dtype=np.int32)
    if layout == "Nx2":
        return np.zeros((n_points, 2), dtype=np.int32)
    raise ValueError(layout)


@pytest.mark.cv2
@pytest.mark.parametrize(
    "layout, flags",
    [
        ("Nx1", RANDOM), ("1xN", RANDOM), ("N", RANDOM),
        ("Nx1", INITIAL), ("1xN", INITIAL), ("N", INITIAL),
        ("Nx1_strided", RANDOM), ("wrong_length", RANDOM), ("Nx2", RANDOM),
    ],
)
def test_best_labels_in_place_like_cv2(layout, flags):
    """bestLabels is written and returned in place exactly when cv2 does so.

    The labels' values are compared with cv2's output for an (N, 1) bestLabels: with
    KMEANS_USE_INITIAL_LABELS and a (1, N) or (N,) array, cv2 (5.0.0) returns the
    array it was given without writing the result into it, so it still holds the
    initial labels while the compactness and centers are those of the clustering.
    """
    cv2 = pytest.importorskip("cv2")
    case = IN_PLACE_CASE
    data, _ = case.make_inputs()
    n_points = point_count(data.shape)

    def call(library, best_labels):
        library.setRNGSeed(case.seed)
        return library.kmeans(
            data, case.K, best_labels, case.criteria, case.attempts, flags
        )

    passed_to_cv2 = _labels_argument(layout, n_points, case.K)
    cv2_labels = call(cv2, passed_to_cv2)[1]
    passed = _labels_argument(layout, n_points, case.K)
    compactness, labels, _ = call(fastquant, passed)
    assert (labels is passed) == (cv2_labels is passed_to_cv2)
    assert (labels.shape, labels.dtype) == (cv2_labels.shape, cv2_labels.dtype)

    ref_compactness, ref_labels, _ = call(cv2, _labels_argument("Nx1", n_points, case.K))
    assert_parity(f"bestLabels {layout}", compactness, labels, ref_compactness, ref_labels)


@pytest.mark.cv2
@pytest.mark.parametrize(
    "shape_name, dtype",
    [("KxD", np.float32), ("DxK", np.float32), ("KxD", np.float64),
     ("K+1xD", np.float32)],
)
def test_centers_argument_like_cv2(shape_name, dtype):
    """The 7th argument receives the centers and is returned exactly when cv2 does so,
    and passing it does not change fastquant's result."""
    cv2 = pytest.importorskip("cv2")
    case = IN_PLACE_CASE
    data, _ = case.make_inputs()
    n_features = feature_count(data.shape)
    shape = {"KxD": (case.K, n_features), "DxK": (n_features, case.K),
             "K+1xD": (case.K + 1, n_features)}[shape_name]
    outcomes = []
    for library in (cv2, fastquant):
        passed = np.zeros(shape, dtype=dtype)
        library.setRNGSeed(case.seed)
        compactness, labels, centers = library.kmeans(
            data, case.K, None, case.criteria, case.attempts, RANDOM, passed
        )
        outcomes.append((compactness, labels, centers, centers is passed))
    (ref_compactness, ref_labels, ref_centers, cv2_in_place) = outcomes[0]
    (compactness, labels, centers, in_place) = outcomes[1]
    assert in_place == cv2_in_place
    assert (centers.shape, centers.dtype) == (ref_centers.shape, ref_centers.dtype)
    assert_parity(f"centers {shape_name} {np.dtype(dtype)}", compactness, labels,
                  ref_compactness, ref_labels)

    fastquant.setRNGSeed(case.seed)
    plain = fastquant.kmeans(data, case.K, None, case.criteria, case.attempts, RANDOM)
    assert compactness == plain[0]
    np.testing.assert_array_equal(labels, plain[1])
    np.testing.assert_array_equal(centers, plain[2])

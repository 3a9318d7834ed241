"""fastquant.kernels: the stable kernel API, from Python and from a user's @njit code."""

import numba
import numpy as np

from fastquant import kernels

from .. import naive
from ._data import blobs

STABLE = [
    "chunk_count", "assign", "accumulate", "assign_and_accumulate", "reduce_partials",
    "kmeanspp", "rng_next", "rng_float", "rng_double",
]


def test_the_stable_api_is_exactly_the_documented_list():
    assert sorted(kernels.__all__) == sorted(STABLE)
    public = sorted(name for name in vars(kernels) if not name.startswith("_"))
    assert public == sorted(STABLE)  # the modules are private (underscore) names


@numba.njit
def _user_lloyd(points, centers, n_passes):
    """A user's own jitted Lloyd loop built from fastquant's kernels."""
    n, d = points.shape
    k = centers.shape[0]
    n_chunks = kernels.chunk_count(n)
    labels = np.empty(n, dtype=np.int32)
    partial_sums = np.empty((n_chunks, k, d))
    partial_counts = np.empty((n_chunks, k), dtype=np.int64)
    sums = np.empty((k, d))
    counts = np.empty(k, dtype=np.int64)
    weights = np.ones(n, dtype=np.int32)
    for _ in range(n_passes):
        kernels.assign_and_accumulate(points, weights, centers, labels, partial_sums, partial_counts)
        kernels.reduce_partials(partial_sums, partial_counts, sums, counts)
        for c in range(k):
            for j in range(d):
                centers[c, j] = np.float32(sums[c, j] / max(counts[c], 1))
    return labels


@numba.njit
def _user_seeding(points, k, seed):
    state = np.empty(1, dtype=np.uint64)
    state[0] = seed
    weights = np.ones(points.shape[0], dtype=np.int32)
    return kernels.kmeanspp(points, weights, k, 3, state), kernels.rng_next(state)


def test_kernels_are_callable_from_a_users_njit_function():
    points = blobs(5000, 3, 4, seed=10, integer=True)
    centers = points[:4].copy()
    labels = _user_lloyd(points, centers.copy(), 3)

    expected_centers = centers.copy()
    for _ in range(3):
        expected = np.argmin(naive.sq_distances(points, expected_centers), axis=1)
        for c in range(4):
            members = points[expected == c].astype(np.float64)
            expected_centers[c] = members.sum(axis=0) / max(len(members), 1)
    np.testing.assert_array_equal(labels, expected)

    chosen, _ = _user_seeding(points, 4, 99)
    np.testing.assert_array_equal(points[chosen], naive.kmeanspp(points, 4, naive.MWC(99)))


def test_public_kmeanspp_is_cv2s_on_unit_weights():
    points = blobs(3000, 3, 6, seed=7, integer=True)
    reference = naive.MWC(5)
    state = np.array([reference.state], dtype=np.uint64)
    chosen = kernels.kmeanspp(points, np.ones(len(points), np.int32), 10, 3, state)
    np.testing.assert_array_equal(points[chosen], naive.kmeanspp(points, 10, reference))
    assert int(state[0]) == reference.state


def test_public_kmeanspp_draws_in_proportion_to_the_weights():
    # Two far groups: weight 1 at 0, weight 9 at 100; the first center falls in the
    # heavy group about 9 times in 10, and points of weight 0 are never drawn.
    points = np.array([[0.0]] * 5 + [[100.0]] * 5 + [[50.0]] * 5, dtype=np.float32)
    weights = np.array([1] * 5 + [9] * 5 + [0] * 5, dtype=np.int32)
    state = np.array([12345], dtype=np.uint64)
    firsts = [int(kernels.kmeanspp(points, weights, 2, 3, state)[0]) for _ in range(2000)]
    heavy = np.mean([5 <= f < 10 for f in firsts])
    assert 0.87 < heavy < 0.93  # 0.9 within 5 binomial standard deviations
    assert max(firsts) < 10
    pairs = [set(kernels.kmeanspp(points, weights, 2, 3, state).tolist()) for _ in range(200)]
    assert all(pair.isdisjoint(range(10, 15)) for pair in pairs)


def test_the_documented_python_example_runs(tmp_path):
    """docs/api.md's kernel examples, executed as they are written there."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    section = text[text.index("## `fastquant.kernels`"):text.index("### Internals")]
    blocks = [b.split("```", 1)[0] for b in section.split("```python\n")[1:]]
    assert len(blocks) == 2
    namespace = {}
    exec(compile("\n".join(blocks) + "\nresult = lloyd(X, weights, centers, 3)", "api.md", "exec"), namespace)
    assert namespace["result"].shape == (100_000,)
    assert set(np.unique(namespace["result"])) <= set(range(8))

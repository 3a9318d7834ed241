"""fastquant.kernels._random: the generators."""

import numpy as np
import pytest

from fastquant import kernels
from fastquant.kernels import _random

from .. import naive
from ._data import blobs


@pytest.mark.parametrize("seed", [0, 1, 12345, -1, 2**31 - 1])
def test_rng_matches_reference_generator(seed):
    reference = naive.MWC(seed)
    state = np.array([reference.state], dtype=np.uint64)
    for _ in range(50):
        assert kernels.rng_next(state) == reference.next()
    for _ in range(20):
        assert kernels.rng_float(state) == reference.uniform_float()
        assert kernels.rng_double(state) == reference.uniform_double()
    assert int(state[0]) == reference.state


@pytest.mark.parametrize("d", [1, 3, 16])
def test_random_centers_match_reference(d):
    points = blobs(1000, d, 3, seed=6)
    state = np.array([naive.MWC(77).state], dtype=np.uint64)
    got = _random.random_centers(points.min(axis=0), points.max(axis=0), 12, state)
    np.testing.assert_array_equal(got, naive.random_centers(points, 12, naive.MWC(77)))


@pytest.mark.parametrize("seed", [0, 1, 2**63 + 12345, 2**64 - 1])
def test_counter_uniforms_match_splitmix64_and_ignore_the_partition(seed):
    whole = np.empty(3000)
    _random.counter_uniforms(np.uint64(seed), 0, whole)
    expected = [naive.splitmix64_uniform(seed, i) for i in range(3000)]
    np.testing.assert_array_equal(whole, expected)
    part = np.empty(1000)
    _random.counter_uniforms(np.uint64(seed), 1234, part)
    np.testing.assert_array_equal(part, whole[1234:2234])
    assert 0.0 <= whole.min() and whole.max() < 1.0

import threading

import pytest

import fastquant as fq
from fastquant import kernels
from fastquant._rng import new_state, thread_state

from . import naive


def test_fresh_thread_starts_at_cv2_default_state():
    box = []
    thread = threading.Thread(target=lambda: box.append(int(thread_state()[0])))
    thread.start()
    thread.join()
    assert box == [0xFFFFFFFF]


@pytest.mark.parametrize("seed, state", [(0, 0xFFFFFFFF), (1, 1), (-1, 2**64 - 1), (2**31 - 1, 2**31 - 1)])
def test_setrngseed_sets_the_state_as_cv2_does(seed, state):
    fq.setRNGSeed(seed)
    assert int(thread_state()[0]) == state
    assert int(new_state(seed)[0]) == state


def test_seeding_one_thread_leaves_others_alone():
    fq.setRNGSeed(123)
    box = []

    def other():
        fq.setRNGSeed(7)
        box.append(int(thread_state()[0]))

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert box == [7] and int(thread_state()[0]) == 123


def test_thread_state_is_advanced_by_draws():
    fq.setRNGSeed(9)
    reference = naive.MWC(9)
    draws = [int(kernels.rng_next(thread_state())) for _ in range(5)]
    assert draws == [reference.next() for _ in range(5)]
    assert int(thread_state()[0]) == reference.state

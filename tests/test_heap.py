"""fastquant._heap: freed heap blocks go back to the system."""

import subprocess
import sys

import pytest

from fastquant import _heap

_CHILD = """
import numpy as np
from fastquant import _heap

def resident():
    with open('/proc/self/status') as lines:
        for line in lines:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) * 1024

blocks = [np.ones(8192) for _ in range(2048)]  # 64 KiB each: in the heap, 128 MiB
last = np.ones(8192)  # above them, so that freeing them leaves no free top to trim
del blocks
before = resident()
_heap.release_free_heap()
print((before - resident()) / 2**20)
"""


@pytest.mark.skipif(_heap._TRIM is None or not sys.platform.startswith("linux"),
                    reason="glibc's malloc_trim, read through /proc/self/status")
def test_freed_heap_blocks_are_given_back():
    done = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True,
                          check=True)
    assert float(done.stdout.split()[-1]) > 64  # MiB of the 128 freed


def test_release_is_harmless_anywhere():
    _heap.release_free_heap()
    _heap.release_free_heap()

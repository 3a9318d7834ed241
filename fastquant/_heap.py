"""Giving freed heap memory back to the system between the steps of a large call.

glibc's ``malloc`` keeps freed blocks below its mmap threshold in the heap, and it
raises that threshold (up to 32 MiB) each time a larger mapped block is freed, which
reading a photo does. The tables and temporaries of quantize's clustering then stay
resident, freed, under the labels and the quantized image allocated after them (17 MiB
at 24 MP, where the whole call may need 5x the image). ``malloc_trim`` gives them back.
Elsewhere (no glibc) this is a no-op.
"""

import ctypes


def _malloc_trim():
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):  # not glibc; Windows has no CDLL(None)
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_TRIM = _malloc_trim()


def release_free_heap() -> None:
    """Return the heap's free pages to the system (glibc), so that memory freed by
    one step of a call is not still counted when the next step allocates."""
    if _TRIM is not None:
        _TRIM(0)

"""Per-thread generator state, as OpenCV keeps one ``cv::RNG`` per thread."""

import threading

import numpy as np

_FRESH_STATE = 0xFFFFFFFF
_INT_MIN = -(2**31)
_INT_MAX = 2**31 - 1
_local = threading.local()


def new_state(seed: int = 0) -> np.ndarray:
    """A generator state seeded like ``cv::RNG(seed)`` (0 means 0xFFFFFFFF)."""
    value = seed % 2**64 or _FRESH_STATE
    return np.array([value], dtype=np.uint64)


def thread_state() -> np.ndarray:
    """The calling thread's generator state; a new thread starts at 0xFFFFFFFF."""
    state = getattr(_local, "state", None)
    if state is None:
        state = _local.state = new_state()
    return state


def setRNGSeed(seed: int) -> None:  # noqa: N802 - cv2's name
    """Seed the calling thread's generator, as ``cv2.setRNGSeed`` does.

    Parameters
    ----------
    seed : int
        A C ``int`` (-2**31 to 2**31 - 1). Negative values wrap to 64 bits as in
        OpenCV; 0 gives the state of a fresh thread.

    Raises
    ------
    TypeError
        If ``seed`` is not an integer.
    ValueError
        If ``seed`` does not fit in a C ``int``.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
    if not _INT_MIN <= int(seed) <= _INT_MAX:
        raise ValueError(f"seed must fit in a C int (-2**31 to 2**31 - 1), got {seed}")
    thread_state()[0] = new_state(int(seed))[0]

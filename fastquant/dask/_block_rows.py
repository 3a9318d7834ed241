"""The weighted distinct rows of a block, kept on its worker while the block lives.

A persisted block reaches every pass as the same array object. Its distinct rows
(for an 8-bit photo, about a sixth of the block) are found at the first pass and
reused by the following ones, which then cost a fraction of a pass over the pixels.
An entry is dropped when its block is garbage-collected; blocks computed afresh at
each pass (data generated or read per block) are deduplicated at each pass.
"""

import threading
import weakref
from typing import Dict, Optional, Tuple

import numpy as np

from .._distinct import Rows, distinct_rows, plain_rows
from .._validation import Points

_cache: Dict[int, Tuple[weakref.ref, Optional[Rows]]] = {}
_lock = threading.Lock()


def _forget(key: int) -> None:
    with _lock:
        _cache.pop(key, None)


def as_points(block) -> np.ndarray:
    """The block as C-contiguous, writeable float32 (the type the kernels compile for)."""
    points = np.asarray(block, dtype=np.float32, order="C")
    return points if points.flags.writeable else points.copy()


def block_rows(block, low: np.ndarray, high: np.ndarray) -> Rows:
    """The rows to cluster for ``block``: its distinct rows with their counts when
    that pays (see ``fastquant._distinct``), else the block's points themselves.
    The block is converted to float32 only when its distinct rows are not kept.

    Parameters
    ----------
    block : ndarray
        The block as dask handed it (its identity keys the cache).
    low, high : float32 (D,)
        Bounds of the whole array (they size the key table).

    Returns
    -------
    Rows
        Without ``inverse``: these rows serve sums, counts and distances, not labels.
    """
    key = id(block)
    with _lock:
        entry = _cache.get(key)
    if entry is not None and entry[0]() is block:
        distinct = entry[1]
        return plain_rows(as_points(block)) if distinct is None else distinct
    rows = distinct_rows(Points(as_points(block), low, high))
    distinct = Rows(rows.values, rows.weights, np.empty(0, dtype=np.int32)) if len(rows.inverse) else None
    try:
        reference = weakref.ref(block, lambda _, key=key: _forget(key))
    except TypeError:  # not weak-referenceable: nothing is cached
        return rows if distinct is None else distinct
    with _lock:
        _cache[key] = (reference, distinct)
    return rows if distinct is None else distinct


def cached_blocks() -> int:
    """Number of blocks whose rows are kept (for tests and diagnostics)."""
    with _lock:
        return len(_cache)


def clear() -> None:
    """Forget every block's rows (they are rebuilt at the next pass that needs them)."""
    with _lock:
        _cache.clear()

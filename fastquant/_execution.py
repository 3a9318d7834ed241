"""How kernels are launched safely from any Python thread and after ``fork``.

numba's threading layer is chosen process-wide at the first parallel launch and
fastquant never changes that choice. It adapts to the layer instead:

* ``workqueue`` aborts the process when two Python threads launch at once, so its
  launches (and every launch before the layer is known) are serialised by a lock;
* GNU OpenMP (``omp``) kills a forked child at its first parallel launch when the
  parent had already used it, so such a child runs the serial twins of the kernels.

A serial twin is compiled only where a launch runs it: small work, a block of
:func:`one_thread_per_launch`, or such a forked child. Compiling a kernel's parallel
version costs about twice its serial twin (the README's command spent 8 of its 20 s of
compiling on the extra cost of 7 parallel kernels), so a run whose launches are all
serial compiles no parallel code, and deciding this never starts numba's threads.
"""

import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numba

from ._jit import serial_twin
from .kernels._tunables import PARALLEL_MIN_WORK

_launch_lock = threading.Lock()
_known_layer = None
_serial_only = False
_one_thread = threading.local()  # .active: inside one_thread_per_launch in this thread
_pool = None  # the threads of map_on_threads, started at its first use
_pool_lock = threading.Lock()


def _current_layer():
    try:
        return numba.threading_layer()
    except ValueError:  # no parallel launch has happened yet in this process
        return None


def _after_fork_in_child():
    global _launch_lock, _serial_only, _pool, _pool_lock
    _launch_lock = threading.Lock()
    _pool, _pool_lock = None, threading.Lock()  # the parent's threads are not here
    if _current_layer() == "omp":
        _serial_only = True


os.register_at_fork(after_in_child=_after_fork_in_child)


def launch(kernel, *args, work=None):
    """Run a parallel ``kernel``, or its serial twin where parallelism is unsafe or
    does not pay (small work, or inside :func:`one_thread_per_launch`).

    Parameters
    ----------
    kernel : numba dispatcher
        A kernel created by ``fastquant._jit.kernel``.
    *args
        Its arguments.
    work : int, optional
        Operations in one parallel loop of the kernel; below PARALLEL_MIN_WORK the
        serial twin runs (same results: the chunking does not depend on threads).

    Returns
    -------
    object
        Whatever the kernel returns.
    """
    global _known_layer
    if runs_serially(work):
        return serial_twin(kernel)(*args)
    if _known_layer is None or _known_layer == "workqueue":
        with _launch_lock:
            try:
                result = kernel(*args)
            except ValueError as error:
                if _current_layer() is None and "threading layer" in str(error):
                    raise RuntimeError(_layer_message()) from None
                raise
            _known_layer = _current_layer()
        return result
    return kernel(*args)


def runs_serially(work=None) -> bool:
    """Whether :func:`launch` with this ``work`` runs the serial twin here."""
    return (_serial_only or getattr(_one_thread, "active", False)
            or (work is not None and work < PARALLEL_MIN_WORK))


def _layer_message() -> str:
    wanted = numba.config.THREADING_LAYER
    return (
        f"numba could not load the threading layer {wanted!r} (NUMBA_THREADING_LAYER="
        f"{os.environ.get('NUMBA_THREADING_LAYER', '')!r}): install it or unset the variable"
    )


def serial_only():
    """True in a forked child whose parent had started GNU OpenMP threads."""
    return _serial_only


@contextmanager
def one_thread_per_launch(active: bool = True, tasks_on_threads: bool = False):
    """Within the block, kernels launched by the calling thread run their serial twins
    (with ``active`` False: launch as usual again, within an outer block).

    For callers that already run one task per core (dask workers) or whose passes are
    too short to share between threads (quantize's k-means on the colours). Only the
    serial code is compiled, and numba's thread pool is left alone (not even started).
    A serial twin ran a pass as fast as its parallel kernel on one thread: 0.256 and
    0.265 ms for 41,000 x 3 points, K = 8, and 1.16 and 1.18 ms for 160,000. The flag
    is per Python thread, so other threads of the process are not affected.

    With ``tasks_on_threads``, :func:`map_on_threads` still spreads its tasks over
    threads (each launching serially too), unless an outer block forbade it; without
    it, they run in the calling thread.
    """
    previous = (getattr(_one_thread, "active", False), getattr(_one_thread, "tasks", True))
    _one_thread.active = active
    _one_thread.tasks = not active or (tasks_on_threads and previous[1])
    try:
        yield
    finally:
        _one_thread.active, _one_thread.tasks = previous

def task_threads(n_tasks: int) -> int:
    """How many threads :func:`map_on_threads` would run ``n_tasks`` tasks on: numba's
    thread count at most, and 1 inside :func:`one_thread_per_launch` (unless it allows
    tasks on threads)."""
    if not getattr(_one_thread, "tasks", True):
        return 1
    return max(1, min(n_tasks, _thread_count()))


def _thread_count() -> int:
    # numba.get_num_threads() would start numba's threads, which a run of serial
    # launches never needs.
    if _current_layer() is None:
        return numba.config.NUMBA_NUM_THREADS
    return numba.get_num_threads()


def map_on_threads(func, items):
    """``[func(item) for item in items]``, the calls spread over :func:`task_threads`
    threads (the calling thread and pool threads), each launching the serial twins of
    the kernels (which release the GIL): one thread per task rather than all threads on
    every launch of one task.

    Each thread takes the next item not yet taken, the calling thread from the start: a
    pool thread may start late (on a KVM guest, an idle vCPU can take a millisecond to
    wake) and then only takes fewer items, rather than holding up the first ones; one
    that never started is not waited for. The results are in the order of ``items`` and
    each call runs as it would alone, so they do not depend on the number of threads or
    on which thread ran which call. After a failure no item is taken; the error of the
    first failing item among those that ran is raised.
    """
    items = list(items)
    n_threads = task_threads(len(items))
    if n_threads == 1:
        return [func(item) for item in items]
    results = [None] * len(items)
    failures = {}
    taken = itertools.count()  # (next() is atomic under the GIL)

    def take_items():
        with one_thread_per_launch():
            for index in taken:
                if index >= len(items) or failures:
                    return
                try:
                    results[index] = func(items[index])
                except BaseException as error:  # raised again in the calling thread
                    failures[index] = error
                    return

    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(_thread_count(), "fastquant-task")
        pool = _pool
    helpers = [pool.submit(take_items) for _ in range(n_threads - 1)]
    take_items()
    for helper_thread in helpers:
        if not helper_thread.cancel():  # (one not started yet is not waited for)
            helper_thread.result()
    if failures:
        raise failures[min(failures)]
    return results

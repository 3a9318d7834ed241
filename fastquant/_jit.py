"""The one place where fastquant's Numba options and caching policy live.

Every jitted function in the package is created by :func:`helper` (serial, for code
called from kernels) or :func:`kernel` (a ``parallel=True`` kernel plus a serial twin
compiled from the same source, used where parallel launches are unsafe or do not pay).

Caching is switched on per dispatcher and a missing cache location only disables it,
so ``import fastquant`` never fails because no writable directory exists. Set
``FASTQUANT_DISABLE_CACHE=1`` to compile in memory only.

numba keys a cached function on its own bytecode and the modification time of its own
file, so an edit of a jitted helper in another file would leave its callers' cached
machine code stale. fastquant's cache adds a hash of every source file of the kernels
package (and of this module) to the key: any edit recompiles every kernel. A cache file
that cannot be read (truncated, corrupt, from another version) is recompiled, never an
error. With ``NUMBA_DISABLE_JIT=1`` the kernels run as plain Python (slowly).

Python's cyclic garbage collector is paused while a fastquant function compiles (see
:class:`_CollectorPause`) and while its cache entry is saved or loaded: the README
command's collections on an empty cache went from 182 to 59, their CPU time from 0.29
to 0.21 s (3 rounds, alternating).
"""

import gc
import hashlib
import os
import threading
import types
from contextlib import contextmanager
from pathlib import Path

import numba
from numba.core import event
from numba.core.caching import FunctionCache

#: no_cfunc_wrapper: no C-callable wrapper (for numba's first-class function values, which
#: fastquant never uses) is compiled next to each function: the README command's
#: compiles on an empty cache went from 5.37 to 5.03 s of CPU (min of 3, alternating).
_OPTIONS = {"nogil": True, "error_model": "numpy", "boundscheck": False, "no_cfunc_wrapper": True}
_CACHE_ENABLED = os.environ.get("FASTQUANT_DISABLE_CACHE", "").strip() in ("", "0")
_SERIAL_TWINS = {}  # parallel kernel -> its serial twin, None until first asked for
_TWIN_LOCK = threading.Lock()


def _source_hash() -> str:
    """sha256 of the kernels package's source files and of this module."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve()
    for path in sorted((here.parent / "kernels").glob("*.py")) + [here]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class _PackageCache(FunctionCache):
    """numba's per-function cache, keyed also on the kernels package's source hash,
    and recompiling instead of failing on a cache file it cannot read."""

    _source = None

    def _index_key(self, sig, codegen):
        if _PackageCache._source is None:
            _PackageCache._source = _source_hash()
        return super()._index_key(sig, codegen) + (_PackageCache._source,)

    def load_overload(self, sig, target_context):
        try:
            with _collector_paused():
                return super().load_overload(sig, target_context)
        except Exception:  # an unreadable cache entry: compile again
            return None

    def save_overload(self, sig, data):
        try:
            with _collector_paused():
                super().save_overload(sig, data)
        except Exception:  # an unwritable cache: keep the compiled code in memory
            pass


@contextmanager
def _collector_paused():
    """Python's cyclic garbage collector paused in the block, where it was enabled:
    for the save and load of a cache entry, which numba runs outside the compile (see
    :class:`_CollectorPause`)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _CollectorPause(event.Listener):
    """Pauses Python's cyclic garbage collector from the start to the end of the compile
    of a fastquant function (with the compiles nested in it), where it was enabled.

    numba's compiler makes millions of short-lived objects: the collector ran 1,136
    times during the README command's compiles on an empty cache and took 0.85 of its
    7.3 s of CPU; paused, 0.35 s (the rest is numba's start-up, also paid warm), for a
    peak 14 MiB higher. The garbage is collected as usual after the compile.
    Compiles run one at a time (numba's global compiler lock), so one depth counter
    serves the process; a compile of another package's function is left alone.
    """

    def __init__(self):
        self._depth = 0
        self._paused = False

    def on_start(self, ev):
        if self._depth == 0 and gc.isenabled():
            dispatcher = ev.data.get("dispatcher") if ev.data else None
            module = getattr(getattr(dispatcher, "py_func", None), "__module__", "") or ""
            if module.split(".")[0] == __name__.split(".")[0]:
                gc.disable()
                self._paused = True
        self._depth += 1

    def on_end(self, ev):
        self._depth -= 1
        if self._depth == 0 and self._paused:
            self._paused = False
            gc.enable()


event.register("numba:compile", _CollectorPause())


def _compile(func, parallel, **options):
    dispatcher = numba.njit(parallel=parallel, **_OPTIONS, **options)(func)
    if _CACHE_ENABLED and isinstance(dispatcher, numba.core.registry.CPUDispatcher):
        try:
            dispatcher._cache = _PackageCache(dispatcher.py_func)
        except Exception:
            # No writable cache location (numba raises here, at decoration time), or
            # numba's cache internals changed: the dispatcher still works, it just
            # recompiles in each process.
            pass
    return dispatcher


def helper(func):
    """Compile ``func`` as a serial jitted function."""
    return _compile(func, parallel=False)


def inline(func):
    """Compile ``func`` as a serial helper inlined into its callers (for hot loops:
    a call to a non-inlined jitted function that takes arrays costs tens of ns)."""
    return _compile(func, parallel=False, inline="always")


def fused(func):
    """Compile ``func`` as a serial helper whose multiplications and additions may
    fuse into multiply-adds (numba's ``contract`` flag, for this function's own
    arithmetic only: its callers keep their rounding)."""
    return _compile(func, parallel=False, fastmath={"contract"})


def reassociated(func):
    """Compile ``func`` as a serial helper whose additions may also be reordered
    (numba's ``reassoc`` and ``contract`` flags, for this function's own arithmetic
    only): for values whose error bound holds in any order of summation, never for
    cv2's sums."""
    return _compile(func, parallel=False, fastmath={"reassoc", "contract"})


def kernel(func):
    """Compile ``func`` as a parallel kernel; its serial twin is made on first use
    (see :func:`serial_twin`)."""
    parallel = _compile(func, parallel=True)
    _SERIAL_TWINS[parallel] = None
    return parallel


def serial_twin(parallel_kernel):
    """The serial dispatcher compiled from the same source as ``parallel_kernel``.

    It is created at the first request, so a process that never runs a kernel's twin
    neither compiles nor even creates it (half the dispatchers made at import). The
    twin is a copy of the function under another qualified name: numba's on-disk cache
    keys ignore ``parallel``, so the name keeps their cache files apart.
    """
    twin = _SERIAL_TWINS[parallel_kernel]
    if twin is None:
        func = getattr(parallel_kernel, "py_func", parallel_kernel)  # (no dispatcher
        # with NUMBA_DISABLE_JIT=1)
        copy = types.FunctionType(
            func.__code__, func.__globals__, func.__name__ + "_serial",
            func.__defaults__, func.__closure__,
        )
        copy.__qualname__ = func.__qualname__ + "_serial"
        copy.__module__ = func.__module__
        copy.__doc__ = func.__doc__
        with _TWIN_LOCK:  # one twin, whichever thread asks first
            if _SERIAL_TWINS[parallel_kernel] is None:
                _SERIAL_TWINS[parallel_kernel] = _compile(copy, parallel=False)
            twin = _SERIAL_TWINS[parallel_kernel]
    return twin

"""The one place where fastquant's Numba options and caching policy live.

Every jitted function in the package is created by :func:`helper` (serial, for code
called from kernels) or :func:`kernel` (a ``parallel=True`` kernel plus a serial twin
compiled from the same source, used where parallel launches are unsafe).

Caching is switched on per dispatcher and a missing cache location only disables it,
so ``import fastquant`` never fails because no writable directory exists. Set
``FASTQUANT_DISABLE_CACHE=1`` to compile in memory only.
"""

import os
import types

import numba

_OPTIONS = {"nogil": True, "error_model": "numpy", "boundscheck": False}
_CACHE_ENABLED = os.environ.get("FASTQUANT_DISABLE_CACHE", "").strip() in ("", "0")
_SERIAL_TWINS = {}


def _compile(func, parallel, **options):
    dispatcher = numba.njit(parallel=parallel, **_OPTIONS, **options)(func)
    if _CACHE_ENABLED:
        try:
            dispatcher.enable_caching()
        except RuntimeError:
            # No writable cache location (numba raises here, at decoration time):
            # the dispatcher still works, it just recompiles in each process.
            pass
    return dispatcher


def helper(func):
    """Compile ``func`` as a serial jitted function."""
    return _compile(func, parallel=False)


def inline(func):
    """Compile ``func`` as a serial helper inlined into its callers (for hot loops:
    a call to a non-inlined jitted function that takes arrays costs tens of ns)."""
    return _compile(func, parallel=False, inline="always")


def kernel(func):
    """Compile ``func`` as a parallel kernel and register its serial twin.

    The twin is a copy of the function under another qualified name: numba's
    on-disk cache keys ignore ``parallel``, so the name keeps their cache files apart.
    """
    parallel = _compile(func, parallel=True)
    twin = types.FunctionType(
        func.__code__, func.__globals__, func.__name__ + "_serial",
        func.__defaults__, func.__closure__,
    )
    twin.__qualname__ = func.__qualname__ + "_serial"
    twin.__module__ = func.__module__
    twin.__doc__ = func.__doc__
    _SERIAL_TWINS[parallel] = _compile(twin, parallel=False)
    return parallel


def serial_twin(parallel_kernel):
    """The serial dispatcher compiled from the same source as ``parallel_kernel``."""
    return _SERIAL_TWINS[parallel_kernel]

"""Argument checks of the kernels, one helper per rule, run inside the jitted code.

The checks run in nopython mode, so they also guard a kernel called from a user's own
``@numba.njit`` function. Shapes and scalar arguments are checked before any write;
index ranges (labels, inverse indices, keys) are checked in the kernels' own loops:
a row whose index is out of range is counted and skipped, nothing is written for it,
and :func:`require_none_bad` raises once the loop is over. The cost, measured in
``docs/api.md``, is a compare and a branch per row.

Messages name the argument. The numbers in them travel as the arguments of a
:class:`KernelArgumentError` and are formatted in Python when the message is read:
building the message in nopython mode (``str(int)``, string concatenation) compiled
about 2 s of numba's string code in every fresh cache, this costs 0.05 s.

Element types are fixed when numba compiles a kernel for its arguments' types:
:func:`require_integers` refuses a non-integer index array at that point, with
numba's ``TypingError`` carrying a message that names the argument.
"""

import numpy as np
from numba.core import types
from numba.core.errors import TypingError
from numba.extending import overload

from .._jit import inline


class KernelArgumentError(ValueError):
    """A kernel's argument broke a rule: ``template.format(*values)`` is the message."""

    def __str__(self) -> str:
        template, *values = self.args
        return template.format(*values)


@inline
def require_equal(got, expected, rule):
    """``ValueError(rule: got ..., expected ...)`` unless ``got == expected``."""
    if got != expected:
        raise KernelArgumentError("{}: got {}, expected {}", rule, got, expected)


@inline
def require_at_least(value, minimum, rule):
    """``ValueError(rule: got ...)`` unless ``value >= minimum``."""
    if value < minimum:
        raise KernelArgumentError("{}: got {}", rule, value)


@inline
def require_at_most(value, maximum, rule):
    """``ValueError(rule: got ..., limit ...)`` unless ``value <= maximum``."""
    if value > maximum:
        raise KernelArgumentError("{}: got {}, limit {}", rule, value, maximum)


@inline
def in_range(index, size):
    """True when ``0 <= index < size``."""
    return index >= 0 and index < size


@inline
def require_none_bad(n_bad, rule):
    """``ValueError(rule: n entries are not)`` when ``n_bad`` entries broke ``rule``
    (the rows holding them were skipped)."""
    if n_bad > 0:
        raise KernelArgumentError("{}: {} entries are not", rule, n_bad)


@inline
def require_cluster_indices(n_bad):
    """No label was outside [0, n_clusters) (see :func:`require_none_bad`)."""
    require_none_bad(n_bad, "labels must be cluster indices in [0, n_clusters)")


@inline
def require_one_per_row(array, n_samples, name):
    """``array`` has one entry per row of ``X``."""
    if array.shape[0] != n_samples:
        raise KernelArgumentError("{} must have one entry per row of X: got {}, expected {}",
                                  name, array.shape[0], n_samples)


@inline
def require_partials(partial_sums, partial_counts, n_features):
    """Per-chunk workspaces of matching shapes (n_chunks >= 1, n_clusters >= 1, n_features)."""
    require_at_least(partial_sums.shape[0], 1, "partial_sums must have at least one chunk")
    require_at_least(partial_sums.shape[1], 1, "partial_sums must have at least one cluster")
    require_equal(partial_sums.shape[2], n_features,
                  "partial_sums must have one column per feature (of X, or of sums)")
    require_equal(partial_counts.shape[0], partial_sums.shape[0],
                  "partial_counts must have as many chunks as partial_sums")
    require_equal(partial_counts.shape[1], partial_sums.shape[1],
                  "partial_counts must have as many clusters as partial_sums")


@inline
def require_centers(centers, n_features):
    """At least one center, with one column per column of ``X``."""
    require_at_least(centers.shape[0], 1, "centers must have at least one row")
    require_equal(centers.shape[1], n_features, "centers must have one column per column of X")


@inline
def require_rng_state(state):
    """The generator state is one uint64 value."""
    require_equal(state.shape[0], 1, "rng_state must have shape (1,)")


@inline
def require_labels_for(labels, n_samples, n_clusters):
    """Labels to write: integers, one per row of X, of a type that holds every index."""
    require_integers(labels, "labels")
    require_one_per_row(labels, n_samples, "labels")
    require_at_most(n_clusters - 1, integer_limit(labels),
                    "the highest cluster index must fit the labels' integer type")


@inline
def require_pass_arguments(X, weights, centers, labels, partial_sums, partial_counts):
    """The arguments of a Lloyd pass agree in shape (labels of integers)."""
    require_labels_for(labels, X.shape[0], centers.shape[0])
    require_one_per_row(weights, X.shape[0], "weights")
    require_partials(partial_sums, partial_counts, X.shape[1])
    require_centers(centers, X.shape[1])
    require_equal(centers.shape[0], partial_sums.shape[1],
                  "centers must have one row per cluster of partial_sums")


def require_integers(array, name):
    """Refuse an index array whose elements are not integers (checked when numba
    compiles the caller; this body runs only with ``NUMBA_DISABLE_JIT=1``)."""
    if not np.issubdtype(np.asarray(array).dtype, np.integer):
        raise TypeError(f"{name} must be an array of integers, got {np.asarray(array).dtype}")


def integer_limit(array):
    """The largest value the elements of an integer array can hold (a constant once
    compiled; this body runs only with ``NUMBA_DISABLE_JIT=1``)."""
    return np.iinfo(np.asarray(array).dtype).max


@overload(integer_limit)
def _integer_limit_typed(array):
    if isinstance(array, types.Array) and isinstance(array.dtype, types.Integer):
        limit = np.iinfo(np.dtype(str(array.dtype))).max
        return lambda array: limit
    return None


@overload(require_integers, prefer_literal=True)
def _require_integers_typed(array, name):
    if not isinstance(name, types.StringLiteral):
        return None  # numba retries with the literal name
    if not (isinstance(array, types.Array) and isinstance(array.dtype, types.Integer)):
        raise TypingError(f"{name.literal_value} must be an array of integers, got {array}")
    return lambda array, name: None

"""The check of the points and the table of their distinct rows together, for
byte-valued data on one thread (an 8-bit image: messi.jpg's 306,908 x 3 pixels).

The general way finds the bounding box first, then keys the rows relative to it and
ranks the keys over the box's key space (``_feature_bounds``, ``_distinct_table``). When
every value is an integer in [0, 256) (hence finite), a row's key can be its bytes
(first feature most significant) with no box known: a check of the values, then one
pass that keys the rows and marks the keys in a bitmap; the box is read off the
distinct rows. The keys sort as the general way's (both are mixed-radix, first feature
most significant), so the table of distinct rows, their counts and each sample's row
are the same. Bytes span too little for squared distances to overflow float32.
"""

import numpy as np

from .._jit import helper, inline
from ._checks import (
    in_range, require_at_least, require_at_most, require_equal, require_none_bad,
    require_one_per_row,
)
from ._common import F32_ZERO
from ._key_bitmap import mark, rank, rank_bases, word_count, word_keys
from ._tunables import BYTE_CHECK_BLOCK

#: Values a byte holds, and the bits of one.
_BYTE_VALUES = 256
_BYTE_BITS = 8
#: Bytes of an int32 key at most.
_MAX_FEATURES = 3


def fits(n_features: int, max_key_space: int) -> bool:
    """Whether rows of ``n_features`` features have byte keys (at most ``max_key_space``)."""
    return 1 <= n_features <= _MAX_FEATURES and _BYTE_VALUES**n_features <= max_key_space


def bitmap_words(n_features: int) -> int:
    """Words of the bitmap of the byte keys of rows of ``n_features`` features."""
    return (_BYTE_VALUES**n_features + 63) // 64


@inline
def byte_key_space(n_features):
    """Keys of rows of ``n_features`` bytes: ``256**n_features``."""
    return np.int64(1) << (_BYTE_BITS * n_features)


@inline
def _all_bytes(flat, start, stop):
    """Whether ``flat[start:stop]`` are all integers in [0, 256) (NaN and infinities are
    not: the clamped value converts exactly and differs from them; nor is -0, whose box
    would differ in the sign of a zero)."""
    wrong = False
    for v in range(start, stop):
        x = flat[v]
        inside = x if x > F32_ZERO else F32_ZERO
        clamped = inside if inside < _BYTE_VALUES - 1 else np.float32(_BYTE_VALUES - 1)
        wrong |= (np.float32(np.int32(clamped)) != x) | np.signbit(x)
    return not wrong


@helper
def byte_keys(X, keys, present):
    """The byte keys of the rows, if every value is a byte (an integer in [0, 256)).

    Parameters
    ----------
    X : float32 (n_samples, n_features), C-contiguous, 1 <= n_features <= 3
        IN: the points (may hold NaN or infinities: they are not bytes).
    keys : int32 (n_samples,)
        OUT: each row's bytes, first feature most significant (untouched unless the
        return value is True).
    present : uint64 (bitmap_words(n_features),), zeros
        INOUT: the bit of every key is set (untouched unless True is returned).

    Returns
    -------
    bool
        Whether every value is a byte: a check of the values first, by blocks of
        BYTE_CHECK_BLOCK values, stops at the first block that holds another.
    """
    n_samples, n_features = X.shape
    require_at_least(n_features, 1, "X must have at least one feature")
    require_at_most(n_features, _MAX_FEATURES, "X must have at most 3 features (int32 keys)")
    require_one_per_row(keys, n_samples, "keys")
    require_equal(present.shape[0], word_count(byte_key_space(n_features)),
                  "present must have one bit per byte key")
    # One loop over the values, which the compiler vectorises, then one over the rows
    # (a check within the row loop doubled its time: 1.34 against 0.63 ms for messi.jpg).
    flat = X.reshape(X.size)
    for start in range(0, flat.shape[0], BYTE_CHECK_BLOCK):
        if not _all_bytes(flat, start, min(start + BYTE_CHECK_BLOCK, flat.shape[0])):
            return False
    # Three lanes whatever the features (a lane past the last feature repeats it, with
    # the same shift: OR-ing a digit twice changes nothing), so the loop has no inner loop.
    second, third = min(1, n_features - 1), min(2, n_features - 1)
    shift_first = _BYTE_BITS * (n_features - 1)
    shift_second = _BYTE_BITS * (n_features - 1 - second)
    shift_third = _BYTE_BITS * (n_features - 1 - third)
    last_key = byte_key_space(n_features) - 1  # (a mask: the bitmap's bounds, whatever X)
    for i in range(n_samples):
        key = ((np.int32(X[i, 0]) << shift_first) | (np.int32(X[i, second]) << shift_second)
               | (np.int32(X[i, third]) << shift_third)) & last_key
        keys[i] = key
        mark(present, key)
    return True


@helper
def byte_table(keys, present, n_features, low, high):
    """The distinct rows of :func:`byte_keys`' keys, their counts and each sample's row,
    as ``_distinct_table`` gives them, and the bounding box of the rows.

    Parameters
    ----------
    keys : int32 (n_samples,)
        INOUT: byte keys, each marked in ``present``; replaced by the row of each sample
        (its key's rank among the distinct keys).
    present : uint64 (bitmap_words(n_features),)
        IN: the bitmap of the keys.
    n_features : int
        Bytes of a key.
    low, high : float32 (n_features,)
        OUT: the smallest and largest value of each feature.

    Returns
    -------
    rows : float32 (n_distinct, n_features)
        The distinct rows in increasing key order.
    counts : int32 (n_distinct,)
        How many samples carry each.
    """
    require_at_least(n_features, 1, "n_features must be at least 1")
    require_at_most(n_features, _MAX_FEATURES, "n_features must be at most 3 (int32 keys)")
    require_equal(present.shape[0], word_count(byte_key_space(n_features)),
                  "present must have one bit per byte key")
    require_equal(low.shape[0], n_features, "low must have one entry per feature")
    require_equal(high.shape[0], n_features, "high must have one entry per feature")
    rank_base, n_distinct = rank_bases(present)
    unique = np.empty(n_distinct, dtype=np.int64)
    for word in range(present.shape[0]):
        if present[word]:
            word_keys(present, rank_base, word, unique)
    rows = np.empty((n_distinct, n_features), dtype=np.float32)
    for j in range(n_features):
        shift = _BYTE_BITS * (n_features - 1 - j)
        smallest, largest = _BYTE_VALUES, -1
        for r in range(n_distinct):
            digit = np.int32(unique[r] >> shift) & (_BYTE_VALUES - 1)
            rows[r, j] = np.float32(digit)
            smallest = min(smallest, digit)
            largest = max(largest, digit)
        low[j] = smallest
        high[j] = largest
    counts = np.zeros(n_distinct, dtype=np.int32)
    n_bad = 0
    for i in range(keys.shape[0]):
        key = keys[i]
        if not (in_range(key >> 6, present.shape[0])
                and present[key >> 6] & (np.uint64(1) << np.uint64(key & 63))):
            n_bad += 1
            continue
        row = rank(present, rank_base, key)
        keys[i] = row
        counts[row] += 1
    require_none_bad(n_bad, "keys must be marked in present")
    return rows, counts

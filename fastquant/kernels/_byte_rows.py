"""The check of the points and the table of their distinct rows together, for
byte-valued data on one thread (an 8-bit image: messi.jpg's 306,908 x 3 pixels).

The general way finds the bounding box first, then keys the rows relative to it and
ranks the keys over the box's key space (``_feature_bounds``, ``_distinct_table``). When
every value is an integer in [0, 256) (hence finite), a row's key can be its bytes
(first feature most significant) with no box known: one pass checks the values, one
keys the rows, one marks the keys in a bitmap, one over the bitmap's words gives the
distinct keys and each word's rank base, one ranks the samples' keys; the box is read
off the distinct rows. The keys sort as the general way's (both are mixed-radix,
first feature most significant), so the table of distinct rows, their counts and each
sample's row are the same. Bytes span too little for squared distances to overflow
float32.
"""

import numpy as np

from .._jit import helper, inline
from ._checks import (
    require_at_least, require_at_most, require_equal, require_none_bad,
    require_one_per_row,
)
from ._common import F32_ZERO
from ._key_bitmap import _ONE64, lowest_bit, mark, popcount, rank, word_count
from ._tunables import BYTE_CHECK_BLOCK, BYTE_KEYS_UNROLLED

#: Values a byte holds, and the bits of one.
_BYTE_VALUES = 256
_BYTE_BITS = 8
#: Bytes of an int32 key at most.
_MAX_FEATURES = 3
#: Rows of three features checked and keyed in one block: a power of two, of at most
#: BYTE_CHECK_BLOCK values (BYTE_CHECK_BLOCK // 3 rows were not vectorised: checked_points
#: on messi.jpg 2.99 against 2.18 ms with 1024 rows, busy machine).
_TRIPLE_ROWS = BYTE_CHECK_BLOCK // 4


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
def _not_byte(x):
    """Whether float32 ``x`` is not an integer in [0, 256) (NaN and infinities are not:
    the clamped value converts exactly and differs from them; nor is -0, whose box
    would differ in the sign of a zero)."""
    inside = x if x > F32_ZERO else F32_ZERO
    clamped = inside if inside < _BYTE_VALUES - 1 else np.float32(_BYTE_VALUES - 1)
    return (np.float32(np.int32(clamped)) != x) | np.signbit(x)


@inline
def _all_bytes(flat):
    """Whether the values of ``flat`` are all bytes, looked at block by block.

    The blocks are BYTE_CHECK_BLOCK values each, a loop of a fixed length, and the
    rest: a loop from ``start`` to ``min(start + BYTE_CHECK_BLOCK, size)`` was not
    vectorised (messi.jpg's 920,724 values: 0.33 against 0.14 ms).
    """
    size = flat.shape[0]
    whole = size - size % BYTE_CHECK_BLOCK
    for start in range(0, whole, BYTE_CHECK_BLOCK):
        block = flat[start:start + BYTE_CHECK_BLOCK]
        wrong = False
        for v in range(BYTE_CHECK_BLOCK):
            wrong |= _not_byte(block[v])
        if wrong:
            return False
    wrong = False
    for v in range(whole, size):
        wrong |= _not_byte(flat[v])
    return not wrong


@inline
def _row_keys(flat, keys, n_features, second, third, shift_first, shift_second, shift_third):
    """Each row's key from the features at 0, ``second`` and ``third`` of its
    ``n_features`` values in ``flat``, shifted (a lane past the last feature repeats it,
    with the same shift: OR-ing a digit twice changes nothing, and the loop has no
    inner loop)."""
    last_key = (np.int32(1) << (_BYTE_BITS * n_features)) - np.int32(1)
    for i in range(keys.shape[0]):
        at = n_features * i
        keys[i] = ((np.int32(flat[at]) << shift_first)
                   | (np.int32(flat[at + second]) << shift_second)
                   | (np.int32(flat[at + third]) << shift_third)) & last_key


@inline
def _triple_keys(flat, keys, start):
    """The keys of _TRIPLE_ROWS rows of three features from ``start`` on; whether one
    of their values is not a byte."""
    wrong = False
    for i in range(start, start + _TRIPLE_ROWS):
        first, middle, last = flat[3 * i], flat[3 * i + 1], flat[3 * i + 2]
        wrong |= _not_byte(first) | _not_byte(middle) | _not_byte(last)
        keys[i] = (np.int32(first) << 16) | (np.int32(middle) << 8) | np.int32(last)
    return wrong


@inline
def byte_keys(X, keys, present):
    """The byte keys of the rows, if every value is a byte (an integer in [0, 256)).

    Parameters
    ----------
    X : float32 (n_samples, n_features), C-contiguous, 1 <= n_features <= 3
        IN: the points (may hold NaN or infinities: they are not bytes).
    keys : int32 (n_samples,)
        OUT: each row's bytes, first feature most significant (meaningless unless the
        return value is True).
    present : uint64 (bitmap_words(n_features),), zeros
        INOUT: the bit of every key is set (untouched unless True is returned).

    Returns
    -------
    bool
        Whether every value is a byte: the first block that holds another stops the
        check.

    Rows of three features are checked and keyed in one loop by blocks of _TRIPLE_ROWS,
    vectorised, the rest (other rows, a partial last block) by a check of the values by
    blocks of BYTE_CHECK_BLOCK, then a loop of the keys. Then the marks, apart (keys and
    marks in one loop took 0.54-0.61 ms). messi.jpg, ms, min of 60: check and keys 0.20 in
    one loop, 0.14 + 0.16 in two (0.14 + 0.32 with variable lanes). byte_table's first
    compile, s of CPU: 1.62 (1.41 in two loops; 2.6 with the one loop also written for
    any number of features and the partial block; main's byte_keys and byte_table 0.94).
    """
    n_samples, n_features = X.shape
    require_at_least(n_features, 1, "X must have at least one feature")
    require_at_most(n_features, _MAX_FEATURES, "X must have at most 3 features (int32 keys)")
    require_one_per_row(keys, n_samples, "keys")
    require_equal(present.shape[0], word_count(byte_key_space(n_features)),
                  "present must have one bit per byte key")
    flat = X.reshape(X.size)
    done = 0
    if n_features == _MAX_FEATURES:
        done = n_samples - n_samples % _TRIPLE_ROWS
        for start in range(0, done, _TRIPLE_ROWS):
            if _triple_keys(flat, keys, start):
                return False
    rest = flat[done * n_features:]
    if not _all_bytes(rest):
        return False
    second, third = min(1, n_features - 1), min(2, n_features - 1)
    _row_keys(rest, keys[done:], n_features, second, third, _BYTE_BITS * (n_features - 1),
              _BYTE_BITS * (n_features - 1 - second), _BYTE_BITS * (n_features - 1 - third))
    for i in range(n_samples):
        mark(present, keys[i])  # (in the bitmap: bytes, and _row_keys masks its keys)
    return True


@helper
def byte_table(X, inverse, present, low, high):
    """If every value of ``X`` is a byte, its distinct rows, their counts and each
    sample's row, as ``_distinct_table`` gives them, and the bounding box of the rows.

    Parameters
    ----------
    X : float32 (n_samples, n_features), C-contiguous, 1 <= n_features <= 3
        IN: the points (may hold NaN or infinities: they are not bytes).
    inverse : int32 (n_samples,)
        OUT: the row of each sample (meaningless unless the first value returned is
        True).
    present : uint64 (bitmap_words(n_features),), zeros
        SCRATCH: the bitmap of the rows' keys (:func:`byte_keys`).
    low, high : float32 (n_features,)
        OUT: the smallest and largest value of each feature (untouched unless True).

    Returns
    -------
    is_bytes : bool
        Whether every value is a byte; if not, the table is empty.
    rows : float32 (n_distinct, n_features)
        The distinct rows in increasing key order.
    counts : int32 (n_distinct,)
        How many samples carry each.

    The keys never leave this function, so each is in the bitmap and marked: the rank
    of each sample needs no check of its key (a check of each key given by a caller
    took 0.43 against 0.34 ms for messi.jpg). A ``present`` that was not zeros shows as
    a row no sample carries, and is refused.
    """
    n_samples, n_features = X.shape
    require_equal(low.shape[0], n_features, "low must have one entry per feature")
    require_equal(high.shape[0], n_features, "high must have one entry per feature")
    if not byte_keys(X, inverse, present):
        return False, np.empty((0, n_features), dtype=np.float32), np.empty(0, dtype=np.int32)
    rank_base, unique, n_distinct = _distinct_keys(present, n_samples)
    for i in range(n_samples):
        inverse[i] = rank(present, rank_base, inverse[i])
    # The counts apart from the ranks: in one loop they took 0.63 against 0.43 + 0.18 ms.
    counts = np.zeros(n_distinct, dtype=np.int32)
    for i in range(n_samples):
        counts[inverse[i]] += 1
    n_empty = 0
    for r in range(n_distinct):
        n_empty += counts[r] == 0
    require_none_bad(n_empty, "present must be zeros")
    rows = np.empty((n_distinct, n_features), dtype=np.float32)
    if n_features == _MAX_FEATURES:
        _key_rows(unique, _MAX_FEATURES, rows, low, high)
    else:
        _key_rows(unique, n_features, rows, low, high)
    return True, rows, counts


@inline
def _distinct_keys(present, n_samples):
    """The rank base of each word of ``present`` (int32: half the cache of int64 next
    to the bitmap, 0.09 against 0.13 ms; uint16 offsets under an int32 base per 64
    words took 0.08, but the ranks 0.50 against 0.34 ms) and the keys marked in it,
    lowest first, in one pass over the words.

    Returns
    -------
    rank_base : int32 (n_words,)
    unique : int32 (n_samples + BYTE_KEYS_UNROLLED,)
        The keys marked (its first ``n_distinct`` entries, if at most ``n_samples``).
    n_distinct : int
        The keys marked: more than ``n_samples`` only if ``present`` marked other keys
        than the samples' (rows no sample carries, refused by the caller).

    A word's first BYTE_KEYS_UNROLLED keys are written with no branch (past its last key,
    a later word's overwrite them), the rest by a loop: messi.jpg's 27,826 words of
    69,991 keys (1-4 keys in 85% of them), 0.30 against 0.39 ms for a loop over all.
    """
    n_words = present.shape[0]
    rank_base = np.empty(n_words, dtype=np.int32)
    unique = np.empty(n_samples + BYTE_KEYS_UNROLLED, dtype=np.int32)
    n_distinct = 0
    for word in range(n_words):
        rank_base[word] = n_distinct
        bits = present[word]
        if bits and n_distinct <= n_samples:
            r, first_key = n_distinct, word * 64
            for _ in range(BYTE_KEYS_UNROLLED):
                unique[r] = first_key + lowest_bit(bits)
                r += 1
                bits &= bits - _ONE64
            while bits:
                if r < unique.shape[0]:
                    unique[r] = first_key + lowest_bit(bits)
                r += 1
                bits &= bits - _ONE64
        n_distinct += np.int32(popcount(present[word]))
    return rank_base, unique, n_distinct


@inline
def _key_rows(unique, n_features, rows, low, high):
    """The rows of the first ``rows.shape[0]`` keys of ``unique`` (bytes, first feature
    most significant) and their smallest and largest value of each feature. Called
    with a constant ``n_features`` the loop over the features unrolls (messi.jpg's
    69,991 rows of three: 0.07 against 0.13 ms a feature at a time; that copy costs
    byte_table's first compile 0.1 s of CPU, as do the keys of a word written with no
    branch)."""
    for r in range(rows.shape[0]):
        for j in range(n_features):
            digit = (unique[r] >> (_BYTE_BITS * (n_features - 1 - j))) & (_BYTE_VALUES - 1)
            rows[r, j] = np.float32(digit)
    for j in range(n_features):
        shift = _BYTE_BITS * (n_features - 1 - j)
        smallest, largest = _BYTE_VALUES - 1, 0
        for r in range(rows.shape[0]):
            digit = (unique[r] >> shift) & (_BYTE_VALUES - 1)
            smallest = min(smallest, digit)
            largest = max(largest, digit)
        low[j] = smallest
        high[j] = largest

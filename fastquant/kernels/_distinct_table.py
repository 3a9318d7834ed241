"""Distinct rows of integer-valued data (an 8-bit image has far fewer colours than
pixels): keys, the table of distinct keys with counts, and the way back to samples."""

import numpy as np
from numba import prange

from .._jit import helper, kernel
from ._checks import (
    in_range, require_at_least, require_equal, require_integers, require_none_bad,
    require_one_per_row,
)
from ._common import chunk_bounds, chunk_count
from ._key_bitmap import mark, merged_word, rank, rank_bases, word_count, word_keys
from ._tunables import KEY_GROUPS

_ROWS_RULE = "inverse must be row indices in [0, n_rows)"


@kernel
def row_keys(X, low, spans, keys):
    """Mixed-radix key of each row of integer-valued data (first feature most significant).

    Parameters
    ----------
    X : float32 (n_samples, n_features)
        IN: the points.
    low : float32 (n_features,)
        IN: per-feature minimum.
    spans : int64 (n_features,)
        IN: per-feature ``max - min + 1``; their product must not exceed MAX_KEY_SPACE.
    keys : int32 (n_samples,)
        OUT: the keys (meaningless where the return value is not 0).

    Returns
    -------
    int
        Number of values that are not integers.
    """
    n_samples, n_features = X.shape
    require_equal(low.shape[0], n_features, "low must have one entry per column of X")
    require_equal(spans.shape[0], n_features, "spans must have one entry per column of X")
    require_one_per_row(keys, n_samples, "keys")
    n_chunks = chunk_count(n_samples)
    chunk_bad = np.empty(n_chunks, dtype=np.int64)
    for chunk in prange(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n_samples)
        bad = 0
        for i in range(start, stop):
            key = 0
            for j in range(n_features):
                offset = X[i, j] - low[j]
                digit = np.int64(offset)
                if np.float32(digit) != offset:
                    bad += 1
                key = key * spans[j] + digit
            keys[i] = key
        chunk_bad[chunk] = bad
    n_bad = 0
    for chunk in range(n_chunks):
        n_bad += chunk_bad[chunk]
    return n_bad


@kernel
def distinct_keys(keys, key_space, groups=KEY_GROUPS):
    """Sorted distinct keys, their multiplicities, and each key's rank, in place.

    Parameters
    ----------
    keys : int32 (n_samples,)
        INOUT: keys in [0, key_space); replaced by the rank of each key among the
        distinct keys (the row index of the sample in the table).
    key_space : int
        Upper bound of the keys.
    groups : int
        Groups of samples whose bitmaps of keys are built apart, in parallel. The
        result does not depend on it (a union of bitmaps, integer counts); one group
        suits a serial launch (messi.jpg: 2.1 against 3.7 ms with 4).

    Returns
    -------
    unique : int64 (n_distinct,)
        The distinct keys in increasing order.
    counts : int32 (n_distinct,)
        How many samples carry each of them.
    """
    require_integers(keys, "keys")
    require_at_least(key_space, 0, "key_space must not be negative")
    require_at_least(groups, 1, "groups must be at least 1")
    n_samples = keys.shape[0]
    n_words = word_count(key_space)
    present = np.zeros((groups, n_words), dtype=np.uint64)
    n_bad = 0
    for group in prange(groups):
        start, stop = chunk_bounds(group, groups, n_samples)
        group_bad = 0
        for i in range(start, stop):
            key = keys[i]
            if in_range(key, key_space):
                mark(present[group], key)
            else:
                group_bad += 1
        n_bad += group_bad
    require_none_bad(n_bad, "keys must be in [0, key_space)")
    merged = np.empty(n_words, dtype=np.uint64)
    for word in prange(n_words):
        merged[word] = merged_word(present, word)
    rank_base, n_distinct = rank_bases(merged)
    unique = np.empty(n_distinct, dtype=np.int64)
    for word in prange(n_words):
        word_keys(merged, rank_base, word, unique)
    n_chunks = chunk_count(n_samples)
    for chunk in prange(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n_samples)
        for i in range(start, stop):
            keys[i] = rank(merged, rank_base, keys[i])
    group_counts = np.zeros((groups, n_distinct), dtype=np.int32)
    for group in prange(groups):
        start, stop = chunk_bounds(group, groups, n_samples)
        for i in range(start, stop):
            group_counts[group, keys[i]] += 1
    counts = np.empty(n_distinct, dtype=np.int32)
    for r in prange(n_distinct):
        total = 0
        for group in range(groups):
            total += group_counts[group, r]
        counts[r] = total
    return unique, counts


@kernel
def key_rows(unique, low, spans, values):
    """The rows of mixed-radix keys (the inverse of :func:`row_keys`).

    Parameters
    ----------
    unique : int64 (n_rows,)
        IN: keys.
    low : float32 (n_features,)
        IN: per-feature minimum.
    spans : int64 (n_features,)
        IN: per-feature ``max - min + 1``.
    values : float32 (n_rows, n_features)
        OUT: ``low[j] + digit j`` of each key, in float32.
    """
    n_rows, n_features = values.shape
    require_equal(unique.shape[0], n_rows, "unique must have one entry per row of values")
    require_equal(low.shape[0], n_features, "low must have one entry per column of values")
    require_equal(spans.shape[0], n_features, "spans must have one entry per column of values")
    n_chunks = chunk_count(n_rows)
    for chunk in prange(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n_rows)
        for r in range(start, stop):
            rest = unique[r]
            for j in range(n_features - 1, -1, -1):
                values[r, j] = np.float32(rest % spans[j]) + low[j]
                rest //= spans[j]


@kernel
def gather_labels(row_labels, inverse, labels):
    """Label of each sample from the label of its row.

    Parameters
    ----------
    row_labels : integers (n_rows,)
        IN: label of each distinct row (int32 for k-means; uint8, uint16 or int32
        palette indices for quantize's colour table).
    inverse : int32 (n_samples,)
        IN: row of each sample.
    labels : (n_samples,), same dtype as ``row_labels``
        OUT: ``row_labels[inverse]``; may be ``inverse`` itself.
    """
    require_integers(inverse, "inverse")
    n_samples = inverse.shape[0]
    require_equal(labels.shape[0], n_samples, "labels must have one entry per entry of inverse")
    n_rows = row_labels.shape[0]
    n_chunks = chunk_count(n_samples)
    n_bad = 0
    for chunk in prange(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n_samples)
        chunk_bad = 0
        for i in range(start, stop):
            row = inverse[i]
            if in_range(row, n_rows):
                labels[i] = row_labels[row]
            else:
                chunk_bad += 1
        n_bad += chunk_bad
    require_none_bad(n_bad, _ROWS_RULE)


@helper
def last_samples(inverse, n_rows):
    """Highest sample index of each row.

    Parameters
    ----------
    inverse : int32 (n_samples,)
        IN: row of each sample.
    n_rows : int
        Number of rows.

    Returns
    -------
    int64 (n_rows,)
    """
    require_integers(inverse, "inverse")
    last = np.empty(n_rows, dtype=np.int64)
    n_bad = 0
    for i in range(inverse.shape[0]):
        if in_range(inverse[i], n_rows):
            last[inverse[i]] = i
        else:
            n_bad += 1
    require_none_bad(n_bad, _ROWS_RULE)
    return last

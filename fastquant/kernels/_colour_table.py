"""Kernels of the colour table: the distinct colours of an image with their counts.

Two ways to build it, both one parallel pass over the pixels and no sort:

* pixels of at most 3 bytes (uint8 gray or RGB): the colour itself is the key, in
  [0, 2**24); a bitmap of the keys present (2 MB) and a popcount per 64-bit word give
  each colour its rank among the distinct colours, so no per-pixel index is stored;
* any other pixel (uint16, float, RGBA): a hash table. Pixels are split by the top bits
  of their hash into a fixed number of partitions, each filled by one task with open
  addressing; a per-pixel index of its colour (the inverse) is kept.

Both also sum a weight per colour (the weight of each pixel's block; see
``_image_passes.block_weights``). The partitions and chunks depend only on the number of
pixels, never on the number of threads, so the tables and every sum are identical at any
thread count.
"""

import numpy as np
from numba import prange

from .._jit import helper, inline, kernel
from ._checks import require_equal
from ._common import chunk_bounds, chunk_count
from ._key_bitmap import mark, merged_word, rank, rank_bases, word_count, word_keys

from ._tunables import HASH_PARTITIONS, KEY_GROUPS

#: A hash's top bits pick its partition (HASH_PARTITIONS is a power of two).
_PARTITION_SHIFT = np.uint32(32 - (HASH_PARTITIONS.bit_length() - 1))
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_MIX = np.uint64(0xBF58476D1CE4E5B9)


@inline
def _byte_key(pixels, i):
    key = 0
    for j in range(pixels.shape[1]):
        key = (key << 8) | np.int64(pixels[i, j])
    return key


@inline
def _next_position(y, x, width):
    """Row and column of the pixel after (y, x) in an image ``width`` wide."""
    x += 1
    if x == width:
        return y + 1, 0
    return y, x


@kernel
def byte_colour_table(pixels, width, block_shift, block_weight, present, merged):
    """Distinct colours of pixels of at most 3 bytes, with their counts and weights.

    Parameters
    ----------
    pixels : uint8 (n_pixels, n_channels), n_channels <= 3
        IN: the pixels, row by row of an image ``width`` pixels wide.
    width, block_shift : int
        Width of the image; the blocks of ``block_weight`` are ``2**block_shift`` wide.
    block_weight : float32 (n_block_rows, n_block_cols)
        IN: weight of each block of pixels (see :func:`block_weights`).
    present : uint64 (KEY_GROUPS, n_words), zeros
        SCRATCH: the keys present in each group of pixels. ``n_words`` is
        ``word_count(2**(8 * n_channels))``.
    merged : uint64 (n_words,)
        OUT: bitmap of the keys present (key = the channels' bytes, first one most
        significant).

    (The two bitmaps come from the caller: allocated here, they compiled two more
    specialisations of ``np.empty`` and a fill, 0.15 s of a first run.)

    Returns
    -------
    rank_base : int64 (n_words,)
        Number of keys present below each word of the bitmap.
    unique : uint8 (n_colours, n_channels)
        The distinct colours, in increasing key order.
    counts : int32 (n_colours,)
        How many pixels have each colour.
    weights : float64 (n_colours,)
        Sum of the weights of the pixels of each colour.
    """
    n_pixels, n_channels = pixels.shape
    n_words = merged.shape[0]
    require_equal(n_words, word_count(1 << (8 * n_channels)), "merged must have a bit per key")
    require_equal(present.shape, (KEY_GROUPS, n_words),
                  "present must have a row per key group, as many words as merged")
    for group in prange(KEY_GROUPS):
        start, stop = chunk_bounds(group, KEY_GROUPS, n_pixels)
        for i in range(start, stop):
            mark(present[group], _byte_key(pixels, i))
    for word in prange(n_words):
        merged[word] = merged_word(present, word)
    rank_base, n_colours = rank_bases(merged)
    keys = np.empty(n_colours, dtype=np.int64)
    for word in prange(n_words):
        word_keys(merged, rank_base, word, keys)
    unique = np.empty((n_colours, n_channels), dtype=np.uint8)
    for r in prange(n_colours):
        for j in range(n_channels):
            unique[r, j] = np.uint8((keys[r] >> (8 * (n_channels - 1 - j))) & 255)
    group_counts = np.empty(KEY_GROUPS * n_colours, dtype=np.int32)
    group_weights = np.empty(KEY_GROUPS * n_colours, dtype=np.float32)
    group_counts[:] = 0
    group_weights[:] = 0
    for group in prange(KEY_GROUPS):
        start, stop = chunk_bounds(group, KEY_GROUPS, n_pixels)
        y, x = start // width, start % width
        at = group * n_colours
        for i in range(start, stop):
            r = at + rank(merged, rank_base, _byte_key(pixels, i))
            group_counts[r] += 1
            group_weights[r] += block_weight[y >> block_shift, x >> block_shift]
            y, x = _next_position(y, x, width)
    counts, weights = _combine_groups(group_counts, group_weights)
    return rank_base, unique, counts, weights


@inline
def _combine_groups(group_counts, group_weights):
    """Counts and weights of the groups added in group order (``group_counts`` and
    ``group_weights``: the KEY_GROUPS groups' one after the other, flat: a 2-D
    array's allocation and fill compiled 0.1 s more on the README command)."""
    n_colours = group_counts.shape[0] // KEY_GROUPS
    counts = np.empty(n_colours, dtype=np.int32)
    weights = np.empty(n_colours, dtype=np.float64)
    counts[:] = 0
    weights[:] = 0.0
    for group in range(KEY_GROUPS):
        for r in range(n_colours):
            counts[r] += group_counts[group * n_colours + r]
            weights[r] += np.float64(group_weights[group * n_colours + r])
    return counts, weights


@kernel
def inverse_colour_weights(inverse, n_colours, width, block_shift, block_weight):
    """Sum of the weights of the pixels of each colour, given each pixel's colour.

    Parameters
    ----------
    inverse : int32 (n_pixels,)
        IN: colour of each pixel, in [0, n_colours), row by row of an image ``width``
        pixels wide.
    n_colours, width, block_shift : int
    block_weight : float32 (n_block_rows, n_block_cols)
        IN: weight of each block of pixels (see :func:`block_weights`).

    Returns
    -------
    float64 (n_colours,)
    """
    n_pixels = inverse.shape[0]
    group_weights = np.zeros(KEY_GROUPS * n_colours, dtype=np.float32)
    for group in prange(KEY_GROUPS):
        start, stop = chunk_bounds(group, KEY_GROUPS, n_pixels)
        y, x = start // width, start % width
        at = group * n_colours
        for i in range(start, stop):
            group_weights[at + inverse[i]] += block_weight[y >> block_shift, x >> block_shift]
            y, x = _next_position(y, x, width)
    return _combine_groups(np.zeros(KEY_GROUPS * n_colours, dtype=np.int32), group_weights)[1]


@kernel
def byte_labels(pixels, merged, rank_base, colour_labels, labels):
    """Label of each pixel from the label of its colour (the bitmap table's inverse).

    Parameters
    ----------
    pixels : uint8 (n_pixels, n_channels)
        IN: the pixels the table was built from.
    merged, rank_base : as returned by :func:`byte_colour_table`
        IN: the table.
    colour_labels : (n_colours,) uint8, uint16 or int32
        IN: label of each distinct colour.
    labels : (n_pixels,), same dtype as ``colour_labels``
        OUT: label of each pixel.
    """
    n_pixels = pixels.shape[0]
    n_chunks = chunk_count(n_pixels)
    for chunk in prange(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n_pixels)
        for i in range(start, stop):
            labels[i] = colour_labels[rank(merged, rank_base, _byte_key(pixels, i))]


@inline
def _hash(row_bytes, i):
    """32-bit hash of a row of bytes: FNV-1a in 64 bits, mixed, its high half."""
    h = _FNV_OFFSET
    for j in range(row_bytes.shape[1]):
        h = (h ^ np.uint64(row_bytes[i, j])) * _FNV_PRIME
    h ^= h >> np.uint64(29)
    h *= _MIX
    h ^= h >> np.uint64(32)
    return np.uint32(h >> np.uint64(32))


@inline
def _same_row(row_bytes, a, b):
    for j in range(row_bytes.shape[1]):
        if row_bytes[a, j] != row_bytes[b, j]:
            return False
    return True


@helper
def _fill_partition(row_bytes, hashes, part, members, first_of, counts, inverse):
    """Open-addressing table of the ``members`` pixels of one partition: the first pixel
    of each distinct colour (in pixel order) into ``first_of``, their counts, and the
    local colour index of the partition's pixels into ``inverse``. Returns the number
    of colours."""
    capacity = 16
    while capacity < 2 * members:
        capacity *= 2
    mask = np.uint32(capacity - 1)
    slots = np.full(capacity, -1, dtype=np.int32)
    n_colours = 0
    for i in range(row_bytes.shape[0]):
        h = hashes[i]
        if (h >> _PARTITION_SHIFT) != part:
            continue
        s = h & mask
        while True:
            colour = slots[s]
            if colour < 0:
                slots[s] = n_colours
                first_of[n_colours] = i
                counts[n_colours] = 1
                inverse[i] = n_colours
                n_colours += 1
                break
            if _same_row(row_bytes, first_of[colour], i):
                counts[colour] += 1
                inverse[i] = colour
                break
            s = (s + np.uint32(1)) & mask
    return n_colours


@kernel
def hashed_colour_table(row_bytes, inverse):
    """Distinct rows of bytes with their counts and each row's index, by hashing.

    Parameters
    ----------
    row_bytes : uint8 (n_pixels, n_bytes)
        IN: each pixel's bytes (a byte view of the pixels).
    inverse : int32 (n_pixels,)
        OUT: index of each pixel's colour in ``first``.

    Returns
    -------
    first : int64 (n_colours,)
        The first pixel of each distinct colour (partition by partition, in pixel
        order within a partition).
    counts : int32 (n_colours,)
        How many pixels have each colour.
    """
    n_pixels = row_bytes.shape[0]
    hashes = np.empty(n_pixels, dtype=np.uint32)
    n_chunks = chunk_count(n_pixels)
    chunk_members = np.zeros((n_chunks, HASH_PARTITIONS), dtype=np.int64)
    for chunk in prange(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n_pixels)
        for i in range(start, stop):
            h = _hash(row_bytes, i)
            hashes[i] = h
            chunk_members[chunk, h >> _PARTITION_SHIFT] += 1
    members = np.zeros(HASH_PARTITIONS, dtype=np.int64)
    for chunk in range(n_chunks):
        for part in range(HASH_PARTITIONS):
            members[part] += chunk_members[chunk, part]
    scratch_at = np.zeros(HASH_PARTITIONS, dtype=np.int64)
    for part in range(1, HASH_PARTITIONS):
        scratch_at[part] = scratch_at[part - 1] + members[part - 1]
    scratch_first = np.empty(n_pixels, dtype=np.int32)
    scratch_counts = np.empty(n_pixels, dtype=np.int32)
    sizes = np.zeros(HASH_PARTITIONS, dtype=np.int64)
    for part in prange(HASH_PARTITIONS):
        at = scratch_at[part]
        end = at + members[part]
        sizes[part] = _fill_partition(
            row_bytes, hashes, np.uint32(part), members[part], scratch_first[at:end],
            scratch_counts[at:end], inverse,
        )
    offsets = np.zeros(HASH_PARTITIONS, dtype=np.int64)
    for part in range(1, HASH_PARTITIONS):
        offsets[part] = offsets[part - 1] + sizes[part - 1]
    n_colours = offsets[-1] + sizes[-1]
    first = np.empty(n_colours, dtype=np.int64)
    counts = np.empty(n_colours, dtype=np.int32)
    for part in prange(HASH_PARTITIONS):
        for c in range(sizes[part]):
            first[offsets[part] + c] = scratch_first[scratch_at[part] + c]
            counts[offsets[part] + c] = scratch_counts[scratch_at[part] + c]
    for chunk in prange(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n_pixels)
        for i in range(start, stop):
            inverse[i] += offsets[hashes[i] >> _PARTITION_SHIFT]
    return first, counts

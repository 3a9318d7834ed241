"""The row-to-chunks table of k-means++ on distinct rows: for each row, which sample
chunks hold its samples, so that per-chunk sums follow the rows whose distance changed."""

import numpy as np
from .._jit import helper
from ._common import chunk_bounds


#: An entry of the row-to-chunks table: a chunk index in the high 8 bits (chunks are
#: below MAX_CHUNKS = 256) and, in the low 8 bits, a count of the row's samples in that
#: chunk, 1 to 255; a row with more samples in a chunk has several entries for it.
_ENTRY_COUNT_BITS = np.uint16(8)
_ENTRY_COUNT_MASK = np.uint16(255)
_ENTRY_ONE = np.uint16(1)


@helper
def chunks_of_rows(inverse, n_rows, n_chunks):
    """For each row, the sample chunks holding its samples and how many there: a
    table in CSR form, ``entries[offsets[r]:offsets[r + 1]]`` (see _ENTRY_COUNT_BITS),
    built by two serial passes over the samples, which are walked chunk by chunk."""
    n_samples = inverse.shape[0]
    last_chunk = np.full(n_rows, -1, dtype=np.int16)  # chunk indices are below MAX_CHUNKS
    run = np.zeros(n_rows, dtype=np.uint8)  # count in the row's last entry
    offsets = np.zeros(n_rows + 1, dtype=np.int32)  # entries <= samples < 2**31
    for chunk in range(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n_samples)
        for i in range(start, stop):
            row = inverse[i]
            if last_chunk[row] != chunk or run[row] == _ENTRY_COUNT_MASK:
                last_chunk[row] = chunk
                run[row] = 0
                offsets[row + 1] += 1
            run[row] += 1
    for row in range(n_rows):
        offsets[row + 1] += offsets[row]
    entries = np.empty(offsets[n_rows], dtype=np.uint16)
    # offsets[row] serves as the row's fill cursor, then is restored from its neighbour.
    last_chunk[:] = -1
    for chunk in range(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n_samples)
        for i in range(start, stop):
            row = inverse[i]
            if last_chunk[row] != chunk or entries[offsets[row] - 1] & _ENTRY_COUNT_MASK == _ENTRY_COUNT_MASK:
                last_chunk[row] = chunk
                entries[offsets[row]] = np.uint16(chunk) << _ENTRY_COUNT_BITS
                offsets[row] += 1
            entries[offsets[row] - 1] += _ENTRY_ONE
    for row in range(n_rows - 1, 0, -1):
        offsets[row] = offsets[row - 1]
    offsets[0] = 0
    return offsets, entries


@helper
def update_chunk_sums(new_dist, old_dist, offsets, entries, chunk_sums):
    """Bring per-chunk sums of sample distances from ``old_dist`` to ``new_dist`` by
    visiting only the rows whose distance changed. Exact when every distance and sum
    is an integer below 2**53 (the exact walk's condition): the order of the
    additions then does not matter."""
    for row in range(new_dist.shape[0]):
        if new_dist[row] != old_dist[row]:
            delta = np.float64(new_dist[row]) - np.float64(old_dist[row])
            for entry in range(offsets[row], offsets[row + 1]):
                packed = entries[entry]
                chunk_sums[packed >> _ENTRY_COUNT_BITS] += (packed & _ENTRY_COUNT_MASK) * delta

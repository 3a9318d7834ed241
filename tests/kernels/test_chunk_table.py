"""fastquant.kernels._chunk_table: the row-to-chunks table of k-means++."""

import numpy as np

from fastquant.kernels import _chunk_table



def test_row_to_chunks_table_and_incremental_chunk_sums_are_exact():
    rng = np.random.default_rng(5)
    n_rows, n_chunks = 300, 7
    inverse = rng.integers(0, n_rows, 5000).astype(np.int32)
    inverse[715:1430] = 299  # all 715 samples of chunk 1: three entries (255, 255, 205)
    offsets, entries = _chunk_table.chunks_of_rows(inverse, n_rows, n_chunks)
    entry_chunk, entry_count = entries >> 8, entries & 255
    bounds = [(c * 715, min(c * 715 + 715, 5000)) for c in range(n_chunks)]  # ceil(5000/7)
    assert offsets[0] == 0 and offsets[-1] == len(entries)
    for row in (0, 17, 299):
        expected = {c: int(np.sum(inverse[a:b] == row)) for c, (a, b) in enumerate(bounds)}
        got = {}
        for chunk, count in zip(entry_chunk[offsets[row]:offsets[row + 1]],
                                entry_count[offsets[row]:offsets[row + 1]]):
            assert 1 <= count <= 255
            got[int(chunk)] = got.get(int(chunk), 0) + int(count)
        assert got == {c: n for c, n in expected.items() if n}
    assert np.sum(entry_chunk[offsets[299]:offsets[300]] == 1) == 3
    old = rng.integers(0, 10**6, n_rows).astype(np.float32)
    new = np.where(rng.random(n_rows) < 0.3, old - rng.integers(1, 1000, n_rows), old).astype(np.float32)
    sums = np.array([old[inverse[a:b]].sum(dtype=np.float64) for a, b in bounds])
    _chunk_table.update_chunk_sums(new, old, offsets, entries, sums)
    np.testing.assert_array_equal(sums, [new[inverse[a:b]].sum(dtype=np.float64) for a, b in bounds])

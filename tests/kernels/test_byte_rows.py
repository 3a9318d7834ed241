"""fastquant.kernels._byte_rows: the check of byte-valued points and their distinct table
in one read, against numpy."""

import numpy as np
import pytest

from fastquant.kernels import _byte_rows
from fastquant.kernels._tunables import BYTE_CHECK_BLOCK


def _keys(points):
    """(ok, keys, present) of :func:`_byte_rows.byte_keys`."""
    n_features = points.shape[1]
    keys = np.empty(len(points), dtype=np.int32)
    present = np.zeros(_byte_rows.bitmap_words(n_features), dtype=np.uint64)
    return _byte_rows.byte_keys(points, keys, present), keys, present


def _table(points):
    """rows, counts, inverse, low, high of byte-valued ``points``."""
    n_features = points.shape[1]
    inverse = np.empty(len(points), dtype=np.int32)
    present = np.zeros(_byte_rows.bitmap_words(n_features), dtype=np.uint64)
    low = np.empty(n_features, dtype=np.float32)
    high = np.empty(n_features, dtype=np.float32)
    is_bytes, rows, counts = _byte_rows.byte_table(points, inverse, present, low, high)
    assert is_bytes
    return rows, counts, inverse, low, high


@pytest.mark.parametrize("n_features", [1, 2, 3])
@pytest.mark.parametrize("top", [1, 17, 256])
def test_table_is_numpy_unique_of_the_rows(n_features, top):
    rng = np.random.default_rng(n_features * 1000 + top)
    points = rng.integers(0, top, size=(5_000, n_features)).astype(np.float32)
    points[:, -1] = np.minimum(points[:, -1] + rng.integers(0, 2, size=5_000), 255)
    rows, counts, inverse, low, high = _table(points)
    np_rows, np_inverse, np_counts = np.unique(points, axis=0, return_inverse=True,
                                               return_counts=True)
    np.testing.assert_array_equal(rows, np_rows)  # lexicographic: first feature first
    np.testing.assert_array_equal(counts, np_counts)
    np.testing.assert_array_equal(inverse, np_inverse.reshape(-1))
    np.testing.assert_array_equal(low, points.min(axis=0))
    np.testing.assert_array_equal(high, points.max(axis=0))


def test_keys_are_the_bytes_first_feature_most_significant():
    points = np.array([[1, 2, 3], [255, 0, 7], [0, 0, 0]], dtype=np.float32)
    ok, keys, present = _keys(points)
    assert ok
    np.testing.assert_array_equal(keys, [0x010203, 0xFF0007, 0])
    assert present[0] == 1 and present[0x010203 >> 6] == 1 << (0x010203 & 63)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf, -1.0, 256.0, 0.5, 255.5,
                                   -0.5, 1e9, -1e9, -0.0, -np.nan])
@pytest.mark.parametrize("n_features", [1, 2, 3])
def test_a_value_that_is_not_a_byte_is_seen_in_every_column(value, n_features):
    for row in (0, 6):
        for column in range(n_features):
            points = np.full((7, n_features), 3.0, dtype=np.float32)
            points[row, column] = value
            assert not _keys(points)[0], (row, column)


def test_every_byte_is_a_byte():
    points = np.arange(256, dtype=np.float32).reshape(-1, 1)
    ok, keys, _ = _keys(points)
    assert ok
    np.testing.assert_array_equal(keys, np.arange(256))


def test_arguments_are_checked():
    points = np.zeros((4, 4), dtype=np.float32)
    with pytest.raises(ValueError, match="at most 3 features"):
        _byte_rows.byte_keys(points, np.empty(4, np.int32), np.zeros(1 << 26, np.uint64))
    pairs = np.zeros((4, 2), dtype=np.float32)
    with pytest.raises(ValueError, match="present must have one bit per byte key"):
        _byte_rows.byte_keys(pairs, np.empty(4, np.int32), np.zeros(3, np.uint64))
    with pytest.raises(ValueError, match="keys"):
        _byte_rows.byte_keys(pairs, np.empty(3, np.int32), np.zeros(1024, np.uint64))
    with pytest.raises(ValueError, match="low must have one entry per feature"):
        _byte_rows.byte_table(pairs, np.empty(4, np.int32), np.zeros(1024, np.uint64),
                              np.empty(1, np.float32), np.empty(2, np.float32))


@pytest.mark.parametrize("n_features", [1, 2, 3])
def test_a_table_that_is_not_of_bytes_is_empty_and_leaves_the_box(n_features):
    points = np.full((10, n_features), 3.0, dtype=np.float32)
    points[4, -1] = 0.5
    low = np.full(n_features, -7.0, np.float32)
    high = low.copy()
    is_bytes, rows, counts = _byte_rows.byte_table(
        points, np.empty(10, np.int32), np.zeros(_byte_rows.bitmap_words(n_features), np.uint64),
        low, high)
    assert not is_bytes and rows.shape == (0, n_features) and counts.shape == (0,)
    np.testing.assert_array_equal(low, -7.0)
    np.testing.assert_array_equal(high, -7.0)


@pytest.mark.parametrize("marked", [[0, 1], [5], [0, 1, 2], list(range(200))])
def test_a_bitmap_that_was_not_zeros_is_refused(marked):
    points = np.array([[0], [1], [1]], dtype=np.float32)  # keys 0 and 1
    present = np.zeros(4, np.uint64)
    for key in marked:
        present[key >> 6] |= np.uint64(1) << np.uint64(key & 63)
    low = np.empty(1, np.float32)
    if marked == [0, 1]:  # the samples' own keys: no harm
        _byte_rows.byte_table(points, np.empty(3, np.int32), present, low, low.copy())
        return
    with pytest.raises(ValueError, match="present must be zeros"):
        _byte_rows.byte_table(points, np.empty(3, np.int32), present, low, low.copy())


@pytest.mark.parametrize("n_features, fits", [(0, False), (1, True), (3, True), (4, False)])
def test_fits(n_features, fits):
    assert _byte_rows.fits(n_features, 1 << 24) == fits
    assert not _byte_rows.fits(3, (1 << 24) - 1)


@pytest.mark.parametrize("row", [0, BYTE_CHECK_BLOCK - 1, BYTE_CHECK_BLOCK,
                                 2 * BYTE_CHECK_BLOCK + 3, -1])
@pytest.mark.parametrize("n_features", [1, 2, 3])
def test_a_value_that_is_not_a_byte_is_seen_in_every_block(row, n_features):
    for column in range(n_features):
        points = np.full((2 * BYTE_CHECK_BLOCK + 4, n_features), 7.0, dtype=np.float32)
        points[row, column] = 7.5  # (a partial block last)
        assert not _keys(points)[0], column


@pytest.mark.parametrize("position", [0, BYTE_CHECK_BLOCK - 1, BYTE_CHECK_BLOCK,
                                      2 * BYTE_CHECK_BLOCK + 3, -1])
def test_a_value_that_is_not_a_byte_is_seen_at_the_edges_of_the_blocks(position):
    values = np.full(2 * BYTE_CHECK_BLOCK + 4, 7.0, dtype=np.float32)  # a partial block last
    values[position] = 7.5
    assert not _keys(values.reshape(-1, 3))[0]
    assert not _keys(values.reshape(-1, 2))[0]


@pytest.mark.parametrize("n_rows", [2 * _byte_rows._TRIPLE_ROWS, 2 * _byte_rows._TRIPLE_ROWS + 5])
def test_a_value_that_is_not_a_byte_is_seen_in_every_block_of_three_features(n_rows):
    blocks = _byte_rows._TRIPLE_ROWS
    for row in (0, blocks - 1, blocks, 2 * blocks - 1, n_rows - 1):
        for column in range(3):
            points = np.full((n_rows, 3), 7.0, dtype=np.float32)
            points[row, column] = -1.0
            assert not _keys(points)[0], (row, column)
    _assert_numpy_unique(np.arange(3 * n_rows, dtype=np.float32).reshape(-1, 3) % 256)


def _assert_numpy_unique(points):
    rows, counts, inverse, low, high = _table(points)
    np_rows, np_inverse, np_counts = np.unique(points, axis=0, return_inverse=True,
                                               return_counts=True)
    np.testing.assert_array_equal(rows, np_rows)
    np.testing.assert_array_equal(counts, np_counts)
    np.testing.assert_array_equal(inverse, np_inverse.reshape(-1))
    np.testing.assert_array_equal(low, points.min(axis=0))
    np.testing.assert_array_equal(high, points.max(axis=0))


def _rows_of_keys(keys, n_features):
    keys = np.asarray(keys, dtype=np.int64)
    shifts = 8 * np.arange(n_features - 1, -1, -1)
    return ((keys[:, None] >> shifts) & 255).astype(np.float32)


@pytest.mark.parametrize("keys", [
    [63, 64, 0, 127, 128, 64, 63],  # either side of a word's edge
    [0, (1 << 24) - 1, (1 << 24) - 64, (1 << 24) - 65, 1, 0],  # the key space's corners
    list(range(64)) * 2,  # a full word
    [64 + k for k in (1, 5, 9, 17, 33)] + [200, 64 + 1],  # 5 keys in a word, past the unrolled
    [64 + k for k in (2, 3, 60, 63)] + [7],  # exactly 4 in a word
])
def test_table_at_the_edges_of_the_words(keys):
    _assert_numpy_unique(_rows_of_keys(keys, 3)[::-1].copy())
    _assert_numpy_unique(_rows_of_keys(keys, 3))


@pytest.mark.parametrize("n_features", [1, 2, 3])
def test_every_value_of_every_feature(n_features):
    rng = np.random.default_rng(n_features)
    points = np.repeat(np.arange(256, dtype=np.float32)[:, None], n_features, axis=1)
    for j in range(n_features):
        points[:, j] = rng.permutation(points[:, j])
    _assert_numpy_unique(np.concatenate([points, points[::3]]))


@pytest.mark.parametrize("n_features", [1, 3])
def test_one_distinct_row(n_features):
    rows, counts, inverse, low, high = _table(np.full((1000, n_features), 9, np.float32))
    np.testing.assert_array_equal(rows, np.full((1, n_features), 9, np.float32))
    np.testing.assert_array_equal(counts, [1000])
    np.testing.assert_array_equal(inverse, np.zeros(1000))
    np.testing.assert_array_equal(low, 9)
    np.testing.assert_array_equal(high, 9)


@pytest.mark.parametrize("row", [0, -1])
def test_a_value_that_is_not_a_byte_is_seen_in_whole_blocks(row):
    points = np.full((BYTE_CHECK_BLOCK, 3), 7.0, dtype=np.float32)  # 3 blocks, none partial
    points[row, 2] = 256.0
    assert not _keys(points)[0]
    assert _keys(np.full((BYTE_CHECK_BLOCK, 3), 7.0, dtype=np.float32))[0]

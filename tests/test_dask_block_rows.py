"""The per-worker cache of a block's distinct rows."""

import gc

import numpy as np
import pytest

from fastquant.dask import _block_rows


def _block(seed=0, n=50_000):
    return np.random.default_rng(seed).integers(0, 16, size=(n, 3)).astype(np.float32)


def _bounds(block):
    return block.min(axis=0), block.max(axis=0)


def test_integer_block_becomes_weighted_distinct_rows_kept_while_it_lives():
    _block_rows.clear()
    block = _block()
    rows = _block_rows.block_rows(block, *_bounds(block))
    unique, counts = np.unique(block, axis=0, return_counts=True)
    np.testing.assert_array_equal(rows.values, unique)
    np.testing.assert_array_equal(rows.weights, counts)
    assert len(rows.inverse) == 0
    assert _block_rows.block_rows(block, *_bounds(block)) is rows  # kept
    assert _block_rows.cached_blocks() == 1
    del block
    gc.collect()
    assert _block_rows.cached_blocks() == 0  # dropped with its block


def test_a_new_block_at_a_dead_blocks_id_is_not_taken_for_it(monkeypatch):
    # An entry normally leaves with its block; keep dead entries, as a late weakref
    # callback would, so that a new block can reuse a dead one's id while its entry
    # is still there.
    monkeypatch.setattr(_block_rows, "_forget", lambda key: None)
    _block_rows.clear()
    first = _block(1) % 4  # values 0..3; the new blocks hold 4..7
    _block_rows.block_rows(first, *_bounds(first))
    stale_id = id(first)
    del first
    gc.collect()
    keep = []  # holds the blocks tried, so that each try gets a fresh id
    for seed in range(2, 200):
        other = _block(seed) % 4 + 4
        if id(other) == stale_id:
            break
        keep.append(other)
    else:
        pytest.skip("no new block got the dead block's id here")
    assert _block_rows.cached_blocks() == 1  # the dead block's entry, at the same id
    rows = _block_rows.block_rows(other, *_bounds(other))
    assert rows.weights.sum() == len(other)
    np.testing.assert_array_equal(rows.values, np.unique(other, axis=0))


def test_a_block_that_does_not_repeat_is_clustered_as_it_is():
    _block_rows.clear()
    block = np.random.default_rng(3).normal(size=(20_000, 3)).astype(np.float32)
    for _ in range(2):  # the decision is kept, the block itself is not
        rows = _block_rows.block_rows(block, *_bounds(block))
        assert rows.values is block and np.all(rows.weights == 1)
    assert _block_rows.cached_blocks() == 1
    del block, rows
    gc.collect()
    assert _block_rows.cached_blocks() == 0

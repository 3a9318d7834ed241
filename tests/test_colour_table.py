"""The colour table against np.unique, on every kind of image."""

import numpy as np
import pytest

from fastquant._colour_table import colour_table
from fastquant.kernels import _image_passes

from . import naive


def _rich_uint8(shape=(120, 90), seed=0):
    """A smooth gradient with noise: most pixels have a colour of their own."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[: shape[0], : shape[1]]
    base = np.stack([x * 2, y * 2, (x + y)], axis=-1)
    return np.clip(base + rng.integers(-6, 7, size=base.shape), 0, 255).astype(np.uint8)


def _images():
    rich = _rich_uint8()
    rng = np.random.default_rng(3)
    repetitive = rng.integers(0, 4, size=(64, 64, 3)).astype(np.uint8) * 60
    return {
        "uint8 rgb, rich": rich,
        "uint8 rgb, few colours": repetitive,
        "uint8 gray": rich[..., 0],
        "uint8 rgba": np.dstack([rich, rich[..., :1] // 3]),
        "uint16 rgb": rich.astype(np.uint16) * 257 + rng.integers(0, 3, rich.shape).astype(np.uint16),
        "float32 rgb": (rich / 255).astype(np.float32),
        "float64 gray": rich[..., 1] / 255.0,
        "float64 with -0.0": np.array([[0.0, -0.0, 0.5], [0.5, -0.0, 1.0]]),
    }


@pytest.mark.parametrize("name", list(_images()))
@pytest.mark.parametrize("weighted", [False, True], ids=["counts", "weights"])
def test_table_matches_np_unique(name, weighted):
    image = _images()[name]
    height, width = image.shape[:2]
    pixels = image.reshape(height * width, -1)
    block_weight = None
    if weighted:
        rng = np.random.default_rng(7)
        block_weight = rng.random((-(-height // 4), -(-width // 4))).astype(np.float32)
    table = colour_table(pixels, width, 2, block_weight)
    colours, counts, weights, inverse = naive.colour_table(pixels + 0.0 if pixels.dtype.kind == "f" else pixels,
                                                          width, 4, block_weight)
    order = np.lexsort(table.colours.T[::-1])
    np.testing.assert_array_equal(table.colours[order], colours)
    np.testing.assert_array_equal(table.counts[order], counts)
    np.testing.assert_allclose(table.weights[order], weights, rtol=1e-5)
    # the way back: each pixel's label is its colour's
    labels = table.pixel_labels(np.arange(len(counts), dtype=np.int32))
    np.testing.assert_array_equal(table.colours[labels], pixels + 0.0 if pixels.dtype.kind == "f" else pixels)
    small = table.pixel_labels((np.arange(len(counts)) % 200).astype(np.uint8))
    assert small.dtype == np.uint8
    np.testing.assert_array_equal(small, labels % 200)


def test_block_weights_match_the_reference():
    image = _rich_uint8((37, 23))
    weights = np.empty((10, 6), np.float32)
    _image_passes.block_weights(image, 4, 1.0, 40.0, 0.2, weights)
    np.testing.assert_allclose(weights, naive.block_weights(image, 4, 1.0, 40.0, 0.2), rtol=1e-6)


def test_table_is_the_same_on_one_thread():
    import numba

    pixels = _rich_uint8((300, 300)).reshape(-1, 3)
    wide = pixels.astype(np.uint16)
    tables = []
    for threads in (1, numba.config.NUMBA_NUM_THREADS):
        previous = numba.get_num_threads()
        numba.set_num_threads(threads)
        try:
            tables.append((colour_table(pixels), colour_table(wide)))
        finally:
            numba.set_num_threads(previous)
    for one, many in zip(tables[0], tables[1]):
        np.testing.assert_array_equal(one.colours, many.colours)
        np.testing.assert_array_equal(one.counts, many.counts)


@pytest.mark.parametrize("rows, words, merged_words, message", [
    (4, 1 << 18, 1000, "merged must have a bit per key"),
    (3, 1 << 18, 1 << 18, "present must have a row per key group"),
    (4, 100, 1 << 18, "present must have a row per key group, as many words as merged"),
])
def test_byte_table_refuses_bitmaps_of_the_wrong_shape(rows, words, merged_words, message):
    # the caller gives the kernel its two bitmaps (see byte_colour_table): a wrong
    # size would write past them
    from fastquant._jit import serial_twin
    from fastquant.kernels._checks import KernelArgumentError
    from fastquant.kernels._colour_table import byte_colour_table

    pixels = _rich_uint8((8, 8)).reshape(-1, 3)
    with pytest.raises(KernelArgumentError, match=message):
        serial_twin(byte_colour_table)(pixels, 8, 62, np.ones((1, 1), np.float32),
                                       np.zeros((rows, words), np.uint64),
                                       np.empty(merged_words, np.uint64))

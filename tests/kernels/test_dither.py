"""The dithering kernels: Floyd-Steinberg's strength and the ordered Bayer pattern."""

import numpy as np

import fastquant as fq
from fastquant._dithering import dithered_labels, palette_spacing
from fastquant.kernels import _dither


def test_bayer_matrix_holds_each_threshold_once():
    assert sorted(_dither.BAYER_8.reshape(-1)) == list(range(64))


def test_ordered_offsets_repeat_every_8_pixels_and_leave_alpha():
    image = np.full((20, 27, 4), 100, np.float32)
    out = np.empty((20 * 27, 4), np.float32)
    _dither.ordered_offsets(image, _dither.BAYER_8, np.float32(32.0), 3, out)
    shifted = out.reshape(20, 27, 4)
    assert (shifted[..., 3] == 100).all()
    np.testing.assert_array_equal(shifted[8:16, 8:16], shifted[:8, :8])
    np.testing.assert_array_equal(shifted[:, 16:24], shifted[:, :8])
    offsets = shifted[:8, :8, 0] - 100
    assert len(np.unique(offsets)) == 64 and abs(offsets.mean()) < 1e-4
    assert offsets.min() > -16 and offsets.max() < 16


def test_ordered_dithering_is_deterministic_tile_periodic_and_keeps_averages():
    flat = np.full((24, 32, 3), 64, np.uint8)  # a quarter of the way from black to white
    colours = np.array([[0, 0, 0], [255, 255, 255]], np.uint8)
    first = fq.remap(flat, colours, dither="ordered")
    second = fq.remap(flat, colours, dither="ordered")
    np.testing.assert_array_equal(first.labels, second.labels)
    tile = first.labels[:8, :8]
    np.testing.assert_array_equal(first.labels, np.tile(tile, (3, 4)))
    assert tile.sum() == 16  # 16 of 64 pixels white: the average is kept


def test_ordered_pattern_is_scaled_to_the_palette_spacing():
    # gray levels 40 apart: values between them are split in the right proportion,
    # values on a level stay on it
    levels = np.arange(0, 256, 40).astype(np.uint8)
    assert abs(palette_spacing(np.repeat(levels[:, None], 3, axis=1)) - 40) < 1e-9
    values = np.arange(0, 241, dtype=np.uint8)
    blocks = np.repeat(np.repeat(values[None, :], 8, axis=0), 8, axis=1)  # 8x8 per value
    result = fq.remap(np.dstack([blocks] * 3), np.repeat(levels[:, None], 3, axis=1),
                      dither="ordered")
    means = result.image[..., 0].astype(float).reshape(8, -1, 8).mean(axis=(0, 2))
    assert np.abs(means - values).max() < 1.0
    on_level = np.isin(blocks, levels)
    np.testing.assert_array_equal(result.image[..., 0][on_level], blocks[on_level])


def test_floyd_steinberg_strength():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (30, 40, 3)).astype(np.uint8)
    colours = rng.integers(0, 256, (6, 3)).astype(np.uint8)
    colours[0], colours[5] = 0, 255  # the palette's range spans the image's: no clamping
    nearest = fq.remap(image, colours)
    none = fq.remap(image, colours, dither=0.0)
    full = fq.remap(image, colours, dither=True)
    np.testing.assert_array_equal(none.labels, nearest.labels)
    np.testing.assert_array_equal(fq.remap(image, colours, dither=1.0).labels, full.labels)
    half = fq.remap(image, colours, dither=0.5)
    changed = lambda a: (a.labels != nearest.labels).mean()  # noqa: E731
    assert 0 < changed(half) < changed(full)
    # strength 0 through the kernel itself: the nearest colour
    labels = np.zeros((30, 40), np.int32)
    _dither.floyd_steinberg(image.astype(np.float32), colours.astype(np.float32),
                            np.ones((30, 40), bool), labels, np.float32(0.0))
    np.testing.assert_array_equal(labels, nearest.labels)


def test_dithering_skips_inactive_pixels():
    image = np.full((8, 8, 3), 100, np.uint8)
    colours = np.array([[0, 0, 0], [255, 255, 255]], np.uint8)
    active = np.zeros((8, 8), bool)
    active[:, 4:] = True
    keep = np.full((8, 8), 7, np.int32)
    for method in ("ordered", 1.0):
        labels = dithered_labels(image, colours, keep, active, method, 255.0)
        assert (labels[:, :4] == 7).all() and set(np.unique(labels[:, 4:])) == {0, 1}


def test_floyd_steinberg_search_finds_the_first_nearest_entry():
    from ..naive import nearest_entries

    rng = np.random.default_rng(5)
    colours = rng.integers(0, 256, (200, 3)).astype(np.uint8)
    colours[150:] = colours[:50]  # duplicates: the first of each pair must win
    colours[:20, 0] = 77  # many entries on one first-channel value
    colours[20], colours[21] = 0, 255  # no clamping
    image = rng.integers(0, 256, (40, 50, 3)).astype(np.uint8)
    image[:10, :, 0] = 77
    labels = np.zeros((40, 50), np.int32)
    _dither.floyd_steinberg(image.astype(np.float32), colours.astype(np.float32),
                            np.ones((40, 50), bool), labels, np.float32(0.0))
    np.testing.assert_array_equal(labels.reshape(-1), nearest_entries(image.reshape(-1, 3), colours))

"""The dithering kernels: Floyd-Steinberg (against the naive oracle, its grid search,
its bands, its strength) and the ordered Bayer pattern."""

import numba
import numpy as np
import pytest

import fastquant as fq
from fastquant._dithering import dithered_labels, palette_spacing
from fastquant._jit import serial_twin
from fastquant.kernels import _dither

from .. import naive


def _diffuse(image, palette, strength=1.0, edge_scale=np.inf, active=None, limit=np.inf,
             kernel=None):
    """Labels of the Floyd-Steinberg kernel (all pixels active, full strength and no
    damping unless told)."""
    height, width = image.shape[:2]
    active = np.ones((height, width), bool) if active is None else active
    labels = np.full((height, width), -1, np.int32)
    if image.dtype != np.uint8:
        image = image.astype(np.float32)
    (kernel or _dither.floyd_steinberg)(
        np.ascontiguousarray(image), np.ascontiguousarray(palette, dtype=np.float32), active,
        np.float32(strength), np.float32(edge_scale), np.float32(limit), labels)
    return labels


def _smooth_noisy_image(rng, height, width, channels, scale):
    """A gradient with noise (values from 0 to ``scale``, some beyond)."""
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([(y / height + c * x / width) % 1 for c in range(channels)], axis=-1)
    return ((base + rng.normal(0, 0.04, base.shape)) * scale).astype(np.float32)


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
    # smooth (noise hides banding, and Floyd-Steinberg spares it: edge_strengths)
    y, x = np.mgrid[0:30, 0:40]
    image = (x[..., None] * np.float32([6, 3, 1]) + y[..., None] * np.float32([0, 2, 7])).astype(np.uint8)
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
    labels = _diffuse(image, colours, strength=0.0)
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
    labels = _diffuse(image, colours, strength=0.0)
    np.testing.assert_array_equal(labels.reshape(-1), nearest_entries(image.reshape(-1, 3), colours))


@pytest.mark.parametrize("channels, scale, n_colors", [(3, 255.0, 40), (1, 1.0, 7), (4, 255.0, 90),
                                                       (2, 65535.0, 12)])
def test_floyd_steinberg_matches_the_naive_oracle_bit_for_bit(channels, scale, n_colors):
    # more rows than a band: the bands, their warm-up rows and the serpentine order;
    # some pixels inactive, shares from 0 to 0.9 (noise, flat areas), errors cut short
    rng = np.random.default_rng(channels)
    height = _dither.BAND_ROWS + 2 * _dither.WARMUP_ROWS + 3
    image = _smooth_noisy_image(rng, height, 13, channels, scale)
    image[40:60, 2:9] = image[40, 2]
    if scale == 255:
        image = np.clip(image, 0, 255).astype(np.uint8)  # read as uint8
    palette = (rng.random((n_colors, channels)) * scale).astype(np.float32)
    palette[-3:] = palette[:3]  # ties: the first wins
    active = rng.random((height, 13)) > 0.05
    strength, edge_scale, limit = 0.9, 0.2 * scale * channels, 0.2 * scale
    shares = naive.edge_strengths(image, edge_scale, strength)
    assert shares.min() == 0 and shares.max() == np.float32(0.9) and 0.1 < shares.mean() < 0.8
    expected = naive.floyd_steinberg(image, palette, shares, active, limit,
                                     _dither.BAND_ROWS, _dither.WARMUP_ROWS)
    labels = _diffuse(image, palette, strength, edge_scale, active, limit)
    np.testing.assert_array_equal(labels, expected)


@pytest.mark.parametrize("channels, scale", [(3, 255.0), (4, 255.0), (1, 1.0), (3, 1.0)])
def test_grid_search_finds_the_first_nearest_colour_as_a_full_search_does(channels, scale):
    # strength 0: every pixel takes its own nearest colour, found among its cell's
    # candidates; values on and next to cell boundaries, palette colours, duplicates
    rng = np.random.default_rng(10 + channels)
    palette = (rng.random((200, channels)) * scale).astype(np.float32)
    palette[150:] = palette[:50]
    palette[100, 0] = palette[101, 0] + np.float32(1e-3 * scale)
    low, high = palette.min(axis=0), palette.max(axis=0)
    side = _dither.grid_sides(channels, _dither.GRID_CELLS, _dither.GRID_SPLIT)
    boundaries = low + (high - low) * (rng.integers(0, side + 1, (300, channels)) / side)
    values = np.concatenate([rng.random((600, channels)) * scale * 1.2 - 0.1 * scale,
                             boundaries, np.nextafter(boundaries.astype(np.float32), 0),
                             palette[::3], palette[::7] + np.float32(1e-7)]).astype(np.float32)
    image = values.reshape(-1, 13, channels) if len(values) % 13 == 0 else \
        values[:len(values) // 13 * 13].reshape(-1, 13, channels)
    labels = _diffuse(image, palette, strength=0.0)
    expected = naive.floyd_steinberg(image, palette, np.zeros(image.shape[:2], np.float32),
                                     np.ones(image.shape[:2], bool), np.inf, 1 << 30, 0)
    np.testing.assert_array_equal(labels, expected)


def test_floyd_steinberg_is_the_same_at_any_thread_count():
    rng = np.random.default_rng(3)
    image = _smooth_noisy_image(rng, 3 * _dither.BAND_ROWS + 17, 40, 3, 255.0)
    palette = (rng.random((30, 3)) * 255).astype(np.float32)
    serial = _diffuse(image, palette, kernel=serial_twin(_dither.floyd_steinberg))
    before = numba.get_num_threads()
    try:
        for threads in range(1, numba.config.NUMBA_NUM_THREADS + 1):
            numba.set_num_threads(threads)
            np.testing.assert_array_equal(_diffuse(image, palette), serial)
    finally:
        numba.set_num_threads(before)


def test_dithering_onto_every_colour_of_the_image_returns_the_image():
    rng = np.random.default_rng(4)
    colours = rng.integers(0, 256, (50, 3)).astype(np.uint8)
    image = colours[rng.integers(0, 50, (2 * _dither.BAND_ROWS, 30))]
    for dither in (True, 0.5):
        np.testing.assert_array_equal(fq.remap(image, colours, dither=dither).image, image)
        np.testing.assert_array_equal(fq.quantize(image, 64, dither=dither).image, image)


def test_band_seams_keep_the_local_average():
    # a flat gray a quarter of the way to white: each 8-row block, including those
    # that start a band (no error coming in above its warm-up rows), is a quarter white
    image = np.full((3 * _dither.BAND_ROWS, 64, 1), 64, np.float32)
    labels = _diffuse(image, np.array([[0], [255]], np.float32))
    blocks = labels.reshape(-1, 8, 64).mean(axis=(1, 2))
    assert np.abs(blocks - 64 / 255).max() < 0.02

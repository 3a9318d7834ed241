"""fastquant.palette, fastquant.remap, quantize_frames, and RGBA clustered premultiplied."""

import imageio.v3 as iio
import numpy as np
import pytest

import fastquant as fq
from fastquant._palette import quantize_frames

from .naive import nearest_entries


def _photo():
    from fastquant.cli import example_path

    return iio.imread(example_path())[::3, ::3].copy()


def _random_palette(n, channels=3, seed=0):
    rng = np.random.default_rng(seed)
    colours = rng.integers(0, 256, (n, channels), dtype=np.uint8)
    colours[n // 2] = colours[1]  # a duplicate: the first of the two is the nearest
    return colours


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_remap_keeps_the_palette_and_picks_the_nearest_entry(dtype):
    image = _photo()[:60, :80].astype(dtype)
    colours = _random_palette(37).astype(dtype)
    if dtype == np.uint16:
        image, colours = image * 257, colours * 257
    result = fq.remap(image, colours)
    assert result.palette.dtype == dtype
    np.testing.assert_array_equal(result.palette, colours)  # bit-exact, order kept
    peak = 65535.0 if dtype == np.uint16 else 255.0
    expected = nearest_entries(image.reshape(-1, 3), colours, peak)
    np.testing.assert_array_equal(result.labels.reshape(-1), expected)
    np.testing.assert_array_equal(result.image, colours[result.labels])


def test_remap_gray_and_rgba_against_the_oracle():
    gray = _photo()[:40, :50, 1]
    levels = np.array([200, 10, 90, 10, 255], np.uint8)
    result = fq.remap(gray, levels)
    np.testing.assert_array_equal(result.palette, levels)
    np.testing.assert_array_equal(result.labels.reshape(-1), nearest_entries(gray.reshape(-1, 1), levels))
    rgba = np.dstack([_photo()[:40, :50], np.tile(np.arange(0, 250, 5, dtype=np.uint8), (40, 1))])
    colours = _random_palette(20, 4, seed=3)
    result = fq.remap(rgba, colours)
    np.testing.assert_array_equal(result.palette, colours)
    np.testing.assert_array_equal(result.labels.reshape(-1), nearest_entries(rgba.reshape(-1, 4), colours))


def test_remap_refuses_a_palette_that_does_not_fit():
    image = _photo()
    with pytest.raises(ValueError, match="palette must hold"):
        fq.remap(image, np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError, match="palette colours must be uint8"):
        fq.remap(image, np.array([[0.5, 0, 0]]))
    with pytest.raises(ValueError, match="dither"):
        fq.remap(image, np.zeros((4, 3), np.uint8), dither=1.5)


def test_palette_over_several_images_is_quantize_on_their_concatenation():
    image = _photo()
    parts = [image[:, :70], image[:, 70:110], image[:, 110:]]
    shared = fq.palette(parts, 12, seed=2)
    joined = fq.quantize(image, 12, seed=2)
    assert shared.colors.dtype == np.uint8 and shared.colors.shape == (12, 3)
    # the same table up to its order: results as good as quantize's, up to the seeding
    assert fq.remap(image, shared).psnr == pytest.approx(joined.psnr, abs=0.3)
    only_first = fq.palette(parts[:1], 12, seed=2)
    assert fq.remap(image, only_first).psnr < joined.psnr - 0.5


def test_palette_weighs_each_colour_by_its_pixels_in_all_images():
    red = np.zeros((30, 30, 3), np.uint8)
    red[..., 0] = 250
    small = np.zeros((2, 5, 3), np.uint8)
    small[..., 2] = 200
    small[1] = (0, 100, 0)
    colours = fq.palette([red, small, red], 1).colors
    weighted = (1800 * np.array([250, 0, 0]) + 5 * np.array([0, 0, 200])
                + 5 * np.array([0, 100, 0])) / 1810
    np.testing.assert_array_equal(colours, np.rint(weighted)[None].astype(np.uint8))
    # few colours: the palette is the images' colours themselves
    assert len(fq.palette([red, small], 8)) == 3


def test_palette_checks_its_images():
    with pytest.raises(ValueError, match="at least one image"):
        fq.palette([], 4)
    with pytest.raises(ValueError, match="share a dtype"):
        fq.palette([_photo(), _photo()[..., 0]], 4)


def test_remap_with_a_lab_palette_searches_in_lab():
    image = _photo()
    lab = fq.palette([image], 8, space="lab")
    assert lab.space == "lab"
    in_lab, in_rgb = fq.remap(image, lab), fq.remap(image, lab.colors)
    assert not np.array_equal(in_lab.labels, in_rgb.labels)
    assert in_rgb.psnr >= in_lab.psnr  # RGB distance is what PSNR measures


def test_quantize_frames_shared_per_frame_and_target():
    image = _photo()
    frames = [image, image[:, ::-1].copy()]
    shared = quantize_frames(frames, 6, seed=1)
    assert all(np.array_equal(q.palette, shared.frames[0].palette) for q in shared.frames)
    separate = quantize_frames(frames, 6, seed=1, per_frame=True)
    assert separate.psnr >= shared.psnr - 0.01
    target = quantize_frames(frames, 64, seed=1, target_psnr=25.0)
    assert target.psnr >= 25.0 and target.n_colours < 64


def test_target_psnr_gives_the_smallest_k_that_reaches_it():
    image = _photo()
    result = fq.quantize(image, 64, seed=1, target_psnr=27.0)
    n = len(result.palette)
    assert result.psnr >= 27.0 and n < 64
    assert fq.quantize(image, n - 1, seed=1).psnr < 27.0
    unreachable = fq.quantize(image, 4, seed=1, target_psnr=60.0)
    assert len(unreachable.palette) == 4 and unreachable.psnr < 60.0
    with pytest.raises(ValueError, match="target_psnr"):
        fq.quantize(image, 4, target_psnr=-3)


# ------------------------------------------------------------------ RGBA


def _alpha_gradient():
    """Colours that change down the rows, alpha from 0 to 255 across the columns."""
    y, x = np.mgrid[0:64, 0:96]
    noise = np.random.default_rng(0).integers(0, 60, (64, 96))
    rgb = np.stack([(y * 4) % 256, (255 - y * 4) % 256, (x * 2 + noise) % 256], axis=-1)
    return np.dstack([rgb, x * 255 // 95]).astype(np.uint8)


def _premultiplied_mse(a, b):
    """Squared error of colour times alpha and of alpha: what compositing shows."""
    def premultiply(image):
        image = image.astype(np.float64)
        return np.dstack([image[..., :3] * image[..., 3:] / 255, image[..., 3]])
    return np.mean((premultiply(a) - premultiply(b)) ** 2)


@pytest.mark.parametrize("k", [8, 16])
def test_premultiplied_alpha_beats_straight_rgba_clustering(k):
    image = _alpha_gradient()
    result = fq.quantize(image, k, seed=1)
    # the former behaviour: straight RGBA clustered as four channels
    points = image.reshape(-1, 4).astype(np.float32)
    criteria = (fq.TERM_CRITERIA_EPS + fq.TERM_CRITERIA_MAX_ITER, 30, 0.05)
    _, labels, centers = fq.kmeans(points, k, None, criteria, 1, fq.KMEANS_PP_CENTERS)
    straight = np.rint(centers)[labels.ravel()].reshape(image.shape)
    assert _premultiplied_mse(image, result.image) < 0.8 * _premultiplied_mse(image, straight)


def test_transparent_pixels_share_one_entry_and_alpha_is_quantized():
    image = _alpha_gradient()
    result = fq.quantize(image, 8, seed=1)
    clear = image[..., 3] == 0
    assert clear.any() and (result.image[clear] == 0).all()
    assert len(np.unique(result.labels[clear])) == 1
    assert not (result.labels[~clear] == result.labels[clear][0]).any()
    assert 2 < len(np.unique(result.image[..., 3])) <= 8
    shared = fq.palette([image, image[::-1]], 8, seed=1)
    assert (shared.colors == 0).all(axis=1).sum() == 1

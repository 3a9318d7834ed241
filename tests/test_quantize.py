import os
import subprocess
import sys
import textwrap
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest

import fastquant as fq
from fastquant.kernels._image_tunables import SERIAL_MAX_PIXELS, SERIAL_MAX_WORK



def _photo():
    from fastquant.cli import example_path

    return iio.imread(example_path())[::3, ::3].copy()


def _check(result, image, k):
    assert result.image.shape == image.shape and result.image.dtype == image.dtype
    assert result.palette.dtype == image.dtype and len(result.palette) <= k
    np.testing.assert_array_equal(result.palette[result.labels].reshape(image.shape), result.image)
    assert result.labels.shape == image.shape[:2]
    mse = np.mean((result.image.astype(np.float64) - image) ** 2)
    assert result.mse == pytest.approx(mse)


@pytest.mark.parametrize("k", [1, 2, 8, 40])
def test_rgb(k):
    image = _photo()
    result = fq.quantize(image, k, seed=3)
    _check(result, image, k)
    assert result.labels.dtype == np.uint8
    assert len(np.unique(result.image.reshape(-1, 3), axis=0)) == len(result.palette)
    if k > 1:
        assert result.psnr > fq.quantize(image, k // 2, seed=3).psnr


def test_gray_2d_and_single_channel():
    gray = _photo()[..., 1]
    result = fq.quantize(gray, 6)
    _check(result, gray, 6)
    assert result.palette.shape == (len(result.palette),)
    column = gray[..., None]
    result3 = fq.quantize(column, 6)
    _check(result3, column, 6)
    np.testing.assert_array_equal(result3.image[..., 0], result.image)


def test_binary_alpha_is_kept_exactly():
    rgb = _photo()
    alpha = np.where((np.arange(rgb.shape[1]) // 7) % 2 == 0, 255, 0).astype(np.uint8)
    rgba = np.dstack([rgb, np.broadcast_to(alpha, rgb.shape[:2])])
    result = fq.quantize(rgba, 5)
    _check(result, rgba, 5)
    np.testing.assert_array_equal(result.image[..., 3], rgba[..., 3])
    assert [0, 0, 0, 0] in result.palette.tolist()
    assert (result.image[rgba[..., 3] == 0] == 0).all()


def test_graded_alpha_is_clustered_with_colour():
    rgba = np.dstack([_photo(), np.full(_photo().shape[:2], 128, np.uint8)])
    rgba[::2, :, 3] = 200
    result = fq.quantize(rgba, 6)
    _check(result, rgba, 6)
    assert 128 <= result.image[..., 3].min() and result.image[..., 3].max() <= 200
    assert len(np.unique(result.image[..., 3])) > 1


def test_uint16_and_float_images():
    image16 = (_photo().astype(np.uint16) * 257)
    result = fq.quantize(image16, 8)
    _check(result, image16, 8)
    assert result.psnr == pytest.approx(10 * np.log10(65535.0**2 / result.mse))
    image_f = _photo().astype(np.float32) / 255
    result_f = fq.quantize(image_f, 8)
    _check(result_f, image_f, 8)
    assert 0 <= result_f.palette.min() and result_f.palette.max() <= 1


def test_fewer_colours_than_k_keeps_them_all():
    image = np.zeros((20, 30, 3), np.uint8)
    image[5:, :10] = (200, 10, 10)
    image[:, 20:] = (1, 2, 3)
    result = fq.quantize(image, 16)
    np.testing.assert_array_equal(result.image, image)
    assert sorted(map(tuple, result.palette.tolist())) == [(0, 0, 0), (1, 2, 3), (200, 10, 10)]
    assert result.psnr == float("inf") and result.compactness == 0.0
    float_image = image.astype(np.float64) / 255 + 1e-9  # not float32 values
    result = fq.quantize(float_image, 3)
    assert result.image.dtype == np.float64 and result.psnr == float("inf")
    np.testing.assert_array_equal(result.image, float_image)


def test_more_than_256_colours_uses_uint16_labels():
    image = _photo()
    result = fq.quantize(image, 300)
    assert len(result.palette) > 256 and result.labels.dtype == np.uint16
    _check(result, image, 300)


def test_results_are_reproducible_and_seeded():
    image = _photo()
    a, b = fq.quantize(image, 7), fq.quantize(image, 7)
    np.testing.assert_array_equal(a.image, b.image)
    assert fq.quantize(image, 7, seed=1, attempts=3).compactness <= fq.quantize(image, 7, seed=1, attempts=1).compactness


def test_dithering_keeps_local_averages():
    ramp = np.tile(np.linspace(0, 255, 64), (32, 1)).astype(np.uint8)
    plain = fq.quantize(ramp, 2)
    dithered = fq.quantize(ramp, 2, dither=True)
    _check(dithered, ramp, 2)
    blocks = lambda a: a.reshape(4, 8, 8, 8).astype(float).mean(axis=(1, 3))  # noqa: E731
    # where the palette can reproduce the local average, dithering does
    inside = (blocks(ramp) > dithered.palette.min()) & (blocks(ramp) < dithered.palette.max())
    error_dithered = np.abs(blocks(dithered.image) - blocks(ramp))[inside].mean()
    error_plain = np.abs(blocks(plain.image) - blocks(ramp))[inside].mean()
    assert inside.sum() >= 8 and error_dithered < 0.25 * error_plain


def test_dithering_leaves_transparent_pixels_alone():
    rgb = _photo()
    alpha = np.full(rgb.shape[:2], 255, np.uint8)
    alpha[:, :20] = 0
    result = fq.quantize(np.dstack([rgb, alpha]), 4, dither=True)
    assert (result.image[:, :20] == 0).all() and (result.image[:, 20:, 3] == 255).all()


def test_lab_space():
    image = _photo()
    result = fq.quantize(image, 8, space="lab")
    _check(result, image, 8)
    assert 15 < result.psnr < 40


@pytest.mark.parametrize(
    "image, kwargs, error, word",
    [
        (np.zeros((4, 4), np.int32), {}, TypeError, "dtype"),
        (np.zeros((4, 4, 2), np.uint8), {}, ValueError, "channels"),
        (np.zeros((4,), np.uint8), {}, ValueError, "shape"),
        (np.zeros((0, 4), np.uint8), {}, ValueError, "empty"),
        (np.full((4, 4), 1.5), {}, ValueError, "[0, 1]"),
        (np.full((4, 4), np.nan), {}, ValueError, "finite"),
        (np.zeros((4, 4), np.uint8), {"k": 0}, ValueError, "k"),
        (np.zeros((4, 4), np.uint8), {"k": 2.5}, TypeError, "k"),
        (np.zeros((4, 4), np.uint8), {"attempts": 0}, ValueError, "attempts"),
        (np.zeros((4, 4), np.uint8), {"space": "hsv"}, ValueError, "space"),
        (np.zeros((4, 4), np.uint8), {"space": "lab"}, ValueError, "lab"),
    ],
)
def test_bad_input(image, kwargs, error, word):
    kwargs = {"k": 3, **kwargs}
    with pytest.raises(error, match=word.replace("[", r"\[").replace("]", r"\]")):
        fq.quantize(image, **kwargs)


def test_many_colours_go_through_coarse_groups_without_losing_quality(monkeypatch):
    from fastquant import _colour_clusters
    from fastquant.cli import example_path

    image = iio.imread(example_path())  # 69,991 distinct colours
    assert len(np.unique(image.reshape(-1, 3), axis=0)) > _colour_clusters.COARSE_MIN_ROWS
    coarse = fq.quantize(image, 16)
    _check(coarse, image, 16)
    monkeypatch.setattr(_colour_clusters, "COARSE_MIN_ROWS", 10**9)  # cluster every colour from the start
    direct = fq.quantize(image, 16)
    assert abs(coarse.psnr - direct.psnr) < 0.3


def test_k_above_65536_with_fewer_colours_keeps_the_image():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, size=(300, 300, 3), dtype=np.uint8)  # about 90,000 colours
    result = fq.quantize(image, 100_000)
    np.testing.assert_array_equal(result.image, image)
    assert result.labels.dtype == np.uint32 and len(result.palette) > 65536
    np.testing.assert_array_equal(result.palette[result.labels], image)


def test_16_bit_gray_ramp_gets_k_levels():
    ramp = np.arange(65536, dtype=np.uint16).reshape(256, 256)
    result = fq.quantize(ramp, 256)
    _check(result, ramp, 256)
    assert len(np.unique(result.image)) == 256
    assert result.psnr > 58.0  # 256 even levels: 20 log10(65535 / (256 / sqrt(12)))


def test_16_bit_rgb_gradient_and_float_ramp_get_k_colours():
    y, x = np.mgrid[:256, :256].astype(np.uint32)
    gradient = np.stack([x * 257, y * 257, (x + y) * 128], axis=-1).astype(np.uint16)
    result = fq.quantize(gradient, 256)
    _check(result, gradient, 256)
    assert len(np.unique(result.image.reshape(-1, 3), axis=0)) == 256
    ramp = (np.arange(65536, dtype=np.float32) / 65535).reshape(256, 256)
    assert len(np.unique(fq.quantize(ramp, 256).image)) == 256


def test_oklab_space():
    image = _photo()
    result = fq.quantize(image, 8, space="oklab")
    _check(result, image, 8)
    assert 15 < result.psnr < 40
    assert abs(result.psnr - fq.quantize(image, 8).psnr) < 3


def test_smooth_areas_weigh_more():
    """The smoothness weights spend colours where errors show (and cost SSIM most): the
    smooth half of an image is rendered closer than with every pixel weighing the same."""
    from fastquant import _quantize

    rng = np.random.default_rng(0)
    y, x = np.mgrid[:200, :200]
    smooth = np.stack([60 + x * 0.5, 80 + y * 0.4, 120 + (x - y) * 0.2], axis=-1)
    image = np.concatenate([smooth, rng.integers(0, 256, (200, 200, 3))], axis=1).astype(np.uint8)
    weighted = fq.quantize(image, 32, seed=1)
    floor = _quantize.WEIGHT_FLOOR
    try:
        _quantize.WEIGHT_FLOOR = 1.0
        plain = fq.quantize(image, 32, seed=1)
    finally:
        _quantize.WEIGHT_FLOOR = floor

    def smooth_mse(result):
        return np.mean((result.image[:, :200].astype(float) - image[:, :200]) ** 2)
    assert smooth_mse(weighted) < 0.7 * smooth_mse(plain)
    assert weighted.mse > plain.mse  # the price: more error where it shows less


_MEMORY_CHILD = """
import sys
import numpy as np
from PIL import Image
import fastquant as fq

def status(field):
    with open('/proc/self/status') as lines:
        for line in lines:
            if line.startswith(field + ':'):
                return int(line.split()[1]) * 1024

image = np.asarray(Image.open(sys.argv[1]).resize((3000, 2000), Image.BICUBIC))
fq.quantize(image, 256)  # compiles whatever the cache lacks (LLVM's memory)
with open('/proc/self/clear_refs', 'w') as clear:
    clear.write('5')  # the peak (VmHWM) starts again from the current size
before = status('VmRSS')
fq.quantize(image, 256)
print((status('VmHWM') - before) / image.nbytes)
"""


@pytest.mark.skipif(not os.access("/proc/self/clear_refs", os.W_OK),
                    reason="needs Linux's /proc/self/clear_refs to reset the peak")
def test_memory_of_a_6_megapixel_photo_stays_within_4x_its_size():
    """Besides the image itself, quantize needs at most 4x its bytes, the result
    included (so 5x in all): no float64 or int32-per-channel copy of the pixels."""
    photo = Path(__file__).parent / "data" / "rocket.jpg"
    done = subprocess.run([sys.executable, "-c", _MEMORY_CHILD, str(photo)],
                          capture_output=True, text=True, check=True)
    ratio = float(done.stdout.split()[-1])
    assert ratio < 4.0


def test_grid_cells_are_the_same_through_the_table_and_the_hash(monkeypatch):
    from fastquant import _colour_clusters, _grid_cells

    rng = np.random.default_rng(5)
    values = rng.integers(0, 65536, size=(5000, 3)).astype(np.float32)
    values[2500:] = values[:2500] + 1  # cells shared by two colours
    weights = rng.integers(1, 9, size=5000).astype(np.int32)
    dense = _colour_clusters._grid_rows(values, weights, 65535.0, 64, "rgb")
    monkeypatch.setattr(_grid_cells, "DENSE_KEY_SPACE", 0)
    hashed = _colour_clusters._grid_rows(values, weights, 65535.0, 64, "rgb")
    order_d = np.lexsort(dense.values.T[::-1])
    order_h = np.lexsort(hashed.values.T[::-1])
    np.testing.assert_array_equal(dense.values[order_d], hashed.values[order_h])
    np.testing.assert_array_equal(dense.weights[order_d], hashed.weights[order_h])
    assert dense.weights.sum() == weights.sum() and len(dense.values) < 5000


_PIXEL_PASSES = {"block_weights", "byte_colour_table", "byte_labels", "paint"}


@pytest.mark.parametrize("shape, levels, k, check", [
    # below SERIAL_MAX_PIXELS: one thread throughout, whatever k
    ((600, 600), 256, 8, lambda parallel: parallel == set()),
    ((600, 600), 256, 64, lambda parallel: parallel == set()),
    # a large image with few colours x k: the pixel passes in parallel, k-means serial
    ((1450, 1450), 16, 8, lambda parallel: parallel == _PIXEL_PASSES),
])
def test_small_work_compiles_no_parallel_kernel(shape, levels, k, check):
    # The parallel kernels a quantize call launched (compiled or loaded): an image
    # below SERIAL_MAX_PIXELS runs serial twins only, and so does k-means below
    # SERIAL_MAX_WORK. A fresh process, so that nothing else launched any.
    assert 600 * 600 < SERIAL_MAX_PIXELS <= 1450 * 1450
    assert 16**3 * 8 < SERIAL_MAX_WORK
    code = f"""
        import numpy as np, fastquant as fq
        from fastquant import _jit
        rng = np.random.default_rng(0)
        image = (rng.integers(0, {levels}, {shape} + (3,)) * (256 // {levels})).astype(np.uint8)
        fq.quantize(image, {k})
        print(*sorted(kernel.py_func.__name__ for kernel in _jit._SERIAL_TWINS
                      if kernel.signatures))
    """
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
                          timeout=600)
    assert done.returncode == 0, done.stderr
    assert check(set(done.stdout.split())), done.stdout


def test_attempts_on_coarse_groups_stop_early_and_the_most_compact_runs_on(monkeypatch):
    from fastquant import _colour_clusters
    from fastquant.kernels import _image_tunables as tunables

    calls = []
    real = _colour_clusters.grid_lloyd

    def recording(points, centers, criteria):
        result = real(points, centers, criteria)
        calls.append((criteria.max_iter, np.array(centers), result))
        return result

    monkeypatch.setattr(_colour_clusters, "grid_lloyd", recording)
    noise = np.random.default_rng(3).integers(0, 256, size=(200, 200, 3), dtype=np.uint8)
    fq.quantize(noise, 4, attempts=3, seed=2)  # 40,000 colours: coarse groups first
    passes = [max_iter for max_iter, _, _ in calls]
    assert passes == [tunables.ATTEMPT_MAX_PASSES] * 3 + [
        tunables.ATTEMPT_RUN_ON_PASSES, tunables.REFINE_MAX_PASSES]
    best = min(calls[:3], key=lambda call: call[2][1])
    np.testing.assert_array_equal(calls[3][1], best[2][0])  # the most compact runs on
    calls.clear()
    fq.quantize(noise, 4, attempts=1, seed=2)
    assert [max_iter for max_iter, _, _ in calls] == [
        tunables.QUANTIZE_MAX_PASSES, tunables.REFINE_MAX_PASSES]

"""Animated GIF/APNG and multi-page TIFF: every frame read with its duration, and the
command line writing animations back."""

import numpy as np
import pytest
from PIL import Image

import fastquant as fq
from fastquant import cli
from fastquant._frames import frame_count, write_frames

COLOURS = np.array([[0, 0, 0], [255, 0, 0], [0, 200, 0], [0, 0, 255], [250, 250, 0],
                    [120, 60, 30]], np.uint8)


def _frames(n=4, seed=0):
    """Frames that differ from each other, a few colours each."""
    rng = np.random.default_rng(seed)
    return [COLOURS[rng.integers(0, len(COLOURS), (18, 26))] for _ in range(n)]


def _save(path, frames, durations, loop=0, **options):
    images = [Image.fromarray(frame) for frame in frames]
    images[0].save(path, save_all=True, append_images=images[1:], duration=durations,
                   loop=loop, **options)


@pytest.mark.parametrize("name", ["a.gif", "a.png"])
def test_read_frames(tmp_path, name):
    frames = _frames()
    _save(tmp_path / name, frames, [100, 40, 250, 70], loop=3)
    got = fq.read_frames(tmp_path / name)
    assert len(got) == 4 and got.durations == [100, 40, 250, 70] and got.loop == 3
    for image, frame in zip(got.images, frames):
        np.testing.assert_array_equal(image[..., :3], frame)


def test_read_frames_of_a_multipage_tiff_and_a_still_image(tmp_path):
    frames = _frames(3)
    _save(tmp_path / "pages.tif", frames, [0, 0, 0])
    got = fq.read_frames(tmp_path / "pages.tif")
    assert len(got) == 3 and got.durations == [0, 0, 0]
    np.testing.assert_array_equal(got.images[2], frames[2])
    Image.fromarray(frames[0]).save(tmp_path / "still.png")
    assert len(fq.read_frames(tmp_path / "still.png")) == 1
    with pytest.raises(ValueError, match="above the limit"):
        fq.read_frames(tmp_path / "pages.tif", max_pixels=2 * 18 * 26)


@pytest.mark.parametrize("name", ["out.gif", "out.png"])
def test_write_frames_round_trips_frames_durations_and_loop(tmp_path, name):
    frames = _frames()
    palette = np.vstack([COLOURS, [[9, 9, 9]]]).astype(np.uint8)  # an entry no frame uses
    labels = [np.argmax((frame[:, :, None] == COLOURS).all(axis=3), axis=2) for frame in frames]
    write_frames(tmp_path / name, [palette] * 4, labels, [100, 40, 250, 70], 0)
    got = fq.read_frames(tmp_path / name)
    assert got.durations == [100, 40, 250, 70] and got.loop == 0
    for image, frame in zip(got.images, frames):
        np.testing.assert_array_equal(image[..., :3], frame)


def test_cli_animated_gif_shared_palette_keeps_frames_durations_and_loop(tmp_path):
    frames = _frames()
    _save(tmp_path / "in.gif", frames, [100, 40, 250, 70], loop=0)
    out = tmp_path / "out.gif"
    assert cli.main([str(tmp_path / "in.gif"), "-k", "4", "-o", str(out), "--seed", "1"]) == 0
    got = fq.read_frames(out)
    assert len(got) == 4 and got.durations == [100, 40, 250, 70] and got.loop == 0
    shared = fq.palette(frames, 4, seed=1)
    for image, frame in zip(got.images, frames):
        np.testing.assert_array_equal(image[..., :3], fq.remap(frame, shared).image)
    assert len(np.unique(np.concatenate([i.reshape(-1, i.shape[2]) for i in got.images]),
                         axis=0)) <= 4


def test_cli_per_frame_palettes_and_ordered_apng(tmp_path):
    frames = [np.repeat(np.repeat(f, 2, axis=0), 2, axis=1) for f in _frames(3, seed=4)]
    frames[1] = frames[1] // 2 + 100  # other colours in frame 1
    _save(tmp_path / "in.png", frames, [50, 60, 70], loop=2)
    out = tmp_path / "out.gif"
    assert cli.main([str(tmp_path / "in.png"), "-k", "3", "-o", str(out), "--per-frame"]) == 0
    got = fq.read_frames(out)
    for image, frame in zip(got.images, frames):
        np.testing.assert_array_equal(image[..., :3], fq.quantize(frame, 3).image)
    apng = tmp_path / "out.png"
    assert cli.main([str(tmp_path / "in.png"), "-k", "3", "-o", str(apng),
                     "--dither-method", "ordered"]) == 0
    assert frame_count(apng) == 3
    got = fq.read_frames(apng)
    assert got.durations == [50, 60, 70] and got.loop == 2
    shared = fq.palette(frames, 3)
    for image, frame in zip(got.images, frames):
        np.testing.assert_array_equal(image[..., :3], fq.remap(frame, shared, dither="ordered").image)


def test_animation_to_another_format_is_an_error(tmp_path, capsys):
    _save(tmp_path / "in.gif", _frames(2), [10, 20])
    assert cli.main([str(tmp_path / "in.gif"), "-k", "3", "-o", str(tmp_path / "o.jpg")]) == 1
    assert "written as .gif or .png" in capsys.readouterr().err
    assert not (tmp_path / "o.jpg").exists()

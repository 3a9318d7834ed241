"""fastquant.cli: the ``fastquant`` command's runs (single file, batch, comparison sheet, palettes)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest

import fastquant as fq
from fastquant import cli

from ._cli import run_module, small_photo, usage_error

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def photo(tmp_path):
    return small_photo(tmp_path)


def _colours(path):
    image = iio.imread(path)
    return len(np.unique(image.reshape(-1, image.shape[-1]), axis=0))


def test_quantizes_to_k_colours(photo, tmp_path, capsys):
    path, image = photo
    out = tmp_path / "out.png"
    assert cli.main([str(path), "-k", "5", "-o", str(out), "--seed", "1"]) == 0
    result = iio.imread(out)
    assert result.shape == image.shape and result.dtype == np.uint8
    assert _colours(out) == 5
    assert "PSNR" in capsys.readouterr().out


@pytest.mark.parametrize("flags, options", [
    (["--dither"], dict(dither=True)),
    (["--space", "lab"], dict(space="lab")),
    (["--attempts", "3"], dict(attempts=3)),
])
def test_options_are_applied(photo, tmp_path, flags, options):
    path, image = photo
    plain, other = tmp_path / "plain.png", tmp_path / "other.png"
    assert cli.main([str(path), "-k", "6", "-o", str(plain), "--seed", "1"]) == 0
    assert cli.main([str(path), "-k", "6", "-o", str(other), "--seed", "1", *flags]) == 0
    expected = fq.quantize(image, 6, seed=1, **options).image
    np.testing.assert_array_equal(iio.imread(other), expected)
    assert not np.array_equal(iio.imread(plain), expected)  # the option changes the result


def test_example_runs_as_a_module(tmp_path):
    out = tmp_path / "messi-4.png"
    done = subprocess.run(
        [sys.executable, "-m", "fastquant", "--example", "-k", "4", "-o", str(out)],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert iio.imread(out).shape == iio.imread(cli.example_path()).shape
    assert done.stdout.startswith("messi.jpg: ") and str(out) in done.stdout


def test_module_passes_on_the_exit_status(tmp_path):
    # python -m fastquant ends with os._exit: the status and the messages still arrive
    done = subprocess.run(
        [sys.executable, "-m", "fastquant", str(tmp_path / "missing.png"), "-k", "4",
         "-o", str(tmp_path / "out.png")],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert done.returncode == cli.EXIT_FAILED
    assert "missing.png' does not exist" in done.stderr


def test_compare_sheet(photo, tmp_path, capsys):
    path, image = photo
    sheet = tmp_path / "sheet.png"
    assert cli.main([str(path), "--compare", "2,8", "-o", str(sheet)]) == 0
    result = iio.imread(sheet)
    assert result.shape[1] > 3 * image.shape[1] and result.shape[0] > image.shape[0]
    assert "K = 2, 8" in capsys.readouterr().out


def test_existing_output_is_kept_without_force(photo, tmp_path, capsys):
    path, _ = photo
    out = tmp_path / "out.png"
    out.write_bytes(b"precious")
    assert cli.main([str(path), "-k", "3", "-o", str(out)]) == 1
    assert out.read_bytes() == b"precious"
    assert "--force" in capsys.readouterr().err
    assert cli.main([str(path), "-k", "3", "-o", str(out), "--force"]) == 0
    assert iio.imread(out).shape[2] == 3


def test_input_is_never_overwritten(photo, tmp_path, capsys):
    path, _ = photo
    before = path.read_bytes()
    os.link(path, tmp_path / "hard.png")
    (tmp_path / "soft.png").symlink_to(path)
    for output in (path, tmp_path / "x" / ".." / "small.png", tmp_path / "hard.png",
                   tmp_path / "soft.png"):
        err = usage_error([str(path), "-k", "3", "-o", str(output), "--force"], capsys)
        assert "would replace the input" in err
        err = usage_error([str(path), "--compare", "2,3", "-o", str(output), "--force"], capsys)
        assert "would replace the input" in err
    assert path.read_bytes() == before


def test_max_pixels(photo, tmp_path, capsys):
    path, image = photo
    pixels = image.shape[0] * image.shape[1]
    out = tmp_path / "o.png"
    assert cli.main([str(path), "-k", "3", "-o", str(out), "--max-pixels", str(pixels - 1)]) == 1
    err = capsys.readouterr().err
    assert f"above the limit of {pixels - 1:,}" in err and "--max-pixels" in err
    assert err.count("\n") == 1 and not out.exists()
    assert cli.main([str(path), "-k", "3", "-o", str(out), "--max-pixels", str(pixels)]) == 0
    assert cli.main([str(path), "-k", "3", "-d", str(tmp_path / "d"), "--max-pixels", "0"]) == 0
    sheet = str(tmp_path / "s.png")
    assert cli.main([str(path), "--compare", "2", "-o", sheet, "--max-pixels", "9"]) == 1
    assert "above the limit of 9" in capsys.readouterr().err
    err = usage_error([str(path), "-k", "3", "-o", str(out), "--max-pixels", "-1"], capsys)
    assert "--max-pixels must be 0 (no limit) or more" in err


def test_interrupt_is_one_line_and_exit_130(photo, tmp_path, monkeypatch, capsys):
    path, _ = photo

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "quantize_file", interrupted)
    assert cli.main([str(path), "-k", "3", "-o", str(tmp_path / "o.png")]) == 130
    assert capsys.readouterr().err == "fastquant: error: interrupted\n"


def test_closed_stdout_exits_quietly(photo, tmp_path):
    path, _ = photo
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone, as after "| head -0"
    try:
        done = run_module([str(path), "-k", "2", "-o", str(tmp_path / "o.png")], stdout=write_end,
                    stderr=subprocess.PIPE)
    finally:
        os.close(write_end)
    assert done.returncode == 141
    assert done.stderr == b""  # no traceback, no "Exception ignored" at exit
    assert (tmp_path / "o.png").exists()


def test_missing_input_fails_cleanly(tmp_path, capsys):
    assert cli.main([str(tmp_path / "none.png"), "-k", "3", "-o", str(tmp_path / "o.png")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_image_with_fewer_colours_than_k(tmp_path):
    tiny = tmp_path / "tiny.png"
    iio.imwrite(tiny, np.array([[[0, 0, 0], [9, 9, 9]], [[9, 9, 9], [200, 1, 1]]], np.uint8))
    assert cli.main([str(tiny), "-k", "9", "-o", str(tmp_path / "o.png")]) == 0
    np.testing.assert_array_equal(iio.imread(tmp_path / "o.png"), iio.imread(tiny))


def test_quality_below_min_writes_nothing_and_exits_99(photo, tmp_path, capsys):
    path, image = photo
    out = tmp_path / "out.png"
    assert cli.main([str(path), "-k", "4", "-o", str(out), "--quality", "45-50"]) == 99
    err = capsys.readouterr().err
    assert not out.exists() and err.count("\n") == 1 and "below the minimum 45 dB" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.png"]


def test_quality_picks_the_smallest_k_reaching_max(photo, tmp_path):
    path, image = photo
    out = tmp_path / "out.png"
    assert cli.main([str(path), "-o", str(out), "--quality", "20-27", "--seed", "1"]) == 0
    expected = fq.quantize(image, 256, seed=1, target_psnr=27)
    np.testing.assert_array_equal(iio.imread(out), expected.image)
    assert 27 <= expected.psnr and len(expected.palette) < 256


def test_skip_if_larger_writes_nothing_and_exits_98(photo, tmp_path, capsys):
    path, image = photo
    tiny = tmp_path / "tiny.gif"  # 2 colours: any PNG of it is larger than this GIF
    iio.imwrite(tiny, np.where(image[..., :1] > 128, 255, 0).repeat(3, axis=2).astype(np.uint8)[:8, :8])
    out = tmp_path / "out.png"
    assert cli.main([str(tiny), "-k", "2", "-o", str(out), "--skip-if-larger"]) == 98
    assert not out.exists() and "larger than the input" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.png", "tiny.gif"]
    assert cli.main([str(path), "-k", "2", "-o", str(out), "--skip-if-larger"]) == 0


def test_palette_file_remaps_onto_its_colours_in_order(photo, tmp_path):
    path, image = photo
    colours = np.array([[250, 250, 250], [10, 10, 10], [200, 30, 30], [30, 160, 40]], np.uint8)
    swatch = tmp_path / "brand.png"
    iio.imwrite(swatch, colours[None])  # a 4x1 image: its distinct colours, in order
    out = tmp_path / "out.png"
    assert cli.main([str(path), "-o", str(out), "--palette", str(swatch)]) == 0
    np.testing.assert_array_equal(iio.imread(out), fq.remap(image, colours).image)
    indexed = tmp_path / "indexed.png"  # an indexed PNG: its palette as written
    shutil.copy(out, indexed)
    again = tmp_path / "again.png"
    assert cli.main([str(path), "-o", str(again), "--palette", str(indexed)]) == 0
    np.testing.assert_array_equal(iio.imread(again), iio.imread(out))


def test_shared_palette_for_a_folder(photo, tmp_path):
    path, image = photo
    second = tmp_path / "second.png"
    iio.imwrite(second, image[::-1, :, ::-1])
    outdir = tmp_path / "out"
    assert cli.main([str(path), str(second), "-k", "6", "-d", str(outdir), "--shared-palette"]) == 0
    shared = fq.palette([image, image[::-1, :, ::-1]], 6).colors
    for name, source in (("small-k6.png", image), ("second-k6.png", image[::-1, :, ::-1])):
        np.testing.assert_array_equal(iio.imread(outdir / name), fq.remap(source, shared).image)

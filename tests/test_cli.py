import io
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

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "small.png"
    image = iio.imread(cli.example_path())[::4, ::4]
    iio.imwrite(path, image)
    return path, image


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


def test_batch_writes_each_file_and_reports_bad_ones(photo, tmp_path, capsys):
    path, _ = photo
    second = tmp_path / "second.png"
    iio.imwrite(second, iio.imread(path)[::2, ::2])
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    outdir = tmp_path / "out"
    status = cli.main([str(path), str(bad), str(second), "-k", "3", "-d", str(outdir)])
    assert status == 1
    assert sorted(p.name for p in outdir.iterdir()) == ["second-k3.png", "small-k3.png"]
    err = capsys.readouterr().err
    assert "bad.png" in err and "1 of 3 inputs failed" in err


def test_progress_bar_only_on_a_terminal(photo, tmp_path, monkeypatch):
    path, _ = photo
    fake = io.StringIO()
    fake.isatty = lambda: True
    monkeypatch.setattr(sys, "stderr", fake)
    copy = tmp_path / "copy.png"
    shutil.copyfile(path, copy)
    assert cli.main([str(path), str(copy), "-k", "2", "-d", str(tmp_path / "o")]) == 0
    assert "2/2" in fake.getvalue() and "#" * 30 in fake.getvalue()


def test_two_inputs_for_one_output_name_are_a_usage_error(photo, tmp_path, capsys):
    path, _ = photo
    other = tmp_path / "elsewhere" / path.name
    other.parent.mkdir()
    shutil.copyfile(path, other)
    with pytest.raises(SystemExit) as exit_info:
        cli.main([str(path), str(other), "-k", "2", "-d", str(tmp_path / "o")])
    assert exit_info.value.code == 2
    assert "would both be written to" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


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


def _usage_error(argv, capsys) -> str:
    """Run the command, check it ends as a usage error; return its one line of stderr."""
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("fastquant: error:") and err.count("\n") == 1, err
    return err


def test_input_is_never_overwritten(photo, tmp_path, capsys):
    path, _ = photo
    before = path.read_bytes()
    os.link(path, tmp_path / "hard.png")
    (tmp_path / "soft.png").symlink_to(path)
    for output in (path, tmp_path / "x" / ".." / "small.png", tmp_path / "hard.png",
                   tmp_path / "soft.png"):
        err = _usage_error([str(path), "-k", "3", "-o", str(output), "--force"], capsys)
        assert "would replace the input" in err
        err = _usage_error([str(path), "--compare", "2,3", "-o", str(output), "--force"], capsys)
        assert "would replace the input" in err
    assert path.read_bytes() == before


def test_batch_naming_that_would_overwrite_an_input_is_refused(photo, tmp_path, capsys):
    # issue 10: "fastquant a.png a-k8.png -k 8 -d . --force" overwrote a-k8.png
    path, _ = photo
    second = tmp_path / "small-k8.png"
    shutil.copyfile(path, second)
    before = second.read_bytes()
    err = _usage_error([str(path), str(second), "-k", "8", "-d", str(tmp_path), "--force"], capsys)
    assert f"would replace the input {str(second)!r}" in err
    assert second.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small-k8.png", "small.png"]


@pytest.mark.parametrize("output, problem", [("noext", "has no extension"), ("folder", "is a folder")])
def test_bad_outputs_are_usage_errors(photo, tmp_path, capsys, output, problem):
    path, _ = photo
    (tmp_path / "folder").mkdir()
    err = _usage_error([str(path), "-k", "3", "-o", str(tmp_path / output)], capsys)
    assert problem in err
    err = _usage_error([str(path), "-k", "3", "-d", str(path)], capsys)  # -d on a file
    assert "is a file" in err


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
    err = _usage_error([str(path), "-k", "3", "-o", str(out), "--max-pixels", "-1"], capsys)
    assert "--max-pixels must be 0 (no limit) or more" in err


def test_interrupt_is_one_line_and_exit_130(photo, tmp_path, monkeypatch, capsys):
    path, _ = photo

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "quantize_file", interrupted)
    assert cli.main([str(path), "-k", "3", "-o", str(tmp_path / "o.png")]) == 130
    assert capsys.readouterr().err == "fastquant: error: interrupted\n"


def _run(args, **kwargs):
    """``python -m fastquant`` on the worktree's package, in ``ROOT``."""
    return subprocess.run([sys.executable, "-m", "fastquant", *args], cwd=ROOT, **kwargs)


def test_names_that_are_not_utf8_on_a_strict_stdout(photo, tmp_path):
    # issue 10: such a name crashed the command and lost the other files of the batch
    path, _ = photo
    bad = os.path.join(os.fsencode(tmp_path), b"\xff.png")
    shutil.copyfile(path, bad)
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONIOENCODING="utf-8")  # strict: surrogates cannot be printed
    done = _run([bad, os.fsencode(path), b"-k", b"3", b"-d", os.fsencode(out)],
                capture_output=True, env=env)
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(os.fsencode(out))) == [b"small-k3.png", b"\xff-k3.png"]
    assert done.stdout.count(b"\n") == 2 and b"\\xff.png: 170x113, K=3" in done.stdout
    assert done.stderr == b""


def test_closed_stdout_exits_quietly(photo, tmp_path):
    path, _ = photo
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone, as after "| head -0"
    try:
        done = _run([str(path), "-k", "2", "-o", str(tmp_path / "o.png")], stdout=write_end,
                    stderr=subprocess.PIPE)
    finally:
        os.close(write_end)
    assert done.returncode == 141
    assert done.stderr == b""  # no traceback, no "Exception ignored" at exit
    assert (tmp_path / "o.png").exists()


def test_help_documents_exit_status(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for code in ("0", "1", "2", "130", "141"):
        assert f"\n  {code} " in out
    assert "--max-pixels" in out


@pytest.mark.parametrize("content", [b"not an image at all", b"\x89PNG\r\n\x1a\n broken"])
def test_corrupt_input_is_one_line_error(tmp_path, content, capsys):
    bad = tmp_path / "bad.png"
    bad.write_bytes(content)
    assert cli.main([str(bad), "-k", "3", "-o", str(tmp_path / "o.png")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("fastquant: error:") and err.count("\n") == 1
    assert "Traceback" not in err
    assert [p.name for p in tmp_path.iterdir()] == ["bad.png"]  # no output, no temporary


@pytest.mark.parametrize(
    "argv",
    [
        ["-k", "3", "-o", "x.png"],  # no input
        ["--example", "-k", "0", "-o", "x.png"],
        ["--example", "-o", "x.png"],  # no K
        ["--example", "-k", "3"],  # no output
        ["--example", "-k", "3", "-o", "x.png", "-d", "out"],
        ["a.png", "b.png", "-k", "3", "-o", "x.png"],
        ["--example", "--compare", "2,x", "-o", "s.png"],
        ["--example", "--compare", "2,8"],
        ["--example", "-k", "3", "-o", "x.png", "--attempts", "0"],
        ["--example", "-k", "3", "-o", "x.png", "--space", "hsv"],
    ],
)
def test_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_missing_input_fails_cleanly(tmp_path, capsys):
    assert cli.main([str(tmp_path / "none.png"), "-k", "3", "-o", str(tmp_path / "o.png")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_image_with_fewer_colours_than_k(tmp_path):
    tiny = tmp_path / "tiny.png"
    iio.imwrite(tiny, np.array([[[0, 0, 0], [9, 9, 9]], [[9, 9, 9], [200, 1, 1]]], np.uint8))
    assert cli.main([str(tiny), "-k", "9", "-o", str(tmp_path / "o.png")]) == 0
    np.testing.assert_array_equal(iio.imread(tmp_path / "o.png"), iio.imread(tiny))


# ------------------------------------------------------------ pngquant's habits


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


@pytest.mark.parametrize("flags, dither", [
    (["--dither", "0.5"], 0.5),
    (["--dither-method", "ordered"], "ordered"),
    (["--dither", "--dither-method", "floyd"], True),
    (["--strip", "--dither"], True),
])
def test_dither_options(photo, tmp_path, flags, dither):
    path, image = photo
    out = tmp_path / "out.png"
    assert cli.main([*flags, str(path), "-k", "6", "-o", str(out)]) == 0
    np.testing.assert_array_equal(iio.imread(out), fq.quantize(image, 6, dither=dither).image)


@pytest.mark.parametrize("argv", [
    ["--example", "-k", "3", "-o", "x.png", "--dither", "2"],
    ["--example", "-k", "3", "-o", "x.png", "--quality", "40-30"],
    ["--example", "-k", "3", "-o", "x.png", "--quality", "high"],
    ["--example", "-k", "3", "-o", "x.png", "--shared-palette"],
    ["--example", "-k", "3", "-d", "o", "--shared-palette", "--palette", "p.png"],
    ["--example", "-k", "3", "-d", "o", "--scheduler", "local", "--skip-if-larger"],
])
def test_pngquant_option_usage_errors(argv, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2 and capsys.readouterr().err.count("\n") == 1

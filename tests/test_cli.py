import io
import shutil
import subprocess
import sys
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest

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


@pytest.mark.parametrize("flags", [["--dither"], ["--space", "lab"], ["--attempts", "3"]])
def test_options_are_applied(photo, tmp_path, flags):
    path, _ = photo
    plain, other = tmp_path / "plain.png", tmp_path / "other.png"
    assert cli.main([str(path), "-k", "6", "-o", str(plain)]) == 0
    assert cli.main([str(path), "-k", "6", "-o", str(other), *flags]) == 0
    assert _colours(other) <= 6
    assert not np.array_equal(iio.imread(plain), iio.imread(other)) or flags[0] == "--attempts"


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


def test_input_is_never_overwritten(photo, capsys):
    path, _ = photo
    before = path.read_bytes()
    assert cli.main([str(path), "-k", "3", "-o", str(path), "--force"]) == 1
    assert path.read_bytes() == before
    assert "input" in capsys.readouterr().err


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

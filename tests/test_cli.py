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


def test_quantizes_to_k_colours(photo, tmp_path, capsys):
    path, image = photo
    out = tmp_path / "out.png"
    assert cli.main([str(path), "-k", "5", "-o", str(out), "--seed", "1"]) == 0
    result = iio.imread(out)
    assert result.shape == image.shape and result.dtype == np.uint8
    assert len(np.unique(result.reshape(-1, 3), axis=0)) <= 5
    assert "PSNR" in capsys.readouterr().out


def test_example_runs_as_a_module(tmp_path):
    out = tmp_path / "messi-4.png"
    done = subprocess.run(
        [sys.executable, "-m", "fastquant", "--example", "-k", "4", "-o", str(out)],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert iio.imread(out).shape == iio.imread(cli.example_path()).shape


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
    assert not (tmp_path / "o.png").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad.png"]  # no temporary left behind


def test_missing_input_and_usage_errors(tmp_path, capsys):
    assert cli.main([str(tmp_path / "none.png"), "-k", "3", "-o", str(tmp_path / "o.png")]) == 1
    with pytest.raises(SystemExit) as info:
        cli.main(["-k", "3", "-o", "x.png"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        cli.main(["--example", "-k", "0", "-o", "x.png"])
    assert info.value.code == 2


def test_k_larger_than_pixel_count_is_a_clean_error(tmp_path, capsys):
    tiny = tmp_path / "tiny.png"
    iio.imwrite(tiny, np.zeros((2, 2, 3), np.uint8))
    assert cli.main([str(tiny), "-k", "9", "-o", str(tmp_path / "o.png")]) == 1
    assert "K must be between 1" in capsys.readouterr().err

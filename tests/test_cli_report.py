"""fastquant._cli_report: what ``fastquant`` prints (per-file lines, errors, progress bar)."""

import io
import os
import shutil
import sys

import imageio.v3 as iio
import pytest

from fastquant import cli

from ._cli import run_module, small_photo


@pytest.fixture
def photo(tmp_path):
    return small_photo(tmp_path)


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


def test_names_that_are_not_utf8_on_a_strict_stdout(photo, tmp_path):
    # issue 10: such a name crashed the command and lost the other files of the batch
    path, _ = photo
    bad = os.path.join(os.fsencode(tmp_path), b"\xff.png")
    shutil.copyfile(path, bad)
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONIOENCODING="utf-8")  # strict: surrogates cannot be printed
    done = run_module([bad, os.fsencode(path), b"-k", b"3", b"-d", os.fsencode(out)],
                capture_output=True, env=env)
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(os.fsencode(out))) == [b"small-k3.png", b"\xff-k3.png"]
    assert done.stdout.count(b"\n") == 2 and b"\\xff.png: 170x113, K=3" in done.stdout
    assert done.stderr == b""


@pytest.mark.parametrize("content", [b"not an image at all", b"\x89PNG\r\n\x1a\n broken"])
def test_corrupt_input_is_one_line_error(tmp_path, content, capsys):
    bad = tmp_path / "bad.png"
    bad.write_bytes(content)
    assert cli.main([str(bad), "-k", "3", "-o", str(tmp_path / "o.png")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("fastquant: error:") and err.count("\n") == 1
    assert "Traceback" not in err
    assert [p.name for p in tmp_path.iterdir()] == ["bad.png"]  # no output, no temporary

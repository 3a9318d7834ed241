"""Helpers of the command-line tests."""

import subprocess
import sys
from pathlib import Path

import imageio.v3 as iio
import pytest

from fastquant import cli

ROOT = Path(__file__).resolve().parents[1]


def small_photo(tmp_path):
    """The shipped photo at a quarter of its size, as a PNG file: (path, image)."""
    path = tmp_path / "small.png"
    image = iio.imread(cli.example_path())[::4, ::4]
    iio.imwrite(path, image)
    return path, image


def usage_error(argv, capsys) -> str:
    """Run the command, check it ends as a usage error; return its one line of stderr."""
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("fastquant: error:") and err.count("\n") == 1, err
    return err


def run_module(args, **kwargs):
    """``python -m fastquant`` on the worktree's package, in ``ROOT``."""
    return subprocess.run([sys.executable, "-m", "fastquant", *args], cwd=ROOT, **kwargs)

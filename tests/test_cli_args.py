"""fastquant._cli_args: the options of ``fastquant`` and their usage errors (through ``cli.main``)."""

import shutil

import imageio.v3 as iio
import numpy as np
import pytest

import fastquant as fq
from fastquant import cli

from ._cli import small_photo, usage_error


@pytest.fixture
def photo(tmp_path):
    return small_photo(tmp_path)


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


def test_batch_naming_that_would_overwrite_an_input_is_refused(photo, tmp_path, capsys):
    # issue 10: "fastquant a.png a-k8.png -k 8 -d . --force" overwrote a-k8.png
    path, _ = photo
    second = tmp_path / "small-k8.png"
    shutil.copyfile(path, second)
    before = second.read_bytes()
    err = usage_error([str(path), str(second), "-k", "8", "-d", str(tmp_path), "--force"], capsys)
    assert f"would replace the input {str(second)!r}" in err
    assert second.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small-k8.png", "small.png"]


@pytest.mark.parametrize("output, problem", [("noext", "has no extension"), ("folder", "is a folder")])
def test_bad_outputs_are_usage_errors(photo, tmp_path, capsys, output, problem):
    path, _ = photo
    (tmp_path / "folder").mkdir()
    err = usage_error([str(path), "-k", "3", "-o", str(tmp_path / output)], capsys)
    assert problem in err
    err = usage_error([str(path), "-k", "3", "-d", str(path)], capsys)  # -d on a file
    assert "is a file" in err


def test_help_documents_exit_status(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for code in ("0", "1", "2", "130", "141"):
        assert f"\n  {code} " in out
    assert "--max-pixels" in out


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

"""fastquant._atomic_write: a write replaces its destination whole or not at all (failures,
interruptions, signals), keeps permissions, and refuses existing, protected and bad names.
The writes go through ``write_image``, as every caller's do."""

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest

from fastquant import _atomic_write, _imagewrite
from fastquant._imageread import read_image
from fastquant._imagewrite import write_image

from ._images import indexed, names

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_failed_or_interrupted_write_leaves_no_file_and_keeps_old_output(tmp_path, monkeypatch, error):
    target = tmp_path / "a.tif"
    target.write_bytes(b"old")

    def failing(name, *args, **kwargs):
        with open(name, "wb") as stream:
            stream.write(b"partial")
        raise error

    monkeypatch.setattr(_imagewrite.iio, "imwrite", failing)
    with pytest.raises(type(error)):
        write_image(target, np.zeros((2, 2, 3), np.uint8), overwrite=True)
    assert target.read_bytes() == b"old"
    assert names(tmp_path) == ["a.tif"]


def test_refuses_existing_and_protected(tmp_path):
    target = tmp_path / "a.png"
    iio.imwrite(target, np.zeros((2, 2), np.uint8))
    with pytest.raises(FileExistsError, match="exists"):
        write_image(target, np.ones((2, 2), np.uint8))
    with pytest.raises(FileExistsError, match="input"):
        write_image(target, np.ones((2, 2), np.uint8), overwrite=True, protect=[target])
    assert not read_image(target).any()


@pytest.mark.parametrize("suffix", [".png", ".gif"])
def test_indexed_write_failure_keeps_old_output(tmp_path, monkeypatch, suffix):
    palette, labels, image = indexed(3, entries=5)
    target = tmp_path / f"a{suffix}"
    target.write_bytes(b"old")
    seen = []

    def failing_replace(source, destination):
        seen.append(os.path.getsize(source))
        raise OSError("disk full")

    monkeypatch.setattr(_atomic_write.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        write_image(target, image, palette=palette, labels=labels, overwrite=True)
    assert seen and seen[0] > 0  # the temporary had been written in full
    assert target.read_bytes() == b"old"
    assert names(tmp_path) == [target.name]


def test_output_gets_ordinary_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        write_image(tmp_path / "a.png", np.zeros((2, 2), np.uint8))
        palette, labels, image = indexed(3)
        write_image(tmp_path / "b.png", image, palette=palette, labels=labels)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.png").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "b.png").stat().st_mode) == 0o644


def test_overwrite_and_protect_rules(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    source = folder / "in.png"
    write_image(source, np.full((2, 3), 7, np.uint8))
    palette, labels, image = indexed(3, shape=(2, 3))
    # the input reached by another spelling of its path is still refused
    other_spelling = folder / ".." / "d" / "in.png"
    with pytest.raises(FileExistsError, match="input"):
        write_image(other_spelling, image, overwrite=True, protect=[source])
    with pytest.raises(FileExistsError, match="input"):
        write_image(source, image, palette=palette, labels=labels, overwrite=True,
                    protect=[tmp_path / "missing.png", str(other_spelling)])
    np.testing.assert_array_equal(read_image(source), np.full((2, 3), 7, np.uint8))
    # another output is written; protect entries that do not exist are ignored
    output = folder / "out.png"
    write_image(output, image, protect=[source, tmp_path / "missing.png"])
    with pytest.raises(FileExistsError, match="already exists"):
        write_image(output, image[::-1], protect=[source])
    write_image(output, palette[labels[::-1]], overwrite=True, protect=[source],
                palette=palette, labels=labels[::-1])
    np.testing.assert_array_equal(read_image(output), image[::-1])
    assert names(folder) == ["in.png", "out.png"]


_SLOW_WRITER = """
import sys, time
import numpy as np
from fastquant import _imagewrite

def slow(name, *args, **kwargs):
    with open(name, "wb") as stream:
        stream.write(b"partial")
    print("writing", flush=True)
    time.sleep(600)

_imagewrite.iio.imwrite = slow
_imagewrite.write_image(sys.argv[1], np.zeros((2, 2, 3), np.uint8), overwrite=True)
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_during_write_removes_temporary(tmp_path, signum):
    target = tmp_path / "a.tif"
    target.write_bytes(b"old")
    child = subprocess.Popen([sys.executable, "-c", _SLOW_WRITER, str(target)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    try:
        assert child.stdout.readline() == b"writing\n"
        assert len(names(tmp_path)) == 2  # the temporary is there
        child.send_signal(signum)
        child.wait(timeout=120)  # a guard against a hang, not a timing
    finally:
        child.kill()
    # the signal then acts as it would have: SIGTERM ends the process, SIGINT raises
    # KeyboardInterrupt, which ends it by SIGINT
    assert child.returncode == -signum
    assert names(tmp_path) == ["a.tif"]
    assert target.read_bytes() == b"old"
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # this process untouched


def test_signal_handlers_restored_and_python_handlers_called(tmp_path, monkeypatch):
    seen = []

    def handler(signum, frame):
        seen.append(signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        write_image(tmp_path / "a.png", np.zeros((2, 2), np.uint8))
        assert signal.getsignal(signal.SIGTERM) is handler

        def interrupted(name, *args, **kwargs):
            with open(name, "wb") as stream:
                stream.write(b"partial")
            signal.raise_signal(signal.SIGTERM)

        monkeypatch.setattr(_imagewrite.iio, "imwrite", interrupted)
        with pytest.raises(InterruptedError, match="interrupted by SIGTERM"):
            write_image(tmp_path / "b.tif", np.zeros((2, 2), np.uint8))
        assert seen == [signal.SIGTERM]  # the program's own handler still got it
        assert signal.getsignal(signal.SIGTERM) is handler
        assert names(tmp_path) == ["a.png"]
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_replaced_file_keeps_its_mode(tmp_path):
    old = os.umask(0o022)
    try:
        for name, mode in (("private.png", 0o600), ("shared.tif", 0o664)):
            target = tmp_path / name
            target.write_bytes(b"old")
            target.chmod(mode)
            write_image(target, np.zeros((2, 2), np.uint8), overwrite=True)
            assert stat.S_IMODE(target.stat().st_mode) == mode
            assert read_image(target).shape == (2, 2)
        palette, labels, image = indexed(3)
        (tmp_path / "private.png").chmod(0o600)
        write_image(tmp_path / "private.png", image, palette=palette, labels=labels, overwrite=True)
        assert stat.S_IMODE((tmp_path / "private.png").stat().st_mode) == 0o600
    finally:
        os.umask(old)


def test_output_without_extension_or_that_is_a_folder(tmp_path):
    with pytest.raises(ValueError, match="no extension"):
        write_image(tmp_path / "noext", np.zeros((2, 2), np.uint8))
    (tmp_path / "d.png").mkdir()
    with pytest.raises(IsADirectoryError, match="is a folder"):
        write_image(tmp_path / "d.png", np.zeros((2, 2), np.uint8), overwrite=True)
    assert names(tmp_path) == ["d.png"]


def test_bytes_name_that_is_not_utf8(tmp_path):
    name = os.path.join(os.fsencode(tmp_path), b"\xff.png")
    write_image(name, np.full((2, 3), 5, np.uint8))
    np.testing.assert_array_equal(read_image(name), np.full((2, 3), 5, np.uint8))


def test_missing_output_folder_is_named(tmp_path):
    (tmp_path / "file.txt").write_bytes(b"")
    for parent in (tmp_path / "missing", tmp_path / "file.txt"):
        with pytest.raises(FileNotFoundError, match=f"output folder '{parent}' of .* does not exist"):
            write_image(parent / "a.png", np.zeros((2, 2), np.uint8))

import imageio.v3 as iio
import numpy as np
import pytest

from fastquant._imagefile import read_image, write_image


def test_round_trip_png(tmp_path):
    image = np.arange(48, dtype=np.uint8).reshape(4, 4, 3)
    write_image(tmp_path / "a.png", image)
    np.testing.assert_array_equal(read_image(tmp_path / "a.png"), image)


def test_failed_write_leaves_no_file_and_keeps_old_output(tmp_path):
    target = tmp_path / "a.unknownformat"
    target.write_bytes(b"old")
    with pytest.raises(Exception):
        write_image(target, np.zeros((2, 2, 3), np.uint8), overwrite=True)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.unknownformat"]


def test_refuses_existing_and_protected(tmp_path):
    target = tmp_path / "a.png"
    iio.imwrite(target, np.zeros((2, 2), np.uint8))
    with pytest.raises(FileExistsError, match="exists"):
        write_image(target, np.ones((2, 2), np.uint8))
    with pytest.raises(FileExistsError, match="input"):
        write_image(target, np.ones((2, 2), np.uint8), overwrite=True, protect=[target])
    assert not read_image(target).any()


def test_read_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_image(tmp_path / "missing.png")
    (tmp_path / "x.jpg").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="not a readable image"):
        read_image(tmp_path / "x.jpg")

"""fastquant._imagewrite: the format a file is written in (full colour or indexed).

PIL is used here only to inspect files; fastquant reaches it through imageio.
"""

import numpy as np
import pytest
from PIL import Image

from fastquant._imageread import read_image
from fastquant._imagewrite import write_image

from ._images import indexed, names, png_header


def test_round_trip_png(tmp_path):
    image = np.arange(48, dtype=np.uint8).reshape(4, 4, 3)
    write_image(tmp_path / "a.png", image)
    np.testing.assert_array_equal(read_image(tmp_path / "a.png"), image)


@pytest.mark.parametrize(
    "palette",
    [
        np.zeros((257, 3), np.uint8),  # too many entries
        np.zeros((4, 3), np.float32),  # not uint8
        np.zeros((4, 2), np.uint8),  # gray + alpha: no indexed form here
    ],
    ids=["257-entries", "float", "two-channels"],
)
def test_palette_that_does_not_fit_writes_full_colour(tmp_path, palette):
    labels = (np.arange(30).reshape(5, 6) % 4).astype(np.uint8)
    palette = palette.copy()
    palette[:4] = np.arange(4)[:, None] * 60
    image = palette[labels].astype(np.uint8)
    write_image(tmp_path / "a.png", image, palette=palette, labels=labels)
    assert png_header(tmp_path / "a.png")[3] != 3
    np.testing.assert_array_equal(read_image(tmp_path / "a.png"), image)


def test_other_extension_writes_full_colour(tmp_path):
    palette, labels, image = indexed(3)
    write_image(tmp_path / "a.bmp", image, palette=palette, labels=labels)
    with Image.open(tmp_path / "a.bmp") as opened:
        assert opened.mode == "RGB"
    np.testing.assert_array_equal(read_image(tmp_path / "a.bmp"), image)


def test_16_bit_image_written_in_full_colour(tmp_path):
    palette = np.array([0, 1000, 40000, 65535], np.uint16)
    labels = (np.arange(42).reshape(6, 7) % 4).astype(np.uint8)
    image = palette[labels]
    write_image(tmp_path / "a.png", image, palette=palette, labels=labels)
    assert png_header(tmp_path / "a.png") == (7, 6, 16, 0)  # 16-bit gray, not indexed
    back = read_image(tmp_path / "a.png")
    assert back.dtype == np.uint16
    np.testing.assert_array_equal(back, image)


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_big_endian_array_written_by_value(tmp_path, suffix):
    image = (np.arange(4 * 5).reshape(4, 5) * 3000).astype(">u2")
    write_image(tmp_path / f"a{suffix}", image)
    back = read_image(tmp_path / f"a{suffix}")
    assert back.dtype == np.uint16
    np.testing.assert_array_equal(back, image)


def test_format_that_cannot_hold_the_samples_is_one_line_value_error(tmp_path):
    image = np.zeros((2, 2, 3), np.uint16)  # Pillow writes no 16-bit RGB but TIFF
    with pytest.raises(ValueError, match=r"cannot write a uint16 image of shape \(2, 2, 3\) as .jpg"):
        write_image(tmp_path / "a.jpg", image)
    assert names(tmp_path) == []
    write_image(tmp_path / "a.tif", image)
    np.testing.assert_array_equal(read_image(tmp_path / "a.tif"), image)

"""Reading image files: formats, frames, orientation, palettes, errors.

PIL is used here only to make files; fastquant reaches it through imageio.
"""

import os
import struct

import imageio.v3 as iio
import numpy as np
import pytest
import tifffile
from imageio.plugins.pillow import PillowPlugin
from imageio.plugins.tifffile_v3 import TifffilePlugin
from PIL import Image, ImageOps

from fastquant import _imageread
from fastquant._imageread import PixelLimitError, read_image


def test_read_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_image(tmp_path / "missing.png")
    (tmp_path / "x.jpg").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="not a readable image"):
        read_image(tmp_path / "x.jpg")


# ---------------------------------------------------------------- helpers


def test_jpeg_exif_orientation_applied(tmp_path):
    stored = np.full((16, 32, 3), 20, np.uint8)
    stored[:, 16:] = 230  # dark left half, bright right half as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # display turned 90 degrees clockwise
    Image.fromarray(stored).save(tmp_path / "a.jpg", exif=exif, quality=95)
    back = read_image(tmp_path / "a.jpg")
    assert back.shape == (32, 16, 3)
    # turned clockwise, the stored left half becomes the top half
    assert back[:16].mean() < 60 and back[16:].mean() > 190


@pytest.mark.parametrize("orientation", range(1, 9))
def test_png_exif_orientation_exact(tmp_path, orientation):
    stored = np.arange(5 * 7 * 3, dtype=np.uint8).reshape(5, 7, 3)
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(stored).save(tmp_path / "a.png", exif=exif)
    with Image.open(tmp_path / "a.png") as opened:
        expected = np.asarray(ImageOps.exif_transpose(opened).convert("RGB"))
    np.testing.assert_array_equal(read_image(tmp_path / "a.png"), expected)
    np.testing.assert_array_equal(_imageread._apply_orientation(stored, orientation), expected)


def test_first_frame_of_multi_frame_gif(tmp_path):
    frames = np.zeros((3, 6, 8, 3), np.uint8)
    frames[0, :, :4] = (255, 0, 0)
    frames[1] = (0, 255, 0)
    frames[2, 3:] = (0, 0, 255)
    iio.imwrite(tmp_path / "a.gif", frames, plugin="pillow", loop=0)
    assert iio.imread(tmp_path / "a.gif").shape[0] == 3  # really three frames
    np.testing.assert_array_equal(read_image(tmp_path / "a.gif"), frames[0])


def test_first_page_of_multi_page_tiff(tmp_path):
    pages = [np.full((6, 8, 3), value, np.uint8) for value in (10, 20, 30)]
    pages[0][2, 3] = (1, 2, 3)
    first, *rest = [Image.fromarray(page) for page in pages]
    first.save(tmp_path / "a.tif", save_all=True, append_images=rest)
    np.testing.assert_array_equal(read_image(tmp_path / "a.tif"), pages[0])


def test_16_bit_rgb_tiff_read_exactly(tmp_path):
    # pillow would keep 8 of the 16 bits; the other TIFF reader keeps them all
    image = (np.arange(2 * 4 * 5 * 3).reshape(2, 4, 5, 3) * 700).astype(np.uint16)
    iio.imwrite(tmp_path / "one.tif", image[0])
    back = read_image(tmp_path / "one.tif")
    assert back.dtype == np.uint16
    np.testing.assert_array_equal(back, image[0])
    iio.imwrite(tmp_path / "two.tif", image)  # two pages
    np.testing.assert_array_equal(read_image(tmp_path / "two.tif"), image[0])


def rgb16_tiff(image, orientation):
    """A little-endian, uncompressed 16-bit RGB TIFF with an Orientation tag."""
    height, width, _ = image.shape
    pixels = image.astype("<u2").tobytes()
    tags = [  # (tag, type, count, value); type 3 = SHORT, 4 = LONG
        (256, 4, 1, width), (257, 4, 1, height), (258, 3, 3, None), (259, 3, 1, 1),
        (262, 3, 1, 2), (273, 4, 1, None), (274, 3, 1, orientation), (277, 3, 1, 3),
        (278, 4, 1, height), (279, 4, 1, len(pixels)), (284, 3, 1, 1),
    ]
    ifd_size = 2 + 12 * len(tags) + 4
    bits_at = 8 + ifd_size
    pixels_at = bits_at + 6
    entries = b""
    for tag, kind, count, value in tags:
        value = {258: bits_at, 273: pixels_at}.get(tag, value)
        packed = struct.pack("<HI", value, 0)[:4] if kind == 3 and count == 1 else struct.pack("<I", value)
        entries += struct.pack("<HHI", tag, kind, count) + packed
    ifd = struct.pack("<H", len(tags)) + entries + struct.pack("<I", 0)
    return b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<3H", 16, 16, 16) + pixels


def test_16_bit_tiff_orientation_applied_by_fastquant(tmp_path):
    stored = (np.arange(4 * 5 * 3).reshape(4, 5, 3) * 900 + 7).astype(np.uint16)
    (tmp_path / "a.tif").write_bytes(rgb16_tiff(stored, 6))
    with Image.open(tmp_path / "a.tif") as opened:  # pillow sees the tag, keeps 8 bits
        assert opened.getexif().get(0x0112) == 6 and opened.mode == "RGB"
    back = read_image(tmp_path / "a.tif")
    assert back.dtype == np.uint16
    np.testing.assert_array_equal(back, np.rot90(stored, -1))


@pytest.mark.parametrize("extension", [".png", ".gif", ".tif"])
def test_palette_file_read_as_colours(tmp_path, extension):
    palette = np.array([[200, 10, 10], [10, 200, 10], [10, 10, 200]], np.uint8)
    labels = (np.arange(20).reshape(4, 5) % 3).astype(np.uint8)
    made = Image.new("P", (5, 4))
    made.putpalette(palette.ravel().tolist())
    made.putdata(labels.ravel().tolist())
    made.save(tmp_path / f"a{extension}")
    with Image.open(tmp_path / f"a{extension}") as opened:
        assert opened.mode == "P"
    np.testing.assert_array_equal(read_image(tmp_path / f"a{extension}"), palette[labels])


def test_palette_png_with_trns_made_elsewhere_read_as_rgba(tmp_path):
    made = Image.new("P", (3, 1))
    made.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255])
    made.putdata([0, 1, 2])
    made.save(tmp_path / "a.png", transparency=bytes([0, 128, 255]))
    expected = np.array([[[255, 0, 0, 0], [0, 255, 0, 128], [0, 0, 255, 255]]], np.uint8)
    np.testing.assert_array_equal(read_image(tmp_path / "a.png"), expected)


def test_cmyk_read_as_rgb(tmp_path):
    cmyk = np.dstack([np.full((4, 6), value, np.uint8) for value in (10, 100, 200, 30)])
    Image.fromarray(cmyk, "CMYK").save(tmp_path / "a.jpg")
    with Image.open(tmp_path / "a.jpg") as opened:
        assert opened.mode == "CMYK"
        expected = np.asarray(opened.convert("RGB"))
    back = read_image(tmp_path / "a.jpg")
    assert back.shape == (4, 6, 3)
    np.testing.assert_array_equal(back, expected)


def test_plugin_without_rotate_still_reads(tmp_path):
    # .npz goes to imageio's legacy npz plugin, which takes no ``rotate``
    array = np.arange(12, dtype=np.uint8).reshape(3, 4)
    np.savez(tmp_path / "a.npz", array)
    np.testing.assert_array_equal(read_image(tmp_path / "a.npz"), array)


@pytest.mark.filterwarnings("ignore::UserWarning")  # the decoders' own complaints
@pytest.mark.parametrize("name, content", [
    ("x.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40),
    ("x.tif", b"II*\x00garbage"),
    ("x.gif", b"GIF89a"),
])
def test_undecodable_files_give_one_line_value_error(tmp_path, name, content):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(ValueError, match="not a readable image") as caught:
        read_image(tmp_path / name)
    assert "\n" not in str(caught.value)


def test_directory_is_not_a_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a file"):
        read_image(tmp_path)


# ---------------------------------------------------------------- atomic writes


# ---------------------------------------------------------------- pixel limit, byte order, names


@pytest.fixture(scope="module")
def huge_tiff(tmp_path_factory):
    """A 20000x20000 gray TIFF (400 M pixels) of 419 kB: zlib tiles of zeros."""
    path = tmp_path_factory.mktemp("huge") / "huge.tif"
    tile = np.zeros((1024, 1024), np.uint8)
    tiles = (tile for _ in range(20 * 20))
    tifffile.imwrite(path, tiles, shape=(20000, 20000), dtype=np.uint8, tile=(1024, 1024),
                     compression="zlib")
    return path


def _no_decoding(monkeypatch):
    """Make every plugin's pixel decoding fail the test."""
    def decoded(*args, **kwargs):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(PillowPlugin, "read", decoded)
    monkeypatch.setattr(TifffilePlugin, "read", decoded)


def test_huge_tiff_refused_before_decoding(huge_tiff, monkeypatch):
    _no_decoding(monkeypatch)
    hint = r"above the limit of 178,956,970; max_pixels \(--max-pixels N"
    with pytest.raises(PixelLimitError, match=hint) as caught:
        read_image(huge_tiff)
    assert "20000x20000 = 400,000,000 pixels" in str(caught.value) and "\n" not in str(caught.value)
    refused = "20000x20000 = 400,000,000 pixels, above the limit of 1,000;"
    with pytest.raises(PixelLimitError, match=refused):
        read_image(huge_tiff, max_pixels=1000)
    with pytest.raises(PixelLimitError, match="above the limit of 300,000,000"):
        read_image(huge_tiff, max_pixels=300_000_000)  # above Pillow's own limit


def test_pixel_limit_checked_before_decoding_in_every_reader(tmp_path, monkeypatch):
    image = np.zeros((30, 40, 3), np.uint8)
    iio.imwrite(tmp_path / "a.png", image)
    stored = (np.arange(4 * 5 * 3).reshape(4, 5, 3) * 900).astype(np.uint16)
    (tmp_path / "b.tif").write_bytes(rgb16_tiff(stored, 1))  # read by tifffile
    assert read_image(tmp_path / "a.png", max_pixels=1200).shape == (30, 40, 3)
    assert read_image(tmp_path / "b.tif", max_pixels=20).dtype == np.uint16
    _no_decoding(monkeypatch)
    with pytest.raises(PixelLimitError, match="40x30 = 1,200 pixels, above the limit of 1,199"):
        read_image(tmp_path / "a.png", max_pixels=1199)
    monkeypatch.setattr(_imageread, "_read_with_pillow", lambda file, path, limit: (None, None))
    with pytest.raises(PixelLimitError, match="5x4 = 20 pixels, above the limit of 19"):
        read_image(tmp_path / "b.tif", max_pixels=19)


def test_legacy_plugin_checked_after_decoding(tmp_path):
    np.savez(tmp_path / "a.npz", np.zeros((3, 4), np.uint8))
    with pytest.raises(PixelLimitError, match="4x3 = 12 pixels"):
        read_image(tmp_path / "a.npz", max_pixels=11)


def test_limit_replaces_pillows_own_check_and_restores_it(tmp_path, monkeypatch):
    iio.imwrite(tmp_path / "a.png", np.zeros((30, 40), np.uint8))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # Pillow refuses above 200
    with pytest.raises(PixelLimitError, match="40x30 = 1,200 pixels, above the limit of 1,000"):
        read_image(tmp_path / "a.png", max_pixels=1000)
    assert Image.MAX_IMAGE_PIXELS == 100
    # refused by Pillow first (its limit is above ours): the message still gives ours
    with pytest.raises(PixelLimitError, match="40x30 = 1,200 pixels, above the limit of 150;"):
        read_image(tmp_path / "a.png", max_pixels=150)
    assert Image.MAX_IMAGE_PIXELS == 100
    for larger in (None, 0, 5000, 2000):
        assert read_image(tmp_path / "a.png", max_pixels=larger).shape == (30, 40)
        assert Image.MAX_IMAGE_PIXELS == 100


@pytest.mark.parametrize("max_pixels, error", [(-1, ValueError), (1.5, TypeError), ("9", TypeError),
                                               (True, TypeError)])
def test_bad_max_pixels(tmp_path, max_pixels, error):
    iio.imwrite(tmp_path / "a.png", np.zeros((3, 4), np.uint8))
    with pytest.raises(error, match="max_pixels"):
        read_image(tmp_path / "a.png", max_pixels=max_pixels)


def test_big_endian_samples_come_back_native(tmp_path):
    image = (np.arange(5 * 7).reshape(5, 7) * 1000).astype(np.uint16)
    tifffile.imwrite(tmp_path / "be.tif", image, byteorder=">")
    with Image.open(tmp_path / "be.tif") as opened:
        assert opened.mode == "I;16B"  # pillow gives '>u2'
    back = read_image(tmp_path / "be.tif")
    assert back.dtype == np.dtype("=u2") and back.dtype.isnative
    np.testing.assert_array_equal(back, image)


def test_bytes_name_that_is_not_utf8(tmp_path):
    name = os.path.join(os.fsencode(tmp_path), b"\xff.png")
    with open(name, "wb") as stream:
        stream.write(iio.imwrite("<bytes>", np.full((2, 3), 9, np.uint8), extension=".png"))
    np.testing.assert_array_equal(read_image(name), np.full((2, 3), 9, np.uint8))
    np.testing.assert_array_equal(read_image(os.fsdecode(name)), np.full((2, 3), 9, np.uint8))

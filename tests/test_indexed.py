"""fastquant._indexed: palette PNG and GIF files written from a palette and labels.

PIL is used here only to inspect files; fastquant reaches it through imageio.
"""

import zlib

import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image

from fastquant import _indexed
from fastquant._imageread import read_image
from fastquant._imagewrite import write_image

from ._images import indexed, names, png_chunks, png_header


@pytest.mark.parametrize("channels, mode", [(3, "RGB"), (4, "RGBA"), (1, "L")])
def test_indexed_png_round_trip(tmp_path, channels, mode):
    palette, labels, image = indexed(channels)
    if channels == 4:
        palette[0, 3], palette[1, 3], palette[2, 3] = 0, 128, 255
        image = palette[labels]
    target = tmp_path / "q.png"
    write_image(target, image, palette=palette, labels=labels)

    back = read_image(target)
    assert back.dtype == np.uint8 and back.shape == image.shape
    np.testing.assert_array_equal(back, image)
    np.testing.assert_array_equal(iio.imread(target, index=0, mode=mode), image)

    chunks = dict(png_chunks(target))
    assert png_header(target) == (56, 40, 4, 3)  # 12 entries: 4 bits per index
    rgb = np.repeat(palette[:, None], 3, axis=1) if channels == 1 else palette[:, :3]
    assert chunks[b"PLTE"] == rgb.tobytes()
    if channels == 4:
        assert chunks[b"tRNS"] == palette[:, 3].tobytes()
    else:
        assert b"tRNS" not in chunks
    idat = b"".join(body for kind, body in png_chunks(target) if kind == b"IDAT")
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(40, 29)
    assert not rows[:, 0].any()  # filter type 0 on every row
    np.testing.assert_array_equal(rows[:, 1:] >> 4, labels[:, 0::2])  # high bits first
    np.testing.assert_array_equal(rows[:, 1:] & 15, labels[:, 1::2])
    with Image.open(target) as opened:
        assert opened.mode == "P"


@pytest.mark.parametrize("channels", [3, 4])
def test_indexed_png_smaller_than_full_colour(tmp_path, channels):
    palette, labels, image = indexed(channels, entries=16, shape=(96, 128))
    write_image(tmp_path / "indexed.png", image, palette=palette, labels=labels)
    write_image(tmp_path / "full.png", image)
    assert png_header(tmp_path / "full.png")[3] in (2, 6)  # truecolour
    assert png_header(tmp_path / "indexed.png")[3] == 3
    indexed_size = (tmp_path / "indexed.png").stat().st_size
    assert indexed_size < (tmp_path / "full.png").stat().st_size
    np.testing.assert_array_equal(read_image(tmp_path / "full.png"), image)
    np.testing.assert_array_equal(read_image(tmp_path / "indexed.png"), image)


def test_indexed_png_full_palette_int_labels_and_upper_case(tmp_path):
    ramp = np.arange(256)
    palette = np.stack([ramp, 255 - ramp, ramp // 2], 1).astype(np.uint8)
    labels = np.arange(16 * 16, dtype=np.int64).reshape(16, 16)
    palette_2d = palette[:, :1]  # (n, 1) is a gray palette too
    write_image(tmp_path / "a.PNG", palette[labels], palette=palette, labels=labels)
    write_image(tmp_path / "g.png", palette_2d[labels][..., 0], palette=palette_2d, labels=labels)
    assert png_header(tmp_path / "a.PNG")[3] == 3 and png_header(tmp_path / "g.png")[3] == 3
    np.testing.assert_array_equal(read_image(tmp_path / "a.PNG"), palette[labels])
    np.testing.assert_array_equal(read_image(tmp_path / "g.png"), palette[labels, 0])


def test_indexed_png_in_several_idat_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(_indexed, "IDAT_CHUNK", 100)
    palette, labels, image = indexed(3, entries=40, shape=(64, 80), seed=3)
    write_image(tmp_path / "a.png", image, palette=palette, labels=labels)
    kinds = [kind for kind, _ in png_chunks(tmp_path / "a.png")]
    assert kinds[:3] == [b"IHDR", b"PLTE", b"IDAT"] and kinds[-1] == b"IEND"
    assert kinds.count(b"IDAT") > 2
    np.testing.assert_array_equal(read_image(tmp_path / "a.png"), image)


def test_indexed_arguments_checked_before_writing(tmp_path):
    palette, labels, image = indexed(3)
    target = tmp_path / "a.png"
    with pytest.raises(ValueError, match="together"):
        write_image(target, image, palette=palette)
    with pytest.raises(ValueError, match="together"):
        write_image(target, image, labels=labels)
    with pytest.raises(ValueError, match="height and width"):
        write_image(target, image, palette=palette, labels=labels.reshape(-1, 1))
    with pytest.raises(ValueError, match=r"\[0, 11\]"):
        write_image(target, image, palette=palette, labels=labels + 1)
    with pytest.raises(ValueError, match="integers"):
        write_image(target, image, palette=palette, labels=labels.astype(float))
    with pytest.raises(ValueError, match="not palette\\[labels\\]"):
        write_image(target, image[::-1], palette=palette, labels=labels)
    assert names(tmp_path) == []


@pytest.mark.parametrize("channels", [3, 4, 1])
def test_indexed_gif_round_trip(tmp_path, channels):
    palette, labels, image = indexed(channels, entries=6)
    if channels == 4:
        palette[:, 3] = 255
        palette[4, 3] = 0  # one transparent entry: the GIF transparent index
        image = palette[labels]
    write_image(tmp_path / "a.gif", image, palette=palette, labels=labels)
    with Image.open(tmp_path / "a.gif") as opened:
        assert opened.mode in ("P", "L")
        assert opened.info.get("transparency") == (4 if channels == 4 else None)
    back = read_image(tmp_path / "a.gif")
    assert back.dtype == np.uint8
    np.testing.assert_array_equal(back, image)


def test_gif_opaque_rgba_palette_written_without_transparency(tmp_path):
    palette, labels, image = indexed(4, entries=5)
    palette[:, 3] = 255
    write_image(tmp_path / "a.gif", palette[labels], palette=palette, labels=labels)
    with Image.open(tmp_path / "a.gif") as opened:
        assert "transparency" not in opened.info
    np.testing.assert_array_equal(read_image(tmp_path / "a.gif"), palette[labels, :3])


@pytest.mark.parametrize("alpha", [[255, 128, 255, 255], [0, 0, 255, 255], [0, 10, 255, 255]])
def test_gif_refuses_alpha_it_cannot_hold(tmp_path, alpha):
    palette, labels, _ = indexed(4, entries=4)
    palette[:, 3] = alpha
    target = tmp_path / "a.gif"
    target.write_bytes(b"old")
    with pytest.raises(ValueError, match="GIF cannot hold"):
        write_image(target, palette[labels], palette=palette, labels=labels, overwrite=True)
    assert target.read_bytes() == b"old"
    assert names(tmp_path) == ["a.gif"]
    # the same palette is fine as a PNG, which has a full alpha channel
    write_image(tmp_path / "a.png", palette[labels], palette=palette, labels=labels)
    np.testing.assert_array_equal(read_image(tmp_path / "a.png"), palette[labels])


@pytest.mark.parametrize("used, bits", [(1, 1), (2, 1), (3, 2), (4, 2), (5, 4), (16, 4),
                                        (17, 8), (200, 8)])
@pytest.mark.parametrize("width", [1, 7, 13])
def test_png_bit_depth_is_the_smallest_and_unused_entries_are_dropped(tmp_path, used, bits, width):
    rng = np.random.default_rng(used + width)
    palette = rng.integers(0, 256, (256, 4), dtype=np.uint8)
    palette[:, 0] = np.arange(256)  # distinct entries
    palette[::2, 3] = 255
    chosen = np.sort(rng.choice(256, used, replace=False))
    labels = chosen[np.arange(200 * width).reshape(200, width) % used].astype(np.uint8)
    image = palette[labels]
    target = tmp_path / "q.png"
    write_image(target, image, palette=palette, labels=labels)
    assert png_header(target) == (width, 200, bits, 3)
    assert dict(png_chunks(target))[b"PLTE"] == palette[chosen, :3].tobytes()
    with Image.open(target) as opened:
        assert opened.mode == "P"
        np.testing.assert_array_equal(np.asarray(opened.convert("RGBA")), image)

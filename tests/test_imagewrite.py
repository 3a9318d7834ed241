"""Writing image files: indexed PNG and GIF, full colour, atomic writes, protection.

PIL is used here only to inspect files; fastquant reaches it through imageio.
"""

import binascii
import os
import signal
import stat
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image

from fastquant import _imagewrite
from fastquant._imageread import read_image
from fastquant._imagewrite import write_image

ROOT = Path(__file__).resolve().parents[1]


def test_round_trip_png(tmp_path):
    image = np.arange(48, dtype=np.uint8).reshape(4, 4, 3)
    write_image(tmp_path / "a.png", image)
    np.testing.assert_array_equal(read_image(tmp_path / "a.png"), image)


def test_failed_write_leaves_no_file_and_keeps_old_output(tmp_path, monkeypatch):
    target = tmp_path / "a.tif"
    target.write_bytes(b"old")

    def failing(name, *args, **kwargs):
        with open(name, "wb") as stream:
            stream.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(_imagewrite.iio, "imwrite", failing)
    with pytest.raises(OSError, match="disk full"):
        write_image(target, np.zeros((2, 2, 3), np.uint8), overwrite=True)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.tif"]


def test_refuses_existing_and_protected(tmp_path):
    target = tmp_path / "a.png"
    iio.imwrite(target, np.zeros((2, 2), np.uint8))
    with pytest.raises(FileExistsError, match="exists"):
        write_image(target, np.ones((2, 2), np.uint8))
    with pytest.raises(FileExistsError, match="input"):
        write_image(target, np.ones((2, 2), np.uint8), overwrite=True, protect=[target])
    assert not read_image(target).any()


def png_chunks(path):
    """The (type, data) chunks of a PNG file, checking signature and CRCs."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind = data[offset + 4:offset + 8]
        body = data[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])
        assert crc == binascii.crc32(kind + body) & 0xFFFFFFFF, kind
        chunks.append((kind, body))
        offset += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1] == (b"IEND", b"")
    return chunks


def png_header(path):
    """(width, height, bit depth, colour type) of a PNG file."""
    width, height, depth, colour_type = struct.unpack(">IIBB", png_chunks(path)[0][1][:10])
    return width, height, depth, colour_type


def indexed(channels, entries=12, shape=(40, 56), seed=0):
    """A palette of ``entries`` uint8 colours, labels into it and the image."""
    rng = np.random.default_rng(seed)
    if channels == 1:
        palette = rng.choice(256, entries, replace=False).astype(np.uint8)
    else:
        palette = rng.integers(0, 256, (entries, channels), dtype=np.uint8)
        palette[:, 0] = np.arange(entries) * 7  # distinct entries
    rows = np.arange(shape[0])[:, None] // 5 + np.arange(shape[1])[None, :] // 7
    labels = ((rows + rng.integers(0, 2, shape)) % entries).astype(np.uint8)
    return palette, labels, palette[labels]


def names(folder):
    return sorted(p.name for p in folder.iterdir())


# ---------------------------------------------------------------- indexed PNG


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
    monkeypatch.setattr(_imagewrite, "IDAT_CHUNK", 100)
    palette, labels, image = indexed(3, entries=40, shape=(64, 80), seed=3)
    write_image(tmp_path / "a.png", image, palette=palette, labels=labels)
    kinds = [kind for kind, _ in png_chunks(tmp_path / "a.png")]
    assert kinds[:3] == [b"IHDR", b"PLTE", b"IDAT"] and kinds[-1] == b"IEND"
    assert kinds.count(b"IDAT") > 2
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


# ---------------------------------------------------------------- indexed GIF


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


# ---------------------------------------------------------------- reading


@pytest.mark.parametrize("suffix", [".png", ".gif"])
def test_indexed_write_failure_keeps_old_output(tmp_path, monkeypatch, suffix):
    palette, labels, image = indexed(3, entries=5)
    target = tmp_path / f"a{suffix}"
    target.write_bytes(b"old")
    seen = []

    def failing_replace(source, destination):
        seen.append(os.path.getsize(source))
        raise OSError("disk full")

    monkeypatch.setattr(_imagewrite.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        write_image(target, image, palette=palette, labels=labels, overwrite=True)
    assert seen and seen[0] > 0  # the temporary had been written in full
    assert target.read_bytes() == b"old"
    assert names(tmp_path) == [target.name]


def test_interrupted_write_removes_temporary(tmp_path, monkeypatch):
    target = tmp_path / "a.png"
    target.write_bytes(b"old")

    def interrupted(name, *args, **kwargs):
        with open(name, "wb") as stream:
            stream.write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(_imagewrite.iio, "imwrite", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_image(target, np.zeros((2, 2, 3), np.uint8), overwrite=True)
    assert target.read_bytes() == b"old"
    assert names(tmp_path) == ["a.png"]


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


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_big_endian_array_written_by_value(tmp_path, suffix):
    image = (np.arange(4 * 5).reshape(4, 5) * 3000).astype(">u2")
    write_image(tmp_path / f"a{suffix}", image)
    back = read_image(tmp_path / f"a{suffix}")
    assert back.dtype == np.uint16
    np.testing.assert_array_equal(back, image)


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


def test_format_that_cannot_hold_the_samples_is_one_line_value_error(tmp_path):
    image = np.zeros((2, 2, 3), np.uint16)  # Pillow writes no 16-bit RGB but TIFF
    with pytest.raises(ValueError, match=r"cannot write a uint16 image of shape \(2, 2, 3\) as .jpg"):
        write_image(tmp_path / "a.jpg", image)
    assert names(tmp_path) == []
    write_image(tmp_path / "a.tif", image)
    np.testing.assert_array_equal(read_image(tmp_path / "a.tif"), image)


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

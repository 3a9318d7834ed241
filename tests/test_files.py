"""One file in, one file out (fastquant._files): outputs that would be inputs, the
pixel limit, bytes names, big-endian samples, errors reported per file."""

import os

import imageio.v3 as iio
import numpy as np
import pytest
import tifffile

import fastquant as fq
from fastquant import _files
from fastquant._files import check_outputs, output_paths, quantize_file


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "a.png"
    image = np.random.default_rng(0).integers(0, 256, (12, 16, 3), dtype=np.uint8)
    iio.imwrite(path, image)
    return path


def test_batch_naming_that_would_overwrite_an_input_is_refused(photo, tmp_path):
    # a.png writes a-k8.png, which is the second input
    second = tmp_path / "a-k8.png"
    iio.imwrite(second, np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(ValueError, match="would replace the input"):
        output_paths([photo, second], tmp_path, 8, "png")
    # the same file reached through another spelling of the folder
    with pytest.raises(ValueError, match="would replace the input"):
        output_paths([photo, second], tmp_path / "x" / "..", 8, ".png")


def test_outputs_that_are_the_input_by_link_or_spelling(photo, tmp_path):
    hard = tmp_path / "hard.png"
    os.link(photo, hard)
    soft = tmp_path / "soft.png"
    soft.symlink_to(photo)
    spelled = tmp_path / "sub" / ".." / "a.png"
    (tmp_path / "sub").mkdir()
    for target in (photo, hard, soft, spelled, str(spelled), os.fsencode(spelled)):
        with pytest.raises(ValueError, match="would replace the input"):
            check_outputs([photo], [target])
    # an input given as a link protects the file it points to
    with pytest.raises(ValueError, match="would replace the input"):
        check_outputs([soft], [photo])
    check_outputs([photo], [tmp_path / "other.png"])


@pytest.mark.parametrize("name, problem", [("noext", "no extension"), ("folder.png", "is a folder")])
def test_outputs_without_extension_or_that_are_folders_are_refused(photo, tmp_path, name, problem):
    (tmp_path / "folder.png").mkdir()
    with pytest.raises(ValueError, match=problem):
        check_outputs([photo], [tmp_path / name])
    result = quantize_file(photo, tmp_path / name, 3)
    assert problem in result.error and "\n" not in result.error


def test_output_folder_that_is_a_file_is_refused(photo, tmp_path):
    with pytest.raises(ValueError, match="is a file"):
        output_paths([photo], photo, 3, "png")


def test_quantize_file_never_replaces_its_source(photo):
    before = photo.read_bytes()
    result = quantize_file(photo, photo, 3, force=True)
    assert "input" in result.error
    assert photo.read_bytes() == before


def test_pixel_limit_is_passed_through(photo, tmp_path):
    refused = quantize_file(photo, tmp_path / "o.png", 3, max_pixels=100)
    assert "16x12 = 192 pixels, above the limit of 100" in refused.error
    assert not (tmp_path / "o.png").exists()
    assert quantize_file(photo, tmp_path / "o.png", 3, max_pixels=192).ok
    assert quantize_file(photo, tmp_path / "p.png", 3, max_pixels=0).ok
    bad = quantize_file(photo, tmp_path / "q.png", 3, max_pixels=-1)
    assert "max_pixels must be 0 (no limit) or more" in bad.error


def test_bytes_names_that_are_not_utf8(photo, tmp_path):
    source = os.path.join(os.fsencode(tmp_path), b"\xff.png")
    with open(source, "wb") as stream:
        stream.write(photo.read_bytes())
    target = os.path.join(os.fsencode(tmp_path), b"\xfe-k3.png")
    result = quantize_file(source, target, 3)
    assert result.ok, result.error
    assert os.path.exists(target)
    assert output_paths([source], os.fsencode(tmp_path), 3, "png")[0].name == os.fsdecode(b"\xff-k3.png")


def test_big_endian_samples_are_quantized(tmp_path):
    image = (np.arange(12 * 16).reshape(12, 16) * 300).astype(np.uint16)
    tifffile.imwrite(tmp_path / "be.tif", image, byteorder=">")
    assert (tmp_path / "be.tif").read_bytes()[:2] == b"MM"  # a big-endian TIFF
    result = quantize_file(tmp_path / "be.tif", tmp_path / "o.tif", 4, seed=1)
    assert result.ok, result.error
    expected = fq.quantize(image, 4, seed=1).image
    np.testing.assert_array_equal(iio.imread(tmp_path / "o.tif"), expected)
    # quantize itself takes big-endian arrays, with the same result
    np.testing.assert_array_equal(fq.quantize(image.astype(">u2"), 4, seed=1).image, expected)


def test_memory_error_is_reported_not_raised(photo, tmp_path, monkeypatch):
    def no_memory(*args, **kwargs):
        raise MemoryError("Unable to allocate 3.2 GiB")

    monkeypatch.setattr(_files, "quantize_frames", no_memory)
    result = quantize_file(photo, tmp_path / "o.png", 3)
    assert result.error == "Unable to allocate 3.2 GiB"
    assert not (tmp_path / "o.png").exists()


def test_input_without_extension_is_read_by_its_content(photo, tmp_path):
    bare = tmp_path / "photo"
    bare.write_bytes(photo.read_bytes())
    result = quantize_file(bare, tmp_path / "photo-k3.png", 3, seed=1)
    assert result.ok, result.error
    assert output_paths([bare], tmp_path / "out", 3, "png")[0].name == "photo-k3.png"

"""The comparison sheet (fastquant._sheet): panels, labels, any image type."""

import numpy as np
import pytest

from fastquant._sheet import comparison_sheet, text_mask


def test_text_mask_draws_known_glyphs_only():
    mask = text_mask("K=8", scale=1)
    assert mask.shape == (7, 3 * 6) and mask.dtype == bool
    assert mask[:, :5].any() and not mask[:, 5].any()  # a blank column between glyphs
    assert text_mask("1", scale=3).shape == (21, 18)
    with pytest.raises(ValueError, match="no glyph for 'xz'"):
        text_mask("K=x z")


def test_panels_side_by_side_with_labels():
    image = np.zeros((20, 30, 3), np.uint8)
    image[:, :15] = (200, 10, 10)
    sheet = comparison_sheet([(image, "original"), (image[..., ::-1], "K=2 9.5 dB")])
    assert sheet.dtype == np.uint8 and sheet.shape[1] == 2 * (30 + 8) + 8
    np.testing.assert_array_equal(sheet[8:28, 8:38], image)
    np.testing.assert_array_equal(sheet[8:28, 46:76], image[..., ::-1])
    assert (sheet[36:50, 8:38] == 0).any()  # label ink under the first panel


@pytest.mark.parametrize("image, rgb", [
    (np.full((4, 5), 7, np.uint8), (7, 7, 7)),
    (np.full((4, 5), 257 * 9, np.uint16), (9, 9, 9)),
    (np.full((4, 5), 257 * 9, ">u2"), (9, 9, 9)),  # big-endian samples by value
    (np.full((4, 5, 1), 0.5, np.float32), (128, 128, 128)),
    (np.tile(np.array([0, 0, 0, 0], np.uint8), (4, 5, 1)), (255, 255, 255)),  # clear over white
    (np.tile(np.array([100, 50, 0, 255], np.uint8), (4, 5, 1)), (100, 50, 0)),
])
def test_any_image_type_becomes_8_bit_rgb(image, rgb):
    sheet = comparison_sheet([(image, "a")])
    np.testing.assert_array_equal(sheet[8:12, 8:13], np.broadcast_to(np.array(rgb, np.uint8), (4, 5, 3)))

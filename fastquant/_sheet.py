"""The comparison sheet: the original and its quantizations side by side, labelled.

Labels are drawn with a small built-in bitmap font, so no font file or drawing library
is needed.
"""

from typing import List, Tuple

import numpy as np

from ._imageread import native_byte_order
from .kernels._tunables import PIXELS_PER_FONT_SCALE, SHEET_GAP

# 5x7 glyphs, seven rows of five columns ("#" = ink).
_GLYPHS = {
    '0': [' ### ', '#   #', '#  ##', '# # #', '##  #', '#   #', ' ### '],
    '1': ['  #  ', ' ##  ', '  #  ', '  #  ', '  #  ', '  #  ', ' ### '],
    '2': [' ### ', '#   #', '    #', '   # ', '  #  ', ' #   ', '#####'],
    '3': ['#####', '   # ', '  #  ', '   # ', '    #', '#   #', ' ### '],
    '4': ['   # ', '  ## ', ' # # ', '#  # ', '#####', '   # ', '   # '],
    '5': ['#####', '#    ', '#### ', '    #', '    #', '#   #', ' ### '],
    '6': ['  ## ', ' #   ', '#    ', '#### ', '#   #', '#   #', ' ### '],
    '7': ['#####', '    #', '   # ', '  #  ', ' #   ', ' #   ', ' #   '],
    '8': [' ### ', '#   #', '#   #', ' ### ', '#   #', '#   #', ' ### '],
    '9': [' ### ', '#   #', '#   #', ' ####', '    #', '   # ', ' ##  '],
    'K': ['#   #', '#  # ', '# #  ', '##   ', '# #  ', '#  # ', '#   #'],
    '=': ['     ', '     ', '#####', '     ', '#####', '     ', '     '],
    '.': ['     ', '     ', '     ', '     ', '     ', ' ##  ', ' ##  '],
    'd': ['    #', '    #', ' ## #', '#  ##', '#   #', '#   #', ' ####'],
    'B': ['#### ', '#   #', '#   #', '#### ', '#   #', '#   #', '#### '],
    'o': ['     ', '     ', ' ### ', '#   #', '#   #', '#   #', ' ### '],
    'r': ['     ', '     ', '# ## ', '##  #', '#    ', '#    ', '#    '],
    'i': ['  #  ', '     ', ' ##  ', '  #  ', '  #  ', '  #  ', ' ### '],
    'g': ['     ', ' ####', '#   #', '#   #', ' ####', '    #', ' ### '],
    'n': ['     ', '     ', '# ## ', '##  #', '#   #', '#   #', '#   #'],
    'a': ['     ', '     ', ' ### ', '    #', ' ####', '#   #', ' ####'],
    'l': [' ##  ', '  #  ', '  #  ', '  #  ', '  #  ', '  #  ', ' ### '],
    'f': ['  ## ', ' #   ', ' #   ', '###  ', ' #   ', ' #   ', ' #   '],
    ' ': ['     ', '     ', '     ', '     ', '     ', '     ', '     '],
}


def _glyph(char: str) -> np.ndarray:
    return np.array([[c == "#" for c in row] for row in _GLYPHS[char]])


def text_mask(text: str, scale: int = 2) -> np.ndarray:
    """Boolean ink mask of ``text`` (characters of the built-in font only), each font
    pixel drawn as a ``scale`` x ``scale`` square."""
    unknown = sorted(set(text) - set(_GLYPHS))
    if unknown:
        raise ValueError(f"no glyph for {''.join(unknown)!r}")
    columns: List[np.ndarray] = []
    for char in text:
        columns.extend([_glyph(char), np.zeros((7, 1), dtype=bool)])
    mask = np.hstack(columns) if columns else np.zeros((7, 0), dtype=bool)
    return mask.repeat(scale, axis=0).repeat(scale, axis=1)


def _as_rgb8(image: np.ndarray) -> np.ndarray:
    """An 8-bit RGB view of any image fastquant quantizes (alpha over white)."""
    array = native_byte_order(np.asarray(image))
    if array.dtype == np.uint16:
        array = (array // 257).astype(np.uint8)
    elif array.dtype.kind == "f":
        array = np.rint(np.clip(array, 0, 1) * 255).astype(np.uint8)
    if array.ndim == 2:
        array = array[..., None]
    if array.shape[2] == 1:
        array = np.repeat(array, 3, axis=2)
    if array.shape[2] == 4:
        alpha = array[..., 3:4].astype(np.float64) / 255
        array = np.rint(array[..., :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)
    return array


def comparison_sheet(panels: List[Tuple[np.ndarray, str]]) -> np.ndarray:
    """Panels side by side on white, each with its label underneath.

    Parameters
    ----------
    panels : list of (image, label)
        Images of equal height and width (any dtype and channels ``quantize`` takes).

    Returns
    -------
    ndarray of uint8, shape (height, width, 3)
    """
    images = [_as_rgb8(image) for image, _ in panels]
    height, width = images[0].shape[:2]
    scale = max(1, width // PIXELS_PER_FONT_SCALE)
    labels = [text_mask(label, scale) for _, label in panels]
    label_height = labels[0].shape[0] + 2 * SHEET_GAP
    sheet_width = len(images) * (width + SHEET_GAP) + SHEET_GAP
    sheet = np.full((height + 2 * SHEET_GAP + label_height, sheet_width, 3), 255, dtype=np.uint8)
    for index, (image, label) in enumerate(zip(images, labels)):
        left = SHEET_GAP + index * (width + SHEET_GAP)
        sheet[SHEET_GAP : SHEET_GAP + height, left : left + width] = image
        top = 2 * SHEET_GAP + height
        label = label[:, :width]
        sheet[top : top + label.shape[0], left : left + label.shape[1]][label] = 0
    return sheet

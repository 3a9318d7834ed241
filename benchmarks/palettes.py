"""Issue 14's measurements: PNG sizes at 8 bits per index against the smallest bit
depth, and the time of ``fastquant.remap`` per megapixel.

    python benchmarks/palettes.py [IMAGES_FOLDER]

The photos are the ``*_1920.jpg`` files of the folder (default: the shared data
folder of the development machine) and their 768x512 Lanczos downscales.
"""

import sys
import time
from pathlib import Path

import imageio.v3 as iio
import numpy as np
from PIL import Image

import fastquant as fq
from fastquant import _indexed

FOLDER = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/images")
SIZE_KS = (2, 4, 8, 16, 64)
REMAP_KS = (16, 64, 256)
DITHERS = (False, True, "ordered")
ROUNDS = 5


def photos():
    for path in sorted(FOLDER.glob("*_1920.jpg")):
        image = iio.imread(path)
        small = np.asarray(Image.fromarray(image).resize((768, 512), Image.LANCZOS))
        yield path.stem, image, small


def png_bytes(result, bits=None):
    """Size of the indexed PNG of ``result``, at ``bits`` per index (None: smallest)."""
    indices, rgb, alpha = _indexed.used_entries(result.labels, result.palette, None)
    chosen = _indexed._bit_depth
    if bits is not None:
        _indexed._bit_depth = lambda n: bits
    try:
        return len(_indexed.encode_indexed_png(indices, rgb, alpha))
    finally:
        _indexed._bit_depth = chosen


def sizes():
    print("PNG bytes, 768x512 photos: 8 bits per index -> smallest depth")
    totals = {k: [0, 0] for k in SIZE_KS}
    for name, _, small in photos():
        cells = []
        for k in SIZE_KS:
            result = fq.quantize(small, k, seed=1)
            before, after = png_bytes(result, 8), png_bytes(result)
            totals[k][0] += before
            totals[k][1] += after
            cells.append(f"K={k}: {before:,} -> {after:,}")
        print(f"  {name}: " + "; ".join(cells))
    for k, (before, after) in totals.items():
        print(f"  total K={k}: {before:,} -> {after:,} bytes ({100 * (after / before - 1):+.1f}%)")


def remap_times():
    print(f"remap, ms per megapixel (min of {ROUNDS} interleaved rounds), 1920-wide photos")
    images = [image for _, image, _ in photos()]
    palettes = {k: fq.palette(images[:2], k, seed=1) for k in REMAP_KS}
    cases = [(k, dither) for k in REMAP_KS for dither in DITHERS]
    for k, dither in cases:  # warm-up: compilation
        fq.remap(images[0][:64, :64], palettes[k], dither=dither)
    best = {case: np.inf for case in cases}
    megapixels = sum(image.shape[0] * image.shape[1] for image in images) / 1e6
    for _ in range(ROUNDS):
        for case in cases:
            start = time.perf_counter()
            for image in images:
                fq.remap(image, palettes[case[0]], dither=case[1])
            best[case] = min(best[case], (time.perf_counter() - start) / megapixels)
    for (k, dither), seconds in best.items():
        print(f"  K={k:3d} dither={dither!s:8}: {1000 * seconds:7.1f} ms/MP")


if __name__ == "__main__":
    sizes()
    remap_times()

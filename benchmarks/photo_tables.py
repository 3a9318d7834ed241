"""The guide's quality tables and picture, from the JSON of ``rich_photos.py`` and
``large_photos.py``.

Prints Markdown: per rich-photo cell, time, PSNR and SSIM of fastquant and
libimagequant (and Pillow's times), the totals and the counts of cells where fastquant
is at least as good / faster; then the 24 MP table with peak memory. With
``--picture``, saves a PNG of the cell where fastquant's SSIM is furthest below (or
least above) libimagequant's: a crop of the original, fastquant's and libimagequant's
result side by side.

    PYTHONPATH=. python benchmarks/photo_tables.py --rich rich.json [--large large.json]
        [--picture docs/worst-cell.png --images DIR]
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rich_photos import DEFAULT_DIR, contenders, load_downscaled  # noqa: E402


def _cells(rows):
    cells = {}
    for row in rows:
        cells.setdefault((row["photo"], row["k"]), {})[row["contender"]] = row
    return cells


def rich_table(rows) -> list:
    """Markdown lines of the rich-photo table and its totals."""
    cells = _cells(rows)
    lines = ["| photo | K | fastquant ms | libimagequant ms | liq / fq | PSNR fq | PSNR liq "
             "| SSIM fq | SSIM liq | median cut ms | octree ms |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    totals = {}
    faster = psnr_ok = ssim_ok = 0
    for (photo, k), cell in cells.items():
        fq, liq = cell["fastquant"], cell["libimagequant"]
        for name, row in cell.items():
            totals[name] = totals.get(name, 0.0) + row["seconds"]
        faster += fq["seconds"] < liq["seconds"]
        psnr_ok += fq["psnr"] >= liq["psnr"]
        ssim_ok += fq["ssim"] >= liq["ssim"]
        others = " | ".join(f"{1e3 * cell[name]['seconds']:.0f}" if name in cell else "-"
                            for name in ("mediancut", "octree"))
        lines.append(f"| {photo.replace('_1920.jpg', '')} | {k} | {1e3 * fq['seconds']:.0f} "
                     f"| {1e3 * liq['seconds']:.0f} | {liq['seconds'] / fq['seconds']:.2f}x "
                     f"| {fq['psnr']:.2f} | {liq['psnr']:.2f} | {fq['ssim']:.4f} "
                     f"| {liq['ssim']:.4f} | {others} |")
    n = len(cells)
    lines.append("")
    lines.append(f"Totals: fastquant {totals['fastquant']:.2f} s, libimagequant "
                 f"{totals['libimagequant']:.2f} s ({totals['libimagequant'] / totals['fastquant']:.2f}x)"
                 + "".join(f", {name} {t:.2f} s" for name, t in totals.items()
                           if name not in ("fastquant", "libimagequant"))
                 + f". fastquant faster in {faster} of {n} cells; PSNR at least "
                 f"libimagequant's in {psnr_ok} of {n}, SSIM in {ssim_ok} of {n}.")
    return lines


def large_table(rows) -> list:
    """Markdown lines of the 24 MP table."""
    lines = ["| photo | K | contender | seconds | PSNR | SSIM | peak RSS MB | call MB "
             "| peak / image |",
             "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in rows:
        ssim = f"{row['ssim']:.4f}" if "ssim" in row else "-"
        lines.append(f"| {row['photo']} | {row['k']} | {row['contender']} | "
                     f"{row['seconds']:.2f} | {row['psnr']:.2f} | {ssim} | "
                     f"{row['peak_bytes'] / 2**20:.0f} | "
                     f"{(row['peak_bytes'] - row['before_bytes']) / 2**20:.0f} | "
                     f"{row['peak_bytes'] / row['image_bytes']:.2f}x |")
    return lines


def worst_picture(rows, images: Path, out: Path, crop: int = 192) -> str:
    """Save the worst cell's crops side by side; its description."""
    from PIL import Image

    cells = _cells(rows)
    (photo, k), cell = min(cells.items(), key=lambda item: item[1]["fastquant"]["ssim"]
                           - item[1]["libimagequant"]["ssim"])
    image = load_downscaled(images / photo)
    calls = contenders(False)
    fq, liq = calls["fastquant"](image, k), calls["libimagequant"](image, k)
    # the crop where the two differ most from the original
    error = np.abs(fq.astype(np.int16) - image).sum(axis=2)
    h, w = error.shape
    y0, x0 = max(((y, x) for y in range(0, h - crop + 1, 32) for x in range(0, w - crop + 1, 32)),
                 key=lambda p: error[p[0]:p[0] + crop, p[1]:p[1] + crop].sum())
    tiles = [a[y0:y0 + crop, x0:x0 + crop] for a in (image, fq, liq)]
    gap = np.full((crop, 4, 3), 255, np.uint8)
    Image.fromarray(np.hstack([tiles[0], gap, tiles[1], gap, tiles[2]])).save(out, optimize=True)
    fq_row, liq_row = cell["fastquant"], cell["libimagequant"]
    return (f"{photo} at K = {k}: fastquant SSIM {fq_row['ssim']:.4f} / PSNR "
            f"{fq_row['psnr']:.2f} dB, libimagequant {liq_row['ssim']:.4f} / "
            f"{liq_row['psnr']:.2f} dB; crop at ({x0}, {y0})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rich", type=Path, required=True)
    parser.add_argument("--large", type=Path)
    parser.add_argument("--picture", type=Path)
    parser.add_argument("--images", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args()
    rich = json.loads(args.rich.read_text())
    print("\n".join(rich_table(rich)))
    if args.large:
        print()
        print("\n".join(large_table(json.loads(args.large.read_text()))))
    if args.picture:
        print()
        print(worst_picture(rich, args.images, args.picture))


if __name__ == "__main__":
    main()

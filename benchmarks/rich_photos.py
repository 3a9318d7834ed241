"""Rich photos: fastquant against libimagequant and Pillow, the way users judge it.

The protocol of the project's measuring guide: the ``*_1920.jpg`` photos of a directory,
downscaled to 768x512 with Lanczos; K = 4, 16, 64, 256; dithering off (or on with
``--dither``). In one process, the contenders are interleaved per (photo, K): one untimed
warm-up call of each, then ``--rounds`` rounds of all of them in turn, and the minimum
time of the rounds is kept. Each cell gets time, PSNR (all RGB values, peak 255) and SSIM
(scikit-image, ``channel_axis=2, data_range=255``) per contender; the totals and the
count of cells where fastquant is at least as good / as fast as libimagequant end the
table. ``--json`` keeps the numbers (``docs_tables.py`` turns them into the guide's
table).

Run from the repository root::

    PYTHONPATH=. python benchmarks/rich_photos.py --images DIR [--dither] [--rounds 3]
        [--full-size]

``--full-size`` keeps the photos at their own size (1920x1280) instead of downscaling.

The photos are not in the repository (several MB); ``DIR`` defaults to
``$FASTQUANT_PHOTOS`` or ``../shared/data/images``.
"""

import argparse
import json
import os
import time
from pathlib import Path
from typing import Callable, Dict, List

import numpy as np

KS = (4, 16, 64, 256)
SIZE = (768, 512)
DEFAULT_DIR = Path(os.environ.get("FASTQUANT_PHOTOS",
                                  Path(__file__).resolve().parents[1] / ".." / "shared"
                                  / "data" / "images"))


def load_downscaled(path: Path, size=SIZE) -> np.ndarray:
    """The photo at ``path`` resized to ``size`` with Lanczos (``None``: as it is), as
    (h, w, 3) uint8."""
    from PIL import Image

    with Image.open(path) as image:
        rgb = image.convert("RGB")
        return np.asarray(rgb if size is None else rgb.resize(size, Image.LANCZOS))


def psnr(original: np.ndarray, quantized: np.ndarray) -> float:
    """PSNR in dB over all RGB values, peak 255."""
    difference = quantized.astype(np.float64) - original
    mse = float(np.mean(difference * difference))
    return float("inf") if mse == 0 else 10.0 * np.log10(255.0**2 / mse)


def ssim(original: np.ndarray, quantized: np.ndarray) -> float:
    """scikit-image's SSIM over the RGB channels."""
    from skimage.metrics import structural_similarity

    return float(structural_similarity(original, quantized, channel_axis=2, data_range=255))


def fastquant_call(dither: bool, **options) -> Callable[[np.ndarray, int], np.ndarray]:
    """``fastquant.quantize(a, k, seed=1, dither=...)``, its image."""
    import fastquant

    def run(image, k):
        return fastquant.quantize(image, k, seed=1, dither=dither, **options).image
    return run


def libimagequant_call(dither: bool) -> Callable[[np.ndarray, int], np.ndarray]:
    """libimagequant at quality 0-100, dithering level 0 or 1, back to RGB."""
    import imagequant
    from PIL import Image

    def run(image, k):
        result = imagequant.quantize_pil_image(
            Image.fromarray(image), dithering_level=1.0 if dither else 0.0, max_colors=k,
            min_quality=0, max_quality=100)
        return np.asarray(result.convert("RGB"))
    return run


def pillow_call(method_name: str, dither: bool) -> Callable[[np.ndarray, int], np.ndarray]:
    """Pillow's quantizer ``method_name`` (MEDIANCUT or FASTOCTREE), back to RGB."""
    from PIL import Image

    method = getattr(Image.Quantize, method_name)
    dithering = Image.Dither.FLOYDSTEINBERG if dither else Image.Dither.NONE

    def run(image, k):
        result = Image.fromarray(image).quantize(k, method=method, dither=dithering)
        return np.asarray(result.convert("RGB"))
    return run


def contenders(dither: bool, space=None) -> Dict[str, Callable]:
    """The four contenders, fastquant first and libimagequant second."""
    options = {} if space is None else {"space": space}
    return {
        "fastquant": fastquant_call(dither, **options),
        "libimagequant": libimagequant_call(dither),
        "mediancut": pillow_call("MEDIANCUT", dither),
        "octree": pillow_call("FASTOCTREE", dither),
    }


def measure(photos: Dict[str, np.ndarray], calls: Dict[str, Callable], ks=KS,
            rounds: int = 3) -> List[dict]:
    """One row per (photo, K, contender): min time of the rounds, PSNR, SSIM, colours."""
    rows = []
    for name, image in photos.items():
        for k in ks:
            best = {}
            outputs = {}
            for contender, call in calls.items():  # untimed warm-up
                outputs[contender] = call(image, k)
            for _ in range(rounds):
                for contender, call in calls.items():
                    start = time.perf_counter()
                    outputs[contender] = call(image, k)
                    elapsed = time.perf_counter() - start
                    best[contender] = min(best.get(contender, np.inf), elapsed)
            for contender, output in outputs.items():
                colours = len(np.unique(output.reshape(-1, 3), axis=0))
                rows.append({"photo": name, "k": k, "contender": contender,
                             "seconds": best[contender], "psnr": psnr(image, output),
                             "ssim": ssim(image, output), "colours": colours})
    return rows


def table(rows: List[dict], rival: str = "libimagequant") -> List[str]:
    """The per-cell table (fastquant against ``rival``, then the other contenders' times)
    and the totals."""
    cells: Dict[tuple, Dict[str, dict]] = {}
    for row in rows:
        cells.setdefault((row["photo"], row["k"]), {})[row["contender"]] = row
    others = [c for c in next(iter(cells.values())) if c not in ("fastquant", rival)]
    lines = [f"{'photo':<28}{'K':>4} {'fq ms':>7}{'liq ms':>8}{'ratio':>7}"
             f"{'fq PSNR':>9}{'liq PSNR':>9}{'fq SSIM':>9}{'liq SSIM':>9}"
             + "".join(f"{c + ' ms':>14}" for c in others)]
    totals = {c: 0.0 for c in cells[next(iter(cells))]}
    faster = psnr_ok = ssim_ok = 0
    for (photo, k), cell in cells.items():
        fq, liq = cell["fastquant"], cell[rival]
        for contender, row in cell.items():
            totals[contender] += row["seconds"]
        faster += fq["seconds"] < liq["seconds"]
        psnr_ok += fq["psnr"] >= liq["psnr"]
        ssim_ok += fq["ssim"] >= liq["ssim"]
        lines.append(
            f"{photo:<28}{k:>4} {1e3 * fq['seconds']:7.1f}{1e3 * liq['seconds']:8.1f}"
            f"{liq['seconds'] / fq['seconds']:6.2f}x{fq['psnr']:9.2f}{liq['psnr']:9.2f}"
            f"{fq['ssim']:9.4f}{liq['ssim']:9.4f}"
            + "".join(f"{1e3 * cell[c]['seconds']:14.1f}" for c in others))
    n = len(cells)
    lines.append("total seconds: " + ", ".join(f"{c} {t:.2f}" for c, t in totals.items())
                 + f"; {rival}/fastquant {totals[rival] / totals['fastquant']:.2f}x")
    lines.append(f"fastquant faster in {faster} of {n} cells, PSNR >= in {psnr_ok}, "
                 f"SSIM >= in {ssim_ok}")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--dither", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ks", type=int, nargs="+", default=list(KS))
    parser.add_argument("--only", nargs="+", help="photo names (stems) to keep")
    parser.add_argument("--full-size", action="store_true",
                        help="the photos as they are (1920x1280), not the 768x512 downscales")
    parser.add_argument("--space", help="fastquant's space= (default: its own default)")
    parser.add_argument("--json", type=Path, help="write the rows here")
    args = parser.parse_args()
    paths = sorted(args.images.glob("*_1920.jpg"))
    if args.only:
        paths = [p for p in paths if any(p.stem.startswith(o) for o in args.only)]
    if not paths:
        raise SystemExit(f"no *_1920.jpg photos in {args.images}")
    photos = {p.name: load_downscaled(p, None if args.full_size else SIZE) for p in paths}
    rows = measure(photos, contenders(args.dither, args.space), args.ks, args.rounds)
    for line in table(rows):
        print(line)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()

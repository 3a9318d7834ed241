"""The ``fastquant`` command: reduce an image to K colours with k-means."""

import argparse
import sys
import time
from importlib import resources
from pathlib import Path
from typing import List, Optional

import numpy as np

from ._imagefile import read_image, write_image
from ._kmeans import kmeans
from ._rng import setRNGSeed
from .constants import KMEANS_PP_CENTERS, TERM_CRITERIA_COUNT, TERM_CRITERIA_EPS

#: The tutorial's criteria: at most 10 passes, or centers moving less than 1.0.
TUTORIAL_CRITERIA = (TERM_CRITERIA_EPS + TERM_CRITERIA_COUNT, 10, 1.0)


def example_path() -> Path:
    """Path of the photo shipped with the package (messi.jpg)."""
    return Path(str(resources.files("fastquant") / "data" / "messi.jpg"))


def quantize_pixels(image: np.ndarray, k: int, attempts: int):
    """Cluster the pixels of an 8-bit image; return (quantized image, PSNR in dB)."""
    pixels = image.reshape(-1, image.shape[2] if image.ndim == 3 else 1)
    compactness, labels, centers = kmeans(
        pixels, k, None, TUTORIAL_CRITERIA, attempts, KMEANS_PP_CENTERS
    )
    palette = np.clip(np.rint(centers), 0, 255).astype(np.uint8)
    quantized = palette[labels.ravel()].reshape(image.shape)
    mse = np.mean((quantized.astype(np.float64) - image) ** 2)
    psnr = float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)
    return quantized, psnr


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fastquant", description="Reduce an 8-bit image to K colours with k-means."
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("input", nargs="?", help="image file to quantize")
    source.add_argument("--example", action="store_true", help="use the photo shipped with fastquant")
    parser.add_argument("-k", type=int, required=True, help="number of colours (K)")
    parser.add_argument("-o", "--output", required=True, help="output image file")
    parser.add_argument("--attempts", type=int, default=1, help="k-means attempts (default 1)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the generator")
    parser.add_argument("--force", action="store_true", help="replace an existing output")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 failed, 2 usage error)."""
    parser = _parser()
    args = parser.parse_args(argv)
    source = example_path() if args.example else Path(args.input)
    if args.k < 1:
        parser.error(f"-k must be at least 1, got {args.k}")
    if args.attempts < 1:
        parser.error(f"--attempts must be at least 1, got {args.attempts}")
    try:
        image = read_image(source)
        if image.dtype != np.uint8 or image.ndim not in (2, 3):
            raise ValueError(f"input {str(source)!r} is not an 8-bit grayscale or colour image")
        if args.seed is not None:
            setRNGSeed(args.seed)
        start = time.perf_counter()
        quantized, psnr = quantize_pixels(image, args.k, args.attempts)
        elapsed = time.perf_counter() - start
        write_image(args.output, quantized, overwrite=args.force, protect=[source])
    except (OSError, ValueError, TypeError) as exc:
        print(f"fastquant: error: {exc}", file=sys.stderr)
        return 1
    print(
        f"{source.name}: {image.shape[1]}x{image.shape[0]}, K={args.k}, "
        f"PSNR {psnr:.2f} dB, {elapsed:.2f} s -> {args.output}"
    )
    return 0

"""The ``fastquant`` command: images in K colours."""

import argparse
import sys
import time
from importlib import resources
from pathlib import Path
from typing import List, Optional, Sequence

from ._imageread import read_image
from ._imagewrite import write_image
from ._sheet import comparison_sheet
from ._quantize import SPACES, Quantized, quantize

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def example_path() -> Path:
    """Path of the photo shipped with the package (messi.jpg)."""
    return Path(str(resources.files("fastquant") / "data" / "messi.jpg"))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fastquant",
        description="Reduce images to K colours with k-means (indexed PNG/GIF output).",
        epilog="exit status: 0 success, 1 some inputs failed, 2 usage error",
    )
    parser.add_argument("inputs", nargs="*", metavar="INPUT", help="image files")
    parser.add_argument("--example", action="store_true", help="use the photo shipped with fastquant")
    parser.add_argument("-k", type=int, help="number of colours (K)")
    parser.add_argument("-o", "--output", help="output file (one input, or the --compare sheet)")
    parser.add_argument("-d", "--outdir", help="output folder: writes <name>-k<K>.<format> per input")
    parser.add_argument("--format", default="png", help="output format with -d (default png)")
    parser.add_argument("--attempts", type=int, default=1, help="k-means attempts (default 1)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the generator")
    parser.add_argument("--dither", action="store_true", help="Floyd-Steinberg dithering")
    parser.add_argument("--space", choices=SPACES, default="rgb", help="clustering space")
    parser.add_argument("--compare", metavar="K1,K2,...", help="write a comparison sheet for these K")
    parser.add_argument("--force", action="store_true", help="replace existing outputs")
    return parser


def _parse_ks(text: str, parser) -> List[int]:
    try:
        ks = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        parser.error(f"--compare takes comma-separated integers, got {text!r}")
    if not ks or min(ks) < 1:
        parser.error(f"--compare needs K values >= 1, got {text!r}")
    return ks


def _check_usage(args, parser) -> List[Path]:
    inputs = [Path(p) for p in args.inputs] + ([example_path()] if args.example else [])
    if not inputs:
        parser.error("give an INPUT file or --example")
    if args.attempts < 1:
        parser.error(f"--attempts must be at least 1, got {args.attempts}")
    if args.compare:
        if len(inputs) != 1 or not args.output or args.outdir:
            parser.error("--compare takes one input and -o SHEET")
        return inputs
    if args.k is None or args.k < 1:
        parser.error("-k K (at least 1) is required")
    if bool(args.output) == bool(args.outdir):
        parser.error("give either -o OUTPUT (one input) or -d OUTDIR")
    if args.output and len(inputs) != 1:
        parser.error("-o takes one input; use -d OUTDIR for several")
    return inputs


def _quantize(args, image, k) -> Quantized:
    return quantize(image, k, attempts=args.attempts, seed=args.seed, dither=args.dither,
                    space=args.space)


def _write(result: Quantized, path: Path, source: Path, force: bool):
    write_image(path, result.image, overwrite=force, protect=[source],
                palette=result.palette, labels=result.labels)


class _Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, total: int):
        self.total = total
        self.shown = sys.stderr.isatty() and total > 1

    def update(self, done: int, name: str):
        if self.shown:
            filled = 30 * done // self.total
            bar = "#" * filled + "." * (30 - filled)
            print(f"\r[{bar}] {done}/{self.total} {name[:40]:<40}", end="", file=sys.stderr, flush=True)

    def close(self):
        if self.shown:
            print(file=sys.stderr)


def _error(message: str):
    print(f"fastquant: error: {message}", file=sys.stderr)


def _run_compare(args, source: Path, parser) -> int:
    ks = _parse_ks(args.compare, parser)
    try:
        image = read_image(source)
        panels = [(image, "original")]
        for k in ks:
            result = _quantize(args, image, k)
            panels.append((result.image, f"K={k} {result.psnr:.2f} dB"))
        write_image(args.output, comparison_sheet(panels), overwrite=args.force, protect=[source])
    except (OSError, ValueError, TypeError) as exc:
        _error(str(exc))
        return EXIT_FAILED
    print(f"{source.name}: comparison of K = {', '.join(map(str, ks))} -> {args.output}")
    return EXIT_OK


def _run_batch(args, inputs: Sequence[Path]) -> int:
    failed = 0
    progress = _Progress(len(inputs))
    for index, source in enumerate(inputs):
        progress.update(index, source.name)
        if args.output:
            target = Path(args.output)
        else:
            target = Path(args.outdir) / f"{source.stem}-k{args.k}.{args.format.lstrip('.')}"
        try:
            image = read_image(source)
            start = time.perf_counter()
            result = _quantize(args, image, args.k)
            elapsed = time.perf_counter() - start
            if args.outdir:
                target.parent.mkdir(parents=True, exist_ok=True)
            _write(result, target, source, args.force)
        except (OSError, ValueError, TypeError) as exc:
            progress.close()
            _error(f"{source}: {exc}" if len(inputs) > 1 else str(exc))
            failed += 1
            continue
        if not progress.shown:
            print(
                f"{source.name}: {image.shape[1]}x{image.shape[0]}, K={args.k}, "
                f"{len(result.palette)} colours, PSNR {result.psnr:.2f} dB, {elapsed:.2f} s -> {target}"
            )
    progress.update(len(inputs), "done")
    progress.close()
    if failed and len(inputs) > 1:
        _error(f"{failed} of {len(inputs)} inputs failed")
    return EXIT_FAILED if failed else EXIT_OK


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 failed, 2 usage error)."""
    parser = _parser()
    args = parser.parse_args(argv)
    inputs = _check_usage(args, parser)
    if args.compare:
        return _run_compare(args, inputs[0], parser)
    return _run_batch(args, inputs)

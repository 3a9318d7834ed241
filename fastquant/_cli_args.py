"""The ``fastquant`` command's arguments: the parser, and the checks of their
combinations (every usage error is one line of standard error and exit status 2)."""

import argparse
from importlib import resources
from pathlib import Path
from typing import List, NoReturn, Optional, Sequence

from ._cli_report import EXIT_STATUS, EXIT_USAGE, error
from ._dithering import METHODS
from ._files import SKIPPED_LARGER, SKIPPED_QUALITY, check_outputs, output_paths
from ._imageread import MAX_PIXELS
from ._quantize import SPACES


def example_path() -> Path:
    """Path of the photo shipped with the package (messi.jpg)."""
    return Path(str(resources.files("fastquant") / "data" / "messi.jpg"))


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error told in one line of standard error."""

    def error(self, message: str) -> NoReturn:
        error(f"{message} (see {self.prog} --help)")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="fastquant",
        description="Reduce images to K colours with k-means (indexed PNG/GIF output). "
                    "'fastquant bench --help': time fastquant against the k-means "
                    "libraries installed here.",
        epilog=EXIT_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("inputs", nargs="*", metavar="INPUT", help="image files")
    parser.add_argument("--example", action="store_true", help="use the photo shipped with fastquant")
    parser.add_argument("-k", type=int, help="number of colours (K)")
    parser.add_argument("-o", "--output", help="output file (one input, or the --compare sheet)")
    parser.add_argument("-d", "--outdir", help="output folder: writes <name>-k<K>.<format> per input")
    parser.add_argument("--format", default="png", help="output format with -d (default png)")
    parser.add_argument("--attempts", type=int, default=None,
                        help="k-means attempts (default: quantize's, 5 up to K=16, else 1)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the generator")
    parser.add_argument(
        "--dither", nargs="?", const="1", metavar="STRENGTH",
        help="dither; STRENGTH in [0, 1] is the share of the error diffused (default 1)")
    parser.add_argument(
        "--dither-method", choices=METHODS,
        help="floyd (error diffusion, the default) or ordered (8x8 Bayer pattern: stable "
        "across the frames of an animation); implies --dither")
    parser.add_argument("--per-frame", action="store_true",
                        help="animated input: one palette per frame (default: one for all)")
    parser.add_argument("--palette", metavar="FILE",
                        help="remap onto the colours of FILE (an indexed PNG/GIF's palette, or "
                        "the distinct colours of a small image), in their order")
    parser.add_argument("--shared-palette", action="store_true",
                        help="with -d: fit one palette of K colours on all inputs, remap each")
    parser.add_argument("--quality", metavar="MIN-MAX",
                        help="PSNR in dB: the smallest K up to -k (default 256) reaching MAX; "
                        f"below MIN nothing is written (exit {SKIPPED_QUALITY})")
    parser.add_argument("--skip-if-larger", action="store_true",
                        help=f"write nothing when the output would be larger than the input "
                        f"(exit {SKIPPED_LARGER})")
    parser.add_argument("--strip", action="store_true",
                        help="drop metadata (accepted for pngquant's sake: fastquant never "
                        "writes any)")
    parser.add_argument("--space", choices=SPACES, default="rgb", help="clustering space")
    parser.add_argument("--compare", metavar="K1,K2,...", help="write a comparison sheet for these K")
    parser.add_argument("--force", action="store_true", help="replace existing outputs (never an input)")
    parser.add_argument(
        "--max-pixels", type=int, default=MAX_PIXELS, metavar="N",
        help=f"refuse images of more than N pixels, read from the header before decoding "
        f"(default {MAX_PIXELS:,}; 0 = no limit)",
    )
    parser.add_argument(
        "--scheduler", metavar="ADDRESS",
        help="with -d: quantize the files on a dask cluster, at a scheduler ADDRESS "
        "(tcp://host:8786) or 'local' for a local cluster (needs the dask extra)",
    )
    return parser


def parse_ks(text: str, parser) -> List[int]:
    try:
        ks = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        parser.error(f"--compare takes comma-separated integers, got {text!r}")
    if not ks or min(ks) < 1:
        parser.error(f"--compare needs K values >= 1, got {text!r}")
    return ks


def check_usage(args, parser) -> List[Path]:
    inputs = [Path(p) for p in args.inputs] + ([example_path()] if args.example else [])
    args.dither = _dither(args, parser, inputs)
    if not inputs:
        parser.error("give an INPUT file or --example")
    if args.attempts is not None and args.attempts < 1:
        parser.error(f"--attempts must be at least 1, got {args.attempts}")
    if args.max_pixels < 0:
        parser.error(f"--max-pixels must be 0 (no limit) or more, got {args.max_pixels}")
    if args.compare:
        if len(inputs) != 1 or not args.output or args.outdir:
            parser.error("--compare takes one input and -o SHEET")
        _check_outputs(inputs, [args.output], parser)
        return inputs
    args.quality = _parse_quality(args.quality, parser)
    if args.k is None and (args.quality or args.palette):
        args.k = 256
    if args.k is None or args.k < 1:
        parser.error("-k K (at least 1) is required")
    if args.palette and args.shared_palette:
        parser.error("give either --palette FILE or --shared-palette")
    if args.shared_palette and not args.outdir:
        parser.error("--shared-palette takes -d OUTDIR")
    if bool(args.output) == bool(args.outdir):
        parser.error("give either -o OUTPUT (one input) or -d OUTDIR")
    if args.output and len(inputs) != 1:
        parser.error("-o takes one input; use -d OUTDIR for several")
    if args.scheduler and not args.outdir:
        parser.error("--scheduler takes -d OUTDIR")
    local_only = [flag for flag, given in (
        ("--palette", args.palette), ("--shared-palette", args.shared_palette),
        ("--quality", args.quality), ("--skip-if-larger", args.skip_if_larger),
        ("--per-frame", args.per_frame)) if given]
    if args.scheduler and local_only:
        parser.error(f"--scheduler does not take {', '.join(local_only)}")
    if args.outdir:
        try:
            output_paths(inputs, args.outdir, args.k, args.format)
        except ValueError as exc:
            parser.error(str(exc))
    else:
        _check_outputs(inputs, [args.output], parser)
    return inputs


def _dither(args, parser, inputs: List[Path]):
    """The ``dither=`` value of --dither [STRENGTH] and --dither-method."""
    strength = None
    if args.dither is not None:
        try:
            strength = float(args.dither)
        except ValueError:  # no STRENGTH: an input file followed --dither
            inputs.append(Path(args.dither))
            strength = 1.0
        if not 0.0 <= strength <= 1.0:
            parser.error(f"--dither STRENGTH must be in [0, 1], got {args.dither}")
    if args.dither_method == "ordered":
        return "ordered" if strength != 0.0 else False
    if args.dither_method == "floyd" and strength is None:
        return True
    return strength or False


def _parse_quality(text: Optional[str], parser):
    """(MIN, MAX) of --quality MIN-MAX (or MAX alone, MIN 0), None without it."""
    if text is None:
        return None
    low, _, high = text.rpartition("-")
    try:
        bounds = (float(low) if low else 0.0, float(high))
    except ValueError:
        parser.error(f"--quality takes MIN-MAX in dB (such as 30-40), got {text!r}")
    if not 0 <= bounds[0] <= bounds[1] or bounds[1] <= 0:
        parser.error(f"--quality needs 0 <= MIN <= MAX and MAX > 0, got {text!r}")
    return bounds


def _check_outputs(inputs: Sequence[Path], outputs: Sequence[str], parser) -> None:
    try:
        check_outputs(inputs, outputs)
    except ValueError as exc:
        parser.error(str(exc))

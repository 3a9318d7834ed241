"""The ``fastquant`` command: images in K colours."""

import argparse
import os
import sys
from importlib import resources
from pathlib import Path
from typing import List, NoReturn, Optional, Sequence, TextIO

from ._dithering import METHODS
from ._files import (SKIPPED_LARGER, SKIPPED_QUALITY, FileResult, check_outputs, output_paths,
                     quantize_file, read_palette)
from ._frames import frame_count, read_frames
from ._imageread import MAX_PIXELS, read_image
from ._imagewrite import write_image
from ._palette import palette
from ._quantize import SPACES, Quantized, quantize
from ._sheet import comparison_sheet

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
#: Ctrl-C (SIGINT), as shells report a process it ended (128 + 2).
EXIT_INTERRUPTED = 130
#: Standard output closed by its reader (``| head``), as shells report SIGPIPE (128 + 13).
EXIT_BROKEN_PIPE = 141

_EXIT_STATUS = f"""exit status:
  {EXIT_OK}    every input was written
  {EXIT_FAILED}    some inputs failed (unreadable, too large, output exists, write failed);
       the others were written
  {EXIT_USAGE}    usage error (bad option, output that would replace an input, output
       that is a folder or has no extension, bad --scheduler address); nothing written
  {SKIPPED_LARGER}   --skip-if-larger: some output would have been larger than its input
       (not written; others were)
  {SKIPPED_QUALITY}   --quality: some result was below MIN (not written; others were)
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C); files being written are removed
  {EXIT_BROKEN_PIPE}  standard output was closed (e.g. piped to head); stops quietly
every error is one line on standard error, starting "fastquant: error:"
"""


def example_path() -> Path:
    """Path of the photo shipped with the package (messi.jpg)."""
    return Path(str(resources.files("fastquant") / "data" / "messi.jpg"))


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error told in one line of standard error."""

    def error(self, message: str) -> NoReturn:
        _error(f"{message} (see {self.prog} --help)")
        raise SystemExit(EXIT_USAGE)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="fastquant",
        description="Reduce images to K colours with k-means (indexed PNG/GIF output). "
                    "'fastquant bench --help': time fastquant against the k-means "
                    "libraries installed here.",
        epilog=_EXIT_STATUS,
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


def _quantize(args, image, k) -> Quantized:
    return quantize(image, k, attempts=args.attempts, seed=args.seed, dither=args.dither,
                    space=args.space)


class _Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, total: int):
        self.total = total
        self.shown = sys.stderr.isatty() and total > 1

    def update(self, done: int, name: str):
        if self.shown:
            filled = 30 * done // self.total
            bar = "#" * filled + "." * (30 - filled)
            _write(sys.stderr, f"\r[{bar}] {done}/{self.total} {name[:40]:<40}", end="")
            sys.stderr.flush()

    def close(self):
        if self.shown:
            _write(sys.stderr, "")


def _printable(text: str, encoding: str) -> str:
    """``text`` as the stream can show it: bytes of a file name that were not
    UTF-8 (kept by Python as surrogates) as ``\\xNN``, other characters the
    encoding lacks as backslash escapes."""
    try:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # surrogates that are no file-name bytes
        pass
    return text.encode(encoding, "backslashreplace").decode(encoding)


def _write(stream: Optional[TextIO], text: str, end: str = "\n") -> None:
    """Print a line that never fails on the characters it holds (None: no stream)."""
    if stream is not None:
        print(_printable(text, getattr(stream, "encoding", None) or "utf-8"), end=end, file=stream)


def _say(text: str) -> None:
    _write(sys.stdout, text)


def _error(message: str):
    _write(sys.stderr, f"fastquant: error: {message}")


def _run_compare(args, source: Path, parser) -> int:
    ks = _parse_ks(args.compare, parser)
    try:
        image = read_image(source, max_pixels=args.max_pixels)
        panels = [(image, "original")]
        for k in ks:
            result = _quantize(args, image, k)
            panels.append((result.image, f"K={k} {result.psnr:.2f} dB"))
        write_image(args.output, comparison_sheet(panels), overwrite=args.force, protect=[source])
    except (OSError, ValueError, TypeError, MemoryError) as exc:
        _error(str(exc) or type(exc).__name__)
        return EXIT_FAILED
    _say(f"{source.name}: comparison of K = {', '.join(map(str, ks))} -> {args.output}")
    return EXIT_OK


class _BatchReport:
    """Reports each finished file (in the order they finish) and counts failures."""

    def __init__(self, args, n_inputs: int):
        self.k = args.k
        self.n_inputs = n_inputs
        self.done = 0
        self.failed = 0
        self.skipped = set()
        self.progress = _Progress(n_inputs)

    def __call__(self, result: FileResult):
        self.done += 1
        if result.ok:
            if not self.progress.shown:
                _say(result.summary(self.k))
        else:
            self.progress.close()
            if result.skipped:
                self.skipped.add(result.skipped)
            else:
                self.failed += 1
            _error(f"{result.source}: {result.error}" if self.n_inputs > 1 else result.error)
        self.progress.update(self.done, Path(result.source).name)

    def exit_status(self) -> int:
        self.progress.close()
        if self.failed and self.n_inputs > 1:
            _error(f"{self.failed} of {self.n_inputs} inputs failed")
        if self.failed:
            return EXIT_FAILED
        return max(self.skipped, default=EXIT_OK)


def _options(args) -> dict:
    return dict(attempts=args.attempts, seed=args.seed, dither=args.dither, space=args.space,
                force=args.force, max_pixels=args.max_pixels)


def _local_options(args, colours) -> dict:
    """The options of a local batch: those of a dask one and pngquant's habits."""
    return dict(_options(args), palette=colours, quality=args.quality,
                skip_if_larger=args.skip_if_larger, per_frame=args.per_frame)


def _palette_colours(args, inputs: Sequence[Path]):
    """The colours of --palette FILE, or of one palette fitted on all the inputs
    (--shared-palette: every frame of every input), or None."""
    if args.palette:
        return read_palette(args.palette, max_pixels=args.max_pixels)
    if not args.shared_palette:
        return None
    images = []
    for source in inputs:
        if frame_count(source) > 1:
            images.extend(read_frames(source, max_pixels=args.max_pixels).images)
        else:
            images.append(read_image(source, max_pixels=args.max_pixels))
    return palette(images, args.k, space=args.space, seed=args.seed,
                   attempts=args.attempts).colors


def _run_batch(args, inputs: Sequence[Path]) -> int:
    try:
        colours = _palette_colours(args, inputs)
    except (OSError, ValueError, TypeError, MemoryError) as exc:
        _error(f"{'--palette' if args.palette else '--shared-palette'}: {exc}")
        return EXIT_FAILED
    report = _BatchReport(args, len(inputs))
    if args.output:
        report(quantize_file(inputs[0], args.output, args.k, **_local_options(args, colours)))
        return report.exit_status()
    for source, target in zip(inputs, output_paths(inputs, args.outdir, args.k, args.format)):
        report(quantize_file(source, target, args.k, make_parents=True,
                             **_local_options(args, colours)))
    return report.exit_status()


def _run_on_dask(args, inputs: Sequence[Path], parser) -> int:
    try:
        from .dask._files import check_scheduler_address, quantize_files, scheduler_client
    except ImportError as exc:
        parser.error(f"--scheduler needs the dask extra (pip install 'fastquant[dask]'): {exc}")
    try:
        check_scheduler_address(args.scheduler)
    except ValueError as exc:
        parser.error(f"--scheduler: {exc}")
    report = _BatchReport(args, len(inputs))
    try:
        with scheduler_client(args.scheduler) as client:
            quantize_files(inputs, args.k, args.outdir, format=args.format, client=client,
                           on_result=report, **_options(args))
    except BrokenPipeError:
        raise
    except OSError as exc:  # the scheduler cannot be reached
        _error(f"--scheduler {args.scheduler}: {exc}")
        return EXIT_FAILED
    return report.exit_status()


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line; return the exit status (see ``fastquant --help``).

    0 every input written, 1 some inputs failed, 2 usage error (nothing written),
    130 interrupted, 141 standard output closed.  Usage errors raise
    ``SystemExit(2)`` after their one-line message.
    """
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        if args[:1] == ["bench"]:
            from ._bench import main as bench_main

            status = bench_main(args[1:])
        else:
            status = _main(args)
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        _drop_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED
    return status


def _drop_stdout() -> None:
    """Point standard output at the null device, so that what is still buffered
    does not fail again when the interpreter exits."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (tests, none)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, descriptor)
    finally:
        os.close(devnull)


def _main(argv: Optional[List[str]]) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    inputs = _check_usage(args, parser)
    if args.compare:
        return _run_compare(args, inputs[0], parser)
    if args.scheduler:
        return _run_on_dask(args, inputs, parser)
    return _run_batch(args, inputs)

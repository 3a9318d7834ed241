"""The ``fastquant`` command: images in K colours (arguments in ``_cli_args``, what it
prints in ``_cli_report``)."""

import os
import sys
from pathlib import Path
from typing import List, Optional, Sequence

from ._cli_args import build_parser, check_usage, example_path, parse_ks
from ._cli_report import (EXIT_BROKEN_PIPE, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, BatchReport,
                          error, say)
from ._files import output_paths, quantize_file, read_palette
from ._frames import frame_count, read_frames
from ._imageread import read_image
from ._imagewrite import write_image
from ._palette import palette
from ._quantize import Quantized, quantize
from ._sheet import comparison_sheet

__all__ = ["main", "example_path"]


def _quantize(args, image, k) -> Quantized:
    return quantize(image, k, attempts=args.attempts, seed=args.seed, dither=args.dither,
                    space=args.space)


def _run_compare(args, source: Path, parser) -> int:
    ks = parse_ks(args.compare, parser)
    try:
        image = read_image(source, max_pixels=args.max_pixels)
        panels = [(image, "original")]
        for k in ks:
            result = _quantize(args, image, k)
            panels.append((result.image, f"K={k} {result.psnr:.2f} dB"))
        write_image(args.output, comparison_sheet(panels), overwrite=args.force, protect=[source])
    except (OSError, ValueError, TypeError, MemoryError) as exc:
        error(str(exc) or type(exc).__name__)
        return EXIT_FAILED
    say(f"{source.name}: comparison of K = {', '.join(map(str, ks))} -> {args.output}")
    return EXIT_OK


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
        error(f"{'--palette' if args.palette else '--shared-palette'}: {exc}")
        return EXIT_FAILED
    report = BatchReport(args, len(inputs))
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
    report = BatchReport(args, len(inputs))
    try:
        with scheduler_client(args.scheduler) as client:
            quantize_files(inputs, args.k, args.outdir, format=args.format, client=client,
                           on_result=report, **_options(args))
    except BrokenPipeError:
        raise
    except OSError as exc:  # the scheduler cannot be reached
        error(f"--scheduler {args.scheduler}: {exc}")
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
        error("interrupted")
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
    parser = build_parser()
    args = parser.parse_args(argv)
    inputs = check_usage(args, parser)
    if args.compare:
        return _run_compare(args, inputs[0], parser)
    if args.scheduler:
        return _run_on_dask(args, inputs, parser)
    return _run_batch(args, inputs)

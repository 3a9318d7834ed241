"""``fastquant.dask.quantize_files``: a batch of images, one task per file on a cluster."""

from contextlib import contextmanager
from typing import Callable, Iterator, List, Optional, Sequence

from distributed import Client, LocalCluster, as_completed, default_client
from distributed.comm.addressing import parse_address
from distributed.comm.registry import get_backend

from .._files import FileResult, output_paths, quantize_file
from .._imageread import MAX_PIXELS, PathLike, as_path, check_max_pixels
from .._validation import positive_int


def check_scheduler_address(address: str) -> None:
    """Refuse a scheduler address that no client could connect to, before trying.

    ``"local"`` and ``scheme://host:port`` (any scheme distributed knows; ``tcp``
    when left out) are accepted; whether the scheduler answers is not checked.

    Raises
    ------
    ValueError
        Naming the address and what is wrong with it (unknown scheme, no port).
    """
    if address == "local":
        return
    try:
        scheme, location = parse_address(address)
        get_backend(scheme).get_address_host(location)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"scheduler address {address!r} is not usable: {exc}") from None


@contextmanager
def scheduler_client(address: str) -> Iterator[Client]:
    """A client of the dask scheduler at ``address``, or of a new local cluster of
    process workers for ``"local"``; closed (with the local cluster) on exit.

    Raises
    ------
    ValueError
        ``address`` is not a usable address (see :func:`check_scheduler_address`).
    OSError
        The scheduler cannot be reached.
    """
    check_scheduler_address(address)
    if address == "local":
        with LocalCluster(processes=True, dashboard_address=":0") as cluster, Client(cluster) as client:
            yield client
    else:
        with Client(address) as client:
            yield client


def quantize_files(
    paths: Sequence[PathLike],
    k: int,
    out_dir: PathLike,
    *,
    format: str = "png",
    attempts: Optional[int] = None,
    seed: Optional[int] = None,
    dither: bool = False,
    space: str = "rgb",
    force: bool = False,
    client: Optional[Client] = None,
    on_result: Optional[Callable[[FileResult], None]] = None,
    max_pixels: Optional[int] = MAX_PIXELS,
) -> List[FileResult]:
    """Quantize image files to ``k`` colours on a dask cluster, one task per file.

    Each worker reads its file, quantizes it with :func:`fastquant.quantize` and
    writes ``<out_dir>/<stem>-k<K>.<format>`` atomically. The batch is refused before
    any task starts when an output would be one of the inputs (see
    :func:`fastquant._files.check_outputs`). The workers must see the same file system
    as the client (paths are made absolute).

    Parameters
    ----------
    paths : sequence of str, bytes or Path
        The input images.
    k : int
        Number of colours.
    out_dir : str or Path
        Output folder, created when missing.
    format : str
        Output format (file suffix): png and gif are written indexed.
    attempts, seed, dither, space
        As for :func:`fastquant.quantize`.
    force : bool
        Replace existing outputs.
    client : distributed.Client, optional
        Default: the current client (``distributed.default_client()``).
    on_result : callable, optional
        Called on the client with each :class:`~fastquant._files.FileResult` as
        its file finishes (for progress).
    max_pixels : int or None
        Largest image a worker reads, in pixels; None or 0: no limit (see
        :func:`fastquant._imageread.read_image`).

    Returns
    -------
    list of FileResult
        One per input, in input order; a file that failed carries its ``error``
        (unreadable input, existing output, or a worker lost twice) and the others
        are still done.

    Raises
    ------
    ValueError
        ``k`` below 1, ``max_pixels`` negative, no client, two inputs that would
        write the same file, or an output that would be one of the inputs.
    TypeError
        ``max_pixels`` is not an integer or None.
    """
    n_colours = positive_int(k, "k")
    check_max_pixels(max_pixels)
    client = client if client is not None else default_client()
    sources = [as_path(path).absolute() for path in paths]
    targets = output_paths(sources, as_path(out_dir).absolute(), n_colours, format)
    options = dict(attempts=attempts, seed=seed, dither=dither, space=space, force=force,
                   make_parents=True, max_pixels=max_pixels)
    futures = {
        client.submit(quantize_file, source, target, n_colours, pure=False, **options): index
        for index, (source, target) in enumerate(zip(sources, targets))
    }
    results: List[Optional[FileResult]] = [None] * len(sources)
    for future in as_completed(futures):
        index = futures[future]
        try:
            result = future.result()
        except Exception as exc:  # the task itself failed: a lost worker, a crash
            result = FileResult(str(sources[index]), str(targets[index]),
                                error=f"{type(exc).__name__}: {exc}")
        results[index] = result
        if on_result is not None:
            on_result(result)
    return results

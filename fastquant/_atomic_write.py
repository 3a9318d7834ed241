"""Writing a file atomically: a temporary file in the destination's folder replaces
the destination only once it is complete, and is removed on any failure or on
SIGTERM/SIGINT/SIGHUP during the write; checks of the destination before."""

from __future__ import annotations

import os
import secrets
import signal
import stat
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from ._imageread import PathLike, as_path

#: Signals that, arriving during a write, remove the temporary file before they act.
_CLEANUP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class LargerThanInputError(ValueError):
    """The file written would be larger than allowed (``--skip-if-larger``)."""


def write_with(path: Path, write: Callable[[str], None], *, max_size: Optional[int] = None) -> None:
    """Run ``write`` on a temporary file beside ``path``, then move it to ``path``
    (the atomic part of ``write_image``, for callers with their own encoder;
    ``path`` must have passed :func:`check_destination`).

    Raises
    ------
    LargerThanInputError
        The written file has more than ``max_size`` bytes; nothing was written.
    """
    with _signals_removing_temporary(path):
        temporary = _create_temporary(path)
        try:
            write(temporary)
            size = os.path.getsize(temporary)
            if max_size is not None and size > max_size:
                raise LargerThanInputError(
                    f"output {str(path)!r} would be {size:,} bytes, larger than the input's "
                    f"{max_size:,}; not written")
            _keep_mode(path, temporary)
            os.replace(temporary, path)
        except BaseException:
            try:
                os.unlink(temporary)
            except FileNotFoundError:
                pass
            raise


def check_output_name(path: Path) -> None:
    """Refuse a destination that is a folder, or without extension (which names no format).

    Raises
    ------
    IsADirectoryError
        ``path`` is a folder.
    ValueError
        ``path`` has no extension.
    """
    if path.is_dir():
        raise IsADirectoryError(f"output {str(path)!r} is a folder, not a file name")
    if not path.suffix:
        raise ValueError(
            f"output {str(path)!r} has no extension to choose its format (such as .png or .gif)"
        )


def check_destination(path: Path, overwrite: bool, protect: Iterable[PathLike]) -> None:
    """Refuse a bad output name, a protected file, or a file that exists without ``overwrite``."""
    check_output_name(path)
    if not path.exists():
        return
    for other in protect:
        try:
            same = os.path.samefile(path, as_path(other))
        except OSError:  # a protected file that does not exist is not this one
            same = False
        if same:
            raise FileExistsError(f"output {str(path)!r} is the input file; refusing to overwrite it")
    if not overwrite:
        raise FileExistsError(f"output {str(path)!r} already exists (use --force to replace it)")


def _keep_mode(path: Path, temporary: str) -> None:
    """Give ``temporary`` the permission bits of the file it replaces, if there is one."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return
    os.chmod(temporary, mode)


class _Signalled(BaseException):
    """A cleanup signal arrived while a file was being written."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextmanager
def _signals_removing_temporary(path: Path) -> Iterator[None]:
    """Turn the cleanup signals into :class:`_Signalled` while the block runs.

    The block's own ``except``/``finally`` clauses thus run (removing the
    temporary file); then the previous handlers are put back and the signal is
    passed on to the one it was meant for: the default action (ending the
    process) or the handler Python code had installed.  Signals that were
    ignored stay ignored.  Only the main thread can set handlers; elsewhere
    the block runs as it is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def raise_signalled(signum, frame):
        raise _Signalled(signum)

    previous = {}
    try:
        for signum in _CLEANUP_SIGNALS:
            if signal.getsignal(signum) not in (signal.SIG_IGN, None):
                previous[signum] = signal.signal(signum, raise_signalled)
        yield
    except _Signalled as caught:
        handler = previous[caught.signum]
        _restore(previous)
        if callable(handler):
            handler(caught.signum, None)
        else:  # the default action
            signal.raise_signal(caught.signum)
        name = signal.Signals(caught.signum).name
        raise InterruptedError(f"writing {str(path)!r} was interrupted by {name}") from None
    finally:
        _restore(previous)


def _restore(previous: dict) -> None:
    """Put back the signal handlers saved in ``previous`` (and forget them)."""
    while previous:
        signum, handler = previous.popitem()
        signal.signal(signum, handler)


def _create_temporary(path: Path) -> str:
    """Create an empty, uniquely named hidden file beside ``path``; return its name.

    Unlike ``tempfile.mkstemp`` (which makes files readable by their owner
    only) the file gets the permissions of any new file under the umask, so
    the output has them too once it replaces ``path``.  Raises
    ``FileNotFoundError`` naming the folder when it is missing.
    """
    directory = path.parent
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        name = directory / f".{path.stem}-{secrets.token_hex(4)}{path.suffix}"
        try:
            handle = os.open(name, flags, 0o666)
        except FileExistsError:
            continue
        except (FileNotFoundError, NotADirectoryError):
            raise FileNotFoundError(
                f"output folder {str(directory)!r} of {str(path)!r} does not exist"
            ) from None
        os.close(handle)
        return str(name)
    raise FileExistsError(f"no free temporary file name beside {str(path)!r}")

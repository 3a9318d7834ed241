"""What the ``fastquant`` command tells its user: exit statuses, lines that never fail on
the characters they hold, a progress bar on a terminal, and the report of a batch."""

import sys
from pathlib import Path
from typing import Optional, TextIO

from ._files import SKIPPED_LARGER, SKIPPED_QUALITY, FileResult

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
#: Ctrl-C (SIGINT), as shells report a process it ended (128 + 2).
EXIT_INTERRUPTED = 130
#: Standard output closed by its reader (``| head``), as shells report SIGPIPE (128 + 13).
EXIT_BROKEN_PIPE = 141

EXIT_STATUS = f"""exit status:
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


class Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, total: int):
        self.total = total
        self.shown = sys.stderr.isatty() and total > 1

    def update(self, done: int, name: str):
        if self.shown:
            filled = 30 * done // self.total
            bar = "#" * filled + "." * (30 - filled)
            write(sys.stderr, f"\r[{bar}] {done}/{self.total} {name[:40]:<40}", end="")
            sys.stderr.flush()

    def close(self):
        if self.shown:
            write(sys.stderr, "")


def _printable(text: str, encoding: str) -> str:
    """``text`` as the stream can show it: bytes of a file name that were not
    UTF-8 (kept by Python as surrogates) as ``\\xNN``, other characters the
    encoding lacks as backslash escapes."""
    try:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # surrogates that are no file-name bytes
        pass
    return text.encode(encoding, "backslashreplace").decode(encoding)


def write(stream: Optional[TextIO], text: str, end: str = "\n") -> None:
    """Print a line that never fails on the characters it holds (None: no stream)."""
    if stream is not None:
        print(_printable(text, getattr(stream, "encoding", None) or "utf-8"), end=end, file=stream)


def say(text: str) -> None:
    write(sys.stdout, text)


def error(message: str):
    write(sys.stderr, f"fastquant: error: {message}")


class BatchReport:
    """Reports each finished file (in the order they finish) and counts failures."""

    def __init__(self, args, n_inputs: int):
        self.k = args.k
        self.n_inputs = n_inputs
        self.done = 0
        self.failed = 0
        self.skipped = set()
        self.progress = Progress(n_inputs)

    def __call__(self, result: FileResult):
        self.done += 1
        if result.ok:
            if not self.progress.shown:
                say(result.summary(self.k))
        else:
            self.progress.close()
            if result.skipped:
                self.skipped.add(result.skipped)
            else:
                self.failed += 1
            error(f"{result.source}: {result.error}" if self.n_inputs > 1 else result.error)
        self.progress.update(self.done, Path(result.source).name)

    def exit_status(self) -> int:
        self.progress.close()
        if self.failed and self.n_inputs > 1:
            error(f"{self.failed} of {self.n_inputs} inputs failed")
        if self.failed:
            return EXIT_FAILED
        return max(self.skipped, default=EXIT_OK)

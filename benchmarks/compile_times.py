"""Where a first run's time goes: every numba compile of a fastquant command, timed.

Runs a ``python -m fastquant`` command line (default: the README's first one,
``--example -k 8``) in this process and listens to numba's ``numba:compile`` events.
Each compile's CPU time is split into its own share (exclusive) and the compiles it
started (nested: helpers, numba's implementations of ``np.empty``, ``min`` ...); the
table lists the exclusive times per function, largest first, then the functions compiled
more than once (one line per specialisation: a dtype, layout or literal argument that
differs compiles again), each with the function whose compile first needed it. It
also gives the CPU time of Python's cyclic garbage collector in the run (paused during
fastquant's compiles and cache writes, see ``fastquant._jit``).

Every kernel compiles only in an empty cache, so run it with a fresh one::

    NUMBA_CACHE_DIR=$(mktemp -d) PYTHONPATH=. python benchmarks/compile_times.py
    NUMBA_CACHE_DIR=$(mktemp -d) PYTHONPATH=. python benchmarks/compile_times.py -- \
        photo.jpg -k 256 -o out.png --force

CPU time is steadier than wall time on a shared machine; compare two trees by running
this in each, in turn. The last line splits the wall time: CPU, the time the process's
threads waited for a free core (Linux's ``/proc/self/task/*/schedstat``; the whole gap
on a loaded machine) and the rest (sleeping, reading files, locks).
"""

import collections
import gc
import glob
import os
import sys
import tempfile
import time

from numba.core import event


class CompileTimer(event.Listener):
    """Exclusive and inclusive CPU seconds of each compile, with its signature and the
    function whose compile started it (empty for a call from Python)."""

    def __init__(self):
        self.open = []  # [start CPU time, CPU time of the compiles nested in it, name]
        self.records = []  # (exclusive, inclusive, name, signature, parent)

    def on_start(self, ev):
        self.open.append([time.process_time(), 0.0, _name(ev)])

    def on_end(self, ev):
        start, nested, name = self.open.pop()
        inclusive = time.process_time() - start
        parent = ""
        if self.open:
            self.open[-1][1] += inclusive
            parent = self.open[-1][2]
        self.records.append((inclusive - nested, inclusive, name, str(ev.data.get("args")),
                             parent))


def _name(ev):
    func = ev.data["dispatcher"].py_func
    return f"{func.__module__}.{func.__qualname__}".split(".<locals>")[0]


class CollectorTimer:
    """CPU seconds and number of the cyclic garbage collector's collections."""

    def __init__(self):
        self.seconds = 0.0
        self.count = 0
        self._start = 0.0

    def __call__(self, phase, info):
        if phase == "start":
            self._start = time.process_time()
        else:
            self.seconds += time.process_time() - self._start
            self.count += 1


def core_wait():
    """Seconds this process's threads have waited for a core since they started (0.0
    where Linux's per-thread scheduler statistics are not available)."""
    waited = 0
    for path in glob.glob("/proc/self/task/*/schedstat"):
        with open(path) as stats:
            waited += int(stats.read().split()[1])
    return waited / 1e9


def main(argv):
    if "--" in argv:
        command = argv[argv.index("--") + 1:]
    else:
        out = os.path.join(tempfile.mkdtemp(), "messi-8.png")
        command = ["--example", "-k", "8", "-o", out, "--force"]
    start = time.process_time()
    wall_start, wait_start = time.perf_counter(), core_wait()
    timer = CompileTimer()
    event.register("numba:compile", timer)
    collector = CollectorTimer()
    gc.callbacks.append(collector)
    import fastquant.cli

    imported = time.process_time()
    fastquant.cli.main(command)
    done = time.process_time()
    compiling = sum(record[0] for record in timer.records)
    print(f"import fastquant {imported - start:.2f} s CPU, run {done - imported:.2f} s CPU, of which "
          f"{len(timer.records)} compiles {compiling:.2f} s; garbage collector "
          f"{collector.seconds:.2f} s in {collector.count} collections")
    by_name = collections.defaultdict(float)
    count = collections.Counter()
    for exclusive, _, name, _, _ in timer.records:
        by_name[name] += exclusive
        count[name] += 1
    print(f"{'exclusive s':>11}  {'n':>2}  function")
    for name, seconds in sorted(by_name.items(), key=lambda item: -item[1]):
        print(f"{seconds:11.3f}  {count[name]:2d}  {name}")
    repeated = [record for record in timer.records if count[record[2]] > 1]
    if repeated:
        print("compiled more than once:")
        for exclusive, _, name, signature, parent in sorted(repeated, key=lambda r: r[2]):
            print(f"{exclusive:11.3f}      {name} {signature}"
                  + (f" <- {parent.rsplit('.', 1)[-1]}" if parent else ""))
    wall, cpu, waited = (time.perf_counter() - wall_start, done - start,
                         core_wait() - wait_start)
    print(f"wall {wall:.2f} s = CPU {cpu:.2f} s + waiting for a core {waited:.2f} s "
          f"+ other waits {wall - cpu - waited:.2f} s")


if __name__ == "__main__":
    main(sys.argv[1:])

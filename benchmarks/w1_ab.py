"""W1 (the tutorial call on messi.jpg) of two fastquant trees and cv2, alternating in one
process.

Each tree's ``fastquant`` package is imported under its own name (see
``seeding_ab.load_tree``); every round calls old, new and cv2 in turn, each after one
untimed call of its own (the other library's threads wind down meanwhile), and the
outputs of the three must be identical. Prints the min of the rounds, wall and CPU::

    PYTHONPATH=. python benchmarks/w1_ab.py /work/main . --k 2 8 25 100 --rounds 9
"""

import sys
import tempfile
import time

import cv2

from conftest import load_messi
from seeding_ab import load_tree, tree_pair_parser

SEED = 12345
ATTEMPTS = 10


def _call(library, points, k):
    library.setRNGSeed(SEED)
    criteria = (library.TERM_CRITERIA_EPS + library.TERM_CRITERIA_MAX_ITER, 10, 1.0)
    return library.kmeans(points, k, None, criteria, ATTEMPTS, library.KMEANS_RANDOM_CENTERS)


def _same(a, b) -> bool:
    return a[0] == b[0] and (a[1] == b[1]).all() and (a[2] == b[2]).all()


def main() -> None:
    parser = tree_pair_parser(__doc__, 7)
    parser.add_argument("--k", type=int, nargs="+", default=[2, 8, 25, 100])
    args = parser.parse_args()
    points = load_messi()
    with tempfile.TemporaryDirectory() as into:
        sys.path.insert(0, into)
        contenders = {"old": load_tree(args.old, "fastquant_old", into),
                      "new": load_tree(args.new, "fastquant_new", into), "cv2": cv2}
        for k in args.k:
            outputs = {name: _call(library, points, k) for name, library in contenders.items()}
            identical = all(_same(outputs["new"], output) for output in outputs.values())
            wall = {name: [] for name in contenders}
            cpu = {name: [] for name in contenders}
            for _ in range(args.rounds):
                for name, library in contenders.items():
                    _call(library, points, k)
                    start, start_cpu = time.perf_counter(), time.process_time()
                    _call(library, points, k)
                    wall[name].append(time.perf_counter() - start)
                    cpu[name].append(time.process_time() - start_cpu)
            ms = {name: min(times) * 1e3 for name, times in wall.items()}
            cpu_ms = {name: min(times) * 1e3 for name, times in cpu.items()}
            print(f"K = {k}: identical {identical}; wall ms old {ms['old']:.1f}, new "
                  f"{ms['new']:.1f}, cv2 {ms['cv2']:.1f}; cv2/old {ms['cv2'] / ms['old']:.2f}x, "
                  f"cv2/new {ms['cv2'] / ms['new']:.2f}x, old/new {ms['old'] / ms['new']:.2f}x; "
                  f"CPU ms old {cpu_ms['old']:.1f}, new {cpu_ms['new']:.1f}", flush=True)


if __name__ == "__main__":
    main()

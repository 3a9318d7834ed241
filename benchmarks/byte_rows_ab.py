"""checked_points' byte path (the check of messi.jpg's pixels and their distinct table,
``kernels/_byte_rows.py``) of two fastquant trees, alternating in one process, on one
thread (inside ``one_thread_per_launch``, as kmeans runs it).

Each tree's ``fastquant`` is imported under its own name (``seeding_ab.load_tree``); the
tables (rows, counts, each sample's row) and boxes of the two must be identical. Prints
the min of the rounds::

    PYTHONPATH=. python benchmarks/byte_rows_ab.py /work/main . --rounds 60
"""

import importlib
import sys
import tempfile
import time

import numpy as np

from conftest import load_messi
from seeding_ab import load_tree, tree_pair_parser


def _same(a, b) -> bool:
    return (a.byte_table is not None and b.byte_table is not None
            and all(np.array_equal(x, y) and x.dtype == y.dtype
                    for x, y in zip(a.byte_table, b.byte_table))
            and np.array_equal(a.low, b.low) and np.array_equal(a.high, b.high))


def main() -> None:
    args = tree_pair_parser(__doc__, 60).parse_args()
    points = load_messi()
    with tempfile.TemporaryDirectory() as into:
        sys.path.insert(0, into)
        trees = {}
        for label, tree in (("old", args.old), ("new", args.new)):
            name = f"fastquant_{label}"
            load_tree(tree, name, into)
            trees[label] = (importlib.import_module(f"{name}._validation"),
                            importlib.import_module(f"{name}._execution"))

        def checked(label):
            validation, execution = trees[label]
            with execution.one_thread_per_launch():
                start = time.perf_counter()
                result = validation.checked_points(points, keys=True)
                return result, time.perf_counter() - start

        identical = _same(checked("old")[0], checked("new")[0])
        times = {label: [] for label in trees}
        for _ in range(args.rounds):
            for label in trees:
                times[label].append(checked(label)[1])
        ms = {label: min(seconds) * 1e3 for label, seconds in times.items()}
        print(f"checked_points(keys=True), messi.jpg, one thread: identical {identical}; ms "
              f"old {ms['old']:.3f}, new {ms['new']:.3f}; old/new {ms['old'] / ms['new']:.2f}x "
              f"(min of {args.rounds}, alternating)")


if __name__ == "__main__":
    main()

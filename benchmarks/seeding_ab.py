"""k-means++ seeding and W3 of two fastquant trees, alternating in one process.

A shared machine's load changes from one minute to the next, so two trees are only
compared fairly side by side: this copies each tree's ``fastquant`` package under its
own name into a temporary directory, imports both, checks that they choose the same
centers (seeding alone) and return the same result (W3), and times them in turn, with
faiss and scikit-learn between them, min of the rounds::

    PYTHONPATH=. python benchmarks/seeding_ab.py /work/main . --rounds 7

With ``NUMBA_NUM_THREADS=1`` in the environment it times CPU seconds instead (steadier
under load) and leaves out the peers, whose own thread pools it does not limit.
"""

import argparse
import importlib
import os
import shutil
import sys
import tempfile
import time

import numba
import numpy as np

import workloads as W

#: Seconds of rest before each timed call: the call after faiss or scikit-learn was
#: otherwise slowed by their threads still spinning (W3 of the same tree 1.65 s right
#: after scikit-learn's seeding, 0.52 s after another fastquant call).
PAUSE = 1.0


def load_tree(tree: str, name: str, into: str):
    """The ``fastquant`` package of ``tree`` imported as ``name`` (its imports are
    relative, so a copy under another name is a separate package)."""
    shutil.copytree(os.path.join(tree, "fastquant"), os.path.join(into, name),
                    ignore=shutil.ignore_patterns("__pycache__"))
    importlib.import_module(f"{name}.kernels")
    return importlib.import_module(name)


def tree_pair_parser(doc: str, rounds: int) -> argparse.ArgumentParser:
    """The arguments of an A/B script: the two trees and the rounds (default ``rounds``);
    the description is the first line of ``doc``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("old", help="tree of the first fastquant (e.g. /work/main)")
    parser.add_argument("new", help="tree of the second")
    parser.add_argument("--rounds", type=int, default=rounds)
    return parser


def main() -> None:
    args = tree_pair_parser(__doc__, 5).parse_args()
    one_thread = numba.config.NUMBA_NUM_THREADS == 1
    clock = time.process_time if one_thread else time.perf_counter
    with tempfile.TemporaryDirectory() as into:
        sys.path.insert(0, into)
        trees = {"old": load_tree(args.old, "fastquant_old", into),
                 "new": load_tree(args.new, "fastquant_new", into)}
        points = W.gaussian_blobs()
        weights = np.ones(len(points), dtype=np.int32)

        def seeding(library):
            state = np.array([W.SEED], dtype=np.uint64)
            return library.kernels.kmeanspp(points, weights, W.SEEDING_K, W.SEEDING_TRIALS,
                                            state)

        calls = {}
        for label, library in trees.items():
            calls[f"W3 {label}"] = lambda lib=library: W._cv2_style(lib, points, W.W3_K, W.SEED)
            calls[f"seeding {label}"] = lambda lib=library: seeding(lib)
        if not one_thread:
            calls["W3 faiss"] = lambda: W.run_faiss(points, W.W3_K)
            calls["W3 sklearn"] = lambda: W.run_sklearn(points, W.W3_K)
            calls["seeding sklearn"] = lambda: W.seeding_sklearn(points, W.SEEDING_K)
        old, new = calls["W3 old"](), calls["W3 new"]()  # (also the warm-up)
        assert old[0] == new[0] and np.array_equal(old[1], new[1]), "W3 results differ"
        assert np.array_equal(calls["seeding old"](), calls["seeding new"]()), "centers differ"
        for call in calls.values():
            call()
        times = {label: [] for label in calls}
        for _ in range(args.rounds):
            for label, call in calls.items():
                time.sleep(PAUSE)
                start = clock()
                call()
                times[label].append(clock() - start)
        best = {label: min(values) for label, values in times.items()}
        for label, seconds in best.items():
            print(f"{label:18s} {seconds:8.3f} s")
        for task in ("W3", "seeding"):
            line = f"{task}: old / new {best[f'{task} old'] / best[f'{task} new']:.3f}"
            for peer in ("faiss", "sklearn"):
                if f"{task} {peer}" in best:
                    line += (f", {peer} / old {best[f'{task} {peer}'] / best[f'{task} old']:.2f}"
                             f", {peer} / new {best[f'{task} {peer}'] / best[f'{task} new']:.2f}")
            print(line)


if __name__ == "__main__":
    main()

"""Store cv2.kmeans's outputs on every parity case, for tests that run without OpenCV.

Run from anywhere, with opencv-python(-headless) installed::

    python tests/reference/generate.py                 # every case
    python tests/reference/generate.py messi_k8 ...    # only the named cases

For each case of ``tests/parity_cases.py``, ``cv2.setRNGSeed(case.seed)`` is called
right before ``cv2.kmeans`` and the outputs are written to
``tests/reference/<case name>.npz`` (``np.savez_compressed``) with the entries

==================  =====================================================================
``compactness``     float64, shape ()
``labels``          cv2's labels flattened to (N,), in the smallest unsigned dtype for K
``centers``         float32 (K, D), as cv2 returned them
``opencv_version``  ``cv2.__version__``
``fingerprint``     JSON of the call's arguments and digests of its input and initial
                    labels (:func:`parity_cases.fingerprint_json`); the tests refuse a
                    reference whose case has changed since it was generated
==================  =====================================================================

Regenerating every case also deletes reference files of cases that no longer exist.
"""

import sys
from pathlib import Path

import numpy as np

REFERENCE_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(REFERENCE_DIR.parents[1]))  # the repository root, for tests/

from tests import parity_cases  # noqa: E402


def compact_labels(labels: np.ndarray, n_clusters: int) -> np.ndarray:
    """Labels as a flat array of the smallest unsigned dtype that holds 0..K-1."""
    dtype = np.min_scalar_type(max(n_clusters - 1, 0))
    flat = labels.reshape(-1)
    if flat.min() < 0 or flat.max() >= n_clusters:
        raise ValueError(f"labels outside [0, {n_clusters})")
    return flat.astype(dtype)


def generate(case: parity_cases.ParityCase, cv2) -> Path:
    """Run ``case`` in cv2 and write its reference file; return the file's path."""
    compactness, labels, centers, _ = parity_cases.run(cv2, case)
    path = REFERENCE_DIR / f"{case.name}.npz"
    np.savez_compressed(
        path,
        compactness=np.float64(compactness),
        labels=compact_labels(labels, case.K),
        centers=np.asarray(centers, dtype=np.float32),
        opencv_version=np.array(cv2.__version__),
        fingerprint=np.array(parity_cases.fingerprint_json(case)),
    )
    return path


def main(names) -> int:
    """Regenerate the named cases (all when ``names`` is empty); return an exit code."""
    import cv2

    unknown = [name for name in names if name not in parity_cases.CASES_BY_NAME]
    if unknown:
        print(f"unknown case(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    cases = [parity_cases.CASES_BY_NAME[name] for name in names] or parity_cases.CASES
    total = 0
    for case in cases:
        path = generate(case, cv2)
        size = path.stat().st_size
        total += size
        print(f"{case.name:36s} {size / 1024:8.1f} KiB")
    if not names:
        current = {f"{case.name}.npz" for case in parity_cases.CASES}
        for stale in sorted(REFERENCE_DIR.glob("*.npz")):
            if stale.name not in current:
                stale.unlink()
                print(f"removed {stale.name} (no such case)")
    print(f"{len(cases)} case(s), {total / 1024:.1f} KiB, OpenCV {cv2.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

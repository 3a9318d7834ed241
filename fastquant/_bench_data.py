"""The data of ``fastquant bench``: a user's points, or one of the named workloads.

The workloads are those of the repository's ``benchmarks/`` and ``docs/performance.md``:

* W1, the OpenCV tutorial: messi.jpg's pixels, criteria (EPS + MAX_ITER, 10, 1.0),
  10 attempts, random centers;
* W2, a large photo: messi.jpg upscaled 6x (about 11 M points of dimension 3);
* W3, Gaussian blobs: 1,000,000 points of dimension 16 around 64 centers;
* W4, feature vectors: 1,000,000 points of dimension 128 around 256 centers, clustered
  from given initial centers (the Lloyd passes alone).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Tuple

import numpy as np

#: Assignment passes of every contender on W2-W4 and on a user's data.
PASSES = 10
SEED = 12345


@dataclass(frozen=True)
class Workload:
    """What to cluster and how.

    Attributes
    ----------
    name : str
    points : float32 (N, D), C-contiguous
    ks : tuple of int
        The cluster counts to run.
    tutorial : bool
        W1's call (10 attempts of random centers, criteria EPS + MAX_ITER) instead of
        k-means++ and PASSES passes.
    given_centers : bool
        Start every contender from the same centers (drawn from the points), so that
        only the Lloyd passes are compared.
    """

    name: str
    points: np.ndarray
    ks: Tuple[int, ...]
    tutorial: bool = False
    given_centers: bool = False

    def initial_centers(self, k: int) -> np.ndarray:
        """``k`` distinct points drawn with a fixed seed, float32 (k, D)."""
        rng = np.random.default_rng(SEED)
        rows = rng.choice(len(self.points), size=k, replace=False)
        return np.ascontiguousarray(self.points[np.sort(rows)])


def _messi() -> np.ndarray:
    import imageio.v3 as iio

    from .cli import example_path

    return iio.imread(example_path())


def _pixels(image: np.ndarray) -> np.ndarray:
    channels = 1 if image.ndim == 2 else image.shape[2]
    return np.ascontiguousarray(image.reshape(-1, channels), dtype=np.float32)


def _upscaled(image: np.ndarray, factor: int) -> np.ndarray:
    """``image`` enlarged ``factor`` times, bicubic, rounded to uint8 (Pillow)."""
    from PIL import Image

    height, width = image.shape[:2]
    large = Image.fromarray(image).resize((width * factor, height * factor), Image.BICUBIC)
    return np.asarray(large)


def _blobs(n: int, d: int, n_blobs: int) -> np.ndarray:
    rng = np.random.default_rng(SEED)
    centers = rng.uniform(-10.0, 10.0, size=(n_blobs, d)).astype(np.float32)
    points = rng.standard_normal((n, d), dtype=np.float32)
    points += centers[rng.integers(0, n_blobs, size=n)]
    return points


def named_workload(name: str, ks: Optional[Tuple[int, ...]] = None) -> Workload:
    """W1, W2, W3 or W4 (case-insensitive), with its cluster counts unless ``ks``."""
    key = name.upper()
    if key == "W1":
        return Workload("W1", _pixels(_messi()), ks or (2, 8, 25, 100), tutorial=True)
    if key == "W2":
        return Workload("W2", _pixels(_upscaled(_messi(), 6)), ks or (16, 64, 256))
    if key == "W3":
        return Workload("W3", _blobs(1_000_000, 16, 64), ks or (64,))
    if key == "W4":
        return Workload("W4", _blobs(1_000_000, 128, 256), ks or (256,), given_centers=True)
    raise ValueError(f"unknown workload {name!r}: choose W1, W2, W3 or W4")


def user_workload(path: str, ks: Tuple[int, ...], given_centers: bool) -> Workload:
    """The points of a ``.npy`` file ((N, D) or (N,)), or the pixels of an image."""
    source = Path(path)
    if source.suffix.lower() == ".npy":
        try:
            array = np.load(source, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise ValueError(f"--data {path}: not a readable .npy array ({exc})") from None
        if array.dtype.kind not in "iuf" or array.ndim not in (1, 2) or array.size == 0:
            raise ValueError(
                f"--data {path}: need a non-empty (N, D) or (N,) numeric array, got "
                f"{array.dtype} of shape {array.shape}"
            )
        points = np.ascontiguousarray(array.reshape(len(array), -1), dtype=np.float32)
    else:
        from ._imageread import read_image

        points = _pixels(read_image(source))
    if not np.isfinite(points).all():
        raise ValueError(f"--data {path}: holds NaN or infinite values")
    return Workload(source.name, points, ks, given_centers=given_centers)

"""The cases of the cv2.kmeans parity suite.

Each :class:`ParityCase` names one complete ``kmeans`` call: how to build its input,
K, criteria, attempts, flags, the seed given to ``setRNGSeed`` right before the call
and, for ``KMEANS_USE_INITIAL_LABELS``, how to build the initial labels.

Every input is derived deterministically from three photos (messi.jpg shipped with
the package, chelsea.png and rocket.jpg in tests/data), never from a numpy random
generator, whose streams may change between numpy versions. "Synthetic" shapes are
made from photo pixels: 8-bit grayscale luma for one feature, RGB plus luma for four,
4x4 luma patches for sixteen, image crops for the (H, W, C) and (1, W, C) layouts.

This module imports neither cv2 nor fastquant: :func:`run` takes either library, as
both expose ``setRNGSeed`` and ``kmeans`` with the same signature. It is shared by
``tests/reference/generate.py`` (which stores cv2's outputs) and
``tests/test_parity.py`` (which compares fastquant with them).

The whole list is kept small enough for a live comparison (both libraries on every
case) to finish in a few seconds: only the twelve required photo cases run on full
images, everything else on subsampled images or crops.
"""

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Callable, Optional, Tuple

import imageio.v3 as iio
import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
PHOTO_PATHS = {
    "messi": REPO_ROOT / "fastquant" / "data" / "messi.jpg",
    "chelsea": REPO_ROOT / "tests" / "data" / "chelsea.png",
    "rocket": REPO_ROOT / "tests" / "data" / "rocket.jpg",
}

# The constants of cv2 and fastquant (same values in both), repeated here so that this
# module needs neither library.
TERM_CRITERIA_COUNT = 1
TERM_CRITERIA_EPS = 2
KMEANS_RANDOM_CENTERS = 0
KMEANS_USE_INITIAL_LABELS = 1
KMEANS_PP_CENTERS = 2

COUNT = TERM_CRITERIA_COUNT
EPS = TERM_CRITERIA_EPS
RANDOM = KMEANS_RANDOM_CENTERS
INITIAL = KMEANS_USE_INITIAL_LABELS
PP = KMEANS_PP_CENTERS

#: The criteria of the issue's photo cases.
DEFAULT_CRITERIA = (EPS | COUNT, 10, 1.0)

# ITU-R BT.601 luma weights, applied in float32.
_LUMA_WEIGHTS = (np.float32(0.299), np.float32(0.587), np.float32(0.114))

Criteria = Tuple[int, int, float]
DataBuilder = Callable[[], np.ndarray]
LabelsBuilder = Callable[[np.ndarray, int], np.ndarray]


# ---------------------------------------------------------------------------
# How cv2 reads an array as points


def point_count(shape: Tuple[int, ...]) -> int:
    """Number of points N that cv2.kmeans reads from an array of this shape.

    (N,) and (N, D) give N; (1, N) gives N scalars; (1, W, C) gives W points;
    (H, W, C) with H > 1 gives H points (each image row is one point).
    """
    if len(shape) == 1:
        return shape[0]
    return shape[1] if shape[0] == 1 else shape[0]


def feature_count(shape: Tuple[int, ...]) -> int:
    """Dimension D of the points cv2.kmeans reads from an array of this shape."""
    size = int(np.prod(shape))
    return size // point_count(shape)


def as_points(data: np.ndarray) -> np.ndarray:
    """``data`` viewed as the (N, D) points cv2 clusters."""
    return np.reshape(data, (point_count(data.shape), feature_count(data.shape)))


# ---------------------------------------------------------------------------
# Inputs derived from the photos


@lru_cache(maxsize=None)
def photo(name: str) -> np.ndarray:
    """The photo ``name`` as a read-only uint8 (H, W, 3) array (decoded once)."""
    image = np.ascontiguousarray(iio.imread(PHOTO_PATHS[name])[..., :3])
    image.flags.writeable = False
    return image


def _pixels(name: str, step: int) -> np.ndarray:
    """Every ``step``-th pixel of every ``step``-th row, as float32 (H', W', 3)."""
    return photo(name)[::step, ::step].astype(np.float32)


def _luma(pixels: np.ndarray) -> np.ndarray:
    """8-bit grayscale of float32 RGB pixels: luma rounded to integers, as in a gray image.

    Integer values keep cv2's float32 coordinate sums exact (below 2**24), so the
    comparison checks the algorithm. On non-integer data cv2's sums round, its
    centers drift from the true means by up to ~0.01 here, and a pixel lying within
    that distance of a boundary can flip (docs/cv2-compatibility.md).
    """
    red, green, blue = _LUMA_WEIGHTS
    return np.rint(pixels[..., 0] * red + pixels[..., 1] * green + pixels[..., 2] * blue)


def rgb(name: str, step: int = 1) -> np.ndarray:
    """RGB pixels as float32 (N, 3) points."""
    return _pixels(name, step).reshape(-1, 3)


def luma_vector(name: str, step: int) -> np.ndarray:
    """Luma as a float32 (N,) vector: N scalar points."""
    return _luma(_pixels(name, step)).reshape(-1)


def luma_row(name: str, step: int) -> np.ndarray:
    """Luma as a float32 (1, N) row: N scalar points."""
    return luma_vector(name, step).reshape(1, -1)


def luma_column(name: str, step: int) -> np.ndarray:
    """Luma as a float32 (N, 1) column: N points of dimension 1."""
    return luma_vector(name, step).reshape(-1, 1)


def rgb_luma(name: str, step: int) -> np.ndarray:
    """RGB plus luma as a fourth channel: float32 (N, 4) points."""
    pixels = _pixels(name, step)
    return np.concatenate([pixels, _luma(pixels)[..., None]], axis=-1).reshape(-1, 4)


def luma_patches(name: str, size: int = 4) -> np.ndarray:
    """Non-overlapping ``size`` x ``size`` luma patches: float32 (N, size*size) points."""
    luma = _luma(_pixels(name, 1))
    rows, cols = luma.shape[0] // size, luma.shape[1] // size
    blocks = luma[: rows * size, : cols * size].reshape(rows, size, cols, size)
    return np.ascontiguousarray(blocks.transpose(0, 2, 1, 3)).reshape(-1, size * size)


def image_crop(name: str, top: int, left: int, height: int, width: int) -> np.ndarray:
    """A float32 (height, width, 3) crop; cv2 reads it as ``height`` points of
    dimension ``width * 3``."""
    return np.ascontiguousarray(
        _pixels(name, 1)[top : top + height, left : left + width]
    )


def image_strip(name: str, top: int, height: int) -> np.ndarray:
    """Rows ``top`` to ``top + height`` laid end to end as one float32 (1, W, 3) image
    row; cv2 reads it as W points of dimension 3."""
    band = _pixels(name, 1)[top : top + height]
    return band.reshape(1, -1, 3)


def fortran_ordered(build: DataBuilder) -> np.ndarray:
    """The input of ``build`` copied into Fortran (column-major) order."""
    return np.asfortranarray(build())


def channel_view(name: str, step: int) -> np.ndarray:
    """RGB points as a non-contiguous view: the first three columns of RGB + luma."""
    return rgb_luma(name, step)[:, :3]


# ---------------------------------------------------------------------------
# Initial labels for KMEANS_USE_INITIAL_LABELS


def index_mod_k(data: np.ndarray, k: int) -> np.ndarray:
    """Label ``i mod K`` for point i: every cluster starts near the global mean."""
    n_points = point_count(data.shape)
    return (np.arange(n_points) % k).astype(np.int32).reshape(n_points, 1)


def brightness_buckets(data: np.ndarray, k: int) -> np.ndarray:
    """A coarse bucketing: the sum of a point's features, cut into K equal-width
    intervals between its minimum and maximum (computed in float64). On skewed
    photos some buckets are empty, which exercises the empty-cluster repair."""
    totals = as_points(data).astype(np.float64).sum(axis=1)
    low, high = totals.min(), totals.max()
    buckets = np.floor((totals - low) * (k / (high - low)))
    return np.minimum(buckets, k - 1).astype(np.int32).reshape(-1, 1)


# ---------------------------------------------------------------------------
# The cases


@dataclass(frozen=True)
class ParityCase:
    """One ``kmeans`` call to run identically in cv2 and fastquant.

    Attributes
    ----------
    name : str
        Unique identifier; the pytest id and the reference file name.
    build : callable
        ``build()`` returns a fresh float32 input array.
    K : int
    criteria : (type, maxCount, epsilon)
    attempts : int
    flags : int
    seed : int
        Passed to ``setRNGSeed`` right before the call.
    initial_labels : callable, optional
        ``initial_labels(data, K)`` returns int32 (N, 1) labels passed as
        ``bestLabels`` (required with ``KMEANS_USE_INITIAL_LABELS``).
    """

    name: str
    build: DataBuilder
    K: int
    criteria: Criteria
    attempts: int
    flags: int
    seed: int
    initial_labels: Optional[LabelsBuilder] = None

    def __post_init__(self):
        if bool(self.flags & INITIAL) != (self.initial_labels is not None):
            raise ValueError(
                f"case {self.name}: initial_labels must be given exactly when flags "
                "has KMEANS_USE_INITIAL_LABELS"
            )

    def make_inputs(self) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        """Fresh ``(data, bestLabels)`` for one call (bestLabels is None or int32)."""
        data = self.build()
        labels = self.initial_labels(data, self.K) if self.initial_labels else None
        return data, labels


def _digest(array: np.ndarray) -> str:
    """SHA-256 of an array's shape, dtype and values (in C order)."""
    digest = hashlib.sha256(f"{array.shape}{array.dtype.str}".encode())
    digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def fingerprint(case: ParityCase) -> dict:
    """Everything a stored reference depends on: the call's arguments and digests of
    its input and initial labels (a different JPEG decoder would change the input)."""
    data, best_labels = case.make_inputs()
    return {
        "K": case.K,
        "criteria": list(case.criteria),
        "attempts": case.attempts,
        "flags": case.flags,
        "seed": case.seed,
        "input_shape": list(data.shape),
        "input_sha256": _digest(data),
        "initial_labels_sha256": None if best_labels is None else _digest(best_labels),
    }


def fingerprint_json(case: ParityCase) -> str:
    """:func:`fingerprint` as canonical JSON, the form stored in reference files."""
    return json.dumps(fingerprint(case), sort_keys=True)


def run(library, case: ParityCase):
    """Seed ``library`` (cv2 or fastquant) with ``case.seed`` and run the case.

    Returns
    -------
    (compactness, labels, centers, data)
        ``library.kmeans``'s three outputs, and the input it clustered.
    """
    data, best_labels = case.make_inputs()
    library.setRNGSeed(case.seed)
    compactness, labels, centers = library.kmeans(
        data, case.K, best_labels, case.criteria, case.attempts, case.flags
    )
    return compactness, labels, centers, data


def _photo_cases():
    """The issue's cases: each full photo at K = 2, 8, 25, 100, random centers,
    criteria (EPS+COUNT, 10, 1.0), one attempt."""
    cases = []
    for photo_index, name in enumerate(("messi", "chelsea", "rocket")):
        for k in (2, 8, 25, 100):
            cases.append(
                ParityCase(
                    name=f"{name}_k{k}",
                    build=partial(rgb, name),
                    K=k,
                    criteria=DEFAULT_CRITERIA,
                    attempts=1,
                    flags=RANDOM,
                    seed=1000 * (photo_index + 1) + k,
                )
            )
    return cases


# Fields, in order: name, input, K, criteria, attempts, flags, seed[, initial labels].
CASES = _photo_cases() + [
    # --- Initialisation flags and attempts (subsampled photos) ---
    ParityCase("messi_pp_k16", partial(rgb, "messi", 3), 16, DEFAULT_CRITERIA, 1, PP, 77),
    ParityCase("chelsea_pp_k12_attempts3", partial(rgb, "chelsea", 2), 12,
               DEFAULT_CRITERIA, 3, PP, 4242),
    ParityCase("rocket_random_k10_attempts3", partial(rgb, "rocket", 3), 10,
               DEFAULT_CRITERIA, 3, RANDOM, 31337),
    ParityCase("messi_initial_k8", partial(rgb, "messi", 2), 8,
               DEFAULT_CRITERIA, 1, INITIAL, 5, brightness_buckets),
    ParityCase("chelsea_initial_k6_attempts3", partial(rgb, "chelsea", 3), 6,
               DEFAULT_CRITERIA, 3, INITIAL, 808, index_mod_k),
    ParityCase("rocket_pp_initial_k9", partial(rgb, "rocket", 4), 9,
               DEFAULT_CRITERIA, 1, PP | INITIAL, 99, index_mod_k),
    ParityCase("rocket_pp_initial_k9_attempts3", partial(rgb, "rocket", 3), 9,
               DEFAULT_CRITERIA, 3, PP | INITIAL, 2024, brightness_buckets),
    # --- Termination criteria ---
    ParityCase("chelsea_eps_only", partial(rgb, "chelsea", 3), 8,
               (EPS, 0, 0.5), 1, RANDOM, 17),
    ParityCase("messi_count_only", partial(rgb, "messi", 3), 12,
               (COUNT, 15, 0.0), 1, RANDOM, 23),
    ParityCase("rocket_count_300_clamped", partial(rgb, "rocket", 6), 5,
               (COUNT, 300, 0.0), 1, RANDOM, 29),
    ParityCase("chelsea_eps_zero", partial(rgb, "chelsea", 5), 7,
               (EPS | COUNT, 100, 0.0), 1, PP, 31),
    ParityCase("messi_count_1_clamped", partial(rgb, "messi", 4), 6,
               (EPS | COUNT, 1, 1.0), 1, RANDOM, 37),
    ParityCase("messi_k1", partial(rgb, "messi", 4), 1, DEFAULT_CRITERIA, 3, RANDOM, 41),
    # --- Input layouts and dimensions ---
    ParityCase("luma_vector_N", partial(luma_vector, "chelsea", 2), 6,
               DEFAULT_CRITERIA, 1, RANDOM, 0),
    ParityCase("luma_row_1xN", partial(luma_row, "rocket", 3), 5,
               DEFAULT_CRITERIA, 1, PP, -123456789),
    ParityCase("luma_column_Nx1", partial(luma_column, "messi", 3), 7,
               DEFAULT_CRITERIA, 3, RANDOM, 2**31 - 1),
    ParityCase("luma_column_Nx1_initial", partial(luma_column, "chelsea", 3), 5,
               DEFAULT_CRITERIA, 1, INITIAL, 43, brightness_buckets),
    ParityCase("rgb_luma_Nx4", partial(rgb_luma, "messi", 3), 10,
               DEFAULT_CRITERIA, 1, RANDOM, 47),
    ParityCase("rgb_luma_Nx4_pp", partial(rgb_luma, "rocket", 4), 6,
               (EPS, 0, 0.25), 1, PP, 53),
    ParityCase("patches_Nx16", partial(luma_patches, "chelsea"), 12,
               DEFAULT_CRITERIA, 1, PP, 59),
    ParityCase("patches_Nx16_random", partial(luma_patches, "rocket"), 20,
               (COUNT, 8, 0.0), 1, RANDOM, 61),
    ParityCase("image_rows_HxWxC", partial(image_crop, "messi", 20, 300, 400, 8), 5,
               DEFAULT_CRITERIA, 3, RANDOM, 67),
    ParityCase("image_rows_HxWxC_pp", partial(image_crop, "rocket", 0, 200, 420, 6), 4,
               DEFAULT_CRITERIA, 1, PP, 71),
    ParityCase("image_strip_1xWxC", partial(image_strip, "messi", 200, 10), 6,
               DEFAULT_CRITERIA, 1, RANDOM, 73),
    ParityCase("fortran_order_Nx3", partial(fortran_ordered, partial(rgb, "chelsea", 4)), 5,
               DEFAULT_CRITERIA, 1, RANDOM, 79),
    ParityCase("strided_view_Nx3", partial(channel_view, "rocket", 5), 5,
               DEFAULT_CRITERIA, 1, PP, 83),
]

CASES_BY_NAME = {case.name: case for case in CASES}
if len(CASES_BY_NAME) != len(CASES):
    raise ValueError("parity case names must be unique")

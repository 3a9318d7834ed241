"""Checking and normalising the arguments of ``kmeans``.

Everything that can be wrong with a caller's input is found here and reported with an
exception that names the argument; the kernels only ever see finite, C-contiguous,
native float32 points.
"""

import numbers
from typing import NamedTuple, Optional, Tuple

import numpy as np

from .kernels import _byte_rows, _feature_bounds
from .kernels._tunables import MAX_KEY_SPACE
from ._execution import launch, runs_serially
from .constants import (
    KMEANS_PP_CENTERS,
    KMEANS_USE_INITIAL_LABELS,
    TERM_CRITERIA_COUNT,
    TERM_CRITERIA_EPS,
)

FLT_EPSILON = float(np.finfo(np.float32).eps)
FLT_MAX = float(np.finfo(np.float32).max)
MAX_COUNT = 100
MIN_COUNT = 2
MAX_CHANNELS = 512  # OpenCV's CV_CN_MAX: more channels make a 3-D Mat, which cv2 rejects


class Criteria(NamedTuple):
    """Termination rule of one attempt, after cv2's clamping."""

    max_iter: int
    eps_sq: float


def require_int(value, name: str) -> int:
    """``value`` as an int; a TypeError naming ``name`` for anything but an integer."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    return int(value)


def positive_int(value, name: str, minimum: int = 1) -> int:
    """``value`` as an int of at least ``minimum``; TypeError or ValueError naming ``name``."""
    number = require_int(value, name)
    if number < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {number}")
    return number


def as_float32(data, name: str = "data") -> np.ndarray:
    """``data`` as a native-endian float32 array, rejecting non-numeric input.

    Integer and floating dtypes are converted (float64 is rounded to float32, the
    precision cv2 computes in); bool, complex, object and string arrays are refused.
    The caller's array is never written to.
    """
    try:
        array = np.asarray(data)
    except Exception as exc:  # ragged sequences and the like
        raise TypeError(f"{name} must be a numeric array: {exc}") from None
    if array.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} must hold integers or floating-point numbers, got dtype {array.dtype}"
        )
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape})")
    with np.errstate(over="ignore", invalid="ignore"):
        points = np.asarray(array, dtype=np.float32, order="C")
    # Read-only arrays are a separate numba type: a copy avoids compiling every kernel twice.
    return points if points.flags.writeable else points.copy()


class Points(NamedTuple):
    """Validated points and their per-feature bounding box."""

    values: np.ndarray  # float32 (n_samples, n_features), C-contiguous, finite
    low: np.ndarray  # float32 (n_features,)
    high: np.ndarray  # float32 (n_features,)
    #: When the check read every value as a byte (``kernels._byte_rows``): the distinct
    #: rows (float32), their counts (int32) and the row of each sample (int32), for
    #: ``_distinct.distinct_rows``.
    byte_table: Optional[Tuple[np.ndarray, np.ndarray, np.ndarray]] = None


def non_finite_message(values: np.ndarray, name: str, row_offset: int = 0) -> str:
    """Where the first NaN or infinite value of ``values`` is, for an error message
    (row indices counted from ``row_offset``)."""
    finite = np.isfinite(values)
    where = np.unravel_index(int(np.argmin(finite.ravel())), values.shape)
    value = values[where]
    what = "NaN" if np.isnan(value) else f"{value} (infinite, or too large for float32)"
    index = (int(where[0]) + row_offset,) + tuple(int(w) for w in where[1:])
    return f"{name} contains {what} at index {index}"


def check_span(low: np.ndarray, high: np.ndarray, name: str = "data") -> None:
    """Refuse a bounding box whose squared distances overflow float32."""
    # Random centers reach 1/n_features of the range beyond the box on each side.
    reach = (1.0 + 2.0 / len(low)) * (high.astype(np.float64) - low)
    largest = float(np.sum(reach * reach))
    if not largest < FLT_MAX / 2:
        raise ValueError(
            f"{name} spans too wide a range: squared distances can reach {largest:.3g}, "
            f"which overflows float32 (max {FLT_MAX:.3g}); rescale the data"
        )


def checked_points(values: np.ndarray, name: str = "data", keys: bool = False) -> Points:
    """Refuse NaN, infinities and ranges whose squared distances overflow float32.

    One parallel pass finds the bounding box and counts non-finite values; only when
    there are some is the first one located, for the message. With ``keys``, where that
    pass would run on one thread and rows have at most 3 features, byte-valued points
    (finite, and within any span) are checked by keying their rows, which gives their
    distinct table too (``Points.byte_table``); a value that is not a byte stops that
    read and the general check runs.
    """
    n_samples, n_features = values.shape
    low = np.empty(n_features, dtype=np.float32)
    high = np.empty(n_features, dtype=np.float32)
    if keys and _byte_rows.fits(n_features, MAX_KEY_SPACE) and runs_serially(values.size):
        inverse = np.empty(n_samples, dtype=np.int32)
        present = np.zeros(_byte_rows.bitmap_words(n_features), dtype=np.uint64)
        is_bytes, rows, counts = _byte_rows.byte_table(values, inverse, present, low, high)
        if is_bytes:
            return Points(values, low, high, (rows, counts, inverse))
    if launch(_feature_bounds.feature_bounds, values, low, high, work=values.size):
        raise ValueError(non_finite_message(values, name))
    check_span(low, high, name)
    return Points(values, low, high)


def starting_centers(centers, n_clusters: int, n_features: int, name: str,
                     shape_names: str) -> np.ndarray:
    """``centers`` as finite float32 of shape (n_clusters, n_features); the message of
    a wrong shape names it ``shape_names``."""
    values = as_float32(centers, name)
    if values.shape != (n_clusters, n_features):
        raise ValueError(
            f"{name} must have shape {shape_names} = ({n_clusters}, {n_features}), "
            f"got {values.shape}"
        )
    return checked_points(values, name).values


def as_points(data) -> Points:
    """Read ``data`` as cv2 does: (n_samples, n_features) float32 points.

    | shape        | n_samples | n_features |
    | (N,)         | N         | 1          |
    | (1, N)       | N         | 1          |
    | (N, D)       | N         | D          |
    | (1, W, C)    | W         | C          |
    | (H, W, C)    | H         | W * C      |
    """
    array = as_float32(data)
    shape = array.shape
    if not 1 <= array.ndim <= 3:
        raise ValueError(
            f"data must have 1, 2 or 3 dimensions, got {array.ndim} (shape {shape})"
        )
    if array.ndim == 1 or (array.ndim == 2 and shape[0] == 1):
        points = array.reshape(array.size, 1)
    elif array.ndim == 2:
        points = array
    else:
        if shape[2] > MAX_CHANNELS:
            raise ValueError(
                f"data of shape {shape} has {shape[2]} channels; at most {MAX_CHANNELS} "
                "are allowed (pass it as a 2-D (N, D) array instead)"
            )
        points = array.reshape(shape[1], shape[2]) if shape[0] == 1 else array.reshape(
            shape[0], shape[1] * shape[2]
        )
    return checked_points(points, keys=True)


def parse_k(K, n_samples: int) -> int:
    """Number of clusters, 1 <= K <= n_samples."""
    k = require_int(K, "K")
    if not 1 <= k <= n_samples:
        raise ValueError(
            f"K must be between 1 and the number of points N = {n_samples}, got K = {k}"
        )
    return k


def parse_criteria(criteria, n_clusters: int) -> Criteria:
    """cv2's ``(type, maxCount, epsilon)`` after its clamping rules."""
    try:
        items = tuple(criteria)
    except TypeError:
        raise TypeError(
            f"criteria must be a (type, maxCount, epsilon) sequence, got "
            f"{type(criteria).__name__}"
        ) from None
    if len(items) != 3:
        raise TypeError(
            f"criteria must have 3 items (type, maxCount, epsilon), got {len(items)}"
        )
    kind = require_int(items[0], "criteria type")
    count = require_int(items[1], "criteria maxCount")
    epsilon = items[2]
    if isinstance(epsilon, (bool, np.bool_)) or not isinstance(epsilon, numbers.Real):
        raise TypeError(
            f"criteria epsilon must be a real number, got {type(epsilon).__name__}"
        )
    epsilon = float(epsilon)
    known = TERM_CRITERIA_COUNT | TERM_CRITERIA_EPS
    if kind & ~known:
        raise ValueError(
            f"criteria type must combine TERM_CRITERIA_COUNT (1) and TERM_CRITERIA_EPS "
            f"(2), got {kind}"
        )
    if count < 0:
        raise ValueError(f"criteria maxCount must not be negative, got {count}")
    if np.isnan(epsilon):
        raise ValueError("criteria epsilon is NaN")
    eps = max(epsilon, 0.0) if kind & TERM_CRITERIA_EPS else FLT_EPSILON
    max_iter = min(max(count, MIN_COUNT), MAX_COUNT) if kind & TERM_CRITERIA_COUNT else MAX_COUNT
    if n_clusters == 1:
        max_iter = MIN_COUNT
    return Criteria(max_iter=max_iter, eps_sq=eps * eps)


def parse_attempts(attempts, n_clusters: int) -> int:
    """Number of attempts: at least 1, exactly 1 when K == 1."""
    count = require_int(attempts, "attempts")
    return 1 if n_clusters == 1 else max(count, 1)


def parse_flags(flags) -> tuple:
    """``(use_initial_labels, use_kmeanspp)`` from cv2's flag bits."""
    value = require_int(flags, "flags")
    known = KMEANS_USE_INITIAL_LABELS | KMEANS_PP_CENTERS
    if value < 0 or value & ~known:
        raise ValueError(
            "flags must combine KMEANS_RANDOM_CENTERS (0), KMEANS_USE_INITIAL_LABELS (1) "
            f"and KMEANS_PP_CENTERS (2), got {value}"
        )
    return bool(value & KMEANS_USE_INITIAL_LABELS), bool(value & KMEANS_PP_CENTERS)


def _is_label_vector_shape(shape, n_samples: int) -> bool:
    return shape in ((n_samples,), (n_samples, 1), (1, n_samples))


def initial_labels(best_labels, n_samples: int, n_clusters: int) -> np.ndarray:
    """The labels given with KMEANS_USE_INITIAL_LABELS, as a fresh int32 (N,) array."""
    if best_labels is None:
        raise ValueError(
            "bestLabels is None but flags has KMEANS_USE_INITIAL_LABELS: pass an int32 "
            f"array of shape ({n_samples}, 1)"
        )
    array = np.asarray(best_labels)
    if array.dtype.kind not in "iu":
        raise TypeError(
            f"bestLabels must hold integers with KMEANS_USE_INITIAL_LABELS, got dtype "
            f"{array.dtype}"
        )
    if not _is_label_vector_shape(array.shape, n_samples):
        raise ValueError(
            f"bestLabels must have shape ({n_samples}, 1), (1, {n_samples}) or "
            f"({n_samples},) with KMEANS_USE_INITIAL_LABELS, got {array.shape}"
        )
    flat = array.reshape(n_samples)
    bad = np.flatnonzero((flat < 0) | (flat >= n_clusters))
    if bad.size:
        first = int(bad[0])
        raise ValueError(
            f"bestLabels[{first}] = {int(flat[first])} is not a cluster index in "
            f"[0, K) with K = {n_clusters}"
        )
    return flat.astype(np.int32)


def labels_target(best_labels, n_samples: int) -> Optional[np.ndarray]:
    """``bestLabels`` if cv2 would write the labels into it in place, else None."""
    if (
        isinstance(best_labels, np.ndarray)
        and best_labels.dtype == np.int32
        and best_labels.flags.writeable
        and _is_label_vector_shape(best_labels.shape, n_samples)
    ):
        return best_labels
    return None


def centers_target(centers, n_clusters: int, n_features: int) -> Optional[np.ndarray]:
    """``centers`` if cv2 would write the centers into it in place, else None."""
    if (
        isinstance(centers, np.ndarray)
        and centers.dtype == np.float32
        and centers.flags.writeable
        and centers.shape == (n_clusters, n_features)
    ):
        return centers
    return None

"""Arguments of ``fastquant.KMeans`` checked as scikit-learn checks them, and the
exception and warning classes it shares with scikit-learn.

scikit-learn is never imported here: when the caller has imported it, the errors and
warnings raised are also instances of its classes (``NotFittedError``,
``ConvergenceWarning``), so that code written for scikit-learn catches them.
"""

import numbers
import sys
from typing import NamedTuple, Optional

import numpy as np

from . import _validation as check
from .kernels._tunables import EXACT_WEIGHT_FACTOR, EXACT_WEIGHT_MIN_TOTAL, MAX_TOL


class NotFittedError(ValueError, AttributeError):
    """A ``KMeans`` method that needs a fitted model was called before ``fit``."""


class ConvergenceWarning(UserWarning):
    """``KMeans`` found fewer distinct clusters than ``n_clusters``."""


_SKLEARN_TWINS = {}


def sklearn_compatible(cls, sklearn_name: str):
    """``cls``, or a subclass of both ``cls`` and scikit-learn's class of the same
    role when the caller has imported ``sklearn.exceptions``."""
    module = sys.modules.get("sklearn.exceptions")
    if module is None:
        return cls
    key = (cls, sklearn_name)
    if key not in _SKLEARN_TWINS:
        _SKLEARN_TWINS[key] = type(cls.__name__, (cls, getattr(module, sklearn_name)),
                                   {"__module__": cls.__module__})
    return _SKLEARN_TWINS[key]


class Samples(NamedTuple):
    """Validated ``X``."""

    points: check.Points  # float32, finite, C-contiguous
    dtype: np.dtype  # floating dtype of the results: float32 for float32 input, else float64
    feature_names: Optional[np.ndarray]  # object array of column names of a data frame
    array: np.ndarray  # X as given (numbers), before the float32 conversion


def _feature_names(X) -> Optional[np.ndarray]:
    columns = getattr(X, "columns", None)
    if columns is None or not hasattr(X, "iloc"):
        return None
    names = np.asarray(list(columns), dtype=object)
    kinds = {isinstance(name, str) for name in names}
    if kinds == {True}:
        return names
    if kinds == {True, False}:
        raise TypeError(
            "X has column names of mixed types (strings and others): use only strings "
            "as column names, or none"
        )
    return None


def _is_sparse(X) -> bool:
    return type(X).__module__.startswith("scipy.sparse") or hasattr(X, "tocsr")


def as_samples(X, name: str = "X") -> Samples:
    """``X`` of shape (n_samples, n_features) as finite float32 points.

    Accepts array-likes and data frames of integers, floats, booleans, and object
    arrays holding numbers; refuses sparse matrices, complex numbers, strings, NaN
    and infinities, and shapes other than 2-D with at least one row and column.
    """
    if _is_sparse(X):
        raise TypeError(
            f"{name} is a sparse matrix ({type(X).__name__}); fastquant.KMeans needs "
            f"dense data: pass {name}.toarray()"
        )
    feature_names = _feature_names(X)
    try:
        array = np.asarray(X)
    except Exception as exc:  # ragged sequences and the like
        raise TypeError(f"{name} must be a numeric array: {exc}") from None
    if array.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {name} has dtype {array.dtype}")
    if array.dtype.kind in "bO":
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must hold numbers: {exc}") from None
    if array.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_features), got shape {array.shape}. "
            "Reshape your data with array.reshape(-1, 1) if it has a single feature "
            "or array.reshape(1, -1) if it holds a single sample"
        )
    if array.shape[0] == 0 or array.shape[1] == 0:
        what = "sample" if array.shape[0] == 0 else "feature"
        raise ValueError(
            f"{name} is empty: found array with {array.shape[0 if what == 'sample' else 1]} "
            f"{what}(s) (shape={array.shape}) while a minimum of 1 is required."
        )
    dtype = np.dtype(np.float32 if array.dtype == np.float32 else np.float64)
    points = check.checked_points(check.as_float32(array, name), name)
    return Samples(points, dtype, feature_names, array)


def check_feature_names(fitted: Optional[np.ndarray], given: Optional[np.ndarray],
                        owner: str) -> None:
    """Refuse data frame columns other than those seen by ``fit``; warn when only one
    of the two had names (as scikit-learn does)."""
    import warnings

    if fitted is None and given is None:
        return
    if fitted is None or given is None:
        warnings.warn(
            f"X has feature names, but {owner} was fitted without feature names"
            if fitted is None
            else f"X does not have valid feature names, but {owner} was fitted with "
            "feature names",
            UserWarning,
            stacklevel=3,
        )
        return
    if len(fitted) == len(given) and np.all(fitted == given):
        return
    message = "The feature names should match those that were passed during fit.\n"
    unseen = [name for name in given if name not in set(fitted)]
    missing = [name for name in fitted if name not in set(given)]
    if unseen:
        message += "Feature names unseen at fit time:\n" + "".join(f"- {n}\n" for n in unseen)
    if missing:
        message += "Feature names seen at fit time, yet now missing:\n" + "".join(
            f"- {n}\n" for n in missing)
    if not unseen and not missing:
        message += "Feature names must be in the same order as they were in fit.\n"
    raise ValueError(message)


def sample_weights(sample_weight, n_samples: int) -> Optional[np.ndarray]:
    """``sample_weight`` as float64 (n_samples,), finite, not negative, not all
    zero; None stays None (every weight 1)."""
    if sample_weight is None:
        return None
    try:
        weights = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"sample_weight must hold real numbers: {exc}") from None
    if weights.ndim == 0:
        weights = np.full(n_samples, float(weights))
    if weights.shape != (n_samples,):
        raise ValueError(
            f"sample_weight must have shape ({n_samples},) (one weight per sample), "
            f"got {weights.shape}"
        )
    if not np.all(np.isfinite(weights)):
        raise ValueError("sample_weight contains NaN or infinite values")
    if np.any(weights < 0):
        first = int(np.argmax(weights < 0))
        raise ValueError(
            f"sample_weight must not be negative, got sample_weight[{first}] = {weights[first]}"
        )
    if not np.any(weights > 0):
        raise ValueError("sample_weight is all zero: at least one weight must be positive")
    return weights


def integer_weights(weights: np.ndarray) -> Optional[np.ndarray]:
    """``weights`` as int32 when they are integers of a total small enough to run on
    the repeated samples (see EXACT_WEIGHT_MIN_TOTAL), else None."""
    if np.any(weights != np.floor(weights)):
        return None
    total = float(np.sum(weights))
    limit = min(max(EXACT_WEIGHT_MIN_TOTAL, EXACT_WEIGHT_FACTOR * len(weights)), 2**31 - 1)
    return weights.astype(np.int32) if total <= limit else None


def seed_from(random_state) -> int:
    """Seed of a cv2-style generator from a scikit-learn ``random_state``: an int is
    the seed itself; a RandomState or Generator gives a draw (so successive fits
    differ); None draws from numpy's global RandomState, as scikit-learn does."""
    if random_state is None:
        random_state = np.random.mtrand._rand
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(np.iinfo(np.int32).max))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**63))
    raise TypeError(
        "random_state must be None, an int, a numpy.random.RandomState or a "
        f"numpy.random.Generator, got {type(random_state).__name__} {random_state!r}"
    )


def relative_tol(tol) -> float:
    """``tol`` checked: a real number in [0, MAX_TOL]."""
    if isinstance(tol, (bool, np.bool_)) or not isinstance(tol, numbers.Real):
        raise TypeError(f"tol must be a real number, got {type(tol).__name__} {tol!r}")
    value = float(tol)
    if not 0.0 <= value <= MAX_TOL:
        raise ValueError(f"tol must be a number in [0, {MAX_TOL:g}], got {tol!r}")
    return value

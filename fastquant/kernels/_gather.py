"""Rows of a matrix gathered into a tile on numba's threads (NumPy's ``take`` runs on
one): the input of the matrix-product pass's products (``fastquant/_gemm_pass.py``),
in blocks of STRIP_ROWS rows."""

from numba import prange

from .._jit import inline, kernel
from ._checks import in_range, require_at_least, require_equal, require_none_bad
from ._tunables import STRIP_ROWS


@inline
def _require_gather(X, rows, out):
    """The arguments of :func:`gather_rows` are consistent."""
    require_at_least(out.shape[0], rows.shape[0], "out must have a row per row gathered")
    require_equal(out.shape[1], X.shape[1], "out must have the columns of X")
    n_bad = 0
    for r in range(rows.shape[0]):
        n_bad += 0 if in_range(rows[r], X.shape[0]) else 1
    require_none_bad(n_bad, "rows must be row indices of X")


@kernel
def gather_rows(X, rows, out):
    """``out[r] = X[rows[r]]`` for every entry of ``rows``.

    Parameters
    ----------
    X : float32 (n_samples, n_features)
    rows : int64 (n_rows,)
        IN: row indices of ``X``.
    out : float32 (at least n_rows, n_features)
        OUT: its first ``n_rows`` rows.
    """
    _require_gather(X, rows, out)
    n_blocks = (rows.shape[0] + STRIP_ROWS - 1) // STRIP_ROWS
    for block in prange(n_blocks):
        for r in range(block * STRIP_ROWS, min(rows.shape[0], (block + 1) * STRIP_ROWS)):
            row = rows[r]
            for j in range(X.shape[1]):  # (a row slice copied at half the speed)
                out[r, j] = X[row, j]


"""cv2's walk to a k-means++ candidate, found from per-chunk sums instead of row by row.

cv2 draws a candidate by subtracting each row's distance (here, weight times distance)
from ``p`` in row order until ``p <= 0``: a chain of float64 subtractions whose every
step waits for the one before, 0.4 ms a draw at 10**6 rows, and three draws per center.
:func:`locate_row` reaches the same row from the per-chunk sums of the distances, which
the seeding computes anyway (they are the potential's partials), and walks only the
chunk where the chain crosses zero; where its error bound cannot tell which side of
zero the chain is on, it walks as cv2 does (:func:`walk_rows`).

Why the row is the same. Let ``c_i`` be cv2's chain after row ``i``, computed
``c_i = fl(c_{i-1} - f_i)`` from ``c_{-1} = p`` with ``f_i = fl(w_i * d_i) >= 0``. It never
increases (rounding is monotone), so the row cv2 stops at is the first ``i`` with
``c_i <= 0`` (or the last row). :func:`locate_row` computes a value ``a`` and a bound
``err`` with ``|a - c_i| <= err`` at the row it has reached; ``a > err`` proves
``c_i > 0``, ``a <= -err`` proves ``c_i <= 0``. With unit roundoff ``u = 2**-53``, each
rounding off by at most ``u`` times its result (an underflowed result is off by at most
2**-1075, covered by the term 2**-1000):

* a chunk of ``m`` rows skipped with its sum ``s`` (``a' = fl(a - s)``): ``s`` is off the
  exact sum of the products by at most ``(m + 1) u s (1 + mu)`` (any order of summing
  ``m`` terms of one sign, and the products); cv2's chain over the chunk rounds its
  products (``u s`` in all) and its ``m`` differences, each of magnitude at most
  ``c <= a + err`` while positive (the chain only decreases), and the first one that is
  not positive at most ``f_i <= s (1 + mu)``; ``a'`` itself is off by ``u |a'|``. So at
  the first row where the chain is not positive, if any, it is at least ``a' - e``, and
  at the chunk's end otherwise within ``e`` of ``a'``, with
  ``e = err + u ((m + 4) s + |a'| + m (a + err))`` up to the ``(1 + mu)`` factors.
  ``err' = err + 2u ((m + 8) s + |a'| + (m + 1) (a + err))`` exceeds ``e`` (the factor
  2 covering those and the rounding of the bound itself). A chunk is skipped when
  ``a' > err'``: then the chain is positive at its end, so at each of its rows.
* a row (``a' = fl(a - f_i)``, the same ``f_i`` as cv2's): the two subtractions round by
  ``u |a'|`` and ``u |c_i| <= u (|a'| + err')``, so ``err' = err + 4u (err + |a'|)`` holds.
"""

import numpy as np

from .._jit import helper, inline
from ._common import chunk_bounds

#: Unit roundoff of float64 (2**-53), times 2 and times 4: the growth of the bound.
_TWO_U = 2.0**-52
_FOUR_U = 2.0**-51
#: Covers every rounding that underflowed (at most 2**-1075 each, fewer than 2**74).
_TINY = 2.0**-1000


@inline
def walk_rows(dist, weights, p):
    """cv2's walk over weighted rows: subtract each row's ``weight`` times its distance
    from p until p <= 0 (for weights of 1, exactly cv2's walk); the row reached."""
    last = dist.shape[0] - 1
    i = 0
    while i < last:
        p -= weights[i] * np.float64(dist[i])
        if p <= 0.0:
            break
        i += 1
    return i


@helper
def locate_row(dist, weights, chunk_sums, p):
    """The row :func:`walk_rows` reaches, found from the chunks' sums.

    Parameters
    ----------
    dist : float32 (n_rows,)
        IN: each row's distance to its nearest center.
    weights : int32 (n_rows,)
        IN: each row's weight.
    chunk_sums : float64 (n_chunks,)
        IN: the sum of ``weights * dist`` over each chunk of ``chunk_bounds(chunk,
        n_chunks, n_rows)``, summed in any order.
    p : float64
        The draw, ``u * potential``.

    Returns
    -------
    int
        The row cv2's walk stops at (the module docstring proves it the same).
    """
    n_rows = dist.shape[0]
    last = n_rows - 1
    n_chunks = chunk_sums.shape[0]
    a = p
    err = _TINY
    for chunk in range(n_chunks):
        start, stop = chunk_bounds(chunk, n_chunks, n_rows)
        size = stop - start
        after = a - chunk_sums[chunk]
        grown = err + _TWO_U * ((size + 8) * chunk_sums[chunk] + abs(after)
                                + (size + 1) * (a + err))
        if after > grown:
            a, err = after, grown
            continue
        for i in range(start, min(stop, last)):
            a -= weights[i] * np.float64(dist[i])
            err += _FOUR_U * (err + abs(a))
            if a <= -err:
                return i
            if not a > err:  # too close to zero to tell (or NaN): cv2's own walk
                return walk_rows(dist, weights, p)
    return last

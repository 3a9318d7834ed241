"""A Lloyd pass whose distances come from a BLAS matrix product, with the labels and
sums of the plain pass (see ``kernels/_gemm.py`` for why the labels are exact).

The rows are cut into tiles whose products with the centers (float32, centers by
rows) take at most TILE_BYTES; NumPy's ``matmul`` (its BLAS, on its own threads)
fills a tile, then ``kernels._gemm.nearest_from_dots`` labels its rows. The sums are
accumulated afterwards in fastquant's fixed chunks, so they do not depend on the
tiles, the BLAS or any thread count.
"""

import numpy as np

from ._execution import launch
from .kernels import _gemm, _tiles
from .kernels._common import ROW_BLOCK

#: Bytes of one tile of products (n_clusters x tile rows float32). Measured on 2 cores,
#: 200k x 128 points, K = 256, time of the products alone: 1,024-row tiles 0.41 s,
#: 4,096 0.36 s, 16,384 0.20 s, 65,536 0.22 s.
TILE_BYTES = 16 << 20


class GemmPass:
    """Buffers of the matrix-product pass over ``n_rows`` rows and ``n_clusters``
    centers, and the squared norms of the rows last seen (they do not change between
    the passes of an attempt)."""

    def __init__(self, n_rows: int, n_clusters: int):
        tile_rows = max(ROW_BLOCK, TILE_BYTES // (4 * n_clusters) // ROW_BLOCK * ROW_BLOCK)
        self.tile_rows = min(tile_rows, max(n_rows, 1))
        self.products = np.empty(n_clusters * self.tile_rows, dtype=np.float32)
        self.settled = np.empty(-(-self.tile_rows // _gemm.STRIP_ROWS), dtype=np.int64)
        self.previous = np.empty(n_rows, dtype=np.int32)
        self.row_sq = np.empty(n_rows, dtype=np.float64)
        self._norms_of = None

    def assign(self, X, weights, centers, changes_only, labels, partial_sums, partial_counts):
        """One pass: ``labels`` (INOUT) get the nearest centers, ``partial_sums`` and
        ``partial_counts`` (OUT) those of ``kernels.assign_and_accumulate`` or, with
        ``changes_only``, of ``_passes.assign_and_update``. Returns the number of rows
        searched again in cv2's order."""
        n_rows, n_features = X.shape
        n_clusters = len(centers)
        if self._norms_of is not X:
            launch(_gemm.row_norms, X, self.row_sq, work=X.size)
            self._norms_of = X
        if changes_only:
            np.copyto(self.previous, labels)
        center_sq, norm_max = _tiles.center_norms(centers)
        settled = 0
        for first in range(0, n_rows, self.tile_rows):
            stop = min(first + self.tile_rows, n_rows)
            dots = self.products[: n_clusters * (stop - first)].reshape(n_clusters, stop - first)
            np.matmul(centers, X[first:stop].T, out=dots)
            launch(
                _gemm.nearest_from_dots, X, centers, first, dots, center_sq, norm_max,
                self.row_sq, labels, self.settled, work=dots.size,
            )
            settled += int(self.settled[: -(-(stop - first) // _gemm.STRIP_ROWS)].sum())
        previous = self.previous if changes_only else self.previous[:0]
        launch(
            _gemm.accumulate_labels, X, weights, labels, previous, changes_only,
            partial_sums, partial_counts, work=X.size,
        )
        return settled

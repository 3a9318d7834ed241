"""A Lloyd pass whose distances come from a BLAS matrix product, with Hamerly's
bounds and a runner-up per row, and the labels and sums of the plain pass (see
``kernels/_gemm.py`` for why the labels are exact).

``kernels._gemm.rows_to_search`` settles the rows whose bounds keep their label or
leave only their runner-up in contention (rows move between two centers of one blob
without a search), or whose label's few nearest centers, or the few centers that
moved most, are the only ones close enough to compete (``kernels._neighbours``). The
others are gathered into tiles (``kernels._gather``, on numba's threads) whose
products with the centers (float32, centers by rows) take at most TILE_BYTES;
NumPy's ``matmul`` (its BLAS, on its own threads) fills a tile, then
``kernels._gemm.nearest_from_dots`` labels its rows and sets their bounds. The sums
are accumulated afterwards in fastquant's fixed
chunks, so they do not depend on the tiles, the BLAS or any thread count; from the
second pass of an attempt on, only the chunks' clusters that a row entered or left
are summed again.
"""

import operator

import numpy as np

from ._distance_bounds import DistanceBounds
from ._execution import launch
from .kernels import _gather, _gemm, _neighbours, _tiles, chunk_count
from .kernels._tunables import MOVERS, NEAR_CENTERS, TILE_BYTES



class GemmPass:
    """Buffers of the matrix-product pass over ``n_rows`` rows, ``n_clusters``
    centers and ``n_features`` features, the rows' bounds, and the squared norms of
    the rows last seen (they do not change between the passes of an attempt)."""

    def __init__(self, n_rows: int, n_clusters: int, n_features: int):
        self.tile_rows = max(1, min(n_rows, TILE_BYTES // (4 * n_clusters)))
        self.products = np.empty(n_clusters * self.tile_rows, dtype=np.float32)
        self.gathered = np.empty((self.tile_rows, n_features), dtype=np.float32)
        self.settled = np.empty(-(-self.tile_rows // _gemm.STRIP_ROWS), dtype=np.int64)
        self.pending = np.empty(n_rows, dtype=np.int64)
        self.pending_counts = np.empty(chunk_count(n_rows), dtype=np.int64)
        # the labels before a pass with ``changes_only``; after a pass without, the
        # labels whose sums the caller's partials then hold, and the arrays those are
        # of, ``_sums_of`` ((X, weights, partial_sums, partial_counts); None: unknown)
        self.previous = np.empty(n_rows, dtype=np.int32)
        self._sums_of = None
        self.row_sq = np.empty(n_rows, dtype=np.float64)
        self.bounds = DistanceBounds(n_rows, n_clusters)
        # each row's runner-up and the lower bound on its distance to it; the bounds'
        # ``lower`` is then the bound on the other centers (see _gemm.rows_to_search)
        self.runner_up = np.empty(n_rows, dtype=np.int32)
        self.runner_lower = np.empty(n_rows, dtype=np.float32)
        # each center's nearest others, for the rows the bounds leave (_neighbours)
        width = min(NEAR_CENTERS, n_clusters - 1) + 1
        self.near = np.empty((n_clusters, width), dtype=np.int32)
        self.near_low = np.empty((n_clusters, width), dtype=np.float64)
        self.movers = np.empty(min(MOVERS, n_clusters), dtype=np.int32)  # (scratch)
        self._norms_of = None

    def _pending_rows(self, X, centers, labels):
        """The rows the bounds leave to search, in row order (the others are settled)."""
        bounds = self.bounds
        state = bounds.state
        n_clusters, n_features = centers.shape
        launch(_neighbours.center_neighbours, centers, self.near, self.near_low,
               work=n_clusters * n_clusters * n_features)
        launch(
            _gemm.rows_to_search, X, centers, state.moves, state.half_gaps, self.near,
            self.near_low, self.movers, labels, self.runner_up, state.upper, state.lower,
            self.runner_lower, self.pending, self.pending_counts, work=X.shape[0],
        )
        bounds.centers = centers
        n_chunks = len(self.pending_counts)
        starts = [(c * -(-len(X) // n_chunks), int(n)) for c, n in enumerate(self.pending_counts)]
        return np.concatenate([self.pending[s : s + n] for s, n in starts if n]
                              or [self.pending[:0]])

    def assign(self, X, weights, centers, changes_only, labels, partial_sums, partial_counts):
        """One pass: ``labels`` (INOUT) get the nearest centers, ``partial_sums`` and
        ``partial_counts`` (OUT) those of ``kernels.assign_and_accumulate`` or, with
        ``changes_only``, of ``_passes.assign_and_update``. Returns the rows searched
        (bounds failed) and, of them, those searched again in cv2's order.

        Between two passes of an attempt the caller leaves the partials as the first
        wrote them: the second then sums again only the chunks' clusters that a row
        entered or left (``kernels._gemm.accumulate_labels``)."""
        n_clusters = len(centers)
        if self._norms_of is not X:
            launch(_gemm.row_norms, X, self.row_sq, work=X.size)
            self._norms_of = X
        if changes_only or self.bounds.centers is None:  # (None: a new attempt)
            self._sums_of = None
        self.bounds.prepare(centers, labels)  # zeroes labels on a first pass
        if changes_only:
            np.copyto(self.previous, labels)
        rows = self._pending_rows(X, centers, labels)
        center_sq, norm_max = _tiles.center_norms(centers)
        bounds = self.bounds
        settled = 0
        for first in range(0, len(rows), self.tile_rows):
            tile = rows[first : first + self.tile_rows]
            if tile[-1] - tile[0] == len(tile) - 1:  # consecutive rows: no copy
                gathered = X[tile[0] : tile[-1] + 1]
            else:  # (right after the last tile's labelling: no BLAS launch between)
                gathered = self.gathered[: len(tile)]
                launch(_gather.gather_rows, X, tile, gathered, work=tile.size * X.shape[1])
            dots = self.products[: n_clusters * len(tile)].reshape(n_clusters, len(tile))
            with np.errstate(over="ignore", invalid="ignore"):  # such rows are settled
                np.matmul(centers, gathered.T, out=dots)
            launch(
                _gemm.nearest_from_dots, X, centers, tile, dots, center_sq, norm_max,
                self.row_sq, labels, self.runner_up, bounds.state.upper, bounds.state.lower,
                self.runner_lower, self.settled, work=dots.size,
            )
            settled += int(self.settled[: -(-len(tile) // _gemm.STRIP_ROWS)].sum())
        arrays = (X, weights, partial_sums, partial_counts)
        known = self._sums_of is not None and all(map(operator.is_, arrays, self._sums_of))
        previous = self.previous if changes_only or known else self.previous[:0]
        launch(
            _gemm.accumulate_labels, X, weights, labels, previous, changes_only,
            partial_sums, partial_counts, work=X.size,
        )
        if not changes_only:
            np.copyto(self.previous, labels)
            self._sums_of = arrays
        return len(rows), settled

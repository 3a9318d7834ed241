"""Hamerly's distance bounds of the rows of a Lloyd attempt (the state the bounded
pass of ``kernels/_bounds.py`` reads and updates)."""

import numpy as np

from ._distinct import Rows
from ._execution import launch
from .kernels import _bounds


class DistanceBounds:
    """Hamerly's bounds of every row (see kernels/_bounds.py): an upper bound on its
    distance to the center of its label, a lower bound on its distance to every
    other center, and the centers they refer to.

    A row whose upper bound is infinite has no bounds: the next pass searches all
    centers for it.
    """

    def __init__(self, n_rows: int, n_clusters: int):
        self.state = _bounds.Bounds(
            upper=np.empty(n_rows, dtype=np.float32),
            lower=np.empty(n_rows, dtype=np.float32),
            moves=np.empty(n_clusters, dtype=np.float64),
            half_gaps=np.empty(n_clusters, dtype=np.float64),
        )
        self.centers = None  # the centers of the bounds; None: no bounds yet
        # whether the partial sums hold those of the labels, as this object's last full
        # pass left them (then the next full pass sums again only what changed)
        self.summed = False

    def reset(self):
        """Forget every bound (at the start of an attempt)."""
        self.centers = None
        self.summed = False

    def invalidate(self, row: int):
        """Forget the bounds of one row (its label was changed by hand)."""
        self.state.upper[row] = np.inf
        self.summed = False

    def prepare(self, centers, labels):
        """Before a pass to ``centers``: every bound unset at the start of an attempt
        (with ``labels``, INOUT, zeroed), and the centers' moves and half gaps."""
        if self.centers is None:  # every row is searched
            self.state.upper.fill(np.inf)
            self.state.lower.fill(0.0)
            labels.fill(0)
            self.centers = centers
        _bounds.center_moves_and_gaps(centers, self.centers, self.state)

    def assign(self, rows: Rows, centers, changes_only: bool, labels, partial_sums,
               partial_counts):
        """A Lloyd pass that skips the rows whose bounds hold, then moves the bounds
        to ``centers``. ``labels`` are the rows' labels (INOUT). The partial sums must
        be left alone between two passes, or :meth:`reset` called."""
        self.prepare(centers, labels)
        refresh = self.summed and not changes_only
        self.summed = False  # (until the pass has succeeded)
        launch(
            _bounds.assign_bounded, rows.values, rows.weights, centers, self.state,
            changes_only, refresh, labels, partial_sums, partial_counts,
            work=rows.values.size * len(centers),
        )
        self.centers = centers
        self.summed = not changes_only

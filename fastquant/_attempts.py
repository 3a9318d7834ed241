"""The best of several attempts of Lloyd's algorithm (``_lloyd``): their starts drawn in
attempt order, the attempts run one after another or, when their passes are small, side
by side on threads, one thread each."""

from typing import Optional, Tuple

import numpy as np

from .kernels import _random
from .kernels._tunables import ATTEMPTS_ON_THREADS_MAX_WORK
from ._cell_lloyd import CellTree, best_outcome, cell_lloyd, suits
from ._distinct import Rows, distinct_rows, plain_rows
from ._execution import map_on_threads, task_threads
from ._lloyd import Attempt, RowPasses, Workspace, lloyd
from ._validation import Criteria, Points


def best_attempt(
    points: Points,
    n_clusters: int,
    criteria: Criteria,
    attempts: int,
    use_kmeanspp: bool,
    rng_state: np.ndarray,
    start_labels: Optional[np.ndarray] = None,
    rows: Optional[Rows] = None,
    start_centers: Optional[np.ndarray] = None,
    passes_type=None,
    total_shift: bool = False,
) -> Tuple[Attempt, Rows]:
    """Run ``attempts`` attempts; the one of smallest compactness (first on ties) and
    the rows it ran on.

    Parameters
    ----------
    points : Points
        The validated points and their bounding box (for random centers).
    n_clusters : int
    criteria : Criteria
    attempts : int
    use_kmeanspp : bool
        Seed with k-means++ (3 trials per center) rather than random centers.
    rng_state : uint64 (1,)
        INOUT: the generator, advanced by every initialisation.
    start_labels : int32 (n_samples,), optional
        Labels that replace the initialisation of the first attempt (run on the
        samples themselves, since samples of one row may carry different labels).
    rows : Rows, optional
        The rows to cluster, when the caller has built them (default: the distinct
        rows of ``points``).
    start_centers : float32 (n_clusters, n_features), optional
        Centers that replace the initialisation of the first attempt.
    passes_type : optional
        The class of the passes over ``rows`` (default :class:`RowPasses`).
    total_shift : bool
        See :func:`lloyd`.
    """
    rows = distinct_rows(points) if rows is None else rows
    n_features = points.values.shape[1]
    count_dtype = np.float64 if rows.weights.dtype.kind == "f" else np.int64
    # Small passes gain less from all threads than waking them costs at every pass:
    # there, the attempts run side by side, one thread each (plain rows in memory).
    side_by_side = (passes_type is None and attempts > 1 and task_threads(attempts) > 1
                    and rows.values.size * n_clusters <= ATTEMPTS_ON_THREADS_MAX_WORK)
    # Attempts from centers on distinct colours with few clusters pass over grid cells.
    tree = (CellTree(rows, points) if passes_type is None and not total_shift
            and start_labels is None and suits(rows, n_clusters) else None)
    passes_type = RowPasses if passes_type is None else passes_type
    shared = None if side_by_side else Workspace(len(rows.values), n_clusters, n_features,
                                                 count_dtype)

    def start(attempt: int):
        """The initial centers of an attempt (None: start_labels), drawn in attempt
        order: nothing else advances the generator, so drawing them all first changes
        nothing."""
        if attempt == 0 and start_labels is not None:
            return None
        if attempt == 0 and start_centers is not None:
            return start_centers
        if use_kmeanspp:
            return rows.values[rows.kmeanspp(n_clusters, rng_state)]
        return _random.random_centers(points.low, points.high, n_clusters, rng_state)

    def run(attempt: int, initial_centers) -> Tuple[Attempt, Rows]:
        if initial_centers is None:
            plain = plain_rows(points.values)
            workspace_0 = Workspace(len(start_labels), n_clusters, n_features)
            return lloyd(RowPasses(plain, workspace_0, start_labels.copy()), criteria), plain
        if tree is not None:
            return cell_lloyd(tree, row_passes, criteria, initial_centers), rows
        return lloyd(row_passes(), criteria, initial_centers, total_shift), rows

    def row_passes():
        workspace = shared if shared is not None else Workspace(
            len(rows.values), n_clusters, n_features, count_dtype)
        # Zeros: a run that stops before its first assignment pass (an epsilon whose
        # square overflows to infinity) returns them, as cv2 returns its fresh (zero)
        # label buffer.
        return passes_type(rows, workspace, np.zeros(len(rows.values), dtype=np.int32))

    if side_by_side:
        starts = [start(attempt) for attempt in range(attempts)]
        outcomes = map_on_threads(lambda attempt: run(attempt, starts[attempt]), range(attempts))
    else:
        outcomes = (run(attempt, start(attempt)) for attempt in range(attempts))
    if tree is not None:
        return best_outcome([outcome for outcome, _ in outcomes]), rows
    best, best_rows = None, rows
    for result, attempt_rows in outcomes:  # the first of the smallest compactness
        if best is None or result.compactness < best.compactness:
            best, best_rows = result, attempt_rows
    return best, best_rows

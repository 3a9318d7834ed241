"""Starting centers for k-means on a dask array, without pulling the data to the client.

* Random centers need the bounding box, found by the validation pass; they are then
  drawn exactly as ``fastquant.kmeans`` draws them.
* k-means++ becomes k-means|| (Bahmani et al., "Scalable k-means++", VLDB 2012): a
  first center drawn uniformly, then ``rounds`` rounds in which every sample joins
  the candidates independently with probability ``min(1, l * d / phi)`` (``d`` its
  squared distance to the nearest candidate, ``phi`` the sum of those, ``l`` the
  oversampling factor times K). Each candidate is weighted by the number of samples
  nearest to it and the K centers are chosen among the weighted candidates by
  fastquant's k-means++ (3 trials per center) on the client. Only the candidates,
  about ``rounds * l`` rows, travel.

The draws of k-means|| depend on the sample index only, never on the chunking.
"""

import dask.array as da
import numpy as np

from .. import kernels
from ..kernels import _seeding
from .._execution import launch
from .._validation import check_span, non_finite_message
from ..constants import KMEANSPP_TRIALS
from . import _blocks
from ._block_rows import as_points
from ._passes import per_block, tree_sum


def checked_bounds(data: da.Array, name: str = "data"):
    """Per-feature minimum and maximum (float32), after refusing NaN, infinities and
    spans whose squared distances overflow float32. One pass over the data."""
    n_features = data.shape[1]
    rows = per_block(data, _blocks.bounds, 1 + 2 * n_features).compute()
    bad_blocks = np.flatnonzero(rows[:, 0])
    if len(bad_blocks):
        block = bad_blocks[0]
        first = int(sum(data.chunks[0][:block]))
        values = as_points(data.blocks[block].compute())
        raise ValueError(non_finite_message(values, name, first))
    low = rows[:, 1 : 1 + n_features].min(axis=0).astype(np.float32)
    high = rows[:, 1 + n_features :].max(axis=0).astype(np.float32)
    check_span(low, high, name)
    return low, high


def _draw_uint64(rng_state: np.ndarray) -> int:
    return (int(kernels.rng_next(rng_state)) << 32) | int(kernels.rng_next(rng_state))


def kmeans_parallel(
    data: da.Array, bounds, n_clusters: int, rng_state: np.ndarray, oversampling: float,
    rounds: int,
) -> np.ndarray:
    """k-means|| seeding: K float32 centers chosen among weighted candidates.

    Parameters
    ----------
    data : dask array (N, D)
    bounds : (low, high)
        Per-feature bounds of ``data`` (float32).
    n_clusters : int
    rng_state : uint64 (1,)
        INOUT: the generator (first center, one stream seed per round, then the
        k-means++ draws among the candidates).
    oversampling : float
        Expected candidates per round, in multiples of K.
    rounds : int
        Sampling rounds (each is two passes over the data).
    """
    n_samples = data.shape[0]
    first = _draw_uint64(rng_state) % n_samples
    candidates = as_points(data[first : first + 1].compute())
    for _ in range(rounds):
        phi = tree_sum(data, _blocks.potential, 1, candidates, *bounds)[0]
        if phi == 0.0:  # every sample is a candidate already
            break
        seed = _draw_uint64(rng_state)
        scale = oversampling * n_clusters / phi
        added = data.map_blocks(
            _blocks.oversample, candidates, seed, scale, dtype=np.float32,
            chunks=((np.nan,) * data.numblocks[0], (data.shape[1],)),
            meta=np.empty((0, 0), dtype=np.float32),
        ).compute()
        candidates = np.concatenate((candidates, as_points(added)))
    counts = tree_sum(data, _blocks.nearest_counts, len(candidates), candidates, *bounds)
    weights = counts.astype(np.int32 if n_samples < 2**31 else np.int64)
    chosen = launch(_seeding.kmeanspp, candidates, weights, n_clusters, KMEANSPP_TRIALS,
                    rng_state, work=candidates.size)
    return candidates[chosen]


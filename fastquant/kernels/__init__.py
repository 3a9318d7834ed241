"""fastquant's Numba kernels: the stable public API, and a map of the private modules.

Public kernels (stable; callable from Python and from a user's ``@numba.njit`` code):

==========================  ==========================================================
:func:`chunk_count`         how many chunks a pass over ``n_samples`` points uses
:func:`assign`              nearest center of every point, with its squared distance
:func:`accumulate`          per-chunk weighted sums and weights of each cluster
:func:`assign_and_accumulate`  one Lloyd pass: :func:`assign` fused with :func:`accumulate`
:func:`reduce_partials`     the per-chunk partials combined in chunk order
:func:`kmeanspp`            k-means++ seeding, as cv2 does it
:func:`rng_next`, :func:`rng_float`, :func:`rng_double`   OpenCV's ``cv::RNG``
==========================  ==========================================================

Shared parameters: a kernel that takes one of these names means this by it, and its
own docstring says only what is particular to it (whether ``labels`` is IN or OUT, say):

X : float32 (n_samples, n_features)
    The points, C-contiguous and finite (or distinct rows that stand for samples).
weights : int32 (n_samples,)
    Multiplicity of each point (all 1 for plain data).
centers : float32 (n_clusters, n_features)
    The centers.
labels : int32 (n_samples,)
    Cluster of each point; from a search, the nearest center (lowest index on ties).
partial_sums : float64 (n_chunks, n_clusters, n_features)
    Per chunk, the weighted coordinate sums of the points of each cluster, with
    ``n_chunks = chunk_count(n_samples, n_clusters, n_features)``.
partial_counts : int64 (n_chunks, n_clusters)
    Per chunk, the total weight of each cluster.

The chunking depends on the sizes only and every chunk keeps its own float64 partial
sums, combined in chunk order (:func:`reduce_partials`): results are bitwise identical
on any number of threads.

Every kernel checks its arguments inside the jitted code (``_checks``): inconsistent
shapes, out-of-range labels or indices and bad counts raise a ValueError naming the
argument, and nothing is written outside the arrays; a non-integer index array is
refused by numba's TypingError when the call is compiled.

Where each step of fastquant lives (private modules, free to change):

* ``_tunables``: every tuning choice of k-means (thresholds, sizes, budgets) with the
  measurement that chose it; ``_image_tunables``: quantize's, the same way;
* ``_checks``: the argument checks, one helper per rule;
* ``_common``: chunking and memory budgets, the float32 squared distance in OpenCV's
  order, small helpers;
* ``_distances``: the nearest-center search over blocks of 64 rows (:func:`assign`);
* ``_passes``: Lloyd passes, their sums, the centers from the sums, the compactness;
* ``_bounds``: Hamerly's distance bounds (passes that skip rows that cannot change);
* ``_tiles``: the nearest-center search through the norm expansion, rows it cannot
  decide settled in cv2's order (many features);
* ``_gemm``: the kernels of the matrix-product pass (``fastquant/_gemm_pass.py``): the
  rows Hamerly's bounds leave, their labels from BLAS dot products with a proven
  rounding margin, the sums of the labels; ``_gather``: its tiles' rows, gathered;
* ``_repair``: cv2's empty-cluster repair (the farthest sample of a cluster);
* ``_cell_tree``, ``_cell_passes``: Lloyd passes labelling whole grid cells (``_cell_lloyd``);
* ``_seeding`` and ``_chunk_table``: k-means++ (:func:`kmeanspp`) and its row-to-chunks
  table for distinct rows; ``_candidate_walk``: cv2's walk to a candidate, found from the
  chunks' sums;
* ``_random``: the generators (OpenCV's, random centers, a counter-based stream);
* ``_key_bitmap``: the bitmap of keys present and their ranks, which both tables below
  build on;
* ``_distinct_table``: the distinct rows of integer data with their counts;
* ``_byte_rows``: the check of byte-valued points and their distinct table in one read;
* ``_colour_table``: the distinct colours of an image with their counts (``quantize``);
* ``_grid_search``: ``quantize``'s nearest-center search through a grid of candidate
  lists, and its Lloyd pass;
* ``_image_passes``: ``quantize``'s other passes (smoothness weights, grid cells, the
  quantized image and its error);
* ``_feature_bounds``: the validation pass (bounding box, non-finite values);
* ``_dither``: Floyd-Steinberg error diffusion with a strength, ordered Bayer offsets;
* ``_estimator``: what ``fastquant.KMeans`` adds (distances to every center, the
  weighted variance of the features).

Compile time is a user's first run (every kernel compiles in a fresh cache), so kernels
keep to what compiles fast (``tests/test_jit.py`` checks the README's first command):
allocate with ``np.empty`` and fill (``np.zeros``, ``np.full`` and ``np.arange`` each
compile numba's own implementation per dtype and rank, 0.07-0.14 s apiece); call a
non-inlined helper with variables, not constants (numba compiles it once per literal
value, so ``f(x, True)`` and ``f(x, False)`` are two compiles); and keep one dtype and
layout per argument, since every new combination is a new specialisation.

Every jitted function of fastquant is defined in this package, through the decorators
of ``fastquant._jit``; the on-disk cache is keyed on a hash of the package's source, so
an edit of any kernel file invalidates every cached kernel.
"""

from ._common import chunk_count
from ._distances import assign
from ._passes import accumulate, assign_and_accumulate, reduce_partials
from ._random import rng_double, rng_float, rng_next
from ._seeding import kmeanspp

__all__ = [
    "chunk_count",
    "assign",
    "accumulate",
    "assign_and_accumulate",
    "reduce_partials",
    "kmeanspp",
    "rng_next",
    "rng_float",
    "rng_double",
]

"""fastquant: k-means colour quantization, a faster and exact drop-in for cv2.kmeans.

Where each step lives (Python module -> the kernels it runs, in ``fastquant/kernels/``;
the shared kernel parameters and the module map are in ``kernels/__init__.py``, every
tuning choice in ``kernels/_tunables.py`` (k-means) and ``kernels/_image_tunables.py``
(quantize)):

* ``kmeans`` (``_kmeans``): arguments checked as cv2 checks them (``_validation``; the
  bounding box and non-finite values by ``kernels/_feature_bounds``), then attempts of
  Lloyd's algorithm (``_lloyd``):
  - distinct rows of integer data with counts (``_distinct`` -> ``_distinct_table``);
  - seeding: k-means++ (``_distinct.Rows.kmeanspp`` -> ``_seeding``, ``_candidate_walk``,
    ``_chunk_table``),
    random centers (``_random``);
  - passes: ``_passes`` (plain), ``_bounds``
    (Hamerly's bounds, state in ``_distance_bounds``), ``_tiles`` (norm expansion,
    many features); the nearest-center search itself in ``_distances``; small calls
    launch serially and run their attempts side by side (``_execution.map_on_threads``);
  - empty clusters: ``_repair``; the compactness: ``_passes.label_distance_sum``.
* ``quantize`` (``_quantize``): the colour table (``_colour_table`` ->
  ``_colour_table``), smoothness weights, coarse grids and the image
  (``_image_passes``), clustering through ``_lloyd``; colour spaces (``_colorspace``),
  alpha (``_alpha``), dithering (``_dithering`` -> ``_dither``).
* ``palette``, ``remap`` (``_palette``); ``read_frames`` (``_frames``).
* ``KMeans`` (``estimator``, ``_estimator_checks``, ``_estimator_fit`` -> ``_estimator``).
* Files and the command line: ``_imageread``, ``_imagewrite`` (``_atomic_write``,
  ``_indexed``), ``_files``, ``cli`` (``_cli_args``, ``_cli_report``), ``_sheet``,
  ``_bench`` (``_bench_data``).
* Out-of-core: ``fastquant.dask`` (its ``_blocks`` run the same kernels per block).
* How kernels are compiled, cached and launched: ``_jit``, ``_execution``; the
  generator: ``_rng`` (its state, as cv2 keeps it) and ``kernels/_random``.
"""

import importlib
from typing import TYPE_CHECKING

from . import kernels
from ._kmeans import kmeans
from ._rng import setRNGSeed
from .constants import (
    KMEANS_PP_CENTERS,
    KMEANS_RANDOM_CENTERS,
    KMEANS_USE_INITIAL_LABELS,
    TERM_CRITERIA_COUNT,
    TERM_CRITERIA_EPS,
    TERM_CRITERIA_MAX_ITER,
)

__version__ = "0.1.0"

#: Public names imported on first use (PEP 562), so that a script calling only
#: ``kmeans`` does not import the image, palette and estimator modules and their kernels.
_LAZY = {
    "quantize": "._quantize", "Quantized": "._quantize",
    "palette": "._palette", "Palette": "._palette", "remap": "._palette",
    "read_frames": "._frames", "Frames": "._frames",
    "KMeans": ".estimator",
}

if TYPE_CHECKING:
    from ._frames import Frames, read_frames
    from ._palette import Palette, palette, remap
    from ._quantize import Quantized, quantize
    from .estimator import KMeans


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))

__all__ = [
    "kmeans",
    "KMeans",
    "kernels",
    "quantize",
    "Quantized",
    "palette",
    "Palette",
    "remap",
    "read_frames",
    "Frames",
    "setRNGSeed",
    "KMEANS_PP_CENTERS",
    "KMEANS_RANDOM_CENTERS",
    "KMEANS_USE_INITIAL_LABELS",
    "TERM_CRITERIA_COUNT",
    "TERM_CRITERIA_EPS",
    "TERM_CRITERIA_MAX_ITER",
]

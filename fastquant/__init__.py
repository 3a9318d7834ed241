"""fastquant: k-means colour quantization, a faster and exact drop-in for cv2.kmeans."""

from . import kernels
from ._kmeans import kmeans
from ._rng import setRNGSeed
from ._quantize import Quantized, quantize
from ._palette import Palette, palette, remap
from ._frames import Frames, read_frames
from .estimator import KMeans
from .constants import (
    KMEANS_PP_CENTERS,
    KMEANS_RANDOM_CENTERS,
    KMEANS_USE_INITIAL_LABELS,
    TERM_CRITERIA_COUNT,
    TERM_CRITERIA_EPS,
    TERM_CRITERIA_MAX_ITER,
)

__version__ = "0.1.0"

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

"""fastquant on dask: k-means over arrays larger than one machine's memory, and image
batches spread over a cluster.

Needs the ``dask`` extra (``pip install "fastquant[dask]"``); ``import fastquant``
alone never imports dask.
"""

from ._files import quantize_files, scheduler_client
from ._kmeans import kmeans

__all__ = ["kmeans", "quantize_files", "scheduler_client"]

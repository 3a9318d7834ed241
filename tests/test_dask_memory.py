"""fastquant.dask.kmeans on data larger than a worker's memory limit.

The data are generated block by block on the workers, so no process ever holds them
whole. Each worker's peak resident memory (VmHWM) stays below its limit, which is
smaller than the data. The big version is ``benchmarks/test_dask.py``.
"""

import dask
import dask.array as da
import numpy as np
from distributed import Client, LocalCluster

import fastquant as fq
import fastquant.dask as fqd
from fastquant.dask import _blocks

ROWS_PER_BLOCK = 1_000_000
N_BLOCKS = 36  # 36M x 3 float32 = 412 MiB
MEMORY_LIMIT = 384 * 2**20
#: dask's own memory policies off: a worker paused at 80% of its limit would wait
#: forever (nothing here spills), and the test is about the peak, checked below; a
#: worker past 95% is still killed by its nanny, which the test sees.
NO_PAUSE = {
    "distributed.worker.memory.target": False,
    "distributed.worker.memory.spill": False,
    "distributed.worker.memory.pause": False,
}


def peak_resident_memory() -> int:
    """High-water mark of this process's resident memory, in bytes (Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _block(block_id=None):
    """One block of a blob: a random centre per block, integer offsets around it."""
    rng = np.random.default_rng(block_id[0])
    centre = rng.integers(20, 236, size=(1, 3)).astype(np.float32)
    return centre + rng.integers(-20, 21, size=(ROWS_PER_BLOCK, 3), dtype=np.int8)


def generated_data() -> da.Array:
    return da.map_blocks(
        _block, chunks=((ROWS_PER_BLOCK,) * N_BLOCKS, (3,)), dtype=np.float32,
        meta=np.empty((0, 0), dtype=np.float32),
    )


def _warm_kernel_cache():
    """Compile (or load) the kernels here first: compiling inside a worker would count
    LLVM's memory against the worker's limit."""
    one_block = da.from_array(_block(block_id=(0,)), chunks=(ROWS_PER_BLOCK, 3))
    with dask.config.set(scheduler="synchronous"):
        _, labels, _ = fqd.kmeans(one_block, 6, (fq.TERM_CRITERIA_COUNT, 4, 0.0), 1,
                                  fq.KMEANS_RANDOM_CENTERS)
        labels.compute()
    # The empty-cluster repair's search runs on the workers only when a cluster empties:
    # compile it here too.
    block = _block(block_id=(0,))
    centers = block[:2].copy()
    no_moves = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int32))
    _blocks.farthest(block, centers, *no_moves, 0, centers[:1].copy(),
                     block_info=[{"array-location": [(0, ROWS_PER_BLOCK)]}])


def test_kmeans_completes_within_a_worker_memory_limit_smaller_than_the_data():
    data = generated_data()
    assert data.nbytes > MEMORY_LIMIT
    _warm_kernel_cache()
    with dask.config.set(NO_PAUSE), LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      memory_limit=MEMORY_LIMIT, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        workers = set(client.scheduler_info()["workers"])
        fq.setRNGSeed(1)
        compactness, labels, centers = fqd.kmeans(
            data, 6, (fq.TERM_CRITERIA_COUNT, 4, 0.0), 1, fq.KMEANS_RANDOM_CENTERS
        )
        flat = labels.ravel()
        counts, *sums = da.compute(
            da.bincount(flat, minlength=6),
            *(da.bincount(flat, weights=data[:, j], minlength=6) for j in range(3)),
        )
        peaks = client.run(peak_resident_memory)
        assert set(client.scheduler_info()["workers"]) == workers  # none was restarted
    assert max(peaks.values()) < MEMORY_LIMIT, peaks
    assert counts.sum() == ROWS_PER_BLOCK * N_BLOCKS and np.all(counts > 0)
    # The returned centers are the means of the returned labels (cv2's scaling).
    means = np.stack(sums, axis=1).astype(np.float32) * (np.float32(1) / counts.astype(np.float32))[:, None]
    np.testing.assert_array_equal(centers, means)
    assert compactness > 0

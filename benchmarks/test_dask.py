"""Scale-out: ``fastquant.dask.kmeans`` against dask-ml's ``KMeans`` on one LocalCluster.

Both run on the same cluster (2 process workers of 1 thread each, 4 GiB memory limit
each: this machine's 2 cores), on the same persisted data, from the same initial
centers, for the same 10 assignment passes:

* fastquant: ``fastquant.dask.kmeans(data, K, (COUNT, 11, 0), 1, KMEANS_PP_CENTERS,
  initial_centers=C)`` (cv2 counts the initial centers as one of its 11), which also
  computes the compactness;
* dask-ml: ``dask_ml.cluster.KMeans(n_clusters=K, init=C, max_iter=10, tol=0)``
  ``.fit(data)``, which also computes its inertia.

Workloads: W2's points (messi.jpg upscaled 6x, 11,048,688 x 3 float32, blocks of
1,000,000 rows) at K = 16 and 64, and the larger-than-memory run
(``test_dask_beyond_memory``): 240M x 3 float32 points (2.7 GiB) generated block by
block, on workers limited to 1 GiB each, fastquant only (random centers, 5 passes;
not run with ``FASTQUANT_BENCH_QUICK=1``). ``FASTQUANT_BENCH_ROUNDS`` sets the rounds.

Each contender gets a fresh cluster, so that one's leftovers do not count in the
other's memory. Before each timed round every worker's peak resident memory is reset
(``/proc/self/clear_refs``) and fastquant's cache of distinct rows is cleared, so a
round pays for building it; after the rounds the workers' peak (VmHWM) and resident
memory at the start are recorded. The section "dask" of the summary prints the ratio
dask-ml time / fastquant time and the memory.
"""

import numpy as np
import pytest
from workloads import DASK_KS, SEED, quick, rounds

dask_array = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

CLUSTER = dict(n_workers=2, threads_per_worker=1, processes=True, memory_limit="4GiB",
               dashboard_address=None)
BLOCK_ROWS = 1_000_000
PASSES = 10
ROUNDS = {"fastquant": 3, "dask-ml": 2}
MODULES = {"fastquant": "fastquant.dask", "dask-ml": "dask_ml.cluster"}


def _status_bytes(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_worker(clear_rows: bool) -> int:
    """On a worker: reset the peak RSS, optionally drop fastquant's block rows; the RSS."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
    if clear_rows:
        from fastquant.dask import _block_rows

        _block_rows.clear()
    return _status_bytes("VmRSS")


def worker_peak() -> int:
    return _status_bytes("VmHWM")


def run_fastquant(data, k, centers):
    import fastquant
    import fastquant.dask

    return fastquant.dask.kmeans(
        data, k, (fastquant.TERM_CRITERIA_COUNT, PASSES + 1, 0.0), 1,
        fastquant.KMEANS_PP_CENTERS, initial_centers=centers,
    )[0]


def run_dask_ml(data, k, centers):
    import warnings

    from dask_ml.cluster import KMeans

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "init is an array: n_init set to 1" and the like
        model = KMeans(n_clusters=k, init=centers, max_iter=PASSES, tol=0).fit(data)
    return model.inertia_


RUNS = {"fastquant": run_fastquant, "dask-ml": run_dask_ml}


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("k", DASK_KS)
@pytest.mark.parametrize("contender", list(RUNS))
def test_dask_w2(benchmark, w2_points, record_timing, contender, k):
    """Time ``contender`` on W2's points, persisted on a fresh 2-worker cluster."""
    pytest.importorskip(MODULES[contender])
    centers = w2_points[np.random.default_rng(SEED).choice(len(w2_points), k, replace=False)]
    with distributed.LocalCluster(**CLUSTER) as cluster, distributed.Client(cluster) as client:
        data = dask_array.from_array(w2_points, chunks=(BLOCK_ROWS, 3)).persist()
        distributed.wait(data)
        RUNS[contender](data[: 2 * BLOCK_ROWS].persist(), k, centers)  # warm: numba's cache, imports
        starts = []

        def setup():
            starts.append(max(client.run(reset_worker, contender == "fastquant").values()))

        result = benchmark.pedantic(RUNS[contender], args=(data, k, centers), setup=setup,
                                    rounds=rounds(ROUNDS[contender]), iterations=1)
        peak = max(client.run(worker_peak).values())
    benchmark.extra_info.update(worker_peak_bytes=peak, worker_start_bytes=min(starts),
                                objective=float(result))
    record_timing(benchmark, "dask", f"W2 K={k}", contender,
                  extra={"peak": peak, "start": min(starts), "input": w2_points.nbytes})


BEYOND_ROWS = 240_000_000
BEYOND_LIMIT = 2**30


def _generated_block(block_id=None):
    rng = np.random.default_rng(block_id[0])
    centre = rng.integers(20, 236, size=(1, 3)).astype(np.float32)
    return centre + rng.integers(-20, 21, size=(BLOCK_ROWS, 3), dtype=np.int8)


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="reads /proc")
def test_dask_beyond_memory(benchmark, record_timing):
    """fastquant on 2.7 GiB generated per block, workers limited to 1 GiB each."""
    if quick():
        pytest.skip("FASTQUANT_BENCH_QUICK: the larger-than-memory run takes about a minute")
    import fastquant
    import fastquant.dask

    n_blocks = BEYOND_ROWS // BLOCK_ROWS
    data = dask_array.map_blocks(
        _generated_block, chunks=((BLOCK_ROWS,) * n_blocks, (3,)), dtype=np.float32,
        meta=np.empty((0, 0), dtype=np.float32),
    )
    options = dict(CLUSTER, memory_limit=BEYOND_LIMIT)
    with distributed.LocalCluster(**options) as cluster, distributed.Client(cluster) as client:
        workers = set(client.scheduler_info()["workers"])
        start = max(client.run(reset_worker, True).values())

        def run():
            fastquant.setRNGSeed(1)
            return fastquant.dask.kmeans(data, 16, (fastquant.TERM_CRITERIA_COUNT, 6, 0.0), 1,
                                         fastquant.KMEANS_RANDOM_CENTERS)[0]

        benchmark.pedantic(run, rounds=1, iterations=1)
        peak = max(client.run(worker_peak).values())
        assert set(client.scheduler_info()["workers"]) == workers  # no worker was restarted
    assert peak < BEYOND_LIMIT < data.nbytes
    benchmark.extra_info.update(worker_peak_bytes=peak, worker_start_bytes=start,
                                memory_limit=BEYOND_LIMIT, input_bytes=data.nbytes)
    record_timing(benchmark, "dask", "beyond memory", "fastquant",
                  extra={"peak": peak, "start": start, "input": data.nbytes})

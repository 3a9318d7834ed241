"""fastquant.dask.kmeans: the in-memory result whatever the chunking and the workers."""

import subprocess
import sys

import dask
import dask.array as da
import numpy as np
import pytest
from distributed import Client, LocalCluster

import fastquant as fq
import fastquant.dask as fqd
from fastquant.dask import _blocks
from fastquant._imageread import read_image
from fastquant._attempts import best_attempt
from fastquant._rng import new_state
from fastquant._validation import as_points, parse_criteria
from fastquant.cli import example_path

EPS_COUNT = fq.TERM_CRITERIA_EPS + fq.TERM_CRITERIA_COUNT
CHUNKINGS = [25_000, 33_333, 102_303]


@pytest.fixture(scope="module")
def pixels():
    """102,303 pixels of messi.jpg (every third), float32: integer-valued data."""
    return np.ascontiguousarray(read_image(example_path()).reshape(-1, 3)[::3], dtype=np.float32)


@pytest.fixture(scope="module")
def blobs():
    """Gaussian blobs in 5-D: float data whose float64 sums are not exact."""
    rng = np.random.default_rng(7)
    means = rng.uniform(-50, 50, size=(6, 5))
    return (means[rng.integers(0, 6, 60_000)] + rng.normal(0, 4, (60_000, 5))).astype(np.float32)


@pytest.fixture(scope="module")
def cluster_client():
    """Two process workers of one thread each."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield client


def _in_memory(points, k, criteria, attempts, flags, seed):
    fq.setRNGSeed(seed)
    return fq.kmeans(points, k, None, criteria, attempts, flags)


def _in_memory_from(points, k, criteria, start):
    """The in-memory engine (``fastquant.kmeans``'s) started from the centers ``start``."""
    best, rows = best_attempt(as_points(points), k, parse_criteria(criteria, k), 1, False,
                              new_state(0), start_centers=start)
    return best.compactness, best.sample_labels(rows).reshape(-1, 1), best.centers


def _on_dask(points, chunk_rows, k, criteria, attempts, flags, seed, **options):
    fq.setRNGSeed(seed)
    compactness, labels, centers = fqd.kmeans(
        da.from_array(points, chunks=(chunk_rows,) + points.shape[1:]), k, criteria, attempts,
        flags, **options,
    )
    return compactness, labels.compute(), centers


def _assert_same(expected, got):
    np.testing.assert_array_equal(got[1], expected[1])
    np.testing.assert_array_equal(got[2], expected[2])
    assert got[0] == pytest.approx(expected[0], rel=1e-12)


def test_importing_fastquant_does_not_import_dask():
    code = "import sys, fastquant; assert not [m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')]"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("chunk_rows", CHUNKINGS)
@pytest.mark.parametrize("scheduler", ["threads", "synchronous"])
def test_random_centers_give_the_in_memory_result(pixels, chunk_rows, scheduler):
    # Same generator state -> same random centers; 2 attempts, 25 clusters: several
    # empty clusters are repaired on the way.
    expected = _in_memory(pixels, 25, (EPS_COUNT, 10, 1.0), 2, fq.KMEANS_RANDOM_CENTERS, 11)
    with dask.config.set(scheduler=scheduler):
        got = _on_dask(pixels, chunk_rows, 25, (EPS_COUNT, 10, 1.0), 2, fq.KMEANS_RANDOM_CENTERS, 11)
    _assert_same(expected, got)


def test_moves_of_the_last_repair_reach_labels_and_compactness(pixels):
    # With two passes the run stops right after a repair: moved samples keep the
    # labels the repair gave them, in the lazy labels too.
    criteria = (fq.TERM_CRITERIA_COUNT, 2, 0.0)
    expected = _in_memory(pixels, 40, criteria, 1, fq.KMEANS_RANDOM_CENTERS, 5)
    got = _on_dask(pixels, 30_000, 40, criteria, 1, fq.KMEANS_RANDOM_CENTERS, 5)
    _assert_same(expected, got)
    assert len(np.unique(got[1])) == 40  # every empty cluster got a sample


def test_a_block_without_a_sample_of_the_repaired_cluster_offers_none():
    # The repair asks every block for its farthest sample of the largest cluster; a
    # block holding none of it answers with a distance of -1 (not an error).
    block = np.array([[0, 0, 0], [1, 1, 1], [2, 2, 2]], dtype=np.float32)
    centers = np.array([[1, 1, 1], [200, 200, 200]], dtype=np.float32)
    no_moves = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int32))
    info = [{"array-location": [(30, 33)]}]
    empty = _blocks.farthest(block, centers, *no_moves, 1, centers[1:].copy(), block_info=info)
    assert empty[0, 0] == -1.0
    found = _blocks.farthest(block, centers, *no_moves, 0, centers[:1].copy(), block_info=info)
    np.testing.assert_array_equal(found[0], [3.0, 32.0, 2.0, 2.0, 2.0])


@pytest.mark.parametrize("chunk_rows", [7_001, 20_000, 60_000])
def test_same_initial_centers_give_the_in_memory_result_on_float_data(blobs, chunk_rows):
    start = blobs[[0, 10_000, 20_000, 30_000, 40_000, 50_000, 59_999]] + np.float32(0.25)
    expected = _in_memory_from(blobs, 7, (EPS_COUNT, 20, 0.0), start)
    got = _on_dask(blobs, chunk_rows, 7, (EPS_COUNT, 20, 0.0), 1, fq.KMEANS_PP_CENTERS, 1,
                   initial_centers=start)
    np.testing.assert_array_equal(got[1], expected[1])
    # float64 sums added in another order round to float32 within one unit in the last place
    np.testing.assert_array_max_ulp(got[2], expected[2], maxulp=1)
    assert got[0] == pytest.approx(expected[0], rel=1e-12)


@pytest.mark.parametrize("chunk_rows", [20_000, 51_152])
def test_process_workers_give_the_in_memory_result(cluster_client, pixels, chunk_rows):
    expected = _in_memory(pixels, 12, (EPS_COUNT, 10, 0.5), 2, fq.KMEANS_RANDOM_CENTERS, 3)
    got = _on_dask(pixels, chunk_rows, 12, (EPS_COUNT, 10, 0.5), 2, fq.KMEANS_RANDOM_CENTERS, 3)
    _assert_same(expected, got)
    start = expected[2] + np.float32(3.0)
    got = _on_dask(pixels, chunk_rows, 12, (EPS_COUNT, 10, 0.5), 1, fq.KMEANS_PP_CENTERS, 3,
                   initial_centers=start)
    _assert_same(_in_memory_from(pixels, 12, (EPS_COUNT, 10, 0.5), start), got)


def test_labels_are_lazy_and_chunked_like_the_rows(pixels):
    data = da.from_array(pixels, chunks=(30_000, 3))
    _, labels, centers = fqd.kmeans(data, 4, (EPS_COUNT, 5, 1.0), 1, fq.KMEANS_PP_CENTERS)
    assert isinstance(labels, da.Array)
    assert labels.dtype == np.int32 and labels.shape == (len(pixels), 1)
    assert labels.chunks == (data.chunks[0], (1,))
    assert centers.dtype == np.float32 and centers.shape == (4, 3)


def test_kmeans_parallel_seeding_does_not_depend_on_the_chunking(pixels):
    results = [
        _on_dask(pixels, chunk_rows, 8, (EPS_COUNT, 10, 1.0), 1, fq.KMEANS_PP_CENTERS, 21)
        for chunk_rows in CHUNKINGS
    ]
    for result in results[1:]:
        _assert_same(results[0], result)


@pytest.mark.parametrize("k", [2, 8, 32])
def test_kmeans_parallel_seeding_is_as_good_as_kmeanspp(pixels, k):
    # Over 5 seeds, the mean compactness after 10 passes is within 3% of the mean
    # with fastquant.kmeans's k-means++ (the two seedings draw different centers).
    criteria = (EPS_COUNT, 10, 1.0)
    seeds = range(1, 6)
    plain = np.mean([_in_memory(pixels, k, criteria, 1, fq.KMEANS_PP_CENTERS, s)[0] for s in seeds])
    scaled = np.mean([_on_dask(pixels, 40_000, k, criteria, 1, fq.KMEANS_PP_CENTERS, s)[0] for s in seeds])
    assert scaled < 1.03 * plain


def test_kmeans_parallel_on_fewer_distinct_points_than_candidates():
    points = np.repeat(np.arange(5, dtype=np.float32).reshape(5, 1) * 10, 1000, axis=0)
    compactness, labels, centers = _on_dask(points, 700, 5, (EPS_COUNT, 10, 0.0), 1,
                                            fq.KMEANS_PP_CENTERS, 2)
    # cv2's scaling, float32(sum) * float32(1/count), is not exact: 30000 * (1/1000)
    np.testing.assert_allclose(np.sort(centers.ravel()), [0, 10, 20, 30, 40], rtol=2**-22)
    assert compactness < 1e-6
    np.testing.assert_array_equal(np.bincount(labels.ravel()), [1000] * 5)


def test_one_dimensional_and_integer_input(pixels):
    gray = pixels[:, 1].astype(np.uint8)
    expected = _in_memory(gray, 5, (EPS_COUNT, 10, 0.0), 1, fq.KMEANS_RANDOM_CENTERS, 4)
    got = _on_dask(gray, 10_000, 5, (EPS_COUNT, 10, 0.0), 1, fq.KMEANS_RANDOM_CENTERS, 4)
    _assert_same(expected, got)


def _nan_at(pixels, row):
    bad = pixels.copy()
    bad[row, 2] = np.nan
    return da.from_array(bad, chunks=(10_000, 3))


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda p: fqd.kmeans(_nan_at(p, 54_321), 3, (1, 10, 0), 1, 2), ValueError,
         r"data contains NaN at index \(54321, 2\)"),
        (lambda p: fqd.kmeans(da.from_array(p.astype(bool)), 3, (1, 10, 0)), TypeError,
         "data must hold integers or floating-point numbers"),
        (lambda p: fqd.kmeans(da.zeros((4, 4, 4)), 2, (1, 10, 0)), ValueError, "1-D .* or 2-D"),
        (lambda p: fqd.kmeans(da.from_array(p)[da.from_array(p)[:, 0] > 5], 2, (1, 10, 0)),
         ValueError, "unknown chunk sizes"),
        (lambda p: fqd.kmeans(da.from_array(p), 0, (1, 10, 0)), ValueError, "K must be between"),
        (lambda p: fqd.kmeans(da.from_array(p), 3, (1, 10, 0), 1, 1), ValueError,
         "KMEANS_USE_INITIAL_LABELS is not supported"),
        (lambda p: fqd.kmeans(da.from_array(p), 3, (1, 10, 0), initial_centers=np.zeros((3, 2))),
         ValueError, r"initial_centers must have shape \(K, D\) = \(3, 3\)"),
        (lambda p: fqd.kmeans(da.from_array(p), 3, (1, 10, 0), oversampling=0), ValueError,
         "oversampling must be a positive number"),
        (lambda p: fqd.kmeans(da.from_array(p), 3, (1, 10, 0), rounds=0), ValueError,
         "rounds must be at least 1"),
        (lambda p: fqd.kmeans(da.from_array(p), 3, (4, 10, 0)), ValueError, "criteria type"),
    ],
)
def test_bad_input_is_refused_with_the_argument_named(pixels, call, error, message):
    with pytest.raises(error, match=message):
        call(pixels)

"""Threads, fork and caching: fastquant must work inside any host process."""

import multiprocessing
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numba
import numpy as np
import pytest

import fastquant as fq
from fastquant import _execution

ROOT = Path(__file__).resolve().parents[1]
CRITERIA = (fq.TERM_CRITERIA_EPS + fq.TERM_CRITERIA_COUNT, 10, 1.0)


def _points(n=120_000):
    rng = np.random.default_rng(42)
    return rng.integers(0, 256, size=(n, 3)).astype(np.float32)


def _fingerprint(result):
    compactness, labels, centers = result
    return compactness, labels.tobytes(), centers.tobytes()


def _in_fresh_thread(function):
    box = []
    thread = threading.Thread(target=lambda: box.append(function()))
    thread.start()
    thread.join()
    return box[0]


def _job(points, seed):
    if seed is not None:
        fq.setRNGSeed(seed)
    flags = 0 if seed is None else (seed % 2) * fq.KMEANS_PP_CENTERS
    return _fingerprint(fq.kmeans(points, 12, None, CRITERIA, 2, flags))


def test_eight_threads_at_once_get_their_solo_results():
    points = _points()
    seeds = [None, None, 1, 2, 3, 4, 5, 6]
    alone = [_in_fresh_thread(lambda s=s: _job(points, s)) for s in seeds]
    together = [None] * len(seeds)
    barrier = threading.Barrier(len(seeds))

    def work(i):
        barrier.wait()
        together[i] = _job(points, seeds[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(seeds))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert together == alone
    assert alone[0] == alone[1]  # unseeded fresh threads start from the same state


def _run_script(code, **env):
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, env=full_env, timeout=600,
    )


def test_workqueue_layer_survives_concurrent_threads():
    code = """
        import threading, numpy as np, fastquant as fq, fastquant._kmeans
        fastquant._kmeans.SMALL_KMEANS_MAX_WORK = 0  # parallel launches, however small
        points = np.random.default_rng(0).random((50_000, 3)).astype(np.float32)
        results = []
        def work():
            results.append(fq.kmeans(points, 6, None, (3, 10, 0.1), 1, 2)[0])
        threads = [threading.Thread(target=work) for _ in range(8)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        import numba
        print(numba.threading_layer(), len(set(results)), len(results))
    """
    done = _run_script(code, NUMBA_THREADING_LAYER="workqueue")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["workqueue", "1", "8"]


def _child_job(points):
    fq.setRNGSeed(0)  # a forked child inherits the parent's advanced generator state
    return _execution.serial_only(), _fingerprint(fq.kmeans(points, 5, None, CRITERIA, 1, 2))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_fork_pool_works_after_the_parent_ran_kmeans(monkeypatch):
    from fastquant import _kmeans

    monkeypatch.setattr(_kmeans, "SMALL_KMEANS_MAX_WORK", 0)  # parallel launches
    points = _points(60_000)
    fq.setRNGSeed(0)
    expected = _fingerprint(fq.kmeans(points, 5, None, CRITERIA, 1, 2))
    layer = numba.threading_layer()
    with multiprocessing.get_context("fork").Pool(2) as pool:
        results = pool.map(_child_job, [points] * 2)
    for serial, fingerprint in results:
        assert serial == (layer == "omp")
        assert fingerprint == expected


def _points_ending_after_a_repair():
    """Integer points in 40 distinct rows, on which cv2's k-means with these random
    centers ends right after an empty-cluster repair has moved single samples out of
    their rows (the run's last pass then sums those samples apart)."""
    rng = np.random.default_rng(0)
    points = np.repeat(rng.integers(0, 4, (40, 3)), 2000, axis=0).astype(np.float32)
    rng.shuffle(points)
    return points


def _job_ending_after_a_repair(points):
    fq.setRNGSeed(3)
    return fq.kmeans(points, 12, None, (fq.TERM_CRITERIA_COUNT, 2, 0), 1, 0)[0]


def test_the_repair_case_really_moves_samples(monkeypatch):
    from fastquant import _lloyd

    moved = []
    finish = _lloyd.RowPasses.finish

    def spy(self, centers):
        moved.append(len(self.moves.label))
        return finish(self, centers)

    monkeypatch.setattr(_lloyd.RowPasses, "finish", spy)
    _job_ending_after_a_repair(_points_ending_after_a_repair())
    assert moved and moved[0] > 0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_fork_pool_after_openmp_finishes_runs_that_end_after_a_repair(monkeypatch):
    from fastquant import _kmeans

    monkeypatch.setattr(_kmeans, "SMALL_KMEANS_MAX_WORK", 0)  # parallel launches
    points = _points_ending_after_a_repair()
    expected = _job_ending_after_a_repair(points)  # the parent starts its thread pool
    with multiprocessing.get_context("fork").Pool(2) as pool:
        # a child killed by GNU OpenMP would leave the pool waiting forever
        results = pool.map_async(_job_ending_after_a_repair, [points] * 2).get(timeout=300)
    assert results == [expected, expected]


def test_workqueue_threads_finish_runs_that_end_after_a_repair():
    code = """
        import threading, numpy as np, fastquant as fq, fastquant._kmeans
        from tests.test_execution import _job_ending_after_a_repair, _points_ending_after_a_repair
        fastquant._kmeans.SMALL_KMEANS_MAX_WORK = 0  # parallel launches, however small
        points = _points_ending_after_a_repair()
        results = []
        threads = [threading.Thread(target=lambda: results.append(_job_ending_after_a_repair(points)))
                   for _ in range(6)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        print(len(set(results)), len(results))
    """
    done = _run_script(code, NUMBA_THREADING_LAYER="workqueue")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "6"]


def test_a_missing_threading_layer_is_one_clear_error():
    code = """
        import numpy as np, fastquant as fq
        points = np.random.default_rng(0).random((200_000, 3)).astype(np.float32)
        try:
            fq.kmeans(points, 4, None, (3, 10, 1.0), 1, 0)
            print("ran")
        except RuntimeError as error:
            print(error)
    """
    done = _run_script(code, NUMBA_THREADING_LAYER="tbb")
    if done.stdout.strip() == "ran":
        pytest.skip("TBB is installed here")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1 and "NUMBA_THREADING_LAYER" in lines[0] and "'tbb'" in lines[0]


def test_import_survives_when_no_cache_location_is_writable():
    code = """
        import numba.core.caching as caching
        caching.CacheImpl._locator_classes = []   # what a read-only install and home look like
        import numpy as np, fastquant as fq
        print(fq.kmeans(np.arange(12, dtype=np.float32), 2, None, (1, 5, 0), 1, 0)[2].ravel())
    """
    done = _run_script(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[2.5", "8.5]"]


def test_cache_can_be_disabled_by_environment():
    code = """
        import numpy as np, fastquant as fq
        from fastquant import kernels
        print(kernels.assign._cache.__class__.__name__)
        print(fq.kmeans(np.arange(12, dtype=np.float32), 2, None, (1, 5, 0), 1, 0)[0])
    """
    done = _run_script(code, FASTQUANT_DISABLE_CACHE="1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["NullCache", "35.0"]


def test_import_and_use_leave_numba_configuration_alone():
    code = """
        import numba
        before = (numba.config.THREADING_LAYER, numba.config.NUMBA_NUM_THREADS, numba.get_num_threads())
        import numpy as np, fastquant as fq
        fq.kmeans(np.random.default_rng(0).random((5000, 3)).astype(np.float32), 4, None, (3, 10, 0.1), 2, 2)
        after = (numba.config.THREADING_LAYER, numba.config.NUMBA_NUM_THREADS, numba.get_num_threads())
        print(before == after)
    """
    done = _run_script(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"


def test_small_work_runs_the_serial_twin_with_the_same_result(monkeypatch):
    from fastquant import kernels
    from fastquant._jit import serial_twin

    points = _points(3000)
    centers = points[:7].copy()
    outputs, used = [], []

    def spy(kernel):
        used.append(kernel)
        return serial_twin(kernel)

    monkeypatch.setattr(_execution, "serial_twin", spy)
    for work in (None, _execution.PARALLEL_MIN_WORK - 1):
        labels = np.empty(len(points), dtype=np.int32)
        distances = np.empty(len(points), dtype=np.float32)
        _execution.launch(kernels.assign, points, centers, labels, distances, work=work)
        outputs.append((labels.tobytes(), distances.tobytes()))
    assert used == [kernels.assign]  # only the small call went serial
    assert outputs[0] == outputs[1]


def test_one_thread_per_launch_is_per_thread_and_restored(monkeypatch):
    from fastquant import kernels
    from fastquant._jit import serial_twin

    ran = []

    def spy(kernel):
        ran.append(kernel)
        return serial_twin(kernel)

    monkeypatch.setattr(_execution, "serial_twin", spy)
    points = _points(200_000)
    centers = points[:5].copy()

    def assign():
        labels = np.empty(len(points), dtype=np.int32)
        distances = np.empty(len(points), dtype=np.float32)
        _execution.launch(kernels.assign, points, centers, labels, distances)
        return labels.tobytes() + distances.tobytes()

    with _execution.one_thread_per_launch():
        with _execution.one_thread_per_launch():
            pass
        inside = assign()  # still inside after a nested block ended
        assert len(ran) == 1
        with _execution.one_thread_per_launch(False):
            assign()  # launches as usual again in an inner block that allows it
        assert len(ran) == 1
        assign()
        assert len(ran) == 2
        other = _in_fresh_thread(assign)  # another thread is not affected
        assert len(ran) == 2
    assert assign() == inside == other  # (the chunking ignores threads)
    assert ran == [kernels.assign] * 2  # after the block: the parallel kernel again


def test_one_thread_per_launch_compiles_no_parallel_code_and_starts_no_threads():
    # A fresh process (nothing compiled or loaded yet): inside the block only the
    # serial twins run, and numba's threading layer is never started.
    code = """
        import numba, numpy as np, fastquant as fq
        from fastquant import kernels, _execution
        from fastquant._jit import serial_twin
        points = np.random.default_rng(0).random((200_000, 3)).astype(np.float32)
        with _execution.one_thread_per_launch():
            fq.kmeans(points, 5, None, (3, 10, 1.0), 2, fq.KMEANS_PP_CENTERS)
        try:
            layer = numba.threading_layer()
        except ValueError:
            layer = "none"
        print(layer, len(kernels.assign_and_accumulate.signatures),
              len(serial_twin(kernels.assign_and_accumulate).signatures))
    """
    done = _run_script(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["none", "0", "1"]


def test_serial_twins_are_made_when_first_needed():
    code = """
        import numpy as np, fastquant as fq
        from fastquant import _jit, _execution, kernels
        made = lambda: sorted(k.py_func.__name__ for k, t in _jit._SERIAL_TWINS.items() if t)
        print(made() == [], len(_jit._SERIAL_TWINS) > 10)
        points = np.random.default_rng(0).random((100, 3)).astype(np.float32)
        _execution.launch(kernels.assign, points, points[:2].copy(), np.empty(100, np.int32),
                          np.empty(100, np.float32), work=1)
        print(made())
    """
    done = _run_script(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True", "['assign']"]

def _task_state(item):
    return item, threading.current_thread().name, _execution._one_thread.active


def test_map_on_threads_keeps_the_order_and_launches_serially_on_its_threads(monkeypatch):
    monkeypatch.setattr(_execution, "_thread_count", lambda: 2)
    here = threading.current_thread().name
    results = _execution.map_on_threads(_task_state, range(12))
    assert [item for item, _, _ in results] == list(range(12))
    assert all(serial for _, _, serial in results)
    assert {name for _, name, _ in results} <= {here} | {
        thread.name for thread in threading.enumerate() if thread.name.startswith("fastquant-task")}
    assert not _execution._one_thread.active  # (the calling thread's flag is restored)


def test_map_on_threads_does_not_wait_for_pool_threads_that_never_start(monkeypatch):
    monkeypatch.setattr(_execution, "_thread_count", lambda: 2)
    _execution.map_on_threads(_task_state, range(2))  # (the pool exists)
    release = threading.Event()
    busy = [_execution._pool.submit(release.wait) for _ in range(2)]  # every pool thread
    results = []
    caller = threading.Thread(target=lambda: results.extend(
        _execution.map_on_threads(_task_state, range(5))), name="caller")
    caller.start()
    caller.join(timeout=60)  # (a guard against a hang, not a speed limit)
    finished = not caller.is_alive()
    release.set()
    caller.join()
    assert finished  # it waited for pool threads held by other work
    assert results == [(item, "caller", True) for item in range(5)]
    assert all(future.result() for future in busy)


def _fails_at_three(item):
    if item == 3:
        raise KeyError(item)
    return item


def test_map_on_threads_raises_the_error_of_a_task(monkeypatch):
    monkeypatch.setattr(_execution, "_thread_count", lambda: 2)
    with pytest.raises(KeyError, match="3"):
        _execution.map_on_threads(_fails_at_three, range(8))
    assert _execution.map_on_threads(_fails_at_three, range(3)) == [0, 1, 2]


def test_map_on_threads_stays_in_the_calling_thread_where_one_thread_is_asked(monkeypatch):
    monkeypatch.setattr(_execution, "_thread_count", lambda: 2)
    here = threading.current_thread().name
    with _execution.one_thread_per_launch():
        assert _execution.task_threads(5) == 1
        assert {name for _, name, _ in _execution.map_on_threads(_task_state, range(3))} == {here}
        with _execution.one_thread_per_launch(tasks_on_threads=True):  # an outer block rules
            assert _execution.task_threads(5) == 1
    with _execution.one_thread_per_launch(tasks_on_threads=True):
        assert _execution.task_threads(5) == 2
        assert _execution.task_threads(1) == 1


def test_runs_serially_tells_what_launch_does():
    assert _execution.runs_serially(_execution.PARALLEL_MIN_WORK - 1)
    assert not _execution.runs_serially(_execution.PARALLEL_MIN_WORK) or _execution.serial_only()
    with _execution.one_thread_per_launch():
        assert _execution.runs_serially(None)

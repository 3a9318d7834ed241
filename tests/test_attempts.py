"""fastquant._attempts: the best of several attempts, one after another or side by side."""

import numpy as np
import pytest

import fastquant as fq
from fastquant import _attempts, _execution



@pytest.mark.parametrize("levels", [6, 40], ids=["repairs", "long"])
@pytest.mark.parametrize("flags", [fq.KMEANS_RANDOM_CENTERS, fq.KMEANS_PP_CENTERS])
def test_attempts_side_by_side_give_the_results_of_one_after_another(monkeypatch, flags, levels):
    # Few distinct rows and many clusters: the attempts repair empty clusters; many:
    # the attempts last long enough to overlap.
    rng = np.random.default_rng(3)
    points = rng.integers(0, levels, size=(60_000, 3)).astype(np.float32)
    results = []
    for threads, limit in ((2, _attempts.ATTEMPTS_ON_THREADS_MAX_WORK), (1, 0)):
        monkeypatch.setattr(_attempts, "task_threads", lambda n_tasks, t=threads: min(n_tasks, t))
        monkeypatch.setattr(_attempts, "ATTEMPTS_ON_THREADS_MAX_WORK", limit)
        monkeypatch.setattr(_execution, "_thread_count", lambda t=threads: t)
        fq.setRNGSeed(7)
        compactness, labels, centers = fq.kmeans(points, 40, None, (3, 20, 0.0), 6, flags)
        results.append((compactness, labels.tobytes(), centers.tobytes()))
    assert results[0] == results[1]


def test_side_by_side_attempts_run_on_threads(monkeypatch):
    used = []
    real = _attempts.map_on_threads

    def spy(func, items):
        used.append(len(list(items)))
        return real(func, range(used[-1]))

    monkeypatch.setattr(_attempts, "map_on_threads", spy)
    monkeypatch.setattr(_attempts, "task_threads", lambda n_tasks: 2)
    points = np.random.default_rng(0).integers(0, 256, (3000, 3)).astype(np.float32)
    fq.kmeans(points, 4, None, (3, 10, 1.0), 5, fq.KMEANS_RANDOM_CENTERS)
    monkeypatch.setattr(_attempts, "task_threads", lambda n_tasks: 1)
    fq.kmeans(points, 4, None, (3, 10, 1.0), 5, fq.KMEANS_RANDOM_CENTERS)
    assert used == [5]

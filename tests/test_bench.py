"""fastquant bench: the contenders, the table, the data and the command's errors."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fastquant import _bench, _bench_data, cli

from . import naive

ROOT = Path(__file__).resolve().parents[1]


def test_compactness_is_the_distance_to_the_nearest_center():
    points = np.random.default_rng(0).random((3000, 4), dtype=np.float32)
    centers = points[:7].copy()
    expected = naive.sq_distances(points, centers).min(axis=1).sum(dtype=np.float64)
    assert _bench.compactness(points, centers) == expected


def test_table_gives_ratios_to_fastquant():
    rows = [(8, "fastquant", 0.5, 100.0), (8, "cv2", 2.0, 101.0)]
    lines = _bench.table(rows).splitlines()
    assert lines[1].split() == ["8", "fastquant", "0.500", "1.00x", "100", "1.0000"]
    assert lines[2].split() == ["8", "cv2", "2.000", "4.00x", "101", "1.0100"]


def test_tutorial_workload_gives_cv2s_centers():
    pytest.importorskip("cv2")
    image = np.random.default_rng(1).integers(0, 256, (60, 80, 3)).astype(np.float32)
    workload = _bench_data.Workload("tiny", image.reshape(-1, 3), (4,), tutorial=True)
    rows = _bench.run(workload, ["fastquant", "cv2"], 1, stream=open("/dev/null", "w"))
    assert [row[1] for row in rows] == ["fastquant", "cv2"]
    assert rows[0][3] == rows[1][3]  # same seed, same centers: the same compactness


def test_given_centers_start_every_contender_from_the_same_centers():
    points = np.random.default_rng(2).random((5000, 8), dtype=np.float32)
    workload = _bench_data.Workload("given", points, (6,), given_centers=True)
    np.testing.assert_array_equal(workload.initial_centers(6), workload.initial_centers(6))
    centers = _bench.RUNNERS["fastquant"](workload, points, 6)
    assert centers.shape == (6, 8)
    assert _bench.RUNNERS["cv2"](workload, points, 6) is None  # cv2 takes labels, not centers


def test_the_command_runs_on_a_users_npy_and_plots(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    data = tmp_path / "points.npy"
    np.save(data, np.random.default_rng(3).random((4000, 5)).astype(np.float32))
    plot = tmp_path / "bench.png"
    status = cli.main(["bench", "--data", str(data), "-k", "3", "--rounds", "1",
                       "--contenders", "fastquant,cv2", "--plot", str(plot)])
    out = capsys.readouterr().out
    assert status == 0
    assert "points.npy: 4,000 points of dimension 5" in out
    assert any(line.split()[:2] == ["3", "fastquant"] for line in out.splitlines())
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("argv, message", [
    (["--workload", "W9"], "unknown workload 'W9'"),
    (["--data", "missing.npy", "-k", "2"], "not a readable .npy array"),
    (["--contenders", "cv2"], "--contenders must include fastquant"),
    (["--rounds", "0"], "--rounds and -k must be at least 1"),
])
def test_usage_errors_are_one_line_and_exit_2(argv, message):
    done = subprocess.run([sys.executable, "-m", "fastquant", "bench", *argv],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr


def test_a_npy_that_is_not_points_is_refused(tmp_path):
    bad = tmp_path / "bad.npy"
    np.save(bad, np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="need a non-empty"):
        _bench_data.user_workload(str(bad), (2,), False)

"""fastquant.dask.quantize_files and ``fastquant --scheduler``: one task per file."""

import io
import shutil
import subprocess
import sys
from pathlib import Path

import dask
import numpy as np
import pytest
from distributed import Client, LocalCluster

from fastquant import cli, quantize
from fastquant._imageread import read_image
from fastquant.dask import quantize_files, scheduler_client

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def client():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield client


@pytest.fixture
def inputs(tmp_path):
    """Two photos, a file that is not an image and a path that does not exist."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copyfile(DATA / "chelsea.png", folder / "chelsea.png")
    shutil.copyfile(DATA / "rocket.jpg", folder / "rocket.jpg")
    (folder / "broken.png").write_bytes(b"not a png")
    return [folder / "chelsea.png", folder / "broken.png", folder / "rocket.jpg",
            folder / "missing.png"]


def test_each_file_is_quantized_on_a_worker_and_failures_are_reported_per_file(client, inputs, tmp_path):
    seen = []
    results = quantize_files(inputs, 6, tmp_path / "out", seed=3, client=client, on_result=seen.append)
    assert [Path(r.source).name for r in results] == [p.name for p in inputs]  # input order
    assert sorted(r.source for r in seen) == sorted(r.source for r in results)
    assert [r.ok for r in results] == [True, False, True, False]
    assert "broken.png" in results[1].source and results[1].error
    assert "missing.png" in results[3].error or "No such file" in results[3].error
    for result, source in ((results[0], inputs[0]), (results[2], inputs[2])):
        expected = quantize(read_image(source), 6, seed=3)
        written = read_image(result.target)
        np.testing.assert_array_equal(written, expected.image)
        assert Path(result.target) == tmp_path / "out" / f"{source.stem}-k6.png"
        assert result.colours == len(expected.palette) and result.psnr == pytest.approx(expected.psnr)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["chelsea-k6.png", "rocket-k6.png"]


def test_existing_outputs_are_kept_without_force(client, inputs, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "chelsea-k4.gif").write_bytes(b"precious")
    results = quantize_files(inputs[:1], 4, out, format="gif", client=client)
    assert not results[0].ok and "--force" in results[0].error
    assert (out / "chelsea-k4.gif").read_bytes() == b"precious"
    results = quantize_files(inputs[:1], 4, out, format="gif", client=client, force=True)
    assert results[0].ok and (out / "chelsea-k4.gif").read_bytes()[:4] == b"GIF8"


def test_bad_calls_are_refused(client, inputs, tmp_path):
    with pytest.raises(ValueError, match="k must be at least 1"):
        quantize_files(inputs, 0, tmp_path, client=client)
    other = tmp_path / "other"
    other.mkdir()
    shutil.copyfile(inputs[0], other / inputs[0].name)
    with pytest.raises(ValueError, match="would both be written to"):
        quantize_files([inputs[0], other / inputs[0].name], 4, tmp_path, client=client)


def test_without_a_client_there_is_a_clear_error(inputs, tmp_path):
    # In a fresh process: this module's cluster would be found as the default client.
    code = (
        "from fastquant.dask import quantize_files\n"
        "try:\n"
        f"    quantize_files([{str(inputs[0])!r}], 4, {str(tmp_path)!r})\n"
        "except ValueError as exc:\n"
        "    print('ValueError:', exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "ValueError: No clients found" in done.stdout


def test_command_line_sends_the_batch_to_a_scheduler(client, inputs, tmp_path, capsys):
    address = client.scheduler.address
    status = cli.main([*map(str, inputs), "-k", "5", "-d", str(tmp_path / "out"), "--scheduler", address])
    assert status == 1
    captured = capsys.readouterr()
    assert "chelsea.png: 451x300, K=5" in captured.out and "rocket.jpg" in captured.out
    assert "broken.png" in captured.err and "2 of 4 inputs failed" in captured.err
    assert (tmp_path / "out" / "rocket-k5.png").exists()


def test_command_line_progress_bar_with_a_scheduler(client, inputs, tmp_path, monkeypatch):
    fake = io.StringIO()
    fake.isatty = lambda: True
    monkeypatch.setattr(sys, "stderr", fake)
    good = [inputs[0], inputs[2]]
    address = client.scheduler.address
    assert cli.main([*map(str, good), "-k", "3", "-d", str(tmp_path / "o"), "--scheduler", address]) == 0
    assert "2/2" in fake.getvalue()


def test_command_line_local_cluster(inputs, tmp_path, capsys):
    status = cli.main([str(inputs[0]), "-k", "4", "-d", str(tmp_path / "out"), "--scheduler", "local"])
    assert status == 0, capsys.readouterr().err
    assert (tmp_path / "out" / "chelsea-k4.png").exists()


def test_command_line_unreachable_scheduler(inputs, tmp_path, capsys):
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        status = cli.main([str(inputs[0]), "-k", "4", "-d", str(tmp_path), "--scheduler", "tcp://127.0.0.1:9"])
    assert status == 1
    assert "--scheduler tcp://127.0.0.1:9" in capsys.readouterr().err


def test_command_line_scheduler_needs_an_output_folder(inputs, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([str(inputs[0]), "-k", "4", "-o", str(tmp_path / "x.png"), "--scheduler", "local"])
    assert exit_info.value.code == 2
    assert "--scheduler takes -d OUTDIR" in capsys.readouterr().err


def test_batch_that_would_overwrite_an_input_is_refused_before_any_task(client, inputs, tmp_path, capsys):
    # issue 10: "--scheduler local" also overwrote a-k8.png with the output of a.png
    folder = inputs[0].parent
    second = folder / "chelsea-k8.png"
    shutil.copyfile(inputs[2], second)
    before = second.read_bytes()
    with pytest.raises(ValueError, match="would replace the input"):
        quantize_files([inputs[0], second], 8, folder, client=client, force=True)
    with pytest.raises(SystemExit) as exit_info:
        cli.main([str(inputs[0]), str(second), "-k", "8", "-d", str(folder), "--force",
                  "--scheduler", client.scheduler.address])
    assert exit_info.value.code == 2
    assert "would replace the input" in capsys.readouterr().err
    assert second.read_bytes() == before
    assert not (folder / "chelsea-k8-k8.png").exists()


def test_pixel_limit_reaches_the_workers(client, inputs, tmp_path):
    results = quantize_files(inputs[:1], 4, tmp_path, client=client, max_pixels=451 * 300 - 1)
    assert "451x300 = 135,300 pixels, above the limit of 135,299" in results[0].error
    assert quantize_files(inputs[:1], 4, tmp_path, client=client, max_pixels=0)[0].ok
    with pytest.raises(ValueError, match="max_pixels"):
        quantize_files(inputs[:1], 4, tmp_path, client=client, max_pixels=-5)


@pytest.mark.parametrize("address", ["foo://x", "not a url", "tcp://host"])
def test_command_line_bad_scheduler_address(inputs, tmp_path, capsys, address):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([str(inputs[0]), "-k", "4", "-d", str(tmp_path), "--scheduler", address])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"fastquant: error: --scheduler: scheduler address {address!r} is not usable")
    assert err.count("\n") == 1
    with pytest.raises(ValueError, match="is not usable"):
        with scheduler_client(address):
            pass

"""Photos, contenders, PSNR and the end-of-run table of the quality benchmark.

``test_quality.py`` quantizes three photos to K = 2, 8, 25, 100 and 256 colours, without
dithering, with four contenders:

* ``fastquant``: ``fastquant.quantize(image, K)`` with its defaults (RGB k-means,
  k-means++, one attempt, seed 0);
* ``mediancut``: Pillow's ``Image.quantize(colors=K, method=Quantize.MEDIANCUT,
  dither=Dither.NONE)``;
* ``octree``: the same with ``method=Quantize.FASTOCTREE`` (Pillow ignores ``dither``
  when it makes the palette itself, so neither of its quantizers dithers anyway);
* ``libimagequant``: ``imagequant.quantize_raw_rgba_bytes(rgba, width, height,
  dithering_level=0.0, max_colors=K, min_quality=0, max_quality=100)``, the call that
  ``imagequant.quantize_pil_image`` makes after turning the image into RGBA bytes
  pixel by pixel in Python (about 50 ms on messi.jpg, so that step is left out).

Each contender gets the photo in the form its API takes (a numpy array, a Pillow RGB
image, RGBA bytes), prepared before the timing; its result is turned back into an
RGB array after the timing, and :func:`psnr` scores every contender the same way.

:class:`QualitySummary` is a pytest plugin that collects the results and prints the
table after pytest-benchmark's own tables, as ``conftest.py`` does for the speed
benchmarks.
"""

import os
import resource
import time
from pathlib import Path
from typing import Callable, Dict, NamedTuple, Optional, Tuple

import numpy as np
import pytest

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent

#: The photos, by the name the table shows.
PHOTOS = {
    "messi.jpg": REPO_ROOT / "fastquant" / "data" / "messi.jpg",
    "chelsea.png": REPO_ROOT / "tests" / "data" / "chelsea.png",
    "rocket.jpg": REPO_ROOT / "tests" / "data" / "rocket.jpg",
}
#: Palette sizes.
KS = (2, 8, 25, 100, 256)
#: Peak value of 8-bit images, for the PSNR.
PEAK = 255.0


def load_photo(name: str) -> np.ndarray:
    """The photo ``name`` as a (height, width, 3) uint8 array, read with imageio.v3."""
    import imageio.v3 as iio

    image = iio.imread(PHOTOS[name])
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"{name}: expected an 8-bit RGB photo, got {image.dtype} "
                         f"{image.shape}")
    return np.ascontiguousarray(image)


def psnr(original: np.ndarray, quantized: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB: ``10 log10(255^2 / MSE)``.

    The MSE is the mean of the squared differences over every RGB channel value of
    the two uint8 images, computed in float64; inf when they are equal.
    """
    if original.shape != quantized.shape:
        raise ValueError(f"shapes differ: {original.shape} and {quantized.shape}")
    difference = quantized.astype(np.float64) - original.astype(np.float64)
    mse = float(np.mean(difference * difference))
    return float("inf") if mse == 0.0 else 10.0 * np.log10(PEAK * PEAK / mse)


def count_colours(image: np.ndarray) -> int:
    """Number of distinct RGB colours of a (height, width, 3) uint8 image."""
    pixels = image.reshape(-1, 3).astype(np.uint32)
    return len(np.unique((pixels[:, 0] << 16) | (pixels[:, 1] << 8) | pixels[:, 2]))


# --- contenders --------------------------------------------------------------------


class RgbaBytes(NamedTuple):
    """An image as libimagequant takes it: RGBA bytes, row by row, and its size."""

    data: bytes
    width: int
    height: int


def _as_array(photo: np.ndarray) -> np.ndarray:
    return photo


def _as_pillow(photo: np.ndarray):
    from PIL import Image

    image = Image.fromarray(photo)
    if image.mode != "RGB":
        raise ValueError(f"expected an RGB image, Pillow made {image.mode}")
    return image


def _as_rgba_bytes(photo: np.ndarray) -> RgbaBytes:
    height, width = photo.shape[:2]
    rgba = np.empty((height, width, 4), dtype=np.uint8)
    rgba[..., :3] = photo
    rgba[..., 3] = 255
    return RgbaBytes(rgba.tobytes(), width, height)


def run_fastquant(image: np.ndarray, k: int):
    """``fastquant.quantize`` with its defaults (no dithering)."""
    import fastquant

    return fastquant.quantize(image, k)


def run_mediancut(image, k: int):
    """Pillow's median cut, no dithering."""
    from PIL import Image

    return image.quantize(colors=k, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


def run_octree(image, k: int):
    """Pillow's fast octree, no dithering."""
    from PIL import Image

    return image.quantize(colors=k, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)


def run_libimagequant(image: RgbaBytes, k: int) -> Tuple[bytes, list]:
    """libimagequant at quality 0-100, remapped without dithering (``dithering_level=0``)."""
    import imagequant

    return imagequant.quantize_raw_rgba_bytes(
        image.data, image.width, image.height, dithering_level=0.0, max_colors=k,
        min_quality=0, max_quality=100,
    )


def _fastquant_rgb(result, photo: np.ndarray) -> np.ndarray:
    return result.image


def _pillow_rgb(result, photo: np.ndarray) -> np.ndarray:
    return np.asarray(result.convert("RGB"))


def _libimagequant_rgb(result, photo: np.ndarray) -> np.ndarray:
    indices, palette = result
    colours = np.asarray(palette, dtype=np.uint8).reshape(-1, 4)
    rgba = colours[np.frombuffer(indices, dtype=np.uint8)].reshape(*photo.shape[:2], 4)
    if not (rgba[..., 3] == 255).all():
        raise AssertionError("libimagequant made opaque pixels translucent")
    return rgba[..., :3]


class Contender(NamedTuple):
    """How one library is called."""

    module: str  # what it imports (a missing one skips the contender)
    prepare: Callable[[np.ndarray], object]  # photo -> input of ``run`` (untimed)
    run: Callable[[object, int], object]  # the timed call
    to_rgb: Callable[[object, np.ndarray], np.ndarray]  # result -> RGB uint8 (untimed)


CONTENDERS: Dict[str, Contender] = {
    "fastquant": Contender("fastquant", _as_array, run_fastquant, _fastquant_rgb),
    "mediancut": Contender("PIL", _as_pillow, run_mediancut, _pillow_rgb),
    "octree": Contender("PIL", _as_pillow, run_octree, _pillow_rgb),
    "libimagequant": Contender("imagequant", _as_rgba_bytes, run_libimagequant,
                               _libimagequant_rgb),
}
#: The contender fastquant's target is set against.
RIVAL = "libimagequant"


def versions() -> str:
    """Versions and threads of the contenders' libraries, as one line."""
    import numba

    parts = [f"fastquant: numba {numba.__version__}, {numba.get_num_threads()} threads"]
    try:
        import PIL
        parts.append(f"Pillow {PIL.__version__} (1 thread)")
    except ImportError:
        pass
    try:
        import imagequant
        from importlib.metadata import version

        liq = imagequant.lib.liq_version()  # e.g. 21501 for 2.15.1
        parts.append(f"libimagequant {liq // 10000}.{liq // 100 % 100}.{liq % 100} "
                     f"(imagequant {version('imagequant')}, built without OpenMP: 1 thread)")
    except ImportError:
        pass
    return "; ".join(parts)


# --- machine load ------------------------------------------------------------------


class CpuSnapshot(NamedTuple):
    """CPU seconds at one moment: the machine's busy time and this process's own."""

    wall: float  # time.perf_counter()
    machine_busy: Optional[float]  # all processes since boot (None without /proc/stat)
    own: float  # this process and its finished children, user + system
    loadavg: str  # the 1-minute load average ("?" without /proc/loadavg)


def cpu_snapshot() -> CpuSnapshot:
    """Read the CPU counters now (Linux ``/proc/stat``; the machine part is None elsewhere)."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        busy = (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        busy = None
    try:
        with open("/proc/loadavg") as load:
            loadavg = load.read().split()[0]
    except OSError:
        loadavg = "?"
    own = sum(getattr(resource.getrusage(who), field)
              for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
              for field in ("ru_utime", "ru_stime"))
    return CpuSnapshot(time.perf_counter(), busy, own, loadavg)


def disturbance(start: CpuSnapshot, end: CpuSnapshot) -> str:
    """A line on the CPU time other processes took between two snapshots.

    That is the machine's busy time less this process's own, as a share of all the
    cores over the wall-clock interval; above 5 % the times are flagged as disturbed.
    """
    text = f"load average (1 min) {start.loadavg} at the start, {end.loadavg} at the end"
    wall = end.wall - start.wall
    if start.machine_busy is None or end.machine_busy is None or wall <= 0:
        return text + "; CPU time of other processes unknown (no /proc/stat)"
    others = max(0.0, (end.machine_busy - start.machine_busy) - (end.own - start.own))
    cores = os.cpu_count() or 1
    share = others / (wall * cores)
    text += (f"; other processes took {others:.1f} CPU-s in {wall:.0f} s, {100 * share:.1f}% "
             f"of the machine's {cores} cores")
    if share > 0.05:
        text += ": the machine was busy, the times are disturbed; run again"
    return text


# --- summary -----------------------------------------------------------------------


class Result(NamedTuple):
    """One contender on one photo and K."""

    psnr: float
    colours: int
    min: Optional[float]  # seconds; None when benchmarking is disabled
    median: Optional[float]
    rounds: int


class QualitySummary:
    """pytest plugin: collects :class:`Result` rows and prints the table at the end."""

    #: Name under which the plugin is registered with pytest's plugin manager.
    NAME = "fastquant-quality-summary"

    def __init__(self):
        self.results: Dict[Tuple[str, int], Dict[str, Result]] = {}
        # CPU counters when the first quality test starts and after the latest one.
        self.start = self.end = cpu_snapshot()

    def record(self, photo: str, k: int, contender: str, result: Result) -> None:
        """File ``contender``'s result on ``photo`` at ``k`` colours."""
        self.results.setdefault((photo, k), {})[contender] = result
        self.end = cpu_snapshot()

    def lines(self) -> list:
        """The table, one string per line."""
        names = [name for name in CONTENDERS
                 if any(name in row for row in self.results.values())]
        cell = 18
        header = (f"{'photo':<12}{'K':>4}  " + "".join(f"{name:>{cell}}" for name in names)
                  + f"{'PSNR fq>=liq':>15}{'time fq<liq':>13}{'liq/fq min':>12}{'med':>8}")
        lines = [versions(),
                 disturbance(self.start, self.end),
                 "each contender: PSNR (dB) and min time of the rounds; liq/fq: "
                 "libimagequant's time / fastquant's (above 1: fastquant faster)",
                 header]
        met = judged = 0
        order = {name: i for i, name in enumerate(PHOTOS)}
        for (photo, k), row in sorted(self.results.items(),
                                      key=lambda item: (order[item[0][0]], item[0][1])):
            cells = "".join(
                f"{row[name].psnr:8.2f}{_seconds(row[name].min):>{cell - 8}}"
                if name in row else f"{'-':>{cell}}" for name in names)
            verdict = ""
            fq, rival = row.get("fastquant"), row.get(RIVAL)
            if fq and rival:
                better = fq.psnr >= rival.psnr
                verdict = (f"{_yes(better)} ({fq.psnr - rival.psnr:+.2f})".rjust(15))
                if fq.min is not None and rival.min is not None:
                    faster = fq.min < rival.min
                    verdict += (f"{_yes(faster):>13}{rival.min / fq.min:11.2f}x"
                                f"{rival.median / fq.median:7.2f}x")
                    judged += 1
                    met += better and faster
            lines.append(f"{photo:<12}{k:>4}  {cells}{verdict}")
        if judged:
            lines.append(f"target (fastquant PSNR >= {RIVAL}'s and less time, min rounds): "
                         f"met in {met} of {judged} cases")
        return lines

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter, config):
        """Print the table after pytest-benchmark's tables."""
        if not self.results:
            return
        terminalreporter.write_sep(
            "-", "Quality: photos quantized without dithering, PSNR (dB) and time")
        for line in self.lines():
            terminalreporter.write_line(line)


def _seconds(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.3f}s"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"

"""Quality: PSNR and time of fastquant against Pillow and libimagequant on photos.

Every contender of ``quality.py`` (``fastquant.quantize`` with its defaults, Pillow's
median cut and fast octree, libimagequant through the ``imagequant`` package)
quantizes messi.jpg, chelsea.png and rocket.jpg to K = 2, 8, 25, 100 and 256 colours
without dithering. Each photo and K is one pytest-benchmark group of the four
contenders, run one after the other in this process, so they see the same machine
load. Every test makes one untimed call on the same input first (numba's compilation
or cache loading, lazy initialisation), then times ``ROUNDS`` calls
(``FASTQUANT_BENCH_ROUNDS`` overrides). The PSNR is computed by
:func:`quality.psnr` from the last round's output, the same way for every contender,
and the table printed at the end compares fastquant with libimagequant.
"""

import numpy as np
import pytest

from quality import (CONTENDERS, KS, PHOTOS, QualitySummary, Result, count_colours, load_photo,
                     psnr)
from workloads import rounds

#: Timed rounds per test (the slowest call, fastquant at K = 256, takes about 0.3 s).
ROUNDS = rounds(7)


@pytest.fixture(scope="session")
def photos() -> dict:
    """Every photo of ``quality.PHOTOS`` as a (height, width, 3) uint8 array."""
    return {name: load_photo(name) for name in PHOTOS}


@pytest.fixture(scope="session")
def quality_summary(request) -> QualitySummary:
    """The plugin that prints the quality table at the end of the run (registered once)."""
    manager = request.config.pluginmanager
    plugin = manager.get_plugin(QualitySummary.NAME)
    if plugin is None:
        plugin = QualitySummary()
        manager.register(plugin, QualitySummary.NAME)
    return plugin


@pytest.mark.parametrize("contender", list(CONTENDERS))
@pytest.mark.parametrize("k", KS)
@pytest.mark.parametrize("photo", list(PHOTOS))
def test_quality(benchmark, photos, quality_summary, photo, k, contender):
    """Time ``contender`` on ``photo`` with ``k`` colours; file its PSNR and times."""
    spec = CONTENDERS[contender]
    pytest.importorskip(spec.module)
    original = photos[photo]
    image = spec.prepare(original)
    benchmark.group = f"quality {photo} K={k}"

    result = benchmark.pedantic(spec.run, args=(image, k), rounds=ROUNDS, iterations=1,
                                warmup_rounds=1)

    quantized = spec.to_rgb(result, original)
    assert quantized.shape == original.shape and quantized.dtype == np.uint8
    colours = count_colours(quantized)
    assert colours <= k
    score = psnr(original, quantized)
    if contender == "fastquant":  # its own PSNR is computed the same way
        assert score == pytest.approx(result.psnr, rel=1e-9)
    benchmark.extra_info.update(workload="quality", case=f"{photo} K={k}",
                                contender=contender, k=k, psnr=score, colours=colours)
    stats = benchmark.stats
    if stats:  # None under --benchmark-disable: the PSNR is still filed
        timing = (stats["min"], stats["median"], stats["rounds"])
    else:
        timing = (None, None, 0)
    quality_summary.record(photo, k, contender, Result(score, colours, *timing))

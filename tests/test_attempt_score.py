"""fastquant._attempt_score: the blocks an attempt is scored on, and the attempt kept."""

import numpy as np
import pytest

import fastquant as fq
from fastquant import _attempt_score, _colour_clusters, _quantize
from fastquant._colour_table import colour_table
from fastquant.kernels._image_tunables import SCORE_BLOCK


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_the_sample_holds_the_pixels_of_blocks_on_a_lattice(monkeypatch, dtype):
    monkeypatch.setattr(_attempt_score, "SCORE_MAX_BLOCKS", 20)
    rng = np.random.default_rng(0)
    height, width = 100, 80  # 14 x 11 blocks: every third one each way, 5 x 4
    image = rng.integers(0, 40, size=(height, width, 3)).astype(dtype)
    table = colour_table(image.reshape(-1, 3))
    sample = _attempt_score.block_sample(table, height, width, 255.0)
    assert sample.colour_of.shape == (20, SCORE_BLOCK * SCORE_BLOCK)
    expected = [image[y:y + SCORE_BLOCK, x:x + SCORE_BLOCK].reshape(-1, 3)
                for y in range(0, 14 * SCORE_BLOCK, 3 * SCORE_BLOCK)
                for x in range(0, 11 * SCORE_BLOCK, 3 * SCORE_BLOCK)]
    assert np.array_equal(table.colours[sample.colour_of], np.stack(expected))


def test_no_sample_of_an_image_smaller_than_a_block():
    image = np.zeros((SCORE_BLOCK - 1, 50, 3), np.uint8)
    assert _attempt_score.block_sample(colour_table(image.reshape(-1, 3)), *image.shape[:2],
                                       255.0) is None


def _photo_like(seed=2, size=256):
    """Smooth gradients, a few flat patches and noise: > 16k colours."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / size
    image = np.stack([200 * x + 30 * np.sin(9 * y), 120 * y + 60 * x * y, 90 + 80 * np.cos(5 * x)],
                     axis=2)
    image[40:90, 30:120] = (20, 30, 25)
    image += rng.normal(0, 4, image.shape)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def test_quantize_keeps_the_attempt_that_scores_best(monkeypatch):
    monkeypatch.setattr(_quantize, "SCORE_MIN_PIXELS", 0)
    attempts, chosen, run_on = [], [], []
    lloyd, chooser = _colour_clusters.grid_lloyd, _colour_clusters.attempt_chooser

    def spy_lloyd(points, centers, criteria):
        result = lloyd(points, centers, criteria)
        if criteria is _colour_clusters.ATTEMPT_CRITERIA:
            attempts.append(result)
        elif criteria is _colour_clusters.RUN_ON_CRITERIA:
            run_on.append(np.array(centers))
        return result

    def spy_chooser(*args):
        choose = chooser(*args)

        def chose(centers):
            assert all(np.array_equal(c, a[0]) for c, a in zip(centers, attempts))
            chosen.append(choose(centers))
            return chosen[-1]
        return chose

    monkeypatch.setattr(_colour_clusters, "grid_lloyd", spy_lloyd)
    monkeypatch.setattr(_colour_clusters, "attempt_chooser", spy_chooser)
    fq.quantize(_photo_like(), 8, seed=0, attempts=5)
    assert len(attempts) == 5 and len(chosen) == 1 and len(run_on) == 1
    # the most compact attempt is another one: this case tells the two rules apart
    assert chosen[0] != int(np.argmin([compactness for _, compactness in attempts]))
    assert np.array_equal(run_on[0], attempts[chosen[0]][0])


def test_small_images_keep_the_most_compact_attempt(monkeypatch):
    calls = []
    monkeypatch.setattr(_colour_clusters, "attempt_chooser", lambda *args: calls.append(args))
    fq.quantize(_photo_like(), 4, seed=1, attempts=5)
    assert not calls


def test_the_most_balanced_attempt_is_not_the_worst_on_either_score():
    # SSIM, PSNR: the first is best in SSIM and worst in PSNR, the third the reverse
    scores = np.array([[0.90, 27.6], [0.89, 27.9], [0.87, 28.1], [0.88, 27.7]])
    assert _attempt_score.most_balanced(scores) == 1
    # the lower standardised score decides, not their sum (which would pick row 3)
    assert _attempt_score.most_balanced(np.array([[1.0, 0.0], [0.5, 0.4], [0.0, 1.0],
                                                  [0.95, 0.3]])) == 1
    # standardised, so the units do not matter; a score that does not vary counts 0
    assert _attempt_score.most_balanced(scores * [100.0, 0.01]) == 1
    assert _attempt_score.most_balanced(np.array([[0.5, 20.0], [0.7, 20.0], [0.6, 20.0]])) == 1
    assert _attempt_score.most_balanced(np.ones((3, 2))) == 0


def test_the_score_of_a_palette_is_its_block_ssim_and_psnr():
    image = _photo_like(size=70)
    table = colour_table(image.reshape(-1, 3))
    sample = _attempt_score.block_sample(table, 70, 70, 255.0)
    colours = table.colours.astype(np.float32)
    identity = np.arange(len(colours), dtype=np.int32)
    ssim, psnr = sample.scores(colours, identity, colours.astype(np.float64))
    assert ssim == pytest.approx(1.0) and psnr > 100
    grey = np.full((1, 3), 128.0)  # every 7 x 7 block of the 70 x 70 image, painted grey
    ssim, psnr = sample.scores(colours, np.zeros(len(colours), np.int32), grey)
    blocks = image.astype(np.float64).reshape(10, 7, 10, 7, 3).transpose(0, 2, 4, 1, 3)
    blocks = blocks.reshape(-1, 49)
    mean, variance = blocks.mean(axis=1), blocks.var(axis=1, ddof=1)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    # a flat block: no variance, no covariance
    expected = (2 * mean * 128 + c1) * c2 / ((mean**2 + 128**2 + c1) * (variance + c2))
    assert ssim == pytest.approx(expected.mean())
    error = image.astype(np.float64) - 128.0
    assert psnr == pytest.approx(10 * np.log10(255.0**2 / np.mean(error**2)))

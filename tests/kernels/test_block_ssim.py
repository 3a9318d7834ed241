"""fastquant.kernels._block_ssim: SSIM and squared error of sampled blocks."""

import numpy as np
import pytest

from fastquant._execution import one_thread_per_launch
from fastquant.kernels._block_ssim import block_scores
from fastquant.kernels._checks import KernelArgumentError

C1, C2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2


def _naive(colour_of, colours, colour_labels, palette):
    """SSIM of each block and channel straight from the definition (one window, sample
    covariances), summed; squared error summed."""
    x = colours[colour_of].astype(np.float64)  # (blocks, pixels, channels)
    y = palette[colour_labels[colour_of]]
    ssim = 0.0
    for b in range(x.shape[0]):
        for j in range(x.shape[2]):
            xs, ys = x[b, :, j], y[b, :, j]
            mx, my = xs.mean(), ys.mean()
            cov = np.cov(xs, ys)  # sample (n - 1) covariances
            ssim += ((2 * mx * my + C1) * (2 * cov[0, 1] + C2)
                     / ((mx * mx + my * my + C1) * (cov[0, 0] + cov[1, 1] + C2)))
    return ssim, float(np.sum((x - y) ** 2))


def _case(seed, n_blocks=300, n_in_block=49, n_colours=500, n_entries=16, channels=3):
    rng = np.random.default_rng(seed)
    colours = rng.integers(0, 256, size=(n_colours, channels)).astype(np.float32)
    colour_of = rng.integers(0, n_colours, size=(n_blocks, n_in_block)).astype(np.int32)
    colour_labels = rng.integers(0, n_entries, size=n_colours).astype(np.int32)
    palette = rng.random((n_entries, channels)) * 255.0
    return colour_of, colours, colour_labels, palette


@pytest.mark.parametrize("channels", [1, 3])
def test_scores_match_the_definition(channels):
    case = _case(channels, channels=channels)
    ssim, sse = block_scores(*case, C1, C2)
    expected_ssim, expected_sse = _naive(*case)
    assert ssim == pytest.approx(expected_ssim, rel=1e-10)
    assert sse == pytest.approx(expected_sse, rel=1e-10)


def test_a_block_painted_with_itself_scores_one_and_no_error():
    colour_of, colours, _, _ = _case(5, n_entries=500)
    identity = np.arange(len(colours), dtype=np.int32)
    ssim, sse = block_scores(colour_of, colours, identity, colours.astype(np.float64), C1, C2)
    assert ssim == pytest.approx(colour_of.shape[0] * colours.shape[1], rel=1e-12)
    assert sse == 0.0


def test_the_sums_do_not_depend_on_the_threads():
    case = _case(7, n_blocks=20000)
    parallel = block_scores(*case, C1, C2)
    with one_thread_per_launch():
        from fastquant._execution import launch
        serial = launch(block_scores, *case, C1, C2)
    assert parallel == serial


def test_bad_indices_and_shapes_are_refused():
    colour_of, colours, colour_labels, palette = _case(9)
    bad = colour_of.copy()
    bad[3, 4] = len(colours)
    with pytest.raises(KernelArgumentError, match="indices of colours"):
        block_scores(bad, colours, colour_labels, palette, C1, C2)
    labels = colour_labels.copy()
    labels[colour_of[0, 0]] = len(palette)
    with pytest.raises(KernelArgumentError, match="palette entries"):
        block_scores(colour_of, colours, labels, palette, C1, C2)
    with pytest.raises(KernelArgumentError, match="one entry per row of colours"):
        block_scores(colour_of, colours, colour_labels[:-1], palette, C1, C2)
    with pytest.raises(KernelArgumentError, match="one column per column"):
        block_scores(colour_of, colours, colour_labels, palette[:, :2], C1, C2)
    with pytest.raises(KernelArgumentError, match="at least 2 pixels"):
        block_scores(colour_of[:, :1], colours, colour_labels, palette, C1, C2)

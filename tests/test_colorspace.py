"""fastquant._colorspace: sRGB to CIELAB (D65) and to Oklab against published values,
inverted back to sRGB, monotone in lightness, at the edges of the gamut and beyond,
and the same for float32 and float64 input."""

import warnings

import numpy as np
import pytest

from fastquant import _colorspace
from fastquant._colorspace import srgb_to_lab, srgb_to_oklab

#: sRGB colours and their CIELAB (D65) coordinates as colour references publish them
#: (Lindbloom's calculator, easyrgb), to two decimals; the gray is sRGB 0.5.
LAB_REFERENCE = [
    ((1.0, 1.0, 1.0), (100.0, 0.0, 0.0)),
    ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0)),
    ((1.0, 0.0, 0.0), (53.24, 80.09, 67.20)),
    ((0.0, 1.0, 0.0), (87.73, -86.18, 83.18)),
    ((0.0, 0.0, 1.0), (32.30, 79.19, -107.86)),
    ((0.5, 0.5, 0.5), (53.39, 0.0, 0.0)),
]

#: sRGB primaries in Oklab as CSS Color 4 gives them (oklab() of red, lime and blue).
OKLAB_SRGB_REFERENCE = [
    ((1.0, 1.0, 1.0), (1.0, 0.0, 0.0)),
    ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0)),
    ((1.0, 0.0, 0.0), (0.627955, 0.224863, 0.125846)),
    ((0.0, 1.0, 0.0), (0.866440, -0.233888, 0.179498)),
    ((0.0, 0.0, 1.0), (0.452014, -0.032457, -0.311528)),
]

#: The table of Ottosson's Oklab page: CIE XYZ (D65) and Oklab, to three decimals. All
#: but the white are far outside sRGB's gamut (negative linear components).
OKLAB_XYZ_REFERENCE = [
    ((0.950, 1.000, 1.089), (1.000, 0.000, 0.000)),
    ((1.000, 0.000, 0.000), (0.450, 1.236, -0.019)),
    ((0.000, 1.000, 0.000), (0.922, -0.671, 0.263)),
    ((0.000, 0.000, 1.000), (0.153, -1.415, -0.449)),
]


def _encode(linear):
    """sRGB values of linear-light values (IEC 61966-2-1), the linear segment extended to
    negative values as the decoder does."""
    linear = np.asarray(linear, dtype=np.float64)
    curve = 1.055 * np.maximum(linear, 0.0031308) ** (1 / 2.4) - 0.055
    return np.where(linear <= 0.0031308, 12.92 * linear, curve)


def _lab_to_srgb(lab):
    """The CIE formulas run backwards: L*a*b* -> XYZ -> linear sRGB -> sRGB."""
    lab = np.asarray(lab, dtype=np.float64)
    fy = (lab[:, 0] + 16) / 116
    f = np.stack([fy + lab[:, 1] / 500, fy, fy - lab[:, 2] / 200], axis=1)
    delta = 6 / 29
    xyz = np.where(f > delta, f**3, 3 * delta**2 * (f - 4 / 29)) * _colorspace._WHITE_D65
    return _encode(xyz @ np.linalg.inv(_colorspace._RGB_TO_XYZ).T)


def _oklab_to_srgb(oklab):
    """Oklab -> cube-rooted cone responses -> linear sRGB -> sRGB."""
    lms = np.asarray(oklab, dtype=np.float64) @ np.linalg.inv(_colorspace._LMS_TO_OKLAB).T
    return _encode(lms**3 @ np.linalg.inv(_colorspace._RGB_TO_LMS).T)


def _colours(n=20_000, seed=0, low=0.0, high=1.0):
    return np.random.default_rng(seed).uniform(low, high, (n, 3))


@pytest.mark.parametrize("rgb, expected", LAB_REFERENCE)
def test_lab_reference_values(rgb, expected):
    np.testing.assert_allclose(srgb_to_lab(np.array([rgb]))[0], expected, atol=0.006)


@pytest.mark.parametrize("rgb, expected", OKLAB_SRGB_REFERENCE)
def test_oklab_reference_values_of_srgb_colours(rgb, expected):
    np.testing.assert_allclose(srgb_to_oklab(np.array([rgb]))[0], expected, atol=2e-5)


@pytest.mark.parametrize("xyz, expected", OKLAB_XYZ_REFERENCE)
def test_oklab_reference_values_of_ottossons_table(xyz, expected):
    rgb = _encode(np.array([xyz]) @ np.linalg.inv(_colorspace._RGB_TO_XYZ).T)
    np.testing.assert_allclose(srgb_to_oklab(rgb)[0], expected, atol=6e-4)


@pytest.mark.parametrize("forward, backward, tolerance", [
    (srgb_to_lab, _lab_to_srgb, 2e-6),  # float32 output: about 1e-5 of L* in 100
    (srgb_to_oklab, _oklab_to_srgb, 2e-5),  # computed in float32 throughout
])
def test_round_trip_back_to_srgb(forward, backward, tolerance):
    rgb = _colours()
    np.testing.assert_allclose(backward(forward(rgb)), rgb, atol=tolerance)


@pytest.mark.parametrize("convert, white", [(srgb_to_lab, 100.0), (srgb_to_oklab, 1.0)])
def test_grays_have_no_chroma_and_lightness_grows_with_them(convert, white):
    levels = np.arange(256) / 255.0
    coordinates = convert(np.repeat(levels[:, None], 3, axis=1))
    lightness = coordinates[:, 0]
    assert lightness[0] == 0.0
    assert np.all(np.diff(lightness) > 0)
    assert abs(lightness[-1] - white) < 1e-5 * white
    np.testing.assert_allclose(coordinates[:, 1:], 0.0, atol=1e-3 * white)


@pytest.mark.parametrize("convert", [srgb_to_lab, srgb_to_oklab])
@pytest.mark.parametrize("channel", [0, 1, 2])
def test_lightness_grows_with_every_channel(convert, channel):
    rgb = _colours(2000, seed=channel)
    brighter = rgb.copy()
    brighter[:, channel] = np.minimum(rgb[:, channel] + 0.05, 1.0)
    grew = brighter[:, channel] > rgb[:, channel]
    assert np.all(convert(brighter)[grew, 0] > convert(rgb)[grew, 0])


@pytest.mark.parametrize("convert", [srgb_to_lab, srgb_to_oklab])
def test_the_two_pieces_of_the_srgb_curve_meet(convert):
    # sRGB's linear segment ends at 0.04045: just below and just above give neighbours
    edge = np.array([[0.04045, 0.04045, 0.04045]])
    below, above = convert(np.nextafter(edge, 0)), convert(np.nextafter(edge, 1))
    np.testing.assert_allclose(above, below, rtol=1e-5, atol=1e-6)
    assert above[0, 0] >= below[0, 0]


@pytest.mark.parametrize("convert", [srgb_to_lab, srgb_to_oklab])
def test_out_of_gamut_colours_give_finite_values_without_warnings(convert):
    rgb = _colours(5000, seed=3, low=-0.5, high=1.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        coordinates = convert(rgb)
    assert np.isfinite(coordinates).all()
    darker = rgb.copy()
    darker[:, 1] -= 0.25  # less green is darker, inside the gamut or out of it
    assert np.all(convert(darker)[:, 0] < coordinates[:, 0])


@pytest.mark.parametrize("convert", [srgb_to_lab, srgb_to_oklab])
def test_float32_and_float64_input_give_the_same_float32_values(convert):
    rgb32 = _colours(5000, seed=4).astype(np.float32)
    from32, from64 = convert(rgb32), convert(rgb32.astype(np.float64))
    assert from32.dtype == from64.dtype == np.float32
    np.testing.assert_array_equal(from32, from64)


def test_oklab_in_float32_is_close_to_the_float64_computation():
    rgb = _colours(5000, seed=5)
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    exact = np.cbrt(linear @ _colorspace._RGB_TO_LMS.T) @ _colorspace._LMS_TO_OKLAB.T
    np.testing.assert_allclose(srgb_to_oklab(rgb), exact, atol=3e-6)

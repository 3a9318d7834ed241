"""Bad input: a clear exception naming the argument, never a crash or a silent answer."""

import numpy as np
import pytest

import fastquant as fq
from fastquant import _validation as check
from fastquant._execution import one_thread_per_launch

GOOD = np.arange(60, dtype=np.float32).reshape(20, 3)
CRITERIA = (fq.TERM_CRITERIA_EPS + fq.TERM_CRITERIA_COUNT, 10, 1.0)


def _call(data=GOOD, K=3, bestLabels=None, criteria=CRITERIA, attempts=1, flags=0):
    return fq.kmeans(data, K, bestLabels, criteria, attempts, flags)


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"data": np.array([], np.float32)}, ValueError, ["data", "empty"]),
        ({"data": np.zeros((0, 3), np.float32)}, ValueError, ["data", "empty"]),
        ({"data": np.zeros((2, 2, 2, 2), np.float32)}, ValueError, ["data", "4"]),
        ({"data": np.float32(3)}, ValueError, ["data"]),
        ({"data": np.array(["a", "b"])}, TypeError, ["data", "dtype"]),
        ({"data": np.array([1 + 2j, 3j])}, TypeError, ["data", "complex"]),
        ({"data": np.array([True, False, True])}, TypeError, ["data", "bool"]),
        ({"data": [[1.0, 2.0], [3.0]]}, TypeError, ["data"]),
        ({"data": np.array([[1.0, np.nan]], np.float32).repeat(5, 0)}, ValueError, ["data", "NaN", "(0, 1)"]),
        ({"data": np.array([0.0, np.inf, 1.0], np.float32)}, ValueError, ["data", "inf", "(1, 0)"]),
        ({"data": np.array([0.0, 1e300, 1.0])}, ValueError, ["data", "too large for float32"]),
        ({"data": np.array([-3e38, 3e38, 0.0], np.float32)}, ValueError, ["data", "overflows float32"]),
        ({"data": np.array([[0.0, 0.0], [1e19, 1e19]], np.float32)}, ValueError, ["data", "overflows"]),
        ({"data": np.zeros((4, 2, 513), np.float32)}, ValueError, ["data", "channels"]),
        ({"K": 0}, ValueError, ["K", "N = 20", "K = 0"]),
        ({"K": -2}, ValueError, ["K", "N = 20"]),
        ({"K": 21}, ValueError, ["K", "N = 20", "K = 21"]),
        ({"K": 2.5}, TypeError, ["K", "integer", "float"]),
        ({"K": 3.0}, TypeError, ["K", "integer"]),
        ({"K": True}, TypeError, ["K", "integer"]),
        ({"K": "3"}, TypeError, ["K", "integer"]),
        ({"attempts": 1.0}, TypeError, ["attempts", "integer"]),
        ({"flags": 4}, ValueError, ["flags", "4"]),
        ({"flags": -1}, ValueError, ["flags"]),
        ({"flags": None}, TypeError, ["flags", "integer"]),
        ({"criteria": (3, 10)}, TypeError, ["criteria", "3 items"]),
        ({"criteria": 10}, TypeError, ["criteria", "sequence"]),
        ({"criteria": (3, 10.5, 1.0)}, TypeError, ["criteria maxCount", "integer"]),
        ({"criteria": (3, -5, 1.0)}, ValueError, ["criteria maxCount", "negative"]),
        ({"criteria": (3, 10, "1")}, TypeError, ["criteria epsilon"]),
        ({"criteria": (3, 10, float("nan"))}, ValueError, ["criteria epsilon", "NaN"]),
        ({"criteria": (8, 10, 1.0)}, ValueError, ["criteria type"]),
        ({"criteria": (1.5, 10, 1.0)}, TypeError, ["criteria type", "integer"]),
        ({"flags": 1}, ValueError, ["bestLabels", "None", "KMEANS_USE_INITIAL_LABELS"]),
        ({"flags": 1, "bestLabels": np.zeros((19, 1), np.int32)}, ValueError, ["bestLabels", "(20, 1)", "(19, 1)"]),
        ({"flags": 1, "bestLabels": np.zeros((4, 5), np.int32)}, ValueError, ["bestLabels", "(20, 1)"]),
        ({"flags": 1, "bestLabels": np.zeros((20, 1), np.float32)}, TypeError, ["bestLabels", "integers"]),
        ({"flags": 1, "bestLabels": np.array([0] * 7 + [3] + [0] * 12, np.int32)}, ValueError, ["bestLabels[7] = 3", "K = 3"]),
        ({"flags": 1, "bestLabels": np.array([0] * 4 + [-1] * 16, np.int32)}, ValueError, ["bestLabels[4] = -1"]),
    ],
)
def test_bad_input_names_argument_and_problem(kwargs, error, words):
    with pytest.raises(error) as info:
        _call(**kwargs)
    message = str(info.value)
    for word in words:
        assert word in message, message


def test_setrngseed_rejects_what_cv2_rejects():
    with pytest.raises(ValueError, match="C int"):
        fq.setRNGSeed(2**31)
    with pytest.raises(TypeError, match="seed"):
        fq.setRNGSeed(1.5)


def test_nan_does_not_kill_the_process_and_later_calls_work():
    data = GOOD.copy()
    data[5, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        _call(data=data)
    compactness, labels, centers = _call()
    assert np.isfinite(compactness) and labels.shape == (20, 1)


def test_failed_call_leaves_best_labels_untouched():
    labels = np.full((20, 1), 2, np.int32)
    with pytest.raises(ValueError):
        _call(data=np.full((20, 3), np.nan, np.float32), bestLabels=labels, flags=1)
    assert (labels == 2).all()


def test_attempts_below_one_count_as_one():
    fq.setRNGSeed(4)
    zero = _call(attempts=0)
    fq.setRNGSeed(4)
    one = _call(attempts=1)
    assert zero[0] == one[0]
    np.testing.assert_array_equal(zero[1], one[1])


def _byte_image(shape=(2000, 3), seed=3):
    return np.random.default_rng(seed).integers(0, 256, size=shape).astype(np.float32)


@pytest.mark.parametrize("data", [
    _byte_image(),
    _byte_image((1, 300, 2)),  # (1, W, C): W rows of C features
    _byte_image((700,)),  # one feature
    np.minimum(_byte_image((200, 3)), 200) + 10,  # a box not starting at 0
])
def test_points_checked_by_their_byte_keys_have_the_general_box(data):
    points = check.as_points(data)  # small: the check runs on one thread
    assert points.byte_table is not None
    low, high = points.values.min(axis=0), points.values.max(axis=0)
    np.testing.assert_array_equal(points.low, low)
    np.testing.assert_array_equal(points.high, high)
    general = check.checked_points(points.values)
    assert general.byte_table is None
    np.testing.assert_array_equal(general.low, low)
    np.testing.assert_array_equal(general.high, high)


@pytest.mark.parametrize("value, words", [
    (np.nan, ["NaN", "(7, 1)"]), (np.inf, ["inf", "(7, 1)"]), (-np.inf, ["inf", "(7, 1)"]),
])
def test_a_non_finite_value_among_bytes_is_refused_and_located(value, words):
    data = _byte_image((20, 3))
    data[7, 1] = value
    with pytest.raises(ValueError) as raised:
        check.as_points(data)
    for word in ["data"] + words:
        assert word in str(raised.value)


@pytest.mark.parametrize("data", [
    _byte_image((50, 3)) + 0.5,  # not integers
    np.where(np.arange(150).reshape(50, 3) == 100, -1, _byte_image((50, 3))),
    np.where(np.arange(150).reshape(50, 3) == 100, 256, _byte_image((50, 3))),
    np.where(np.arange(150).reshape(50, 3) == 100, -0.0, _byte_image((50, 3))),  # box of -0
    _byte_image((50, 4)),  # 4 features: keys past int32
])
def test_points_that_are_not_bytes_have_no_byte_table(data):
    points = check.as_points(data)
    assert points.byte_table is None
    np.testing.assert_array_equal(points.low, data.reshape(len(data), -1).min(axis=0))


def test_byte_table_only_where_the_check_runs_on_one_thread():
    data = _byte_image((90_000, 3))  # parallel work unless one thread per launch
    assert check.as_points(data).byte_table is None
    with one_thread_per_launch():
        assert check.as_points(data).byte_table is not None

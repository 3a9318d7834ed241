"""Bad input: a clear exception naming the argument, never a crash or a silent answer."""

import numpy as np
import pytest

import fastquant as fq

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

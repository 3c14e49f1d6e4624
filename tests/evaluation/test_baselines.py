"""Baselines on a hand-made series, and season lengths from frequencies."""

import numpy as np
import pytest

from forecaster.errors import ForecasterError
from forecaster.evaluation.baselines import (
    BASELINES,
    baseline_forecasts,
    best_baseline,
    drift,
    mean,
    naive,
    season_length,
    seasonal_level,
    seasonal_naive,
)

# rows 0..7; weekly-ish pattern with period 3 plus a trend in the second column
SERIES = np.array(
    [
        [1.0, 10.0],
        [5.0, 12.0],
        [9.0, 14.0],
        [2.0, 16.0],
        [6.0, 18.0],
        [10.0, 20.0],
        [3.0, 22.0],
        [7.0, 24.0],
    ]
)


def test_naive_hand_values():
    out = naive(SERIES, [3, 6], 2)
    assert out.shape == (2, 2, 2)
    np.testing.assert_array_equal(out[0], [[9.0, 14.0], [9.0, 14.0]])
    np.testing.assert_array_equal(out[1], [[10.0, 20.0], [10.0, 20.0]])


def test_seasonal_naive_hand_values():
    # origin 6, m 3: steps use rows 3, 4, 5, 3 (h % m wraps)
    out = seasonal_naive(SERIES[:, 0], [6], 4, 3)
    assert out.shape == (1, 4, 1)
    np.testing.assert_array_equal(out[0, :, 0], [2.0, 6.0, 10.0, 2.0])
    # m = 1 is the naive forecast
    np.testing.assert_array_equal(seasonal_naive(SERIES, [5], 3, 1), naive(SERIES, [5], 3))


def test_seasonal_naive_falls_back_to_naive_without_a_season():
    out = seasonal_naive(SERIES[:, 0], [2, 4], 2, 3)
    np.testing.assert_array_equal(out[0, :, 0], [5.0, 5.0])  # origin 2 < m: naive
    np.testing.assert_array_equal(out[1, :, 0], [5.0, 9.0])  # rows 1, 2


def test_drift_hand_values():
    # column 1: first 10, last (row 3) 16, slope 6/3 = 2
    out = drift(SERIES, [4], 3)
    np.testing.assert_allclose(out[0, :, 1], [18.0, 20.0, 22.0])
    # column 0: first 1, last 2, slope 1/3
    np.testing.assert_allclose(out[0, :, 0], [2 + 1 / 3, 2 + 2 / 3, 3.0])
    # a single observed row: naive
    np.testing.assert_array_equal(drift(SERIES, [1], 2)[0], [[1.0, 10.0], [1.0, 10.0]])


def test_drift_is_exact_on_a_line():
    line = 3.0 + 2.0 * np.arange(20.0)
    out = drift(line, [10, 15], 5)
    np.testing.assert_allclose(out[0, :, 0], line[10:15])
    np.testing.assert_allclose(out[1, :, 0], line[15:20])


def test_mean_hand_values():
    out = mean(SERIES, [2, 4], 2)
    np.testing.assert_allclose(out[0], [[3.0, 11.0], [3.0, 11.0]])
    np.testing.assert_allclose(out[1], [[4.25, 13.0], [4.25, 13.0]])


def test_future_origin_at_end_of_series():
    # origin == n_rows: a forecast past the last row is allowed
    out = naive(SERIES, [8], 3)
    np.testing.assert_array_equal(out[0, :, 0], [7.0, 7.0, 7.0])


def test_baseline_forecasts_uses_same_windows():
    out = baseline_forecasts(SERIES, np.array([4, 6]), 2, m=3)
    assert list(out) == list(BASELINES) == ["naive", "seasonal_naive", "drift", "mean"]
    for name, pred in out.items():
        assert pred.shape == (2, 2, 2), name
    np.testing.assert_array_equal(out["seasonal_naive"], seasonal_naive(SERIES, [4, 6], 2, 3))
    np.testing.assert_array_equal(out["mean"], mean(SERIES, [4, 6], 2))


@pytest.mark.parametrize(
    ("origins", "horizon", "match"),
    [
        ([0], 2, "1..8"),
        ([9], 2, "1..8"),
        ([2.5], 2, "integer"),
        ([2], 0, "`horizon`"),
    ],
)
def test_bad_arguments_raise(origins, horizon, match):
    with pytest.raises(ForecasterError, match=match):
        naive(SERIES, origins, horizon)


def test_seasonal_naive_bad_m():
    with pytest.raises(ForecasterError, match="`m`"):
        seasonal_naive(SERIES, [4], 2, 0)


@pytest.mark.parametrize(
    ("freq", "m"),
    [
        ("B", 5),
        ("C", 5),
        ("D", 7),
        ("W", 52),
        ("W-SUN", 52),
        ("2W", 26),
        ("MS", 12),
        ("ME", 12),
        ("M", 12),
        ("BMS", 12),
        ("QS", 4),
        ("QS-JAN", 4),
        ("QE-DEC", 4),
        ("Q", 4),
        ("YS", 1),
        ("Y", 1),
        ("h", 24),
        ("H", 24),
        ("2h", 12),
        ("30min", 48),
        ("15min", 96),
        ("min", 60),
        ("T", 60),
        ("5h", 1),
        ("2D", 1),
        (None, 1),
    ],
)
def test_season_length(freq, m):
    assert season_length(freq) == m


def test_season_length_bad_string():
    with pytest.raises(ForecasterError, match="not a pandas frequency"):
        season_length("fortnightly")


def test_baseline_forecasts_at_every_season():
    out = baseline_forecasts(SERIES, [6, 7], 4, m=(3, 2))
    assert list(out) == [*BASELINES, "seasonal_naive_3", "seasonal_naive_2", "seasonal_level_3", "seasonal_level_2"]
    # the moved season is the model="auto" candidate: it is compared like the others
    np.testing.assert_array_equal(out["seasonal_level_2"], seasonal_level(SERIES, [6, 7], 4, 2))
    # the primary season keeps the backwards-compatible key, and has its own name too
    np.testing.assert_array_equal(out["seasonal_naive"], seasonal_naive(SERIES, [6, 7], 4, 3))
    np.testing.assert_array_equal(out["seasonal_naive_3"], out["seasonal_naive"])
    np.testing.assert_array_equal(out["seasonal_naive_2"], seasonal_naive(SERIES, [6, 7], 4, 2))
    # an int keeps today's four keys; no season means seasonal_naive is naive
    assert list(baseline_forecasts(SERIES, [6], 2, 3)) == list(BASELINES)
    none = baseline_forecasts(SERIES, [6], 2, m=())
    assert list(none) == list(BASELINES)
    np.testing.assert_array_equal(none["seasonal_naive"], none["naive"])
    with pytest.raises(ForecasterError, match="season length"):
        baseline_forecasts(SERIES, [6], 2, m=(3, 0))


def test_best_baseline():
    metrics = {
        "naive": {"mse": 4.0, "mase": 1.0},
        "seasonal_naive": {"mse": 2.0, "mase": float("nan")},
        "seasonal_naive_24": {"mse": 2.0, "mase": 0.9},
        "mean": {"mse": 3.0},
    }
    assert best_baseline(metrics) == "seasonal_naive"  # ties: the first listed
    assert best_baseline(metrics, "mase") == "seasonal_naive_24"  # nan is skipped
    with pytest.raises(ForecasterError, match="no baseline has a finite 'smape'"):
        best_baseline(metrics, "smape")

"""Split-conformal intervals: finite-sample quantiles, coverage on fresh data, guards."""

import json

import numpy as np
import pytest

from forecaster.errors import ForecasterError
from forecaster.evaluation.baselines import naive, seasonal_naive
from forecaster.evaluation.intervals import (
    apply_conformal,
    check_levels,
    coverage,
    fit_conformal,
    interval_metrics,
    mean_width,
)

H = 12


def _series(n: int, seed: int) -> np.ndarray:
    """A daily-like cycle of 24 rows plus AR(1) noise."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=n)
    ar = np.zeros(n)
    for i in range(1, n):
        ar[i] = 0.7 * ar[i - 1] + noise[i]
    return 5.0 * np.sin(2 * np.pi * np.arange(n) / 24) + ar


def _windows(x: np.ndarray, origins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    actual = np.stack([x[o : o + H] for o in origins])[:, :, None]
    return actual, seasonal_naive(x, origins, H, 24)


def test_coverage_on_fresh_data_per_step():
    x = _series(8000, seed=0)
    actual, point = _windows(x, np.arange(100, 100 + 200 * H, H))  # 200 calibration windows
    cal = fit_conformal(actual - point, [0.8, 0.95])
    assert cal["method"] == {"0.8": "per_step", "0.95": "per_step"}
    test_actual, test_point = _windows(x, np.arange(4000, 8000 - H))  # never seen
    out = apply_conformal(test_point, cal)
    assert 0.75 <= coverage(test_actual, out[0.8]["lower"], out[0.8]["upper"]) <= 0.85
    assert 0.92 <= coverage(test_actual, out[0.95]["lower"], out[0.95]["upper"]) <= 0.98
    assert mean_width(out[0.8]["lower"], out[0.8]["upper"]) < mean_width(
        out[0.95]["lower"], out[0.95]["upper"]
    )


@pytest.mark.parametrize("kind", ["seasonal", "random_walk"])
def test_few_windows_pool_the_steps_and_still_cover(kind):
    covers = {0.8: [], 0.95: []}
    for seed in range(30):
        x = (
            _series(3000, seed)
            if kind == "seasonal"
            else np.cumsum(np.random.default_rng(seed).normal(size=3000))
        )
        forecast = (
            (lambda o, x=x: seasonal_naive(x, o, H, 24))
            if kind == "seasonal"
            else (lambda o, x=x: naive(x, o, H))
        )
        cal_origins, test_origins = np.arange(100, 100 + 8 * H, H), np.arange(1500, 3000 - H, 4)
        actual = np.stack([x[o : o + H] for o in cal_origins])[:, :, None]
        cal = fit_conformal(actual - forecast(cal_origins), [0.8, 0.95])
        assert set(cal["method"].values()) == {"pooled"}
        test_actual = np.stack([x[o : o + H] for o in test_origins])[:, :, None]
        out = apply_conformal(forecast(test_origins), cal)
        for level in covers:
            covers[level].append(coverage(test_actual, out[level]["lower"], out[level]["upper"]))
    assert 0.75 <= np.mean(covers[0.8]) <= 0.85
    assert 0.91 <= np.mean(covers[0.95]) <= 0.98
    if kind == "random_walk":  # the measured profile widens with the step
        widths = np.asarray(cal["quantiles"]["0.8"])[:, 0]
        assert widths[-1] > 2 * widths[0]


def test_finite_sample_quantile_hand_value():
    residuals = (
        np.arange(1.0, 21.0)[:, None, None] * np.array([1.0, -2.0])[None, :, None]
    )  # 20 windows, 2 steps
    cal = fit_conformal(residuals, 0.8)
    # k = ceil((20 + 1) * 0.8) = 17: the 17th smallest |residual| of each step
    assert cal["quantiles"]["0.8"] == [[17.0], [34.0]]
    assert cal["levels"] == [0.8] and cal["n_windows"] == 20 and cal["capped"] == []


def test_scaled_scores_follow_each_series_scale():
    rng = np.random.default_rng(1)
    scales = np.repeat([1.0, 100.0], 100)  # a panel of two series, 100 windows each
    residuals = rng.normal(size=(200, 3, 1)) * scales[:, None, None]
    cal = fit_conformal(residuals, [0.8], scale=scales)
    assert cal["scaled"]
    fresh = rng.normal(size=(2000, 3, 1)) * np.repeat([1.0, 100.0], 1000)[:, None, None]
    out = apply_conformal(np.zeros_like(fresh), cal, scale=np.repeat([1.0, 100.0], 1000))[0.8]
    for part in (slice(0, 1000), slice(1000, 2000)):
        assert 0.75 <= coverage(fresh[part], out["lower"][part], out["upper"][part]) <= 0.85
    with pytest.raises(ForecasterError, match="pass each forecast's `scale`"):
        apply_conformal(np.zeros_like(fresh), cal)
    with pytest.raises(ForecasterError, match="finite and > 0"):
        fit_conformal(residuals, [0.8], scale=np.zeros(200))


def test_calibration_is_json_safe():
    rng = np.random.default_rng(2)
    cal = fit_conformal(rng.normal(size=(30, 4, 2)), [0.8, 0.95])
    back = json.loads(json.dumps(cal))
    point = rng.normal(size=(5, 4, 2))
    a, b = apply_conformal(point, cal), apply_conformal(point, back)
    for level in (0.8, 0.95):
        np.testing.assert_array_equal(a[level]["upper"], b[level]["upper"])
    report = interval_metrics(point, a)
    assert list(report) == ["0.8", "0.95"] and report["0.8"]["coverage"] == 1.0
    json.dumps(report)


def test_too_few_scores_are_capped_with_a_warning():
    with pytest.warns(UserWarning, match="too few"):
        cal = fit_conformal(np.array([[[1.0]], [[3.0]]]), [0.9])
    assert cal["capped"] == [0.9]
    # the largest normalised score (3 / the other window's 1) times the step mean (2)
    assert cal["quantiles"]["0.9"] == [[6.0]]
    with pytest.raises(ForecasterError, match="at least 2 calibration windows"):
        fit_conformal(np.ones((1, 3, 1)), [0.8])


@pytest.mark.parametrize(
    "levels", [0.0, 1.0, 1.5, -0.2, [0.8, 1.0], [], "0.8", [True], [float("nan")]]
)
def test_bad_levels_raise(levels):
    with pytest.raises(ForecasterError, match="interval levels"):
        fit_conformal(np.ones((5, 2, 1)), levels)


def test_guards_and_metrics():
    assert check_levels([0.95, 0.8, 0.8]) == (0.8, 0.95)
    cal = fit_conformal(np.ones((5, 2, 1)), [0.8])
    with pytest.raises(ForecasterError, match="horizon 3"):
        apply_conformal(np.zeros((1, 3, 1)), cal)
    with pytest.raises(ForecasterError, match="was not calibrated"):
        apply_conformal(np.zeros((1, 2, 1)), cal, [0.9])
    with pytest.raises(ForecasterError, match="raw units"):
        apply_conformal(np.zeros((1, 2, 1)), cal, scale=[1.0])
    with pytest.raises(ForecasterError, match="NaN"):
        fit_conformal(np.full((5, 2, 1), np.nan), [0.8])
    assert coverage([1.0, 2.0, 5.0, 3.0], [0, 0, 0, 3], [2, 2, 2, 4]) == 0.75
    assert mean_width([0.0, 1.0], [2.0, 5.0]) == 3.0
    with pytest.raises(ForecasterError, match="same non-empty shape"):
        coverage([1.0], [0.0, 0.0], [1.0, 1.0])

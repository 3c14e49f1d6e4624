"""The ``seasonal_level`` skip: seasonal naive moved by the last value's change over one season."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from forecaster.errors import ForecasterError
from forecaster.evaluation.baselines import seasonal_level, seasonal_naive
from forecaster.forecaster import Forecaster, load
from forecaster.models.factory import build_model
from forecaster.models.layers import SkipBaseline

FAST = dict(cell="gru", units=(4,), epochs=1, batch_size=128, jit_compile=False, verbose=0)


def _drifting_cycle(n: int = 24 * 7 * 6, seed: int = 0) -> np.ndarray:
    """A daily cycle on a random-walk level: last season's shape, today's level."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 10 + np.sin(2 * np.pi * t / 24) + np.cumsum(rng.normal(scale=0.2, size=n))


def test_numpy_baseline_is_the_seasonal_random_walk_forecast() -> None:
    y = np.random.default_rng(1).normal(size=(60, 2)).cumsum(axis=0)
    m, horizon, origins = 5, 12, np.array([20, 33])
    out = seasonal_level(y, origins, horizon, m)
    # ARIMA(0,1,0)(0,1,0): y[t+1] = y[t] + y[t+1-m] - y[t-m], applied recursively to its own forecasts
    for k, o in enumerate(origins):
        path = list(y[:o])
        for _ in range(horizon):
            path.append(path[-1] + path[-m] - path[-m - 1])
        np.testing.assert_allclose(out[k], np.array(path[o:]), rtol=1e-12)
    # without a change over the last season it is seasonal naive
    flat = np.tile(np.arange(5.0), 8)[:, None]
    np.testing.assert_allclose(seasonal_level(flat, [20], 7, 5), seasonal_naive(flat, [20], 7, 5))


def test_layer_matches_the_numpy_baseline() -> None:
    y = np.random.default_rng(2).normal(size=(120, 2)).cumsum(axis=0)
    width, horizon, m = 30, 20, 7  # horizon past one season: the change counts twice, then three times
    origins = np.arange(width, 100)
    x = np.stack([y[o - width : o] for o in origins]).astype("float32")
    out = np.asarray(SkipBaseline("seasonal_level", horizon, [0, 1], m)(x))
    np.testing.assert_allclose(out, seasonal_level(y, origins, horizon, m), atol=1e-4)


def test_build_model_needs_one_row_before_the_season() -> None:
    with pytest.raises(ForecasterError, match=r"`season` must be an integer in \[1, 23\] with skip='seasonal_level'"):
        build_model("gru", (4,), 24, 1, 6, 1, skip="seasonal_level", season=24)
    model = build_model("gru", (4,), 24, 1, 6, 1, skip="seasonal_level", season=23)
    assert tuple(model.output.shape) == (None, 6, 1)


def test_fit_with_it_saves_and_loads(tmp_path) -> None:
    y = _drifting_cycle(24 * 7 * 4)
    df = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=y.size, freq="h"), "y": y})
    fc = Forecaster(horizon=12, seasons=(24,), skip="seasonal_level", model="network", **FAST).fit(df)
    assert (fc.skip_, fc.skip_season_) == ("seasonal_level", 24)
    frame = fc.predict()
    fc.save(tmp_path / "run", plots=False)
    pd.testing.assert_frame_equal(load(tmp_path / "run").predict(), frame)
    # a run whose moved season leaves no row before it is refused, as build_model refuses it
    path = tmp_path / "run" / "forecaster.json"
    meta = json.loads(path.read_text())
    meta["skip_season"] = meta["input_width"]
    path.write_text(json.dumps(meta))
    with pytest.raises(ForecasterError, match="skip_season"):
        load(tmp_path / "run")


def test_auto_can_forecast_with_it() -> None:
    # a window baseline of model="auto" (not a skip it picks): on a seasonal random walk,
    # ARIMA(0,1,0)(0,1,0), the moved season is the best forecast; an untrained network (no skip,
    # tiny learning rate) loses to it on validation, and the linear model only estimates it
    n, m = 24 * 7 * 4, 24
    noise = np.random.default_rng(4).normal(scale=0.2, size=n)
    y = np.concatenate([10 + np.sin(2 * np.pi * np.arange(m + 1) / m), np.zeros(n - m - 1)])
    for t in range(m + 1, n):
        y[t] = y[t - 1] + y[t - m] - y[t - m - 1] + noise[t]
    df = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=y.size, freq="h"), "y": y})
    fc = Forecaster(model="auto", horizon=12, seasons=(24,), skip="none", learning_rate=1e-6, **FAST).fit(df)
    assert fc.choice_["used"] == "seasonal_level_24"
    expected = seasonal_level(y[:, None], [y.size], 12, 24)[0, :, 0]
    np.testing.assert_allclose(fc.predict()["y"].to_numpy(), expected, rtol=1e-5)

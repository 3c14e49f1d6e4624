"""End-to-end tests of the Forecaster estimator on small synthetic series."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from forecaster import Forecaster, ForecasterError, NotFittedError, load

# jit_compile=False: XLA compilation would cost more than these tiny fits.
TINY = dict(cell="gru", units=(8,), input_width=14, horizon=4, epochs=3, batch_size=32, verbose=0, seed=1,
            jit_compile=False)


def seasonal_frame(n: int = 300, freq: str = "D", seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    value = 10 + 0.02 * t + 2 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 0.3, n)
    return pd.DataFrame({"date": pd.date_range("2021-01-01", periods=n, freq=freq), "value": value})


@pytest.fixture(scope="module")
def fitted() -> tuple[Forecaster, pd.DataFrame]:
    frame = seasonal_frame()
    return Forecaster(**TINY).fit(frame), frame


def test_fit_returns_self_and_learned_state(fitted):
    fc, frame = fitted
    assert fc.targets_ == ("value",)
    assert fc.freq_ == "D" and fc.season_ == 7
    assert fc.input_width_ == 14
    assert fc.model_.output_shape == (None, 4, 1)
    assert len(fc.history_) == fc.n_epochs_ <= 3
    assert {"epoch", "loss", "val_loss"} <= set(fc.history_.columns)


def test_scaler_is_fit_on_training_rows_only(fitted):
    fc, frame = fitted
    start, stop = fc.split_[0].train
    train = frame["value"].to_numpy()[start:stop]
    assert stop < len(frame)
    np.testing.assert_allclose(fc.scalers_[0].center[0], train.mean(), rtol=1e-5)
    np.testing.assert_allclose(fc.scalers_[0].scale[0], train.std(), rtol=1e-4)
    assert not np.isclose(fc.scalers_[0].center[0], frame["value"].mean(), rtol=1e-3)


def test_evaluate_reports_model_and_baselines_on_raw_scale(fitted):
    fc, frame = fitted
    metrics = fc.evaluate()
    # plus seasonal_naive_<m> at every kept season
    assert {"naive", "seasonal_naive", "drift", "mean"} <= set(metrics["baselines"])
    for name in ("mse", "rmse", "mae", "mase"):
        assert np.isfinite(metrics["model"][name])
    assert len(metrics["per_step"]["model"]["mae"]) == fc.horizon
    # The test part starts input_width rows before its first target row.
    start, stop = fc.split_[0].test
    assert metrics["n_windows"] == stop - start - fc.input_width_ - fc.horizon + 1
    # Raw scale: the naive MSE equals the one computed by hand on the raw series.
    y = frame["value"].to_numpy()
    origins = np.arange(start + fc.input_width_, stop - fc.horizon + 1)
    errors = [(y[o : o + fc.horizon] - y[o - 1]) ** 2 for o in origins]
    assert metrics["baselines"]["naive"]["mse"] == pytest.approx(np.mean(errors), rel=1e-4)


def test_predict_continues_the_calendar(fitted):
    fc, frame = fitted
    forecast = fc.predict()
    # the conformal interval columns follow the point forecast
    assert list(forecast.columns) == ["date", "value", "value_lower_80", "value_upper_80", "value_lower_95", "value_upper_95"]
    expected = pd.date_range(frame["date"].iloc[-1], periods=5, freq="D")[1:]
    assert (pd.DatetimeIndex(forecast["date"]) == expected).all()
    assert np.isfinite(forecast["value"]).all()


@pytest.mark.slow
def test_predict_business_days_skip_weekends():
    dates = pd.bdate_range("2022-01-03", periods=160)
    dates = dates.delete([20, 60])  # market holidays
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"Date": dates, "Close": 100 + np.cumsum(rng.normal(0, 1, len(dates)))})
    fc = Forecaster(**{**TINY, "epochs": 1}).fit(frame)
    assert fc.freq_ == "B"
    forecast = fc.predict()
    assert (pd.DatetimeIndex(forecast["Date"]).day_of_week < 5).all()
    assert pd.Timestamp(forecast["Date"].iloc[0]) > dates[-1]


def test_predict_on_new_data_checks_columns(fitted):
    fc, frame = fitted
    out = fc.predict(frame.iloc[:100])
    assert pd.Timestamp(out["date"].iloc[0]) == frame["date"].iloc[99] + pd.Timedelta(days=1)
    with pytest.raises(ForecasterError, match="target column 'value'"):
        fc.predict(frame.rename(columns={"value": "other"}))


def test_unfitted_calls_name_fit():
    with pytest.raises(NotFittedError, match=r"call fit\(data\) before predict"):
        Forecaster().predict()
    with pytest.raises(ForecasterError, match="fit"):
        Forecaster().save("nowhere")


def test_a_failed_fit_keeps_the_earlier_model(fitted):
    fc, frame = fitted
    before = fc.predict()
    with pytest.raises(ForecasterError, match="rows"):
        fc.fit(seasonal_frame(n=20))  # data error, found after the parameters were checked
    fc.set_params(horizon=0)
    try:
        with pytest.raises(ForecasterError, match="horizon"):
            fc.fit(frame)
    finally:
        fc.set_params(horizon=TINY["horizon"])
    pd.testing.assert_frame_equal(fc.predict(), before)


def test_params_round_trip_and_validation():
    fc = Forecaster(**TINY)
    assert Forecaster.from_config(json.loads(json.dumps(fc.get_config()))).get_params() == fc.get_params()
    assert clone(fc).get_params() == fc.get_params()
    assert fc.set_params(cell="lstm") is fc and fc.cell == "lstm"
    with pytest.raises(ForecasterError, match="`cell` must be one of rnn, lstm, gru"):
        Forecaster(cell="transformer").fit(seasonal_frame())
    with pytest.raises(ForecasterError, match=r"`horizon` must be an integer >= 1 \(received horizon=0\)"):
        Forecaster(horizon=0).fit(seasonal_frame())


def test_too_short_series_is_a_user_error():
    with pytest.raises(ForecasterError, match="rows"):
        Forecaster(**TINY).fit(seasonal_frame(n=20))


def test_save_and_load_round_trip(fitted, tmp_path):
    fc, frame = fitted
    run = tmp_path / "run"
    fc.save(run)
    for name in ("model.keras", "export", "forecaster.json", "metrics.json", "history.csv", "forecast.csv",
                 "plots/forecast.png", "plots/history.png", "plots/horizon_error.png", "plots/future.png"):
        assert (run / name).exists(), name
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    meta = json.loads((run / "forecaster.json").read_text())
    calendar = ["cal_dow_sin", "cal_dow_cos", "cal_year_sin", "cal_year_cos"]  # calendar="auto" on daily data
    assert meta["columns"] == ["value", *calendar] and meta["input_width"] == 14 and meta["horizon"] == 4
    assert meta["data_hash"].startswith("sha256:")
    assert meta["kind"] == "forecaster"
    loaded = load(run)
    pd.testing.assert_frame_equal(loaded.predict(), fc.predict())
    pd.testing.assert_frame_equal(loaded.predict(frame), fc.predict(frame))
    with pytest.raises(ForecasterError, match="already exists"):
        fc.save(run)
    fc.save(run, overwrite=True, plots=False)


def test_load_rejects_non_runs_and_other_versions(tmp_path, fitted):
    with pytest.raises(ForecasterError, match="not a forecaster run directory"):
        load(tmp_path)
    fc, _ = fitted
    run = tmp_path / "run"
    fc.save(run, plots=False)
    meta = json.loads((run / "forecaster.json").read_text())
    meta["format_version"] = 999
    (run / "forecaster.json").write_text(json.dumps(meta))
    with pytest.raises(ForecasterError, match="format version 999"):
        load(run)


def test_plots_render_png(fitted):
    fc, _ = fitted
    for figure in (fc.plot_forecast(), fc.plot_history(), fc.plot_horizon_error()):
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        assert buffer.tell() > 5000


def test_backtest_one_row_per_origin(fitted):
    fc, frame = fitted
    table = fc.backtest(frame, folds=3)
    # tidy: one row per origin and model (the model, then the baselines)
    assert {"origin", "origin_date", "model", "mse", "mae", "forecast"} <= set(table.columns)
    assert {"model", "naive", "seasonal_naive"} <= set(table["model"])
    origins = [len(frame) - 3 * 4 - 1, len(frame) - 2 * 4 - 1, len(frame) - 4 - 1]
    assert sorted(set(table["origin"])) == origins
    assert (table.groupby("origin")["model"].nunique() == table["model"].nunique()).all()
    summary = table.attrs["summary"]
    assert list(summary.index)[0] == "model" and (summary["origins"] == 3).all()
    model_rows = table[table["model"] == "model"]
    assert summary.loc["model", "mae"] == pytest.approx(model_rows["mae"].mean())
    assert all(len(f) == 4 for f in model_rows["forecast"])


@pytest.mark.slow
def test_same_seed_gives_same_metrics():
    frame = seasonal_frame(n=160)
    params = {**TINY, "epochs": 2, "refit": False}  # evaluate() scores the held-out model: no refit needed
    first = Forecaster(**params).fit(frame).evaluate()
    second = Forecaster(**params).fit(frame).evaluate()
    assert first["model"] == second["model"]


@pytest.mark.slow
@pytest.mark.parametrize("head", ["quantile", "gaussian"])
def test_probabilistic_heads_give_intervals(head):
    frame = seasonal_frame(n=160)
    fc = Forecaster(**{**TINY, "epochs": 2, "head": head}).fit(frame)
    out = fc.predict()
    if head == "quantile":
        assert {"value_q10", "value_q50", "value_q90"} <= set(out.columns)
        assert (out["value_q10"] <= out["value_q90"]).all()
    else:
        assert (out["value_lower"] <= out["value_upper"]).all() and (out["value_std"] > 0).all()


def _frame(values: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"date": pd.date_range("2001-01-01", periods=len(values), freq="D"), "value": values})


@pytest.mark.slow
def test_auto_skip_picks_the_window_mean_for_a_noisy_level_and_the_last_value_for_a_random_walk():
    rng = np.random.default_rng(0)
    params = {**TINY, "epochs": 1}
    noisy_level = Forecaster(**params).fit(_frame(50 + rng.normal(0, 5, 200)))
    random_walk = Forecaster(**params).fit(_frame(50 + np.cumsum(rng.normal(0, 1, 200))))
    assert noisy_level.skip_ == "mean"
    assert random_walk.skip_ == "last"
    # the untrained-network start is the baseline: forecasts stay near the window mean
    window = noisy_level.data_.values[-noisy_level.input_width_ :, 0]
    assert np.abs(noisy_level.predict()["value"].to_numpy() - window.mean()).max() < 2.0


def test_best_epoch_averages_origins_and_ignores_epochs_after_an_early_stop():
    from forecaster.training.selection import best_epoch as _best_epoch

    curves = [[5.0, 3.0, 4.0, 6.0], [4.0, 2.0], [6.0, 4.0, 0.5, 7.0], [5.0, 3.0, 2.0, 1.0]]
    # means: epoch 1: 5, epoch 2: 3, epochs 3-4: inf (the second origin stopped after 2)
    assert _best_epoch(curves, 4) == 2
    assert _best_epoch([[3.0, 2.0, 1.0]], 3) == 3
    assert _best_epoch([[1.0, 2.0], [1.0, 2.0]], 5) == 1


@pytest.mark.slow
def test_short_series_choose_epochs_on_rolling_origins_deterministically(caplog):
    import logging

    frame = seasonal_frame(n=60)  # 9 validation rows at val=0.15: no validation window
    # refit=False: the epoch choice and the held-out metrics come before a refit (test_refit.py has its own)
    params = {**TINY, "epochs": 3, "refit": False}
    with caplog.at_level(logging.INFO, logger="forecaster"):
        first = Forecaster(**params).fit(frame)
    assert "rolling-origin validation over 4 origins chose" in caplog.text
    assert f"chose {first.n_epochs_} epochs" in caplog.text
    assert "val_loss" not in first.history_
    second = Forecaster(**params).fit(frame)
    assert 1 <= first.n_epochs_ <= 3
    assert first.n_epochs_ == second.n_epochs_
    assert first.evaluate()["model"] == second.evaluate()["model"]


def test_auto_xla_predicts_only_small_batches(fitted):
    """XLA compiles once per batch size: on a CPU "auto" uses it for a batch of a few windows once
    that size has been predicted XLA_AFTER_CALLS times (a serving loop), and the graph, traced
    once for every size, for the rest (a fit's few forecasts of each model)."""
    import keras

    from forecaster.fitted import XLA_AFTER_CALLS, XLA_MAX_WINDOWS

    fc, _ = fitted
    keep = fc.jit_compile, fc._predict_fn, fc.model_
    fc.jit_compile, fc._predict_fn = "auto", None
    # a median runs its members' own functions (models.forward): watch the network's
    fc.model_ = next((m for m in fc.model_.layers if isinstance(m, keras.Model)), fc.model_)
    try:
        x = np.random.default_rng(0).normal(size=(40, fc.input_width_, fc._n_inputs())).astype("float32")
        small, large = fc._predict_scaled(x[:1]), fc._predict_scaled(x)
        fn = fc._predict_fn
        assert fn.small._jit_compile is True and fn.large._jit_compile is False
        assert fn.large.experimental_get_tracing_count() == 1  # one trace for every size
        for _ in range(XLA_AFTER_CALLS - 1):
            fc._predict_scaled(x[:1])
        fc._predict_scaled(x[: XLA_MAX_WINDOWS + 1])
        assert fn.small.experimental_get_tracing_count() == 0 and fn.large.experimental_get_tracing_count() == 1
        served = [fc._predict_scaled(x[:1]) for _ in range(3)]  # past XLA_AFTER_CALLS: compiled once
        assert fn.small.experimental_get_tracing_count() == 1
        expected = np.asarray(fc.model_(x, training=False))
        np.testing.assert_allclose(large, expected, rtol=1e-5, atol=1e-6)
        for forecast in (small, *served):
            np.testing.assert_allclose(forecast, expected[:1], rtol=1e-5, atol=1e-6)
    finally:
        fc.jit_compile, fc._predict_fn, fc.model_ = keep

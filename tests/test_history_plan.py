"""A longer single series whose window baselines over its history (up to 1,000 rows) beat the network on its
held-out test windows is forecast by them after the held-out metrics (``training.choice.history_plan_refit``)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecaster import Forecaster, runs
from forecaster.cli import main
from forecaster.training.plans import MAX_HISTORY_ROWS, history_plan, short_series_plan

SMALL = dict(units=(8,), epochs=3, seed=0, verbose=0)  # a small network, few epochs


PATTERN = np.array([5, 9, 14, 20, 26, 30, 31, 28, 22, 15, 9, 6], float)


def truth(t: np.ndarray) -> np.ndarray:
    """A steady monthly season on a slow trend."""
    return 200 + 0.5 * t + 2 * PATTERN[t % 12]


def noisy_season(n: int = 96, seed: int = 2) -> pd.DataFrame:
    """Eight years of :func:`truth` under heavy noise: two seasons of input tell the pattern poorly, eight tell it well."""
    values = truth(np.arange(n)) + np.random.default_rng(seed).normal(0, 15, n)
    return pd.DataFrame({"date": pd.date_range("2000-01-01", periods=n, freq="MS"), "value": values})


def test_the_history_plan_of_a_short_series_is_its_plan():
    # a short series' plan is the history plan with its one test window at n - horizon
    assert short_series_plan([48], 24, 18, 12) == history_plan(48, 30, 24, 18, 12)
    plan = history_plan(200, 150, 24, 12, 12)  # a longer series: every row before the first test window
    assert plan[:3] == (150, 12, (12,)) and plan.splits[0].train == (0, 150) and plan.splits[0].test == (0, 200)
    assert history_plan(200, 150, 24, 12, 1)[1:3] == (24, ())  # no season: the network's window as the mean's span
    assert history_plan(20, 13, 6, 12, 1) is None  # one row before the first window: no local scale
    assert MAX_HISTORY_ROWS >= 1000  # the accuracy benchmark's series up to 1,000 rows have it compete


def test_the_history_plan_replaces_a_network_that_loses_the_test_windows(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    frame = noisy_season()
    values, n, horizon = frame["value"].to_numpy(), len(frame), 12
    fc = Forecaster(horizon=horizon, **SMALL).fit(frame, target="value", date_col="date")
    refit = fc.refit_
    assert fc.n_epochs_ > 0 and refit["model"] == "window baselines"
    width = refit["heldout_input_width"]
    assert width == 24 and fc.input_width_ == n - horizon  # the plan reads every row but the first horizon
    assert refit["test_mae"]["plan"] < refit["test_mae"]["heldout"]
    assert refit["choice"]["windows"] == n - horizon - 12 + 1 and refit["rows"] == n  # after one season's span
    assert fc.intervals_["scale_rows"] == width  # the intervals scale by the latest rows, not the whole window
    # the held-out metrics are those of refit=False (no plan), also from evaluate() on the fit rows
    kept = Forecaster(horizon=horizon, refit=False, **SMALL).fit(frame, target="value", date_col="date")
    assert kept.refit_ is None and kept.input_width_ == width
    assert fc.metrics_["model"]["mse"] == pytest.approx(kept.metrics_["model"]["mse"], rel=1e-6)
    assert fc.evaluate(frame)["model"]["mse"] == pytest.approx(fc.metrics_["model"]["mse"], rel=1e-6)
    with fc._heldout():
        assert fc.input_width_ == width
    assert fc.input_width_ == n - horizon
    # the forecast is nearer the true season than the held-out model's from the same rows
    forecast = fc.predict()["value"].to_numpy()
    expected = truth(np.arange(n, n + horizon))
    with fc._heldout():
        heldout = fc.predict()["value"].to_numpy()
    assert np.abs(forecast - expected).mean() < np.abs(heldout - expected).mean()
    assert "forecasts" in fc.plot_history().axes[0].get_title()
    # the CLI says so; the run loads, scores its fit rows as in-sample, and exports the plan's window
    csv, run = tmp_path / "season.csv", tmp_path / "run"
    frame.to_csv(csv, index=False)
    args = ["fit", "--csv", str(csv), "--horizon", str(horizon), "--units", "8", "--epochs", "3", "--seed", "0"]
    assert main([*args, "--out", str(run), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert f"reading the latest {n - horizon} of {n} rows: the window baselines over the history beat" in out
    assert f"input_width {width}," in out
    loaded = runs.load(run)
    assert loaded.input_width_ == n - horizon
    np.testing.assert_allclose(loaded.predict()["value"], forecast, rtol=1e-5)
    bounds = [c for c in fc.predict().columns if c.startswith("value_")]  # the same intervals, from the same rows
    assert bounds and np.allclose(loaded.predict()[bounds], fc.predict()[bounds], rtol=1e-5)
    meta = json.loads((run / "forecaster.json").read_text())
    assert meta["input_width"] == n - horizon and meta["training"]["refit"]["heldout_input_width"] == width
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scored = loaded.evaluate(frame)  # the last horizon rows, which the plan's second choice saw
    assert scored["n_windows"] == 1 and any("in-sample" in str(w.message) for w in caught)
    import tensorflow as tf

    exported = tf.saved_model.load(str(run / "export"))  # kept: its functions need the loaded object alive
    served = exported.serve(window=tf.constant(values[horizon:][None, :, None], tf.float32))
    np.testing.assert_allclose(served.numpy()[0, :, 0], forecast, rtol=1e-5)


def test_a_user_window_or_the_network_keeps_the_network_refit():
    frame = noisy_season()
    for params in ({"input_width": 24}, {"model": "network"}):
        fc = Forecaster(horizon=12, **SMALL, **params).fit(frame, target="value", date_col="date")
        assert fc.refit_ is not None and fc.refit_.get("model") != "window baselines"


def test_a_plan_reads_at_most_its_longest_window_of_the_latest_rows():
    from forecaster.evaluation.baselines import drift
    from forecaster.models.damped import damped_forecasts
    from forecaster.models.theta import theta_forecasts

    values = truth(np.arange(90))[:, None] + np.random.default_rng(0).normal(0, 3, (90, 1))
    origins = np.array([20, 50, 90])
    for season in (1, 12):
        for forecasts in (theta_forecasts, damped_forecasts):
            capped = forecasts(values, origins, 6, season=season, longest=30) if forecasts is damped_forecasts \
                else forecasts(values, origins, 6, None, season, longest=30)
            for k, origin in enumerate(origins):  # the same forecast as from the window's rows alone
                rows = values[max(origin - 30, 0) : origin]
                alone = forecasts(rows, np.array([len(rows)]), 6, season=season)
                np.testing.assert_allclose(capped[k], alone[0], rtol=1e-10)
    line = drift(values, origins, 4, window=30)
    np.testing.assert_allclose(line[2, :, 0], values[89, 0] + np.arange(1, 5) * (values[89, 0] - values[60, 0]) / 29)
    np.testing.assert_allclose(line[0], drift(values, origins[:1], 4)[0])  # 20 rows: all of them
    assert history_plan(5000, 4000, 24, 12, 12).input_width == MAX_HISTORY_ROWS


def test_windows_of_every_length_fit_together_as_one_at_a_time():
    from forecaster.models.damped import damped_forecasts
    from forecaster.models.theta import history_windows, theta_forecasts

    rng = np.random.default_rng(1)
    values = np.stack([truth(np.arange(200)), 50 + rng.normal(0, 2, 200).cumsum()], axis=1)  # two targets
    # windows of 40 rows from 40 on, shorter before (down to one row and two), in one padded batch
    origins = np.array([30, 45, 1, 70, 71, 2, 120, 199, 150, 40, 17])
    smoothed, lengths, _ = history_windows(values, origins, 6, 1, 40)
    assert smoothed.shape == (11, 40, 2) and lengths.tolist() == np.minimum(origins, 40).tolist()
    assert history_windows(values, origins[origins >= 40], 6, 1, 40)[1] is None  # one length: no padding
    for season in (1, 12):
        batch = {"theta": theta_forecasts(values, origins, 6, None, season, longest=40),
                 "damped": damped_forecasts(values, origins, 6, season, longest=40)}
        for k in range(len(origins)):
            one = {"theta": theta_forecasts(values, origins[k : k + 1], 6, None, season, longest=40),
                   "damped": damped_forecasts(values, origins[k : k + 1], 6, season, longest=40)}
            for name, out in batch.items():  # the same arithmetic per window: equal to the bit
                np.testing.assert_array_equal(out[k], one[name][0], err_msg=f"{name} season {season} origin {origins[k]}")


def test_a_series_longer_than_the_window_plans_on_its_latest_rows(monkeypatch: pytest.MonkeyPatch):
    from forecaster.training import choice

    monkeypatch.setattr("forecaster.training.plans.MAX_HISTORY_ROWS", 60)
    monkeypatch.setattr("forecaster.training.choice.MAX_TEST_WINDOWS", 4)
    frame = noisy_season(144)
    n, horizon = len(frame), 12
    fc = Forecaster(horizon=horizon, **SMALL).fit(frame, target="value", date_col="date")
    refit = fc.refit_
    assert refit["model"] == "window baselines" and fc.input_width_ == 60  # the latest 60 rows, not n - horizon
    # compared on the windows whose origins lie in the last 60 rows before the final one
    assert refit["choice"]["windows"] == 60
    # the held-out model's MAE on the 4 evenly spaced test windows, not every test window's metric
    with fc._heldout():
        split = fc.split_[0]
        origins = np.arange(split.test[0] + fc.input_width_, n - horizon + 1)
        compared = origins[np.unique(np.linspace(0, len(origins) - 1, 4).round().astype(int))]
        out = choice.window_outputs(fc, [frame[["value"]].to_numpy(np.float64)], [(0, fc.model_, compared)])[0]
    actual = np.stack([frame["value"].to_numpy()[o : o + horizon] for o in compared])[..., None]
    assert refit["test_mae"]["heldout"] == pytest.approx(np.abs(actual - out).mean(), rel=1e-5)
    assert len(fc.predict()) == horizon and np.isfinite(fc.predict()["value"]).all()

"""A single series too short for the network's windows is forecast by the best window baseline."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecaster import Forecaster, runs
from forecaster.cli import main
from forecaster.errors import ForecasterError
from forecaster.models.damped import GRID, damped_forecasts, damped_weights, fit_damped
from forecaster.models.theta import fit_alpha, fit_alphas, theta_forecasts, theta_weights
from forecaster.training.plans import short_series_final_plan, short_series_plan


def yearly(n: int = 19, seed: int = 0) -> pd.DataFrame:
    """A short random walk with yearly dates (M3's yearly series have 14 to 41 rows)."""
    rng = np.random.default_rng(seed)
    values = 1000 + np.cumsum(rng.normal(0, 20, n))
    return pd.DataFrame({"date": pd.date_range("2000-01-01", periods=n, freq="YS"), "value": values})


def monthly_season(n: int = 48, seed: int = 0) -> pd.DataFrame:
    """Four years of an exact monthly pattern plus a little noise: seasonal naive wins every window."""
    rng = np.random.default_rng(seed)
    pattern = np.array([5, 9, 14, 20, 26, 30, 31, 28, 22, 15, 9, 6], float)
    values = 100 + pattern[np.arange(n) % 12] * 3 + rng.normal(0, 0.3, n)
    return pd.DataFrame({"date": pd.date_range("2001-01-01", periods=n, freq="MS"), "value": values})


def test_the_plan_leaves_one_window_before_the_test_part():
    width, span, seasons, splits, scale_rows = short_series_plan([19], 6, 6, 1)
    # the window is the whole training part; the comparison starts after the first span rows;
    # the intervals' scale reads the network's window of rows
    assert (width, span, seasons, scale_rows) == (13, 6, (), 6)
    assert splits[0].train == (0, 13) and splits[0].test == (0, 19) and splits[0].val == (0, 0)
    # the span is one season when the rows leave a window after it
    assert short_series_plan([50], 24, 18, 12)[:3] == (32, 12, (12,))
    assert short_series_plan([48], 24, 18, 12)[:3] == (30, 12, (12,))
    assert short_series_plan([47], 24, 18, 12)[:3] == (29, 11, ())
    # long enough for the network to be checked on a rolling origin, a panel, or too short to
    # hold out a test part and one window
    assert short_series_plan([25], 6, 6, 1) is None
    assert short_series_plan([24], 6, 6, 1)[:2] == (18, 6)  # the network's minimum: no origin checks it
    assert short_series_plan([19, 19], 6, 6, 1) is None
    assert short_series_plan([13], 6, 6, 1) is None  # a one-row window has no local scale


def test_the_final_plan_compares_through_the_last_row():
    # a season of up to the window's rows competes once the test part's window is compared too
    final = short_series_final_plan(short_series_plan([44], 24, 18, 12), 12)
    assert final[:3] == (26, 12, (12,)) and final.splits[0].train == (0, 44)
    assert short_series_plan([44], 24, 18, 12)[1:3] == (8, ())  # held out: no whole season before the test part
    final = short_series_final_plan(short_series_plan([19], 6, 6, 1), 1)  # no season: the same span
    assert final[:3] == (13, 6, ()) and final.splits[0].train == (0, 19)


def test_a_short_series_chooses_again_on_every_window(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    frame = monthly_season(44)  # 44 rows, horizon 18: one whole season before the test part only with it
    values = frame["value"].to_numpy()
    fc = Forecaster(horizon=18, verbose=0).fit(frame, target="value", date_col="date")
    assert fc.n_epochs_ == 0 and fc.input_width_ == 26 and fc.seasons_ == ()
    assert not fc.choice_["used"].startswith("seasonal")  # held out: no seasonal candidate
    final = fc.refit_["choice"]
    assert fc.refit_["rows"] == 44 and final["used"] == "seasonal_naive_12"
    assert final["windows"] == 44 - 18 - 12 + 1  # origins 12 .. 26: through the test part's window
    np.testing.assert_allclose(fc.predict()["value"], values[-12:][np.arange(18) % 12], rtol=1e-6)
    # the held-out metrics stay the first choice's, also from evaluate() on the fit rows
    with fc._heldout():
        held_out = fc.predict(frame.iloc[:26])["value"].to_numpy()
    assert fc.metrics_["model"]["mse"] == pytest.approx(np.mean((values[26:] - held_out) ** 2), rel=1e-5)
    assert fc.evaluate(frame)["model"]["mse"] == pytest.approx(fc.metrics_["model"]["mse"], rel=1e-6)
    assert fc.metrics_["model"]["mse"] > 10 * np.mean((values[26:] - values[14:26][np.arange(18) % 12]) ** 2)
    # intervals calibrated on the second choice's residuals; the history note names what forecasts
    assert fc.intervals_["n_windows"] == final["windows"]
    assert "seasonal_naive_12 forecasts" in fc.plot_history().axes[0].texts[0].get_text()
    # refit=False keeps the first choice
    kept = Forecaster(horizon=18, refit=False, verbose=0).fit(frame, target="value", date_col="date")
    assert kept.refit_ is None and kept.choice_ == fc.choice_
    # the CLI says both choices; the run loads and exports the second
    csv, run = tmp_path / "short.csv", tmp_path / "run"
    frame.to_csv(csv, index=False)
    assert main(["fit", "--csv", str(csv), "--horizon", "18", "--out", str(run), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "refit     forecasts come from seasonal_naive_12, chosen again on all 15 window(s)" in out
    np.testing.assert_allclose(runs.load(run).predict()["value"], fc.predict()["value"], rtol=1e-6)
    import tensorflow as tf

    exported = tf.saved_model.load(str(run / "export"))
    served = exported.serve(window=tf.constant(values[-26:][None, :, None], tf.float32))
    np.testing.assert_allclose(served.numpy()[0, :, 0], fc.predict()["value"], rtol=1e-5)


def test_short_seasonal_series_is_forecast_by_seasonal_naive():
    frame = monthly_season()
    fc = Forecaster(horizon=18, verbose=0).fit(frame, target="value", date_col="date")
    assert fc.n_epochs_ == 0 and len(fc.history_) == 0
    assert fc.choice_["used"] == "seasonal_naive_12" and fc.choice_["network_val_mae"] is None
    assert fc.input_width_ == 30 and fc.seasons_ == (12,)
    # held-out metrics on the last 18 rows, which the choice never saw
    assert fc.metrics_["n_windows"] == 1
    forecast = fc.predict()
    expected = frame["value"].to_numpy()[-12:][np.arange(18) % 12]
    np.testing.assert_allclose(forecast["value"].to_numpy(), expected, rtol=1e-6)
    assert forecast["date"].iloc[0] == pd.Timestamp("2005-01-01")


def test_short_trending_series_is_forecast_by_the_drift_of_its_history(tmp_path: Path):
    rng = np.random.default_rng(1)
    values = 500 + 40 * np.arange(20) + rng.normal(0, 3, 20)
    frame = pd.DataFrame({"date": pd.date_range("1990-01-01", periods=20, freq="YS"), "value": values})
    fc = Forecaster(horizon=6, verbose=0).fit(frame, target="value", date_col="date")
    assert fc.n_epochs_ == 0 and fc.choice_["used"] == "drift" and fc.input_width_ == 14
    window = values[-fc.input_width_ :]
    slope = (window[-1] - window[0]) / (fc.input_width_ - 1)
    np.testing.assert_allclose(fc.predict()["value"], window[-1] + slope * np.arange(1, 7), rtol=1e-5)
    # the test rows sit on the same line: far better than the last value there
    assert fc.metrics_["model"]["mse"] < 0.05 * fc.metrics_["baselines"]["naive"]["mse"]
    # evaluate() on the fit's rows scores the same last 6 rows as the fit did
    assert fc.evaluate(frame)["model"]["mse"] == pytest.approx(fc.metrics_["model"]["mse"], rel=1e-6)
    # the exported SavedModel serves the same line from a raw window
    import tensorflow as tf

    fc.export(tmp_path / "export")
    served = tf.saved_model.load(str(tmp_path / "export")).serve(window=tf.constant(window[None, :, None], tf.float32))
    np.testing.assert_allclose(served.numpy()[0, :, 0], fc.predict()["value"], rtol=1e-5)


def test_the_window_mean_of_a_short_series_reads_its_last_span_rows(tmp_path: Path):
    rng = np.random.default_rng(3)
    values = 50 + rng.normal(0, 1, 40)  # white noise around a level: the window mean wins the comparison
    values[:20] -= 5  # an old level the last season no longer shows
    frame = pd.DataFrame({"date": pd.date_range("2001-01-01", periods=40, freq="MS"), "value": values})
    # refit=False: the held-out choice forecasts (the default chooses again on every window)
    fc = Forecaster(horizon=12, refit=False, verbose=0).fit(frame, target="value", date_col="date")
    assert fc.choice_["used"] == "mean" and fc.input_width_ == 28 and fc.refit_ is None
    # the mean of the last season (the span), not of the 28-row window
    np.testing.assert_allclose(fc.predict()["value"], np.repeat(values[-12:].mean(), 12), rtol=1e-5)
    import tensorflow as tf

    fc.export(tmp_path / "export")
    window = tf.constant(values[-28:][None, :, None], tf.float32)
    served = tf.saved_model.load(str(tmp_path / "export")).serve(window=window)
    np.testing.assert_allclose(served.numpy()[0, :, 0], fc.predict()["value"], rtol=1e-5)


def test_cli_fit_of_a_short_series_writes_a_complete_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    csv = tmp_path / "short.csv"
    yearly().to_csv(csv, index=False)
    run = tmp_path / "run"
    assert main(["fit", "--csv", str(csv), "--horizon", "6", "--out", str(run), "--quiet"]) == 0
    out = capsys.readouterr().out
    loaded = runs.load(run)
    used = loaded.choice_["used"]
    assert used in ("last", "drift") and loaded.n_epochs_ == 0  # yearly: no window mean
    assert "none trained: 19 rows are too short" in out and f"choice    {used} (MAE" in out
    assert (run / "plots" / "history.png").is_file() and (run / "export").is_dir()
    assert loaded.plot_history().axes[0].get_title() == "Training history: no network trained"
    saved = pd.read_csv(run / "forecast.csv")
    np.testing.assert_allclose(loaded.predict()["value"], saved["value"], rtol=1e-6)
    steps = np.arange(1, 7)

    def baseline(window: np.ndarray) -> np.ndarray:
        slope = (window[-1] - window[0]) / (len(window) - 1)
        return {"last": np.repeat(window[-1], 6), "drift": window[-1] + slope * steps}[used]

    values = yearly()["value"].to_numpy()
    np.testing.assert_allclose(saved["value"], baseline(values[-loaded.input_width_ :]), rtol=1e-6)
    # the metrics are those of the chosen baseline's forecast of the last 6 rows
    metrics = json.loads((run / "metrics.json").read_text())
    point = baseline(values[-6 - loaded.input_width_ : -6])
    assert metrics["model"]["mse"] == pytest.approx(np.mean((values[-6:] - point) ** 2), rel=1e-5)


def test_the_network_or_a_shorter_series_still_gets_the_error():
    with pytest.raises(ForecasterError, match="input_width \\+ 3 \\* horizon"):
        Forecaster(horizon=6, model="network", verbose=0).fit(yearly(), target="value", date_col="date")
    with pytest.raises(ForecasterError, match="rows"):
        Forecaster(horizon=6, verbose=0).fit(yearly(12), target="value", date_col="date")


def _theta_by_recursion(rows: np.ndarray, horizon: int, alpha: float) -> np.ndarray:
    """The Theta method written out: exponential smoothing from the first row, plus half the OLS slope."""
    level = rows[0]
    for value in rows[1:]:
        level += alpha * (value - level)
    slope = np.polyfit(np.arange(len(rows)), rows, 1)[0]
    return level + slope / 2 * (np.arange(horizon) + (1 - (1 - alpha) ** len(rows)) / alpha)


def test_theta_weights_are_the_theta_method():
    rng = np.random.default_rng(0)
    rows = 20 + np.cumsum(rng.normal(0.5, 1, 15))
    for alpha in (0.05, 0.3, 1.0):
        weights = theta_weights(15, 4, alpha)
        np.testing.assert_allclose(weights.sum(axis=0), 1.0, rtol=1e-12)  # so scaling the rows commutes
        np.testing.assert_allclose(weights.T @ rows, _theta_by_recursion(rows, 4, alpha), rtol=1e-10)
    # the weight with the least squared one-step error: high for a random walk, low for noise around a level
    assert fit_alpha(np.cumsum(rng.normal(0, 1, 60))) >= 0.7
    assert fit_alpha(5 + rng.normal(0, 1, 200)) <= 0.3
    # the comparison's forecasts: each from every row before its origin, with its own weight
    series = np.stack([rows, rows[::-1]], axis=1)
    out = theta_forecasts(series, np.array([8, 15]), 4)
    expected = _theta_by_recursion(series[:8, 1], 4, fit_alpha(series[:8, 1]))
    assert out.shape == (2, 4, 2) and np.allclose(out[0, :, 1], expected)
    # a longer series' windows: the `width` rows before each origin, each window's own weight
    out = theta_forecasts(series, np.array([8, 15]), 4, width=6)
    for k, stop in enumerate((8, 15)):
        for t in range(2):
            rows_t = series[stop - 6 : stop, t]
            np.testing.assert_allclose(out[k, :, t], _theta_by_recursion(rows_t, 4, fit_alpha(rows_t)), rtol=1e-10)


def noisy_trend(seed: int) -> pd.DataFrame:
    """14 yearly rows: a trend, a random walk and noise (the drift and Theta compete)."""
    rng = np.random.default_rng(seed)
    values = 100 + 2.0 * np.arange(14) + np.cumsum(rng.normal(0, 1.0, 14)) + rng.normal(0, 4, 14)
    return pd.DataFrame({"date": pd.date_range("1990-01-01", periods=14, freq="YS"), "value": values})


def test_short_noisy_trend_is_forecast_by_theta(tmp_path: Path):
    frame = noisy_trend(3)
    values = frame["value"].to_numpy()
    fc = Forecaster(horizon=4, refit=False, verbose=0).fit(frame, target="value", date_col="date")
    assert fc.n_epochs_ == 0 and fc.choice_["used"] == "theta" and fc.input_width_ == 10
    # the smoothing weight comes from the training part (the rows before the held-out 4) ...
    alpha = fit_alpha(values[:10])
    held_out = _theta_by_recursion(values[:10], 4, alpha)
    assert fc.metrics_["model"]["mse"] == pytest.approx(np.mean((values[10:] - held_out) ** 2), rel=1e-5)
    # ... and forecasts after the data from the last 10 rows
    expected = _theta_by_recursion(values[-10:], 4, alpha)
    np.testing.assert_allclose(fc.predict()["value"], expected, rtol=1e-5)
    fc.save(tmp_path / "run")
    np.testing.assert_allclose(runs.load(tmp_path / "run").predict()["value"], expected, rtol=1e-5)
    import tensorflow as tf

    fc.export(tmp_path / "export")
    exported = tf.saved_model.load(str(tmp_path / "export"))  # held: its variables live as long as it does
    served = exported.serve(window=tf.constant(values[-10:][None, :, None], tf.float32))
    np.testing.assert_allclose(served.numpy()[0, :, 0], expected, rtol=1e-5)


def test_the_mean_of_the_two_best_baselines_forecasts_when_it_beats_both(tmp_path: Path):
    frame = noisy_trend(0)
    values = frame["value"].to_numpy()
    fc = Forecaster(horizon=4, refit=False, verbose=0).fit(frame, target="value", date_col="date")
    choice = fc.choice_
    assert choice["used"] == "mean_of_two" and choice["pair"] == ["theta", "drift"]
    assert choice["pair_val_mae"] < choice["baseline_val_mae"]  # the best single baseline's, theta here

    def by_hand(rows: np.ndarray) -> np.ndarray:  # Theta's weight from the training part; the drift over the rows
        drift = rows[-1] + (rows[-1] - rows[0]) / (len(rows) - 1) * np.arange(1, 5)
        return (_theta_by_recursion(rows, 4, fit_alpha(values[:10])) + drift) / 2

    held_out = by_hand(values[:10])
    assert fc.metrics_["model"]["mse"] == pytest.approx(np.mean((values[10:] - held_out) ** 2), rel=1e-5)
    expected = by_hand(values[-10:])
    np.testing.assert_allclose(fc.predict()["value"], expected, rtol=1e-5)
    fc.save(tmp_path / "run")
    loaded = runs.load(tmp_path / "run")
    assert loaded.choice_["pair"] == ["theta", "drift"]
    np.testing.assert_allclose(loaded.predict()["value"], expected, rtol=1e-5)
    import tensorflow as tf

    fc.export(tmp_path / "export")
    exported = tf.saved_model.load(str(tmp_path / "export"))
    served = exported.serve(window=tf.constant(values[-10:][None, :, None], tf.float32))
    np.testing.assert_allclose(served.numpy()[0, :, 0], expected, rtol=1e-5)


def _pattern_by_hand(rows: np.ndarray, season: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows' additive pattern: their deviations from the least-squares line averaged per place in
    the season (counted back from the origin) and centred; and each row's place."""
    t = np.arange(len(rows))
    deviation = rows - np.polyval(np.polyfit(t, rows, 1), t)
    place = (t - len(rows)) % season
    pattern = np.array([deviation[place == p].mean() for p in range(season)])
    return pattern - pattern.mean(), place


def _seasonal_theta_by_hand(rows: np.ndarray, horizon: int, season: int, alpha: float) -> np.ndarray:
    """Seasonal Theta written out: Theta of the rows less their pattern, plus the pattern of the steps."""
    pattern, place = _pattern_by_hand(rows, season)
    return _theta_by_recursion(rows - pattern[place], horizon, alpha) + pattern[np.arange(horizon) % season]


def test_seasonal_theta_weights_are_theta_less_the_seasonal_pattern():
    rng = np.random.default_rng(4)
    rows = 40 + 0.5 * np.arange(30) + 6 * np.sin(np.arange(30) * np.pi / 6) + rng.normal(0, 1, 30)
    for n_rows, alpha in ((30, 0.2), (12, 1.0), (17, 0.6)):
        weights = theta_weights(n_rows, 8, alpha, season=12)
        np.testing.assert_allclose(weights.sum(axis=0), 1.0, rtol=1e-10)
        expected = _seasonal_theta_by_hand(rows[-n_rows:], 8, 12, alpha)
        np.testing.assert_allclose(weights.T @ rows[-n_rows:], expected, rtol=1e-10)
    # the comparison's forecasts over windows of one width: each window's own weight, less its pattern
    out = theta_forecasts(rows[:, None], np.array([20, 30]), 8, width=16, season=12)
    for k, stop in enumerate((20, 30)):
        window = rows[stop - 16 : stop]
        alpha = fit_alphas(window[:, None], 12)[0]
        np.testing.assert_allclose(out[k, :, 0], _seasonal_theta_by_hand(window, 8, 12, alpha), rtol=1e-10)


def test_short_trending_seasonal_series_is_forecast_by_seasonal_theta(tmp_path: Path):
    # a trend that levels off under a monthly pattern: seasonal naive lags the trend, Theta alone misses
    # the pattern (a steady trend goes to the damped trend: test_short_seasonal_series_with_a_steady_trend_...)
    rng = np.random.default_rng(0)
    pattern = np.array([5, 9, 14, 20, 26, 30, 31, 28, 22, 15, 9, 6], float)
    n = 44
    values = 100 + 60 * (1 - 0.93 ** np.arange(n)) + pattern[np.arange(n) % 12] + rng.normal(0, 1.0, n)
    frame = pd.DataFrame({"date": pd.date_range("2001-01-01", periods=n, freq="MS"), "value": values})
    fc = Forecaster(horizon=12, verbose=0).fit(frame, target="value", date_col="date")
    assert fc.n_epochs_ == 0 and fc.choice_["used"] == "seasonal_theta_12" and fc.input_width_ == 32
    alpha = fit_alphas(values[:32, None], 12)[0]  # from the training part, less its pattern
    expected = _seasonal_theta_by_hand(values[-32:], 12, 12, alpha)
    np.testing.assert_allclose(fc.predict()["value"], expected, rtol=1e-5)
    assert fc.metrics_["model"]["mse"] < 0.5 * fc.metrics_["baselines"]["seasonal_naive"]["mse"]
    import tensorflow as tf

    fc.export(tmp_path / "export")
    exported = tf.saved_model.load(str(tmp_path / "export"))
    served = exported.serve(window=tf.constant(values[-32:][None, :, None], tf.float32))
    np.testing.assert_allclose(served.numpy()[0, :, 0], expected, rtol=1e-5)


def _damped_by_recursion(rows: np.ndarray, horizon: int, alpha: float, beta: float, phi: float) -> np.ndarray:
    """ETS(A,Ad,N) written out: level from the first row, slope from the first change."""
    level, slope = rows[0], rows[1] - rows[0]
    for value in rows[1:]:
        error = value - (level + phi * slope)
        level, slope = level + phi * slope + alpha * error, phi * slope + beta * error
    return level + np.cumsum(phi ** np.arange(1, horizon + 1)) * slope


def test_damped_weights_are_the_damped_trend_less_the_seasonal_pattern():
    rng = np.random.default_rng(5)
    rows = 50 + 1.5 * np.arange(30) + 4 * np.sin(np.arange(30) * np.pi / 2) + rng.normal(0, 1, 30)
    for alpha, beta, phi in ((0.3, 0.03, 0.9), (1.0, 0.4, 0.98), (0.6, 0.12, 0.8)):
        weights = damped_weights(30, 6, alpha, beta, phi)
        np.testing.assert_allclose(weights.sum(axis=0), 1.0, rtol=1e-10)
        np.testing.assert_allclose(weights.T @ rows, _damped_by_recursion(rows, 6, alpha, beta, phi), rtol=1e-10)
        pattern, place = _pattern_by_hand(rows, 4)
        expected = _damped_by_recursion(rows - pattern[place], 6, alpha, beta, phi) + pattern[np.arange(6) % 4]
        np.testing.assert_allclose(damped_weights(30, 6, alpha, beta, phi, season=4).T @ rows, expected, rtol=1e-10)
    # the fit is the grid's least one-step squared error
    def sse(params: tuple) -> float:
        a, b, p = params
        level, slope, total = rows[0], rows[1] - rows[0], 0.0
        for value in rows[1:]:
            error = value - (level + p * slope)
            total += error**2
            level, slope = level + p * slope + a * error, p * slope + b * error
        return total

    assert fit_damped(rows) == min(GRID, key=sse)
    # the comparison: each origin's whole history, its parameters fit there
    out = damped_forecasts(rows[:, None], np.array([20, 30]), 3)
    for k, stop in enumerate((20, 30)):
        np.testing.assert_allclose(out[k, :, 0], _damped_by_recursion(rows[:stop], 3, *fit_damped(rows[:stop])), rtol=1e-10)


def test_short_seasonal_series_with_a_steady_trend_is_forecast_by_the_seasonal_damped_trend(tmp_path: Path):
    rng = np.random.default_rng(0)
    pattern = np.array([5, 9, 14, 20, 26, 30, 31, 28, 22, 15, 9, 6], float)
    n = 44
    values = 100 + 3.0 * np.arange(n) + pattern[np.arange(n) % 12] + rng.normal(0, 0.3, n)
    frame = pd.DataFrame({"date": pd.date_range("2001-01-01", periods=n, freq="MS"), "value": values})
    fc = Forecaster(horizon=12, verbose=0).fit(frame, target="value", date_col="date")
    assert fc.n_epochs_ == 0 and fc.choice_["used"] == "seasonal_damped_12" and fc.input_width_ == 32
    # chosen again on every window (the refit): the parameters from every row less their pattern,
    # the forecast from the last 32 rows
    assert fc.refit_["choice"]["used"] == "seasonal_damped_12" and fc.refit_["rows"] == n
    train_pattern, train_place = _pattern_by_hand(values, 12)
    params = fit_damped(values - train_pattern[train_place])
    pattern, place = _pattern_by_hand(values[-32:], 12)
    expected = _damped_by_recursion(values[-32:] - pattern[place], 12, *params) + pattern[np.arange(12) % 12]
    np.testing.assert_allclose(fc.predict()["value"], expected, rtol=1e-5)
    fc.save(tmp_path / "run")
    np.testing.assert_allclose(runs.load(tmp_path / "run").predict()["value"], expected, rtol=1e-5)

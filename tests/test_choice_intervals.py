"""Issue 13 wiring: seasons chosen at fit, one MASE, the network-vs-baseline choice, conformal intervals."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from forecaster.cli import main
from forecaster.errors import ForecasterError
from forecaster.forecaster import Forecaster, load

FAST = dict(cell="gru", units=(4,), epochs=1, batch_size=128, jit_compile=False, verbose=0)


def _two_cycles(weeks: int = 6, noise: float = 0.3) -> pd.DataFrame:
    """Hourly series with a daily and a weekly cycle plus white noise."""
    t = np.arange(24 * 7 * weeks)
    rng = np.random.default_rng(0)
    y = 10 + 3 * np.sin(2 * np.pi * t / 24) + 2 * np.sin(2 * np.pi * t / 168) + noise * rng.normal(size=t.size)
    return pd.DataFrame({"date": pd.date_range("2024-01-01", periods=t.size, freq="h"), "y": y})


@pytest.fixture(scope="module")
def fitted() -> tuple[Forecaster, pd.DataFrame]:
    df = _two_cycles()
    return Forecaster(horizon=6, model="network", **FAST).fit(df), df


def test_fit_keeps_both_seasons_and_a_window_over_the_long_one(fitted) -> None:
    fc, _ = fitted
    assert set(fc.seasons_) == {24, 168}
    assert fc.season_ == fc.seasons_[0]
    # the window covers the weekly season; the recurrent encoder reads only the short rule's rows
    assert fc.input_width_ >= 168 and fc.encoder_width_ == 48
    assert {"seasonal_naive_24", "seasonal_naive_168"} <= set(fc.metrics_["baselines"])


def test_mase_from_fit_equals_mase_from_evaluate(fitted) -> None:
    fc, df = fitted
    again = fc.evaluate(df)
    assert again["model"]["mase"] == pytest.approx(fc.metrics_["model"]["mase"], rel=1e-9)
    for name, values in fc.metrics_["baselines"].items():
        assert again["baselines"][name]["mase"] == pytest.approx(values["mase"], rel=1e-9)


def test_conformal_intervals_cover_near_their_level(fitted, tmp_path) -> None:
    fc, _ = fitted
    intervals = fc.metrics_["intervals"]
    assert 0.65 <= intervals["0.8"]["coverage"] <= 0.95
    assert 0.85 <= intervals["0.95"]["coverage"] <= 1.0
    assert intervals["0.95"]["mean_width"] > intervals["0.8"]["mean_width"] > 0
    frame = fc.predict()
    assert (frame["y_lower_80"] < frame["y"]).all() and (frame["y"] < frame["y_upper_80"]).all()
    assert (frame["y_lower_95"] < frame["y_lower_80"]).all()
    fc.save(tmp_path / "run", plots=False)
    again = load(tmp_path / "run")
    pd.testing.assert_frame_equal(again.predict(), frame)
    assert again.mase_scales_ == fc.mase_scales_ and tuple(again.seasons_) == fc.seasons_


def test_half_widths_follow_the_window_local_scale_calibrated_on_validation_then_test(fitted) -> None:
    fc, df = fitted
    assert fc.intervals_["score_scale"] == "window_mean_abs_change"
    # the held-out metrics' intervals saw the validation windows only; the final ones the test windows too
    split = fc.split_[0]
    n_val = split.val[1] - split.val[0] - fc.input_width_ - fc.horizon + 1
    n_test = split.test[1] - split.test[0] - fc.input_width_ - fc.horizon + 1
    assert fc.heldout_intervals_["n_windows"] == n_val
    assert fc.intervals_["n_windows"] == n_val + n_test
    assert fc.intervals_["quantiles"] != fc.heldout_intervals_["quantiles"]
    # evaluate(fit data) repeats the held-out metrics: held-out model and held-out intervals
    again = fc.evaluate(df)["intervals"]
    for level, values in fc.metrics_["intervals"].items():
        assert again[level]["coverage"] == pytest.approx(values["coverage"], rel=1e-12)
    # the score scale is the window's mean absolute change: three times the changes, three times the band
    width = lambda f: (f["y_upper_80"] - f["y_lower_80"]).to_numpy()  # noqa: E731
    tripled = df.assign(y=10 + 3 * (df["y"] - 10))
    np.testing.assert_allclose(width(fc.predict(tripled)), 3 * width(fc.predict(df)), rtol=1e-5)


def _weekly_frame(y: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"date": pd.date_range("2020-01-01", periods=y.size, freq="D"), "y": y})


PATTERN = np.array([0.0, 5, 1, 8, 3, 9, 2])


def test_auto_forecasts_with_the_baseline_that_wins_on_validation() -> None:
    # a weekly seasonal random walk (each day last week's value plus noise): seasonal naive is the
    # best forecast there is; an untrained network (tiny learning rate, no skip) loses to it on
    # validation, the linear model only estimates it, so "auto" forecasts with it and says so
    n = 7 * 60
    rng = np.random.default_rng(1)
    y = np.concatenate([50 + PATTERN, np.zeros(n - 7)])
    noise = rng.normal(scale=0.5, size=n)
    for t in range(7, n):
        y[t] = y[t - 7] + noise[t]
    params = dict(FAST, skip="none", learning_rate=1e-6, horizon=7)
    fc = Forecaster(model="auto", **params).fit(_weekly_frame(y))
    assert fc.seasons_[0] == 7
    assert fc.choice_["used"] == "seasonal_naive_7"
    assert fc.choice_["baseline_val_mae"] < min(fc.choice_["network_val_mae"], fc.choice_["linear_val_mae"])
    np.testing.assert_allclose(fc.predict()["y"].to_numpy(), y[-7:], rtol=1e-5)
    assert fc.metrics_["choice"]["used"] == "seasonal_naive_7"
    forced = Forecaster(model="network", **params).fit(_weekly_frame(y))
    assert forced.choice_["used"] == "network"
    assert not np.allclose(forced.predict()["y"].to_numpy(), y[-7:], rtol=1e-3)


def test_auto_drops_the_network_on_white_noise_around_a_seasonal_mean() -> None:
    # white noise around a weekly mean: the untrained network loses to seasonal naive, and the linear
    # model, which averages the two weeks its window holds, beats both: "auto" forecasts with it
    n = 7 * 60
    y = 50 + PATTERN[np.arange(n) % 7] + 0.2 * np.random.default_rng(1).normal(size=n)
    fc = Forecaster(model="auto", **dict(FAST, skip="none", learning_rate=1e-6, horizon=7)).fit(_weekly_frame(y))
    choice = fc.choice_
    assert choice["baseline"] == "seasonal_naive_7" and choice["baseline_val_mae"] < choice["network_val_mae"]
    assert choice["used"] == "linear" and choice["linear_val_mae"] < choice["baseline_val_mae"]
    # its forecast is near the weekly mean, closer than last week's noisy values
    forecast = fc.predict()["y"].to_numpy()
    mean = 50 + PATTERN[np.arange(n, n + 7) % 7]
    assert np.abs(forecast - mean).mean() < np.abs(y[-7:] - mean).mean()


def test_levels_outside_zero_one_are_one_error() -> None:
    with pytest.raises(ForecasterError, match="`intervals` must be interval levels strictly between 0 and 1"):
        Forecaster(intervals=(0.8, 1.2), **FAST).fit(_two_cycles(weeks=2))


def test_series_too_short_for_a_given_season_is_one_error() -> None:
    with pytest.raises(ForecasterError, match="season 500 needs at least"):
        Forecaster(seasons=(500,), horizon=6, **FAST).fit(_two_cycles(weeks=2))


def test_cli_intervals_outside_zero_one_print_one_error(tmp_path, capsys) -> None:
    path = tmp_path / "s.csv"
    _two_cycles(weeks=2).to_csv(path, index=False)
    code = main(["fit", "--csv", str(path), "--intervals", "0.8,1.5", "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("error: `intervals` must be")
    assert not os.path.exists(tmp_path / "run")


def test_encoder_width_crops_inside_the_graph() -> None:
    from forecaster.models.factory import build_model

    model = build_model("gru", (4,), 48, 1, 3, 1, encoder_width=8)
    x = np.random.default_rng(0).normal(size=(2, 48, 1)).astype("float32")
    y = x.copy()
    y[:, :40] += 5.0  # rows the encoder does not read
    np.testing.assert_allclose(model(x).numpy(), model(y).numpy(), rtol=1e-6)
    seasonal = build_model("gru", (4,), 48, 1, 3, 1, encoder_width=8, skip="seasonal", season=48)
    assert tuple(seasonal.input.shape) == (None, 48, 1)
    assert not np.allclose(seasonal(x).numpy(), seasonal(y).numpy())
    with pytest.raises(ForecasterError, match="encoder_width"):
        build_model("gru", (4,), 48, 1, 3, 1, encoder_width=49)


def test_panel_calibrates_in_series_units_and_keeps_one_mase() -> None:
    rng = np.random.default_rng(0)
    frames = []
    for k in range(3):
        t = np.arange(200)
        y = (k + 1) * 10 + (k + 1) * np.sin(2 * np.pi * t / 7) + 0.3 * rng.normal(size=t.size)
        frames.append(pd.DataFrame({"date": pd.date_range("2022-01-01", periods=t.size, freq="D"), "id": f"s{k}", "y": y}))
    df = pd.concat(frames)
    fc = Forecaster(horizon=7, **FAST).fit(df, id_col="id")
    assert fc.seasons_ == (7,) and fc.intervals_["scaled"]  # scale-free scores: each window's local scale
    assert set(fc.mase_scales_) == {"s0", "s1", "s2"}
    assert fc.evaluate(df)["model"]["mase"] == pytest.approx(fc.metrics_["model"]["mase"], rel=1e-9)
    widths = fc.predict().assign(w=lambda f: f["y_upper_80"] - f["y_lower_80"]).groupby("id")["w"].mean()
    assert widths["s0"] < widths["s1"] < widths["s2"]  # a half-width follows its series' scale


@pytest.mark.slow  # a full CLI fit: SavedModel export and plots
def test_cli_fit_names_the_choice_the_best_baseline_and_the_coverage(tmp_path, capsys) -> None:
    import json

    path = tmp_path / "s.csv"
    _two_cycles(weeks=3).to_csv(path, index=False)
    run = tmp_path / "run"
    code = main([
        # SimpleRNN: a GRU would turn on XLA on CPU (the CLI has no flag to turn it off)
        "fit", "--csv", str(path), "--cell", "rnn", "--units", "4", "--epochs", "1", "--horizon", "6",
        "--choose", "network", "--intervals", "0.8", "--quiet", "--out", str(run),
    ])
    out = capsys.readouterr().out
    assert code == 0
    assert "choice    the network" in out and "best baseline on test:" in out and "interval  80%" in out
    metrics = json.loads((run / "metrics.json").read_text())
    assert set(metrics["intervals"]) == {"0.8"} and metrics["choice"]["used"] == "network"
    assert metrics["best_baseline"] in metrics["baselines"]


def test_theta_is_a_candidate_of_a_single_series_window() -> None:
    # a noisy trend: the last value carries the noise, the window mean lags the trend, Theta smooths
    # and follows it; its validation MAE is that of models.theta over each validation window
    from forecaster.models.theta import theta_forecasts

    n, horizon = 90, 4
    y = 100 + 1.5 * np.arange(n) + 3 * np.random.default_rng(2).normal(size=n)
    frame = pd.DataFrame({"date": pd.date_range("1900-01-01", periods=n, freq="YS"), "y": y})
    fc = Forecaster(model="auto", **dict(FAST, skip="none", learning_rate=1e-6, horizon=horizon)).fit(frame)
    choice, width, (start, stop) = fc.choice_, fc.input_width_, fc.split_[0].val
    assert choice["baseline"] == "theta" and choice["network_val_mae"] > choice["baseline_val_mae"]
    origins = np.arange(start + width, stop - horizon + 1)
    actual = np.stack([y[o : o + horizon] for o in origins])
    mae = np.abs(actual - theta_forecasts(y[:, None], origins, horizon, width)[:, :, 0]).mean()
    assert choice["baseline_val_mae"] == pytest.approx(mae, rel=1e-5)  # the fit reads float32 rows


def test_a_median_with_theta_saves_and_loads(tmp_path) -> None:
    # the same noisy trend under the default model="median": Theta is the median's baseline member
    # (a second LinearForecast beside the linear model's) and the run reloads to the same forecast
    n = 90
    y = 100 + 1.5 * np.arange(n) + 3 * np.random.default_rng(2).normal(size=n)
    frame = pd.DataFrame({"date": pd.date_range("1900-01-01", periods=n, freq="YS"), "y": y})
    fc = Forecaster(**dict(FAST, learning_rate=1e-6, horizon=4)).fit(frame)
    assert fc.choice_["used"] == "median" and fc.choice_["baseline"] == "theta"
    fc.save(tmp_path / "run")
    np.testing.assert_allclose(load(tmp_path / "run").predict()["y"], fc.predict()["y"], rtol=1e-6)

"""Seasonal adjustment of a panel before the global fit: indices, phases, and the fitted model end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from forecaster import Forecaster, load
from forecaster.data.io import load_series
from forecaster.data.panel import context_scaler
from forecaster.data.scaling import Scaler
from forecaster.data.seasonal_adjustment import adjustment_period, fit_seasonal, is_seasonal, phases
from forecaster.errors import ForecasterError

TINY = dict(cell="gru", units=4, input_width=12, horizon=6, epochs=1, seed=0, verbose=0, jit_compile=False,
            intervals=(0.8,), model="network")
SHAPE = np.array([0.7, 0.8, 1.0, 1.1, 1.2, 1.4, 1.5, 1.3, 1.1, 0.9, 0.6, 0.4])


def monthly_panel(n_series: int = 5, length: int = 72, seed: int = 0) -> pd.DataFrame:
    """Monthly series with a multiplicative season by calendar month, starting in different months; the last is noise."""
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n_series):
        dates = pd.date_range("2015-01-01", periods=length + i, freq="MS")[i:]
        level = 10.0 ** (i % 3) * (50 + 0.3 * np.arange(length))
        seasonal = SHAPE[dates.month.to_numpy() - 1] if i < n_series - 1 else 1.0
        y = level * seasonal * (1 + 0.02 * rng.standard_normal(length))
        frames.append(pd.DataFrame({"store": f"s{i}", "date": dates, "sales": y}))
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------- the arithmetic


def test_phases_count_steps_of_the_frequency_from_1970() -> None:
    assert phases(pd.date_range("2021-03-01", periods=3, freq="MS"), "MS", 12).tolist() == [2, 3, 4]  # March = 2
    assert phases(pd.date_range("2021-03-31", periods=2, freq="ME"), "ME", 12).tolist() == [2, 3]
    assert phases(pd.date_range("2021-04-01", periods=2, freq="QS"), "QS", 4).tolist() == [1, 2]  # second quarter
    assert phases(pd.date_range("2021-03-01 05:00", periods=2, freq="h"), "h", 24).tolist() == [5, 6]
    assert phases(pd.date_range("2021-03-01 01:00", periods=2, freq="30min"), "30min", 48).tolist() == [2, 3]
    assert phases(pd.DatetimeIndex(["1970-01-08"]), "D", 7).tolist() == [0]


def test_seasonality_test_and_indices() -> None:
    rng = np.random.default_rng(1)
    seasonal = 100 * np.tile(SHAPE, 6) * (1 + 0.01 * rng.standard_normal(72))
    assert is_seasonal(seasonal, 12)
    assert not is_seasonal(100 + rng.standard_normal(72), 12)
    assert not is_seasonal(seasonal[:30], 12)  # under three seasons
    assert not is_seasonal(seasonal - 150, 12)  # not positive: multiplicative indices do not apply
    fitted = fit_seasonal(seasonal[:, None], first_phase=3, period=12)  # row 0 is April
    np.testing.assert_allclose(fitted.indices[:, 0], np.roll(SHAPE, 3) / SHAPE.mean(), rtol=0.03)
    assert fitted.phase == 3
    adjusted = fitted.adjust(seasonal[:, None])[:, 0]
    assert adjusted.std() / adjusted.mean() < 0.03  # the season is gone
    # factors of later rows, and rebinding to another first row, agree
    np.testing.assert_array_equal(fitted.factors(np.arange(5, 9)), fitted.at(8).factors(np.arange(4)))
    assert fit_seasonal(100 + rng.standard_normal((72, 1)), 0, 12) is None


def test_indices_come_from_the_last_ten_seasons() -> None:
    old, new = np.tile(SHAPE, 12), np.tile(SHAPE[::-1], 10)
    y = 100 * np.concatenate([old, new])[:, None]
    fitted = fit_seasonal(y, 0, 12)
    np.testing.assert_allclose(fitted.indices[:, 0], SHAPE[::-1] / SHAPE.mean(), rtol=0.02)


def test_scaler_round_trip_and_new_series_context() -> None:
    y = 100 * np.tile(SHAPE, 6)[:, None]
    scaler = context_scaler(y, input_width=12, n_targets=1, period=12, first_phase=0)
    assert scaler.seasonal is not None
    np.testing.assert_allclose(scaler.transform(y)[:, 0], 0.0, atol=1e-4)  # adjusted to a constant
    assert scaler.at_phase(5).seasonal.phase == 5 and scaler.at_phase(None) is scaler
    again = Scaler.from_dict(json.loads(json.dumps(scaler.to_dict())))
    np.testing.assert_array_equal(again.transform(y), scaler.transform(y))
    factors = scaler.seasonal_factors(np.array([72]), 3)  # the rows after the last: January to March
    np.testing.assert_allclose(factors[0, :, 0], SHAPE[:3] / SHAPE.mean(), rtol=1e-6)
    # fewer than three seasons of context: scaled, not adjusted
    assert context_scaler(y[:30], input_width=12, n_targets=1, period=12, first_phase=0).seasonal is None


def test_which_data_is_adjusted() -> None:
    panel = monthly_panel(2)
    monthly = load_series(panel, target="sales", date_col="date", id_col="store")
    assert adjustment_period("auto", monthly, 12) == 12
    assert adjustment_period(False, monthly, 12) is None
    single = load_series(panel[panel.store == "s0"].drop(columns="store"), target="sales", date_col="date")
    assert adjustment_period("auto", single, 12) is None
    with pytest.raises(ForecasterError, match="needs a panel"):
        adjustment_period(True, single, 12)
    daily = load_series(panel.assign(date=lambda f: f.groupby("store").cumcount().map(
        lambda k: pd.Timestamp("2020-01-01") + pd.Timedelta(days=k))), target="sales", date_col="date", id_col="store")
    assert adjustment_period("auto", daily, 7) is None  # not measured on real daily panels: off unless asked
    assert adjustment_period(True, daily, 7) == 7


# ---------------------------------------------------------------- a fitted panel


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return monthly_panel()


@pytest.fixture(scope="module")
def fitted(panel: pd.DataFrame) -> Forecaster:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return Forecaster(**TINY).fit(panel, target="sales", date_col="date", id_col="store")


def test_fit_adjusts_the_seasonal_series_only(fitted: Forecaster) -> None:
    assert fitted.seasonal_period_ == 12
    assert [sc.seasonal is not None for sc in fitted.scalers_] == [True, True, True, True, False]
    # each index belongs to a calendar month, whatever month the series starts in
    for sc in fitted.scalers_[:4]:
        np.testing.assert_allclose(sc.seasonal.indices[:, 0], SHAPE / SHAPE.mean(), rtol=0.05)
    # the refit on every row takes each series' latest seasons; the held-out model keeps the training part's
    assert fitted.refit_ and fitted.heldout_scalers_ is not fitted.scalers_
    with fitted._heldout():
        assert fitted.scalers_ is fitted.heldout_scalers_
    assert fitted.scalers_ is not fitted.heldout_scalers_
    # metrics stay on the raw series, beside raw baselines
    table = {r["series"]: r for r in fitted.metrics_["series_table"]}
    assert all(r["mase"] > 0 for r in table.values())
    assert fitted.metrics_["baselines"]["seasonal_naive_12"]["mae"] > 1.0


def test_forecasts_line_up_by_date_and_survive_save_load(fitted: Forecaster, panel: pd.DataFrame, tmp_path) -> None:
    full = fitted.predict(panel)
    later = fitted.predict(panel[panel.groupby("store").cumcount() >= 7])  # another first phase
    np.testing.assert_allclose(later["sales"], full["sales"], rtol=1e-5)
    # the forecasts carry the season back: the seasonal series' forecast follows the calendar shape
    s0 = full[full.store == "s0"]
    months = pd.DatetimeIndex(s0["date"]).month.to_numpy() - 1
    assert np.corrcoef(s0["sales"], SHAPE[months])[0, 1] > 0.9
    run = tmp_path / "run"
    fitted.save(run, plots=False)
    meta = json.loads((run / "forecaster.json").read_text())
    assert meta["seasonal_period"] == 12 and "phase" in meta["signature"]["inputs"]
    assert {"seasonal", "phase"} <= set(meta["signature"]["serve_with_stats"]["inputs"])
    loaded = load(run)
    pd.testing.assert_frame_equal(loaded.predict(panel), full, rtol=1e-5)
    # damaged indices are refused when the run is read, with the key named
    meta["scalers"][0]["seasonal"]["indices"][3] = [-1.0]
    (run / "forecaster.json").write_text(json.dumps(meta))
    with pytest.raises(ForecasterError, match=r"scalers\[0\]\.seasonal\.indices"):
        load(run)


def test_export_takes_the_phase_and_serves_new_series(fitted: Forecaster, panel: pd.DataFrame, tmp_path) -> None:
    import tensorflow as tf

    fitted.export(tmp_path / "export")
    model = tf.saved_model.load(str(tmp_path / "export"))
    width = fitted.input_width_
    tails = panel.groupby("store").tail(width)
    ids = tails.store.unique()
    windows = np.stack([tails.loc[tails.store == i, ["sales"]].to_numpy("float32") for i in ids])
    first = pd.DatetimeIndex(tails.groupby("store")["date"].last()[ids]) + pd.offsets.MonthBegin()
    phase = tf.constant(phases(first, "MS", 12), tf.int32)
    served = model.serve(window=tf.constant(windows), series_id=tf.constant(ids.astype(str)), phase=phase).numpy()
    expected = fitted.predict(panel)
    np.testing.assert_allclose(served[:, :, 0].ravel(), expected["sales"], rtol=1e-4)
    # the windows that end the fit data need no phase (the usual "forecast after the data" call) ...
    plain = model.serve(window=tf.constant(windows), series_id=tf.constant(ids.astype(str))).numpy()
    np.testing.assert_allclose(plain, served, rtol=1e-6)
    # ... any other window does
    with pytest.raises(tf.errors.InvalidArgumentError, match="pass `phase`"):
        model.serve(window=tf.constant(windows[:1] * 1.1), series_id=tf.constant(ids[:1].astype(str)))
    # the export contract: the README's downstream call, in a process that imports only TensorFlow
    np.save(tmp_path / "w.npy", windows)
    script = (
        "import json, numpy as np, tensorflow as tf\n"
        f"m = tf.saved_model.load({str(tmp_path / 'export')!r})\n"
        f"w = np.load({str(tmp_path / 'w.npy')!r})\n"
        f"print(json.dumps(m.serve(window=tf.constant(w), series_id=tf.constant({list(map(str, ids))!r}))"
        ".numpy()[:, :, 0].tolist()))\n"
        "import sys; print(sorted(k for k in sys.modules if k.split('.')[0] in ('forecaster', 'pandas')))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}).stdout.strip().splitlines()
    np.testing.assert_allclose(np.array(json.loads(out[0])).ravel(), expected["sales"], rtol=1e-4)
    assert not [m for m in json.loads(out[1].replace("'", '"')) if m.startswith("forecaster")]
    # a new series: its own indices and scaler, through serve_with_stats
    new = panel[panel.store == "s1"].assign(store="new", sales=lambda f: f.sales * 3)
    with pytest.warns(UserWarning, match="not seen at fit"):
        out = fitted.predict(new)
    values = new[["sales"]].to_numpy()
    first_phase = int(phases(pd.DatetimeIndex(new["date"][:1]), "MS", 12)[0])
    scaler = context_scaler(values, width, n_targets=1, period=12, first_phase=first_phase)
    assert scaler.seasonal is not None
    stats = model.serve_with_stats(
        window=tf.constant(values[-width:][None], tf.float32),
        center=tf.constant(scaler.center[None], tf.float32),
        scale=tf.constant(scaler.scale[None], tf.float32),
        seasonal=tf.constant(scaler.seasonal.indices[None], tf.float32),
        phase=phase[1:2],
    ).numpy()
    np.testing.assert_allclose(stats[0, :, 0], out["sales"], rtol=1e-4)


def test_adjustment_off_and_bad_setting(panel: pd.DataFrame) -> None:
    fc = Forecaster(**{**TINY, "intervals": ()}, seasonal_adjustment=False).fit(
        panel[panel.store.isin(["s0", "s4"])], target="sales", date_col="date", id_col="store"
    )
    assert fc.seasonal_period_ is None and all(sc.seasonal is None for sc in fc.scalers_)
    assert "phase" not in fc.metadata()["signature"]["inputs"]
    with pytest.raises(ForecasterError, match="`seasonal_adjustment` must be"):
        Forecaster(seasonal_adjustment="yes").fit(panel, target="sales", date_col="date", id_col="store")
    with pytest.raises(ForecasterError, match="needs a panel"):
        Forecaster(**TINY, seasonal_adjustment=True).fit(
            panel[panel.store == "s0"].drop(columns="store"), target="sales", date_col="date"
        )


def test_sampled_paths_carry_the_season_back(panel: pd.DataFrame) -> None:
    two = panel[panel.store.isin(["s0", "s1"])]
    fc = Forecaster(**{**TINY, "intervals": ()}, head="gaussian").fit(two, target="sales", date_col="date", id_col="store")
    paths, frame = fc.sample(64, 12, seed=0)  # continues the last fit series, s1
    assert paths.shape == (64, 12, 1) and np.isfinite(paths).all()
    months = pd.DatetimeIndex(frame.loc[frame["path"] == 0, "date"]).month.to_numpy() - 1
    assert np.corrcoef(np.median(paths[:, :, 0], axis=0), SHAPE[months])[0, 1] > 0.5
    from forecaster.tasks.sampling import _at_window

    with pytest.raises(ForecasterError, match="date column"):  # a one-series panel sampled from bare values
        _at_window(fc, fc.scalers_[0], None, fc.input_width_)

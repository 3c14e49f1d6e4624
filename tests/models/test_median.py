"""``model="median"`` (the default): the per-step median of the network, the linear model and the best baseline."""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd

from forecaster.forecaster import Forecaster, load
from forecaster.models.factory import median_models
from forecaster.training.choice import baseline_model

FAST = dict(cell="gru", units=(4,), epochs=2, batch_size=128, jit_compile=False, verbose=0, calendar=False)


def _frame(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    t = np.arange(n)
    y = 20 + 3 * np.sin(2 * np.pi * t / 7) + np.cumsum(rng.normal(scale=0.3, size=n))
    return pd.DataFrame({"date": pd.date_range("2001-01-01", periods=n, freq="D"), "y": y})


def test_the_layer_is_the_per_step_median_and_round_trips_a_keras_file(tmp_path) -> None:
    members = [baseline_model(8, 1, 3, 1, mode, m) for mode, m in (("last", None), ("mean", None), ("seasonal", 4))]
    model = median_models(members)
    x = np.random.default_rng(0).normal(size=(5, 8, 1)).astype("float32")
    expected = np.median(np.stack([np.asarray(m(x)) for m in members]), axis=0)
    np.testing.assert_allclose(np.asarray(model(x)), expected, rtol=1e-6)
    # the members stay nested in order (the refit finds the network among them)
    assert [m.name for m in model.layers if isinstance(m, keras.Model)] == [m.name for m in members]
    model.save(tmp_path / "m.keras")
    np.testing.assert_allclose(np.asarray(keras.saving.load_model(tmp_path / "m.keras")(x)), expected, rtol=1e-6)


def test_default_fit_forecasts_with_the_median_refit_saved_and_exported(tmp_path, monkeypatch) -> None:
    # the median's own refit: no window-baseline plan of the history competes (tests/test_history_plan.py)
    monkeypatch.setattr("forecaster.training.choice.history_plan_refit", lambda fc, parts: (None, None))
    df = _frame()
    fc = Forecaster(horizon=5, **FAST).fit(df)
    choice = fc.choice_
    assert choice["used"] == "median" and np.isfinite(choice["median_val_mae"])
    assert fc.metrics_["choice"]["used"] == "median"
    # refit: the network retrained, the linear model solved again on every row, the baseline kept
    network, linear, baseline = (m for m in fc.model_.layers if isinstance(m, keras.Model))
    assert linear.name == "linear" and baseline.name.startswith("baseline_") and fc.refit_["epochs"] >= 1
    held = [m for m in fc.heldout_model_.layers if isinstance(m, keras.Model)]
    assert held[2] is baseline and held[0] is not network and held[1] is not linear
    x = np.random.default_rng(1).normal(size=(3, fc.input_width_, fc._n_inputs())).astype("float32")
    parts = [np.asarray(m(x)) for m in (network, linear, baseline)]
    np.testing.assert_allclose(np.asarray(fc.model_(x)), np.median(np.stack(parts), axis=0), rtol=1e-5, atol=1e-6)
    forecast = fc.predict()
    with fc._heldout():
        assert not np.allclose(fc.predict()["y"].to_numpy(), forecast["y"].to_numpy())
    assert {"y_lower_80", "y_upper_80"} <= set(forecast.columns)
    fc.save(tmp_path / "run")
    loaded = load(tmp_path / "run")
    assert loaded.choice_["used"] == "median"
    pd.testing.assert_frame_equal(loaded.predict(), forecast, atol=1e-5)
    import tensorflow as tf

    fc.export(tmp_path / "export")
    served = tf.saved_model.load(str(tmp_path / "export"))
    window = df["y"].to_numpy(np.float32)[-fc.input_width_ :].reshape(1, -1, 1)
    np.testing.assert_allclose(served.serve(tf.constant(window)).numpy()[0, :, 0], forecast["y"], rtol=1e-4)


def test_median_validation_error_is_that_of_the_median_forecast() -> None:
    # the median's validation MAE is measured on its own forecasts, not taken from a member
    fc = Forecaster(horizon=5, refit=False, **FAST).fit(_frame())
    choice = fc.choice_
    members = [choice["network_val_mae"], choice["linear_val_mae"], choice["baseline_val_mae"]]
    assert choice["median_val_mae"] <= max(members)
    auto = Forecaster(model="auto", horizon=5, refit=False, **FAST).fit(_frame())
    assert auto.choice_["used"] != "median" and auto.choice_["median_val_mae"] is None


def test_a_clear_winner_on_validation_forecasts_alone(monkeypatch) -> None:
    # the median only where the validation windows barely rank the three: with a margin below 1 the
    # best one always wins clearly, and "median" then forecasts as "auto" does
    from forecaster.training import choice

    monkeypatch.setattr(choice, "MEDIAN_MARGIN", 1.0 - 1e-9)
    fc = Forecaster(horizon=5, refit=False, **FAST).fit(_frame())
    auto = Forecaster(model="auto", horizon=5, refit=False, **FAST).fit(_frame())
    assert fc.choice_["used"] == auto.choice_["used"] != "median"
    np.testing.assert_allclose(fc.predict()["y"], auto.predict()["y"], rtol=1e-6)
    assert np.isfinite(fc.choice_["median_val_mae"])  # measured, and said, all the same

"""The linear model: a ridge fit of the window (relative to its last value) to the horizon, in a Keras layer."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecaster.forecaster import Forecaster, load
from forecaster.models import linear
from forecaster.models.linear import fit_linear, linear_model

FAST = dict(cell="gru", units=(4,), epochs=2, batch_size=128, jit_compile=False, verbose=0)


def _windows(y: np.ndarray, width: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    origins = np.arange(width, len(y) - horizon + 1)
    return np.stack([y[o - width : o] for o in origins]), np.stack([y[o : o + horizon] for o in origins])


def test_fit_recovers_a_level_free_linear_recurrence() -> None:
    # y[t+1] - y[t] = 0.6 (y[t] - y[t-1]): a momentum in the changes, which the relative window holds
    rng = np.random.default_rng(0)
    change = np.zeros(600)
    for t in range(1, 600):
        change[t] = 0.6 * change[t - 1] + rng.normal()
    y = np.cumsum(change)[:, None]
    x, target = _windows(y, 8, 3)
    kernel, bias = fit_linear(x, target)
    # the one-step change is 0.6 times the last change. Column k of the design is y[k] - y[last], minus
    # the sum of the changes after row k, so the weight of the change into row j is -sum(kernel[:j])
    weights = -np.cumsum(kernel[:7, 0])
    assert abs(weights[-1] - 0.6) < 0.1 and np.abs(weights[:-1]).max() < 0.15
    out = np.asarray(linear_model(8, 1, 3, 1, kernel, bias)(x.astype("float32")))
    assert np.mean(np.abs(out[:, 0, 0] - target[:, 0, 0])) < 0.9 * np.mean(np.abs(x[:, -1, 0] - target[:, 0, 0]))


def test_layer_is_the_numpy_design_times_the_kernel_with_a_covariate_and_two_targets() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 6, 3)).astype("float32")  # targets are columns 0 and 1, a covariate column 2
    kernel = rng.normal(size=(13, 8)).astype("float32")  # 6 rows x 2 targets, and the covariate's last value
    bias = rng.normal(size=8).astype("float32")
    out = np.asarray(linear_model(6, 3, 4, 2, kernel, bias, last_indices=[2])(x))
    design = np.concatenate([(x[:, :, :2] - x[:, -1:, :2]).reshape(50, -1), x[:, -1, 2:]], axis=1)
    expected = x[:, -1:, :2] + (design @ kernel + bias).reshape(50, 4, 2)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)


def test_long_fits_use_evenly_spaced_windows(monkeypatch) -> None:
    monkeypatch.setattr(linear, "MAX_VALUES", 10 * 5)  # room for 10 windows of 5 values
    rng = np.random.default_rng(2)
    y = np.cumsum(rng.normal(size=400))[:, None]
    x, target = _windows(y, 5, 2)
    kernel, bias = fit_linear(x, target)
    assert kernel.shape == (5, 2) and bias.shape == (2,) and np.isfinite(kernel).all()


def _momentum_frame(n: int = 360) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    change = np.zeros(n)
    for t in range(1, n):
        change[t] = 0.8 * change[t - 1] + rng.normal(scale=0.5)
    y = 100 + np.cumsum(change)
    return pd.DataFrame({"date": pd.date_range("2000-01-01", periods=n, freq="D"), "y": y})


def test_auto_forecasts_with_the_linear_model_refit_on_every_row(tmp_path) -> None:
    # a smooth momentum an untrained network cannot follow: the linear model wins validation
    df = _momentum_frame()
    fc = Forecaster(model="auto", horizon=5, learning_rate=1e-6, skip="none", **FAST).fit(df)
    choice = fc.choice_
    assert choice["used"] == "linear"
    assert choice["linear_val_mae"] < min(choice["network_val_mae"], choice["baseline_val_mae"])
    assert fc.refit_ == {"rows": len(df), "model": "linear"}
    assert fc.model_.name == "linear" and fc.heldout_model_.name == "linear"
    # the refit solved on every row: its forecast differs from the held-out fit's
    with fc._heldout():
        heldout = fc.predict()["y"].to_numpy()
    forecast = fc.predict()
    assert not np.allclose(forecast["y"].to_numpy(), heldout)
    assert {"y_lower_80", "y_upper_80"} <= set(forecast.columns)
    fc.save(tmp_path / "run")
    loaded = load(tmp_path / "run")
    assert loaded.refit_ == fc.refit_ and loaded.choice_["used"] == "linear"
    pd.testing.assert_frame_equal(loaded.predict(), forecast, atol=1e-5)
    # the SavedModel serves the same forecast from the raw window
    import tensorflow as tf

    fc.export(tmp_path / "export")
    served = tf.saved_model.load(str(tmp_path / "export"))
    window = df["y"].to_numpy(np.float32)[-fc.input_width_ :].reshape(1, -1, 1)
    np.testing.assert_allclose(served.serve(tf.constant(window)).numpy()[0, :, 0], forecast["y"], rtol=1e-4)


def test_a_fit_with_few_windows_allowed_spaces_them_over_the_series(monkeypatch) -> None:
    seen = []
    fit = linear.fit_linear
    monkeypatch.setattr(linear, "fit_linear", lambda x, y, last=(): seen.append(x) or fit(x, y, last))
    monkeypatch.setattr(linear, "MAX_VALUES", 30 * 12)  # 30 windows of 12 rows
    df = _momentum_frame(300)
    fc = Forecaster(horizon=4, input_width=12, **FAST).fit(df)
    # the candidate's fit (and the refit on every row when it is chosen), 30 windows each
    assert seen and all(len(x) == 30 for x in seen) and np.isfinite(fc.choice_["linear_val_mae"])
    # the candidate's: from the first training window to the last one before validation
    scaled = fc.scalers_[0].transform(df[["y"]].to_numpy())[:, 0]
    first, last = seen[0][0, :, 0], seen[0][-1, :, 0]
    stop = fc.split_[0].train[1]  # the last training window's targets end there: its inputs end 4 rows before
    np.testing.assert_allclose(first, scaled[:12], atol=1e-5)
    np.testing.assert_allclose(last, scaled[stop - 4 - 12 : stop - 4], atol=1e-5)


def test_a_panel_weighs_only_the_network_and_the_baselines() -> None:
    frames = [_momentum_frame(200).assign(store=sid) for sid in ("a", "b")]
    fc = Forecaster(horizon=4, input_width=12, **FAST).fit(pd.concat(frames), target="y", id_col="store")
    assert fc.choice_["linear_val_mae"] is None and fc.choice_["used"] not in ("linear", "median")

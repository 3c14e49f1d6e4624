"""Per-window scaling (``window_scale``): the layer, the heads, the model's equivariance and the rule."""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
import pytest

from forecaster.errors import ForecasterError
from forecaster.models.factory import build_model
from forecaster.models.heads import ForecastHead
from forecaster.models.layers import WindowScale
from forecaster.training.selection import check_window_scale

W, H = 16, 4


def test_the_layer_divides_the_targets_by_their_window_spread_and_floors_it() -> None:
    rng = np.random.default_rng(0)
    window = rng.normal(size=(3, W, 3)).astype("float32")
    window[2, :, 0] = 5.0  # a flat target column: the floor, not a division by zero
    scaled, scale = WindowScale([0, 2], 3, floor=0.01)([window, window])
    scaled, scale = np.asarray(scaled), np.asarray(scale)
    spread = np.maximum(window.std(axis=1, keepdims=True), 0.01)
    np.testing.assert_allclose(scale, spread[:, :, [0, 2]], rtol=1e-5)
    np.testing.assert_allclose(scaled[..., [0, 2]], window[..., [0, 2]] / spread[:, :, [0, 2]], rtol=1e-5)
    np.testing.assert_array_equal(scaled[..., 1], window[..., 1])  # a feature column passes through
    assert scale[2, 0, 0] == pytest.approx(0.01)


@pytest.mark.parametrize("skip", ["last", "seasonal", "mean"])
@pytest.mark.parametrize("head", ["point", "quantile", "gaussian"])
def test_the_forecast_moves_with_an_affine_change_of_the_series(skip: str, head: str) -> None:
    """Shift and stretch the window: the forecast is shifted and stretched alike (std: stretched only)."""
    keras.utils.set_random_seed(0)
    model = build_model("gru", (8,), W, 1, H, 1, skip=skip, season=4, head=head, window_scale=True)
    dense = model.get_layer("head_dense")  # a visible correction, not the near-zero start
    dense.set_weights([np.random.default_rng(1).normal(size=w.shape).astype("float32") for w in dense.get_weights()])
    x = np.random.default_rng(2).normal(size=(5, W, 1)).astype("float32")
    out, moved = np.asarray(model(x)), np.asarray(model(3.0 * x + 7.0))
    if head == "gaussian":
        np.testing.assert_allclose(moved[..., 0], 3.0 * out[..., 0] + 7.0, rtol=1e-4, atol=1e-3)
        np.testing.assert_allclose(moved[..., 1], 3.0 * out[..., 1], rtol=1e-4, atol=1e-4)
    else:
        np.testing.assert_allclose(moved, 3.0 * out + 7.0, rtol=1e-4, atol=1e-3)
    # without window scaling the correction does not stretch with the series
    keras.utils.set_random_seed(0)
    plain = build_model("gru", (8,), W, 1, H, 1, skip=skip, season=4, head=head)
    plain.get_layer("head_dense").set_weights(dense.get_weights())
    base, shifted = np.asarray(plain(x)), np.asarray(plain(3.0 * x + 7.0))
    assert not np.allclose(shifted, 3.0 * base + 7.0, rtol=1e-4, atol=1e-3)


def test_the_head_multiplies_the_correction_not_the_baseline() -> None:
    raw = np.full((1, 2, 1), 0.5, "float32")
    baseline = np.full((1, 2, 1), 10.0, "float32")
    scale = np.full((1, 1, 1), 4.0, "float32")
    out = np.asarray(ForecastHead("point", 1)([raw, baseline, scale]))
    np.testing.assert_allclose(out, 12.0)


def test_a_window_scaled_model_saves_and_loads_in_safe_mode(tmp_path) -> None:
    model = build_model("lstm", (4,), W, 2, H, 1, skip="last", window_scale=True)
    x = np.random.default_rng(0).normal(size=(2, W, 2)).astype("float32")
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), rtol=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(skip=None), "skip"),
        (dict(skip="last", decoder="recursive"), "decoder"),
    ],
)
def test_window_scale_needs_a_skip_and_the_direct_decoder(kwargs: dict, match: str) -> None:
    with pytest.raises(ForecasterError, match=match):
        build_model("gru", 4, W, 1, H, 1, window_scale=True, **kwargs)


def test_the_option_needs_a_skip_baseline() -> None:
    check_window_scale(False, "none")
    check_window_scale(True, "mean")
    with pytest.raises(ForecasterError, match="skip baseline"):
        check_window_scale(True, "none")


def _series(n: int = 160) -> pd.DataFrame:
    """A daily series whose seasonal swing grows with its level (the case window scaling is for)."""
    t = np.arange(n)
    level = 10.0 + 0.1 * t
    values = level * (1.0 + 0.3 * np.sin(2 * np.pi * t / 7)) + np.random.default_rng(0).normal(0, 0.3, n)
    return pd.DataFrame({"date": pd.date_range("2024-01-01", periods=n, freq="D"), "y": values})


def test_a_fit_with_window_scale_saves_loads_and_exports_the_same_forecast(tmp_path) -> None:
    import tensorflow as tf

    from forecaster import Forecaster, load

    fc = Forecaster(horizon=7, units=(4,), epochs=2, window_scale=True, calendar=False, intervals=(),
                    model="network", jit_compile=False, verbose=0).fit(_series())
    assert "window_scale" in [layer.name for layer in fc.model_.layers]
    fc.save(tmp_path / "run")
    loaded = load(tmp_path / "run")
    assert loaded.window_scale is True and "window_scale" in [layer.name for layer in loaded.model_.layers]
    np.testing.assert_allclose(loaded.predict()["y"].to_numpy(), fc.predict()["y"].to_numpy(), rtol=1e-5)
    window = fc.data_.values[-fc.input_width_ :, :1].astype("float32")[None]  # raw units: export scales inside
    exported = tf.saved_model.load(str(tmp_path / "run" / "export"))  # keep a reference: serve uses its variables
    served = exported.serve(tf.constant(window))
    served = served["mean"] if isinstance(served, dict) else served
    np.testing.assert_allclose(np.asarray(served).ravel(), fc.predict()["y"].to_numpy(), rtol=1e-4)


def test_window_scale_without_a_skip_is_one_clear_error() -> None:
    from forecaster import Forecaster

    with pytest.raises(ForecasterError, match="skip baseline"):
        Forecaster(horizon=7, units=(4,), epochs=1, skip="none", window_scale=True, jit_compile=False,
                   verbose=0).fit(_series())


def test_the_cli_flag_and_config_key_switch_it_on(tmp_path) -> None:
    from forecaster.cli import build_parser, fit_settings

    def settings(argv: list[str]) -> dict:
        return fit_settings(build_parser().parse_args(["fit", *argv]))

    assert settings(["--csv", "x.csv"])["window_scale"] is False
    assert settings(["--csv", "x.csv", "--window-scale"])["window_scale"] is True
    config = tmp_path / "run.toml"
    config.write_text('csv = "x.csv"\nwindow_scale = true\n')
    assert settings(["--config", str(config)])["window_scale"] is True

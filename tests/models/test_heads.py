"""Tests for forecaster.models.heads: head transforms, losses, and reading heads back."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from forecaster.data.windowing import make_windows
from forecaster.errors import ForecasterError
from forecaster.models.factory import build_classifier, build_model
from forecaster.models.heads import (
    ForecastHead,
    GaussianNLL,
    PinballLoss,
    head_of,
    loss_for,
    point_forecast,
    validate_quantiles,
)
from forecaster.training import train

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("quantiles", [(0.1, 0.5, 0.9), (0.05, 0.25, 0.75, 0.95), (0.3,)])
def test_quantile_head_is_monotone_and_centred_on_baseline(quantiles: tuple[float, ...]) -> None:
    q = len(quantiles)
    raw = RNG.normal(0, 3, size=(5, 4, 2 * q)).astype("float32")
    baseline = RNG.normal(size=(5, 4, 2)).astype("float32")
    out = np.asarray(ForecastHead("quantile", 2, quantiles)([raw, baseline]))
    assert out.shape == (5, 4, 2, q)
    assert (np.diff(out, axis=-1) >= 0).all()
    # zero raw output -> the middle quantile is the baseline itself
    zero = np.asarray(ForecastHead("quantile", 2, quantiles)([np.zeros_like(raw), baseline]))
    np.testing.assert_allclose(point_forecast(zero, "quantile", quantiles), baseline, atol=1e-6)


def test_point_and_gaussian_heads() -> None:
    raw = RNG.normal(0, 3, size=(3, 4, 2)).astype("float32")
    baseline = RNG.normal(size=(3, 4, 2)).astype("float32")
    point = np.asarray(ForecastHead("point", 2)([raw, baseline]))
    np.testing.assert_allclose(point, raw + baseline, rtol=1e-6)
    gauss = np.asarray(ForecastHead("gaussian", 1)([raw, baseline[..., :1]]))
    assert gauss.shape == (3, 4, 1, 2)
    np.testing.assert_allclose(gauss[..., 0], raw[..., :1] + baseline[..., :1], rtol=1e-6)
    assert (gauss[..., 1] > 0).all()
    np.testing.assert_allclose(point_forecast(gauss, "gaussian"), gauss[..., 0])


def test_pinball_loss_matches_definition_and_is_minimised_by_quantiles() -> None:
    y = RNG.normal(size=(2000, 1, 1)).astype("float32")
    levels = (0.1, 0.5, 0.9)
    loss = PinballLoss(levels)

    def value(pred: np.ndarray) -> float:
        return float(loss(y, np.broadcast_to(pred, (*y.shape, 3)).astype("float32")))

    true_q = np.quantile(y, levels)
    e = y[..., None] - true_q
    expected = np.mean(np.maximum(np.array(levels) * e, (np.array(levels) - 1) * e))
    assert value(true_q) == pytest.approx(expected, rel=1e-5)
    for shift in (-0.3, 0.3):
        assert value(true_q + shift) > value(true_q)


def test_gaussian_nll_matches_formula() -> None:
    y = RNG.normal(size=(4, 3, 2)).astype("float32")
    mean = RNG.normal(size=(4, 3, 2)).astype("float32")
    std = RNG.uniform(0.5, 2.0, size=(4, 3, 2)).astype("float32")
    expected = np.mean(np.log(std) + 0.5 * ((y - mean) / std) ** 2 + 0.5 * np.log(2 * np.pi))
    got = float(GaussianNLL()(y, np.stack([mean, std], -1)))
    assert got == pytest.approx(expected, rel=1e-5)


def test_loss_for_and_errors() -> None:
    assert isinstance(loss_for("point"), keras.losses.MeanSquaredError)
    assert isinstance(loss_for("point", point_loss="mae"), keras.losses.MeanAbsoluteError)
    assert isinstance(loss_for("point", point_loss="huber"), keras.losses.Huber)
    assert loss_for("quantile", quantiles=(0.2, 0.8)).quantiles == (0.2, 0.8)
    assert isinstance(loss_for("gaussian"), GaussianNLL)
    assert isinstance(loss_for("softmax"), keras.losses.SparseCategoricalCrossentropy)
    with pytest.raises(ForecasterError, match="point_loss='mape'"):
        loss_for("point", point_loss="mape")
    with pytest.raises(ForecasterError, match="head='median'"):
        loss_for("median")
    for bad in [(), (0.5, 0.5), (0.9, 0.1), (0.0, 0.5), (0.5, 1.0), "abc"]:
        with pytest.raises(ForecasterError, match="quantiles"):
            validate_quantiles(bad)
    with pytest.raises(ForecasterError, match="does not match"):
        point_forecast(np.zeros((1, 2, 1, 3)), "quantile", (0.1, 0.9))


def test_head_of_reads_built_models() -> None:
    assert head_of(build_model("gru", 4, 8, 1, 2, 1)) == ("point", ())
    assert head_of(build_model("gru", 4, 8, 1, 2, 1, head="gaussian")) == ("gaussian", ())
    quantile = build_model("gru", 4, 8, 1, 2, 1, head="quantile", quantiles=(0.2, 0.8))
    assert head_of(quantile) == ("quantile", (0.2, 0.8))
    assert head_of(build_classifier("gru", 4, 8, 1, 3)) == ("softmax", ())
    plain = keras.Sequential([keras.Input((8, 1)), keras.layers.LSTM(4), keras.layers.Dense(2)])
    assert head_of(plain) == ("point", ())


@pytest.mark.slow
def test_quantile_head_coverage_on_gaussian_noise() -> None:
    """On i.i.d. N(0, 1) noise the learned 10% / 90% quantiles approach -1.28 / +1.28.

    Tolerance: the held-out share below q0.1 and above q0.9 must each be within
    0.1 +- 0.06, and the 80% interval must cover 0.8 +- 0.08.
    """
    noise = np.random.default_rng(1).normal(size=4000).astype("float32")
    train_ds = make_windows(noise[:3000], 16, 2, batch_size=64, shuffle=True, seed=0)
    x_test = np.lib.stride_tricks.sliding_window_view(noise[3000:], 18)
    x, y = x_test[:, :16, None], x_test[:, 16:, None]
    model = build_model("gru", (8,), 16, 1, 2, 1, head="quantile", quantiles=(0.1, 0.5, 0.9))
    train(model, train_ds, epochs=12, learning_rate=1e-2, seed=0, verbose=0, jit_compile=False)
    q = model.predict(x, verbose=0)
    assert (np.diff(q, axis=-1) >= 0).all()
    below = float(np.mean(y < q[..., 0]))
    above = float(np.mean(y > q[..., 2]))
    assert below == pytest.approx(0.1, abs=0.06)
    assert above == pytest.approx(0.1, abs=0.06)
    assert 1 - below - above == pytest.approx(0.8, abs=0.08)

"""train(reuse=...): a compiled model restarted from a fresh build gives the fresh fit's weights."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecaster import Forecaster
from forecaster.data.windowing import make_windows
from forecaster.models.factory import build_model

SERIES = np.sin(np.arange(160) / 4.0) + 0.01 * np.arange(160)


def _build():
    # dropout: a restart must also start the dropout masks' seed state where a fresh build does
    return build_model("gru", (4,), 12, 1, 3, 1, dropout=0.2)


def _windows(rows: np.ndarray, shuffle: bool = True):
    # a seeded shuffle also reads TensorFlow's global seed at creation, which each train() resets
    return make_windows(rows, input_width=12, horizon=3, batch_size=16, shuffle=shuffle, seed=0)


def _fit(**kw):
    from forecaster.training import train

    return train(_build, _windows(SERIES[:120]), _windows(SERIES[100:]), epochs=3, patience=2, seed=0,
                 verbose=0, jit_compile=False, **kw)


def test_reused_model_trains_to_the_weights_of_a_fresh_fit() -> None:
    from forecaster.training import copy_model, train

    first = _fit().model
    kept = copy_model(_build, first)
    fresh = train(_build, _windows(SERIES, shuffle=False), None, epochs=4, seed=1, verbose=0, jit_compile=False, reduce_lr=False)
    again = train(_build, _windows(SERIES, shuffle=False), None, epochs=4, seed=1, verbose=0, jit_compile=False, reduce_lr=False,
                  reuse=first)
    assert again.model is first  # trained in place: its traced train step served again
    for a, b in zip(fresh.model.get_weights(), again.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    # the copy kept the weights the first fit ended with
    assert not all(np.array_equal(a, b) for a, b in zip(kept.get_weights(), first.get_weights(), strict=True))
    assert first.optimizer.iterations.numpy() == fresh.model.optimizer.iterations.numpy()


def test_reuse_is_ignored_for_a_built_model_or_another_xla_setting() -> None:
    from forecaster.training import _reusable, train

    first = _build()
    first.compile(optimizer="adam", loss="mse", jit_compile=False)
    built = _build()
    assert train(built, _windows(SERIES), None, epochs=1, seed=0, verbose=0, jit_compile=False, reuse=first).model is built
    assert _reusable(first, _build, False, None)
    assert not _reusable(first, _build, True, None)  # compiled without XLA: a run with XLA compiles anew
    assert not _reusable(_build(), _build, False, None)  # never compiled


def test_an_xla_compiled_model_serves_a_fit_too_short_to_compile_one(without_op_determinism: None) -> None:
    import tensorflow as tf

    from forecaster.training import _reusable
    from forecaster.training.setup import XLA_MIN_PLANNED_STEPS

    if tf.config.list_physical_devices("GPU"):
        pytest.skip('jit_compile="auto" leaves XLA off on a GPU')
    short, long = XLA_MIN_PLANNED_STEPS - 1, XLA_MIN_PLANNED_STEPS
    xla, plain = _build(), _build()
    xla.compile(optimizer="adam", loss="mse", jit_compile=True)  # compiling traces nothing yet
    plain.compile(optimizer="adam", loss="mse", jit_compile=False)
    assert xla.jit_compile and not plain.jit_compile
    # "auto" would not compile XLA for the short fit, but this model's compilation is already paid
    assert _reusable(xla, _build, "auto", short) and _reusable(xla, _build, "auto", long)
    assert _reusable(plain, _build, "auto", short)
    assert not _reusable(plain, _build, "auto", long)  # a long fit compiles XLA anew
    assert not _reusable(xla, _build, False, short)  # XLA turned off by the caller


def test_short_series_fit_reuses_compiled_models_without_changing_a_number(monkeypatch) -> None:
    """Rolling-origin folds, the final fit and the refit share compiled models; every number stays.

    The choice and the calibration forecast with each fold's kept model (a copy made before
    the next origin retrains the compiled one), so they would move if a copy were wrong. (The
    refit's copy of the held-out model is also checked in tests/test_refit.py.)
    """
    import forecaster.training as training

    frame = pd.DataFrame({"y": SERIES[:60]})  # 7 validation windows: folded into training, rolling origins
    settings = dict(cell="gru", units=(4,), horizon=3, input_width=12, epochs=3, patience=1, jit_compile=False,
                    verbose=0, seed=0, model="network")  # the network forecasts (and is refit)
    restarts = []
    restart = training._restart
    monkeypatch.setattr(training, "_restart", lambda *a: restarts.append(1) or restart(*a))
    reused = Forecaster(**settings).fit(frame)
    assert len(restarts) == 5  # origins 2-4, the final fit and the refit: one compiled model traced once
    monkeypatch.setattr(training, "_reusable", lambda *a, **k: False)
    fresh = Forecaster(**settings).fit(frame)
    assert "val_loss" not in reused.history_ and reused.refit_ is not None
    assert reused.choice_ == fresh.choice_ and reused.intervals_ == fresh.intervals_
    assert reused.metrics_["model"] == fresh.metrics_["model"]
    pd.testing.assert_frame_equal(reused.predict(), fresh.predict())
    with reused._heldout(), fresh._heldout():
        pd.testing.assert_frame_equal(reused.predict(), fresh.predict())

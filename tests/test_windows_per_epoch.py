"""windows_per_epoch: sampled training epochs whose patience and budget count windows seen, not epochs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from forecaster import Forecaster
from forecaster.data.windowing import count_windows
from forecaster.errors import ForecasterError
from forecaster.training.selection import (
    AUTO_WINDOWS_MIN,
    AUTO_WINDOWS_PER_EPOCH,
    per_windows,
    resolve_windows_per_epoch,
)

N = 240


def _frame() -> pd.DataFrame:
    t = np.arange(N, dtype=float)
    return pd.DataFrame(
        {"date": pd.date_range("2000-01-01", periods=N, freq="D"), "y": np.sin(t / 3) + 0.01 * t}
    )


def _small(**kw) -> Forecaster:
    settings = dict(
        cell="gru",
        units=(4,),
        horizon=4,
        input_width=8,
        epochs=2,
        patience=1,
        batch_size=16,
        jit_compile=False,
        verbose=0,
        model="network",
        intervals=(),
        seasons=(7,),
    )
    return Forecaster(**{**settings, **kw})


@pytest.fixture
def recorded(monkeypatch):
    """Every ``train`` call of a fit: its batches per epoch, patience, epochs and whether it validated."""
    import forecaster.training as training

    calls: list[dict] = []
    original = training.train

    def spy(model, train_ds, val_ds=None, **kw):
        calls.append(
            {
                "steps": int(train_ds.cardinality()),
                "patience": kw["patience"],
                "epochs": kw["epochs"],
                "val_batches": None if val_ds is None else int(val_ds.cardinality()),
            }
        )
        return original(model, train_ds, val_ds, **kw)

    monkeypatch.setattr(training, "train", spy)
    return calls


def test_resolve_and_scale_rules() -> None:
    assert resolve_windows_per_epoch("auto", AUTO_WINDOWS_MIN) is None
    n = AUTO_WINDOWS_MIN + 1
    per_epoch = resolve_windows_per_epoch("auto", n)
    assert per_epoch <= AUTO_WINDOWS_PER_EPOCH and math.ceil(n / per_epoch) == math.ceil(
        n / AUTO_WINDOWS_PER_EPOCH
    )
    assert resolve_windows_per_epoch(None, 10**6) is None
    assert resolve_windows_per_epoch(100, 99) is None and resolve_windows_per_epoch(100, 101) == 100
    # the patience counts the windows of that many full sweeps
    assert (
        per_windows(10, 6000, 500) == 120
        and per_windows(10, 6000, None) == 10
        and per_windows(1, 10, 9) == 2
    )


@pytest.mark.parametrize("bad", [0, -3, 2.5, "all", True])
def test_bad_values_are_user_errors(bad) -> None:
    with pytest.raises(ForecasterError, match="windows_per_epoch"):
        _small(windows_per_epoch=bad).fit(_frame())


def test_sampled_epochs_scale_patience_and_budget(recorded) -> None:
    fc = _small(windows_per_epoch=32, refit=True, seed=3).fit(_frame())
    n_train = count_windows(fc.split_[0].train[1] - fc.split_[0].train[0], 8, 4)
    n_val = count_windows(fc.split_[0].val[1] - fc.split_[0].val[0], 8, 4)
    first, refit = recorded
    assert fc.windows_per_epoch_ == 32
    assert first["steps"] == 2  # 32 windows at batch 16, not ceil(n_train / 16)
    assert first["patience"] == math.ceil(1 * n_train / 32) and first["epochs"] == math.ceil(
        2 * n_train / 32
    )
    assert first["val_batches"] == math.ceil(n_val / 256)  # every validation window, each epoch
    # the refit reuses the sampled epochs: the budget in sampled epochs, 32 windows each
    assert refit["steps"] == 2 and refit["epochs"] == fc.refit_["epochs"] <= len(fc.history_)
    assert fc.refit_["windows_per_epoch"] == 32


def test_auto_sweeps_a_short_series(recorded) -> None:
    assert Forecaster().windows_per_epoch is None  # off by default (docs/benchmarks.md)
    fc = _small(seed=3, windows_per_epoch="auto").fit(_frame())
    n_train = count_windows(fc.split_[0].train[1] - fc.split_[0].train[0], 8, 4)
    assert fc.windows_per_epoch_ is None
    assert recorded[0]["steps"] == math.ceil(n_train / 16) and recorded[0]["patience"] == 1
    assert recorded[0]["epochs"] == 2


def test_same_seed_same_metrics() -> None:
    a = _small(windows_per_epoch=40, refit=False, seed=5, deterministic=True).fit(_frame())
    b = _small(windows_per_epoch=40, refit=False, seed=5, deterministic=True).fit(_frame())
    assert a.metrics_["model"] == b.metrics_["model"]
    assert a.history_["loss"].tolist() == b.history_["loss"].tolist()


def test_auto_epochs_stop_at_the_windows_seen_cap(recorded, monkeypatch) -> None:
    # epochs="auto" (the default): 100 sweeps, fewer when they would pass MAX_WINDOWS_SEEN windows,
    # counted in sampled epochs too; an explicit integer is kept as given
    from forecaster.training import selection

    assert Forecaster().epochs == "auto" and selection.resolve_epochs("auto", 10) == selection.AUTO_EPOCHS
    monkeypatch.setattr(selection, "MAX_WINDOWS_SEEN", 300)
    fc = _small(epochs="auto", patience=50, refit=False, seed=3).fit(_frame())
    n_train = count_windows(fc.split_[0].train[1] - fc.split_[0].train[0], 8, 4)
    assert recorded[0]["epochs"] == 300 // n_train >= 1 and len(fc.history_) <= 300 // n_train
    _small(epochs="auto", patience=50, refit=False, seed=3, windows_per_epoch=32).fit(_frame())
    assert recorded[1]["epochs"] == math.ceil((300 // n_train) * n_train / 32)
    _small(epochs=7, patience=50, refit=False, seed=3).fit(_frame())
    assert recorded[2]["epochs"] == 7


@pytest.mark.parametrize("bad", [0, "all", 2.5])
def test_bad_epochs_are_user_errors(bad) -> None:
    with pytest.raises(ForecasterError, match="epochs"):
        _small(epochs=bad).fit(_frame())

"""refit=True retrains on every row after the held-out metrics; batch_size="auto" sizes batches to the series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecaster import Forecaster
from forecaster.errors import ForecasterError
from forecaster.training.selection import auto_batch_size

N = 96


def _frame() -> pd.DataFrame:
    t = np.arange(N, dtype=float)
    return pd.DataFrame({"date": pd.date_range("2000-01-01", periods=N, freq="MS"), "y": 0.3 * t + np.sin(t / 2)})


def _small(**kw) -> Forecaster:
    return Forecaster(
        cell="gru", units=(4,), horizon=4, input_width=8, epochs=3, jit_compile=False, verbose=0, model="network",
        intervals=(0.8,), deterministic=True, **kw,
    )


def test_auto_batch_size_rule() -> None:
    assert [auto_batch_size(n) for n in (0, 57, 64, 100, 256, 10_000)] == [16, 16, 16, 25, 64, 64]


def test_batch_size_param_checked() -> None:
    with pytest.raises(ForecasterError, match="batch_size"):
        Forecaster(batch_size="big").fit(_frame())
    with pytest.raises(ForecasterError, match="refit"):
        Forecaster(refit="yes").fit(_frame())


@pytest.fixture(scope="module")
def fits(tmp_path_factory):
    import forecaster.training as training

    seen = []
    original = training.train

    def spy(build, train_ds, val_ds=None, **kw):
        seen.append((train_ds, val_ds, kw["epochs"]))
        return original(build, train_ds, val_ds, **kw)

    training.train = spy
    try:
        refit = _small(refit=True).fit(_frame())
    finally:
        training.train = original
    held = _small(refit=False).fit(_frame())
    path = tmp_path_factory.mktemp("run") / "run"
    refit.save(path, plots=False)
    return refit, held, seen, path


def test_refit_trains_on_the_last_rows(fits) -> None:
    refit, held, seen, _ = fits
    assert held.refit_ is None
    assert refit.refit_["rows"] == N and refit.refit_["batch_size"] == refit.batch_size_ == 16
    train_ds, val_ds, epochs = seen[-1]  # the refit: no validation, the first fit's budget
    assert val_ds is None and epochs == refit.refit_["epochs"]
    targets = np.concatenate([y.numpy().ravel() for _, y in train_ds])
    last = refit.scalers_[0].transform(_frame()[["y"]].to_numpy())[-1, 0]
    assert np.isclose(targets, last, atol=1e-5).any()  # the series' last row is a training target
    first_fit_targets = np.concatenate([y.numpy().ravel() for _, y in seen[0][0]])
    assert not np.isclose(first_fit_targets, last, atol=1e-5).any()


def test_refit_keeps_heldout_metrics_and_changes_the_forecast(fits) -> None:
    refit, held, _, _ = fits
    assert refit.metrics_["model"]["mse"] == pytest.approx(held.metrics_["model"]["mse"], rel=1e-4)
    a, b = refit.predict(), held.predict()
    assert not np.allclose(a["y"], b["y"])
    assert "y_lower_80" in a.columns  # the validation-calibrated intervals still apply


def test_test_plot_uses_the_heldout_model(fits) -> None:
    from forecaster.scoring import test_chunks

    refit, held, _, _ = fits
    with refit._heldout():
        shown = test_chunks(refit, None)["forecast"]
    assert np.allclose(shown, test_chunks(held, None)["forecast"], rtol=1e-3, atol=1e-3)
    assert refit.plot_forecast() is not None


def test_refit_is_saved(fits) -> None:
    from forecaster import load

    refit, _, _, path = fits
    loaded = load(path)
    assert loaded.refit_ == refit.refit_
    assert np.allclose(loaded.predict()["y"], refit.predict()["y"], atol=1e-4)

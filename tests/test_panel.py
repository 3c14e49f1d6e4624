"""Global models over long-format panels: per-series scaling and aggregate accuracy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecaster import Forecaster


def make_panel(n_series: int = 120, length: int = 140, seed: int = 0) -> pd.DataFrame:
    """Series with shared dynamics (weekly season + AR(1) noise) at very different scales."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2023-01-02", periods=length, freq="D")
    frames = []
    for i in range(n_series):
        level = 10 ** rng.uniform(0, 3)
        ar = np.zeros(length)
        for t in range(1, length):
            ar[t] = 0.8 * ar[t - 1] + rng.normal(0, 0.3)
        season = np.sin(2 * np.pi * (np.arange(length) + rng.integers(7)) / 7)
        frames.append(pd.DataFrame({"store": f"s{i:03d}", "date": dates, "sales": level * (5 + season + ar)}))
    return pd.concat(frames, ignore_index=True)


@pytest.mark.slow
def test_global_model_beats_seasonal_naive_with_per_series_scaling():
    panel = make_panel()
    # A few short series are skipped with a warning that says how many.
    short = pd.DataFrame({"store": "tiny", "date": pd.date_range("2023-01-02", periods=10), "sales": 1.0})
    data = pd.concat([panel, short], ignore_index=True)
    fc = Forecaster(cell="gru", units=(16,), input_width=14, horizon=7, epochs=8, batch_size=128,
                    verbose=0, seed=0, jit_compile=False)  # XLA's compile costs more than it saves here
    with pytest.warns(UserWarning, match="1 of 121 series"):
        fc.fit(data, target="sales", date_col="date", id_col="store")

    # Per-series scaling: each series' scaler matches that series' training rows alone.
    for sid, scaler in list(zip(fc.series_ids_, fc.scalers_, strict=True))[:5]:
        rows = panel.loc[panel["store"] == sid, "sales"].to_numpy()
        start, stop = fc.split_[0].train
        np.testing.assert_allclose(scaler.center[0], rows[start:stop].mean(), rtol=1e-4)
    centers = np.array([s.center[0] for s in fc.scalers_])
    assert centers.max() / centers.min() > 50  # magnitudes differ, scaling absorbs it

    metrics = fc.evaluate()
    assert len(metrics["per_series"]) == 120
    agg = metrics["aggregate"]
    assert agg["model"]["mase_mean"] < agg["seasonal_naive"]["mase_mean"]
    assert agg["model"]["mase_median"] < agg["seasonal_naive"]["mase_median"]

    forecast = fc.predict()
    assert list(forecast.columns[:3]) == ["store", "date", "sales"]
    assert forecast["store"].nunique() == 120 and len(forecast) == 120 * 7

"""The default window of a panel spans one horizon (two short seasons still); a single series keeps two horizons."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecaster import Forecaster
from forecaster.data.io import load_series


def _monthly(n_series: int, rows: int = 140) -> pd.DataFrame:
    t = np.arange(rows)
    dates = pd.date_range("1990-01-01", periods=rows, freq="MS")
    rng = np.random.default_rng(0)
    frames = [
        pd.DataFrame({"id": f"s{i}", "date": dates, "y": 100 + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, rows)})
        for i in range(n_series)
    ]
    return pd.concat(frames, ignore_index=True)


def test_panel_window_spans_one_horizon_single_series_two() -> None:
    fc = Forecaster(horizon=18)
    panel = load_series(_monthly(3), target="y", date_col="date", id_col="id")
    single = load_series(_monthly(1).drop(columns="id"), target="y", date_col="date")
    # monthly, H = 18: two seasons (24) >= one horizon; a single series needs 2 * 18 = 36
    assert fc.default_input_width(panel) == 24
    assert fc.default_input_width(single) == 36


def test_panel_window_unchanged_when_seasons_cover_two_horizons() -> None:
    panel = load_series(_monthly(3), target="y", date_col="date", id_col="id")
    assert Forecaster(horizon=12).default_input_width(panel) == 24
    assert Forecaster(horizon=18, input_width=30).default_input_width(panel) == 30

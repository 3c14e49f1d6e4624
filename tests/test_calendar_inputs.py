"""Calendar inputs chosen by the series' step (hour of day, day of week, day of year), kept across save/load."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecaster.data.calendar import CALENDAR_COLUMNS, calendar_columns, with_calendar
from forecaster.data.io import load_series
from forecaster.forecaster import Forecaster, load

FAST = dict(cell="gru", units=(4,), epochs=1, batch_size=128, jit_compile=False, verbose=0, refit=False)


@pytest.mark.parametrize(
    ("freq", "expected"),
    [
        ("30min", CALENDAR_COLUMNS),
        ("h", CALENDAR_COLUMNS),
        ("D", CALENDAR_COLUMNS[2:]),
        ("B", CALENDAR_COLUMNS[2:]),
        ("W-SUN", CALENDAR_COLUMNS[4:]),
        ("MS", CALENDAR_COLUMNS[4:]),
        ("QS", CALENDAR_COLUMNS[4:]),
        ("YS", ()),
    ],
)
def test_the_step_picks_the_calendar_columns(freq: str, expected: tuple[str, ...]) -> None:
    assert calendar_columns(pd.date_range("2024-01-01", periods=4, freq=freq), freq) == expected


def test_each_row_carries_the_calendar_of_the_next_step() -> None:
    dates = pd.date_range("2024-01-01", periods=30, freq="h")
    series = load_series(pd.DataFrame({"date": dates, "y": np.arange(30.0)}))
    out = with_calendar(series)
    assert out.columns == ("y", *CALENDAR_COLUMNS)
    hour = np.arctan2(out.values[:, 1], out.values[:, 2]) * 24 / (2 * np.pi) % 24
    np.testing.assert_allclose(hour, (dates.hour + 1) % 24, atol=1e-4)  # the next row's hour
    picked = with_calendar(series, columns=CALENDAR_COLUMNS[2:4])  # a loaded run's own columns
    assert picked.columns == ("y", *CALENDAR_COLUMNS[2:4])
    np.testing.assert_array_equal(picked.values[:, 1:], out.values[:, 3:5])


def test_a_fit_with_calendar_inputs_predicts_the_same_after_loading(tmp_path) -> None:
    t = np.arange(24 * 7 * 3)
    y = 10 + 3 * np.sin(2 * np.pi * t / 24) + 0.1 * np.random.default_rng(0).normal(size=t.size)
    df = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=t.size, freq="h"), "y": y})
    fc = Forecaster(horizon=6, calendar=True, **FAST).fit(df)
    assert fc.columns_ == ("y", *CALENDAR_COLUMNS)
    frame = fc.predict()
    fc.save(tmp_path / "run", plots=False)
    pd.testing.assert_frame_equal(load(tmp_path / "run").predict(df), frame)

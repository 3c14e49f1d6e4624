"""Calendar inputs chosen by the series' step (hour of day, day of week, day of year), kept across save/load."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecaster.data.calendar import (
    CALENDAR_COLUMNS,
    calendar_columns,
    calendar_values,
    uses_calendar,
    with_calendar,
)
from forecaster.data.io import load_series
from forecaster.errors import ForecasterError
from forecaster.forecaster import Forecaster, load
from forecaster.scoring import refit_clone

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
    fc = Forecaster(horizon=6, **FAST).fit(df)  # calendar="auto": on for an hourly series
    assert fc.columns_ == ("y", *CALENDAR_COLUMNS)
    frame = fc.predict()
    fc.save(tmp_path / "run", plots=False)
    pd.testing.assert_frame_equal(load(tmp_path / "run").predict(df), frame)


def _frame(freq: str, n: int = 40, **extra: object) -> pd.DataFrame:
    return pd.DataFrame({"date": pd.date_range("2024-01-01", periods=n, freq=freq), "y": np.arange(n, dtype=float), **extra})


@pytest.mark.parametrize(
    ("freq", "expected"), [("30min", True), ("h", True), ("D", True), ("B", True), ("W-SUN", False), ("MS", False)]
)
def test_auto_adds_the_calendar_to_single_series_of_a_day_or_less(freq: str, expected: bool) -> None:
    series = load_series(_frame(freq))
    assert uses_calendar("auto", series, seasons=(7,)) is expected
    assert not uses_calendar("auto", series, seasons=())  # no cycle kept: calendar inputs would be noise
    assert uses_calendar(True, series) and not uses_calendar(False, series, seasons=(7,))


def test_auto_leaves_undated_series_and_panels_without_calendar() -> None:
    assert not uses_calendar("auto", load_series(pd.DataFrame({"y": np.arange(40.0)})), seasons=(7,))
    panel = pd.concat([_frame("D", id="a"), _frame("D", id="b")])
    assert not uses_calendar("auto", load_series(panel, id_col="id"), seasons=(7,))


def test_auto_fits_a_random_walk_without_calendar_and_a_daily_cycle_with_it() -> None:
    rng = np.random.default_rng(0)
    dates = pd.date_range("2024-01-01", periods=24 * 7 * 3, freq="h")
    walk = pd.DataFrame({"date": dates, "y": 100 + np.cumsum(rng.normal(size=dates.size))})
    fc = Forecaster(horizon=6, **FAST).fit(walk)
    assert fc.seasons_ == () and fc.columns_ == ("y",)
    assert refit_clone(fc).calendar is False  # a backtest refit keeps the fit's decision
    cycle = walk.assign(y=10 + 3 * np.sin(2 * np.pi * np.arange(dates.size) / 24) + 0.1 * rng.normal(size=dates.size))
    fc = Forecaster(horizon=6, **FAST).fit(cycle)
    assert 24 in fc.seasons_ and fc.columns_ == ("y", *CALENDAR_COLUMNS)
    assert refit_clone(fc).calendar is True and fc.calendar == "auto"


def test_the_readme_recipe_builds_the_same_calendar_inputs() -> None:
    """The downstream script's recipe in the README computes what the fit computed."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = re.search(r"\n(def calendar_inputs.*?)\n\n\n", readme, re.S).group(1)
    namespace: dict = {"np": np, "pd": pd}
    exec(block, namespace)  # noqa: S102 - the project's own README
    dates = pd.date_range("2023-12-30 21:30", periods=200, freq="37min")
    names = list(CALENDAR_COLUMNS)
    np.testing.assert_allclose(namespace["calendar_inputs"](dates, names), calendar_values(dates, names), atol=1e-6)


def test_sampling_continues_the_calendar_of_the_context() -> None:
    t = np.arange(24 * 7 * 2)
    y = 10 + 3 * np.sin(2 * np.pi * t / 24) + 0.1 * np.random.default_rng(0).normal(size=t.size)
    df = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=t.size, freq="h"), "y": y})
    fc = Forecaster(horizon=6, head="gaussian", **FAST).fit(df)
    assert fc.columns_ == ("y", *CALENDAR_COLUMNS)
    paths, frame = fc.sample(3, 30, seed=1)
    assert paths.shape == (3, 30, 1) and np.isfinite(paths).all()
    assert frame["date"].iloc[0] == df["date"].iloc[-1] + pd.Timedelta(hours=1)
    again, _ = fc.sample(3, 30, context=df.tail(60), seed=1)
    np.testing.assert_allclose(again, paths, rtol=1e-5)  # the same window and dates: the same draws
    with pytest.raises(ForecasterError, match="calendar inputs; pass `context` as a DataFrame"):
        fc.sample(3, 5, context=y[-60:])


def test_a_backtest_refit_keeps_the_calendar_columns_of_the_fit() -> None:
    t = np.arange(24 * 7 * 2)
    y = 10 + 3 * np.sin(2 * np.pi * t / 24) + 0.1 * np.random.default_rng(0).normal(size=t.size)
    df = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=t.size, freq="h"), "y": y})
    fc = Forecaster(horizon=6, **FAST).fit(df)
    assert fc.columns_ == ("y", *CALENDAR_COLUMNS)
    table = fc.backtest(df, folds=2, refit=True)  # each fold refits on fewer rows, windows cut from fc's columns
    model = table[table["model"] == "model"]
    assert len(model) == 2 and np.isfinite(model["mse"]).all()

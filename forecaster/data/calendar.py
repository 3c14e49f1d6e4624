"""Calendar of a series: the future dates of a forecast and calendar input features.

* :func:`future_dates`: the ``horizon`` timestamps after the last observed one,
  on the series' pandas frequency (the median step when it has none).
* :func:`with_calendar`: appends the calendar features of each row's *next*
  timestamp (sin / cos of hour of day, day of week and day of year, those
  :func:`calendar_columns` says the frequency calls for), so the last row of an
  input window carries the calendar of the first forecast step: future-known
  information without a second model input.

Season lengths live in :mod:`forecaster.data.seasons` and holiday-aware
business days in :mod:`forecaster.data.holidays`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecaster.data.io import SeriesData
from forecaster.errors import ForecasterError

__all__ = [
    "CALENDAR_COLUMNS",
    "calendar_columns",
    "calendar_values",
    "following_dates",
    "future_dates",
    "series_holidays",
    "uses_calendar",
    "with_calendar",
]

CALENDAR_COLUMNS = ("cal_hour_sin", "cal_hour_cos", "cal_dow_sin", "cal_dow_cos", "cal_year_sin", "cal_year_cos")
"""Every calendar input column :func:`with_calendar` can add."""


def calendar_columns(dates: pd.DatetimeIndex, freq: str | None) -> tuple[str, ...]:
    """The calendar inputs a series' step calls for: hour of day below a day, day of week up to a day, day of year below a year.

    Example:
        >>> calendar_columns(pd.date_range("2024-01-01", periods=3, freq="h"), "h")[:2]
        ('cal_hour_sin', 'cal_hour_cos')
        >>> calendar_columns(pd.date_range("2024-01-01", periods=3, freq="MS"), "MS")
        ('cal_year_sin', 'cal_year_cos')
    """
    if freq is not None:
        start = pd.Timestamp("2024-01-01")
        step = pd.date_range(start, periods=2, freq=freq)[1] - start
    else:
        step = pd.Timedelta(np.median(np.diff(dates.asi8))) if len(dates) > 1 else pd.Timedelta(days=1)
    columns: tuple[str, ...] = ()
    if step < pd.Timedelta(days=1):
        columns += CALENDAR_COLUMNS[:2]
    if step <= pd.Timedelta(days=1):
        columns += CALENDAR_COLUMNS[2:4]
    if step < pd.Timedelta(days=300):
        columns += CALENDAR_COLUMNS[4:]
    return columns


def uses_calendar(calendar: bool | str, series: SeriesData, seasons: tuple[int, ...] = ()) -> bool:
    """Whether a fit adds calendar inputs: ``calendar`` itself, or for ``"auto"`` a single dated series of a
    step of a day or less whose training rows show a cycle (``seasons``, those the fit kept).

    There the default window (two of its seasons) spans days or weeks, so the hour, weekday and
    place in the year tell the network what the window cannot; a monthly or weekly window
    already spans years. Without a cycle (a random walk such as a price) they are noise the
    network fits. Measured on the accuracy benchmark (docs/benchmarks.md). Panels are left
    out: the gain was not measured on a global model.
    """
    if calendar != "auto":
        return bool(calendar)
    if series.dates is None or series.ids is not None or not seasons:
        return False
    return CALENDAR_COLUMNS[2] in calendar_columns(series.dates, series.freq)  # day of week: a step <= 1 day


def calendar_values(dates: pd.DatetimeIndex, columns: tuple[str, ...]) -> np.ndarray:
    """``float32[len(dates), len(columns)]``: the sin / cos calendar features ``columns`` of each of ``dates``.

    Example:
        >>> calendar_values(pd.DatetimeIndex(["2024-01-01 06:00"]), ("cal_hour_sin", "cal_dow_cos")).round(3).tolist()
        [[1.0, 1.0]]
    """
    hour = 2 * np.pi * (dates.hour.to_numpy() + dates.minute.to_numpy() / 60.0) / 24.0
    dow = 2 * np.pi * dates.day_of_week.to_numpy() / 7.0
    doy = 2 * np.pi * (dates.day_of_year.to_numpy() - 1) / 365.25
    every = np.stack([np.sin(hour), np.cos(hour), np.sin(dow), np.cos(dow), np.sin(doy), np.cos(doy)], axis=1)
    return every[:, [CALENDAR_COLUMNS.index(c) for c in columns]].astype(np.float32)


def future_dates(
    dates: pd.DatetimeIndex, horizon: int, freq: str | None, holidays: object = None
) -> pd.DatetimeIndex:
    """The ``horizon`` timestamps after ``dates[-1]`` on the series' calendar.

    ``holidays`` (a ``HolidayCalendar`` or dates) are skipped by business-day
    (``'B'``) series, as :func:`forecaster.data.holidays.future_business_dates` does.

    Example:
        >>> list(future_dates(pd.DatetimeIndex(["2024-01-05"]), 2, "B").strftime("%a"))
        ['Mon', 'Tue']
    """
    if holidays is not None and freq in ("B", "C"):
        from forecaster.data.holidays import future_business_dates

        return future_business_dates(dates[-1], horizon, holidays)
    if freq is not None:
        return pd.date_range(dates[-1], periods=horizon + 1, freq=freq)[1:]
    step = pd.Timedelta(np.median(np.diff(dates.asi8))) if len(dates) > 1 else pd.Timedelta(days=1)
    return pd.DatetimeIndex([dates[-1] + step * (i + 1) for i in range(horizon)])


def following_dates(
    dates: pd.DatetimeIndex, n_future: int, freq: str | None, holidays: object = None
) -> pd.DatetimeIndex:
    """The timestamp after each of ``dates``, then ``n_future - 1`` more: the dates whose calendar the rows carry.

    Example:
        >>> list(following_dates(pd.DatetimeIndex(["2024-01-04", "2024-01-05"]), 2, "B").strftime("%a"))
        ['Fri', 'Mon', 'Tue']
    """
    return dates[1:].append(future_dates(dates, n_future, freq, holidays))


def series_holidays(series: SeriesData, holidays: str) -> object:
    """The holidays a business-day series' future skips (``None`` for other frequencies); see ``data.holidays``."""
    from forecaster.data.holidays import resolve_holidays

    if series.dates is None or series.freq not in ("B", "C"):
        if holidays not in ("infer", "none"):
            resolve_holidays(None, holidays)  # an unknown calendar name is still one error
        return None
    first = series.segments()[0]
    return resolve_holidays(series.dates[first[1] : first[2]], holidays)


def with_calendar(series: SeriesData, holidays: object = None, columns: tuple[str, ...] | None = None) -> SeriesData:
    """``series`` with calendar columns appended: the calendar of each row's *next* timestamp.

    ``columns`` (a subset of :data:`CALENDAR_COLUMNS`; default: those
    :func:`calendar_columns` picks for the series' step) lets a loaded run
    rebuild exactly the columns it was fit with.

    Raises:
        ForecasterError: if the series has no dates.
    """
    if series.dates is None:
        raise ForecasterError(
            "calendar features need a date column; pass date_col (CLI: --date-col) or calendar=False."
        )
    if columns is None:
        columns = calendar_columns(series.dates, series.freq)
    blocks = []
    for _, start, stop in series.segments():
        following = following_dates(series.dates[start:stop], 1, series.freq, holidays)
        blocks.append(calendar_values(following, tuple(columns)))
    extra = np.concatenate(blocks)
    return SeriesData(
        values=np.concatenate([series.values, extra], axis=1),
        columns=series.columns + tuple(columns),
        targets=series.targets,
        dates=series.dates,
        freq=series.freq,
        date_col=series.date_col,
        ids=series.ids,
        id_col=series.id_col,
    )

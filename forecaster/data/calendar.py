"""Calendar of a series: the future dates of a forecast and calendar input features.

* :func:`future_dates`: the ``horizon`` timestamps after the last observed one,
  on the series' pandas frequency (the median step when it has none).
* :func:`with_calendar`: appends the calendar features of each row's *next*
  timestamp (sin / cos of day of week and day of year), so the last row of an
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

__all__ = ["CALENDAR_COLUMNS", "future_dates", "series_holidays", "with_calendar"]

CALENDAR_COLUMNS = ("cal_dow_sin", "cal_dow_cos", "cal_year_sin", "cal_year_cos")


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


def series_holidays(series: SeriesData, holidays: str) -> object:
    """The holidays a business-day series' future skips (``None`` for other frequencies); see ``data.holidays``."""
    from forecaster.data.holidays import resolve_holidays

    if series.dates is None or series.freq not in ("B", "C"):
        if holidays not in ("infer", "none"):
            resolve_holidays(None, holidays)  # an unknown calendar name is still one error
        return None
    first = series.segments()[0]
    return resolve_holidays(series.dates[first[1] : first[2]], holidays)


def with_calendar(series: SeriesData, holidays: object = None) -> SeriesData:
    """``series`` with :data:`CALENDAR_COLUMNS` appended: the calendar of each row's *next* timestamp.

    Raises:
        ForecasterError: if the series has no dates.
    """
    if series.dates is None:
        raise ForecasterError(
            "calendar features need a date column; pass date_col (CLI: --date-col) or calendar=False."
        )
    columns = []
    for _, start, stop in series.segments():
        dates = series.dates[start:stop]
        following = dates[1:].append(future_dates(dates, 1, series.freq, holidays))
        dow = 2 * np.pi * following.dayofweek.to_numpy() / 7.0
        doy = 2 * np.pi * (following.dayofyear.to_numpy() - 1) / 365.25
        columns.append(np.stack([np.sin(dow), np.cos(dow), np.sin(doy), np.cos(doy)], axis=1))
    extra = np.concatenate(columns).astype(np.float32)
    return SeriesData(
        values=np.concatenate([series.values, extra], axis=1),
        columns=series.columns + CALENDAR_COLUMNS,
        targets=series.targets,
        dates=series.dates,
        freq=series.freq,
        date_col=series.date_col,
        ids=series.ids,
        id_col=series.id_col,
    )

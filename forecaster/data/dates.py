"""Date columns: find and parse them, settle day/month order and UTC offsets, reject repeats.

Timestamps with UTC offsets are converted to UTC and stored without a zone;
``dd/mm/yyyy`` versus ``mm/dd/yyyy`` is decided by the data (or ``dayfirst``),
never guessed; repeated timestamps are an error (with a hint when they look
like the hour that ends daylight saving time).
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pandas as pd

from forecaster.data.columns import _is_text, _require_columns, _show
from forecaster.data.gaps import _irregular_freq
from forecaster.errors import ForecasterError

DATE_NAMES = ("date", "datetime", "timestamp", "time", "ds")


def _extract_dates(
    frame: pd.DataFrame, date_col: str | None, dayfirst: bool | None = None
) -> tuple[pd.DatetimeIndex | None, str | None, pd.DataFrame]:
    if date_col is not None:
        _require_columns(frame, [date_col], "date column")
        return _parse_dates(frame[date_col], date_col, dayfirst), date_col, frame
    if isinstance(frame.index, pd.DatetimeIndex):
        name = frame.index.name or "date"
        if frame.index.hasnans:
            raise ForecasterError("the DataFrame's DatetimeIndex has missing dates; drop or fix those rows.")
        index = pd.DatetimeIndex(_naive(frame.index.to_series(index=range(len(frame)))))
        return index, str(name), frame.reset_index(drop=True)
    for col in frame.columns:
        if col.lower() in DATE_NAMES:
            return _parse_dates(frame[col], col, dayfirst), col, frame
    first = frame.columns[0]
    column = frame[first]
    if _is_text(column) or pd.api.types.is_datetime64_any_dtype(column):
        parsed = _try_dates(column, first, dayfirst, sure=False)
        if parsed is not None and not parsed.isna().any():
            return pd.DatetimeIndex(parsed), first, frame
    return None, None, frame


# dd/mm/yyyy or mm/dd/yyyy (also with '.' or '-', two-digit years, and a time after it).
_DAY_MONTH = re.compile(r"^\s*(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})((?:[ T].*)?)$", re.S)
# A time of day followed by a UTC offset: 2024-10-27T02:00:00+02:00, ...Z.
_OFFSET = re.compile(r".*\d:\d\d(?::\d\d(?:[.,]\d+)?)?\s*(?:Z|UTC|GMT|[+-]\d\d(?::?\d\d)?)\s*", re.S | re.I)


def _try_dates(column: pd.Series, name: Any, dayfirst: bool | None, *, sure: bool = True) -> pd.Series | None:
    """Parse a column as naive (UTC) timestamps; NaT where a value is not a date.

    ``sure=False`` (guessing whether a first column holds dates) skips the
    day/month and offset consistency errors unless every value looks like a date.
    """
    if pd.api.types.is_datetime64_any_dtype(column):
        return _naive(column)
    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return None
    try:
        text = column.astype(str).str.strip()
    except (ValueError, TypeError):
        return None
    present = column.notna().to_numpy()
    text = text.where(present, "")
    text = _day_month_to_iso(text, present, name, dayfirst, sure)
    with_offset = text.str.fullmatch(_OFFSET).to_numpy() & present
    utc = bool(with_offset.any())
    if utc and not with_offset[present].all():
        if not sure:
            return None
        row = int(np.flatnonzero(present & ~with_offset)[0])
        raise ForecasterError(
            f"date column '{_show(name)}' mixes timestamps with a UTC offset and without one "
            f"(row {row + 1}: {column.iloc[row]!r}); write every timestamp with its offset or none."
        )
    text = text.where(present, None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "could not infer format" chatter
            try:
                parsed = pd.to_datetime(text, format="ISO8601", utc=utc)
            except (ValueError, TypeError, OverflowError):
                parsed = pd.to_datetime(text, errors="coerce", format="mixed", utc=utc)
        return _naive(parsed)
    except (ValueError, TypeError, OverflowError):
        return None


def _day_month_to_iso(
    text: pd.Series, present: np.ndarray, name: Any, dayfirst: bool | None, sure: bool
) -> pd.Series:
    """Rewrite ``dd/mm/yyyy``-style values as ISO dates in the order the data (or ``dayfirst``) proves."""
    parts = text.str.extract(_DAY_MONTH.pattern, flags=re.S)
    matched = parts[0].notna().to_numpy() & present
    if not matched.any() or (not sure and not matched[present].all()):
        return text
    parts = parts[matched]
    first, second = parts[0].astype(int), parts[2].astype(int)
    year = parts[3].astype(int)
    year = year.where(parts[3].str.len() == 4, np.where(year < 69, 2000 + year, 1900 + year))
    col = _show(name)
    if dayfirst is None:
        big_first, big_second = first > 12, second > 12
        if big_first.any() and big_second.any():
            a = parts.index[big_first.to_numpy()][0]
            b = parts.index[big_second.to_numpy()][0]
            raise ForecasterError(
                f"date column '{col}' has a first field above 12 in {text[a]!r} and a second field above 12 "
                f"in {text[b]!r}, so neither day-first nor month-first reads every date; fix the dates."
            )
        if big_first.any() or big_second.any():
            dayfirst = bool(big_first.any())
        else:
            dayfirst = _regular_day_order(first, second, year, parts[4])
            if dayfirst is None:
                raise ForecasterError(
                    f"date column '{col}' has dates like {text[parts.index[0]]!r} that read as day-first "
                    "or month-first alike; pass dayfirst=True or dayfirst=False (CLI: --dayfirst yes|no)."
                )
    day, month = (first, second) if dayfirst else (second, first)
    text = text.copy()
    text[matched] = _iso(year, month, day, parts[4])
    return text


def _iso(year: pd.Series, month: pd.Series, day: pd.Series, rest: pd.Series) -> pd.Series:
    return (
        year.astype(str).str.zfill(4)
        + "-" + month.astype(str).str.zfill(2)
        + "-" + day.astype(str).str.zfill(2)
        + rest.fillna("").str.replace(r"^ ", "T", regex=True)
    )


def _regular_day_order(first: pd.Series, second: pd.Series, year: pd.Series, rest: pd.Series) -> bool | None:
    """``True`` / ``False`` when only the day-first / month-first reading is a regular calendar."""
    regular = []
    for day, month in ((first, second), (second, first)):
        parsed = pd.to_datetime(_iso(year, month, day, rest), errors="coerce", format="mixed")
        unique = pd.DatetimeIndex(parsed.dropna()).unique().sort_values()
        ok = not parsed.isna().any() and len(unique) >= 3
        if ok:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                try:
                    ok = pd.infer_freq(unique) is not None or _irregular_freq(unique) == "B"
                except (ValueError, TypeError, OverflowError):
                    ok = False
        regular.append(ok)
    return regular[0] if regular[0] != regular[1] else None


def _naive(column: pd.Series) -> pd.Series:
    if getattr(column.dt, "tz", None) is not None:
        return column.dt.tz_convert("UTC").dt.tz_localize(None)
    return column


def _parse_dates(column: pd.Series, name: str, dayfirst: bool | None = None) -> pd.DatetimeIndex:
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_datetime64_any_dtype(column):
        raise ForecasterError(
            f"date column '{_show(name)}' holds numbers, not dates; pass the column with dates as --date-col."
        )
    parsed = _try_dates(column, name, dayfirst)
    if parsed is None:
        raise ForecasterError(f"date column '{_show(name)}' could not be parsed as dates.")
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if bad.size:
        row = int(bad[0])
        raise ForecasterError(
            f"date column '{_show(name)}' has {bad.size} values that are not dates "
            f"(first at row {row + 1}: {column.iloc[row]!r}); fix or remove those rows."
        )
    return pd.DatetimeIndex(parsed)


def _sort_order(n_rows: int, dates: pd.DatetimeIndex | None, ids: np.ndarray | None) -> np.ndarray:
    """Row order: by series id (its text, then identity), then by date; stable."""
    keys = [np.arange(n_rows)] if dates is None else [dates.asi8]
    if ids is not None:
        by_text = pd.factorize(np.array([str(v) for v in ids], dtype=object), sort=True)[0]
        keys += [pd.factorize(ids)[0], by_text]
    return np.lexsort(keys)


def _check_duplicates(dates: pd.DatetimeIndex, ids: np.ndarray | None, id_col: str | None) -> None:
    if ids is None:
        dup = dates.duplicated()
        if dup.any():
            first = dates[np.flatnonzero(dup)[0]]
            if _repeated_clock_hour(dates, dup):
                raise ForecasterError(
                    f"timestamp {first} appears more than once, as local clock times do when daylight saving "
                    "time ends; write the timestamps in UTC or with their UTC offset (ISO 8601, e.g. +01:00)."
                )
            raise ForecasterError(
                f"timestamp {first} appears more than once; keep one row per timestamp "
                "(or pass --id-col for data with several series)."
            )
        return
    keys = pd.MultiIndex.from_arrays([pd.factorize(ids)[0], dates])
    dup = keys.duplicated()
    if dup.any():
        i = np.flatnonzero(dup)[0]
        same = ids == ids[i]
        if _repeated_clock_hour(dates[same], dup[same]):
            raise ForecasterError(
                f"series {ids[i]!r} (column '{_show(id_col)}') has timestamp {dates[i]} more than once, as local "
                "clock times do when daylight saving time ends; write the timestamps in UTC or with their "
                "UTC offset (ISO 8601, e.g. +01:00)."
            )
        raise ForecasterError(
            f"series {ids[i]!r} (column '{_show(id_col)}') has timestamp {dates[i]} more than once; "
            "keep one row per series and timestamp."
        )


def _repeated_clock_hour(dates: pd.DatetimeIndex, dup: np.ndarray) -> bool:
    """Whether the duplicates look like the hour a daylight-saving change repeats.

    Sub-daily data whose repeated timestamps all fall in one early-morning stretch
    of at most two hours (clocks go back between midnight and 04:00 local time).
    """
    if len(dates) < 3:
        return False
    steps = np.diff(dates.unique().sort_values().asi8)
    unit = pd.Timedelta(1, unit=dates.unit)
    if not steps.size or np.median(steps) * unit >= pd.Timedelta(days=1):
        return False
    repeated = dates[dup]
    span = repeated.max() - repeated.min()
    return bool(span <= pd.Timedelta(hours=2) and repeated.min().hour in (0, 1, 2, 3))

"""Frequency, missing timestamps and missing values of loaded series.

The frequency is inferred from the (longest) series, also when gaps stop
pandas from naming it; dates that skip steps of it are an error naming the
first gap, unless ``fill`` inserts the missing rows (per series) and fills
them. Business-day series keep runs of up to :data:`B_HOLIDAY_RUN` missing
weekdays as market holidays.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecaster.data.columns import _show
from forecaster.errors import ForecasterError

FILL_METHODS = ("none", "ffill", "interpolate")
# Runs of up to this many missing weekdays in a business-day series are market
# holidays (NYSE closes at most two weekdays in a row outside emergencies).
B_HOLIDAY_RUN = 2
# Filling may add at most this many rows per row of data (a guard against a
# gap of years in a sub-second series exhausting memory).
MAX_FILL_RATIO = 10


def _id_segments(ids: np.ndarray | None, n_rows: int) -> list[tuple[Any, int, int]]:
    """``(series_id, start_row, stop_row)`` of each run of equal ids (one entry when ``ids`` is None)."""
    if ids is None:
        return [(None, 0, n_rows)]
    change = np.flatnonzero(ids[1:] != ids[:-1]) + 1
    starts = np.concatenate([[0], change])
    stops = np.concatenate([change, [len(ids)]])
    return [(ids[a], int(a), int(b)) for a, b in zip(starts, stops, strict=True)]


@dataclass(frozen=True)
class _Gaps:
    """Missing timestamps of one series: where the first gap is and how many rows are missing."""

    series: Any
    start: int
    stop: int
    before: pd.Timestamp
    after: pd.Timestamp
    missing: int


def _find_gaps(dates: pd.DatetimeIndex | None, ids: np.ndarray | None, freq: str | None) -> list[_Gaps]:
    """Series whose sorted dates skip steps of ``freq`` (off-grid series are left alone)."""
    if dates is None or freq is None:
        return []
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except ValueError:
        return []
    segments = _id_segments(ids, len(dates))
    found = []
    for sid, a, b in segments:
        seg = dates[a:b]
        if len(seg) < 2:
            continue
        counted = _count_missing(seg, offset)
        if counted is not None and counted[0] > 0:
            missing, first = counted
            found.append(_Gaps(sid, a, b, seg[first], seg[first + 1], missing))
    return found


def _count_missing(seg: pd.DatetimeIndex, offset: pd.DateOffset) -> tuple[int, int] | None:
    """(rows missing, index of the row before the first gap), or ``None`` if ``seg`` is off the grid."""
    if isinstance(offset, pd.tseries.offsets.Tick):
        step = _tick_steps(seg, offset)
        if step is None:
            return None
        rel = seg.asi8 - seg.asi8[0]
        if (rel % step).any():
            return None
        steps = np.diff(seg.asi8) // step
        missing = int((steps - 1).sum())
        return missing, int(np.argmax(steps > 1))
    missing = _missing_dates(seg, offset)
    if missing is None or not len(missing):
        return None if missing is None else (0, 0)
    return len(missing), int(seg.searchsorted(missing[0])) - 1


def _tick_steps(seg: pd.DatetimeIndex, offset: pd.DateOffset) -> int | None:
    """``offset`` in units of ``seg``'s resolution, or ``None`` when it is not a whole number of them."""
    unit = pd.Timedelta(1, unit=seg.unit)
    delta = pd.Timedelta(offset)
    if delta < unit or delta % unit != pd.Timedelta(0):
        return None
    return int(delta // unit)


def _missing_dates(seg: pd.DatetimeIndex, offset: pd.DateOffset) -> pd.DatetimeIndex | None:
    """The dates of ``offset``'s calendar between ``seg``'s ends that ``seg`` lacks (``None``: off grid)."""
    try:
        grid = pd.date_range(seg[0], seg[-1], freq=offset, unit=seg.unit)
    except (ValueError, OverflowError):
        return None
    if len(grid) < len(seg) or not seg.isin(grid).all():
        return None
    missing = grid.difference(seg)
    if offset.freqstr == "B" and len(missing):
        # Trading calendars: short runs of missing weekdays are market holidays, not gaps.
        pos = grid.get_indexer(missing)
        run_id = np.concatenate([[0], np.cumsum(np.diff(pos) > 1)])
        run_len = np.bincount(run_id)
        missing = missing[run_len[run_id] > B_HOLIDAY_RUN]
    return missing


def _gap_message(gaps: list[_Gaps], freq: str, id_col: str | None) -> str:
    first = gaps[0]
    where = f"between {_when(first.before)} and {_when(first.after)}"
    rows = f"{first.missing} missing row{'s' if first.missing != 1 else ''}"
    if first.series is None:
        what = f"the dates skip timestamps of their frequency '{freq}' ({rows}, the first gap {where})"
    else:
        others = f"; {len(gaps) - 1} other series have gaps too" if len(gaps) > 1 else ""
        what = (
            f"series {first.series!r} (column '{_show(id_col)}') skips timestamps of its frequency "
            f"'{freq}' ({rows}, the first gap {where}{others})"
        )
    if freq == "B":
        what += f" beyond holidays of up to {B_HOLIDAY_RUN} weekdays"
    step = first.after - first.before
    if step <= pd.Timedelta(hours=2) and first.before.hour in (0, 1, 2, 3):
        what += " (local clock times skip an hour when daylight saving time starts; UTC timestamps do not)"
    return (
        f"{what}; pass fill='ffill' or fill='interpolate' (CLI: --fill) to insert and fill the missing rows, "
        "or fix the dates."
    )


def _when(ts: pd.Timestamp) -> str:
    return str(ts.date()) if ts == ts.normalize() else str(ts)


def _insert_missing_rows(
    table: pd.DataFrame, dates: pd.DatetimeIndex, ids: np.ndarray | None, gaps: list[_Gaps], freq: str
) -> tuple[pd.DataFrame, pd.DatetimeIndex, np.ndarray | None]:
    """Reindex each gappy series onto its calendar; the new rows are NaN until filled."""
    total = sum(g.missing for g in gaps)
    if total > MAX_FILL_RATIO * len(table):
        first = gaps[0]
        raise ForecasterError(
            f"filling the gaps would add {total} rows to {len(table)} (the first gap is between "
            f"{_when(first.before)} and {_when(first.after)}); check the dates or resample the data first."
        )
    offset = pd.tseries.frequencies.to_offset(freq)
    by_start = {g.start: g for g in gaps}
    bounds = [(a, b) for _, a, b in _id_segments(ids, len(dates))]
    tables, all_dates, all_ids = [], [], []
    for a, b in bounds:
        part, seg = table.iloc[a:b], dates[a:b]
        if a in by_start:
            missing = _missing_dates(seg, offset) if not isinstance(offset, pd.tseries.offsets.Tick) else (
                pd.date_range(seg[0], seg[-1], freq=offset, unit=seg.unit).difference(seg)
            )
            new = seg.union(missing)
            part = part.set_axis(seg).reindex(new)
            seg = new
        tables.append(part.reset_index(drop=True))
        all_dates.append(seg)
        if ids is not None:
            all_ids.append(np.full(len(seg), ids[a], dtype=ids.dtype))
    table = pd.concat(tables, ignore_index=True)
    dates = pd.DatetimeIndex(np.concatenate([d.to_numpy() for d in all_dates]))
    return table, dates, (np.concatenate(all_ids) if ids is not None else None)


def _handle_missing(
    table: pd.DataFrame, fill: str, dates: pd.DatetimeIndex | None, ids: np.ndarray | None
) -> pd.DataFrame:
    table = table.replace([np.inf, -np.inf], np.nan)
    missing = table.isna()
    if not missing.to_numpy().any():
        return table
    if fill == "none":
        col = next(c for c in table.columns if missing[c].any())
        count = int(missing[col].sum())
        row = int(np.flatnonzero(missing[col].to_numpy())[0])
        where = f"row {row + 1}" + (f", {dates[row].date()}" if dates is not None else "")
        raise ForecasterError(
            f"column '{_show(col)}' has {count} missing or infinite values (first at {where}); "
            "clean them or pass fill='ffill' or fill='interpolate' (CLI: --fill)."
        )
    groups = [table] if ids is None else [g for _, g in table.groupby(ids, sort=False)]
    filled = []
    for group in groups:
        if fill == "ffill":
            group = group.ffill().bfill()
        else:
            group = group.interpolate(method="linear", limit_direction="both")
        filled.append(group)
    table = pd.concat(filled).loc[table.index]
    if table.isna().to_numpy().any():
        col = next(c for c in table.columns if table[c].isna().any())
        raise ForecasterError(f"column '{_show(col)}' has no valid values to fill from; drop it or fix the data.")
    return table


def _infer_freq(dates: pd.DatetimeIndex | None, ids: np.ndarray | None) -> str | None:
    """pandas frequency of the (first, longest) series; ``"B"`` for trading-day data."""
    if dates is None:
        return None
    if ids is not None:
        codes = pd.factorize(ids)[0]
        counts = np.bincount(codes)
        dates = dates[codes == int(np.argmax(counts))]
    if len(dates) < 3:
        return None
    try:
        with warnings.catch_warnings():
            # pandas 3 warns that infer_freq will return an offset; accept either.
            warnings.simplefilter("ignore", DeprecationWarning)
            freq = pd.infer_freq(dates)
    except (ValueError, TypeError):
        freq = None
    if freq is not None:
        return _canonical_freq(freq)
    try:
        return _irregular_freq(dates)
    except (ValueError, OverflowError):  # e.g. steps too large for a Timedelta
        return None


def _irregular_freq(dates: pd.DatetimeIndex) -> str | None:
    """Frequency of sorted, unique dates that pandas finds no exact rule for."""
    # Seconds between rows, whatever the index resolution (pandas 3 parses to "us").
    steps = np.asarray((dates[1:] - dates[:-1]).total_seconds(), dtype=np.float64)
    day = 86400
    weekdays_only = bool((dates.day_of_week < 5).all())
    normalized = bool((dates == dates.normalize()).all())
    if weekdays_only and normalized and steps.size and int(np.median(steps)) == day:
        # Business days with market holidays (or longer closures, found later as
        # gaps) missing: pandas finds no exact rule.
        return "B"
    regular = _freq_of_longest_run(dates, steps)
    if regular is not None:
        return regular
    median = pd.Timedelta(seconds=float(np.median(steps)))
    if normalized and 28 * day <= median.total_seconds() <= 31 * day:
        return "MS" if bool((dates.day == 1).all()) else "ME" if bool(dates.is_month_end.all()) else None
    try:
        return _canonical_freq(pd.tseries.frequencies.to_offset(median).freqstr)
    except ValueError:
        return None


def _freq_of_longest_run(dates: pd.DatetimeIndex, steps: np.ndarray) -> str | None:
    """The exact frequency of the longest stretch without gaps, if every date lies on its calendar.

    Gaps (steps above 1.5 median steps) are what stops pandas from naming the
    frequency; the stretches between them still show it (``"D"``, ``"W-SUN"``,
    ``"QS-JAN"``...), and the gap check then counts the missing rows.
    """
    if steps.size < 2:
        return None
    cuts = np.flatnonzero(steps > 1.5 * np.median(steps)) + 1
    if not cuts.size:
        return None
    bounds = np.concatenate([[0], cuts, [len(dates)]])
    k = int(np.argmax(np.diff(bounds)))
    run = dates[bounds[k] : bounds[k + 1]]
    if len(run) < 3:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            freq = pd.infer_freq(run)
        if freq is None:
            return None
        offset = pd.tseries.frequencies.to_offset(freq)
        if isinstance(offset, pd.tseries.offsets.Tick):
            step = _tick_steps(dates, offset)
            on_grid = step is not None and not ((dates.asi8 - dates.asi8[0]) % step).any()
        else:
            on_grid = _missing_dates(dates, offset) is not None
    except (ValueError, TypeError, OverflowError):
        return None
    return _canonical_freq(offset) if on_grid else None


def _canonical_freq(freq: str | pd.DateOffset) -> str:
    """One name per frequency, whatever the pandas version inferred it.

    Quarters anchored three months apart are the same dates: pandas 2 names January quarters
    ``"QS-OCT"``, pandas 3 ``"QS-JAN"``. Starts take the anchor in January-March, ends in
    October-December (``"QS-JAN"``, ``"QE-DEC"``, pandas 3's names).
    """
    offset = pd.tseries.frequencies.to_offset(freq)
    if isinstance(offset, pd.offsets.QuarterBegin | pd.offsets.BQuarterBegin):
        offset = type(offset)(n=offset.n, startingMonth=(offset.startingMonth - 1) % 3 + 1)
    elif isinstance(offset, pd.offsets.QuarterEnd | pd.offsets.BQuarterEnd):
        offset = type(offset)(n=offset.n, startingMonth=12 - (12 - offset.startingMonth) % 3)
    return offset.freqstr

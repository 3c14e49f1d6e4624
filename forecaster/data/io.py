"""Load a CSV file or a DataFrame into a validated, typed series.

This module is the single validator used by ``fit``, ``predict``,
``evaluate`` and the CLI: every problem the data can have (missing file,
unparseable CSV or dates, unknown or non-numeric column, NaN/inf, duplicate
timestamps, too few rows) becomes one :class:`ForecasterError` sentence.

Column roles:

* ``target``: the column(s) to forecast. With none given, the only numeric
  column, or the one named close/price/value/y/target (any case).
* ``features``: extra input columns (past covariates). ``None`` means the
  targets alone, ``"all"`` every other numeric column.
* ``date_col``: the timestamps. With none given, a column named
  date/datetime/timestamp/time/ds, a ``DatetimeIndex``, or a first column
  that parses as dates; otherwise rows are numbered and there is no frequency.
* ``id_col``: for long-format data holding several series (one global model).

Reading never guesses silently:

* CSV separator (``,`` ``;`` tab ``|``) and decimal mark (``.`` or ``,``) are
  detected from the first 64 KiB; when the evidence is ambiguous (two
  separators split every line alike, or values like ``1,234`` that could be a
  decimal or a thousands mark) reading stops and asks for ``sep=`` /
  ``decimal=`` (CLI ``--sep`` / ``--decimal``).
* Dates written ``dd/mm/yyyy`` or ``mm/dd/yyyy`` (also with ``.`` or ``-``) are
  read day-first when a first field above 12 proves it, month-first when a
  second field above 12 does; when no value decides, the order whose dates
  form a regular calendar is used, and if both (or neither) do, loading stops
  and asks for ``dayfirst=`` (CLI ``--dayfirst``).
* Timestamps with UTC offsets (ISO 8601, e.g. ``2024-10-27T02:00:00+02:00``)
  are converted to UTC and stored without a zone, so a daylight-saving change
  needs no special care; local clock times that repeat when daylight saving
  ends are duplicate timestamps and an error.
* Missing timestamps: a series whose dates skip rows of its inferred
  frequency is an error naming the first gap and the number of missing rows,
  unless ``fill`` is ``"ffill"`` or ``"interpolate"``, which inserts the
  missing rows (per series) and fills them. Business-day (``"B"``) series are
  trading calendars: runs of at most :data:`B_HOLIDAY_RUN` missing weekdays
  are market holidays and are kept as they are; only longer runs are gaps.

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"Date": pd.date_range("2024-01-01", periods=5),
    ...                    "Close": [1.0, 2.0, 3.0, 4.0, 5.0]})
    >>> s = load_series(df)
    >>> s.values.shape, s.columns, s.freq
    ((5, 1), ('Close',), 'D')
"""

from __future__ import annotations

import csv
import io
import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecaster.errors import ForecasterError

TARGET_NAMES = ("close", "price", "value", "y", "target")
DATE_NAMES = ("date", "datetime", "timestamp", "time", "ds")
FILL_METHODS = ("none", "ffill", "interpolate")
SEPARATORS = (",", ";", "\t", "|")
DECIMALS = (".", ",")
# Runs of up to this many missing weekdays in a business-day series are market
# holidays (NYSE closes at most two weekdays in a row outside emergencies).
B_HOLIDAY_RUN = 2
# Filling may add at most this many rows per row of data (a guard against a
# gap of years in a sub-second series exhausting memory).
MAX_FILL_RATIO = 10
_SNIFF_BYTES = 1 << 16
_SNIFF_ROWS = 1000


@dataclass(frozen=True)
class SeriesData:
    """A validated series (or panel of series) ready for splitting and windowing.

    Attributes:
        values: float32 array ``[n_rows, n_columns]``; targets first, then features.
        columns: names of the columns of ``values``, in order.
        targets: names of the target columns (the first ``n_targets`` columns).
        dates: timestamps per row, or ``None`` when the data has no date column.
        freq: pandas frequency string (``"B"`` for business days), or ``None``.
        date_col: name of the date column in the input, or ``None``.
        ids: series id per row for long-format data, else ``None``. Rows of one
            series are contiguous and sorted by date.
        id_col: name of the id column, or ``None``.
    """

    values: np.ndarray
    columns: tuple[str, ...]
    targets: tuple[str, ...]
    dates: pd.DatetimeIndex | None
    freq: str | None
    date_col: str | None = None
    ids: np.ndarray | None = None
    id_col: str | None = None

    @property
    def n_targets(self) -> int:
        return len(self.targets)

    @property
    def n_features(self) -> int:
        return len(self.columns)

    def segments(self) -> list[tuple[Any, int, int]]:
        """``(series_id, start_row, stop_row)`` for each series (one entry if not a panel)."""
        if self.ids is None:
            return [(None, 0, len(self.values))]
        change = np.flatnonzero(self.ids[1:] != self.ids[:-1]) + 1
        starts = np.concatenate([[0], change])
        stops = np.concatenate([change, [len(self.ids)]])
        return [(self.ids[a], int(a), int(b)) for a, b in zip(starts, stops, strict=True)]


def read_table(
    data: str | os.PathLike | pd.DataFrame,
    *,
    sep: str | None = None,
    decimal: str | None = None,
) -> pd.DataFrame:
    """Read a CSV path (or pass a DataFrame through) with user-readable errors.

    Args:
        data: path to a CSV file, or a DataFrame (returned unchanged).
        sep: column separator; ``None`` detects it among ``,`` ``;`` tab ``|``
            (``"\\t"`` or ``"tab"`` also name the tab).
        decimal: decimal mark, ``"."`` or ``","``; ``None`` detects it.

    Raises:
        ForecasterError: missing or unreadable file, or a separator / decimal
            mark that the file does not determine (the message names the flag).
    """
    sep, decimal = _check_dialect_args(sep, decimal)
    if isinstance(data, pd.DataFrame):
        return data
    if not isinstance(data, str | os.PathLike):
        raise ForecasterError(
            f"data must be a CSV path or a pandas DataFrame (received {type(data).__name__})."
        )
    path = os.fspath(data)
    if not os.path.exists(path):
        raise ForecasterError(f"file '{_show(path)}' does not exist; check the path.")
    if os.path.isdir(path):
        raise ForecasterError(f"'{_show(path)}' is a directory; pass a CSV file.")
    sep, decimal = _detect_dialect(path, _sample_text(path), sep, decimal)
    try:
        frame = pd.read_csv(path, sep=sep, decimal=decimal)
    except pd.errors.EmptyDataError:
        raise ForecasterError(f"file '{_show(path)}' is empty; pass a CSV with a header row and data.") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        first = first.rstrip(".").replace(". ", "; ")  # keep the message one sentence
        raise ForecasterError(f"could not read '{_show(path)}' as CSV ({first}).") from None
    if frame.empty:
        raise ForecasterError(f"file '{_show(path)}' has a header but no data rows.")
    return frame


def load_series(
    data: str | os.PathLike | pd.DataFrame,
    *,
    target: str | Sequence[str] | None = None,
    date_col: str | None = None,
    features: str | Sequence[str] | None = None,
    id_col: str | None = None,
    fill: str = "none",
    sep: str | None = None,
    decimal: str | None = None,
    dayfirst: bool | None = None,
) -> SeriesData:
    """Load, validate and sort a series from a CSV path or a DataFrame.

    Args:
        data: path to a CSV file, or a DataFrame.
        target: target column name(s); see the module docstring for the default.
        date_col: date column; detected when ``None``.
        features: extra input columns, ``"all"`` for every other numeric column,
            or ``None`` for the targets alone.
        id_col: series id column for long-format data with several series.
        fill: what to do with NaN/inf and with missing timestamps: ``"none"``
            (raise), ``"ffill"`` (carry the last value forward) or
            ``"interpolate"`` (linear). Missing timestamps are first inserted
            as rows, per series, on the inferred frequency's calendar.
        sep: CSV column separator; ``None`` detects it (see the module docstring).
        decimal: CSV decimal mark, ``"."`` or ``","``; ``None`` detects it.
        dayfirst: read ``01/02/2024``-style dates day-first (``True``) or
            month-first (``False``); ``None`` infers the order from the data.
            ISO dates (``2024-02-01``) are never affected.

    Returns:
        A :class:`SeriesData` with ``values`` of shape ``[n_rows, n_columns]``.

    Raises:
        ForecasterError: for any problem with the file, the columns or the values.
    """
    if fill not in FILL_METHODS:
        raise ForecasterError(f"`fill` must be one of {', '.join(FILL_METHODS)} (received fill={fill!r}).")
    if dayfirst is not None and not isinstance(dayfirst, bool | np.bool_):
        raise ForecasterError(f"`dayfirst` must be True, False or None (received dayfirst={dayfirst!r}).")
    frame = read_table(data, sep=sep, decimal=decimal)
    frame = _flatten_columns(frame)
    if frame.shape[1] == 0:
        raise ForecasterError("the data has no columns; pass a table with a date column and values.")
    if len(frame) == 0:
        raise ForecasterError("the data has no rows.")

    dates, date_name, frame = _extract_dates(frame, date_col, None if dayfirst is None else bool(dayfirst))
    if id_col is not None:
        _require_columns(frame, [id_col], "id column")
        if frame[id_col].isna().any():
            raise ForecasterError(f"id column '{_show(id_col)}' has missing values; every row needs a series id.")
        unhashable = [v for v in frame[id_col] if not pd.api.types.is_hashable(v)]
        if unhashable:
            raise ForecasterError(
                f"id column '{_show(id_col)}' holds values that cannot be series ids (e.g. {unhashable[0]!r}); "
                "use text or integer ids."
            )
    targets = _choose_targets(frame, target, exclude={date_name, id_col})
    feature_cols = _choose_features(frame, features, targets, exclude={date_name, id_col})
    columns = tuple(targets) + tuple(feature_cols)

    ids = frame[id_col].to_numpy() if id_col is not None else None
    order = _sort_order(len(frame), dates, ids)
    table = pd.DataFrame({c: _numeric_column(frame[c], c) for c in columns}).iloc[order]
    table.index = pd.RangeIndex(len(table))
    if dates is not None:
        dates = pd.DatetimeIndex(dates[order])
        _check_duplicates(dates, None if ids is None else ids[order], id_col)
    if ids is not None:
        ids = ids[order]
    freq = _infer_freq(dates, ids)
    if fill == "none":
        table = _handle_missing(table, fill, dates, ids)  # NaN errors come before gap errors
    gaps = _find_gaps(dates, ids, freq)
    if gaps:
        if fill == "none":
            raise ForecasterError(_gap_message(gaps, freq, id_col))
        table, dates, ids = _insert_missing_rows(table, dates, ids, gaps, freq)
        freq = _infer_freq(dates, ids)
    table = _handle_missing(table, fill, dates, ids)
    wide = table.to_numpy(dtype=np.float64)
    if (np.abs(wide) > np.finfo(np.float32).max).any():
        raise ForecasterError(
            "some values overflow float32 (larger than about 3.4e38); rescale the columns."
        )
    values = np.ascontiguousarray(wide, dtype=np.float32)
    return SeriesData(
        values=values,
        columns=columns,
        targets=tuple(targets),
        dates=dates,
        freq=freq,
        date_col=date_name,
        ids=ids,
        id_col=id_col,
    )


def require_length(n_rows: int, input_width: int, horizon: int, what: str = "series") -> None:
    """Raise unless ``n_rows`` is enough for one window of ``input_width + horizon``.

    ``horizon=0`` checks an input for prediction, which needs ``input_width`` rows alone.
    """
    needed = input_width + horizon
    if n_rows < needed and horizon == 0:
        raise ForecasterError(
            f"{what} has {n_rows} rows; predicting needs the last input_width = {input_width} rows "
            "(pass more history, or refit with a smaller --input-width)."
        )
    if n_rows < needed:
        raise ForecasterError(
            f"{what} has {n_rows} rows; input_width + horizon = {needed} are needed "
            "(use a longer series or a smaller --input-width/--horizon)."
        )


# --------------------------------------------------------------------------- gaps


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
    segments = [(None, 0, len(dates))] if ids is None else SeriesData(
        np.empty((len(dates), 0)), (), (), dates, freq, ids=ids
    ).segments()
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
    bounds = [(0, len(table))] if ids is None else [
        (a, b) for _, a, b in SeriesData(np.empty((len(dates), 0)), (), (), dates, freq, ids=ids).segments()
    ]
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


# --------------------------------------------------------------------------- CSV dialect

# Numbers as written in CSV cells, classified by what they prove about the decimal mark.
_COMMA_DECIMAL = re.compile(r"[+-]?(?:\d+|[1-9]\d{0,2}(?:\.\d{3})+),\d+")  # 1,5  0,125  1.234,5
_DOT_DECIMAL = re.compile(
    r"[+-]?(?:(?:\d+|[1-9]\d{0,2}(?:,\d{3})+)\.\d+|\d+(?:\.\d*)?[eE][+-]?\d+|\.\d+)"  # 1.5  1,234.5  1e5
)
_ONE_GROUP = re.compile(r"[+-]?[1-9]\d{0,2}([.,])\d{3}")  # 1,234 or 1.234: decimal or thousands?
_GROUPS = re.compile(r"[+-]?[1-9]\d{0,2}(?:([.,])\d{3})(?:\1\d{3})+")  # 1,234,567: thousands mark
_DECIMAL_COMMA_VALUE = re.compile(r"\s*[+-]?\d[\d.]*,\d+\s*")


def _check_dialect_args(sep: str | None, decimal: str | None) -> tuple[str | None, str | None]:
    if sep is not None:
        if not isinstance(sep, str):
            raise ForecasterError(f"`sep` must be one character such as ',' or ';' (received sep={sep!r}).")
        sep = {"\\t": "\t", "tab": "\t"}.get(sep.lower(), sep)
        if len(sep) != 1 or sep in "\"'\r\n" or sep.isalnum():
            raise ForecasterError(f"`sep` must be one character such as ',' or ';' (received sep={sep!r}).")
    if decimal is not None and decimal not in DECIMALS:
        raise ForecasterError(f"`decimal` must be '.' or ',' (received decimal={decimal!r}).")
    if sep is not None and sep == decimal == ".":
        raise ForecasterError("`sep` and `decimal` cannot both be '.'.")
    return sep, decimal


def _sample_text(path: str) -> str | None:
    """The file's first complete lines (up to 64 KiB) as text, or ``None`` if unreadable."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(_SNIFF_BYTES + 1)
    except OSError:
        return None  # pandas reports the problem in its own words
    if len(raw) > _SNIFF_BYTES:
        raw = raw[: raw.rfind(b"\n", 0, _SNIFF_BYTES) + 1] or raw[:_SNIFF_BYTES]
    return raw.decode("utf-8-sig", errors="replace")


class _Row(list):
    """The fields of one CSV record, and the file line it ends on."""

    def __init__(self, fields: list[str], line: int) -> None:
        super().__init__(fields)
        self.line = line


def _split_rows(text: str, sep: str) -> list[list[str]] | None:
    """The sample split at ``sep`` (quotes respected, blank lines dropped), or ``None``."""
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
        rows = []
        for row in reader:
            if row and any(field.strip() for field in row):
                rows.append(_Row(row, reader.line_num))
            if len(rows) >= _SNIFF_ROWS:
                break
        return rows
    except csv.Error:
        return None


def _detect_dialect(path: str, text: str | None, sep: str | None, decimal: str | None) -> tuple[str, str]:
    """The separator and decimal mark of a CSV file: given, proven by the sample, or an error."""
    if text is None or not text.strip():
        return sep or ",", decimal or "."
    name = _show(path)
    if sep is None:
        split = {c: _split_rows(text, c) for c in SEPARATORS}
        # A separator is consistent when it splits the header and every sampled row
        # into the same number (> 1) of fields.
        consistent = [
            c for c, rows in split.items()
            if rows and len(rows[0]) > 1 and all(len(r) == len(rows[0]) for r in rows)
        ]
        if len(consistent) > 1:
            shown = " and ".join(repr(c) for c in consistent)
            raise ForecasterError(
                f"cannot tell the column separator of '{name}': {shown} both split every line into "
                "equal columns; pass sep=',' or the right one (CLI: --sep)."
            )
        sep = consistent[0] if consistent else ","
    rows = _split_rows(text, sep) or []
    if rows:
        wider = next((r for r in rows[1:] if len(r) > len(rows[0])), None)
        if wider is not None:
            # pandas would silently turn the extra field into the row index.
            raise ForecasterError(
                f"could not read '{name}' as CSV (line {wider.line} has {len(wider)} fields but the header "
                f"has {len(rows[0])} when split at {sep!r}); pass the right separator and decimal mark "
                "with sep= and decimal= (CLI: --sep, --decimal)."
            )
    if decimal is None:
        decimal = _detect_decimal(name, sep, rows[1:])
    return sep, decimal


def _detect_decimal(name: str, sep: str, rows: list[list[str]]) -> str:
    """The decimal mark proven by the sampled cells, ``"."`` when none proves anything."""
    comma, dot, ambiguous = None, None, None
    for row in rows:
        for cell in row:
            token = cell.strip()
            if not token or not (token[0].isdigit() or token[0] in "+-."):
                continue
            groups = _GROUPS.fullmatch(token)
            if groups:  # 1,234,567 or 1.234.567: the repeated mark is the thousands mark
                if groups.group(1) == ",":
                    dot = dot or token
                else:
                    comma = comma or token
            elif _ONE_GROUP.fullmatch(token):
                ambiguous = ambiguous or token
            elif _COMMA_DECIMAL.fullmatch(token):
                comma = comma or token
            elif _DOT_DECIMAL.fullmatch(token):
                dot = dot or token
    if comma and dot:
        raise ForecasterError(
            f"'{name}' mixes decimal points ({dot!r}) and decimal commas ({comma!r}); "
            "pass decimal='.' or decimal=',' (CLI: --decimal) after making the file consistent."
        )
    if comma:
        return ","
    if dot:
        return "."
    if ambiguous and not (sep == "," and "," not in ambiguous):
        # In a comma-separated file an unquoted 1.234 can only be a decimal point.
        raise ForecasterError(
            f"cannot tell whether {ambiguous[_ONE_GROUP.fullmatch(ambiguous).start(1)]!r} in values "
            f"like {ambiguous!r} in '{name}' is a decimal mark or a thousands separator; "
            "pass decimal='.' or decimal=',' (CLI: --decimal)."
        )
    return "."


# --------------------------------------------------------------------------- helpers


def _show(name: Any) -> str:
    """A name as text for a one-line message (control characters escaped)."""
    text = str(name)
    return text if text.isprintable() else repr(text)[1:-1]


def _flatten_columns(frame: pd.DataFrame) -> pd.DataFrame:
    names = [str(c).strip() for c in frame.columns]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ForecasterError(f"column name '{_show(name)}' appears twice; give each column a unique name.")
        seen.add(name)
    if list(frame.columns) == names:
        return frame
    frame = frame.copy()
    frame.columns = names
    return frame


def _require_columns(frame: pd.DataFrame, names: Sequence[str], role: str) -> None:
    for name in names:
        if name not in frame.columns:
            have = ", ".join(map(_show, frame.columns))
            raise ForecasterError(f"{role} '{_show(name)}' is not in the data; the columns are: {have}.")


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


def _is_text(column: pd.Series) -> bool:
    """Object or string dtype (pandas 3 reads text as ``str``, not ``object``)."""
    return column.dtype == object or pd.api.types.is_string_dtype(column)


def _is_real_number_dtype(column: pd.Series) -> bool:
    """Integer or float dtype (not bool, complex, datetime or timedelta)."""
    return (
        pd.api.types.is_numeric_dtype(column)
        and not pd.api.types.is_bool_dtype(column)
        and not pd.api.types.is_complex_dtype(column)
        and not pd.api.types.is_timedelta64_dtype(column)
    )


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


def _is_numeric_like(column: pd.Series) -> bool:
    if _is_real_number_dtype(column):
        return True
    if _is_text(column):
        converted = _to_numeric(column)
        return bool(converted.notna().sum() == column.notna().sum() and column.notna().any())
    return False


def _choose_targets(frame: pd.DataFrame, target: str | Sequence[str] | None, exclude: set) -> list[str]:
    candidates = [c for c in frame.columns if c not in exclude]
    numeric = [c for c in candidates if _is_numeric_like(frame[c])]
    if target is not None:
        names = [target] if isinstance(target, str) else list(target)
        if not names:
            raise ForecasterError("`target` is empty; name at least one column to forecast.")
        _require_columns(frame, names, "target column")
        for name in names:
            if name in exclude:
                raise ForecasterError(f"column '{_show(name)}' is used as the date or id column; it cannot be a target.")
        if len(set(names)) != len(names):
            raise ForecasterError("`target` names the same column twice.")
        return names
    if len(numeric) == 1:
        return numeric
    for wanted in TARGET_NAMES:
        for col in numeric:
            if col.lower() == wanted:
                return [col]
    if not numeric:
        comma = next((c for c in candidates if _decimal_comma_example(frame[c]) is not None), None)
        if comma is not None:
            raise ForecasterError(
                f"the data has no numeric column to forecast (column '{_show(comma)}' holds values like "
                f"{_decimal_comma_example(frame[comma])!r}); if the file writes decimal commas pass decimal=',' "
                "(CLI: --decimal ,)."
            )
        raise ForecasterError("the data has no numeric column to forecast; check the file's contents.")
    raise ForecasterError(
        f"cannot tell which column to forecast; pass --target with one of: {', '.join(map(_show, numeric))}."
    )


def _choose_features(
    frame: pd.DataFrame, features: str | Sequence[str] | None, targets: list[str], exclude: set
) -> list[str]:
    if features is None:
        return []
    if isinstance(features, str):
        if features == "all":
            return [
                c
                for c in frame.columns
                if c not in exclude and c not in targets and _is_numeric_like(frame[c])
            ]
        features = [f.strip() for f in features.split(",") if f.strip()]
    names = list(features)
    _require_columns(frame, names, "feature column")
    for name in names:
        if name in exclude:
            raise ForecasterError(f"column '{_show(name)}' is the date or id column; it cannot be a feature.")
    return [n for n in dict.fromkeys(names) if n not in targets]


def _decimal_comma_example(column: pd.Series) -> str | None:
    """A value of a text column written with a decimal comma (``"1,5"``), if any."""
    if not _is_text(column):
        return None
    for value in column.head(1000):
        if isinstance(value, str) and _DECIMAL_COMMA_VALUE.fullmatch(value):
            return value
    return None


def _to_numeric(column: pd.Series) -> pd.Series:
    """``pd.to_numeric`` with unparseable values (of any Python type) as NaN."""
    try:
        return pd.to_numeric(column, errors="coerce")
    except (TypeError, ValueError):
        return pd.Series(
            [pd.to_numeric(v, errors="coerce") if np.isscalar(v) else np.nan for v in column],
            index=column.index,
            dtype=np.float64,
        )


def _numeric_column(column: pd.Series, name: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(column) or _is_real_number_dtype(column):
        return column.astype(np.float64)
    if isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype(object)
    if not _is_text(column):
        raise ForecasterError(
            f"column '{_show(name)}' is not numeric (dtype {column.dtype}); "
            "choose a numeric column or convert it first."
        )
    converted = _to_numeric(column)
    bad = np.flatnonzero((converted.isna() & column.notna()).to_numpy())
    if bad.size:
        row = int(bad[0])
        value = column.iloc[row]
        hint = (
            "if the file writes decimal commas pass decimal=',' (CLI: --decimal ,)"
            if isinstance(value, str) and _DECIMAL_COMMA_VALUE.fullmatch(value)
            else "choose a numeric column or clean the file"
        )
        raise ForecasterError(f"column '{_show(name)}' is not numeric (value {value!r} at row {row + 1}); {hint}.")
    return converted.astype(np.float64)


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
    return pd.tseries.frequencies.to_offset(freq).freqstr

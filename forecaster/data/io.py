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

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"Date": pd.date_range("2024-01-01", periods=5),
    ...                    "Close": [1.0, 2.0, 3.0, 4.0, 5.0]})
    >>> s = load_series(df)
    >>> s.values.shape, s.columns, s.freq
    ((5, 1), ('Close',), 'D')
"""

from __future__ import annotations

import os
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


def read_table(data: str | os.PathLike | pd.DataFrame) -> pd.DataFrame:
    """Read a CSV path (or pass a DataFrame through) with user-readable errors."""
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
    try:
        frame = pd.read_csv(path)
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
) -> SeriesData:
    """Load, validate and sort a series from a CSV path or a DataFrame.

    Args:
        data: path to a CSV file, or a DataFrame.
        target: target column name(s); see the module docstring for the default.
        date_col: date column; detected when ``None``.
        features: extra input columns, ``"all"`` for every other numeric column,
            or ``None`` for the targets alone.
        id_col: series id column for long-format data with several series.
        fill: what to do with NaN/inf: ``"none"`` (raise), ``"ffill"``
            (carry the last value forward) or ``"interpolate"`` (linear).

    Returns:
        A :class:`SeriesData` with ``values`` of shape ``[n_rows, n_columns]``.

    Raises:
        ForecasterError: for any problem with the file, the columns or the values.
    """
    if fill not in FILL_METHODS:
        raise ForecasterError(f"`fill` must be one of {', '.join(FILL_METHODS)} (received fill={fill!r}).")
    frame = read_table(data)
    frame = _flatten_columns(frame)
    if frame.shape[1] == 0:
        raise ForecasterError("the data has no columns; pass a table with a date column and values.")
    if len(frame) == 0:
        raise ForecasterError("the data has no rows.")

    dates, date_name, frame = _extract_dates(frame, date_col)
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
    table = _handle_missing(table, fill, dates, ids)
    freq = _infer_freq(dates, ids)
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
    """Raise unless ``n_rows`` is enough for one window of ``input_width + horizon``."""
    needed = input_width + horizon
    if n_rows < needed:
        raise ForecasterError(
            f"{what} has {n_rows} rows; input_width + horizon = {needed} are needed "
            "(use a longer series or a smaller --input-width/--horizon)."
        )


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
    frame: pd.DataFrame, date_col: str | None
) -> tuple[pd.DatetimeIndex | None, str | None, pd.DataFrame]:
    if date_col is not None:
        _require_columns(frame, [date_col], "date column")
        return _parse_dates(frame[date_col], date_col), date_col, frame
    if isinstance(frame.index, pd.DatetimeIndex):
        name = frame.index.name or "date"
        if frame.index.hasnans:
            raise ForecasterError("the DataFrame's DatetimeIndex has missing dates; drop or fix those rows.")
        index = pd.DatetimeIndex(_naive(frame.index.to_series(index=range(len(frame)))))
        return index, str(name), frame.reset_index(drop=True)
    for col in frame.columns:
        if col.lower() in DATE_NAMES:
            return _parse_dates(frame[col], col), col, frame
    first = frame.columns[0]
    column = frame[first]
    if _is_text(column) or pd.api.types.is_datetime64_any_dtype(column):
        parsed = _try_dates(column)
        if parsed is not None and not parsed.isna().any():
            return pd.DatetimeIndex(parsed), first, frame
    return None, None, frame


def _try_dates(column: pd.Series) -> pd.Series | None:
    if pd.api.types.is_datetime64_any_dtype(column):
        return _naive(column)
    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return None
    try:
        return _naive(pd.to_datetime(column.astype(str), errors="coerce", format="mixed"))
    except (ValueError, TypeError, OverflowError):
        return None


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


def _parse_dates(column: pd.Series, name: str) -> pd.DatetimeIndex:
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_datetime64_any_dtype(column):
        raise ForecasterError(
            f"date column '{_show(name)}' holds numbers, not dates; pass the column with dates as --date-col."
        )
    parsed = _try_dates(column)
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
        raise ForecasterError(
            f"column '{_show(name)}' is not numeric (value {column.iloc[row]!r} at row {row + 1}); "
            "choose a numeric column or clean the file."
        )
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
            raise ForecasterError(
                f"timestamp {first} appears more than once; keep one row per timestamp "
                "(or pass --id-col for data with several series)."
            )
        return
    keys = pd.MultiIndex.from_arrays([pd.factorize(ids)[0], dates])
    dup = keys.duplicated()
    if dup.any():
        i = np.flatnonzero(dup)[0]
        raise ForecasterError(
            f"series {ids[i]!r} (column '{_show(id_col)}') has timestamp {dates[i]} more than once; "
            "keep one row per series and timestamp."
        )


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
    if weekdays_only and normalized and steps.size and int(np.median(steps)) == day and steps.max() <= 5 * day:
        # Business days with market holidays missing: pandas finds no exact rule.
        return "B"
    median = pd.Timedelta(seconds=float(np.median(steps)))
    if normalized and 28 * day <= median.total_seconds() <= 31 * day:
        return "MS" if bool((dates.day == 1).all()) else "ME" if bool(dates.is_month_end.all()) else None
    try:
        return _canonical_freq(pd.tseries.frequencies.to_offset(median).freqstr)
    except ValueError:
        return None


def _canonical_freq(freq: str | pd.DateOffset) -> str:
    return pd.tseries.frequencies.to_offset(freq).freqstr

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

The steps live in :mod:`~forecaster.data.dialect` (CSV separator and
decimal mark), :mod:`~forecaster.data.columns` (column roles, numeric values),
:mod:`~forecaster.data.dates` (date parsing, duplicates) and
:mod:`~forecaster.data.gaps` (frequency, missing rows, fill); this module
holds :class:`SeriesData` and the functions that chain them.

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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecaster.data.columns import (
    TARGET_NAMES,
    _choose_features,
    _choose_targets,
    _flatten_columns,
    _numeric_column,
    _require_columns,
    _show,
)
from forecaster.data.dates import DATE_NAMES, _check_duplicates, _extract_dates, _sort_order
from forecaster.data.dialect import (
    DECIMALS,
    SEPARATORS,
    _check_dialect_args,
    _detect_dialect,
    _sample_text,
)
from forecaster.data.gaps import (
    B_HOLIDAY_RUN,
    FILL_METHODS,
    MAX_FILL_RATIO,
    _find_gaps,
    _gap_message,
    _handle_missing,
    _id_segments,
    _infer_freq,
    _insert_missing_rows,
)
from forecaster.errors import ForecasterError

# The constants of the loading steps stay importable from here.
__all__ = [
    "B_HOLIDAY_RUN",
    "DATE_NAMES",
    "DECIMALS",
    "FILL_METHODS",
    "MAX_FILL_RATIO",
    "SEPARATORS",
    "TARGET_NAMES",
    "SeriesData",
    "load_series",
    "read_table",
    "require_length",
]


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
        return _id_segments(self.ids, len(self.values))


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

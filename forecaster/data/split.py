"""Chronological train / validation / test split with window context.

Rows are never shuffled across time. The validation and test parts start
``input_width`` rows early so that their first window has its full input
context, while every *target* row belongs to exactly one part: no value that
is a label in a later part is ever a label in an earlier one.

Example:
    >>> s = chronological_split(100, input_width=10, horizon=5)
    >>> (s.train, s.val, s.test)
    ((0, 70), (60, 85), (75, 100))
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from forecaster.errors import ForecasterError


@dataclass(frozen=True)
class Split:
    """Row ranges ``(start, stop)`` of each part, context rows included.

    ``val`` is ``(start, start)`` (empty) when no validation part was asked for.
    Targets of a part are its rows from ``start + input_width`` on (the whole
    range for ``train``).
    """

    train: tuple[int, int]
    val: tuple[int, int]
    test: tuple[int, int]

    def to_dict(self) -> dict[str, list[int]]:
        return {"train": list(self.train), "val": list(self.val), "test": list(self.test)}


def chronological_split(
    n_rows: int,
    input_width: int,
    horizon: int,
    *,
    val: float = 0.15,
    test: float = 0.15,
    dates: pd.DatetimeIndex | None = None,
    val_start: str | pd.Timestamp | None = None,
    test_start: str | pd.Timestamp | None = None,
) -> Split:
    """Split ``n_rows`` chronologically by fractions or by dates.

    Args:
        n_rows: length of the series.
        input_width: rows of input context each window needs.
        horizon: rows predicted per window; each non-empty part holds at least
            ``horizon`` target rows.
        val: fraction of rows whose targets form the validation part (0 for none).
        test: fraction of rows whose targets form the test part.
        dates: row timestamps, needed with ``val_start`` / ``test_start``.
        val_start, test_start: first date of the validation / test targets;
            when given they override the fractions.

    Returns:
        A :class:`Split` of ``(start, stop)`` row ranges.

    Raises:
        ForecasterError: when a fraction is out of range or a part is too short.
    """
    if val_start is not None or test_start is not None:
        if dates is None:
            raise ForecasterError("splitting by date needs a date column; pass --date-col or use fractions.")
        if test_start is None:
            raise ForecasterError("splitting by date needs `test_start` (and optionally `val_start`).")
        b = int(dates.searchsorted(_timestamp(test_start, "test_start")))
        a = int(dates.searchsorted(_timestamp(val_start, "val_start"))) if val_start is not None else b
        if not 0 < a <= b < n_rows:
            raise ForecasterError(
                f"split dates must fall inside the data ({dates[0]} to {dates[-1]}) "
                "with val_start <= test_start."
            )
    else:
        for name, frac in (("val", val), ("test", test)):
            if not 0.0 <= frac < 1.0:
                raise ForecasterError(f"`{name}` fraction must be in [0, 1) (received {name}={frac}).")
        if val + test >= 0.9:
            raise ForecasterError(f"val + test = {val + test:.2f} leaves too little for training; keep it below 0.9.")
        n_test = max(round(n_rows * test), horizon) if test > 0 else 0
        n_val = max(round(n_rows * val), horizon) if val > 0 else 0
        b = n_rows - n_test
        a = b - n_val
    train = (0, a)
    if a < input_width + horizon:
        raise ForecasterError(
            f"the training part has {max(a, 0)} rows; input_width + horizon = {input_width + horizon} are needed "
            "(use a longer series, a smaller --input-width/--horizon, or smaller val/test fractions)."
        )
    val_part = (a - input_width, b) if b > a else (a, a)
    test_part = (b - input_width, n_rows) if n_rows > b else (n_rows, n_rows)
    for name, (start, stop) in (("validation", val_part), ("test", test_part)):
        if stop > start and stop - start - input_width < horizon:
            raise ForecasterError(
                f"the {name} part has {stop - start - input_width} rows; at least horizon = {horizon} are needed."
            )
    return Split(train=train, val=val_part, test=test_part)


def _timestamp(value: str | pd.Timestamp, name: str) -> pd.Timestamp:
    """Parse a split date as a naive timestamp (like the dates ``data.io`` returns)."""
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        stamp = pd.NaT
    if stamp is pd.NaT:
        raise ForecasterError(f"`{name}` is not a date (received {name}={value!r}); use e.g. 2024-01-31.")
    return stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo is not None else stamp

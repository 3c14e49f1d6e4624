"""Column roles and numeric values: which columns are targets and features, read as floats.

Used by :func:`forecaster.data.io.load_series`: every problem with a column
(unknown, duplicated, not numeric, decimal commas) becomes one
:class:`ForecasterError` sentence that names the column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecaster.errors import ForecasterError

TARGET_NAMES = ("close", "price", "value", "y", "target")


_DECIMAL_COMMA_VALUE = re.compile(r"\s*[+-]?\d[\d.]*,\d+\s*")


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

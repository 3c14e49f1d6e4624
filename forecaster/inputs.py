"""Model inputs of a ``Forecaster``: static covariates at fit, new data loaded like the fit data, scaled windows.

* :func:`read_statics` / :func:`fit_static_rows`: at fit, the static columns
  of a panel are read apart from the dynamic ones and encoded once per series.

* :func:`load_like_fit`: reads ``data`` with the fit's columns, dialect, fill
  and calendar, checks the columns match, and encodes the static rows of
  series not seen at fit (when the run has static covariates).
* :func:`static_row` / :func:`with_statics`: a series' encoded static row,
  appended to every scaled row as constant input columns.
* :func:`windows_at`: the scaled model inputs ``[n, input_width, n_inputs]``
  that end before each origin.

The functions read the fitted state of ``fc`` and write nothing to it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from forecaster.data.calendar import CALENDAR_COLUMNS, with_calendar
from forecaster.data.io import SeriesData, load_series, read_table
from forecaster.data.scaling import Scaler
from forecaster.errors import ForecasterError

__all__ = [
    "encode_new_statics",
    "fit_static_rows",
    "load_like_fit",
    "read_statics",
    "static_row",
    "windows_at",
    "with_statics",
]


def read_statics(fc: Any, data: Any, target: Any, features: Any, id_col: str | None) -> tuple[Any, pd.DataFrame | None]:
    """``(data, frame)``: with static covariates, the table read once and ``data`` without the static columns
    (they stay out of ``features="all"``); without, ``(data, None)``.

    Raises:
        ForecasterError: without ``id_col``, or for a static column that is also a target or feature.
    """
    static = list(fc.static or ())
    if not (static or fc.id_embedding):
        return data, None
    if id_col is None:
        raise ForecasterError("static covariates (static / id_embedding) need a panel; pass id_col [CLI: --id-col].")
    frame = read_table(data, sep=fc.sep, decimal=fc.decimal)
    chosen = [features] if isinstance(features, str) and features != "all" else list(features or [])
    overlap = [c for c in static if c in chosen or c == target or (not isinstance(target, str) and c in (target or ()))]
    if overlap:
        raise ForecasterError(f"column '{overlap[0]}' cannot be both static and a target or feature.")
    return frame.drop(columns=[c for c in static if c in frame.columns]), frame


def fit_static_rows(fc: Any, frame: pd.DataFrame, id_col: str, kept_ids: set[str]) -> tuple[Any, dict[str, np.ndarray]]:
    """``(statics_, static_rows_)``: the static encoder fit on the kept series of ``frame`` and each one's encoded row."""
    from forecaster.data.statics import fit_statics

    fit_frame = frame[frame[id_col].map(str).isin(kept_ids)]
    statics = fit_statics(fit_frame, id_col, list(fc.static or ()), include_id=fc.id_embedding)
    sids, rows = statics.encode(fit_frame, id_col)
    return statics, dict(zip(map(str, sids), rows, strict=True))


def load_like_fit(fc: Any, data: Any) -> tuple[SeriesData, dict[str, np.ndarray] | None]:
    """``(series, new_statics)``: ``data`` loaded like the fit data, and the encoded static rows of
    its series not seen at fit (``None`` when the run has no static covariates).

    Raises:
        ForecasterError: for unreadable data, other columns than at fit, or a
            new series without its static columns.
    """
    features = [c for c in fc.columns_[len(fc.targets_) :] if c not in CALENDAR_COLUMNS]
    statics = getattr(fc, "statics_", None)
    if statics is not None:
        data = read_table(data, sep=fc.sep, decimal=fc.decimal)
    series = load_series(
        data,
        target=list(fc.targets_),
        date_col=fc.date_col_,
        features=features or None,
        id_col=fc.id_col_,
        fill=fc.fill,
        sep=fc.sep,
        decimal=fc.decimal,
        dayfirst=fc.dayfirst,
    )
    fitted = tuple(c for c in fc.columns_ if c in CALENDAR_COLUMNS)
    if fitted:  # exactly the calendar columns of the fit ("auto" and runs before hour of day included)
        series = with_calendar(series, holidays=getattr(fc, "holidays_", None), columns=fitted)
    if series.columns != fc.columns_:
        raise ForecasterError(
            f"the data's columns {list(series.columns)} differ from those seen at fit {list(fc.columns_)}."
        )
    new_statics = encode_new_statics(fc, data, series) if statics is not None else None
    return series, new_statics


def encode_new_statics(fc: Any, frame: pd.DataFrame, series: SeriesData) -> dict[str, np.ndarray]:
    """Encoded static rows of the series in ``frame`` that were not seen at fit (a cache, not fitted state)."""
    new = {str(sid) for sid, _, _ in series.segments()} - set(fc.static_rows_)
    if not new:
        return {}
    missing = [c for c in fc.statics_.columns if c not in frame.columns]
    if missing:
        raise ForecasterError(
            f"series {sorted(new)[0]!r} was not seen at fit and the data lacks its static column(s) "
            f"{', '.join(map(repr, missing))}; pass them for new series."
        )
    part = frame[frame[fc.id_col_].map(str).isin(new)]
    sids, rows = fc.statics_.encode(part, fc.id_col_)
    return dict(zip(map(str, sids), rows, strict=True))


def static_row(fc: Any, series_id: Any) -> np.ndarray | None:
    """The encoded static row of a series: fit series from ``static_rows_``, others from the data just loaded."""
    if getattr(fc, "statics_", None) is None:
        return None
    key = str(series_id)
    row = fc.static_rows_.get(key)
    if row is None:
        row = getattr(fc, "_new_statics", {}).get(key)
    if row is None:
        raise ForecasterError(f"series {series_id!r} has no static covariates; pass data with the static columns.")
    return row


def with_statics(fc: Any, scaled: np.ndarray, series_id: Any) -> np.ndarray:
    """Scaled rows ``[n, n_columns]`` with the series' static row appended (unchanged without statics)."""
    row = static_row(fc, series_id)
    if row is None:
        return scaled
    from forecaster.data.statics import append_statics

    return append_statics(scaled, row)


def windows_at(fc: Any, values: np.ndarray, origins: np.ndarray, scaler: Scaler, series_id: Any = None) -> np.ndarray:
    """Scaled model inputs ``[len(origins), input_width, n_inputs]``: the rows before each origin of raw ``values``."""
    scaled = with_statics(fc, scaler.transform(values), series_id)
    idx = origins[:, None] - fc.input_width_ + np.arange(fc.input_width_)[None, :]
    return scaled[idx]

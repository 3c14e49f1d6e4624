"""The forecast table of a fitted ``Forecaster``: model outputs to raw units, and the frame ``predict`` returns.

* :func:`predict_series`: one batched model call over the last window of
  every series, each turned into raw units with its scaler (a series not seen
  at fit is scaled from its own rows, column ``seen``), plus the conformal
  bounds; one frame per series, concatenated.
* :func:`forecast_frame`: the columns of one series' forecast: the future
  dates (or ``step``), one column per target, and the interval columns
  (``<target>_q10`` ..., ``_std`` / ``_lower`` / ``_upper``, ``_lower_80`` /
  ``_upper_80``); :func:`interval_columns` reads them back.
* :func:`as_of_rows`: how many rows of each series lie at or before an
  ``as_of`` date (``predict`` / ``evaluate`` / ``plot_future`` with ``as_of``).

The functions read the fitted state of ``fc`` and write nothing to it.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecaster.data.calendar import future_dates
from forecaster.data.io import SeriesData, require_length
from forecaster.data.scaling import Scaler
from forecaster.errors import ForecasterError
from forecaster.scoring import Z80

__all__ = [
    "as_of_rows",
    "date_text",
    "forecast_frame",
    "interval_columns",
    "level_name",
    "predict_series",
    "to_raw",
]


def to_raw(fc: Any, output: np.ndarray, scaler: Scaler, origins: np.ndarray) -> dict[str, np.ndarray]:
    """Scaled head output of the windows at ``origins`` -> raw ``mean`` ``[n, H, T]`` (and ``quantiles`` ``[n, H, T, Q]`` / ``std``).

    A seasonally adjusted series' forecasts are multiplied by the indices of the rows they forecast.
    """
    n_targets = len(fc.targets_)
    center = scaler.center[:n_targets]
    scale = scaler.scale[:n_targets]
    factor = scaler.seasonal_factors(origins, fc.horizon)
    factor = np.ones((1, 1, n_targets)) if factor is None else factor
    if fc.head == "point":
        return {"mean": ((output * scale + center) * factor).astype(np.float32)}
    if fc.head == "quantile":
        q = (output * scale[:, None] + center[:, None]) * factor[..., None]
        return {"mean": _median_quantile(q, fc.quantiles), "quantiles": q.astype(np.float32)}
    return {
        "mean": ((output[..., 0] * scale + center) * factor).astype(np.float32),
        "std": (output[..., 1] * scale * factor).astype(np.float32),
    }


def _median_quantile(q: np.ndarray, quantiles: Sequence[float]) -> np.ndarray:
    from forecaster.models.heads import middle_index

    return q[..., middle_index(quantiles)].astype(np.float32)


def predict_series(fc: Any, series: SeriesData) -> pd.DataFrame:
    """The ``predict`` frame of ``series``: the ``horizon`` rows after each segment's last row."""
    frames, unseen, inputs = [], [], []
    segments, first_phases = series.segments(), fc._first_phases(series)
    for sid, start, stop in segments:
        values = series.values[start:stop]
        require_length(len(values), fc.input_width_, 0, "series" if sid is None else f"series {sid!r}")
        scaler, seen = fc._scaler_seen(sid, values, first_phases[start])
        inputs.append((scaler, seen, fc._windows_at(values, np.array([len(values)]), scaler, sid)))
    # one batched model call for the whole panel, not one per series
    outputs = fc._predict_scaled(np.concatenate([x for _, _, x in inputs]))
    for i, ((sid, start, stop), (scaler, seen, _)) in enumerate(zip(segments, inputs, strict=True)):
        values = series.values[start:stop]
        raw = to_raw(fc, outputs[i : i + 1], scaler, np.array([len(values)]))
        raw["conformal"] = fc._conformal(raw["mean"], scaler, values, np.array([len(values)]))
        dates = None if series.dates is None else series.dates[start:stop]
        frame = forecast_frame(fc, raw, dates, len(values))
        if fc.id_col_ is not None:
            frame.insert(0, fc.id_col_, sid)
            frame["seen"] = seen  # False: a series not in the fit data, scaled from its own rows
            if not seen:
                unseen.append(sid)
        frames.append(frame)
    if unseen:
        warnings.warn(
            f"{len(unseen)} series were not seen at fit (e.g. {unseen[0]!r}); they are scaled from their "
            "own rows (column `seen` is False).",
            stacklevel=4,
        )
    return pd.concat(frames, ignore_index=True)


def forecast_frame(fc: Any, raw: dict[str, np.ndarray], dates: pd.DatetimeIndex | None, n_rows: int) -> pd.DataFrame:
    """One series' forecast columns from its raw outputs (first window of ``raw``) after ``n_rows`` rows."""
    frame = pd.DataFrame()
    if dates is not None:
        frame[fc.date_col_ or "date"] = future_dates(dates, fc.horizon, fc.freq_, holidays=getattr(fc, "holidays_", None))
    else:
        frame["step"] = np.arange(n_rows, n_rows + fc.horizon)
    for j, name in enumerate(fc.targets_):
        frame[name] = raw["mean"][0, :, j]
        if "quantiles" in raw:
            for k, q in enumerate(fc.quantiles):
                frame[f"{name}_q{round(q * 100):02d}"] = raw["quantiles"][0, :, j, k]
        if "std" in raw:
            std = raw["std"][0, :, j]
            frame[f"{name}_std"] = std
            frame[f"{name}_lower"] = raw["mean"][0, :, j] - Z80 * std
            frame[f"{name}_upper"] = raw["mean"][0, :, j] + Z80 * std
        for level, bounds in raw.get("conformal", {}).items():
            frame[f"{name}_lower_{level_name(level)}"] = bounds["lower"][0, :, j]
            frame[f"{name}_upper_{level_name(level)}"] = bounds["upper"][0, :, j]
    return frame


def as_of_rows(fc: Any, series: SeriesData, as_of: Any) -> list[int]:
    """Per segment, how many rows lie at or before ``as_of`` (each at least ``input_width``).

    Raises:
        ForecasterError: without dates, for a value that is not a date, or an
            ``as_of`` after the last row or before the first possible window.
    """
    if series.dates is None:
        raise ForecasterError("`as_of` needs dates; the data has no date column.")
    try:
        when = pd.Timestamp(as_of)
    except (TypeError, ValueError):
        when = pd.NaT
    if when is pd.NaT:
        raise ForecasterError(f"`as_of` must be a date such as 2024-06-28 (received {as_of!r}).")
    if series.dates.tz is not None and when.tz is None:
        when = when.tz_localize(series.dates.tz)
    counts = []
    for sid, start, stop in series.segments():
        dates = series.dates[start:stop]
        where = "" if sid is None else f" of series {sid!r}"
        if when > dates[-1]:
            raise ForecasterError(
                f"`as_of` {date_text(when)} is after the last row{where} ({date_text(dates[-1])}); "
                "use a date up to the last row, or no as_of to forecast from it."
            )
        rows = int(dates.searchsorted(when, side="right"))
        if rows < fc.input_width_:
            first = date_text(dates[fc.input_width_ - 1]) if len(dates) >= fc.input_width_ else None
            raise ForecasterError(
                f"`as_of` {date_text(when)} is before the first possible window{where}: a forecast needs "
                f"{fc.input_width_} rows (input_width) at or before it"
                + (f", so the earliest as_of is {first}." if first else "; the data is too short.")
            )
        counts.append(rows)
    return counts


def date_text(when: Any) -> str:
    """A date as the CLI prints dates: YYYY-MM-DD, with the time only when it is not midnight.

    Example:
        >>> date_text("2024-06-28"), date_text("2024-06-28 09:30")
        ('2024-06-28', '2024-06-28 09:30:00')
    """
    stamp = pd.Timestamp(when)
    return str(stamp.date()) if stamp == stamp.normalize() else stamp.isoformat(sep=" ")


def interval_columns(frame: pd.DataFrame, target: str) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """Interval bounds among ``predict``'s columns: quantile pairs, gaussian 80% or ``_lower_NN`` / ``_upper_NN``.

    Example:
        >>> f = pd.DataFrame({"y": [1.0], "y_lower_80": [0.0], "y_upper_80": [2.0]})
        >>> {k: (lo.tolist(), hi.tolist()) for k, (lo, hi) in interval_columns(f, "y").items()}
        {0.8: ([0.0], [2.0])}
    """
    intervals: dict[float, tuple[np.ndarray, np.ndarray]] = {}
    quantiles = sorted(
        int(m.group(1)) for c in frame.columns if (m := re.fullmatch(re.escape(target) + r"_q(\d+)", str(c)))
    )
    for lo, hi in zip(quantiles, quantiles[::-1], strict=True):
        if lo >= hi:
            break
        intervals[(hi - lo) / 100] = (
            frame[f"{target}_q{lo:02d}"].to_numpy(), frame[f"{target}_q{hi:02d}"].to_numpy()
        )
    if f"{target}_lower" in frame and f"{target}_upper" in frame:
        intervals[0.8] = (frame[f"{target}_lower"].to_numpy(), frame[f"{target}_upper"].to_numpy())
    for c in frame.columns:
        m = re.fullmatch(re.escape(target) + r"_lower_(\d+)", str(c))
        if m and f"{target}_upper_{m.group(1)}" in frame:
            intervals[int(m.group(1)) / 100] = (frame[c].to_numpy(), frame[f"{target}_upper_{m.group(1)}"].to_numpy())
    return intervals


def level_name(level: float) -> str:
    """An interval level as a column suffix: 0.8 -> ``80``, 0.975 -> ``97.5``.

    Example:
        >>> level_name(0.8), level_name(0.975)
        ('80', '97.5')
    """
    return f"{round(level * 100, 1):g}"

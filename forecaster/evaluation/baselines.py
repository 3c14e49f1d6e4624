"""Simple reference forecasts, evaluated on exactly the windows of the model.

A forecast window is named by its *origin*: the index of its **first forecast
row**. The history available to the forecast is ``series[:origin]`` and it
predicts rows ``origin .. origin + horizon - 1`` (which may run past the end of
the series for a future forecast). Every baseline returns
``[n_origins, horizon, n_targets]`` on the scale of ``series``.

* ``naive``: the last observed value, repeated.
* ``seasonal_naive``: the value one season (``m`` rows) earlier; step ``h``
  (0-based) uses ``series[origin - m + (h % m)]``. A window with
  ``origin < m`` has no full season of history and falls back to ``naive``.
* ``drift``: the line through the first and last observed values, extended.
* ``mean``: the mean of the whole history.

Example:
    >>> import numpy as np
    >>> s = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    >>> naive(s, [4], 2)[0, :, 0].tolist()
    [4.0, 4.0]
    >>> seasonal_naive(s, [4], 3, m=2)[0, :, 0].tolist()
    [3.0, 4.0, 3.0]
    >>> drift(s, [4], 2)[0, :, 0].tolist()
    [5.0, 6.0]
    >>> mean(s, [4], 1)[0, :, 0].tolist()
    [2.5]
    >>> season_length("B"), season_length("2h"), season_length("MS")
    (5, 12, 12)
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from forecaster.errors import ForecasterError

__all__ = [
    "BASELINES",
    "baseline_forecasts",
    "drift",
    "mean",
    "naive",
    "season_length",
    "seasonal_naive",
]


def _check(series: object, origins: object, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Validate and convert: series -> float64 [N, T], origins -> int64 [n]."""
    arr = np.asarray(series, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ForecasterError(
            f"`series` must have shape [n_rows, n_targets] or [n_rows] (received shape {arr.shape})."
        )
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ForecasterError(f"`horizon` must be an integer >= 1 (received horizon={horizon!r}).")
    orig = np.asarray(origins)
    if orig.ndim == 0:
        orig = orig[None]
    if orig.ndim != 1 or (orig.size and not np.issubdtype(orig.dtype, np.integer)):
        raise ForecasterError(
            f"`origins` must be a 1-D array of integer row indices (received dtype {orig.dtype}, "
            f"shape {orig.shape})."
        )
    orig = orig.astype(np.int64)
    n = arr.shape[0]
    if orig.size and (orig.min() < 1 or orig.max() > n):
        raise ForecasterError(
            f"`origins` must lie in 1..{n} (the first forecast row, after at least one "
            f"observed row; received min={orig.min()}, max={orig.max()})."
        )
    return arr, orig


def _repeat(values: np.ndarray, horizon: int) -> np.ndarray:
    """[n, T] -> [n, horizon, T]."""
    return np.repeat(values[:, None, :], horizon, axis=1)


def naive(series: object, origins: object, horizon: int) -> np.ndarray:
    """Repeat the last observed value ``series[origin - 1]``.

    Args:
        series: raw target series, ``[n_rows, n_targets]`` or ``[n_rows]``.
        origins: first forecast row of each window, ints in ``1..n_rows``.
        horizon: number of steps to forecast.

    Returns:
        ``[len(origins), horizon, n_targets]`` float64.

    Raises:
        ForecasterError: on a bad shape, horizon or origin.
    """
    arr, orig = _check(series, origins, horizon)
    return _repeat(arr[orig - 1], horizon)


def seasonal_naive(series: object, origins: object, horizon: int, m: int) -> np.ndarray:
    """Repeat the last observed season: step ``h`` uses ``series[origin - m + (h % m)]``.

    A window whose ``origin < m`` (less than one season of history) gets the
    naive forecast instead. ``m = 1`` is the naive forecast.

    Args:
        series: raw target series, ``[n_rows, n_targets]`` or ``[n_rows]``.
        origins: first forecast row of each window, ints in ``1..n_rows``.
        horizon: number of steps to forecast.
        m: season length in rows (see :func:`season_length`).

    Returns:
        ``[len(origins), horizon, n_targets]`` float64.

    Raises:
        ForecasterError: on a bad shape, horizon, origin or ``m < 1``.
    """
    arr, orig = _check(series, origins, horizon)
    if isinstance(m, bool) or not isinstance(m, int | np.integer) or m < 1:
        raise ForecasterError(f"`m` (season length) must be an integer >= 1 (received m={m!r}).")
    steps = np.arange(horizon)
    rows = orig[:, None] - m + (steps[None, :] % m)  # [n, H]
    rows = np.where(orig[:, None] < m, orig[:, None] - 1, rows)
    return arr[rows]


def drift(series: object, origins: object, horizon: int) -> np.ndarray:
    """Extend the line through the first and last observed values.

    Step ``h`` (1-based) is ``last + h * (last - first) / (origin - 1)`` with
    ``first = series[0]`` and ``last = series[origin - 1]``; a window with a
    single observed row (``origin == 1``) gets the naive forecast.

    Args:
        series: raw target series, ``[n_rows, n_targets]`` or ``[n_rows]``.
        origins: first forecast row of each window, ints in ``1..n_rows``.
        horizon: number of steps to forecast.

    Returns:
        ``[len(origins), horizon, n_targets]`` float64.

    Raises:
        ForecasterError: on a bad shape, horizon or origin.
    """
    arr, orig = _check(series, origins, horizon)
    last = arr[orig - 1]  # [n, T]
    span = np.maximum(orig - 1, 1)[:, None]
    slope = (last - arr[0][None, :]) / span  # 0 when origin == 1
    steps = np.arange(1, horizon + 1, dtype=np.float64)
    return last[:, None, :] + steps[None, :, None] * slope[:, None, :]


def mean(series: object, origins: object, horizon: int) -> np.ndarray:
    """Repeat the mean of the whole history ``series[:origin]``.

    Args:
        series: raw target series, ``[n_rows, n_targets]`` or ``[n_rows]``.
        origins: first forecast row of each window, ints in ``1..n_rows``.
        horizon: number of steps to forecast.

    Returns:
        ``[len(origins), horizon, n_targets]`` float64.

    Raises:
        ForecasterError: on a bad shape, horizon or origin.
    """
    arr, orig = _check(series, origins, horizon)
    csum = np.cumsum(arr, axis=0)  # one pass, O(n_rows) for any number of origins
    return _repeat(csum[orig - 1] / orig[:, None], horizon)


BASELINES: dict[str, Callable[..., np.ndarray]] = {
    "naive": naive,
    "seasonal_naive": seasonal_naive,
    "drift": drift,
    "mean": mean,
}
"""Baseline name -> function. ``seasonal_naive`` takes the extra argument ``m``."""


def baseline_forecasts(
    series: object, origins: object, horizon: int, m: int = 1
) -> dict[str, np.ndarray]:
    """Every baseline of :data:`BASELINES` on the same windows.

    Args:
        series: raw target series, ``[n_rows, n_targets]`` or ``[n_rows]``.
        origins: first forecast row of each window, ints in ``1..n_rows``.
        horizon: number of steps to forecast.
        m: season length for ``seasonal_naive``.

    Returns:
        ``{"naive": ..., "seasonal_naive": ..., "drift": ..., "mean": ...}``, each
        ``[len(origins), horizon, n_targets]``.

    Raises:
        ForecasterError: on a bad shape, horizon, origin or ``m``.
    """
    out = {}
    for name, fn in BASELINES.items():
        out[name] = (
            fn(series, origins, horizon, m)
            if name == "seasonal_naive"
            else fn(series, origins, horizon)
        )
    return out


# ---------------------------------------------------------------- season length

# Aliases that older pandas accepted and pandas >= 3 rejects.
_LEGACY_ALIASES = {
    "M": "ME",
    "BM": "BME",
    "CBM": "CBME",
    "SM": "SME",
    "Q": "QE",
    "BQ": "BQE",
    "Y": "YE",
    "A": "YE",
    "BY": "BYE",
    "BA": "BYE",
    "AS": "YS",
    "BAS": "BYS",
    "H": "h",
    "BH": "bh",
    "CBH": "cbh",
    "T": "min",
    "S": "s",
    "L": "ms",
    "U": "us",
    "N": "ns",
}
_FREQ_RE = re.compile(r"^\s*([+-]?\d*)\s*([A-Za-z]+)(-[A-Za-z0-9]+)?\s*$")

# Calendar offsets and the number of periods in their natural cycle.
_CALENDAR_SEASONS: tuple[tuple[tuple[type, ...], int], ...] = (
    ((pd.offsets.BusinessDay, pd.offsets.CustomBusinessDay), 5),  # a business week
    ((pd.offsets.Day,), 7),  # a week
    ((pd.offsets.Week,), 52),  # a year
    ((pd.offsets.SemiMonthBegin, pd.offsets.SemiMonthEnd), 24),
    (
        (
            pd.offsets.MonthBegin,
            pd.offsets.MonthEnd,
            pd.offsets.BusinessMonthBegin,
            pd.offsets.BusinessMonthEnd,
            pd.offsets.CustomBusinessMonthBegin,
            pd.offsets.CustomBusinessMonthEnd,
        ),
        12,
    ),
    (
        (
            pd.offsets.QuarterBegin,
            pd.offsets.QuarterEnd,
            pd.offsets.BQuarterBegin,
            pd.offsets.BQuarterEnd,
            pd.offsets.FY5253Quarter,
        ),
        4,
    ),
)

# Sub-daily steps: the longest of these cycles that is a whole number of steps
# and at most _MAX_SEASON steps long (a day of 5-minute data is 288 steps,
# a day of minutes would be 1440, so minutes use the hour).
_CYCLES_S = (86400.0, 3600.0, 60.0)
_MAX_SEASON = 1000


def _parse_offset(freq: str) -> pd.DateOffset:
    match = _FREQ_RE.match(freq)
    text = freq
    if match:
        mult, base, anchor = match.groups()
        base = _LEGACY_ALIASES.get(base, base)
        text = f"{mult}{base}{anchor or ''}"
    try:
        return to_offset(text)
    except ValueError as exc:
        raise ForecasterError(
            f"`freq` {freq!r} is not a pandas frequency string; use one like 'D', 'B', 'h', "
            f"'15min', 'W', 'MS' or 'QS', or pass the season length `m` directly."
        ) from exc


def _divide(period: int, n: int) -> int:
    """Seasons of ``period`` base steps sampled every ``n`` steps (1 if not whole)."""
    return period // n if n >= 1 and period % n == 0 and period // n >= 1 else 1


def season_length(freq: str | None) -> int:
    """The natural season length, in rows, of a series sampled at ``freq``.

    Business day -> 5, day -> 7, week -> 52, semi-month -> 24, month -> 12,
    quarter -> 4, year -> 1. Sub-daily steps take the day if it is a whole number
    of at most 1000 steps, else the hour, else the minute: ``"h"`` -> 24,
    ``"30min"`` -> 48, ``"15min"`` -> 96, ``"min"`` -> 60, ``"s"`` -> 60. A
    multiple divides the season (``"2h"`` -> 12, ``"3MS"`` -> 4) and gives 1
    when it does not divide it evenly (``"2D"``). Legacy aliases (``"M"``,
    ``"Q"``, ``"H"``, ``"T"``...) are accepted.

    Args:
        freq: pandas frequency string, as inferred by ``pandas.infer_freq``, or
            ``None``.

    Returns:
        The season length ``m >= 1``; 1 for ``None`` and for offsets with no
        natural cycle (years, business hours, holidays...).

    Raises:
        ForecasterError: if ``freq`` is a string that is not a pandas frequency.
    """
    if freq is None:
        return 1
    if not isinstance(freq, str):
        raise ForecasterError(
            f"`freq` must be a pandas frequency string or None (received {freq!r})."
        )
    offset = _parse_offset(freq)
    n = abs(int(offset.n))
    for kinds, period in _CALENDAR_SEASONS:
        if isinstance(offset, kinds):
            return _divide(period, n)
    if isinstance(offset, pd.offsets.Tick):
        step_s = pd.Timedelta(offset).total_seconds()
        for cycle in _CYCLES_S:
            ratio = cycle / step_s
            if ratio >= 2 and ratio <= _MAX_SEASON and float(ratio).is_integer():
                return int(ratio)
    return 1

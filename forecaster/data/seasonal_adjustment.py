"""Seasonal adjustment of a panel's series before a global fit (multiplicative seasonal indices).

A global model sees every series through one window of ``input_width`` rows; when the panel
keeps no season of its own (M3 monthly: the pooled rule fails), the network has to learn each
series' seasonal shape from that window. The benchmarks of the M3 and M4 competitions (Naive2,
Theta) and the M4 winner (ES-RNN) instead divide each seasonal series by its seasonal indices and
multiply the forecasts back; measured on four real panels, that lowered the global model's mean
MASE on all four (docs/benchmarks.md, "Seasonal adjustment before the global fit" and "... built in").

* :func:`is_seasonal`: the 90 % seasonality test of the M4 benchmarks.
* :func:`fit_seasonal`: per target column, classical multiplicative indices (ratio to the centred
  2 x m moving average, averaged per phase, mean 1) from the last :data:`RECENT_SEASONS` whole
  seasons of the training rows; ones for a column that fails the test.
* :func:`phases`: the phase of each row from its date (periods since 1970 at the series'
  frequency, modulo the season), so any later slice of a series lines up with its indices
  without knowing where the fit data began. Monthly data: the month (0 = January); quarterly:
  the quarter; hourly with m = 24: the hour of the day.
* :class:`SeasonalIndices`: the indices of one series bound to the phase of the first row of the
  rows it divides (``at``); ``factors`` gives the multipliers of any rows, e.g. forecast rows.

Example:
    >>> import numpy as np
    >>> y = np.tile([1.0, 2.0, 3.0, 2.0], 10)[:, None] * 10
    >>> s = fit_seasonal(y, first_phase=0, period=4)
    >>> np.round(s.indices[:, 0], 2).tolist()
    [0.5, 1.0, 1.5, 1.0]
    >>> np.round(s.adjust(y)[:4, 0], 1).tolist()
    [20.0, 20.0, 20.0, 20.0]
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from forecaster.errors import ForecasterError

__all__ = [
    "RECENT_SEASONS", "SeasonalIndices", "adjustment_period", "first_phases", "fit_seasonal", "is_seasonal", "phases",
]

RECENT_SEASONS = 10
"""Indices from the last 10 whole seasons. On the tourism panels (series up to 27 seasons) indices
from all rows lost even to the unadjusted fit, a season pattern moves; on M3 monthly (7 to 15
seasons) the last 5 seasons lost to all rows, too few seasons to average; 10 was best or close to
it on the four panels (docs/benchmarks.md, "Seasonal adjustment built in")."""

MIN_SEASONS = 3
"""The test and the indices need at least three seasons of rows (the M4 benchmarks' rule)."""


@dataclass(frozen=True)
class SeasonalIndices:
    """Multiplicative seasonal indices ``[period, n_targets]`` of one series, bound to a phase.

    ``phase`` is the phase of row 0 of the rows :meth:`adjust` divides; :meth:`at` rebinds it.
    """

    indices: np.ndarray
    phase: int = 0

    @property
    def period(self) -> int:
        return int(self.indices.shape[0])

    def at(self, phase: int) -> SeasonalIndices:
        """The same indices for rows whose first row has phase ``phase``."""
        return replace(self, phase=int(phase) % self.period)

    def factors(self, rows: np.ndarray) -> np.ndarray:
        """The indices of rows at positions ``rows`` (any shape; row 0 has ``phase``): ``[*rows.shape, n_targets]``."""
        return self.indices[(self.phase + np.asarray(rows)) % self.period]

    def adjust(self, values: np.ndarray) -> np.ndarray:
        """``values`` ``[n, n_columns]`` (targets first) with the target columns divided by their indices."""
        values = np.array(values, np.float64)
        n_targets = self.indices.shape[1]
        values[:, :n_targets] /= self.factors(np.arange(len(values)))
        return values

    def to_dict(self) -> dict[str, Any]:
        return {"indices": self.indices.tolist(), "phase": self.phase}

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> SeasonalIndices:
        return cls(np.asarray(state["indices"], np.float64), int(state.get("phase", 0)))


def adjustment_period(setting: bool | str, series: Any, natural: int) -> int | None:
    """The season the fit adjusts by, or ``None``.

    ``"auto"`` adjusts a dated monthly or quarterly panel by its frequency's season ``natural``
    (``data.seasons.season_length``): the steps measured on real panels. ``True`` also adjusts
    other steps with a season (daily, hourly...), not measured on real panels yet. A single
    series is never adjusted: it keeps its seasons, a seasonal skip and seasonal baselines, and
    the adjustment did not help there (geometric mean 1.04x the MSE on 11 benchmark series).

    Raises:
        ForecasterError: for ``True`` on data that cannot be adjusted.
    """
    if setting is False:
        return None
    reason = None
    if series.ids is None:
        reason = "a panel (id_col)"
    elif series.dates is None:
        reason = "dates (date_col), since each row's season position comes from its date"
    elif natural <= 1:
        reason = f"a frequency with a season (the data's frequency {series.freq!r} has none)"
    if reason is None:
        return int(natural) if setting is True or _monthly_or_quarterly(series.freq) else None
    if setting is True:
        raise ForecasterError(f"seasonal_adjustment=True [CLI: --seasonal-adjustment yes] needs {reason}; use 'auto' or False.")
    return None


def _monthly_or_quarterly(freq: str) -> bool:
    offset = pd.tseries.frequencies.to_offset(freq)
    kinds = (pd.offsets.MonthBegin, pd.offsets.MonthEnd, pd.offsets.BusinessMonthBegin, pd.offsets.BusinessMonthEnd,
             pd.offsets.QuarterBegin, pd.offsets.QuarterEnd, pd.offsets.BQuarterBegin, pd.offsets.BQuarterEnd)
    return isinstance(offset, kinds)


def phases(dates: pd.DatetimeIndex, freq: str, period: int) -> np.ndarray:
    """The phase of each date: whole steps of ``freq`` since 1970 (pandas period ordinals), modulo ``period``."""
    index = pd.DatetimeIndex(dates)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # PeriodDtype[B] is deprecated, still exact
        probe = pd.date_range(index[0], periods=2, freq=freq).to_period()  # "MS" -> "M", "QS-OCT" -> "Q-DEC"
        ordinals = index.to_period(probe.freq).asi8
    probe = probe.asi8
    step = max(int(probe[1] - probe[0]), 1)  # "30min" periods count minutes, "2D" days: one step each
    return (ordinals // step) % period


def first_phases(series: Any, period: int, freq: str | None = None) -> list[int]:
    """The phase of the first row of each series of a dated ``SeriesData`` (``series.segments()`` order;
    ``freq``: the fit's, default the data's)."""
    starts = [start for _, start, _ in series.segments()]
    return phases(series.dates[starts], freq or series.freq, period).tolist()


def is_seasonal(values: np.ndarray, period: int) -> bool:
    """The 90 % seasonality test of the M4 benchmarks: ``|r_m| > 1.645 sqrt((1 + 2 sum_{k<m} r_k^2) / n)``.

    Only strictly positive series of at least :data:`MIN_SEASONS` seasons: the indices are
    multiplicative.
    """
    y = np.asarray(values, np.float64)
    if len(y) < MIN_SEASONS * period or not np.isfinite(y).all() or y.min() <= 0:
        return False
    centered = y - y.mean()
    total = float(np.sum(centered**2))
    if total <= 0:
        return False
    r = np.array([np.sum(centered[k:] * centered[:-k]) for k in range(1, period + 1)]) / total
    return bool(abs(r[-1]) > 1.645 * np.sqrt((1 + 2 * np.sum(r[:-1] ** 2)) / len(y)))


def _indices(y: np.ndarray, row_phases: np.ndarray, period: int) -> np.ndarray:
    """Classical multiplicative indices: the mean ratio to the centred 2 x m moving average per phase, mean 1."""
    kernel = np.r_[0.5, np.ones(period - 1), 0.5] / period if period % 2 == 0 else np.ones(period) / period
    trend = np.convolve(y, kernel, mode="valid")  # trend[i] centres on row i + period // 2
    ratio = y[period // 2 : period // 2 + len(trend)] / trend
    at = row_phases[period // 2 : period // 2 + len(trend)]
    indices = np.array([ratio[at == k].mean() for k in range(period)])
    return indices / indices.mean()


def fit_seasonal(
    targets: np.ndarray, first_phase: int, period: int, recent_seasons: int = RECENT_SEASONS
) -> SeasonalIndices | None:
    """Indices of the target columns ``[n_rows, n_targets]`` (training rows), bound to ``first_phase``.

    Each column that passes :func:`is_seasonal` on all its rows gets the indices of its last
    ``recent_seasons`` whole seasons (a pattern that moves is followed); the others get ones.
    ``None`` when no column is seasonal.
    """
    targets = np.asarray(targets, np.float64)
    n = len(targets)
    row_phases = (first_phase + np.arange(n)) % period
    columns, any_seasonal = [], False
    for y in targets.T:
        if not is_seasonal(y, period):
            columns.append(np.ones(period))
            continue
        start = max(0, n - recent_seasons * period) // period * period
        indices = _indices(y[start:], row_phases[start:], period)
        if not (np.isfinite(indices).all() and indices.min() > 0):
            columns.append(np.ones(period))
            continue
        columns.append(indices)
        any_seasonal = True
    if not any_seasonal:
        return None
    return SeasonalIndices(np.stack(columns, axis=1), int(first_phase) % period)

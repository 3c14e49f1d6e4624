"""Season lengths: the natural one of a frequency, the candidates, and the ones the data supports.

* :func:`season_length` gives the single natural season of a pandas frequency
  (what ``Forecaster`` used before several seasons existed).
* :func:`candidate_seasons` lists every calendar cycle (a day, a week, a year)
  that is a whole number of steps of the frequency, computed from the offset's
  step length rather than looked up by name.
* :func:`select_seasons` keeps the candidates that the training rows support
  (seasonal naive clearly beats naive, and beats every shorter kept season,
  consistently across seasons of data) and orders them by strength: **the first
  one is the primary season** (:func:`primary_season`), used for MASE, the
  ``seasonal_naive`` baseline and the seasonal skip.

Everything here is NumPy (plus pandas to parse frequencies); no TensorFlow.

Example:
    >>> candidate_seasons("h"), candidate_seasons("30min"), candidate_seasons("MS")
    ((24, 168), (48, 336), (12,))
    >>> import numpy as np
    >>> t = np.arange(24 * 7 * 12)
    >>> daily = np.sin(2 * np.pi * t / 24) + 0.1 * np.random.default_rng(0).normal(size=t.size)
    >>> select_seasons(daily, (24, 168))
    (24,)
    >>> primary_season(()), primary_season((168, 24))
    (1, 168)
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from forecaster.data.arrays import series_arrays
from forecaster.errors import ForecasterError

__all__ = [
    "candidate_seasons",
    "detect_seasons",
    "primary_season",
    "season_length",
    "select_seasons",
]

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

# candidate_seasons: cycle lengths in seconds. A year is 365.2425 days, so it is
# rounded to whole steps (365 days, 52 weeks, 261 business days); a day and a
# week must be whole multiples of the step.
_MINUTE_S, _HOUR_S, _DAY_S = 60.0, 3600.0, 86400.0
_WEEK_S = 7 * _DAY_S
_YEAR_S = 365.2425 * _DAY_S
# The longest candidate: a week of 5-minute steps. Longer cycles (a year of hours)
# need years of rows and their seasonal naive forecast is rarely useful.
_MAX_CANDIDATE = 2016
# select_seasons keeps a season without its t-test when seasonal naive halves the competitor's error
# and wins on every season of evidence: with two or three seasons of training rows (a few days of
# half-hourly solar output) the test has one or two degrees of freedom and rejected a daily cycle that
# halved the naive error; white noise, random walks and trends never reach it (docs/benchmarks.md,
# "A second set of real series").
STRONG_GAIN = 0.5
# Months per step of month-based offsets (their cycle is the 12-month year).
_MONTHS_PER_STEP: tuple[tuple[tuple[type, ...], float], ...] = (
    ((pd.offsets.SemiMonthBegin, pd.offsets.SemiMonthEnd), 0.5),
    (_CALENDAR_SEASONS[4][0], 1.0),
    (_CALENDAR_SEASONS[5][0], 3.0),
    (
        (
            pd.offsets.YearBegin,
            pd.offsets.YearEnd,
            pd.offsets.BYearBegin,
            pd.offsets.BYearEnd,
            pd.offsets.FY5253,
        ),
        12.0,
    ),
)


def _parse_offset(freq: str) -> pd.offsets.BaseOffset:
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


def _check_freq(freq: object) -> pd.offsets.BaseOffset | None:
    """``freq`` as a pandas offset; ``None`` stays ``None``."""
    if freq is None:
        return None
    if isinstance(freq, pd.offsets.BaseOffset):  # what pandas >= 4 infer_freq returns
        return freq
    if not isinstance(freq, str):
        raise ForecasterError(
            f"`freq` must be a pandas frequency string, a pandas offset or None (received {freq!r})."
        )
    return _parse_offset(freq)


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

    Example:
        >>> season_length("B"), season_length("2h"), season_length("MS")
        (5, 12, 12)
    """
    offset = _check_freq(freq)
    if offset is None:
        return 1
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


# ------------------------------------------------------------------ candidates


def _step_seconds(offset: pd.offsets.BaseOffset) -> float | None:
    """Length of one step in seconds (business days count as a fifth of a week)."""
    n = abs(int(offset.n))
    if isinstance(offset, pd.offsets.BusinessDay | pd.offsets.CustomBusinessDay):
        return n * _WEEK_S / 5  # business time: 5 steps a week, ~261 a year
    if isinstance(offset, pd.offsets.Day):  # not a Tick in pandas >= 3
        return n * _DAY_S
    if isinstance(offset, pd.offsets.Week):
        return n * _WEEK_S
    if isinstance(offset, pd.offsets.Tick):
        return pd.Timedelta(offset).total_seconds()
    return None


def candidate_seasons(freq: str | None) -> tuple[int, ...]:
    """Every calendar cycle that is a whole number of steps of ``freq``, shortest first.

    The cycles are a day, a week and a year (365.2425 days, rounded to whole
    steps when a step is a day or longer); each becomes a candidate when it is
    2..2016 steps long. Sub-daily data with neither a day nor a week in that
    range falls back to :func:`season_length` (the hour or the minute).
    Month-based offsets have the 12-month year: ``"MS"`` -> 12, ``"QS"`` -> 4,
    ``"SMS"`` -> 24. So ``"30min"`` -> (48, 336), ``"h"`` -> (24, 168),
    ``"15min"`` -> (96, 672), ``"D"`` -> (7, 365), ``"B"`` -> (5, 261),
    ``"W"`` -> (52,), ``"YS"`` and ``None`` -> ().

    Args:
        freq: pandas frequency string (legacy aliases accepted), a pandas
            offset, or ``None``.

    Returns:
        Candidate season lengths in rows, increasing; empty when none applies.

    Raises:
        ForecasterError: if ``freq`` is a string that is not a pandas frequency.

    Example:
        >>> candidate_seasons("D"), candidate_seasons("B"), candidate_seasons("2h")
        ((7, 365), (5, 261), (12, 84))
    """
    offset = _check_freq(freq)
    if offset is None or int(offset.n) == 0:
        return ()
    out: list[int] = []
    step_s = _step_seconds(offset)
    if step_s is not None:
        for cycle in (_DAY_S, _WEEK_S, _YEAR_S):
            ratio = cycle / step_s
            if cycle == _YEAR_S and step_s >= _DAY_S:
                ratio = float(round(ratio))  # a year is not a whole number of days
            if math.isclose(ratio, round(ratio), rel_tol=0, abs_tol=1e-9):
                out.append(int(round(ratio)))
    else:
        n = abs(int(offset.n))
        for kinds, months in _MONTHS_PER_STEP:
            if isinstance(offset, kinds):
                ratio = 12.0 / (months * n)
                if ratio.is_integer():
                    out.append(int(ratio))
                break
    out = [m for m in out if 2 <= m <= _MAX_CANDIDATE]
    if not out and step_s is not None and step_s < _DAY_S:
        fallback = season_length(freq)
        out = [fallback] if fallback >= 2 else []
    return tuple(sorted(set(out)))


# ------------------------------------------------------------------- selection


def _columns(values: object) -> list[np.ndarray]:
    """Every (series, target) column as a float64 1-D array; a list means a panel."""
    cols = []
    for arr in series_arrays(values, "values"):
        if not np.isfinite(arr).all():
            raise ForecasterError(
                "`values` contains NaN or infinite values; fill or drop them before choosing seasons."
            )
        # Centre each column: the cumulative sums below then lose no precision to the level.
        cols.extend(arr[:, j] - arr[:, j].mean() for j in range(arr.shape[1]))
    return cols


def _check_seasons(candidates: Iterable[object]) -> list[int]:
    out = set()
    for m in candidates:
        if isinstance(m, bool) or not isinstance(m, int | np.integer) or m < 1:
            raise ForecasterError(
                f"season lengths must be integers >= 1 (received {m!r} in the candidates)."
            )
        if m >= 2:  # a season of 1 row is the naive forecast
            out.add(int(m))
    return sorted(out)


def _naive_loss(x: np.ndarray, m: int, rows: np.ndarray) -> np.ndarray:
    """Mean over h = 1..m of (x_t - x_{t-h})^2 at each row t: naive forecast over one season."""
    c1 = np.concatenate(([0.0], np.cumsum(x)))
    c2 = np.concatenate(([0.0], np.cumsum(x * x)))
    s1 = (c1[rows] - c1[rows - m]) / m
    s2 = (c2[rows] - c2[rows - m]) / m
    xt = x[rows]
    return np.maximum(xt * xt - 2.0 * xt * s1 + s2, 0.0)


def _seasonal_loss(x: np.ndarray, s: int, horizon: int, rows: np.ndarray) -> np.ndarray:
    """Mean over h = 1..horizon of the squared error of seasonal naive at lag ``s``.

    Step h repeats the value ``s * ceil(h / s)`` rows back, so lag ``k * s``
    serves ``s`` steps (the last one the remainder).
    """
    k_max = -(-horizon // s)
    out = np.zeros(rows.size)
    for k in range(1, k_max + 1):
        weight = s if k < k_max else horizon - s * (k_max - 1)
        out += weight * (x[rows] - x[rows - k * s]) ** 2
    return out / horizon


def _t_quantile(df: int, p: float = 0.95) -> float:
    from scipy.special import stdtrit  # scipy comes with scikit-learn

    return float(stdtrit(df, p))


def _beats(
    cols: list[np.ndarray],
    m: int,
    shorter: list[int],
    min_cycles: int,
    min_gain: float,
    alpha: float,
) -> bool:
    """Whether seasonal naive at ``m`` beats naive and each shorter season, over ``m`` steps.

    Per column, the losses are divided by the column's naive loss (so series and
    targets of any scale weigh alike) and cut into blocks of ``m`` rows; the
    block means of (competitor - seasonal) must be positive on average by a
    one-sided t-test, and the total gain at least ``min_gain``.
    """
    lag = max([m, *(s * -(-m // s) for s in shorter)])
    blocks: dict[int, list[np.ndarray]] = {s: [] for s in (1, *shorter)}
    sums: dict[int, list[float]] = {s: [0.0, 0.0] for s in (1, *shorter)}
    for x in cols:
        n_blocks = (x.size - lag) // m
        if n_blocks < min_cycles:
            continue
        rows = np.arange(x.size - n_blocks * m, x.size)  # the last whole blocks
        naive = _naive_loss(x, m, rows)
        norm = naive.mean()
        if not norm > 0:
            continue
        seasonal = (x[rows] - x[rows - m]) ** 2 / norm
        for s in blocks:
            comp = naive / norm if s == 1 else _seasonal_loss(x, s, m, rows) / norm
            blocks[s].append((comp - seasonal).reshape(n_blocks, m).mean(axis=1))
            sums[s][0] += comp.sum()
            sums[s][1] += seasonal.sum()
    if not blocks[1]:
        return False
    for s, parts in blocks.items():
        diff = np.concatenate(parts)
        comp_total, seasonal_total = sums[s]
        gain = 1.0 - seasonal_total / comp_total if comp_total > 0 else -1.0
        if gain < min_gain:
            return False
        if gain >= STRONG_GAIN and bool((diff > 0).all()):
            continue  # too large and too steady for chance; the t-test below has no power on 2-3 seasons
        spread = diff.std(ddof=1)
        if spread > 0:
            t_stat = diff.mean() / (spread / np.sqrt(diff.size))
            if t_stat < _t_quantile(diff.size - 1, 1.0 - alpha):
                return False
        elif not diff.mean() > 0:
            return False
    return True


def _strength(cols: list[np.ndarray], kept: list[int], horizon: int) -> list[float]:
    """Normalised in-sample MSE of seasonal naive at each kept season over ``horizon`` steps."""
    lag = max(m * -(-horizon // m) for m in kept)
    scores = np.zeros(len(kept))
    for x in cols:
        if x.size <= lag:
            continue
        rows = np.arange(lag, x.size)
        norm = np.mean(np.diff(x) ** 2)
        if not norm > 0:
            continue
        for i, m in enumerate(kept):
            scores[i] += _seasonal_loss(x, m, horizon, rows).mean() / norm
    return scores.tolist()


def select_seasons(
    values: object,
    candidates: Iterable[int],
    *,
    horizon: int | None = None,
    min_cycles: int = 2,
    min_gain: float = 0.1,
    alpha: float = 0.05,
) -> tuple[int, ...]:
    """The candidate seasons the data supports, strongest first (the first is the primary one).

    A candidate ``m`` is kept when, forecasting one season (``m`` steps) ahead
    from every row of the data, repeating the value ``m`` rows back has an
    in-sample MSE at least ``min_gain`` lower than repeating the last value
    (naive), and than seasonal naive at every shorter kept season (so a weekly
    season is kept only if it adds to the daily one), and the gain holds up
    across the data: the per-season gains pass a one-sided t-test at level
    ``alpha``, or each is positive and the gain is at least ``STRONG_GAIN``
    (the test has almost no power on two or three seasons). A candidate needs
    ``min_cycles`` whole seasons of forecast rows after the first season
    (``(min_cycles + 1) * m`` rows by default) in at least one series. White noise, random walks and trends keep nothing.

    The kept seasons are ordered by the in-sample MSE of their seasonal naive
    forecast over ``horizon`` steps (default: the shortest kept season, i.e.
    each season's one-step-back error), lowest first.

    Pass the **training rows** only. Every column (target, and series of a
    panel) is normalised by its own naive error, then pooled. Cost is
    O(rows x candidates) (cumulative sums; no loop over rows).

    Args:
        values: ``[n_rows, n_targets]`` or ``[n_rows]`` finite values, or a list
            of such numpy arrays (or pandas objects), one per series of a panel.
        candidates: season lengths to consider (e.g. :func:`candidate_seasons`);
            values of 1 are ignored.
        horizon: forecast horizon used to order the kept seasons.
        min_cycles: whole seasons of evidence needed (>= 2).
        min_gain: relative MSE improvement needed, in (0, 1).
        alpha: significance level of the consistency test.

    Returns:
        The kept seasons, strongest first; ``()`` when none is supported.

    Raises:
        ForecasterError: on a bad shape, non-finite values or bad arguments.

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(1)
        >>> select_seasons(rng.normal(size=2000), (24, 168)), select_seasons(np.cumsum(rng.normal(size=2000)), (24,))
        ((), ())
    """
    kept_candidates = _check_seasons(candidates)
    if (
        isinstance(min_cycles, bool)
        or not isinstance(min_cycles, int | np.integer)
        or min_cycles < 2
    ):
        raise ForecasterError(
            f"`min_cycles` must be an integer >= 2 (received min_cycles={min_cycles!r})."
        )
    if not 0 < min_gain < 1:
        raise ForecasterError(f"`min_gain` must lie in (0, 1) (received min_gain={min_gain!r}).")
    if not 0 < alpha < 1:
        raise ForecasterError(f"`alpha` must lie in (0, 1) (received alpha={alpha!r}).")
    if horizon is not None and (
        isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1
    ):
        raise ForecasterError(f"`horizon` must be an integer >= 1 (received horizon={horizon!r}).")
    cols = _columns(values)
    kept: list[int] = []
    for m in kept_candidates:
        if _beats(cols, m, kept, int(min_cycles), float(min_gain), float(alpha)):
            kept.append(m)
    if len(kept) < 2:
        return tuple(kept)
    scores = _strength(cols, kept, int(horizon) if horizon is not None else kept[0])
    order = sorted(range(len(kept)), key=lambda i: (scores[i], kept[i]))
    return tuple(kept[i] for i in order)


def primary_season(seasons: Sequence[int]) -> int:
    """The primary season of :func:`select_seasons`' result: its first element, or 1 when empty.

    Example:
        >>> primary_season((168, 24)), primary_season(())
        (168, 1)
    """
    return int(seasons[0]) if len(seasons) else 1


def detect_seasons(
    values: object, freq: str | None, *, horizon: int | None = None
) -> tuple[int, ...]:
    """:func:`select_seasons` over :func:`candidate_seasons` of ``freq``: the seasons to use.

    Args:
        values: the training rows (see :func:`select_seasons`).
        freq: the pandas frequency of the rows, or ``None``.
        horizon: forecast horizon used to order the kept seasons.

    Returns:
        The supported seasons, strongest (primary) first; ``()`` when none.

    Raises:
        ForecasterError: on a bad ``freq``, shape or non-finite values.
    """
    return select_seasons(values, candidate_seasons(freq), horizon=horizon)

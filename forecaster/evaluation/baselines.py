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

:func:`baseline_forecasts` gives them all on the same windows; with several
seasons (``m=(168, 24)``, primary first, as
:func:`forecaster.data.seasons.select_seasons` returns them) it adds
``seasonal_naive_<m>`` for **every** season, and ``seasonal_naive`` stays the
primary season's forecast (the same array as ``seasonal_naive_<primary>``).
:func:`best_baseline` names the baseline with the lowest metric.
:func:`season_length` lives in :mod:`forecaster.data.seasons` and is
re-exported here.

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
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from forecaster.data.seasons import season_length  # re-exported: callers import it from here
from forecaster.errors import ForecasterError

__all__ = [
    "BASELINES",
    "baseline_forecasts",
    "best_baseline",
    "drift",
    "mean",
    "naive",
    "season_length",
    "seasonal_level",
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


def seasonal_level(series: object, origins: object, horizon: int, m: int) -> np.ndarray:
    """Seasonal naive moved by the last value's change over one season: ARIMA(0,1,0)(0,1,0)'s forecast.

    Step ``h`` (0-based) is ``series[origin - m + (h % m)] + (1 + h // m) *
    (series[origin - 1] - series[origin - 1 - m])``: last season's shape at the
    latest level. A window with ``origin <= m`` gets the naive forecast.
    Arguments and shapes as :func:`seasonal_naive`.
    """
    arr, orig = _check(series, origins, horizon)
    base = seasonal_naive(arr, orig, horizon, m)
    early = orig <= m
    change = arr[orig - 1] - arr[np.where(early, orig - 1, orig - 1 - m)]  # [n, T]; 0 where too early
    steps = 1 + np.arange(horizon) // m
    moved = base + steps[None, :, None] * change[:, None, :]
    return np.where(early[:, None, None], naive(arr, orig, horizon), moved)


def drift(series: object, origins: object, horizon: int, window: int | None = None) -> np.ndarray:
    """Extend the line through the first and last observed values.

    Step ``h`` (1-based) is ``last + h * (last - first) / (rows - 1)`` with
    ``last = series[origin - 1]`` and ``first`` the value ``rows - 1`` rows
    before it: ``series[0]``, or with ``window`` the first of the at most
    ``window`` rows before the origin. A window with a single observed row
    gets the naive forecast.

    Args:
        series: raw target series, ``[n_rows, n_targets]`` or ``[n_rows]``.
        origins: first forecast row of each window, ints in ``1..n_rows``.
        horizon: number of steps to forecast.
        window: the most rows before each origin the line reads (``None``: all of them).

    Returns:
        ``[len(origins), horizon, n_targets]`` float64.

    Raises:
        ForecasterError: on a bad shape, horizon or origin.
    """
    arr, orig = _check(series, origins, horizon)
    first = np.zeros_like(orig) if window is None else np.maximum(orig - window, 0)
    last = arr[orig - 1]  # [n, T]
    span = np.maximum(orig - 1 - first, 1)[:, None]
    slope = (last - arr[first]) / span  # 0 when one row is observed
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
    series: object, origins: object, horizon: int, m: int | Sequence[int] = 1
) -> dict[str, np.ndarray]:
    """Every baseline of :data:`BASELINES` on the same windows, seasonal naive at each season.

    With a sequence of seasons, each season ``m > 1`` also gets ``seasonal_level_<m>``
    (:func:`seasonal_level`, seasonal naive moved to the latest level): ``model="auto"``
    can forecast with it, so the model is compared with it too.

    Args:
        series: raw target series, ``[n_rows, n_targets]`` or ``[n_rows]``.
        origins: first forecast row of each window, ints in ``1..n_rows``.
        horizon: number of steps to forecast.
        m: season length for ``seasonal_naive``; or a sequence of season
            lengths, primary first (e.g. ``(168, 24)``), which also adds
            ``seasonal_naive_<m>`` for each of them (an empty sequence means no
            season: ``seasonal_naive`` is then the naive forecast).

    Returns:
        ``{"naive": ..., "seasonal_naive": ..., "drift": ..., "mean": ...}``, each
        ``[len(origins), horizon, n_targets]``; with a sequence of seasons, then
        ``"seasonal_naive_<m>"`` for each season in the order given, then
        ``"seasonal_level_<m>"`` for each of them longer than 1.

    Raises:
        ForecasterError: on a bad shape, horizon, origin or ``m``.

    Example:
        >>> import numpy as np
        >>> out = baseline_forecasts(np.arange(10.0), [8], 2, m=(4, 2))
        >>> list(out)[:6]
        ['naive', 'seasonal_naive', 'drift', 'mean', 'seasonal_naive_4', 'seasonal_naive_2']
        >>> out["seasonal_naive"][0, :, 0].tolist(), out["seasonal_naive_2"][0, :, 0].tolist()
        ([4.0, 5.0], [6.0, 7.0])
        >>> out["seasonal_level_2"][0, :, 0].tolist()  # a linear series: the level moved by 2 per season
        [8.0, 9.0]
    """
    several = not isinstance(m, int | np.integer) and isinstance(m, Sequence)
    seasons = [int(s) if isinstance(s, np.integer) else s for s in m] if several else [m]
    primary = seasons[0] if seasons else 1
    out = {}
    for name, fn in BASELINES.items():
        out[name] = (
            fn(series, origins, horizon, primary)
            if name == "seasonal_naive"
            else fn(series, origins, horizon)
        )
    if several:
        for season in seasons:
            key = f"seasonal_naive_{season}"
            if key not in out:
                out[key] = (
                    out["seasonal_naive"]
                    if season == primary
                    else seasonal_naive(series, origins, horizon, season)
                )
        for season in seasons:
            if season > 1:
                out[f"seasonal_level_{season}"] = seasonal_level(series, origins, horizon, season)
    return out


def best_baseline(metrics: Mapping[str, Mapping[str, float]], metric: str = "mse") -> str:
    """The name of the baseline with the lowest finite ``metric`` (ties: the first listed).

    Args:
        metrics: ``{baseline name: {metric name: value}}``, e.g. the
            ``"baselines"`` entry of ``Forecaster.evaluate()``.
        metric: the metric to compare (lower is better), e.g. ``"mse"`` or ``"mase"``.

    Returns:
        The baseline's name (``"seasonal_naive"`` rather than its alias
        ``"seasonal_naive_<m>"`` when they tie, as it is listed first).

    Raises:
        ForecasterError: if no baseline has a finite value for ``metric``.

    Example:
        >>> best_baseline({"naive": {"mse": 2.0}, "seasonal_naive": {"mse": 1.5}})
        'seasonal_naive'
    """
    best, best_value = None, math.inf
    for name, values in metrics.items():
        value = values.get(metric) if isinstance(values, Mapping) else None
        if value is not None and math.isfinite(value) and value < best_value:
            best, best_value = name, float(value)
    if best is None:
        raise ForecasterError(
            f"no baseline has a finite {metric!r} (baselines: {sorted(metrics)}); "
            "pick a metric every baseline reports, e.g. 'mse'."
        )
    return best

"""Split-conformal prediction intervals around any point forecast, per horizon step.

Calibrate on residuals of forecast windows the model was not fitted on
(validation or rolling-origin windows), then widen every later point forecast
by the calibrated half-width of its step:

1. :func:`fit_conformal` turns absolute residuals ``|y - y_hat|`` of shape
   ``[n_windows, horizon, n_targets]`` into one half-width per level, step and
   target: the finite-sample corrected quantile, the ``ceil((n + 1) * level)``-th
   smallest of the ``n`` scores. Exchangeable windows then cover with
   probability at least ``level``. The result is a small JSON-safe dict (store it
   in ``forecaster.json``).
2. :func:`apply_conformal` gives ``point -/+ half-width`` for each level.
3. :func:`coverage`, :func:`mean_width` and :func:`interval_metrics` score the
   intervals on test windows (``metrics.json``).

**Panels.** Pass ``scale`` (one positive value per window, or per window and
target, e.g. each series' MASE scale or scaler spread) to calibrate scale-free
scores ``|residual| / scale``; pass the same kind of scale to
:func:`apply_conformal`, so a half-width follows each series' scale.

**Local scale.** Pass as ``scale`` each window's :func:`local_scale` (the mean
absolute one-step change of its input rows) and the scores become
``|residual| / local scale``: the half-width then follows the level and
volatility of the window being forecast, not those of the calibration
period. On 13 series of the accuracy benchmark (default fit, validation
windows to calibrate, the run's held-out test windows to score) 80 %
intervals covered 0.71 on average in raw units and 0.78 with the local
scale (docs/benchmarks.md).

**Few windows.** With fewer than ``min_windows`` (20) calibration windows, or
when a level needs more windows than there are (``ceil((n + 1) * level) > n``,
e.g. 0.95 with 15 windows), the steps are pooled: each window's score at step
``h`` is divided by the mean score at ``h`` of the *other* windows (the error
profile over the horizon, measured rather than assumed: it grows like
``sqrt(h)`` for a random walk and stays flat for a seasonal series; leaving
the window out keeps it exchangeable with a future window), one corrected
quantile is taken over all ``n * horizon`` normalised scores, and the
half-width of step ``h`` is that quantile times the mean score at ``h``. On
simulated AR, random-walk and heavy-tailed series with 5 to 10 windows this
covered 0.80-0.82 at level 0.8 and 0.94-0.96 at 0.95 on average, where a
per-step quantile is undefined for 0.95 and the same pooling with each
window's own share in the mean covered only 0.74-0.78 at 0.8. At least 2
windows are needed. If even the pooled scores are too few, the largest one
is used, the level is listed under ``"capped"`` and a warning says the
coverage is not guaranteed. Note that overlapping windows (stride 1) carry
less information than their count suggests; prefer windows ``horizon`` apart
when the data allows.

Example:
    >>> import numpy as np
    >>> res = np.abs(np.random.default_rng(0).normal(size=(200, 3, 1)))
    >>> cal = fit_conformal(res, [0.8])
    >>> cal["method"], np.round(cal["quantiles"]["0.8"], 1).tolist()
    ({'0.8': 'per_step'}, [[1.3], [1.3], [1.3]])
    >>> out = apply_conformal(np.zeros((1, 3, 1)), cal)
    >>> bool(np.all(out[0.8]["upper"] == -out[0.8]["lower"]))
    True
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from forecaster.errors import ForecasterError

__all__ = [
    "MIN_WINDOWS",
    "apply_conformal",
    "check_levels",
    "coverage",
    "fit_conformal",
    "interval_metrics",
    "local_scale",
    "mean_width",
]

LOCAL_SCALE = "window_mean_abs_change"
"""The ``score_scale`` a calibration records when its scores were divided by :func:`local_scale`."""

MIN_WINDOWS = 20
"""Calibration windows below which the steps are pooled (see the module docstring)."""


def check_levels(levels: float | Iterable[float]) -> tuple[float, ...]:
    """Validate interval levels: each strictly between 0 and 1; sorted, without repeats.

    Raises:
        ForecasterError: on an empty list, a non-number or a level outside (0, 1).

    Example:
        >>> check_levels([0.95, 0.8, 0.8])
        (0.8, 0.95)
    """
    items = [levels] if isinstance(levels, int | float | np.number) else list(levels)
    if not items:
        raise ForecasterError("interval levels are empty; pass at least one, e.g. 0.8,0.95.")
    out = set()
    for level in items:
        ok = isinstance(level, int | float | np.number) and not isinstance(level, bool)
        if not ok or not 0.0 < float(level) < 1.0:
            raise ForecasterError(
                f"interval levels must lie strictly between 0 and 1 (received {level!r}); "
                "pass e.g. 0.8,0.95."
            )
        out.add(float(level))
    return tuple(sorted(out))


def _key(level: float) -> str:
    return repr(float(level))  # shortest round-trip text: "0.8", "0.95"


def _as_3d(a: object, name: str) -> np.ndarray:
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3 or arr.size == 0:
        raise ForecasterError(
            f"`{name}` must have shape [n_windows, horizon, n_targets] or [n_windows, horizon] "
            f"(received shape {arr.shape})."
        )
    return arr


def _window_scale(scale: object, n: int, n_targets: int) -> np.ndarray:
    """A per-window (and per-target) scale as ``[n, 1, n_targets]``."""
    arr = np.asarray(scale, dtype=np.float64)
    if arr.ndim == 1 and arr.shape[0] == n:
        arr = np.repeat(arr[:, None], n_targets, axis=1)
    if arr.shape != (n, n_targets):
        raise ForecasterError(
            f"`scale` must have shape [n_windows] or [n_windows, n_targets] = ({n}, {n_targets}) "
            f"(received shape {np.shape(scale)})."
        )
    if not (np.isfinite(arr).all() and (arr > 0).all()):
        raise ForecasterError(
            "`scale` must be finite and > 0 for every window (e.g. a series' MASE scale)."
        )
    return arr[:, None, :]


def fit_conformal(
    residuals: object,
    levels: float | Iterable[float],
    *,
    scale: object | None = None,
    min_windows: int = MIN_WINDOWS,
) -> dict[str, Any]:
    """Calibrate split-conformal half-widths per horizon step from calibration residuals.

    Args:
        residuals: ``y - y_hat`` (absolute values are taken) on calibration
            windows the model was not fitted on, ``[n_windows, horizon, n_targets]``
            or ``[n_windows, horizon]``, raw units.
        levels: nominal coverage levels in (0, 1), e.g. ``[0.8, 0.95]``.
        scale: optional positive scale per window (``[n_windows]`` or
            ``[n_windows, n_targets]``); the scores become ``|residual| / scale``
            and :func:`apply_conformal` then needs the scale of each forecast.
        min_windows: below this many windows the steps are pooled.

    Returns:
        A JSON-safe dict: ``levels``, ``n_windows``, ``horizon``, ``n_targets``,
        ``scaled``, ``method`` (``{level: "per_step" | "pooled"}``), ``capped``
        (levels whose quantile needed more scores than there were) and
        ``quantiles`` (``{level: [horizon][n_targets] half-widths}``, in raw units,
        or in units of ``scale`` when scaled). Level keys are ``repr(level)``.

    Raises:
        ForecasterError: on bad levels, shapes, non-finite residuals or scales.
    """
    lv = check_levels(levels)
    scores = np.abs(_as_3d(residuals, "residuals"))
    if not np.isfinite(scores).all():
        raise ForecasterError(
            "`residuals` contain NaN or infinite values; calibrate on finite forecasts."
        )
    if (
        isinstance(min_windows, bool)
        or not isinstance(min_windows, int | np.integer)
        or min_windows < 1
    ):
        raise ForecasterError(f"`min_windows` must be an integer >= 1 (received {min_windows!r}).")
    n, horizon, n_targets = scores.shape
    if scale is not None:
        scores = scores / _window_scale(scale, n, n_targets)
    if n < 2:
        raise ForecasterError(
            "conformal intervals need at least 2 calibration windows (received 1); "
            "use a longer validation part or more rolling origins."
        )
    ordered = np.sort(scores, axis=0)  # [n, H, T]
    profile = scores.mean(axis=0)  # [H, T]: the step's mean score
    # Each window is normalised by the mean of the *other* windows, as a future
    # window is by a mean it took no part in (the window's own share would
    # shrink its large scores and under-cover).
    others = (scores.sum(axis=0)[None] - scores) / (n - 1)
    floor = 1e-12 * max(float(profile.max()), 1e-300)
    normalised = np.sort((scores / np.maximum(others, floor)).reshape(-1, n_targets), axis=0)
    quantiles, method, capped = {}, {}, []
    for level in lv:
        k = math.ceil((n + 1) * level)
        if n >= min_windows and k <= n:
            q = ordered[k - 1]
            method[_key(level)] = "per_step"
        else:
            total = n * horizon
            k = math.ceil((total + 1) * level)
            if k > total:
                capped.append(level)
                k = total
            q = normalised[k - 1][None, :] * profile
            method[_key(level)] = "pooled"
        quantiles[_key(level)] = q.tolist()
    if capped:
        warnings.warn(
            f"{n} calibration windows x {horizon} steps are too few for level(s) {capped}: "
            "their half-width is the largest residual and coverage is not guaranteed; "
            "use more calibration windows or lower levels.",
            stacklevel=2,
        )
    return {
        "kind": "split_conformal",
        "levels": list(lv),
        "n_windows": int(n),
        "horizon": int(horizon),
        "n_targets": int(n_targets),
        "scaled": scale is not None,
        "method": method,
        "capped": capped,
        "quantiles": quantiles,
    }


def apply_conformal(
    point: object,
    calibration: Mapping[str, Any],
    levels: float | Iterable[float] | None = None,
    *,
    scale: object | None = None,
) -> dict[float, dict[str, np.ndarray]]:
    """Intervals ``point -/+ half-width`` of each level from a :func:`fit_conformal` result.

    Args:
        point: point forecasts, ``[n_windows, horizon, n_targets]`` or
            ``[n_windows, horizon]``, raw units.
        calibration: the dict :func:`fit_conformal` returned (or read back from JSON).
        levels: the levels to build (default: every calibrated level).
        scale: each window's scale, as in :func:`fit_conformal`; required when
            the calibration was scaled and refused otherwise.

    Returns:
        ``{level: {"lower": array, "upper": array}}``, arrays shaped like ``point``
        after conversion to 3-D.

    Raises:
        ForecasterError: on an uncalibrated level, a shape that does not match
            the calibration, or a missing / unexpected ``scale``.
    """
    p = _as_3d(point, "point")
    n, horizon, n_targets = p.shape
    if (horizon, n_targets) != (calibration["horizon"], calibration["n_targets"]):
        raise ForecasterError(
            f"`point` has horizon {horizon} and {n_targets} target(s) but the calibration has "
            f"{calibration['horizon']} and {calibration['n_targets']}; calibrate on forecasts of the same shape."
        )
    if calibration["scaled"] and scale is None:
        raise ForecasterError(
            "this calibration was scaled per window; pass each forecast's `scale`."
        )
    if not calibration["scaled"] and scale is not None:
        raise ForecasterError("this calibration is in raw units; do not pass `scale`.")
    factor = 1.0 if scale is None else _window_scale(scale, n, n_targets)
    wanted = calibration["levels"] if levels is None else check_levels(levels)
    out = {}
    for level in wanted:
        key = _key(level)
        if key not in calibration["quantiles"]:
            raise ForecasterError(
                f"level {level} was not calibrated (calibrated: {calibration['levels']}); "
                "refit the intervals with that level."
            )
        half = np.asarray(calibration["quantiles"][key], dtype=np.float64)[None] * factor
        out[float(level)] = {"lower": p - half, "upper": p + half}
    return out


def local_scale(inputs: object, floor: object = 0.0) -> np.ndarray:
    """Each window's mean absolute one-step change, per target: the scale of locally scaled scores.

    Args:
        inputs: raw input windows ``[n_windows, width, n_targets]`` (or
            ``[n_windows, width]``), the rows each forecast starts from.
        floor: the smallest scale returned (a number or one per target), so a
            flat window never divides by zero; e.g. a small share of the
            training spread.

    Returns:
        ``[n_windows, n_targets]`` positive scales, raw units.

    Example:
        >>> local_scale(np.array([[1.0, 2.0, 4.0], [5.0, 5.0, 5.0]]), floor=0.1).ravel().tolist()
        [1.5, 0.1]
    """
    x = _as_3d(inputs, "inputs")
    if x.shape[1] < 2:
        raise ForecasterError(f"`inputs` need at least 2 rows per window (received {x.shape[1]}).")
    change = np.nanmean(np.abs(np.diff(x, axis=1)), axis=1)
    floor = np.broadcast_to(np.asarray(floor, dtype=np.float64), change.shape[1:])
    return np.maximum(np.nan_to_num(change, nan=0.0), np.maximum(floor, 1e-12))


def _triple(y: object, lower: object, upper: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    arrays = [np.asarray(a, dtype=np.float64) for a in (y, lower, upper)]
    if not arrays[0].shape == arrays[1].shape == arrays[2].shape or arrays[0].size == 0:
        raise ForecasterError(
            "`y_true`, `lower` and `upper` must have the same non-empty shape "
            f"(received {arrays[0].shape}, {arrays[1].shape}, {arrays[2].shape})."
        )
    return arrays[0], arrays[1], arrays[2]


def coverage(y_true: object, lower: object, upper: object) -> float:
    """Fraction of actual values inside ``[lower, upper]`` (bounds included).

    Example:
        >>> coverage([1.0, 2.0, 5.0, 3.0], [0.0, 0.0, 0.0, 3.0], [2.0, 2.0, 2.0, 4.0])
        0.75
    """
    y, lo, hi = _triple(y_true, lower, upper)
    return float(np.mean((y >= lo) & (y <= hi)))


def mean_width(lower: object, upper: object) -> float:
    """Mean of ``upper - lower``, raw units.

    Example:
        >>> mean_width([0.0, 1.0], [2.0, 5.0])
        3.0
    """
    lo, hi = np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)
    if lo.shape != hi.shape or lo.size == 0:
        raise ForecasterError(
            f"`lower` and `upper` must have the same non-empty shape (received {lo.shape}, {hi.shape})."
        )
    return float(np.mean(hi - lo))


def interval_metrics(
    y_true: object, intervals: Mapping[float, Mapping[str, np.ndarray]]
) -> dict[str, dict[str, float]]:
    """Empirical coverage and mean width of each level, JSON-safe for ``metrics.json``.

    Args:
        y_true: actual values, shaped like the interval bounds.
        intervals: ``{level: {"lower": ..., "upper": ...}}`` as :func:`apply_conformal` returns.

    Returns:
        ``{repr(level): {"level": level, "coverage": float, "mean_width": float}}``.

    Example:
        >>> interval_metrics([1.0, 3.0], {0.8: {"lower": [0.0, 0.0], "upper": [2.0, 2.0]}})
        {'0.8': {'level': 0.8, 'coverage': 0.5, 'mean_width': 2.0}}
    """
    out = {}
    for level, bounds in intervals.items():
        out[_key(level)] = {
            "level": float(level),
            "coverage": coverage(y_true, bounds["lower"], bounds["upper"]),
            "mean_width": mean_width(bounds["lower"], bounds["upper"]),
        }
    return out

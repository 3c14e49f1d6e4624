"""Exponential smoothing with a damped trend less the seasonal pattern, a short seasonal series' candidate.

Holt's linear method with a damped trend (Gardner & McKenzie, 1985; ETS(A,Ad,N)) smooths a
level and a slope and lets the slope fade with the horizon. With its three parameters fixed
(``alpha`` for the level, ``beta`` for the slope, ``phi`` the damping), every state is linear in
the rows, so the forecast is a fixed linear map of the window whose weights sum to one per
step, as Theta's (:mod:`forecaster.models.theta`): the model is the linear model's
``LinearForecast`` holding that kernel. A short series with a season compares it, less the
additive pattern of ``theta.seasonal_maps``, with its other candidates (``training.choice``):
that lowered the mean MASE of the 1,807 short series of M1, M3 and tourism from 1.765 to 1.760
(M3 quarterly 1.342 to 1.312). Without a season it won the few compared windows of trending
yearly series and lost their test rows (1.765 to 1.825): not a candidate there
(docs/benchmarks.md, "A damped trend among the short series' candidates").

* :func:`fit_damped`: the parameters of :data:`GRID` with the least squared one-step error.
* :func:`damped_weights`: the ``[rows, horizon]`` weights of the forecast from ``rows`` values.
* :func:`damped_forecasts`: the forecasts from each origin of a raw series (the comparison).
* :func:`damped_model`: the Keras model of a fixed window width.

Example:
    >>> import numpy as np
    >>> y = 10.0 + 2.0 * np.arange(8)  # a straight line; phi 1 (no damping) extends it
    >>> np.round(damped_weights(8, 2, 0.5, 0.1, 1.0).T @ y, 3).tolist()
    [26.0, 28.0]
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from forecaster.models.theta import (
    history_windows,
    less_seasonal_pattern,
    longest_first,
    with_seasonal_pattern,
)

__all__ = ["GRID", "damped_forecasts", "damped_model", "damped_weights", "fit_damped"]

GRID = tuple(
    (alpha, round(alpha * share, 4), phi)
    for alpha, share, phi in itertools.product(
        np.round(np.linspace(0.1, 1.0, 10), 2), (0.05, 0.1, 0.2, 0.4), (0.8, 0.9, 0.95, 0.98)
    )
)
"""``(alpha, beta, phi)`` triples :func:`fit_damped` chooses from: ``beta`` a share of ``alpha``
(the slope smooths no faster than the level, as ETS requires), ``phi`` below 1 (damped)."""


def _one_step_sse(values: np.ndarray, params: np.ndarray, lengths: np.ndarray | None = None) -> np.ndarray:
    """``[..., G]``: the squared one-step errors over ``values`` ``[..., n]`` summed, for each of ``params`` ``[G, 3]``
    (over the first ``lengths`` values of each row, broadcast to ``values.shape[:-1]``, when given)."""
    alpha, beta, phi = params[:, 0], params[:, 1], params[:, 2]
    rows = values.reshape(-1, values.shape[-1])
    order, active = longest_first(rows.shape, lengths, values.shape[:-1])
    rows = rows[order]
    level = np.repeat(rows[:, :1], len(params), axis=-1)
    slope = np.repeat(rows[:, 1:2] - rows[:, :1], len(params), axis=-1)
    sse = np.zeros_like(level)
    for j in range(1, rows.shape[-1]):
        m = active[j]  # the rows still going: a finished one keeps its state and sums, to the bit
        error = rows[:m, j : j + 1] - (level[:m] + phi * slope[:m])
        sse[:m] += error**2
        level[:m], slope[:m] = level[:m] + phi * slope[:m] + alpha * error, phi * slope[:m] + beta * error
    return sse[np.argsort(order)].reshape(*values.shape[:-1], len(params))


def fit_damped(values: np.ndarray, lengths: np.ndarray | None = None) -> Any:
    """The ``(alpha, beta, phi)`` of :data:`GRID` with the least squared one-step error over
    ``values`` ``[n]`` (a tuple), or over each row of ``values`` ``[..., n]`` (an array ``[..., 3]``);
    with ``lengths``, over each row's first ``lengths`` values (the rest is padding)."""
    values = np.asarray(values, np.float64)
    params = np.asarray(GRID)
    if values.shape[-1] < 2:  # one row: no slope to start, so every triple forecasts that row
        best = np.broadcast_to(params[0], (*values.shape[:-1], 3))
    else:  # a padded row of one value has no error either: every triple ties and the first wins, as above
        best = params[np.argmin(_one_step_sse(values, params, lengths), axis=-1)]
    return tuple(float(p) for p in best) if values.ndim == 1 else best


def damped_weights(n_rows: int, horizon: int, alpha: float, beta: float, phi: float, season: int = 1) -> np.ndarray:
    """``[n_rows, horizon]``: step ``h``'s forecast is ``weights[:, h] @ rows``; each column sums to 1.

    The level starts at the first row and the slope at the first change; each row's one-step
    error moves the level by ``alpha`` times it and the slope by ``beta`` times it (ETS's
    error-correction form), and step ``h`` (from 1) forecasts ``level + (phi + ... + phi**h) *
    slope``. With ``season > 1``: of the rows less their additive seasonal pattern, plus the
    pattern of the forecast steps (:func:`forecaster.models.theta.with_seasonal_pattern`).
    """
    eye = np.eye(n_rows)
    level = eye[0].copy()
    slope = eye[min(1, n_rows - 1)] - eye[0]
    for j in range(1, n_rows):
        error = eye[j] - (level + phi * slope)
        level = level + phi * slope + alpha * error
        slope = phi * slope + beta * error
    damping = np.cumsum(phi ** np.arange(1, horizon + 1))
    return with_seasonal_pattern(level[:, None] + slope[:, None] * damping[None, :], season)


def _fit_rows(rows: np.ndarray, season: int) -> list[tuple[float, float, float]]:
    """:func:`fit_damped` of each target column of ``rows`` ``[n, T]``, less its seasonal pattern with ``season > 1``."""
    return [tuple(p) for p in np.atleast_2d(fit_damped(less_seasonal_pattern(rows, season).T))]


def damped_forecasts(
    targets: np.ndarray, origins: np.ndarray, horizon: int, season: int = 1, longest: int | None = None
) -> np.ndarray:
    """``[n, horizon, T]``: the damped trend from every row before each origin of raw ``targets`` ``[rows, T]``
    (a window-baseline plan's window: at most ``longest`` rows), its parameters fit on those rows.

    Every origin's window is fit in one batch (a long series' plan: 128 windows of 1,000 rows in one grid
    search instead of 128; windows of other lengths padded, their recursions stopping at their own end),
    with the same arithmetic per window as one at a time.
    """
    targets, origins = np.asarray(targets, np.float64), np.asarray(origins, int)
    smoothed, lengths, future = history_windows(targets, origins, horizon, season, longest)
    params = fit_damped(np.moveaxis(smoothed, 1, 2), None if lengths is None else lengths[:, None])
    out = _damped_points(smoothed, horizon, params, lengths)
    return out if future is None else out + future


def _damped_points(values: np.ndarray, horizon: int, params: np.ndarray, lengths: np.ndarray | None = None) -> np.ndarray:
    """``[g, horizon, T]``: :func:`damped_weights` ``(L, horizon, *params[i, t]).T @ values[i, :L, t]`` for
    ``values`` ``[g, L, T]`` (row ``i`` padded after ``lengths[i]`` values) and ``params`` ``[g, T, 3]``, by the
    recursion (O(L), not an ``[L, L]`` map)."""
    order, active = longest_first(values.shape[:2], lengths, values.shape[:1])
    values, params = values[order], params[order]
    alpha, beta, phi = params[..., 0], params[..., 1], params[..., 2]
    level, slope = values[:, 0].copy(), values[:, min(1, values.shape[1] - 1)] - values[:, 0]
    if lengths is not None:  # one value: no slope, as alone (x - x)
        slope[np.asarray(lengths)[order] < 2] = 0.0
    for j in range(1, values.shape[1]):
        m = active[j]
        error = values[:m, j] - (level[:m] + phi[:m] * slope[:m])
        level[:m], slope[:m] = level[:m] + phi[:m] * slope[:m] + alpha[:m] * error, phi[:m] * slope[:m] + beta[:m] * error
    damping = np.cumsum(phi[:, None, :] ** np.arange(1, horizon + 1)[None, :, None], axis=1)
    return (level[:, None] + slope[:, None] * damping)[np.argsort(order)]


def damped_model(width: int, n_features: int, horizon: int, rows: np.ndarray, season: int = 1) -> Any:
    """A Keras model window ``[B, width, F]`` -> damped-trend forecast ``[B, horizon, T]``, its parameters
    fit per target on the raw ``rows`` ``[n, T]`` (the training part)."""
    from forecaster.models.linear import fixed_map_model

    weights = [damped_weights(width, horizon, *params, season=season) for params in _fit_rows(rows, season)]
    return fixed_map_model(width, n_features, horizon, weights, "damped" if season == 1 else f"seasonal_damped_{season}")

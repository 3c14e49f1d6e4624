"""The Theta method on a window, a short series' candidate: exponential smoothing plus half the trend.

The classical Theta method (Assimakopoulos & Nikolopoulos, 2000, the M3 competition's
winner; in the form of Hyndman & Billah, 2003) forecasts the simple exponential smoothing
level plus half the least-squares slope of the rows, grown with the horizon. With its
smoothing weight ``alpha`` fixed, the forecast is a fixed linear map of the rows, whose
weights sum to one for each step: so it is a :func:`~forecaster.models.linear.linear_model`
with a kernel from :func:`theta_weights` (no new layer: it predicts, saves, loads and
exports as the linear model does, and gives the same forecast on scaled rows as on raw
ones). A single series compares it with the window baselines (``training.choice``): over
its whole history when it is too short for the network, over the input window otherwise. On
the short and the longer series of M1, M3 and tourism it lowered the default's mean MASE
(docs/benchmarks.md, "A Theta candidate for short series" and "... for every single series").

* :func:`fit_alpha`: the weight with the least squared one-step error on given rows
  (:func:`fit_alphas`: per target column, less the seasonal pattern where there is one).
* :func:`theta_weights`: the ``[rows, horizon]`` weights of the forecast from ``rows`` values.
* :func:`seasonal_maps`: an additive seasonal pattern placed from the forecast origin, so a
  short seasonal series' Theta (``season``) stays a fixed map of a window without dates;
  :func:`with_seasonal_pattern` and :func:`less_seasonal_pattern` apply it to a method's weights
  and to the rows it is fit on (also the damped trend's, :mod:`forecaster.models.damped`).
* :func:`theta_forecasts`: the forecasts from each origin of a raw series (the comparison).
* :func:`theta_model`: the Keras model of a fixed window width.

Example:
    >>> import numpy as np
    >>> y = 10.0 + 2.0 * np.arange(12)
    >>> np.round(theta_weights(12, 3, 1.0).T @ y, 3).tolist()  # alpha 1: the last value plus the half slope
    [33.0, 34.0, 35.0]
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = [
    "ALPHAS", "fit_alpha", "fit_alphas", "history_windows", "less_seasonal_pattern", "same_length_groups", "seasonal_maps",
    "seasonal_pattern", "theta_forecasts",
    "theta_model",
    "theta_weights", "with_seasonal_pattern",
]

ALPHAS = tuple(np.round(np.linspace(0.05, 1.0, 20), 2))
"""The smoothing weights :func:`fit_alpha` chooses from (a grid: the error is cheap and the
choice robust; the level starts at the first row, as in the forecast package's ``thetaf``)."""


def fit_alpha(values: np.ndarray) -> Any:
    """The smoothing weight of :data:`ALPHAS` with the least squared one-step error over ``values``
    ``[n]`` (a float), or over each row of ``values`` ``[..., n]`` (an array of ``[...]``)."""
    values = np.asarray(values, np.float64)
    alphas = np.asarray(ALPHAS)
    level = np.repeat(values[..., :1], len(alphas), axis=-1)  # [..., A]: each weight's level
    sse = np.zeros_like(level)
    for j in range(1, values.shape[-1]):
        error = values[..., j : j + 1] - level
        sse += error**2
        level += alphas * error
    best = alphas[np.argmin(sse, axis=-1)]  # ties: the smallest weight
    return float(best) if values.ndim == 1 else best


def theta_weights(n_rows: int, horizon: int, alpha: float, season: int = 1) -> np.ndarray:
    """``[n_rows, horizon]``: step ``h``'s forecast is ``weights[:, h] @ rows``; each column sums to 1.

    The level weights of exponential smoothing started at the first row, plus the weights of the
    least-squares slope times ``(h + (1 - (1 - alpha) ** n_rows) / alpha) / 2`` (``h`` from 0).
    With ``season > 1``, Theta of the rows less their seasonal pattern, plus the pattern of the
    forecast steps (:func:`seasonal_maps`).
    """
    decay = (1.0 - alpha) ** np.arange(n_rows - 1, -1, -1, dtype=np.float64)  # (1 - a)^(n-1-j)
    level = alpha * decay
    level[0] = decay[0]  # the first row is the level the smoothing starts from
    t = np.arange(n_rows, dtype=np.float64) - (n_rows - 1) / 2
    slope = t / max(float(t @ t), 1e-12)  # zero for a single row
    growth = (np.arange(horizon) + (1.0 - (1.0 - alpha) ** n_rows) / alpha) / 2
    return with_seasonal_pattern(level[:, None] + slope[:, None] * growth[None, :], season)


def seasonal_maps(n_rows: int, horizon: int, season: int) -> tuple[np.ndarray, np.ndarray]:
    """``(adjust [n_rows, n_rows], future [horizon, n_rows])``: the rows less their additive seasonal
    pattern are ``adjust @ rows``, the pattern of the forecast steps ``future @ rows``.

    The pattern is the mean, per place in the season, of the rows' deviations from their
    least-squares line, centred on zero. The place counts back from the forecast origin (the
    last row is one step before it), so any window of ``n_rows`` rows lines up without dates,
    and every map is linear in the rows (a fixed kernel of the model).
    """
    t = np.arange(n_rows, dtype=np.float64)
    design = np.stack([np.ones(n_rows), t], axis=1)
    detrend = np.eye(n_rows) - design @ np.linalg.pinv(design)  # the deviations from the line
    place = (t.astype(int) - n_rows) % season
    onehot = (place[:, None] == np.arange(season)[None, :]).astype(np.float64)  # [n_rows, season]
    means = (onehot / np.maximum(onehot.sum(axis=0), 1)).T @ detrend  # [season, n_rows]
    pattern = means - means.mean(axis=0, keepdims=True)
    return np.eye(n_rows) - onehot @ pattern, pattern[np.arange(horizon) % season]


def with_seasonal_pattern(weights: np.ndarray, season: int) -> np.ndarray:
    """The ``[n_rows, horizon]`` weights of a linear method applied to the rows less their seasonal
    pattern, plus the pattern of the forecast steps (:func:`seasonal_maps`); ``weights`` for ``season`` 1."""
    if season <= 1:
        return weights
    adjust, future = seasonal_maps(weights.shape[0], weights.shape[1], season)
    return adjust.T @ weights + future.T


def seasonal_pattern(rows: np.ndarray, season: int) -> np.ndarray:
    """``[season, T]``: the additive pattern of :func:`seasonal_maps` of ``rows`` ``[n, T]`` by place,
    computed from the rows in O(n) (the forecast steps' places are ``arange(horizon) % season``)."""
    rows = np.asarray(rows, np.float64)
    n = len(rows)
    t = np.arange(n, dtype=np.float64)
    design = np.stack([np.ones(n), t], axis=1)
    deviations = rows - design @ np.linalg.lstsq(design, rows, rcond=None)[0]  # the pinv's least-squares line
    place = (np.arange(n) - n) % season
    sums = np.zeros((season, rows.shape[1]))
    np.add.at(sums, place, deviations)
    means = sums / np.maximum(np.bincount(place, minlength=season), 1)[:, None]
    return means - means.mean(axis=0, keepdims=True)


def less_seasonal_pattern(rows: np.ndarray, season: int) -> np.ndarray:
    """``rows`` ``[n, T]`` less their additive seasonal pattern (the rows a seasonal method smooths); as
    float64, unchanged for ``season`` 1 (``seasonal_maps(n, 1, season)[0] @ rows``, in O(n))."""
    rows = np.asarray(rows, np.float64)
    if season <= 1:
        return rows
    return rows - seasonal_pattern(rows, season)[(np.arange(len(rows)) - len(rows)) % season]


def fit_alphas(rows: np.ndarray, season: int = 1) -> np.ndarray:
    """``[T]``: :func:`fit_alpha` of each target column of ``rows`` ``[n, T]``, less its seasonal pattern
    with ``season > 1`` (the rows Theta smooths)."""
    return np.atleast_1d(fit_alpha(less_seasonal_pattern(rows, season).T))


def theta_forecasts(
    targets: np.ndarray, origins: np.ndarray, horizon: int, width: int | None = None, season: int = 1,
    longest: int | None = None,
) -> np.ndarray:
    """``[n, horizon, T]``: Theta from the ``width`` rows before each origin of raw ``targets`` ``[rows, T]``
    (``None``: every row before it, at most ``longest``: a window-baseline plan's), its weight fit on those rows."""
    targets, origins = np.asarray(targets, np.float64), np.asarray(origins, int)
    out = np.empty((len(origins), horizon, targets.shape[1]))
    if width is None:  # one length per origin; Theta of the rows less their pattern, plus the steps' pattern
        for ks, smoothed, future in history_windows(targets, origins, horizon, season, longest):
            alphas = fit_alpha(np.moveaxis(smoothed, 1, 2))  # [g, T]: the weights of equal windows fit together
            weights = {a: theta_weights(smoothed.shape[1], horizon, a) for a in np.unique(alphas)}
            for i, k in enumerate(ks):
                for t, alpha in enumerate(alphas[i]):
                    out[k, :, t] = smoothed[i, :, t] @ weights[alpha]
            if future is not None:
                out[ks] += future
        return out
    rows = targets[origins[:, None] - width + np.arange(width)[None, :]]  # [n, width, T]
    smoothed = rows if season == 1 else np.einsum("ij,njt->nit", seasonal_maps(width, 1, season)[0], rows)
    alphas = fit_alpha(np.moveaxis(smoothed, 1, 2))  # [n, T]
    for alpha in np.unique(alphas):  # at most len(ALPHAS) weight matrices
        k, t = np.nonzero(alphas == alpha)
        out[k, :, t] = rows[k, :, t] @ theta_weights(width, horizon, alpha, season)
    return out


def same_length_groups(lengths: np.ndarray) -> list[np.ndarray]:
    """The indices of ``lengths`` grouped by value (windows of one length are fit in one batch).

    Example:
        >>> [g.tolist() for g in same_length_groups(np.array([5, 7, 5, 7, 7]))]
        [[0, 2], [1, 3, 4]]
    """
    lengths = np.asarray(lengths)
    return [np.nonzero(lengths == n)[0] for n in np.unique(lengths)]


def history_windows(
    targets: np.ndarray, origins: np.ndarray, horizon: int, season: int, longest: int | None
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
    """For each length of the windows of every row before ``origins`` of ``targets`` ``[rows, T]`` (at most
    ``longest``): ``(ks, smoothed, future)``, the origins' indices, their rows less their seasonal pattern
    ``[g, L, T]`` and the pattern of the ``horizon`` steps ``[g, horizon, T]`` (``None`` for ``season`` 1).

    Theta and the damped trend fit each group in one batch (:func:`same_length_groups`), with the
    same arithmetic per window as one at a time.
    """
    starts = np.zeros_like(origins) if longest is None else np.maximum(origins - longest, 0)
    for ks in same_length_groups(origins - starts):
        rows = [targets[starts[k] : origins[k]] for k in ks]
        smoothed = np.stack([less_seasonal_pattern(r, season) for r in rows])
        future = np.stack([seasonal_pattern(r, season)[np.arange(horizon) % season] for r in rows]) if season > 1 else None
        yield ks, smoothed, future


def theta_model(width: int, n_features: int, horizon: int, alphas: np.ndarray | list[float], season: int = 1) -> Any:
    """A Keras model window ``[B, width, F]`` -> Theta forecast ``[B, horizon, T]``, one weight per target.

    :class:`~forecaster.models.layers.LinearForecast` maps the rows relative to the last one; the
    weights of each step sum to 1, so their map equals Theta's on the rows themselves.
    """
    from forecaster.models.linear import fixed_map_model

    weights = [theta_weights(width, horizon, float(alpha), season) for alpha in alphas]
    return fixed_map_model(width, n_features, horizon, weights, "theta" if season == 1 else f"seasonal_theta_{season}")

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

from typing import Any

import numpy as np

__all__ = [
    "ALPHAS", "fit_alpha", "fit_alphas", "history_windows", "less_seasonal_pattern", "longest_first", "seasonal_maps",
    "seasonal_pattern", "theta_forecasts",
    "theta_model",
    "theta_weights", "with_seasonal_pattern",
]

ALPHAS = tuple(np.round(np.linspace(0.05, 1.0, 20), 2))
"""The smoothing weights :func:`fit_alpha` chooses from (a grid: the error is cheap and the
choice robust; the level starts at the first row, as in the forecast package's ``thetaf``)."""


def fit_alpha(values: np.ndarray, lengths: np.ndarray | None = None) -> Any:
    """The smoothing weight of :data:`ALPHAS` with the least squared one-step error over ``values``
    ``[n]`` (a float), or over each row of ``values`` ``[..., n]`` (an array of ``[...]``).

    ``lengths`` (broadcast to ``values.shape[:-1]``): only each row's first values count, the rest
    is padding (windows of several lengths in one batch), with the same arithmetic per row as alone.
    """
    values = np.asarray(values, np.float64)
    alphas = np.asarray(ALPHAS)
    rows = values.reshape(-1, values.shape[-1])
    order, active = longest_first(rows.shape, lengths, values.shape[:-1])
    rows = rows[order]
    level = np.repeat(rows[:, :1], len(alphas), axis=-1)  # [R, A]: each weight's level
    sse = np.zeros_like(level)
    for j in range(1, rows.shape[-1]):
        m = active[j]  # the rows still going: a finished one keeps its sums, to the bit
        error = rows[:m, j : j + 1] - level[:m]
        sse[:m] += error**2
        level[:m] += alphas * error
    best = alphas[np.argmin(sse[np.argsort(order)], axis=-1)].reshape(values.shape[:-1])  # ties: the smallest weight
    return float(best) if values.ndim == 1 else best


def longest_first(shape: tuple[int, int], lengths: np.ndarray | None, leading: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """``(order, active)`` for a recursion over ``[R, n]`` rows of which only the first ``lengths`` (broadcast to
    ``leading``, whose size is ``R``; ``None``: all ``n``) count: the rows longest first, and for each step ``j`` how
    many of them are still going, so step ``j`` updates a prefix of the ordered rows and skips the padding."""
    n_rows, size = shape
    if lengths is None:
        return np.arange(n_rows), np.full(size, n_rows)
    counts = np.broadcast_to(np.asarray(lengths), leading).reshape(-1)
    order = np.argsort(-counts, kind="stable")
    return order, np.searchsorted(-counts[order], -np.arange(size), side="left")  # rows longer than j


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


def less_seasonal_pattern(rows: np.ndarray, season: int, pattern: np.ndarray | None = None) -> np.ndarray:
    """``rows`` ``[n, T]`` less their additive seasonal pattern (the rows a seasonal method smooths); as
    float64, unchanged for ``season`` 1 (``seasonal_maps(n, 1, season)[0] @ rows``, in O(n)).
    ``pattern``: :func:`seasonal_pattern` of ``rows``, where the caller has it already."""
    rows = np.asarray(rows, np.float64)
    if season <= 1:
        return rows
    pattern = seasonal_pattern(rows, season) if pattern is None else pattern
    return rows - pattern[(np.arange(len(rows)) - len(rows)) % season]


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
        smoothed, lengths, future = history_windows(targets, origins, horizon, season, longest)
        alphas = fit_alpha(np.moveaxis(smoothed, 1, 2), None if lengths is None else lengths[:, None])  # [n, T]
        sizes = np.full(len(origins), smoothed.shape[1]) if lengths is None else lengths
        weights: dict[tuple[int, float], np.ndarray] = {}
        for k, (size, row_alphas) in enumerate(zip(sizes, alphas, strict=True)):
            for t, alpha in enumerate(row_alphas):
                if (size, alpha) not in weights:
                    weights[size, alpha] = theta_weights(int(size), horizon, alpha)
                out[k, :, t] = smoothed[k, :size, t] @ weights[size, alpha]
        if future is not None:
            out += future
        return out
    rows = targets[origins[:, None] - width + np.arange(width)[None, :]]  # [n, width, T]
    smoothed = rows if season == 1 else np.einsum("ij,njt->nit", seasonal_maps(width, 1, season)[0], rows)
    alphas = fit_alpha(np.moveaxis(smoothed, 1, 2))  # [n, T]
    for alpha in np.unique(alphas):  # at most len(ALPHAS) weight matrices
        k, t = np.nonzero(alphas == alpha)
        out[k, :, t] = rows[k, :, t] @ theta_weights(width, horizon, alpha, season)
    return out


def history_windows(
    targets: np.ndarray, origins: np.ndarray, horizon: int, season: int, longest: int | None
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """The windows of every row before ``origins`` of ``targets`` ``[rows, T]`` (at most ``longest``), as one batch:
    ``(smoothed, lengths, future)``, their rows less their seasonal pattern ``[n, L, T]`` (left-aligned, zero
    after a shorter window's ``lengths[i]`` rows; ``lengths`` is ``None`` when all have ``L``), and the pattern
    of the ``horizon`` steps ``[n, horizon, T]`` (``None`` for ``season`` 1).

    Theta and the damped trend fit the batch at once (their recursions skip the padding), with the
    same arithmetic per window as one at a time: a plan's windows of a 1,000-row weekly series, each
    of its own length, cost one recursion over 1,000 rows instead of one each.
    """
    starts = np.zeros_like(origins) if longest is None else np.maximum(origins - longest, 0)
    lengths = origins - starts
    size = int(lengths.max())
    smoothed = np.zeros((len(origins), size, targets.shape[1]))
    future = np.zeros((len(origins), horizon, targets.shape[1])) if season > 1 else None
    for i, (start, stop) in enumerate(zip(starts, origins, strict=True)):
        rows = targets[start:stop]
        if future is None:
            smoothed[i, : len(rows)] = rows
            continue
        pattern = seasonal_pattern(rows, season)  # once, for the rows less it and the steps' pattern
        smoothed[i, : len(rows)] = less_seasonal_pattern(rows, season, pattern)
        future[i] = pattern[np.arange(horizon) % season]
    return smoothed, None if (lengths == size).all() else lengths, future


def theta_model(width: int, n_features: int, horizon: int, alphas: np.ndarray | list[float], season: int = 1) -> Any:
    """A Keras model window ``[B, width, F]`` -> Theta forecast ``[B, horizon, T]``, one weight per target.

    :class:`~forecaster.models.layers.LinearForecast` maps the rows relative to the last one; the
    weights of each step sum to 1, so their map equals Theta's on the rows themselves.
    """
    from forecaster.models.linear import fixed_map_model

    weights = [theta_weights(width, horizon, float(alpha), season) for alpha in alphas]
    return fixed_map_model(width, n_features, horizon, weights, "theta" if season == 1 else f"seasonal_theta_{season}")

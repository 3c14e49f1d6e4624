"""Sampled future paths of a probabilistic ``Forecaster`` (``Forecaster.sample`` delegates here).

From a fitted ``Forecaster`` with a ``"gaussian"`` or ``"quantile"`` head whose
inputs are its targets (and calendar columns) only, :func:`sample_paths` draws
``n_paths`` futures of ``steps`` rows autoregressively. Each step runs the model
once on the batch of ``n_paths`` windows ``[n_paths, input_width_, n_columns]``
(scaled), takes the head's output for the first horizon step, draws one value
per path and target, and appends it to that path's window beside the calendar of
the drawn row's next date. Gaussian heads draw from ``N(mean, std)``;
quantile heads draw by inverse-CDF sampling of the piecewise-linear
distribution through the predicted quantiles (the first and last segments are
extended linearly to levels 0 and 1). Draws use a ``numpy.random.Generator``
seeded with ``seed``: the same seed gives the same paths. :func:`plot_paths`
draws them as a fan chart.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecaster.errors import ForecasterError
from forecaster.tasks import check_number

SAMPLING_HEADS = ("gaussian", "quantile")

__all__ = ["SAMPLING_HEADS", "plot_paths", "sample_paths"]


def sample_paths(
    forecaster: Any,
    n_paths: int,
    steps: int,
    *,
    context: Any = None,
    seed: int | None = None,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Draw future paths from a probabilistic ``Forecaster``, feeding each draw back.

    Args:
        forecaster: a fitted ``Forecaster`` with ``head="gaussian"`` or
            ``"quantile"`` and no input columns besides its targets and calendar
            (whose future values follow the context's dates).
        n_paths: number of paths (>= 1); they run as one batch.
        steps: rows to generate per path (>= 1).
        context: the history the paths continue: ``None`` (the end of the fit
            data; for a panel, its last series), a CSV path / DataFrame with the
            target (and date / id) columns of the fit data, or raw values
            ``[n_rows, n_targets]`` / ``[n_rows]``. At least ``input_width_`` rows.
        seed: seed of the draws (``None``: fresh randomness).

    Returns:
        ``(paths, frame)``: ``paths`` float32 ``[n_paths, steps, n_targets]`` in raw
        units, and a long DataFrame with columns ``path`` (0-based), the future
        dates (named like the date column, from the context's last date and
        ``freq_``) or ``step`` (1-based) when there are no dates, then one column
        per target. A panel model puts its id column first.

    Raises:
        ForecasterError: if the forecaster is unfitted, has a point head or input
            features other than its targets, or the context is too short.

    Writes nothing to ``forecaster``.
    """
    check_number("n_paths", n_paths, integer=True, low=1)
    check_number("steps", steps, integer=True, low=1)
    if seed is not None:
        check_number("seed", seed, integer=True, low=0)
    if not hasattr(forecaster, "model_"):
        raise ForecasterError("this Forecaster is not fitted yet; call fit(data) before sample.")
    head = forecaster.head
    if head not in SAMPLING_HEADS:
        raise ForecasterError(
            f"sampling paths needs a probabilistic head, but the model has head={head!r}; "
            "refit with head='gaussian' or head='quantile'."
        )
    from forecaster.data.calendar import CALENDAR_COLUMNS

    targets = tuple(forecaster.targets_)
    calendar = tuple(c for c in forecaster.columns_ if c in CALENDAR_COLUMNS)
    extra = [c for c in forecaster.columns_ if c not in targets and c not in calendar]
    if extra:
        raise ForecasterError(
            f"sampling feeds each draw back as the next input, but the model also reads {extra}, "
            "which it cannot forecast; refit without features."
        )
    levels = np.asarray(forecaster.quantiles, np.float64) if head == "quantile" else None
    if levels is not None and len(levels) < 2:
        raise ForecasterError(
            f"sampling from a quantile head needs at least two quantiles (received quantiles={tuple(levels)})."
        )
    width = int(forecaster.input_width_)
    history, dates, series_id, scaler = _context(forecaster, context)
    if len(history) < width:
        raise ForecasterError(
            f"the context has {len(history)} rows; input_width = {width} are needed to start sampling."
        )
    n_targets = len(targets)
    window, future_rows = history[-width:], np.zeros((int(steps), 0))
    if calendar:  # future-known: each row carries its next timestamp's calendar, drawn rows included
        window, future_rows = _with_calendar_rows(forecaster, window, dates, int(steps), calendar)
    scaler = _at_window(forecaster, scaler, dates, width)
    window, future_rows = scaler.transform(window), (future_rows - scaler.center[n_targets:]) / scaler.scale[n_targets:]
    scaled = _run_paths(forecaster.model_, window, future_rows, int(n_paths), head, levels, seed)
    paths = scaler.inverse_transform(scaled, columns=slice(0, n_targets))
    factors = scaler.seasonal_factors(np.array([width]), int(steps))  # a seasonally adjusted series: [1, steps, T]
    if factors is not None:
        paths = (paths * factors).astype(np.float32)
    frame = _paths_frame(forecaster, paths, dates, series_id, targets)
    return paths, frame


def _with_calendar_rows(
    forecaster: Any, window: np.ndarray, dates: Any, steps: int, calendar: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Raw ``window`` with its calendar columns, and the calendar rows ``[steps, n_calendar]`` of the drawn rows."""
    from forecaster.data.calendar import calendar_values, following_dates

    if dates is None:
        raise ForecasterError(
            "this model reads calendar inputs; pass `context` as a DataFrame or CSV with its date column."
        )
    width = len(window)
    following = following_dates(  # the window rows' next timestamps, then the drawn rows'
        pd.DatetimeIndex(dates), steps + 1, getattr(forecaster, "freq_", None), getattr(forecaster, "holidays_", None)
    )[len(dates) - width :]
    values = calendar_values(following, calendar)
    return np.concatenate([window, values[:width]], axis=1), values[width:]


def _run_paths(
    model: Any,
    window: np.ndarray,
    future_rows: np.ndarray,
    n_paths: int,
    head: str,
    levels: np.ndarray | None,
    seed: int | None,
) -> np.ndarray:
    """Autoregressive loop in scaled space; returns ``float32[n_paths, steps, n_targets]``.

    ``window`` is ``[width, n_columns]`` (targets first); ``future_rows`` ``[steps, n_columns - n_targets]``
    are the known inputs appended beside each step's draw (the calendar; no columns without one).
    """
    import tensorflow as tf

    width, n_columns = window.shape
    steps = len(future_rows)
    n_targets = n_columns - future_rows.shape[1]
    spec = tf.TensorSpec([None, width, n_columns], tf.float32)
    step_fn = tf.function(lambda x: model(x, training=False)[:, 0], input_signature=[spec])
    rng = np.random.default_rng(seed)
    windows = np.repeat(window[None].astype(np.float32), n_paths, axis=0)
    out = np.empty((n_paths, steps, n_targets), np.float32)
    for step in range(steps):
        head_out = step_fn(tf.constant(windows)).numpy().astype(np.float64)  # [P, T, 2] or [P, T, Q]
        if head == "gaussian":
            draw = head_out[..., 0] + head_out[..., 1] * rng.standard_normal(head_out.shape[:-1])
        else:
            draw = _inverse_cdf(np.sort(head_out, axis=-1), levels, rng.random(head_out.shape[:-1]))
        out[:, step] = draw
        known = np.broadcast_to(future_rows[step], (n_paths, future_rows.shape[1]))
        row = np.concatenate([draw, known], axis=1)[:, None, :].astype(np.float32)
        windows = np.concatenate([windows[:, 1:], row], axis=1)
    return out


def _inverse_cdf(values: np.ndarray, levels: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Values at probability ``u`` ``[...]`` of piecewise-linear CDFs through ``values`` ``[..., Q]``.

    The first and last segments are extended linearly to levels 0 and 1.

    Example:
        >>> _inverse_cdf(np.array([[0.0, 1.0, 2.0]]), np.array([0.25, 0.5, 0.75]), np.array([0.5, 0.0, 1.0])).tolist()
        [1.0, -1.0, 3.0]
    """
    values = np.broadcast_to(values, (*u.shape, values.shape[-1])) if values.ndim == u.ndim + 1 else values
    low_slope = (values[..., 1] - values[..., 0]) / (levels[1] - levels[0])
    high_slope = (values[..., -1] - values[..., -2]) / (levels[-1] - levels[-2])
    extended = np.concatenate(
        [
            (values[..., 0] - levels[0] * low_slope)[..., None],
            values,
            (values[..., -1] + (1.0 - levels[-1]) * high_slope)[..., None],
        ],
        axis=-1,
    )
    grid = np.concatenate([[0.0], levels, [1.0]])
    upper = np.clip(np.searchsorted(grid, u, side="right"), 1, len(grid) - 1)
    lower = upper - 1
    weight = (u - grid[lower]) / (grid[upper] - grid[lower])
    left = np.take_along_axis(extended, lower[..., None], axis=-1)[..., 0]
    right = np.take_along_axis(extended, upper[..., None], axis=-1)[..., 0]
    return left + weight * (right - left)


def _at_window(forecaster: Any, scaler: Any, dates: Any, width: int) -> Any:
    """The scaler bound to the seasonal phase of the window's first row (a seasonally adjusted panel)."""
    if getattr(scaler, "seasonal", None) is None:
        return scaler
    if dates is None:
        raise ForecasterError(
            "this model forecasts seasonally adjusted series; pass `context` as a DataFrame or CSV with its date column."
        )
    from forecaster.data.seasonal_adjustment import phases

    return scaler.at_phase(int(phases(pd.DatetimeIndex(dates)[-width:][:1], forecaster.freq_, scaler.seasonal.period)[0]))


def _context(forecaster: Any, context: Any) -> tuple[np.ndarray, pd.DatetimeIndex | None, Any, Any]:
    """Raw history ``[n_rows, n_targets]``, its dates, its series id and the scaler to use."""
    n_targets = len(forecaster.targets_)
    if context is None:
        series = getattr(forecaster, "data_", None)
        if series is None:
            series = getattr(forecaster, "tail_", None)
        if series is None:
            raise ForecasterError("this Forecaster keeps no fit data; pass `context` with the recent history.")
        return _from_series(forecaster, series)
    if isinstance(context, str | os.PathLike | pd.DataFrame):
        from forecaster.data.io import load_series

        series = load_series(
            context,
            target=list(forecaster.targets_),
            date_col=getattr(forecaster, "date_col_", None),
            id_col=getattr(forecaster, "id_col_", None),
        )
        if len(series.segments()) > 1:
            raise ForecasterError(
                "`context` holds several series; pass the rows of the one series to continue."
            )
        return _from_series(forecaster, series)
    try:
        values = np.asarray(context, np.float64)
    except (TypeError, ValueError):
        raise ForecasterError(
            f"`context` must be a DataFrame, a CSV path or an array of numbers (received {type(context).__name__})."
        ) from None
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2 or values.shape[1] != n_targets:
        raise ForecasterError(
            f"`context` must have shape [n_rows, {n_targets}] (one column per target; received {values.shape})."
        )
    if not np.isfinite(values).all():
        raise ForecasterError("`context` has NaN or infinite values; fill or drop them first.")
    return values, None, None, _scaler_for(forecaster, None)


def _from_series(forecaster: Any, series: Any) -> tuple[np.ndarray, Any, Any, Any]:
    series_id, start, stop = series.segments()[-1]
    values = np.asarray(series.values[start:stop, : len(forecaster.targets_)], np.float64)
    dates = None if series.dates is None else series.dates[start:stop]
    return values, dates, series_id, _scaler_for(forecaster, series_id)


def _scaler_for(forecaster: Any, series_id: Any) -> Any:
    """The fitted scaler of ``series_id`` (one scaler for single-series models)."""
    scalers = getattr(forecaster, "scalers_", None)
    if scalers is None:
        return forecaster.scaler_
    if len(scalers) == 1:
        return scalers[0]
    ids = list(getattr(forecaster, "series_ids_", []))
    if series_id is None:
        raise ForecasterError(
            "this model was fitted on several series; pass `context` as a DataFrame with its id column."
        )
    for sid, scaler in zip(ids, scalers, strict=False):
        if str(sid) == str(series_id):
            return scaler
    raise ForecasterError(f"series {series_id!r} was not seen at fit; its scaling is unknown.")


def _future_dates(forecaster: Any, dates: Any, steps: int) -> pd.DatetimeIndex | None:
    """``steps`` timestamps after the context's last date, on ``freq_`` (the median step without it)."""
    from forecaster.data.calendar import future_dates

    freq = getattr(forecaster, "freq_", None)
    if dates is None or not len(dates) or (freq is None and len(dates) < 2):
        return None
    return future_dates(pd.DatetimeIndex(dates), steps, freq, getattr(forecaster, "holidays_", None))


def _paths_frame(
    forecaster: Any, paths: np.ndarray, dates: Any, series_id: Any, targets: Sequence[str]
) -> pd.DataFrame:
    n_paths, steps, _ = paths.shape
    future = _future_dates(forecaster, dates, steps)
    columns: dict[str, Any] = {}
    id_col = getattr(forecaster, "id_col_", None)
    if id_col is not None and series_id is not None:
        columns[id_col] = np.repeat(np.asarray([series_id], dtype=object), n_paths * steps)
    columns["path"] = np.repeat(np.arange(n_paths), steps)
    if future is None:
        columns["step"] = np.tile(np.arange(1, steps + 1), n_paths)
    else:
        columns[getattr(forecaster, "date_col_", None) or "date"] = np.tile(future.values, n_paths)
    for j, name in enumerate(targets):
        columns[name] = paths[:, :, j].reshape(-1)
    return pd.DataFrame(columns)


def plot_paths(
    forecaster: Any,
    paths: np.ndarray,
    *,
    context: Any = None,
    target: str | None = None,
    n_context: int | None = None,
    quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95),
    title: str | None = None,
) -> Any:
    """Fan chart of paths from :func:`sample_paths`, after the history they continue.

    Args:
        forecaster: the fitted ``Forecaster`` the paths came from.
        paths: ``[n_paths, steps, n_targets]`` raw paths.
        context: the same ``context`` given to :func:`sample_paths`.
        target: which target to draw (default: the first).
        n_context: history rows shown (default ``max(3 * steps, input_width_)``).
        quantiles: band levels of the fan.
        title: figure title.

    Returns:
        A matplotlib ``Figure``.

    Raises:
        ForecasterError: for an unknown target or a bad ``paths`` shape.
    """
    from forecaster.evaluation.plots import plot_fan

    targets = list(forecaster.targets_)
    name = targets[0] if target is None else target
    if name not in targets:
        raise ForecasterError(f"`target` must be one of {targets} (received target={target!r}).")
    paths = np.asarray(paths)
    if paths.ndim != 3 or paths.shape[2] != len(targets):
        raise ForecasterError(
            f"`paths` must have shape [n_paths, steps, {len(targets)}] (received {paths.shape})."
        )
    history, dates, _, _ = _context(forecaster, context)
    steps = paths.shape[1]
    shown = n_context or max(3 * steps, int(forecaster.input_width_))
    j = targets.index(name)
    future = _future_dates(forecaster, dates, steps)
    return plot_fan(
        None if dates is None else dates[-shown:],
        history[-shown:, j],
        future,
        paths[:, :, j],
        quantiles=quantiles,
        title=title,
        target=name,
    )

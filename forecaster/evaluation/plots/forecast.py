"""Forecast figures: a forecast against the actual values, a fan of sample paths, the future."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from forecaster.errors import ForecasterError
from forecaster.evaluation.plots.base import (
    _figure,
    _series_name,
    _set_title,
    _style_x,
    _title,
    _vector,
    _x_pair,
)


def plot_forecast(
    context_dates: object,
    context_values: object,
    dates: object,
    actual: object,
    forecast: object,
    *,
    interval_label: str = "interval",
    lower: object = None,
    upper: object = None,
    baseline: object = None,
    title: str | None = None,
    target: str = "value",
    metric_text: str | None = None,
    label: str | None = None,
) -> Figure:
    """Forecast against actual values over the test region, after the input context.

    Args:
        context_dates: dates of the history shown before the forecast, or ``None``.
        context_values: the history, ``[n_context]`` (may be ``None`` or empty).
        dates: dates of the forecast rows, or ``None`` (then both axes use row
            positions, the forecast continuing after the context).
        actual: actual values ``[horizon]``, or ``None`` for a future forecast.
        forecast: forecast values ``[horizon]``.
        lower: lower bound of a prediction interval ``[horizon]`` (with ``upper``).
        upper: upper bound of a prediction interval ``[horizon]``.
        interval_label: the interval's legend entry, e.g. ``"80% conformal interval"``.
        baseline: a baseline forecast ``[horizon]``, or ``{name: [horizon]}``.
        title: figure title; default ``"<target>: forecast vs actual"``.
        target: name of the series, used in the title and the y label.
        metric_text: e.g. ``"MAE 1.23, naive 1.50"``, appended in parentheses to
            the title (the default one or ``title``).
        label: name of the series for the title and y label, instead of ``target``.

    Returns:
        The Figure (one axes).

    Raises:
        ForecasterError: on arrays of the wrong length or an interval with one bound.
    """
    target = _series_name(label, target)
    fc = _vector(forecast, "forecast")
    n = fc.shape[0]
    ctx = np.zeros(0) if context_values is None else _vector(context_values, "context_values")
    cx, x, is_date = _x_pair(context_dates, ctx.shape[0], dates, n)
    if (lower is None) != (upper is None):
        raise ForecasterError("pass both `lower` and `upper` for an interval, or neither.")

    fig = _figure()
    ax = fig.add_subplot()
    if ctx.size:
        ax.plot(cx, ctx, color="0.35", linewidth=1.2, label="history")
        ax.axvline(cx[-1], color="0.6", linestyle=":", linewidth=1.0)
    if actual is not None:
        ax.plot(
            x,
            _vector(actual, "actual", n),
            color="black",
            linewidth=1.5,
            marker=".",
            label="actual",
        )
    if lower is not None:
        lo, hi = _vector(lower, "lower", n), _vector(upper, "upper", n)
        ax.fill_between(x, lo, hi, color="C0", alpha=0.2, linewidth=0, label=interval_label)
    ax.plot(x, fc, color="C0", linewidth=2.0, marker="o", markersize=3, label="forecast")
    if baseline is not None:
        named = baseline if isinstance(baseline, Mapping) else {"baseline": baseline}
        for i, (name, values) in enumerate(named.items()):
            ax.plot(
                x,
                _vector(values, f"baseline[{name!r}]", n),
                color=f"C{i + 1}",
                linestyle="--",
                linewidth=1.2,
                label=str(name),
            )
    default = f"{target}: forecast vs actual" if actual is not None else f"{target}: forecast"
    _set_title(ax, _title(title or default, metric_text))
    ax.set_ylabel(target)
    _style_x(ax, is_date)
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    return fig


def plot_fan(
    context_dates: object,
    context_values: object,
    dates: object,
    paths: object,
    *,
    quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95),
    title: str | None = None,
    target: str = "value",
    label: str | None = None,
) -> Figure:
    """Fan chart of sampled future paths: nested quantile bands and the median.

    Quantiles are paired from the outside in (``0.05``-``0.95``, ``0.25``-``0.75``);
    an unpaired middle quantile is drawn as a line.

    Args:
        context_dates: dates of the history before the paths, or ``None``.
        context_values: the history ``[n_context]`` (may be ``None``).
        dates: dates of the sampled steps, or ``None`` for row positions.
        paths: sampled futures ``[n_paths, steps]``.
        quantiles: levels in (0, 1).
        title: figure title; default ``"<target>: N sampled paths"``.
        target: name of the series, used in the title and the y label.
        label: name of the series for the title and y label, instead of ``target``.

    Returns:
        The Figure (one axes).

    Raises:
        ForecasterError: on a bad ``paths`` shape or quantile level.
    """
    target = _series_name(label, target)
    arr = np.asarray(paths, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[None]
    if arr.ndim != 2 or arr.size == 0:
        raise ForecasterError(
            f"`paths` must have shape [n_paths, steps] (received shape {arr.shape})."
        )
    qs = np.sort(np.asarray(quantiles, dtype=np.float64))
    if qs.size == 0 or qs.min() <= 0 or qs.max() >= 1:
        raise ForecasterError(
            f"`quantiles` must be levels strictly between 0 and 1 (received {list(quantiles)})."
        )
    ctx = np.zeros(0) if context_values is None else _vector(context_values, "context_values")
    cx, x, is_date = _x_pair(context_dates, ctx.shape[0], dates, arr.shape[1])
    levels = np.quantile(arr, qs, axis=0)  # [n_q, steps]

    fig = _figure()
    ax = fig.add_subplot()
    if ctx.size:
        ax.plot(cx, ctx, color="0.35", linewidth=1.2, label="history")
        ax.axvline(cx[-1], color="0.6", linestyle=":", linewidth=1.0)
    n_pairs = qs.size // 2
    for k in range(n_pairs):
        lo_q, hi_q = qs[k], qs[-1 - k]
        ax.fill_between(
            x,
            levels[k],
            levels[-1 - k],
            color="C0",
            alpha=0.15 + 0.5 * (k + 1) / (n_pairs + 1),
            linewidth=0,
            label=f"{lo_q:.0%}-{hi_q:.0%}",
        )
    if qs.size % 2:
        mid = qs[n_pairs]
        name = "median" if mid == 0.5 else f"{mid:.0%} quantile"
        ax.plot(x, levels[n_pairs], color="C3", linewidth=2.0, label=name)
    _set_title(ax, title or f"{target}: {arr.shape[0]} sampled paths")
    ax.set_ylabel(target)
    _style_x(ax, is_date)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    return fig


def _level(level: object) -> float:
    """An interval level as a fraction: 0.8 and 80 both mean 80%."""
    try:
        value = float(level)
    except (TypeError, ValueError):
        value = float("nan")
    value = value / 100.0 if 1.0 < value < 100.0 else value
    if not 0.0 < value < 1.0:
        raise ForecasterError(
            f"interval level {level!r} must be a coverage between 0 and 1 (0.8) or a percentage (80)."
        )
    return value


def _when_text(x: object) -> str:
    """A date as YYYY-MM-DD (with the time when it is not midnight), a position as 'step N'."""
    if isinstance(x, pd.Timestamp | np.datetime64) or hasattr(x, "isoformat"):
        ts = pd.Timestamp(x)
        return str(ts.date()) if ts == ts.normalize() else ts.strftime("%Y-%m-%d %H:%M")
    return f"step {x}"


def plot_future(
    history_dates: object,
    history_values: object,
    future_dates: object,
    forecast: object,
    *,
    intervals: Mapping[object, tuple[object, object]] | None = None,
    origin: object = None,
    label: str | None = None,
    target: str = "value",
    title: str | None = None,
    context: int | None = None,
) -> Figure:
    """What the analyst came for: the recent history, the forecast of the next horizon and its intervals.

    Args:
        history_dates: dates of the history, or ``None`` (row positions).
        history_values: the history ``[n]`` for one target (may be ``None``).
        future_dates: dates of the forecast ``[horizon]``, or ``None`` (the
            positions after the history).
        forecast: the point forecast ``[horizon]``.
        intervals: ``{level: (lower, upper)}`` with each bound ``[horizon]``;
            the level as a fraction (``0.8``) or a percentage (``80``). Drawn
            widest first and lightest, each named with its level.
        origin: the forecast origin, i.e. the last observation the forecast
            starts from; default the last history date (or position). Marked
            with a vertical line and named in the title.
        label: name of the series for the title and y label, instead of ``target``.
        target: column name of the series (shortened when long).
        title: figure title; default ``"<label>: next <H> steps from <origin>"``.
        context: history points shown; default ``max(4 x horizon, 60)``.

    Returns:
        The Figure (one axes).

    Raises:
        ForecasterError: on arrays of the wrong length, a bad level, or dates
            given for one part only.

    Example:
        >>> import numpy as np, pandas as pd
        >>> days = pd.date_range("2024-01-01", periods=30, freq="D")
        >>> fut = pd.date_range("2024-01-31", periods=3, freq="D")
        >>> fig = plot_future(days, np.arange(30.0), fut, [30.0, 31.0, 32.0],
        ...                   intervals={0.8: ([29.0, 29.5, 30.0], [31.0, 32.5, 34.0])}, label="Close")
        >>> fig.axes[0].get_title()
        'Close: next 3 steps from 2024-01-30'
    """
    name = _series_name(label, target)
    fc = _vector(forecast, "forecast")
    n = fc.shape[0]
    hist = np.zeros(0) if history_values is None else _vector(history_values, "history_values")
    hx, x, is_date = _x_pair(history_dates, hist.shape[0], future_dates, n)
    if context is not None and (
        isinstance(context, bool) or not isinstance(context, int) or context < 1
    ):
        raise ForecasterError(f"`context` must be an integer >= 1 (received context={context!r}).")
    keep = max(4 * n, 60) if context is None else context
    hx, hist = hx[-keep:], hist[-keep:]
    bands = []
    for level, bounds in (intervals or {}).items():
        if not isinstance(bounds, tuple | list) or len(bounds) != 2:
            raise ForecasterError(f"intervals[{level!r}] must be a pair (lower, upper).")
        frac = _level(level)
        lo = _vector(bounds[0], f"intervals[{level!r}] lower", n)
        hi = _vector(bounds[1], f"intervals[{level!r}] upper", n)
        bands.append((frac, lo, hi))
    bands.sort(key=lambda band: -band[0])  # widest first, so narrower bands draw on top
    if origin is None:
        origin_x = hx[-1] if hist.size else None
    elif is_date:
        origin_x = pd.Timestamp(origin).to_pydatetime()
    else:
        origin_x = origin

    fig = _figure()
    ax = fig.add_subplot()
    if hist.size:
        ax.plot(hx, hist, color="0.3", linewidth=1.3, label="history")
    for k, (frac, lo, hi) in enumerate(bands):
        alpha = 0.15 + 0.25 * (k + 1) / len(bands)
        ax.fill_between(
            x, lo, hi, color="C0", alpha=alpha, linewidth=0, label=f"{frac * 100:g}% interval"
        )
    if hist.size:  # join the forecast to the last observation
        ax.plot([hx[-1], x[0]], [hist[-1], fc[0]], color="C0", linewidth=1.0, linestyle=":")
    ax.plot(x, fc, color="C0", linewidth=2.0, marker="o", markersize=3.5, label="forecast")
    origin_text = None if origin_x is None else _when_text(origin_x)
    if origin_x is not None:
        ax.axvline(
            origin_x,
            color="C3",
            linestyle="--",
            linewidth=1.0,
            label=f"forecast origin {origin_text}",
        )
    default = f"{name}: next {n} step{'s' if n != 1 else ''}"
    if origin_text:
        default += f" from {origin_text}"
    _set_title(ax, title or default)
    ax.set_ylabel(name)
    _style_x(ax, is_date)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    return fig

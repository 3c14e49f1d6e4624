"""Matplotlib figures for forecasts, training, errors and classification.

Every function builds a :class:`matplotlib.figure.Figure` directly (no pyplot
state), returns it and never shows it: a notebook displays the returned
figure, a script saves it with ``fig.savefig("x.png")``, which works without a
display. Values are on the raw scale; dates go on the x axis, and when dates
are ``None`` the x axis is the integer row position. ``label=`` names the
series in titles and axis labels (default: the ``target`` column name,
shortened when long).

Example:
    >>> import io, numpy as np
    >>> fig = plot_forecast(None, np.arange(10.0), None, np.arange(10.0, 13.0),
    ...                     np.array([10.5, 11.2, 12.4]), target="Close")
    >>> fig.axes[0].get_title()
    'Close: forecast vs actual'
    >>> buf = io.BytesIO(); fig.savefig(buf, format="png"); buf.getvalue()[:4]
    b'\\x89PNG'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.figure import Figure

from forecaster.errors import ForecasterError

__all__ = [
    "plot_backtest",
    "plot_future",
    "plot_class_examples",
    "plot_confusion_matrix",
    "plot_fan",
    "plot_forecast",
    "plot_future",
    "plot_history",
    "plot_horizon_error",
    "plot_panel",
]

_METRIC_LABELS = {
    "mse": "MSE",
    "rmse": "RMSE",
    "mae": "MAE",
    "mape": "MAPE (%)",
    "smape": "sMAPE (%)",
    "mase": "MASE",
}


# ------------------------------------------------------------------ helpers


def _figure(width: float = 10.0, height: float = 4.5) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _vector(values: object, name: str, length: int | None = None) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.ndim != 1:
        raise ForecasterError(
            f"`{name}` must be a 1-D array for one target (received shape {arr.shape}); "
            "plot one target column at a time."
        )
    if length is not None and arr.shape[0] != length:
        raise ForecasterError(f"`{name}` has {arr.shape[0]} values but {length} are expected.")
    return arr


def _axis_values(dates: object, n: int, name: str) -> tuple[np.ndarray, bool]:
    """x values for ``n`` points and whether they are dates."""
    index = pd.Index(dates)
    if len(index) != n:
        raise ForecasterError(f"`{name}` has {len(index)} entries but there are {n} values.")
    if isinstance(index, pd.DatetimeIndex):
        return (index.to_pydatetime() if index.tz is not None else index.to_numpy()), True
    return index.to_numpy(), False


def _x_pair(
    context_dates: object, n_context: int, dates: object, n: int
) -> tuple[np.ndarray, np.ndarray, bool]:
    """x values for the context and the forecast region; positions when both dates are None."""
    if dates is None and (context_dates is None or n_context == 0):
        return np.arange(n_context), np.arange(n_context, n_context + n), False
    if dates is None or (context_dates is None and n_context > 0):
        raise ForecasterError(
            "pass both `context_dates` and `dates`, or neither (to plot against row positions)."
        )
    x, is_date = _axis_values(dates, n, "dates")
    if n_context == 0:
        return x[:0], x, is_date
    cx, _ = _axis_values(context_dates, n_context, "context_dates")
    return cx, x, is_date


def _style_x(ax: Any, is_date: bool) -> None:
    if is_date:
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.set_xlabel("date")
    else:
        ax.set_xlabel("time step")


def _title(base: str, metric_text: str | None) -> str:
    return f"{base} ({metric_text})" if metric_text else base


_MAX_NAME = 40  # longer raw column names are shortened in titles and axis labels


def _series_name(label: str | None, target: str | None, default: str = "value") -> str:
    """The series name shown on a plot: ``label`` as given, else ``target`` shortened if long."""
    if label is not None:
        return str(label)
    name = default if target is None else str(target)
    return name if len(name) <= _MAX_NAME else name[: _MAX_NAME - 3].rstrip() + "..."


# ----------------------------------------------------------- forecasting plots


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
    ax.set_title(_title(title or default, metric_text))
    ax.set_ylabel(target)
    _style_x(ax, is_date)
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    return fig


def plot_history(
    history: object,
    *,
    title: str | None = None,
    label: str | None = None,
    units: str = "scaled units",
) -> Figure:
    """Training and validation loss per epoch.

    The y axis is logarithmic when every loss is positive and they span more
    than a factor of 20. The epoch with the lowest ``val_loss`` is marked. The
    loss is computed on scaled targets, so the y label names its units.

    Args:
        history: ``{"loss": [...], "val_loss": [...]}``, a DataFrame with those
            columns (e.g. ``history.csv``), or a Keras ``History`` object.
        title: figure title; default ``"Training history: loss"`` (``"<label>:
            training loss"`` with a label).
        label: name of the series, for the default title.
        units: units of the loss, shown in the y label (``"loss (scaled units)"``).

    Returns:
        The Figure (one axes).

    Raises:
        ForecasterError: if there is no ``loss`` or it is empty.
    """
    data = getattr(history, "history", history)
    if isinstance(data, pd.DataFrame):
        data = {col: data[col].to_numpy() for col in data.columns}
    if not isinstance(data, Mapping) or "loss" not in data:
        raise ForecasterError(
            "`history` must be a dict or DataFrame with a 'loss' entry per epoch "
            "(and optionally 'val_loss'), or a Keras History object."
        )
    loss = _vector(data["loss"], "history['loss']")
    if loss.size == 0:
        raise ForecasterError("`history['loss']` is empty; train for at least one epoch.")
    epochs = np.arange(1, loss.size + 1)
    val = data.get("val_loss")
    val = None if val is None else _vector(val, "history['val_loss']", loss.size)

    fig = _figure(8.0, 4.5)
    ax = fig.add_subplot()
    ax.plot(epochs, loss, marker=".", label="loss (train)")
    curves = [loss]
    if val is not None and np.isfinite(val).any():
        ax.plot(epochs, val, marker=".", label="val_loss")
        best = int(np.nanargmin(val))
        ax.scatter(
            [epochs[best]],
            [val[best]],
            s=60,
            color="C3",
            zorder=3,
            label=f"best val_loss {val[best]:.4g} (epoch {epochs[best]})",
        )
        curves.append(val)
    finite = np.concatenate([c[np.isfinite(c)] for c in curves])
    if finite.size and finite.min() > 0 and finite.max() / finite.min() > 20:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"loss ({units})" if units else "loss")
    default = (
        f"{_series_name(label, None)}: training loss"
        if label is not None
        else "Training history: loss"
    )
    ax.set_title(title or default)
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    return fig


def _per_step_table(per_step: object, metric: str) -> pd.DataFrame:
    """-> DataFrame indexed by step, one column per model/baseline, values of ``metric``."""
    if isinstance(per_step, pd.DataFrame):
        if isinstance(per_step.columns, pd.MultiIndex):
            if metric not in per_step.columns.get_level_values(-1):
                raise ForecasterError(f"metric {metric!r} not in the per-step table's columns.")
            return per_step.xs(metric, axis=1, level=-1)
        if metric in per_step.columns and set(per_step.columns) <= set(_METRIC_LABELS):
            return per_step[[metric]].rename(columns={metric: "model"})  # one metrics_by_step table
        return per_step
    if not isinstance(per_step, Mapping) or not per_step:
        raise ForecasterError(
            "`per_step` must be a non-empty dict {name: Series or metrics_by_step table} or a DataFrame."
        )
    columns = {}
    for name, value in per_step.items():
        if isinstance(value, pd.DataFrame):
            if metric not in value.columns:
                raise ForecasterError(
                    f"metric {metric!r} is not a column of per_step[{name!r}] "
                    f"(columns: {list(value.columns)})."
                )
            value = value[metric]
        columns[name] = pd.Series(value) if not isinstance(value, pd.Series) else value
    return pd.DataFrame(columns)


def plot_horizon_error(
    per_step: object,
    metric: str = "mae",
    title: str | None = None,
    *,
    target: str | None = None,
    label: str | None = None,
    clip: float | None = 3.0,
) -> Figure:
    """Error at each horizon step for the model and the baselines.

    The y range fits the model and the competitive baselines: a line whose
    mean error is more than ``clip`` times the best line's (the history-mean
    baseline, often) is drawn but runs off the top, and its legend entry
    says so with its mean, so it cannot squash the lines that matter.

    Args:
        per_step: ``{name: Series}`` (error by step, indexed 1..horizon) or
            ``{name: metrics_by_step(...) table}``, or a DataFrame with one
            column per name (or a single ``metrics_by_step`` table). The entry
            named ``"model"`` (else the first) is drawn solid, the rest dashed.
        metric: which metric is shown (selects the column of per-step tables).
        title: figure title; default ``"<label>: <METRIC> by horizon step"``.
        target: name of the series for the default title (``label`` wins).
        label: name of the series for the default title.
        clip: lines with a mean error above ``clip`` x the best mean are left
            out of the y range; ``None`` fits every line. The model's line is
            never left out.

    Returns:
        The Figure (one axes).

    Raises:
        ForecasterError: if the metric is missing or ``per_step`` is empty.
    """
    table = _per_step_table(per_step, metric)
    if table.empty:
        raise ForecasterError("`per_step` has no values to plot.")
    if clip is not None and not float(clip) > 1.0:
        raise ForecasterError(f"`clip` must be a number above 1, or None (received clip={clip!r}).")
    main = "model" if "model" in table.columns else table.columns[0]
    values = {name: table[name].to_numpy(dtype=np.float64) for name in table.columns}
    off_scale = _off_scale(values, main, clip)
    fig = _figure(8.0, 4.5)
    ax = fig.add_subplot()
    steps = np.asarray(table.index)
    for i, name in enumerate(table.columns):
        is_main = name == main
        shown = str(name)
        if name in off_scale:
            shown += f" (off scale, mean {np.nanmean(values[name]):.3g})"
        ax.plot(
            steps,
            values[name],
            label=shown,
            linewidth=2.2 if is_main else 1.3,
            linestyle="-" if is_main else "--",
            marker="o" if is_main else ".",
            color="C0" if is_main else f"C{i + 1}",
        )
    if off_scale:
        kept = np.concatenate([v[np.isfinite(v)] for n, v in values.items() if n not in off_scale])
        low = min(0.0, float(kept.min())) if kept.size else 0.0
        high = float(kept.max()) if kept.size else 1.0
        ax.set_ylim(low, high + 0.1 * (high - low or 1.0))
    metric_label = _METRIC_LABELS.get(metric, metric.upper())
    ax.set_xlabel("horizon step")
    ax.set_ylabel(metric_label)
    if np.issubdtype(steps.dtype, np.integer) and steps.size <= 30:
        ax.set_xticks(steps)
    base = f"{metric_label.split(' ')[0]} by horizon step"
    name = None if label is None and target is None else _series_name(label, target)
    ax.set_title(title or (f"{name}: {base}" if name else base))
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    return fig


def _off_scale(values: Mapping[str, np.ndarray], main: str, clip: float | None) -> list[str]:
    """Names whose mean error exceeds ``clip`` x the best mean (never ``main``)."""
    if clip is None:
        return []
    means = {
        name: float(np.mean(v[np.isfinite(v)]))
        for name, v in values.items()
        if np.isfinite(v).any()
    }
    positive = [m for m in means.values() if m > 0]
    if not positive:
        return []
    limit = float(clip) * min(positive)
    return [name for name, m in means.items() if name != main and m > limit]


def plot_backtest(
    dates: object,
    values: object,
    folds: Sequence[Mapping[str, Any]],
    *,
    title: str | None = None,
    target: str = "value",
    metric_text: str | None = None,
    context: int | None = None,
    label: str | None = None,
) -> Figure:
    """The series with the forecast of every backtest origin drawn over it.

    Args:
        dates: dates of ``values``, or ``None`` for row positions.
        values: the actual series ``[n_rows]`` for one target.
        folds: one mapping per origin with ``"dates"`` (dates, or row positions
            when ``dates`` is None) and ``"forecast"`` ``[horizon]``; optional
            ``"lower"`` / ``"upper"`` for an interval and ``"label"``. With
            ``dates`` None, ``"origin"`` (first forecast row) may replace ``"dates"``.
        title: figure title; default ``"<target>: backtest over N origins"``.
        target: name of the series, used in the title and the y label.
        metric_text: e.g. ``"mean MAE 1.2"``, appended in parentheses to the title.
        context: rows of history shown before the first fold; default
            ``max(50, 3 x the folds' span)``.
        label: name of the series for the title and y label, instead of ``target``.

    Returns:
        The Figure (one axes).

    Raises:
        ForecasterError: on missing keys or arrays of the wrong length.
    """
    target = _series_name(label, target)
    vals = _vector(values, "values")
    x_all, is_date = (
        (np.arange(vals.size), False) if dates is None else _axis_values(dates, vals.size, "dates")
    )
    if not folds:
        raise ForecasterError("`folds` is empty; pass one dict per backtest origin.")
    fold_x = []
    for i, fold in enumerate(folds):
        if "forecast" not in fold:
            raise ForecasterError(f"fold {i} has no 'forecast' entry.")
        fc = _vector(fold["forecast"], f"folds[{i}]['forecast']")
        if fold.get("dates") is not None:
            fx, _ = _axis_values(fold["dates"], fc.size, f"folds[{i}]['dates']")
        elif dates is None and "origin" in fold:
            fx = int(fold["origin"]) + np.arange(fc.size)
        else:
            raise ForecasterError(f"fold {i} needs 'dates' (or 'origin' when `dates` is None).")
        fold_x.append((fx, fc))

    index = pd.Index(x_all)
    first = min(fx[0] for fx, _ in fold_x)
    last = max(fx[-1] for fx, _ in fold_x)
    start_row = int(index.searchsorted(first))
    span = int(index.searchsorted(last, side="right")) - start_row
    keep = max(50, 3 * span) if context is None else int(context)
    lo = max(0, start_row - keep)

    fig = _figure(11.0, 4.5)
    ax = fig.add_subplot()
    ax.plot(x_all[lo:], vals[lo:], color="black", linewidth=1.2, label="actual")
    for i, ((fx, fc), fold) in enumerate(zip(fold_x, folds, strict=True)):
        color = f"C{i % 10}"
        ax.axvspan(fx[0], fx[-1], color=color, alpha=0.07, linewidth=0)
        if fold.get("lower") is not None and fold.get("upper") is not None:
            ax.fill_between(
                fx,
                _vector(fold["lower"], f"folds[{i}]['lower']", fc.size),
                _vector(fold["upper"], f"folds[{i}]['upper']", fc.size),
                color=color,
                alpha=0.2,
                linewidth=0,
            )
        fold_label = fold.get("label") or f"fold {i + 1}"
        ax.plot(fx, fc, color=color, linewidth=2.0, marker=".", label=str(fold_label))
    ax.set_title(_title(title or f"{target}: backtest over {len(folds)} origins", metric_text))
    ax.set_ylabel(target)
    _style_x(ax, is_date)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", ncol=2 if len(folds) > 5 else 1)
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
    ax.set_title(title or f"{target}: {arr.shape[0]} sampled paths")
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
    ax.set_title(title or default)
    ax.set_ylabel(name)
    _style_x(ax, is_date)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    return fig


# -------------------------------------------------------- classification plots


def plot_confusion_matrix(
    cm: object,
    class_names: Sequence[str],
    *,
    normalize: bool = False,
    title: str | None = None,
) -> Figure:
    """Confusion matrix as a heat map with the counts (or row shares) written in.

    Args:
        cm: ``[n_classes, n_classes]`` counts, rows = true class, columns =
            predicted (as ``sklearn.metrics.confusion_matrix`` returns).
        class_names: one name per class, in the order of ``cm``.
        normalize: divide each row by its total (share of each true class).
        title: figure title; default ``"Confusion matrix"`` (plus "normalized
            by true class").

    Returns:
        The Figure (the matrix and a colour bar).

    Raises:
        ForecasterError: if ``cm`` is not square or does not match ``class_names``.
    """
    from sklearn.metrics import ConfusionMatrixDisplay

    mat = np.asarray(cm)
    names = [str(c) for c in class_names]
    if mat.ndim != 2 or mat.shape[0] != mat.shape[1] or mat.shape[0] != len(names):
        raise ForecasterError(
            f"`cm` must be square [n_classes, n_classes] with one entry of `class_names` per class "
            f"(received shape {mat.shape} and {len(names)} names)."
        )
    if normalize:
        totals = mat.sum(axis=1, keepdims=True).astype(np.float64)
        mat = np.divide(mat, totals, out=np.zeros(mat.shape), where=totals > 0)
    size = 3.0 + 0.5 * len(names)
    fig = _figure(size + 1.0, size)
    ax = fig.add_subplot()
    ConfusionMatrixDisplay(mat, display_labels=names).plot(
        ax=ax,
        cmap="Blues",
        colorbar=True,
        values_format=".2f" if normalize else None,
        xticks_rotation=45 if max(map(len, names), default=0) > 6 else "horizontal",
    )
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    default = "Confusion matrix (normalized by true class)" if normalize else "Confusion matrix"
    ax.set_title(title or default)
    return fig


def _trim_padding(seq: np.ndarray, pad_value: float | None) -> np.ndarray:
    """Drop leading/trailing time steps whose features all equal ``pad_value``."""
    if pad_value is None:
        return seq
    is_pad = np.isnan(seq) if np.isnan(pad_value) else seq == pad_value
    real = np.flatnonzero(~is_pad.all(axis=1))
    return seq[real[0] : real[-1] + 1] if real.size else seq[:0]


def plot_class_examples(
    X: object,
    y: object,
    class_names: Sequence[str],
    *,
    per_class: int = 3,
    title: str | None = None,
    pad_value: float | None = 0.0,
    feature_names: Sequence[str] | None = None,
) -> Figure:
    """A grid of example sequences: one row per class, ``per_class`` columns.

    Args:
        X: sequences ``[n, length, n_features]`` (or ``[n, length]``), possibly padded.
        y: class of each sequence, ``[n]``: integer indices into ``class_names``
            or the names themselves.
        class_names: one name per class.
        per_class: examples shown per class (the first ones of that class).
        title: figure title; default ``"Examples per class"``.
        pad_value: time steps at the start or end whose features all equal this
            value are treated as padding and not drawn (``nan`` allowed);
            ``None`` draws every step.
        feature_names: legend names for the features (default ``feature 0``...).

    Returns:
        The Figure (``n_classes x per_class`` axes; empty cells for classes with
        fewer examples).

    Raises:
        ForecasterError: on mismatched shapes or a label outside ``class_names``.
    """
    arr = np.asarray(X, dtype=np.float64)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    labels = np.asarray(y)
    names = [str(c) for c in class_names]
    if arr.ndim != 3 or labels.shape != (arr.shape[0],):
        raise ForecasterError(
            f"`X` must be [n, length, n_features] and `y` [n] (received {arr.shape} and {labels.shape})."
        )
    if isinstance(per_class, bool) or not isinstance(per_class, int) or per_class < 1:
        raise ForecasterError(
            f"`per_class` must be an integer >= 1 (received per_class={per_class!r})."
        )
    if not names:
        raise ForecasterError("`class_names` is empty; pass one name per class.")
    if labels.size and not np.issubdtype(labels.dtype, np.integer):
        lookup = {name: i for i, name in enumerate(names)}
        unknown = sorted({str(v) for v in labels} - set(lookup))
        if unknown:
            raise ForecasterError(f"labels {unknown[:5]} are not in `class_names` {names}.")
        labels = np.array([lookup[str(v)] for v in labels])
    if labels.size and (labels.min() < 0 or labels.max() >= len(names)):
        raise ForecasterError(f"class indices in `y` must lie in 0..{len(names) - 1}.")
    n_feat = arr.shape[2]
    fnames = (
        list(feature_names)
        if feature_names is not None
        else [f"feature {j}" for j in range(n_feat)]
    )
    if len(fnames) != n_feat:
        raise ForecasterError(f"`feature_names` has {len(fnames)} names for {n_feat} features.")

    n_cls = len(names)
    fig = _figure(2.8 * per_class + 0.5, 1.9 * n_cls + 0.8)
    axes = fig.subplots(n_cls, per_class, squeeze=False, sharex=True)
    for c in range(n_cls):
        members = np.flatnonzero(labels == c)[:per_class]
        for k in range(per_class):
            ax = axes[c, k]
            if k < members.size:
                seq = _trim_padding(arr[members[k]], pad_value)
                for j in range(n_feat):
                    ax.plot(
                        np.arange(seq.shape[0]),
                        seq[:, j],
                        color=f"C{j % 10}",
                        linewidth=1.0,
                        label=fnames[j],
                    )
                ax.set_title(f"{names[c]} #{members[k]}", fontsize=9)
            else:
                ax.text(
                    0.5,
                    0.5,
                    "no example",
                    ha="center",
                    va="center",
                    transform=ax.transAxes,
                    color="0.5",
                )
            ax.tick_params(labelsize=8)
            if k == 0:
                ax.set_ylabel(names[c])
            if c == n_cls - 1:
                ax.set_xlabel("time step")
    handles, labs = axes[0, 0].get_legend_handles_labels()
    if not handles:  # first class had no examples: take any populated axes
        for ax in axes.flat:
            handles, labs = ax.get_legend_handles_labels()
            if handles:
                break
    if handles:
        fig.legend(handles, labs, loc="outside lower center", ncol=min(n_feat, 6), fontsize=8)
    fig.suptitle(title or "Examples per class")
    return fig


def plot_panel(
    panels: Sequence[Mapping[str, Any]],
    *,
    title: str | None = None,
    columns: int = 3,
) -> Figure:
    """Small multiples: one axis per series with its recent history, actual test values and forecast.

    Args:
        panels: one mapping per series with ``name`` (the axis title),
            ``context_x`` / ``context`` (history), ``x`` / ``actual`` /
            ``forecast`` (the test chunks; ``actual`` may be ``None``) and
            optionally ``note`` (appended to the axis title, e.g. its MASE).
            ``*_x`` are dates or ``None`` (row positions).
        title: figure title.
        columns: axes per row.
    """
    if not panels:
        raise ForecasterError("plot_panel needs at least one series.")
    n = len(panels)
    cols = max(1, min(columns, n))
    rows = -(-n // cols)
    fig = _figure(4.0 * cols, 2.8 * rows)
    for k, panel in enumerate(panels):
        ax = fig.add_subplot(rows, cols, k + 1)
        forecast = _vector(panel["forecast"], "forecast")
        context = _vector(panel.get("context", []), "context")
        cx, fx, is_date = _x_pair(panel.get("context_x"), len(context), panel.get("x"), len(forecast))
        if len(context):
            ax.plot(cx, context, color="0.45", lw=1.0, label="history")
        if panel.get("actual") is not None:
            ax.plot(fx, _vector(panel["actual"], "actual", len(forecast)), color="black", lw=1.2, label="actual")
        ax.plot(fx, forecast, color="tab:blue", lw=1.4, label="forecast")
        note = panel.get("note")
        ax.set_title(f"{panel['name']}" + (f" ({note})" if note else ""), fontsize=9)
        ax.tick_params(labelsize=7)
        _style_x(ax, is_date)
        if k == 0:
            ax.legend(fontsize=7, loc="best")
    if title:
        fig.suptitle(title)
    return fig

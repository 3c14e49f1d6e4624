"""Loss and error figures: training history, error by horizon step, backtest origins."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from forecaster.errors import ForecasterError
from forecaster.evaluation.plots.base import (
    _axis_values,
    _figure,
    _series_name,
    _set_title,
    _style_x,
    _title,
    _vector,
)

_METRIC_LABELS = {
    "mse": "MSE",
    "rmse": "RMSE",
    "mae": "MAE",
    "mape": "MAPE (%)",
    "smape": "sMAPE (%)",
    "mase": "MASE",
}


def plot_no_training(reason: str, *, label: str | None = None) -> Figure:
    """The history figure of a fit that trained no network: its axes say why (a run directory keeps its plots).

    Example:
        >>> plot_no_training("14 rows: too short for the network").axes[0].get_title()
        'Training history: no network trained'
    """
    fig = _figure(10.0, 2.5)
    ax = fig.add_subplot()
    ax.set_axis_off()
    _set_title(ax, f"{label}: no network trained" if label else "Training history: no network trained")
    ax.text(0.5, 0.5, reason, ha="center", va="center", wrap=True, transform=ax.transAxes)
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
    _set_title(ax, title or default)
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
    _set_title(ax, title or (f"{name}: {base}" if name else base))
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
    _set_title(ax, _title(title or f"{target}: backtest over {len(folds)} origins", metric_text))
    ax.set_ylabel(target)
    _style_x(ax, is_date)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", ncol=2 if len(folds) > 5 else 1)
    return fig

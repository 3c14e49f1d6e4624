"""The figures of a fitted ``Forecaster``: what each ``plot_*`` method draws, from its fitted state.

``forecaster.evaluation.plots`` draws arrays; this module picks the arrays and
the words (titles, the metric that compares the model with the best baseline)
from ``fc``. Every function returns a matplotlib Figure (never
``plt.show()``) and writes nothing to ``fc``; matplotlib is imported lazily.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecaster.data.io import SeriesData
from forecaster.errors import ForecasterError
from forecaster.prediction import interval_columns

__all__ = ["forecast_figure", "future_figure", "history_figure", "horizon_error_figure", "panel_figure"]


def _need_fit_data(fc: Any, what: str) -> None:
    """A figure of the test part needs the rows the Forecaster was fit on (a loaded one keeps only its tail)."""
    if not hasattr(fc, "data_"):
        raise ForecasterError(f"{what} needs the fit data; it is not available on a loaded Forecaster.")


def forecast_figure(fc: Any, series_id: Any = None) -> Any:
    """Forecast vs actual over the test part of a fit series, by the held-out model, with the best baseline."""
    from forecaster.evaluation.plots import plot_forecast
    from forecaster.scoring import test_chunks

    _need_fit_data(fc, "plot_forecast")
    if fc.id_col_ is not None and series_id is None:
        series_id = fc.series_ids_[0]
    with fc._heldout():
        chunks = test_chunks(fc, series_id)
    best = chunks["baseline_name"]
    metric, model_m, base_m = "MSE", fc.metrics_["model"]["mse"], fc.metrics_["baselines"][best]["mse"]
    name = fc.label or fc.targets_[0]
    if fc.id_col_ is not None:
        # one series of a panel: its own MASE (pooled MSE mixes the scales of all series)
        entry = fc.metrics_.get("per_series", {}).get(str(series_id), {})
        metric = "MASE"
        model_m = entry.get("model", {}).get("mase", float("nan"))
        base_m = entry.get(best, {}).get("mase", float("nan"))
        name = f"{name} (series {series_id})"
    ratio = model_m / base_m if base_m > 0 else float("nan")
    mse, best_mse = model_m, base_m
    used = (getattr(fc, "choice_", None) or {}).get("used", "network")
    if used == "network":
        who = fc.cell.upper()
    elif used == "median":
        who = f"median of the {fc.cell.upper()}, linear and {fc.choice_['baseline']}"
    else:
        who = f"{used} (chosen on validation over the {fc.cell.upper()})"
    verdict = "beats" if ratio < 1 else "loses to"
    return plot_forecast(
        chunks["context_dates"],
        chunks["context_values"],
        chunks["dates"],
        chunks["actual"],
        chunks["forecast"],
        lower=chunks.get("lower"),
        upper=chunks.get("upper"),
        baseline=chunks["baseline"],
        interval_label=chunks.get("interval_label", "interval"),
        title=f"{name}: {who} forecast vs actual (test); {verdict} {best} ({metric} x{ratio:.2f})",
        target=fc.targets_[0],
        label=fc.label,
        metric_text=f"test {metric} {mse:.4g} (best baseline {best} {best_mse:.4g})",
    )


def panel_figure(fc: Any, series_ids: Sequence[Any] | None = None, n: int = 6) -> Any:
    """Small multiples of the test forecasts of several fit series (default: ``n`` spread over the MASE ranking)."""
    from forecaster.evaluation.plots import plot_panel
    from forecaster.scoring import test_chunks

    _need_fit_data(fc, "plot_panel")
    per_series = fc.metrics_.get("per_series", {})
    if series_ids is None:
        ranked = sorted(
            (str(s) for s in fc.series_ids_),
            key=lambda k: per_series.get(k, {}).get("model", {}).get("mase", float("inf")),
        )
        pick = np.unique(np.linspace(0, len(ranked) - 1, min(n, len(ranked))).round().astype(int))
        series_ids = [ranked[i] for i in pick]  # best to worst
    panels = []
    for sid in series_ids:
        chunks = test_chunks(fc, sid)
        mase = per_series.get(str(sid), {}).get("model", {}).get("mase")
        panels.append({
            "name": f"{sid}" if fc.id_col_ is not None else (fc.label or fc.targets_[0]),
            "note": None if mase is None else f"MASE {mase:.2f}",
            "context_x": chunks["context_dates"],
            "context": chunks["context_values"],
            "x": chunks["dates"],
            "actual": chunks["actual"],
            "forecast": chunks["forecast"],
        })
    return plot_panel(panels, title=f"{fc.label or fc.targets_[0]}: test forecasts by series (best to worst MASE)")


def future_figure(fc: Any, series: SeriesData, frame: pd.DataFrame, label: str | None = None) -> Any:
    """The recent history of the first series of ``series``, its forecast ``frame`` (first target) and intervals."""
    from forecaster.evaluation.plots import plot_future

    sid, start, stop = series.segments()[0]
    target = fc.targets_[0]
    dates = None if series.dates is None else series.dates[start:stop]
    future = frame[fc.date_col_ or "date"] if dates is not None else None
    name = label or fc.label or (target if sid is None else f"{target} ({sid})")
    return plot_future(
        dates,
        series.values[start:stop, 0],
        None if future is None else pd.DatetimeIndex(future),
        frame[target].to_numpy(),
        intervals=interval_columns(frame, target),
        label=name,
        target=target,
    )


def history_figure(fc: Any) -> Any:
    """Training and validation loss per epoch; a note instead when no network was trained (a short series),
    or when the window baselines over the history replaced it (``training.choice.history_plan_refit``)."""
    from forecaster.evaluation.plots import plot_history, plot_no_training
    from forecaster.training.choice import used_label

    refit = getattr(fc, "refit_", None) or {}
    choice = refit.get("choice") or getattr(fc, "choice_", None)  # what forecasts
    used = used_label(choice) if choice else "a window baseline"
    if not fc.n_epochs_:
        return plot_no_training(f"The series is too short to train the network and check it on held-out windows; {used} forecasts.")
    if "test_mae" in refit:  # the network trained, then lost the test windows to the window baselines
        return plot_history(fc.history_, title=f"Training history: loss (the held-out network; {used} forecasts)")
    return plot_history(fc.history_)


def horizon_error_figure(fc: Any, metric: str = "mae") -> Any:
    """Test error by horizon step, model vs baselines (a panel's MAE as MASE: one unit over series)."""
    from forecaster.evaluation.plots import plot_horizon_error

    per_step = fc.metrics_["per_step"]
    if fc.id_col_ is not None and fc.metrics_.get("per_step_mase") and metric == "mae":
        # a panel: each series' error in its own MASE units (raw MAE pooled across scales is dominated by the largest)
        metric = "mase"
        per_step = {name: {"mase": v} for name, v in fc.metrics_["per_step_mase"].items()}
    steps = {name: pd.Series(v[metric], index=np.arange(1, fc.horizon + 1)) for name, v in per_step.items()}
    return plot_horizon_error(
        steps, metric=metric, title=f"{fc.label or fc.targets_[0]}: test {metric.upper()} by horizon step",
        label=fc.label,
    )

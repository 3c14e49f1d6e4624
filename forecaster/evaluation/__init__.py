"""Evaluation: metrics, baselines, intervals, rolling-origin backtests and plots (no TensorFlow).

Every public name of the submodules is importable from here and is loaded on
first use (matplotlib only when a plot function is first used):

* :mod:`~forecaster.evaluation.metrics`: point-forecast metrics and the one
  MASE scale (:func:`mase_scale`);
* :mod:`~forecaster.evaluation.baselines`: naive, seasonal naive at every
  season, drift, mean, and :func:`best_baseline`;
* :mod:`~forecaster.evaluation.intervals`: split-conformal intervals,
  coverage and width;
* :mod:`~forecaster.evaluation.backtest`: rolling origins;
* :mod:`~forecaster.evaluation.plots`: figures.

Example:
    >>> from forecaster.evaluation import compute_metrics, naive
    >>> compute_metrics([[1.0, 2.0]], naive([0.0, 1.0, 2.0, 3.0], [1], 2))["mae"]
    1.5
"""

from __future__ import annotations

import importlib
from typing import Any

# Public name -> the submodule that defines it.
_EXPORTS = {
    "rolling_origins": "backtest",
    "score_origin": "backtest",
    "summarize_backtest": "backtest",
    "tidy_backtest": "backtest",
    "backtest_summary": "backtest",
    "BASELINES": "baselines",
    "baseline_forecasts": "baselines",
    "best_baseline": "baselines",
    "drift": "baselines",
    "mean": "baselines",
    "naive": "baselines",
    "season_length": "baselines",
    "seasonal_level": "baselines",
    "seasonal_naive": "baselines",
    "MIN_WINDOWS": "intervals",
    "apply_conformal": "intervals",
    "check_levels": "intervals",
    "coverage": "intervals",
    "fit_conformal": "intervals",
    "interval_metrics": "intervals",
    "mean_width": "intervals",
    "METRICS": "metrics",
    "compute_metrics": "metrics",
    "mae": "metrics",
    "mape": "metrics",
    "mase": "metrics",
    "mase_scale": "metrics",
    "metrics_by_step": "metrics",
    "mse": "metrics",
    "rmse": "metrics",
    "smape": "metrics",
    "plot_backtest": "plots",
    "plot_class_examples": "plots",
    "plot_confusion_matrix": "plots",
    "plot_fan": "plots",
    "plot_forecast": "plots",
    "plot_future": "plots",
    "plot_history": "plots",
    "plot_horizon_error": "plots",
}

__all__ = [
    "BASELINES",
    "METRICS",
    "MIN_WINDOWS",
    "apply_conformal",
    "backtest_summary",
    "baseline_forecasts",
    "best_baseline",
    "check_levels",
    "compute_metrics",
    "coverage",
    "drift",
    "fit_conformal",
    "interval_metrics",
    "mae",
    "mape",
    "mase",
    "mase_scale",
    "mean",
    "mean_width",
    "metrics_by_step",
    "mse",
    "naive",
    "plot_backtest",
    "plot_class_examples",
    "plot_confusion_matrix",
    "plot_fan",
    "plot_forecast",
    "plot_future",
    "plot_history",
    "plot_horizon_error",
    "rmse",
    "rolling_origins",
    "score_origin",
    "season_length",
    "seasonal_level",
    "seasonal_naive",
    "smape",
    "summarize_backtest",
    "tidy_backtest",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'forecaster.evaluation' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"forecaster.evaluation.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

"""Evaluation: metrics, baselines, rolling-origin backtests and plots (no TensorFlow).

The metric, baseline and backtest names are importable from here; the plot
functions are too, but matplotlib is imported only when one is first used.

Example:
    >>> from forecaster.evaluation import compute_metrics, naive
    >>> compute_metrics([[1.0, 2.0]], naive([0.0, 1.0, 2.0, 3.0], [1], 2))["mae"]
    1.5
"""

from __future__ import annotations

import importlib
from typing import Any

from forecaster.evaluation.backtest import rolling_origins, score_origin, summarize_backtest
from forecaster.evaluation.baselines import (
    BASELINES,
    baseline_forecasts,
    drift,
    mean,
    naive,
    season_length,
    seasonal_naive,
)
from forecaster.evaluation.metrics import (
    METRICS,
    compute_metrics,
    mae,
    mape,
    mase,
    metrics_by_step,
    mse,
    rmse,
    smape,
)

_PLOTS = (
    "plot_backtest",
    "plot_class_examples",
    "plot_confusion_matrix",
    "plot_fan",
    "plot_forecast",
    "plot_history",
    "plot_horizon_error",
)

__all__ = [
    "BASELINES",
    "METRICS",
    "baseline_forecasts",
    "compute_metrics",
    "drift",
    "mae",
    "mape",
    "mase",
    "mean",
    "metrics_by_step",
    "mse",
    "naive",
    "rmse",
    "rolling_origins",
    "score_origin",
    "season_length",
    "seasonal_naive",
    "smape",
    "summarize_backtest",
    *_PLOTS,
]


def __getattr__(name: str) -> Any:
    if name in _PLOTS:
        value = getattr(importlib.import_module("forecaster.evaluation.plots"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'forecaster.evaluation' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

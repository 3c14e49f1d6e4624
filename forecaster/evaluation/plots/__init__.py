"""Matplotlib figures for forecasts, training, errors and classification.

Every function builds a :class:`matplotlib.figure.Figure` directly (no pyplot
state), returns it and never shows it: a notebook displays the returned
figure, a script saves it with ``fig.savefig("x.png")``, which works without a
display. Values are on the raw scale; dates go on the x axis, and when dates
are ``None`` the x axis is the integer row position. ``label=`` names the
series in titles and axis labels (default: the ``target`` column name,
shortened when long).

Modules: :mod:`.base` (shared checks and axes), :mod:`.forecast` (forecast,
fan, future), :mod:`.scores` (loss history, error by horizon, backtest),
:mod:`.panel` (small multiples) and :mod:`.classification` (confusion
matrix, examples per class). Every figure is importable from here.

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

from forecaster.evaluation.plots.classification import plot_class_examples, plot_confusion_matrix
from forecaster.evaluation.plots.forecast import plot_fan, plot_forecast, plot_future
from forecaster.evaluation.plots.panel import plot_panel
from forecaster.evaluation.plots.scores import (
    plot_backtest,
    plot_history,
    plot_horizon_error,
    plot_no_training,
)

__all__ = [
    "plot_backtest",
    "plot_class_examples",
    "plot_confusion_matrix",
    "plot_fan",
    "plot_forecast",
    "plot_future",
    "plot_history",
    "plot_horizon_error",
    "plot_no_training",
    "plot_panel",
]

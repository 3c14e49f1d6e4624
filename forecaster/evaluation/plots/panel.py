"""Small multiples of a panel: one axis per series with its history, actual and forecast."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure

from forecaster.errors import ForecasterError
from forecaster.evaluation.plots.base import (
    _figure,
    _set_suptitle,
    _set_title,
    _style_x,
    _vector,
    _x_pair,
)


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
        _set_title(ax, f"{panel['name']}" + (f" ({note})" if note else ""), fontsize=9)
        ax.tick_params(labelsize=7)
        _style_x(ax, is_date)
        if k == 0:
            ax.legend(fontsize=7, loc="best")
    if title:
        _set_suptitle(fig, title)
    return fig

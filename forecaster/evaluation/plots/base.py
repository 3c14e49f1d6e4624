"""Shared pieces of the plots: the figure, input checks, the x axis and series names."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib import rcParams
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from forecaster.errors import ForecasterError


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


# Average advance of a character in em for matplotlib's default sans-serif (DejaVu Sans: lower case
# 0.5-0.6, digits 0.64), rounded up so a wrapped line rarely runs past the width it was wrapped to.
_EM_PER_CHAR = 0.62


def _wrap(text: str, width_in: float, fontsize: float | str) -> str:
    """``text`` broken into lines that fit ``width_in`` inches at ``fontsize``.

    Constrained layout makes room for a title's height but not its width, so a long title (model,
    baseline and metrics) ran past the figure's edges; saving with ``bbox_inches="tight"`` widened
    the image instead, at the cost of drawing every figure twice.
    """
    size = FontProperties(size=fontsize).get_size_in_points()
    chars = max(20, int(width_in * 72 / (_EM_PER_CHAR * size)))
    return "\n".join(textwrap.fill(line, chars, break_on_hyphens=False) for line in str(text).splitlines())


def _set_title(ax: Any, text: str, fontsize: float | str | None = None) -> None:
    """Title ``ax`` with ``text`` wrapped to the axes' width (see :func:`_wrap`)."""
    size = rcParams["axes.titlesize"] if fontsize is None else fontsize
    ax.set_title(_wrap(text, ax.get_position().width * ax.get_figure().get_figwidth(), size), fontsize=size)


def _set_suptitle(fig: Figure, text: str) -> None:
    """The figure's title, wrapped to its width (see :func:`_wrap`)."""
    fig.suptitle(_wrap(text, fig.get_figwidth(), rcParams["figure.titlesize"]))


_MAX_NAME = 40  # longer raw column names are shortened in titles and axis labels


def _series_name(label: str | None, target: str | None, default: str = "value") -> str:
    """The series name shown on a plot: ``label`` as given, else ``target`` shortened if long."""
    if label is not None:
        return str(label)
    name = default if target is None else str(target)
    return name if len(name) <= _MAX_NAME else name[: _MAX_NAME - 3].rstrip() + "..."

"""Rolling-origin (walk-forward) evaluation helpers.

A backtest forecasts the last ``folds`` periods of a series, one *origin* at a
time. As in :mod:`forecaster.evaluation.baselines`, an origin is the index of
the **first forecast row**: the model sees ``series[:origin]`` (its last
``input_width`` rows as input) and forecasts rows ``origin .. origin + horizon - 1``;
the last observed row is ``origin - 1``.

The :class:`~forecaster.Forecaster` drives the loop (refit, predict); this module
supplies the pieces around it:

1. :func:`rolling_origins` picks the origins;
2. :func:`score_origin` scores one origin's forecast next to every baseline;
3. :func:`summarize_backtest` turns the per-origin results into one wide table
   (one row per origin); :func:`tidy_backtest` into a long one (one row per
   origin and model) and :func:`backtest_summary` averages that over origins.

Example:
    >>> import numpy as np
    >>> rolling_origins(100, input_width=10, horizon=5, folds=3).tolist()
    [85, 90, 95]
    >>> series = np.arange(100.0)
    >>> rows = [score_origin(series, o, series[o:o + 5] + 1.0) for o in (85, 90, 95)]
    >>> table = summarize_backtest(rows)
    >>> table[["origin", "model_mae", "naive_mae"]].to_dict("list")
    {'origin': [85, 90, 95], 'model_mae': [1.0, 1.0, 1.0], 'naive_mae': [3.0, 3.0, 3.0]}
    >>> tidy = tidy_backtest(rows)
    >>> tidy.loc[tidy["model"].isin(["model", "naive"]), ["origin", "model", "mae"]].head(2).to_dict("list")
    {'origin': [85, 85], 'model': ['model', 'naive'], 'mae': [1.0, 3.0]}
    >>> backtest_summary(tidy).loc[["model", "naive"], ["origins", "mae"]].to_dict("index")
    {'model': {'origins': 3, 'mae': 1.0}, 'naive': {'origins': 3, 'mae': 3.0}}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecaster.errors import ForecasterError
from forecaster.evaluation.baselines import baseline_forecasts
from forecaster.evaluation.metrics import METRICS, compute_metrics

__all__ = [
    "backtest_summary",
    "rolling_origins",
    "score_origin",
    "summarize_backtest",
    "tidy_backtest",
]


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ForecasterError(f"`{name}` must be an integer >= 1 (received {name}={value!r}).")
    return int(value)


def rolling_origins(
    n_rows: int,
    input_width: int,
    horizon: int,
    folds: int,
    *,
    step: int | None = None,
) -> np.ndarray:
    """Origins (first forecast rows) of the last ``folds`` forecast periods.

    The last origin is ``n_rows - horizon`` (its forecast ends at the last row);
    earlier ones are ``step`` rows apart. With the default ``step = horizon``
    the forecast periods tile the end of the series without overlap.

    Args:
        n_rows: rows in the series.
        input_width: rows of input each forecast needs before its origin.
        horizon: rows forecast from each origin.
        folds: number of origins.
        step: rows between consecutive origins (default ``horizon``).

    Returns:
        int64 array of ``folds`` increasing origins, the first ``>= input_width``.

    Raises:
        ForecasterError: on a non-positive argument, or a series too short
            for ``input_width + horizon + step * (folds - 1)`` rows.

    Example:
        >>> rolling_origins(60, input_width=20, horizon=10, folds=2, step=5).tolist()
        [45, 50]
    """
    n_rows = int(n_rows) if isinstance(n_rows, np.integer) else n_rows
    if isinstance(n_rows, bool) or not isinstance(n_rows, int) or n_rows < 0:
        raise ForecasterError(f"`n_rows` must be an integer >= 0 (received n_rows={n_rows!r}).")
    input_width = _positive_int(input_width, "input_width")
    horizon = _positive_int(horizon, "horizon")
    folds = _positive_int(folds, "folds")
    step = horizon if step is None else _positive_int(step, "step")
    need = input_width + horizon + step * (folds - 1)
    if n_rows < need:
        fold_word = "fold" if folds == 1 else "folds"
        raise ForecasterError(
            f"series has {n_rows} rows; {folds} {fold_word} of horizon {horizon} "
            f"{'' if step == horizon else f'every {step} rows '}after input_width "
            f"{input_width} need {need}; use fewer folds, a smaller step or a longer series."
        )
    last = n_rows - horizon
    return last - step * np.arange(folds - 1, -1, -1, dtype=np.int64)


def score_origin(
    series: object,
    origin: int,
    forecast: object,
    *,
    m: int = 1,
    insample: object | None = None,
    origin_date: object = None,
    baselines: bool = True,
) -> dict[str, Any]:
    """Metrics of one origin's forecast, and of every baseline on the same window.

    Args:
        series: raw target series, ``[n_rows, n_targets]`` or ``[n_rows]``; the
            actual values are ``series[origin : origin + horizon]``.
        origin: first forecast row.
        forecast: the model's raw-scale forecast, ``[horizon, n_targets]``,
            ``[horizon]`` or ``[1, horizon, n_targets]``.
        m: season length for ``seasonal_naive`` and MASE.
        insample: training rows for MASE; default ``series[:origin]`` (the
            history). Pass the rows the model was fitted on if they differ.
        origin_date: timestamp to record with the origin (e.g. the date of the
            first forecast row), or ``None``.
        baselines: also score the baselines of :data:`BASELINES`.

    Returns:
        ``{"origin": int, "origin_date": ..., "model": {metric: value},
        "naive": {...}, "seasonal_naive": {...}, "drift": {...}, "mean": {...}}``,
        one row for :func:`summarize_backtest`. MASE is included when the
        history has more than ``m`` rows.

    Raises:
        ForecasterError: if the origin leaves fewer than ``horizon`` actual rows,
            or shapes do not match.
    """
    arr = np.asarray(series, dtype=np.float64)
    arr = arr[:, None] if arr.ndim == 1 else arr
    fc = np.asarray(forecast, dtype=np.float64)
    if fc.ndim == 3 and fc.shape[0] == 1:
        fc = fc[0]
    fc = fc[:, None] if fc.ndim == 1 else fc
    if fc.ndim != 2 or arr.ndim != 2 or fc.shape[1] != arr.shape[1]:
        raise ForecasterError(
            f"`forecast` must have shape [horizon, n_targets] matching `series` "
            f"(received forecast {np.shape(forecast)}, series {np.shape(series)})."
        )
    horizon = fc.shape[0]
    origin = _positive_int(origin, "origin")
    if origin + horizon > arr.shape[0]:
        raise ForecasterError(
            f"origin {origin} with horizon {horizon} needs {origin + horizon} rows of actual "
            f"values but the series has {arr.shape[0]}; pick an earlier origin."
        )
    actual = arr[origin : origin + horizon][None]
    history = arr[:origin] if insample is None else insample
    use_mase = insample is not None or origin > m

    def score(pred: np.ndarray) -> dict[str, float]:
        return compute_metrics(actual, pred, insample=history if use_mase else None, m=m)

    row: dict[str, Any] = {"origin": origin, "origin_date": origin_date, "model": score(fc[None])}
    if baselines:
        for name, pred in baseline_forecasts(arr, [origin], horizon, m).items():
            row[name] = score(pred)
    return row


def summarize_backtest(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """One table of per-origin backtest results.

    Each row is a mapping such as :func:`score_origin` returns. Scalar entries
    become columns as they are; a nested mapping ``{"model": {"mae": 1.2}}``
    becomes the column ``model_mae``.

    Args:
        rows: one mapping per origin, each with at least ``"origin"``.

    Returns:
        DataFrame indexed by ``fold`` = 1..len(rows) in order of origin, with
        columns ``origin``, ``origin_date`` (``None`` when not given), then
        ``model_<metric>``, then ``<baseline>_<metric>`` in the order first seen,
        then any other scalar entries. ``table.mean(numeric_only=True)`` gives
        the average over origins.

    Raises:
        ForecasterError: if ``rows`` is empty or a row has no ``"origin"``.
    """
    if len(rows) == 0:
        raise ForecasterError("`rows` is empty; pass one result per backtest origin.")
    flat_rows = []
    for i, row in enumerate(rows):
        if "origin" not in row:
            raise ForecasterError(
                f"backtest row {i} has no 'origin' key (keys: {sorted(row)}); "
                "build rows with score_origin()."
            )
        flat: dict[str, Any] = {"origin": int(row["origin"]), "origin_date": row.get("origin_date")}
        for key, value in row.items():
            if key in ("origin", "origin_date"):
                continue
            if isinstance(value, Mapping):
                flat.update({f"{key}_{metric}": v for metric, v in value.items()})
            else:
                flat[key] = value
        flat_rows.append(flat)
    table = pd.DataFrame(flat_rows)
    scored = [c for c in table.columns if c.startswith("model_")]
    rest = [c for c in table.columns if c not in ("origin", "origin_date") and c not in scored]
    table = table[["origin", "origin_date", *scored, *rest]]
    table = table.sort_values("origin", kind="stable").reset_index(drop=True)
    table.index = pd.RangeIndex(1, len(table) + 1, name="fold")
    return table


def _metric_entries(row: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """``{name: {metric: value}}`` from a nested row (``{"model": {"mae": ..}}``) or a flat one (``model_mae``)."""
    scored: dict[str, dict[str, float]] = {}
    for key, value in row.items():
        if key in ("origin", "origin_date"):
            continue
        if isinstance(value, Mapping):
            metrics = {m: float(v) for m, v in value.items() if m in METRICS}
            if metrics:
                scored.setdefault(str(key), {}).update(metrics)
            continue
        name, _, metric = str(key).rpartition("_")
        if name and metric in METRICS and np.isscalar(value):
            scored.setdefault(name, {})[metric] = float(value)
    return scored


def tidy_backtest(
    rows: Sequence[Mapping[str, Any]] | pd.DataFrame, *, keep: Sequence[str] = ()
) -> pd.DataFrame:
    """Backtest results as a long table: one row per origin and model (the model and each baseline).

    Args:
        rows: per-origin results: mappings as :func:`score_origin` returns
            (nested ``{"model": {"mae": ..}}``) or flat ones (``model_mae``,
            ``naive_mae`` ...), or the table of :func:`summarize_backtest`.
            Other entries (a stored forecast, epochs) are left out unless named in ``keep``.
        keep: per-origin entries to keep as columns on the ``"model"`` rows
            (``None`` on the baselines' rows), e.g. ``("forecast",)`` to keep
            each origin's forecast for :func:`~forecaster.evaluation.plots.plot_backtest`.

    Returns:
        DataFrame with columns ``origin``, ``origin_date``, ``model`` and one
        column per metric (in :data:`~forecaster.evaluation.metrics.METRICS`
        order, those present), then the ``keep`` columns; sorted by origin with
        ``"model"`` first in each origin and the baselines in the order first
        seen; a plain RangeIndex.

    Raises:
        ForecasterError: if there are no rows, a row has no ``"origin"`` or no metrics.
    """
    if isinstance(rows, pd.DataFrame):
        rows = rows.to_dict("records")
    if len(rows) == 0:
        raise ForecasterError("`rows` is empty; pass one result per backtest origin.")
    records: list[dict[str, Any]] = []
    names: list[str] = []
    for i, row in enumerate(rows):
        if "origin" not in row:
            raise ForecasterError(
                f"backtest row {i} has no 'origin' key (keys: {sorted(row)}); build rows with score_origin()."
            )
        scored = _metric_entries(row)
        if not scored:
            raise ForecasterError(
                f"backtest row {i} has no metrics; expected entries such as 'model': {{'mae': ...}} or 'model_mae'."
            )
        for name, metrics in scored.items():
            if name not in names:
                names.append(name)
            records.append(
                {
                    "origin": int(row["origin"]),
                    "origin_date": row.get("origin_date"),
                    "model": name,
                    **metrics,
                    **{key: row.get(key) if name == "model" else None for key in keep},
                }
            )
    order = {name: i for i, name in enumerate(sorted(names, key=lambda n: n != "model"))}
    table = pd.DataFrame(records)
    present = [m for m in METRICS if m in table.columns]
    table = table[["origin", "origin_date", "model", *present, *keep]]
    rank = table["model"].map(order)
    table = (
        table.assign(_rank=rank)
        .sort_values(["origin", "_rank"], kind="stable")
        .drop(columns="_rank")
    )
    return table.reset_index(drop=True)


def backtest_summary(table: pd.DataFrame | Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Mean of each metric over the origins, per model: the one-line-per-model summary of a backtest.

    Args:
        table: the result of :func:`tidy_backtest` (or rows it accepts).

    Returns:
        DataFrame indexed by ``model`` (the model first, then the baselines in
        the table's order) with ``origins`` (how many were averaged) and the
        mean of each metric; an origin where a metric is missing or not finite
        is left out of that metric's mean.
    """
    if not (isinstance(table, pd.DataFrame) and {"origin", "model"} <= set(table.columns)):
        table = tidy_backtest(table)
    metrics = [m for m in METRICS if m in table.columns]
    finite = table[metrics].where(np.isfinite(table[metrics].astype(np.float64)))
    grouped = finite.groupby(table["model"], sort=False)
    summary = grouped.mean()
    summary.insert(0, "origins", table.groupby("model", sort=False)["origin"].nunique().astype(int))
    summary.index.name = "model"
    return summary

"""Per-series scaling for global (panel) models: the fit series and series never seen at fit.

A global model works in scaled space with one scaler per series, fit on that
series' training rows. A series that was not in the fit data has no such
scaler; :func:`context_scaler` fits one, of the same method, on the series'
own recent history (its context window), so the model sees the new series on
the same footing as the others. The estimate is noisier than a scaler from
a long training part: pass as much recent history as you have (``rows``
bounds it), never less than ``input_width`` rows.

In a seasonally adjusted fit (``data.seasonal_adjustment``) each scaler also
holds the series' seasonal indices: :func:`fit_series_scalers` takes them from
the training part, :func:`refit_series_scalers` from every row for the refit,
and a new series gets its own when its rows pass the seasonality test.

Example:
    >>> import numpy as np
    >>> s = context_scaler(np.arange(10.0)[:, None], input_width=4, method="standard", rows=4)
    >>> s.center.tolist(), round(float(s.scale[0]), 3)
    ([7.5], 1.118)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from forecaster.data.scaling import Scaler, fit_scaler
from forecaster.data.seasonal_adjustment import adjustment_period, first_phases, fit_seasonal
from forecaster.errors import ForecasterError

__all__ = [
    "context_scaler", "fit_series_scaler", "fit_series_scalers", "refit_series_scalers", "scaler_for_series",
    "stack_scalers",
]


def fit_series_scaler(
    rows: np.ndarray,
    method: str,
    n_targets: int,
    period: int | None = None,
    first_phase: int | None = None,
    index_rows: np.ndarray | None = None,
) -> Scaler:
    """A series' scaler fit on ``rows``; with ``period``, on the rows seasonally adjusted first
    (when its targets pass the seasonality test, ``data.seasonal_adjustment``), row 0 at ``first_phase``.

    ``index_rows``: the rows the indices come from, starting at the same row (default ``rows``).
    """
    index_rows = rows if index_rows is None else index_rows
    seasonal = None
    if period is not None and first_phase is not None:
        seasonal = fit_seasonal(index_rows[:, :n_targets], first_phase, period)
    if seasonal is None:
        return fit_scaler(rows, method)
    fitted = fit_scaler(seasonal.adjust(rows), method)
    return Scaler(fitted.method, fitted.center, fitted.scale, seasonal)


def fit_series_scalers(
    series: Any, train: list[np.ndarray], method: str, seasonal_adjustment: bool | str = False
) -> tuple[list[Scaler], int | None]:
    """``(scalers, period)``: one scaler per series of ``series`` from its training rows ``train[i]`` (each from
    the series' first row), and the season the seasonal ones are adjusted by (``None``: none is; see
    ``seasonal_adjustment.adjustment_period``)."""
    from forecaster.data.seasons import season_length

    period = adjustment_period(seasonal_adjustment, series, season_length(series.freq))
    scalers = _series_scalers(series, train, train, method, period)
    # no seasonal series: the model learns raw series, so a new one is not adjusted either
    return scalers, period if any(sc.seasonal is not None for sc in scalers) else None


def refit_series_scalers(series: Any, parts: list[np.ndarray], splits: list[Any], method: str, period: int) -> list[Scaler]:
    """The scalers of a refit on every row ``parts[i]`` of each series: seasonal indices from its latest
    seasons (all its rows), centre and scale still from its training part (``splits[i].train``)."""
    train = [v[s.train[0] : s.train[1]] for v, s in zip(parts, splits, strict=True)]
    if any(s.train[0] != 0 for s in splits):
        raise ValueError("a training part must start at its series' first row")
    return _series_scalers(series, train, parts, method, period)


def _series_scalers(
    series: Any, train: list[np.ndarray], rows: list[np.ndarray], method: str, period: int | None
) -> list[Scaler]:
    """One scaler per series from its training rows ``train[i]``, adjusted by indices from ``rows[i]``;
    both start at the series' first row."""
    n_targets = len(series.targets)
    starts = [None] * len(train) if period is None else first_phases(series, period)
    return [
        fit_series_scaler(t, method, n_targets, period, p, index_rows=r)
        for t, r, p in zip(train, rows, starts, strict=True)
    ]


def context_scaler(
    values: np.ndarray,
    input_width: int,
    method: str = "standard",
    *,
    rows: int | None = None,
    series_id: Any = None,
    n_targets: int = 1,
    period: int | None = None,
    first_phase: int | None = None,
) -> Scaler:
    """A scaler for a series not seen at fit, from its last ``rows`` rows (default: all given).

    Args:
        values: the series' raw rows ``[n_rows, n_columns]``, oldest first
            (the same columns as the model's scaled inputs).
        input_width: the model's window; at least this many rows are needed.
        method: the scaling method of the fitted model (``Forecaster.scaling``).
        rows: use only the last ``rows`` rows (at least ``input_width``).
        series_id: named in the error message.
        n_targets, period, first_phase: a seasonally adjusted fit (``period``): the series' own
            seasonal indices from all given rows, the first at ``first_phase`` (seasonal ones
            need three seasons and the seasonality test), then the scaler from the last ``rows``.

    Raises:
        ForecasterError: if the series has fewer than ``input_width`` rows or
            non-finite values.
    """
    values = np.asarray(values, np.float64)
    if values.ndim == 1:
        values = values[:, None]
    what = "the new series" if series_id is None else f"series {series_id!r}"
    if len(values) < input_width:
        raise ForecasterError(
            f"{what} was not seen at fit and has {len(values)} rows; at least input_width = {input_width} "
            "rows are needed to scale it from its own history (pass a longer context)."
        )
    skipped = 0
    if rows is not None:
        if rows < input_width:
            raise ForecasterError(f"`rows` must be at least input_width = {input_width} (received rows={rows}).")
        skipped = max(len(values) - rows, 0)
        values = values[-rows:]
    if not np.isfinite(values).all():
        raise ForecasterError(f"{what} has NaN or infinite values in its context; fill them first.")
    phase = None if period is None or first_phase is None else first_phase + skipped
    # bound, as a fit scaler is, to the first of all the rows given
    return fit_series_scaler(values, method, n_targets, period, phase).at_phase(first_phase)


def scaler_for_series(
    series_id: Any,
    values: np.ndarray,
    known: dict[str, Scaler],
    input_width: int,
    method: str = "standard",
    *,
    rows: int | None = None,
    n_targets: int = 1,
    period: int | None = None,
    first_phase: int | None = None,
) -> tuple[Scaler, bool]:
    """The fit scaler of ``series_id`` (looked up by ``str(id)``), else one from its context.

    ``first_phase``: the seasonal phase of ``values[0]``; a fit scaler is bound to it, a new
    series' scaler is adjusted by its own indices when the fit was (``period``).

    Returns:
        ``(scaler, seen)``: ``seen`` is False when the scaler came from the context.
    """
    key = str(series_id.item() if isinstance(series_id, np.generic) else series_id)
    if key in known:
        return known[key].at_phase(first_phase), True
    scaler = context_scaler(
        values, input_width, method, rows=rows, series_id=series_id, n_targets=n_targets, period=period,
        first_phase=first_phase,
    )
    return scaler, False


def stack_scalers(series_ids: Sequence[Any], scalers: Sequence[Scaler]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``(ids as text, centers [n_series, n_columns], scales [n_series, n_columns])`` for a panel export."""
    if len(series_ids) != len(scalers) or not scalers:
        raise ForecasterError("a panel needs one scaler per series id (received "
                              f"{len(series_ids)} ids and {len(scalers)} scalers).")
    ids = [str(s.item() if isinstance(s, np.generic) else s) for s in series_ids]
    return ids, np.stack([s.center for s in scalers]), np.stack([s.scale for s in scalers])

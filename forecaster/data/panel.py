"""Per-series scaling for global (panel) models: the fit series and series never seen at fit.

A global model works in scaled space with one scaler per series, fit on that
series' training rows. A series that was not in the fit data has no such
scaler; :func:`context_scaler` fits one, of the same method, on the series'
own recent history (its context window), so the model sees the new series on
the same footing as the others. The estimate is noisier than a scaler from
a long training part: pass as much recent history as you have (``rows``
bounds it), never less than ``input_width`` rows.

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
from forecaster.errors import ForecasterError

__all__ = ["context_scaler", "scaler_for_series", "stack_scalers"]


def context_scaler(
    values: np.ndarray,
    input_width: int,
    method: str = "standard",
    *,
    rows: int | None = None,
    series_id: Any = None,
) -> Scaler:
    """A scaler for a series not seen at fit, from its last ``rows`` rows (default: all given).

    Args:
        values: the series' raw rows ``[n_rows, n_columns]``, oldest first
            (the same columns as the model's scaled inputs).
        input_width: the model's window; at least this many rows are needed.
        method: the scaling method of the fitted model (``Forecaster.scaling``).
        rows: use only the last ``rows`` rows (at least ``input_width``).
        series_id: named in the error message.

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
    if rows is not None:
        if rows < input_width:
            raise ForecasterError(f"`rows` must be at least input_width = {input_width} (received rows={rows}).")
        values = values[-rows:]
    if not np.isfinite(values).all():
        raise ForecasterError(f"{what} has NaN or infinite values in its context; fill them first.")
    return fit_scaler(values, method)


def scaler_for_series(
    series_id: Any,
    values: np.ndarray,
    known: dict[str, Scaler],
    input_width: int,
    method: str = "standard",
    *,
    rows: int | None = None,
) -> tuple[Scaler, bool]:
    """The fit scaler of ``series_id`` (looked up by ``str(id)``), else one from its context.

    Returns:
        ``(scaler, seen)``: ``seen`` is False when the scaler came from the context.
    """
    key = str(series_id.item() if isinstance(series_id, np.generic) else series_id)
    if key in known:
        return known[key], True
    return context_scaler(values, input_width, method, rows=rows, series_id=series_id), False


def stack_scalers(series_ids: Sequence[Any], scalers: Sequence[Scaler]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``(ids as text, centers [n_series, n_columns], scales [n_series, n_columns])`` for a panel export."""
    if len(series_ids) != len(scalers) or not scalers:
        raise ForecasterError("a panel needs one scaler per series id (received "
                              f"{len(series_ids)} ids and {len(scalers)} scalers).")
    ids = [str(s.item() if isinstance(s, np.generic) else s) for s in series_ids]
    return ids, np.stack([s.center for s in scalers]), np.stack([s.scale for s in scalers])

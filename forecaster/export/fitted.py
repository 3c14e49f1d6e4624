"""Export of a fitted :class:`~forecaster.Forecaster`: its model and scaling into the right SavedModel.

A single series goes through :func:`~forecaster.export.single.export_saved_model`; a panel
(``id_col``) through :func:`~forecaster.export.panel.export_panel_saved_model` with every
series' scaler statistics and static row, so one SavedModel serves the whole panel.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from forecaster.export.panel import export_panel_saved_model
from forecaster.export.single import export_saved_model


def export_forecaster(fc: Any, path: str | os.PathLike) -> None:
    """Write ``fc``'s SavedModel at ``path`` (raw units in and out; see :meth:`Forecaster.export`)."""
    if fc.id_col_ is not None:
        from forecaster.data.panel import stack_scalers

        ids, centers, scales = stack_scalers(fc.series_ids_, fc.scalers_)
        statics, seasonal, period = None, None, getattr(fc, "seasonal_period_", None)
        if getattr(fc, "statics_", None) is not None:
            statics = np.stack([fc.static_rows_[i] for i in ids])
        tails, next_phases = None, None
        if period is not None:  # ones for a series that is not seasonal
            ones = np.ones((period, len(fc.targets_)))
            seasonal = np.stack([ones if sc.seasonal is None else sc.seasonal.indices for sc in fc.scalers_])
            tails, next_phases = _fit_tails(fc, ids, period)
        export_panel_saved_model(
            fc.model_,
            os.fspath(path),
            series_ids=ids,
            centers=centers,
            scales=scales,
            n_targets=len(fc.targets_),
            statics=statics,
            seasonal=seasonal,
            tails=tails,
            next_phases=next_phases,
            head=fc.head,
            quantiles=tuple(fc.quantiles),
            # a bool is the user's choice; "auto" exports with XLA, measured faster per window
            jit_compile=fc.jit_compile if isinstance(fc.jit_compile, bool) else True,
        )
        return
    scaler = fc.scalers_[0]
    export_saved_model(
        fc.model_,
        os.fspath(path),
        center=scaler.center,
        scale=scaler.scale,
        n_targets=len(fc.targets_),
        head=fc.head,
        quantiles=tuple(fc.quantiles),
    )


def _fit_tails(fc: Any, ids: list[str], period: int) -> tuple[np.ndarray, np.ndarray]:
    """Each series' last ``input_width`` fit rows and the seasonal phase of the row after them (``serve``
    without ``phase`` forecasts after the fit data)."""
    from forecaster.data.seasonal_adjustment import phases

    series = fc._tail_series()
    rows = {str(sid): stop for sid, _, stop in series.segments()}
    tails = np.stack([series.values[rows[i] - fc.input_width_ : rows[i]] for i in ids])
    last = phases(series.dates[[rows[i] - 1 for i in ids]], fc.freq_, period)
    return tails, (last + 1) % period

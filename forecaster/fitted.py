"""The fitted-state interface of ``Forecaster`` that its helper modules call.

``prediction``, ``scoring``, ``figures``, ``training.choice``, ``training.members`` and
``tasks.sampling`` read a fitted ``Forecaster`` through these methods: its model's output on
scaled windows (one compiled function per fitted model), the scaler of each series (a series
not seen at fit: scaled from its own rows), scaled windows with the static inputs, outputs in
raw units, conformal bounds, new data loaded like the fit data, and the held-out model (the
one that never saw the test part). ``Forecaster`` inherits them; nothing here is public.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from forecaster.data.io import SeriesData
from forecaster.data.scaling import Scaler
from forecaster.errors import ForecasterError

__all__ = ["FittedMixin"]

XLA_MAX_WINDOWS = 8
"""With ``jit_compile="auto"`` on a CPU, batches of at most this many windows may be predicted with XLA."""

XLA_AFTER_CALLS = 100
"""... once a batch of that size has been predicted this many times with the graph (see ``_BySize``)."""


class FittedMixin:
    """Methods that read a fitted ``Forecaster``'s ``*_`` attributes (they write only caches)."""

    def _conformal(
        self, point: np.ndarray, scaler: Scaler, values: np.ndarray, origins: np.ndarray
    ) -> dict[float, dict[str, np.ndarray]]:
        """Conformal bounds around raw point forecasts ``[n, H, T]`` from ``origins`` of ``values`` (``{}`` without calibration)."""
        from forecaster.training.choice import conformal

        return conformal(self, point, scaler, values, origins)

    def _predict_scaled(self, x: np.ndarray) -> np.ndarray:
        """Model output for scaled windows ``[n, input_width, n_features]`` (scaled space)."""
        import tensorflow as tf

        def make() -> Any:
            # here, not at the top: the served fast path (cli.serving) imports no Keras
            from forecaster.models.forward import forward

            # one traced function per model object (models.forward): the network inside a median, and
            # the refit that retrains the held-out network in place, reuse what validation traced
            model = self.model_
            if isinstance(self.jit_compile, bool):
                return forward(model, self.jit_compile)
            if tf.config.list_physical_devices("GPU"):
                return forward(model)  # on a GPU keep the cuDNN kernels
            # XLA makes a forecast of a few windows ~4x faster on CPU (0.5 ms against 2 ms), but it
            # compiles once per batch size (0.2-0.4 s each) and is no faster on larger batches.
            return _BySize(forward(model, True), forward(model))

        predict_fn = self._compiled_predict(make)
        outputs = [np.asarray(predict_fn(tf.constant(x[i : i + 4096], tf.float32))) for i in range(0, len(x), 4096)]
        return np.concatenate(outputs) if outputs else np.zeros((0,))

    def _to_raw(self, output: np.ndarray, scaler: Scaler, origins: np.ndarray) -> dict[str, np.ndarray]:
        """Scaled head output of the windows at ``origins`` -> raw ``mean`` [n,H,T] (and ``quantiles`` / ``std``); see ``prediction.to_raw``."""
        from forecaster.prediction import to_raw

        return to_raw(self, output, scaler, origins)

    def _n_inputs(self) -> int:
        """Model input columns: the scaled dynamic columns, then the encoded static ones."""
        statics = getattr(self, "statics_", None)
        return len(self.columns_) + (statics.n_features if statics is not None else 0)

    def _with_statics(self, scaled: np.ndarray, series_id: Any) -> np.ndarray:
        """Scaled rows with the series' encoded static row appended (see ``forecaster.inputs``)."""
        from forecaster.inputs import with_statics

        return with_statics(self, scaled, series_id)

    def _windows_at(self, values: np.ndarray, origins: np.ndarray, scaler: Scaler, series_id: Any = None) -> np.ndarray:
        """Scaled model inputs ``[n, input_width, n_inputs]`` ending before each origin of raw ``values``."""
        from forecaster.inputs import windows_at

        return windows_at(self, values, origins, scaler, series_id)

    def _load_like_fit(self, data: Any) -> SeriesData:
        """``data`` loaded like the fit data; keeps the static rows of its unseen series (a cache, not fitted state)."""
        from forecaster.inputs import load_like_fit

        series, new_statics = load_like_fit(self, data)
        if new_statics is not None:
            self._new_statics = new_statics
        return series

    def _scaler_for(self, series_id: Any, values: np.ndarray | None = None) -> Scaler:
        return self._scaler_seen(series_id, values)[0]

    def _first_phases(self, series: SeriesData) -> dict[int, int | None]:
        """The seasonal phase of each segment's first row of ``series``, by its start row (all ``None``
        unless the fit was seasonally adjusted); one call for the whole panel."""
        starts = [start for _, start, _ in series.segments()]
        period = getattr(self, "seasonal_period_", None)
        if period is None or series.dates is None:
            return dict.fromkeys(starts)
        from forecaster.data.seasonal_adjustment import first_phases

        return dict(zip(starts, first_phases(series, period, self.freq_), strict=True))

    def _scaler_seen(
        self, series_id: Any, values: np.ndarray | None = None, first_phase: int | None = None
    ) -> tuple[Scaler, bool]:
        """``(scaler, seen)``: the fit scaler of a series, else one from its own rows ``values`` (a new series);
        bound to ``values[0]``'s seasonal phase ``first_phase`` (``_first_phases``) in a seasonally adjusted fit."""
        if self.id_col_ is None:
            return self.scalers_[0], True
        from forecaster.data.panel import scaler_for_series

        index = getattr(self, "_scaler_index", None)
        if index is None or index[0] is not self.scalers_:  # one dict per fit: no per-series scan
            index = (self.scalers_, {str(s): sc for s, sc in zip(self.series_ids_, self.scalers_, strict=True)})
            self._scaler_index = index
        if values is None and str(series_id) not in index[1]:
            raise ForecasterError(f"series {series_id!r} was not seen at fit; pass its rows so it can be scaled.")
        period = getattr(self, "seasonal_period_", None)
        if period is not None and first_phase is None:  # a caller bug: the rows' phase decides the indices
            raise ValueError("a seasonally adjusted model needs the seasonal phase of the rows it scales.")
        return scaler_for_series(
            series_id, values, index[1], self.input_width_, self.scaling, n_targets=len(self.targets_),
            period=period, first_phase=first_phase,
        )

    def _as_of_rows(self, series: SeriesData, as_of: Any) -> list[int]:
        """Per segment, how many rows lie at or before ``as_of`` (each at least ``input_width``)."""
        from forecaster.prediction import as_of_rows

        return as_of_rows(self, series, as_of)

    def _predict_series(self, series: SeriesData) -> pd.DataFrame:
        """The forecast frame of ``series`` (see ``forecaster.prediction``)."""
        from forecaster.prediction import predict_series

        return predict_series(self, series)

    def _tail_series(self) -> SeriesData:
        if hasattr(self, "data_"):
            return self.data_
        return self.tail_

    def _heldout_input_width(self) -> int:
        """The held-out model's window: ``input_width_``, unless a window-baseline plan of the whole history
        replaced the network after the held-out metrics (``training.choice.history_plan_refit``)."""
        return (getattr(self, "refit_", None) or {}).get("heldout_input_width", self.input_width_)

    @contextlib.contextmanager
    def _heldout(self) -> Iterator[None]:
        """Predict as the held-out metrics did: with the held-out model and the held-out intervals.

        That is the model that never saw the test part (after ``refit``, the one fit before
        it), with its input width, and the intervals calibrated without the test windows
        (``heldout_intervals_``).
        """
        model, intervals = getattr(self, "heldout_model_", None), getattr(self, "heldout_intervals_", None)
        scalers = getattr(self, "heldout_scalers_", None)  # a seasonally adjusted refit has its own indices
        width = self._heldout_input_width()
        final = self.model_, self._predict_fn, getattr(self, "intervals_", None), self.scalers_, self.input_width_
        if model is not None:
            self.model_, self._predict_fn = model, None
        if intervals is not None:
            self.intervals_ = intervals
        if model is not None and scalers is not None:
            self.scalers_ = scalers
        if model is not None:
            self.input_width_ = width
        try:
            yield
        finally:
            if model is not None:
                self.model_, self._predict_fn, self.scalers_, self.input_width_ = final[0], final[1], final[3], final[4]
            if intervals is not None:
                self.intervals_ = final[2]


class _BySize:
    """Predicts with ``large`` (the graph, traced once for every size), and with ``small`` (XLA) a
    batch of at most ``XLA_MAX_WINDOWS`` windows whose size has been predicted ``XLA_AFTER_CALLS``
    times already.

    XLA's compilation for a size (0.2-0.4 s) pays back after 100-200 forecasts of that size
    (1.5-2 ms saved each): a fit's few forecasts of each model would only pay it (three
    models and two sizes cost a short series' CLI fit 1-2 s), a serving loop soon earns it.
    Switching when the graph has cost about what the compilation costs is at most twice
    the better of the two in hindsight.
    """

    def __init__(self, small: Any, large: Any) -> None:
        self.small, self.large = small, large
        self.calls: dict[int, int] = {}

    def __call__(self, x: Any) -> Any:
        size = int(x.shape[0])
        if size > XLA_MAX_WINDOWS:
            return self.large(x)
        self.calls[size] = self.calls.get(size, 0) + 1
        return self.small(x) if self.calls[size] > XLA_AFTER_CALLS else self.large(x)

"""Per-column scaling fit on the training split only.

A fitted scaler is two plain vectors, ``center`` and ``scale``, with
``scaled = (raw - center) / scale``. That keeps the state JSON-friendly and
lets ``export`` bake the same arithmetic into the SavedModel graph. The
statistics come from scikit-learn's ``StandardScaler`` / ``MinMaxScaler``.

Fit on the training part alone: scaling with statistics of the whole series
leaks the test period into the model.

Example:
    >>> import numpy as np
    >>> s = fit_scaler(np.array([[1.0], [3.0]]), "standard")
    >>> s.transform(np.array([[1.0], [3.0]])).ravel().tolist()
    [-1.0, 1.0]
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from forecaster.data.seasonal_adjustment import SeasonalIndices
from forecaster.errors import ForecasterError

SCALING_METHODS = ("standard", "minmax", "none")


@dataclass(frozen=True)
class Scaler:
    """Fitted per-column affine scaling: ``scaled = (raw - center) / scale``.

    With ``seasonal`` (a seasonally adjusted panel series, ``data.seasonal_adjustment``) the
    target columns of rows ``[n, n_columns]`` are first divided by their seasonal indices, row 0
    at ``seasonal.phase``; :meth:`at_phase` binds the scaler to other rows of the series.
    """

    method: str
    center: np.ndarray
    scale: np.ndarray
    seasonal: SeasonalIndices | None = None

    def transform(self, values: np.ndarray) -> np.ndarray:
        """Scale raw values of shape ``[..., n_columns]`` (float32 out); seasonal: rows ``[n, n_columns]`` from the bound phase."""
        values = np.asarray(values, np.float64)
        if self.seasonal is not None:
            values = self.seasonal.adjust(values)
        return ((values - self.center) / self.scale).astype(np.float32)

    def at_phase(self, phase: int | None) -> Scaler:
        """This scaler for rows whose first row has seasonal phase ``phase`` (unchanged without indices or phase)."""
        if self.seasonal is None or phase is None:
            return self
        return replace(self, seasonal=self.seasonal.at(phase))

    def seasonal_factors(self, origins: np.ndarray, horizon: int) -> np.ndarray | None:
        """The indices ``[n, horizon, n_targets]`` of the rows forecast from each origin (``None`` without indices)."""
        if self.seasonal is None:
            return None
        return self.seasonal.factors(np.asarray(origins)[:, None] + np.arange(horizon)[None, :])

    def inverse_transform(self, values: np.ndarray, columns: slice | list[int] | None = None) -> np.ndarray:
        """Undo the affine scaling; ``columns`` picks the scaler columns ``values`` holds (e.g. targets).

        Seasonal indices are not multiplied back here: that needs the rows' positions (:meth:`seasonal_factors`).
        """
        idx = slice(None) if columns is None else columns
        return (np.asarray(values, np.float64) * self.scale[idx] + self.center[idx]).astype(np.float32)

    def to_dict(self) -> dict[str, Any]:
        state = {"method": self.method, "center": self.center.tolist(), "scale": self.scale.tolist()}
        if self.seasonal is not None:
            state["seasonal"] = self.seasonal.to_dict()
        return state

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> Scaler:
        seasonal = state.get("seasonal")
        return cls(
            method=state["method"],
            center=np.asarray(state["center"], np.float64),
            scale=np.asarray(state["scale"], np.float64),
            seasonal=None if seasonal is None else SeasonalIndices.from_dict(seasonal),
        )


def fit_scaler(values: np.ndarray, method: str = "standard") -> Scaler:
    """Fit a scaler on ``values`` of shape ``[n_rows, n_columns]`` (the training rows only).

    Constant columns get ``scale = 1`` so they never divide by zero.

    Args:
        values: training rows, shape ``[n_rows, n_columns]``, finite.
        method: ``"standard"`` (mean / standard deviation), ``"minmax"``
            (minimum / range) or ``"none"`` (identity).

    Returns:
        A :class:`Scaler` with ``center`` and ``scale`` of shape ``[n_columns]``.

    Raises:
        ForecasterError: for an unknown method, an empty or non-2-D array,
            or NaN / infinite values.
    """
    if method not in SCALING_METHODS:
        raise ForecasterError(
            f"`scaling` must be one of {', '.join(SCALING_METHODS)} (received scaling={method!r})."
        )
    values = np.asarray(values, np.float64)
    if values.ndim != 2 or len(values) == 0:
        raise ForecasterError("scaling needs a non-empty 2-D array [n_rows, n_columns].")
    if not np.isfinite(values).all():
        raise ForecasterError("scaling needs finite values; the array has NaN or infinite values (fill them first).")
    n_columns = values.shape[1]
    if method == "none":
        return Scaler(method, np.zeros(n_columns), np.ones(n_columns))
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    if method == "standard":
        fitted = StandardScaler().fit(values)
        center, scale = fitted.mean_, fitted.scale_
    else:
        fitted = MinMaxScaler().fit(values)
        center, scale = fitted.data_min_, fitted.data_range_
    scale = np.where(scale > 0, scale, 1.0)
    return Scaler(method, np.asarray(center, np.float64), np.asarray(scale, np.float64))

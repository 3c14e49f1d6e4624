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

from dataclasses import dataclass
from typing import Any

import numpy as np

from forecaster.errors import ForecasterError

SCALING_METHODS = ("standard", "minmax", "none")


@dataclass(frozen=True)
class Scaler:
    """Fitted per-column affine scaling: ``scaled = (raw - center) / scale``."""

    method: str
    center: np.ndarray
    scale: np.ndarray

    def transform(self, values: np.ndarray) -> np.ndarray:
        """Scale raw values of shape ``[..., n_columns]`` (float32 out)."""
        return ((np.asarray(values, np.float64) - self.center) / self.scale).astype(np.float32)

    def inverse_transform(self, values: np.ndarray, columns: slice | list[int] | None = None) -> np.ndarray:
        """Undo the scaling; ``columns`` picks the scaler columns ``values`` holds (e.g. targets)."""
        idx = slice(None) if columns is None else columns
        return (np.asarray(values, np.float64) * self.scale[idx] + self.center[idx]).astype(np.float32)

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "center": self.center.tolist(), "scale": self.scale.tolist()}

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> Scaler:
        return cls(
            method=state["method"],
            center=np.asarray(state["center"], np.float64),
            scale=np.asarray(state["scale"], np.float64),
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

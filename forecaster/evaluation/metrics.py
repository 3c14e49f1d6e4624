"""Point-forecast error metrics on the raw (unscaled) scale.

Every metric takes ``y_true`` and ``y_pred`` of shape ``[n, horizon, n_targets]``
(``n`` forecast windows), and returns one float averaged over every window,
step and target. ``[n, horizon]`` is read as one target, and a 1-D array as a
single window. :func:`compute_metrics` returns all of them at once and
:func:`metrics_by_step` gives one row per horizon step.

Conventions:

* ``mape`` and ``smape`` are in **percent** (x100), unlike scikit-learn's
  ``mean_absolute_percentage_error``, which returns a fraction.
* ``mape`` ignores points whose actual value is ~0 (``|y_true| <= 1e-8``);
  it is ``nan`` when every actual value is ~0.
* ``smape`` counts a point where actual and forecast are both ~0 as a perfect
  forecast (error 0); its range is 0..200.
* ``mase`` divides the mean absolute error by the in-sample mean absolute error
  of the seasonal naive forecast with period ``m`` on the training rows, per
  target column. Below 1 means better than that naive forecast did in sample.

**One MASE definition.** The scale is :func:`mase_scale` of the *training
part* of each series at its *primary season* (the first of
:func:`forecaster.data.seasons.select_seasons`, ``m = 1`` when there is none).
Compute it once per series and pass it as ``scale=`` to :func:`mase`,
:func:`compute_metrics` and :func:`metrics_by_step` wherever a run is scored
(fit, evaluate, backtest), so every path divides by the same number;
``insample=`` computes that same scale on the fly (the two give equal results).

Example:
    >>> import numpy as np
    >>> y = np.array([[1.0, 2.0], [3.0, 4.0]])      # 2 windows, horizon 2
    >>> p = np.array([[1.0, 3.0], [3.0, 2.0]])
    >>> mae(y, p), mse(y, p), rmse(y, p)
    (0.75, 1.25, 1.118033988749895)
    >>> metrics_by_step(y, p)["mae"].tolist()
    [0.0, 1.5]
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from forecaster.data.arrays import series_arrays
from forecaster.errors import ForecasterError

__all__ = [
    "METRICS",
    "compute_metrics",
    "mae",
    "mape",
    "mase",
    "mase_scale",
    "metrics_by_step",
    "mse",
    "rmse",
    "smape",
]

METRICS = ("mse", "rmse", "mae", "mape", "smape", "mase")

# |y_true| at or below this counts as zero for MAPE (and |y|+|p| for sMAPE).
ZERO_TOL = 1e-8


def _as_3d(a: object, name: str) -> np.ndarray:
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[None, :, None]
    elif arr.ndim == 2:
        arr = arr[:, :, None]
    elif arr.ndim != 3:
        raise ForecasterError(
            f"`{name}` must have shape [n, horizon, n_targets] or [n, horizon] "
            f"(received shape {arr.shape})."
        )
    if arr.size == 0:
        raise ForecasterError(
            f"`{name}` is empty (received shape {arr.shape}); pass at least one value."
        )
    return arr


def _pair(y_true: object, y_pred: object) -> tuple[np.ndarray, np.ndarray]:
    t = _as_3d(y_true, "y_true")
    p = _as_3d(y_pred, "y_pred")
    if t.shape != p.shape:
        raise ForecasterError(
            f"`y_true` and `y_pred` must have the same shape (received {t.shape} and {p.shape})."
        )
    return t, p


def _mse(t: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean((t - p) ** 2))


def _mae(t: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean(np.abs(t - p)))


def _mape(t: np.ndarray, p: np.ndarray) -> float:
    keep = np.abs(t) > ZERO_TOL
    if not keep.any():
        return float("nan")
    return float(100.0 * np.mean(np.abs((t[keep] - p[keep]) / t[keep])))


def _smape(t: np.ndarray, p: np.ndarray) -> float:
    denom = np.abs(t) + np.abs(p)
    zero = denom <= ZERO_TOL
    ratio = np.where(zero, 0.0, 2.0 * np.abs(t - p) / np.where(zero, 1.0, denom))
    return float(100.0 * np.mean(ratio))


def _mase(t: np.ndarray, p: np.ndarray, scale: np.ndarray) -> float:
    # scale: [n_targets], nan where the in-sample error was zero.
    valid = np.isfinite(scale)
    if not valid.any():
        return float("nan")
    per_target = np.mean(np.abs(t - p), axis=(0, 1))[valid] / scale[valid]
    return float(np.mean(per_target))


def mse(y_true: object, y_pred: object) -> float:
    """Mean squared error over every window, step and target.

    Args:
        y_true: actual values, ``[n, horizon, n_targets]`` (or ``[n, horizon]``).
        y_pred: forecasts, same shape.

    Returns:
        The mean of ``(y_true - y_pred) ** 2``.

    Raises:
        ForecasterError: if the shapes differ, are empty or have more than 3 axes.
    """
    return _mse(*_pair(y_true, y_pred))


def rmse(y_true: object, y_pred: object) -> float:
    """Root mean squared error: ``sqrt(mse)`` over every window, step and target.

    Args:
        y_true: actual values, ``[n, horizon, n_targets]`` (or ``[n, horizon]``).
        y_pred: forecasts, same shape.

    Returns:
        The square root of the pooled MSE (not an average of per-target RMSEs).

    Raises:
        ForecasterError: if the shapes differ, are empty or have more than 3 axes.
    """
    return float(np.sqrt(_mse(*_pair(y_true, y_pred))))


def mae(y_true: object, y_pred: object) -> float:
    """Mean absolute error over every window, step and target.

    Args:
        y_true: actual values, ``[n, horizon, n_targets]`` (or ``[n, horizon]``).
        y_pred: forecasts, same shape.

    Returns:
        The mean of ``|y_true - y_pred|``.

    Raises:
        ForecasterError: if the shapes differ, are empty or have more than 3 axes.
    """
    return _mae(*_pair(y_true, y_pred))


def mape(y_true: object, y_pred: object) -> float:
    """Mean absolute percentage error, in percent (x100).

    Points where the actual value is ~0 (``|y_true| <= 1e-8``) are masked out,
    since their percentage error is undefined; the mean is over the rest.

    Args:
        y_true: actual values, ``[n, horizon, n_targets]`` (or ``[n, horizon]``).
        y_pred: forecasts, same shape.

    Returns:
        ``100 * mean(|y_true - y_pred| / |y_true|)`` over the kept points, or
        ``nan`` when every actual value is ~0.

    Raises:
        ForecasterError: if the shapes differ, are empty or have more than 3 axes.
    """
    return _mape(*_pair(y_true, y_pred))


def smape(y_true: object, y_pred: object) -> float:
    """Symmetric mean absolute percentage error, in percent (0..200).

    ``100 * mean(2 |y_true - y_pred| / (|y_true| + |y_pred|))``; a point where
    both values are ~0 counts as error 0.

    Args:
        y_true: actual values, ``[n, horizon, n_targets]`` (or ``[n, horizon]``).
        y_pred: forecasts, same shape.

    Returns:
        The sMAPE in percent.

    Raises:
        ForecasterError: if the shapes differ, are empty or have more than 3 axes.
    """
    return _smape(*_pair(y_true, y_pred))


def _insample_scale(
    insample: object, m: int, n_targets: int | None, *, strict: bool = True
) -> np.ndarray:
    """Mean |y_t - y_{t-m}| per target over the training rows; nan where it is 0.

    Too few rows raise when ``strict``, else warn and give an all-nan scale.
    """
    if isinstance(m, bool) or not isinstance(m, int | np.integer) or m < 1:
        raise ForecasterError(f"`m` (season length) must be an integer >= 1 (received m={m!r}).")
    parts = series_arrays(insample, "insample")
    diffs = []
    for arr in parts:
        if n_targets is None:
            n_targets = arr.shape[1]
        if arr.shape[1] != n_targets:
            raise ForecasterError(
                f"`insample` has {arr.shape[1]} target column(s) but the forecasts have "
                f"{n_targets}; pass the training rows of the target columns only."
            )
        if arr.shape[0] > m:
            diffs.append(np.abs(arr[m:] - arr[:-m]))
    if not diffs:
        rows = max(arr.shape[0] for arr in parts)
        message = (
            f"`insample` has {rows} rows; MASE with m={m} needs at least {m + 1} training rows"
        )
        if strict:
            raise ForecasterError(f"{message}.")
        warnings.warn(f"{message}; MASE is reported as nan.", stacklevel=3)
        return np.full(n_targets or 1, np.nan)
    scale = np.mean(np.concatenate(diffs, axis=0), axis=0)
    zero = ~(scale > 0)
    if zero.any():
        warnings.warn(
            f"MASE is undefined for target column(s) {np.flatnonzero(zero).tolist()}: the "
            f"training series does not change over lag m={m}; they are left out of MASE.",
            stacklevel=3,
        )
        scale = np.where(zero, np.nan, scale)
    return scale


def mase_scale(insample: object, m: int = 1) -> np.ndarray:
    """The MASE scale per target: the in-sample MAE of seasonal naive at lag ``m``.

    ``mean(|y_t - y_{t-m}|)`` over the training rows, per target column; for a
    panel (a list of arrays) the differences are taken within each series and
    pooled. A target whose training series does not change over lag ``m`` gets
    ``nan`` (with a warning) and is left out of MASE.

    Args:
        insample: the raw training rows of the targets, ``[n_rows, n_targets]``
            or ``[n_rows]``, or a list of such numpy arrays (one per series).
        m: the primary season (1 when there is none).

    Returns:
        float64 ``[n_targets]``, to pass as ``scale=`` (JSON-safe via ``.tolist()``,
        ``nan`` written as ``null``).

    Raises:
        ForecasterError: on a bad shape, ``m < 1``, or ``m`` or fewer rows.

    Example:
        >>> mase_scale([1.0, 2.0, 4.0, 7.0], m=1).tolist()
        [2.0]
    """
    return _insample_scale(insample, m, None)


def _check_scale(scale: object, n_targets: int) -> np.ndarray:
    arr = np.asarray(scale, dtype=np.float64).reshape(-1)
    if arr.shape != (n_targets,):
        raise ForecasterError(
            f"`scale` must hold one value per target column ({n_targets}; received shape "
            f"{np.shape(scale)}); compute it with mase_scale(training rows, m)."
        )
    # 0, negative or nan: the target is left out, as mase_scale does.
    return np.where(arr > 0, arr, np.nan)


def _resolve_scale(
    insample: object | None, scale: object | None, m: int, n_targets: int, strict: bool
) -> np.ndarray | None:
    if insample is not None and scale is not None:
        raise ForecasterError("pass either `insample` or `scale` for MASE, not both.")
    if scale is not None:
        return _check_scale(scale, n_targets)
    if insample is None:
        return None
    return _insample_scale(insample, m, n_targets, strict=strict)


def mase(
    y_true: object,
    y_pred: object,
    *,
    insample: object | None = None,
    m: int = 1,
    scale: object | None = None,
) -> float:
    """Mean absolute scaled error.

    Each target's MAE is divided by that target's in-sample scale
    ``mean(|y_t - y_{t-m}|)`` over the training rows (the error of the seasonal
    naive forecast on the training data), then averaged over targets. A target
    whose scale is 0 (constant training series) is left out with a warning;
    the result is ``nan`` if every target is left out.

    Args:
        y_true: actual values, ``[n, horizon, n_targets]`` (or ``[n, horizon]``).
        y_pred: forecasts, same shape.
        insample: the raw training rows of the targets, ``[n_rows, n_targets]``
            or ``[n_rows]``; for a panel of several series, a list of such
            numpy arrays, one per series (differences are taken within each
            series, then pooled).
        m: season length (1 = scale by the naive forecast's error).
        scale: the precomputed :func:`mase_scale` (``[n_targets]``), instead of
            ``insample`` and ``m``.

    Returns:
        The MASE (unitless; below 1 beats the in-sample seasonal naive error).

    Raises:
        ForecasterError: on mismatched shapes, ``m < 1``, too few training rows,
            or neither / both of ``insample`` and ``scale``.

    Example:
        >>> mase([[2.0, 4.0]], [[3.0, 4.0]], insample=[1.0, 2.0, 3.0])
        0.5
    """
    t, p = _pair(y_true, y_pred)
    if insample is None and scale is None:
        raise ForecasterError("MASE needs the training rows (`insample`) or their `scale`.")
    return _mase(t, p, _resolve_scale(insample, scale, m, t.shape[2], strict=True))


def _metric_funcs(scale: np.ndarray | None) -> dict:
    funcs = {
        "mse": _mse,
        "rmse": lambda t, p: float(np.sqrt(_mse(t, p))),
        "mae": _mae,
        "mape": _mape,
        "smape": _smape,
    }
    if scale is not None:
        funcs["mase"] = lambda t, p: _mase(t, p, scale)
    return funcs


def compute_metrics(
    y_true: object,
    y_pred: object,
    *,
    insample: object | None = None,
    m: int = 1,
    scale: object | None = None,
) -> dict[str, float]:
    """All metrics in :data:`METRICS` over every window, step and target.

    Args:
        y_true: actual values, ``[n, horizon, n_targets]`` (or ``[n, horizon]``).
        y_pred: forecasts, same shape.
        insample: raw training rows for MASE (see :func:`mase`); ``None`` leaves
            ``"mase"`` out of the result. With ``m`` or fewer rows, MASE is
            ``nan`` and a warning says why (:func:`mase` raises instead).
        m: season length for MASE.
        scale: precomputed :func:`mase_scale` instead of ``insample`` / ``m``.

    Returns:
        ``{"mse": ..., "rmse": ..., "mae": ..., "mape": ..., "smape": ..., "mase": ...}``
        as plain floats (``mape``/``smape`` in percent).

    Raises:
        ForecasterError: on mismatched shapes or bad ``insample`` / ``m``.

    Example:
        >>> compute_metrics([[1.0, 2.0]], [[2.0, 2.0]])
        {'mse': 0.5, 'rmse': 0.7071067811865476, 'mae': 0.5, 'mape': 50.0, 'smape': 33.33333333333333}
    """
    t, p = _pair(y_true, y_pred)
    scale = _resolve_scale(insample, scale, m, t.shape[2], strict=False)
    return {name: fn(t, p) for name, fn in _metric_funcs(scale).items()}


def metrics_by_step(
    y_true: object,
    y_pred: object,
    *,
    insample: object | None = None,
    m: int = 1,
    scale: object | None = None,
) -> pd.DataFrame:
    """The metrics of :func:`compute_metrics` for each horizon step separately.

    Args:
        y_true: actual values, ``[n, horizon, n_targets]`` (or ``[n, horizon]``).
        y_pred: forecasts, same shape.
        insample: raw training rows for MASE; ``None`` leaves the column out
            (``nan`` with a warning when it has ``m`` or fewer rows).
        m: season length for MASE.
        scale: precomputed :func:`mase_scale` instead of ``insample`` / ``m``.

    Returns:
        DataFrame indexed by ``step`` = 1..horizon, one column per metric; row
        ``h`` pools every window and target at step ``h``.

    Raises:
        ForecasterError: on mismatched shapes or bad ``insample`` / ``m``.
    """
    t, p = _pair(y_true, y_pred)
    scale = _resolve_scale(insample, scale, m, t.shape[2], strict=False)
    funcs = _metric_funcs(scale)
    rows = [
        {name: fn(t[:, h : h + 1], p[:, h : h + 1]) for name, fn in funcs.items()}
        for h in range(t.shape[1])
    ]
    index = pd.RangeIndex(1, t.shape[1] + 1, name="step")
    return pd.DataFrame(rows, index=index, columns=list(funcs))

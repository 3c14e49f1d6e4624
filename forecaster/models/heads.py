"""Output heads of forecasting models, their losses, and how to read them back.

A forecasting network ends in a dense layer whose raw output, reshaped to
``[batch, horizon, n_targets * k]``, goes through :class:`ForecastHead`:

========== =========================== ============================== ====================
head       output shape                meaning of the last axis        loss (``loss_for``)
========== =========================== ============================== ====================
point      ``[B, H, T]``               the forecast                    MSE (MAE / Huber)
quantile   ``[B, H, T, Q]``            quantiles, non-decreasing        pinball, mean over Q
gaussian   ``[B, H, T, 2]``            ``[mean, std]``, std > 0         Gaussian NLL
========== =========================== ============================== ====================

An optional baseline ``[B, H, T]`` (the skip connection of
``build_model(skip=...)``) is added to the point forecast, to every quantile,
or to the mean. Quantiles are built around the middle one: with a zero raw
output the middle quantile equals the baseline and the others spread out by
cumulative softplus steps, so they can never cross.

Classifiers end in a plain ``Dense(n_classes, activation="softmax")``;
:func:`head_of` reports them as ``"softmax"``.

All custom objects here are registered with
``keras.saving.register_keras_serializable(package="forecaster")`` so saved
models load with ``safe_mode=True`` once this module is imported.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from keras import ops

from forecaster import config
from forecaster.config import HEADS
from forecaster.errors import ForecasterError

# The option lists are defined once in forecaster.config; these names stay importable from here.
POINT_LOSSES = config.LOSSES  # the losses of the point head (the Forecaster's `loss` choices)
DEFAULT_QUANTILES = config.FORECASTER_PARAMS["quantiles"].default
GAUSSIAN_MIN_STD = 1e-3
HEAD_LAYER_NAME = "forecast_head"

__all__ = [
    "DEFAULT_QUANTILES",
    "HEADS",
    "ForecastHead",
    "GaussianNLL",
    "PinballLoss",
    "head_of",
    "head_width",
    "loss_for",
    "middle_index",
    "point_forecast",
    "validate_quantiles",
]


def validate_quantiles(quantiles: Sequence[float]) -> tuple[float, ...]:
    """Check that ``quantiles`` are strictly increasing levels in (0, 1).

    Returns:
        The quantiles as a tuple of floats.

    Raises:
        ForecasterError: if the sequence is empty, unsorted, repeated or out of (0, 1).
    """
    try:
        levels = tuple(float(q) for q in quantiles)
    except (TypeError, ValueError):
        raise ForecasterError(
            f"`quantiles` must be a sequence of numbers in (0, 1) (received quantiles={quantiles!r})."
        ) from None
    if not levels or any(not 0.0 < q < 1.0 for q in levels):
        raise ForecasterError(
            f"`quantiles` must be a non-empty sequence of levels in (0, 1) (received quantiles={quantiles!r})."
        )
    if any(b <= a for a, b in zip(levels, levels[1:], strict=False)):
        raise ForecasterError(
            f"`quantiles` must be strictly increasing, e.g. (0.1, 0.5, 0.9) (received quantiles={quantiles!r})."
        )
    return levels


def head_width(head: str, quantiles: Sequence[float] = DEFAULT_QUANTILES) -> int:
    """Number of raw outputs per horizon step and target a head needs (1, Q or 2)."""
    return {"point": 1, "quantile": len(quantiles), "gaussian": 2}[head]


def middle_index(quantiles: Sequence[float]) -> int:
    """Index of the 0.5 quantile if present, else of the middle one."""
    for i, q in enumerate(quantiles):
        if math.isclose(q, 0.5):
            return i
    return (len(quantiles) - 1) // 2


@keras.saving.register_keras_serializable(package="forecaster")
class ForecastHead(keras.layers.Layer):
    """Turn raw dense outputs into a point, quantile or Gaussian forecast.

    Called on ``raw`` ``[B, H, T * k]``, on ``[raw, baseline]`` with
    ``baseline`` ``[B, H, T]`` (added to the forecast, every quantile, or the
    mean), or on ``[raw, baseline, scale]`` with ``scale`` ``[B, 1, T]`` (each
    window's spread, :class:`~forecaster.models.layers.WindowScale`: the
    forecast's offset from the baseline, quantile steps and std are multiplied
    by it). ``k`` is 1 (point), ``len(quantiles)`` (quantile) or 2 (gaussian).

    Args:
        head: ``"point"``, ``"quantile"`` or ``"gaussian"``.
        n_targets: number of target columns ``T``.
        quantiles: quantile levels (used by the quantile head only).

    Output:
        point ``[B, H, T]``; quantile ``[B, H, T, Q]`` non-decreasing along Q;
        gaussian ``[B, H, T, 2]`` with ``[..., 0]`` the mean and ``[..., 1]`` a
        positive standard deviation (softplus + 1e-3). Always float32.
    """

    def __init__(
        self,
        head: str = "point",
        n_targets: int = 1,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        if head not in HEADS:
            raise ForecasterError(f"`head` must be one of {HEADS} (received head={head!r}).")
        self.head = head
        self.n_targets = int(n_targets)
        self.quantiles = validate_quantiles(quantiles)

    def call(self, inputs: Any) -> Any:
        baseline = scale = None
        if isinstance(inputs, list | tuple):
            raw, baseline, *rest = inputs
            scale = rest[0] if rest else None
        else:
            raw = inputs
        raw = ops.cast(raw, "float32")
        baseline = None if baseline is None else ops.cast(baseline, "float32")
        scale = None if scale is None else ops.cast(scale, "float32")  # [B, 1, T]: see WindowScale
        horizon = ops.shape(raw)[1]
        k = head_width(self.head, self.quantiles)
        if self.head == "point":
            out = ops.reshape(raw, (-1, horizon, self.n_targets))
            out = out if scale is None else out * scale
            return out if baseline is None else out + baseline
        raw = ops.reshape(raw, (-1, horizon, self.n_targets, k))
        if self.head == "gaussian":
            mean = raw[..., 0]
            std = ops.softplus(raw[..., 1]) + GAUSSIAN_MIN_STD
            if scale is not None:
                mean, std = mean * scale, std * scale
            if baseline is not None:
                mean = mean + baseline
            return ops.stack([mean, std], axis=-1)
        mid = middle_index(self.quantiles)
        centre = raw[..., mid : mid + 1]
        parts = []
        if mid > 0:
            # steps below the centre, accumulated outwards then put back in order
            below = ops.flip(ops.softplus(raw[..., :mid]), axis=-1)
            parts.append(centre - ops.flip(ops.cumsum(below, axis=-1), axis=-1))
        parts.append(centre)
        if mid < k - 1:
            parts.append(centre + ops.cumsum(ops.softplus(raw[..., mid + 1 :]), axis=-1))
        out = ops.concatenate(parts, axis=-1) if len(parts) > 1 else centre
        if scale is not None:
            out = out * ops.expand_dims(scale, -1)
        return out if baseline is None else out + ops.expand_dims(baseline, -1)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        raw_shape = input_shape[0] if isinstance(input_shape, list) else input_shape
        base = (raw_shape[0], raw_shape[1], self.n_targets)
        if self.head == "point":
            return base
        return (*base, head_width(self.head, self.quantiles))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(head=self.head, n_targets=self.n_targets, quantiles=list(self.quantiles))
        return config


@keras.saving.register_keras_serializable(package="forecaster")
class PinballLoss(keras.losses.Loss):
    """Pinball (quantile) loss averaged over the quantile levels.

    ``y_true`` is ``[B, H, T]`` and ``y_pred`` ``[B, H, T, Q]``. For level ``q``
    and error ``e = y - y_hat`` the loss is ``max(q * e, (q - 1) * e)``; its
    minimizer is the ``q``-quantile of ``y``.
    """

    def __init__(
        self,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
        name: str = "pinball",
        reduction: str = "sum_over_batch_size",
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.quantiles = validate_quantiles(quantiles)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        y_pred = ops.convert_to_tensor(y_pred)
        y_true = ops.cast(y_true, y_pred.dtype)
        levels = ops.convert_to_tensor(np.asarray(self.quantiles, "float32"), dtype=y_pred.dtype)
        error = ops.expand_dims(y_true, -1) - y_pred
        return ops.mean(ops.maximum(levels * error, (levels - 1.0) * error), axis=-1)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(quantiles=list(self.quantiles))
        return config


@keras.saving.register_keras_serializable(package="forecaster")
class GaussianNLL(keras.losses.Loss):
    """Negative log-likelihood of ``y_true`` under ``N(mean, std**2)``.

    ``y_true`` is ``[B, H, T]`` and ``y_pred`` ``[B, H, T, 2]`` (mean, std > 0).
    """

    def __init__(
        self, name: str = "gaussian_nll", reduction: str = "sum_over_batch_size", dtype: Any = None
    ) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        y_pred = ops.convert_to_tensor(y_pred)
        y_true = ops.cast(y_true, y_pred.dtype)
        mean, std = y_pred[..., 0], y_pred[..., 1]
        z = (y_true - mean) / std
        return ops.log(std) + 0.5 * ops.square(z) + 0.5 * math.log(2.0 * math.pi)


def loss_for(
    head: str,
    *,
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
    point_loss: str = "mse",
) -> keras.losses.Loss:
    """The training loss that matches a head.

    Args:
        head: ``"point"``, ``"quantile"``, ``"gaussian"`` or ``"softmax"`` (classifiers).
        quantiles: quantile levels of a quantile head (ignored otherwise).
        point_loss: ``"mse"``, ``"mae"`` or ``"huber"`` for a point head (ignored otherwise).

    Returns:
        A Keras loss: MSE / MAE / Huber, :class:`PinballLoss`, :class:`GaussianNLL`,
        or sparse categorical cross-entropy.

    Raises:
        ForecasterError: for an unknown head or point loss, or bad quantiles.

    Example:
        >>> loss_for("quantile", quantiles=(0.1, 0.9)).quantiles
        (0.1, 0.9)
    """
    if head == "point":
        if point_loss not in POINT_LOSSES:
            raise ForecasterError(
                f"`point_loss` must be one of {POINT_LOSSES} (received point_loss={point_loss!r})."
            )
        return {
            "mse": keras.losses.MeanSquaredError,
            "mae": keras.losses.MeanAbsoluteError,
            "huber": keras.losses.Huber,
        }[point_loss]()
    if head == "quantile":
        return PinballLoss(quantiles)
    if head == "gaussian":
        return GaussianNLL()
    if head == "softmax":
        return keras.losses.SparseCategoricalCrossentropy()
    raise ForecasterError(f"`head` must be one of {(*HEADS, 'softmax')} (received head={head!r}).")


def head_of(model: keras.Model) -> tuple[str, tuple[float, ...]]:
    """Read the head of a built or loaded model.

    Returns:
        ``(head, quantiles)``: the :class:`ForecastHead` settings (quantiles are
        ``()`` unless the head is ``"quantile"``); ``("softmax", ())`` for a model
        whose output layer has a softmax activation; ``("point", ())`` for any
        other model (e.g. a hand-written one ending in ``Dense``).
    """
    for layer in model.layers:
        if isinstance(layer, ForecastHead):
            return layer.head, (layer.quantiles if layer.head == "quantile" else ())
    output_layer = _output_layer(model)
    activation = getattr(output_layer, "activation", None)
    if activation is not None and getattr(activation, "__name__", "") == "softmax":
        return "softmax", ()
    if isinstance(output_layer, keras.layers.Softmax):
        return "softmax", ()
    return "point", ()


def _output_layer(model: keras.Model) -> Any:
    outputs = getattr(model, "outputs", None) or []
    history = getattr(outputs[0], "_keras_history", None) if outputs else None
    if history is not None:
        return history.operation
    return model.layers[-1] if model.layers else None


def point_forecast(
    output: np.ndarray, head: str, quantiles: Sequence[float] = DEFAULT_QUANTILES
) -> np.ndarray:
    """Reduce a head's output to a point forecast ``[..., H, T]``.

    Point outputs are returned as they are; quantile outputs give their 0.5
    quantile (or the middle one); Gaussian outputs give the mean.

    Example:
        >>> out = np.array([[[[1.0, 2.0, 3.0]]]])   # [B=1, H=1, T=1, Q=3]
        >>> point_forecast(out, "quantile", (0.1, 0.5, 0.9)).tolist()
        [[[2.0]]]
    """
    output = np.asarray(output)
    if head == "point":
        return output
    if head == "quantile":
        levels = validate_quantiles(quantiles)
        if output.shape[-1] != len(levels):
            raise ForecasterError(
                f"a quantile output with {output.shape[-1]} levels does not match "
                f"quantiles={levels}; pass the quantiles the model was built with."
            )
        return output[..., middle_index(levels)]
    if head == "gaussian":
        return output[..., 0]
    raise ForecasterError(f"`head` must be one of {HEADS} (received head={head!r}).")

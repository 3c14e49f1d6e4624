"""The custom Keras layers of the forecasting models (registered, so saved models load in safe mode).

* :class:`SkipBaseline`: the baseline forecast of a skip connection, from the input window;
* :class:`RelativeToLast`: target columns relative to their last observed value;
* :class:`WindowScale`: target columns divided by their spread within the window;
* :class:`FeedbackInput`: the next input row of the recursive decoder;
* :class:`LinearForecast`: a linear map of the window (relative to its last value) to the horizon;
* :class:`MedianForecast`: the per-step median of several forecasts of one shape.

They are registered as ``forecaster>ClassName``, so a ``.keras`` file saved
before they moved here from :mod:`forecaster.models.factory` loads unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from keras import ops

from forecaster.models.heads import DEFAULT_QUANTILES, middle_index, validate_quantiles

__all__ = ["FeedbackInput", "LinearForecast", "MedianForecast", "RelativeToLast", "SkipBaseline", "WindowScale"]


def _target_mask(target_indices: Sequence[int], n_features: int, dtype: Any) -> Any:
    """``[1, 1, n_features]``: 1 on the target columns, 0 on the others."""
    mask = np.zeros((1, 1, n_features), "float32")
    mask[..., list(target_indices)] = 1.0
    return ops.convert_to_tensor(mask, dtype=dtype)


@keras.saving.register_keras_serializable(package="forecaster")
class SkipBaseline(keras.layers.Layer):
    """Baseline forecast ``[B, horizon, T]`` taken from the input window ``[B, W, F]``.

    ``mode="last"`` repeats the last observed value of each target column;
    ``mode="seasonal"`` gives step ``h`` the value at row
    ``W - season + (h % season)`` (the seasonal naive forecast);
    ``mode="mean"`` repeats the mean of the window, the better start for a
    level observed through heavy noise (a local level, as in the Nile flows);
    ``mode="seasonal_level"`` adds to the seasonal naive forecast the change of
    the last value over one season (``(1 + h // season) * (x[W-1] - x[W-1-season])``):
    the forecast of a seasonal random walk, ARIMA(0,1,0)(0,1,0), which moves last
    season's shape to the latest level (weather, demand that drifts day to day);
    ``mode="drift"`` extends the line through the window's first and last values
    (``x[W-1] + (1 + h) * (x[W-1] - x[0]) / (W - 1)``): the trend of a short series whose window is its history.
    """

    def __init__(
        self,
        mode: str = "last",
        horizon: int = 1,
        target_indices: Sequence[int] = (0,),
        season: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.mode = mode
        self.horizon = int(horizon)
        self.target_indices = [int(i) for i in target_indices]
        self.season = None if season is None else int(season)

    def call(self, x: Any) -> Any:
        width = x.shape[1]
        targets = ops.take(x, np.asarray(self.target_indices, "int32"), axis=2)
        if self.mode == "mean":
            return ops.repeat(ops.mean(targets, axis=1, keepdims=True), self.horizon, axis=1)
        if self.mode == "drift":
            slope = (targets[:, -1:, :] - targets[:, :1, :]) / float(width - 1)
            steps = ops.cast(np.arange(1, self.horizon + 1, dtype="float32")[None, :, None], targets.dtype)
            return targets[:, -1:, :] + steps * slope
        if self.mode == "last":
            rows = [width - 1] * self.horizon
        else:
            rows = [width - self.season + h % self.season for h in range(self.horizon)]
        base = ops.take(targets, np.asarray(rows, "int32"), axis=1)
        if self.mode == "seasonal_level":
            change = targets[:, -1:, :] - targets[:, width - 1 - self.season : width - self.season, :]
            steps = np.asarray([1 + h // self.season for h in range(self.horizon)], "float32")[None, :, None]
            base = base + ops.cast(steps, base.dtype) * change
        return base

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return (input_shape[0], self.horizon, len(self.target_indices))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            mode=self.mode,
            horizon=self.horizon,
            target_indices=list(self.target_indices),
            season=self.season,
        )
        return config


@keras.saving.register_keras_serializable(package="forecaster")
class RelativeToLast(keras.layers.Layer):
    """Express the target columns of a window relative to their last observed value.

    ``[B, W, F] -> [B, W, F]``: target columns become ``x[:, t] - x[:, -1]``,
    other columns pass through. With a skip baseline this makes the whole
    model level-free: a trending series whose later windows lie outside the
    range seen in training still gives the network inputs in a familiar range.
    """

    def __init__(self, target_indices: Sequence[int] = (0,), n_features: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target_indices = [int(i) for i in target_indices]
        self.n_features = int(n_features)

    def call(self, x: Any) -> Any:
        return x - x[:, -1:, :] * _target_mask(self.target_indices, self.n_features, x.dtype)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(target_indices=list(self.target_indices), n_features=self.n_features)
        return config


@keras.saving.register_keras_serializable(package="forecaster")
class WindowScale(keras.layers.Layer):
    """Divide the target columns of an encoder input by their standard deviation within the window.

    Called on ``[encoded, window]`` (both ``[B, W, F]``; ``window`` is the
    input window the spread is measured on), it returns ``[scaled, scale]``:
    ``encoded`` with each target column divided by its spread and the spread
    ``[B, 1, T]`` itself, floored at ``floor`` (series units, so a flat window
    does not divide by zero). :class:`~forecaster.models.heads.ForecastHead`
    multiplies the network's correction by ``scale`` again, so the network
    works in units of each window's own spread: a series whose amplitude
    grows or shrinks feeds it inputs and asks it corrections of one size
    (per-window scaling, as NeuralForecast's models do).
    """

    def __init__(
        self, target_indices: Sequence[int] = (0,), n_features: int = 1, floor: float = 1e-2, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.target_indices = [int(i) for i in target_indices]
        self.n_features = int(n_features)
        self.floor = float(floor)

    def call(self, inputs: Any) -> list[Any]:
        encoded, window = inputs
        spread = ops.maximum(ops.std(window, axis=1, keepdims=True), self.floor)  # [B, 1, F]
        mask = _target_mask(self.target_indices, self.n_features, encoded.dtype)
        divisor = spread * mask + (1.0 - mask)  # other columns pass through
        scale = ops.take(spread, np.asarray(self.target_indices, "int32"), axis=2)
        return [encoded / divisor, scale]

    def compute_output_shape(self, input_shape: Any) -> list[tuple]:
        shape = tuple(input_shape[0])
        return [shape, (shape[0], 1, len(self.target_indices))]

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(target_indices=list(self.target_indices), n_features=self.n_features, floor=self.floor)
        return config


@keras.saving.register_keras_serializable(package="forecaster")
class FeedbackInput(keras.layers.Layer):
    """Next input row of the recursive model: the previous row with its target columns replaced.

    Called on ``[row, step_output]``: ``row`` ``[B, 1, F]`` and the head output
    of one step (``[B, 1, T]``, ``[B, 1, T, Q]`` or ``[B, 1, T, 2]``). The point
    forecast of the step (the forecast, the middle quantile, or the mean) is
    written into columns ``target_indices``; other columns are carried over.
    """

    def __init__(
        self,
        target_indices: Sequence[int] = (0,),
        head: str = "point",
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.target_indices = [int(i) for i in target_indices]
        self.head = head
        self.quantiles = validate_quantiles(quantiles)

    def call(self, inputs: Any) -> Any:
        row, step = inputs
        if self.head == "quantile":
            step = step[..., middle_index(self.quantiles)]
        elif self.head == "gaussian":
            step = step[..., 0]
        n_features = row.shape[-1]
        scatter = np.zeros((len(self.target_indices), n_features), "float32")
        scatter[np.arange(len(self.target_indices)), self.target_indices] = 1.0
        keep = 1.0 - scatter.sum(axis=0)
        step = ops.cast(step, row.dtype)
        return row * keep + ops.sum(ops.expand_dims(step, -1) * scatter, axis=-2)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return tuple(input_shape[0])

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            target_indices=list(self.target_indices),
            head=self.head,
            quantiles=list(self.quantiles),
        )
        return config


@keras.saving.register_keras_serializable(package="forecaster")
class LinearForecast(keras.layers.Layer):
    """``[B, W, F] -> [B, horizon, T]``: the last target values plus a fixed linear map of the window.

    The inputs of the map are the target columns over the whole window, relative
    to their last value (as :class:`RelativeToLast`), then the last row of the
    columns ``last_indices`` (covariates, static inputs: their latest value);
    ``kernel`` ``[W * T + len(last_indices), horizon * T]`` and ``bias`` map them to
    the change of each target from its last value. The weights come from a
    closed-form fit (:mod:`forecaster.models.linear`), not from Keras training;
    they are ordinary layer weights, so the model saves, loads and exports as any other.
    """

    def __init__(
        self, horizon: int = 1, target_indices: Sequence[int] = (0,), last_indices: Sequence[int] = (), **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.horizon = int(horizon)
        self.target_indices = [int(i) for i in target_indices]
        self.last_indices = [int(i) for i in last_indices]

    def build(self, input_shape: Any) -> None:
        n_targets = len(self.target_indices)
        inputs, outputs = int(input_shape[1]) * n_targets + len(self.last_indices), self.horizon * n_targets
        self.kernel = self.add_weight(shape=(inputs, outputs), initializer="zeros", trainable=False, name="kernel")
        self.bias = self.add_weight(shape=(outputs,), initializer="zeros", trainable=False, name="bias")

    def call(self, x: Any) -> Any:
        width, n_targets = x.shape[1], len(self.target_indices)
        targets = ops.take(x, np.asarray(self.target_indices, "int32"), axis=2)
        inputs = [ops.reshape(targets - targets[:, -1:, :], (-1, width * n_targets))]
        if self.last_indices:
            inputs.append(ops.take(x[:, -1, :], np.asarray(self.last_indices, "int32"), axis=1))
        change = ops.matmul(ops.concatenate(inputs, axis=1), self.kernel) + self.bias
        return targets[:, -1:, :] + ops.reshape(change, (-1, self.horizon, n_targets))

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return (input_shape[0], self.horizon, len(self.target_indices))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(horizon=self.horizon, target_indices=list(self.target_indices), last_indices=list(self.last_indices))
        return config


@keras.saving.register_keras_serializable(package="forecaster")
class MedianForecast(keras.layers.Layer):
    """``[[B, H, T], ...] -> [B, H, T]``: the per-step median of several forecasts.

    A combination that one bad member cannot drag away (the mean can), as the
    median of ETS, ARIMA and Theta is the classical reference in forecasting
    competitions; ``model="median"`` combines the network, the linear model and
    the best window baseline with it.
    """

    def call(self, inputs: Sequence[Any]) -> Any:
        return ops.median(ops.stack(list(inputs), axis=0), axis=0)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return tuple(input_shape[0])

"""A linear autoregression on the input window, fit in closed form: the ``"linear"`` model.

Each scaled window (the target columns relative to their last value, and the
latest row of the covariates and static inputs) is flattened and mapped to the
change of the next ``horizon`` target values from the last one by ridge
regression, scikit-learn's
``RidgeCV`` with its penalty chosen by efficient leave-one-out on the same
windows: a direct multi-output linear model, the NLinear of Zeng et al. (2023,
"Are Transformers Effective for Time Series Forecasting?"). One solve, no
epochs. ``model="auto"`` weighs it against the network and the window
baselines on validation windows (:mod:`forecaster.training.choice`): on the
accuracy benchmark it is the better forecaster on several short, smooth or
slowly cycling series (docs/benchmarks.md).

The fitted weights live in a :class:`~forecaster.models.layers.LinearForecast`
layer, so the model predicts, saves, loads and exports like the network.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["ALPHAS", "MAX_VALUES", "fit_linear", "fixed_map_model", "linear_model", "max_windows", "spaced"]

ALPHAS = tuple(np.logspace(-2, 4, 13))  # ridge penalties RidgeCV chooses from (scaled units)
MAX_VALUES = 8_000_000  # design-matrix entries one fit holds (64 MB); more windows: evenly spaced ones


def max_windows(width: int, n_targets: int, n_last: int) -> int:
    """The most windows one fit holds within ``MAX_VALUES`` design entries."""
    return max(1, MAX_VALUES // (width * n_targets + n_last))


def spaced(n: int, keep: int) -> np.ndarray:
    """Indices of ``keep`` evenly spaced items of ``n`` (all of them when ``n <= keep``)."""
    return np.arange(n) if n <= keep else np.unique(np.linspace(0, n - 1, keep).round().astype(int))


def _design(x: np.ndarray, n_targets: int, last_indices: Sequence[int]) -> np.ndarray:
    """``[n, W, F] -> [n, W * T + len(last_indices)]``: the target columns relative to their last value,
    then the last row of the columns ``last_indices``."""
    x = np.asarray(x, dtype=np.float64)
    relative = (x[:, :, :n_targets] - x[:, -1:, :n_targets]).reshape(len(x), -1)
    return np.concatenate([relative, x[:, -1, list(last_indices)]], axis=1)


def fit_linear(x: np.ndarray, y: np.ndarray, last_indices: Sequence[int] = ()) -> tuple[np.ndarray, np.ndarray]:
    """``(kernel, bias)``: the ridge fit of scaled windows ``x`` ``[n, W, F]`` to ``y`` ``[n, H, T]``.

    Targets are the first ``T`` columns of ``x``; ``last_indices`` are the other columns whose
    last row is an input (see :class:`~forecaster.models.layers.LinearForecast`). A fit of more
    than ``MAX_VALUES`` design entries uses evenly spaced windows (the memory of the fit stays
    bounded on long series and large panels).
    """
    from sklearn.linear_model import RidgeCV

    n, width, _ = x.shape
    n_targets = y.shape[2]
    picked = spaced(n, max_windows(width, n_targets, len(last_indices)))
    x, y = x[picked], y[picked]
    change = (np.asarray(y, np.float64) - np.asarray(x[:, -1:, :n_targets], np.float64)).reshape(len(y), -1)
    ridge = RidgeCV(alphas=ALPHAS).fit(_design(x, n_targets, last_indices), change)
    kernel = np.asarray(ridge.coef_, np.float32).reshape(change.shape[1], -1).T
    return kernel, np.asarray(ridge.intercept_, np.float32).ravel()


def linear_model(
    width: int, n_features: int, horizon: int, n_targets: int, kernel: np.ndarray, bias: np.ndarray,
    last_indices: Sequence[int] = (), name: str = "linear",
) -> Any:
    """A Keras model window ``[B, W, F]`` -> forecast ``[B, H, T]`` holding a :func:`fit_linear` solution
    (or another fixed map of the window, such as :func:`~forecaster.models.theta.theta_model`'s)."""
    import keras

    from forecaster.models.layers import LinearForecast

    inputs = keras.Input((width, n_features), name="window")
    layer = LinearForecast(horizon, list(range(n_targets)), list(last_indices), name="linear_forecast")
    model = keras.Model(inputs, layer(inputs), name=name)
    layer.set_weights([kernel, bias])
    return model


def fixed_map_model(width: int, n_features: int, horizon: int, weights: Sequence[np.ndarray], name: str) -> Any:
    """A :func:`linear_model` whose target ``t`` is forecast by ``weights[t].T @ rows`` (``[width, horizon]``
    weights per target, each step's summing to 1: Theta's or the damped trend's fixed map) and no bias."""
    n_targets = len(weights)
    kernel = np.zeros((width * n_targets, horizon * n_targets), np.float32)
    for t, w in enumerate(weights):
        kernel[t::n_targets, t::n_targets] = w
    return linear_model(width, n_features, horizon, n_targets, kernel, np.zeros(horizon * n_targets, np.float32), name=name)

"""Recurrent forecasting models built with the Keras functional API.

:func:`build_model` maps a window ``[batch, input_width, n_features]`` to a
forecast ``[batch, horizon, n_targets]`` (or the quantile / Gaussian variants
of :mod:`forecaster.models.heads`). Two strategies:

* ``"direct"`` (default): a stack of recurrent layers encodes the window and
  one dense layer emits every horizon step at once (multi-output; no loop).
* ``"recursive"``: the FeedBack model of the TensorFlow time-series tutorial.
  The stack warms up on the window, predicts one step, writes that prediction
  into the target columns of the last input row (other columns keep their last
  observed value) and feeds it back, ``horizon`` times, sharing all weights.

With ``skip="last"``, ``"seasonal"`` or ``"mean"`` the network predicts a
correction to a baseline computed in the graph from the (scaled) input window:
the last observed value, the seasonal naive forecast, or the window's mean.
The final dense layer starts near zero, so an untrained model already
forecasts the baseline. With ``window_scale=True`` (direct decoder, with a
skip) the encoder also sees the targets divided by their spread within the
window, and the correction is multiplied back by it: the network works in
units of each window's own scale. :func:`average_models` averages an ensemble.

The models contain only Keras layers and the registered layers of
:mod:`forecaster.models.layers` (no ``Lambda``), so they save to ``.keras``,
load with ``safe_mode=True`` and export as a TensorFlow SavedModel.
``build_classifier`` (:mod:`forecaster.models.classifier`), ``CELLS``
(:mod:`forecaster.models.recurrent`) and the layers stay importable from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from forecaster import config
from forecaster.errors import ForecasterError
from forecaster.models import recurrent
from forecaster.models.classifier import build_classifier
from forecaster.models.heads import (
    DEFAULT_QUANTILES,
    HEAD_LAYER_NAME,
    HEADS,
    ForecastHead,
    head_width,
    validate_quantiles,
)
from forecaster.models.layers import (
    FeedbackInput,
    MedianForecast,
    RelativeToLast,
    SkipBaseline,
    WindowScale,
)
from forecaster.models.recurrent import CELLS

# The option names come from forecaster.config (the one vocabulary).
DECODERS = config.DECODERS  # how the horizon is produced (not a tf.distribute strategy)
STRATEGIES = DECODERS  # the old name of DECODERS, kept for imports
SKIPS = (None, *(s for s in config.SKIPS if s not in ("auto", "none")))  # what the graph can add

__all__ = [
    "CELLS",
    "FeedbackInput",
    "RelativeToLast",
    "SkipBaseline",
    "WindowScale",
    "average_models",
    "build_classifier",
    "build_model",
    "median_models",
]


def build_model(
    cell: str,
    units: int | Sequence[int],
    input_width: int,
    n_features: int,
    horizon: int,
    n_targets: int,
    *,
    dropout: float = 0.0,
    head: str = "point",
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
    bidirectional: bool = False,
    decoder: str = "direct",
    skip: str | None = None,
    target_indices: Sequence[int] | None = None,
    season: int | None = None,
    name: str | None = None,
    strategy: str | None = None,
    encoder_width: int | None = None,
    window_scale: bool = False,
) -> keras.Model:
    """Build a stacked recurrent forecaster ``[B, input_width, n_features] -> [B, horizon, n_targets]``.

    LSTM and GRU layers keep Keras' defaults (tanh / sigmoid activations,
    ``recurrent_dropout=0``, ``unroll=False``, biases on, GRU ``reset_after``),
    which are exactly the conditions under which TensorFlow runs them on the
    fused cuDNN kernel when a GPU is visible. Dropout is therefore applied by
    separate ``Dropout`` layers between the recurrent layers, never inside them.

    Args:
        cell: ``"rnn"`` (SimpleRNN), ``"lstm"`` or ``"gru"`` (any case).
        units: units of each recurrent layer, e.g. ``(64, 64)``; every layer
            but the last returns sequences. An int means one layer.
        input_width: time steps in the input window.
        n_features: input columns.
        horizon: steps to forecast.
        n_targets: target columns forecast per step.
        dropout: rate of the ``Dropout`` after each recurrent layer, in [0, 1).
        head: ``"point"``, ``"quantile"`` or ``"gaussian"`` (see :mod:`~forecaster.models.heads`).
        quantiles: quantile levels of the quantile head.
        bidirectional: wrap each recurrent layer in ``Bidirectional`` (direct decoder only).
        decoder: ``"direct"`` (all steps at once) or ``"recursive"`` (one step fed back).
        skip: ``None``, ``"last"``, ``"seasonal"``, ``"seasonal_level"`` or ``"mean"``: add
            the last observed target value, the seasonal naive forecast (moved by the
            last value's change over one season), or the mean of the window to the
            network's output.
        target_indices: input columns that hold the targets; default ``range(n_targets)``.
        season: season length for ``skip="seasonal"``, in [1, input_width] (``"seasonal_level"``:
            [1, input_width - 1]).
        name: model name.
        strategy: the old name of ``decoder`` (still accepted; not to be confused
            with the ``tf.distribute`` strategy of ``train``).
        encoder_width: the recurrent encoder reads only the last ``encoder_width``
            rows of the window (a crop inside the graph); the skip baseline still
            sees all ``input_width`` rows, so a long season (336 half-hours) can be
            repeated without an RNN over it. ``None``: the whole window.
        window_scale: divide the encoder's target columns by their standard
            deviation within the window and multiply the correction by it
            (:class:`~forecaster.models.layers.WindowScale`); needs a ``skip``
            and the direct decoder.

    Returns:
        An uncompiled ``keras.Model``. Output: point ``float32[B, horizon, n_targets]``;
        quantile ``[B, horizon, n_targets, len(quantiles)]`` non-decreasing along
        the last axis; gaussian ``[B, horizon, n_targets, 2]`` (mean, std > 0).

    Raises:
        ForecasterError: if an argument is out of range or inconsistent.

    Example:
        >>> model = build_model("lstm", (8, 8), input_width=24, n_features=3, horizon=6, n_targets=1)
        >>> tuple(model.output.shape)
        (None, 6, 1)
        >>> q = build_model("gru", (8,), 24, 1, 6, 1, head="quantile", skip="seasonal", season=12)
        >>> tuple(q.output.shape)
        (None, 6, 1, 3)
    """
    cell_key = recurrent.check_cell(cell)
    units = recurrent.check_units(units)
    for arg, value in (
        ("input_width", input_width),
        ("n_features", n_features),
        ("horizon", horizon),
        ("n_targets", n_targets),
    ):
        recurrent.check_positive_int(arg, value)
    recurrent.check_dropout(dropout)
    if head not in HEADS:
        raise ForecasterError(f"`head` must be one of {HEADS} (received head={head!r}).")
    quantiles = validate_quantiles(quantiles)
    if strategy is not None:
        if decoder != "direct" and decoder != strategy:
            raise ForecasterError(
                f"`strategy` is the old name of `decoder`; pass one of them (received decoder={decoder!r}, "
                f"strategy={strategy!r})."
            )
        decoder = strategy
    if decoder not in DECODERS:
        raise ForecasterError(f"`decoder` must be one of {DECODERS} (received decoder={decoder!r}).")
    if skip not in SKIPS:
        raise ForecasterError(f"`skip` must be one of {SKIPS} (received skip={skip!r}).")
    longest = input_width - 1 if skip == "seasonal_level" else input_width  # the level change reads one row more
    if skip in ("seasonal", "seasonal_level") and (not config.is_int(season) or not 1 <= season <= longest):
        raise ForecasterError(
            f"`season` must be an integer in [1, {longest}] with skip={skip!r} and input_width={input_width} "
            f"(received season={season!r}); use a longer input_width or a shorter season."
        )
    if encoder_width is not None and (not config.is_int(encoder_width) or not 1 <= encoder_width <= input_width):
        raise ForecasterError(
            f"`encoder_width` must be an integer in [1, input_width={input_width}] or None "
            f"(received encoder_width={encoder_width!r})."
        )
    if window_scale and (skip is None or decoder != "direct"):
        raise ForecasterError(
            "`window_scale=True` scales the correction to a skip baseline in the direct decoder; "
            f"pass a skip and decoder='direct' (received skip={skip!r}, decoder={decoder!r})."
        )
    if bidirectional and decoder == "recursive":
        raise ForecasterError(
            "`bidirectional=True` cannot feed predictions back step by step; "
            "use decoder='direct' with a bidirectional encoder."
        )
    targets = _check_target_indices(
        target_indices, n_targets, n_features, needed=skip is not None or decoder == "recursive"
    )
    settings = dict(
        cell=cell_key,
        units=units,
        input_width=int(input_width),
        horizon=int(horizon),
        n_targets=int(n_targets),
        dropout=float(dropout),
        head=head,
        quantiles=quantiles,
        skip=skip,
        targets=targets,
        season=season,
        encoder_width=int(encoder_width or input_width),
    )
    inputs = keras.Input((input_width, n_features), name="window")
    if decoder == "direct":
        outputs = _direct_forecast(
            inputs, bidirectional=bool(bidirectional), window_scale=bool(window_scale), **settings
        )
    else:
        outputs = _recursive_forecast(inputs, **settings)
    return keras.Model(inputs, outputs, name=name or f"{cell_key}_{decoder}_{head}")


def average_models(members: Sequence[keras.Model], name: str = "ensemble") -> keras.Model:
    """One model whose output is the mean of ``members``' outputs (an ensemble of the same input shape).

    Example:
        >>> members = [build_model("gru", 4, 8, 1, 2, 1, name=f"member_{i}") for i in range(2)]
        >>> average_models(members).output_shape
        (None, 2, 1)
    """
    if len(members) < 2:
        raise ForecasterError(f"an ensemble averages 2 or more models (received {len(members)}).")
    inputs = keras.Input(shape=tuple(members[0].inputs[0].shape[1:]))
    outputs = keras.layers.Average(name="ensemble_mean")([m(inputs) for m in members])
    return keras.Model(inputs, outputs, name=name)


def median_models(members: Sequence[keras.Model], name: str = "median") -> keras.Model:
    """One model whose output is the per-step median of ``members``' outputs (same input and output shapes).

    The members stay nested in order: ``[m for m in model.layers if isinstance(m, keras.Model)]``
    gives them back (the refit retrains the network among them).
    """
    if len(members) < 2:
        raise ForecasterError(f"a median combines 2 or more models (received {len(members)}).")
    inputs = keras.Input(shape=tuple(members[0].inputs[0].shape[1:]), name="window")
    outputs = MedianForecast(name="median_forecast")([m(inputs) for m in members])
    return keras.Model(inputs, outputs, name=name)


# --- private builders (arguments already validated) ------------------------------------------


def _crop_to(x: Any, input_width: int, encoder_width: int) -> Any:
    """The last ``encoder_width`` rows of ``x`` (``x`` itself when that is the whole window)."""
    if encoder_width >= input_width:
        return x
    return keras.layers.Cropping1D((input_width - encoder_width, 0), name="encoder_crop")(x)


def _head_dense(size: int, skip: str | None) -> keras.layers.Dense:
    """The last dense layer; near zero at start when it corrects a baseline."""
    if skip is None:
        return keras.layers.Dense(size, name="head_dense")
    return keras.layers.Dense(
        size,
        kernel_initializer=keras.initializers.VarianceScaling(scale=1e-4, mode="fan_in"),
        bias_initializer="zeros",
        name="head_dense",
    )


def _direct_forecast(
    inputs: Any,
    *,
    cell: str,
    units: tuple[int, ...],
    input_width: int,
    horizon: int,
    n_targets: int,
    dropout: float,
    head: str,
    quantiles: tuple[float, ...],
    skip: str | None,
    targets: list[int],
    season: int | None,
    bidirectional: bool,
    encoder_width: int,
    window_scale: bool,
) -> Any:
    width = n_targets * head_width(head, quantiles)
    encoded, scale = inputs, None
    if skip is not None:
        encoded = RelativeToLast(targets, inputs.shape[-1], name="relative_to_last")(inputs)
    if window_scale:
        encoded, scale = WindowScale(targets, inputs.shape[-1], name="window_scale")([encoded, inputs])
    encoded = _crop_to(encoded, input_width, encoder_width)
    hidden = recurrent.encoder(encoded, cell, units, dropout=dropout, bidirectional=bidirectional)
    raw = _head_dense(horizon * width, skip)(hidden)
    raw = keras.layers.Reshape((horizon, width), name="head_reshape")(raw)
    head_layer = ForecastHead(head, n_targets, quantiles, name=HEAD_LAYER_NAME)
    if skip is None:
        return head_layer(raw)
    baseline = SkipBaseline(skip, horizon, targets, season, name="skip_baseline")(inputs)
    return head_layer([raw, baseline] if scale is None else [raw, baseline, scale])


def _recursive_forecast(
    inputs: Any,
    *,
    cell: str,
    units: tuple[int, ...],
    input_width: int,
    horizon: int,
    n_targets: int,
    dropout: float,
    head: str,
    quantiles: tuple[float, ...],
    skip: str | None,
    targets: list[int],
    season: int | None,
    encoder_width: int,
) -> Any:
    """FeedBack model: warm up on the window, then feed each prediction back as input."""
    layers = [
        recurrent.recurrent_layer(cell, size, return_sequences=True, return_state=True, name=f"{cell}_{i}")
        for i, size in enumerate(units)
    ]
    drops = [
        keras.layers.Dropout(dropout, name=f"dropout_{i}") if dropout else None
        for i in range(len(units))
    ]
    dense = _head_dense(n_targets * head_width(head, quantiles), skip)
    head_layer = ForecastHead(head, n_targets, quantiles, name=HEAD_LAYER_NAME)
    feedback = FeedbackInput(targets, head, quantiles, name="feedback")
    baseline = None
    if skip is not None:
        baseline = SkipBaseline(skip, horizon, targets, season, name="skip_baseline")(inputs)

    def run_stack(sequence: Any, states: list[Any] | None) -> tuple[Any, list[Any]]:
        new_states = []
        for i, layer in enumerate(layers):
            if states is None:
                sequence, *state = layer(sequence)
            else:
                sequence, *state = layer(sequence, initial_state=states[i])
            new_states.append(state)
            if drops[i] is not None:
                sequence = drops[i](sequence)
        return sequence, new_states

    def forecast_step(hidden: Any, step: int) -> Any:
        raw = dense(hidden)
        if baseline is None:
            return head_layer(raw)
        base = baseline
        if horizon > 1:
            base = keras.layers.Cropping1D(
                (step, horizon - 1 - step), name=f"baseline_step_{step}"
            )(baseline)
        return head_layer([raw, base])

    sequence, states = run_stack(_crop_to(inputs, input_width, encoder_width), None)
    if encoder_width > 1:
        sequence = keras.layers.Cropping1D((encoder_width - 1, 0), name="warmup_last_output")(
            sequence
        )
    row = inputs
    if input_width > 1:
        row = keras.layers.Cropping1D((input_width - 1, 0), name="last_input_row")(inputs)
    steps = [forecast_step(sequence, 0)]
    for step in range(1, horizon):
        row = feedback([row, steps[-1]])
        sequence, states = run_stack(row, states)
        steps.append(forecast_step(sequence, step))
    if horizon == 1:
        return steps[0]
    return keras.layers.Concatenate(axis=1, name="forecast")(steps)


# --- argument checks ---------------------------------------------------------------------------


def _check_target_indices(
    target_indices: Sequence[int] | None, n_targets: int, n_features: int, *, needed: bool
) -> list[int]:
    if target_indices is None:
        if needed and n_targets > n_features:
            raise ForecasterError(
                f"`n_targets`={n_targets} exceeds `n_features`={n_features}; the skip connection and "
                "the recursive decoder reads the targets from the input, so pass `target_indices`."
            )
        return list(range(n_targets))
    indices = list(target_indices) if isinstance(target_indices, Sequence | np.ndarray) else None
    if (
        indices is None
        or len(indices) != n_targets
        or not all(config.is_int(i) and 0 <= i < n_features for i in indices)
        or len(set(indices)) != len(indices)
    ):
        raise ForecasterError(
            f"`target_indices` must be {n_targets} distinct column indices in [0, {n_features}) "
            f"(received target_indices={target_indices!r})."
        )
    return [int(i) for i in indices]

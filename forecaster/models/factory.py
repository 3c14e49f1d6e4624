"""Recurrent forecasting and classification models built with the Keras functional API.

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
forecasts the baseline.

:func:`build_classifier` maps a (possibly variable-length, padded) sequence to
softmax class probabilities ``[batch, n_classes]``.

The models contain only Keras layers and the registered layers of this package
(no ``Lambda``), so they save to ``.keras``, load with ``safe_mode=True`` and
export as a TensorFlow SavedModel.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from keras import ops

from forecaster import config
from forecaster.errors import ForecasterError
from forecaster.models.heads import (
    DEFAULT_QUANTILES,
    HEAD_LAYER_NAME,
    HEADS,
    ForecastHead,
    head_width,
    middle_index,
    validate_quantiles,
)

# The option names come from forecaster.config (the one vocabulary); the layers they select live here.
CELLS = dict(zip(config.CELLS, (keras.layers.SimpleRNN, keras.layers.LSTM, keras.layers.GRU), strict=True))
DECODERS = config.DECODERS  # how the horizon is produced (not a tf.distribute strategy)
STRATEGIES = DECODERS  # the old name of DECODERS, kept for imports
SKIPS = (None, *(s for s in config.SKIPS if s not in ("auto", "none")))  # what the graph can add

__all__ = [
    "CELLS",
    "FeedbackInput",
    "RelativeToLast",
    "SkipBaseline",
    "average_models",
    "build_classifier",
    "build_model",
]


@keras.saving.register_keras_serializable(package="forecaster")
class SkipBaseline(keras.layers.Layer):
    """Baseline forecast ``[B, horizon, T]`` taken from the input window ``[B, W, F]``.

    ``mode="last"`` repeats the last observed value of each target column;
    ``mode="seasonal"`` gives step ``h`` the value at row
    ``W - season + (h % season)`` (the seasonal naive forecast);
    ``mode="mean"`` repeats the mean of the window, the better start for a
    level observed through heavy noise (a local level, as in the Nile flows).
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
        if self.mode == "last":
            rows = [width - 1] * self.horizon
        else:
            rows = [width - self.season + h % self.season for h in range(self.horizon)]
        return ops.take(targets, np.asarray(rows, "int32"), axis=1)

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
        mask = np.zeros((1, 1, self.n_features), "float32")
        mask[..., self.target_indices] = 1.0
        return x - x[:, -1:, :] * ops.convert_to_tensor(mask, dtype=x.dtype)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(target_indices=list(self.target_indices), n_features=self.n_features)
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
        skip: ``None``, ``"last"``, ``"seasonal"`` or ``"mean"``: add the last
            observed target value, the seasonal naive forecast, or the mean of
            the window to the network's output.
        target_indices: input columns that hold the targets; default ``range(n_targets)``.
        season: season length for ``skip="seasonal"``, in [1, input_width].
        name: model name.
        strategy: the old name of ``decoder`` (still accepted; not to be confused
            with the ``tf.distribute`` strategy of ``train``).
        encoder_width: the recurrent encoder reads only the last ``encoder_width``
            rows of the window (a crop inside the graph); the skip baseline still
            sees all ``input_width`` rows, so a long season (336 half-hours) can be
            repeated without an RNN over it. ``None``: the whole window.

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
    cell_key = _check_cell(cell)
    units = _check_units(units)
    for arg, value in (
        ("input_width", input_width),
        ("n_features", n_features),
        ("horizon", horizon),
        ("n_targets", n_targets),
    ):
        _check_positive_int(arg, value)
    _check_dropout(dropout)
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
    if skip == "seasonal" and (not _is_int(season) or not 1 <= season <= input_width):
        raise ForecasterError(
            f"`season` must be an integer in [1, input_width={input_width}] with skip='seasonal' "
            f"(received season={season!r}); use a longer input_width or a shorter season."
        )
    if encoder_width is not None and (not _is_int(encoder_width) or not 1 <= encoder_width <= input_width):
        raise ForecasterError(
            f"`encoder_width` must be an integer in [1, input_width={input_width}] or None "
            f"(received encoder_width={encoder_width!r})."
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
        outputs = _direct_forecast(inputs, bidirectional=bool(bidirectional), **settings)
    else:
        outputs = _recursive_forecast(inputs, **settings)
    return keras.Model(inputs, outputs, name=name or f"{cell_key}_{decoder}_{head}")


def build_classifier(
    cell: str,
    units: int | Sequence[int],
    input_width: int | None,
    n_features: int,
    n_classes: int,
    *,
    dropout: float = 0.0,
    bidirectional: bool = False,
    mask_value: float | None = None,
    conv_filters: Sequence[int] = (),
    kernel_sizes: Sequence[int] | None = None,
    recurrent_steps: int | None = None,
    name: str | None = None,
) -> keras.Model:
    """Build a sequence classifier ``[B, input_width, n_features] -> [B, n_classes]``.

    Without ``conv_filters`` it is a stack of recurrent layers. With them a
    convolutional front-end (``Conv1D`` + batch norm + ReLU per entry) first
    extracts local shape features, because recurrent layers alone train
    unreliably on long, small UCR-style sets; the recurrent stack then reads the
    conv features average-pooled to at most ``recurrent_steps`` steps (a short
    loop is fast on a CPU), and the classifier sees the recurrent summary
    concatenated with the conv features averaged over time.

    Recurrent layers keep the cuDNN-compatible defaults described in
    :func:`build_model`. With ``mask_value`` (recurrent-only models) a
    ``Masking`` layer makes every layer skip the time steps whose features all
    equal it (padding at the end).

    Args:
        cell: ``"rnn"``, ``"lstm"`` or ``"gru"`` (any case).
        units: units of each recurrent layer; an int means one layer.
        input_width: time steps per sequence, or ``None`` for variable length.
        n_features: features per time step.
        n_classes: number of classes (>= 2).
        dropout: rate of the ``Dropout`` after each recurrent layer and before the output, in [0, 1).
        bidirectional: wrap each recurrent layer in ``Bidirectional``.
        mask_value: padding value to mask, e.g. ``0.0``; ``None`` for no masking. Not
            with ``conv_filters`` (convolutions do not skip masked steps).
        conv_filters: filters of each convolution of the front-end; empty for none.
        kernel_sizes: kernel width of each convolution (default 7, 5, 3, 3, ...).
        recurrent_steps: most time steps the recurrent stack reads after the
            front-end (``None``: all); needs a known ``input_width`` and ``conv_filters``.
        name: model name.

    Returns:
        An uncompiled ``keras.Model`` whose output is softmax probabilities
        ``float32[B, n_classes]``; train it with sparse categorical cross-entropy
        on integer labels.

    Raises:
        ForecasterError: if an argument is out of range.

    Example:
        >>> model = build_classifier("gru", 16, None, 2, n_classes=3, mask_value=0.0)
        >>> tuple(model.output.shape)
        (None, 3)
        >>> tuple(build_classifier("gru", 8, 100, 1, 2, conv_filters=(16, 16), recurrent_steps=20).output.shape)
        (None, 2)
    """
    cell_key = _check_cell(cell)
    units = _check_units(units)
    if input_width is not None:
        _check_positive_int("input_width", input_width)
    _check_positive_int("n_features", n_features)
    if not _is_int(n_classes) or n_classes < 2:
        raise ForecasterError(
            f"`n_classes` must be an integer >= 2 (received n_classes={n_classes!r})."
        )
    _check_dropout(dropout)
    if mask_value is not None and not isinstance(mask_value, int | float):
        raise ForecasterError(
            f"`mask_value` must be a number or None (received mask_value={mask_value!r})."
        )
    filters, kernels = _check_conv(conv_filters, kernel_sizes)
    if filters and mask_value is not None:
        raise ForecasterError(
            "`mask_value` cannot be combined with `conv_filters`; pad with zeros instead "
            "(convolutions do not skip masked steps)."
        )
    if recurrent_steps is not None:
        _check_positive_int("recurrent_steps", recurrent_steps)
    inputs = keras.Input((input_width, n_features), name="sequence")
    hidden = inputs
    if mask_value is not None:
        hidden = keras.layers.Masking(mask_value=float(mask_value), name="masking")(hidden)
    summaries = []
    if filters:
        for i, (size, kernel) in enumerate(zip(filters, kernels, strict=True)):
            hidden = keras.layers.Conv1D(
                size, kernel, padding="same", use_bias=False, name=f"conv_{i}"
            )(hidden)
            # momentum 0.9: small sets give few steps per epoch, and the default 0.99 leaves the
            # inference statistics far from the training ones for hundreds of steps.
            hidden = keras.layers.BatchNormalization(momentum=0.9, name=f"conv_norm_{i}")(hidden)
            hidden = keras.layers.Activation("relu", name=f"conv_relu_{i}")(hidden)
        summaries.append(keras.layers.GlobalAveragePooling1D(name="conv_mean")(hidden))
    short = recurrent_steps is None or input_width is None or input_width <= recurrent_steps
    if filters and not short:
        pool = -(-int(input_width) // int(recurrent_steps))
        hidden = keras.layers.AveragePooling1D(pool, padding="same", name="recurrent_pool")(hidden)
    summaries.append(
        _encoder(hidden, cell_key, units, dropout=float(dropout), bidirectional=bool(bidirectional))
    )
    hidden = (
        keras.layers.Concatenate(name="summaries")(summaries) if len(summaries) > 1 else summaries[0]
    )
    if dropout and filters:
        hidden = keras.layers.Dropout(dropout, name="summary_dropout")(hidden)
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="class_probs")(hidden)
    return keras.Model(inputs, outputs, name=name or f"{cell_key}_classifier")


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


def _check_conv(
    conv_filters: Any, kernel_sizes: Any
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Validated front-end filters and kernel widths (default widths 7, 5, 3, 3, ...)."""
    filters = () if conv_filters is None else conv_filters
    if isinstance(filters, int) and not isinstance(filters, bool):
        filters = (filters,)
    if not isinstance(filters, tuple | list) or not all(_is_int(f) and f >= 1 for f in filters):
        raise ForecasterError(
            "`conv_filters` must be a tuple of integers >= 1, e.g. (64, 64, 64), or () for none "
            f"(received conv_filters={conv_filters!r})."
        )
    if kernel_sizes is None:
        kernels = tuple((7, 5, 3)[i] if i < 3 else 3 for i in range(len(filters)))
    else:
        kernels = (kernel_sizes,) if _is_int(kernel_sizes) else kernel_sizes
        if (
            not isinstance(kernels, tuple | list)
            or len(kernels) != len(filters)
            or not all(_is_int(k) and k >= 1 for k in kernels)
        ):
            raise ForecasterError(
                "`kernel_sizes` must hold one integer >= 1 per entry of `conv_filters` "
                f"(received kernel_sizes={kernel_sizes!r} for conv_filters={conv_filters!r})."
            )
    return tuple(int(f) for f in filters), tuple(int(k) for k in kernels)


# --- private builders (arguments already validated) ------------------------------------------


def _crop_to(x: Any, input_width: int, encoder_width: int) -> Any:
    """The last ``encoder_width`` rows of ``x`` (``x`` itself when that is the whole window)."""
    if encoder_width >= input_width:
        return x
    return keras.layers.Cropping1D((input_width - encoder_width, 0), name="encoder_crop")(x)


def _recurrent_layer(
    cell: str, units: int, *, return_sequences: bool, return_state: bool = False, name: str
) -> keras.layers.Layer:
    """One recurrent layer on Keras defaults (the cuDNN-eligible configuration)."""
    return CELLS[cell](
        units, return_sequences=return_sequences, return_state=return_state, name=name
    )


def _encoder(
    hidden: Any, cell: str, units: tuple[int, ...], *, dropout: float, bidirectional: bool
) -> Any:
    """Stacked recurrent layers; the last one returns only its final output."""
    for i, size in enumerate(units):
        layer = _recurrent_layer(
            cell, size, return_sequences=i < len(units) - 1, name=f"{cell}_{i}"
        )
        if bidirectional:
            layer = keras.layers.Bidirectional(layer, name=f"bidirectional_{cell}_{i}")
        hidden = layer(hidden)
        if dropout:
            hidden = keras.layers.Dropout(dropout, name=f"dropout_{i}")(hidden)
    return hidden


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
) -> Any:
    width = n_targets * head_width(head, quantiles)
    encoded = inputs
    if skip is not None:
        encoded = RelativeToLast(targets, inputs.shape[-1], name="relative_to_last")(inputs)
    encoded = _crop_to(encoded, input_width, encoder_width)
    hidden = _encoder(encoded, cell, units, dropout=dropout, bidirectional=bidirectional)
    raw = _head_dense(horizon * width, skip)(hidden)
    raw = keras.layers.Reshape((horizon, width), name="head_reshape")(raw)
    head_layer = ForecastHead(head, n_targets, quantiles, name=HEAD_LAYER_NAME)
    if skip is None:
        return head_layer(raw)
    baseline = SkipBaseline(skip, horizon, targets, season, name="skip_baseline")(inputs)
    return head_layer([raw, baseline])


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
        _recurrent_layer(cell, size, return_sequences=True, return_state=True, name=f"{cell}_{i}")
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


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _check_positive_int(arg: str, value: Any) -> None:
    if not _is_int(value) or value < 1:
        raise ForecasterError(f"`{arg}` must be an integer >= 1 (received {arg}={value!r}).")


def _check_cell(cell: Any) -> str:
    key = cell.lower() if isinstance(cell, str) else cell
    if key == "simplernn":
        key = "rnn"
    if key not in CELLS:
        raise ForecasterError(f"`cell` must be one of {tuple(CELLS)} (received cell={cell!r}).")
    return key


def _check_units(units: Any) -> tuple[int, ...]:
    sizes = (units,) if _is_int(units) else units
    if (
        isinstance(sizes, str)
        or not isinstance(sizes, Sequence)
        or not sizes
        or not all(_is_int(u) and u >= 1 for u in sizes)
    ):
        raise ForecasterError(
            f"`units` must be a non-empty sequence of integers >= 1, one per layer, e.g. (64, 64) "
            f"(received units={units!r})."
        )
    return tuple(int(u) for u in sizes)


def _check_dropout(dropout: Any) -> None:
    if (
        isinstance(dropout, bool)
        or not isinstance(dropout, int | float)
        or not 0.0 <= dropout < 1.0
    ):
        raise ForecasterError(
            f"`dropout` must be a number in [0, 1) (received dropout={dropout!r})."
        )


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
        or not all(_is_int(i) and 0 <= i < n_features for i in indices)
        or len(set(indices)) != len(indices)
    ):
        raise ForecasterError(
            f"`target_indices` must be {n_targets} distinct column indices in [0, {n_features}) "
            f"(received target_indices={target_indices!r})."
        )
    return [int(i) for i in indices]

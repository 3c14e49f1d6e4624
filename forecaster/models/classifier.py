"""Recurrent sequence classifiers built with the Keras functional API.

:func:`build_classifier` maps a (possibly variable-length, padded) sequence to
softmax class probabilities ``[batch, n_classes]``, with an optional
convolutional front-end for long sequences. The model holds only Keras layers
(no ``Lambda``), so it saves to ``.keras`` and loads with ``safe_mode=True``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras

from forecaster import config
from forecaster.errors import ForecasterError
from forecaster.models import recurrent

__all__ = ["build_classifier"]


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
    cell_key = recurrent.check_cell(cell)
    units = recurrent.check_units(units)
    if input_width is not None:
        recurrent.check_positive_int("input_width", input_width)
    recurrent.check_positive_int("n_features", n_features)
    if not config.is_int(n_classes) or n_classes < 2:
        raise ForecasterError(
            f"`n_classes` must be an integer >= 2 (received n_classes={n_classes!r})."
        )
    recurrent.check_dropout(dropout)
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
        recurrent.check_positive_int("recurrent_steps", recurrent_steps)
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
        recurrent.encoder(hidden, cell_key, units, dropout=float(dropout), bidirectional=bool(bidirectional))
    )
    hidden = (
        keras.layers.Concatenate(name="summaries")(summaries) if len(summaries) > 1 else summaries[0]
    )
    if dropout and filters:
        hidden = keras.layers.Dropout(dropout, name="summary_dropout")(hidden)
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="class_probs")(hidden)
    return keras.Model(inputs, outputs, name=name or f"{cell_key}_classifier")


def _check_conv(
    conv_filters: Any, kernel_sizes: Any
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Validated front-end filters and kernel widths (default widths 7, 5, 3, 3, ...)."""
    filters = () if conv_filters is None else conv_filters
    if isinstance(filters, int) and not isinstance(filters, bool):
        filters = (filters,)
    if not isinstance(filters, tuple | list) or not all(config.is_int(f) and f >= 1 for f in filters):
        raise ForecasterError(
            "`conv_filters` must be a tuple of integers >= 1, e.g. (64, 64, 64), or () for none "
            f"(received conv_filters={conv_filters!r})."
        )
    if kernel_sizes is None:
        kernels = tuple((7, 5, 3)[i] if i < 3 else 3 for i in range(len(filters)))
    else:
        kernels = (kernel_sizes,) if config.is_int(kernel_sizes) else kernel_sizes
        if (
            not isinstance(kernels, tuple | list)
            or len(kernels) != len(filters)
            or not all(config.is_int(k) and k >= 1 for k in kernels)
        ):
            raise ForecasterError(
                "`kernel_sizes` must hold one integer >= 1 per entry of `conv_filters` "
                f"(received kernel_sizes={kernel_sizes!r} for conv_filters={conv_filters!r})."
            )
    return tuple(int(f) for f in filters), tuple(int(k) for k in kernels)

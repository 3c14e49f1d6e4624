"""The recurrent stack shared by the forecaster and classifier builders, and their argument checks.

The layers keep Keras' defaults (the cuDNN-eligible configuration); the checks
raise one ``ForecasterError`` naming the argument and the value received.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras

from forecaster import config
from forecaster.errors import ForecasterError

# The option names come from forecaster.config (the one vocabulary); the layers they select live here.
CELLS = dict(zip(config.CELLS, (keras.layers.SimpleRNN, keras.layers.LSTM, keras.layers.GRU), strict=True))

__all__ = [
    "CELLS",
    "check_cell",
    "check_dropout",
    "check_positive_int",
    "check_units",
    "encoder",
    "recurrent_layer",
]


def recurrent_layer(
    cell: str, units: int, *, return_sequences: bool, return_state: bool = False, name: str
) -> keras.layers.Layer:
    """One recurrent layer on Keras defaults (the cuDNN-eligible configuration)."""
    return CELLS[cell](
        units, return_sequences=return_sequences, return_state=return_state, name=name
    )


def encoder(
    hidden: Any, cell: str, units: tuple[int, ...], *, dropout: float, bidirectional: bool
) -> Any:
    """Stacked recurrent layers; the last one returns only its final output."""
    for i, size in enumerate(units):
        layer = recurrent_layer(
            cell, size, return_sequences=i < len(units) - 1, name=f"{cell}_{i}"
        )
        if bidirectional:
            layer = keras.layers.Bidirectional(layer, name=f"bidirectional_{cell}_{i}")
        hidden = layer(hidden)
        if dropout:
            hidden = keras.layers.Dropout(dropout, name=f"dropout_{i}")(hidden)
    return hidden


def check_positive_int(arg: str, value: Any) -> None:
    """Raise ForecasterError unless ``value`` is an integer >= 1 (``arg`` names it)."""
    if not config.is_int(value) or value < 1:
        raise ForecasterError(f"`{arg}` must be an integer >= 1 (received {arg}={value!r}).")


def check_cell(cell: Any) -> str:
    """The key of ``cell`` in :data:`CELLS` (any case; ``simplernn`` means ``rnn``)."""
    key = cell.lower() if isinstance(cell, str) else cell
    if key == "simplernn":
        key = "rnn"
    if key not in CELLS:
        raise ForecasterError(f"`cell` must be one of {tuple(CELLS)} (received cell={cell!r}).")
    return key


def check_units(units: Any) -> tuple[int, ...]:
    """The units per layer as a tuple (an int means one layer)."""
    sizes = (units,) if config.is_int(units) else units
    if (
        isinstance(sizes, str)
        or not isinstance(sizes, Sequence)
        or not sizes
        or not all(config.is_int(u) and u >= 1 for u in sizes)
    ):
        raise ForecasterError(
            f"`units` must be a non-empty sequence of integers >= 1, one per layer, e.g. (64, 64) "
            f"(received units={units!r})."
        )
    return tuple(int(u) for u in sizes)


def check_dropout(dropout: Any) -> None:
    """Raise ForecasterError unless ``dropout`` is a number in [0, 1)."""
    if (
        isinstance(dropout, bool)
        or not isinstance(dropout, int | float)
        or not 0.0 <= dropout < 1.0
    ):
        raise ForecasterError(
            f"`dropout` must be a number in [0, 1) (received dropout={dropout!r})."
        )

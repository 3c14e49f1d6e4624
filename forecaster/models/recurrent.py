"""The recurrent stack shared by the forecaster and classifier builders, and their argument checks.

The layers keep Keras' defaults (the cuDNN-eligible configuration); the checks
raise one ``ForecasterError`` naming the argument and the value received.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from forecaster import config
from forecaster.errors import ForecasterError

# The option names come from forecaster.config (the one vocabulary); the layers they select live here.
CELLS = dict(zip(config.CELLS, (keras.layers.SimpleRNN, keras.layers.LSTM, keras.layers.GRU), strict=True))

__all__ = ["CELLS"]


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

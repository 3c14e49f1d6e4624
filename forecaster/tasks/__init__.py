"""Sequence classification and sequence generation on the forecasting layers.

Modules:

* :mod:`forecaster.tasks.sequences`: load and pad labelled sequences (arrays,
  lists of arrays, wide UCR-style CSV / DataFrame, long CSV with an id column).
* :mod:`forecaster.tasks.classification`: :class:`SequenceClassifier`, an
  sklearn-like classifier over recurrent layers, and ``load_classifier``.
* :mod:`forecaster.tasks.sampling`: ``sample_paths`` (free-running
  probabilistic paths from a fitted gaussian / quantile ``Forecaster``) and
  ``plot_paths``.
* :mod:`forecaster.tasks.text`: :class:`TokenGenerator` (character-level
  next-token model) and ``load_generator``.
* :mod:`forecaster.tasks.generation`: the two above under their old module name.

This package module itself holds only small shared helpers (parameter
handling; the run-directory helpers of :mod:`forecaster.runs` are re-exported
for older imports) and imports nothing heavy;
the submodules import TensorFlow / Keras inside the functions that need them.
"""

from __future__ import annotations

from typing import Any

from forecaster.config import CELLS
from forecaster.errors import ForecasterError

# The estimator base lives in forecaster.estimator; ParamsMixin stays importable from here.
from forecaster.estimator import ParamsMixin

# Run-directory persistence lives in forecaster.runs; these names stay importable from here.
from forecaster.runs import (
    atomic_directory,
    load_keras_model,
    read_run,
    read_run_json,
    versions,
    write_json,
)

__all__ = [
    "ParamsMixin",
    "atomic_directory",
    "check_number",
    "check_cell_and_units",
    "load_keras_model",
    "read_run",
    "read_run_json",
    "versions",
    "write_json",
]


def check_cell_and_units(cell: Any, units: Any, example: str) -> None:
    """Raise ForecasterError unless ``cell`` names a recurrent cell and ``units`` lists layer sizes."""
    if not isinstance(cell, str) or cell.lower() not in CELLS:
        raise ForecasterError(f"`cell` must be one of {CELLS} (received cell={cell!r}).")
    sizes = (units,) if isinstance(units, int) else units
    if (
        isinstance(sizes, str)
        or not isinstance(sizes, tuple | list)
        or not sizes
        or not all(isinstance(u, int) and not isinstance(u, bool) and u >= 1 for u in sizes)
    ):
        raise ForecasterError(
            f"`units` must be a non-empty tuple of integers >= 1, e.g. {example} (received units={units!r})."
        )


def check_number(
    name: str,
    value: Any,
    *,
    integer: bool = False,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    """Raise :class:`ForecasterError` unless ``value`` is a number in the given range."""
    import numbers

    kind = numbers.Integral if integer else numbers.Real
    ok = isinstance(value, kind) and not isinstance(value, bool)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        parts = []
        if low is not None:
            parts.append(f"{'>' if low_open else '>='} {low}")
        if high is not None:
            parts.append(f"{'<' if high_open else '<='} {high}")
        rule = " and ".join(parts)
        what = "an integer" if integer else "a number"
        raise ForecasterError(f"`{name}` must be {what}{' ' + rule if rule else ''} (received {name}={value!r}).")

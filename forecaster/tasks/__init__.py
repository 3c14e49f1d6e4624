"""Sequence classification and sequence generation on the forecasting layers.

Modules:

* :mod:`forecaster.tasks.sequences`: load and pad labelled sequences (arrays,
  lists of arrays, wide UCR-style CSV / DataFrame, long CSV with an id column).
* :mod:`forecaster.tasks.classification`: :class:`SequenceClassifier`, an
  sklearn-like classifier over recurrent layers, and ``load_classifier``; its
  data preparation, training and run directory are in ``classifier_data``,
  ``classifier_training`` and ``classifier_runs``.
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

# The one numeric check lives in forecaster.config; check_number stays importable from here.
from forecaster.config import CELLS, cell_ok, check_number, units_ok
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
    if not cell_ok(cell):
        raise ForecasterError(f"`cell` must be one of {', '.join(CELLS)} (received cell={cell!r}).")
    if isinstance(units, str) or not units_ok(units):
        raise ForecasterError(
            f"`units` must be a non-empty tuple of integers >= 1, e.g. {example} (received units={units!r})."
        )

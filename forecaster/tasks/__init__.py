"""Sequence classification and sequence generation on the forecasting layers.

Modules:

* :mod:`forecaster.tasks.sequences`: load and pad labelled sequences (arrays,
  lists of arrays, wide UCR-style CSV / DataFrame, long CSV with an id column).
* :mod:`forecaster.tasks.classification`: :class:`SequenceClassifier`, an
  sklearn-like classifier over recurrent layers, and ``load_classifier``.
* :mod:`forecaster.tasks.generation`: ``sample_paths`` (free-running
  probabilistic paths from a fitted gaussian / quantile ``Forecaster``) and
  :class:`TokenGenerator` (character-level next-token model), ``load_generator``.

This package module itself holds only small shared helpers (parameter
handling, atomic run directories, version stamps) and imports nothing heavy;
the submodules import TensorFlow / Keras inside the functions that need them.
"""

from __future__ import annotations

import inspect
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from forecaster.config import CELLS
from forecaster.errors import ForecasterError

__all__ = [
    "ParamsMixin",
    "atomic_directory",
    "check_number",
    "load_keras_model",
    "read_run_json",
    "versions",
    "write_json",
]


class ParamsMixin:
    """sklearn-style ``get_params`` / ``set_params`` read from the ``__init__`` signature.

    The constructor of a subclass must store every argument unchanged under
    the same name (no checks, no work), as scikit-learn estimators do.
    """

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [name for name in signature.parameters if name != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Return the constructor arguments as a dict (``deep`` is accepted for sklearn)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Any:
        """Set constructor arguments by name and return ``self``.

        Raises:
            ForecasterError: for a name that is not a constructor argument.
        """
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ForecasterError(
                    f"{type(self).__name__} has no parameter {name!r}; valid parameters are {', '.join(valid)}."
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {
            name: p.default for name, p in inspect.signature(type(self).__init__).parameters.items()
        }
        changed = [
            f"{name}={value!r}" for name, value in self.get_params().items() if value != defaults.get(name)
        ]
        return f"{type(self).__name__}({', '.join(changed)})"


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


def versions() -> dict[str, str]:
    """Versions of the packages a saved run depends on (recorded in its JSON)."""
    import keras
    import numpy
    import tensorflow

    from forecaster import __version__

    return {
        "forecaster": __version__,
        "tensorflow": tensorflow.__version__,
        "keras": keras.__version__,
        "numpy": numpy.__version__,
    }


@contextmanager
def atomic_directory(path: str | os.PathLike, overwrite: bool = False) -> Iterator[str]:
    """Yield a temporary sibling directory that is renamed to ``path`` on success.

    Anything raised inside the block removes the temporary directory and
    leaves ``path`` untouched, so a failed save never leaves a half-written run.

    Raises:
        ForecasterError: if ``path`` exists and ``overwrite`` is False, or is a file.
    """
    target = os.path.abspath(os.fspath(path))
    if os.path.exists(target):
        if not overwrite:
            raise ForecasterError(
                f"'{path}' already exists; pass overwrite=True (CLI: --force) or choose another path."
            )
        if not os.path.isdir(target):
            raise ForecasterError(f"'{path}' exists and is not a directory; choose another path.")
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(target)}.tmp-", dir=parent)
    try:
        yield tmp
        if os.path.exists(target):
            old = tempfile.mkdtemp(prefix=f".{os.path.basename(target)}.old-", dir=parent)
            os.rmdir(old)
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def read_run_json(path: str | os.PathLike, filename: str, kind: str, format_version: int) -> dict[str, Any]:
    """Read ``path/filename`` written by a task's ``save``; check its kind and format version.

    Raises:
        ForecasterError: if the directory or file is missing, unreadable, or of another version.
    """
    import json

    directory = os.fspath(path)
    meta_path = os.path.join(directory, filename)
    if not os.path.isdir(directory) or not os.path.isfile(meta_path):
        raise ForecasterError(f"'{directory}' is not a saved {kind} run directory (no {filename}).")
    try:
        with open(meta_path, encoding="utf-8") as handle:
            meta = json.load(handle)
    except (OSError, ValueError) as exc:
        raise ForecasterError(f"could not read '{meta_path}' ({exc}).") from None
    found = meta.get("format_version")
    if found != format_version:
        raise ForecasterError(
            f"'{directory}' has format_version={found!r} but this forecaster reads format_version="
            f"{format_version}; re-save it with a matching forecaster version."
        )
    return meta


def read_run(path: str | os.PathLike, filename: str, kind: str, format_version: int) -> tuple[dict, dict, Any]:
    """Read a task's run directory: checked JSON, constructor config (units as a tuple), Keras model.

    Raises:
        ForecasterError: if the JSON is missing, unreadable or of another version, or model.keras is missing.
    """
    directory = os.fspath(path)
    meta = read_run_json(directory, filename, kind, format_version)
    model_path = os.path.join(directory, "model.keras")
    if not os.path.isfile(model_path):
        raise ForecasterError(f"'{directory}' has no model.keras; the run directory is incomplete.")
    config = dict(meta["config"])
    if isinstance(config.get("units"), list):
        config["units"] = tuple(config["units"])
    return meta, config, load_keras_model(model_path)


def load_keras_model(path: str) -> Any:
    """Load a ``.keras`` file with ``safe_mode=True`` after registering the package's layers."""
    import keras

    import forecaster.models.factory  # noqa: F401  (registers custom layers, if any)

    try:
        return keras.saving.load_model(path, safe_mode=True)
    except (OSError, ValueError) as exc:
        raise ForecasterError(f"could not load the Keras model '{path}' ({exc}).") from None


def write_json(path: str, payload: dict[str, Any]) -> None:
    """Write ``payload`` as indented UTF-8 JSON."""
    import json

    with open(path, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=2, ensure_ascii=False)
        handle.write("\n")

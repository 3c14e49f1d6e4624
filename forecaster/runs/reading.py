"""Reading run directories back: the path check, the ``kind``, the format version, the Keras model.

:func:`load` reads a run of any kind; each kind names its JSON file in
:data:`RUN_FILES` (runs written before the ``kind`` key existed are recognised
by that file name).
"""

from __future__ import annotations

import os
from typing import Any

from forecaster.errors import ForecasterError
from forecaster.runs.atomic import _siblings
from forecaster.runs.jsonio import _first_line, _json_type, read_json

__all__ = [
    "RUN_FILES",
    "check_format_version",
    "load",
    "load_keras_model",
    "read_run",
    "read_run_json",
    "run_directory",
    "run_kind",
]

# kind -> the JSON file that describes a run of that kind
RUN_FILES = {
    "forecaster": "forecaster.json",
    "sequence_classifier": "classifier.json",
    "token_generator": "generator.json",
}


def run_directory(path: str | os.PathLike) -> str:
    """``path`` as a string, checked to be an existing directory (with a true message if not).

    Raises:
        ForecasterError: if ``path`` is a file, missing, or was left aside by an
            interrupted replacement.
    """
    directory = os.fspath(path)
    if os.path.isdir(directory):
        return directory
    if os.path.lexists(directory):
        raise ForecasterError(
            f"'{directory}' is a file, not a run directory; pass the folder that `forecaster fit` or save() wrote."
        )
    parent, base = os.path.split(os.path.abspath(directory))
    aside = _siblings(parent, base, "old")
    if aside:
        raise ForecasterError(
            f"run directory '{directory}' does not exist, but an interrupted replacement left its previous run in "
            f"'{aside[0][0]}'; the next write to '{directory}' puts it back, or rename it yourself."
        )
    raise ForecasterError(f"run directory '{directory}' does not exist; pass the folder that `forecaster fit` wrote.")


def run_kind(path: str | os.PathLike) -> str:
    """The ``kind`` of the run directory at ``path`` (from its JSON file; old runs by file name).

    Raises:
        ForecasterError: if ``path`` holds none of the run JSON files.
    """
    directory = run_directory(path)
    for kind, filename in RUN_FILES.items():
        meta_path = os.path.join(directory, filename)
        if os.path.isfile(meta_path):
            found = read_json(meta_path).get("kind", kind)
            if not isinstance(found, str):
                raise ForecasterError(
                    f"'{meta_path}' has a `kind` that is a JSON {_json_type(found)}, not a string; "
                    "the run directory is damaged or was edited."
                )
            return found
    raise ForecasterError(
        f"'{directory}' is not a forecaster run directory (it has none of {', '.join(RUN_FILES.values())})."
    )


def check_format_version(meta: dict[str, Any], meta_path: str, format_version: int) -> None:
    """Raise a true sentence unless ``meta["format_version"]`` is an integer from 1 to ``format_version``.

    Every older version stays readable; a newer one (a later release's run) is refused
    rather than misread.
    """
    found = meta.get("format_version")
    if isinstance(found, int) and not isinstance(found, bool):
        if not 1 <= found <= format_version:
            reads = "version 1" if format_version == 1 else f"versions 1 to {format_version}"
            raise ForecasterError(
                f"'{meta_path}' was saved in format version {found}; this forecaster reads {reads}; "
                "refit the model or use a matching forecaster release."
            )
        return
    if "format_version" not in meta:
        raise ForecasterError(f"'{meta_path}' has no `format_version`; the run directory is damaged or was edited.")
    raise ForecasterError(
        f"'{meta_path}' has a `format_version` that is a JSON {_json_type(found)} ({found!r}), not an integer; "
        "the run directory is damaged or was edited."
    )


def read_run_json(path: str | os.PathLike, filename: str, kind: str, format_version: int) -> dict[str, Any]:
    """Read ``path/filename`` written by a ``save``; check its format version and ``config``.

    ``kind`` is the human name of the run kind, used in messages.

    Raises:
        ForecasterError: if the directory or file is missing, unreadable, or of another version.
    """
    directory = run_directory(path)
    meta_path = os.path.join(directory, filename)
    if not os.path.isfile(meta_path):
        raise ForecasterError(f"'{directory}' is not a saved {kind} run directory (no {filename}).")
    meta = read_json(meta_path)
    check_format_version(meta, meta_path, format_version)
    if not isinstance(meta.get("config"), dict):
        raise ForecasterError(f"'{meta_path}' has no `config` object; the run directory is damaged or was edited.")
    return meta


def read_run(path: str | os.PathLike, filename: str, kind: str, format_version: int) -> tuple[dict, dict, Any]:
    """Read a run directory: checked JSON, constructor config (units as a tuple), Keras model.

    Raises:
        ForecasterError: if the JSON is missing, unreadable or of another version, or model.keras is missing.
    """
    directory = run_directory(path)
    meta = read_run_json(directory, filename, kind, format_version)
    model_path = os.path.join(directory, "model.keras")
    if not os.path.isfile(model_path):
        raise ForecasterError(f"'{directory}' has no model.keras; the run directory is incomplete.")
    config = dict(meta["config"])
    for key in ("units", "quantiles"):
        if isinstance(config.get(key), list):
            config[key] = tuple(config[key])
    return meta, config, load_keras_model(model_path)


def load_keras_model(path: str) -> Any:
    """Load a ``.keras`` file in safe mode (no Python code runs) with finite weights.

    Raises:
        ForecasterError: naming the file, for any failure to read it: damaged
            (not a zip, bad HDF5 weights, bad config JSON), or not trusted (a
            ``Lambda`` layer or a layer this package does not define).
    """
    import keras
    import numpy as np

    import forecaster.models.factory  # noqa: F401  (registers the custom layers)

    try:
        model = keras.saving.load_model(path, safe_mode=True)
    except Exception as exc:  # noqa: BLE001 - a damaged file can make Keras, h5py or zipfile fail any way
        text = str(exc)
        if "safe_mode" in text or "Lambda" in text:
            raise ForecasterError(
                f"'{path}' holds Python code (a Lambda layer) that safe mode refuses to run; "
                "the run directory is not trusted, so it was not loaded."
            ) from exc
        if "Could not locate" in text or "Could not deserialize" in text or "Unknown layer" in text:
            raise ForecasterError(
                f"'{path}' uses a layer this forecaster does not define ({_first_line(exc)}); "
                "the run directory is not trusted or comes from another release."
            ) from exc
        raise ForecasterError(
            f"could not load the Keras model '{path}' ({type(exc).__name__}: {_first_line(exc)}); "
            "the run directory is damaged."
        ) from exc
    if not isinstance(model, keras.Model):
        raise ForecasterError(f"'{path}' does not hold a Keras model; the run directory is damaged.")
    for weight in model.weights:
        if not np.isfinite(np.asarray(weight.numpy(), dtype=np.float64)).all():
            raise ForecasterError(
                f"'{path}' has non-finite weights (in {weight.path}); the run directory is damaged, so refit it."
            )
    return model


def load(path: str | os.PathLike) -> Any:
    """Load any saved run (forecaster, sequence classifier, token generator) by its ``kind``.

    Raises:
        ForecasterError: if ``path`` is not a run directory, or of an unknown kind or version.
    """
    kind = run_kind(path)
    if kind == "forecaster":
        from forecaster.runs.forecaster_run import load_forecaster

        return load_forecaster(path)
    if kind == "sequence_classifier":
        from forecaster.tasks.classification import load_classifier

        return load_classifier(path)
    if kind == "token_generator":
        from forecaster.tasks.generation import load_generator

        return load_generator(path)
    raise ForecasterError(
        f"'{os.fspath(path)}' holds a run of kind {kind!r}, which this forecaster cannot read; "
        f"known kinds: {', '.join(RUN_FILES)}."
    )

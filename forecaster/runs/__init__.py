"""Run directories: atomic writes, JSON (finite, versioned, with a ``kind``), and reading them back.

Every writer of the package goes through :func:`atomic_directory` (a run
directory) or :func:`atomic_file` (one output file such as a forecast CSV):
the content is written to a temporary sibling and renamed into place at the
end, so a failed or interrupted write leaves nothing half-written.

Each run directory holds one JSON file naming its ``kind``:

=======================  ===================  ===========================================
kind                     JSON file            loader
=======================  ===================  ===========================================
``forecaster``           ``forecaster.json``  :func:`load_forecaster`
``sequence_classifier``  ``classifier.json``  ``forecaster.tasks.classification.load_classifier``
``token_generator``      ``generator.json``   ``forecaster.tasks.text.load_generator``
=======================  ===================  ===========================================

:func:`load` reads any of them. Runs written before the ``kind`` key existed
(format version 1 forecasters) are recognised by their JSON file name.

Guarantees (the protocol is in docs/design-notes.md, "Atomic run directories"):
a run path holds either a complete run or nothing, and while a run is
replaced (``overwrite=True`` / ``--force``) it holds the complete old run
until the one instant the complete new run takes its place. Of concurrent
writers without ``overwrite`` one wins and the others get "already exists".
Reading validates everything it trusts: the JSON schema (types, ranges,
required keys, size and nesting), the scaler statistics (finite, scale > 0),
the Keras model (safe mode; its shapes against the JSON), so a damaged or
tampered run directory is one ``ForecasterError`` naming the file.

The modules, each importable on its own (none imports TensorFlow at import time):

- :mod:`forecaster.runs.atomic`: atomic directory / file writes (locks, renames, signals);
- :mod:`forecaster.runs.jsonio`: strict JSON writing and checked reading, package versions;
- :mod:`forecaster.runs.reading`: run path, ``kind``, format version, Keras model, :func:`load`;
- :mod:`forecaster.runs.schema`: validation of forecaster.json and of the model's shapes;
- :mod:`forecaster.runs.forecaster_run`: save and load of a Forecaster's run directory.
"""

from __future__ import annotations

from forecaster.runs.atomic import atomic_directory, atomic_file, committed
from forecaster.runs.forecaster_run import forecaster_metadata, load_forecaster, save_forecaster
from forecaster.runs.jsonio import (
    MAX_JSON_BYTES,
    MAX_JSON_DEPTH,
    dumps_json,
    read_json,
    versions,
    write_json,
)
from forecaster.runs.reading import (
    RUN_FILES,
    check_format_version,
    load,
    load_keras_model,
    read_run,
    read_run_json,
    run_directory,
    run_kind,
)
from forecaster.runs.schema import FORMAT_VERSION, check_forecaster_meta

__all__ = [
    "FORMAT_VERSION",
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "RUN_FILES",
    "atomic_directory",
    "atomic_file",
    "committed",
    "dumps_json",
    "check_forecaster_meta",
    "forecaster_metadata",
    "load",
    "load_forecaster",
    "load_keras_model",
    "read_json",
    "read_run",
    "read_run_json",
    "run_directory",
    "check_format_version",
    "run_kind",
    "save_forecaster",
    "versions",
    "write_json",
]

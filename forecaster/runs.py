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
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

from forecaster.errors import ForecasterError

__all__ = [
    "FORMAT_VERSION",
    "RUN_FILES",
    "atomic_directory",
    "atomic_file",
    "forecaster_metadata",
    "load",
    "load_forecaster",
    "load_keras_model",
    "read_json",
    "read_run",
    "read_run_json",
    "run_kind",
    "save_forecaster",
    "versions",
    "write_json",
]

FORMAT_VERSION = 1  # of forecaster.json
# kind -> the JSON file that describes a run of that kind
RUN_FILES = {
    "forecaster": "forecaster.json",
    "sequence_classifier": "classifier.json",
    "token_generator": "generator.json",
}


# ------------------------------------------------------------------ atomic writes


@contextlib.contextmanager
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


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike) -> Iterator[str]:
    """Yield a temporary sibling file name that replaces ``path`` when the block succeeds."""
    target = os.path.abspath(os.fspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.tmp-", dir=os.path.dirname(target))
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


# ------------------------------------------------------------------------ JSON


def write_json(path: str | os.PathLike, payload: dict[str, Any]) -> None:
    """Write ``payload`` as indented UTF-8 JSON; NaN / inf become null (strict JSON)."""
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(_finite(payload), handle, indent=2, ensure_ascii=False, default=_json_default, allow_nan=False)
        handle.write("\n")


def read_json(path: str | os.PathLike) -> dict[str, Any]:
    """Read a JSON file of a run directory.

    Raises:
        ForecasterError: if it cannot be read or is not valid JSON.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as exc:
        raise ForecasterError(f"could not read '{os.fspath(path)}' ({exc}); the run directory is damaged.") from None


def _finite(value: Any) -> Any:
    """NaN / inf become None so strict JSON readers accept the file."""
    import math

    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if type(value).__module__ == "numpy" and hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return _finite(value.item())
    return value


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return _finite(value.tolist())
    if type(value).__name__ == "Timestamp":
        return str(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def versions() -> dict[str, str]:
    """Versions of the packages a saved run depends on (recorded in its JSON)."""
    import keras
    import numpy
    import pandas
    import tensorflow

    from forecaster import __version__

    return {
        "forecaster": __version__,
        "tensorflow": tensorflow.__version__,
        "keras": keras.__version__,
        "numpy": numpy.__version__,
        "pandas": pandas.__version__,
    }


# -------------------------------------------------------------------- reading


def run_kind(path: str | os.PathLike) -> str:
    """The ``kind`` of the run directory at ``path`` (from its JSON file; old runs by file name).

    Raises:
        ForecasterError: if ``path`` holds none of the run JSON files.
    """
    directory = os.fspath(path)
    if not os.path.isdir(directory):
        raise ForecasterError(f"run directory '{directory}' does not exist.")
    for kind, filename in RUN_FILES.items():
        meta_path = os.path.join(directory, filename)
        if os.path.isfile(meta_path):
            return str(read_json(meta_path).get("kind", kind))
    raise ForecasterError(
        f"'{directory}' is not a forecaster run directory (it has none of {', '.join(RUN_FILES.values())})."
    )


def read_run_json(path: str | os.PathLike, filename: str, kind: str, format_version: int) -> dict[str, Any]:
    """Read ``path/filename`` written by a ``save``; check its format version.

    ``kind`` is the human name of the run kind, used in messages.

    Raises:
        ForecasterError: if the directory or file is missing, unreadable, or of another version.
    """
    directory = os.fspath(path)
    meta_path = os.path.join(directory, filename)
    if not os.path.isdir(directory) or not os.path.isfile(meta_path):
        raise ForecasterError(f"'{directory}' is not a saved {kind} run directory (no {filename}).")
    meta = read_json(meta_path)
    found = meta.get("format_version")
    if found != format_version:
        raise ForecasterError(
            f"'{directory}' has format_version={found!r} but this forecaster reads format_version="
            f"{format_version}; re-save it with a matching forecaster version."
        )
    return meta


def read_run(path: str | os.PathLike, filename: str, kind: str, format_version: int) -> tuple[dict, dict, Any]:
    """Read a run directory: checked JSON, constructor config (units as a tuple), Keras model.

    Raises:
        ForecasterError: if the JSON is missing, unreadable or of another version, or model.keras is missing.
    """
    directory = os.fspath(path)
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
    """Load a ``.keras`` file with ``safe_mode=True`` after registering the package's layers."""
    import keras

    import forecaster.models.factory  # noqa: F401  (registers the custom layers)

    try:
        return keras.saving.load_model(path, safe_mode=True)
    except (OSError, ValueError) as exc:
        raise ForecasterError(f"could not load the Keras model '{path}' ({exc}).") from None


def load(path: str | os.PathLike) -> Any:
    """Load any saved run (forecaster, sequence classifier, token generator) by its ``kind``.

    Raises:
        ForecasterError: if ``path`` is not a run directory, or of an unknown kind or version.
    """
    kind = run_kind(path)
    if kind == "forecaster":
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


# ---------------------------------------------------------------- forecasters


def save_forecaster(fc: Any, path: str | os.PathLike, overwrite: bool = False, plots: bool = True) -> None:
    """Write a fitted Forecaster's run directory atomically (see ``Forecaster.save``)."""
    with atomic_directory(path, overwrite) as tmp:
        fc.model_.save(os.path.join(tmp, "model.keras"))
        if fc.id_col_ is None or len(fc.scalers_) == 1:
            fc.export(os.path.join(tmp, "export"))
        write_json(os.path.join(tmp, "forecaster.json"), forecaster_metadata(fc))
        if hasattr(fc, "metrics_"):
            write_json(os.path.join(tmp, "metrics.json"), fc.metrics_)
        fc.history_.to_csv(os.path.join(tmp, "history.csv"), index=False)
        fc.predict().to_csv(os.path.join(tmp, "forecast.csv"), index=False)
        if plots and hasattr(fc, "data_"):
            folder = os.path.join(tmp, "plots")
            os.makedirs(folder, exist_ok=True)
            for name, figure in (
                ("forecast", fc.plot_forecast()),
                ("history", fc.plot_history()),
                ("horizon_error", fc.plot_horizon_error()),
            ):
                figure.savefig(os.path.join(folder, f"{name}.png"), dpi=110, bbox_inches="tight")


def forecaster_metadata(fc: Any) -> dict[str, Any]:
    """The contents of forecaster.json: what a downstream script needs to use the export."""
    series = fc._tail_series()
    tail = []
    for sid, start, stop in series.segments():
        begin = max(start, stop - fc.input_width_)
        tail.append(
            {
                "id": _finite(sid),
                "values": series.values[begin:stop].tolist(),
                "dates": None if series.dates is None else [str(d) for d in series.dates[begin:stop]],
                "n_rows": int(stop - start),
            }
        )
    n_targets = len(fc.targets_)
    outputs = {
        "point": "float32[batch, horizon, n_targets]",
        "quantile": "mean: float32[batch, horizon, n_targets], quantiles: float32[batch, horizon, n_targets, n_quantiles]",
        "gaussian": "mean, std: float32[batch, horizon, n_targets]",
    }[fc.head]
    return {
        "format_version": FORMAT_VERSION,
        "kind": "forecaster",
        "config": fc.get_config(),
        "columns": list(fc.columns_),
        "targets": list(fc.targets_),
        "date_col": fc.date_col_,
        "id_col": fc.id_col_,
        "freq": fc.freq_,
        "season": fc.season_,
        "input_width": fc.input_width_,
        "horizon": fc.horizon,
        "n_features": len(fc.columns_),
        "n_targets": n_targets,
        "skip": fc.skip_,
        "last_date": fc.last_date_,
        "signature": {
            "name": "serve",
            "input": f"float32[batch, {fc.input_width_}, {len(fc.columns_)}] raw units, columns in order",
            "output": outputs,
        },
        "scalers": [
            {"id": _finite(sid), **sc.to_dict()} for sid, sc in zip(fc.series_ids_, fc.scalers_, strict=True)
        ],
        "tail": tail,
        "training": {"epochs_run": fc.n_epochs_, "best_val_loss": fc.best_val_loss_},
        "data_hash": fc.data_hash_,
        "versions": versions(),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }


def load_forecaster(path: str | os.PathLike) -> Any:
    """Load a Forecaster saved with ``Forecaster.save`` (JSON + .keras, safe mode).

    The loaded object predicts from the tail of its fit data kept in
    forecaster.json (``predict()``), or from new data (``predict(df)``).

    Raises:
        ForecasterError: if ``path`` is not a forecaster run directory or was
        written by an incompatible format version.
    """
    import pandas as pd

    from forecaster import __version__
    from forecaster.data.scaling import Scaler
    from forecaster.forecaster import Forecaster

    directory = os.fspath(path)
    meta_path = os.path.join(directory, "forecaster.json")
    model_path = os.path.join(directory, "model.keras")
    if not os.path.isfile(meta_path) or not os.path.isfile(model_path):
        raise ForecasterError(
            f"'{directory}' is not a forecaster run directory (no forecaster.json and model.keras)."
        )
    meta = read_json(meta_path)
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        raise ForecasterError(
            f"'{directory}' was saved in format version {version}; this forecaster {__version__} reads version "
            f"{FORMAT_VERSION}; refit the model or use a matching release."
        )
    fc = Forecaster.from_config(meta["config"])
    fc.model_ = load_keras_model(model_path)
    fc.columns_ = tuple(meta["columns"])
    fc.targets_ = tuple(meta["targets"])
    fc.date_col_ = meta["date_col"]
    fc.id_col_ = meta["id_col"]
    fc.freq_ = meta["freq"]
    fc.season_ = int(meta["season"])
    fc.input_width_ = int(meta["input_width"])
    fc.skip_ = meta["skip"]
    fc.last_date_ = meta["last_date"]
    fc.series_ids_ = [s["id"] for s in meta["scalers"]]
    fc.scalers_ = [Scaler.from_dict(s) for s in meta["scalers"]]
    fc.data_hash_ = meta["data_hash"]
    fc.n_epochs_ = meta["training"]["epochs_run"]
    fc.best_val_loss_ = meta["training"]["best_val_loss"]
    history = os.path.join(directory, "history.csv")
    fc.history_ = pd.read_csv(history) if os.path.exists(history) else pd.DataFrame()
    metrics = os.path.join(directory, "metrics.json")
    if os.path.exists(metrics):
        fc.metrics_ = read_json(metrics)
    fc.tail_ = _tail_from_meta(meta)
    fc._predict_fn = None
    return fc


def _tail_from_meta(meta: dict[str, Any]) -> Any:
    import numpy as np
    import pandas as pd

    from forecaster.data.io import SeriesData

    values, dates, ids = [], [], []
    for entry in meta["tail"]:
        rows = np.asarray(entry["values"], np.float32).reshape(-1, len(meta["columns"]))
        values.append(rows)
        if entry["dates"] is not None:
            dates.extend(entry["dates"])
        ids.extend([entry["id"]] * len(rows))
    return SeriesData(
        values=np.concatenate(values),
        columns=tuple(meta["columns"]),
        targets=tuple(meta["targets"]),
        dates=pd.DatetimeIndex(dates) if dates else None,
        freq=meta["freq"],
        date_col=meta["date_col"],
        ids=np.asarray(ids, dtype=object) if meta["id_col"] else None,
        id_col=meta["id_col"],
    )

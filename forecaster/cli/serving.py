"""Fast start-up of ``predict``, ``evaluate`` and ``export`` on a run directory.

``import tensorflow`` alone also imports all of Keras (TensorFlow's ``__init__``
eagerly imports ``keras.src.optimizers``, which pulls in scikit-learn, pandas
and matplotlib): about half its start-up. A run directory already holds what
these commands need without Keras:

* ``export/``: the SavedModel whose ``serve`` signature maps raw windows to raw
  forecasts (scaling inside). :func:`served_run` loads the run from
  forecaster.json without model.keras and routes the estimator's model calls
  through ``serve``, so ``predict`` and ``evaluate`` run the same code as
  before (windows, intervals, metrics, frame) on the saved graph.
* :func:`copy_export`: ``forecaster export`` copies ``export/`` (written by the
  same ``Forecaster.export`` at fit) instead of rebuilding it from model.keras.

Both step aside (``None``) when the fast path does not apply: a panel, static
covariates, a quantile or gaussian head, a run without ``export/``, or a
model.keras that does not plainly match the export (:func:`keras_file_matches_export`:
a layer outside a fixed list, or weights that differ from the export's
variables). The command then loads the run with model.keras in safe mode as
before, which also gives a damaged or untrusted run its usual error.
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import io
import json
import logging
import os
import re
import shutil
import sys
import warnings
import zipfile
from collections.abc import Iterator
from typing import Any

import numpy as np

from forecaster.cli.common import _native_stderr_silenced

logger = logging.getLogger(__name__)

__all__ = ["copy_export", "export_graph_is_plain", "import_tensorflow_without_keras", "keras_file_matches_export", "served_run"]


class _SkipExec:
    """Loader whose module fails to import: TensorFlow's ``__init__`` catches the ImportError and goes on."""

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: Any) -> None:
        raise ImportError("keras is not imported while TensorFlow loads for serving")


class _SkipKeras:
    """A ``sys.meta_path`` finder that finds ``keras`` (TensorFlow reads its folder) but does not run it."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != "keras":
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None:
            spec.loader = _SkipExec()
        return spec


def import_tensorflow_without_keras() -> Any:
    """Import TensorFlow without its eager Keras import, with start-up log lines silenced; returns the module.

    Keras stays importable: a later ``import keras`` (a fallback to the
    Keras model) loads it as usual.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if "tensorflow" not in sys.modules:
        skip = _SkipKeras()
        sys.meta_path.insert(0, skip)
        try:
            with _native_stderr_silenced(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import tensorflow as tf

                tf.config.list_logical_devices()  # first device initialisation (its log lines) while silenced
        finally:
            sys.meta_path.remove(skip)
        with contextlib.suppress(ImportError):
            import absl.logging

            absl.logging.set_verbosity(absl.logging.ERROR)
        tf.get_logger().setLevel(logging.ERROR)
    return sys.modules["tensorflow"]


def _read_meta(run_dir: str) -> dict[str, Any]:
    """forecaster.json of ``run_dir``, validated (raises ``ForecasterError`` on a damaged run)."""
    from forecaster.runs.jsonio import read_json
    from forecaster.runs.schema import check_forecaster_meta

    path = os.path.join(run_dir, "forecaster.json")
    meta = read_json(path)
    check_forecaster_meta(meta, path)
    return meta


def _has_export(run_dir: str) -> bool:
    folder = os.path.join(run_dir, "export")
    return os.path.isfile(os.path.join(folder, "saved_model.pb")) and os.path.isdir(os.path.join(folder, "variables"))


def _servable(meta: dict[str, Any], run_dir: str) -> bool:
    """One series, no static covariates, a point head and an ``export/``: ``serve(window)`` gives the model output."""
    head = meta["config"].get("head", "point")
    return meta["id_col"] is None and meta.get("statics") is None and head == "point" and _has_export(run_dir)


# Keras classes a forecaster model.keras holds (forecaster.models); anything else takes the safe-mode path.
_KERAS_LAYERS = frozenset({
    "InputLayer", "Dense", "LSTM", "GRU", "SimpleRNN", "LSTMCell", "GRUCell", "SimpleRNNCell", "RNN",
    "Bidirectional", "Reshape", "Dropout", "Concatenate", "Cropping1D", "Masking", "Activation", "Softmax",
    "Flatten", "Average", "Add", "Embedding", "LayerNormalization", "BatchNormalization",
    "GlobalAveragePooling1D", "AveragePooling1D", "Conv1D",
})
_KERAS_OTHER = ("keras.initializers", "keras.losses", "keras.optimizers", "keras.regularizers",
                "keras.constraints", "keras.metrics", "keras.src.models.functional", "keras.src.models.sequential")


def _classes(config: Any) -> Iterator[tuple[Any, Any, Any]]:
    """Every ``(module, class_name, registered_name)`` in a Keras config."""
    if isinstance(config, dict):
        if "class_name" in config:
            yield config.get("module"), config["class_name"], config.get("registered_name")
        for value in config.values():
            yield from _classes(value)
    elif isinstance(config, list):
        for value in config:
            yield from _classes(value)


def _known_class(module: Any, name: Any, registered: Any) -> bool:
    if name == "__keras_tensor__" or (module == "keras" and name == "DTypePolicy"):
        return True
    if module == "keras.layers":
        return name in _KERAS_LAYERS
    if isinstance(module, str) and module.startswith("forecaster.models."):
        return registered == f"forecaster>{name}"
    return module in _KERAS_OTHER and name != "Lambda"


_OPTIMIZER_STATE = re.compile(r"(^|/)optimizer/vars/\d+$")


def keras_file_matches_export(run_dir: str, tf: Any) -> bool:
    """Whether model.keras holds only known layers and, optimizer state aside, exactly the export's variables (no Keras).

    Serving ``export/`` then forecasts with the weights safe-mode loading of
    model.keras would give; a damaged, tampered or unusual file returns False.
    """
    import h5py

    try:
        with zipfile.ZipFile(os.path.join(run_dir, "model.keras")) as archive:
            config = json.loads(archive.read("config.json"))
            weights = archive.read("model.weights.h5")
        if not all(_known_class(*entry) for entry in _classes(config)):
            return False
        arrays: list[np.ndarray] = []

        def collect(name: str, item: Any) -> None:
            # a nested compiled model (the network inside model="median") also stores its optimizer's
            # state under layers/: training state, not weights, and absent from the export
            if isinstance(item, h5py.Dataset) and not _OPTIMIZER_STATE.search(name):
                arrays.append(item[()])

        with h5py.File(io.BytesIO(weights), "r") as h5:
            h5["layers"].visititems(collect)
        reader = tf.train.load_checkpoint(os.path.join(run_dir, "export", "variables", "variables"))
        exported = [reader.get_tensor(k) for k in reader.get_variable_to_shape_map() if k.startswith("_all_variables/")]
    except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile, tf.errors.OpError):
        return False

    def key(a: np.ndarray) -> tuple:
        return (a.shape, str(a.dtype), np.asarray(a).tobytes())

    return len(arrays) == len(exported) and all(np.isfinite(a).all() for a in arrays) and (
        sorted(map(key, arrays)) == sorted(map(key, exported))
    )


# Op families that reach files, Python or logs. A forecaster export needs none of them outside the
# SavedModel's own save / restore functions, which nothing in the graph may call.
_UNSAFE_OP_PARTS = ("File", "PyFunc", "Print", "Save", "Restore", "Checkpoint", "Dataset", "Reader",
                    "Summary", "Debug", "Immutable", "Iterator", "Socket", "Shell")
_SAVER_FUNCTION = re.compile(r"__inference__traced_(save|restore)_\d+")


def export_graph_is_plain(export_dir: str) -> bool:
    """Whether ``serve`` can only compute: no op that reads or writes files, runs Python or prints.

    ``forecaster predict`` used to run only model.keras in Keras' safe mode;
    serving the export must not let a tampered graph do more. The saver
    functions (save / restore) may hold checkpoint ops and only the
    top-level graph's saver wiring may call them, never a function ``serve``
    can reach. A False return means the safe path.
    """
    from tensorflow.core.protobuf import saved_model_pb2

    model = saved_model_pb2.SavedModel()
    try:
        with open(os.path.join(export_dir, "saved_model.pb"), "rb") as handle:
            model.ParseFromString(handle.read())
    except Exception:  # a damaged protobuf: whatever it is, the safe path decides
        return False
    savers: set[str] = set()
    nodes = []
    for graph in model.meta_graphs:
        nodes += [(None, n) for n in graph.graph_def.node]
        for function in graph.graph_def.library.function:
            if _SAVER_FUNCTION.fullmatch(function.signature.name):
                savers.add(function.signature.name)
            else:
                nodes += [(function.signature.name, n) for n in function.node_def]
    for owner, node in nodes:
        if any(part in node.op for part in _UNSAFE_OP_PARTS):
            return False
        if owner is None:  # the top-level graph wires the saver (SaverDef): it may call the saver functions
            continue
        called = {v.func.name for v in node.attr.values() if v.HasField("func")}
        called |= {f.name for v in node.attr.values() if v.HasField("list") for f in v.list.func}
        if node.op in savers or called & savers:
            return False
    return True


class _ServedScaled:
    """Scaled windows -> scaled point output through the export's raw-unit ``serve`` (the estimator's predict function).

    ``serve`` computes ``model((raw - center) / scale) * scale_T + center_T``;
    this feeds it ``x * scale + center`` and undoes the output scaling, so the
    estimator's code around the model call (scalers, intervals) is unchanged.
    """

    def __init__(self, loaded: Any, center: np.ndarray, scale: np.ndarray, n_targets: int) -> None:
        self._loaded = loaded  # keep a reference: the restored function needs its object alive
        self._center = np.asarray(center, np.float64)
        self._scale = np.asarray(scale, np.float64)
        self._n_targets = n_targets

    def __call__(self, scaled: Any) -> Any:
        import tensorflow as tf

        raw = np.asarray(scaled, np.float64) * self._scale + self._center
        out = np.asarray(self._loaded.serve(tf.constant(raw, tf.float32)), np.float64)
        t = self._n_targets
        return tf.constant((out - self._center[:t]) / self._scale[:t], tf.float32)


def served_run(run_dir: str) -> Any:
    """The run's Forecaster serving through ``export/`` (no Keras), or ``None`` when that does not apply."""
    meta = _read_meta(run_dir)
    if not _servable(meta, run_dir):
        return None
    tf = import_tensorflow_without_keras()
    from forecaster.runs.forecaster_run import load_forecaster

    fc = load_forecaster(run_dir, model=False)  # checks forecaster.json, metrics.json, history.csv
    if not keras_file_matches_export(run_dir, tf) or not export_graph_is_plain(os.path.join(run_dir, "export")):
        return None
    try:
        loaded = tf.saved_model.load(os.path.join(run_dir, "export"))
        serve = loaded.serve
    except (OSError, ValueError, AttributeError, tf.errors.OpError) as exc:  # an unreadable export: use model.keras
        logger.debug("export/ of %s not servable (%s); loading model.keras", run_dir, exc)
        return None
    width, n_features = int(meta["input_width"]), len(meta["columns"])
    shape = [spec.shape.as_list() for spec in serve.input_signature] if serve.input_signature else None
    if shape != [[None, width, n_features]]:
        logger.debug("export/ of %s takes %s, not [None, %d, %d]; loading model.keras", run_dir, shape, width, n_features)
        return None
    scaler = fc.scalers_[0]
    fc._predict_fn = _ServedScaled(loaded, scaler.center, scaler.scale, len(fc.targets_))
    return fc


def copy_export(run_dir: str, out: str, overwrite: bool) -> dict[str, Any] | None:
    """Copy the run's ``export/`` to ``out`` atomically; returns forecaster.json, or ``None`` when it does not apply.

    ``Forecaster.save`` wrote ``export/`` with ``Forecaster.export`` from the same
    model and scalers, so the copy is what re-exporting model.keras would write;
    the run is checked as :func:`served_run` checks it (any head, panels too).
    """
    meta = _read_meta(run_dir)
    if not _has_export(run_dir):
        return None
    tf = import_tensorflow_without_keras()
    from forecaster.runs.forecaster_run import load_forecaster

    load_forecaster(run_dir, model=False)  # checks forecaster.json, metrics.json, history.csv
    if not keras_file_matches_export(run_dir, tf):
        return None
    from forecaster.runs import atomic_directory

    with atomic_directory(out, overwrite=overwrite) as tmp:
        shutil.copytree(os.path.join(run_dir, "export"), tmp, dirs_exist_ok=True)
    return meta

"""Sequence classification with the recurrent layers of the forecaster.

:class:`SequenceClassifier` is an sklearn-like estimator:

================== ==========================================================
method             what it does
================== ==========================================================
``fit(X, y)``      learn classes, scaling and a recurrent classifier; ``self``
``predict(X)``     labels ``[n]`` (the original label values)
``predict_proba``  probabilities ``[n, n_classes]``, columns in ``classes_`` order
``predict_frame``  a DataFrame: sequence id, predicted label, one column per class
``evaluate(X, y)`` accuracy, per-class precision / recall / F1, confusion matrix
``save(path)``     an atomic run directory (see :meth:`SequenceClassifier.save`)
``export(path)``   a SavedModel: raw NaN-padded sequences in, probabilities out
================== ==========================================================

:func:`load_classifier` reads a run directory back (JSON + ``.keras`` in
safe mode; nothing is pickled). Inputs are any layout that
:func:`forecaster.tasks.sequences.load_sequences` reads: arrays, lists of
arrays of unequal length, wide (UCR) tables and long tables with an id column.

Classes are kept in **sorted order** (``numpy.unique``), so string labels
``["sine", "square", "sawtooth"]`` become ``classes_ = ["sawtooth", "sine",
"square"]`` and ``predict_proba`` columns follow that order.

Unequal lengths: sequences are right-padded to the longest training sequence
(``max_length_``); padding is replaced after scaling by a sentinel that a
``Masking`` layer skips. At predict time shorter sequences are padded and
longer ones truncated (with a warning) to ``max_length_``. Scaling statistics
are computed per feature over the real steps of the training part only.

A trailing underscore marks fitted state: ``model_``, ``classes_``,
``scaler_``, ``n_features_``, ``features_``, ``max_length_``, ``history_``,
``val_metrics_``, ``label_col_``, ``id_col_``, ``time_col_``.

Example:
    >>> import numpy as np
    >>> t = np.linspace(0, 6.28, 24)
    >>> X = np.stack([np.sin(t + p) for p in range(8)] + [np.sign(np.sin(t + p)) for p in range(8)])
    >>> clf = SequenceClassifier(units=(4,), epochs=2, val=0.0, verbose=0, jit_compile=False)
    >>> clf = clf.fit(X, ["sin"] * 8 + ["sq"] * 8)
    >>> clf.classes_.tolist(), clf.predict_proba(X).shape
    (['sin', 'sq'], (16, 2))
"""

from __future__ import annotations

import logging
import math
import os
import warnings
from typing import Any

import numpy as np
import pandas as pd

from forecaster.data.scaling import SCALING_METHODS, Scaler, fit_scaler
from forecaster.errors import ForecasterError
from forecaster.tasks import (
    ParamsMixin,
    atomic_directory,
    check_cell_and_units,
    check_number,
    read_run,
    versions,
    write_json,
)
from forecaster.tasks.sequences import (
    _NUDGED,
    MASK_VALUE,
    Sequences,
    load_sequences,
    pad_to,
    step_mask,
    to_model_input,
)

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
OPTIMIZERS = ("adam", "rmsprop", "sgd")
EXAMPLES_PER_CLASS = 3

__all__ = ["FORMAT_VERSION", "SequenceClassifier", "load_classifier"]


class SequenceClassifier(ParamsMixin):
    """Classify whole sequences ``[length, n_features]`` with stacked SimpleRNN / LSTM / GRU layers.

    Args:
        cell: ``"rnn"``, ``"lstm"`` or ``"gru"``.
        units: units per recurrent layer, e.g. ``(32,)`` or ``(64, 32)``; an int means one layer.
        dropout: rate of the dropout after each recurrent layer, in [0, 1).
        bidirectional: read each sequence both ways.
        scaling: ``"standard"``, ``"minmax"`` or ``"none"`` (per feature, training part only).
        optimizer: ``"adam"``, ``"rmsprop"`` or ``"sgd"``.
        learning_rate: initial learning rate (> 0).
        epochs: most training epochs (>= 1).
        patience: epochs without validation improvement before stopping (>= 1).
        batch_size: sequences per batch (>= 1).
        val: fraction of the sequences held out (stratified) for early stopping, in [0, 1).
        seed: seed of the split, shuffling and weights (None: random).
        verbose: Keras verbosity (``"auto"``, 0, 1, 2).
        jit_compile: XLA-compile the train step: ``"auto"`` (on for CPU-only
            machines, see ``forecaster.training.resolve_jit_compile``), True or False.
            XLA compilation of a masked recurrent loop takes tens of seconds, so
            False is faster for small data sets.

    Attributes:
        model_: the Keras model ``[B, max_length_, n_features_]`` (scaled, sentinel-padded) -> ``[B, n_classes]``.
        classes_: ``[n_classes]`` object array of the labels, sorted.
        scaler_: :class:`~forecaster.data.scaling.Scaler` over the features.
        n_features_, features_: feature count and names.
        max_length_: longest training sequence (the model's time steps).
        history_: DataFrame with columns ``epoch``, ``loss``, ``accuracy`` (``val_*`` with validation).
        val_metrics_: :meth:`evaluate` result on the validation part, or ``None`` when ``val=0``.
        label_col_, id_col_, time_col_: the table roles given to ``fit`` (reused by ``predict``).
    """

    def __init__(
        self,
        cell: str = "lstm",
        units: int | tuple[int, ...] = (32,),
        *,
        dropout: float = 0.0,
        bidirectional: bool = False,
        scaling: str = "standard",
        optimizer: str = "adam",
        learning_rate: float = 1e-2,
        epochs: int = 50,
        patience: int = 10,
        batch_size: int = 32,
        val: float = 0.15,
        seed: int | None = 0,
        verbose: str | int = "auto",
        jit_compile: bool | str = "auto",
    ) -> None:
        self.cell = cell
        self.units = units
        self.dropout = dropout
        self.bidirectional = bidirectional
        self.scaling = scaling
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.patience = patience
        self.batch_size = batch_size
        self.val = val
        self.seed = seed
        self.verbose = verbose
        self.jit_compile = jit_compile

    # ------------------------------------------------------------------ fit

    def _validate_params(self) -> None:
        check_cell_and_units(self.cell, self.units, "(32,)")
        check_number("dropout", self.dropout, low=0.0, high=1.0, high_open=True)
        if self.scaling not in SCALING_METHODS:
            raise ForecasterError(
                f"`scaling` must be one of {', '.join(SCALING_METHODS)} (received scaling={self.scaling!r})."
            )
        if self.optimizer not in OPTIMIZERS:
            raise ForecasterError(f"`optimizer` must be one of {OPTIMIZERS} (received optimizer={self.optimizer!r}).")
        check_number("learning_rate", self.learning_rate, low=0.0, low_open=True)
        check_number("epochs", self.epochs, integer=True, low=1)
        check_number("patience", self.patience, integer=True, low=1)
        check_number("batch_size", self.batch_size, integer=True, low=1)
        check_number("val", self.val, low=0.0, high=1.0, high_open=True)
        if self.seed is not None:
            check_number("seed", self.seed, integer=True, low=0)

    def _reset(self) -> None:
        for name in list(vars(self)):
            if name.endswith("_") and not name.startswith("__"):
                delattr(self, name)
        self._predict_fn = None

    def fit(
        self,
        X: Any,
        y: Any = None,
        *,
        label_col: str = "label",
        id_col: str | None = None,
        time_col: str | None = None,
    ) -> SequenceClassifier:
        """Learn the classes, the scaling and the network from labelled sequences.

        Args:
            X: array ``[n, length, n_features]`` / ``[n, length]``, list of arrays of
                unequal lengths, or a wide / long table (CSV path or DataFrame).
            y: labels ``[n]`` (any hashable values, e.g. strings); for tables,
                ``None`` reads them from ``label_col``.
            label_col: label column of a table.
            id_col: series id column; given, the table is read in the long layout.
            time_col: time column of a long table (sorts the steps).

        Returns:
            ``self``, fitted.

        Raises:
            ForecasterError: for a bad option value, unreadable data, fewer than two
                classes, or too few sequences to hold out a validation part.

        State change:
            Drops any earlier fit, then writes every attribute ending in ``_``.
        """
        self._validate_params()
        self._reset()
        data = load_sequences(X, y, label_col=label_col, id_col=id_col, time_col=time_col)
        classes, encoded = _encode_labels(data.labels)
        train_idx, val_idx = self._split(encoded)
        real = step_mask(data.values)
        train_steps = data.values[train_idx][real[train_idx]]
        self.scaler_ = fit_scaler(train_steps, self.scaling)
        self.classes_ = classes
        self.n_features_ = int(data.values.shape[2])
        self.features_ = data.features
        self.max_length_ = int(data.values.shape[1])
        self.label_col_, self.id_col_, self.time_col_ = label_col, id_col, time_col
        self.examples_ = _pick_examples(data.values, encoded, len(classes))
        x = to_model_input(data.values, self.scaler_.center, self.scaler_.scale)
        self._train(x, encoded, train_idx, val_idx)
        self.val_metrics_ = (
            self._score(self._probabilities(x[val_idx]), encoded[val_idx]) if len(val_idx) else None
        )
        return self

    def _split(self, encoded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Stratified train / validation indices (plain shuffled split when a class is too rare)."""
        n = len(encoded)
        everything = np.arange(n)
        if self.val == 0:
            return everything, everything[:0]
        n_val = math.ceil(self.val * n)
        if n - n_val < 2 or n_val < 1:
            raise ForecasterError(
                f"{n} sequences are too few to hold out val={self.val}; pass more sequences or val=0."
            )
        from sklearn.model_selection import train_test_split

        counts = np.bincount(encoded)
        stratify = encoded if counts.min() >= 2 and n_val >= len(counts) and n - n_val >= len(counts) else None
        train_idx, val_idx = train_test_split(
            everything, test_size=n_val, random_state=self.seed, stratify=stratify
        )
        return np.sort(train_idx), np.sort(val_idx)

    def _train(self, x: np.ndarray, encoded: np.ndarray, train_idx: np.ndarray, val_idx: np.ndarray) -> None:
        import tensorflow as tf

        from forecaster.models.factory import build_classifier
        from forecaster.training import resolve_seed, train

        seed = resolve_seed(self.seed)
        units = (self.units,) if isinstance(self.units, int) else tuple(self.units)
        def build() -> Any:  # called by `train` after it has seeded Keras
            return build_classifier(
                self.cell.lower(),
                units,
                self.max_length_,
                self.n_features_,
                len(self.classes_),
                dropout=self.dropout,
                bidirectional=self.bidirectional,
                mask_value=MASK_VALUE,
                name=f"{self.cell.lower()}_sequence_classifier",
            )

        labels = encoded.astype(np.int32)
        train_ds = (
            tf.data.Dataset.from_tensor_slices((x[train_idx], labels[train_idx]))
            .shuffle(len(train_idx), seed=seed, reshuffle_each_iteration=True)
            .batch(self.batch_size)
            .prefetch(tf.data.AUTOTUNE)
        )
        val_ds = (
            tf.data.Dataset.from_tensor_slices((x[val_idx], labels[val_idx])).batch(256)
            if len(val_idx)
            else None
        )
        history = train(
            build,
            train_ds,
            val_ds,
            optimizer=self.optimizer,
            learning_rate=self.learning_rate,
            epochs=self.epochs,
            patience=self.patience,
            seed=seed,
            verbose=self.verbose,
            jit_compile=self.jit_compile,
        )
        self.model_ = history.model
        frame = pd.DataFrame(history.history)
        frame.insert(0, "epoch", np.arange(1, len(frame) + 1))
        self.history_ = frame

    # ------------------------------------------------------------ inference

    def _check_fitted(self, action: str) -> None:
        if not hasattr(self, "model_"):
            raise ForecasterError(f"this SequenceClassifier is not fitted yet; call fit(X, y) before {action}.")

    def _load(self, X: Any, y: Any, require_labels: bool) -> Sequences:
        data = load_sequences(
            X,
            y,
            label_col=self.label_col_,
            id_col=self.id_col_ if isinstance(X, str | os.PathLike | pd.DataFrame) else None,
            time_col=self.time_col_,
            require_labels=require_labels,
        )
        if data.values.shape[2] != self.n_features_:
            raise ForecasterError(
                f"the sequences have {data.values.shape[2]} features but the classifier was fitted on "
                f"{self.n_features_} ({', '.join(self.features_)})."
            )
        is_table = isinstance(X, str | os.PathLike | pd.DataFrame)
        if is_table and self.id_col_ is not None and data.features != tuple(self.features_):
            raise ForecasterError(
                f"the value columns {list(data.features)} differ from those seen at fit {list(self.features_)}."
            )
        return data

    def _model_input(self, data: Sequences) -> np.ndarray:
        values, lost = pad_to(data.values, self.max_length_)
        if lost:
            warnings.warn(
                f"{lost} sequence(s) are longer than the {self.max_length_} steps seen at fit; "
                "only their first steps are used.",
                stacklevel=3,
            )
        return to_model_input(values, self.scaler_.center, self.scaler_.scale)

    def _probabilities(self, x: np.ndarray) -> np.ndarray:
        """Softmax output ``[n, n_classes]`` for model-ready input ``[n, max_length_, n_features_]``."""
        import tensorflow as tf

        if getattr(self, "_predict_fn", None) is None:
            model = self.model_
            spec = tf.TensorSpec([None, self.max_length_, self.n_features_], tf.float32)
            self._predict_fn = tf.function(lambda t: model(t, training=False), input_signature=[spec])
        parts = [self._predict_fn(tf.constant(x[i : i + 1024])).numpy() for i in range(0, len(x), 1024)]
        return np.concatenate(parts).astype(np.float32)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities ``float32[n, n_classes]``, columns in ``classes_`` order.

        Args:
            X: sequences in any layout accepted by ``fit`` (a label column, if any, is ignored).

        Raises:
            ForecasterError: if unfitted, or the data is unreadable or has another feature count.

        Writes nothing to ``self``.
        """
        self._check_fitted("predict_proba")
        return self._probabilities(self._model_input(self._load(X, None, False)))

    def predict(self, X: Any) -> np.ndarray:
        """Most probable class of each sequence: ``[n]`` array of original label values.

        Writes nothing to ``self``.
        """
        self._check_fitted("predict")
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def predict_frame(self, X: Any) -> pd.DataFrame:
        """Predictions as a table: id column (``id_col_`` or ``sequence``), ``label``, ``p_<class>`` ...

        Writes nothing to ``self``.
        """
        self._check_fitted("predict_frame")
        data = self._load(X, None, False)
        probs = self._probabilities(self._model_input(data))
        frame = pd.DataFrame({self.id_col_ or "sequence": data.ids, "label": self.classes_[probs.argmax(axis=1)]})
        for j, name in enumerate(self.classes_):
            frame[f"p_{name}"] = probs[:, j]
        return frame

    def evaluate(self, X: Any, y: Any = None) -> dict[str, Any]:
        """Score predictions against known labels.

        Args:
            X: labelled sequences (any layout accepted by ``fit``).
            y: labels ``[n]``; ``None`` reads them from the label column of a table.

        Returns:
            ``{"accuracy": float, "per_class": {class_name: {"precision", "recall",
            "f1-score", "support"}}, "macro avg": {...}, "weighted avg": {...},
            "confusion_matrix": [[int]] (rows true, columns predicted, ``classes`` order),
            "classes": [class names], "n_sequences": int}``.

        Raises:
            ForecasterError: if unfitted, labels are missing, or a label was not seen at fit.

        Writes nothing to ``self``.
        """
        self._check_fitted("evaluate")
        data = self._load(X, y, True)
        index = {label: i for i, label in enumerate(self.classes_.tolist())}
        unknown = sorted({str(v) for v in data.labels if v not in index})
        if unknown:
            raise ForecasterError(
                f"label(s) {', '.join(unknown[:5])} were not seen at fit (classes: "
                f"{', '.join(map(str, self.classes_))}); evaluate on data with known classes."
            )
        encoded = np.asarray([index[v] for v in data.labels], np.int64)
        return self._score(self._probabilities(self._model_input(data)), encoded)

    def _score(self, probs: np.ndarray, encoded: np.ndarray) -> dict[str, Any]:
        from sklearn.metrics import classification_report, confusion_matrix

        predicted = probs.argmax(axis=1)
        labels = list(range(len(self.classes_)))
        names = [str(c) for c in self.classes_]
        report = classification_report(
            encoded, predicted, labels=labels, target_names=names, output_dict=True, zero_division=0
        )
        return {
            "accuracy": float(np.mean(predicted == encoded)),
            "per_class": {name: _floats(report[name]) for name in names},
            "macro avg": _floats(report["macro avg"]),
            "weighted avg": _floats(report["weighted avg"]),
            "confusion_matrix": confusion_matrix(encoded, predicted, labels=labels).tolist(),
            "classes": names,
            "n_sequences": int(len(encoded)),
        }

    # -------------------------------------------------------------- persist

    def export(self, path: str | os.PathLike) -> None:
        """Write a TensorFlow SavedModel with the preprocessing inside the graph.

        Signature ``serve``: input ``float32[batch, max_length_, n_features_]`` in raw
        units, shorter sequences right-padded with NaN; output
        ``float32[batch, n_classes]`` probabilities in ``classes_`` order. It loads
        with ``tf.saved_model.load`` in a process that imports only TensorFlow.

        Raises:
            ForecasterError: if unfitted.
        """
        self._check_fitted("export")
        import keras
        import tensorflow as tf

        model = self.model_
        center = tf.constant(self.scaler_.center, tf.float32)
        scale = tf.constant(self.scaler_.scale, tf.float32)
        spec = tf.TensorSpec([None, self.max_length_, self.n_features_], tf.float32, name="sequences")

        @tf.function(input_signature=[spec])
        def serve(sequences: tf.Tensor) -> tf.Tensor:
            real = tf.reduce_all(tf.math.is_finite(sequences), axis=-1, keepdims=True)
            scaled = (sequences - center) / scale
            clash = tf.logical_and(real, tf.reduce_all(tf.equal(scaled, MASK_VALUE), axis=-1, keepdims=True))
            scaled = tf.where(clash, tf.constant(_NUDGED, tf.float32), scaled)
            scaled = tf.where(real, scaled, tf.constant(MASK_VALUE, tf.float32))
            return model(scaled, training=False)

        archive = keras.export.ExportArchive()
        archive.track(model)
        archive.add_endpoint("serve", serve)
        archive.write_out(os.fspath(path), verbose=False)

    def metadata(self) -> dict[str, Any]:
        """The contents of ``classifier.json`` (everything but the weights)."""
        self._check_fitted("metadata")
        return {
            "format_version": FORMAT_VERSION,
            "kind": "sequence_classifier",
            "config": _json_params(self.get_params()),
            "classes": [_json_scalar(c) for c in self.classes_],
            "class_order": "sorted",
            "features": list(self.features_),
            "n_features": self.n_features_,
            "max_length": self.max_length_,
            "label_col": self.label_col_,
            "id_col": self.id_col_,
            "time_col": self.time_col_,
            "scaler": self.scaler_.to_dict(),
            "mask_value": MASK_VALUE,
            "signature": {
                "name": "serve",
                "input": f"float32[batch, {self.max_length_}, {self.n_features_}] raw units, NaN-padded at the end",
                "output": f"float32[batch, {len(self.classes_)}] class probabilities in `classes` order",
            },
            "training": {"epochs_run": int(len(self.history_))},
            "versions": versions(),
        }

    def save(
        self,
        path: str | os.PathLike,
        overwrite: bool = False,
        *,
        metrics: dict[str, Any] | None = None,
        plots: bool = True,
    ) -> None:
        """Write the run directory atomically (temporary sibling, then rename).

        Layout: ``model.keras``, ``export/`` (SavedModel, see :meth:`export`),
        ``classifier.json`` (classes, scaler statistics, config, max length,
        versions, format_version), ``history.csv``, ``metrics.json`` (when there
        is a validation part or ``metrics`` is given) and, with ``plots=True``,
        ``plots/confusion_matrix.png`` and ``plots/examples.png``.

        Args:
            path: the run directory to create.
            overwrite: replace an existing directory.
            metrics: an :meth:`evaluate` result (e.g. on a test set), stored as ``"test"``
                in ``metrics.json`` and used for the confusion-matrix plot.
            plots: write the PNG plots.

        Raises:
            ForecasterError: if unfitted, or ``path`` exists and ``overwrite`` is False.
        """
        self._check_fitted("save")
        with atomic_directory(path, overwrite) as tmp:
            self.model_.save(os.path.join(tmp, "model.keras"))
            self.export(os.path.join(tmp, "export"))
            write_json(os.path.join(tmp, "classifier.json"), self.metadata())
            self.history_.to_csv(os.path.join(tmp, "history.csv"), index=False)
            scores = {
                key: value
                for key, value in (("validation", getattr(self, "val_metrics_", None)), ("test", metrics))
                if value is not None
            }
            if scores:
                write_json(os.path.join(tmp, "metrics.json"), scores)
            if plots:
                part = "test" if metrics is not None else "validation"
                self._save_plots(os.path.join(tmp, "plots"), scores.get(part), part)

    def _save_plots(self, folder: str, scores: dict[str, Any] | None, part: str) -> None:
        from forecaster.evaluation.plots import plot_class_examples, plot_confusion_matrix

        os.makedirs(folder, exist_ok=True)
        names = [str(c) for c in self.classes_]
        figures = []
        if scores is not None:
            figures.append(("confusion_matrix", plot_confusion_matrix(
                np.asarray(scores["confusion_matrix"]), names, title=f"Confusion matrix ({part} set)"
            )))
        examples = getattr(self, "examples_", None)
        if examples is not None:
            x, labels = examples
            figures.append(("examples", plot_class_examples(
                x,
                labels,
                names,
                per_class=EXAMPLES_PER_CLASS,
                title="Training examples",
                pad_value=float("nan"),
                feature_names=list(self.features_),
            )))
        for name, figure in figures:
            figure.savefig(os.path.join(folder, f"{name}.png"), dpi=110, bbox_inches="tight")


def load_classifier(path: str | os.PathLike) -> SequenceClassifier:
    """Load a :class:`SequenceClassifier` saved with :meth:`SequenceClassifier.save`.

    Reads ``classifier.json`` and ``model.keras`` (``safe_mode=True``; nothing is
    unpickled). The result predicts, evaluates and saves again; it has no
    ``examples_`` (the training data is not stored), so a re-save has no examples plot.

    Raises:
        ForecasterError: if ``path`` is not a classifier run directory or has another format version.
    """
    directory = os.fspath(path)
    meta, config, model = read_run(directory, "classifier.json", "sequence classifier", FORMAT_VERSION)
    clf = SequenceClassifier(**config)
    clf.model_ = model
    clf.classes_ = np.asarray(meta["classes"], dtype=object)
    clf.scaler_ = Scaler.from_dict(meta["scaler"])
    clf.features_ = tuple(meta["features"])
    clf.n_features_ = int(meta["n_features"])
    clf.max_length_ = int(meta["max_length"])
    clf.label_col_, clf.id_col_, clf.time_col_ = meta["label_col"], meta["id_col"], meta["time_col"]
    history = os.path.join(directory, "history.csv")
    clf.history_ = pd.read_csv(history) if os.path.exists(history) else pd.DataFrame()
    clf.val_metrics_ = None
    metrics_path = os.path.join(directory, "metrics.json")
    if os.path.exists(metrics_path):
        import json

        with open(metrics_path, encoding="utf-8") as handle:
            clf.val_metrics_ = json.load(handle).get("validation")
    clf.examples_ = None
    clf._predict_fn = None
    return clf


# ------------------------------------------------------------------ helpers


def _encode_labels(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted classes (object array) and the integer code ``[n]`` of each label."""
    try:
        classes, encoded = np.unique(labels, return_inverse=True)
    except TypeError:
        raise ForecasterError(
            "labels mix types that cannot be sorted (e.g. numbers and strings); use one type."
        ) from None
    if len(classes) < 2:
        raise ForecasterError(
            f"the data has only one class ({classes[0]!r}); a classifier needs at least two."
        )
    return np.asarray(classes, dtype=object), encoded.astype(np.int64).ravel()


def _pick_examples(values: np.ndarray, encoded: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """A few raw training sequences per class (for the examples plot)."""
    picks = np.concatenate([np.flatnonzero(encoded == k)[:EXAMPLES_PER_CLASS] for k in range(n_classes)])
    return values[picks].copy(), encoded[picks]


def _floats(row: dict[str, Any]) -> dict[str, float]:
    return {key: float(value) for key, value in row.items()}


def _json_scalar(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _json_params(params: dict[str, Any]) -> dict[str, Any]:
    return {key: list(value) if isinstance(value, tuple) else value for key, value in params.items()}

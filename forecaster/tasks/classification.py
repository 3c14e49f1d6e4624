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
``scaling_``, ``scaler_``, ``n_features_``, ``features_``, ``max_length_``, ``history_``,
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
import os
import warnings
from typing import Any

import numpy as np
import pandas as pd

from forecaster.data.scaling import SCALING_METHODS, Scaler
from forecaster.errors import ForecasterError
from forecaster.estimator import Estimator
from forecaster.tasks import check_cell_and_units, check_number, read_run
from forecaster.tasks.classifier_data import (
    EXAMPLES_PER_CLASS,
    _ClassifierData,
    _encode_labels,
    _pick_examples,
)
from forecaster.tasks.classifier_runs import FORMAT_VERSION, _ClassifierRuns
from forecaster.tasks.classifier_training import (
    ENSEMBLE_BUDGET,
    NEAREST,
    NEAREST_LOO,
    _ClassifierTraining,
)
from forecaster.tasks.sequences import downsample_factor, load_sequences, step_mask

logger = logging.getLogger(__name__)

OPTIMIZERS = ("adam", "rmsprop", "sgd")
AUTO_MAX_STEPS = (256, 512)
"""Range of ``max_steps="auto"``: 512 steps, fewer (not below 256) on sets with many cases."""
AUTO_MAX_STEPS_WORK = 2**17
"""Most ``cases x steps`` per epoch ``max_steps="auto"`` allows above 256 steps (the fit-time budget)."""
SCALINGS = ("auto", "series", *SCALING_METHODS)
MODELS = ("auto", "network")
"""``model``: ``"auto"`` may keep 1-NN Euclidean instead of the network (see ``_choose_model``)."""
# ENSEMBLE_BUDGET and EXAMPLES_PER_CLASS live with the code that uses them and stay importable here.

__all__ = ["ENSEMBLE_BUDGET", "EXAMPLES_PER_CLASS", "FORMAT_VERSION", "SequenceClassifier", "load_classifier"]


class SequenceClassifier(_ClassifierData, _ClassifierTraining, _ClassifierRuns, Estimator):
    """Classify whole sequences ``[length, n_features]`` with a conv front-end and recurrent layers.

    The defaults are chosen to train reliably on small real (UCR / UEA) sets:
    each case z-normalized on its own or each channel scaled over the training
    cases (whichever scores better on validation), long cases averaged down to at most
    ``max_steps`` steps, three convolutions before a bidirectional GRU, a cosine
    learning-rate decay, class-balanced loss weights, an epoch count chosen on a
    stratified validation part, then a refit on all cases (a small seed
    ensemble when the data is small enough for it to be cheap), unless
    1-nearest-neighbour Euclidean is clearly better on that validation part.

    Args:
        cell: ``"rnn"``, ``"lstm"`` or ``"gru"``.
        units: units per recurrent layer, e.g. ``(32,)`` or ``(64, 32)``; an int means one layer.
        dropout: rate of the dropout after each recurrent layer (and before the output), in [0, 1).
        bidirectional: read each sequence both ways.
        conv_filters: filters of each convolution before the recurrent layers; ``()`` for none.
        max_steps: sequences longer than this are averaged over blocks of whole steps
            (piecewise aggregate approximation) until they fit; ``None`` keeps every step.
            ``"auto"``: 512, or fewer (down to 256) when ``cases x steps`` would pass
            :data:`AUTO_MAX_STEPS_WORK`, so a large set stays within a few minutes' fit. 512
            rather than 256 because averaging ACSF1's 1,460 steps by 3 instead of 6 kept the
            spikes that tell its classes apart (0.54-0.61 -> 0.68-0.84 accuracy); PLAID's 537
            cases at 512 steps took 196 s on 2 cores (157 s at 256).
        recurrent_steps: most steps the recurrent layers read (the conv features are
            average-pooled down to it; a short loop is what keeps a CPU fit fast).
        scaling: ``"auto"`` (choose ``"series"`` or ``"standard"`` on the validation part,
            see ``_choose_scaling``; ``"series"`` when ``val=0``), ``"series"`` (z-normalize each
            sequence and feature over its own steps, the UCR convention; it removes the channel
            levels, which can be what tells the classes apart), or ``"standard"``, ``"minmax"``,
            ``"none"`` (per feature over the training part).
        model: ``"auto"``: after the epoch search, score 1-nearest-neighbour Euclidean on the same
            model input, on the validation part (training part as reference) and leave-one-out over
            every case, against the network's mean validation accuracy over the second half of the
            search; 1-NN replaces the network (no refit; every training case becomes a reference)
            only when both its scores win by more than one validation case, ties keep the network.
            ``"network"``: always the network. Without a validation part, the network.
        optimizer: ``"adam"``, ``"rmsprop"`` or ``"sgd"``.
        learning_rate: initial learning rate (> 0), decayed to 0 along a cosine over ``epochs``.
        epochs: epoch budget of the search (>= 1); the refit on all cases then trains for the last
            epoch at the best validation accuracy, but at least ``epochs / 2``, its cosine decay
            annealed over those epochs.
        patience: epochs without a better validation accuracy before the search stops (>= 1).
        batch_size: sequences per batch (>= 1), or ``None``: a tenth of the cases, within [4, 32].
        val: fraction of the cases held out (stratified) to choose the epoch count, in [0, 1);
            0 trains ``epochs`` epochs on everything.
        ensemble: most models averaged in the final refit (>= 1), each on its own seed;
            fewer are trained when the data is large (see ``ENSEMBLE_BUDGET``).
        class_weight: ``"balanced"`` (loss weights inversely proportional to class
            frequency) or ``None``.
        seed: seed of the split, shuffling and weights (None: random).
        verbose: Keras verbosity (``"auto"``, 0, 1, 2).
        jit_compile: XLA-compile the train step: ``"auto"`` (on for CPU-only
            machines, see ``forecaster.training.resolve_jit_compile``), True or False.

    Attributes:
        model_: the Keras model ``[B, model_steps_, n_features_]`` (model-ready input) -> ``[B, n_classes]``;
            with an ensemble, one model averaging its members; when ``model="auto"`` chose 1-NN, a model
            of standard layers holding the reference cases (probabilities one-hot but for near-ties).
        classes_: ``[n_classes]`` object array of the labels, sorted.
        scaling_: the scaling used (``scaling``, or the choice of ``"auto"``).
        scaler_: :class:`~forecaster.data.scaling.Scaler` over the features (identity with ``"series"``).
        n_features_, features_: feature count and names.
        max_length_: longest training sequence (longer ones are truncated at predict time).
        factor_, model_steps_: steps averaged into one, and the resulting model length.
        history_: DataFrame with columns ``epoch``, ``loss``, ``accuracy`` (``val_*`` with validation)
            of the epoch search.
        val_metrics_: :meth:`evaluate` result on the validation part for the search model (for 1-NN
            when it was chosen, with the training part as reference), or ``None`` when ``val=0``.
        fit_report_: dict ``epochs_chosen``, ``ensemble``, ``val_accuracy``,
            ``majority_rate``, ``learned`` (False when the validation accuracy did not
            beat always predicting the most frequent class), ``retried``, ``fit_seconds``, ``scaling``
            (the one used) and, with ``scaling="auto"``, ``scaling_scores`` (validation accuracy
            of each candidate's short search; ``None`` without a validation part), ``model``
            (``"network"`` or ``"1nn_euclidean"``) and ``model_scores`` (the scores the choice
            compared: ``network``, ``1nn_euclidean`` on validation, ``1nn_euclidean_loo``; ``None``
            with ``model="network"`` or without a validation part).
        label_col_, id_col_, time_col_: the table roles given to ``fit`` (reused by ``predict``).

    The data preparation, the training and the run directory are in
    :mod:`~forecaster.tasks.classifier_data`, :mod:`~forecaster.tasks.classifier_training`
    and :mod:`~forecaster.tasks.classifier_runs`; this class holds the options, ``fit``,
    prediction and scoring.
    """

    _fit_argument = "X, y"

    def __init__(
        self,
        cell: str = "gru",
        units: int | tuple[int, ...] = (32,),
        *,
        dropout: float = 0.1,
        bidirectional: bool = True,
        conv_filters: tuple[int, ...] = (64, 64, 64),
        max_steps: int | str | None = "auto",
        recurrent_steps: int | None = 32,
        scaling: str = "auto",
        model: str = "auto",
        optimizer: str = "adam",
        learning_rate: float = 3e-3,
        epochs: int = 100,
        patience: int = 30,
        batch_size: int | None = None,
        val: float = 0.2,
        ensemble: int = 3,
        class_weight: str | None = "balanced",
        seed: int | None = 0,
        verbose: str | int = "auto",
        jit_compile: bool | str = False,
    ) -> None:
        self.cell = cell
        self.units = units
        self.dropout = dropout
        self.bidirectional = bidirectional
        self.conv_filters = conv_filters
        self.max_steps = max_steps
        self.recurrent_steps = recurrent_steps
        self.scaling = scaling
        self.model = model
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.patience = patience
        self.batch_size = batch_size
        self.val = val
        self.ensemble = ensemble
        self.class_weight = class_weight
        self.seed = seed
        self.verbose = verbose
        self.jit_compile = jit_compile

    # ------------------------------------------------------------------ fit

    def _validate_params(self) -> None:
        check_cell_and_units(self.cell, self.units, "(32,)")
        check_number("dropout", self.dropout, low=0.0, high=1.0, high_open=True)
        filters = self.conv_filters
        if not isinstance(filters, tuple | list) or not all(
            isinstance(f, int) and not isinstance(f, bool) and f >= 1 for f in filters
        ):
            raise ForecasterError(
                f"`conv_filters` must be a tuple of integers >= 1, e.g. (64, 64, 64), or () for none "
                f"(received conv_filters={filters!r})."
            )
        if self.max_steps not in (None, "auto"):
            check_number("max_steps", self.max_steps, integer=True, low=1)
        for name in ("recurrent_steps", "batch_size"):
            if getattr(self, name) is not None:
                check_number(name, getattr(self, name), integer=True, low=1)
        if self.scaling not in SCALINGS:
            raise ForecasterError(
                f"`scaling` must be one of {', '.join(SCALINGS)} (received scaling={self.scaling!r})."
            )
        if self.model not in MODELS:
            raise ForecasterError(f"`model` must be one of {', '.join(MODELS)} (received model={self.model!r}).")
        if self.optimizer not in OPTIMIZERS:
            raise ForecasterError(f"`optimizer` must be one of {OPTIMIZERS} (received optimizer={self.optimizer!r}).")
        check_number("learning_rate", self.learning_rate, low=0.0, low_open=True)
        check_number("epochs", self.epochs, integer=True, low=1)
        check_number("patience", self.patience, integer=True, low=1)
        check_number("val", self.val, low=0.0, high=1.0, high_open=True)
        check_number("ensemble", self.ensemble, integer=True, low=1)
        if self.class_weight not in (None, "balanced"):
            raise ForecasterError(
                f"`class_weight` must be 'balanced' or None (received class_weight={self.class_weight!r})."
            )
        if self.seed is not None:
            check_number("seed", self.seed, integer=True, low=0)

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
            Checks the options first, then replaces any earlier fit (restored if this one
            fails) and writes every attribute ending in ``_``.
        """
        with self._fit_context():
            try:
                self._fit(X, y, label_col, id_col, time_col)
            finally:
                self._trainer = None  # the compiled model its trainings shared (classifier_training._Trainer)
        return self

    def _fit(self, X: Any, y: Any, label_col: str, id_col: str | None, time_col: str | None) -> None:
        import time

        started = time.perf_counter()
        data = load_sequences(X, y, label_col=label_col, id_col=id_col, time_col=time_col)
        classes, encoded = _encode_labels(data.labels)
        train_idx, val_idx = self._split(encoded)
        self.classes_ = classes
        self.n_features_ = int(data.values.shape[2])
        self.features_ = data.features
        self.max_length_ = int(data.values.shape[1])
        max_steps = resolve_max_steps(self.max_steps, len(encoded))
        self.factor_ = downsample_factor(self.max_length_, max_steps)
        self.model_steps_ = -(-self.max_length_ // self.factor_)
        self.label_col_, self.id_col_, self.time_col_ = label_col, id_col, time_col
        self.examples_ = _pick_examples(data.values, encoded, len(classes))
        if self.scaling == "auto":
            choice = self._choose_scaling(data.values, encoded, train_idx, val_idx)
        else:
            self._fit_scaling(self.scaling, data.values, step_mask(data.values), train_idx)
            choice = {"scaling": self.scaling}
        x = self._prepare(data.values)
        self._train(x, encoded, train_idx, val_idx)
        self.fit_report_.update(choice, max_steps=max_steps)  # "auto" resolved; model_steps_ follows from it
        self.fit_report_["fit_seconds"] = round(time.perf_counter() - started, 2)

    def summary(self) -> str:
        """A few lines on the fit: data shape, chosen epochs, ensemble, validation vs majority rate."""
        self._check_fitted("summary")
        report = self.fit_report_
        lines = [
            f"{len(self.classes_)} classes; {self.n_features_} feature(s) x {self.max_length_} steps"
            + (f" (averaged by {self.factor_} to {self.model_steps_})" if self.factor_ > 1 else ""),
        ]
        used = report.get("model", "network")
        lines.append(
            f"epochs chosen: {report['epochs_chosen']}; ensemble of {report['ensemble']}; "
            f"batch size {report['batch_size']}"
            if used != NEAREST
            else f"epoch search: {len(self.history_)} epochs, batch size {report['batch_size']} (no refit: 1-NN kept)"
        )
        model_scores = report.get("model_scores")
        lines.append(
            "model: " + ("1-NN Euclidean (every training case a reference)" if used == NEAREST else "network")
            + (" (chosen on validation: network " + f"{model_scores['network']:.3f}, 1-NN Euclidean "
               + f"{model_scores[NEAREST]:.3f}, leave-one-out {model_scores[NEAREST_LOO]:.3f})"
               if model_scores else "")
        )
        scores = report.get("scaling_scores")
        lines.append(
            f"scaling: {self.scaling_}"
            + (" (chosen on validation: " + ", ".join(f"{k} {v:.3f}" for k, v in scores.items()) + ")"
               if scores else "")
        )
        if report.get("learned") is not None:
            verdict = "learned" if report["learned"] else "DID NOT LEARN (at the majority-class rate)"
            lines.append(
                ("the network's " if used == NEAREST else "")
                + f"validation accuracy {report['val_accuracy']:.3f} vs majority-class rate "
                f"{report['majority_rate']:.3f}: {verdict}"
                + (" (retried with a 10x smaller learning rate)" if report["retried"] else "")
            )
        return "\n".join(lines)

    # ------------------------------------------------------------ inference

    def _probabilities(self, x: np.ndarray) -> np.ndarray:
        """Softmax output ``[n, n_classes]`` for model-ready input ``[n, max_length_, n_features_]``."""
        import tensorflow as tf

        def make() -> Any:
            model = self.model_
            spec = tf.TensorSpec([None, self.model_steps_, self.n_features_], tf.float32)
            return tf.function(lambda t: model(t, training=False), input_signature=[spec])

        predict = self._compiled_predict(make)
        parts = [predict(tf.constant(x[i : i + 1024])).numpy() for i in range(0, len(x), 1024)]
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
            ``{"accuracy": float, "balanced_accuracy": float (mean recall over the
            classes present), "majority_rate": float (accuracy of always answering the
            most frequent class here), "above_majority": bool, "per_class": {class_name: {"precision", "recall",
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
        from sklearn.metrics import balanced_accuracy_score, classification_report, confusion_matrix

        predicted = probs.argmax(axis=1)
        labels = list(range(len(self.classes_)))
        names = [str(c) for c in self.classes_]
        report = classification_report(
            encoded, predicted, labels=labels, target_names=names, output_dict=True, zero_division=0
        )
        accuracy = float(np.mean(predicted == encoded))
        majority = float(np.bincount(encoded).max() / len(encoded))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # a class absent from these labels
            balanced = float(balanced_accuracy_score(encoded, predicted))
        return {
            "accuracy": accuracy,
            "balanced_accuracy": balanced,
            "majority_rate": majority,
            "above_majority": accuracy > majority,
            "per_class": {name: _floats(report[name]) for name in names},
            "macro avg": _floats(report["macro avg"]),
            "weighted avg": _floats(report["weighted avg"]),
            "confusion_matrix": confusion_matrix(encoded, predicted, labels=labels).tolist(),
            "classes": names,
            "n_sequences": int(len(encoded)),
        }


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
    if isinstance(config.get("conv_filters"), list):
        config["conv_filters"] = tuple(config["conv_filters"])
    clf = SequenceClassifier(**config)
    clf.model_ = model
    clf.classes_ = np.asarray(meta["classes"], dtype=object)
    clf.scaler_ = Scaler.from_dict(meta["scaler"])
    clf.scaling_ = meta.get("scaling", config.get("scaling", "series"))
    clf.features_ = tuple(meta["features"])
    clf.n_features_ = int(meta["n_features"])
    clf.max_length_ = int(meta["max_length"])
    clf.factor_ = int(meta["factor"])
    clf.model_steps_ = int(meta["model_steps"])
    clf.fit_report_ = meta.get("fit_report")
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


def _floats(row: dict[str, Any]) -> dict[str, float]:
    return {key: float(value) for key, value in row.items()}


def resolve_max_steps(max_steps: int | str | None, n_cases: int) -> int | None:
    """``max_steps`` with ``"auto"`` resolved for ``n_cases`` training cases (see :data:`AUTO_MAX_STEPS_WORK`)."""
    if max_steps != "auto":
        return max_steps
    low, high = AUTO_MAX_STEPS
    return int(min(high, max(low, AUTO_MAX_STEPS_WORK // max(1, n_cases))))

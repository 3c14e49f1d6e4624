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
from forecaster.estimator import Estimator
from forecaster.tasks import (
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
    downsample_factor,
    load_sequences,
    normalize_each,
    pad_to,
    piecewise_mean,
    step_mask,
)

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
OPTIMIZERS = ("adam", "rmsprop", "sgd")
SCALINGS = ("series", *SCALING_METHODS)
ENSEMBLE_BUDGET = 1_000_000
"""Most ``cases x steps x features x epochs`` of model input the final refit spends on extra seeds."""
EXAMPLES_PER_CLASS = 3

__all__ = ["FORMAT_VERSION", "SequenceClassifier", "load_classifier"]


class SequenceClassifier(Estimator):
    """Classify whole sequences ``[length, n_features]`` with a conv front-end and recurrent layers.

    The defaults are chosen to train reliably on small real (UCR / UEA) sets:
    each case z-normalized on its own, long cases averaged down to at most
    ``max_steps`` steps, three convolutions before a bidirectional GRU, a cosine
    learning-rate decay, class-balanced loss weights, an epoch count chosen on a
    stratified validation part, then a refit on all cases (a small seed
    ensemble when the data is small enough for it to be cheap).

    Args:
        cell: ``"rnn"``, ``"lstm"`` or ``"gru"``.
        units: units per recurrent layer, e.g. ``(32,)`` or ``(64, 32)``; an int means one layer.
        dropout: rate of the dropout after each recurrent layer (and before the output), in [0, 1).
        bidirectional: read each sequence both ways.
        conv_filters: filters of each convolution before the recurrent layers; ``()`` for none.
        max_steps: sequences longer than this are averaged over blocks of whole steps
            (piecewise aggregate approximation) until they fit; ``None`` keeps every step.
        recurrent_steps: most steps the recurrent layers read (the conv features are
            average-pooled down to it; a short loop is what keeps a CPU fit fast).
        scaling: ``"series"`` (z-normalize each sequence and feature over its own steps,
            the UCR convention), or ``"standard"``, ``"minmax"``, ``"none"`` (per feature
            over the training part).
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
            with an ensemble, one model averaging its members.
        classes_: ``[n_classes]`` object array of the labels, sorted.
        scaler_: :class:`~forecaster.data.scaling.Scaler` over the features (identity with ``"series"``).
        n_features_, features_: feature count and names.
        max_length_: longest training sequence (longer ones are truncated at predict time).
        factor_, model_steps_: steps averaged into one, and the resulting model length.
        history_: DataFrame with columns ``epoch``, ``loss``, ``accuracy`` (``val_*`` with validation)
            of the epoch search.
        val_metrics_: :meth:`evaluate` result on the validation part for the search model,
            or ``None`` when ``val=0``.
        fit_report_: dict ``epochs_chosen``, ``ensemble``, ``val_accuracy``,
            ``majority_rate``, ``learned`` (False when the validation accuracy did not
            beat always predicting the most frequent class), ``retried``, ``fit_seconds``.
        label_col_, id_col_, time_col_: the table roles given to ``fit`` (reused by ``predict``).
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
        max_steps: int | None = 256,
        recurrent_steps: int | None = 32,
        scaling: str = "series",
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
        for name in ("max_steps", "recurrent_steps", "batch_size"):
            if getattr(self, name) is not None:
                check_number(name, getattr(self, name), integer=True, low=1)
        if self.scaling not in SCALINGS:
            raise ForecasterError(
                f"`scaling` must be one of {', '.join(SCALINGS)} (received scaling={self.scaling!r})."
            )
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
            self._fit(X, y, label_col, id_col, time_col)
        return self

    def _fit(self, X: Any, y: Any, label_col: str, id_col: str | None, time_col: str | None) -> None:
        import time

        started = time.perf_counter()
        data = load_sequences(X, y, label_col=label_col, id_col=id_col, time_col=time_col)
        classes, encoded = _encode_labels(data.labels)
        train_idx, val_idx = self._split(encoded)
        real = step_mask(data.values)
        if self.scaling == "series":
            n_features = data.values.shape[2]
            self.scaler_ = Scaler("none", np.zeros(n_features), np.ones(n_features))
        else:
            self.scaler_ = fit_scaler(data.values[train_idx][real[train_idx]], self.scaling)
        self.classes_ = classes
        self.n_features_ = int(data.values.shape[2])
        self.features_ = data.features
        self.max_length_ = int(data.values.shape[1])
        self.factor_ = downsample_factor(self.max_length_, self.max_steps)
        self.model_steps_ = -(-self.max_length_ // self.factor_)
        self.label_col_, self.id_col_, self.time_col_ = label_col, id_col, time_col
        self.examples_ = _pick_examples(data.values, encoded, len(classes))
        x = self._prepare(data.values)
        self._train(x, encoded, train_idx, val_idx)
        self.fit_report_["fit_seconds"] = round(time.perf_counter() - started, 2)

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

    def _prepare(self, values: np.ndarray) -> np.ndarray:
        """Raw NaN-padded ``[n, max_length_, F]`` -> model input ``[n, model_steps_, F]``.

        Scale (each series, or with the training statistics), average blocks of
        ``factor_`` steps, then fill padding: zeros (the series mean) for the conv
        front-end, the :data:`MASK_VALUE` sentinel for a recurrent-only model.
        """
        if self.scaling == "series":
            scaled = normalize_each(values)
        else:
            scaled = ((values.astype(np.float64) - self.scaler_.center) / self.scaler_.scale).astype(np.float32)
        scaled = piecewise_mean(scaled, self.factor_)
        if self.conv_filters:
            return np.nan_to_num(scaled, nan=0.0).astype(np.float32)
        mask = step_mask(scaled)
        clash = mask & (scaled == np.float32(MASK_VALUE)).all(axis=-1)
        scaled[clash] = np.float32(_NUDGED)
        scaled[~mask] = np.float32(MASK_VALUE)
        return scaled

    def _batch_size(self, n: int) -> int:
        if self.batch_size is not None:
            return int(self.batch_size)
        return int(min(32, max(4, n // 10)))

    def _build(self) -> Any:
        from forecaster.models.factory import build_classifier

        units = (self.units,) if isinstance(self.units, int) else tuple(self.units)
        return build_classifier(
            self.cell.lower(),
            units,
            self.model_steps_,
            self.n_features_,
            len(self.classes_),
            dropout=self.dropout,
            bidirectional=self.bidirectional,
            mask_value=None if self.conv_filters else MASK_VALUE,
            conv_filters=tuple(self.conv_filters),
            recurrent_steps=self.recurrent_steps,
            name=f"{self.cell.lower()}_sequence_classifier",
        )

    def _fit_one(
        self,
        x: np.ndarray,
        labels: np.ndarray,
        *,
        seed: int,
        learning_rate: float,
        epochs: int,
        decay_epochs: int,
        val: tuple[np.ndarray, np.ndarray] | None,
        weights: dict[int, float] | None,
    ) -> tuple[Any, dict[str, list[float]]]:
        """Train one model for ``epochs`` epochs on a cosine decay over ``decay_epochs``."""
        import keras

        from forecaster.training import resolve_jit_compile

        keras.utils.set_random_seed(seed)
        model = self._build()
        batch = self._batch_size(len(x))
        steps = math.ceil(len(x) / batch)
        schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps * decay_epochs)
        model.compile(
            optimizer=_optimizer(self.optimizer, schedule),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
            jit_compile=resolve_jit_compile(self.jit_compile, model, distributed=False),
        )
        callbacks = []
        if val is not None:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    "val_accuracy", patience=self.patience, mode="max", restore_best_weights=False
                )
            )
        history = model.fit(
            x,
            labels,
            batch_size=batch,
            epochs=epochs,
            validation_data=val,
            class_weight=weights,
            shuffle=True,
            callbacks=callbacks,
            verbose=self.verbose,
        )
        return model, history.history

    def _train(self, x: np.ndarray, encoded: np.ndarray, train_idx: np.ndarray, val_idx: np.ndarray) -> None:
        from forecaster.training import resolve_seed

        seed = resolve_seed(self.seed)
        labels = encoded.astype(np.int32)
        n_classes = len(self.classes_)
        weights = None
        if self.class_weight == "balanced":
            counts = np.bincount(labels, minlength=n_classes)
            weights = {k: float(len(labels) / (n_classes * counts[k])) for k in range(n_classes) if counts[k]}
        report: dict[str, Any] = {"retried": False}
        if len(val_idx):
            val = (x[val_idx], labels[val_idx])
            majority = float(np.bincount(labels[val_idx]).max() / len(val_idx))
            search, history = self._fit_one(
                x[train_idx], labels[train_idx], seed=seed, learning_rate=self.learning_rate,
                epochs=self.epochs, decay_epochs=self.epochs, val=val, weights=weights,
            )
            best, accuracy = _best_epoch(history)
            # Keras reports float32 accuracies: compare at half a case's resolution.
            tolerance = 0.5 / len(val_idx)
            if accuracy <= majority + tolerance:
                # A too-large step can leave the network at the majority class: one retry, 10x smaller.
                report["retried"] = True
                again, history_again = self._fit_one(
                    x[train_idx], labels[train_idx], seed=seed + 1, learning_rate=self.learning_rate / 10,
                    epochs=self.epochs, decay_epochs=self.epochs, val=val, weights=weights,
                )
                best_again, accuracy_again = _best_epoch(history_again)
                if accuracy_again > accuracy + tolerance:
                    search, history, best, accuracy = again, history_again, best_again, accuracy_again
                    report["learning_rate"] = self.learning_rate / 10
            learning_rate = report.get("learning_rate", self.learning_rate)
            report["best_val_epoch"] = best
            # A validation part of a few cases often peaks early by luck; it may lengthen the
            # refit but not cut it below half the budget (these networks rarely get worse with
            # more epochs on unseen cases, and an early stop leaves them under-trained).
            best = max(best, math.ceil(self.epochs / 2))
            self.val_metrics_ = self._score(_predict(search, val[0]), val[1])
            learned = bool(accuracy > majority + tolerance)
            report.update(val_accuracy=accuracy, majority_rate=majority, learned=learned)
            if not report["learned"]:
                warnings.warn(
                    f"training did not learn: the best validation accuracy {accuracy:.3f} is not above the "
                    f"majority-class rate {majority:.3f}; try more cases, another learning_rate or more epochs.",
                    stacklevel=3,
                )
        else:
            history, best, learning_rate = None, self.epochs, self.learning_rate
            self.val_metrics_ = None
            report.update(val_accuracy=None, majority_rate=None, learned=None)
        members = _ensemble_size(self.ensemble, len(x) * x.shape[1] * x.shape[2] * best)
        models = []
        for k in range(members):
            model, final_history = self._fit_one(
                # the refit anneals its own cosine over the chosen epochs
                x, labels, seed=seed + 100 + k, learning_rate=learning_rate, epochs=best, decay_epochs=best,
                val=None, weights=weights,
            )
            models.append(model)
        if history is None:
            history = final_history
        self.model_ = models[0] if members == 1 else _average(models, self.model_steps_, self.n_features_)
        frame = pd.DataFrame(history)
        frame.insert(0, "epoch", np.arange(1, len(frame) + 1))
        self.history_ = frame
        report.update(epochs_chosen=int(best), ensemble=members, batch_size=self._batch_size(len(x)))
        self.fit_report_ = report

    def summary(self) -> str:
        """A few lines on the fit: data shape, chosen epochs, ensemble, validation vs majority rate."""
        self._check_fitted("summary")
        report = self.fit_report_
        lines = [
            f"{len(self.classes_)} classes; {self.n_features_} feature(s) x {self.max_length_} steps"
            + (f" (averaged by {self.factor_} to {self.model_steps_})" if self.factor_ > 1 else ""),
            f"epochs chosen: {report['epochs_chosen']}; ensemble of {report['ensemble']}; "
            f"batch size {report['batch_size']}",
        ]
        if report.get("learned") is not None:
            verdict = "learned" if report["learned"] else "DID NOT LEARN (at the majority-class rate)"
            lines.append(
                f"validation accuracy {report['val_accuracy']:.3f} vs majority-class rate "
                f"{report['majority_rate']:.3f}: {verdict}"
                + (" (retried with a 10x smaller learning rate)" if report["retried"] else "")
            )
        return "\n".join(lines)

    # ------------------------------------------------------------ inference

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
        return self._prepare(values)

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

    # -------------------------------------------------------------- persist

    def export(self, path: str | os.PathLike, overwrite: bool = False) -> None:
        """Write a TensorFlow SavedModel with the preprocessing inside the graph (atomically).

        Signature ``serve``: input ``float32[batch, max_length_, n_features_]`` in raw
        units, shorter sequences right-padded with NaN; output
        ``float32[batch, n_classes]`` probabilities in ``classes_`` order. It loads
        with ``tf.saved_model.load`` in a process that imports only TensorFlow, and
        runs on a CPU-only machine even when written on a GPU one.

        Raises:
            ForecasterError: if unfitted, or ``path`` exists and ``overwrite`` is False.
        """
        self._check_fitted("export")
        with atomic_directory(path, overwrite) as tmp:
            self._write_export(tmp)

    def _write_export(self, folder: str) -> None:
        import tensorflow as tf

        from forecaster.export import _portable_recurrent_layers, _write_archive

        model = self.model_
        spec = tf.TensorSpec([None, self.max_length_, self.n_features_], tf.float32, name="sequences")
        prepare = self._graph_prepare()
        with _portable_recurrent_layers(model):  # no cuDNN op in the graph

            @tf.function(input_signature=[spec], autograph=False)
            def serve(sequences: tf.Tensor) -> tf.Tensor:
                return model(prepare(sequences), training=False)

            serve.get_concrete_function()
            _write_archive(model, folder, {"serve": serve})

    def _graph_prepare(self) -> Any:
        """TensorFlow twin of :meth:`_prepare` for raw NaN-padded ``[B, max_length_, F]`` (used by the export)."""
        import tensorflow as tf

        series = self.scaling == "series"
        center = tf.constant(self.scaler_.center, tf.float32)
        scale = tf.constant(self.scaler_.scale, tf.float32)
        factor, steps, n_features = self.factor_, self.model_steps_, self.n_features_
        conv = bool(self.conv_filters)

        def prepare(sequences: tf.Tensor) -> tf.Tensor:
            real = tf.reduce_all(tf.math.is_finite(sequences), axis=-1, keepdims=True)
            weight = tf.cast(real, tf.float32)
            values = tf.where(real, sequences, 0.0)
            if series:
                count = tf.maximum(tf.reduce_sum(weight, axis=1, keepdims=True), 1.0)
                mean = tf.reduce_sum(values, axis=1, keepdims=True) / count
                spread = tf.sqrt(tf.reduce_sum(weight * tf.square(values - mean), axis=1, keepdims=True) / count)
                spread = tf.where(spread > 1e-8, spread, 1.0)
                scaled = (values - mean) / spread
            else:
                scaled = (values - center) / scale
            scaled = scaled * weight
            if factor > 1:
                extra = steps * factor - self.max_length_
                scaled = tf.pad(scaled, [[0, 0], [0, extra], [0, 0]])
                weight = tf.pad(weight, [[0, 0], [0, extra], [0, 0]])
                total = tf.reduce_sum(tf.reshape(scaled, [-1, steps, factor, n_features]), axis=2)
                count = tf.reduce_sum(tf.reshape(weight, [-1, steps, factor, 1]), axis=2)
                scaled = total / tf.maximum(count, 1.0)
                real = count > 0
            if conv:
                return tf.where(real, scaled, 0.0)
            clash = tf.logical_and(real, tf.reduce_all(tf.equal(scaled, MASK_VALUE), axis=-1, keepdims=True))
            scaled = tf.where(clash, tf.constant(_NUDGED, tf.float32), scaled)
            return tf.where(real, scaled, tf.constant(MASK_VALUE, tf.float32))

        return prepare

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
            "factor": self.factor_,
            "model_steps": self.model_steps_,
            "fit_report": getattr(self, "fit_report_", None),
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
            self._write_export(os.path.join(tmp, "export"))
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
    if isinstance(config.get("conv_filters"), list):
        config["conv_filters"] = tuple(config["conv_filters"])
    clf = SequenceClassifier(**config)
    clf.model_ = model
    clf.classes_ = np.asarray(meta["classes"], dtype=object)
    clf.scaler_ = Scaler.from_dict(meta["scaler"])
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


def _best_epoch(history: dict[str, list[float]]) -> tuple[int, float]:
    """1-based last epoch at the best validation accuracy, and that accuracy.

    The last one: a small validation part often reaches its best accuracy early
    by luck, and these networks keep improving on unseen cases long after.
    """
    accuracy = np.asarray(history["val_accuracy"], np.float64)
    best = int(np.flatnonzero(accuracy >= accuracy.max() - 1e-6)[-1])
    return best + 1, float(accuracy[best])


def _ensemble_size(most: int, work_per_model: int) -> int:
    """Seeds for the final refit: ``most`` while their total work stays within ``ENSEMBLE_BUDGET``."""
    return int(max(1, min(most, ENSEMBLE_BUDGET // max(1, work_per_model))))


def _optimizer(name: str, learning_rate: Any) -> Any:
    """Optimizer with a global gradient-norm clip of 1 (recurrent layers), taking a schedule."""
    import keras

    cls = {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop, "sgd": keras.optimizers.SGD}[name]
    return cls(learning_rate=learning_rate, global_clipnorm=1.0)


def _predict(model: Any, x: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict(x, batch_size=256, verbose=0), np.float32)


def _average(models: list[Any], steps: int, n_features: int) -> Any:
    """One Keras model whose output is the mean of the members' probabilities."""
    import keras

    inputs = keras.Input((steps, n_features), name="sequence")
    for k, model in enumerate(models):
        model.name = f"member_{k}"
    outputs = keras.layers.Average(name="ensemble_mean")([model(inputs) for model in models])
    return keras.Model(inputs, outputs, name="sequence_classifier_ensemble")


def _floats(row: dict[str, Any]) -> dict[str, float]:
    return {key: float(value) for key, value in row.items()}


def _json_scalar(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _json_params(params: dict[str, Any]) -> dict[str, Any]:
    return {key: list(value) if isinstance(value, tuple) else value for key, value in params.items()}

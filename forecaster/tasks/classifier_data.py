"""Data side of :class:`~forecaster.tasks.classification.SequenceClassifier`.

Labels to sorted class codes, the stratified validation split, and the one
preparation of raw NaN-padded sequences into model input (scaling, block
averaging, padding sentinel), in NumPy for fit / predict and in TensorFlow
for the export, so both see the same numbers.
"""

from __future__ import annotations

import math
import os
import warnings
from typing import Any

import numpy as np
import pandas as pd

from forecaster.data.scaling import Scaler, fit_scaler
from forecaster.errors import ForecasterError
from forecaster.tasks.sequences import (
    _NUDGED,
    MASK_VALUE,
    Sequences,
    load_sequences,
    normalize_each,
    pad_to,
    piecewise_mean,
    step_mask,
)

EXAMPLES_PER_CLASS = 3


class _ClassifierData:
    """Split, load and prepare sequences for a fitted (or fitting) classifier."""

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

    def _fit_scaling(self, mode: str, values: np.ndarray, real: np.ndarray, train_idx: np.ndarray) -> None:
        """Set ``scaling_`` to ``mode`` and ``scaler_`` to its statistics over the training cases' real steps."""
        self.scaling_ = mode
        if mode == "series":
            n_features = values.shape[2]
            self.scaler_ = Scaler("none", np.zeros(n_features), np.ones(n_features))
        else:
            self.scaler_ = fit_scaler(values[train_idx][real[train_idx]], mode)

    def _prepare(self, values: np.ndarray) -> np.ndarray:
        """Raw NaN-padded ``[n, max_length_, F]`` -> model input ``[n, model_steps_, F]``.

        Scale as ``scaling_`` says (each series, or with the training statistics), average blocks of
        ``factor_`` steps, then fill padding: zeros (the series mean) for the conv
        front-end, the :data:`MASK_VALUE` sentinel for a recurrent-only model.
        """
        if self.scaling_ == "series":
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

    def _graph_prepare(self) -> Any:
        """TensorFlow twin of :meth:`_prepare` for raw NaN-padded ``[B, max_length_, F]`` (used by the export)."""
        import tensorflow as tf

        series = self.scaling_ == "series"
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

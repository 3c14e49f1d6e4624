"""Persistence of :class:`~forecaster.tasks.classification.SequenceClassifier`.

The SavedModel export (preprocessing inside the graph), ``classifier.json``
metadata and the atomic run directory with its history, metrics and plots.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from forecaster.tasks import atomic_directory, versions, write_json
from forecaster.tasks.classifier_data import EXAMPLES_PER_CLASS
from forecaster.tasks.sequences import MASK_VALUE

# of classifier.json; 2: `scaling="auto"` with the chosen `scaling` stored beside it, which a
# version-1 reader would ignore and misread. Version 1 runs are read as before.
FORMAT_VERSION = 2


class _ClassifierRuns:
    """Export, metadata and run directory of a fitted classifier."""

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
            "scaling": self.scaling_,
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
            figure.savefig(os.path.join(folder, f"{name}.png"), dpi=110)


def _json_scalar(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _json_params(params: dict[str, Any]) -> dict[str, Any]:
    return {key: list(value) if isinstance(value, tuple) else value for key, value in params.items()}

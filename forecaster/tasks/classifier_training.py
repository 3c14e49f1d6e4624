"""Training of :class:`~forecaster.tasks.classification.SequenceClassifier`.

Build the network, search the epoch count on the validation part (one retry
with a 10x smaller learning rate when it stays at the majority class), then
refit on every case, as a small seed ensemble when that is cheap; or, under
``model="auto"``, keep 1-nearest-neighbour Euclidean instead when it is clearly
better on the same validation part.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from forecaster.tasks.sequences import MASK_VALUE

ENSEMBLE_BUDGET = 1_000_000
"""Most ``cases x steps x features x epochs`` of model input the final refit spends on extra seeds."""

AUTO_SCALINGS = ("series", "standard")
"""Candidates of ``scaling="auto"``: per-case z-normalization (kept on ties), per-channel standard scaling."""

AUTO_SCALING_EPOCHS = 25
"""Most epochs of each candidate's short search under ``scaling="auto"``."""

NEAREST = "1nn_euclidean"
"""``fit_report_["model"]`` when ``model="auto"`` kept 1-nearest-neighbour Euclidean instead of the network."""

NEAREST_LOO = "1nn_euclidean_loo"
"""``fit_report_["model_scores"]`` key of 1-NN's leave-one-out accuracy over every training case."""

NEAREST_SHARPNESS = 1e12
"""Softmax sharpness of the 1-NN Keras model, over the largest reference norm: one-hot but for near-ties."""


class _ClassifierTraining:
    """Network building and the search-then-refit training of a classifier."""

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
        """Train one model for ``epochs`` epochs on a cosine decay over ``decay_epochs``.

        The searches and the ensemble members of one fit train the same compiled model
        (:class:`_Trainer`), each from the weights its seed builds and a zeroed optimizer, and
        return a copy: tracing the train step was 3-4 s of every such fit on a CPU, the
        training itself often a fraction of a second on a small set.
        """
        import keras

        from forecaster.training.setup import set_random_seed

        trainer = getattr(self, "_trainer", None)
        if trainer is None:  # before seeding: building it must not move this fit's random draws
            trainer = self._trainer = _Trainer(self)
        set_random_seed(seed)
        fresh = self._build()
        batch = self._batch_size(len(x))
        model = trainer.restart(fresh, learning_rate, decay_steps=math.ceil(len(x) / batch) * decay_epochs)
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
        fresh.set_weights(model.get_weights())  # the caller keeps this one; the next fit overwrites the trainer
        return fresh, history.history

    def _class_weights(self, labels: np.ndarray, n_classes: int) -> dict[int, float] | None:
        """Loss weight per class code, inversely proportional to its frequency (``class_weight="balanced"``)."""
        if self.class_weight != "balanced":
            return None
        counts = np.bincount(labels, minlength=n_classes)
        return {k: float(len(labels) / (n_classes * counts[k])) for k in range(n_classes) if counts[k]}

    def _choose_scaling(
        self, values: np.ndarray, encoded: np.ndarray, train_idx: np.ndarray, val_idx: np.ndarray
    ) -> dict[str, Any]:
        """``scaling="auto"``: set ``scaling_`` / ``scaler_`` to the candidate that scores better on validation.

        Each of :data:`AUTO_SCALINGS` trains one short search (at most ``AUTO_SCALING_EPOCHS``
        epochs, a quarter of ``epochs``) on the training part; the score is the mean validation
        accuracy over its second half (the cosine has annealed; one lucky epoch of a few cases does
        not decide). Per-case z-normalization wins unless standard scaling beats it by more than
        half a validation case. Without a validation part it is per-case z-normalization.
        Returns the choice and the scores (for ``fit_report_``).
        """
        from forecaster.tasks.sequences import step_mask
        from forecaster.training import resolve_seed

        real = step_mask(values)
        if not len(val_idx):
            self._fit_scaling(AUTO_SCALINGS[0], values, real, train_idx)
            return {"scaling": self.scaling_, "scaling_scores": None}
        labels = encoded.astype(np.int32)
        weights = self._class_weights(labels, len(self.classes_))
        budget = int(min(AUTO_SCALING_EPOCHS, math.ceil(self.epochs / 4)))
        seed = resolve_seed(self.seed)
        scores: dict[str, float] = {}
        for mode in AUTO_SCALINGS:
            self._fit_scaling(mode, values, real, train_idx)
            x = self._prepare(values)
            _, history = self._fit_one(
                x[train_idx], labels[train_idx], seed=seed, learning_rate=self.learning_rate,
                epochs=budget, decay_epochs=budget, val=(x[val_idx], labels[val_idx]), weights=weights,
            )
            accuracy = np.asarray(history["val_accuracy"], np.float64)
            scores[mode] = round(float(accuracy[len(accuracy) // 2 :].mean()), 4)
        series, standard = AUTO_SCALINGS
        chosen = standard if scores[standard] > scores[series] + 0.5 / len(val_idx) else series
        self._fit_scaling(chosen, values, real, train_idx)
        return {"scaling": chosen, "scaling_scores": scores}

    def _choose_model(
        self,
        x: np.ndarray,
        labels: np.ndarray,
        train_idx: np.ndarray,
        val_idx: np.ndarray,
        history: dict[str, list[float]],
    ) -> dict[str, Any]:
        """``model="auto"``: the network, or 1-NN Euclidean on the same model input if clearly better.

        The network's score is its mean validation accuracy over the second half of the epoch
        search (as for ``scaling="auto"``: the best epoch of a few cases is luck). 1-NN has two:
        its accuracy on the validation part with the training part as reference, and its
        leave-one-out accuracy over every case (less noisy than a few validation cases). 1-NN
        replaces the network only when both beat the network's score by more than one validation
        case; ties keep the network. (With the validation part alone, a network still learning at
        mid-search lost to 1-NN on one seed of PickupGestureWiimoteZ where it was 0.12 better on
        test; see docs/benchmarks.md.) Returns ``model`` and ``model_scores`` for ``fit_report_``
        (and the 1-NN validation probabilities under ``_nn_val_probs`` when it wins).
        """
        if self.model == "network":
            return {"model": "network", "model_scores": None}
        from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors

        features = _nearest_features(x)
        neighbour = KNeighborsClassifier(n_neighbors=1).fit(features[train_idx], labels[train_idx])
        predicted = neighbour.predict(features[val_idx])
        # kneighbors() without a query leaves each case out of its own neighbours
        others = NearestNeighbors(n_neighbors=1).fit(features).kneighbors(return_distance=False)[:, 0]
        accuracy = np.asarray(history["val_accuracy"], np.float64)
        scores = {
            "network": round(float(accuracy[len(accuracy) // 2 :].mean()), 4),
            NEAREST: round(float(np.mean(predicted == labels[val_idx])), 4),
            NEAREST_LOO: round(float(np.mean(labels[others] == labels)), 4),
        }
        # 1e-6: Keras reports float32 accuracies; winning by exactly one case is not enough
        if min(scores[NEAREST], scores[NEAREST_LOO]) <= scores["network"] + 1.0 / len(val_idx) + 1e-6:
            return {"model": "network", "model_scores": scores}
        probs = np.eye(len(self.classes_), dtype=np.float32)[predicted]
        return {"model": NEAREST, "model_scores": scores, "_nn_val_probs": probs}

    def _train(self, x: np.ndarray, encoded: np.ndarray, train_idx: np.ndarray, val_idx: np.ndarray) -> None:
        from forecaster.training import resolve_seed

        seed = resolve_seed(self.seed)
        labels = encoded.astype(np.int32)
        n_classes = len(self.classes_)
        weights = self._class_weights(labels, n_classes)
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
            report.update(self._choose_model(x, labels, train_idx, val_idx, history))
            report["best_val_epoch"] = best
            # A validation part of a few cases often peaks early by luck; it may lengthen the
            # refit but not cut it below half the budget (these networks rarely get worse with
            # more epochs on unseen cases, and an early stop leaves them under-trained).
            best = max(best, math.ceil(self.epochs / 2))
            self.val_metrics_ = self._score(
                _predict(search, val[0]) if report["model"] == "network" else report.pop("_nn_val_probs"), val[1]
            )
            learned = bool(accuracy > majority + tolerance)
            report.update(val_accuracy=accuracy, majority_rate=majority, learned=learned)
            if not report["learned"]:
                warnings.warn(
                    f"training did not learn: the best validation accuracy {accuracy:.3f} is not above the "
                    f"majority-class rate {majority:.3f}; "
                    + ("1-NN Euclidean is used instead." if report["model"] == NEAREST
                       else "try more cases, another learning_rate or more epochs."),
                    stacklevel=3,
                )
        else:
            history, best, learning_rate = None, self.epochs, self.learning_rate
            self.val_metrics_ = None
            report.update(val_accuracy=None, majority_rate=None, learned=None, model="network", model_scores=None)
        if report["model"] == NEAREST:
            # 1-NN needs no refit: every training case becomes a reference case
            self.model_, members = _nearest_neighbour_model(x, labels, n_classes), 0
        else:
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


class _Trainer:
    """One compiled classifier that every ``_fit_one`` of a fit trains in turn.

    Its cosine schedule reads its start rate and length from variables, so a new
    search or ensemble member sets them instead of compiling (and tracing) again.
    """

    def __init__(self, clf: Any) -> None:
        import keras

        from forecaster.training import build_optimizer, resolve_jit_compile

        schedule = keras.optimizers.schedules.CosineDecay(1.0, decay_steps=1)
        # variables, not Python numbers: the traced step reads them at every call
        schedule.initial_learning_rate = keras.Variable(1.0, trainable=False, name="initial_learning_rate")
        schedule.decay_steps = keras.Variable(1.0, trainable=False, name="decay_steps")
        self.schedule = schedule
        self.model = clf._build()
        self.model.compile(
            optimizer=_optimizer(clf.optimizer, schedule),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
            jit_compile=resolve_jit_compile(clf.jit_compile, self.model, distributed=False),
        )
        build_optimizer(self.model)

    def restart(self, fresh: Any, learning_rate: float, decay_steps: int) -> Any:
        """The compiled model with ``fresh``'s weights, a zeroed optimizer and this schedule."""
        from forecaster.training import restart_from

        restart_from(self.model, fresh)
        self.schedule.initial_learning_rate.assign(learning_rate)
        self.schedule.decay_steps.assign(float(decay_steps))
        return self.model


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


def _nearest_features(x: np.ndarray) -> np.ndarray:
    """Model input ``[n, steps, F]`` as 1-NN features ``[n, steps * F]`` (float64).

    Padding stays what the network sees: zeros with the conv front-end (the default), the
    sentinel for a recurrent-only model, where cases of other lengths are then far apart.
    """
    return x.reshape(len(x), -1).astype(np.float64)


def _nearest_neighbour_model(x: np.ndarray, labels: np.ndarray, n_classes: int) -> Any:
    """A Keras model of 1-NN Euclidean over the reference cases ``x`` (standard layers only).

    ``argmin |q - r|^2 = argmax 2 q.r - |r|^2``: a float64 ``Dense`` over the flattened query
    holds the references, a sharp softmax picks the nearest (near-ties share), and a ``Dense`` of
    one-hot rows turns it into class probabilities. Standard layers, so predict, save / load in
    safe mode and the export work as for the network.
    """
    import keras

    reference = _nearest_features(x)
    steps, n_features = x.shape[1], x.shape[2]
    sharpness = NEAREST_SHARPNESS / max(1.0, float((reference**2).sum(axis=1).max()))
    inputs = keras.Input((steps, n_features), name="sequence")
    hidden = keras.layers.Flatten(name="flatten")(inputs)
    distance = keras.layers.Dense(len(reference), dtype="float64", name="nearest_score")
    hidden = distance(hidden)
    hidden = keras.layers.Softmax(dtype="float64", name="nearest")(hidden)
    vote = keras.layers.Dense(n_classes, use_bias=False, dtype="float64", name="neighbour_class")
    hidden = vote(hidden)
    outputs = keras.layers.Activation("linear", dtype="float32", name="probabilities")(hidden)
    distance.set_weights([2.0 * sharpness * reference.T, -sharpness * (reference**2).sum(axis=1)])
    vote.set_weights([np.eye(n_classes)[labels]])
    return keras.Model(inputs, outputs, name="nearest_neighbour_classifier")

"""Early stopping that waits for validation gains worth the epochs: ``patience`` counts from the
last epoch whose ``val_loss`` was at least ``MIN_IMPROVEMENT`` below the one before it that counted.

Keras' ``EarlyStopping`` restarts its patience at any new minimum, however small. A
series whose validation loss creeps down by a few tenths of a percent an epoch then
trains to the epoch limit: weekly CO2 (2,284 rows, unseen set, third origin) ran 91
epochs and 210 s for a 1.6 % lower ``val_loss`` over its last 60, and its forecast
came from the linear model anyway. Here such creeping minima no longer extend the
run; the weights of the lowest ``val_loss`` are still the ones restored, so a run
that stops at the same epoch ends exactly as Keras' would (docs/benchmarks.md,
"Early stopping on gains of at least 1 %").
"""

from __future__ import annotations

from typing import Any

import keras

__all__ = ["MIN_IMPROVEMENT", "SignificantEarlyStopping"]

MIN_IMPROVEMENT = 0.01
"""The relative ``val_loss`` drop that restarts early stopping's patience."""


class SignificantEarlyStopping(keras.callbacks.EarlyStopping):
    """``EarlyStopping(monitor="val_loss", restore_best_weights=True)`` whose patience restarts only on a
    ``val_loss`` at least ``min_improvement`` (relative) below the last one that restarted it.

    ``min_improvement=0`` is Keras' own rule. The lowest ``val_loss`` of the run is restored
    at its end either way, and recorded as ``best`` / ``best_epoch``.
    """

    def __init__(self, patience: int, min_improvement: float = MIN_IMPROVEMENT) -> None:
        super().__init__(monitor="val_loss", patience=int(patience), restore_best_weights=True)
        self.min_improvement = float(min_improvement)
        self.reference: float | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        super().on_train_begin(logs)
        self.reference = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        current = (logs or {}).get("val_loss")
        if current is None:
            return
        current = float(current)
        if self.best is None or current < self.best:
            self.best, self.best_epoch, self.best_weights = current, epoch, self.model.get_weights()
        if self.reference is None or current < self.reference - self.min_improvement * abs(self.reference):
            self.reference, self.wait = current, 0
            return
        self.wait += 1
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

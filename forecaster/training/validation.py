"""The validation loss of each epoch through the model's shared forward pass (``models.forward``).

Keras computes ``val_loss`` with its own traced test step, a second trace of the network
(0.3-1 s on a short series, where a whole epoch costs 0.1 s) that nothing else reuses. The
forward pass traced here is the one the choice, the metrics and the forecast call afterwards.
The loss is Keras's: the compiled loss of each batch, averaged with batch-size weights.
The set is read through one iterator over its repetition, as ``train`` reads the training set:
a new tf.data iterator every epoch cost 2-10 ms, as much as scoring the set on a short series.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import keras

__all__ = ["ForwardValidation", "forward_validation"]


class ForwardValidation(keras.callbacks.Callback):
    """Writes ``logs["val_loss"]`` at the end of each epoch, for the callbacks after it (early stopping, the schedule)."""

    def __init__(self, val_ds: Any) -> None:
        super().__init__()
        self.val_ds = val_ds
        self.steps = int(val_ds.cardinality())  # batches per epoch; < 0: unknown, a new pass each epoch
        self.iterator: Iterator[Any] | None = None
        self.tracker = keras.metrics.Mean(name="val_loss")

    def _batches(self) -> Iterator[Any]:
        """One epoch's validation batches: the next pass of one iterator over the repeated set."""
        if self.steps < 0:
            yield from self.val_ds
            return
        if self.iterator is None:
            self.iterator = iter(self.val_ds.repeat())
        for _ in range(self.steps):
            yield next(self.iterator)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        from forecaster.models.forward import forward

        if logs is None:
            return
        run = forward(self.model, bool(getattr(self.model, "jit_compile", False)))  # as Keras's test step would
        self.tracker.reset_state()
        for x, y in self._batches():
            loss = self.model.compute_loss(x=x, y=y, y_pred=run(x), training=False)
            self.tracker.update_state(loss, sample_weight=x.shape[0])
        logs["val_loss"] = float(self.tracker.result())


def forward_validation(model: keras.Model, val_ds: Any, loss: Any, metrics: Any, strategy: str | None) -> bool:
    """Whether ``val_ds`` can be scored by :class:`ForwardValidation`: a tf.data set of ``(x, y)`` tensors for a
    model of one input, no metric but the loss, no strategy (a replica's forward pass is traced by the strategy)."""
    import tensorflow as tf

    from forecaster.training.setup import resolve_loss

    if strategy is not None or metrics is not None or not isinstance(val_ds, tf.data.Dataset):
        return False
    spec = val_ds.element_spec
    if not (isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], tf.TensorSpec)):
        return False
    inputs = getattr(model, "inputs", None)  # a subclassed model has none: Keras's own evaluation
    return bool(inputs) and len(inputs) == 1 and resolve_loss(model, loss)[1] is None

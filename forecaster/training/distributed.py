"""A custom training loop for ``tf.distribute`` strategies, multi-worker included.

Keras 3's ``Model.fit`` fails under ``tf.distribute.MultiWorkerMirroredStrategy``
(keras-team/keras#20585, tensorflow/tensorflow#72388: ``ValueError: Attempt to
convert a value (PerReplica...)``), while ``MirroredStrategy`` works. This module
trains the same way TensorFlow documents for custom loops:

* the model and its optimizer are created inside ``strategy.scope()``;
* each step runs ``strategy.run`` inside a ``tf.function``; per-example losses
  (reduction none) are averaged over the *global* batch with
  ``tf.nn.compute_average_loss`` and gradients are all-reduced by the optimizer;
* datasets are distributed with ``strategy.experimental_distribute_dataset``
  and the ``DATA`` auto-shard policy (window datasets are built from tensors,
  so there are no files to shard: every worker builds the same dataset, and
  worker ``i`` keeps every ``n``-th batch);
* early stopping on ``val_loss`` with best-weights restore (the rule of
  :mod:`forecaster.training.stopping`), a Keras ``History``
  (``history.history["loss"]`` / ``["val_loss"]``, ``history.model``) and the
  callbacks' ``on_epoch_end`` behave like the single-machine ``fit`` path;
* an optional ``tf.train.Checkpoint`` per epoch, written by the chief only
  (other workers write to a temporary directory that is then removed, as in the
  TensorFlow multi-worker tutorial); a rerun with the same ``checkpoint_dir``
  resumes after the last finished epoch.

It runs just as well with the default strategy or a one-device
``MirroredStrategy`` on one CPU, which is how it is tested without a cluster.

Every worker must build the *same* datasets (same data, same ``seed`` when
shuffling): sharding splits the batches of one shared order.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from forecaster.errors import ForecasterError

if TYPE_CHECKING:
    import keras
    import tensorflow as tf

logger = logging.getLogger(__name__)

__all__ = ["fit_custom_loop", "is_chief", "multiworker_strategy"]

_MULTIWORKER: Any = None


def multiworker_strategy() -> Any:
    """The process-wide ``tf.distribute.MultiWorkerMirroredStrategy`` (from ``TF_CONFIG``).

    TensorFlow configures collective ops once, at start-up: call this before
    any other TensorFlow op in a multi-worker script (``make_windows`` creates
    tensors). ``train(..., strategy="multiworker")`` reuses the same instance;
    creating a second one re-initializes the collectives and can hang.
    """
    global _MULTIWORKER
    if _MULTIWORKER is None:
        import tensorflow as tf

        _MULTIWORKER = tf.distribute.MultiWorkerMirroredStrategy()
    return _MULTIWORKER


def fit_custom_loop(
    build_fn: Callable[[], keras.Model],
    train_ds: tf.data.Dataset,
    val_ds: tf.data.Dataset | None,
    *,
    strategy: tf.distribute.Strategy,
    loss: Any,
    optimizer_fn: Callable[[], keras.optimizers.Optimizer],
    epochs: int,
    patience: int,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: int | str = 0,
    checkpoint_dir: str | os.PathLike | None = None,
) -> keras.callbacks.History:
    """Train ``build_fn()`` under ``strategy`` with a custom loop; return its ``History``.

    Args:
        build_fn: zero-argument callable that builds the Keras model; called
            inside ``strategy.scope()``.
        train_ds: dataset of ``(x[B, W, F], y[B, H, T])`` batches, where ``B`` is
            the *global* batch size (split over all replicas of all workers).
        val_ds: validation dataset of the same shape, or ``None`` to run all
            ``epochs`` without early stopping.
        strategy: a ``tf.distribute`` strategy: ``MultiWorkerMirroredStrategy``,
            ``MirroredStrategy`` or the default one (``tf.distribute.get_strategy()``).
        loss: ``None`` for the head's loss, ``"mse"`` / ``"mae"`` / ``"huber"``, a
            ``keras.losses.Loss`` or a function ``(y_true, y_pred) -> per-sample loss``
            (see :func:`forecaster.training.setup.resolve_loss`).
        optimizer_fn: zero-argument callable returning a fresh Keras optimizer;
            called inside ``strategy.scope()``.
        epochs: maximum number of epochs, >= 1.
        patience: epochs without a ``val_loss`` gain of ``stopping.MIN_IMPROVEMENT`` before
            stopping, >= 1; the best weights are then restored.
        callbacks: Keras callbacks; ``on_train_begin`` / ``on_epoch_begin`` /
            ``on_epoch_end`` / ``on_train_end`` are called with the epoch logs, and
            a callback may stop training by setting ``model.stop_training``.
        verbose: 0 for silence; otherwise one log line per epoch (``logging`` INFO).
        checkpoint_dir: directory for per-epoch checkpoints (written by the chief), or
            ``None``. If it already holds one, training resumes after its epoch; on a
            cluster it must be readable by every worker (a shared file system).

    Returns:
        A ``keras.callbacks.History`` with ``history.history["loss"]`` (and
        ``["val_loss"]`` with validation data) per epoch; ``history.model`` is the
        trained model (compiled with the optimizer and loss, best weights restored).

    Raises:
        ForecasterError: for a bad ``epochs`` / ``patience``, or if ``build_fn``
            does not return a Keras model.

    Example:
        >>> import numpy as np, tensorflow as tf
        >>> from forecaster.data.windowing import make_windows
        >>> from forecaster.models.factory import build_model
        >>> from forecaster.training import make_optimizer
        >>> ds = make_windows(np.sin(np.arange(120) / 4.0), input_width=8, horizon=2, batch_size=32)
        >>> history = fit_custom_loop(
        ...     lambda: build_model("gru", 4, 8, 1, 2, 1), ds, None,
        ...     strategy=tf.distribute.get_strategy(), loss="mse",
        ...     optimizer_fn=lambda: make_optimizer("adam", 1e-2), epochs=2, patience=1)
        >>> len(history.history["loss"])
        2
    """
    from forecaster.config import check_number

    for name, value in (("epochs", epochs), ("patience", patience)):
        check_number(name, value, integer=True, low=1)
    import keras
    import tensorflow as tf

    from forecaster.training.setup import resolve_loss

    with strategy.scope():
        model = build_fn()
        if not isinstance(model, keras.Model):
            raise ForecasterError(
                f"`build_fn` must return a keras.Model (it returned {type(model).__name__})."
            )
        loss_obj, _ = resolve_loss(model, loss)
        optimizer = optimizer_fn()
        # compile() only records optimizer and loss (for callbacks such as
        # ReduceLROnPlateau and for saving); the loop below does the training.
        model.compile(optimizer=optimizer, loss=loss_obj)
        optimizer.build(model.trainable_variables)
        epoch_var = tf.Variable(0, dtype=tf.int64, trainable=False, name="epochs_done")

    per_sample = _per_sample_loss_fn(loss_obj)
    train_dist = strategy.experimental_distribute_dataset(_data_sharded(train_ds))
    val_dist = (
        None if val_ds is None else strategy.experimental_distribute_dataset(_data_sharded(val_ds))
    )
    train_step, eval_step = _make_steps(strategy, model, optimizer, per_sample)

    manager, write_dir = _checkpoint_manager(strategy, model, optimizer, epoch_var, checkpoint_dir)
    start_epoch = 0
    latest = None if checkpoint_dir is None else tf.train.latest_checkpoint(os.fspath(checkpoint_dir))
    if manager is not None and latest:
        # Every worker restores the chief's checkpoint (a directory they all can read).
        manager.checkpoint.restore(latest)
        start_epoch = int(epoch_var.numpy())
        logger.info("resumed from %s after epoch %d", latest, start_epoch)

    from forecaster.training.stopping import SignificantEarlyStopping

    history = keras.callbacks.History()
    # first, so the other callbacks' on_train_end see the restored best weights
    stopper = [] if val_dist is None else [SignificantEarlyStopping(patience)]
    callback_list = keras.callbacks.CallbackList(
        [*stopper, *callbacks, history], add_history=False, add_progbar=False, model=model
    )
    model.stop_training = False
    callback_list.on_train_begin()
    try:
        for epoch in range(start_epoch, int(epochs)):
            callback_list.on_epoch_begin(epoch)
            logs = {"loss": _run_epoch(train_step, train_dist, strategy)}
            if val_dist is not None:
                logs["val_loss"] = _run_epoch(eval_step, val_dist, strategy)
            callback_list.on_epoch_end(epoch, logs)
            epoch_var.assign(epoch + 1)
            if manager is not None:
                manager.save(checkpoint_number=epoch + 1)
            if verbose:
                logger.info(
                    "epoch %d/%d: %s",
                    epoch + 1,
                    epochs,
                    ", ".join(f"{k}={v:.6g}" for k, v in logs.items()),
                )
            if model.stop_training:
                if stopper and stopper[0].stopped_epoch == epoch > 0:  # not another callback's stop
                    logger.info("early stopping after epoch %d (best val_loss %.6g)", epoch + 1, stopper[0].best)
                break
    finally:
        if write_dir is not None:
            shutil.rmtree(write_dir, ignore_errors=True)
    callback_list.on_train_end()
    history.set_model(model)
    return history


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """Whether this process is the chief (the one that writes checkpoints and files).

    The chief is the ``chief`` task if the cluster has one, else ``worker`` 0;
    a strategy without a cluster (default, ``MirroredStrategy``) is always chief.
    """
    resolver = getattr(strategy, "cluster_resolver", None)
    task_type = getattr(resolver, "task_type", None)
    if task_type is None:
        return True
    if task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return task_type == "worker" and not has_chief and resolver.task_id == 0


# --- private helpers -----------------------------------------------------------------------------


def _data_sharded(ds: tf.data.Dataset) -> tf.data.Dataset:
    """Set the DATA auto-shard policy: window datasets come from tensors, not files."""
    import tensorflow as tf

    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return ds.with_options(options)


def _per_sample_loss_fn(loss_obj: Any) -> Callable[[Any, Any], Any]:
    """``(y_true, y_pred) -> loss[batch]`` without reduction over the batch."""
    import keras
    import tensorflow as tf

    fn = loss_obj.call if isinstance(loss_obj, keras.losses.Loss) else keras.losses.get(loss_obj)

    def per_sample(y_true: Any, y_pred: Any) -> Any:
        values = tf.convert_to_tensor(fn(y_true, y_pred))
        values = tf.cast(values, tf.float32)
        if values.shape.rank is not None and values.shape.rank > 1:
            values = tf.reduce_mean(values, axis=list(range(1, values.shape.rank)))
        return values

    return per_sample


def _make_steps(
    strategy: tf.distribute.Strategy,
    model: keras.Model,
    optimizer: keras.optimizers.Optimizer,
    per_sample: Callable[[Any, Any], Any],
) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """``tf.function`` train and eval steps; each returns ``(sum of losses, count)``."""
    import tensorflow as tf

    def global_count(n: tf.Tensor) -> tf.Tensor:
        # Batches can be partial (last batch) or empty on some replicas (uneven
        # sharding); the average is over the examples of all replicas.
        return tf.distribute.get_replica_context().all_reduce("sum", n)

    def train_fn(x: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        n = tf.cast(tf.shape(y)[0], tf.float32)
        total = global_count(n)
        with tf.GradientTape() as tape:
            pred = model(x, training=True)
            losses = per_sample(y, pred)
            global_batch_size = tf.cast(tf.maximum(total, 1.0), tf.int64)
            scaled = tf.nn.compute_average_loss(losses, global_batch_size=global_batch_size)
            if model.losses:
                scaled += tf.nn.scale_regularization_loss(tf.add_n(model.losses))
        grads = tape.gradient(scaled, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        return tf.reduce_sum(losses), n

    def eval_fn(x: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        losses = per_sample(y, model(x, training=False))
        return tf.reduce_sum(losses), tf.cast(tf.shape(y)[0], tf.float32)

    def distributed(fn: Callable[..., Any]) -> Callable[[Any], Any]:
        @tf.function(reduce_retracing=True)
        def step(batch: Any) -> tuple[tf.Tensor, tf.Tensor]:
            x, y = batch[0], batch[1]
            loss_sum, count = strategy.run(fn, args=(x, y))
            return (
                strategy.reduce("sum", loss_sum, axis=None),
                strategy.reduce("sum", count, axis=None),
            )

        return step

    return distributed(train_fn), distributed(eval_fn)


def _run_epoch(step: Callable[[Any], Any], dist_ds: Any, strategy: tf.distribute.Strategy) -> float:
    """Run ``step`` over one pass of ``dist_ds``; the mean per-example loss over all workers."""
    total, count = 0.0, 0.0
    for batch in dist_ds:
        loss_sum, n = step(batch)
        total += float(loss_sum)
        count += float(n)
    if count == 0:
        raise ForecasterError(
            "a dataset yielded no windows; check that the series is longer than input_width + horizon."
        )
    return total / count


def _checkpoint_manager(
    strategy: tf.distribute.Strategy,
    model: keras.Model,
    optimizer: keras.optimizers.Optimizer,
    epoch_var: tf.Variable,
    checkpoint_dir: str | os.PathLike | None,
) -> tuple[tf.train.CheckpointManager | None, str | None]:
    """A manager writing to ``checkpoint_dir`` on the chief, to a temp dir elsewhere.

    Every worker must take part in saving (reading distributed variables can
    involve collectives); only the chief's files are kept. Returns the manager
    and the temporary directory to delete afterwards (``None`` on the chief).
    """
    if checkpoint_dir is None:
        return None, None
    import tensorflow as tf

    checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer, epochs_done=epoch_var)
    if is_chief(strategy):
        directory, temp = os.fspath(checkpoint_dir), None
    else:
        resolver = strategy.cluster_resolver
        temp = tempfile.mkdtemp(prefix=f"ckpt-{resolver.task_type}-{resolver.task_id}-")
        directory = temp
    manager = tf.train.CheckpointManager(checkpoint, directory=directory, max_to_keep=1)
    return manager, temp

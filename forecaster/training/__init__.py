"""Compile and fit a model: optimizer, gradient clipping, callbacks, seeds, XLA, distribution.

:func:`train` is the one entry point. It checks every argument first, then

1. seeds Python, NumPy and Keras (:func:`resolve_seed`), and turns on
   TensorFlow op determinism when asked (:func:`enable_determinism`);
2. builds the model inside the distribution strategy's scope when given a
   zero-argument callable (``strategy="mirrored"`` / ``"multiworker"``);
3. compiles with the head's loss (:func:`resolve_loss`), an optimizer whose
   gradients are clipped to a global norm (:func:`make_optimizer`) and, on a
   CPU-only machine, an XLA-compiled train step (``jit_compile="auto"``);
4. fits with early stopping on ``val_loss`` (patience restarted by gains of
   at least 1 %, :mod:`~forecaster.training.stopping`; best weights restored) and
   ``ReduceLROnPlateau``, and returns the Keras ``History``.

With ``reuse`` (a model compiled by an earlier ``train`` of the same builder),
step 3 is replaced by a restart of that model (:func:`restart_from`): the fresh
build's weights and seed state, a zeroed optimizer state, the same traced train
and validation steps.

``strategy="multiworker"`` goes through the custom training loop of
:mod:`forecaster.training.distributed`, because Keras 3 ``fit`` does not run
under ``MultiWorkerMirroredStrategy`` (keras-team/keras#20585).

Submodules: :mod:`~forecaster.training.setup` (optimizer, loss, seed, XLA
policy), :mod:`~forecaster.training.distributed` (the custom loop) and
:mod:`~forecaster.training.selection` (epoch budget and skip choice of a
``Forecaster``). None of them imports this module at import time, so there is
no import cycle.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from forecaster.config import JIT_CHOICES, STRATEGIES, VERBOSITY, check_choice, check_number
from forecaster.errors import ForecasterError
from forecaster.training.distributed import multiworker_strategy
from forecaster.training.setup import (
    OPTIMIZERS,
    _check_optimizer_args,
    enable_determinism,
    make_optimizer,
    resolve_jit_compile,
    resolve_loss,
    resolve_seed,
)

if TYPE_CHECKING:
    import keras
    import tensorflow as tf

logger = logging.getLogger(__name__)

REDUCE_LR_FACTOR = 0.5
MIN_LEARNING_RATE = 1e-6

__all__ = [
    "OPTIMIZERS",
    "build_optimizer",
    "copy_model",
    "enable_determinism",
    "make_optimizer",
    "multiworker_strategy",
    "resolve_jit_compile",
    "resolve_loss",
    "resolve_seed",
    "restart_from",
    "train",
]


def train(
    model: keras.Model | Callable[[], keras.Model],
    train_ds: tf.data.Dataset | Any,
    val_ds: tf.data.Dataset | Any | None = None,
    *,
    loss: Any = None,
    optimizer: str = "adam",
    learning_rate: float = 1e-3,
    clipnorm: float | None = 1.0,
    epochs: int = 100,
    patience: int = 10,
    seed: int | None = None,
    deterministic: bool = False,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: int | str = "auto",
    jit_compile: bool | str = "auto",
    strategy: str | None = None,
    reduce_lr: bool = True,
    metrics: Sequence[Any] | None = None,
    reuse: keras.Model | None = None,
) -> keras.callbacks.History:
    """Compile and fit ``model``; return its Keras ``History`` (``history.model`` is the model).

    Args:
        model: a built Keras model, or a zero-argument callable that builds one
            (required with a ``strategy``, so variables live in its scope; the
            callable is called after seeding).
        train_ds: training data, usually ``make_windows(...)`` yielding
            ``(x[B, W, F], y[B, H, T])``; anything ``Model.fit`` accepts as ``x``.
        val_ds: validation data, or ``None`` for a fixed budget of ``epochs``
            without early stopping. A tf.data set of ``(x, y)`` for a one-input model
            compiled with no metric but the loss is scored through the model's shared
            forward pass (``training.validation``; Keras's test step is not traced, and one
            iterator reads the set at every epoch).
        loss: ``None`` for the head's loss (see :func:`resolve_loss`), ``"mse"`` /
            ``"mae"`` / ``"huber"``, or a Keras loss.
        optimizer: ``"adam"``, ``"rmsprop"`` or ``"sgd"``.
        learning_rate: initial learning rate, > 0.
        clipnorm: global gradient-norm clip, > 0, or ``None`` to disable.
        epochs: maximum number of epochs, >= 1.
        patience: epochs without a ``val_loss`` gain of at least ``stopping.MIN_IMPROVEMENT``
            (1 %) before stopping, >= 1 (:mod:`~forecaster.training.stopping`); the lowest
            ``val_loss``'s weights are restored. ``ReduceLROnPlateau`` halves the rate after
            ``max(1, patience // 2)`` epochs without a new minimum.
        seed: seed for weights, dropout and shuffling; ``None`` draws one (logged).
        deterministic: also enable TensorFlow op determinism (slower, process-wide).
        callbacks: extra Keras callbacks.
        verbose: Keras progress output: ``"auto"``/1 bars, 2 one line per epoch, 0 silent.
        jit_compile: ``"auto"`` (see :func:`resolve_jit_compile`), True or False.
        strategy: ``None`` (default device), ``"mirrored"`` (all visible GPUs of
            this machine) or ``"multiworker"`` (workers from ``TF_CONFIG``; its
            custom loop honours every argument but ``metrics`` and
            ``jit_compile=True``, which it rejects).
        reduce_lr: add ``ReduceLROnPlateau`` (on ``val_loss``, or ``loss`` without validation).
        metrics: extra Keras metrics; classifiers get ``["accuracy"]`` by default.
        reuse: a model an earlier ``train`` call compiled from the same ``model`` callable (same
            settings): it is trained instead, from the weights the seeded callable builds and a
            zeroed optimizer state, so the result is the same (to the bit) but
            its traced steps are reused; most of a short series' refit is that tracing
            (docs/benchmarks.md, "Refit on the compiled model"). Overwrites its weights. Ignored
            with a strategy, a built ``model``, or when this run would decide XLA differently,
            except that an XLA-compiled ``reuse`` serves a fit of any length (its compilation is paid).

    Returns:
        The ``keras.callbacks.History`` of the fit.

    Raises:
        ForecasterError: for an invalid argument.

    Example:
        >>> import numpy as np
        >>> from forecaster.data.windowing import make_windows
        >>> from forecaster.models.factory import build_model
        >>> ds = make_windows(np.sin(np.arange(200) / 5.0), input_width=12, horizon=3, batch_size=32)
        >>> history = train(build_model("gru", (4,), 12, 1, 3, 1), ds, epochs=2, seed=0, verbose=0)
        >>> len(history.history["loss"])
        2
    """
    _check_optimizer_args(optimizer, learning_rate, clipnorm)
    _check_train_args(
        model=model,
        metrics=metrics,
        epochs=epochs,
        patience=patience,
        deterministic=deterministic,
        callbacks=callbacks,
        verbose=verbose,
        jit_compile=jit_compile,
        strategy=strategy,
        reduce_lr=reduce_lr,
    )
    used_seed = resolve_seed(seed)
    if seed is None:
        logger.info("training with random seed %d", used_seed)
    if deterministic:
        enable_determinism()

    def optimizer_fn() -> keras.optimizers.Optimizer:
        return make_optimizer(optimizer, learning_rate, clipnorm)

    if strategy == "multiworker":
        from forecaster.training.distributed import fit_custom_loop

        # The loop adds its own early stopping on val_loss; the learning-rate schedule is a callback.
        schedule = _standard_callbacks(val_ds, patience=patience, reduce_lr=reduce_lr, early_stopping=False)
        return fit_custom_loop(
            model,
            train_ds,
            val_ds,
            strategy=multiworker_strategy(),
            loss=loss,
            optimizer_fn=optimizer_fn,
            epochs=epochs,
            patience=patience,
            callbacks=[*schedule, *callbacks],
            verbose=verbose,
        )

    planned_steps = _planned_steps(train_ds, epochs)
    if reuse is not None and strategy is None and _reusable(reuse, model, jit_compile, planned_steps):
        compiled = _restart(reuse, model(), learning_rate)
    else:
        compiled = _compile(
            model,
            loss=loss,
            optimizer_fn=optimizer_fn,
            metrics=metrics,
            jit_compile=jit_compile,
            strategy=strategy,
            planned_steps=planned_steps,
        )
    from forecaster.training.validation import ForwardValidation, forward_validation

    run_callbacks = _standard_callbacks(val_ds, patience=patience, reduce_lr=reduce_lr)
    if val_ds is not None and forward_validation(compiled, val_ds, loss, metrics, strategy):
        # first, so early stopping and the schedule read its val_loss; Keras then skips its own test step
        run_callbacks.insert(0, ForwardValidation(val_ds))
        val_ds = None
    run_callbacks += list(callbacks)
    # datasets (make_windows) shuffle themselves; Keras only shuffles in-memory arrays
    fit_args: dict[str, Any] = {"x": train_ds, "shuffle": False}
    if isinstance(train_ds, tuple) and len(train_ds) == 2:
        fit_args = {"x": train_ds[0], "y": train_ds[1], "shuffle": True}
    elif planned_steps and strategy is None:
        # Keras makes new tf.data iterators at every epoch of a finite dataset (16-22 ms each for
        # the window pipeline, a quarter of a short series' fit); it keeps one over a repeated one.
        # Each repetition draws its epoch seed as a new iterator would: epoch e reads the e-th pass.
        fit_args = {"x": train_ds.repeat(), "steps_per_epoch": int(train_ds.cardinality()), "shuffle": False}
    return compiled.fit(
        **fit_args,
        validation_data=val_ds,
        epochs=int(epochs),
        callbacks=run_callbacks,
        verbose=verbose,
    )


def copy_model(build: Callable[[], keras.Model], model: keras.Model) -> keras.Model:
    """A new, uncompiled model from ``build`` holding ``model``'s weights (kept before ``reuse`` overwrites them)."""
    copy = build()
    copy.set_weights(model.get_weights())
    return copy


def _reusable(reuse: Any, model: Any, jit_compile: bool | str, planned_steps: int | None) -> bool:
    """``reuse`` is a compiled Keras model with the XLA setting this run would choose, ``model`` a builder.

    An XLA-compiled ``reuse`` serves a fit planned below ``XLA_MIN_PLANNED_STEPS`` too: that bound
    weighs the compilation against the steps it speeds up, and ``reuse`` has paid it already.
    """
    import keras

    if isinstance(model, keras.Model) or not isinstance(reuse, keras.Model) or getattr(reuse, "optimizer", None) is None:
        return False
    steps = None if reuse.jit_compile else planned_steps
    return bool(reuse.jit_compile) == resolve_jit_compile(jit_compile, reuse, distributed=False, planned_steps=steps)


def restart_from(compiled: keras.Model, fresh: keras.Model) -> keras.Model:
    """``compiled`` holding ``fresh``'s state and a zeroed optimizer: a fresh fit's start on an already traced step.

    Every variable is copied (weights and the dropout seeds' state), and the optimizer's step
    count and moments are zeroed, so training it gives what compiling ``fresh`` would, to the bit.
    """
    import keras

    for target, source in zip(compiled.variables, fresh.variables, strict=True):
        target.assign(source)
    for variable in compiled.optimizer.variables:
        variable.assign(keras.ops.zeros_like(variable))
    return compiled


def _restart(compiled: keras.Model, fresh: keras.Model, learning_rate: float) -> keras.Model:
    """``compiled`` restarted from ``fresh`` (:func:`restart_from`) at the initial learning rate."""
    restart_from(compiled, fresh)
    compiled.optimizer.learning_rate = learning_rate  # a plateau schedule may have lowered it
    return compiled


def _compile(
    model: keras.Model | Callable[[], keras.Model],
    *,
    loss: Any,
    optimizer_fn: Callable[[], keras.optimizers.Optimizer],
    metrics: Sequence[Any] | None,
    jit_compile: bool | str,
    strategy: str | None,
    planned_steps: int | None = None,
) -> keras.Model:
    """Build (inside the strategy scope) and compile. Arguments are trusted."""
    import contextlib

    import keras

    scope: Any = contextlib.nullcontext()
    if strategy == "mirrored":
        import tensorflow as tf

        scope = tf.distribute.MirroredStrategy().scope()
    with scope:
        built = model if isinstance(model, keras.Model) else model()
        if not isinstance(built, keras.Model):
            raise ForecasterError(
                f"the `model` callable must return a keras.Model (it returned {type(built).__name__})."
            )
        head_loss, head_metrics = resolve_loss(built, loss)
        built.compile(
            optimizer=optimizer_fn(),
            loss=head_loss,
            metrics=list(metrics) if metrics is not None else head_metrics,
            jit_compile=resolve_jit_compile(
                jit_compile, built, distributed=strategy is not None, planned_steps=planned_steps
            ),
        )
        build_optimizer(built)
    return built


def build_optimizer(model: keras.Model) -> None:
    """Create a compiled model's optimizer variables now, so its train step is traced once, not twice.

    Keras on TensorFlow (without a strategy) leaves them to the first trace of the train step, and
    a tf.function that creates variables is traced twice: once to create them, once for the step
    (1.2-1.5 s of a short series' fit). Same variables, same zeros: training is unchanged.
    """
    if model.built and not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)


def _planned_steps(train_ds: Any, epochs: int) -> int | None:
    """Train steps ``fit`` will run at most (steps per epoch x epochs); ``None`` when the data does not say."""
    if isinstance(train_ds, tuple) and len(train_ds) == 2:
        return -(-len(train_ds[0]) // 32) * int(epochs)  # Keras' default batch for in-memory arrays
    cardinality = getattr(train_ds, "cardinality", None)
    if cardinality is None:
        return None
    steps = int(cardinality())
    return steps * int(epochs) if steps >= 0 else None  # -1 infinite, -2 unknown


def _standard_callbacks(val_ds: Any, *, patience: int, reduce_lr: bool, early_stopping: bool = True) -> list[Any]:
    import keras

    monitor = "loss" if val_ds is None else "val_loss"
    callbacks: list[Any] = []
    if val_ds is not None and early_stopping:
        from forecaster.training.stopping import SignificantEarlyStopping

        callbacks.append(SignificantEarlyStopping(int(patience)))
    if reduce_lr:
        callbacks.append(
            keras.callbacks.ReduceLROnPlateau(
                monitor=monitor,
                factor=REDUCE_LR_FACTOR,
                patience=max(1, int(patience) // 2),
                min_lr=MIN_LEARNING_RATE,
            )
        )
    return callbacks


# --- argument checks ---------------------------------------------------------------------------


def _check_train_args(
    *,
    model: Any,
    metrics: Any,
    epochs: Any,
    patience: Any,
    deterministic: Any,
    callbacks: Any,
    verbose: Any,
    jit_compile: Any,
    strategy: Any,
    reduce_lr: Any,
) -> None:
    import keras

    for arg, value in (("epochs", epochs), ("patience", patience)):
        check_number(arg, value, integer=True, low=1)
    for arg, value in (("deterministic", deterministic), ("reduce_lr", reduce_lr)):
        if not isinstance(value, bool):
            raise ForecasterError(f"`{arg}` must be True or False (received {arg}={value!r}).")
    check_choice("verbose", verbose, VERBOSITY)
    check_choice("jit_compile", jit_compile, JIT_CHOICES)
    check_choice("strategy", strategy, STRATEGIES)
    if not isinstance(model, keras.Model) and not callable(model):
        raise ForecasterError(
            f"`model` must be a keras.Model or a zero-argument callable that builds one "
            f"(received {type(model).__name__})."
        )
    if strategy is not None and isinstance(model, keras.Model):
        raise ForecasterError(
            f"with strategy={strategy!r}, pass `model` as a zero-argument callable that builds it "
            "(e.g. lambda: build_model(...)) so its variables are created in the strategy scope."
        )
    if strategy == "multiworker":
        # The custom loop tracks the loss only and never uses XLA: say so instead of ignoring them.
        if metrics is not None:
            raise ForecasterError(
                "the multi-worker loop computes only the loss; pass metrics=None with strategy='multiworker'."
            )
        if jit_compile is True:
            raise ForecasterError(
                "the multi-worker loop does not XLA-compile its steps; pass jit_compile='auto' or False "
                "with strategy='multiworker'."
            )
    if isinstance(callbacks, keras.callbacks.Callback) or not all(
        isinstance(c, keras.callbacks.Callback) for c in callbacks
    ):
        raise ForecasterError(
            "`callbacks` must be a sequence of keras.callbacks.Callback instances "
            f"(received {callbacks!r})."
        )

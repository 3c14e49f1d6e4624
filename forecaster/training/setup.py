"""Training set-up: optimizer (with gradient clipping), loss, seeds, determinism, XLA policy.

These are the pieces :func:`forecaster.training.train` assembles; each is
usable alone (``make_optimizer`` in a custom loop, ``resolve_seed`` before
building a model by hand).
"""

from __future__ import annotations

import random
import secrets
from typing import TYPE_CHECKING, Any

import numpy as np

from forecaster.config import OPTIMIZERS, check_choice, check_number, check_seed
from forecaster.errors import ForecasterError

if TYPE_CHECKING:
    import keras

__all__ = [
    "enable_determinism",
    "make_optimizer",
    "resolve_jit_compile",
    "resolve_loss",
    "resolve_seed",
    "set_random_seed",
]


def make_optimizer(
    name: str = "adam", learning_rate: float = 1e-3, clipnorm: float | None = 1.0
) -> keras.optimizers.Optimizer:
    """Create an optimizer whose gradients are clipped to a global norm.

    ``clipnorm`` bounds the norm of all gradients taken together (Keras'
    ``global_clipnorm``), the usual remedy for exploding gradients in
    recurrent networks; ``None`` turns clipping off.

    Args:
        name: ``"adam"``, ``"rmsprop"`` or ``"sgd"``.
        learning_rate: step size, > 0.
        clipnorm: largest global gradient norm applied, > 0, or ``None``.

    Returns:
        A fresh ``keras.optimizers.Optimizer`` (create it inside a strategy scope
        when distributing).

    Raises:
        ForecasterError: for an unknown name or a non-positive value.

    Example:
        >>> make_optimizer("rmsprop", 1e-2).global_clipnorm
        1.0
    """
    _check_optimizer_args(name, learning_rate, clipnorm)
    import keras

    cls = {
        "adam": keras.optimizers.Adam,
        "rmsprop": keras.optimizers.RMSprop,
        "sgd": keras.optimizers.SGD,
    }[name]
    kwargs = {} if clipnorm is None else {"global_clipnorm": float(clipnorm)}
    return cls(learning_rate=float(learning_rate), **kwargs)


def resolve_seed(seed: int | None) -> int:
    """Seed Python, NumPy and Keras (which seeds TensorFlow) and return the seed used.

    Args:
        seed: a non-negative integer, or ``None`` for a fresh random seed.

    Returns:
        The seed, so that a run started with ``None`` can be repeated.

    Raises:
        ForecasterError: if ``seed`` is not a non-negative integer or None.
    """
    check_seed(seed)
    if seed is None:
        seed = secrets.randbelow(2**31 - 1)

    seed = int(seed)
    set_random_seed(seed)
    return seed


def set_random_seed(seed: int) -> None:
    """Seed as ``keras.utils.set_random_seed(seed)`` does, keeping TensorFlow's compiled functions.

    ``tf.random.set_seed`` (which Keras' version calls) also clears TensorFlow's eager kernel
    cache, where the instantiated ``tf.function`` graphs live: every train, test and predict
    function traced earlier in the process is then optimized again at its next call (0.1-0.6 s
    each; a fifth of a short series' fit, docs/benchmarks.md "Seeding without dropping
    the compiled functions; ..."). The clear exists to restart the counters of stateful random
    kernels, which nothing here draws from: Keras layers draw from seed variables and the
    window pipelines from seeded tf.data ops. So this sets what Keras' version sets (Python,
    NumPy, Keras' global seed, TensorFlow's global seed and its op-seed stream) and leaves the
    cache. Where those internals are not where TensorFlow 2.21 and Keras 3.15 keep them, it
    calls Keras' own.
    """
    import keras

    try:
        from keras.src.backend.common import global_state
        from keras.src.random.seed_generator import GLOBAL_SEED_GENERATOR
        from keras.src.utils.rng_utils import GLOBAL_RANDOM_SEED
        from tensorflow.python.eager import context

        eager = context.context()
        reachable = (
            keras.backend.backend() == "tensorflow" and context.executing_eagerly() and hasattr(eager, "_seed")
        )
    except (ImportError, AttributeError):
        reachable = False
    if not reachable:
        keras.utils.set_random_seed(seed)
        return
    global_state.set_global_attribute(GLOBAL_RANDOM_SEED, seed)
    global_state.set_global_attribute(GLOBAL_SEED_GENERATOR, None)  # recreated from the seed
    random.seed(seed)
    np.random.seed(seed)
    eager._seed = seed  # what tf.random.set_seed sets, without its kernel-cache clear
    eager._rng = random.Random(seed)


def enable_determinism() -> None:
    """Make TensorFlow ops deterministic (same seed, same result, bit for bit).

    This is process-wide and slower: some kernels switch to deterministic
    versions, and Keras turns XLA off while it is on.
    """
    import tensorflow as tf

    tf.config.experimental.enable_op_determinism()


def resolve_loss(model: keras.Model, loss: Any = None) -> tuple[Any, list[Any] | None]:
    """The loss (and default metrics) to compile ``model`` with.

    Args:
        model: a built model; its head is read with :func:`~forecaster.models.heads.head_of`.
        loss: ``None`` (the head's loss: MSE, pinball, Gaussian NLL, or sparse
            categorical cross-entropy for a softmax classifier), ``"mse"`` /
            ``"mae"`` / ``"huber"`` (point heads), or any Keras loss object.

    Returns:
        ``(loss, metrics)``; metrics is ``["accuracy"]`` for classifiers, else None.

    Raises:
        ForecasterError: if a point-loss name is given for a non-point head.
    """
    from forecaster.models.heads import POINT_LOSSES, head_of, loss_for

    head, quantiles = head_of(model)
    metrics = ["accuracy"] if head == "softmax" else None
    if loss is None:
        return loss_for(head, quantiles=quantiles), metrics
    if isinstance(loss, str) and loss in POINT_LOSSES:
        if head != "point":
            raise ForecasterError(
                f"`loss`={loss!r} applies to point forecasts but the model has a {head!r} head; "
                "pass loss=None to use the head's own loss."
            )
        return loss_for("point", point_loss=loss), metrics
    return loss, metrics


XLA_MIN_PLANNED_STEPS = 2000
"""Below this many planned train steps (steps per epoch x epochs), ``"auto"`` leaves XLA off."""


def resolve_jit_compile(
    jit_compile: bool | str, model: keras.Model, *, distributed: bool, planned_steps: int | None = None
) -> bool:
    """Decide whether to XLA-compile the train step.

    ``"auto"`` turns XLA on only where it was measured to help: on a CPU-only
    machine, for a model whose recurrent layers are all GRU, with a fixed input
    length, without a distribution strategy or op determinism. Measured with
    ``benchmarks/training.py`` (2 x 64 units, input_width 48, CPU time per
    epoch on this project's 2-core machine): GRU 1.25x faster with XLA, LSTM
    no faster, SimpleRNN slower; XLA also adds 10-40 s of compilation to the
    first epoch. On a GPU it stays off so LSTM and GRU keep the fused cuDNN
    kernel, and with variable-length inputs each new length would recompile.
    It also stays off for fits planned below :data:`XLA_MIN_PLANNED_STEPS`
    steps (``planned_steps``, when known): at ~0.03 s saved per batch-256
    step, 10-40 s of compilation pays back only after several hundred steps
    actually run, and early stopping usually runs a fraction of the planned
    epochs. (``train(reuse=...)`` still restarts an XLA-compiled model for a
    shorter fit, such as a refit: its compilation is already paid.)
    """
    if jit_compile != "auto":
        return bool(jit_compile)
    if planned_steps is not None and planned_steps < XLA_MIN_PLANNED_STEPS:
        return False
    import keras
    import tensorflow as tf
    from tensorflow.python.framework.config import is_op_determinism_enabled

    if distributed or is_op_determinism_enabled() or tf.config.list_physical_devices("GPU"):
        return False
    if any(None in tuple(t.shape)[1:] for t in model.inputs):
        return False
    recurrent = [
        getattr(layer, "forward_layer", layer)
        for layer in model.layers
        if isinstance(layer, keras.layers.RNN | keras.layers.Bidirectional)
    ]
    return bool(recurrent) and all(isinstance(layer, keras.layers.GRU) for layer in recurrent)


def _is_positive_number(value: Any) -> bool:
    return (
        isinstance(value, int | float | np.integer | np.floating)
        and not isinstance(value, bool)
        and np.isfinite(value)
        and value > 0
    )


def _check_optimizer_args(name: Any, learning_rate: Any, clipnorm: Any) -> None:
    check_choice("optimizer", name, OPTIMIZERS)
    check_number("learning_rate", learning_rate, low=0, low_open=True)
    if clipnorm is not None and not _is_positive_number(clipnorm):
        raise ForecasterError(
            f"`clipnorm` must be a number > 0, or None to disable clipping (received clipnorm={clipnorm!r})."
        )

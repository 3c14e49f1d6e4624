"""One compiled forward pass per Keras model, shared by everything that predicts with it.

Tracing a network's forward pass costs 0.5-1 s on this project's CPU, about the cost of a
short series' ten epochs. A fit runs the same network many times: on its validation windows
every epoch (``training.train``), on the choice's and the metrics' windows, inside the median
that ``model="median"`` makes of it, and for the forecast after a refit, which retrains the
held-out network in place (``train(reuse=...)``). Each of those traced the network again;
with one function per model object it is traced once per fit.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

__all__ = ["forward"]

_FORWARD: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""model -> {jit_compile: tf.function}; an entry goes with its model (the function holds it weakly)."""


def forward(model: Any, jit_compile: bool = False) -> Callable[[Any], Any]:
    """``model``'s compiled forward pass in inference mode, ``float32[n, *input] -> output``, traced once per model.

    A median of models (``factory.median_models``) runs each member's own function and the
    median of their outputs, so the network inside it is not traced a second time for the
    whole. ``jit_compile``: XLA, which compiles once per batch size.
    """
    members, combine = _median_parts(model)
    if members:
        parts = [forward(member, jit_compile) for member in members]
        return lambda x: combine([part(x) for part in parts])
    functions = _FORWARD.setdefault(model, {})
    if jit_compile not in functions:
        import tensorflow as tf

        held = weakref.ref(model)  # the cache's value must not keep its key alive
        spec = tf.TensorSpec([None, *tuple(model.inputs[0].shape)[1:]], tf.float32)
        functions[jit_compile] = tf.function(
            lambda x: held()(x, training=False), input_signature=[spec], jit_compile=jit_compile
        )
    return functions[jit_compile]


def _median_parts(model: Any) -> tuple[list[Any], Any]:
    """``(members, median layer)`` of a model that is only a median of nested models, else ``([], None)``."""
    import keras

    from forecaster.models.layers import MedianForecast

    layers = getattr(model, "layers", None)
    if not layers or not isinstance(layers[-1], MedianForecast):
        return [], None
    members = [layer for layer in layers if isinstance(layer, keras.Model)]
    others = [layer for layer in layers[:-1] if not isinstance(layer, keras.Model | keras.layers.InputLayer)]
    if others or len(model.inputs) != 1:
        return [], None
    return members, layers[-1]

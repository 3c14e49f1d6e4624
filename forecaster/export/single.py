"""SavedModel export of a single-series forecaster: ``serve(window)``, raw units in and out."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from forecaster.errors import ForecasterError
from forecaster.export import archive

if TYPE_CHECKING:
    import keras

logger = logging.getLogger(__name__)

__all__ = ["export_saved_model"]


def export_saved_model(
    model: keras.Model,
    path: str | os.PathLike,
    *,
    center: Sequence[float] | np.ndarray,
    scale: Sequence[float] | np.ndarray,
    n_targets: int,
    head: str = "point",
    quantiles: Sequence[float] = (0.1, 0.5, 0.9),
    jit_compile: bool = True,
) -> None:
    """Write ``model`` as a SavedModel with scaling and inverse scaling baked in.

    The model maps scaled windows ``[batch, input_width, n_features]`` to a
    scaled forecast: point ``[batch, horizon, n_targets]``, quantile
    ``[batch, horizon, n_targets, n_quantiles]`` or gaussian
    ``[batch, horizon, n_targets, 2]`` (mean, std). The exported ``serve``
    signature computes, for raw ``x``::

        y = model((x - center) / scale)
        mean = y * scale[:n_targets] + center[:n_targets]     # std: y * scale only

    The directory is written next to ``path`` first and renamed at the end,
    so a failed export leaves nothing at ``path``.

    Args:
        model: a built Keras model with one input ``[batch, input_width, n_features]``.
        path: directory to create; it must not exist yet (or be empty).
        center: per-column centre of the scaler, length ``n_features``.
        scale: per-column scale of the scaler (> 0), length ``n_features``.
        n_targets: the first ``n_targets`` columns are the targets.
        head: ``"point"``, ``"quantile"`` or ``"gaussian"``: how to read the output.
        quantiles: quantile levels of a quantile head (the last output axis).
        jit_compile: compile ``serve`` with XLA (faster); it falls back to the
            plain graph, with a warning, if XLA cannot compile the model.

    Raises:
        ForecasterError: if the arguments do not fit the model or ``path`` is taken.

    Example:
        >>> import keras, numpy as np, tempfile, tensorflow as tf
        >>> inp = keras.Input((4, 2))
        >>> out = keras.layers.Reshape((3, 1))(keras.layers.Dense(3)(keras.layers.Flatten()(inp)))
        >>> path = tempfile.mkdtemp() + "/export"
        >>> export_saved_model(keras.Model(inp, out), path, center=[10.0, 0.0],
        ...                    scale=[2.0, 1.0], n_targets=1)
        >>> loaded = tf.saved_model.load(path)   # keep a reference while calling serve
        >>> tuple(loaded.serve(np.zeros((5, 4, 2), "float32")).shape)
        (5, 3, 1)
    """
    input_width, n_features = archive.input_shape(model)
    center_arr, scale_arr = _check_scaling(center, scale, n_features)
    archive.check_head(model, head, quantiles, n_targets, n_features)
    archive.write_new_directory(
        path,
        lambda tmp: _write(
            model,
            tmp,
            input_width=input_width,
            n_features=n_features,
            center=center_arr,
            scale=scale_arr,
            n_targets=int(n_targets),
            head=head,
            mid=archive.middle_index(quantiles),
            jit_compile=jit_compile,
        ),
    )


def _check_scaling(center: Any, scale: Any, n_features: int) -> tuple[np.ndarray, np.ndarray]:
    center_arr = np.asarray(center, np.float64).reshape(-1)
    scale_arr = np.asarray(scale, np.float64).reshape(-1)
    for name, arr in (("center", center_arr), ("scale", scale_arr)):
        if arr.size != n_features:
            raise ForecasterError(
                f"`{name}` needs one value per input column: {n_features} (received {arr.size})."
            )
        if not np.isfinite(arr).all():
            raise ForecasterError(f"`{name}` has NaN or infinite values.")
    if (scale_arr <= 0).any():
        raise ForecasterError(f"`scale` must be > 0 for every column (received {scale_arr.tolist()}).")
    return center_arr, scale_arr


def _write(
    model: Any,
    folder: str,
    *,
    input_width: int,
    n_features: int,
    center: np.ndarray,
    scale: np.ndarray,
    n_targets: int,
    head: str,
    mid: int,
    jit_compile: bool,
) -> None:
    """Trace the serving function, check that it runs, and write the SavedModel."""
    import tensorflow as tf

    spec = tf.TensorSpec([None, input_width, n_features], tf.float32, name="window")
    probe = tf.zeros([1, input_width, n_features], tf.float32)
    with archive.portable_recurrent_layers(model):
        serve = _serving_function(model, spec, center, scale, n_targets, head, mid, jit_compile)
        try:
            serve(probe)
        except (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError) as exc:
            if not jit_compile:
                raise
            archive.warn_plain_graph(exc)
            serve = _serving_function(model, spec, center, scale, n_targets, head, mid, False)
            serve(probe)
        archive.write_archive(model, folder, {archive.ENDPOINT: serve})
    logger.debug("wrote SavedModel to %s (jit_compile=%s)", folder, jit_compile)


def _serving_function(
    model: Any,
    spec: Any,
    center: np.ndarray,
    scale: np.ndarray,
    n_targets: int,
    head: str,
    mid: int,
    jit_compile: bool,
) -> Any:
    import tensorflow as tf

    center_t = tf.constant(center, tf.float32)
    scale_t = tf.constant(scale, tf.float32)
    target_center = tf.constant(center[:n_targets], tf.float32)
    target_scale = tf.constant(scale[:n_targets], tf.float32)

    def serve(window: tf.Tensor) -> Any:
        y = model((window - center_t) / scale_t, training=False)
        y = tf.cast(y, tf.float32)
        if head == "point":
            return y * target_scale + target_center
        if head == "quantile":
            q = y * target_scale[:, None] + target_center[:, None]
            return {"mean": q[..., mid], "quantiles": q}
        return {"mean": y[..., 0] * target_scale + target_center, "std": y[..., 1] * target_scale}

    fn = tf.function(serve, input_signature=[spec], jit_compile=jit_compile, autograph=False)
    fn.get_concrete_function()
    return fn

"""What every SavedModel export shares: the checks of model and head, the atomic directory, the archive.

The endpoints are traced with portable recurrent kernels (no cuDNN op), written
with ``keras.export.ExportArchive`` into a temporary sibling, and renamed into
place, so a failed export leaves nothing at its path. The single-series, panel
and classifier exports all go through here.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from forecaster.config import HEADS
from forecaster.errors import ForecasterError

ENDPOINT = "serve"

STATS_ENDPOINT = "serve_with_stats"

__all__ = [
    "ENDPOINT",
    "STATS_ENDPOINT",
    "check_head",
    "input_shape",
    "middle_index",
    "portable_recurrent_layers",
    "warn_plain_graph",
    "write_archive",
    "write_new_directory",
]


def write_new_directory(path: str | os.PathLike, write: Callable[[str], None]) -> None:
    """Run ``write(tmp)`` in a temporary sibling of ``path``, then rename it into place.

    A failed or interrupted export leaves no half-written ``path``; an existing
    non-empty ``path`` is refused, an empty one replaced.
    """
    path = os.path.abspath(os.fspath(path))
    if os.path.exists(path) and (not os.path.isdir(path) or os.listdir(path)):
        raise ForecasterError(f"'{path}' already exists; export to a new directory.")
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.tmp-", dir=parent)
    try:
        write(tmp)
        if os.path.isdir(path):
            os.rmdir(path)  # empty (checked above)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def input_shape(model: Any) -> tuple[int, int]:
    """``(input_width, n_features)`` of a built model with one fixed-shape input."""
    inputs = getattr(model, "inputs", None)
    if not inputs or len(inputs) != 1:
        raise ForecasterError(
            "the model must be a built Keras model with one input [batch, input_width, n_features]."
        )
    shape = tuple(inputs[0].shape)
    if len(shape) != 3 or shape[1] is None or shape[2] is None:
        raise ForecasterError(
            f"the model input must have the fixed shape [batch, input_width, n_features] (received {shape})."
        )
    return int(shape[1]), int(shape[2])


def check_head(model: Any, head: str, quantiles: Sequence[float], n_targets: Any, n_features: int) -> None:
    """Raise ForecasterError unless the model's one output has the shape ``head`` reads."""
    if head not in HEADS:
        raise ForecasterError(f"`head` must be one of {', '.join(HEADS)} (received head={head!r}).")
    if isinstance(n_targets, bool) or not isinstance(n_targets, int | np.integer) or not 1 <= n_targets <= n_features:
        raise ForecasterError(
            f"`n_targets` must be an integer in [1, n_features={n_features}] (received n_targets={n_targets!r})."
        )
    outputs = getattr(model, "outputs", None)
    if not outputs or len(outputs) != 1:
        raise ForecasterError("the model must have exactly one output.")
    shape = tuple(outputs[0].shape)
    expected = {
        "point": (3, n_targets),
        "quantile": (4, len(tuple(quantiles))),
        "gaussian": (4, 2),
    }[head]
    rank, last = expected
    ok = len(shape) == rank and shape[-1] == last and (rank == 3 or shape[2] == n_targets)
    if not ok:
        wanted = {
            "point": f"[batch, horizon, {n_targets}]",
            "quantile": f"[batch, horizon, {n_targets}, {last}]",
            "gaussian": f"[batch, horizon, {n_targets}, 2]",
        }[head]
        raise ForecasterError(
            f"a {head} head needs a model output of shape {wanted} (received {shape}); "
            "check `head`, `quantiles` and `n_targets`."
        )


def middle_index(quantiles: Sequence[float]) -> int:
    """Index of the 0.5 quantile (else the middle level): the ``mean`` output of a quantile head."""
    levels = [float(q) for q in quantiles]
    for i, q in enumerate(levels):
        if np.isclose(q, 0.5):
            return i
    return (len(levels) - 1) // 2 if levels else 0


def write_archive(model: Any, folder: str, endpoints: dict[str, Any], track: Sequence[Any] = ()) -> None:
    """Write ``endpoints`` (traced ``tf.function`` objects) and the model's variables as a SavedModel."""
    import keras
    import tensorflow as tf

    archive = keras.export.ExportArchive()
    archive.track(model)
    for resource in track:
        archive.track(resource)
    for name, fn in endpoints.items():
        archive.add_endpoint(name, fn)
    # TensorFlow logs "Assets written to ..." at INFO on stdout; keep library output quiet.
    tf_logger = tf.get_logger()
    level = tf_logger.level
    tf_logger.setLevel("WARNING")
    try:
        archive.write_out(folder, verbose=False)
    finally:
        tf_logger.setLevel(level)


def warn_plain_graph(exc: BaseException) -> None:
    """Warn that XLA could not compile a serving function, so the plain graph is exported."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    warnings.warn(
        f"XLA could not compile the serving function ({first}); exporting the plain graph.",
        stacklevel=4,  # the frame the writers' own stacklevel=3 named, one call further up
    )


def _layers(layer: Any) -> Iterator[Any]:
    yield layer
    for child in getattr(layer, "layers", ()) or ():
        yield from _layers(child)
    for attr in ("layer", "forward_layer", "backward_layer"):  # wrappers (Bidirectional)
        child = getattr(layer, attr, None)
        if child is not None and child is not layer:
            yield from _layers(child)


@contextlib.contextmanager
def portable_recurrent_layers(model: Any) -> Iterator[None]:
    """Trace LSTM / GRU layers with their generic kernels (no cuDNN op in the graph).

    A cuDNN op in the SavedModel would not run on a CPU-only machine and
    cannot be compiled by XLA; ``use_cudnn`` is restored afterwards.
    """
    changed = []
    for layer in _layers(model):
        if getattr(layer, "use_cudnn", False) in ("auto", True):
            changed.append((layer, layer.use_cudnn))
            layer.use_cudnn = False
    try:
        yield
    finally:
        for layer, value in changed:
            layer.use_cudnn = value

"""Self-contained TensorFlow SavedModel export: raw units in, raw units out.

:func:`export_saved_model` wraps a forecasting model that works in *scaled*
space (``(raw - center) / scale``) into a SavedModel whose ``serve``
signature takes raw ``float32[batch, input_width, n_features]`` windows and
returns raw forecasts. The scaling and the inverse scaling of the targets
are part of the graph, so a downstream script needs nothing but TensorFlow::

    import tensorflow as tf
    loaded = tf.saved_model.load("runs/x/export")   # keep it referenced while serving
    forecast = loaded.serve(windows)          # float32[batch, horizon, n_targets]

or, inside Keras, ``keras.layers.TFSMLayer("runs/x/export", call_endpoint="serve")``.

Outputs of ``serve`` by head:

* ``"point"``: one tensor ``float32[batch, horizon, n_targets]``.
* ``"quantile"``: ``{"mean": [batch, horizon, n_targets],
  "quantiles": [batch, horizon, n_targets, n_quantiles]}``; ``mean`` is the
  0.5 quantile (or the middle level when 0.5 is not among them).
* ``"gaussian"``: ``{"mean": [...], "std": [...]}``, both
  ``[batch, horizon, n_targets]``.

The serving function has a fixed input signature (only the batch dimension
is free) and is compiled with XLA (``jit_compile=True``): a batch-1 forecast
of a 2x64 LSTM then takes well under a millisecond on a CPU, several times
faster than the plain graph, whose recurrent loop pays per-op overhead at
every time step. Recurrent layers are traced with their portable
(non-cuDNN) kernels, so an export written on a GPU machine also runs on a
CPU and compiles with XLA.

Panels (one global model over many series, each with its own scaler):
:func:`export_panel_saved_model` writes one SavedModel whose ``serve`` takes
``(window, series_id)``: the raw window and a ``string[batch]`` of series
ids. A ``tf.lookup.StaticHashTable`` in the graph maps each id to its row of
saved scaler statistics (and encoded static covariates); an id not seen at
fit fails with ``InvalidArgumentError`` naming it. ``serve_with_stats(window,
center, scale[, static])`` serves series that were not in the fit data::

    forecast = loaded.serve(windows, tf.constant(["store-1", "store-7"]))
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from forecaster.errors import ForecasterError

if TYPE_CHECKING:
    import keras

logger = logging.getLogger(__name__)

HEADS = ("point", "quantile", "gaussian")
ENDPOINT = "serve"

STATS_ENDPOINT = "serve_with_stats"

__all__ = ["ENDPOINT", "STATS_ENDPOINT", "export_panel_saved_model", "export_saved_model"]


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
    input_width, n_features = _input_shape(model)
    center_arr, scale_arr = _check_scaling(center, scale, n_features)
    _check_head(model, head, quantiles, n_targets, n_features)
    _write_new_directory(
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
            mid=_middle_index(quantiles),
            jit_compile=jit_compile,
        ),
    )


def export_panel_saved_model(
    model: keras.Model,
    path: str | os.PathLike,
    *,
    series_ids: Sequence[Any],
    centers: Sequence[Sequence[float]] | np.ndarray,
    scales: Sequence[Sequence[float]] | np.ndarray,
    n_targets: int,
    statics: Sequence[Sequence[float]] | np.ndarray | None = None,
    head: str = "point",
    quantiles: Sequence[float] = (0.1, 0.5, 0.9),
    jit_compile: bool = True,
) -> None:
    """Write one SavedModel for a whole panel: ``serve(window, series_id)``, raw units in and out.

    Each series has its own scaler (``centers[i]``, ``scales[i]`` over the
    ``n_dynamic`` raw input columns) and, optionally, a row of encoded static
    covariates ``statics[i]`` that the model sees as constant extra input
    columns after the scaled ones (``forecaster.data.statics``). The graph
    holds a ``tf.lookup.StaticHashTable`` from ``str(series_id)`` to the row
    of these tables, so for raw ``window`` ``[batch, input_width, n_dynamic]``
    and ``series_id`` ``string[batch]``::

        i = table[series_id]                       # an unknown id fails with its name
        x = concat((window - centers[i]) / scales[i], statics[i] repeated over time)
        mean = model(x) * scales[i, :n_targets] + centers[i, :n_targets]

    A second endpoint, ``serve_with_stats(window, center, scale[, static])``,
    takes the per-row statistics instead of the id (``center``, ``scale``:
    ``float32[batch, n_dynamic]``; ``static``: ``float32[batch, n_static]``
    when the model has statics): it serves a series that was not in the fit
    data, scaled from its own recent history (``forecaster.data.panel``).

    Args:
        model: a built Keras model with one input ``[batch, input_width, n_dynamic + n_static]``
            (scaled dynamic columns first, targets first among them).
        path: directory to create; it must not exist yet (or be empty).
        series_ids: the fit series, in the order of ``centers`` / ``scales`` / ``statics``;
            served by ``str(id)``, which must be unique.
        centers: ``[n_series, n_dynamic]`` scaler centres.
        scales: ``[n_series, n_dynamic]`` scaler scales (> 0).
        n_targets: the first ``n_targets`` columns are the targets.
        statics: ``[n_series, n_static]`` encoded static covariates, or ``None``.
        head: ``"point"``, ``"quantile"`` or ``"gaussian"`` (outputs as in :func:`export_saved_model`).
        quantiles: quantile levels of a quantile head.
        jit_compile: compile the model part of both endpoints with XLA (the id
            lookup stays outside, since XLA has no hash tables).

    Raises:
        ForecasterError: if the arguments do not fit the model or ``path`` is taken.

    Example:
        >>> import keras, numpy as np, tempfile, tensorflow as tf
        >>> inp = keras.Input((4, 1))
        >>> out = keras.layers.Reshape((2, 1))(keras.layers.Dense(2)(keras.layers.Flatten()(inp)))
        >>> path = tempfile.mkdtemp() + "/export"
        >>> export_panel_saved_model(keras.Model(inp, out), path, series_ids=["a", "b"],
        ...                          centers=[[10.0], [500.0]], scales=[[2.0], [50.0]], n_targets=1)
        >>> loaded = tf.saved_model.load(path)
        >>> tuple(loaded.serve(np.zeros((3, 4, 1), "float32"), tf.constant(["a", "b", "a"])).shape)
        (3, 2, 1)
    """
    input_width, n_features = _input_shape(model)
    keys = _check_ids(series_ids)
    static_arr = _check_statics(statics, len(keys))
    n_dynamic = n_features - static_arr.shape[1]
    if n_dynamic < 1:
        raise ForecasterError(
            f"the model has {n_features} input columns but {static_arr.shape[1]} are static; "
            "at least one dynamic (scaled) column is needed."
        )
    centers_arr, scales_arr = _check_panel_scaling(centers, scales, len(keys), n_dynamic)
    _check_head(model, head, quantiles, n_targets, n_dynamic)
    _write_new_directory(
        path,
        lambda tmp: _write_panel(
            model,
            tmp,
            input_width=input_width,
            keys=keys,
            centers=centers_arr,
            scales=scales_arr,
            statics=static_arr,
            n_targets=int(n_targets),
            head=head,
            mid=_middle_index(quantiles),
            jit_compile=jit_compile,
        ),
    )


def _write_new_directory(path: str | os.PathLike, write: Callable[[str], None]) -> None:
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


# --------------------------------------------------------------------------- checks


def _input_shape(model: Any) -> tuple[int, int]:
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


def _check_head(model: Any, head: str, quantiles: Sequence[float], n_targets: Any, n_features: int) -> None:
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


def _middle_index(quantiles: Sequence[float]) -> int:
    levels = [float(q) for q in quantiles]
    for i, q in enumerate(levels):
        if np.isclose(q, 0.5):
            return i
    return (len(levels) - 1) // 2 if levels else 0


def _check_ids(series_ids: Any) -> list[str]:
    ids = [str(sid) for sid in series_ids] if series_ids is not None else []
    if not ids:
        raise ForecasterError("a panel export needs the list of series ids seen at fit (received none).")
    seen: set[str] = set()
    for key in ids:
        if key in seen:
            raise ForecasterError(f"series id {key!r} appears twice in `series_ids`; ids must be unique as text.")
        seen.add(key)
    return ids


def _check_statics(statics: Any, n_series: int) -> np.ndarray:
    if statics is None:
        return np.zeros((n_series, 0))
    arr = np.asarray(statics, np.float64)
    if arr.ndim != 2 or arr.shape[0] != n_series:
        raise ForecasterError(
            f"`statics` needs one row per series: shape [{n_series}, n_static] (received {arr.shape})."
        )
    if not np.isfinite(arr).all():
        raise ForecasterError("`statics` has NaN or infinite values.")
    return arr


def _check_panel_scaling(centers: Any, scales: Any, n_series: int, n_dynamic: int) -> tuple[np.ndarray, np.ndarray]:
    out = []
    for name, value in (("centers", centers), ("scales", scales)):
        arr = np.asarray(value, np.float64)
        if arr.shape != (n_series, n_dynamic):
            raise ForecasterError(
                f"`{name}` needs one row per series and one value per scaled input column: "
                f"shape [{n_series}, {n_dynamic}] (received {arr.shape})."
            )
        if not np.isfinite(arr).all():
            raise ForecasterError(f"`{name}` has NaN or infinite values.")
        out.append(arr)
    if (out[1] <= 0).any():
        raise ForecasterError("`scales` must be > 0 for every series and column.")
    return out[0], out[1]


# --------------------------------------------------------------------------- writing


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
    with _portable_recurrent_layers(model):
        serve = _serving_function(model, spec, center, scale, n_targets, head, mid, jit_compile)
        try:
            serve(probe)
        except (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError) as exc:
            if not jit_compile:
                raise
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            warnings.warn(
                f"XLA could not compile the serving function ({first}); exporting the plain graph.",
                stacklevel=3,
            )
            serve = _serving_function(model, spec, center, scale, n_targets, head, mid, False)
            serve(probe)
        _write_archive(model, folder, {ENDPOINT: serve})
    logger.debug("wrote SavedModel to %s (jit_compile=%s)", folder, jit_compile)


def _write_panel(
    model: Any,
    folder: str,
    *,
    input_width: int,
    keys: list[str],
    centers: np.ndarray,
    scales: np.ndarray,
    statics: np.ndarray,
    n_targets: int,
    head: str,
    mid: int,
    jit_compile: bool,
) -> None:
    """Trace ``serve`` (id lookup) and ``serve_with_stats``, check that they run, write them."""
    import tensorflow as tf

    n_dynamic, n_static = centers.shape[1], statics.shape[1]
    probe_window = tf.zeros([1, input_width, n_dynamic], tf.float32)
    probe_id = tf.constant([keys[0]])
    with _portable_recurrent_layers(model):
        table = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(
                tf.constant(keys, tf.string), tf.range(len(keys), dtype=tf.int64)
            ),
            default_value=-1,
        )
        endpoints = _panel_functions(
            model, table, input_width, centers, scales, statics, n_targets, head, mid, jit_compile
        )
        try:
            endpoints[ENDPOINT](probe_window, probe_id)
        except (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError) as exc:
            if not jit_compile:
                raise
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            warnings.warn(
                f"XLA could not compile the serving function ({first}); exporting the plain graph.",
                stacklevel=3,
            )
            endpoints = _panel_functions(
                model, table, input_width, centers, scales, statics, n_targets, head, mid, False
            )
            endpoints[ENDPOINT](probe_window, probe_id)
        stats_probe = [probe_window, tf.zeros([1, n_dynamic]), tf.ones([1, n_dynamic])]
        endpoints[STATS_ENDPOINT](*stats_probe, *([tf.zeros([1, n_static])] if n_static else []))
        _write_archive(model, folder, endpoints, track=[table])
    logger.debug("wrote panel SavedModel (%d series) to %s (jit_compile=%s)", len(keys), folder, jit_compile)


def _panel_functions(
    model: Any,
    table: Any,
    input_width: int,
    centers: np.ndarray,
    scales: np.ndarray,
    statics: np.ndarray,
    n_targets: int,
    head: str,
    mid: int,
    jit_compile: bool,
) -> dict[str, Any]:
    import tensorflow as tf

    n_dynamic, n_static = centers.shape[1], statics.shape[1]
    centers_t = tf.constant(centers, tf.float32)
    scales_t = tf.constant(scales, tf.float32)
    statics_t = tf.constant(statics, tf.float32)

    def scaled_forecast(window: Any, center: Any, scale: Any, static: Any) -> Any:
        x = (window - center[:, None, :]) / scale[:, None, :]
        if n_static:
            repeated = tf.broadcast_to(static[:, None, :], [tf.shape(x)[0], input_width, n_static])
            x = tf.concat([x, repeated], axis=-1)
        y = tf.cast(model(x, training=False), tf.float32)
        c, s = center[:, None, :n_targets], scale[:, None, :n_targets]  # [batch, 1, n_targets]
        if head == "point":
            return y * s + c
        if head == "quantile":
            q = y * s[..., None] + c[..., None]
            return {"mean": q[..., mid], "quantiles": q}
        return {"mean": y[..., 0] * s + c, "std": y[..., 1] * s}

    # XLA has no hash tables or string ops: only the arithmetic and the model are compiled.
    core = tf.function(scaled_forecast, jit_compile=jit_compile, autograph=False, reduce_retracing=True)
    window_spec = tf.TensorSpec([None, input_width, n_dynamic], tf.float32, name="window")

    def serve(window: Any, series_id: Any) -> Any:
        index = table.lookup(series_id)
        unknown = tf.boolean_mask(series_id, index < 0)
        check = tf.debugging.Assert(
            tf.equal(tf.size(unknown), 0),
            ["series id not seen at fit (serve knows only the fit ids; use serve_with_stats "
             "for a new series):", unknown],
            summarize=10,
        )
        with tf.control_dependencies([check]):
            index = tf.identity(index)
        static = tf.gather(statics_t, index)
        return core(window, tf.gather(centers_t, index), tf.gather(scales_t, index), static)

    def serve_with_stats(window: Any, center: Any, scale: Any, *static: Any) -> Any:
        rows = static[0] if static else tf.zeros([tf.shape(window)[0], 0], tf.float32)
        return core(window, center, scale, rows)

    stats_specs = [
        window_spec,
        tf.TensorSpec([None, n_dynamic], tf.float32, name="center"),
        tf.TensorSpec([None, n_dynamic], tf.float32, name="scale"),
    ]
    if n_static:
        stats_specs.append(tf.TensorSpec([None, n_static], tf.float32, name="static"))
    endpoints = {
        ENDPOINT: tf.function(
            serve,
            input_signature=[window_spec, tf.TensorSpec([None], tf.string, name="series_id")],
            autograph=False,
        ),
        STATS_ENDPOINT: tf.function(serve_with_stats, input_signature=stats_specs, autograph=False),
    }
    for fn in endpoints.values():
        fn.get_concrete_function()
    return endpoints


def _write_archive(model: Any, folder: str, endpoints: dict[str, Any], track: Sequence[Any] = ()) -> None:
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


def _layers(layer: Any) -> Iterator[Any]:
    yield layer
    for child in getattr(layer, "layers", ()) or ():
        yield from _layers(child)
    for attr in ("layer", "forward_layer", "backward_layer"):  # wrappers (Bidirectional)
        child = getattr(layer, attr, None)
        if child is not None and child is not layer:
            yield from _layers(child)


@contextlib.contextmanager
def _portable_recurrent_layers(model: Any) -> Iterator[None]:
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

"""SavedModel export of a panel: ``serve(window, series_id)`` with per-series scaling looked up by id.

``serve_with_stats(window, center, scale[, static])`` serves a series not seen
at fit, from statistics the caller computes (docs/design-notes.md, issue 15).
A seasonally adjusted panel (``data.seasonal_adjustment``) adds each series'
seasonal indices to the lookup and a ``phase`` input to both endpoints.
"""

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

__all__ = ["export_panel_saved_model"]


def export_panel_saved_model(
    model: keras.Model,
    path: str | os.PathLike,
    *,
    series_ids: Sequence[Any],
    centers: Sequence[Sequence[float]] | np.ndarray,
    scales: Sequence[Sequence[float]] | np.ndarray,
    n_targets: int,
    statics: Sequence[Sequence[float]] | np.ndarray | None = None,
    seasonal: np.ndarray | None = None,
    tails: np.ndarray | None = None,
    next_phases: Sequence[int] | np.ndarray | None = None,
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

    With ``seasonal`` (``[n_series, m, n_targets]`` multiplicative indices by
    seasonal phase, ``forecaster.data.seasonal_adjustment``) both endpoints take
    one more input, ``phase`` ``int32[batch]``: the phase of the first forecast
    row (whole steps of the frequency from 1970 to its date, modulo ``m``:
    ``seasonal_adjustment.phases``; for monthly data the month, 0 = January). The window's target columns are divided by the indices
    of their rows before scaling, and the forecasts multiplied by those of the
    rows they forecast; ``serve_with_stats`` then also takes the series'
    ``seasonal`` ``float32[batch, m, n_targets]`` (ones: not adjusted). With
    ``tails`` (each series' last ``input_width`` fit rows) and ``next_phases``
    (the phase of the row after them), ``serve`` may leave ``phase`` out for a
    window that is its series' fit tail (to float32 tolerance), the usual
    "forecast after the data" call; any other window without ``phase`` fails
    with an error that asks for it.

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
        seasonal: ``[n_series, m, n_targets]`` seasonal indices (> 0), or ``None``.
        tails, next_phases: ``[n_series, input_width, n_dynamic]`` raw rows and ``[n_series]``
            phases (with ``seasonal``): ``serve`` without ``phase`` for those windows.
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
    input_width, n_features = archive.input_shape(model)
    keys = _check_ids(series_ids)
    static_arr = _check_statics(statics, len(keys))
    n_dynamic = n_features - static_arr.shape[1]
    if n_dynamic < 1:
        raise ForecasterError(
            f"the model has {n_features} input columns but {static_arr.shape[1]} are static; "
            "at least one dynamic (scaled) column is needed."
        )
    centers_arr, scales_arr = _check_panel_scaling(centers, scales, len(keys), n_dynamic)
    seasonal_arr = _check_seasonal(seasonal, len(keys), int(n_targets))
    tails_arr = _check_tails(tails, next_phases, seasonal_arr, (len(keys), input_width, n_dynamic))
    archive.check_head(model, head, quantiles, n_targets, n_dynamic)
    archive.write_new_directory(
        path,
        lambda tmp: _write_panel(
            model,
            tmp,
            input_width=input_width,
            keys=keys,
            centers=centers_arr,
            scales=scales_arr,
            statics=static_arr,
            seasonal=seasonal_arr,
            tails=tails_arr,
            n_targets=int(n_targets),
            head=head,
            mid=archive.middle_index(quantiles),
            jit_compile=jit_compile,
        ),
    )


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


def _check_seasonal(seasonal: Any, n_series: int, n_targets: int) -> np.ndarray | None:
    if seasonal is None:
        return None
    arr = np.asarray(seasonal, np.float64)
    if arr.ndim != 3 or arr.shape[0] != n_series or arr.shape[2] != n_targets or arr.shape[1] < 2:
        raise ForecasterError(
            f"`seasonal` needs shape [{n_series}, m >= 2, {n_targets}] (received {arr.shape})."
        )
    if not (np.isfinite(arr).all() and (arr > 0).all()):
        raise ForecasterError("`seasonal` indices must be finite and > 0.")
    return arr


def _check_tails(tails: Any, next_phases: Any, seasonal: np.ndarray | None, shape: tuple) -> tuple | None:
    """``(tails, next_phases)`` checked, or ``None`` (no default phase)."""
    if tails is None and next_phases is None:
        return None
    if seasonal is None or tails is None or next_phases is None:
        raise ForecasterError("`tails` and `next_phases` go together, and only with `seasonal`.")
    arr, phase = np.asarray(tails, np.float64), np.asarray(next_phases)
    if arr.shape != shape or phase.shape != shape[:1] or not np.isfinite(arr).all():
        raise ForecasterError(f"`tails` needs shape {list(shape)} of finite values and `next_phases` {shape[0]} phases.")
    if not np.issubdtype(phase.dtype, np.integer) or phase.min() < 0 or phase.max() >= seasonal.shape[1]:
        raise ForecasterError(f"`next_phases` must be integers from 0 to {seasonal.shape[1] - 1}.")
    return arr, phase


def _write_panel(
    model: Any,
    folder: str,
    *,
    input_width: int,
    keys: list[str],
    centers: np.ndarray,
    scales: np.ndarray,
    statics: np.ndarray,
    seasonal: np.ndarray | None,
    tails: tuple | None,
    n_targets: int,
    head: str,
    mid: int,
    jit_compile: bool,
) -> None:
    """Trace ``serve`` (id lookup) and ``serve_with_stats``, check that they run, write them."""
    import tensorflow as tf

    n_dynamic, n_static = centers.shape[1], statics.shape[1]
    probe_window = tf.zeros([1, input_width, n_dynamic], tf.float32)
    probe_id = [tf.constant([keys[0]])] + ([tf.zeros([1], tf.int32)] if seasonal is not None else [])
    with archive.portable_recurrent_layers(model):
        table = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(
                tf.constant(keys, tf.string), tf.range(len(keys), dtype=tf.int64)
            ),
            default_value=-1,
        )
        endpoints = _panel_functions(
            model, table, input_width, centers, scales, statics, seasonal, tails, n_targets, head, mid, jit_compile
        )
        try:
            endpoints[archive.ENDPOINT](probe_window, *probe_id)
        except (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError) as exc:
            if not jit_compile:
                raise
            archive.warn_plain_graph(exc)
            endpoints = _panel_functions(
                model, table, input_width, centers, scales, statics, seasonal, tails, n_targets, head, mid, False
            )
            endpoints[archive.ENDPOINT](probe_window, *probe_id)
        stats_probe = [probe_window, tf.zeros([1, n_dynamic]), tf.ones([1, n_dynamic])]
        stats_probe += [tf.zeros([1, n_static])] if n_static else []
        if seasonal is not None:
            stats_probe += [tf.ones([1, *seasonal.shape[1:]]), tf.zeros([1], tf.int32)]
        endpoints[archive.STATS_ENDPOINT](*stats_probe)
        archive.write_archive(model, folder, endpoints, track=[table])
    logger.debug("wrote panel SavedModel (%d series) to %s (jit_compile=%s)", len(keys), folder, jit_compile)


def _panel_functions(
    model: Any,
    table: Any,
    input_width: int,
    centers: np.ndarray,
    scales: np.ndarray,
    statics: np.ndarray,
    seasonal: np.ndarray | None,
    tails: tuple | None,
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
    horizon = int(model.outputs[0].shape[1])
    period = 0 if seasonal is None else seasonal.shape[1]
    seasonal_t = tf.constant(np.ones((len(centers), 1, n_targets)) if seasonal is None else seasonal, tf.float32)

    def scaled_forecast(window: Any, center: Any, scale: Any, static: Any, indices: Any, phase: Any) -> Any:
        factor = 1.0
        if period:  # rows -W..H-1 around the first forecast row (phase): divide the window, multiply the forecast
            at = tf.math.floormod(phase[:, None] + tf.range(-input_width, horizon)[None, :], period)
            factors = tf.gather(indices, at, batch_dims=1)  # [batch, W + H, n_targets]
            window = tf.concat([window[..., :n_targets] / factors[:, :input_width], window[..., n_targets:]], axis=-1)
            factor = factors[:, input_width:]
        x = (window - center[:, None, :]) / scale[:, None, :]
        if n_static:
            repeated = tf.broadcast_to(static[:, None, :], [tf.shape(x)[0], input_width, n_static])
            x = tf.concat([x, repeated], axis=-1)
        y = tf.cast(model(x, training=False), tf.float32)
        c, s = center[:, None, :n_targets], scale[:, None, :n_targets]  # [batch, 1, n_targets]
        if head == "point":
            return (y * s + c) * factor
        if head == "quantile":
            q = (y * s[..., None] + c[..., None]) * (factor[..., None] if period else factor)
            return {"mean": q[..., mid], "quantiles": q}
        return {"mean": (y[..., 0] * s + c) * factor, "std": y[..., 1] * s * factor}

    # XLA has no hash tables or string ops: only the arithmetic and the model are compiled.
    core = tf.function(scaled_forecast, jit_compile=jit_compile, autograph=False, reduce_retracing=True)
    window_spec = tf.TensorSpec([None, input_width, n_dynamic], tf.float32, name="window")

    no_phase = tf.zeros([0], tf.int32)
    tails_t = tf.constant(np.zeros((0, input_width, n_dynamic)) if tails is None else tails[0], tf.float32)
    next_phases_t = tf.constant(np.zeros(0) if tails is None else tails[1], tf.int32)

    def serve(window: Any, series_id: Any, phase: Any = None) -> Any:
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
        if period and phase is None:  # only the window that ends the series' fit data has a known next phase
            fit_tail = tf.gather(tails_t, index)
            same = tf.reduce_all(tf.abs(window - fit_tail) <= 1e-5 * (tf.abs(fit_tail) + 1.0))
            check = tf.debugging.Assert(
                same, ["a seasonally adjusted panel: pass `phase` (int32[batch], the season position of each "
                       "window's first forecast row); it may be left out only for a series' last fit rows"],
            )
            with tf.control_dependencies([check]):
                phase = tf.gather(next_phases_t, index)
        static, indices = tf.gather(statics_t, index), tf.gather(seasonal_t, index)
        return core(window, tf.gather(centers_t, index), tf.gather(scales_t, index), static, indices,
                    no_phase if phase is None else phase)

    # the parameters are named as the signature's inputs, so callers may pass them by keyword
    def serve_with_stats(window: Any, center: Any, scale: Any, static: Any = None, seasonal: Any = None,
                         phase: Any = None) -> Any:
        rows = static if n_static else tf.zeros([tf.shape(window)[0], 0], tf.float32)
        return core(window, center, scale, rows, seasonal_t[:0] if seasonal is None else seasonal,
                    no_phase if phase is None else phase)

    def serve_with_stats_seasonal(window: Any, center: Any, scale: Any, seasonal: Any, phase: Any) -> Any:
        return serve_with_stats(window, center, scale, None, seasonal, phase)

    stats_specs = [
        window_spec,
        tf.TensorSpec([None, n_dynamic], tf.float32, name="center"),
        tf.TensorSpec([None, n_dynamic], tf.float32, name="scale"),
    ]
    if n_static:
        stats_specs.append(tf.TensorSpec([None, n_static], tf.float32, name="static"))
    phase_spec = [tf.TensorSpec([None], tf.int32, name="phase")] if period else []
    if period:
        stats_specs += [tf.TensorSpec([None, period, n_targets], tf.float32, name="seasonal"), *phase_spec]
    id_spec = tf.TensorSpec([None], tf.string, name="series_id")
    serve_fn = tf.function(serve, input_signature=[window_spec, id_spec, *phase_spec], autograph=False)
    if tails is not None:  # two traces: with and without the phase
        serve_fn = tf.function(serve, autograph=False)
        serve_fn.get_concrete_function(window_spec, id_spec)
        serve_fn.get_concrete_function(window_spec, id_spec, *phase_spec)
    endpoints = {
        archive.ENDPOINT: serve_fn,
        archive.STATS_ENDPOINT: tf.function(
            serve_with_stats_seasonal if period and not n_static else serve_with_stats,
            input_signature=stats_specs,
            autograph=False,
        ),
    }
    for fn in endpoints.values():
        if fn.input_signature is not None:
            fn.get_concrete_function()
    return endpoints

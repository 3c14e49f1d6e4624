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

The modules: :mod:`forecaster.export.single` (``export_saved_model``),
:mod:`forecaster.export.panel` (``export_panel_saved_model``),
:mod:`forecaster.export.fitted` (``export_forecaster``: a fitted Forecaster into the right one) and
:mod:`forecaster.export.archive` (checks, atomic directory, archive writer and
portable recurrent kernels, shared with the classifier's export). None imports
TensorFlow at import time.
"""

from __future__ import annotations

from forecaster.export.archive import ENDPOINT, STATS_ENDPOINT

# The old private names, which the classifier's export (forecaster.tasks.classifier_runs) imports from here.
from forecaster.export.archive import portable_recurrent_layers as _portable_recurrent_layers  # noqa: F401
from forecaster.export.archive import write_archive as _write_archive  # noqa: F401
from forecaster.export.panel import export_panel_saved_model
from forecaster.export.single import export_saved_model

__all__ = ["ENDPOINT", "STATS_ENDPOINT", "export_panel_saved_model", "export_saved_model"]

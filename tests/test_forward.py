"""models.forward: one traced forward pass per model, shared by validation, the median and the forecast."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecaster import Forecaster
from forecaster.data.windowing import make_windows
from forecaster.models.factory import build_model, median_models
from forecaster.models.forward import _FORWARD, forward

SERIES = np.sin(np.arange(200) / 4.0) + 0.01 * np.arange(200)


def _build():
    return build_model("gru", (4,), 12, 1, 3, 1, dropout=0.2)


def _windows(rows: np.ndarray):
    return make_windows(rows, input_width=12, horizon=3, batch_size=16, shuffle=True, seed=0)


def test_validation_through_the_forward_pass_equals_keras_own() -> None:
    """The epochs' val_loss, hence early stopping, the schedule and the kept weights, are Keras's."""
    import keras

    from forecaster.training import train

    def fit(**kw):
        keras.utils.set_random_seed(0)  # the shuffle reads TensorFlow's global seed when it is made
        val = make_windows(SERIES[140:], input_width=12, horizon=3, batch_size=8, cache=True)  # several batches
        return train(_build, _windows(SERIES[:150]), val, epochs=6, patience=2, seed=0, verbose=0,
                     jit_compile=False, **kw)

    ours, keras_own = fit(), fit(metrics=[])  # a metric list: Keras's own test step scores the epochs
    assert ours.model.test_function is None and keras_own.model.test_function is not None
    np.testing.assert_allclose(ours.history["val_loss"], keras_own.history["val_loss"], rtol=1e-6)
    assert len(ours.history["val_loss"]) == len(keras_own.history["val_loss"])
    for a, b in zip(ours.model.get_weights(), keras_own.model.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    assert forward(ours.model).experimental_get_tracing_count() == 1


def test_a_median_runs_its_members_own_forward_passes() -> None:
    members = [build_model("gru", (4,), 12, 1, 3, 1, name=f"member_{i}") for i in range(3)]
    median = median_models(members)
    x = np.random.default_rng(0).normal(size=(5, 12, 1)).astype("float32")
    np.testing.assert_allclose(np.asarray(forward(median)(x)), np.asarray(median(x, training=False)), rtol=1e-6)
    assert median not in _FORWARD  # the whole is not traced: its members are, once each
    assert [forward(m).experimental_get_tracing_count() for m in members] == [1, 1, 1]
    forward(median)(x[:2])
    assert [forward(m).experimental_get_tracing_count() for m in members] == [1, 1, 1]


def test_a_fit_and_its_forecast_trace_the_network_once() -> None:
    """Validation, the choice, the metrics, the refit (in place) and predict share one traced forward pass."""
    frame = pd.DataFrame({"y": SERIES})
    fc = Forecaster(cell="gru", units=(4,), horizon=3, input_width=12, epochs=3, jit_compile=False, verbose=0,
                    seed=0, model="network").fit(frame)
    assert "val_loss" in fc.history_ and fc.refit_ is not None
    fc.predict()
    assert fc.model_.test_function is None
    assert forward(fc.model_).experimental_get_tracing_count() == 1


def test_validation_keeps_keras_own_where_the_forward_pass_cannot_score_it() -> None:
    import keras
    import tensorflow as tf

    from forecaster.training.validation import forward_validation

    model = _build()
    val = make_windows(SERIES[140:], input_width=12, horizon=3, batch_size=8)
    assert forward_validation(model, val, None, None, None)
    assert not forward_validation(model, val, None, ["mae"], None)  # a metric: Keras computes val_mae too
    assert not forward_validation(model, val, None, None, "mirrored")
    weighted = val.map(lambda x, y: (x, y, tf.ones(tf.shape(y)[:1])))  # sample weights
    assert not forward_validation(model, weighted, None, None, None)

    class Subclassed(keras.Model):  # no symbolic inputs to trace the function from
        def __init__(self) -> None:
            super().__init__()
            self.dense = keras.layers.Dense(3)

        def call(self, x):
            return self.dense(x[:, -1])[:, :, None]

    assert not forward_validation(Subclassed(), val, "mse", None, None)


def test_validation_reads_its_set_through_one_iterator(monkeypatch) -> None:
    """A new tf.data iterator per epoch cost as much as scoring a short series' set: one serves every epoch."""
    import tensorflow as tf

    from forecaster.training.validation import ForwardValidation

    made = []
    dataset_iter = tf.data.Dataset.__iter__
    monkeypatch.setattr(tf.data.Dataset, "__iter__", lambda ds: made.append(ds) or dataset_iter(ds))
    model = _build()
    model.compile(optimizer="adam", loss="mse")
    val = make_windows(SERIES[140:], input_width=12, horizon=3, batch_size=8, cache=True)
    unknown = val.filter(lambda x, y: True)  # no known batch count: a new pass each epoch
    assert int(val.cardinality()) > 1 and int(unknown.cardinality()) < 0
    losses = {}
    for name, ds in (("one iterator", val), ("a pass per epoch", unknown)):
        made.clear()
        logs, callback = {}, ForwardValidation(ds)
        callback.set_model(model)
        for epoch in range(3):
            callback.on_epoch_end(epoch, logs)
            losses.setdefault(name, []).append(logs["val_loss"])
        assert len(made) == (1 if name == "one iterator" else 3)
    assert losses["one iterator"] == losses["a pass per epoch"]

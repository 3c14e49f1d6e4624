"""Tests for forecaster.training: optimizers, clipping, seeds, callbacks, strategies."""

from __future__ import annotations

import sys
import types

import keras
import numpy as np
import pytest
import tensorflow as tf

from forecaster.data.windowing import make_windows
from forecaster.errors import ForecasterError
from forecaster.models.factory import build_classifier, build_model
from forecaster.training import (
    make_optimizer,
    resolve_jit_compile,
    resolve_loss,
    resolve_seed,
    train,
)
from forecaster.training.setup import XLA_MIN_PLANNED_STEPS

SERIES = np.sin(np.arange(300) / 4.0).astype("float32")


def small_ds(batch_size: int = 32, **kwargs) -> tf.data.Dataset:
    return make_windows(SERIES, 12, 3, batch_size=batch_size, **kwargs)


def tiny_model() -> keras.Model:
    return build_model("gru", (4,), 12, 1, 3, 1)


def test_make_optimizer_kinds_and_clipping() -> None:
    assert isinstance(make_optimizer("adam"), keras.optimizers.Adam)
    assert isinstance(make_optimizer("rmsprop"), keras.optimizers.RMSprop)
    sgd = make_optimizer("sgd", learning_rate=0.5, clipnorm=2.0)
    assert isinstance(sgd, keras.optimizers.SGD) and sgd.global_clipnorm == 2.0
    assert float(sgd.learning_rate) == pytest.approx(0.5)
    assert make_optimizer(clipnorm=None).global_clipnorm is None
    for kwargs, message in [
        ({"name": "adagrad"}, "optimizer='adagrad'"),
        ({"learning_rate": 0.0}, "learning_rate=0.0"),
        ({"learning_rate": -1}, "learning_rate=-1"),
        ({"clipnorm": 0}, "clipnorm=0"),
        ({"clipnorm": float("nan")}, "clipnorm=nan"),
    ]:
        with pytest.raises(ForecasterError, match=message):
            make_optimizer(**kwargs)


def test_resolve_seed_seeds_everything_and_returns_it() -> None:
    assert resolve_seed(7) == 7
    first = (np.random.rand(), float(keras.random.uniform(())))
    resolve_seed(7)
    assert (np.random.rand(), float(keras.random.uniform(()))) == first
    drawn = resolve_seed(None)
    assert isinstance(drawn, int) and 0 <= drawn < 2**31
    for bad in (-1, 1.5, "1", True):
        with pytest.raises(ForecasterError, match="seed"):
            resolve_seed(bad)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"epochs": 0}, "epochs=0"),
        ({"patience": 0}, "patience=0"),
        ({"verbose": 3}, "verbose=3"),
        ({"jit_compile": "yes"}, "jit_compile='yes'"),
        ({"strategy": "tpu"}, "strategy='tpu'"),
        ({"strategy": "mirrored"}, "callable"),
        ({"deterministic": 1}, "deterministic=1"),
        ({"callbacks": [object()]}, "callbacks"),
        ({"optimizer": "adamw"}, "optimizer='adamw'"),
        ({"loss": "mae", "model": "quantile"}, "quantile"),
        ({"strategy": "multiworker", "metrics": ["mae"], "model": "callable"}, "metrics=None"),
        ({"strategy": "multiworker", "jit_compile": True, "model": "callable"}, "jit_compile='auto' or False"),
    ],
)
def test_train_rejects_bad_arguments(kwargs: dict, message: str) -> None:
    model = tiny_model()
    kind = kwargs.pop("model", None)
    if kind == "quantile":
        model = build_model("gru", (4,), 12, 1, 3, 1, head="quantile")
    elif kind == "callable":
        model = tiny_model
    with pytest.raises(ForecasterError, match=message):
        train(model, small_ds(), **kwargs)
    with pytest.raises(ForecasterError, match="keras.Model"):
        train("not a model", small_ds())


def test_resolve_loss_picks_the_head_loss() -> None:
    loss, metrics = resolve_loss(build_model("gru", 4, 12, 1, 3, 1, head="gaussian"))
    assert loss.name == "gaussian_nll" and metrics is None
    loss, metrics = resolve_loss(build_classifier("gru", 4, 12, 1, 3))
    assert isinstance(loss, keras.losses.SparseCategoricalCrossentropy) and metrics == ["accuracy"]
    loss, _ = resolve_loss(tiny_model(), "huber")
    assert isinstance(loss, keras.losses.Huber)


def test_jit_auto_follows_measurements(without_op_determinism: None) -> None:
    # CPU-only here: XLA for GRU stacks only; never for LSTM / SimpleRNN, variable
    # lengths, op determinism or a distribution strategy
    from tensorflow.python.framework.config import enable_op_determinism

    assert resolve_jit_compile("auto", tiny_model(), distributed=False)
    enable_op_determinism()  # the fixture restores the setting afterwards
    assert not resolve_jit_compile("auto", tiny_model(), distributed=False)
    assert not resolve_jit_compile("auto", build_model("lstm", 4, 12, 1, 3, 1), distributed=False)
    assert not resolve_jit_compile("auto", build_model("rnn", 4, 12, 1, 3, 1), distributed=False)
    assert not resolve_jit_compile(
        "auto", build_classifier("gru", 4, None, 1, 2), distributed=False
    )
    assert not resolve_jit_compile("auto", tiny_model(), distributed=True)
    assert resolve_jit_compile(True, build_model("lstm", 4, 12, 1, 3, 1), distributed=False)
    # a short fit does not pay the compilation: below XLA_MIN_PLANNED_STEPS planned steps XLA stays off
    assert not resolve_jit_compile("auto", tiny_model(), distributed=False, planned_steps=XLA_MIN_PLANNED_STEPS - 1)
    assert resolve_jit_compile(True, tiny_model(), distributed=False, planned_steps=1)


def test_planned_steps_read_from_the_data() -> None:
    from forecaster.training import _planned_steps

    ds = make_windows(np.arange(200, dtype=np.float32), input_width=12, horizon=3, batch_size=32)
    assert _planned_steps(ds, 10) == int(ds.cardinality()) * 10 > 0
    assert _planned_steps((np.zeros((100, 12, 1)), np.zeros((100, 3, 1))), 2) == 4 * 2
    assert _planned_steps(ds.repeat(), 10) is None  # infinite: unknown


@pytest.mark.slow
def test_fixed_budget_without_validation_and_quiet_output(capsys: pytest.CaptureFixture) -> None:
    history = train(tiny_model(), small_ds(), epochs=3, patience=1, seed=0, verbose=0)
    assert len(history.history["loss"]) == 3 and "val_loss" not in history.history
    assert isinstance(history.model, keras.Model)
    assert capsys.readouterr().out == ""
    train(tiny_model, small_ds(batch_size=128), epochs=1, seed=0, verbose=1, jit_compile=False)
    assert "loss" in capsys.readouterr().out  # Keras progress output is on when asked


@pytest.mark.slow
def test_same_seed_gives_identical_weights() -> None:
    def run(seed: int) -> list[np.ndarray]:
        # make_windows' shuffle order also depends on TensorFlow's global seed when the
        # dataset is created, so seed before building it
        resolve_seed(seed)
        ds = small_ds(shuffle=True, seed=seed)
        model_fn = lambda: build_model("lstm", (4,), 12, 1, 3, 1, dropout=0.2)  # noqa: E731
        history = train(model_fn, ds, epochs=2, seed=seed, verbose=0, jit_compile=False)
        return history.model.get_weights()

    first, second, other = run(3), run(3), run(4)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, c) for a, c in zip(first, other, strict=True))


def test_seeding_sets_what_keras_sets_and_keeps_the_compiled_functions(monkeypatch: pytest.MonkeyPatch) -> None:
    """resolve_seed leaves Python, NumPy, Keras and TensorFlow's seeds as keras.utils.set_random_seed
    does, without tf.random.set_seed's kernel-cache clear (it dropped every traced train, test and
    predict function: 0.1-0.6 s each to optimize again, a fifth of a short series' fit)."""
    import random

    from keras.src.utils.rng_utils import get_random_seed
    from tensorflow.python.eager import context

    def draws() -> tuple:
        tf_seeds = [tf.compat.v1.random.get_seed(None) for _ in range(2)]  # what unseeded ops would use
        keras_draw = keras.random.uniform((2,)).numpy().tolist()  # no seed: Keras' global generator
        return random.random(), float(np.random.rand()), get_random_seed(), tf_seeds, keras_draw

    keras.utils.set_random_seed(11)
    expected = draws()
    clears = []
    real_clear = context.pywrap_tfe.TFE_ContextClearCaches
    monkeypatch.setattr(context.pywrap_tfe, "TFE_ContextClearCaches", lambda h: clears.append(h) or real_clear(h))
    resolve_seed(12)
    assert draws() != expected
    resolve_seed(11)
    assert draws() == expected and clears == []
    assert context.global_seed() == 11


def test_the_train_step_creates_no_variable_so_it_is_traced_once() -> None:
    """A tf.function that creates variables is traced twice (once to create them); Keras on
    TensorFlow left the optimizer's slots to the train step's first trace (1.2-1.5 s of a short
    series' fit). train() builds them before fitting (the classifier's shared trainer calls the
    same training.build_optimizer)."""
    created_in_a_trace: list[str] = []

    def creator(next_creator, **kwargs):
        if tf.inside_function():
            created_in_a_trace.append(str(kwargs.get("name")))
        return next_creator(**kwargs)

    with tf.variable_creator_scope(creator):
        model = train(tiny_model, small_ds(), small_ds(), epochs=2, jit_compile=False, seed=0, verbose=0).model
    assert created_in_a_trace == []
    assert model.optimizer.built and len(model.optimizer.variables) > 2


def test_epochs_read_successive_passes_through_one_iterator(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keras keeps one iterator over the repeated window dataset (a new one per epoch cost
    16-22 ms), and epoch e is still fed the e-th seeded pass, as iterating it afresh gives."""
    epochs = 3
    ds = small_ds(batch_size=64, shuffle=True, seed=5)
    passes = [[float(x[0, 0, 0]) for x, _ in ds] for _ in range(epochs)]
    assert passes[0] != passes[1]
    fed: list[float] = []

    def record(x: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        tf.py_function(lambda v: fed.append(float(v)), [x[0, 0, 0]], [])
        return x, y

    made = []
    real_iter = tf.data.Dataset.__iter__
    monkeypatch.setattr(tf.data.Dataset, "__iter__", lambda self: made.append(1) or real_iter(self))
    probe = small_ds(batch_size=64, shuffle=True, seed=5).map(record)
    train(tiny_model, probe, epochs=epochs, seed=0, verbose=0, jit_compile=False)
    steps = len(passes[0])
    assert fed[: epochs * steps] == [v for p in passes for v in p]
    assert len(made) == 1


def test_clipping_bounds_the_applied_gradient_norm() -> None:
    """SGD with learning rate 1 applies exactly the (clipped) gradient, so the weight
    change of one step is the applied gradient; its global norm must be <= clipnorm."""
    x = np.full((8, 10, 1), 50.0, "float32")
    y = np.full((8, 1, 1), 1e4, "float32")
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)

    def exploding() -> keras.Model:
        model = build_model("rnn", (8,), 10, 1, 1, 1)
        model.set_weights([w * 5.0 for w in model.get_weights()])
        return model

    def step_norm(clipnorm: float | None) -> float:
        resolve_seed(0)
        model = exploding()
        before = [w.copy() for w in model.get_weights()]
        train(
            model,
            ds,
            optimizer="sgd",
            learning_rate=1.0,
            clipnorm=clipnorm,
            epochs=1,
            reduce_lr=False,
            verbose=0,
        )
        return float(
            np.sqrt(
                sum(np.sum((a - b) ** 2) for a, b in zip(model.get_weights(), before, strict=True))
            )
        )

    assert step_norm(None) > 100.0  # the model really explodes without clipping
    assert step_norm(1.0) <= 1.0 + 1e-4


def test_early_stopping_restores_the_best_weights() -> None:
    class Record(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.weights: list[list[np.ndarray]] = []

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            self.weights.append(self.model.get_weights())

    record = Record()
    history = train(
        tiny_model(),
        small_ds(),
        small_ds(),
        optimizer="sgd",
        learning_rate=2.0,  # large steps make val_loss jump around
        epochs=6,
        patience=2,
        seed=1,
        verbose=0,
        callbacks=[record],
        jit_compile=False,
    )
    best = int(np.argmin(history.history["val_loss"]))
    for a, b in zip(history.model.get_weights(), record.weights[best], strict=True):
        np.testing.assert_array_equal(a, b)


def test_mirrored_strategy_builds_in_scope() -> None:
    history = train(
        tiny_model, small_ds(batch_size=64), epochs=1, seed=0, verbose=0, strategy="mirrored"
    )
    model = history.model
    assert isinstance(model.distribute_strategy, tf.distribute.MirroredStrategy)
    assert model.jit_compile is False


def test_multiworker_dispatches_to_the_custom_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: dict = {}

    def fake_fit_custom_loop(build_fn, train_ds, val_ds, **kwargs):  # noqa: ANN001, ANN003, ANN202
        calls.update(build_fn=build_fn, train_ds=train_ds, val_ds=val_ds, **kwargs)
        return "history"

    class FakeStrategy:
        pass

    monkeypatch.setitem(
        sys.modules,
        "forecaster.training.distributed",
        types.SimpleNamespace(fit_custom_loop=fake_fit_custom_loop),
    )
    monkeypatch.setattr(tf.distribute, "MultiWorkerMirroredStrategy", FakeStrategy)
    ds = small_ds()
    result = train(
        tiny_model,
        ds,
        None,
        strategy="multiworker",
        optimizer="rmsprop",
        learning_rate=0.01,
        epochs=4,
        patience=2,
        verbose=0,
    )
    assert result == "history"
    assert calls["build_fn"] is tiny_model and calls["train_ds"] is ds and calls["val_ds"] is None
    assert isinstance(calls["strategy"], FakeStrategy)
    assert (calls["epochs"], calls["patience"], calls["verbose"], calls["loss"]) == (4, 2, 0, None)
    optimizer = calls["optimizer_fn"]()
    assert isinstance(optimizer, keras.optimizers.RMSprop) and optimizer.global_clipnorm == 1.0
    # reduce_lr is honoured by the custom loop as a callback (it does its own early stopping)
    assert [type(c).__name__ for c in calls["callbacks"]] == ["ReduceLROnPlateau"]


def test_one_seed_rule_for_train_forecaster_and_config() -> None:
    from forecaster.config import FORECASTER_PARAMS, validate_params

    for bad in (2**32, -1, True):
        with pytest.raises(ForecasterError) as from_train:
            resolve_seed(bad)
        with pytest.raises(ForecasterError) as from_config:
            validate_params({"seed": bad})
        assert str(from_train.value) == str(from_config.value)
    assert FORECASTER_PARAMS["seed"].check(2**32 - 1) and FORECASTER_PARAMS["seed"].check(None)

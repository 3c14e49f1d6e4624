"""Tests for forecaster.distributed: the custom loop on one process and on two workers."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from forecaster.errors import ForecasterError

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from forecaster.data.windowing import make_windows  # noqa: E402
from forecaster.distributed import fit_custom_loop, is_chief  # noqa: E402
from forecaster.models.factory import build_model  # noqa: E402
from forecaster.training import make_optimizer  # noqa: E402

INPUT_WIDTH, HORIZON = 8, 2


def _sine_datasets(n: int = 300, batch_size: int = 32) -> tuple[object, object]:
    series = np.sin(np.arange(n, dtype="float32") / 4.0)
    split = int(n * 0.8)
    train = make_windows(series[:split], INPUT_WIDTH, HORIZON, batch_size=batch_size, shuffle=True, seed=1)
    val = make_windows(series[split:], INPUT_WIDTH, HORIZON, batch_size=batch_size)
    return train, val


def _builder() -> object:
    keras.utils.set_random_seed(0)
    return build_model("lstm", 4, INPUT_WIDTH, 1, HORIZON, 1)


class _EpochRecorder(keras.callbacks.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[int, dict]] = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.seen.append((epoch, dict(logs or {})))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["default", "mirrored"])
def test_single_process_loss_falls(kind: str, tmp_path: Path) -> None:
    strategy = (
        tf.distribute.get_strategy()
        if kind == "default"
        else tf.distribute.MirroredStrategy(["/cpu:0"])
    )
    train, val = _sine_datasets()
    recorder = _EpochRecorder()
    history = fit_custom_loop(
        _builder,
        train,
        val,
        strategy=strategy,
        loss="mse",
        optimizer_fn=lambda: make_optimizer("adam", 1e-2),
        epochs=6,
        patience=3,
        callbacks=[recorder],
        checkpoint_dir=tmp_path / "ckpt",
    )
    losses = history.history["loss"]
    assert len(losses) == len(history.history["val_loss"]) == len(recorder.seen) >= 1
    assert losses[-1] < losses[0]
    assert [e for e, _ in recorder.seen] == list(range(len(losses)))
    assert set(recorder.seen[0][1]) == {"loss", "val_loss"}
    assert isinstance(history.model, keras.Model)
    # The restored weights are the best epoch's: evaluating gives the best val_loss.
    x, y = next(iter(val.unbatch().batch(10_000)))
    val_mse = float(np.mean((history.model(x).numpy() - y.numpy()) ** 2))
    assert val_mse == pytest.approx(min(history.history["val_loss"]), rel=1e-4)
    assert tf.train.latest_checkpoint(str(tmp_path / "ckpt")) is not None


@pytest.mark.slow
def test_resumes_from_checkpoint(tmp_path: Path) -> None:
    train, _ = _sine_datasets(n=120)
    common = dict(
        strategy=tf.distribute.get_strategy(),
        loss=None,
        optimizer_fn=lambda: make_optimizer("adam", 1e-2),
        patience=1,
        checkpoint_dir=tmp_path,
    )
    first = fit_custom_loop(_builder, train, None, epochs=2, **common)
    assert len(first.history["loss"]) == 2
    second = fit_custom_loop(_builder, train, None, epochs=3, **common)
    assert second.epoch == [2]  # epochs 0 and 1 came from the checkpoint


def test_callback_can_stop_and_errors() -> None:
    train, _ = _sine_datasets(n=120)

    class StopNow(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            self.model.stop_training = True

    history = fit_custom_loop(
        _builder,
        train,
        None,
        strategy=tf.distribute.get_strategy(),
        loss="mae",
        optimizer_fn=lambda: make_optimizer("sgd", 1e-2),
        epochs=5,
        patience=1,
        callbacks=[StopNow()],
    )
    assert len(history.history["loss"]) == 1
    assert "val_loss" not in history.history
    with pytest.raises(ForecasterError, match="`epochs` must be an integer >= 1"):
        fit_custom_loop(
            _builder, train, None, strategy=tf.distribute.get_strategy(), loss="mse",
            optimizer_fn=lambda: make_optimizer(), epochs=0, patience=1,
        )
    with pytest.raises(ForecasterError, match="must return a keras.Model"):
        fit_custom_loop(
            lambda: "nope", train, None, strategy=tf.distribute.get_strategy(), loss="mse",
            optimizer_fn=lambda: make_optimizer(), epochs=1, patience=1,
        )
    assert is_chief(tf.distribute.get_strategy())


# --- two worker processes on localhost -----------------------------------------------------------

WORKER_SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    import numpy as np
    # TensorFlow requires the collective ops to be configured before any other
    # op runs (make_windows creates tensors): create the strategy first; train()
    # reuses this instance.
    from forecaster.training import multiworker_strategy
    multiworker_strategy()
    out = sys.argv[1]
    from forecaster.data.windowing import make_windows
    from forecaster.models.factory import build_model
    from forecaster.training import train
    series = np.sin(np.arange(400, dtype="float32") / 4.0)
    # 312 and 72 windows in batches of 32: 10 and 3 batches, uneven over 2 workers.
    train_ds = make_windows(series[:320], 8, 2, batch_size=32, shuffle=True, seed=3)
    val_ds = make_windows(series[320:], 8, 2, batch_size=32)
    history = train(
        lambda: build_model("lstm", 4, 8, 1, 2, 1), train_ds, val_ds,
        strategy="multiworker", epochs=3, patience=3, seed=7, learning_rate=1e-2, verbose=0,
    )
    weights = history.model.get_weights()
    np.savez(out + ".npz", *weights)
    with open(out + ".json", "w") as f:
        json.dump(history.history, f)
    """
)


def _free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@pytest.mark.slow
def test_two_workers_on_localhost(tmp_path: Path) -> None:
    script = tmp_path / "worker.py"
    script.write_text(WORKER_SCRIPT)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in _free_ports(2)]}
    procs = []
    for index in range(2):
        env = dict(os.environ)
        env["TF_CONFIG"] = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
        env["TF_CPP_MIN_LOG_LEVEL"] = "2"
        env["CUDA_VISIBLE_DEVICES"] = ""
        procs.append(
            subprocess.Popen(
                [sys.executable, str(script), str(tmp_path / f"w{index}")],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    outputs = []
    try:
        for proc in procs:
            outputs.append(proc.communicate(timeout=150)[0])
    except subprocess.TimeoutExpired:
        for proc in procs:
            proc.kill()
            proc.communicate()
        pytest.fail("the two workers did not finish within 150 s")
    for proc, output in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, output[-3000:]
    w0 = np.load(tmp_path / "w0.npz")
    w1 = np.load(tmp_path / "w1.npz")
    assert w0.files == w1.files and len(w0.files) > 0
    for key in w0.files:
        np.testing.assert_array_equal(w0[key], w1[key])
    h0 = json.loads((tmp_path / "w0.json").read_text())
    h1 = json.loads((tmp_path / "w1.json").read_text())
    assert h0 == h1
    assert len(h0["loss"]) >= 2 and h0["loss"][-1] < h0["loss"][0]


def test_another_callbacks_stop_is_not_logged_as_early_stopping(caplog: pytest.LogCaptureFixture) -> None:
    train, val = _sine_datasets(n=120)

    class StopNow(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            self.model.stop_training = True

    with caplog.at_level("INFO", logger="forecaster.training.distributed"):
        history = fit_custom_loop(
            _builder, train, val, strategy=tf.distribute.get_strategy(), loss="mae",
            optimizer_fn=lambda: make_optimizer("sgd", 1e-2), epochs=5, patience=1, callbacks=[StopNow()],
        )
    assert len(history.history["val_loss"]) == 1
    assert "early stopping" not in caplog.text

"""Tests for forecaster.training.stopping: patience restarted only by validation gains of at least 1 %."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from forecaster.training.stopping import MIN_IMPROVEMENT, SignificantEarlyStopping


def run(callback: keras.callbacks.EarlyStopping, val_losses: list[float]) -> tuple[int, int]:
    """Drive ``callback`` through ``val_losses`` as ``fit`` would; ``(epochs run, epoch whose weights are restored)``.

    Each epoch's weights are filled with the epoch number, so the restored ones name their epoch.
    """
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    callback.set_model(model)
    model.stop_training = False
    callback.on_train_begin()
    ran = 0
    for epoch, value in enumerate(val_losses):
        model.set_weights([np.full_like(w, epoch) for w in model.get_weights()])
        callback.on_epoch_end(epoch, {"loss": 1.0, "val_loss": value})
        ran = epoch + 1
        if model.stop_training:
            break
    callback.on_train_end()
    return ran, int(model.get_weights()[0].flat[0])


def test_a_creeping_val_loss_does_not_extend_the_run() -> None:
    # 0.2 % lower every epoch: each epoch is a new minimum, but three of them are not a 1 % gain
    creeping = [1.0 * 0.998**e for e in range(20)]
    assert MIN_IMPROVEMENT == 0.01
    assert run(SignificantEarlyStopping(patience=3), creeping) == (4, 3)  # stops; the lowest weights come back
    assert run(keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True), creeping) == (20, 19)


def test_gains_of_one_percent_restart_the_patience() -> None:
    # 1.5 % lower every third epoch, flat between: each drop restarts a patience of 3
    steps = [0.985 ** (e // 3) for e in range(12)] + [0.985**3] * 6
    ran, restored = run(SignificantEarlyStopping(patience=3), steps)
    assert (ran, restored) == (13, 9)  # the last drop at epoch 9, then three epochs without one


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_without_a_minimum_gain_it_is_keras_early_stopping(seed: int) -> None:
    val_losses = list(np.random.default_rng(seed).uniform(0.5, 1.0, size=30))
    ours = run(SignificantEarlyStopping(patience=4, min_improvement=0.0), val_losses)
    keras_own = run(keras.callbacks.EarlyStopping(patience=4, restore_best_weights=True), val_losses)
    assert ours == keras_own


def test_the_restored_epoch_is_the_lowest_even_when_it_did_not_count() -> None:
    # epoch 3 is the lowest by 0.5 %, too little to restart the patience, and its weights are kept
    val_losses = [1.0, 0.9, 0.95, 0.8955, 0.96, 0.97, 0.98]
    assert run(SignificantEarlyStopping(patience=3), val_losses) == (5, 3)

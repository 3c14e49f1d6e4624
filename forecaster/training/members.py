"""Train a ``Forecaster``'s network: the ensemble members of the held-out fit and of the refit on every row.

* :func:`train_network`: scales each series with its training-part scaler
  (static rows appended), windows the training and validation parts, picks the
  batch size and, when the validation part was folded into training, the
  epoch budget on rolling origins (``selection.rolling_origin_epochs``); then
  trains ``ensemble`` members from consecutive seeds and averages them. On a
  long series each epoch samples ``windows_per_epoch`` training windows
  (``selection.resolve_windows_per_epoch``), and the patience and epoch budget
  are rescaled to count the same windows seen (``selection.per_windows``);
  the validation windows are never sampled.
* :func:`refit_network`: the same members retrained on every row of each
  series for the budget the first fit found (no validation, no schedule), in
  the same sampled epochs, so it sees as many windows as that budget did;
  :func:`refit_model` calls it, or solves the linear model again on every row
  when ``model="auto"`` chose that one.

A single member (no strategy) is traced once per fit: the last rolling origin's
compiled model trains the final fit and that one the refit
(``training.train(reuse=...)``; the models they replace are kept as copies).

Both read the settings and fitted state of ``fc`` and return what the
estimator stores; neither writes to ``fc``. TensorFlow / Keras are imported
lazily.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecaster.data.split import Split
from forecaster.data.windowing import count_windows
from forecaster.errors import ForecasterError
from forecaster.training.selection import (
    auto_batch_size,
    detach_last_fold,
    per_windows,
    resolve_epochs,
    resolve_windows_per_epoch,
    rolling_origin_epochs,
)

__all__ = ["Trained", "build_fn", "fit_settings", "refit_model", "refit_network", "tensorboard_callbacks", "train_network"]


@dataclass
class Trained:
    """What a training run returns: the (averaged) model, the mean history per epoch, the batch size
    and the windows per epoch (``None``: every training window each epoch)."""

    model: Any
    history: pd.DataFrame
    batch_size: int | None
    windows_per_epoch: int | None = None

    @classmethod
    def untrained(cls) -> Trained:
        """No network (a series too short for one, ``training.plans.short_series_plan``): no model, no epochs."""
        return cls(None, pd.DataFrame(columns=["epoch", "loss"]), None)


def build_fn(fc: Any, n_features: int, n_targets: int, name: str | None = None) -> Callable[[], Any]:
    """A zero-argument builder of ``fc``'s network (``train`` builds inside the distribution scope)."""
    from forecaster.models.factory import build_model

    units = (fc.units,) if isinstance(fc.units, int) else tuple(fc.units)

    def build():
        return build_model(
            fc.cell.lower(),
            units,
            fc.input_width_,
            n_features,
            fc.horizon,
            n_targets,
            dropout=fc.dropout,
            head=fc.head,
            quantiles=tuple(fc.quantiles),
            skip=None if fc.skip_ == "none" else fc.skip_,
            target_indices=list(range(n_targets)),
            season=fc.skip_season_ if fc.skip_ in ("seasonal", "seasonal_level") else None,
            encoder_width=fc.encoder_width_,
            window_scale=fc.window_scale,
            name=name,
        )

    return build


def fit_settings(fc: Any) -> dict[str, Any]:
    """The ``train`` arguments every fit of this Forecaster shares."""
    return {
        "optimizer": fc.optimizer,
        "learning_rate": fc.learning_rate,
        "clipnorm": fc.clipnorm,
        "deterministic": fc.deterministic,
        "strategy": fc.strategy,
        "jit_compile": fc.jit_compile,
    }


def tensorboard_callbacks(fc: Any, run_name: str, member: int) -> list[Any]:
    """A Keras TensorBoard callback writing to ``tensorboard/<cell>-<time>[-m<k>]`` (one folder per fit)."""
    if fc.tensorboard is None:
        return []
    import importlib.util

    import keras

    if importlib.util.find_spec("tensorboard") is None:
        raise ForecasterError(
            'tensorboard= needs the tensorboard package (pip install "forecaster[tensorboard]").'
        )

    name = f"{fc.cell.lower()}-{run_name}" + (f"-m{member}" if fc.ensemble > 1 else "")
    return [keras.callbacks.TensorBoard(log_dir=os.path.join(os.fspath(fc.tensorboard), name))]


def _scaled_parts(fc: Any, parts: list[np.ndarray]) -> list[np.ndarray]:
    """Each series scaled by its training-part scaler, with its static row appended."""
    return [fc._with_statics(sc.transform(v), sid) for sc, v, sid in zip(fc.scalers_, parts, fc.series_ids_, strict=True)]


def _rolling_epochs(
    fc: Any, train_parts: list, n_targets: int, base_seed: int, loss: Any, batch_size: int, fold_models: list | None,
    epochs: int,
) -> int:
    """The epoch budget chosen on rolling origins at the end of the training rows (short validation)."""
    return rolling_origin_epochs(
        train_parts,
        build_fn(fc, fc._n_inputs(), n_targets),
        input_width=fc.input_width_,
        horizon=fc.horizon,
        n_targets=n_targets,
        epochs=epochs,
        patience=fc.patience,
        batch_size=batch_size,
        seed=base_seed,
        loss=loss,
        fold_models=fold_models,
        # The origins exist only for short series: XLA's compilation would cost more than it saves.
        **{**fit_settings(fc), "jit_compile": False if fc.jit_compile == "auto" else fc.jit_compile},
    )


def train_network(
    fc: Any, parts: list[np.ndarray], splits: list[Split], use_val: bool, folded: bool, fold_models: list | None = None
) -> Trained:
    """Train ``fc.ensemble`` members on the training parts of ``parts`` (raw rows per series).

    ``use_val``: early stopping on the validation windows; ``folded``: the
    validation part was folded into training, so the epoch budget comes from
    rolling origins (whose models are appended to ``fold_models``).
    """
    from forecaster.data.windowing import make_windows
    from forecaster.models.factory import average_models
    from forecaster.models.heads import loss_for
    from forecaster.training import resolve_seed, train

    n_targets = len(fc.targets_)
    scaled = _scaled_parts(fc, parts)
    train_parts = [x[s.train[0] : s.train[1]] for x, s in zip(scaled, splits, strict=True)]
    val_parts = [x[s.val[0] : s.val[1]] for x, s in zip(scaled, splits, strict=True)]
    val_parts = [p for p in val_parts if count_windows(len(p), fc.input_width_, fc.horizon)]
    base_seed = resolve_seed(fc.seed)
    targets = list(range(n_targets))
    loss = loss_for(fc.head, quantiles=tuple(fc.quantiles), point_loss=fc.loss)
    n_windows = sum(count_windows(len(p), fc.input_width_, fc.horizon) for p in train_parts)
    batch_size = auto_batch_size(n_windows) if fc.batch_size == "auto" else int(fc.batch_size)
    per_epoch = resolve_windows_per_epoch(fc.windows_per_epoch, n_windows)
    epochs = resolve_epochs(fc.epochs, n_windows)
    if folded:
        from forecaster.logs import silence_retracing_warnings

        with silence_retracing_warnings():  # one fresh model per origin: each traces once
            epochs = _rolling_epochs(fc, train_parts, n_targets, base_seed, loss, batch_size, fold_models, epochs)
    # Sampled epochs: patience (and the LR schedule's half of it) and the budget count the
    # windows of that many full sweeps, else early stopping judges a fraction of them (noise).
    epochs = per_windows(epochs, n_windows, per_epoch)
    patience = per_windows(fc.patience, n_windows, per_epoch)
    members, histories = [], []
    run_name = pd.Timestamp.now().strftime("%Y%m%d-%H%M%S-%f")
    for member in range(fc.ensemble):
        seed = base_seed + member
        train_ds = make_windows(
            train_parts, fc.input_width_, fc.horizon, targets=targets,
            batch_size=batch_size, shuffle=True, seed=seed, windows_per_epoch=per_epoch,
        )
        val_ds = (
            make_windows(val_parts, fc.input_width_, fc.horizon, targets=targets, batch_size=256, cache=True)
            if use_val and val_parts
            else None
        )
        build = build_fn(fc, fc._n_inputs(), n_targets, name=f"member_{member}" if fc.ensemble > 1 else None)
        reuse = None
        if fold_models and fc.ensemble == 1 and fc.strategy is None:  # the last origin's compiled model trains on
            reuse = detach_last_fold(fold_models, build)
        history = train(
            build,
            train_ds,
            val_ds,
            loss=loss,
            epochs=epochs,
            patience=patience,
            seed=seed,
            verbose=fc.verbose,
            **fit_settings(fc),
            # the rolling origins chose the budget without a learning-rate schedule
            reduce_lr=not folded,
            callbacks=tensorboard_callbacks(fc, run_name, member),
            reuse=reuse,
        )
        members.append(history.model)
        histories.append(pd.DataFrame(history.history))
    model = members[0] if len(members) == 1 else average_models(members)
    frame = sum(h.reindex(histories[0].index) for h in histories) / len(histories)
    frame.insert(0, "epoch", np.arange(1, len(frame) + 1))
    return Trained(
        model=model, history=frame.reset_index(drop=True), batch_size=batch_size, windows_per_epoch=per_epoch
    )


def refit_model(fc: Any, parts: list[np.ndarray], epochs: int) -> tuple[Any, dict[str, Any], Any]:
    """``(model, refit_, heldout)``: the used model (network, linear or their median, ``fc.choice_``) refit on every row.

    The linear model is solved again on every window of ``parts``; the network
    retrains for ``epochs`` (:func:`refit_network`); a median refits both and
    keeps its baseline, which learns nothing.
    """
    used = (getattr(fc, "choice_", None) or {}).get("used")
    if used == "linear":
        model, rows = _linear_on_every_row(fc, parts)
        return model, {"rows": rows, "model": "linear"}, fc.model_
    combined = fc.model_
    if used == "median":
        import keras

        network, heldout_linear, baseline = (m for m in combined.layers if isinstance(m, keras.Model))
        fc.model_ = network  # refit_network retrains fc.model_ (in place when it can)
    try:
        model, rows, heldout = refit_network(fc, parts, epochs)
    finally:
        fc.model_ = combined
    info = {"rows": rows, "epochs": int(epochs), "batch_size": int(fc.batch_size_), "windows_per_epoch": fc.windows_per_epoch_}
    if used == "median":
        from forecaster.models.factory import median_models

        linear, _ = _linear_on_every_row(fc, parts)
        model, heldout = median_models([model, linear, baseline]), median_models([heldout, heldout_linear, baseline])
    return model, info, heldout


def _linear_on_every_row(fc: Any, parts: list[np.ndarray]) -> tuple[Any, int]:
    """The linear model solved on every window of ``parts``, and the rows it saw."""
    from forecaster.training.choice import linear_on, train_origins

    origins = train_origins(fc, fc.split_, {i: len(p) for i, p in enumerate(parts)})
    return linear_on(fc, parts, origins), int(sum(len(parts[i]) for i in origins))


def refit_network(fc: Any, parts: list[np.ndarray], epochs: int) -> tuple[Any, int, Any]:
    """``(model, rows, heldout)``: the members retrained on every row of ``parts`` for ``epochs``
    (training-part scalers), and the held-out model ``fc.model_`` they replace.

    ``epochs`` are the first fit's, of ``fc.windows_per_epoch_`` windows each when it sampled.
    One member is retrained in place (``train(reuse=...)``: its traced train step serves
    again), so ``heldout`` is then a copy of its weights.
    """
    from forecaster.data.windowing import make_windows
    from forecaster.models.factory import average_models
    from forecaster.models.heads import loss_for
    from forecaster.training import copy_model, resolve_seed, train

    n_targets = len(fc.targets_)
    scaled = [x for x in _scaled_parts(fc, parts) if count_windows(len(x), fc.input_width_, fc.horizon)]
    loss = loss_for(fc.head, quantiles=tuple(fc.quantiles), point_loss=fc.loss)
    base_seed = resolve_seed(fc.seed)
    members, heldout = [], fc.model_
    for member in range(fc.ensemble):
        seed = base_seed + member
        train_ds = make_windows(
            scaled, fc.input_width_, fc.horizon, targets=list(range(n_targets)),
            batch_size=fc.batch_size_, shuffle=True, seed=seed,
            windows_per_epoch=getattr(fc, "windows_per_epoch_", None),
        )
        build = build_fn(fc, fc._n_inputs(), n_targets, name=f"member_{member}" if fc.ensemble > 1 else None)
        reuse = None
        if fc.ensemble == 1 and fc.strategy is None:  # an ensemble's members hide inside its average
            heldout, reuse = copy_model(build, fc.model_), fc.model_
        history = train(
            build,
            train_ds,
            None,
            loss=loss,
            epochs=epochs,
            patience=fc.patience,
            seed=seed,
            verbose=fc.verbose,
            **fit_settings(fc),
            reduce_lr=False,  # a fixed budget: no validation curve to schedule on
            reuse=reuse,
        )
        members.append(history.model)
    model = members[0] if len(members) == 1 else average_models(members)
    return model, int(sum(len(x) for x in scaled)), heldout

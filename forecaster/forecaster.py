"""The ``Forecaster`` estimator: one object from a CSV to a forecast.

A forecast here means: from the last ``input_width`` observed rows (the
lookback), predict the next ``horizon`` rows of the target column(s), all
steps at once. ``Forecaster`` only connects the stages; each works alone:

====================  =====================================================
``fit(data, ...)``    load + validate (``data.io``), split chronologically
                      (``data.split``), scale on the training part only
                      (``data.scaling``), window (``data.windowing``), build
                      (``models.factory``) and train (``training``).
``evaluate(data)``    raw-scale metrics of the model and of the naive
                      baselines on the same test windows.
``predict(data)``     the ``horizon`` rows after the last row of ``data``.
``backtest(data)``    rolling-origin evaluation at several origins.
``plot_*()``          matplotlib Figures; never ``plt.show()``.
``save`` / ``load``   a run directory of plain files (JSON, CSV, .keras,
                      SavedModel); no pickle.
====================  =====================================================

State: the constructor only stores its arguments. ``fit`` writes the learned
attributes, which end in ``_`` (``model_``, ``scalers_``, ``columns_``,
``targets_``, ``freq_``, ``season_``, ``input_width_``, ``history_``,
``metrics_`` ...). ``predict``, ``evaluate``, ``backtest`` and ``plot_*``
read them and write nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecaster.config import validate_params
from forecaster.data.calendar import CALENDAR_COLUMNS, future_dates, with_calendar
from forecaster.data.io import SeriesData, load_series, require_length
from forecaster.data.scaling import Scaler, fit_scaler
from forecaster.data.split import Split, chronological_split
from forecaster.data.windowing import count_windows
from forecaster.errors import ForecasterError
from forecaster.estimator import Estimator
from forecaster.scoring import Z80
from forecaster.training.selection import (
    MIN_VAL_WINDOWS,
    ROLLING_FOLDS,
    choose_skip,
    rolling_origin_epochs,
)

logger = logging.getLogger(__name__)



class Forecaster(Estimator):
    """Recurrent (SimpleRNN / LSTM / GRU) multi-step forecaster with a scikit-learn-like API.

    Args:
        cell: recurrent cell, ``"rnn"``, ``"lstm"`` or ``"gru"``.
        units: units per recurrent layer, e.g. ``(64, 64)``.
        input_width: rows of history per forecast; ``None`` picks at least two
            seasons of the detected frequency (and at least ``2 * horizon``).
        horizon: rows to forecast.
        head: ``"point"``, ``"quantile"`` (intervals from ``quantiles``) or
            ``"gaussian"`` (mean and standard deviation).
        quantiles: quantile levels of the quantile head.
        skip: the baseline the network corrects: ``"last"`` (last observed
            value), ``"seasonal"`` (seasonal naive), ``"mean"`` (mean of the
            input window), ``"none"``, or ``"auto"`` (whichever of these
            baselines is best on the training part).
        scaling: ``"standard"``, ``"minmax"`` or ``"none"``, fit on the
            training part of each series only.
        dropout: dropout between recurrent layers.
        loss: point-head loss, ``"mae"`` (robust on small data), ``"mse"`` or ``"huber"``.
        optimizer, learning_rate, clipnorm: optimizer settings; gradient
            clipping by norm guards against exploding gradients.
        epochs, patience: training budget and early-stopping patience.
        batch_size: windows per batch.
        val, test: fractions of rows whose targets form the validation and
            test parts. When the validation part has fewer than 8 windows, it
            is folded into training, and the number of epochs (at most
            ``epochs``) is chosen by validating at 4 rolling origins at the
            end of the training rows.
        fill: NaN and missing-timestamp handling of the loader: ``"none"``
            (error), ``"ffill"``, ``"interpolate"`` (see ``forecaster.data.io``).
        sep, decimal, dayfirst: how CSV files are read (``None``: detected,
            with an error when the file leaves it ambiguous); see ``load_series``.
        calendar: add future-known calendar covariates (day of week, day of
            year) of the *next* row to every row, so the window's last row
            carries the calendar of the first forecast step.
        ensemble: number of models (different seeds) whose outputs are averaged.
        seed: random seed (Python, NumPy, Keras); ``None`` for a fresh one.
        deterministic: TensorFlow op determinism (slower; same metrics on CPU).
        strategy: ``None``, ``"mirrored"`` or ``"multiworker"`` (tf.distribute).
        jit_compile: XLA compilation of the train step and of the prediction
            function: ``"auto"`` (on where it was measured to help, see
            ``forecaster.training.resolve_jit_compile``), ``True`` or ``False``.
            XLA costs seconds of compilation per model; ``False`` suits small
            data and tests.
        verbose: Keras progress output: ``"auto"``, 0, 1 or 2.

    Example:
        >>> fc = Forecaster(cell="gru", units=(32,), horizon=5, epochs=3)
        >>> fc.get_params()["cell"]
        'gru'
    """

    def __init__(
        self,
        cell: str = "lstm",
        units: int | Sequence[int] = (64, 64),
        input_width: int | None = None,
        horizon: int = 12,
        *,
        head: str = "point",
        quantiles: Sequence[float] = (0.1, 0.5, 0.9),
        skip: str = "auto",
        scaling: str = "standard",
        dropout: float = 0.0,
        loss: str = "mae",
        optimizer: str = "adam",
        learning_rate: float = 3e-3,
        clipnorm: float | None = 1.0,
        epochs: int = 100,
        patience: int = 10,
        batch_size: int = 64,
        val: float = 0.15,
        test: float = 0.15,
        fill: str = "none",
        sep: str | None = None,
        decimal: str | None = None,
        dayfirst: bool | None = None,
        calendar: bool = False,
        ensemble: int = 1,
        seed: int | None = 0,
        deterministic: bool = False,
        strategy: str | None = None,
        jit_compile: bool | str = "auto",
        verbose: int | str = "auto",
    ) -> None:
        self.cell = cell
        self.units = units
        self.input_width = input_width
        self.horizon = horizon
        self.head = head
        self.quantiles = quantiles
        self.skip = skip
        self.scaling = scaling
        self.dropout = dropout
        self.loss = loss
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.clipnorm = clipnorm
        self.epochs = epochs
        self.patience = patience
        self.batch_size = batch_size
        self.val = val
        self.test = test
        self.fill = fill
        self.sep = sep
        self.decimal = decimal
        self.dayfirst = dayfirst
        self.calendar = calendar
        self.ensemble = ensemble
        self.seed = seed
        self.deterministic = deterministic
        self.strategy = strategy
        self.jit_compile = jit_compile
        self.verbose = verbose

    # ------------------------------------------------------------------ config

    def get_config(self) -> dict[str, Any]:
        """JSON-safe constructor arguments (the ``config`` part of forecaster.json)."""
        config = self.get_params()
        for key in ("units", "quantiles"):
            value = config[key]
            config[key] = [value] if isinstance(value, int) else list(value)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Forecaster:
        """Rebuild an (unfitted) Forecaster from :meth:`get_config` output."""
        config = dict(config)
        for key in ("units", "quantiles"):
            if isinstance(config.get(key), list):
                config[key] = tuple(config[key])
        return cls(**config)

    def _validate_params(self) -> None:
        validate_params(self.get_params())

    # --------------------------------------------------------------------- fit

    def fit(
        self,
        data: str | os.PathLike | pd.DataFrame,
        target: str | Sequence[str] | None = None,
        date_col: str | None = None,
        features: str | Sequence[str] | None = None,
        id_col: str | None = None,
    ) -> Forecaster:
        """Learn a model from ``data`` and keep its test part for :meth:`evaluate`.

        Args:
            data: CSV path or DataFrame; long format (several series) with ``id_col``.
            target: column(s) to forecast (default: see ``forecaster.data.io``).
            date_col: the timestamp column (detected when ``None``).
            features: past covariates: extra input columns, ``"all"`` or ``None``.
            id_col: series id column: one global model over all series.

        Returns:
            ``self``.

        State change:
            Writes ``model_``, ``scalers_``, ``columns_``, ``targets_``,
            ``date_col_``, ``id_col_``, ``freq_``, ``season_``, ``input_width_``,
            ``skip_``, ``split_``, ``history_``, ``n_epochs_``,
            ``best_val_loss_``, ``metrics_``, ``data_``, ``data_hash_``,
            ``last_date_``, ``n_series_skipped_``. The parameters are checked
            first; earlier fitted state is dropped only then, and restored if
            the fit fails.

        Raises:
            ForecasterError: for bad parameters or data.
        """
        with self._fit_context():
            return self._fit(data, target, date_col, features, id_col)

    def _fit(
        self,
        data: str | os.PathLike | pd.DataFrame,
        target: str | Sequence[str] | None,
        date_col: str | None,
        features: str | Sequence[str] | None,
        id_col: str | None,
    ) -> Forecaster:
        from forecaster.evaluation.baselines import season_length

        series = load_series(
            data, target=target, date_col=date_col, features=features, id_col=id_col, fill=self.fill,
            sep=self.sep, decimal=self.decimal, dayfirst=self.dayfirst,
        )
        if self.calendar:
            series = with_calendar(series)
        season = season_length(series.freq)
        segments = series.segments()
        lengths = [stop - start for _, start, stop in segments]
        input_width = self._choose_input_width(season, max(lengths))
        min_rows = input_width + 3 * self.horizon
        kept = [seg for seg in segments if seg[2] - seg[1] >= min_rows]
        if not kept:
            raise ForecasterError(
                f"series has {max(lengths)} rows; input_width + 3 * horizon = {min_rows} are needed "
                "for training, validation and test windows (use a longer series or a smaller "
                "input_width / horizon [CLI: --input-width / --horizon])."
            )
        if len(kept) < len(segments):
            warnings.warn(
                f"{len(segments) - len(kept)} of {len(segments)} series have fewer than "
                f"{min_rows} rows (input_width + 3 * horizon) and were skipped.",
                stacklevel=2,
            )
        series = _keep_segments(series, kept)
        splits = [
            chronological_split(
                stop - start,
                input_width,
                self.horizon,
                val=self.val,
                test=self.test,
            )
            for _, start, stop in series.segments()
        ]
        val_windows = sum(count_windows(s.val[1] - s.val[0], input_width, self.horizon) for s in splits)
        use_val = val_windows >= MIN_VAL_WINDOWS
        folded = not use_val and self.val > 0
        if folded:
            logger.info(
                "validation part has %d windows (< %d): choosing the epoch budget on %d rolling origins instead of early stopping",
                val_windows,
                MIN_VAL_WINDOWS,
                ROLLING_FOLDS,
            )
            # Fold the (too small) validation rows into training.
            splits = [Split(train=(0, s.test[0] + input_width), val=(0, 0), test=s.test) for s in splits]

        self.columns_ = series.columns
        self.targets_ = series.targets
        self.date_col_ = series.date_col
        self.id_col_ = series.id_col
        self.freq_ = series.freq
        self.season_ = int(season)
        self.input_width_ = int(input_width)
        self.split_ = splits
        self.data_ = series
        self.data_hash_ = _hash_series(series)
        self.last_date_ = None if series.dates is None else str(series.dates[-1])

        parts = _segment_arrays(series)
        self.series_ids_ = [sid for sid, _, _ in series.segments()]
        self.scalers_ = [fit_scaler(values[s.train[0] : s.train[1]], self.scaling) for values, s in zip(parts, splits, strict=True)]
        if self.skip == "auto":
            train_rows = [sc.transform(v[s.train[0] : s.train[1]]) for v, s, sc in zip(parts, splits, self.scalers_, strict=True)]
            self.skip_ = choose_skip(train_rows, len(self.targets_), self.season_, self.input_width_, self.horizon)
        else:
            self.skip_ = self.skip
        self._train(parts, splits, use_val, folded)
        self.metrics_ = self._evaluate_parts(parts, [s.test for s in splits], [v[s.train[0] : s.train[1]] for v, s in zip(parts, splits, strict=True)])
        return self

    def _choose_input_width(self, season: int, longest: int) -> int:
        if self.input_width is not None:
            return int(self.input_width)
        width = max(2 * season, 2 * self.horizon, 16)
        # Keep at least ~half the series for windows of the training part.
        cap = max(self.horizon, int(longest * (1 - self.val - self.test)) // 2)
        return int(min(width, cap))

    def _build_fn(self, n_features: int, n_targets: int, name: str | None = None):
        from forecaster.models.factory import build_model

        units = (self.units,) if isinstance(self.units, int) else tuple(self.units)

        def build():
            return build_model(
                self.cell.lower(),
                units,
                self.input_width_,
                n_features,
                self.horizon,
                n_targets,
                dropout=self.dropout,
                head=self.head,
                quantiles=tuple(self.quantiles),
                skip=None if self.skip_ == "none" else self.skip_,
                target_indices=list(range(n_targets)),
                season=self.season_ if self.skip_ == "seasonal" else None,
                name=name,
            )

        return build

    def _train(self, parts: list[np.ndarray], splits: list[Split], use_val: bool, folded: bool) -> None:
        from forecaster.data.windowing import make_windows
        from forecaster.models.factory import average_models
        from forecaster.models.heads import loss_for
        from forecaster.training import resolve_seed, train

        n_targets = len(self.targets_)
        scaled = [sc.transform(v) for sc, v in zip(self.scalers_, parts, strict=True)]
        train_parts = [x[s.train[0] : s.train[1]] for x, s in zip(scaled, splits, strict=True)]
        val_parts = [x[s.val[0] : s.val[1]] for x, s in zip(scaled, splits, strict=True)]
        val_parts = [p for p in val_parts if count_windows(len(p), self.input_width_, self.horizon)]
        base_seed = resolve_seed(self.seed)
        targets = list(range(n_targets))
        loss = loss_for(self.head, quantiles=tuple(self.quantiles), point_loss=self.loss)
        epochs = self.epochs
        if folded:
            epochs = rolling_origin_epochs(
                train_parts,
                self._build_fn(len(self.columns_), n_targets),
                input_width=self.input_width_,
                horizon=self.horizon,
                n_targets=n_targets,
                epochs=self.epochs,
                patience=self.patience,
                batch_size=self.batch_size,
                seed=base_seed,
                loss=loss,
                # The origins exist only for short series: XLA's compilation would cost more than it saves.
                **{**self._fit_settings(), "jit_compile": False if self.jit_compile == "auto" else self.jit_compile},
            )
        members, histories = [], []
        for member in range(self.ensemble):
            seed = base_seed + member
            train_ds = make_windows(
                train_parts, self.input_width_, self.horizon, targets=targets,
                batch_size=self.batch_size, shuffle=True, seed=seed,
            )
            val_ds = (
                make_windows(val_parts, self.input_width_, self.horizon, targets=targets, batch_size=256)
                if use_val and val_parts
                else None
            )
            history = train(
                self._build_fn(
                    len(self.columns_), n_targets, name=f"member_{member}" if self.ensemble > 1 else None
                ),
                train_ds,
                val_ds,
                loss=loss,
                epochs=epochs,
                patience=self.patience,
                seed=seed,
                verbose=self.verbose,
                **self._fit_settings(),
                # the rolling origins chose the budget without a learning-rate schedule
                reduce_lr=not folded,
            )
            members.append(history.model)
            histories.append(pd.DataFrame(history.history))
        self.model_ = members[0] if len(members) == 1 else average_models(members)
        frame = sum(h.reindex(histories[0].index) for h in histories) / len(histories)
        frame.insert(0, "epoch", np.arange(1, len(frame) + 1))
        self.history_ = frame.reset_index(drop=True)
        self.n_epochs_ = int(len(frame))
        self.best_val_loss_ = float(frame["val_loss"].min()) if "val_loss" in frame else None

    def _fit_settings(self) -> dict[str, Any]:
        """The ``train`` arguments every fit of this Forecaster shares."""
        return {
            "optimizer": self.optimizer,
            "learning_rate": self.learning_rate,
            "clipnorm": self.clipnorm,
            "deterministic": self.deterministic,
            "strategy": self.strategy,
            "jit_compile": self.jit_compile,
        }

    # ---------------------------------------------------------------- inference

    def _predict_scaled(self, x: np.ndarray) -> np.ndarray:
        """Model output for scaled windows ``[n, input_width, n_features]`` (scaled space)."""
        import tensorflow as tf

        def make() -> Any:
            model = self.model_
            spec = tf.TensorSpec([None, self.input_width_, len(self.columns_)], tf.float32)
            # XLA makes one small forecast ~10x faster on CPU; on a GPU keep the cuDNN kernels.
            jit = self.jit_compile if isinstance(self.jit_compile, bool) else not tf.config.list_physical_devices("GPU")
            return tf.function(lambda t: model(t, training=False), input_signature=[spec], jit_compile=jit)

        predict_fn = self._compiled_predict(make)
        outputs = [predict_fn(tf.constant(x[i : i + 4096], tf.float32)).numpy() for i in range(0, len(x), 4096)]
        return np.concatenate(outputs) if outputs else np.zeros((0,))

    def _to_raw(self, output: np.ndarray, scaler: Scaler) -> dict[str, np.ndarray]:
        """Scaled head output -> raw ``mean`` [n,H,T] (and ``quantiles`` / ``std``)."""
        n_targets = len(self.targets_)
        center = scaler.center[:n_targets]
        scale = scaler.scale[:n_targets]
        if self.head == "point":
            return {"mean": (output * scale + center).astype(np.float32)}
        if self.head == "quantile":
            q = output * scale[:, None] + center[:, None]
            return {"mean": _median_quantile(q, self.quantiles), "quantiles": q.astype(np.float32)}
        return {
            "mean": (output[..., 0] * scale + center).astype(np.float32),
            "std": (output[..., 1] * scale).astype(np.float32),
        }

    def _windows_at(self, values: np.ndarray, origins: np.ndarray, scaler: Scaler) -> np.ndarray:
        scaled = scaler.transform(values)
        idx = origins[:, None] - self.input_width_ + np.arange(self.input_width_)[None, :]
        return scaled[idx]

    def _load_like_fit(self, data: Any) -> SeriesData:
        features = [c for c in self.columns_[len(self.targets_) :] if c not in CALENDAR_COLUMNS]
        series = load_series(
            data,
            target=list(self.targets_),
            date_col=self.date_col_,
            features=features or None,
            id_col=self.id_col_,
            fill=self.fill,
            sep=self.sep,
            decimal=self.decimal,
            dayfirst=self.dayfirst,
        )
        if self.calendar:
            series = with_calendar(series)
        if series.columns != self.columns_:
            raise ForecasterError(
                f"the data's columns {list(series.columns)} differ from those seen at fit {list(self.columns_)}."
            )
        return series

    def _scaler_for(self, series_id: Any) -> Scaler:
        if self.id_col_ is None:
            return self.scalers_[0]
        key = str(series_id)
        for sid, scaler in zip(self.series_ids_, self.scalers_, strict=True):
            if str(sid) == key:
                return scaler
        raise ForecasterError(f"series {series_id!r} was not seen at fit; a global model needs its scaling.")

    def predict(self, data: str | os.PathLike | pd.DataFrame | None = None) -> pd.DataFrame:
        """Forecast the ``horizon`` rows after the last row of ``data`` (default: the fit data).

        Returns:
            DataFrame with the future dates (column named like the date column,
            or ``step`` without dates), one column per target in raw units, and
            for probabilistic heads interval columns (``<target>_q10`` ... or
            ``<target>_std`` / ``_lower`` / ``_upper`` for an 80% interval).
            Long-format data gets its id column first.

        Writes nothing to ``self``.
        """
        self._check_fitted("predict")
        series = self._tail_series() if data is None else self._load_like_fit(data)
        frames = []
        for sid, start, stop in series.segments():
            values = series.values[start:stop]
            require_length(len(values), self.input_width_, 0, "series" if sid is None else f"series {sid!r}")
            scaler = self._scaler_for(sid)
            x = self._windows_at(values, np.array([len(values)]), scaler)
            raw = self._to_raw(self._predict_scaled(x), scaler)
            dates = None if series.dates is None else series.dates[start:stop]
            frame = self._forecast_frame(raw, dates, len(values))
            if self.id_col_ is not None:
                frame.insert(0, self.id_col_, sid)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def _forecast_frame(self, raw: dict[str, np.ndarray], dates: pd.DatetimeIndex | None, n_rows: int) -> pd.DataFrame:
        frame = pd.DataFrame()
        if dates is not None:
            frame[self.date_col_ or "date"] = future_dates(dates, self.horizon, self.freq_)
        else:
            frame["step"] = np.arange(n_rows, n_rows + self.horizon)
        for j, name in enumerate(self.targets_):
            frame[name] = raw["mean"][0, :, j]
            if "quantiles" in raw:
                for k, q in enumerate(self.quantiles):
                    frame[f"{name}_q{round(q * 100):02d}"] = raw["quantiles"][0, :, j, k]
            if "std" in raw:
                std = raw["std"][0, :, j]
                frame[f"{name}_std"] = std
                frame[f"{name}_lower"] = raw["mean"][0, :, j] - Z80 * std
                frame[f"{name}_upper"] = raw["mean"][0, :, j] + Z80 * std
        return frame

    def _tail_series(self) -> SeriesData:
        if hasattr(self, "data_"):
            return self.data_
        return self.tail_

    # --------------------------------------------------------------- evaluation

    def evaluate(self, data: str | os.PathLike | pd.DataFrame | None = None) -> dict[str, Any]:
        """Raw-scale metrics of the model and the baselines on the same windows.

        With ``data=None``: the test part of the fit data (the windows whose
        targets the model never saw). With ``data``: the windows whose targets
        lie in the last ``test`` fraction of its rows.

        Returns:
            ``{"model": {metric: value}, "baselines": {name: {metric: value}},
            "per_step": {name: {metric: [per step]}}, "n_windows": int,
            "season": int}``; for several series also ``"per_series"``.

        Writes nothing to ``self``.
        """
        self._check_fitted("evaluate")
        if data is None:
            if not hasattr(self, "metrics_"):
                raise ForecasterError("a loaded Forecaster has no test data; pass data to evaluate(data).")
            return self.metrics_
        series = self._load_like_fit(data)
        parts = _segment_arrays(series)
        tests, insamples = [], []
        for values in parts:
            split = chronological_split(len(values), self.input_width_, self.horizon, val=0.0, test=self.test)
            tests.append(split.test)
            insamples.append(values[: split.test[0] + self.input_width_])
        return self._evaluate_parts(parts, tests, insamples, series)

    def _evaluate_parts(
        self,
        parts: list[np.ndarray],
        tests: list[tuple[int, int]],
        insamples: list[np.ndarray],
        series: SeriesData | None = None,
    ) -> dict[str, Any]:
        from forecaster.scoring import evaluate_parts

        return evaluate_parts(self, parts, tests, insamples, series)

    def backtest(
        self,
        data: str | os.PathLike | pd.DataFrame | None = None,
        folds: int = 3,
        refit: bool = False,
    ) -> pd.DataFrame:
        """Rolling-origin evaluation: forecast from ``folds`` origins at the end of ``data``.

        Origins are ``horizon`` rows apart and the last forecast ends at the
        last row. With ``refit=True`` a clone of this Forecaster is trained on
        the rows before each origin (honest, slower); with ``refit=False``
        the fitted model is reused, so origins inside its training rows are
        optimistic (a warning says so).

        Returns:
            One row per origin: ``origin`` (the last observed row before the
            forecast), ``origin_date``, then
            ``<name>_<metric>`` for the model and each baseline.

        Writes nothing to ``self`` (refits happen on clones).
        """
        self._check_fitted("backtest")
        from forecaster.scoring import backtest

        return backtest(self, data, folds, refit)

    # -------------------------------------------------------------------- plots

    def plot_forecast(self):
        """Forecast vs actual over the test part (first target, first series) -> Figure."""
        self._check_fitted("plot_forecast")
        if not hasattr(self, "data_"):
            raise ForecasterError("plot_forecast needs the fit data; it is not available on a loaded Forecaster.")
        from forecaster.evaluation.plots import plot_forecast
        from forecaster.scoring import test_chunks

        chunks = test_chunks(self)
        mse = self.metrics_["model"]["mse"]
        return plot_forecast(
            chunks["context_dates"],
            chunks["context_values"],
            chunks["dates"],
            chunks["actual"],
            chunks["forecast"],
            lower=chunks.get("lower"),
            upper=chunks.get("upper"),
            baseline=chunks["baseline"],
            title=f"{self.targets_[0]}: {self.cell.upper()} forecast vs actual (test)",
            target=self.targets_[0],
            metric_text=f"test MSE {mse:.4g} (naive {self.metrics_['baselines']['naive']['mse']:.4g})",
        )

    def plot_history(self):
        """Training and validation loss per epoch -> Figure."""
        self._check_fitted("plot_history")
        from forecaster.evaluation.plots import plot_history

        return plot_history(self.history_)

    def plot_horizon_error(self, metric: str = "mae"):
        """Test error by horizon step, model vs baselines -> Figure."""
        self._check_fitted("plot_horizon_error")
        from forecaster.evaluation.plots import plot_horizon_error

        steps = {name: pd.Series(v[metric], index=np.arange(1, self.horizon + 1)) for name, v in self.metrics_["per_step"].items()}
        return plot_horizon_error(steps, metric=metric, title=f"{self.targets_[0]}: test {metric.upper()} by horizon step")

    # ---------------------------------------------------------------- save/load

    def export(self, path: str | os.PathLike) -> None:
        """Write a TensorFlow SavedModel with raw-unit input and output (scaling inside)."""
        self._check_fitted("export")
        if self.id_col_ is not None and len(self.scalers_) > 1:
            raise ForecasterError(
                "a SavedModel export bakes in one series' scaling; export is available for single-series models."
            )
        from forecaster.export import export_saved_model

        scaler = self.scalers_[0]
        export_saved_model(
            self.model_,
            os.fspath(path),
            center=scaler.center,
            scale=scaler.scale,
            n_targets=len(self.targets_),
            head=self.head,
            quantiles=tuple(self.quantiles),
        )

    def metadata(self) -> dict[str, Any]:
        """The contents of forecaster.json: what a downstream script needs to use the export."""
        self._check_fitted("metadata")
        from forecaster.runs import forecaster_metadata

        return forecaster_metadata(self)

    def save(self, path: str | os.PathLike, overwrite: bool = False, plots: bool = True) -> None:
        """Write the run directory atomically (temporary sibling, then rename).

        Layout: ``model.keras``, ``export/`` (SavedModel), ``forecaster.json``,
        ``metrics.json``, ``history.csv``, ``forecast.csv`` and, with
        ``plots=True``, ``plots/forecast.png``, ``plots/history.png``,
        ``plots/horizon_error.png``. An interrupted or failed save leaves
        nothing at ``path``.

        Raises:
            ForecasterError: if ``path`` exists and ``overwrite`` is False.
        """
        self._check_fitted("save")
        from forecaster.runs import save_forecaster

        save_forecaster(self, path, overwrite=overwrite, plots=plots)

    def sample(self, n_paths: int, steps: int, *, context: Any = None, seed: int | None = None):
        """Sample future paths autoregressively from a probabilistic head (see ``tasks.sampling``)."""
        self._check_fitted("sample")
        from forecaster.tasks.sampling import sample_paths

        return sample_paths(self, n_paths, steps, context=context, seed=seed)


def load(path: str | os.PathLike) -> Forecaster:
    """Load a Forecaster saved with :meth:`Forecaster.save` (see ``forecaster.runs.load_forecaster``)."""
    from forecaster.runs import load_forecaster

    return load_forecaster(path)


# ------------------------------------------------------------------ helpers


def _segment_arrays(series: SeriesData) -> list[np.ndarray]:
    return [series.values[start:stop] for _, start, stop in series.segments()]


def _keep_segments(series: SeriesData, kept: list[tuple[Any, int, int]]) -> SeriesData:
    if len(kept) == len(series.segments()):
        return series
    rows = np.concatenate([np.arange(a, b) for _, a, b in kept])
    return SeriesData(
        values=series.values[rows],
        columns=series.columns,
        targets=series.targets,
        dates=None if series.dates is None else series.dates[rows],
        freq=series.freq,
        date_col=series.date_col,
        ids=None if series.ids is None else series.ids[rows],
        id_col=series.id_col,
    )


def _median_quantile(q: np.ndarray, quantiles: Sequence[float]) -> np.ndarray:
    from forecaster.models.heads import middle_index

    return q[..., middle_index(quantiles)].astype(np.float32)


def _hash_series(series: SeriesData) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps(list(series.columns)).encode())
    digest.update(np.ascontiguousarray(series.values).tobytes())
    if series.dates is not None:
        digest.update(series.dates.asi8.tobytes())
    return "sha256:" + digest.hexdigest()

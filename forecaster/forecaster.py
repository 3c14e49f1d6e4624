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

The methods orchestrate; the work is done in ``training.selection`` (seasons,
input width, splits, skip), ``training.members`` (network and refit),
``training.choice`` (network vs baselines, conformal intervals), ``inputs``
(statics, new data, windows), ``prediction`` (the forecast frame),
``scoring`` (metrics, backtest) and ``figures`` (the ``plot_*`` figures).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecaster.config import validate_params
from forecaster.data.calendar import series_holidays, with_calendar
from forecaster.data.io import SeriesData, load_series
from forecaster.data.scaling import Scaler, fit_scaler
from forecaster.data.seasons import primary_season
from forecaster.data.segments import cut_series, hash_series, keep_segments, segment_arrays
from forecaster.data.split import Split
from forecaster.errors import ForecasterError
from forecaster.estimator import Estimator
from forecaster.scoring import safe_mase_scale
from forecaster.training.selection import (
    choose_input_width,
    choose_seasons,
    choose_skip,
    plan_splits,
    trainable_segments,
)

logger = logging.getLogger(__name__)



class Forecaster(Estimator):
    """Recurrent (SimpleRNN / LSTM / GRU) multi-step forecaster with a scikit-learn-like API.

    Args:
        cell: recurrent cell, ``"rnn"``, ``"lstm"`` or ``"gru"``.
        units: units per recurrent layer, e.g. ``(64, 64)``.
        input_width: rows of history per forecast; ``None`` picks at least two
            seasons of the detected frequency (and at least ``2 * horizon``;
            for a panel, ``id_col``, at least one ``horizon``).
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
        batch_size: windows per batch; ``"auto"`` takes a quarter of the
            training windows within [16, 64], so a short series still gets
            several optimizer steps per epoch (``batch_size_`` after fit).
        windows_per_epoch: training windows sampled per epoch (the validation ones never are):
            ``None`` every window, an int, or ``"auto"`` (every window up to 4,096, else sweeps
            split into sampled epochs of at most 2,048); patience and ``epochs`` are rescaled
            to count windows seen, not epochs (``windows_per_epoch_`` after fit). Off by
            default: on a synthetic hourly year it did not speed the fit up (docs/benchmarks.md).
        val, test: fractions of rows whose targets form the validation and
            test parts. When the validation part has fewer than 8 windows, it
            is folded into training, and the number of epochs (at most
            ``epochs``) is chosen by validating at 4 rolling origins at the
            end of the training rows.
        fill: NaN and missing-timestamp handling of the loader: ``"none"``
            (error), ``"ffill"``, ``"interpolate"`` (see ``forecaster.data.io``).
        sep, decimal, dayfirst: how CSV files are read (``None``: detected,
            with an error when the file leaves it ambiguous); see ``load_series``.
        calendar: add future-known calendar covariates of the *next* row to
            every row (sin / cos of hour of day below a daily step, day of
            week up to a daily step, day of year below a yearly one), so the
            window's last row carries the calendar of the first forecast step.
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
        holidays: days a business-day (``'B'``) series' future skips:
            ``"infer"`` (the weekdays its history skips every year, see
            ``forecaster.data.holidays``), ``"none"`` or a calendar name
            (``"USFederalHolidayCalendar"``, ``"XNYS"`` with the ``holidays`` extra).
        label: the series name on plots (default: the target column).
        tensorboard: directory for Keras TensorBoard logs (one sub-directory per fit).
        model: ``"auto"``: after training, compare the network's MAE on the
            validation windows (or the rolling-origin folds) with the
            window baselines (last value, window mean, seasonal naive at each
            kept season); if a baseline is better, forecast with it (point
            head) and say so in ``choice_``. ``"network"``: always the network.
        intervals: levels of the conformal intervals (per horizon step,
            calibrated on the same out-of-sample windows), e.g. ``(0.8, 0.95)``;
            ``()`` for none. ``predict`` adds ``<target>_lower_80`` / ``_upper_80``.
        seasons: season lengths to use instead of detecting them from the
            training rows (``None``: the candidates of the frequency that the
            data supports, see ``forecaster.data.seasons``).
        static: static covariates of a panel: columns constant within each
            series (e.g. region, size), encoded once per series
            (``forecaster.data.statics``) and fed as constant input columns.
            Needs ``id_col``.
        id_embedding: add a one-hot of the series id as a static input, so the
            first layer learns one vector per series. Needs ``id_col``.
        refit: after the held-out metrics (computed by the model that never
            saw the test part), retrain on every row of each series for the
            epoch budget the first fit found, and forecast/save/export with
            that model (``refit_``); scalers stay those of the training part.
            ``False`` forecasts with the held-out model. On the accuracy
            benchmark's 8 short series the refit lowered the geometric-mean
            MSE by ~7 % (wins: trends, long cycles; losses: uschange, Airline).

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
        batch_size: int | str = "auto",
        windows_per_epoch: int | str | None = None,
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
        holidays: str = "infer",
        label: str | None = None,
        tensorboard: str | None = None,
        model: str = "auto",
        intervals: Sequence[float] = (0.8, 0.95),
        seasons: Sequence[int] | None = None,
        static: Sequence[str] | None = None,
        id_embedding: bool = False,
        refit: bool = True,
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
        self.windows_per_epoch = windows_per_epoch
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
        self.holidays = holidays
        self.label = label
        self.tensorboard = tensorboard
        self.model = model
        self.intervals = intervals
        self.seasons = seasons
        self.static = static
        self.id_embedding = id_embedding
        self.refit = refit

    # ------------------------------------------------------------------ config

    def get_config(self) -> dict[str, Any]:
        """JSON-safe constructor arguments (the ``config`` part of forecaster.json)."""
        config = self.get_params()
        for key in ("units", "quantiles", "intervals", "seasons", "static"):
            value = config[key]
            if value is not None:
                config[key] = [value] if isinstance(value, int | float) else list(value)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Forecaster:
        """Rebuild an (unfitted) Forecaster from :meth:`get_config` output."""
        config = dict(config)
        for key in ("units", "quantiles", "intervals", "seasons", "static"):
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
        from forecaster.inputs import fit_static_rows, read_statics

        data, frame = read_statics(self, data, target, features, id_col)  # frame: the table with the static columns
        series = load_series(
            data, target=target, date_col=date_col, features=features, id_col=id_col, fill=self.fill,
            sep=self.sep, decimal=self.decimal, dayfirst=self.dayfirst,
        )
        self.holidays_ = series_holidays(series, self.holidays)
        if self.calendar:
            series = with_calendar(series, holidays=self.holidays_)
        segments = series.segments()
        lengths = [stop - start for _, start, stop in segments]
        seasons = self._choose_seasons(series, segments)
        season = primary_season(seasons)
        input_width, encoder_width = self._choose_input_width(
            seasons, season_length(series.freq), max(lengths), panel=series.id_col is not None
        )
        kept = trainable_segments(segments, input_width + 3 * self.horizon)
        series = keep_segments(series, kept)
        self.statics_, self.static_rows_ = None, {}
        if frame is not None:
            self.statics_, self.static_rows_ = fit_static_rows(self, frame, id_col, {str(sid) for sid, _, _ in kept})
        # too few validation windows: folded into training, the epoch budget from rolling origins
        splits, use_val, folded = plan_splits(
            [stop - start for _, start, stop in series.segments()], input_width, self.horizon, val=self.val, test=self.test
        )

        self.columns_ = series.columns
        self.targets_ = series.targets
        self.date_col_ = series.date_col
        self.id_col_ = series.id_col
        self.freq_ = series.freq
        self.seasons_ = tuple(int(m) for m in seasons)
        self.season_ = int(season)
        self.input_width_ = int(input_width)
        self.encoder_width_ = encoder_width
        self.split_ = splits
        self.data_ = series
        self.data_hash_ = hash_series(series)
        self.last_date_ = None if series.dates is None else str(series.dates[-1])

        parts = segment_arrays(series)
        self.series_ids_ = [sid for sid, _, _ in series.segments()]
        self.scalers_ = [fit_scaler(values[s.train[0] : s.train[1]], self.scaling) for values, s in zip(parts, splits, strict=True)]
        n_targets = len(self.targets_)
        self.mase_scales_ = {
            str(sid): safe_mase_scale(v[s.train[0] : s.train[1], :n_targets], self.season_)
            for sid, v, s in zip(self.series_ids_, parts, splits, strict=True)
        }
        # an explicit skip="seasonal" without a kept season repeats the frequency's natural one
        natural = season_length(series.freq)
        self.skip_season_ = self.season_ if self.season_ > 1 else (natural if natural <= self.input_width_ else 1)
        if self.skip == "auto":
            train_rows = [sc.transform(v[s.train[0] : s.train[1]]) for v, s, sc in zip(parts, splits, self.scalers_, strict=True)]
            chosen = choose_skip(train_rows, n_targets, self.seasons_, self.input_width_, self.horizon)
            self.skip_ = "seasonal" if chosen.startswith("seasonal_") else chosen
            if chosen.startswith("seasonal_"):
                self.skip_season_ = int(chosen.removeprefix("seasonal_"))
        else:
            self.skip_ = self.skip
        fold_models: list = []
        self._train(parts, splits, use_val, folded, fold_models)
        self._choose_and_calibrate(parts, splits, use_val, fold_models)
        self.metrics_ = self._evaluate_parts(parts, [s.test for s in splits], [v[s.train[0] : s.train[1]] for v, s in zip(parts, splits, strict=True)])
        self.refit_ = None
        # the metrics above stay those of the model that never saw the test part; a baseline needs no refit
        if self.refit and (getattr(self, "choice_", None) or {}).get("used", "network") == "network":
            self._refit_all(parts)
        return self

    def _choose_input_width(
        self, seasons: tuple[int, ...], natural: int, longest: int, panel: bool = False
    ) -> tuple[int, int | None]:
        """(input_width, encoder_width) for the kept ``seasons`` (see ``training.selection.choose_input_width``).

        A panel's window spans one horizon, not two (two short seasons still): measured on M3
        monthly (H = 18, docs/benchmarks.md) the 36-row window left the held-out network tied
        with the last value on validation, so ``model="auto"`` fell back to it; 24 rows did not.
        """
        # choose_input_width asks for 2 * horizon rows: half the horizon (rounded up) gives one
        horizon = -(-self.horizon // 2) if panel else self.horizon
        return choose_input_width(
            self.input_width, seasons, natural, longest, horizon=horizon, val=self.val, test=self.test
        )

    def default_input_width(self, series: SeriesData) -> int:
        """The input width ``fit`` would use on ``series`` (for ``forecaster windows``; needs no TensorFlow)."""
        from forecaster.evaluation.baselines import season_length

        segments = series.segments()
        seasons = self._choose_seasons(series, segments)
        longest = max(stop - start for _, start, stop in segments)
        return self._choose_input_width(seasons, season_length(series.freq), longest, panel=series.id_col is not None)[0]

    def _choose_seasons(self, series: SeriesData, segments: list[tuple[Any, int, int]]) -> tuple[int, ...]:
        """The seasons: the user's (checked against the data) or those the training rows support (``training.selection``)."""
        return choose_seasons(series, segments, self.seasons, horizon=self.horizon, val=self.val, test=self.test)

    def _train(
        self, parts: list[np.ndarray], splits: list[Split], use_val: bool, folded: bool, fold_models: list | None = None
    ) -> None:
        """Train the network (``training.members``): writes ``model_``, ``batch_size_``, ``history_``, ``n_epochs_``, ``best_val_loss_``."""
        from forecaster.training.members import train_network

        trained = train_network(self, parts, splits, use_val, folded, fold_models)
        frame = trained.history
        self.batch_size_ = trained.batch_size
        self.windows_per_epoch_ = trained.windows_per_epoch
        self.model_ = trained.model
        self.history_ = frame
        self.n_epochs_ = int(len(frame))
        self.best_val_loss_ = float(frame["val_loss"].min()) if "val_loss" in frame else None
        # the budget a refit on every row trains for: early stopping's best epoch, else the epochs run
        self._budget = int(frame["val_loss"].to_numpy().argmin()) + 1 if "val_loss" in frame else self.n_epochs_

    def _refit_all(self, parts: list[np.ndarray]) -> None:
        """Retrain on every row of each series for the first fit's epoch budget; ``model_`` becomes that model.

        The scalers stay those of the training part, so held-out metrics, the
        conformal calibration (validation residuals) and the export agree.
        """
        from forecaster.training.members import refit_network

        model, rows = refit_network(self, parts, self._budget)
        self.heldout_model_ = self.model_  # the test-part plot stays the held-out model's
        self.model_ = model
        self._predict_fn = None
        self.refit_ = {"rows": rows, "epochs": int(self._budget), "batch_size": int(self.batch_size_),
                       "windows_per_epoch": self.windows_per_epoch_}
        logger.info("refit on all %d rows for %d epochs", self.refit_["rows"], self._budget)

    def _choose_and_calibrate(
        self, parts: list[np.ndarray], splits: list[Split], use_val: bool, fold_models: list
    ) -> None:
        """Network vs window baselines on out-of-sample windows (``choice_``), then conformal ``intervals_``.

        A better baseline (``model="auto"``, point head) becomes ``model_``; see ``training.choice``.
        """
        from forecaster.training.choice import choose_and_calibrate

        self.choice_, self.intervals_, baseline = choose_and_calibrate(self, parts, splits, use_val, fold_models)
        if baseline is not None:
            self.model_, self._predict_fn = baseline, None

    def _conformal(
        self, point: np.ndarray, scaler: Scaler, values: np.ndarray, origins: np.ndarray
    ) -> dict[float, dict[str, np.ndarray]]:
        """Conformal bounds around raw point forecasts ``[n, H, T]`` from ``origins`` of ``values`` (``{}`` without calibration)."""
        from forecaster.training.choice import conformal

        return conformal(self, point, scaler, values, origins)

    # ---------------------------------------------------------------- inference

    def _predict_scaled(self, x: np.ndarray) -> np.ndarray:
        """Model output for scaled windows ``[n, input_width, n_features]`` (scaled space)."""
        import tensorflow as tf

        def make() -> Any:
            model = self.model_
            spec = tf.TensorSpec([None, self.input_width_, self._n_inputs()], tf.float32)
            # XLA makes one small forecast ~10x faster on CPU; on a GPU keep the cuDNN kernels.
            jit = self.jit_compile if isinstance(self.jit_compile, bool) else not tf.config.list_physical_devices("GPU")
            return tf.function(lambda t: model(t, training=False), input_signature=[spec], jit_compile=jit)

        predict_fn = self._compiled_predict(make)
        outputs = [predict_fn(tf.constant(x[i : i + 4096], tf.float32)).numpy() for i in range(0, len(x), 4096)]
        return np.concatenate(outputs) if outputs else np.zeros((0,))

    def _to_raw(self, output: np.ndarray, scaler: Scaler) -> dict[str, np.ndarray]:
        """Scaled head output -> raw ``mean`` [n,H,T] (and ``quantiles`` / ``std``); see ``prediction.to_raw``."""
        from forecaster.prediction import to_raw

        return to_raw(self, output, scaler)

    def _n_inputs(self) -> int:
        """Model input columns: the scaled dynamic columns, then the encoded static ones."""
        statics = getattr(self, "statics_", None)
        return len(self.columns_) + (statics.n_features if statics is not None else 0)

    def _with_statics(self, scaled: np.ndarray, series_id: Any) -> np.ndarray:
        """Scaled rows with the series' encoded static row appended (see ``forecaster.inputs``)."""
        from forecaster.inputs import with_statics

        return with_statics(self, scaled, series_id)

    def _windows_at(self, values: np.ndarray, origins: np.ndarray, scaler: Scaler, series_id: Any = None) -> np.ndarray:
        """Scaled model inputs ``[n, input_width, n_inputs]`` ending before each origin of raw ``values``."""
        from forecaster.inputs import windows_at

        return windows_at(self, values, origins, scaler, series_id)

    def _load_like_fit(self, data: Any) -> SeriesData:
        """``data`` loaded like the fit data; keeps the static rows of its unseen series (a cache, not fitted state)."""
        from forecaster.inputs import load_like_fit

        series, new_statics = load_like_fit(self, data)
        if new_statics is not None:
            self._new_statics = new_statics
        return series

    def _scaler_for(self, series_id: Any, values: np.ndarray | None = None) -> Scaler:
        return self._scaler_seen(series_id, values)[0]

    def _scaler_seen(self, series_id: Any, values: np.ndarray | None = None) -> tuple[Scaler, bool]:
        """``(scaler, seen)``: the fit scaler of a series, else one from its own rows ``values`` (a new series)."""
        if self.id_col_ is None:
            return self.scalers_[0], True
        from forecaster.data.panel import scaler_for_series

        index = getattr(self, "_scaler_index", None)
        if index is None or index[0] is not self.scalers_:  # one dict per fit: no per-series scan
            index = (self.scalers_, {str(s): sc for s, sc in zip(self.series_ids_, self.scalers_, strict=True)})
            self._scaler_index = index
        if values is None and str(series_id) not in index[1]:
            raise ForecasterError(f"series {series_id!r} was not seen at fit; pass its rows so it can be scaled.")
        return scaler_for_series(series_id, values, index[1], self.input_width_, self.scaling)

    def predict(
        self, data: str | os.PathLike | pd.DataFrame | None = None, as_of: Any = None
    ) -> pd.DataFrame:
        """Forecast the ``horizon`` rows after the last row of ``data`` (default: the fit data).

        ``as_of``: a date; forecast from the last row at or before it instead
        (the same as cutting the data after that row).

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
        if as_of is not None:
            series = cut_series(series, self._as_of_rows(series, as_of))
        return self._predict_series(series)

    def _as_of_rows(self, series: SeriesData, as_of: Any) -> list[int]:
        """Per segment, how many rows lie at or before ``as_of`` (each at least ``input_width``)."""
        from forecaster.prediction import as_of_rows

        return as_of_rows(self, series, as_of)

    def _predict_series(self, series: SeriesData) -> pd.DataFrame:
        """The forecast frame of ``series`` (see ``forecaster.prediction``)."""
        from forecaster.prediction import predict_series

        return predict_series(self, series)

    def _tail_series(self) -> SeriesData:
        if hasattr(self, "data_"):
            return self.data_
        return self.tail_

    # --------------------------------------------------------------- evaluation

    def evaluate(
        self, data: str | os.PathLike | pd.DataFrame | None = None, as_of: Any = None
    ) -> dict[str, Any]:
        """Raw-scale metrics of the model and the baselines on the same windows.

        With ``data=None``: the test part of the fit data (the windows whose
        targets the model never saw). With ``data``: the windows whose targets
        lie in the last ``test`` fraction of its rows. With ``as_of``: the one
        forecast from the last row at or before that date, scored against the
        ``horizon`` rows that followed it (which must be in the data).

        Returns:
            ``{"model": {metric: value}, "baselines": {name: {metric: value}},
            "per_step": {name: {metric: [per step]}}, "n_windows": int,
            "season": int}``; for several series also ``"per_series"``.

        Writes nothing to ``self``.
        """
        self._check_fitted("evaluate")
        if data is None and as_of is None:
            if not hasattr(self, "metrics_"):
                raise ForecasterError("a loaded Forecaster has no test data; pass data to evaluate(data).")
            return self.metrics_
        # The refit model saw every fit row: score with the model fit before it, whose
        # test part was held out, so evaluate(fit data) repeats fit's honest metrics.
        from forecaster.scoring import evaluate_data

        with self._heldout():
            return evaluate_data(self, data, as_of)

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
            A tidy table, one row per origin and model (``"model"`` and each
            baseline): ``origin`` (the last observed row before the forecast),
            ``origin_date``, ``model``, one column per metric, and ``forecast``
            (the model's first-target forecast, on the ``"model"`` rows). The
            mean over origins per model is in ``table.attrs["summary"]``
            (see ``evaluation.backtest.backtest_summary``).

        Writes nothing to ``self`` (refits happen on clones).
        """
        self._check_fitted("backtest")
        from forecaster.scoring import backtest

        return backtest(self, data, folds, refit)

    def tune(
        self,
        data: str | os.PathLike | pd.DataFrame,
        trials: int = 10,
        target: str | Sequence[str] | None = None,
        date_col: str | None = None,
        features: str | Sequence[str] | None = None,
        id_col: str | None = None,
    ) -> Any:
        """Search cell, units, input width, learning rate, dropout and skip with KerasTuner (see ``forecaster.tuning``).

        This Forecaster's other settings stay fixed; trials are scored on
        validation windows of the training part, never on the test part.
        Returns a ``TuneResult`` (``leaderboard``, ``best_params``,
        ``to_toml(path)``); ``set_params(**result.best_params)`` applies it.
        Writes nothing to ``self``.
        """
        from forecaster.tuning import tune

        return tune(
            data, trials, base=self.get_params(), target=target, date_col=date_col, features=features,
            id_col=id_col, seed=self.seed,
        )

    # -------------------------------------------------------------------- plots

    @contextlib.contextmanager
    def _heldout(self) -> Iterator[None]:
        """Predict with the model that never saw the test part (after ``refit``, the one fit before it)."""
        heldout = getattr(self, "heldout_model_", None)
        if heldout is None:
            yield
            return
        refit, cached = self.model_, self._predict_fn
        self.model_, self._predict_fn = heldout, None
        try:
            yield
        finally:
            self.model_, self._predict_fn = refit, cached

    def plot_forecast(self, series_id: Any = None):
        """Forecast vs actual over the test part (first target; ``series_id``, default the first series) -> Figure."""
        self._check_fitted("plot_forecast")
        if not hasattr(self, "data_"):
            raise ForecasterError("plot_forecast needs the fit data; it is not available on a loaded Forecaster.")
        from forecaster.figures import forecast_figure

        return forecast_figure(self, series_id)

    def plot_panel(self, series_ids: Sequence[Any] | None = None, n: int = 6):
        """Small multiples of the test forecasts of several fit series (default: ``n`` spread over the MASE ranking) -> Figure."""
        self._check_fitted("plot_panel")
        if not hasattr(self, "data_"):
            raise ForecasterError("plot_panel needs the fit data; it is not available on a loaded Forecaster.")
        from forecaster.figures import panel_figure

        return panel_figure(self, series_ids, n)

    def plot_future(self, data: Any = None, label: str | None = None, as_of: Any = None):
        """The recent history, the next ``horizon`` forecast (first target, first series) and its intervals -> Figure."""
        self._check_fitted("plot_future")
        from forecaster.figures import future_figure

        series = self._tail_series() if data is None else self._load_like_fit(data)
        if as_of is not None:
            series = cut_series(series, self._as_of_rows(series, as_of))
        _, start, stop = series.segments()[0]
        frame = self._predict_series(cut_series(series, [stop - start], only_first=True))
        return future_figure(self, series, frame, label)

    def plot_history(self):
        """Training and validation loss per epoch -> Figure."""
        self._check_fitted("plot_history")
        from forecaster.evaluation.plots import plot_history

        return plot_history(self.history_)

    def plot_horizon_error(self, metric: str = "mae"):
        """Test error by horizon step, model vs baselines -> Figure."""
        self._check_fitted("plot_horizon_error")
        from forecaster.figures import horizon_error_figure

        return horizon_error_figure(self, metric)

    # ---------------------------------------------------------------- save/load

    def export(self, path: str | os.PathLike) -> None:
        """Write a TensorFlow SavedModel with raw-unit input and output (scaling inside).

        A panel (``id_col``) gets one SavedModel for all its series: ``serve(window, series_id)``
        looks each series' scaling and static row up in the graph, and ``serve_with_stats``
        serves a series not seen at fit (see ``forecaster.export.export_panel_saved_model``).
        """
        self._check_fitted("export")
        from forecaster.export.fitted import export_forecaster

        export_forecaster(self, path)

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
        ``plots/horizon_error.png``, ``plots/future.png``. An interrupted or failed save leaves
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

"""The ``Forecaster`` estimator: one object from a CSV to a forecast.

A forecast: from the last ``input_width`` observed rows (the lookback), predict the next
``horizon`` rows of the target column(s), all steps at once. The constructor only stores its
arguments; ``fit`` loads, splits chronologically, scales on the training part only, windows,
builds and trains, and writes the learned attributes, which end in ``_`` (``model_``,
``scalers_``, ``columns_``, ``targets_``, ``freq_``, ``season_``, ``input_width_``,
``history_``, ``metrics_`` ...). ``predict`` / ``evaluate`` (raw-scale metrics of the model
and the naive baselines on the same test windows) / ``backtest`` (rolling origins) / ``plot_*``
(matplotlib Figures, never ``plt.show()``) read them and write nothing. ``save`` / ``load``:
a run directory of plain files (JSON, CSV, .keras, SavedModel); no pickle.

The methods orchestrate; the work is done in ``data`` (load, split, scale, window),
``training.selection`` (seasons, input width, splits, skip), ``training.members`` (network
and refit), ``training.choice`` (network vs baselines, conformal intervals), ``fitted`` (the
fitted-state methods the helpers call), ``inputs`` (statics, new data, windows),
``prediction`` (the forecast frame), ``scoring`` (metrics, backtest) and ``figures``
(the ``plot_*`` figures).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecaster.config import validate_params
from forecaster.data.calendar import series_holidays, uses_calendar, with_calendar
from forecaster.data.io import SeriesData, load_series
from forecaster.data.panel import fit_series_scalers, refit_series_scalers
from forecaster.data.seasons import primary_season
from forecaster.data.segments import cut_series, hash_series, keep_segments, segment_arrays
from forecaster.data.split import Split
from forecaster.errors import ForecasterError
from forecaster.estimator import Estimator
from forecaster.fitted import FittedMixin
from forecaster.scoring import safe_mase_scale
from forecaster.training.plans import short_series_plan
from forecaster.training.selection import (
    baseline_may_forecast,
    check_window_scale,
    plan_splits,
    resolve_skip,
    trainable_segments,
    window_plan,
)

logger = logging.getLogger(__name__)


class Forecaster(FittedMixin, Estimator):
    """Recurrent (SimpleRNN / LSTM / GRU) multi-step forecaster with a scikit-learn-like API.

    Args:
        cell: ``"rnn"``, ``"lstm"`` or ``"gru"`` (default: measured best, docs/benchmarks.md "GRU as the default cell").
        units: units per recurrent layer, e.g. ``(64, 64)``.
        input_width: rows of history per forecast; ``None`` picks at least two seasons of the
            detected frequency and at least ``2 * horizon`` (a panel, ``id_col``: one horizon).
        horizon: rows to forecast.
        head: ``"point"``, ``"quantile"`` (intervals from ``quantiles``) or ``"gaussian"``
            (mean and standard deviation).
        quantiles: quantile levels of the quantile head.
        skip: the baseline the network corrects: ``"last"`` (last observed value),
            ``"seasonal"`` (seasonal naive), ``"seasonal_level"`` (seasonal naive moved by the
            last value's change over one season), ``"mean"`` (mean of the input window),
            ``"none"``, or ``"auto"`` (whichever of last, seasonal and mean is best on the
            training part).
        scaling: ``"standard"``, ``"minmax"`` or ``"none"``, fit on each series' training part only.
        dropout: dropout between recurrent layers.
        loss: point-head loss, ``"mae"`` (robust on small data), ``"mse"`` or ``"huber"``.
        optimizer, learning_rate, clipnorm: optimizer settings; clipping by norm guards
            against exploding gradients.
        epochs, patience: budget, and epochs without a 1 % ``val_loss`` gain before stopping; ``"auto"``: 100, fewer on large panels.
        batch_size: windows per batch; ``"auto"``: a quarter of the training windows within
            [16, 64], so a short series still gets several steps per epoch (``batch_size_``).
        windows_per_epoch: training windows sampled per epoch: ``None`` all (default: no speed-up
            measured), an int, or ``"auto"`` (all up to 4,096, else epochs of at most 2,048); patience
            and ``epochs`` then count windows seen (``windows_per_epoch_``).
        val, test: fractions of rows whose targets form the validation and test parts. With
            fewer than 8 validation windows, validation is folded into training and the
            epochs (at most ``epochs``) are chosen at 4 rolling origins at its end.
        fill: NaN and missing-timestamp handling of the loader: ``"none"`` (error),
            ``"ffill"`` or ``"interpolate"`` (see ``forecaster.data.io``).
        sep, decimal, dayfirst: how CSV files are read (``None``: detected, with an error when
            the file leaves it ambiguous); see ``load_series``.
        calendar: add future-known calendar covariates of the *next* row to every row (sin / cos of
            hour of day below a daily step, day of week up to a daily step, day of year below a yearly
            one). ``"auto"`` (default): a single dated series of a step of a day or less with a
            season kept (measured on the accuracy benchmark), not panels; ``True`` / ``False``.
        window_scale: ``True``: the network sees each window's targets divided by their standard
            deviation within the window, and its correction to the skip baseline is multiplied back
            by it (``models.layers.WindowScale``; needs a skip). Off by default: it helped some
            benchmark series and hurt others about as much (docs/benchmarks.md).
        ensemble: number of models (different seeds) whose outputs are averaged.
        seed: random seed (Python, NumPy, Keras); ``None`` for a fresh one.
        deterministic: TensorFlow op determinism (slower; same metrics on CPU).
        strategy: ``None``, ``"mirrored"`` or ``"multiworker"`` (tf.distribute).
        jit_compile: XLA for the train step and prediction: ``"auto"`` (where measured to help:
            ``training.resolve_jit_compile``; on a CPU, a batch size after 100 forecasts of it),
            ``True`` or ``False`` (XLA costs seconds of compilation; ``False`` suits small data).
        verbose: Keras progress output: ``"auto"``, 0, 1 or 2.
        holidays: days a business-day series' future skips: ``"infer"`` (the weekdays its history skips
            every year), ``"none"`` or a calendar name (``"XNYS"`` needs the ``holidays`` extra).
        label: the series name on plots (default: the target column).
        tensorboard: directory for Keras TensorBoard logs (one sub-directory per fit).
        model: ``"auto"``: after training, compare the network's MAE on the validation windows
            (or rolling-origin folds) with a linear autoregression (``models.linear``) and the window
            baselines (``training.choice``); a better one forecasts instead (point head), said in
            ``choice_``. ``"median"`` (default): the per-step median of the network, the linear model
            and the best baseline, unless one is clearly better on validation (a panel falls back to
            ``"auto"``). ``"network"``: always the network. A single series too short for the network
            (``training.plans.short_series_plan``) is forecast by its best window baselines (point head);
            so is a longer one whose baselines over the whole history beat the held-out model on its test windows.
        intervals: levels of the conformal intervals (per horizon step, calibrated on the same
            out-of-sample windows), e.g. ``(0.8, 0.95)``; ``()`` for none. ``predict`` adds
            ``<target>_lower_80`` / ``_upper_80``, calibrated on the test windows too once the
            held-out metrics are taken (``heldout_intervals_``: the calibration they used).
        seasons: season lengths to use instead of detecting them from the training rows
            (``None``: the frequency's candidates the data supports, see ``data.seasons``).
        static: a panel's static covariates: columns constant within each series (e.g.
            region), encoded once per series (``data.statics``) and fed as constant inputs.
            Needs ``id_col``.
        id_embedding: add a one-hot of the series id as a static input (one learned vector
            per series). Needs ``id_col``.
        seasonal_adjustment: ``"auto"``: a dated monthly or quarterly panel's seasonal series are divided by their
            seasonal indices (each series' last 10 seasons) before the global fit, forecasts multiplied back
            (``data.seasonal_adjustment``, ``seasonal_period_``); ``True``: any step with a season; ``False``.
        refit: after the held-out metrics, retrain on every row for the budget the first fit found (a short
            series compares its baselines again on every window) and forecast / save / export with that
            model (``refit_``; scalers stay the training part's). ``False`` keeps the held-out model.

    Example:
        >>> fc = Forecaster(cell="gru", units=(32,), horizon=5, epochs=3)
        >>> fc.get_params()["cell"]
        'gru'
    """

    def __init__(
        self,
        cell: str = "gru",
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
        epochs: int | str = "auto",
        patience: int = 10,
        batch_size: int | str = "auto",
        windows_per_epoch: int | str | None = None,
        val: float = 0.15,
        test: float = 0.15,
        fill: str = "none",
        sep: str | None = None,
        decimal: str | None = None,
        dayfirst: bool | None = None,
        calendar: bool | str = "auto",
        window_scale: bool = False,
        ensemble: int = 1,
        seed: int | None = 0,
        deterministic: bool = False,
        strategy: str | None = None,
        jit_compile: bool | str = "auto",
        verbose: int | str = "auto",
        holidays: str = "infer",
        label: str | None = None,
        tensorboard: str | None = None,
        model: str = "median",
        intervals: Sequence[float] = (0.8, 0.95),
        seasons: Sequence[int] | None = None,
        static: Sequence[str] | None = None,
        id_embedding: bool = False,
        seasonal_adjustment: bool | str = "auto",
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
        self.window_scale = window_scale
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
        self.seasonal_adjustment = seasonal_adjustment
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
            Writes ``model_``, ``scalers_``, ``seasonal_period_``, ``columns_``, ``targets_``, ``date_col_``,
            ``id_col_``, ``freq_``, ``season_``, ``input_width_``, ``skip_``, ``split_``, ``history_``, ``n_epochs_``,
            ``best_val_loss_``, ``metrics_``, ``data_``, ``data_hash_``, ``last_date_``, ``n_series_skipped_``. The
            parameters are checked first; earlier fitted state is dropped only then, and restored if the fit fails.

        Raises:
            ForecasterError: for bad parameters or data.
        """
        with self._fit_context():
            return self._fit(data, target, date_col, features, id_col)

    def _fit(self, data: str | os.PathLike | pd.DataFrame, target: str | Sequence[str] | None, date_col: str | None,
             features: str | Sequence[str] | None, id_col: str | None) -> Forecaster:
        from forecaster.evaluation.baselines import season_length
        from forecaster.inputs import fit_static_rows, read_statics
        from forecaster.scoring import evaluate_parts
        from forecaster.training.choice import (
            calibrate_with_test,
            choose_and_calibrate,
            history_plan_refit,
        )

        data, frame = read_statics(self, data, target, features, id_col)  # frame: the table with the static columns
        series = load_series(
            data, target=target, date_col=date_col, features=features, id_col=id_col, fill=self.fill,
            sep=self.sep, decimal=self.decimal, dayfirst=self.dayfirst,
        )
        self.holidays_ = series_holidays(series, self.holidays)
        seasons, input_width, encoder_width = window_plan(  # from the targets alone
            series, self.seasons, self.input_width, horizon=self.horizon, val=self.val, test=self.test
        )
        short = (short_series_plan([b - a for _, a, b in series.segments()], input_width, self.horizon, season_length(series.freq))
                 if self.input_width is None and baseline_may_forecast(self) else None)
        if short:  # too short for the network: the best window baseline (or the mean of the two best) forecasts
            input_width, seasons, encoder_width = short.input_width, short.seasons, None
        if uses_calendar(self.calendar, series, seasons):
            series = with_calendar(series, holidays=self.holidays_)
        kept = trainable_segments(series.segments(), input_width + (1 if short else 3) * self.horizon)
        series = keep_segments(series, kept)
        self.statics_, self.static_rows_ = None, {}
        if frame is not None:
            self.statics_, self.static_rows_ = fit_static_rows(self, frame, id_col, {str(sid) for sid, _, _ in kept})
        # too few validation windows: folded into training, the epoch budget from rolling origins
        splits, use_val, folded = (short.splits, False, False) if short else plan_splits(
            [stop - start for _, start, stop in series.segments()], input_width, self.horizon, val=self.val, test=self.test
        )

        self.columns_, self.targets_, self.date_col_, self.id_col_ = series.columns, series.targets, series.date_col, series.id_col
        self.freq_, self.seasons_, self.season_ = series.freq, tuple(int(m) for m in seasons), int(primary_season(seasons))
        self.input_width_, self.encoder_width_, self.split_ = int(input_width), encoder_width, splits
        self.data_, self.data_hash_ = series, hash_series(series)
        self.last_date_ = None if series.dates is None else str(series.dates[-1])

        parts = segment_arrays(series)
        train = [v[s.train[0] : s.train[1]] for v, s in zip(parts, splits, strict=True)]  # views
        self.series_ids_ = [sid for sid, _, _ in series.segments()]
        self.scalers_, self.seasonal_period_ = fit_series_scalers(series, train, self.scaling, self.seasonal_adjustment)
        n_targets = len(self.targets_)
        self.mase_scales_ = {str(sid): safe_mase_scale(rows[:, :n_targets], self.season_)
                             for sid, rows in zip(self.series_ids_, train, strict=True)}
        self.skip_, self.skip_season_ = resolve_skip(
            self.skip, [sc.transform(rows) for rows, sc in zip(train, self.scalers_, strict=True)] if self.skip == "auto" else [],
            n_targets, self.seasons_, season=self.season_, natural=season_length(series.freq),
            input_width=self.input_width_, horizon=self.horizon,
        )
        check_window_scale(self.window_scale, self.skip_)
        fold_models: list = []
        self._train(parts, splits, use_val, folded, fold_models, network=short is None)
        # network vs window baselines on out-of-sample windows; a better baseline (point head) becomes model_
        self.choice_, self.intervals_, baseline, scores = choose_and_calibrate(
            self, parts, splits, use_val, fold_models, plan=short)
        if baseline is not None:
            self.model_, self._predict_fn = baseline, None
        self.metrics_ = evaluate_parts(self, parts, [s.test for s in splits], train)
        self.heldout_intervals_ = self.intervals_  # the calibration the held-out metrics used
        if scores is not None and not (short and self.refit):  # after the data: the test windows too (a short series: _refit_all)
            self.intervals_ = calibrate_with_test(self, parts, splits, scores)
        self.refit_ = None
        # the metrics above stay the held-out model's; a short series re-chooses, and so does a longer one whose
        # window-baseline plan beat the held-out model on the test windows; a chosen baseline needs no refit
        plan, test_mae = (None, None) if short or not self.refit else history_plan_refit(self, parts)
        if self.refit and (short or plan or (getattr(self, "choice_", None) or {}).get("used", "network") in ("network", "linear", "median")):
            self._refit_all(parts, short or plan, test_mae)
        return self

    def default_input_width(self, series: SeriesData) -> int:
        """The input width ``fit`` would use on ``series`` (for ``forecaster windows``; needs no TensorFlow)."""
        return window_plan(series, self.seasons, self.input_width, horizon=self.horizon, val=self.val, test=self.test)[1]

    def _train(
        self, parts: list[np.ndarray], splits: list[Split], use_val: bool, folded: bool, fold_models: list | None = None, network: bool = True
    ) -> None:
        """Train the network (``training.members``; none with ``network=False``): writes ``model_``, ``history_`` ..."""
        from forecaster.training.members import Trained, train_network

        trained = train_network(self, parts, splits, use_val, folded, fold_models) if network else Trained.untrained()
        frame = trained.history
        self.batch_size_, self.windows_per_epoch_, self.model_ = trained.batch_size, trained.windows_per_epoch, trained.model
        self.history_, self.n_epochs_ = frame, int(len(frame))
        self.best_val_loss_ = float(frame["val_loss"].min()) if "val_loss" in frame else None
        # the budget a refit on every row trains for: early stopping's best epoch, else the epochs run
        self._budget = int(frame["val_loss"].to_numpy().argmin()) + 1 if "val_loss" in frame else self.n_epochs_

    def _refit_all(self, parts: list[np.ndarray], short: Any = None, test_mae: dict | None = None) -> None:
        """Retrain on every row of each series for the first fit's epoch budget; ``model_`` becomes that model.

        Centre and scale stay the training part's, so held-out metrics, the conformal calibration and the
        export agree; a seasonally adjusted panel's indices come from every row (``heldout_scalers_``: the old).
        A short series (its ``short_series_plan``), or a longer one whose plan beat its held-out model
        (``training.choice.history_plan_refit``), chooses among its baselines again on every window.
        """
        from forecaster.training.choice import choose_on_every_row
        from forecaster.training.members import refit_model

        if short:
            self.heldout_model_, (self.model_, self.refit_, intervals) = self.model_, choose_on_every_row(self, parts, short, test_mae)
            self.input_width_ = short.input_width  # a longer series' plan reads every row (refit_: the held-out width)
            self._predict_fn, self.intervals_ = None, intervals or self.intervals_
            return
        if self.seasonal_period_ is not None:  # the refit's seasonal indices: each series' latest seasons
            self.heldout_scalers_ = self.scalers_
            self.scalers_ = refit_series_scalers(self.data_, parts, self.split_, self.scaling, self.seasonal_period_)
        self.model_, self.refit_, self.heldout_model_ = refit_model(self, parts, self._budget)  # test-part plot: held-out
        self._predict_fn = None
        logger.info("refit on all %d rows (%s)", self.refit_["rows"], self.refit_.get("model") or f"{self._budget} epochs")

    # ---------------------------------------------------------------- inference

    def predict(
        self, data: str | os.PathLike | pd.DataFrame | None = None, as_of: Any = None
    ) -> pd.DataFrame:
        """Forecast the ``horizon`` rows after the last row of ``data`` (default: the fit data).

        ``as_of``: a date; forecast from the last row at or before it instead
        (the same as cutting the data after that row).

        Returns:
            DataFrame with the future dates (named like the date column, or ``step``), one column per target
            in raw units, and interval columns (``<target>_lower_80`` ..., a quantile head's ``<target>_q10``
            ..., a gaussian head's ``_std`` / ``_lower`` / ``_upper``). Long-format data gets its id column first.

        Writes nothing to ``self``.
        """
        self._check_fitted("predict")
        series = self._tail_series() if data is None else self._load_like_fit(data)
        if as_of is not None:
            series = cut_series(series, self._as_of_rows(series, as_of))
        return self._predict_series(series)

    # --------------------------------------------------------------- evaluation

    def evaluate(
        self, data: str | os.PathLike | pd.DataFrame | None = None, as_of: Any = None
    ) -> dict[str, Any]:
        """Raw-scale metrics of the model and the baselines on the same windows.

        With ``data=None``: the test part of the fit data (targets the model never saw). With ``data``:
        the windows whose targets lie in the last ``test`` fraction of its rows (the last ``horizon`` rows
        for a run without a network, as at fit). With ``as_of``: the one
        forecast from the last row at or before that date, scored on the ``horizon`` rows after it.

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

    def plot_forecast(self, series_id: Any = None):
        """Forecast vs actual over the test part (first target; ``series_id``, default the first series) -> Figure."""
        self._check_fitted("plot_forecast")
        from forecaster.figures import forecast_figure

        return forecast_figure(self, series_id)

    def plot_panel(self, series_ids: Sequence[Any] | None = None, n: int = 6):
        """Small multiples of the test forecasts of several fit series (default: ``n`` spread over the MASE ranking) -> Figure."""
        self._check_fitted("plot_panel")
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
        """Training and validation loss per epoch -> Figure (a note instead when no network was trained)."""
        self._check_fitted("plot_history")
        from forecaster.figures import history_figure

        return history_figure(self)

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

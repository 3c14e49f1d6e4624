"""After training: the network or a window baseline (``model="auto"``), and the conformal intervals.

Both are decided on the same out-of-sample windows of a fitted ``Forecaster``
(``fc``): the validation windows, or, when the validation part was folded into
training, the windows after each rolling-origin fold's cut, forecast by that
fold's model.

* :func:`choose_and_calibrate`: the MAE of the network, of the linear model
  (:mod:`forecaster.models.linear`, fit in closed form on the windows before
  them; a single series only) and of each window baseline (last value, window
  mean, seasonal naive at each kept season, and the same moved by the last
  value's change over the season, ``evaluation.baselines.seasonal_level``; a
  single series also Theta, ``models.theta``; a series too short for the network
  also the drift and, with a season, the damped trend less its seasonal pattern,
  ``models.damped``, and its window is its whole history) in
  raw units (a panel: per-series training scale); a series too short for the
  network forecasts with the best baseline, or with the mean of the two best
  (``PAIR``) when that mean has an MAE no higher; ``model="median"`` (a single
  series, point head) forecasts with the per-step median of the network, the
  linear model and the best baseline unless one of them is clearly better on
  validation (``MEDIAN_MARGIN``), ``model="auto"`` with the best of them;
  then the used forecast's residuals calibrate the conformal intervals
  (``evaluation.intervals``).
* :func:`choose_on_every_row`: a short series' choice made again after its held-out metrics,
  on every window through its last row (its refit).
* :func:`history_plan_refit`: whether a longer single series' window-baseline plan beat its
  held-out model on the test windows; then the plan, chosen again on every row, replaces the refit.
* :func:`linear_on`: the linear model fit on given windows (also the refit on every row).
* :func:`calibrate_with_test`: after the held-out metrics, the calibration of the
  forecasts from the end of the data: the validation residuals plus the held-out
  model's residuals on the test windows (more windows, and the most recent ones).
* :func:`conformal`: the bounds around raw point forecasts at prediction time.

The functions read the fitted state of ``fc`` and return what the estimator
stores; none writes to ``fc`` (a plan's comparison sets ``input_width_`` and restores it). TensorFlow / Keras are imported lazily.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from forecaster.data.scaling import Scaler
from forecaster.data.split import Split
from forecaster.data.windowing import count_windows
from forecaster.training.plans import ShortPlan, short_series_final_plan
from forecaster.training.selection import MIN_VAL_WINDOWS, ROLLING_FOLDS, baseline_may_forecast

logger = logging.getLogger(__name__)

__all__ = [
    "baseline_model",
    "calibrate_with_test",
    "calibration_windows",
    "choose_and_calibrate",
    "choose_on_every_row",
    "conformal",
    "fit_intervals",
    "history_plan_refit",
    "linear_on",
    "scores_rows",
    "train_origins",
    "used_label",
    "used_mae",
    "window_outputs",
    "windows_local_scale",
]

# model="median" combines the three unless the best one's validation MAE is below 1 / MEDIAN_MARGIN
# of the second's: then the validation windows tell them apart and the best forecasts alone
MEDIAN_MARGIN = 1.4

# a window-baseline plan compares its candidates on at most this many windows: each reads every row before
# its origin (up to plans.MAX_HISTORY_ROWS), so each costs O(rows) (fewer than 100 on every short benchmark series)
MAX_PLAN_WINDOWS = 128
# the held-out test windows a window-baseline plan is scored on (history_plan_refit), evenly spaced: its
# window is up to 1,000 rows, so every test window of a million-row series would take gigabytes
MAX_TEST_WINDOWS = 1024

PAIR = "mean_of_two"
"""The ``used`` of a series too short for the network forecast by the mean of its two best baselines (``choice["pair"]``)."""

Windows = list[tuple[int, Any, np.ndarray]]  # (series index, model, origins) groups
Scores = tuple[np.ndarray, np.ndarray]  # residuals [n, H, T] and their windows' local scales [n, T]


def calibration_windows(fc: Any, splits: list[Split], use_val: bool, fold_models: list, span: int | None = None) -> Windows:
    """(series index, model, origins) of the out-of-sample windows: validation, else the rolling-origin folds.

    A series too short for the network (no model; ``span`` from ``plans.short_series_plan``)
    has every window before its test part that starts after its first ``span`` rows (a longer
    series' plan, ``plans.history_plan``: ``MAX_PLAN_WINDOWS`` of them, evenly spaced, whose
    origins lie in the plan's window of rows before the test part's).
    """
    from forecaster.models.linear import spaced

    width, horizon = fc.input_width_, fc.horizon
    if span is not None:  # at most MAX_PLAN_WINDOWS of them, evenly spaced from the first to the latest
        origins = [np.arange(max(span, s.train[1] - horizon + 1 - width), s.train[1] - horizon + 1) for s in splits]
        return [(i, None, o[spaced(len(o), MAX_PLAN_WINDOWS)]) for i, o in enumerate(origins)]
    if use_val:
        return _part_windows(fc, splits, "val")
    windows = []
    per_fold = -(-MIN_VAL_WINDOWS // ROLLING_FOLDS)
    for model, tail in fold_models:
        for i, s in enumerate(splits):
            cut = s.train[1] - tail  # first target row of the fold's validation windows
            if cut >= width and count_windows(cut, width, horizon):
                windows.append((i, model, np.arange(cut, cut + per_fold)))
    return windows


def _part_windows(fc: Any, splits: list[Split], part: str) -> Windows:
    """(series index, ``fc.model_``, origins) of each series' windows whose targets lie in ``part`` ("val" or "test")."""
    windows = []
    for i, s in enumerate(splits):
        start, stop = getattr(s, part)
        origins = np.arange(start + fc.input_width_, stop - fc.horizon + 1)
        if origins.size:
            windows.append((i, fc.model_, origins))
    return windows


def window_outputs(fc: Any, parts: list[np.ndarray], windows: Windows) -> list[np.ndarray]:
    """Raw mean forecasts ``[n, H, T]`` of each (series index, model, origins) group; one batched call per model."""
    xs = [None if m is None else fc._windows_at(parts[i], o, fc.scalers_[i], fc.series_ids_[i]) for i, m, o in windows]
    outs: list[Any] = [None] * len(windows)
    for model in {id(m): m for _, m, _ in windows if m is not None}.values():  # one batched call per model, not per series
        picked = [k for k, w in enumerate(windows) if w[1] is model]
        x = np.concatenate([xs[k] for k in picked])
        out = fc._predict_scaled(x) if model is fc.model_ else _predict_with(model, x)
        offsets = np.cumsum([0, *(len(xs[k]) for k in picked)])
        for j, k in enumerate(picked):
            outs[k] = fc._to_raw(out[offsets[j] : offsets[j + 1]], fc.scalers_[windows[k][0]], windows[k][2])["mean"]
    return outs


def windows_local_scale(
    fc: Any, values: np.ndarray, origins: np.ndarray, scaler: Scaler, scale_rows: int | None = None
) -> np.ndarray:
    """``evaluation.intervals.local_scale`` of the input windows ending at ``origins`` of one series
    (of their latest ``scale_rows`` rows, where a window-baseline plan's calibration says so)."""
    from forecaster.evaluation.intervals import local_scale

    n_targets = len(fc.targets_)
    width = fc.input_width_ if scale_rows is None else min(scale_rows, fc.input_width_)
    rows = np.asarray(origins)[:, None] - width + np.arange(width)[None, :]
    inputs = values[np.maximum(rows, 0), :n_targets].astype(np.float64)
    # a short series' compared windows start before its first row (plans.short_series_plan):
    # the rows before it are missing, which local_scale's mean of changes leaves out
    inputs[rows < 0] = np.nan
    # a flat window (e.g. zeros of an intermittent series) would divide by ~0: floor at 1 % of the training spread
    return local_scale(inputs, floor=1e-2 * scaler.scale[:n_targets])


def choose_and_calibrate(
    fc: Any, parts: list[np.ndarray], splits: list[Split], use_val: bool, fold_models: list, plan: ShortPlan | None = None,
) -> tuple[dict | None, dict | None, Any, Scores | None]:
    """Network vs window baselines on out-of-sample windows, then the conformal calibration.

    Without a network (``plan``: a short series', ``plans.short_series_plan``, or a longer
    one's window-baseline plan, ``plans.history_plan``) the window is the whole history
    before each origin, up to ``fc.input_width_`` rows: the drift is the line through all of it, Theta
    (:mod:`forecaster.models.theta`, a candidate of every single series) smooths all of it,
    the window mean reads the last ``plan.span`` rows, the seasonal candidates repeat
    ``plan.seasons`` and the scores are scaled by the latest ``plan.scale_rows`` rows.

    Returns:
        ``(choice, intervals, baseline, scores)``: the ``choice_`` dict, the calibration of
        the held-out metrics, the Keras baseline model that replaces the network (``None``
        when the network stays), and the used forecast's (residuals, local scales) that
        :func:`calibrate_with_test` extends.
    """
    from forecaster.evaluation import baselines as bl
    from forecaster.evaluation.intervals import check_levels
    from forecaster.models.damped import damped_forecasts, damped_model
    from forecaster.models.theta import fit_alphas, theta_forecasts, theta_model

    n_targets, width, horizon = len(fc.targets_), fc.input_width_, fc.horizon
    short = plan is not None  # no network (plans.short_series_plan, history_plan)
    span, seasons, scale_rows = (plan.span, plan.seasons, plan.scale_rows) if short else (None, fc.seasons_, None)
    levels = check_levels(fc.intervals) if len(fc.intervals) else ()
    windows = calibration_windows(fc, splits, use_val, fold_models, span)
    if not windows:
        if levels:
            warnings.warn("no validation windows: the conformal intervals are left out (use val > 0).", stacklevel=4)
        return None, None, None, None
    rows = span or width  # the rows the window mean reads
    candidates = {"last": ("last", None)}
    # a short yearly series trends: its window mean lagged and lost to the drift (benchmarks/short_series.py)
    if not short or bl.season_length(fc.freq_) > 1:
        candidates["mean"] = ("mean", None if rows == width else rows)
    if short:  # the line through a short series' whole history (its window)
        candidates["drift"] = ("drift", None)
    if len(parts) == 1:  # Theta over the window (models.theta); a panel's one model has no weight per series
        candidates["theta"] = ("theta", 1)  # m: the season it adjusts for (1: none)
    if short:  # and less its seasonal pattern, which a short series' few windows cannot learn otherwise
        candidates.update({f"seasonal_theta_{m}": ("theta", m) for m in seasons if 1 < m <= width})
        # a damped trend less the same pattern (models.damped); without a season it lost (docs/benchmarks.md)
        candidates.update({f"seasonal_damped_{m}": ("damped", m) for m in seasons if 1 < m <= width})
    candidates.update({f"seasonal_naive_{m}": ("seasonal", m) for m in seasons if 1 < m <= width})
    # the moved season reads the row one season before the last: m < width. A short series' few windows
    # picked it by chance and it lost to the last value on M3's short quarterly series (benchmarks/short_series.py)
    if not short:
        candidates.update({f"seasonal_level_{m}": ("seasonal_level", m) for m in seasons if 1 < m < width})
    actual, scale, local, preds = [], [], [], {"network": [], **{name: [] for name in candidates}}
    for (i, _, origins), out in zip(windows, window_outputs(fc, parts, windows), strict=True):
        values, scaler = parts[i], fc.scalers_[i]
        targets = values[:, :n_targets]
        if out is not None:
            preds["network"].append(out)
        for name, (mode, m) in candidates.items():
            if mode == "last":
                base = bl.naive(targets, origins, horizon)
            elif mode == "mean":
                base = np.repeat(np.stack([targets[o - rows : o].mean(axis=0) for o in origins])[:, None], horizon, axis=1)
            elif mode == "drift":  # every row before the origin, at most width (plans.history_plan)
                base = bl.drift(targets, origins, horizon, window=width)
            elif mode == "theta":
                base = theta_forecasts(targets, origins, horizon, None if short else width, m, longest=width)
            elif mode == "damped":  # a short series only: the history before each origin, at most width rows
                base = damped_forecasts(targets, origins, horizon, m, longest=width)
            else:
                base = (bl.seasonal_naive if mode == "seasonal" else bl.seasonal_level)(targets, origins, horizon, m)
            preds[name].append(base)
        actual.append(_actuals(targets, origins, horizon))
        # panels compare in units of each series' training spread
        spread = scaler.scale[:n_targets] if len(parts) > 1 else np.ones(n_targets)
        scale.append(np.repeat(spread[None], len(origins), axis=0))
        local.append(windows_local_scale(fc, values, origins, scaler, scale_rows))
    auto = baseline_may_forecast(fc)
    # one series only: on M3 monthly the pooled linear model won validation but lost the final rows
    # to the global network (mean MASE 1.011 vs 0.943-0.956, docs/benchmarks.md)
    linear = _linear_candidate(fc, parts, splits, windows) if auto and len(parts) == 1 and not short else None
    if linear is not None:
        preds["linear"] = linear[1]
    y, s = np.concatenate(actual), np.concatenate(scale)

    def mae(forecasts: list[np.ndarray]) -> float:
        return float(np.mean(np.abs(y - np.concatenate(forecasts)) / s[:, None, :]))

    maes = {name: mae(p) for name, p in preds.items() if p}
    best = min(candidates, key=maes.__getitem__)
    used, baseline = "network", None
    pair: list[str] = []
    if short:  # no network: the best baseline forecasts, or the mean of the two
        used = best  # best when it does as well on the windows (1,807 short series: MASE 1.779 -> 1.765, docs/benchmarks.md)
        pair = sorted(candidates, key=maes.__getitem__)[:2]
        if len(pair) == 2:
            preds[PAIR] = [(a + b) / 2 for a, b in zip(preds[pair[0]], preds[pair[1]], strict=True)]
            maes[PAIR] = mae(preds[PAIR])
            used = PAIR if maes[PAIR] <= maes[best] else best  # a tie: two equally good forecasts, averaged
    elif auto:  # ties keep the network, then the linear model
        used = min(("network", *(["linear"] if linear is not None else []), best), key=maes.__getitem__)
    if fc.model == "median" and linear is not None:
        # when the validation windows barely rank the three, the pick is luck and their per-step median
        # forecasts better; a clear winner keeps the pick (61 benchmark series-origins, docs/benchmarks.md)
        trios = zip(preds["network"], preds["linear"], preds[best], strict=True)
        preds["median"] = [np.median(np.stack(trio), axis=0) for trio in trios]
        maes["median"] = mae(preds["median"])
        first, second = sorted((maes["network"], maes["linear"], maes[best]))[:2]
        if second <= MEDIAN_MARGIN * first:
            used = "median"
    if used in ("linear", "median"):
        linear_fit = linear[0] if use_val else linear_on(fc, parts, train_origins(fc, splits))

    def candidate_model(name: str) -> Any:
        mode, m = candidates[name]
        # Theta's and the damped trend's smoothing from the training part (the comparison's: before each origin);
        # a plan's from its latest window and horizon: every row but a longer series' older ones
        train_rows = parts[0][splits[0].train[0] : splits[0].train[1], :n_targets]
        train_rows = train_rows[-(width + horizon) :] if short else train_rows
        if mode == "theta":
            return theta_model(width, fc._n_inputs(), horizon, fit_alphas(train_rows, m), m)
        if mode == "damped":
            return damped_model(width, fc._n_inputs(), horizon, train_rows, m)
        return baseline_model(width, fc._n_inputs(), horizon, n_targets, mode, m)

    if used == "linear":
        baseline = linear_fit
    elif used == PAIR:
        from forecaster.models.factory import average_models

        baseline = average_models([candidate_model(name) for name in pair], name=PAIR)
    elif used != "network":
        baseline = candidate_model(best)
        if used == "median":
            from forecaster.models.factory import median_models

            baseline = median_models([fc.model_, linear_fit, baseline])
    choice = {
        "used": used,
        "network_val_mae": maes.get("network"),
        "baseline": best,
        "baseline_val_mae": maes[best],
        "linear_val_mae": maes.get("linear"),
        "median_val_mae": maes.get("median"),
        "windows": int(len(y)),
        "units": "raw" if len(parts) == 1 else "per-series training scale",
    }
    if used == PAIR:
        choice.update(pair=pair, pair_val_mae=maes[PAIR])
    if used == "median":
        logger.info("model='median': the per-step median of the network, the linear model and %s", best)
    elif "network" not in maes:
        logger.info("window baselines over the history: %s is the best (MAE %.4g on %d windows up to row %d)", used_label(choice), maes[used],
                    len(y), splits[0].train[1])
    elif used != "network":
        logger.info("model='auto': %s beats the network on validation (MAE %.4g vs %.4g)", used, maes[used], maes["network"])
    intervals, scores = None, None
    if levels and len(y) >= 2:
        # the used forecast's residuals, each divided by its window's local scale (see evaluation.intervals)
        scores = (y - np.concatenate(preds[used]), np.concatenate(local))
        intervals = fit_intervals(fc.intervals, *scores, scale_rows)
    return choice, intervals, baseline, scores


def choose_on_every_row(
    fc: Any, parts: list[np.ndarray], short: ShortPlan, test_mae: dict[str, float] | None = None
) -> tuple[Any, dict[str, Any], dict | None]:
    """``(model, refit_, intervals)`` of a short series after its held-out metrics: its baselines compared again
    on every window through the last row (``plans.short_series_final_plan`` of its plan ``short``), the
    forecast they choose, and its calibration on those windows' residuals. ``test_mae``: a longer series'
    plan (:func:`history_plan_refit`), whose held-out model had a window of ``fc.input_width_`` rows.

    Like a network's refit it sees the test part, so the held-out metrics stay those of the first choice.
    """
    from forecaster.evaluation.baselines import season_length

    plan = short_series_final_plan(short, season_length(fc.freq_))
    with _input_width(fc, plan.input_width):
        choice, intervals, baseline, _ = choose_and_calibrate(fc, parts, plan.splits, False, [], plan=plan)
    refit = {"rows": int(plan.splits[0].train[1]), "model": "window baselines", "choice": choice}
    if test_mae is not None:  # a longer series' plan (history_plan_refit): why it replaced the held-out model
        refit.update(test_mae=test_mae, heldout_input_width=int(fc.input_width_))
    return baseline, refit, intervals


@contextlib.contextmanager
def _input_width(fc: Any, width: int) -> Iterator[None]:
    """``fc.input_width_`` set to ``width`` for a window-baseline plan's comparison, then restored."""
    held, fc.input_width_ = fc.input_width_, width
    try:
        yield
    finally:
        fc.input_width_ = held


def history_plan_refit(fc: Any, parts: list[np.ndarray]) -> tuple[ShortPlan | None, dict[str, float] | None]:
    """After the held-out metrics of a single series fit with a network: the window-baseline plan of its
    history (``plans.history_plan``: up to its latest ``MAX_HISTORY_ROWS`` rows) and the plan's and
    the held-out model's MAE on the held-out model's test windows (at most ``MAX_TEST_WINDOWS``,
    evenly spaced), when the plan's is lower; else ``(None, None)``.

    The plan's candidates are chosen on the windows before the first test window, each forecast
    from every row before its origin, as for a series too short for the network. It wins where the
    network adds nothing that the history's trend, Theta or damped trend lacks (a smooth trend, a
    long stable season) and loses where the network learns a multiplicative season or a cycle: on
    the accuracy series, and on longer M1/M3/tourism series (docs/benchmarks.md, "The
    window-baseline plan against the network on the held-out test windows"). The comparison is on
    windows after the choice and the network's early stopping, and before the refit on every row,
    as the held-out metrics are.
    """
    from forecaster.evaluation.baselines import season_length
    from forecaster.models.linear import spaced
    from forecaster.training.plans import history_plan

    split, width, horizon = fc.split_[0], fc.input_width_, fc.horizon
    n = split.test[1]
    if len(parts) != 1 or fc.input_width is not None or not baseline_may_forecast(fc):
        return None, None
    origins = np.arange(split.test[0] + width, n - horizon + 1)
    natural = season_length(fc.freq_)
    plan = history_plan(n, int(origins[0]), width, horizon, natural) if origins.size else None
    if plan is None:
        return None, None
    compared = origins[spaced(len(origins), MAX_TEST_WINDOWS)]  # every test window up to the bound
    with _input_width(fc, plan.input_width):  # the plan's window: the rows before the first test window
        _, _, plan_model, _ = choose_and_calibrate(fc, parts, plan.splits, False, [], plan=plan)
        plan_out = window_outputs(fc, parts, [(0, plan_model, compared)])[0]
    actual = _actuals(parts[0][:, : len(fc.targets_)], compared, horizon)
    # on every test window the held-out model's MAE is its test metric (scoring.evaluate_parts, the same origins)
    heldout = (fc.metrics_["model"]["mae"] if len(compared) == len(origins)
               else np.mean(np.abs(actual - window_outputs(fc, parts, [(0, fc.model_, compared)])[0])))
    test_mae = {"heldout": float(heldout), "plan": float(np.mean(np.abs(actual - plan_out)))}
    logger.info("test-window MAE: held-out model %.4g, window-baseline plan %.4g", test_mae["heldout"], test_mae["plan"])
    if not test_mae["plan"] < test_mae["heldout"]:
        return None, None
    return history_plan(n, n - horizon, width, horizon, natural), test_mae


def used_label(choice: dict[str, Any]) -> str:
    """What forecasts, in words: the ``used`` of ``choice``, or the two baselines whose mean it is."""
    if choice["used"] == PAIR:
        return "the mean of {} and {}".format(*choice["pair"])
    return choice["used"]


def used_mae(choice: dict[str, Any]) -> float:
    """The compared windows' MAE of what forecasts without a network: the pair's mean, else the best baseline."""
    return choice.get("pair_val_mae", choice["baseline_val_mae"])  # a pair's MAE may be 0.0


def train_origins(fc: Any, splits: list[Split], cuts: dict[int, int] | None = None) -> dict[int, np.ndarray]:
    """Origins of each series' windows from its training start whose targets end before its cut
    (default: the end of its training part; the linear model's fits)."""
    width, horizon = fc.input_width_, fc.horizon
    origins = {}
    for i, s in enumerate(splits):
        stop = s.train[1] if cuts is None else cuts.get(i, -1)
        if stop - horizon + 1 > s.train[0] + width:
            origins[i] = np.arange(s.train[0] + width, stop - horizon + 1)
    return origins


def linear_on(fc: Any, parts: list[np.ndarray], origins: dict[int, np.ndarray]) -> Any:
    """The linear model (:mod:`forecaster.models.linear`) fit on the windows at ``origins`` of each series ``parts[i]``."""
    from forecaster.data.calendar import CALENDAR_COLUMNS
    from forecaster.models.linear import fit_linear, linear_model, max_windows, spaced

    n_targets, horizon, n_inputs = len(fc.targets_), fc.horizon, fc._n_inputs()
    # covariates and static inputs, not the calendar: on a few weeks of rows the day of year is a trend
    last = [k for k in range(n_targets, n_inputs) if k >= len(fc.columns_) or fc.columns_[k] not in CALENDAR_COLUMNS]
    # a long series or a large panel: evenly spaced windows, so the fit's memory stays bounded
    counts = np.cumsum([0, *(len(o) for o in origins.values())])
    picked = spaced(int(counts[-1]), max_windows(fc.input_width_, n_targets, len(last)))
    origins = {i: o[picked[(picked >= a) & (picked < b)] - a] for (i, o), a, b in zip(origins.items(), counts[:-1], counts[1:], strict=True)}
    origins = {i: o for i, o in origins.items() if o.size}
    x = np.concatenate([fc._windows_at(parts[i], o, fc.scalers_[i], fc.series_ids_[i]) for i, o in origins.items()])
    y = np.concatenate(
        [_actuals(fc.scalers_[i].transform(parts[i])[:, :n_targets], o, horizon) for i, o in origins.items()]
    )
    return linear_model(fc.input_width_, x.shape[2], horizon, n_targets, *fit_linear(x, y, last), last_indices=last)


def _linear_candidate(fc: Any, parts: list[np.ndarray], splits: list[Split], windows: Windows) -> tuple[Any, list] | None:
    """``(model, forecasts)``: the linear model fit on the windows before the calibration windows, and its
    raw forecasts of them; one fit per network that forecasts them (each rolling-origin fold has its own)."""
    fitted: dict[int, Any] = {}
    for model in {id(m): m for _, m, _ in windows}.values():
        cuts = {i: int(o[0]) for i, m, o in windows if m is model}  # the first target row after the fit's windows
        origins = train_origins(fc, splits, cuts)
        if not origins:
            return None
        fitted[id(model)] = linear_on(fc, parts, origins)
    outputs = window_outputs(fc, parts, [(i, fitted[id(m)], o) for i, m, o in windows])
    return fitted.get(id(fc.model_)), outputs


def calibrate_with_test(fc: Any, parts: list[np.ndarray], splits: list[Split], scores: Scores) -> dict[str, Any]:
    """The calibration of forecasts after the data: ``scores`` plus the residuals of ``fc.model_`` on the test windows.

    Call it after the held-out metrics, with the held-out model (or the chosen baseline) as
    ``model_``: the test windows are out of sample for it, as the validation ones are, and they
    are the latest, so the final intervals follow the latest errors. On the accuracy benchmark
    (14 series, seeds 0 and 1) the last ``H`` rows were covered more often than with the
    validation windows alone (docs/benchmarks.md, "Intervals calibrated on validation and test").
    """
    horizon, n_targets = fc.horizon, len(fc.targets_)
    windows = _part_windows(fc, splits, "test")
    residuals, local, scale_rows = [scores[0]], [scores[1]], scores_rows(fc.intervals_)
    for (i, _, origins), out in zip(windows, window_outputs(fc, parts, windows), strict=True):
        residuals.append(_actuals(parts[i][:, :n_targets], origins, horizon) - out)
        local.append(windows_local_scale(fc, parts[i], origins, fc.scalers_[i], scale_rows))
    return fit_intervals(fc.intervals, np.concatenate(residuals), np.concatenate(local), scale_rows)


def _actuals(targets: np.ndarray, origins: np.ndarray, horizon: int) -> np.ndarray:
    """The ``horizon`` target rows from each origin, ``[n, H, T]``."""
    return np.stack([targets[o : o + horizon] for o in origins])


def fit_intervals(levels: Any, residuals: np.ndarray, local: np.ndarray, scale_rows: int | None = None) -> dict[str, Any]:
    """The conformal calibration of ``levels`` from residuals ``[n, H, T]`` scored in units of ``local`` ``[n, T]``,
    the local scales of each window's latest ``scale_rows`` rows (``None``: all of them; recorded as ``"scale_rows"``)."""
    from forecaster.evaluation.intervals import LOCAL_SCALE, check_levels, fit_conformal

    calibration = fit_conformal(residuals, check_levels(levels), scale=local)
    calibration["score_scale"] = LOCAL_SCALE
    if scale_rows is not None:
        calibration["scale_rows"] = int(scale_rows)
    return calibration


def scores_rows(calibration: dict[str, Any] | None) -> int | None:
    """The latest rows of a window whose local scale a calibration's scores are in (``None``: the whole window)."""
    return (calibration or {}).get("scale_rows")


def conformal(
    fc: Any, point: np.ndarray, scaler: Scaler, values: np.ndarray, origins: np.ndarray
) -> dict[float, dict[str, np.ndarray]]:
    """Conformal bounds around raw point forecasts ``[n, H, T]`` from ``origins`` of ``values`` (``{}`` without calibration)."""
    calibration = getattr(fc, "intervals_", None)
    if not calibration:
        return {}
    from forecaster.evaluation.intervals import LOCAL_SCALE, apply_conformal

    scale = None
    if calibration.get("score_scale") == LOCAL_SCALE:
        scale = windows_local_scale(fc, values, np.asarray(origins), scaler, scores_rows(calibration))
    elif calibration["scaled"]:  # runs written before the local scale: the series' training spread
        scale = np.repeat(scaler.scale[: len(fc.targets_)][None], len(point), axis=0)
    return apply_conformal(point, calibration, scale=scale)


def _predict_with(model: Any, x: np.ndarray) -> np.ndarray:
    """Outputs of a Keras model that is not the fitted one (a rolling-origin fold's)."""
    outputs = [np.asarray(model(x[i : i + 4096].astype(np.float32), training=False)) for i in range(0, len(x), 4096)]
    return np.concatenate(outputs)


def baseline_model(width: int, n_features: int, horizon: int, n_targets: int, mode: str, m: int | None) -> Any:
    """A Keras model window -> baseline forecast, so predict, save/load and export work as for the network.

    ``m``: the season of a seasonal mode; for ``mode="mean"``, the last rows it averages (``None``: all).
    """
    import keras

    from forecaster.models.factory import SkipBaseline

    inputs = keras.Input((width, n_features), name="window")
    x = inputs
    if mode == "mean" and m is not None:  # a short series' window mean (plans.short_series_plan)
        x, m = keras.layers.Cropping1D((width - m, 0), name="mean_rows")(inputs), None
    outputs = SkipBaseline(mode, horizon, list(range(n_targets)), m, name="skip_baseline")(x)
    return keras.Model(inputs, outputs, name=f"baseline_{mode}" + (f"_{m}" if m else ""))

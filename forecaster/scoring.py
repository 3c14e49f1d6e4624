"""Raw-scale scoring of a fitted ``Forecaster``: test metrics, backtests and the data of its plots.

``Forecaster.evaluate``, ``backtest`` and ``plot_forecast`` delegate here, so the
estimator only orchestrates. Every function reads the fitted state of ``fc``
and writes nothing to it; metrics are computed on raw (unscaled) values with
the baselines on the same windows.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from forecaster.data.calendar import CALENDAR_COLUMNS
from forecaster.data.io import SeriesData
from forecaster.data.segments import segment_arrays
from forecaster.errors import ForecasterError

__all__ = [
    "Z80",
    "backtest",
    "evaluate_data",
    "evaluate_parts",
    "mase_scale_for",
    "refit_clone",
    "safe_mase_scale",
    "test_chunks",
]

Z80 = 1.2815515655446004  # N(0, 1) quantile of 0.9: an 80% central interval


def evaluate_parts(
    fc: Any,
    parts: list[np.ndarray],
    tests: list[tuple[int, int]],
    insamples: list[np.ndarray],
    series: SeriesData | None = None,
) -> dict[str, Any]:
    """The metrics dict of ``Forecaster.evaluate`` for the windows whose targets lie in ``tests``.

    ``parts`` are the raw rows of each series (``series`` defaults to the fit
    data), ``tests`` the (start, stop) rows of each test part and ``insamples``
    the rows MASE scales by.
    """
    from forecaster.evaluation.baselines import baseline_forecasts, best_baseline
    from forecaster.evaluation.intervals import interval_metrics
    from forecaster.evaluation.metrics import compute_metrics, metrics_by_step

    series = series or fc.data_
    n_targets = len(fc.targets_)
    per_series, pooled = {}, {"model": ([], [])}
    bounds: dict[float, dict[str, list]] = {}
    seen_by: dict[str, bool] = {}
    n_by: dict[str, int] = {}
    step_mase: dict[str, list[np.ndarray]] = {}  # per series: mean |error| by step / its MASE scale
    plans, first_phases = [], fc._first_phases(series)
    for (sid, first, _), values, (start, stop), insample in zip(series.segments(), parts, tests, insamples, strict=True):
        origins = np.arange(start + fc.input_width_, stop - fc.horizon + 1)
        if origins.size == 0:
            continue
        # a new series: scaled from its rows before the test part
        scaler, seen = fc._scaler_seen(sid, insample, first_phases[first])
        seen_by[str(sid)], n_by[str(sid)] = bool(seen), int(origins.size)
        plans.append((sid, values, origins, insample, scaler, fc._windows_at(values, origins, scaler, sid)))
    # one batched model call for every series' test windows (a call per series costs more than the model on big panels)
    outputs = fc._predict_scaled(np.concatenate([p[-1] for p in plans])) if plans else None
    offsets = np.cumsum([0, *(len(p[2]) for p in plans)])
    for k, (sid, values, origins, insample, scaler, _) in enumerate(plans):
        forecast = fc._to_raw(outputs[offsets[k] : offsets[k + 1]], scaler, origins)["mean"]
        targets = values[:, :n_targets]
        actual = np.stack([targets[o : o + fc.horizon] for o in origins])
        forecasts = {"model": forecast, **baseline_forecasts(targets, origins, fc.horizon, baseline_seasons(fc))}
        scale = mase_scale_for(fc, sid, insample)  # the run's one MASE scale (training rows)
        for level, b in fc._conformal(forecast, scaler, values, origins).items():
            for side in ("lower", "upper"):
                bounds.setdefault(level, {"lower": [], "upper": []})[side].append(b[side])
        entry = {}
        for name, pred in forecasts.items():
            entry[name] = compute_metrics(actual, pred, scale=scale)
            if np.isfinite(scale).all():
                step_mase.setdefault(name, []).append((np.abs(actual - pred).mean(axis=0) / scale).mean(axis=1))
            pooled.setdefault(name, ([], []))
            pooled[name][0].append(actual)
            pooled[name][1].append(pred)
        per_series[str(sid)] = entry
    if not per_series:
        raise ForecasterError("no evaluation windows: the test part is shorter than input_width + horizon.")
    result: dict[str, Any] = {"model": {}, "baselines": {}, "per_step": {}}
    for name, (actuals, preds) in pooled.items():
        actual, pred = np.concatenate(actuals), np.concatenate(preds)
        metrics = compute_metrics(actual, pred)
        mases = [entry[name]["mase"] for entry in per_series.values() if "mase" in entry[name]]
        if mases:
            metrics["mase"] = float(np.mean(mases))
        target = result if name == "model" else result["baselines"]
        target[name] = {k: float(v) for k, v in metrics.items()}
        steps = metrics_by_step(actual, pred)
        result["per_step"][name] = {k: [float(v) for v in steps[k]] for k in steps.columns}
    result["n_windows"] = int(sum(len(a) for a in pooled["model"][0]))
    result["season"] = fc.season_
    result["seasons"] = [int(m) for m in getattr(fc, "seasons_", (fc.season_,))]
    best = best_baseline(result["baselines"])
    result["best_baseline"] = best
    result["vs_best_baseline"] = {
        "baseline": best,
        **{f"{k}_ratio": _ratio(result["model"].get(k), result["baselines"][best].get(k)) for k in ("mse", "mae")},
    }
    if getattr(fc, "choice_", None):
        result["choice"] = fc.choice_
    if bounds:
        actual_all = np.concatenate(pooled["model"][0])
        result["intervals"] = interval_metrics(
            actual_all, {lv: {k: np.concatenate(v) for k, v in b.items()} for lv, b in bounds.items()}
        )
    if fc.id_col_ is not None:
        result["per_series"] = per_series
        result["aggregate"] = _aggregate(per_series, list(pooled))
        result["series_table"] = series_table(per_series, seen_by, n_by, best)
        # each series' errors in units of its own MASE scale: comparable across series of any size
        result["per_step_mase"] = {name: [float(v) for v in np.mean(rows, axis=0)] for name, rows in step_mase.items()}
        if not all(seen_by.values()):
            # seen and unseen series apart: a new series is scaled from a short context, not its training rows
            for label, flag in (("seen", True), ("unseen", False)):
                group = {k: v for k, v in per_series.items() if seen_by[k] is flag}
                result[f"aggregate_{label}"] = {"n_series": len(group), **_aggregate(group, list(pooled))}
    return result


def _aggregate(per_series: dict[str, dict[str, dict[str, float]]], names: list[str]) -> dict[str, Any]:
    """Mean and median MASE over series per model (series without a MASE scale are left out)."""
    out: dict[str, Any] = {}
    for name in names:
        values = [e[name]["mase"] for e in per_series.values() if name in e and np.isfinite(e[name].get("mase", np.nan))]
        out[name] = {
            "mase_mean": float(np.mean(values)) if values else None,
            "mase_median": float(np.median(values)) if values else None,
            "n_series": len(values),
        }
    return out


def series_table(
    per_series: dict[str, dict[str, dict[str, float]]], seen: dict[str, bool], windows: dict[str, int], baseline: str
) -> list[dict[str, Any]]:
    """One JSON-safe row per series: the model's raw metrics and MASE, and the best baseline's MASE."""
    rows = []
    for sid, entry in per_series.items():
        model, base = entry["model"], entry.get(baseline, {})
        rows.append({
            "series": sid,
            "seen": seen.get(sid, True),
            "n_windows": windows.get(sid, 0),
            **{k: _finite_or_none(v) for k, v in model.items()},
            f"{baseline}_mase": _finite_or_none(base.get("mase")),
        })
    return rows


def _finite_or_none(value: Any) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def backtest(fc: Any, data: Any, folds: int, refit: bool) -> pd.DataFrame:
    """``Forecaster.backtest``: rolling-origin evaluation of ``fc`` at ``folds`` origins (see there)."""
    from forecaster.evaluation.backtest import backtest_summary, rolling_origins, tidy_backtest
    from forecaster.logs import silence_retracing_warnings

    series = fc._tail_series() if data is None else fc._load_like_fit(data)
    if data is None and not hasattr(fc, "data_"):
        raise ForecasterError("a loaded Forecaster has no data; pass data to backtest(data).")
    if series.ids is not None:
        with silence_retracing_warnings():
            return _panel_backtest(fc, series, folds, refit, warn_inside=data is None)
    # a refit clone needs its own window before each origin; the held-out model's, where a plan of the history replaced it
    width = fc._heldout_input_width() if refit else fc.input_width_
    origins = rolling_origins(len(series.values), width, fc.horizon, folds)
    if not refit and data is None and origins.min() < fc.split_[0].train[1]:
        warnings.warn(
            "some backtest origins fall inside the training rows; pass refit=True for an honest backtest.",
            stacklevel=3,
        )
    rows = []
    with silence_retracing_warnings():  # each refit clone traces its functions once: not a real retrace
        for origin in origins:
            rows.append(_backtest_origin(fc, series, int(origin), refit))
    table = tidy_backtest(rows, keep=("forecast",))
    table.attrs["summary"] = backtest_summary(table)
    return table


def _panel_backtest(fc: Any, series: SeriesData, folds: int, refit: bool, warn_inside: bool) -> pd.DataFrame:
    """``backtest`` of a panel: every series at its last ``folds`` origins, one (re)fit per fold for all series.

    Returns the tidy table with a ``series`` column; ``attrs["per_series"]`` holds
    the mean metrics per series and model, ``attrs["aggregate"]`` the mean and
    median of those per-series MASEs per model, ``attrs["summary"]`` the means
    over all rows (raw metrics there mix the series' units; compare MASE).
    """
    from forecaster.evaluation.backtest import backtest_summary, rolling_origins, tidy_backtest
    from forecaster.evaluation.baselines import baseline_forecasts
    from forecaster.evaluation.metrics import compute_metrics

    n_targets = len(fc.targets_)
    plans, short = [], 0
    for sid, start, stop in series.segments():
        try:
            plans.append((sid, start, stop, rolling_origins(stop - start, fc.input_width_, fc.horizon, folds)))
        except ForecasterError:
            short += 1
    if short:
        warnings.warn(f"{short} series are too short for {folds} backtest origins and were skipped.", stacklevel=4)
    if not plans:
        raise ForecasterError(f"no series is long enough for {folds} backtest origins of horizon {fc.horizon}.")
    if warn_inside and not refit:
        warnings.warn(
            "some backtest origins fall inside the training rows; pass refit=True for an honest backtest.", stacklevel=4
        )
    if refit and getattr(fc, "statics_", None) is not None:
        raise ForecasterError("backtest(refit=True) of a model with static covariates is not supported; use refit=False.")
    rows: dict[str, list[dict[str, Any]]] = {str(p[0]): [] for p in plans}
    for fold in range(folds):
        model = fc
        if refit:
            cut = [(sid, start, start + int(o[fold])) for sid, start, _, o in plans]
            model = refit_clone(fc).fit(
                _panel_frame(series, cut), target=list(fc.targets_), date_col=fc.date_col_, id_col=fc.id_col_,
                features=[c for c in fc.columns_[n_targets:] if c not in CALENDAR_COLUMNS] or None,
            )
        inputs, first_phases = [], model._first_phases(series)  # a refit fold decides its own adjustment
        for sid, start, stop, origins in plans:
            values, origin = series.values[start:stop], int(origins[fold])
            scaler, _ = model._scaler_seen(sid, values[:origin], first_phases[start])
            inputs.append((scaler, model._windows_at(values, np.array([origin]), scaler, sid)))
        outputs = model._predict_scaled(np.concatenate([x for _, x in inputs]))  # one call per fold
        for k, ((sid, start, stop, origins), (scaler, _)) in enumerate(zip(plans, inputs, strict=True)):
            values, origin = series.values[start:stop], int(origins[fold])
            targets = values[:, :n_targets]
            pred = model._to_raw(outputs[k : k + 1], scaler, np.array([origin]))["mean"]
            actual = targets[origin : origin + fc.horizon][None]
            forecasts = {"model": pred, **baseline_forecasts(targets, np.array([origin]), fc.horizon, baseline_seasons(fc))}
            scale = mase_scale_for(fc, sid, targets[:origin])
            row: dict[str, Any] = {
                "origin": origin - 1,
                "origin_date": None if series.dates is None else series.dates[start + origin - 1],
            }
            for name, forecast in forecasts.items():
                for metric, value in compute_metrics(actual, forecast, scale=scale).items():
                    row[f"{name}_{metric}"] = float(value)
            row["forecast"] = pred[0, :, 0].tolist()
            rows[str(sid)].append(row)
    tables = []
    for sid, series_rows in rows.items():
        part = tidy_backtest(series_rows, keep=("forecast",))
        part.insert(0, "series", sid)
        tables.append(part)
    table = pd.concat(tables, ignore_index=True)
    metric_cols = [c for c in table.columns if c not in ("series", "origin", "origin_date", "model", "forecast")]
    per_series = table.groupby(["series", "model"], sort=False)[metric_cols].mean().reset_index()
    table.attrs["summary"] = backtest_summary(table.drop(columns=["series"]))
    table.attrs["per_series"] = per_series
    table.attrs["aggregate"] = {
        name: {"mase_mean": float(group["mase"].mean()), "mase_median": float(group["mase"].median()), "n_series": int(group["mase"].notna().sum())}
        for name, group in per_series.groupby("model", sort=False)
    } if "mase" in per_series else {}
    return table


def _panel_frame(series: SeriesData, segments: list[tuple[Any, int, int]]) -> pd.DataFrame:
    """The long-format frame of ``segments`` (id, date and raw columns), as a refit reads it."""
    index = np.concatenate([np.arange(a, b) for _, a, b in segments])
    frame = pd.DataFrame(series.values[index], columns=list(series.columns))
    frame = frame[[c for c in series.columns if c not in CALENDAR_COLUMNS]]
    if series.dates is not None:
        frame.insert(0, series.date_col or "date", series.dates[index])
    frame.insert(0, series.id_col, series.ids[index])
    return frame


def _backtest_origin(fc: Any, series: SeriesData, origin: int, refit: bool) -> dict[str, Any]:
    """One backtest origin's row: the model's and the baselines' metrics and the model's forecast."""
    from forecaster.evaluation.baselines import baseline_forecasts
    from forecaster.evaluation.metrics import compute_metrics

    values = series.values
    n_targets = len(fc.targets_)
    model = fc
    if refit:
        frame = _series_frame(series, stop=int(origin))
        model = refit_clone(fc).fit(
            frame, target=list(fc.targets_), date_col=fc.date_col_,
            features=[c for c in fc.columns_[n_targets:] if c not in CALENDAR_COLUMNS] or None,
        )
    scaler = model._scaler_for(None)
    at = np.array([origin])
    pred = model._to_raw(model._predict_scaled(model._windows_at(values, at, scaler)), scaler, at)["mean"]
    targets = values[:, :n_targets]
    actual = targets[origin : origin + fc.horizon][None]
    forecasts = {"model": pred, **baseline_forecasts(targets, np.array([origin]), fc.horizon, baseline_seasons(fc))}
    scale = mase_scale_for(fc, None, targets[:origin])  # the run's one MASE scale
    # The origin is the last observed row; the forecast starts after it.
    row: dict[str, Any] = {
        "origin": int(origin) - 1,
        "origin_date": None if series.dates is None else series.dates[origin - 1],
    }
    for name, forecast in forecasts.items():
        for metric, value in compute_metrics(actual, forecast, scale=scale).items():
            row[f"{name}_{metric}"] = float(value)
    row["forecast"] = pred[0, :, 0].tolist()
    return row


def baseline_seasons(fc: Any) -> tuple[int, ...]:
    """The seasons of the seasonal-naive baselines: the kept ones, else the frequency's natural one."""
    from forecaster.data.seasons import season_length

    kept = tuple(getattr(fc, "seasons_", ()) or ())
    if kept:
        return kept
    natural = season_length(fc.freq_)
    return (natural,) if natural > 1 else ()


def _ratio(model: float | None, baseline: float | None) -> float | None:
    """model / baseline (below 1: the model beats the baseline); None when undefined."""
    if model is None or baseline is None or not np.isfinite(model) or not np.isfinite(baseline) or baseline <= 0:
        return None
    return float(model / baseline)


def test_chunks(fc: Any, series_id: Any = None) -> dict[str, Any]:
    """Non-overlapping forecasts across the test part of one fit series (default: the first), for plots."""
    from forecaster.evaluation.baselines import baseline_forecasts

    series = fc.data_
    segments = series.segments()
    k = 0
    if series_id is not None:
        keys = [str(sid) for sid, _, _ in segments]
        if str(series_id) not in keys:
            raise ForecasterError(f"series {series_id!r} is not in the fit data; pick one of {keys[:5]}.")
        k = keys.index(str(series_id))
    sid, seg_start, seg_stop = segments[k]
    values = series.values[seg_start:seg_stop]
    start, stop = fc.split_[k].test
    origins = np.arange(start + fc.input_width_, stop - fc.horizon + 1, fc.horizon)
    scaler = fc.scalers_[k]
    raw = fc._to_raw(fc._predict_scaled(fc._windows_at(values, origins, scaler, sid)), scaler, origins)
    rows = (origins[:, None] + np.arange(fc.horizon)[None, :]).ravel()
    dates = None if series.dates is None else series.dates[seg_start:seg_stop]
    context_rows = np.arange(max(0, origins[0] - 3 * fc.input_width_), origins[0])
    baselines = baseline_forecasts(values[:, :1], origins, fc.horizon, baseline_seasons(fc))
    best = fc.metrics_.get("best_baseline", "naive") if hasattr(fc, "metrics_") else "naive"
    best = best if best in baselines else "naive"
    out = {
        "context_dates": None if dates is None else dates[context_rows],
        "context_values": values[context_rows, 0],
        "dates": None if dates is None else dates[rows],
        "actual": values[rows, 0],
        "forecast": raw["mean"][:, :, 0].ravel(),
        "baseline": {best: baselines[best][:, :, 0].ravel()},
        "baseline_name": best,
    }
    conformal = fc._conformal(raw["mean"], scaler, values, origins)
    if conformal and "quantiles" not in raw and "std" not in raw:
        level = 0.8 if 0.8 in conformal else min(conformal)
        out["lower"] = conformal[level]["lower"][:, :, 0].ravel()
        out["upper"] = conformal[level]["upper"][:, :, 0].ravel()
        out["interval_label"] = f"{level:.0%} conformal interval"
    elif "quantiles" in raw:
        out["interval_label"] = f"{fc.quantiles[-1] - fc.quantiles[0]:.0%} quantile interval"
    elif "std" in raw:
        out["interval_label"] = "80% gaussian interval"
    if "quantiles" in raw:
        out["lower"] = raw["quantiles"][:, :, 0, 0].ravel()
        out["upper"] = raw["quantiles"][:, :, 0, -1].ravel()
    if "std" in raw:
        out["lower"] = (raw["mean"] - Z80 * raw["std"])[:, :, 0].ravel()
        out["upper"] = (raw["mean"] + Z80 * raw["std"])[:, :, 0].ravel()
    return out


def refit_clone(fc: Any) -> Any:
    """An unfitted copy of ``fc`` for a backtest refit, quiet, with the fit's calendar decision pinned.

    The refit's windows are cut from ``fc``'s columns, so ``calendar="auto"`` must not decide
    again on the shorter rows (a season kept by the fit could be missed by a fold).
    """
    # imported here, not at the top: predict/evaluate start-up then skips scikit-learn
    from sklearn.base import clone

    calendar = any(c in CALENDAR_COLUMNS for c in fc.columns_)
    return clone(fc).set_params(verbose=0, tensorboard=None, calendar=calendar)


def _series_frame(series: SeriesData, stop: int) -> pd.DataFrame:
    frame = pd.DataFrame(series.values[:stop], columns=list(series.columns))
    frame = frame[[c for c in series.columns if c not in CALENDAR_COLUMNS]]
    if series.dates is not None:
        frame.insert(0, series.date_col or "date", series.dates[:stop])
    return frame


def mase_scale_for(fc: Any, series_id: Any, insample: np.ndarray) -> np.ndarray:
    """The run's one MASE scale of a series seen at fit (``mase_scales_``); else seasonal naive on ``insample``."""
    stored = getattr(fc, "mase_scales_", None) or {}
    key = str(series_id)
    if key in stored:
        return np.array([np.nan if v is None else v for v in stored[key]], dtype=np.float64)
    return np.asarray(safe_mase_scale(insample[:, : len(fc.targets_)], fc.season_), dtype=np.float64)


def safe_mase_scale(insample: np.ndarray, m: int) -> list[float | None]:
    """``mase_scale`` of ``insample`` ``[n, T]`` as a JSON-safe list; ``None`` (left out of MASE) where it is undefined."""
    from forecaster.evaluation.metrics import mase_scale

    if len(insample) <= m:
        return [None] * insample.shape[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a constant training series: left out of MASE, said in the metrics
        scale = mase_scale(insample, m)
    return [None if not np.isfinite(v) else float(v) for v in scale]


def evaluate_data(fc: Any, data: Any, as_of: Any = None) -> dict[str, Any]:
    """``Forecaster.evaluate(data, as_of)``: the metrics of the test part of ``data``, or of the forecast from ``as_of``.

    Call it with the held-out model in place (``fc._heldout()``).
    """
    from forecaster.data.split import chronological_split

    if as_of is not None:
        return _evaluate_as_of(fc, data, as_of)
    series = fc._load_like_fit(data)
    parts = segment_arrays(series)
    tests, insamples = [], []
    for values in parts:
        n, width = len(values), fc.input_width_
        if reads_history(fc) and n >= width + fc.horizon:  # the last horizon rows, as at fit
            test = (n - width - fc.horizon, n)
        else:
            test = chronological_split(n, width, fc.horizon, val=0.0, test=fc.test).test
        tests.append(test)
        insamples.append(values[: test[0] + width])
    _warn_if_seen(fc, series, tests)
    return evaluate_parts(fc, parts, tests, insamples, series)


def reads_history(fc: Any) -> bool:
    """Whether ``fc``'s model reads every row before its forecast: a window-baseline plan
    (``training.plans.history_plan``) of a series too short for the network, or of a longer one
    whose plan replaced the network after the held-out metrics (not while ``fc._heldout()``)."""
    return not fc.n_epochs_ or fc.input_width_ != fc._heldout_input_width()


def _warn_if_seen(fc: Any, series: SeriesData, tests: list[tuple[int, int]]) -> None:
    """Warn when a loaded, refit model is scored on rows it trained on (its held-out twin is not saved)."""
    if not getattr(fc, "refit_", None) or hasattr(fc, "heldout_model_"):
        return
    if series.dates is None or fc.last_date_ is None:
        return
    first_targets = [series.dates[start + test[0] + fc.input_width_] for (_, start, _), test in zip(series.segments(), tests, strict=True)]
    if min(first_targets) <= pd.Timestamp(fc.last_date_):
        warnings.warn(
            "this run's model was refit on every row of its fit data, and the scored windows lie inside "
            "that data: these metrics are in-sample; metrics.json holds the held-out ones.",
            stacklevel=4,
        )


def _evaluate_as_of(fc: Any, data: Any, as_of: Any) -> dict[str, Any]:
    """The metrics of the one forecast from the last row at or before ``as_of`` (``data=None``: the fit data)."""
    from forecaster.prediction import date_text

    if data is None and not hasattr(fc, "data_"):
        raise ForecasterError("a loaded Forecaster has no data; pass data to evaluate(data, as_of=...).")
    series = fc.data_ if data is None else fc._load_like_fit(data)
    parts = segment_arrays(series)
    tests, insamples = [], []
    for rows, values, (sid, start, _) in zip(fc._as_of_rows(series, as_of), parts, series.segments(), strict=True):
        if rows + fc.horizon > len(values):
            where = "" if sid is None else f" of series {sid!r}"
            raise ForecasterError(
                f"`as_of` {date_text(series.dates[start + rows - 1])} has {len(values) - rows} rows after it{where}; "
                f"scoring needs the horizon ({fc.horizon}) to follow it in the data (use predict for the future)."
            )
        tests.append((rows - fc.input_width_, rows + fc.horizon))
        insamples.append(values[:rows])
    return evaluate_parts(fc, parts, tests, insamples, series)

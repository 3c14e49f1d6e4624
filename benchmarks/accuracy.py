"""Accuracy of the default Forecaster on real public series, beside statistical peers (JSON).

Protocol, per series (files and provenance: benchmarks/data/README.md): the
last ``H`` rows are the test rows; ``Forecaster(horizon=H, seed=0, verbose=0)``
is fit on all the rows before them (its own val/test fractions then split those
rows internally, as for any user), and ``predict()`` forecasts the ``H`` test
rows once, from the end of the training rows. The peers see the same training
rows: naive, seasonal naive at every candidate season, and statsforecast's
AutoETS, AutoARIMA, AutoTheta (``season_length`` = the primary season) and
their per-step median ("combo"). MASE divides by the in-sample seasonal-naive
MAE of the training rows at the primary season, one scale for every method.

    python benchmarks/accuracy.py [--series a b ...] [--no-peers] [--epochs N]
        [--seed S] [--set units=32 --set learning_rate=0.001 ...] [--offset K] [--out FILE.json]
    python benchmarks/accuracy.py --table A.json [B.json ...]   # Markdown; several are also pooled

``--offset K`` runs the protocol at an earlier origin (the ``H`` rows ending ``K * H``
rows before the end): one final window per series is a noisy judge, so compare
changes over a few origins (``--table`` of the runs pools them). ``--table`` also counts issue 13's
per-series targets for every method, the peers too (``benchmarks/targets.py``).

Peers need the ``bench`` extra (``pip install -e ".[bench]"``); without it they
are skipped with a note. Nothing is downloaded at run time.
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import os
import sys
import time
import warnings

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from targets import best_naive_mse, primary_seasonal_naive, targets_table  # noqa: E402  (issue 13's targets for every method)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")

# AutoARIMA's search is quadratic-ish in the rows and slow at long seasons:
# on long series it sees only the last ARIMA_TAIL training rows (documented).
ARIMA_TAIL = 2000
# statsforecast's seasonal AutoARIMA search at m = 48 / 52 ran past 50 minutes on this machine (the
# first baseline never finished taylor_30min or gasoline_weekly): above this season it runs non-seasonal.
ARIMA_MAX_SEASON = 24

# name -> file stem, target, past covariates, frequency label, horizon, candidate seasons (primary first)
SERIES: dict[str, dict] = {
    "taylor_30min": dict(target="demand_mw", freq="30min", h=48, seasons=(48, 336)),
    "seattle_temps_hourly": dict(target="temp", freq="hourly", h=24, seasons=(24, 168)),
    "births_daily": dict(target="births", freq="daily", h=14, seasons=(7, 365)),
    "elecdaily_covariates": dict(
        target="demand", features=["workday", "temperature"], freq="daily", h=14, seasons=(7,)
    ),
    "msft_business_daily": dict(target="close", freq="business day", h=10, seasons=(5,)),
    "gasoline_weekly": dict(target="mbpd", freq="weekly", h=13, seasons=(52,)),
    "airpassengers_monthly": dict(target="passengers", freq="monthly", h=12, seasons=(12,)),
    "a10_monthly": dict(target="sales", freq="monthly", h=12, seasons=(12,)),
    "wineind_monthly": dict(target="litres", freq="monthly", h=12, seasons=(12,)),
    "austres_quarterly": dict(target="residents", freq="quarterly", h=8, seasons=(4,)),
    "woolyrnq_quarterly": dict(target="tonnes", freq="quarterly", h=8, seasons=(4,)),
    "uschange_covariates": dict(
        target="consumption",
        features=["income", "production", "savings", "unemployment"],
        freq="quarterly",
        h=8,
        seasons=(4,),
    ),
    "lynx_yearly": dict(target="trappings", freq="yearly", h=6, seasons=(1,)),
    "sunspots_yearly": dict(target="sunactivity", freq="yearly", h=6, seasons=(1,)),
}
PEERS = ("ets", "arima", "theta")


def seasonal_naive(train: np.ndarray, h: int, m: int) -> np.ndarray:
    """Repeat the last ``m`` training values (m = 1: the naive forecast)."""
    return train[len(train) - m + (np.arange(h) % m)]


def _peer_forecasts(
    train: np.ndarray, h: int, m: int
) -> tuple[dict[str, np.ndarray], dict[str, float], dict[str, dict[str, tuple[np.ndarray, np.ndarray]]]]:
    """statsforecast AutoETS / AutoARIMA / AutoTheta point forecasts, fit+predict seconds and intervals.

    The intervals (statsforecast's own, at 80 % and 95 %) put the model's coverage beside the
    peers' on the same final rows: one window per series is a noisy judge of calibration.
    """
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta

    makers = {"ets": AutoETS, "arima": AutoARIMA, "theta": AutoTheta}
    preds, seconds, bounds = {}, {}, {}
    for name, make in makers.items():
        y = train[-ARIMA_TAIL:] if name == "arima" else train
        season = 1 if name == "arima" and m > ARIMA_MAX_SEASON else m
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = make(season_length=season).fit(y).predict(h=h, level=[80, 95])
            preds[name] = np.asarray(out["mean"], dtype=float)
        seconds[name] = round(time.perf_counter() - start, 2)
        bounds[name] = {
            str(level): (np.asarray(out[f"lo-{level}"], float), np.asarray(out[f"hi-{level}"], float))
            for level in (80, 95)
            if f"lo-{level}" in out
        }
    preds["combo"] = np.median(np.stack([preds[p] for p in PEERS]), axis=0)
    return preds, seconds, bounds


def _scores(test: np.ndarray, pred: np.ndarray, train: np.ndarray, m: int) -> dict[str, float]:
    from forecaster.evaluation.metrics import mase, mse

    return {
        "mse": float(mse(test[None, :], pred[None, :])),
        "mase": float(mase(test[None, :], pred[None, :], insample=train, m=m)),
    }


def run_series(name: str, spec: dict, params: dict, peers: bool, offset: int = 0) -> dict:
    """Fit and score every method on one series; returns one JSON-ready row.

    ``offset`` k > 0 first drops the last k * H rows: the same protocol at an earlier origin, so
    several origins per series can judge what one final window cannot (coverage, above all).
    """
    from forecaster import Forecaster

    frame = pd.read_csv(os.path.join(DATA, f"{name}.csv"))
    h, seasons, target = spec["h"], spec["seasons"], spec["target"]
    frame = frame.iloc[: len(frame) - offset * h].reset_index(drop=True)
    train_frame = frame.iloc[:-h].reset_index(drop=True)
    train = train_frame[target].to_numpy(dtype=float)
    test = frame[target].to_numpy(dtype=float)[-h:]
    m = seasons[0]

    start = time.perf_counter()
    fc = Forecaster(**{"horizon": h, **params}).fit(
        train_frame, target=target, features=spec.get("features")
    )
    fit_seconds = time.perf_counter() - start
    forecast = fc.predict()  # from the end of the training rows: exactly the H test rows
    preds = {"model": forecast[target].to_numpy(dtype=float)}
    seconds = {"model": round(fit_seconds, 1)}
    # the same forecast from the model fit before the refit (the one the intervals were calibrated
    # with): tells a refit that moved the forecast from intervals that are too narrow
    heldout_final = None
    refit_from = getattr(fc, "heldout_model_", None)
    if refit_from is not None and refit_from is not fc.model_:
        width = fc._heldout_input_width()  # a window-baseline plan reads every row (the latest 1,000 at most)
        refit_model, fc.model_, fc._predict_fn = fc.model_, refit_from, None
        fc.input_width_, width = width, fc.input_width_
        heldout_final = fc.predict()
        fc.model_, fc._predict_fn, fc.input_width_ = refit_model, None, width

    preds["naive"] = seasonal_naive(train, h, 1)
    for season in seasons:
        if season > 1:
            preds[f"seasonal_naive_{season}"] = seasonal_naive(train, h, season)
    peer_bounds: dict = {}
    if peers:
        peer_preds, peer_seconds, peer_bounds = _peer_forecasts(train, h, m)
        preds.update(peer_preds)
        seconds.update(peer_seconds)

    row = {
        "freq": spec["freq"],
        "rows": len(frame),
        "train_rows": len(train),
        "h": h,
        "seasons": list(seasons),
        "fitted": {
            key: _jsonable(getattr(fc, attr, None))
            for key, attr in (
                ("season", "season_"),
                ("input_width", "input_width_"),
                ("skip", "skip_"),
                ("epochs_run", "n_epochs_"),
                ("seasons", "seasons_"),
                ("choice", "choice_"),
                ("refit", "refit_"),
            )
        },
        # empirical coverage of the conformal intervals on the H test rows, per level
        "interval_coverage": _coverage(test, forecast, target),
        "heldout_model_final": None
        if heldout_final is None
        else {
            **_scores(test, heldout_final[target].to_numpy(float), train, m),
            "coverage": _coverage(test, heldout_final, target),
        },
        "peer_coverage": {
            peer: {level: float(np.mean((test >= lo) & (test <= hi))) for level, (lo, hi) in by_level.items()}
            for peer, by_level in peer_bounds.items()
        },
        "seconds": seconds,
        "scores": {label: _scores(test, pred, train, m) for label, pred in preds.items()},
    }
    # the fit's own held-out test windows (many origins, the held-out model): a steadier signal than
    # the one final window above, for comparing levers
    heldout = getattr(fc, "metrics_", None) or {}
    if "model" in heldout:
        row["heldout_mse"] = {
            "model": heldout["model"]["mse"],
            **{k: v["mse"] for k, v in heldout.get("baselines", {}).items() if isinstance(v, dict) and "mse" in v},
        }
    if heldout.get("intervals"):
        # coverage over all held-out test windows: many origins, where the final H rows are one window
        row["heldout_coverage"] = {
            str(round(100 * v["level"])): v["coverage"] for v in heldout["intervals"].values()
        }
    history = getattr(fc, "history_", None)
    if history is not None and "val_loss" in history:
        # early stopping ran on a validation part: the epoch whose weights were kept
        row["fitted"]["best_epoch"] = int(np.argmin(np.asarray(history["val_loss"]))) + 1
    snaive = [k for k in row["scores"] if k.startswith("seasonal_naive_")] or ["naive"]
    best_snaive = min(row["scores"][k]["mse"] for k in snaive)
    row["beats_seasonal_naive"] = row["scores"]["model"]["mse"] < row["scores"][snaive[0]]["mse"]
    row["beats_best_seasonal_naive"] = row["scores"]["model"]["mse"] < best_snaive
    return row


def _coverage(test: np.ndarray, forecast: pd.DataFrame, target: str) -> dict[str, float]:
    """Share of the test rows inside each interval of a ``predict()`` frame, per level."""
    return {
        col.removeprefix(f"{target}_lower_"): float(
            np.mean(
                (test >= forecast[col].to_numpy(float))
                & (test <= forecast[col.replace("_lower_", "_upper_")].to_numpy(float))
            )
        )
        for col in forecast.columns
        if col.startswith(f"{target}_lower_")
    }


def _jsonable(value):
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return str(value)


def summarize(rows: dict[str, dict]) -> dict:
    """Geometric-mean MSE ratios vs AutoETS (and vs seasonal naive), mean MASE, wins and seconds."""
    # "seasonal_naive": the primary season's (naive for yearly), so every series has one
    rows = {
        name: {**r, "scores": {**r["scores"], "seasonal_naive": r["scores"][primary_seasonal_naive(r)]}}
        for name, r in rows.items()
    }
    methods = sorted(
        {k for row in rows.values() for k in row["scores"]}, key=lambda k: (k != "model", k)
    )
    summary: dict = {"n_series": len(rows)}
    reference = "ets" if all("ets" in r["scores"] for r in rows.values()) else None
    for method in methods:
        have = [r for r in rows.values() if method in r["scores"]]
        entry = {
            "n": len(have),
            "mean_mase": round(float(np.mean([r["scores"][method]["mase"] for r in have])), 4),
        }
        entry["geomean_mase"] = round(
            float(np.exp(np.mean([math.log(r["scores"][method]["mase"]) for r in have]))), 4
        )
        if reference:
            ratios = [r["scores"][method]["mse"] / r["scores"][reference]["mse"] for r in have]
            entry["geomean_mse_vs_ets"] = round(float(np.exp(np.mean(np.log(ratios)))), 4)
        ratios = [r["scores"][method]["mse"] / r["scores"][primary_seasonal_naive(r)]["mse"] for r in have]
        entry["geomean_mse_vs_seasonal_naive"] = round(float(np.exp(np.mean(np.log(ratios)))), 4)
        summary[method] = entry
    summary["model_beats_seasonal_naive"] = sum(r["beats_seasonal_naive"] for r in rows.values())
    summary["model_beats_best_seasonal_naive"] = sum(
        r["beats_best_seasonal_naive"] for r in rows.values()
    )
    if reference:
        summary["model_beats_ets"] = sum(
            r["scores"]["model"]["mse"] < r["scores"]["ets"]["mse"] for r in rows.values()
        )
    # model="auto" against the best naive baseline on test (target: never worse by more than 5 %)
    vs_best = {name: _vs_best_baseline(r) for name, r in rows.items()}
    summary["model_vs_best_baseline_mse"] = {k: round(v, 4) for k, v in vs_best.items()}
    summary["model_vs_best_baseline_max"] = round(max(vs_best.values()), 4)
    summary["model_within_5pct_of_best_baseline"] = sum(v <= 1.05 for v in vs_best.values())
    for key in ("interval_coverage", "heldout_coverage"):
        coverage: dict[str, list[float]] = {}
        for r in rows.values():
            for level, value in (r.get(key) or {}).items():
                coverage.setdefault(level, []).append(value)
        summary[key] = {
            level: {"mean": round(float(np.mean(v)), 4), "min": round(float(min(v)), 4), "n": len(v)}
            for level, v in sorted(coverage.items())
        }
    peer_coverage: dict[str, list[float]] = {}
    for r in rows.values():
        for peer, by_level in (r.get("peer_coverage") or {}).items():
            for level, value in by_level.items():
                peer_coverage.setdefault(f"{peer}_{level}", []).append(value)
    summary["peer_coverage"] = {
        key: {"mean": round(float(np.mean(v)), 4), "min": round(float(min(v)), 4), "n": len(v)}
        for key, v in sorted(peer_coverage.items())
    }
    summary["model_fit_seconds_total"] = round(sum(r["seconds"]["model"] for r in rows.values()), 1)
    summary["model_fit_seconds_max"] = max(r["seconds"]["model"] for r in rows.values())
    return summary


def _vs_best_baseline(row: dict) -> float:
    """The model's test MSE over the best of naive and seasonal naive at every candidate season."""
    return row["scores"]["model"]["mse"] / best_naive_mse(row)


def parse_set(items: list[str]) -> dict:
    """``["units=(32,)", "skip=seasonal"]`` -> ``{"units": (32,), "skip": "seasonal"}`` (literals, else text).

    The ``--set PARAM=VALUE`` parser of every benchmark script.
    """
    params = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise SystemExit(f"--set needs PARAM=VALUE (received {item!r})")
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            value = raw
        params[key.strip()] = value
    return params


def markdown(result: dict) -> str:
    """Per-series and summary tables (MSE ratio vs AutoETS and MASE) of a saved result."""
    rows, summary = result["series"], summarize(result["series"])
    methods = ["model", "seasonal_naive", "naive", "ets", "arima", "theta", "combo"]
    has_peers = "ets" in summary
    methods = [m for m in methods if has_peers or m not in ("ets", "arima", "theta", "combo")]

    def score(row: dict, method: str) -> dict | None:
        key = primary_seasonal_naive(row) if method == "seasonal_naive" else method
        return row["scores"].get(key)

    head = "| series | freq | H | W / skip / epochs / used |"
    head += "".join(f" {m} |" for m in methods)
    head += " model / best baseline | 80% / 95% coverage | model fit s | peers fit s |"
    lines = [
        "MSE ratio vs AutoETS, then MASE in brackets (seasonal naive at the primary season; "
        "other seasons in the JSON)."
        if has_peers
        else "MSE, then MASE in brackets.",
        "",
        head,
        "|" + "---|" * (head.count("|") - 1),
    ]
    for name, row in rows.items():
        f = row["fitted"]
        cells = [
            name,
            row["freq"],
            str(row["h"]),
            f"{f['input_width']} / {f['skip']} / {f['epochs_run']} / {_used(f.get('choice'))}{_plan(f.get('refit'))}",
        ]
        for method in methods:
            s = score(row, method)
            if s is None:
                cells.append("")
            elif has_peers:
                cells.append(f"{s['mse'] / row['scores']['ets']['mse']:.3g} ({s['mase']:.3g})")
            else:
                cells.append(f"{s['mse']:.4g} ({s['mase']:.3g})")
        peer_s = sum(v for k, v in row["seconds"].items() if k != "model")
        cov = row.get("interval_coverage") or {}
        cells.append(f"{_vs_best_baseline(row):.3g}")
        cells.append(" / ".join(f"{cov[k]:.2f}" for k in ("80", "95") if k in cov) or "–")
        cells += [f"{row['seconds']['model']:.0f}", f"{peer_s:.1f}" if has_peers else ""]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "| method | geomean MSE / AutoETS | geomean MSE / seasonal naive | mean MASE | geomean MASE |",
    ]
    lines.append("|---|---|---|---|---|")
    for method in [m for m in summary if isinstance(summary[m], dict) and "mean_mase" in summary[m]]:
        e = summary[method]
        vs_ets = e.get("geomean_mse_vs_ets", "")
        lines.append(
            f"| {method} | {vs_ets} | {e['geomean_mse_vs_seasonal_naive']} | {e['mean_mase']} | "
            f"{e['geomean_mase']} |"
        )
    cov = summary.get("interval_coverage", {})
    heldout_cov = summary.get("heldout_coverage", {})
    lines += [
        "",
        f"Beats seasonal naive (primary season): {summary['model_beats_seasonal_naive']} of "
        f"{summary['n_series']}; model MSE within 5 % of the best naive baseline: "
        f"{summary['model_within_5pct_of_best_baseline']} of {summary['n_series']} (worst ratio "
        f"{summary['model_vs_best_baseline_max']}); interval coverage "
        + ", ".join(f"{k} %: mean {v['mean']}, min {v['min']}" for k, v in cov.items())
        + (
            "; on the held-out test windows "
            + ", ".join(f"{k} %: mean {v['mean']}, min {v['min']}" for k, v in heldout_cov.items())
            if heldout_cov
            else ""
        )
        + (
            "; the peers' own intervals on the same rows "
            + ", ".join(f"{k} %: mean {v['mean']}" for k, v in summary["peer_coverage"].items())
            if summary.get("peer_coverage")
            else ""
        )
        + f"; model fit seconds: total {summary['model_fit_seconds_total']}, max "
        f"{summary['model_fit_seconds_max']}; load average {result.get('loadavg_start')} at the start, "
        f"{result.get('loadavg_end')} at the end.",
        "",
        "The per-series targets for every method on the same windows:",
        "",
        targets_table(list(rows.values())),
    ]
    return "\n".join(lines)


def pooled(results: list[dict]) -> str:
    """One line over every series-origin of several saved results (e.g. ``--offset 0``, ``1``, ``2``).

    A single final window per series moves the counts by whole series and the coverage by tens of
    points (docs/benchmarks.md, "Three origins per series"); pooled origins are the steadier judge.
    """
    rows = [row for result in results for row in result["series"].values()]
    vs_best = [_vs_best_baseline(r) for r in rows]
    parts = [
        f"Pooled over {len(results)} results, {len(rows)} series-origins: beats seasonal naive "
        f"{sum(r['beats_seasonal_naive'] for r in rows)}, within 5 % of the best naive baseline "
        f"{sum(v <= 1.05 for v in vs_best)}"
    ]
    if all("ets" in r["scores"] for r in rows):
        for method in ("model", "arima", "theta"):
            ratios = [r["scores"][method]["mse"] / r["scores"]["ets"]["mse"] for r in rows]
            parts.append(f"{method} geomean MSE / AutoETS {float(np.exp(np.mean(np.log(ratios)))):.3f}")
    coverage: dict[str, list[float]] = {}
    for r in rows:
        for level, value in (r.get("interval_coverage") or {}).items():
            coverage.setdefault(f"model {level} %", []).append(value)
        for level, value in (r.get("heldout_coverage") or {}).items():
            coverage.setdefault(f"held-out windows {level} %", []).append(value)
        for peer, by_level in (r.get("peer_coverage") or {}).items():
            for level, value in by_level.items():
                coverage.setdefault(f"{peer} {level} %", []).append(value)
    parts += [
        f"coverage {key}: mean {np.mean(v):.3f} (SE {np.std(v) / np.sqrt(len(v)):.3f}, n {len(v)})"
        for key, v in coverage.items()
    ]
    return "; ".join(parts) + ".\n\n" + targets_table(rows)


def _stored(value: object) -> object:
    """A fitted attribute as the JSON holds it: a dict, or its repr (``None`` where it does not parse)."""
    if isinstance(value, str):
        try:
            return ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return None
    return value


def _used(choice: object) -> str:
    """The model ``model="auto"`` forecast with ("network" or a baseline), from the stored choice."""
    if isinstance(choice, str) and _stored(choice) is None:
        return "?"
    choice = _stored(choice)
    return choice.get("used", "?") if isinstance(choice, dict) else "–"


def _plan(refit: object) -> str:
    """`` -> plan <used>`` where the window baselines over the whole history replaced the held-out model."""
    refit = _stored(refit)
    if not isinstance(refit, dict) or "test_mae" not in refit:
        return ""
    return f" -> plan {_used(refit.get('choice'))}"


def _result(forecaster, params: dict, load_start: list[float], rows: dict, offset: int = 0) -> dict:
    return {
        "offset": offset,
        "forecaster": {
            "version": getattr(forecaster, "__version__", None),
            "path": os.path.dirname(forecaster.__file__),
        },
        "params": params,
        "arima_tail": ARIMA_TAIL,
        "loadavg_start": load_start,
        "loadavg_end": _loadavg(),
        "series": rows,
        "summary": summarize(rows),
    }


def _write(path: str, result: dict) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(json.dumps(result, indent=2) + "\n")


def _loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def add_fit_flags(parser: argparse.ArgumentParser) -> None:
    """``--no-peers``, ``--seed`` and ``--set PARAM=VALUE``: the flags of every script that runs this protocol."""
    parser.add_argument("--no-peers", action="store_true", help="skip the statsforecast peers")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", action="append", default=[], metavar="PARAM=VALUE", help="extra Forecaster parameter")
    parser.add_argument(
        "--offset", type=int, default=0, metavar="K",
        help="score the H rows that end K*H rows before the end (an earlier origin; default 0: the last H)",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", nargs="*", default=list(SERIES), choices=list(SERIES))
    add_fit_flags(parser)
    parser.add_argument("--epochs", type=int, default=None, help="override the default epochs")
    parser.add_argument("--out", default=None, help="also write the JSON here")
    parser.add_argument(
        "--table", nargs="+", default=None, metavar="FILE.json",
        help="print saved results as Markdown; several (e.g. one per --offset) are also pooled",
    )
    args = parser.parse_args(argv)
    if args.table:
        results = []
        for path in args.table:
            with open(path) as handle:
                results.append(json.load(handle))
            print(markdown(results[-1]) + "\n")
        if len(results) > 1:
            print(pooled(results))
        return 0

    peers = not args.no_peers
    if peers:
        try:
            import statsforecast  # noqa: F401
        except ImportError:
            print(
                'note: statsforecast is not installed (pip install -e ".[bench]"); peers skipped.',
                file=sys.stderr,
            )
            peers = False

    params = {"seed": args.seed, "verbose": 0, **parse_set(args.set)}
    if args.epochs:
        params["epochs"] = args.epochs
    load_start = _loadavg()
    import forecaster

    rows = {}
    for name in args.series:
        rows[name] = run_series(name, SERIES[name], params, peers, offset=args.offset)
        if args.out:  # after every series, so an interrupted run keeps what it scored
            _write(args.out, _result(forecaster, params, load_start, rows, args.offset))
        brief = {k: v["mse"] for k, v in rows[name]["scores"].items()}
        print(
            json.dumps(
                {
                    name: {
                        "seconds": rows[name]["seconds"],
                        "fitted": rows[name]["fitted"],
                        "mse": brief,
                        "mase": {k: v["mase"] for k, v in rows[name]["scores"].items()},
                    }
                }
            ),
            file=sys.stderr,
        )
    text = json.dumps(_result(forecaster, params, load_start, rows, args.offset), indent=2)
    print(text)
    if args.out:
        _write(args.out, json.loads(text))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

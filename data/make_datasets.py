"""Export REAL public-domain series that ship inside statsmodels to ``data/*.csv``.

Nothing is downloaded: every series is read from the data files bundled in
the ``statsmodels`` wheel (``statsmodels/datasets/<name>/``), which the
project installs only as the optional ``data`` extra
(``pip install -e .[data]``). The committed CSVs are what the toolkit, the
notebooks and the tests use; this script only documents and reproduces them.

Files written (see ``data/README.md`` for sources, licences and units):

==========================  ==========================  =========  ============
file                        statsmodels dataset         frequency  target
==========================  ==========================  =========  ============
``nile.csv``                ``nile``                    yearly     ``flow``
``sunspots.csv``            ``sunspots``                yearly     ``sunspots``
``co2_monthly.csv``         ``co2`` (weekly → monthly)  monthly    ``co2``
``elnino_monthly.csv``      ``elnino`` (wide → long)    monthly    ``sst``
``us_macro_quarterly.csv``  ``macrodata``               quarterly  ``realgdp``
==========================  ==========================  =========  ============

Each CSV has a ``date`` column of ISO period-start dates (``1871-01-01``,
``1958-03-01``, ``1959-04-01``) and no missing values. Regenerate with::

    .venv/bin/python data/make_datasets.py

Example:
    >>> frames = build_datasets()                      # doctest: +SKIP
    >>> frames["nile.csv"].head(2)                     # doctest: +SKIP
             date    flow
    0  1871-01-01  1120.0
    1  1872-01-01  1160.0
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import pandas as pd

OUT_DIR = Path(__file__).resolve().parent

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
MACRO_COLUMNS = (
    "realgdp",
    "realcons",
    "realinv",
    "realgovt",
    "realdpi",
    "cpi",
    "m1",
    "tbilrate",
    "unemp",
    "pop",
    "infl",
    "realint",
)


def _datasets():  # noqa: ANN202 - a module object
    try:
        from statsmodels import datasets
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise SystemExit(
            "statsmodels is needed to regenerate these files; install it with "
            "`.venv/bin/pip install -e .[data]`."
        ) from exc
    return datasets


def _year_starts(years: pd.Series) -> pd.Series:
    return pd.to_datetime(years.astype(int).astype(str) + "-01-01")


def nile() -> pd.DataFrame:
    """Annual flow of the Nile at Aswan, 1871-1970, in 10^8 m^3 (100 rows).

    Returns:
        DataFrame with columns ``date`` (year starts) and ``flow``.
    """
    raw = _datasets().nile.load_pandas().data
    return pd.DataFrame({"date": _year_starts(raw["year"]), "flow": raw["volume"].astype(float)})


def sunspots() -> pd.DataFrame:
    """Yearly mean sunspot number, 1700-2008 (309 rows).

    Returns:
        DataFrame with columns ``date`` (year starts) and ``sunspots``.
    """
    raw = _datasets().sunspots.load_pandas().data
    return pd.DataFrame(
        {"date": _year_starts(raw["YEAR"]), "sunspots": raw["SUNACTIVITY"].astype(float)}
    )


def co2_monthly() -> pd.DataFrame:
    """Mauna Loa CO2 (ppmv): weekly flask samples averaged per calendar month.

    Months with no weekly sample (1958-06, 1958-10, 1964-02 .. 1964-04) are
    filled by linear interpolation in time.

    Returns:
        DataFrame with columns ``date`` (month starts, 1958-03 .. 2001-12) and
        ``co2`` rounded to 3 decimals.
    """
    weekly = _datasets().co2.load_pandas().data["co2"]
    monthly = weekly.resample("MS").mean().interpolate(method="time")
    return pd.DataFrame({"date": monthly.index, "co2": monthly.round(3).to_numpy()})


def elnino_monthly() -> pd.DataFrame:
    """Nino 1+2 sea-surface temperature (deg C), monthly 1950-01 .. 2010-12 (732 rows).

    The statsmodels table is wide (one row per year, one column per month);
    this stacks it into one row per month.

    Returns:
        DataFrame with columns ``date`` (month starts) and ``sst``.
    """
    raw = _datasets().elnino.load_pandas().data
    long = raw.melt(id_vars="YEAR", value_vars=list(MONTHS), var_name="month", value_name="sst")
    long["date"] = pd.to_datetime(
        long["YEAR"].astype(int).astype(str) + "-" + long["month"] + "-01", format="%Y-%b-%d"
    )
    long = long.sort_values("date", ignore_index=True)
    return long[["date", "sst"]].astype({"sst": float})


def us_macro_quarterly() -> pd.DataFrame:
    """US quarterly macro data, 1959Q2 .. 2009Q3 (202 rows, 12 numeric columns).

    1959Q1 is dropped: ``infl`` and ``realint`` need the previous quarter and
    the statsmodels file stores a placeholder 0.0 there.

    Returns:
        DataFrame with ``date`` (quarter starts) and the columns of
        :data:`MACRO_COLUMNS`, target ``realgdp`` first.
    """
    raw = _datasets().macrodata.load_pandas().data
    month = (raw["quarter"].astype(int) - 1) * 3 + 1
    dates = pd.to_datetime(
        pd.DataFrame({"year": raw["year"].astype(int), "month": month, "day": 1})
    )
    frame = pd.concat([dates.rename("date"), raw[list(MACRO_COLUMNS)].astype(float)], axis=1)
    return frame.iloc[1:].reset_index(drop=True)


BUILDERS: dict[str, Callable[[], pd.DataFrame]] = {
    "nile.csv": nile,
    "sunspots.csv": sunspots,
    "co2_monthly.csv": co2_monthly,
    "elnino_monthly.csv": elnino_monthly,
    "us_macro_quarterly.csv": us_macro_quarterly,
}


def build_datasets() -> dict[str, pd.DataFrame]:
    """Build every exported table.

    Returns:
        Mapping of file name to DataFrame (``date`` first, no NaN).

    Raises:
        ValueError: if a table still has missing values (a changed upstream file).
    """
    frames = {}
    for name, build in BUILDERS.items():
        frame = build()
        if frame.isna().to_numpy().any():
            raise ValueError(
                f"{name} has missing values after cleaning; check the statsmodels data."
            )
        frames[name] = frame
    return frames


def write_datasets(out_dir: str | Path = OUT_DIR) -> list[Path]:
    """Write every table as CSV with ISO dates into ``out_dir``.

    Args:
        out_dir: target folder (created if needed).

    Returns:
        The paths written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in build_datasets().items():
        path = out_dir / name
        frame.to_csv(path, index=False, date_format="%Y-%m-%d", lineterminator="\n")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> None:
    """Command line: ``make_datasets.py [--out-dir DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", default=str(OUT_DIR), help="output folder (default: data/)")
    args = parser.parse_args(argv)
    import statsmodels

    for path in write_datasets(args.out_dir):
        rows = len(path.read_text().splitlines()) - 1
        print(f"wrote {path} ({rows} rows, statsmodels {statsmodels.__version__})")


if __name__ == "__main__":
    main()

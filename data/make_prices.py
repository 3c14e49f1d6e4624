"""Write ``data/prices.csv``: a SYNTHETIC daily stock-like OHLCV series.

Nothing here is market data. The series is simulated, seeded and fully
deterministic, so that demos and tests have a realistic-looking trading-day
series without any download or licence question.

What the simulation contains:

* Calendar: NYSE-like trading days, i.e. weekdays minus the US market
  holidays (New Year, Martin Luther King Jr. Day, Presidents' Day, Good Friday,
  Memorial Day, Juneteenth from 2022, Independence Day, Labor Day,
  Thanksgiving, Christmas), 2019-01-02 .. 2024-12-31 (1510 rows).
* Log returns ``r_t = mu + dow_effect[weekday] + eps_t`` with
  ``eps_t = sigma_t * z_t``, ``z_t`` Student-t (5 d.o.f., unit variance) and
  GARCH(1,1) variance ``sigma_t^2 = omega + alpha * eps_{t-1}^2 + beta * sigma_{t-1}^2``
  (volatility clustering, fat tails).
* A day-of-week effect in returns (weak Monday, strong Friday) and in volume
  (quiet Monday, busy Friday).
* Open = previous close times an overnight gap; Close = Open times the
  intraday part of the return; High/Low extend beyond both by a random
  positive amount, so ``Low <= min(Open, Close) <= max(Open, Close) <= High``.
* Volume: positive integers, log-normal noise around a level that rises with
  ``|r_t| / sigma_t`` and with ``sigma_t`` (busy days are volatile days).

Prices are rounded to cents (2 decimals). Regenerate with::

    .venv/bin/python data/make_prices.py            # writes data/prices.csv

Example:
    >>> frame = generate_prices(start="2024-01-02", end="2024-01-31")
    >>> list(frame.columns)
    ['Date', 'Open', 'High', 'Low', 'Close', 'Volume']
    >>> len(frame)  # 21 trading days (MLK day, 2024-01-15, is missing)
    21
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.tseries.holiday import (
    AbstractHolidayCalendar,
    GoodFriday,
    Holiday,
    USLaborDay,
    USMartinLutherKingJr,
    USMemorialDay,
    USPresidentsDay,
    USThanksgivingDay,
    nearest_workday,
    sunday_to_monday,
)
from pandas.tseries.offsets import CustomBusinessDay

SEED = 20190102
START = "2019-01-02"
END = "2024-12-31"
OUT = Path(__file__).resolve().parent / "prices.csv"

# Return model (daily log returns).
MU = 0.0004  # drift: about 10 % a year
OMEGA = 2.0e-6  # GARCH(1,1): unconditional variance omega / (1 - alpha - beta)
ALPHA = 0.08
BETA = 0.90
T_DOF = 5.0
DOW_RETURN = np.array([-0.0025, 0.0005, 0.0005, 0.0000, 0.0015])  # Mon..Fri, mean zero
# Volume model.
BASE_VOLUME = 2.0e6
DOW_VOLUME = np.array([0.85, 0.97, 1.00, 1.03, 1.15])  # Mon..Fri multipliers
START_PRICE = 100.0


class NYSEHolidayCalendar(AbstractHolidayCalendar):
    """NYSE full-day closures by rule (no one-off closures such as days of mourning).

    New Year's Day falling on a Saturday is not observed on the Friday before,
    as on the NYSE; the other fixed-date holidays move to the nearest weekday.
    """

    rules = [
        Holiday("New Year's Day", month=1, day=1, observance=sunday_to_monday),
        USMartinLutherKingJr,
        USPresidentsDay,
        GoodFriday,
        USMemorialDay,
        Holiday("Juneteenth", month=6, day=19, start_date="2022-01-01", observance=nearest_workday),
        Holiday("Independence Day", month=7, day=4, observance=nearest_workday),
        USLaborDay,
        USThanksgivingDay,
        Holiday("Christmas", month=12, day=25, observance=nearest_workday),
    ]


def trading_days(start: str = START, end: str = END) -> pd.DatetimeIndex:
    """NYSE-like trading days between ``start`` and ``end`` (inclusive).

    Args:
        start: first calendar day, ISO format.
        end: last calendar day, ISO format.

    Returns:
        A ``DatetimeIndex`` of weekdays without the market holidays.
    """
    holidays = NYSEHolidayCalendar().holidays(start=start, end=end)
    return pd.date_range(start, end, freq=CustomBusinessDay(holidays=holidays))


def generate_prices(seed: int = SEED, start: str = START, end: str = END) -> pd.DataFrame:
    """Simulate the daily OHLCV table written to ``prices.csv``.

    Args:
        seed: seed of the NumPy generator; the same seed gives the same table.
        start: first calendar day of the calendar, ISO format.
        end: last calendar day of the calendar, ISO format.

    Returns:
        DataFrame with columns ``Date`` (``datetime64``), ``Open``, ``High``,
        ``Low``, ``Close`` (floats rounded to 2 decimals) and ``Volume``
        (``int64``), one row per trading day.
    """
    dates = trading_days(start, end)
    n = len(dates)
    rng = np.random.default_rng(seed)
    weekday = dates.day_of_week.to_numpy()

    z = rng.standard_t(T_DOF, size=n) / np.sqrt(T_DOF / (T_DOF - 2.0))
    var = np.empty(n)
    eps = np.empty(n)
    var[0] = OMEGA / (1.0 - ALPHA - BETA)
    for t in range(n):
        if t:
            var[t] = OMEGA + ALPHA * eps[t - 1] ** 2 + BETA * var[t - 1]
        eps[t] = np.sqrt(var[t]) * z[t]
    sigma = np.sqrt(var)
    log_ret = MU + DOW_RETURN[weekday] + eps

    # Split each day's return into an overnight gap and an intraday move.
    gap_share = rng.uniform(0.1, 0.4, size=n)
    log_close = np.log(START_PRICE) + np.cumsum(log_ret)
    log_open = log_close - (1.0 - gap_share) * log_ret
    wick_up = np.abs(rng.normal(0.0, 0.6, size=n)) * sigma
    wick_down = np.abs(rng.normal(0.0, 0.6, size=n)) * sigma

    open_ = np.round(np.exp(log_open), 2)
    close = np.round(np.exp(log_close), 2)
    high = np.round(np.maximum(open_, close) * np.exp(wick_up), 2)
    low = np.round(np.minimum(open_, close) * np.exp(-wick_down), 2)
    high = np.maximum(high, np.maximum(open_, close))
    low = np.minimum(low, np.minimum(open_, close))

    shock = np.abs(eps) / sigma
    level = BASE_VOLUME * DOW_VOLUME[weekday] * (sigma / np.sqrt(var[0])) ** 0.5
    volume = level * np.exp(0.35 * shock + rng.normal(0.0, 0.2, size=n))
    volume = np.maximum(np.round(volume), 1).astype(np.int64)

    return pd.DataFrame(
        {"Date": dates, "Open": open_, "High": high, "Low": low, "Close": close, "Volume": volume}
    )


def write_prices(path: str | Path = OUT, seed: int = SEED) -> Path:
    """Generate the table and write it as CSV (ISO dates, prices with 2 decimals).

    Args:
        path: where to write the CSV.
        seed: seed passed to :func:`generate_prices`.

    Returns:
        The path written.
    """
    path = Path(path)
    frame = generate_prices(seed=seed)
    frame.to_csv(
        path, index=False, date_format="%Y-%m-%d", float_format="%.2f", lineterminator="\n"
    )
    return path


def main(argv: list[str] | None = None) -> None:
    """Command line: ``make_prices.py [--out FILE] [--seed S]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(OUT), help="output CSV (default: data/prices.csv)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default: {SEED})")
    args = parser.parse_args(argv)
    path = write_prices(args.out, seed=args.seed)
    rows = len(path.read_text().splitlines()) - 1
    print(f"wrote {path} ({rows} rows)")


if __name__ == "__main__":
    main()

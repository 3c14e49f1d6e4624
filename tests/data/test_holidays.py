"""Holiday-aware business days: inferred from the history, named calendars, future dates."""

import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecaster.data.holidays import (
    HolidayCalendar,
    future_business_dates,
    holiday_calendar,
    infer_holidays,
    missing_weekdays,
    resolve_holidays,
)
from forecaster.errors import ForecasterError

PRICES = Path(__file__).resolve().parents[2] / "data" / "prices.csv"
NYSE_2025 = [
    "2025-01-01",
    "2025-01-20",
    "2025-02-17",
    "2025-04-18",
    "2025-05-26",
    "2025-06-19",
    "2025-07-04",
    "2025-09-01",
    "2025-11-27",
    "2025-12-25",
]


@pytest.fixture(scope="module")
def price_dates() -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.read_csv(PRICES, usecols=["Date"], parse_dates=["Date"])["Date"])


@pytest.fixture(scope="module")
def inferred(price_dates) -> HolidayCalendar:
    return infer_holidays(price_dates)


def test_demo_series_rules_are_the_nyse_rules(inferred):
    names = [rule.name for rule in inferred.rules]
    assert names == [
        "New Year's Day",
        "Martin Luther King Jr. Day",
        "Presidents' Day",
        "Good Friday",
        "Memorial Day",
        "Juneteenth",
        "Independence Day",
        "Labor Day",
        "Thanksgiving Day",
        "Christmas Day",
    ]
    by_name = {rule.name: rule for rule in inferred.rules}
    assert by_name["Juneteenth"].start_year == 2022  # introduced during the history
    assert (
        by_name["New Year's Day"].observance == "sunday_to_monday"
    )  # 2021-12-31 was a trading day
    assert by_name["Christmas Day"].observance == "nearest_workday"  # 2021-12-24 was closed
    assert inferred.dates("2025-01-01", "2025-12-31").strftime("%Y-%m-%d").tolist() == NYSE_2025


def test_inferred_rules_explain_every_gap_and_nothing_else(price_dates, inferred):
    gaps = missing_weekdays(price_dates)
    assert len(gaps) == 55
    predicted = inferred.dates(price_dates[0], price_dates[-1])
    assert predicted[predicted.day_of_week < 5].equals(gaps)


def test_demo_forecast_skips_new_years_day(price_dates, inferred):
    assert price_dates[-1] == pd.Timestamp("2024-12-31")
    future = future_business_dates(price_dates[-1], 5, inferred)
    assert future.strftime("%Y-%m-%d").tolist() == [
        "2025-01-02",
        "2025-01-03",
        "2025-01-06",
        "2025-01-07",
        "2025-01-08",
    ]
    plain = future_business_dates(price_dates[-1], 1)
    assert plain[0] == pd.Timestamp("2025-01-01")  # what plain 'B' dates would do


def test_long_horizon_skips_a_whole_year_of_holidays(inferred):
    future = future_business_dates("2024-12-31", 252, inferred)
    assert len(future) == 252 and future.is_monotonic_increasing
    assert not future.isin(pd.DatetimeIndex(NYSE_2025)).any()
    assert (future.day_of_week < 5).all()
    assert future[-1] == pd.Timestamp(
        "2026-01-02"
    )  # 251 trading days in 2025 by rule (no one-off closures)


def test_one_off_closures_and_random_gaps_are_not_repeated():
    days = pd.bdate_range("2019-01-01", "2024-12-31")
    christmas = (days.month == 12) & (days.day == 25)
    one_off = days == pd.Timestamp("2020-03-16")
    rng = np.random.default_rng(0)
    random_gaps = rng.random(len(days)) < 0.03
    history = days[~(christmas | one_off | random_gaps)]
    calendar = infer_holidays(history)
    assert [rule.name for rule in calendar.rules] == ["Christmas Day"]
    assert not calendar.dates("2025-01-01", "2025-12-31").isin([pd.Timestamp("2025-03-16")]).any()


def test_short_history_infers_nothing():
    history = pd.bdate_range("2024-01-02", "2024-12-31")
    history = history[history != pd.Timestamp("2024-12-25")]
    calendar = infer_holidays(history)
    assert calendar.rules == ()
    assert future_business_dates("2025-12-24", 1, calendar)[0] == pd.Timestamp("2025-12-25")


def test_calendar_round_trips_through_json(inferred):
    again = HolidayCalendar.from_dict(json.loads(json.dumps(inferred.to_dict())))
    assert again == inferred
    named = HolidayCalendar.from_dict(
        json.loads(json.dumps(holiday_calendar("USFederalHolidayCalendar").to_dict()))
    )
    assert named.name == "USFederalHolidayCalendar" and named.source == "pandas"
    assert pd.Timestamp("2025-11-27") in named.dates("2025-11-01", "2025-11-30")


def test_calendars_pickle(inferred):
    assert pickle.loads(pickle.dumps(inferred)) == inferred
    named = pickle.loads(pickle.dumps(holiday_calendar("USFederalHolidayCalendar")))
    assert pd.Timestamp("2025-07-04") in named.dates("2025-07-01", "2025-07-31")


def test_pandas_calendar_by_name():
    calendar = holiday_calendar("USFederalHolidayCalendar")
    dates = calendar.dates("2025-01-01", "2025-12-31").strftime("%m-%d").tolist()
    assert {"01-01", "01-20", "05-26", "07-04", "10-13", "11-11", "11-27", "12-25"} <= set(dates)
    assert "04-18" not in dates  # Good Friday is a market holiday, not a federal one
    future = future_business_dates("2025-11-26", 2, "USFederalHolidayCalendar")
    assert future.strftime("%Y-%m-%d").tolist() == ["2025-11-28", "2025-12-01"]


@pytest.mark.parametrize("bad", ["Mars", "XXXX-not-a-calendar", "", 3])
def test_unknown_calendar_is_a_user_error(bad):
    with pytest.raises(ForecasterError, match="holiday calendar"):
        holiday_calendar(bad)


def test_exchange_calendar_when_installed():
    pytest.importorskip("exchange_calendars")
    calendar = holiday_calendar("xnys")
    assert calendar.name == "XNYS" and calendar.source == "exchange_calendars"
    dates = calendar.dates("2025-01-01", "2025-01-31").strftime("%Y-%m-%d").tolist()
    assert dates == ["2025-01-01", "2025-01-09", "2025-01-20"]  # with the one-off day of mourning
    assert future_business_dates("2025-01-08", 1, calendar)[0] == pd.Timestamp("2025-01-10")


def test_holidays_package_when_installed():
    pytest.importorskip("holidays")
    calendar = holiday_calendar("US")
    assert calendar.source == "holidays"
    assert pd.Timestamp("2025-07-04") in calendar.dates("2025-07-01", "2025-07-31")


def test_resolve_holidays_choices(price_dates):
    assert resolve_holidays(price_dates, None) is None
    assert resolve_holidays(price_dates, "none") is None
    assert resolve_holidays(price_dates, "infer").source == "inferred"
    assert resolve_holidays(price_dates, "USFederalHolidayCalendar").source == "pandas"
    explicit = resolve_holidays(None, ["2025-01-01", "2025-01-02"])
    assert future_business_dates("2024-12-31", 1, explicit)[0] == pd.Timestamp("2025-01-03")
    with pytest.raises(ForecasterError, match="`holidays` must be"):
        resolve_holidays(price_dates, 3.5)


def test_future_dates_keep_time_and_time_zone():
    last = pd.Timestamp("2024-12-31 16:00", tz="America/New_York")
    future = future_business_dates(last, 2, ["2025-01-01"])
    assert [str(d) for d in future] == ["2025-01-02 16:00:00-05:00", "2025-01-03 16:00:00-05:00"]


@pytest.mark.parametrize(
    ("last", "horizon", "message"),
    [
        ("2024-12-31", 0, "horizon"),
        ("2024-12-31", 2.5, "horizon"),
        ("not a date", 2, "last_date"),
        (None, 2, "last_date"),
    ],
)
def test_future_dates_bad_arguments(last, horizon, message):
    with pytest.raises(ForecasterError, match=message):
        future_business_dates(last, horizon)


def test_infer_bad_arguments():
    with pytest.raises(ForecasterError, match="min_count"):
        infer_holidays(pd.bdate_range("2024-01-01", periods=10), min_count=1)
    with pytest.raises(ForecasterError, match="dates"):
        infer_holidays(["not", "dates"])

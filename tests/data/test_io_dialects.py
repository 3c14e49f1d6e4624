"""Tests for forecaster.data.io reading without silent guesses: separators, decimal
marks, day-first dates, UTC offsets, daylight-saving duplicates, and missing timestamps."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecaster.data.io import B_HOLIDAY_RUN, load_series, read_table
from forecaster.errors import ForecasterError


def assert_one_sentence(message: str) -> None:
    """A user-facing error is one line and one sentence ending with a period."""
    assert "\n" not in message and message.endswith("."), message
    assert not re.search(r"[a-z)]\. [A-Z]", message), message


def write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def raises_fe(match: str):
    return pytest.raises(ForecasterError, match=match)


# --------------------------------------------------------------------------- separators and decimal marks


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_other_separators_with_decimal_commas_parse_correctly(tmp_path: Path, sep: str) -> None:
    lines = [f"date{sep}value{sep}other"] + [
        f"2024-01-{d:02d}{sep}{d},5{sep}1{d},25" for d in range(1, 8)
    ]
    s = load_series(write(tmp_path, "\n".join(lines) + "\n"), target="value", features="all")
    assert s.values[:, 0].tolist() == [d + 0.5 for d in range(1, 8)]
    assert s.values[:, 1].tolist() == pytest.approx([10 + d + 0.25 for d in range(1, 8)])
    assert s.freq == "D"


def test_semicolon_with_decimal_points_and_thousands_dots(tmp_path: Path) -> None:
    dots = "date;v\n" + "".join(f"2024-01-0{d};{d}.5\n" for d in range(1, 6))
    assert load_series(write(tmp_path, dots)).values[:, 0].tolist() == [1.5, 2.5, 3.5, 4.5, 5.5]
    # 1.234.567 can only be grouped thousands, so the decimal mark is a comma.
    grouped = "date;v\n2024-01-01;1.234.567\n2024-01-02;0,5\n2024-01-03;2,5\n"
    frame = read_table(write(tmp_path, grouped, "g.csv"))
    assert list(frame.columns) == ["date", "v"]


def test_quoted_decimal_commas_in_a_comma_file(tmp_path: Path) -> None:
    text = 'date,v\n2024-01-01,"1,5"\n2024-01-02,"2,5"\n2024-01-03,"3,25"\n'
    assert load_series(write(tmp_path, text)).values[:, 0].tolist() == [1.5, 2.5, 3.25]


def test_single_column_with_decimal_commas_is_refused_not_misread(tmp_path: Path) -> None:
    # pandas alone would read "1,5" as index 1 and value 5.
    path = write(tmp_path, "value\n1,5\n2,5\n3,5\n")
    with raises_fe(r"line 2 has 2 fields but the header has 1 .*--sep, --decimal") as info:
        load_series(path)
    assert_one_sentence(str(info.value))
    s = load_series(path, sep=";", decimal=",")
    assert s.values[:, 0].tolist() == [1.5, 2.5, 3.5]


def test_trailing_separator_would_shift_columns_and_is_refused(tmp_path: Path) -> None:
    with raises_fe("has 3 fields but the header has 2"):
        load_series(write(tmp_path, "date,v\n2024-01-01,1,\n2024-01-02,2,\n"))


def test_two_consistent_separators_are_ambiguous(tmp_path: Path) -> None:
    path = write(tmp_path, "date;value,eur\n2024-01-01;1,5\n2024-01-02;2,5\n2024-01-03;3,5\n")
    with raises_fe(r"cannot tell the column separator .*',' and ';'.*--sep") as info:
        load_series(path)
    assert_one_sentence(str(info.value))
    s = load_series(path, sep=";", decimal=",")
    assert s.columns == ("value,eur",) and s.values[:, 0].tolist() == [1.5, 2.5, 3.5]


@pytest.mark.parametrize("value", ["1,234", "1.234"])
def test_one_thousands_group_is_ambiguous_outside_comma_files(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, "date;v\n" + "".join(f"2024-01-0{d};{value}\n" for d in range(1, 5)))
    with raises_fe(
        r"cannot tell whether '[.,]' in values like .* decimal mark or a thousands separator"
    ) as info:
        load_series(path)
    assert "--decimal" in str(info.value)
    assert_one_sentence(str(info.value))
    mark = value[1]
    assert load_series(path, decimal=mark).values[0, 0] == pytest.approx(1.234)


def test_mixed_decimal_marks_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "date;v\n2024-01-01;1,5\n2024-01-02;2.5\n2024-01-03;3,5\n")
    with raises_fe(r"mixes decimal points \('2.5'\) and decimal commas \('1,5'\)") as info:
        load_series(path)
    assert_one_sentence(str(info.value))


def test_comma_file_with_three_decimals_is_not_ambiguous(tmp_path: Path) -> None:
    s = load_series(
        write(tmp_path, "date,v\n2024-01-01,1.234\n2024-01-02,2.345\n2024-01-03,3.456\n")
    )
    assert s.values[:, 0].tolist() == pytest.approx([1.234, 2.345, 3.456])


def test_explicit_decimal_comma_that_does_not_fit_says_so(tmp_path: Path) -> None:
    # A comma value beyond the sampled part (or under an explicit wrong mark) is an error, never a misread.
    path = write(tmp_path, "date;v\n2024-01-01;1,5\n2024-01-02;2,5\n")
    with raises_fe(r"column 'v' is not numeric \(value '1,5' at row 1\); .*decimal=','") as info:
        load_series(path, decimal=".", target="v")
    assert_one_sentence(str(info.value))
    with raises_fe(
        r"no numeric column to forecast \(column 'v' holds values like '1,5'\); .*decimal=','"
    ) as info:
        load_series(path, decimal=".")
    assert_one_sentence(str(info.value))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sep": ";;"}, "`sep` must be one character"),
        ({"sep": "a"}, "`sep` must be one character"),
        ({"sep": 1}, "`sep` must be one character"),
        ({"decimal": ";"}, r"`decimal` must be '\.' or ','"),
        ({"dayfirst": "yes"}, "`dayfirst` must be True, False or None"),
    ],
)
def test_bad_dialect_arguments(tmp_path: Path, kwargs: dict, match: str) -> None:
    with raises_fe(match) as info:
        load_series(write(tmp_path, "date,v\n2024-01-01,1\n"), **kwargs)
    assert_one_sentence(str(info.value))


def test_tab_alias(tmp_path: Path) -> None:
    path = write(tmp_path, "date\tv\n2024-01-01\t1\n2024-01-02\t2\n2024-01-03\t3\n")
    assert load_series(path, sep="\\t").values[:, 0].tolist() == [1.0, 2.0, 3.0]
    assert load_series(path, sep="tab").values[:, 0].tolist() == [1.0, 2.0, 3.0]


# --------------------------------------------------------------------------- day and month order


def test_day_first_dates_detected_from_a_day_above_12(tmp_path: Path) -> None:
    days = pd.date_range("2024-01-01", periods=40)
    text = "date,v\n" + "".join(f"{d:%d/%m/%Y},{i}\n" for i, d in enumerate(days))
    s = load_series(write(tmp_path, text))
    assert list(s.dates) == list(days)
    assert s.freq == "D"
    assert s.values[:, 0].tolist() == list(range(40))


def test_month_first_dates_detected_from_a_second_field_above_12(tmp_path: Path) -> None:
    days = pd.date_range("2024-01-01", periods=40, freq="h")
    text = "date,v\n" + "".join(f"{d:%m-%d-%Y %H:%M},{i}\n" for i, d in enumerate(days))
    s = load_series(write(tmp_path, text))
    assert list(s.dates) == list(days) and s.freq == "h"


def test_dotted_two_digit_years_day_first() -> None:
    df = pd.DataFrame(
        {"date": ["30.12.99", "31.12.99", "01.01.00", "02.01.00"], "v": [1.0, 2, 3, 4]}
    )
    s = load_series(df)
    assert list(s.dates) == list(pd.date_range("1999-12-30", periods=4))


def test_day_order_inferred_from_a_regular_calendar() -> None:
    # Monthly data on the 1st over two years: no field above 12, but only day-first is regular.
    months = pd.date_range("2023-01-01", periods=24, freq="MS")
    s = load_series(pd.DataFrame({"date": [f"{d:%d/%m/%Y}" for d in months], "v": np.arange(24.0)}))
    assert list(s.dates) == list(months) and s.freq == "MS"


def test_ambiguous_day_order_is_an_error_with_the_hint(tmp_path: Path) -> None:
    # Jan 1-12 written day-first reads as the 1st of each month when month-first: both regular.
    days = pd.date_range("2024-01-01", periods=12)
    path = write(tmp_path, "date,v\n" + "".join(f"{d:%d/%m/%Y},{i}\n" for i, d in enumerate(days)))
    with raises_fe(
        r"dates like '01/01/2024' that read as day-first or month-first alike; pass dayfirst="
    ) as info:
        load_series(path)
    assert "--dayfirst" in str(info.value)
    assert_one_sentence(str(info.value))
    assert list(load_series(path, dayfirst=True).dates) == list(days)
    assert load_series(path, dayfirst=False).freq == "MS"


def test_contradicting_day_orders_are_an_error() -> None:
    df = pd.DataFrame({"date": ["13/01/2024", "01/14/2024", "02/02/2024"], "v": [1.0, 2, 3]})
    with raises_fe(
        r"first field above 12 in '13/01/2024' and a second field above 12 in '01/14/2024'"
    ) as info:
        load_series(df)
    assert_one_sentence(str(info.value))


def test_explicit_dayfirst_false_rejects_day_first_data() -> None:
    df = pd.DataFrame({"date": ["12/01/2024", "13/01/2024", "14/01/2024"], "v": [1.0, 2, 3]})
    assert load_series(df, dayfirst=True).dates[1] == pd.Timestamp("2024-01-13")
    with raises_fe(r"has 2 values that are not dates \(first at row 2: '13/01/2024'\)"):
        load_series(df, dayfirst=False)


def test_iso_dates_ignore_dayfirst() -> None:
    df = pd.DataFrame({"date": ["2024-01-02", "2024-01-03", "2024-01-04"], "v": [1.0, 2, 3]})
    for dayfirst in (None, True, False):
        assert load_series(df, dayfirst=dayfirst).dates[0] == pd.Timestamp("2024-01-02")


# --------------------------------------------------------------------------- UTC offsets and daylight saving


def test_changing_utc_offsets_are_converted_to_utc(tmp_path: Path) -> None:
    # Europe/Paris across the spring change: +01:00 then +02:00, one row per hour.
    local = pd.date_range("2024-03-30 22:00", "2024-03-31 06:00", freq="h", tz="Europe/Paris")
    text = "date,v\n" + "".join(f"{t.isoformat()},{i}\n" for i, t in enumerate(local))
    s = load_series(write(tmp_path, text))
    assert s.dates.tz is None
    assert list(s.dates) == list(local.tz_convert("UTC").tz_localize(None))
    assert s.freq == "h"
    z = pd.DataFrame(
        {
            "date": ["2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z", "2024-01-01T02:00Z"],
            "v": [1.0, 2, 3],
        }
    )
    assert load_series(z).freq == "h"


def test_mixing_offsets_and_naive_timestamps_is_an_error() -> None:
    df = pd.DataFrame(
        {
            "date": [
                "2024-01-01T00:00:00+01:00",
                "2024-01-01 01:00:00",
                "2024-01-01T02:00:00+01:00",
            ],
            "v": [1.0, 2, 3],
        }
    )
    with raises_fe(r"mixes timestamps with a UTC offset and without one \(row 2") as info:
        load_series(df)
    assert_one_sentence(str(info.value))


def test_repeated_local_hour_at_the_end_of_daylight_saving_is_a_clear_error(tmp_path: Path) -> None:
    local = pd.date_range("2024-10-26 22:00", "2024-10-27 06:00", freq="30min", tz="Europe/Paris")
    text = "date,v\n" + "".join(f"{t:%Y-%m-%d %H:%M},{i}\n" for i, t in enumerate(local))
    with raises_fe(
        r"timestamp 2024-10-27 02:00:00 appears more than once, as local clock times do when daylight "
        r"saving time ends; write the timestamps in UTC or with their UTC offset"
    ) as info:
        load_series(write(tmp_path, text))
    assert_one_sentence(str(info.value))
    panel = pd.DataFrame(
        {
            "id": "a",
            "date": [f"{t:%Y-%m-%d %H:%M}" for t in local],
            "v": np.arange(len(local), dtype=float),
        }
    )
    with raises_fe(
        r"series 'a' .* more than once, as local clock times do when daylight saving time ends"
    ):
        load_series(panel, id_col="id")
    # With offsets the same rows are distinct instants.
    text = "date,v\n" + "".join(f"{t.isoformat()},{i}\n" for i, t in enumerate(local))
    assert load_series(write(tmp_path, text, "utc.csv")).freq == "30min"


def test_an_ordinary_duplicate_keeps_the_plain_message() -> None:
    df = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-01 12:00", "2024-01-01 13:00", "2024-01-01 13:00"]),
            "v": [1.0, 2, 3],
        }
    )
    with raises_fe(
        r"timestamp 2024-01-01 13:00:00 appears more than once; keep one row per timestamp"
    ):
        load_series(df)


# --------------------------------------------------------------------------- missing timestamps (gaps)


def gappy(n: int = 30, drop: tuple[int, ...] = (5, 6, 7, 20), freq: str = "D") -> pd.DataFrame:
    dates = pd.date_range("2024-01-01", periods=n, freq=freq)
    frame = pd.DataFrame({"date": dates, "v": np.arange(n, dtype=float)})
    return frame.drop(index=list(drop)).reset_index(drop=True)


def test_gap_without_fill_names_the_first_gap_and_the_count() -> None:
    with raises_fe(
        r"the dates skip timestamps of their frequency 'D' \(4 missing rows, the first gap between 2024-01-05 "
        r"and 2024-01-09\); pass fill='ffill' or fill='interpolate' \(CLI: --fill\)"
    ) as info:
        load_series(gappy())
    assert_one_sentence(str(info.value))


@pytest.mark.parametrize("freq", ["MS", "h", "W-SUN", "QS-JAN", "15min"])
def test_gaps_are_found_for_calendar_and_fixed_frequencies(freq: str) -> None:
    with raises_fe(f"frequency '{freq}' \\(4 missing rows"):
        load_series(gappy(freq=freq))


def test_fill_inserts_the_missing_rows_and_fills_them() -> None:
    interp = load_series(gappy(), fill="interpolate")
    assert list(interp.dates) == list(pd.date_range("2024-01-01", periods=30))
    assert interp.values[:, 0].tolist() == list(range(30))  # a straight line interpolates exactly
    assert interp.freq == "D"
    ffill = load_series(gappy(), fill="ffill").values[:, 0].tolist()
    assert ffill[4:9] == [4.0, 4.0, 4.0, 4.0, 8.0] and ffill[20] == 19.0
    weekly = load_series(gappy(freq="W-SUN"), fill="ffill")
    assert weekly.freq == "W-SUN" and len(weekly.values) == 30


def test_fill_is_per_series_in_a_panel() -> None:
    a = gappy(10, drop=(3, 4)).assign(store="a")
    b = gappy(8, drop=()).assign(store="b", v=lambda f: f["v"] + 100)
    c = gappy(10, drop=(8,)).assign(store="c", v=lambda f: f["v"] + 200)
    panel = pd.concat([c, a, b], ignore_index=True)
    with raises_fe(
        r"series 'a' \(column 'store'\) skips timestamps of its frequency 'D' \(2 missing rows, the "
        r"first gap between 2024-01-03 and 2024-01-06; 1 other series have gaps too\)"
    ) as info:
        load_series(panel, id_col="store")
    assert_one_sentence(str(info.value))
    s = load_series(panel, id_col="store", fill="interpolate")
    segments = s.segments()
    assert [(sid, b - a) for sid, a, b in segments] == [("a", 10), ("b", 8), ("c", 10)]
    for sid, a, b in segments:
        base = {"a": 0, "b": 100, "c": 200}[sid]
        assert s.values[a:b, 0].tolist() == [base + i for i in range(b - a)]
        assert (s.ids[a:b] == sid).all()
        assert list(s.dates[a:b]) == list(pd.date_range("2024-01-01", periods=b - a))


def test_nan_values_and_gaps_are_filled_together() -> None:
    frame = gappy(10, drop=(4,))
    frame.loc[1, "v"] = np.nan
    s = load_series(frame, fill="interpolate")
    assert s.values[:, 0].tolist() == list(range(10))
    with raises_fe("has 1 missing or infinite values"):  # NaN first, as before
        load_series(frame)


def test_business_days_keep_short_holiday_runs_and_flag_long_closures() -> None:
    days = pd.bdate_range("2024-01-01", periods=60)
    holidays = [days[10], days[30], days[31]]  # one single day and one run of two
    kept = days.drop(holidays)
    frame = pd.DataFrame({"Date": kept, "Close": np.arange(len(kept), dtype=float)})
    s = load_series(frame)
    assert s.freq == "B" and list(s.dates) == list(kept)
    assert load_series(frame, fill="ffill").values.shape[0] == len(kept)  # holidays are not filled
    closed = kept.drop(
        days[45 : 45 + B_HOLIDAY_RUN + 2]
    )  # a closure of four weekdays (e.g. 2001-09-11)
    frame = pd.DataFrame({"Date": closed, "Close": np.arange(len(closed), dtype=float)})
    with raises_fe(
        r"frequency 'B' \(4 missing rows, the first gap between 2024-03-01 and 2024-03-08\) beyond "
        r"holidays of up to 2 weekdays"
    ) as info:
        load_series(frame)
    assert_one_sentence(str(info.value))
    filled = load_series(frame, fill="ffill")
    assert filled.freq == "B" and len(filled.dates) == len(closed) + 4
    assert days[46] in filled.dates and days[10] not in filled.dates


def test_off_grid_and_irregular_dates_are_not_gaps() -> None:
    jitter = pd.date_range("2024", periods=6, freq="10ms") + pd.to_timedelta(
        [0, 0, 1, 0, 0, 0], unit="ms"
    )
    assert load_series(pd.DataFrame({"date": jitter, "v": np.arange(6.0)})).freq == "10ms"
    mid_month = pd.DatetimeIndex(["2024-01-15", "2024-02-15", "2024-04-15", "2024-05-15"])
    assert load_series(pd.DataFrame({"date": mid_month, "v": np.arange(4.0)})) is not None


def test_spring_forward_gap_mentions_daylight_saving() -> None:
    hours = pd.date_range("2024-03-30 20:00", "2024-03-31 06:00", freq="h").drop(
        pd.Timestamp("2024-03-31 02:00")
    )
    with raises_fe(r"local clock times skip an hour when daylight saving time starts") as info:
        load_series(pd.DataFrame({"date": hours, "v": np.arange(len(hours), dtype=float)}))
    assert_one_sentence(str(info.value))


def test_a_gap_too_large_to_fill_is_refused() -> None:
    dates = pd.DatetimeIndex(
        ["2024-01-01 00:00:00", "2024-01-01 00:00:01", "2024-01-01 00:00:02", "2024-02-01"]
    )
    frame = pd.DataFrame({"date": dates, "v": np.arange(4.0)})
    with raises_fe(r"filling the gaps would add \d+ rows to 4 .*resample the data first") as info:
        load_series(frame, fill="ffill")
    assert_one_sentence(str(info.value))

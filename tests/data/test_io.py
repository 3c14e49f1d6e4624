"""Tests for forecaster.data.io: loading, column roles, frequency and validation."""

from __future__ import annotations

import re
import string
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from forecaster.data.io import SeriesData, load_series, read_table, require_length
from forecaster.errors import ForecasterError


def assert_one_sentence(message: str, *, strict: bool = True) -> None:
    """A user-facing error is one line, one sentence, ending with a period.

    ``strict=False`` (for random column names, which may hold ". X") skips the
    check for a second sentence.
    """
    assert "\n" not in message and "\r" not in message, message
    assert message.endswith("."), message
    if strict:
        assert not re.search(r"[a-z)]\. [A-Z]", message), message


def raises_fe(match: str | None = None):
    return pytest.raises(ForecasterError, match=match)


# --------------------------------------------------------------------------- loading


def test_csv_path_and_dataframe_give_the_same_series(tmp_path: Path, daily_frame) -> None:
    df = daily_frame(20, ("Close", "Volume"))
    path = tmp_path / "prices.csv"
    df.to_csv(path, index=False)

    from_df = load_series(df)
    from_csv = load_series(path)
    from_str = load_series(str(path))

    for s in (from_df, from_csv, from_str):
        assert isinstance(s, SeriesData)
        assert s.values.dtype == np.float32
        assert s.values.flags.c_contiguous
        assert s.values.shape == (20, 1)
        assert s.columns == ("Close",)
        assert s.targets == ("Close",)
        assert s.n_targets == 1 and s.n_features == 1
        assert s.date_col == "Date"
        assert s.freq == "D"
        assert list(s.dates) == list(df["Date"])
    np.testing.assert_allclose(from_csv.values, from_df.values, rtol=1e-6)
    np.testing.assert_array_equal(from_df.values[:, 0], df["Close"].to_numpy(np.float32))


def test_read_table_passes_a_dataframe_through_and_rejects_other_types() -> None:
    df = pd.DataFrame({"a": [1]})
    assert read_table(df) is df
    with raises_fe("CSV path or a pandas DataFrame") as info:
        read_table([1, 2, 3])  # type: ignore[arg-type]
    assert_one_sentence(str(info.value))


@pytest.mark.parametrize("name", ["date", "Date", "DATETIME", "timestamp", "time", "ds"])
def test_date_column_detected_by_name(name: str) -> None:
    df = pd.DataFrame({"v": [1.0, 2.0, 3.0], name: ["2024-01-03", "2024-01-01", "2024-01-02"]})
    s = load_series(df)
    assert s.date_col == name
    assert list(s.dates) == list(pd.date_range("2024-01-01", periods=3))
    assert s.values[:, 0].tolist() == [2.0, 3.0, 1.0]  # sorted by date, values follow


def test_date_detected_from_a_first_column_of_date_strings(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("Day,Sales\n2024-01-01,1\n2024-01-02,2\n2024-01-03,3\n2024-01-04,4\n")
    s = load_series(path)
    assert s.date_col == "Day"
    assert s.columns == ("Sales",)
    assert s.freq == "D"


def test_date_from_a_datetime_index_tz_aware_becomes_naive_utc() -> None:
    index = pd.date_range("2024-01-01", periods=4, freq="h", tz="Europe/Paris", name="when")
    s = load_series(pd.DataFrame({"v": np.arange(4.0)}, index=index))
    assert s.date_col == "when"
    assert s.dates.tz is None
    assert s.dates[0] == pd.Timestamp("2023-12-31 23:00")
    assert s.freq == "h"


def test_explicit_date_col_and_no_date_column() -> None:
    df = pd.DataFrame({"when": ["2024-01-02", "2024-01-01", "2024-01-03"], "v": [2.0, 1.0, 3.0]})
    s = load_series(df, date_col="when")
    assert s.values[:, 0].tolist() == [1.0, 2.0, 3.0]
    plain = load_series(pd.DataFrame({"v": [3.0, 1.0, 2.0]}))
    assert plain.dates is None and plain.freq is None and plain.date_col is None
    assert plain.values[:, 0].tolist() == [3.0, 1.0, 2.0]  # no dates: file order kept


# --------------------------------------------------------------------------- columns


@pytest.mark.parametrize("name", ["close", "Close", "PRICE", "Value", "y", "Target"])
def test_default_target_by_conventional_name(name: str) -> None:
    df = pd.DataFrame({"date": pd.date_range("2024", periods=3), "other": [1, 2, 3], name: [4.0, 5, 6]})
    s = load_series(df)
    assert s.targets == (name,)
    assert s.values[:, 0].tolist() == [4.0, 5.0, 6.0]


def test_default_target_is_the_only_numeric_column() -> None:
    df = pd.DataFrame({"date": pd.date_range("2024", periods=3), "label": ["a", "b", "c"], "x": [1, 2, 3]})
    assert load_series(df).targets == ("x",)


def test_ambiguous_target_lists_the_numeric_columns() -> None:
    df = pd.DataFrame({"date": pd.date_range("2024", periods=3), "a": [1.0, 2, 3], "b": [4, 5, 6], "s": list("xyz")})
    with raises_fe("pass --target with one of: a, b") as info:
        load_series(df)
    assert "s" not in str(info.value).split("one of:")[1]
    assert_one_sentence(str(info.value))


def test_no_numeric_column() -> None:
    with raises_fe("no numeric column") as info:
        load_series(pd.DataFrame({"date": pd.date_range("2024", periods=2), "s": ["a", "b"]}))
    assert_one_sentence(str(info.value))


def test_targets_and_features_order() -> None:
    df = pd.DataFrame(
        {
            "date": pd.date_range("2024", periods=3),
            "a": [1.0, 2, 3],
            "b": [4.0, 5, 6],
            "c": [7.0, 8, 9],
            "name": list("xyz"),
        }
    )
    s = load_series(df, target=["b", "a"], features="all")
    assert s.columns == ("b", "a", "c") and s.targets == ("b", "a")
    assert s.values[0].tolist() == [4.0, 1.0, 7.0]
    assert load_series(df, target="a", features=["c", "b", "c"]).columns == ("a", "c", "b")
    assert load_series(df, target="a", features="c, a").columns == ("a", "c")
    assert load_series(df, target="a").columns == ("a",)


def test_numeric_text_column_counts_as_numeric() -> None:
    df = pd.DataFrame({"v": pd.Series(["1", "2.5", "-3"], dtype=object)})
    assert load_series(df).values[:, 0].tolist() == [1.0, 2.5, -3.0]
    df = pd.DataFrame({"v": pd.Series(["1", "2.5", "-3"], dtype="string")})
    assert load_series(df).values[:, 0].tolist() == [1.0, 2.5, -3.0]


@pytest.mark.parametrize(
    ("kwargs", "role"),
    [
        ({"target": "nope"}, "target column 'nope'"),
        ({"date_col": "nope"}, "date column 'nope'"),
        ({"target": "v", "features": ["nope"]}, "feature column 'nope'"),
        ({"id_col": "nope"}, "id column 'nope'"),
    ],
)
def test_unknown_column_lists_the_existing_ones(kwargs: dict, role: str) -> None:
    df = pd.DataFrame({"date": pd.date_range("2024", periods=3), "v": [1.0, 2, 3], "w": [1, 2, 3]})
    with raises_fe(re.escape(role)) as info:
        load_series(df, **kwargs)
    assert str(info.value).endswith("the columns are: date, v, w.")
    assert_one_sentence(str(info.value))


@pytest.mark.parametrize(
    "column",
    [
        pd.Series(["1", "x", "3"]),
        pd.Series([1, "x", 3], dtype=object),
        pd.Series([1.0, [2], 3.0], dtype=object),
    ],
)
def test_non_numeric_target_names_the_value_and_row(column: pd.Series) -> None:
    df = pd.DataFrame({"date": pd.date_range("2024", periods=3), "v": column})
    with raises_fe("column 'v' is not numeric .* at row 2") as info:
        load_series(df, target="v")
    assert_one_sentence(str(info.value))


@pytest.mark.parametrize(
    "column",
    [
        pd.date_range("2020", periods=3),
        pd.to_timedelta([1, 2, 3], unit="s"),
        np.array([1 + 1j, 2, 3]),
    ],
)
def test_non_numeric_dtypes_are_not_silently_converted(column) -> None:
    df = pd.DataFrame({"v": [1.0, 2, 3], "other": column})
    with raises_fe("column 'other' is not numeric") as info:
        load_series(df, target="other")
    assert_one_sentence(str(info.value))


def test_date_or_id_column_cannot_be_target_or_feature() -> None:
    df = pd.DataFrame({"date": pd.date_range("2024", periods=3), "v": [1.0, 2, 3]})
    with raises_fe("cannot be a target"):
        load_series(df, target="date")
    with raises_fe("cannot be a feature"):
        load_series(df, target="v", features=["date"])
    with raises_fe("names the same column twice"):
        load_series(df, target=["v", "v"])
    with raises_fe("`target` is empty"):
        load_series(df, target=[])


def test_messages_stay_on_one_line_for_odd_column_names() -> None:
    df = pd.DataFrame({"a\nb": ["x", "y", "z"], "v": [1.0, 2.0, 3.0]})
    with raises_fe(r"column 'a\\nb' is not numeric") as info:
        load_series(df, target="a\nb")
    assert_one_sentence(str(info.value))


def test_duplicate_column_names_after_stripping() -> None:
    df = pd.DataFrame([[1.0, 2.0]], columns=["v", " v "])
    with raises_fe("column name 'v' appears twice") as info:
        load_series(df)
    assert_one_sentence(str(info.value))


# --------------------------------------------------------------------------- frequency


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (pd.date_range("2024-01-01", periods=30, freq="D"), "D"),
        (pd.date_range("2024-01-01", periods=30, freq="h"), "h"),
        (pd.date_range("2024-01-01", periods=30, freq="15min"), "15min"),
        (pd.date_range("2024-01-01", periods=12, freq="MS"), "MS"),
        (pd.date_range("2024-01-01", periods=12, freq="W-SUN"), "W-SUN"),
        (pd.bdate_range("2024-01-01", periods=30), "B"),
    ],
)
def test_regular_frequencies(index: pd.DatetimeIndex, expected: str) -> None:
    df = pd.DataFrame({"date": index, "v": np.arange(len(index), dtype=float)})
    assert load_series(df).freq == expected


def stock_like_csv(path: Path, n: int = 80) -> pd.DatetimeIndex:
    """Trading days: business days with a few market holidays missing."""
    days = pd.bdate_range("2024-01-01", periods=n)
    holidays = {days[0], days[11], days[32], days[50]}
    kept = pd.DatetimeIndex([d for d in days if d not in holidays])
    lines = ["Date,Open,Close"] + [f"{d.date()},{i + 0.5},{i}" for i, d in enumerate(kept)]
    path.write_text("\n".join(lines) + "\n")
    return kept


def test_business_days_with_holidays_missing_are_B(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    kept = stock_like_csv(path)
    s = load_series(path)
    assert s.freq == "B"
    assert s.targets == ("Close",)
    assert list(s.dates) == list(kept)
    frame = pd.DataFrame({"Date": kept, "Close": np.arange(len(kept), dtype=float)})
    assert load_series(frame).freq == "B"


def test_irregular_and_short_series_frequency() -> None:
    dates = pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-05", "2024-01-06"])
    assert load_series(pd.DataFrame({"date": dates[:2], "v": [1.0, 2.0]})).freq is None
    # Sub-second steps keep their unit (not rounded to whole seconds).
    ms = pd.date_range("2024", periods=6, freq="10ms") + pd.to_timedelta([0, 0, 1, 0, 0, 0], unit="ms")
    assert load_series(pd.DataFrame({"date": ms, "v": np.arange(6.0)})).freq == "10ms"


# --------------------------------------------------------------------------- validation


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with raises_fe("does not exist") as info:
        load_series(tmp_path / "nope.csv")
    assert "nope.csv" in str(info.value)
    assert_one_sentence(str(info.value))
    with raises_fe("is a directory") as info:
        load_series(tmp_path)
    assert_one_sentence(str(info.value))


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "is empty"),
        (b"Date,Close\n", "no data rows"),
        (b"a,b\n1,2\n3,4,5,6\n", "could not read"),
        (b"\xff\xfe\x00\x81\x9f\xc3(\n\x00\xa0\xa1", "could not read"),
    ],
)
def test_unreadable_csv(tmp_path: Path, content: bytes, match: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with raises_fe(match) as info:
        load_series(path)
    assert_one_sentence(str(info.value))


def test_no_rows_or_no_columns() -> None:
    with raises_fe("no rows"):
        load_series(pd.DataFrame({"v": pd.Series([], dtype=float)}))
    with raises_fe("no columns"):
        load_series(pd.DataFrame(index=range(3)))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_says_where(bad: float) -> None:
    df = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=5), "v": [1.0, 2.0, bad, 4.0, 5.0]})
    with raises_fe(r"column 'v' has 1 missing or infinite values \(first at row 3, 2024-01-03\)") as info:
        load_series(df)
    assert "fill='ffill'" in str(info.value)
    assert_one_sentence(str(info.value))


def test_fill_options() -> None:
    df = pd.DataFrame(
        {"date": pd.date_range("2024-01-01", periods=6), "v": [np.nan, 1.0, np.nan, np.inf, 4.0, np.nan]}
    )
    ffill = load_series(df, fill="ffill").values[:, 0].tolist()
    assert ffill == [1.0, 1.0, 1.0, 1.0, 4.0, 4.0]
    interp = load_series(df, fill="interpolate").values[:, 0].tolist()
    assert interp == [1.0, 1.0, 2.0, 3.0, 4.0, 4.0]
    with raises_fe(r"`fill` must be one of none, ffill, interpolate \(received fill='zero'\)") as info:
        load_series(df, fill="zero")
    assert_one_sentence(str(info.value))
    all_nan = pd.DataFrame({"date": pd.date_range("2024", periods=3), "v": [1.0, 2, 3], "w": [np.nan] * 3})
    with raises_fe("column 'w' has no valid values"):
        load_series(all_nan, target="v", features="w", fill="ffill")


def test_values_too_large_for_float32() -> None:
    with raises_fe("overflow float32"):
        load_series(pd.DataFrame({"v": [1e300, 2.0, 3.0]}))


def test_duplicate_timestamps() -> None:
    df = pd.DataFrame({"date": ["2024-01-01", "2024-01-02", "2024-01-02"], "v": [1.0, 2.0, 3.0]})
    with raises_fe("timestamp 2024-01-02 00:00:00 appears more than once") as info:
        load_series(df)
    assert "--id-col" in str(info.value)
    assert_one_sentence(str(info.value))


def test_unparseable_dates_say_where() -> None:
    df = pd.DataFrame({"date": ["2024-01-01", "soon", "2024-01-03", "later"], "v": [1.0, 2, 3, 4]})
    with raises_fe(r"date column 'date' has 2 values that are not dates \(first at row 2: 'soon'\)") as info:
        load_series(df)
    assert_one_sentence(str(info.value))
    with raises_fe("holds numbers, not dates") as info:
        load_series(pd.DataFrame({"t": [1, 2, 3], "v": [1.0, 2, 3]}), date_col="t")
    assert_one_sentence(str(info.value))


def test_require_length() -> None:
    require_length(60, input_width=48, horizon=12)
    with raises_fe(r"series has 59 rows; input_width \+ horizon = 60 are needed") as info:
        require_length(59, input_width=48, horizon=12)
    assert_one_sentence(str(info.value))
    with raises_fe(r"^series 'a' has 5 rows; predicting needs the last input_width = 8 rows") as info:
        require_length(5, input_width=8, horizon=0, what="series 'a'")
    assert "horizon" not in str(info.value)
    assert_one_sentence(str(info.value))
    with raises_fe("^training part has 3 rows"):
        require_length(3, 2, 2, what="training part")


# --------------------------------------------------------------------------- long format


def long_frame() -> pd.DataFrame:
    rows = []
    for sid, n, start in (("b", 5, "2024-01-01"), ("a", 4, "2024-01-02"), ("c", 3, "2024-01-01")):
        for i, d in enumerate(pd.date_range(start, periods=n)):
            rows.append({"store": sid, "date": d, "sales": float(ord(sid) * 100 + i)})
    return pd.DataFrame(rows).sample(frac=1.0, random_state=0).reset_index(drop=True)


def test_long_format_groups_and_sorts_each_series() -> None:
    s = load_series(long_frame(), id_col="store")
    assert s.id_col == "store" and s.columns == ("sales",)
    segments = s.segments()
    assert [(sid, a, b) for sid, a, b in segments] == [("a", 0, 4), ("b", 4, 9), ("c", 9, 12)]
    for sid, a, b in segments:
        assert (s.ids[a:b] == sid).all()
        assert s.dates[a:b].is_monotonic_increasing
        base = ord(sid) * 100
        assert s.values[a:b, 0].tolist() == [base + i for i in range(b - a)]
    assert s.freq == "D"


def test_long_format_duplicates_are_per_series() -> None:
    df = long_frame()
    # The same date in different series is fine (it already happens in long_frame()).
    dup = pd.concat([df, df[df["store"] == "a"].head(1)], ignore_index=True)
    with raises_fe(r"series 'a' \(column 'store'\) has timestamp 2024-01-0\d 00:00:00 more than once") as info:
        load_series(dup, id_col="store")
    assert_one_sentence(str(info.value))
    missing = df.copy()
    missing.loc[0, "store"] = None
    with raises_fe("id column 'store' has missing values"):
        load_series(missing, id_col="store")


def test_long_format_fill_stays_inside_each_series() -> None:
    df = pd.DataFrame(
        {
            "id": ["x", "x", "y", "y"],
            "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01", "2024-01-02"]),
            "v": [1.0, 2.0, np.nan, 5.0],
        }
    )
    s = load_series(df, id_col="id", fill="ffill")
    assert s.values[:, 0].tolist() == [1.0, 2.0, 5.0, 5.0]  # y's gap filled from y, not from x


def test_long_format_without_dates_keeps_file_order_per_series() -> None:
    df = pd.DataFrame({"id": ["b", "a", "b", "a"], "v": [1.0, 2.0, 3.0, 4.0]})
    s = load_series(df, id_col="id")
    assert s.ids.tolist() == ["a", "a", "b", "b"]
    assert s.values[:, 0].tolist() == [2.0, 4.0, 1.0, 3.0]


# --------------------------------------------------------------------------- property tests

NAMES = ["date", "Date", "Close", "value", "y", "a", "b", "x 1", "", " ", "1", "time", "id"]


def _numbers(n: int):
    return st.lists(
        st.one_of(
            st.floats(-1e6, 1e6),
            st.floats(-1e6, 1e6),
            st.floats(allow_nan=True, allow_infinity=True, width=64),
            st.integers(-(2**40), 2**40),
            st.sampled_from([1e39, -1e300, 0.0, np.nan]),
        ),
        min_size=n,
        max_size=n,
    )


def _dates(n: int):
    return st.lists(
        st.datetimes(
            min_value=pd.Timestamp("1900-01-01").to_pydatetime(),
            max_value=pd.Timestamp("2200-01-01").to_pydatetime(),
        ),
        min_size=n,
        max_size=n,
    )


MIXED = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(string.printable, max_size=6),
    st.sampled_from(["2024-01-01", "2024-13-45", "1e5", "inf", "nan", "", "NaT", "1,5"]),
    st.binary(max_size=3),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=1), st.integers(), max_size=1),
    st.datetimes(),
)


@st.composite
def column_data(draw, n: int):
    kind = draw(
        st.sampled_from(
            ["float"] * 4
            + ["int", "bool", "text", "numtext", "datestr", "datestr", "datetime", "tzdate", "timedelta"]
            + ["mixed", "category"]
        )
    )
    if kind == "float":
        return pd.Series(draw(_numbers(n)), dtype=float)
    if kind == "int":
        return pd.Series(draw(st.lists(st.integers(-(2**62), 2**62), min_size=n, max_size=n)), dtype="int64")
    if kind == "bool":
        return pd.Series(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    if kind == "text":
        return pd.Series(draw(st.lists(st.text(max_size=5), min_size=n, max_size=n)), dtype=object)
    if kind == "numtext":
        return pd.Series([repr(v) for v in draw(_numbers(n))], dtype=object)
    if kind in ("datestr", "datetime", "tzdate"):
        values = pd.Series(pd.to_datetime(draw(_dates(n))), dtype="datetime64[ns]")
        if kind == "datestr":
            return values.dt.strftime(draw(st.sampled_from(["%Y-%m-%d", "%d/%m/%Y %H:%M", "%Y%m%d"])))
        return values.dt.tz_localize("UTC") if kind == "tzdate" else values
    if kind == "timedelta":
        return pd.Series(pd.to_timedelta(draw(st.lists(st.integers(0, 10**6), min_size=n, max_size=n)), unit="s"))
    if kind == "category":
        return pd.Series(pd.Categorical(draw(st.lists(st.sampled_from(["1", "2", "x"]), min_size=n, max_size=n))))
    return pd.Series(draw(st.lists(MIXED, min_size=n, max_size=n)), dtype=object)


@st.composite
def messy_frames(draw):
    n = draw(st.integers(0, 8))
    name = st.one_of(st.sampled_from(NAMES), st.text(max_size=4), st.integers(0, 3))
    unique = draw(st.integers(0, 3)) > 0  # mostly unique names, sometimes clashes
    names = draw(st.lists(name, min_size=draw(st.integers(0, 1)), max_size=5, unique_by=str if unique else None))
    frame = pd.DataFrame({i: column_data_value for i, column_data_value in enumerate(draw(column_data(n)) for _ in names)})
    frame.columns = names
    if n and draw(st.booleans()):
        frame = pd.concat([frame, frame.iloc[: draw(st.integers(1, n))]], ignore_index=True)  # duplicate rows
    if len(frame) and draw(st.integers(0, 4)) == 0:
        frame.index = pd.DatetimeIndex(pd.to_datetime(draw(_dates(len(frame)))))
    return frame


def _column_choice(frame: pd.DataFrame):
    existing = [str(c).strip() for c in frame.columns]
    return st.one_of(st.none(), st.sampled_from(existing + ["missing"])) if existing else st.none()


@st.composite
def load_kwargs(draw, frame: pd.DataFrame):
    existing = [str(c).strip() for c in frame.columns]
    kwargs = {
        "target": draw(
            st.one_of(_column_choice(frame), st.lists(st.sampled_from(existing or ["z"]), max_size=3))
        ),
        "date_col": draw(_column_choice(frame)),
        "features": draw(
            st.one_of(st.none(), st.just("all"), st.lists(st.sampled_from(existing or ["z"]), max_size=3))
        ),
        "id_col": draw(st.one_of(st.none(), st.none(), _column_choice(frame))),
        "fill": draw(st.sampled_from(["none", "ffill", "interpolate"])),
    }
    return {k: v for k, v in kwargs.items() if v is not None}


def assert_valid(s: SeriesData) -> None:
    assert isinstance(s, SeriesData)
    assert s.values.dtype == np.float32 and s.values.ndim == 2
    assert np.isfinite(s.values).all()
    n_rows, n_cols = s.values.shape
    assert n_rows >= 1 and n_cols == len(s.columns) >= 1
    assert 1 <= len(s.targets) <= n_cols and s.columns[: len(s.targets)] == s.targets
    assert len(set(s.columns)) == n_cols
    if s.dates is not None:
        assert len(s.dates) == n_rows and s.dates.tz is None
    if s.ids is not None:
        assert len(s.ids) == n_rows
    covered = 0
    for _, a, b in s.segments():
        assert a == covered and b > a
        covered = b
        if s.dates is not None:
            assert s.dates[a:b].is_monotonic_increasing and s.dates[a:b].is_unique
    assert covered == n_rows
    assert s.freq is None or isinstance(s.freq, str)


def load_or_user_error(data, **kwargs) -> None:
    try:
        s = load_series(data, **kwargs)
    except ForecasterError as exc:
        assert_one_sentence(str(exc), strict=False)
    else:
        assert_valid(s)


PROPERTY = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@PROPERTY
@given(data=st.data())
def test_property_messy_dataframes_load_or_raise_forecaster_error(data: st.DataObject) -> None:
    frame = data.draw(messy_frames())
    load_or_user_error(frame.copy())
    load_or_user_error(frame.copy(), **data.draw(load_kwargs(frame)))


@PROPERTY
@given(data=st.data())
def test_property_messy_csv_files_load_or_raise_forecaster_error(data: st.DataObject) -> None:
    frame = data.draw(messy_frames())
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "messy.csv"
        frame.to_csv(path, index=isinstance(frame.index, pd.DatetimeIndex))
        load_or_user_error(path)
        try:
            header = pd.read_csv(path, nrows=0)
        except pd.errors.EmptyDataError:
            header = pd.DataFrame()
        load_or_user_error(path, **data.draw(load_kwargs(header)))


@settings(max_examples=100, deadline=None)
@given(content=st.one_of(st.binary(max_size=200), st.text(",\n\"'abc123.-:eE \t;", max_size=200)))
def test_property_arbitrary_file_bytes_load_or_raise_forecaster_error(content: bytes | str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "raw.csv"
        if isinstance(content, str):
            path.write_text(content)
        else:
            path.write_bytes(content)
        load_or_user_error(path)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(20, 60),
    drop=st.sets(st.integers(1, 58), max_size=3),
    shuffle_seed=st.integers(0, 1000),
)
def test_property_business_days_with_holidays_infer_B_and_sort(n: int, drop: set[int], shuffle_seed: int) -> None:
    # Holidays: up to three non-adjacent trading days missing (longest gap Thu -> Tue).
    holes = sorted(i for i in drop if i < n - 1)
    assume(all(b - a > 1 for a, b in zip(holes, holes[1:], strict=False)))
    kept = pd.bdate_range("2023-12-25", periods=n).delete(holes)
    df = pd.DataFrame({"Date": kept.strftime("%Y-%m-%d"), "Close": np.arange(len(kept), dtype=float)})
    s = load_series(df.sample(frac=1.0, random_state=shuffle_seed))
    assert list(s.dates) == list(kept)
    assert s.values[:, 0].tolist() == list(range(len(kept)))
    assert s.freq == "B"

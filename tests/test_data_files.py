"""Checks on the committed demo data in ``data/`` (fast; no TensorFlow).

Each CSV must load with :func:`forecaster.data.io.load_series` with the
target and frequency that ``data/README.md`` documents, and the generator
scripts must reproduce the committed files byte for byte.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from forecaster.data.io import load_series
from forecaster.errors import ForecasterError

DATA = Path(__file__).resolve().parents[1] / "data"


def _script(name: str) -> ModuleType:
    """Import ``data/<name>.py`` (the folder is not a package)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, DATA / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# (file, auto-detected target, frequency, rows, first date, last date)
SINGLE_SERIES = [
    ("prices.csv", "Close", "B", 1510, "2019-01-02", "2024-12-31"),
    ("nile.csv", "flow", "YS-JAN", 100, "1871-01-01", "1970-01-01"),
    ("sunspots.csv", "sunspots", "YS-JAN", 309, "1700-01-01", "2008-01-01"),
    ("co2_monthly.csv", "co2", "MS", 526, "1958-03-01", "2001-12-01"),
    ("elnino_monthly.csv", "sst", "MS", 732, "1950-01-01", "2010-12-01"),
]


@pytest.mark.parametrize(("name", "target", "freq", "rows", "first", "last"), SINGLE_SERIES)
def test_series_load_with_auto_target(name, target, freq, rows, first, last):
    series = load_series(DATA / name)
    assert series.targets == (target,)
    assert series.freq == freq
    assert series.values.shape == (rows, 1)
    assert np.isfinite(series.values).all()
    assert str(series.dates[0].date()) == first
    assert str(series.dates[-1].date()) == last
    raw = pd.read_csv(DATA / name)
    assert not raw.isna().to_numpy().any()
    assert raw.columns[0] in ("date", "Date")


def test_macro_is_multivariate_and_needs_explicit_target():
    path = DATA / "us_macro_quarterly.csv"
    series = load_series(path, target="realgdp", features="all")
    assert series.targets == ("realgdp",)
    assert series.columns[0] == "realgdp"
    assert len(series.columns) == 12
    assert {"realcons", "realinv", "realgovt", "cpi", "unemp", "infl"} <= set(series.columns)
    assert series.freq == "QS-JAN"
    assert series.values.shape == (202, 12)
    assert np.isfinite(series.values).all()
    assert str(series.dates[0].date()) == "1959-04-01"
    assert str(series.dates[-1].date()) == "2009-07-01"
    with pytest.raises(ForecasterError, match="--target"):
        load_series(path)


@pytest.mark.parametrize(
    ("name", "column"), [("co2_monthly.csv", "co2"), ("elnino_monthly.csv", "sst")]
)
def test_monthly_series_are_seasonal(name, column):
    values = pd.read_csv(DATA / name)[column]
    change = values.diff().dropna()  # removes the CO2 trend
    assert change.autocorr(12) > 0.5
    assert change.autocorr(6) < -0.3


def test_prices_ohlcv_consistent():
    frame = pd.read_csv(DATA / "prices.csv", parse_dates=["Date"])
    assert list(frame.columns) == ["Date", "Open", "High", "Low", "Close", "Volume"]
    assert (frame["Low"] <= frame[["Open", "Close"]].min(axis=1)).all()
    assert (frame["High"] >= frame[["Open", "Close"]].max(axis=1)).all()
    assert (frame["Low"] > 0).all()
    assert pd.api.types.is_integer_dtype(frame["Volume"])
    assert (frame["Volume"] > 0).all()
    prices = frame[["Open", "High", "Low", "Close"]].to_numpy()
    np.testing.assert_array_equal(prices, np.round(prices, 2))
    assert frame["Date"].is_monotonic_increasing
    assert (frame["Date"].dt.day_of_week < 5).all()


def test_prices_skip_market_holidays():
    dates = set(pd.read_csv(DATA / "prices.csv")["Date"])
    closed = [
        "2019-01-21",  # Martin Luther King Jr. Day
        "2020-04-10",  # Good Friday
        "2020-07-03",  # Independence Day observed (Saturday)
        "2021-12-24",  # Christmas observed (Saturday)
        "2022-06-20",  # Juneteenth observed (Sunday)
        "2023-01-02",  # New Year observed (Sunday)
        "2024-11-28",  # Thanksgiving
    ]
    assert not dates & set(closed)
    assert "2021-06-18" in dates  # Juneteenth is a market holiday only from 2022
    assert "2021-12-31" in dates  # New Year on a Saturday is not moved to Friday


def test_prices_have_clustering_weekday_and_volume_effects():
    frame = pd.read_csv(DATA / "prices.csv", parse_dates=["Date"])
    ret = np.log(frame["Close"]).diff().dropna()
    weekday = frame["Date"].dt.day_of_week.iloc[1:]
    assert (ret**2).autocorr(1) > 0.1  # volatility clustering
    by_day = ret.groupby(weekday).mean()
    assert by_day[0] < by_day[4]  # weak Mondays, strong Fridays
    volume = frame["Volume"].iloc[1:]
    assert np.corrcoef(ret.abs(), volume)[0, 1] > 0.3
    per_day = frame.groupby(frame["Date"].dt.day_of_week)["Volume"].mean()
    assert per_day[0] < per_day[4]


def test_make_prices_reproduces_committed_file(tmp_path):
    module = _script("make_prices")
    out = module.write_prices(tmp_path / "prices.csv")
    assert out.read_bytes() == (DATA / "prices.csv").read_bytes()
    first = module.generate_prices(seed=1, start="2024-01-02", end="2024-03-28")
    second = module.generate_prices(seed=1, start="2024-01-02", end="2024-03-28")
    pd.testing.assert_frame_equal(first, second)
    other = module.generate_prices(seed=2, start="2024-01-02", end="2024-03-28")
    assert not first["Close"].equals(other["Close"])


@pytest.mark.parametrize(("name", "rows"), [("shapes_train.csv", 300), ("shapes_test.csv", 150)])
def test_shapes_classification_layout(name, rows):
    frame = pd.read_csv(DATA / name)
    assert list(frame.columns) == ["label"] + [f"t{i}" for i in range(64)]
    assert len(frame) == rows
    assert frame["label"].value_counts().to_dict() == {
        "sine": rows // 3,
        "square": rows // 3,
        "sawtooth": rows // 3,
    }
    values = frame.drop(columns="label")
    assert not values.isna().to_numpy().any()
    assert all(pd.api.types.is_float_dtype(values[c]) for c in values.columns)


def test_make_classification_reproduces_committed_files(tmp_path):
    train, test = _script("make_classification").write_shapes(tmp_path)
    assert train.read_bytes() == (DATA / "shapes_train.csv").read_bytes()
    assert test.read_bytes() == (DATA / "shapes_test.csv").read_bytes()
    rows = pd.concat([pd.read_csv(train), pd.read_csv(test)]).drop(columns="label")
    assert not rows.duplicated().any()


def test_make_datasets_reproduces_committed_files(tmp_path):
    pytest.importorskip("statsmodels", reason="the optional `data` extra is not installed")
    paths = _script("make_datasets").write_datasets(tmp_path)
    assert {p.name for p in paths} == {
        "nile.csv",
        "sunspots.csv",
        "co2_monthly.csv",
        "elnino_monthly.csv",
        "us_macro_quarterly.csv",
    }
    for path in paths:
        assert path.read_bytes() == (DATA / path.name).read_bytes(), path.name


def test_text_is_nontrivial_plain_english():
    raw = (DATA / "text.txt").read_bytes()
    assert 20_000 <= len(raw) <= 100_000
    text = raw.decode("ascii")  # plain ASCII: a small character vocabulary
    assert "\r" not in text and text.endswith("\n")
    assert 40 <= len(set(text)) <= 80
    assert text.startswith("A Midsummer Night's Dream\n")
    assert "If we shadows have offended," in text
    assert text.count("PUCK:") > 20
    words = text.split()
    assert len(words) > 15_000
    assert not any(mark in text for mark in ("**", "_", "#", "\\"))  # Markdown removed


def test_make_text_converts_markdown():
    convert = _script("make_text").markdown_to_text
    markdown = (
        "# A Play\n\n## ACT I\n\n**PUCK**  \nGood night,\\--friends.  \n__\\[Aside]_  \n"
        "_Enter OBERON, with\nhis train_\n"
    )
    assert convert(markdown) == (
        "A Play\n\nACT I\n\nPUCK:\nGood night,--friends.\n[Aside]\n[Enter OBERON, with\nhis train]\n"
    )

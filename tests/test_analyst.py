"""The analyst's workflow: the future plot, forecasts as of a date, holiday-aware business days, TensorBoard."""

from __future__ import annotations

import io
import json
import os

import numpy as np
import pandas as pd
import pytest

from forecaster import Forecaster, ForecasterError, load

TINY = dict(cell="gru", units=(8,), input_width=14, horizon=4, epochs=1, batch_size=32, verbose=0, seed=1,
            jit_compile=False)
PRICES = os.path.join(os.path.dirname(__file__), os.pardir, "data", "prices.csv")


def daily_frame(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    t = np.arange(n)
    value = 10 + 2 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 0.3, n)
    return pd.DataFrame({"date": pd.date_range("2021-01-01", periods=n, freq="D"), "value": value})


@pytest.fixture(scope="module")
def fitted() -> tuple[Forecaster, pd.DataFrame]:
    frame = daily_frame()
    return Forecaster(**TINY, head="quantile").fit(frame), frame


def test_as_of_equals_cutting_the_data(fitted, tmp_path):
    fc, frame = fitted
    csv = tmp_path / "series.csv"
    frame.to_csv(csv, index=False)
    as_of = frame["date"].iloc[150]
    cut = tmp_path / "cut.csv"
    frame.iloc[:151].to_csv(cut, index=False)
    pd.testing.assert_frame_equal(fc.predict(csv, as_of=str(as_of.date())), fc.predict(cut))
    # a time inside the day still means the last row at or before it
    pd.testing.assert_frame_equal(fc.predict(frame, as_of=as_of + pd.Timedelta(hours=5)), fc.predict(cut))
    assert fc.predict(frame, as_of=as_of)["date"].iloc[0] == as_of + pd.Timedelta(days=1)


def test_evaluate_as_of_scores_what_followed(fitted):
    fc, frame = fitted
    as_of = frame["date"].iloc[150]
    metrics = fc.evaluate(frame, as_of=as_of)
    assert metrics["n_windows"] == 1
    with fc._heldout():  # evaluate scores the model whose test part was held out, not the refit one
        forecast = fc.predict(frame, as_of=as_of)["value"].to_numpy()
    actual = frame["value"].to_numpy()[151:155]
    assert metrics["model"]["mae"] == pytest.approx(np.abs(forecast - actual).mean(), rel=1e-5)
    with pytest.raises(ForecasterError, match="horizon"):
        fc.evaluate(frame, as_of=frame["date"].iloc[-2])


@pytest.mark.parametrize(
    ("as_of", "match"),
    [("2020-01-01", "before the first possible window"), ("2021-01-05", "earliest as_of is 2021-01-14"),
     ("2030-01-01", "after the last row"), ("not a date", "must be a date")],
)
def test_as_of_bad_dates_are_one_sentence(fitted, as_of, match):
    fc, frame = fitted
    with pytest.raises(ForecasterError, match=match):
        fc.predict(frame, as_of=as_of)


def test_plot_future_has_the_right_dates_and_interval(fitted):
    fc, frame = fitted
    fig = fc.plot_future(label="Demand")
    ax = fig.axes[0]
    assert ax.get_title().startswith("Demand: next 4 steps from 2021-07-19")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("80%" in text for text in labels)
    forecast_line = [line for line in ax.get_lines() if line.get_label() == "forecast"][0]
    xs = pd.to_datetime(forecast_line.get_xdata())
    expected = pd.date_range("2021-07-20", periods=4, freq="D")
    assert list(xs[-4:]) == list(expected)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert buffer.tell() > 5000
    as_of = fc.plot_future(frame, as_of="2021-06-01").axes[0].get_title()
    assert "2021-06-01" in as_of


def test_business_days_skip_the_holidays_the_history_skips(tmp_path):
    prices = pd.read_csv(PRICES, parse_dates=["Date"])  # the demo series: 2019-01-02 .. 2024-12-31
    fc = Forecaster(**{**TINY, "input_width": 10, "horizon": 5}).fit(prices, target="Close")
    assert fc.freq_ == "B"
    dates = pd.to_datetime(fc.predict()["Date"])
    assert pd.Timestamp("2025-01-01") not in set(dates)
    assert dates.iloc[0] == pd.Timestamp("2025-01-02")
    plain = Forecaster(**{**TINY, "input_width": 10, "horizon": 5}, holidays="none").fit(prices, target="Close")
    assert pd.to_datetime(plain.predict()["Date"]).iloc[0] == pd.Timestamp("2025-01-01")
    # the calendar is saved with the run and used again after loading
    fc.save(tmp_path / "run", plots=False)
    meta = json.loads((tmp_path / "run" / "forecaster.json").read_text())
    assert meta["holidays"]["source"] == "inferred" and meta["config"]["holidays"] == "infer"
    pd.testing.assert_frame_equal(load(tmp_path / "run").predict(), fc.predict())


def test_named_holiday_calendar_and_unknown_one():
    prices = pd.read_csv(PRICES, parse_dates=["Date"])
    prices = prices[prices["Date"] <= "2024-12-31"].iloc[-200:]
    params = {**TINY, "input_width": 10, "horizon": 5}
    fc = Forecaster(**params, holidays="USFederalHolidayCalendar").fit(prices, target="Close")
    assert pd.to_datetime(fc.predict()["Date"]).iloc[0] == pd.Timestamp("2025-01-02")
    with pytest.raises(ForecasterError, match="unknown holiday calendar"):
        Forecaster(**params, holidays="NoSuchCalendar").fit(prices, target="Close")


def test_saved_run_has_the_future_plot_and_tensorboard_logs(tmp_path):
    logs = tmp_path / "tb"
    fc = Forecaster(**TINY, tensorboard=str(logs), label="Demand").fit(daily_frame(120))
    fc.save(tmp_path / "run")
    assert (tmp_path / "run" / "plots" / "future.png").stat().st_size > 5000
    runs = list(logs.iterdir())
    assert len(runs) == 1 and runs[0].name.startswith("gru-")
    events = [p for p in runs[0].rglob("events.out.tfevents.*")]
    assert events


def test_cli_as_of_predict_and_evaluate(fitted, tmp_path, capsys):
    from forecaster.cli import main

    fc, frame = fitted
    run, csv = tmp_path / "run", tmp_path / "series.csv"
    fc.save(run, plots=False)
    frame.to_csv(csv, index=False)
    out = tmp_path / "forecast.csv"
    assert main(["predict", "--model", str(run), "--csv", str(csv), "--as-of", "2021-05-31", "--out", str(out)]) == 0
    written = pd.read_csv(out, parse_dates=["date"])
    assert list(written["date"]) == list(pd.date_range("2021-06-01", periods=4, freq="D"))
    assert main(["evaluate", "--model", str(run), "--csv", str(csv), "--as-of", "2021-05-31"]) == 0
    assert "as of 2021-05-31: 1 windows" in capsys.readouterr().out
    assert main(["predict", "--model", str(run), "--csv", str(csv), "--as-of", "2031-01-01"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: `as_of` 2031-01-01 is after the last row") and err.count("\n") == 1
    assert main(["fit", "--csv", str(csv), "--holidays", "NoSuchCalendar", "--epochs", "1", "--quiet",
                 "--out", str(tmp_path / "r2")]) == 2
    assert "unknown holiday calendar" in capsys.readouterr().err


def test_cli_help_shows_every_default_and_windows_takes_fit_data_flags(capsys):
    from forecaster.cli import main

    assert main(["fit", "--help"]) == 0
    text = capsys.readouterr().out
    options = text.split("options:")[1].split("\n  -")[2:]  # each flag's block, after -h
    missing = [block.split()[0] for block in options if "default" not in block and "(required)" not in block]
    assert missing == []
    assert main(["windows", "--csv", PRICES, "--features", "Open", "--date-col", "Date"]) == 0
    assert "input_width 24 + horizon 12" in capsys.readouterr().out

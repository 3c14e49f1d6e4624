"""Rolling origins, per-origin scoring and the backtest summary table."""

import numpy as np
import pandas as pd
import pytest

from forecaster.errors import ForecasterError
from forecaster.evaluation.backtest import (
    backtest_summary,
    rolling_origins,
    score_origin,
    summarize_backtest,
    tidy_backtest,
)
from forecaster.evaluation.metrics import METRICS


def test_rolling_origins_default_step_tiles_the_end():
    origins = rolling_origins(100, 48, 12, 3)
    assert origins.dtype == np.int64
    assert origins.tolist() == [64, 76, 88]
    assert origins[-1] + 12 == 100


def test_rolling_origins_custom_step_and_minimum_length():
    assert rolling_origins(60, 20, 10, 4, step=5).tolist() == [35, 40, 45, 50]
    # exactly enough rows: first origin == input_width
    assert rolling_origins(84, 48, 12, 3).tolist() == [48, 60, 72]


def test_rolling_origins_too_short_names_the_numbers():
    with pytest.raises(ForecasterError) as err:
        rolling_origins(83, 48, 12, 3)
    msg = str(err.value)
    assert "series has 83 rows; 3 folds of horizon 12 after input_width 48 need 84" in msg


@pytest.mark.parametrize("kwargs", [{"folds": 0}, {"horizon": 0}, {"step": 0}, {"input_width": -1}])
def test_rolling_origins_bad_arguments(kwargs):
    args = {"n_rows": 100, "input_width": 10, "horizon": 5, "folds": 2, **kwargs}
    with pytest.raises(ForecasterError, match="must be an integer >= 1"):
        rolling_origins(**args)


def test_score_origin_model_and_baselines():
    series = np.arange(30.0)
    row = score_origin(series, 20, series[20:25] + 2.0, m=1, origin_date="2024-01-21")
    assert row["origin"] == 20 and row["origin_date"] == "2024-01-21"
    assert set(row) == {
        "origin",
        "origin_date",
        "model",
        "naive",
        "seasonal_naive",
        "drift",
        "mean",
    }
    assert list(row["model"]) == list(METRICS)
    assert row["model"]["mae"] == pytest.approx(2.0)
    assert row["naive"]["mae"] == pytest.approx(3.0)  # last value 19 vs 20..24
    assert row["drift"]["mae"] == pytest.approx(0.0)  # a straight line
    assert row["model"]["mase"] == pytest.approx(2.0)  # in-sample naive error is 1


def test_score_origin_too_late_raises():
    with pytest.raises(ForecasterError, match="needs 32 rows"):
        score_origin(np.arange(30.0), 27, np.zeros(5))


def test_summarize_backtest_table():
    series = np.sin(np.arange(60.0) / 3.0) + 5.0
    origins = rolling_origins(60, 10, 6, 3)
    dates = pd.date_range("2024-01-01", periods=60, freq="D")
    rows = [
        score_origin(series, int(o), series[o : o + 6] * 1.1, m=7, origin_date=dates[o])
        for o in origins[::-1]  # unordered input is sorted by origin
    ]
    rows[0]["epochs"] = 3
    table = summarize_backtest(rows)
    assert table.index.name == "fold" and table.index.tolist() == [1, 2, 3]
    assert table["origin"].tolist() == origins.tolist()
    assert list(table.columns[:3]) == ["origin", "origin_date", "model_mse"]
    assert {f"naive_{m}" for m in METRICS} <= set(table.columns)
    assert {"seasonal_naive_mae", "drift_mae", "mean_mae", "epochs"} <= set(table.columns)
    assert table.loc[1, "origin_date"] == dates[origins[0]]
    expected = np.mean(np.abs(series[origins[1] : origins[1] + 6] * 0.1))
    assert table.loc[2, "model_mae"] == pytest.approx(expected)


def test_summarize_backtest_errors():
    with pytest.raises(ForecasterError, match="empty"):
        summarize_backtest([])
    with pytest.raises(ForecasterError, match="no 'origin'"):
        summarize_backtest([{"model": {"mae": 1.0}}])


def _rows(series: np.ndarray, origins: np.ndarray, dates: pd.DatetimeIndex) -> list[dict]:
    return [
        score_origin(series, int(o), series[o : o + 6] * 1.1, m=7, origin_date=dates[o])
        for o in origins
    ]


def test_tidy_backtest_one_row_per_origin_and_model():
    series = np.sin(np.arange(60.0) / 3.0) + 5.0
    origins = rolling_origins(60, 10, 6, 3)
    dates = pd.date_range("2024-01-01", periods=60, freq="D")
    rows = _rows(series, origins, dates)
    tidy = tidy_backtest(rows[::-1])  # any order in, sorted by origin out
    assert list(tidy.columns) == ["origin", "origin_date", "model", *METRICS]
    assert len(tidy) == 3 * 5  # model + naive, seasonal_naive, drift, mean
    assert tidy["origin"].tolist() == np.repeat(origins, 5).tolist()
    assert tidy["model"].tolist()[:5] == ["model", "naive", "seasonal_naive", "drift", "mean"]
    first = tidy.iloc[0]
    assert first["origin_date"] == dates[origins[0]]
    assert first["mae"] == pytest.approx(np.mean(np.abs(series[origins[0] : origins[0] + 6] * 0.1)))
    # the wide table and flat rows (as Forecaster.backtest builds them) give the same tidy table
    pd.testing.assert_frame_equal(tidy_backtest(summarize_backtest(rows)), tidy)
    flat = [
        {
            "origin": r["origin"],
            "origin_date": r["origin_date"],
            "forecast": [1.0, 2.0],
            "epochs": 3,
        }
        | {
            f"{name}_{m}": v
            for name in ("model", "naive", "seasonal_naive", "drift", "mean")
            for m, v in r[name].items()
        }
        for r in rows
    ]
    pd.testing.assert_frame_equal(tidy_backtest(flat), tidy)
    kept = tidy_backtest(flat, keep=("forecast", "epochs"))
    assert list(kept.columns[-2:]) == ["forecast", "epochs"]
    model_rows = kept["model"] == "model"
    assert kept.loc[model_rows, "forecast"].tolist() == [[1.0, 2.0]] * 3
    assert kept.loc[model_rows, "epochs"].tolist() == [3] * 3
    assert kept.loc[~model_rows, "forecast"].isna().all()


def test_backtest_summary_means_over_origins():
    series = np.sin(np.arange(60.0) / 3.0) + 5.0
    origins = rolling_origins(60, 10, 6, 3)
    dates = pd.date_range("2024-01-01", periods=60, freq="D")
    tidy = tidy_backtest(_rows(series, origins, dates))
    summary = backtest_summary(tidy)
    assert summary.index.name == "model"
    assert summary.index.tolist() == ["model", "naive", "seasonal_naive", "drift", "mean"]
    assert list(summary.columns) == ["origins", *METRICS]
    assert (summary["origins"] == 3).all()
    expected = tidy.loc[tidy["model"] == "naive", "mae"].mean()
    assert summary.loc["naive", "mae"] == pytest.approx(expected)
    # a non-finite value (e.g. MAPE at a zero actual) is left out of that mean only
    tidy.loc[0, "mape"] = np.inf
    again = backtest_summary(tidy)
    assert again.loc["model", "mape"] == pytest.approx(tidy.loc[[5 * 1, 5 * 2], "mape"].mean())
    assert again.loc["model", "mae"] == pytest.approx(summary.loc["model", "mae"])


def test_tidy_backtest_errors():
    with pytest.raises(ForecasterError, match="empty"):
        tidy_backtest([])
    with pytest.raises(ForecasterError, match="no 'origin'"):
        tidy_backtest([{"model": {"mae": 1.0}}])
    with pytest.raises(ForecasterError, match="no metrics"):
        tidy_backtest([{"origin": 3, "forecast": [1.0]}])

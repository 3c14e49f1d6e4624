"""Every plot renders to a non-empty PNG without a display and without pyplot state."""

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (only to check that no global figure leaks)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from forecaster.errors import ForecasterError  # noqa: E402
from forecaster.evaluation.metrics import metrics_by_step  # noqa: E402
from forecaster.evaluation.plots import (  # noqa: E402
    plot_backtest,
    plot_class_examples,
    plot_confusion_matrix,
    plot_fan,
    plot_forecast,
    plot_future,
    plot_history,
    plot_horizon_error,
)

RNG = np.random.default_rng(0)
DATES = pd.date_range("2024-01-01", periods=60, freq="D")
VALUES = 10 + np.sin(np.arange(60) / 4.0) + RNG.normal(0, 0.1, 60)


def _png(fig: Figure) -> bytes:
    assert isinstance(fig, Figure)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    data = buf.getvalue()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 5000
    return data


@pytest.fixture(autouse=True)
def _no_pyplot_figures():
    before = plt.get_fignums()
    yield
    assert plt.get_fignums() == before, "a plot function created a pyplot figure"


def _legend_texts(ax) -> list[str]:
    legend = ax.get_legend()
    assert legend is not None
    return [t.get_text() for t in legend.get_texts()]


def test_plot_forecast_with_dates_interval_and_baselines():
    fc = VALUES[48:] + 0.2
    fig = plot_forecast(
        DATES[:48],
        VALUES[:48],
        DATES[48:],
        VALUES[48:],
        fc,
        lower=fc - 0.5,
        upper=fc + 0.5,
        baseline={"naive": np.full(12, VALUES[47]), "seasonal_naive": VALUES[41:53]},
        target="Close",
        metric_text="MAE 0.20 vs naive 0.90",
    )
    _png(fig)
    ax = fig.axes[0]
    assert ax.get_title() == "Close: forecast vs actual (MAE 0.20 vs naive 0.90)"
    assert ax.get_xlabel() == "date" and ax.get_ylabel() == "Close"
    assert {"history", "actual", "forecast", "interval", "naive", "seasonal_naive"} <= set(
        _legend_texts(ax)
    )


def test_plot_forecast_future_without_dates():
    fig = plot_forecast(None, VALUES[:48], None, None, VALUES[48:], baseline=VALUES[36:48])
    _png(fig)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "time step"
    assert ax.get_title() == "value: forecast"
    assert "actual" not in _legend_texts(ax)
    custom = plot_forecast(None, None, None, None, VALUES[:5], title="GRU", metric_text="MSE 1")
    assert custom.axes[0].get_title() == "GRU (MSE 1)"
    forecast_line = next(line for line in ax.get_lines() if line.get_label() == "forecast")
    assert forecast_line.get_xdata()[0] == 48  # continues after the context


def test_plot_forecast_bad_inputs():
    with pytest.raises(ForecasterError, match="12 are expected"):
        plot_forecast(None, VALUES[:48], None, VALUES[48:59], VALUES[48:])
    with pytest.raises(ForecasterError, match="both `lower` and `upper`"):
        plot_forecast(None, VALUES[:48], None, None, VALUES[48:], lower=VALUES[48:])
    with pytest.raises(ForecasterError, match="or neither"):
        plot_forecast(DATES[:48], VALUES[:48], None, None, VALUES[48:])


@pytest.mark.parametrize("as_frame", [False, True])
def test_plot_history(as_frame):
    loss = list(np.geomspace(5.0, 0.05, 15))
    history = {"loss": loss, "val_loss": [v * 1.2 for v in loss]}
    if as_frame:
        history = pd.DataFrame(history)
    fig = plot_history(history)
    _png(fig)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"  # a 100x range
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss (scaled units)"
    assert ax.get_title() == "Training history: loss"
    texts = _legend_texts(ax)
    assert "val_loss" in texts and any("best val_loss" in t for t in texts)


def test_plot_history_linear_and_loss_only():
    fig = plot_history({"loss": [1.0, 0.9, 0.85]}, label="Close", units="")
    _png(fig)
    assert fig.axes[0].get_yscale() == "linear"
    assert fig.axes[0].get_title() == "Close: training loss"
    assert fig.axes[0].get_ylabel() == "loss"
    with pytest.raises(ForecasterError, match="'loss'"):
        plot_history({"val_loss": [1.0]})


def test_plot_horizon_error_from_metric_tables():
    y = RNG.normal(size=(20, 6, 1))
    per_step = {
        "model": metrics_by_step(y, y + RNG.normal(0, 0.3, y.shape)),
        "naive": metrics_by_step(y, y + RNG.normal(0, 1.0, y.shape)),
    }
    fig = plot_horizon_error(per_step, metric="mae", target="Close")
    _png(fig)
    ax = fig.axes[0]
    assert ax.get_title() == "Close: MAE by horizon step"
    assert ax.get_xlabel() == "horizon step" and ax.get_ylabel() == "MAE"
    assert _legend_texts(ax) == ["model", "naive"]
    model_line = ax.get_lines()[0]
    np.testing.assert_allclose(model_line.get_ydata(), per_step["model"]["mae"].to_numpy())


def test_plot_horizon_error_from_series_and_frame():
    steps = pd.RangeIndex(1, 5, name="step")
    fig = plot_horizon_error(
        {
            "model": pd.Series([1.0, 2, 3, 4], index=steps),
            "drift": pd.Series([2.0, 3, 4, 5], index=steps),
        },
        metric="smape",
    )
    _png(fig)
    assert fig.axes[0].get_ylabel() == "sMAPE (%)"
    frame = pd.DataFrame({"model": [1.0, 2.0], "mean": [3.0, 3.0]}, index=[1, 2])
    _png(plot_horizon_error(frame, metric="rmse", title="custom"))
    with pytest.raises(ForecasterError, match="'mase'"):
        plot_horizon_error({"model": metrics_by_step([[1.0, 2.0]], [[1.0, 3.0]])}, metric="mase")


def test_plot_backtest_with_dates_and_positions():
    folds = [
        {
            "dates": DATES[o : o + 6],
            "forecast": VALUES[o : o + 6] + 0.3,
            "lower": VALUES[o : o + 6] - 0.2,
            "upper": VALUES[o : o + 6] + 0.8,
        }
        for o in (42, 48, 54)
    ]
    fig = plot_backtest(DATES, VALUES, folds, target="Close", metric_text="mean MAE 0.30")
    _png(fig)
    ax = fig.axes[0]
    assert ax.get_title() == "Close: backtest over 3 origins (mean MAE 0.30)"
    assert ax.get_xlabel() == "date"
    assert _legend_texts(ax) == ["actual", "fold 1", "fold 2", "fold 3"]
    fig = plot_backtest(None, VALUES, [{"origin": 50, "forecast": VALUES[50:56]}], context=10)
    _png(fig)
    actual_line = fig.axes[0].get_lines()[0]
    assert actual_line.get_xdata()[0] == 40
    with pytest.raises(ForecasterError, match="'dates'"):
        plot_backtest(DATES, VALUES, [{"forecast": VALUES[:6]}])


def test_plot_fan():
    paths = VALUES[47] + np.cumsum(RNG.normal(0, 0.2, size=(200, 12)), axis=1)
    fig = plot_fan(DATES[:48], VALUES[:48], DATES[48:], paths, target="Close")
    _png(fig)
    ax = fig.axes[0]
    assert ax.get_title() == "Close: 200 sampled paths"
    texts = _legend_texts(ax)
    assert texts == ["history", "5%-95%", "25%-75%", "median"]
    median = next(line for line in ax.get_lines() if line.get_label() == "median")
    np.testing.assert_allclose(median.get_ydata(), np.median(paths, axis=0))
    _png(plot_fan(None, None, None, paths, quantiles=(0.1, 0.9)))
    with pytest.raises(ForecasterError, match="between 0 and 1"):
        plot_fan(None, None, None, paths, quantiles=(0.0, 0.5))


@pytest.mark.parametrize("normalize", [False, True])
def test_plot_confusion_matrix(normalize):
    cm = np.array([[5, 1, 0], [2, 7, 1], [0, 0, 0]])
    fig = plot_confusion_matrix(cm, ["up", "down", "flat"], normalize=normalize)
    _png(fig)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["up", "down", "flat"]
    texts = {t.get_text() for t in ax.texts}
    assert ("0.83" in texts) if normalize else ("5" in texts)
    assert "normalized" in ax.get_title() if normalize else ax.get_title() == "Confusion matrix"
    with pytest.raises(ForecasterError, match="square"):
        plot_confusion_matrix(cm, ["a", "b"])


def test_plot_class_examples_trims_padding():
    X = np.zeros((7, 20, 2))
    for i in range(7):
        X[i, : 10 + i] = RNG.normal(size=(10 + i, 2)) + 1.0  # padded at the end with zeros
    y = np.array([0, 1, 0, 1, 0, 2, 0])
    fig = plot_class_examples(X, y, ["a", "b", "c"], per_class=2, feature_names=["x", "z"])
    _png(fig)
    axes = [ax for ax in fig.axes]
    assert len(axes) == 6
    first = axes[0].get_lines()[0]
    assert len(first.get_xdata()) == 10  # example 0: 10 real steps of 20
    assert axes[0].get_title() == "a #0" and axes[0].get_ylabel() == "a"
    assert axes[5].texts[0].get_text() == "no example"  # class "c" has one example
    assert fig.get_suptitle() == "Examples per class"
    _png(
        plot_class_examples(
            X[:, :, 0], np.array(["a", "b", "a", "b", "a", "c", "a"]), ["a", "b", "c"]
        )
    )
    with pytest.raises(ForecasterError, match="not in `class_names`"):
        plot_class_examples(X, np.array(["a"] * 6 + ["q"]), ["a", "b", "c"])


def test_plot_horizon_error_leaves_a_far_worse_baseline_off_scale():
    steps = pd.RangeIndex(1, 6, name="step")
    per_step = {
        "model": pd.Series([1.0, 1.5, 2.0, 2.2, 2.5], index=steps),
        "naive": pd.Series([1.2, 1.9, 2.4, 2.8, 3.1], index=steps),
        "mean": pd.Series([19.0, 19.2, 18.8, 19.1, 19.4], index=steps),
    }
    fig = plot_horizon_error(per_step, metric="mae", label="Close")
    _png(fig)
    ax = fig.axes[0]
    assert ax.get_title() == "Close: MAE by horizon step"
    low, high = ax.get_ylim()
    assert low == 0.0 and 3.1 < high < 4.0  # fits model and naive, not the mean baseline
    texts = _legend_texts(ax)
    assert texts[:2] == ["model", "naive"]
    assert texts[2] == "mean (off scale, mean 19.1)"
    assert len(ax.get_lines()) == 3  # still drawn, running off the top
    # clip=None fits every line; a bad model is never the one left out
    assert plot_horizon_error(per_step, clip=None).axes[0].get_ylim()[1] > 19.4
    worst = {"model": per_step["mean"], "naive": per_step["naive"]}
    assert plot_horizon_error(worst).axes[0].get_ylim()[1] > 19.4
    with pytest.raises(ForecasterError, match="clip"):
        plot_horizon_error(per_step, clip=0.5)


def test_plot_future_dates_intervals_and_origin():
    history_dates, history = DATES[:48], VALUES[:48]
    future_dates = pd.date_range(DATES[47] + pd.Timedelta(days=1), periods=6, freq="D")
    fc = np.full(6, VALUES[47]) + np.linspace(0.1, 0.6, 6)
    fig = plot_future(
        history_dates,
        history,
        future_dates,
        fc,
        intervals={80: (fc - 0.3, fc + 0.3), 0.95: (fc - 0.6, fc + 0.6)},
        label="Close",
    )
    _png(fig)
    ax = fig.axes[0]
    assert ax.get_title() == "Close: next 6 steps from 2024-02-17"
    assert ax.get_ylabel() == "Close" and ax.get_xlabel() == "date"
    texts = _legend_texts(ax)
    assert texts == [
        "history",
        "95% interval",
        "80% interval",
        "forecast",
        "forecast origin 2024-02-17",
    ]
    forecast_line = next(line for line in ax.get_lines() if line.get_label() == "forecast")
    assert pd.DatetimeIndex(forecast_line.get_xdata()).equals(pd.DatetimeIndex(future_dates))
    np.testing.assert_allclose(forecast_line.get_ydata(), fc)
    origin_line = next(
        line for line in ax.get_lines() if line.get_label().startswith("forecast origin")
    )
    assert pd.Timestamp(origin_line.get_xdata()[0]) == DATES[47]
    history_line = next(line for line in ax.get_lines() if line.get_label() == "history")
    assert len(history_line.get_xdata()) == 48  # all of it: shorter than the default context


def test_plot_future_positions_context_and_explicit_origin():
    fig = plot_future(None, VALUES, None, VALUES[:3], context=10, origin=59, target="x" * 60)
    _png(fig)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "time step"
    assert ax.get_title() == "x" * 37 + "...: next 3 steps from step 59"  # long names are shortened
    history_line = next(line for line in ax.get_lines() if line.get_label() == "history")
    assert history_line.get_xdata().tolist() == list(range(50, 60))
    forecast_line = next(line for line in ax.get_lines() if line.get_label() == "forecast")
    assert forecast_line.get_xdata().tolist() == [60, 61, 62]


def test_plot_future_bad_inputs():
    fc = VALUES[:4]
    with pytest.raises(ForecasterError, match="between 0 and 1"):
        plot_future(None, VALUES, None, fc, intervals={1.5e3: (fc, fc)})
    with pytest.raises(ForecasterError, match="4 are expected"):
        plot_future(None, VALUES, None, fc, intervals={0.8: (fc[:3], fc)})
    with pytest.raises(ForecasterError, match="a pair"):
        plot_future(None, VALUES, None, fc, intervals={0.8: fc})
    with pytest.raises(ForecasterError, match="or neither"):
        plot_future(DATES, VALUES, None, fc)
    with pytest.raises(ForecasterError, match="context"):
        plot_future(None, VALUES, None, fc, context=0)


def test_label_replaces_the_raw_column_name():
    long = "Adjusted closing price of the index in US dollars (daily)"
    fig = plot_forecast(
        None, VALUES[:48], None, VALUES[48:], VALUES[48:], target=long, label="Index"
    )
    assert (
        fig.axes[0].get_title() == "Index: forecast vs actual"
        and fig.axes[0].get_ylabel() == "Index"
    )
    assert plot_forecast(None, None, None, None, VALUES[:3], target=long).axes[0].get_ylabel() == (
        "Adjusted closing price of the index i..."
    )
    fold = [{"origin": 50, "forecast": VALUES[50:56]}]
    assert (
        plot_backtest(None, VALUES, fold, target=long, label="Index").axes[0].get_ylabel()
        == "Index"
    )
    paths = RNG.normal(size=(20, 5))
    assert (
        plot_fan(None, None, None, paths, label="Index").axes[0].get_title()
        == "Index: 20 sampled paths"
    )


def test_long_titles_are_wrapped_inside_the_saved_figure():
    """Run directories save without ``bbox_inches="tight"`` (one draw, not two): every title, however
    long, must then fit the figure as it is, on one axes or on a grid of small ones."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from forecaster.evaluation.plots import plot_panel

    words = "Close: median of the GRU, linear and seasonal_naive_365 forecast vs actual (test); beats"
    fig = plot_forecast(DATES[:48], VALUES[:48], DATES[48:], VALUES[48:], VALUES[48:],
                        title=f"{words} seasonal_naive_365 (MSE x0.85)", metric_text=" ".join(["test MSE 0.01234"] * 3))
    panel = {"context": VALUES[:48], "actual": VALUES[48:], "forecast": VALUES[48:]}
    grid = plot_panel([{**panel, "name": f"store {k} of the northern region", "note": "MASE 0.84"} for k in range(6)],
                      title=words * 2)
    for figure in (fig, grid):
        canvas = FigureCanvasAgg(figure)
        figure.savefig(io.BytesIO(), format="png", dpi=110)
        box = figure.bbox
        for text in [ax.title for ax in figure.axes] + figure.texts:  # the suptitle is a figure text
            extent = text.get_window_extent(canvas.get_renderer())
            assert box.x0 <= extent.x0 and extent.x1 <= box.x1 and extent.y1 <= box.y1, text.get_text()
    assert "\n" in fig.axes[0].get_title() and "\n" in grid.get_suptitle()
    assert fig.axes[0].get_title().replace("\n", " ") == f"{words} seasonal_naive_365 (MSE x0.85) (test MSE 0.01234 test MSE 0.01234 test MSE 0.01234)"

"""Metrics: hand-computed values, scikit-learn agreement, shapes and guards."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import (
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
)

from forecaster.errors import ForecasterError
from forecaster.evaluation import metrics
from forecaster.evaluation.metrics import (
    METRICS,
    compute_metrics,
    mae,
    mape,
    mase,
    metrics_by_step,
    mse,
    rmse,
    smape,
)

# 2 windows, horizon 2, 1 target
Y = np.array([[[1.0], [2.0]], [[4.0], [-2.0]]])
P = np.array([[[2.0], [2.0]], [[1.0], [-1.0]]])
# errors: -1, 0, 3, -1 ; abs: 1, 0, 3, 1 ; sq: 1, 0, 9, 1


def test_hand_values():
    assert mse(Y, P) == pytest.approx(11 / 4)
    assert rmse(Y, P) == pytest.approx(np.sqrt(11 / 4))
    assert mae(Y, P) == pytest.approx(5 / 4)
    # |e|/|y|: 1/1, 0/2, 3/4, 1/2 -> mean 0.5625
    assert mape(Y, P) == pytest.approx(56.25)
    # 2|e|/(|y|+|p|): 2/3, 0, 6/5, 2/3
    assert smape(Y, P) == pytest.approx(100 * (2 / 3 + 0 + 6 / 5 + 2 / 3) / 4)


def test_agrees_with_sklearn_multi_target():
    rng = np.random.default_rng(0)
    y = rng.normal(10.0, 3.0, size=(7, 5, 3))
    p = y + rng.normal(0.0, 1.0, size=y.shape)
    flat_y, flat_p = y.reshape(-1), p.reshape(-1)
    assert mse(y, p) == pytest.approx(mean_squared_error(flat_y, flat_p))
    assert rmse(y, p) == pytest.approx(np.sqrt(mean_squared_error(flat_y, flat_p)))
    assert mae(y, p) == pytest.approx(mean_absolute_error(flat_y, flat_p))
    assert mape(y, p) == pytest.approx(100 * mean_absolute_percentage_error(flat_y, flat_p))
    # per target columns, uniform average (equal counts per target)
    cols_y, cols_p = y.reshape(-1, 3), p.reshape(-1, 3)
    assert mae(y, p) == pytest.approx(mean_absolute_error(cols_y, cols_p))


def test_two_dim_and_one_dim_inputs():
    y2, p2 = Y[..., 0], P[..., 0]
    assert mse(y2, p2) == mse(Y, P)
    assert mae([1.0, 2.0, 3.0], [1.0, 2.0, 5.0]) == pytest.approx(2 / 3)
    assert metrics_by_step([1.0, 2.0, 3.0], [1.0, 2.0, 5.0]).shape[0] == 3


def test_mape_masks_zero_actuals():
    y = np.array([[0.0, 2.0, 4.0]])
    p = np.array([[5.0, 1.0, 5.0]])
    # zero actual ignored: (1/2 + 1/4) / 2
    assert mape(y, p) == pytest.approx(37.5)
    assert np.isnan(mape([[0.0, 0.0]], [[1.0, 2.0]]))


def test_smape_both_zero_is_perfect():
    assert smape([[0.0, 1.0]], [[0.0, 1.0]]) == 0.0
    assert smape([[0.0]], [[3.0]]) == pytest.approx(200.0)


def test_mase_hand_value_and_seasonal_scale():
    insample = np.array([1.0, 3.0, 2.0, 6.0])  # |diffs| lag 1: 2, 1, 4 -> mean 7/3
    y, p = np.array([[2.0, 4.0]]), np.array([[3.0, 6.0]])  # mae 1.5
    assert mase(y, p, insample=insample) == pytest.approx(1.5 / (7 / 3))
    # lag 2: |2-1|, |6-3| -> mean 2
    assert mase(y, p, insample=insample, m=2) == pytest.approx(0.75)


def test_mase_per_target_scale_and_panel():
    insample = np.array([[0.0, 0.0], [1.0, 10.0], [2.0, 20.0]])  # scales 1 and 10
    y = np.zeros((1, 2, 2))
    p = np.array([[[1.0, 10.0], [1.0, 10.0]]])  # mae 1 and 10 -> 1 and 1
    assert mase(y, p, insample=insample) == pytest.approx(1.0)
    # panel: diffs inside each series only (no jump between 100 and 0 counted)
    panel = [np.array([100.0, 101.0]), np.array([0.0, 1.0, 2.0])]
    assert mase([[1.0]], [[3.0]], insample=panel) == pytest.approx(2.0)


def test_mase_zero_scale_warns_and_guards():
    with pytest.warns(UserWarning, match="does not change"):
        value = mase([[1.0, 2.0]], [[2.0, 2.0]], insample=[5.0, 5.0, 5.0])
    assert np.isnan(value)
    insample = np.array([[5.0, 0.0], [5.0, 2.0]])  # first target constant
    with pytest.warns(UserWarning):
        value = mase(np.zeros((1, 1, 2)), np.array([[[9.0, 1.0]]]), insample=insample)
    assert value == pytest.approx(0.5)


def test_compute_metrics_keys_and_values():
    out = compute_metrics(Y, P)
    assert list(out) == [m for m in METRICS if m != "mase"]
    assert all(isinstance(v, float) for v in out.values())
    assert out["mae"] == mae(Y, P)
    out = compute_metrics(Y, P, insample=[0.0, 1.0, 3.0])
    assert list(out) == list(METRICS)
    assert out["mase"] == pytest.approx(mae(Y, P) / 1.5)


def test_metrics_by_step():
    table = metrics_by_step(Y, P, insample=[0.0, 2.0])
    assert isinstance(table, pd.DataFrame)
    assert table.index.name == "step"
    assert table.index.tolist() == [1, 2]
    assert list(table.columns) == list(METRICS)
    # step 1 errors: -1, 3 ; step 2 errors: 0, -1
    assert table.loc[1, "mse"] == pytest.approx(5.0)
    assert table.loc[2, "mae"] == pytest.approx(0.5)
    assert table.loc[1, "mase"] == pytest.approx(2.0 / 2.0)
    assert "mase" not in metrics_by_step(Y, P).columns


@pytest.mark.parametrize(
    ("y", "p", "match"),
    [
        (np.zeros((2, 3)), np.zeros((2, 4)), "same shape"),
        (np.zeros((1, 1, 1, 1)), np.zeros((1, 1, 1, 1)), "shape"),
        (np.zeros((0, 3)), np.zeros((0, 3)), "empty"),
    ],
)
def test_bad_shapes_raise(y, p, match):
    with pytest.raises(ForecasterError, match=match):
        mse(y, p)


def test_mase_bad_arguments_raise():
    with pytest.raises(ForecasterError, match="m=2 needs at least 3"):
        mase([[1.0]], [[1.0]], insample=[1.0, 2.0], m=2)
    with pytest.raises(ForecasterError, match="`m`"):
        mase([[1.0]], [[1.0]], insample=[1.0, 2.0], m=0)
    with pytest.raises(ForecasterError, match="target column"):
        mase(np.zeros((1, 1, 2)), np.zeros((1, 1, 2)), insample=[1.0, 2.0, 3.0])


def test_evaluation_imports_no_tensorflow():
    code = (
        "import sys, forecaster.evaluation as e; "
        "import forecaster.evaluation.plots, forecaster.evaluation.backtest; "
        "e.plot_forecast; "
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'TF imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert metrics.ZERO_TOL > 0


def test_compute_metrics_short_insample_gives_nan_mase_with_warning():
    with pytest.warns(UserWarning, match="needs at least 8"):
        out = compute_metrics(Y, P, insample=np.arange(5.0), m=7)
    assert np.isnan(out["mase"]) and out["mae"] == mae(Y, P)
    with pytest.warns(UserWarning, match="needs at least 8"):
        table = metrics_by_step(Y, P, insample=np.arange(5.0), m=7)
    assert table["mase"].isna().all()


def test_one_mase_whichever_path():
    """The scale from the training rows gives the same MASE by every function path."""
    from forecaster.evaluation.backtest import score_origin
    from forecaster.evaluation.metrics import mase_scale

    rng = np.random.default_rng(2)
    t = np.arange(300)
    series = np.column_stack(
        [
            10 * np.sin(2 * np.pi * t / 12) + rng.normal(size=t.size),
            np.cumsum(rng.normal(size=t.size)),
        ]
    )
    train, m = series[:200], 12
    origin, horizon = 250, 6
    actual = series[origin : origin + horizon][None]
    pred = actual + rng.normal(size=actual.shape)
    scale = mase_scale(train, m)
    assert scale.shape == (2,)
    expected = np.mean(
        np.mean(np.abs(actual - pred), axis=(0, 1))
        / np.mean(np.abs(train[m:] - train[:-m]), axis=0)
    )
    values = [
        mase(actual, pred, insample=train, m=m),
        mase(actual, pred, scale=scale),
        mase(actual, pred, scale=scale.tolist()),  # as read back from JSON
        compute_metrics(actual, pred, insample=train, m=m)["mase"],
        compute_metrics(actual, pred, scale=scale)["mase"],
        score_origin(series, origin, pred, m=m, insample=train)["model"]["mase"],
    ]
    assert values == pytest.approx([expected] * len(values), rel=1e-12)
    by_step = metrics_by_step(actual, pred, scale=scale)["mase"]
    assert by_step.mean() == pytest.approx(expected)  # equal counts per step
    assert by_step.tolist() == metrics_by_step(actual, pred, insample=train, m=m)["mase"].tolist()


def test_mase_scale_guards():
    from forecaster.evaluation.metrics import mase_scale

    assert mase_scale([1.0, 2.0, 4.0, 7.0]).tolist() == [2.0]
    assert mase_scale([np.array([0.0, 2.0]), np.array([5.0, 6.0])]).tolist() == [1.5]
    with pytest.raises(ForecasterError, match="m=3 needs at least 4"):
        mase_scale([1.0, 2.0, 3.0], m=3)
    with pytest.raises(ForecasterError, match="one value per target"):
        mase(np.zeros((1, 1, 2)), np.ones((1, 1, 2)), scale=[1.0])
    with pytest.raises(ForecasterError, match="not both"):
        compute_metrics([[1.0]], [[2.0]], insample=[1.0, 2.0], scale=[1.0])
    with pytest.raises(ForecasterError, match="training rows"):
        mase([[1.0]], [[2.0]])
    # a zero or null (nan) scale leaves the target out, as mase_scale does
    assert mase(np.zeros((1, 1, 2)), np.ones((1, 1, 2)), scale=[0.5, None]) == pytest.approx(2.0)


def test_every_public_name_resolves_lazily():
    import forecaster.evaluation as evaluation

    assert sorted(evaluation.__all__) == sorted(evaluation._EXPORTS)
    for name in evaluation.__all__:
        assert getattr(evaluation, name) is not None
    assert evaluation.mase_scale is metrics.mase_scale
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        evaluation.nope  # noqa: B018

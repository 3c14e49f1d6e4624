"""Tests for forecaster.data.scaling: sklearn statistics on train only, inverse, JSON state."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from forecaster.data.scaling import SCALING_METHODS, Scaler, fit_scaler
from forecaster.data.split import chronological_split
from forecaster.errors import ForecasterError


def series(n: int = 120, n_columns: int = 3, seed: int = 0) -> np.ndarray:
    """Columns with a trend, so train and full-series statistics differ."""
    rng = np.random.default_rng(seed)
    trend = np.linspace(0, 50, n)[:, None] * np.arange(1, n_columns + 1)
    return (trend + rng.normal(size=(n, n_columns)) * 5 + 100).astype(np.float32)


def train_rows(values: np.ndarray) -> np.ndarray:
    split = chronological_split(len(values), input_width=10, horizon=5)
    return values[slice(*split.train)]


def test_standard_matches_sklearn_on_the_training_split_alone() -> None:
    values = series()
    train = train_rows(values)
    scaler = fit_scaler(train, "standard")
    reference = StandardScaler().fit(train.astype(np.float64))
    np.testing.assert_allclose(scaler.center, reference.mean_)
    np.testing.assert_allclose(scaler.scale, reference.scale_)
    np.testing.assert_allclose(scaler.transform(values), reference.transform(values), rtol=1e-5, atol=1e-5)
    # Statistics of the whole series would differ: the test period is not leaked.
    assert not np.allclose(scaler.center, values.mean(axis=0))
    assert scaler.transform(train).mean(axis=0) == pytest.approx(np.zeros(3), abs=1e-5)


def test_minmax_matches_sklearn_on_the_training_split_alone() -> None:
    values = series()
    train = train_rows(values)
    scaler = fit_scaler(train, "minmax")
    reference = MinMaxScaler().fit(train.astype(np.float64))
    np.testing.assert_allclose(scaler.center, reference.data_min_)
    np.testing.assert_allclose(scaler.scale, reference.data_range_)
    np.testing.assert_allclose(scaler.transform(values), reference.transform(values), rtol=1e-5, atol=1e-5)
    scaled_train = scaler.transform(train)
    assert scaled_train.min() == pytest.approx(0.0) and scaled_train.max() == pytest.approx(1.0)
    assert scaler.transform(values).max() > 1.0  # later, larger values are not squeezed into [0, 1]


def test_none_is_the_identity() -> None:
    values = series()
    scaler = fit_scaler(values, "none")
    np.testing.assert_array_equal(scaler.center, np.zeros(3))
    np.testing.assert_array_equal(scaler.scale, np.ones(3))
    np.testing.assert_array_equal(scaler.transform(values), values)


@pytest.mark.parametrize("method", SCALING_METHODS)
def test_inverse_round_trip_and_target_columns(method: str) -> None:
    values = series()
    scaler = fit_scaler(train_rows(values), method)
    scaled = scaler.transform(values)
    assert scaled.dtype == np.float32 and scaled.shape == values.shape
    np.testing.assert_allclose(scaler.inverse_transform(scaled), values, rtol=1e-5)
    # Predictions hold target columns only: [batch, horizon, n_targets].
    windows = scaled[:40].reshape(4, 10, 3)
    np.testing.assert_allclose(scaler.inverse_transform(windows[..., [2, 0]], [2, 0]), values[:40].reshape(4, 10, 3)[..., [2, 0]], rtol=1e-5)
    np.testing.assert_allclose(scaler.inverse_transform(windows[..., :1], slice(0, 1)), values[:40, :1].reshape(4, 10, 1), rtol=1e-5)


@pytest.mark.parametrize("method", SCALING_METHODS)
def test_json_round_trip(method: str) -> None:
    values = series()
    scaler = fit_scaler(values, method)
    state = json.loads(json.dumps(scaler.to_dict()))
    assert set(state) == {"method", "center", "scale"} and state["method"] == method
    restored = Scaler.from_dict(state)
    assert restored.method == method
    np.testing.assert_array_equal(restored.center, scaler.center)
    np.testing.assert_array_equal(restored.scale, scaler.scale)
    np.testing.assert_array_equal(restored.transform(values), scaler.transform(values))


@pytest.mark.parametrize("method", ["standard", "minmax"])
def test_constant_column_gets_scale_one(method: str) -> None:
    values = np.column_stack([np.full(10, 7.0), np.arange(10.0)])
    scaler = fit_scaler(values, method)
    assert scaler.scale[0] == 1.0 and scaler.center[0] == 7.0
    scaled = scaler.transform(values)
    assert np.isfinite(scaled).all()
    np.testing.assert_array_equal(scaled[:, 0], np.zeros(10))
    np.testing.assert_allclose(scaler.inverse_transform(scaled), values, rtol=1e-6, atol=1e-5)


def test_bad_arguments() -> None:
    with pytest.raises(ForecasterError, match=r"`scaling` must be one of standard, minmax, none \(received scaling='robust'\)"):
        fit_scaler(series(), "robust")
    for bad in (np.zeros((0, 2)), np.zeros(5), np.zeros((2, 2, 2))):
        with pytest.raises(ForecasterError, match="non-empty 2-D array"):
            fit_scaler(bad)
    for bad_value in (np.nan, np.inf):
        values = series()
        values[3, 1] = bad_value
        with pytest.raises(ForecasterError, match="NaN or infinite"):
            fit_scaler(values, "standard")


@settings(max_examples=60, deadline=None)
@given(
    values=hnp.arrays(
        np.float64,
        st.tuples(st.integers(2, 30), st.integers(1, 4)),
        elements=st.floats(-1e4, 1e4, allow_nan=False),
    ),
    method=st.sampled_from(["standard", "minmax"]),
)
def test_property_statistics_equal_sklearn_and_inverse_round_trips(values: np.ndarray, method: str) -> None:
    scaler = fit_scaler(values, method)
    if method == "standard":
        reference = StandardScaler().fit(values)
        center, scale = reference.mean_, reference.scale_
    else:
        reference = MinMaxScaler().fit(values)
        center, scale = reference.data_min_, reference.data_range_
    np.testing.assert_allclose(scaler.center, center)
    expected_scale = np.where(scale > 0, scale, 1.0)
    np.testing.assert_allclose(scaler.scale, expected_scale)
    assert (scaler.scale > 0).all()
    restored = scaler.inverse_transform(scaler.transform(values))
    np.testing.assert_allclose(restored, values.astype(np.float32), rtol=1e-4, atol=1e-4 * (1 + np.abs(values).max()))

"""Scalers for series not seen at fit, from their own recent context."""

from __future__ import annotations

import numpy as np
import pytest

from forecaster.data.panel import context_scaler, scaler_for_series, stack_scalers
from forecaster.data.scaling import Scaler, fit_scaler
from forecaster.errors import ForecasterError


def test_context_scaler_is_the_same_scaler_type_fit_on_the_last_rows():
    values = np.column_stack([np.arange(50.0), np.linspace(0, 1, 50) ** 2])
    scaler = context_scaler(values, input_width=10, method="standard", rows=20)
    assert isinstance(scaler, Scaler) and scaler.method == "standard"
    expected = fit_scaler(values[-20:], "standard")
    np.testing.assert_allclose(scaler.center, expected.center)
    np.testing.assert_allclose(scaler.scale, expected.scale)
    every_row = context_scaler(values, input_width=10, method="minmax")
    np.testing.assert_allclose(every_row.center, values.min(axis=0))


def test_context_shorter_than_input_width_is_refused():
    with pytest.raises(ForecasterError) as info:
        context_scaler(np.ones((5, 1)), input_width=8, series_id="new-store")
    assert "series 'new-store' was not seen at fit and has 5 rows; at least input_width = 8" in str(info.value)
    with pytest.raises(ForecasterError, match="`rows` must be at least input_width = 8"):
        context_scaler(np.ones((20, 1)), input_width=8, rows=4)
    with pytest.raises(ForecasterError, match="NaN or infinite values in its context"):
        context_scaler(np.array([[1.0]] * 9 + [[np.nan]]), input_width=8)


def test_scaler_for_series_prefers_the_fit_scaler():
    fitted = fit_scaler(np.array([[1.0], [3.0]]), "standard")
    known = {"7": fitted}
    scaler, seen = scaler_for_series(np.int64(7), np.zeros((1, 1)), known, input_width=4)
    assert seen and scaler is fitted
    scaler, seen = scaler_for_series("8", np.arange(12.0)[:, None], known, input_width=4)
    assert not seen
    np.testing.assert_allclose(scaler.center, [5.5])


def test_stack_scalers_gives_the_export_tables():
    a = fit_scaler(np.array([[1.0, 10.0], [3.0, 30.0]]), "standard")
    b = fit_scaler(np.array([[0.0, 0.0], [4.0, 2.0]]), "standard")
    ids, centers, scales = stack_scalers([np.int64(1), "b"], [a, b])
    assert ids == ["1", "b"]
    np.testing.assert_allclose(centers, [[2.0, 20.0], [2.0, 1.0]])
    assert scales.shape == (2, 2)
    with pytest.raises(ForecasterError, match="one scaler per series id"):
        stack_scalers(["a"], [a, b])

"""Tests for forecaster.data.split: chronological parts, context rows, no label leakage."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecaster.data.split import Split, chronological_split
from forecaster.data.windowing import count_windows, window_starts
from forecaster.errors import ForecasterError


def target_rows(split: Split, input_width: int) -> dict[str, range]:
    """Rows whose values are labels of each part (context rows excluded)."""
    rows = {"train": range(*split.train)}
    for name in ("val", "test"):
        start, stop = getattr(split, name)
        rows[name] = range(start + input_width, stop) if stop > start else range(stop, stop)
    return rows


def window_label_rows(part: tuple[int, int], input_width: int, horizon: int) -> set[int]:
    """Rows that appear as a label (y) in some window built from ``part``."""
    start, stop = part
    starts = window_starts([stop - start], input_width, horizon) + start
    return {int(s) + input_width + h for s in starts for h in range(horizon)}


def test_default_fractions_and_context() -> None:
    s = chronological_split(100, input_width=10, horizon=5)
    assert (s.train, s.val, s.test) == ((0, 70), (60, 85), (75, 100))
    rows = target_rows(s, 10)
    assert (rows["train"], rows["val"], rows["test"]) == (range(0, 70), range(70, 85), range(85, 100))
    assert count_windows(70, 10, 5) == 56
    assert count_windows(25, 10, 5) == 11 and count_windows(25, 10, 5) == 15 - 5 + 1
    assert json.loads(json.dumps(s.to_dict())) == {"train": [0, 70], "val": [60, 85], "test": [75, 100]}


def test_no_validation_part() -> None:
    s = chronological_split(50, input_width=4, horizon=2, val=0.0, test=0.2)
    assert s.train == (0, 40) and s.val == (40, 40) and s.test == (36, 50)
    assert count_windows(s.val[1] - s.val[0], 4, 2) == 0


def test_small_fractions_still_hold_one_horizon() -> None:
    s = chronological_split(200, input_width=8, horizon=12, val=0.01, test=0.01)
    assert s.test == (200 - 12 - 8, 200) and s.val == (200 - 24 - 8, 188)
    assert count_windows(s.test[1] - s.test[0], 8, 12) == 1


def test_split_by_dates() -> None:
    dates = pd.date_range("2024-01-01", periods=60, freq="D")
    s = chronological_split(60, 5, 2, dates=dates, val_start="2024-02-01", test_start="2024-02-15")
    rows = target_rows(s, 5)
    assert dates[rows["val"][0]] == pd.Timestamp("2024-02-01")
    assert dates[rows["test"][0]] == pd.Timestamp("2024-02-15")
    assert rows["train"][-1] + 1 == rows["val"][0] and rows["val"][-1] + 1 == rows["test"][0]
    assert rows["test"][-1] == 59
    # A time-zone-aware date is compared in UTC, like the naive UTC dates data.io returns.
    tz = chronological_split(60, 5, 2, dates=dates, test_start=pd.Timestamp("2024-02-15 01:00", tz="Europe/Paris"))
    assert target_rows(tz, 5)["test"][0] == rows["test"][0]
    # Without val_start the validation part is empty and training runs up to the test.
    s2 = chronological_split(60, 5, 2, dates=dates, test_start="2024-02-15")
    assert s2.train == (0, 45) and s2.val == (45, 45) and s2.test == (40, 60)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"val": -0.1}, r"`val` fraction must be in \[0, 1\) \(received val=-0.1\)"),
        ({"test": 1.0}, r"`test` fraction must be in \[0, 1\) \(received test=1.0\)"),
        ({"val": 0.5, "test": 0.45}, "leaves too little for training"),
        ({"test_start": "2024-01-10"}, "needs a date column"),
        ({"val_start": "2024-01-10", "dates": pd.date_range("2024", periods=100)}, "needs `test_start`"),
        ({"test_start": "2030-01-01", "dates": pd.date_range("2024", periods=100)}, "must fall inside the data"),
        ({"test_start": "soon", "dates": pd.date_range("2024", periods=100)}, r"`test_start` is not a date"),
        ({"test_start": "2024-03-01", "val_start": None, "dates": pd.date_range("2024", periods=100)}, None),
        (
            {"val_start": "2024-03-01", "test_start": "2024-02-01", "dates": pd.date_range("2024", periods=100)},
            "val_start <= test_start",
        ),
    ],
)
def test_bad_split_options(kwargs: dict, match: str | None) -> None:
    if match is None:  # control case: valid options
        chronological_split(100, 10, 5, **kwargs)
        return
    with pytest.raises(ForecasterError, match=match) as info:
        chronological_split(100, 10, 5, **kwargs)
    assert "\n" not in str(info.value) and str(info.value).endswith(".")


def test_too_short_parts() -> None:
    # val and test each hold at least one horizon (5 rows), leaving 10 for training.
    with pytest.raises(ForecasterError, match=r"training part has 10 rows; input_width \+ horizon = 20"):
        chronological_split(20, input_width=15, horizon=5)
    with pytest.raises(ForecasterError, match=r"training part has 0 rows; input_width \+ horizon = 21"):
        chronological_split(10, input_width=1, horizon=20)
    dates = pd.date_range("2024", periods=100)
    with pytest.raises(ForecasterError, match="the validation part has 1 rows; at least horizon = 5"):
        chronological_split(100, 10, 5, dates=dates, val_start=dates[80], test_start=dates[81])


@settings(max_examples=200, deadline=None)
@given(
    n_rows=st.integers(2, 400),
    input_width=st.integers(1, 40),
    horizon=st.integers(1, 20),
    val=st.sampled_from([0.0, 0.05, 0.1, 0.15, 0.2, 0.3]),
    test=st.sampled_from([0.0, 0.05, 0.1, 0.15, 0.2, 0.3]),
)
def test_property_parts_are_disjoint_ordered_and_leak_free(
    n_rows: int, input_width: int, horizon: int, val: float, test: float
) -> None:
    try:
        s = chronological_split(n_rows, input_width, horizon, val=val, test=test)
    except ForecasterError as exc:
        assert "\n" not in str(exc)
        return
    rows = target_rows(s, input_width)
    # Target rows: contiguous, ordered, disjoint, and together the whole series.
    assert rows["train"].start == 0
    assert rows["train"].stop == rows["val"].start or len(rows["val"]) == 0
    assert np.array_equal(np.concatenate([np.arange(n_rows)[r.start : r.stop] for r in rows.values()]), np.arange(n_rows))
    # Context: val/test start input_width rows before their first target.
    for name in ("val", "test"):
        start, stop = getattr(s, name)
        if stop > start:
            assert start == rows[name].start - input_width >= 0
            assert len(rows[name]) >= horizon
    # Windows: exact counts, labels inside the part's own target rows.
    labels: dict[str, set[int]] = {}
    for name in ("train", "val", "test"):
        start, stop = getattr(s, name)
        expected = max(len(rows[name]) - horizon + 1, 0) if name != "train" else stop - input_width - horizon + 1
        assert count_windows(stop - start, input_width, horizon) == expected
        labels[name] = window_label_rows((start, stop), input_width, horizon)
        assert labels[name] <= set(rows[name])
    assert labels["train"].isdisjoint(labels["val"] | labels["test"])
    assert labels["val"].isdisjoint(labels["test"])
    assert max(labels["train"]) < min(labels["val"] | labels["test"], default=n_rows)
    assert max(labels["val"], default=-1) < min(labels["test"], default=n_rows)
    if test > 0:
        assert len(rows["test"]) >= max(round(n_rows * test), horizon)


@settings(max_examples=100, deadline=None)
@given(
    n_rows=st.integers(20, 200),
    input_width=st.integers(1, 10),
    horizon=st.integers(1, 5),
    cut_a=st.floats(0.3, 0.95),
    cut_b=st.floats(0.3, 0.99),
)
def test_property_date_split_starts_targets_at_the_dates(
    n_rows: int, input_width: int, horizon: int, cut_a: float, cut_b: float
) -> None:
    dates = pd.bdate_range("2024-01-01", periods=n_rows)
    a, b = sorted((int(n_rows * cut_a), int(n_rows * cut_b)))
    try:
        s = chronological_split(
            n_rows, input_width, horizon, dates=dates, val_start=dates[a], test_start=dates[b]
        )
    except ForecasterError:
        return
    rows = target_rows(s, input_width)
    assert rows["train"] == range(0, a)
    assert rows["val"] == range(a, b) and rows["test"] == range(b, n_rows)

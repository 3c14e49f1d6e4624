"""Tests for forecaster.data.windowing against a plain numpy reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from forecaster.data.windowing import count_windows, make_windows, window_starts
from forecaster.errors import ForecasterError


def make_series(lengths: list[int], n_features: int) -> list[np.ndarray]:
    """Series whose every value is unique: series j, row i, column f -> 1000 j + i + f / 8."""
    return [
        (1000.0 * j + np.arange(n)[:, None] + np.arange(n_features)[None, :] / 8).astype(np.float32)
        for j, n in enumerate(lengths)
    ]


def reference_windows(
    arrays: list[np.ndarray], input_width: int, horizon: int, targets: list[int] | None, stride: int
) -> tuple[np.ndarray, np.ndarray]:
    """All (x, y) windows, series by series, built with sliding_window_view."""
    xs, ys = [], []
    n_features = arrays[0].shape[1]
    target_idx = list(range(n_features)) if targets is None else list(targets)
    for a in arrays:
        if len(a) < input_width + horizon:
            continue
        windows = sliding_window_view(a, input_width + horizon, axis=0)  # [k, F, W+H]
        windows = np.moveaxis(windows, -1, 1)[::stride]  # [k, W+H, F]
        xs.append(windows[:, :input_width, :])
        ys.append(windows[:, input_width:, :][:, :, target_idx])
    if not xs:
        return np.zeros((0, input_width, n_features), np.float32), np.zeros((0, horizon, len(target_idx)), np.float32)
    return np.concatenate(xs), np.concatenate(ys)


def collect(ds) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Concatenate every batch of one pass over ``ds``; also return the batch sizes."""
    xs, ys, sizes = [], [], []
    for x, y in ds:
        xs.append(x.numpy())
        ys.append(y.numpy())
        sizes.append(int(x.shape[0]))
    return np.concatenate(xs), np.concatenate(ys), sizes


def expected_batch_sizes(n: int, batch_size: int, drop_remainder: bool) -> list[int]:
    sizes = [batch_size] * (n // batch_size)
    if n % batch_size and not drop_remainder:
        sizes.append(n % batch_size)
    return sizes


# --------------------------------------------------------------------------- examples


def test_single_series_example_and_shapes() -> None:
    values = np.arange(20, dtype=np.float32).reshape(10, 2)
    ds = make_windows(values, input_width=4, horizon=2, targets=[1], batch_size=3)
    assert ds.element_spec[0].shape.as_list() == [None, 4, 2]
    assert ds.element_spec[1].shape.as_list() == [None, 2, 1]
    x, y, sizes = collect(ds)
    assert sizes == [3, 2]
    assert x.dtype == np.float32 and y.dtype == np.float32
    np.testing.assert_array_equal(x[0], values[0:4])
    np.testing.assert_array_equal(y[0], values[4:6, [1]])
    np.testing.assert_array_equal(x[-1], values[4:8])
    np.testing.assert_array_equal(y[-1, :, 0], [17.0, 19.0])


def test_one_dimensional_input_and_list_of_scalars() -> None:
    x, y, _ = collect(make_windows(np.arange(6, dtype=np.float64), input_width=3, horizon=1))
    assert x.shape == (3, 3, 1) and y[:, 0, 0].tolist() == [3.0, 4.0, 5.0]
    x2, y2, _ = collect(make_windows([0, 1, 2, 3, 4, 5], input_width=3, horizon=1))
    np.testing.assert_array_equal(x2, x)
    np.testing.assert_array_equal(y2, y)


def test_windows_never_cross_series() -> None:
    arrays = make_series([7, 3, 6], n_features=1)  # the middle one is too short for any window
    x, y, _ = collect(make_windows(arrays, input_width=3, horizon=2, batch_size=100))
    assert len(x) == count_windows(7, 3, 2) + count_windows(6, 3, 2) == 5
    series_of_x = np.floor(x / 1000)
    series_of_y = np.floor(y / 1000)
    assert (series_of_x == series_of_x[:, :1]).all() and (series_of_y == series_of_x[:, :1, :]).all()
    assert sorted(set(series_of_x[:, 0, 0].tolist())) == [0.0, 2.0]


def test_count_windows_and_window_starts() -> None:
    assert count_windows(10, 4, 2) == 5
    assert count_windows(10, 4, 2, stride=2) == 3
    assert count_windows(5, 4, 2) == 0
    assert count_windows(6, 4, 2, stride=10) == 1
    assert window_starts([5, 4], input_width=2, horizon=1).tolist() == [0, 1, 2, 5, 6]
    assert window_starts([2, 9], 2, 1, stride=3).tolist() == [2, 5, 8]
    assert window_starts([], 2, 1).dtype.kind == "i" and window_starts([1], 2, 1).size == 0


def test_shuffle_reshuffles_each_epoch_and_is_reproducible() -> None:
    arrays = make_series([40, 25], n_features=2)
    ref_x, ref_y = reference_windows(arrays, 5, 3, [1], 1)
    ds = make_windows(arrays, 5, 3, targets=[1], batch_size=8, shuffle=True, seed=7)
    epoch1 = collect(ds)
    epoch2 = collect(ds)
    again = collect(make_windows(arrays, 5, 3, targets=[1], batch_size=8, shuffle=True, seed=7))
    other = collect(make_windows(arrays, 5, 3, targets=[1], batch_size=8, shuffle=True, seed=8))
    for x, y, sizes in (epoch1, epoch2, other):
        assert sizes == expected_batch_sizes(len(ref_x), 8, False)
        order = np.argsort(x[:, 0, 0])
        np.testing.assert_array_equal(x[order], ref_x)
        np.testing.assert_array_equal(y[order], ref_y)
    np.testing.assert_array_equal(again[0], epoch1[0])  # same seed -> same order
    np.testing.assert_array_equal(again[1], epoch1[1])
    assert not np.array_equal(epoch1[0], epoch2[0])  # a new order every epoch
    assert not np.array_equal(epoch1[0], other[0])  # another seed, another order
    assert not np.array_equal(epoch1[0], ref_x)  # actually shuffled


def test_drop_remainder() -> None:
    x, _, sizes = collect(make_windows(np.arange(30.0), 4, 2, batch_size=4, drop_remainder=True))
    assert sizes == [4] * 6 and x[:, 0, 0].tolist() == list(range(24))


@pytest.mark.parametrize("name", ["input_width", "horizon", "stride", "batch_size"])
@pytest.mark.parametrize("bad", [0, -1, 2.0, True, None, "3"])
def test_bad_integer_arguments_name_the_argument(name: str, bad) -> None:
    kwargs = {"input_width": 3, "horizon": 2, "stride": 1, "batch_size": 4, name: bad}
    with pytest.raises(ForecasterError, match=rf"^`{name}` must be an integer >= 1 \(received {name}={bad!r}\)\.$"):
        make_windows(np.arange(20.0), **kwargs)


@pytest.mark.parametrize("bad", [1.5, "7", True])
def test_bad_seed(bad) -> None:
    with pytest.raises(ForecasterError, match=rf"^`seed` must be an integer or None \(received seed={bad!r}\)\.$"):
        make_windows(np.arange(20.0), 3, 2, shuffle=True, seed=bad)


@pytest.mark.parametrize(
    ("series", "kwargs", "match"),
    [
        (np.arange(5.0), {}, r"series has 5 rows; input_width \+ horizon = 6 are needed"),
        ([np.arange(3.0), np.arange(4.0)], {}, r"series has 4 rows; input_width \+ horizon = 6"),
        (np.zeros((10, 2)), {"targets": [2]}, r"`targets` must be column indices in \[0, 2\) \(received targets=\[2\]\)"),
        (np.zeros((10, 2)), {"targets": [-1]}, r"`targets` must be column indices"),
        (np.zeros((10, 2)), {"targets": []}, r"`targets` must be column indices"),
        (np.array([1.0, np.nan, 3, 4, 5, 6, 7]), {}, "`series` has NaN or infinite values"),
        ([np.zeros((10, 2)), np.zeros((10, 3))], {}, r"same number of columns \(received \[2, 3\]\)"),
        (np.zeros((10, 2, 2)), {}, r"1-D or 2-D \[n_rows, n_features\] \(received shape \(10, 2, 2\)\)"),
        ([], {}, "`series` is empty"),
    ],
)
def test_bad_series_or_targets(series, kwargs: dict, match: str) -> None:
    with pytest.raises(ForecasterError, match=match) as info:
        make_windows(series, input_width=4, horizon=2, **kwargs)
    assert "\n" not in str(info.value) and str(info.value).endswith(".")


# --------------------------------------------------------------------------- properties


@st.composite
def window_problems(draw):
    n_features = draw(st.integers(1, 4))
    lengths = draw(st.lists(st.integers(0, 40), min_size=1, max_size=4))
    input_width = draw(st.integers(1, 8))
    horizon = draw(st.integers(1, 5))
    stride = draw(st.integers(1, 4))
    batch_size = draw(st.integers(1, 16))
    targets = draw(
        st.one_of(
            st.none(),
            st.lists(st.integers(0, n_features - 1), min_size=1, max_size=n_features, unique=True),
        )
    )
    return lengths, n_features, input_width, horizon, stride, batch_size, targets


@settings(max_examples=30, deadline=None)
@given(problem=window_problems(), drop_remainder=st.booleans())
def test_property_windows_equal_numpy_reference(problem, drop_remainder: bool) -> None:
    lengths, n_features, input_width, horizon, stride, batch_size, targets = problem
    arrays = make_series(lengths, n_features)
    ref_x, ref_y = reference_windows(arrays, input_width, horizon, targets, stride)
    assert len(ref_x) == sum(count_windows(n, input_width, horizon, stride) for n in lengths)
    assert len(window_starts(lengths, input_width, horizon, stride)) == len(ref_x)
    kwargs = {"targets": targets, "stride": stride, "batch_size": batch_size, "drop_remainder": drop_remainder}
    if len(ref_x) == 0:
        with pytest.raises(ForecasterError, match=f"series has {max(lengths)} rows"):
            make_windows(arrays, input_width, horizon, **kwargs)
        return
    ds = make_windows(arrays if len(arrays) > 1 else arrays[0], input_width, horizon, **kwargs)
    sizes = expected_batch_sizes(len(ref_x), batch_size, drop_remainder)
    if not sizes:  # drop_remainder with fewer windows than one batch
        assert list(ds) == []
        return
    x, y, got_sizes = collect(ds)
    assert got_sizes == sizes
    kept = sum(sizes)
    np.testing.assert_array_equal(x, ref_x[:kept])
    np.testing.assert_array_equal(y, ref_y[:kept])


@settings(max_examples=20, deadline=None)
@given(problem=window_problems(), seed=st.integers(0, 2**31 - 1))
def test_property_shuffle_is_a_seeded_permutation(problem, seed: int) -> None:
    lengths, n_features, input_width, horizon, stride, batch_size, targets = problem
    arrays = make_series(lengths, n_features)
    ref_x, ref_y = reference_windows(arrays, input_width, horizon, targets, stride)
    if len(ref_x) == 0:
        return
    kwargs = {"targets": targets, "stride": stride, "batch_size": batch_size, "shuffle": True, "seed": seed}
    ds = make_windows(arrays, input_width, horizon, **kwargs)
    x1, y1, sizes = collect(ds)
    x2, y2, _ = collect(ds)
    x3, y3, _ = collect(make_windows(arrays, input_width, horizon, **kwargs))
    assert sizes == expected_batch_sizes(len(ref_x), batch_size, False)
    for x, y in ((x1, y1), (x2, y2)):
        order = np.argsort(x[:, 0, 0], kind="stable")  # values are unique, so this is exact
        np.testing.assert_array_equal(x[order], ref_x)
        np.testing.assert_array_equal(y[order], ref_y)
    np.testing.assert_array_equal(x3, x1)  # same seed -> same order
    np.testing.assert_array_equal(y3, y1)
    if len(ref_x) >= 8:  # 1 / 8! chance of an equal permutation by luck
        assert not np.array_equal(x1, x2)  # reshuffled each epoch

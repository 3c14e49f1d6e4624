"""Tests for forecaster.data.windowing against a plain numpy reference."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from forecaster.data import windowing
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
        return np.zeros((0, input_width, n_features), np.float32), np.zeros(
            (0, horizon, len(target_idx)), np.float32
        )
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
    assert (series_of_x == series_of_x[:, :1]).all() and (
        series_of_y == series_of_x[:, :1, :]
    ).all()
    assert sorted(set(series_of_x[:, 0, 0].tolist())) == [0.0, 2.0]


def test_count_windows_and_window_starts() -> None:
    assert count_windows(10, 4, 2) == 5
    assert count_windows(10, 4, 2, stride=2) == 3
    assert count_windows(5, 4, 2) == 0
    assert count_windows(6, 4, 2, stride=10) == 1
    assert window_starts([5, 4], input_width=2, horizon=1).tolist() == [0, 1, 2, 5, 6]
    assert window_starts([2, 9], 2, 1, stride=3).tolist() == [2, 5, 8]
    assert window_starts([], 2, 1).dtype.kind == "i" and window_starts([1], 2, 1).size == 0


def test_a_fit_does_not_wait_for_the_autotuner_when_it_drops_its_iterator() -> None:
    """Deleting an iterator waits out tf.data's autotuner sleep (a period doubling up to a minute):
    a fit stalled 0-33 s when Keras dropped its iterator (measured in docs/benchmarks.md; a timed
    test would be flaky). The windows' pipelines run untuned."""
    series = np.sin(np.arange(4000) / 7.0)
    for ds in (
        make_windows(series, 28, 14, batch_size=32, shuffle=True, seed=0),
        make_windows(series, 28, 14, batch_size=32, cache=True),
    ):
        assert ds.options().autotune.enabled is False and ds.options().deterministic is True


def test_an_epoch_after_a_partly_read_one_is_still_a_permutation() -> None:
    # A consumer may read one batch and drop the iterator (a peek); the next epoch must still hold
    # every window once, also where the epoch is whole gathered chunks followed by single batches
    # (a design that drew the chunks' and the last batches' seeds from two streams broke this).
    arrays = make_series([400], n_features=1)
    ref_x, _ = reference_windows(arrays, 5, 3, [0], 1)
    ds = make_windows(arrays, 5, 3, targets=[0], batch_size=8, shuffle=True, seed=3)
    assert windowing._batches_per_gather(8, 8) > 1  # whole chunks, then the rest one batch at a time
    next(iter(ds))
    x, _, _ = collect(ds)
    np.testing.assert_array_equal(np.sort(x[:, 0, 0]), np.sort(ref_x[:, 0, 0]))


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
    with pytest.raises(
        ForecasterError, match=rf"^`{name}` must be an integer >= 1 \(received {name}={bad!r}\)\.$"
    ):
        make_windows(np.arange(20.0), **kwargs)


@pytest.mark.parametrize("bad", [1.5, "7", True])
def test_bad_seed(bad) -> None:
    with pytest.raises(
        ForecasterError, match=rf"^`seed` must be an integer or None \(received seed={bad!r}\)\.$"
    ):
        make_windows(np.arange(20.0), 3, 2, shuffle=True, seed=bad)


@pytest.mark.parametrize(
    ("series", "kwargs", "match"),
    [
        (np.arange(5.0), {}, r"series has 5 rows; input_width \+ horizon = 6 are needed"),
        ([np.arange(3.0), np.arange(4.0)], {}, r"series has 4 rows; input_width \+ horizon = 6"),
        (
            np.zeros((10, 2)),
            {"targets": [2]},
            r"`targets` must be column indices in \[0, 2\) \(received targets=\[2\]\)",
        ),
        (np.zeros((10, 2)), {"targets": [-1]}, r"`targets` must be column indices"),
        (np.zeros((10, 2)), {"targets": []}, r"`targets` must be column indices"),
        (np.array([1.0, np.nan, 3, 4, 5, 6, 7]), {}, "`series` has NaN or infinite values"),
        (
            [np.zeros((10, 2)), np.zeros((10, 3))],
            {},
            r"same number of columns \(received \[2, 3\]\)",
        ),
        (
            np.zeros((10, 2, 2)),
            {},
            r"1-D or 2-D \[n_rows, n_features\] \(received shape \(10, 2, 2\)\)",
        ),
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
@given(problem=window_problems(), drop_remainder=st.booleans(), per_gather=st.integers(1, 4))
def test_property_windows_equal_numpy_reference(
    problem, drop_remainder: bool, per_gather: int
) -> None:
    with mock.patch.object(windowing, "MAX_BATCHES_PER_GATHER", per_gather):  # whole chunks + rest
        check_windows_equal_reference(problem, drop_remainder)


def check_windows_equal_reference(problem, drop_remainder: bool) -> None:
    lengths, n_features, input_width, horizon, stride, batch_size, targets = problem
    arrays = make_series(lengths, n_features)
    ref_x, ref_y = reference_windows(arrays, input_width, horizon, targets, stride)
    assert len(ref_x) == sum(count_windows(n, input_width, horizon, stride) for n in lengths)
    assert len(window_starts(lengths, input_width, horizon, stride)) == len(ref_x)
    kwargs = {
        "targets": targets,
        "stride": stride,
        "batch_size": batch_size,
        "drop_remainder": drop_remainder,
    }
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
@given(problem=window_problems(), seed=st.integers(0, 2**31 - 1), per_gather=st.integers(1, 4))
def test_property_shuffle_is_a_seeded_permutation(problem, seed: int, per_gather: int) -> None:
    with mock.patch.object(windowing, "MAX_BATCHES_PER_GATHER", per_gather):
        check_shuffle_is_a_seeded_permutation(problem, seed)


def check_shuffle_is_a_seeded_permutation(problem, seed: int) -> None:
    lengths, n_features, input_width, horizon, stride, batch_size, targets = problem
    arrays = make_series(lengths, n_features)
    ref_x, ref_y = reference_windows(arrays, input_width, horizon, targets, stride)
    if len(ref_x) == 0:
        return
    kwargs = {
        "targets": targets,
        "stride": stride,
        "batch_size": batch_size,
        "shuffle": True,
        "seed": seed,
    }
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


# --------------------------------------------------------------------------- chunked gathers


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("shuffle", [False, True])
def test_chunked_gather_matches_reference(jit: bool, shuffle: bool) -> None:
    """Whole chunks of batches (XLA-compiled or not) then the rest, in the contract's order."""
    arrays = make_series([300, 41, 260], n_features=3)
    ref_x, ref_y = reference_windows(arrays, 6, 3, [2, 0], 2)
    patches = {"MAX_BATCHES_PER_GATHER": 4, "JIT_MIN_WINDOWS": 0 if jit else 10**9}
    with mock.patch.multiple(windowing, **patches):
        ds = make_windows(
            arrays, 6, 3, targets=[2, 0], stride=2, batch_size=7, shuffle=shuffle, seed=5
        )
        x, y, sizes = collect(ds)
        plain = collect(
            make_windows(
                arrays, 6, 3, targets=[2, 0], stride=2, batch_size=7, shuffle=shuffle, seed=5
            )
        )
    assert len(ref_x) > 4 * 7 * 2  # at least two whole chunks of 4 batches
    assert sizes == expected_batch_sizes(len(ref_x), 7, False)
    order = np.argsort(x[:, 0, 0], kind="stable") if shuffle else np.arange(len(x))
    np.testing.assert_array_equal(x[order], ref_x)
    np.testing.assert_array_equal(y[order], ref_y)
    np.testing.assert_array_equal(plain[0], x)  # chunking does not change the order
    np.testing.assert_array_equal(plain[1], y)


def test_batches_per_gather_is_bounded_in_bytes() -> None:
    assert windowing._batches_per_gather(256, 60) == windowing.MAX_BATCHES_PER_GATHER
    # wide windows: fewer batches per gather, within the byte budget
    per_gather = windowing._batches_per_gather(256, 600)
    assert 1 < per_gather < windowing.MAX_BATCHES_PER_GATHER
    assert per_gather * 256 * 600 * 4 <= windowing.GATHER_BYTES
    assert windowing._batches_per_gather(4096, 10**6) == 1


# --------------------------------------------------------------------------- windows per epoch


def window_ids(x: np.ndarray) -> list[float]:
    """The first value of each window identifies it (values are unique)."""
    return x[:, 0, 0].tolist()


@pytest.mark.parametrize("drop_remainder", [False, True])
def test_windows_per_epoch_samples_distinct_windows_each_epoch(drop_remainder: bool) -> None:
    arrays = make_series([500, 300], n_features=2)
    ref_x, ref_y = reference_windows(arrays, 8, 4, None, 1)
    n = len(ref_x)
    kwargs = {
        "batch_size": 32,
        "shuffle": True,
        "seed": 11,
        "windows_per_epoch": 100,
        "drop_remainder": drop_remainder,
    }
    with mock.patch.object(windowing, "MAX_BATCHES_PER_GATHER", 2):
        ds = make_windows(arrays, 8, 4, **kwargs)
        epochs = [collect(ds) for _ in range(3)]
        again = collect(make_windows(arrays, 8, 4, **kwargs))
    expected = expected_batch_sizes(100, 32, drop_remainder)
    assert int(ds.cardinality()) == len(expected)
    by_id = {v: i for i, v in enumerate(window_ids(ref_x))}
    seen = set()
    for x, y, sizes in epochs:
        assert sizes == expected
        ids = window_ids(x)
        assert len(set(ids)) == len(ids) == sum(expected)  # sampled without replacement
        rows = [by_id[v] for v in ids]  # every window is a real window of the series
        np.testing.assert_array_equal(x, ref_x[rows])
        np.testing.assert_array_equal(y, ref_y[rows])
        seen |= set(ids)
    assert len(seen) > len(window_ids(epochs[0][0])) + 50  # other windows each epoch
    assert len(seen) < n
    np.testing.assert_array_equal(again[0], epochs[0][0])  # same seed, same samples


def test_windows_per_epoch_at_least_the_count_is_the_full_shuffle() -> None:
    series = np.arange(200, dtype=np.float32)
    full = collect(make_windows(series, 5, 2, batch_size=16, shuffle=True, seed=3))
    capped = collect(
        make_windows(series, 5, 2, batch_size=16, shuffle=True, seed=3, windows_per_epoch=10**6)
    )
    np.testing.assert_array_equal(capped[0], full[0])
    assert capped[2] == full[2]


def test_windows_per_epoch_one_series_first_windows_of_the_permutation() -> None:
    """A sample is a prefix of that epoch's permutation: the same seed gives the full order's head."""
    series = np.arange(5000, dtype=np.float32)
    full = collect(make_windows(series, 5, 2, batch_size=64, shuffle=True, seed=9))[0]
    sample = collect(
        make_windows(series, 5, 2, batch_size=64, shuffle=True, seed=9, windows_per_epoch=300)
    )[0]
    np.testing.assert_array_equal(sample, full[:300])


@pytest.mark.parametrize("bad", [0, -5, 2.5, True, "100"])
def test_bad_windows_per_epoch(bad) -> None:
    with pytest.raises(
        ForecasterError, match=r"^`windows_per_epoch` must be an integer >= 1 or None"
    ):
        make_windows(np.arange(50.0), 3, 2, shuffle=True, windows_per_epoch=bad)


def test_windows_per_epoch_needs_shuffle() -> None:
    with pytest.raises(
        ForecasterError, match=r"^`windows_per_epoch` samples windows at random; pass shuffle=True"
    ):
        make_windows(np.arange(50.0), 3, 2, windows_per_epoch=10)


def test_windows_per_epoch_sets_keras_steps_per_epoch() -> None:
    keras = pytest.importorskip("keras")
    series = np.sin(np.arange(3000, dtype=np.float32) / 7)
    ds = make_windows(series, 12, 3, batch_size=32, shuffle=True, seed=0, windows_per_epoch=200)
    model = keras.Sequential(
        [
            keras.Input((12, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(3),
            keras.layers.Reshape((3, 1)),
        ]
    )
    model.compile("adam", "mse")

    class Steps(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.steps = []

        def on_epoch_end(self, epoch, logs=None) -> None:
            self.steps.append(self.params["steps"])

    steps = Steps()
    model.fit(ds, epochs=2, verbose=0, callbacks=[steps])
    assert steps.steps == [7, 7]  # ceil(200 / 32)


def test_cache_keeps_the_batches_and_the_memory_limit() -> None:
    """A small fixed window set is cached (same batches every pass); one over the limit keeps streaming."""
    arrays = make_series([30, 25], 2)
    plain = make_windows(arrays, 5, 2, targets=[0], batch_size=8)
    cached = make_windows(arrays, 5, 2, targets=[0], batch_size=8, cache=True)
    assert type(cached).__name__ == "CacheDataset" and type(plain).__name__ != "CacheDataset"
    x, y, sizes = collect(plain)
    for _ in range(2):  # the second pass reads the cache
        cx, cy, csizes = collect(cached)
        np.testing.assert_array_equal(cx, x)
        np.testing.assert_array_equal(cy, y)
        assert csizes == sizes
    exact = sum(count_windows(len(a), 5, 2) for a in arrays) * (5 * 2 + 2 * 1) * 4  # float32 inputs + targets
    with mock.patch.object(windowing, "CACHE_LIMIT_BYTES", exact):
        assert type(make_windows(arrays, 5, 2, targets=[0], cache=True)).__name__ == "CacheDataset"
    with mock.patch.object(windowing, "CACHE_LIMIT_BYTES", exact - 1):
        assert type(make_windows(arrays, 5, 2, targets=[0], cache=True)).__name__ != "CacheDataset"
    with pytest.raises(ForecasterError, match="shuffle=False"):
        make_windows(arrays, 5, 2, cache=True, shuffle=True)

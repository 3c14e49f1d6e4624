"""Supervised windows over one or several series as a streaming ``tf.data`` pipeline.

A window starting at row ``s`` has inputs rows ``s .. s+input_width-1`` (all
columns) and targets rows ``s+input_width .. s+input_width+horizon-1`` (the
target columns)::

    rows:    0 1 2 3 4 5 6 7 8 9
    s=0:    [x x x x][y y]              input_width=4, horizon=2
    s=1:      [x x x x][y y]

The series is held once in memory. The pipeline streams *batches of start
indices* and gathers each whole batch of windows with one vectorized op, so
no window is ever materialized outside the batch that uses it. Shuffling
permutes the start indices (a seeded permutation per epoch), not the windows.
Windows never cross from one series into the next.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from forecaster.errors import ForecasterError

if TYPE_CHECKING:
    import tensorflow as tf


CACHE_LIMIT_BYTES = 64 * 2**20
"""The largest window set ``make_windows(cache=True)`` keeps in memory (float32 inputs and targets)."""


def count_windows(n_rows: int, input_width: int, horizon: int, stride: int = 1) -> int:
    """Number of windows a series of ``n_rows`` yields (0 when it is too short)."""
    span = n_rows - input_width - horizon
    return 0 if span < 0 else span // stride + 1


def window_starts(
    lengths: Sequence[int], input_width: int, horizon: int, stride: int = 1
) -> np.ndarray:
    """Start rows (in the concatenated series) of every valid window.

    int32 when the rows fit (half the memory of int64 at 10M windows), filled
    in place so no per-series temporaries pile up.

    Example:
        >>> window_starts([5, 4], input_width=2, horizon=1).tolist()
        [0, 1, 2, 5, 6]
    """
    lengths = [int(n) for n in lengths]
    counts = [count_windows(n, input_width, horizon, stride) for n in lengths]
    dtype = np.int32 if sum(lengths) < 2**31 - 1 else np.int64
    if len(lengths) == 1:
        return np.arange(0, counts[0] * stride, stride, dtype=dtype)
    starts = np.empty(sum(counts), dtype=dtype)
    position = offset = 0
    for n, count in zip(lengths, counts, strict=True):
        if count:
            starts[position : position + count] = np.arange(
                offset, offset + count * stride, stride, dtype=dtype
            )
            position += count
        offset += n
    return starts


def make_windows(
    series: np.ndarray | Sequence[np.ndarray] | str | os.PathLike,
    input_width: int,
    horizon: int,
    *,
    targets: Sequence[int] | None = None,
    stride: int = 1,
    batch_size: int = 256,
    shuffle: bool = False,
    seed: int | None = None,
    drop_remainder: bool = False,
    windows_per_epoch: int | None = None,
    cache: bool = False,
) -> tf.data.Dataset:
    """Build a ``tf.data.Dataset`` of ``(x, y)`` forecasting windows.

    Args:
        series: one array ``[n_rows, n_features]`` (or ``[n_rows]``), or a list
            of such arrays (several series with the same columns; windows never
            cross between them), or a directory of CSV / Parquet shards (see
            :func:`make_windows_from_shards`).
        input_width: rows of input per window (the lookback).
        horizon: rows to predict after the input.
        targets: indices of the target columns; ``None`` means every column.
        stride: step between the start rows of consecutive windows.
        batch_size: windows per batch.
        shuffle: permute the windows, differently each epoch, from ``seed``.
        seed: seed of the shuffle. Like every TensorFlow op seed it combines
            with the global seed: after ``keras.utils.set_random_seed(s)`` (which
            ``train`` and ``Forecaster.fit`` call) the same ``seed`` gives the
            same sequence of epoch orders.
        drop_remainder: drop the last, smaller batch.
        windows_per_epoch: with ``shuffle``, each epoch yields at most this many
            windows, sampled without replacement from all of them (the first
            ones of that epoch's permutation), so an epoch costs the same on a
            long series as on a short one and each epoch sees other windows.
            ``None`` (or a number >= the window count) sweeps every window.
        cache: keep the batches in memory after the first pass when they take at
            most :data:`CACHE_LIMIT_BYTES`, for a fixed set read every epoch
            (validation): each pass is then not gathered again, which was about a
            quarter of a tiny epoch (docs/benchmarks.md, "Validation windows
            cached"). A larger set keeps streaming. Not with ``shuffle`` (each
            epoch has its own order); shard directories always stream.

    Returns:
        A dataset of ``x: float32[batch, input_width, n_features]`` and
        ``y: float32[batch, horizon, n_targets]``; its cardinality is the
        number of batches in one epoch.

    Raises:
        ForecasterError: if an argument is out of range, no series is long
            enough, or ``windows_per_epoch`` is given without ``shuffle``.

    Example:
        >>> import numpy as np
        >>> ds = make_windows(np.arange(10, dtype="float32"), input_width=4, horizon=2, batch_size=8)
        >>> x, y = next(iter(ds))
        >>> tuple(x.shape), tuple(y.shape)
        ((5, 4, 1), (5, 2, 1))
        >>> x[0, :, 0].numpy().tolist(), y[0, :, 0].numpy().tolist()
        ([0.0, 1.0, 2.0, 3.0], [4.0, 5.0])
    """
    for name, value in (
        ("input_width", input_width),
        ("horizon", horizon),
        ("stride", stride),
        ("batch_size", batch_size),
    ):
        if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < 1:
            raise ForecasterError(f"`{name}` must be an integer >= 1 (received {name}={value!r}).")
    if seed is not None and (not isinstance(seed, int | np.integer) or isinstance(seed, bool)):
        raise ForecasterError(f"`seed` must be an integer or None (received seed={seed!r}).")
    windows_per_epoch = check_windows_per_epoch(windows_per_epoch, shuffle)
    if cache and shuffle:
        raise ForecasterError("`cache=True` keeps one order of the windows; it needs shuffle=False.")
    if isinstance(series, str | os.PathLike):
        from forecaster.data.shards import make_windows_from_shards

        return make_windows_from_shards(
            series,
            input_width,
            horizon,
            targets=targets,
            stride=stride,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            drop_remainder=drop_remainder,
            windows_per_epoch=windows_per_epoch,
        )
    arrays = _as_arrays(series)
    n_features = arrays[0].shape[1]
    target_idx = _target_indices(targets, n_features)
    lengths = [len(a) for a in arrays]
    n_windows = sum(count_windows(n, input_width, horizon, stride) for n in lengths)
    if n_windows == 0:
        longest = max(lengths)
        raise ForecasterError(
            f"series has {longest} rows; input_width + horizon = {input_width + horizon} are needed."
        )
    # One series: window i starts at i * stride, computed per batch, no index array held.
    starts = None if len(arrays) == 1 else window_starts(lengths, input_width, horizon, stride)
    values = arrays[0] if len(arrays) == 1 else np.concatenate(arrays, axis=0)
    ds = _window_dataset(
        values,
        starts,
        n_windows=n_windows,
        stride=int(stride),
        input_width=input_width,
        horizon=horizon,
        target_idx=target_idx,
        batch_size=int(batch_size),
        shuffle=shuffle,
        seed=seed,
        drop_remainder=drop_remainder,
        windows_per_epoch=windows_per_epoch,
    )
    size = n_windows * (input_width * n_features + horizon * len(target_idx)) * 4
    return ds.cache() if cache and size <= CACHE_LIMIT_BYTES else ds


def check_windows_per_epoch(windows_per_epoch: int | None, shuffle: bool) -> int | None:
    """``windows_per_epoch`` as an int (or None); a sample needs ``shuffle``."""
    if windows_per_epoch is None:
        return None
    if (
        not isinstance(windows_per_epoch, int | np.integer)
        or isinstance(windows_per_epoch, bool)
        or windows_per_epoch < 1
    ):
        raise ForecasterError(
            "`windows_per_epoch` must be an integer >= 1 or None "
            f"(received windows_per_epoch={windows_per_epoch!r})."
        )
    if not shuffle:
        raise ForecasterError(
            "`windows_per_epoch` samples windows at random; pass shuffle=True with it."
        )
    return int(windows_per_epoch)


def _as_arrays(series: np.ndarray | Sequence[np.ndarray]) -> list[np.ndarray]:
    if isinstance(series, np.ndarray) or not isinstance(series, Sequence):
        items = [series]
    else:
        items = list(series)
        if items and np.ndim(items[0]) == 0:
            items = [np.asarray(items)]
    if not items:
        raise ForecasterError("`series` is empty; pass at least one array.")
    arrays = []
    for item in items:
        array = np.asarray(item, dtype=np.float32)
        if array.ndim == 1:
            array = array[:, None]
        if array.ndim != 2:
            raise ForecasterError(
                f"each series must be 1-D or 2-D [n_rows, n_features] (received shape {array.shape})."
            )
        arrays.append(array)
    widths = {a.shape[1] for a in arrays}
    if len(widths) != 1:
        raise ForecasterError(
            f"all series must have the same number of columns (received {sorted(widths)})."
        )
    if any(not np.isfinite(a).all() for a in arrays):
        raise ForecasterError("`series` has NaN or infinite values; fill or drop them first.")
    return arrays


def _target_indices(targets: Sequence[int] | None, n_features: int) -> np.ndarray:
    if targets is None:
        return np.arange(n_features, dtype=np.int32)
    idx = np.asarray(list(targets), dtype=np.int64).ravel()
    if idx.size == 0 or idx.min() < 0 or idx.max() >= n_features:
        raise ForecasterError(
            f"`targets` must be column indices in [0, {n_features}) (received targets={list(targets)})."
        )
    return idx.astype(np.int32)


# On a series of at most CHUNK_MAX_SERIES_BYTES, one gather cuts whole batches worth at
# most GATHER_BYTES of windows (x and y), at most MAX_BATCHES_PER_GATHER of them, and
# epochs of at least JIT_MIN_WINDOWS windows compile that gather with XLA: about 2x the
# windows per CPU second, for a compile of a few tenths of a second that shorter epochs
# would not win back. Larger series keep one TensorFlow gather per batch: chunks raised
# the peak memory at 10M points by about 70 MB (303 MB, past the 276 MB bound), XLA by 350 MB.
GATHER_BYTES = 4 * 2**20
MAX_BATCHES_PER_GATHER = 32
JIT_MIN_WINDOWS = 2**18
CHUNK_MAX_SERIES_BYTES = 16 * 2**20


def _batches_per_gather(batch_size: int, window_floats: int) -> int:
    """Batches cut by one gather: enough to amortize the per-call cost of tf.data, bounded in bytes.

    A ``map`` call costs tens of microseconds whatever it computes; at batch
    256 that was a third of an epoch's time. One gather of ``k`` batches, split
    by ``unbatch``, pays it once per ``k`` batches.
    """
    return max(1, min(MAX_BATCHES_PER_GATHER, GATHER_BYTES // (4 * window_floats * batch_size)))


def untuned_options() -> tf.data.Options:
    """``tf.data.Options`` with the autotuner off, for the training pipelines.

    The autotuner's thread sleeps for a period that doubles up to a minute, and deleting an
    iterator waits out that sleep, so a fit stalled 0-33 s when Keras dropped its iterator
    (docs/benchmarks.md, "... no tf.data autotuner"). Untuned, the parallel maps run on every
    core and the prefetch buffer keeps its untuned default; no slower per epoch.
    """
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    return options


def _window_dataset(
    values: np.ndarray,
    starts: np.ndarray | None,
    *,
    n_windows: int,
    stride: int,
    input_width: int,
    horizon: int,
    target_idx: np.ndarray,
    batch_size: int,
    shuffle: bool,
    seed: int | None,
    drop_remainder: bool,
    windows_per_epoch: int | None = None,
) -> tf.data.Dataset:
    """Chunks of epoch positions -> one gather per chunk -> batches. Inputs are trusted.

    Epoch position ``p`` is window ``p`` in order, or window ``index_shuffle(p)``
    of all ``n_windows`` when shuffled, under a seed pair drawn once per epoch.
    A sampled epoch (``windows_per_epoch``) is the first positions of that
    epoch's permutation, so each epoch draws other windows, without repeats.
    """
    import tensorflow as tf

    data = tf.constant(values)
    n_features, n_targets = values.shape[1], len(target_idx)
    # int32 indices halve the index memory when the rows allow.
    index_dtype = tf.int32 if len(values) < 2**31 - 1 else tf.int64
    n = int(n_windows)
    per_epoch = n if windows_per_epoch is None else min(int(windows_per_epoch), n)
    start_tensor = None if starts is None else tf.constant(starts, dtype=index_dtype)
    n_batches = per_epoch // batch_size if drop_remainder else -(-per_epoch // batch_size)
    x_offsets = tf.range(input_width, dtype=index_dtype)
    y_offsets = tf.range(input_width, input_width + horizon, dtype=index_dtype)
    all_targets = n_targets == n_features and bool((target_idx == np.arange(n_features)).all())
    target_tensor = tf.constant(target_idx)
    base_seed = int(seed) if seed is not None else int(np.random.randint(0, 2**31 - 1))
    small = values.nbytes <= CHUNK_MAX_SERIES_BYTES
    per_chunk = (
        _batches_per_gather(batch_size, input_width * n_features + horizon * n_targets)
        if small
        else 1
    )
    n_chunks = per_epoch // (per_chunk * batch_size) if per_chunk > 1 else 0

    def cut(series: tf.Tensor, batch_starts: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        x = tf.gather(series, batch_starts[:, None] + x_offsets[None, :])
        y = tf.gather(series, batch_starts[:, None] + y_offsets[None, :])
        if not all_targets:
            y = tf.gather(y, target_tensor, axis=2)
        return x, y

    # The series goes in as an argument: captured, XLA would fold it in as a constant (minutes).
    chunk_cut = tf.function(cut, jit_compile=True) if per_epoch >= JIT_MIN_WINDOWS else cut

    def windows(
        seed_pair: tf.Tensor,
        first: tf.Tensor,
        stop: tf.Tensor,
        cutter: Callable[[tf.Tensor, tf.Tensor], tuple[tf.Tensor, tf.Tensor]] = cut,
    ) -> tuple[tf.Tensor, tf.Tensor]:
        positions = tf.range(first, stop, dtype=index_dtype)
        if shuffle:
            # A seeded bijection of [0, n): shuffles without materializing a permutation.
            positions = tf.random.experimental.index_shuffle(
                positions, seed=tf.cast(seed_pair, index_dtype), max_index=n - 1
            )
        if start_tensor is None:
            batch_starts = positions * stride
        else:
            batch_starts = tf.gather(start_tensor, positions)
        return cutter(data, batch_starts)

    def chunk(seed_pair: tf.Tensor, c: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        size = per_chunk * batch_size
        x, y = windows(seed_pair, c * size, (c + 1) * size, chunk_cut)
        return (
            tf.reshape(x, [per_chunk, batch_size, input_width, n_features]),
            tf.reshape(y, [per_chunk, batch_size, horizon, n_targets]),
        )

    def batch(seed_pair: tf.Tensor, i: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        return windows(seed_pair, i * batch_size, tf.minimum((i + 1) * batch_size, per_epoch))

    def epoch(seed_pair: tf.Tensor) -> tf.data.Dataset:
        # Whole chunks, split into batches, then the last (< per_chunk) batches one by one.
        rest = tf.data.Dataset.range(n_chunks * per_chunk, n_batches).map(
            lambda i: batch(seed_pair, tf.cast(i, index_dtype)), num_parallel_calls=tf.data.AUTOTUNE
        )
        if n_chunks == 0:
            return rest
        chunks = tf.data.Dataset.range(n_chunks).map(
            lambda c: chunk(seed_pair, tf.cast(c, index_dtype)), num_parallel_calls=tf.data.AUTOTUNE
        )
        return chunks.unbatch().concatenate(rest)

    # One seed pair per epoch from a seeded random stream that re-randomizes on
    # every iteration. No `batch` op anywhere: tf.distribute rebatches the first
    # one it finds, and the windows are batched by the gather, not by `batch`.
    seeds = (
        tf.data.Dataset.random(seed=base_seed, rerandomize_each_iteration=True)
        .take(1)
        .map(lambda r: tf.stack([r, tf.bitwise.right_shift(r, 17) + 1]))
    )
    options = untuned_options()
    options.deterministic = True
    # flat_map hides the length; state it so Keras knows the steps per epoch.
    ds = seeds.flat_map(epoch).apply(tf.data.experimental.assert_cardinality(n_batches))
    return ds.prefetch(tf.data.AUTOTUNE).with_options(options)

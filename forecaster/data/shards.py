"""Forecasting windows streamed from a directory of CSV / Parquet shards.

For data larger than memory. The expected layout::

    data/
      part-000.csv        every shard has a header row and the same numeric
      part-001.csv        columns (any order; the first shard's order is used),
      part-002.parquet    plus optionally an id column and a date column

* Apart from the optional id column (``id_col``) and date column (``date_col``;
  by default a column named date/datetime/timestamp/time/ds, any case), every
  column must be numeric. Those numeric columns are the features, in the order
  of the first shard; ``targets`` indexes them, as in :func:`make_windows`.
* Without ``id_col`` each shard is one series. With it, a shard holds one or
  more series (rows of one id, in time order; an id is not continued across
  shards). Rows must already be in time order; they are not sorted.
* Series shorter than ``input_width + horizon`` contribute no windows.

Shards are listed in sorted name order and read one at a time per
``interleave`` slot (pandas for CSV, pyarrow for Parquet), so at most
``cycle_length`` shards are in memory at once. Each shard's windows are cut
with the same start-index + gather scheme as in-memory windowing (windows never
cross series or shards), then batched. With ``shuffle=True`` the shard order and
the window order inside each shard are permuted per epoch from ``seed``, and a
bounded buffer of ``shuffle_buffer`` windows mixes windows across the open shards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from forecaster.data.windowing import check_windows_per_epoch
from forecaster.errors import ForecasterError

if TYPE_CHECKING:
    import tensorflow as tf

CSV_SUFFIXES = (".csv",)
PARQUET_SUFFIXES = (".parquet", ".pq")
DATE_NAMES = ("date", "datetime", "timestamp", "time", "ds")

__all__ = ["list_shards", "make_windows_from_shards"]


def list_shards(path: str | os.PathLike) -> list[Path]:
    """The CSV / Parquet shard files of directory ``path``, in sorted name order.

    Raises:
        ForecasterError: if ``path`` is not a directory or holds no CSV/Parquet file.
    """
    directory = Path(path)
    if not directory.is_dir():
        raise ForecasterError(
            f"shard directory {str(directory)!r} does not exist or is not a directory; "
            "pass a directory of .csv or .parquet files."
        )
    entries = sorted(p for p in directory.iterdir() if p.is_file())
    if not entries:
        raise ForecasterError(f"shard directory {str(directory)!r} is empty; add .csv or .parquet shards.")
    files = [p for p in entries if p.suffix.lower() in CSV_SUFFIXES + PARQUET_SUFFIXES]
    if not files:
        raise ForecasterError(
            f"shard directory {str(directory)!r} has no .csv or .parquet files "
            f"(found e.g. {entries[0].name!r})."
        )
    return files


def make_windows_from_shards(
    path: str | os.PathLike,
    input_width: int,
    horizon: int,
    *,
    targets: Sequence[int] | None = None,
    stride: int = 1,
    batch_size: int = 256,
    shuffle: bool = False,
    seed: int | None = None,
    drop_remainder: bool = False,
    id_col: str | None = None,
    date_col: str | None = None,
    cycle_length: int = 2,
    shuffle_buffer: int = 8192,
    windows_per_epoch: int | None = None,
) -> tf.data.Dataset:
    """Stream ``(x, y)`` windows from a directory of CSV / Parquet shards in bounded memory.

    Args:
        path: directory of shards (layout in the module docstring).
        input_width: rows of input per window.
        horizon: rows to predict after the input.
        targets: indices (into the numeric columns) of the target columns;
            ``None`` means every numeric column.
        stride: step between the start rows of consecutive windows.
        batch_size: windows per batch.
        shuffle: permute shard order and windows per epoch (seeded), and mix
            windows of the open shards through a buffer of ``shuffle_buffer``.
        seed: seed of the shuffle; the same seed gives the same order.
        drop_remainder: drop the last, smaller batch.
        id_col: column naming the series of each row, for shards holding several.
        date_col: a date column to ignore; ``None`` drops a column named
            date/datetime/timestamp/time/ds if there is one.
        cycle_length: shards read (and held in memory) at the same time.
        shuffle_buffer: windows in the shuffle buffer (used with ``shuffle``).
        windows_per_epoch: with ``shuffle``, stop each epoch after this many
            windows (the first ones of that epoch's shuffled stream, so only
            the shards it needs are read); ``None`` streams every window.

    Returns:
        A dataset of ``x: float32[batch, input_width, n_features]`` and
        ``y: float32[batch, horizon, n_targets]``.

    Raises:
        ForecasterError: for an empty directory, no CSV/Parquet file, shards with
            different or non-numeric columns, a missing ``id_col``, Parquet without
            pyarrow, or an out-of-range argument.

    Example:
        >>> import tempfile, numpy as np, pandas as pd
        >>> d = tempfile.mkdtemp()
        >>> for i in range(2):
        ...     pd.DataFrame({"v": np.arange(6.0) + 10 * i}).to_csv(f"{d}/{i}.csv", index=False)
        >>> ds = make_windows_from_shards(d, input_width=3, horizon=1, batch_size=8)
        >>> x, y = next(iter(ds))
        >>> tuple(x.shape), y[:, 0, 0].numpy().tolist()
        ((6, 3, 1), [3.0, 4.0, 5.0, 13.0, 14.0, 15.0])
    """
    for name, value in (
        ("input_width", input_width),
        ("horizon", horizon),
        ("stride", stride),
        ("batch_size", batch_size),
        ("cycle_length", cycle_length),
        ("shuffle_buffer", shuffle_buffer),
    ):
        if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < 1:
            raise ForecasterError(f"`{name}` must be an integer >= 1 (received {name}={value!r}).")
    windows_per_epoch = check_windows_per_epoch(windows_per_epoch, shuffle)
    files = list_shards(path)
    columns = _check_columns(files, id_col=id_col, date_col=date_col)
    n_features = len(columns)
    if targets is None:
        target_idx = np.arange(n_features, dtype=np.int32)
    else:
        target_idx = np.asarray(list(targets), dtype=np.int64).ravel()
        if target_idx.size == 0 or target_idx.min() < 0 or target_idx.max() >= n_features:
            raise ForecasterError(
                f"`targets` must be column indices in [0, {n_features}) (received targets={list(targets)})."
            )
        target_idx = target_idx.astype(np.int32)
    return _shard_dataset(
        [str(f) for f in files],
        columns=columns,
        id_col=id_col,
        input_width=int(input_width),
        horizon=int(horizon),
        target_idx=target_idx,
        stride=int(stride),
        batch_size=int(batch_size),
        shuffle=bool(shuffle),
        seed=seed,
        drop_remainder=bool(drop_remainder),
        cycle_length=int(cycle_length),
        shuffle_buffer=int(shuffle_buffer),
        windows_per_epoch=windows_per_epoch,
    )


# --- reading ---------------------------------------------------------------------------------------


def _is_parquet(path: str | Path) -> bool:
    return str(path).lower().endswith(PARQUET_SUFFIXES)


def _pyarrow_parquet() -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError as err:  # pragma: no cover - pyarrow is in the dev extra
        raise ForecasterError(
            "reading Parquet shards needs pyarrow; install it (pip install pyarrow) or use CSV shards."
        ) from err
    return pq


def _head(path: Path) -> Any:
    """A few rows of a shard (all columns), as a DataFrame, to check the columns."""
    import pandas as pd

    try:
        if _is_parquet(path):
            pq = _pyarrow_parquet()
            parquet = pq.ParquetFile(path)
            if parquet.metadata.num_row_groups == 0:
                return parquet.schema_arrow.empty_table().to_pandas()
            return parquet.read_row_group(0).slice(0, 5).to_pandas()
        return pd.read_csv(path, nrows=5)
    except ForecasterError:
        raise
    except Exception as err:  # noqa: BLE001 - any reader failure is a bad shard
        raise ForecasterError(f"cannot read shard {path.name!r}: {err}; fix or remove it.") from err


def _check_columns(files: list[Path], *, id_col: str | None, date_col: str | None) -> list[str]:
    """The numeric column names shared by every shard (first shard's order)."""
    import pandas as pd

    reference: list[str] | None = None
    for path in files:
        head = _head(path)
        names = [str(c) for c in head.columns]
        if id_col is not None and id_col not in names:
            raise ForecasterError(
                f"`id_col`={id_col!r} is not a column of shard {path.name!r} (columns: {names})."
            )
        if date_col is not None and date_col not in names:
            raise ForecasterError(
                f"`date_col`={date_col!r} is not a column of shard {path.name!r} (columns: {names})."
            )
        skip = {id_col} if id_col is not None else set()
        skip |= {date_col} if date_col is not None else {c for c in names if c.lower() in DATE_NAMES}
        numeric = [c for c in names if c not in skip]
        bad = [c for c in numeric if len(head) and not pd.api.types.is_numeric_dtype(head[c])]
        if bad:
            raise ForecasterError(
                f"shard {path.name!r} has non-numeric columns {bad}; shards may hold only numeric "
                "columns plus an id column (`id_col`) and a date column."
            )
        if not numeric:
            raise ForecasterError(f"shard {path.name!r} has no numeric columns.")
        if reference is None:
            reference = numeric
        elif set(numeric) != set(reference):
            raise ForecasterError(
                f"shard {path.name!r} has columns {sorted(numeric)} but {files[0].name!r} has "
                f"{sorted(reference)}; all shards must share the same numeric columns."
            )
    assert reference is not None
    return reference


def _read_series(path: str, columns: list[str], id_col: str | None) -> list[np.ndarray]:
    """The series of one shard as float32 arrays ``[n_rows, n_features]``."""
    import pandas as pd

    wanted = columns + ([id_col] if id_col is not None else [])
    if _is_parquet(path):
        frame = _pyarrow_parquet().read_table(path, columns=wanted).to_pandas()
    else:
        frame = pd.read_csv(path, usecols=wanted)
    if id_col is None:
        groups = [frame]
    else:
        groups = [group for _, group in frame.groupby(id_col, sort=False)]
    out = []
    for group in groups:
        values = group[columns].to_numpy(dtype=np.float32)
        if not np.isfinite(values).all():
            raise ForecasterError(
                f"shard {os.path.basename(path)!r} has NaN or infinite values; fill or drop them first."
            )
        out.append(values)
    return out


# --- the pipeline --------------------------------------------------------------------------------


def _shard_dataset(
    files: list[str],
    *,
    columns: list[str],
    id_col: str | None,
    input_width: int,
    horizon: int,
    target_idx: np.ndarray,
    stride: int,
    batch_size: int,
    shuffle: bool,
    seed: int | None,
    drop_remainder: bool,
    cycle_length: int,
    shuffle_buffer: int,
    windows_per_epoch: int | None = None,
) -> tf.data.Dataset:
    """files -> (interleaved) per-shard window chunks -> batches. Inputs are trusted."""
    import tensorflow as tf

    n_features = len(columns)
    span = input_width + horizon
    all_targets = target_idx.size == n_features and bool((target_idx == np.arange(n_features)).all())
    target_tensor = tf.constant(target_idx)
    x_offsets = tf.range(input_width, dtype=tf.int64)
    y_offsets = tf.range(input_width, span, dtype=tf.int64)

    def series_of(path: bytes, shard_seed: np.int64) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        rng = np.random.default_rng(int(shard_seed) & 0xFFFFFFFFFFFF) if shuffle else None
        for values in _read_series(path.decode(), columns, id_col):
            count = (len(values) - span) // stride + 1 if len(values) >= span else 0
            if count == 0:
                continue
            starts = np.arange(count, dtype=np.int64) * stride
            if rng is not None:
                rng.shuffle(starts)
            yield values, starts

    def gather(values: tf.Tensor, starts: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        x = tf.gather(values, starts[:, None] + x_offsets[None, :])
        y = tf.gather(values, starts[:, None] + y_offsets[None, :])
        if not all_targets:
            y = tf.gather(y, target_tensor, axis=2)
        return x, y

    def shard_windows(path: tf.Tensor, shard_seed: tf.Tensor) -> tf.data.Dataset:
        series = tf.data.Dataset.from_generator(
            series_of,
            args=(path, shard_seed),
            output_signature=(
                tf.TensorSpec([None, n_features], tf.float32),
                tf.TensorSpec([None], tf.int64),
            ),
        )
        # Chunks of `batch_size` windows per gather; rebatched (or shuffled) below.
        return series.flat_map(
            lambda values, starts: tf.data.Dataset.from_tensor_slices(starts)
            .batch(batch_size)
            .map(lambda chunk: gather(values, chunk))
        )

    file_ds = tf.data.Dataset.from_tensor_slices(files)
    if shuffle:
        file_ds = file_ds.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
    shard_seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
    ds = tf.data.Dataset.zip(file_ds, shard_seeds).interleave(
        shard_windows, cycle_length=cycle_length, block_length=1
    )
    if shuffle:
        ds = ds.unbatch().shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
        if windows_per_epoch is not None:
            ds = ds.take(windows_per_epoch)
        ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    else:
        ds = ds.rebatch(batch_size, drop_remainder=drop_remainder)
    return ds.prefetch(2)

"""Tests for forecaster.data.shards: windows streamed from CSV / Parquet shards."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecaster.data.shards import list_shards, make_windows_from_shards
from forecaster.data.windowing import make_windows
from forecaster.errors import ForecasterError

pytest.importorskip("tensorflow")

W, H = 5, 2


def _series(n_series: int = 7, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(int(rng.integers(10, 40)), 2)).astype("float32") for _ in range(n_series)]


def _write(tmp_path: Path, series: list[np.ndarray], fmt: str, per_shard: int = 2) -> Path:
    """Shards of `per_shard` series each, long format with an id and a date column."""
    directory = tmp_path / fmt
    directory.mkdir()
    for shard, first in enumerate(range(0, len(series), per_shard)):
        frames = []
        for sid in range(first, min(first + per_shard, len(series))):
            values = series[sid]
            frames.append(
                pd.DataFrame(
                    {
                        "date": pd.date_range("2024-01-01", periods=len(values)),
                        "sid": f"s{sid}",
                        "a": values[:, 0],
                        "b": values[:, 1],
                    }
                )
            )
        frame = pd.concat(frames)
        if fmt == "csv":
            frame.to_csv(directory / f"part-{shard:03d}.csv", index=False)
        else:
            frame.to_parquet(directory / f"part-{shard:03d}.parquet", index=False)
    return directory


def _windows(ds) -> list[bytes]:
    out = []
    for x, y in ds:
        for xi, yi in zip(x.numpy(), y.numpy(), strict=True):
            out.append(xi.tobytes() + b"|" + yi.tobytes())
    return out


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("shuffle", [False, True])
def test_shards_equal_in_memory_windows(tmp_path: Path, fmt: str, shuffle: bool) -> None:
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    series = _series()
    directory = _write(tmp_path, series, fmt)
    expected = Counter(_windows(make_windows(series, W, H, targets=[1], stride=2, batch_size=16)))
    ds = make_windows_from_shards(
        directory, W, H, targets=[1], stride=2, batch_size=16, shuffle=shuffle, seed=3,
        id_col="sid", cycle_length=2, shuffle_buffer=16,
    )
    got = _windows(ds)
    assert Counter(got) == expected
    batches = [int(x.shape[0]) for x, _ in ds]
    assert all(b == 16 for b in batches[:-1]) and 0 < batches[-1] <= 16
    x, y = next(iter(ds))
    assert tuple(x.shape[1:]) == (W, 2) and tuple(y.shape[1:]) == (H, 1)
    if shuffle:
        # Seeded: the same order on a rebuilt dataset, a new order each epoch.
        again = make_windows_from_shards(
            directory, W, H, targets=[1], stride=2, batch_size=16, shuffle=True, seed=3,
            id_col="sid", cycle_length=2, shuffle_buffer=16,
        )
        assert _windows(again) == got
        assert _windows(ds) != got


def test_single_series_per_shard_in_order(tmp_path: Path) -> None:
    series = _series(3)
    for i, values in enumerate(series):
        pd.DataFrame(values, columns=["a", "b"]).to_csv(tmp_path / f"{i}.csv", index=False)
    # cycle_length=1 reads shards one after the other: exactly the in-memory order.
    ds = make_windows_from_shards(tmp_path, W, H, batch_size=8, cycle_length=1)
    assert _windows(ds) == _windows(make_windows(series, W, H, batch_size=8))
    # make_windows dispatches a path here (default cycle_length=2 interleaves shards).
    assert Counter(_windows(make_windows(str(tmp_path), W, H, batch_size=8))) == Counter(_windows(ds))
    dropped = make_windows_from_shards(tmp_path, W, H, batch_size=8, cycle_length=1, drop_remainder=True)
    assert all(int(x.shape[0]) == 8 for x, _ in dropped)


def test_shard_errors(tmp_path: Path) -> None:
    with pytest.raises(ForecasterError, match="does not exist"):
        make_windows_from_shards(tmp_path / "missing", W, H)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ForecasterError, match="is empty"):
        list_shards(empty)
    (empty / "notes.txt").write_text("hello")
    with pytest.raises(ForecasterError, match=r"no \.csv or \.parquet files"):
        make_windows_from_shards(empty, W, H)
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}).to_csv(mixed / "0.csv", index=False)
    pd.DataFrame({"a": [1.0, 2.0], "c": [3.0, 4.0]}).to_csv(mixed / "1.csv", index=False)
    with pytest.raises(ForecasterError, match="same numeric columns"):
        make_windows_from_shards(mixed, W, H)
    text = tmp_path / "text"
    text.mkdir()
    pd.DataFrame({"a": [1.0, 2.0], "name": ["x", "y"]}).to_csv(text / "0.csv", index=False)
    with pytest.raises(ForecasterError, match="non-numeric columns"):
        make_windows_from_shards(text, W, H)
    with pytest.raises(ForecasterError, match="`id_col`='sid' is not a column"):
        make_windows_from_shards(mixed, W, H, id_col="sid")
    with pytest.raises(ForecasterError, match="`targets` must be column indices"):
        make_windows_from_shards(_one_csv(tmp_path), W, H, targets=[5])
    with pytest.raises(ForecasterError, match="`cycle_length` must be an integer >= 1"):
        make_windows_from_shards(_one_csv(tmp_path), W, H, cycle_length=0)


def _one_csv(tmp_path: Path) -> Path:
    directory = tmp_path / "one"
    directory.mkdir(exist_ok=True)
    pd.DataFrame({"a": np.arange(20.0)}).to_csv(directory / "0.csv", index=False)
    return directory


def test_shards_windows_per_epoch(tmp_path: Path) -> None:
    series = _series()
    directory = _write(tmp_path, series, "csv")
    every = Counter(_windows(make_windows(series, W, H, batch_size=16)))
    ds = make_windows_from_shards(
        directory, W, H, batch_size=16, shuffle=True, seed=3, id_col="sid", windows_per_epoch=40
    )
    first, second = _windows(ds), _windows(ds)
    for epoch in (first, second):
        assert len(epoch) == 40 and len(set(epoch)) == 40  # without repeats
        assert all(every[w] for w in epoch)  # real windows of the series
    assert first != second  # another sample each epoch
    assert [int(x.shape[0]) for x, _ in ds] == [16, 16, 8]
    # make_windows forwards it to the shards
    assert len(_windows(make_windows(_one_csv(tmp_path), W, H, shuffle=True, seed=1, windows_per_epoch=5))) == 5
    with pytest.raises(ForecasterError, match="pass shuffle=True"):
        make_windows_from_shards(directory, W, H, windows_per_epoch=10)
    with pytest.raises(ForecasterError, match="`windows_per_epoch` must be an integer >= 1"):
        make_windows_from_shards(directory, W, H, shuffle=True, windows_per_epoch=0)

"""Row selections of a loaded series by segment (one segment per series of a panel), and its content hash.

A :class:`~forecaster.data.io.SeriesData` stores the rows of every series one
after another; ``segments()`` gives each series' ``(id, start, stop)``. These
helpers cut whole segments or their first rows into a new ``SeriesData`` with
the same columns, dates and ids.

Example:
    >>> import numpy as np
    >>> from forecaster.data.io import SeriesData
    >>> s = SeriesData(values=np.arange(10.0)[:, None], columns=("y",), targets=("y",),
    ...                dates=None, freq=None, date_col=None, ids=np.array(["a"] * 6 + ["b"] * 4), id_col="id")
    >>> [len(v) for v in segment_arrays(s)]
    [6, 4]
    >>> cut_series(s, [3, 2]).values[:, 0].tolist()
    [0.0, 1.0, 2.0, 6.0, 7.0]
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np

from forecaster.data.io import SeriesData

__all__ = ["cut_series", "hash_series", "keep_segments", "segment_arrays"]


def segment_arrays(series: SeriesData) -> list[np.ndarray]:
    """The rows ``[n_rows, n_columns]`` of each segment, in order."""
    return [series.values[start:stop] for _, start, stop in series.segments()]


def _take_rows(series: SeriesData, rows: np.ndarray) -> SeriesData:
    return SeriesData(
        values=series.values[rows],
        columns=series.columns,
        targets=series.targets,
        dates=None if series.dates is None else series.dates[rows],
        freq=series.freq,
        date_col=series.date_col,
        ids=None if series.ids is None else series.ids[rows],
        id_col=series.id_col,
    )


def keep_segments(series: SeriesData, kept: list[tuple[Any, int, int]]) -> SeriesData:
    """Only the segments ``kept`` (a subset of ``series.segments()``); ``series`` itself when all are kept."""
    if len(kept) == len(series.segments()):
        return series
    return _take_rows(series, np.concatenate([np.arange(a, b) for _, a, b in kept]))


def cut_series(series: SeriesData, rows: list[int], only_first: bool = False) -> SeriesData:
    """The first ``rows[i]`` rows of each segment (only the first segment with ``only_first``)."""
    segments = series.segments()[:1] if only_first else series.segments()
    keep = [(sid, start, start + n) for (sid, start, _), n in zip(segments, rows, strict=True)]
    return _take_rows(series, np.concatenate([np.arange(a, b) for _, a, b in keep]))


def hash_series(series: SeriesData) -> str:
    """``sha256:<hex>`` of the columns, values and dates (``data_hash_``: which data a run was fit on)."""
    digest = hashlib.sha256()
    digest.update(json.dumps(list(series.columns)).encode())
    digest.update(np.ascontiguousarray(series.values).tobytes())
    if series.dates is not None:
        digest.update(series.dates.asi8.tobytes())
    return "sha256:" + digest.hexdigest()

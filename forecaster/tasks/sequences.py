"""Load labelled sequences for classification, padded to a common length.

Accepted inputs (one validator for fit, predict and evaluate):

* a numpy array ``[n, length, n_features]`` or ``[n, length]`` (one feature),
  with labels ``y`` of length ``n``;
* a list of arrays ``[length_i, n_features]`` or ``[length_i]`` of unequal
  lengths, with labels ``y``;
* a **wide** table (CSV path or DataFrame, the UCR layout): one row per
  sequence, a label column (``label_col``) and one numeric column per time
  step, in time order. Shorter sequences end in empty cells (NaN);
* a **long** table (pass ``id_col``): one row per time step, with a series id
  column, an optional time column (``time_col``, used to sort the steps), the
  label column (constant within an id), and every other numeric column as a
  feature. Ids may have different numbers of steps. Sequences keep the order
  in which their ids first appear.

Padding convention: sequences are returned in one float32 array
``[n, max_length, n_features]`` in raw units, right-padded with NaN. A time
step is *real* when all its features are finite and *padding* when all are
NaN; padding may only follow the real steps (a gap or a half-empty step is an
error). :func:`to_model_input` scales the real steps and writes
:data:`MASK_VALUE` into the padding, which the classifier's ``Masking`` layer
skips; a real step that happens to equal the sentinel in every feature is
moved by one float32 ulp, so no real data is ever masked.

Example:
    >>> import numpy as np
    >>> s = load_sequences([np.array([1.0, 2.0, 3.0]), np.array([0.0, 5.0])], y=["a", "b"])
    >>> s.values.shape, s.lengths.tolist(), s.labels.tolist()
    ((2, 3, 1), [3, 2], ['a', 'b'])
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecaster.errors import ForecasterError

MASK_VALUE = -1.0e4
"""Value written into padding steps after scaling (masked by the model)."""

_NUDGED = float(np.nextafter(np.float32(MASK_VALUE), np.float32(0.0)))

__all__ = ["MASK_VALUE", "Sequences", "load_sequences", "pad_to", "step_mask", "to_model_input"]


@dataclass(frozen=True)
class Sequences:
    """A batch of sequences padded to one length.

    Attributes:
        values: float32 ``[n, max_length, n_features]``, raw units, NaN after each sequence's end.
        lengths: int64 ``[n]``, the number of real steps of each sequence (>= 1).
        labels: ``[n]`` original label values (object array), or ``None`` without labels.
        features: names of the features (``("value",)`` for a single unnamed one).
        ids: ``[n]`` series ids (long format) or row numbers (other inputs).
    """

    values: np.ndarray
    lengths: np.ndarray
    labels: np.ndarray | None
    features: tuple[str, ...]
    ids: np.ndarray

    def __len__(self) -> int:
        return len(self.values)


def load_sequences(
    X: Any,
    y: Any = None,
    *,
    label_col: str = "label",
    id_col: str | None = None,
    time_col: str | None = None,
    require_labels: bool = True,
) -> Sequences:
    """Read sequences (and labels) from arrays, lists of arrays, or a wide / long table.

    Args:
        X: array ``[n, length, n_features]`` / ``[n, length]``, list of arrays,
            CSV path or DataFrame (see the module docstring for the layouts).
        y: labels, length ``n``; for tables, ``None`` reads them from ``label_col``.
        label_col: name of the label column of a table.
        id_col: series id column; given, the table is read in the long layout.
        time_col: time column of a long table (steps are sorted by it); ``None``
            keeps the row order.
        require_labels: raise when no labels are found (fit / evaluate); with
            False a missing label column is fine (predict).

    Returns:
        A :class:`Sequences` with NaN right-padding.

    Raises:
        ForecasterError: for empty data, unknown or non-numeric columns, labels
            that are missing or of the wrong length, NaN inside a sequence, or
            infinite values.
    """
    if isinstance(X, str | os.PathLike | pd.DataFrame):
        from forecaster.data.io import read_table

        frame = read_table(X)
        if id_col is not None:
            arrays, labels, features, ids = _from_long(frame, y, label_col, id_col, time_col, require_labels)
        else:
            arrays, labels, features, ids = _from_wide(frame, y, label_col, require_labels)
        values, lengths = _stack(arrays)
    else:
        values, lengths = _from_arrays(X)
        features = tuple(f"feature_{i}" for i in range(values.shape[2])) if values.shape[2] > 1 else ("value",)
        ids = np.arange(len(values))
        labels = _labels_array(y, len(values)) if y is not None else None
        if labels is None and require_labels:
            raise ForecasterError("labels `y` are required with array input; pass one label per sequence.")
    return Sequences(values=values, lengths=lengths, labels=labels, features=features, ids=ids)


def step_mask(values: np.ndarray) -> np.ndarray:
    """Boolean ``[n, length]``: True where a step is real (every feature finite)."""
    return np.isfinite(values).all(axis=-1)


def pad_to(values: np.ndarray, length: int) -> tuple[np.ndarray, int]:
    """Right-pad with NaN or truncate ``[n, L, F]`` to ``[n, length, F]``.

    Returns:
        The array and the number of sequences that lost real steps to truncation.
    """
    n, current, n_features = values.shape
    if current == length:
        return values, 0
    if current < length:
        pad = np.full((n, length - current, n_features), np.nan, np.float32)
        return np.concatenate([values, pad], axis=1), 0
    lost = int(step_mask(values[:, length:]).any(axis=1).sum())
    return values[:, :length], lost


def to_model_input(values: np.ndarray, center: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Scale real steps of raw ``[n, L, F]`` and write :data:`MASK_VALUE` into padding.

    Returns:
        float32 ``[n, L, F]``: ``(raw - center) / scale`` on real steps, the sentinel elsewhere.
    """
    mask = step_mask(values)
    scaled = ((values.astype(np.float64) - center) / scale).astype(np.float32)
    clash = mask & (scaled == np.float32(MASK_VALUE)).all(axis=-1)
    scaled[clash] = np.float32(_NUDGED)
    scaled[~mask] = np.float32(MASK_VALUE)
    return scaled


# --- private readers (inputs trusted to be of the type checked by the caller) -----------------


def _from_arrays(X: Any) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(X, np.ndarray) and X.dtype != object:
        if X.ndim not in (2, 3):
            raise ForecasterError(
                f"`X` must have shape [n, length] or [n, length, n_features] (received shape {X.shape})."
            )
        if X.size == 0:
            raise ForecasterError(f"`X` is empty (shape {X.shape}); pass at least one sequence.")
        values = np.asarray(X, np.float32)
        if values.ndim == 2:
            values = values[:, :, None]
        return values, _check_padding(values)
    if not isinstance(X, Sequence | np.ndarray) or isinstance(X, str | bytes):
        raise ForecasterError(
            "`X` must be an array [n, length, n_features], a list of arrays, a CSV path or a DataFrame "
            f"(received {type(X).__name__})."
        )
    arrays = []
    for i, item in enumerate(X):
        try:
            array = np.asarray(item, np.float32)
        except (TypeError, ValueError):
            raise ForecasterError(f"sequence {i} of `X` is not numeric; pass arrays of numbers.") from None
        if array.ndim == 1:
            array = array[:, None]
        if array.ndim != 2:
            raise ForecasterError(
                f"each sequence must be 1-D or 2-D [length, n_features] (sequence {i} has shape {array.shape})."
            )
        arrays.append(array)
    return _stack(arrays)


def _stack(arrays: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    if not arrays:
        raise ForecasterError("no sequences were found in the data; pass at least one sequence.")
    widths = {a.shape[1] for a in arrays}
    if len(widths) != 1:
        raise ForecasterError(f"all sequences must have the same number of features (received {sorted(widths)}).")
    longest = max(len(a) for a in arrays)
    if longest == 0:
        raise ForecasterError("every sequence is empty; pass sequences with at least one step.")
    values = np.full((len(arrays), longest, widths.pop()), np.nan, np.float32)
    for i, array in enumerate(arrays):
        values[i, : len(array)] = array
    return values, _check_padding(values)


def _check_padding(values: np.ndarray) -> np.ndarray:
    """Lengths ``[n]``; raise unless each sequence is real steps followed by all-NaN steps."""
    if np.isinf(values).any():
        raise ForecasterError("the sequences contain infinite values; replace or drop them first.")
    real = step_mask(values)
    empty = np.isnan(values).all(axis=-1)
    partial = ~real & ~empty
    if partial.any():
        i, t = np.argwhere(partial)[0]
        raise ForecasterError(
            f"sequence {i} has a missing value in some but not all features at step {t}; "
            "fill it, or leave whole trailing steps empty as padding."
        )
    lengths = real.sum(axis=1)
    gaps = real & (np.arange(values.shape[1])[None, :] >= lengths[:, None])
    if gaps.any():
        i = int(np.argwhere(gaps)[0][0])
        raise ForecasterError(
            f"sequence {i} has missing values before its last step; only trailing steps may be empty (padding)."
        )
    if (lengths == 0).any():
        i = int(np.flatnonzero(lengths == 0)[0])
        raise ForecasterError(f"sequence {i} has no values; drop empty sequences.")
    return lengths.astype(np.int64)


def _labels_array(y: Any, n: int) -> np.ndarray:
    labels = np.asarray(y, dtype=object)
    if labels.ndim != 1 or len(labels) != n:
        raise ForecasterError(f"`y` must hold one label per sequence: {n} expected, received shape {labels.shape}.")
    if pd.isna(labels).any():
        raise ForecasterError("`y` has missing labels; drop those sequences or fill their labels.")
    return np.asarray([_plain(v) for v in labels], dtype=object)


def _plain(value: Any) -> Any:
    """numpy scalar -> Python scalar, so labels compare and serialize cleanly."""
    return value.item() if isinstance(value, np.generic) else value


def _numeric(frame: pd.DataFrame, columns: list[str], what: str) -> np.ndarray:
    bad = [str(c) for c in columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        raise ForecasterError(
            f"{what} must be numeric, but column(s) {', '.join(bad)} are not; drop them or pass them as "
            "`label_col` / `id_col` / `time_col`."
        )
    return frame[columns].to_numpy(np.float32)


def _table_labels(
    frame: pd.DataFrame, y: Any, label_col: str, require_labels: bool, n: int, per_row: pd.Series | None = None
) -> np.ndarray | None:
    if y is not None:
        return _labels_array(y, n)
    if label_col in frame.columns:
        return _labels_array(frame[label_col] if per_row is None else per_row, n)
    if require_labels:
        raise ForecasterError(
            f"label column {label_col!r} not found (columns: {', '.join(map(str, frame.columns[:12]))}); "
            "pass `label_col` (CLI: --label-col) or labels `y`."
        )
    return None


def _from_wide(
    frame: pd.DataFrame, y: Any, label_col: str, require_labels: bool
) -> tuple[list[np.ndarray], np.ndarray | None, tuple[str, ...], np.ndarray]:
    steps = [c for c in frame.columns if c != label_col]
    if not steps:
        raise ForecasterError("the table has no time-step columns besides the label column.")
    if len(frame) == 0:
        raise ForecasterError("the table has no rows; pass at least one sequence.")
    labels = _table_labels(frame, y, label_col, require_labels, len(frame))
    values = _numeric(frame, steps, "time-step columns of a wide table")
    arrays = list(values[:, :, None])
    return arrays, labels, ("value",), np.asarray(frame.index)


def _from_long(
    frame: pd.DataFrame,
    y: Any,
    label_col: str,
    id_col: str,
    time_col: str | None,
    require_labels: bool,
) -> tuple[list[np.ndarray], np.ndarray | None, tuple[str, ...], np.ndarray]:
    for name, col in (("id_col", id_col), ("time_col", time_col)):
        if col is not None and col not in frame.columns:
            raise ForecasterError(
                f"`{name}` column {col!r} not found (columns: {', '.join(map(str, frame.columns[:12]))})."
            )
    if len(frame) == 0:
        raise ForecasterError("the table has no rows; pass at least one sequence.")
    if frame[id_col].isna().any():
        raise ForecasterError(f"id column {id_col!r} has missing values; every row needs a series id.")
    roles = {id_col, time_col, label_col}
    features = [c for c in frame.columns if c not in roles and pd.api.types.is_numeric_dtype(frame[c])]
    skipped = [str(c) for c in frame.columns if c not in roles and c not in features]
    if skipped:
        warnings.warn(f"ignoring non-numeric column(s) {', '.join(skipped)}.", stacklevel=3)
    if not features:
        raise ForecasterError(
            f"the long table has no numeric value columns besides {id_col!r}, {time_col!r} and {label_col!r}."
        )
    order = pd.unique(frame[id_col])
    if time_col is not None:
        if frame.duplicated([id_col, time_col]).any():
            raise ForecasterError(f"some ids repeat a value of {time_col!r}; each step needs its own time.")
        frame = frame.sort_values([time_col], kind="stable")
    groups = frame.groupby(id_col, sort=False)
    arrays, row_labels = [], []
    has_labels = y is None and label_col in frame.columns
    for key in order:
        part = groups.get_group(key)
        arrays.append(_numeric(part, features, "value columns of a long table"))
        if has_labels:
            seen = pd.unique(part[label_col])
            if len(seen) != 1:
                raise ForecasterError(
                    f"series {key!r} has {len(seen)} different labels in {label_col!r}; "
                    "a sequence needs one label."
                )
            row_labels.append(seen[0])
    labels = _table_labels(
        frame, y, label_col, require_labels, len(order), pd.Series(row_labels, dtype=object) if has_labels else None
    )
    return arrays, labels, tuple(str(c) for c in features), np.asarray(order, dtype=object)


def normalize_each(values: np.ndarray) -> np.ndarray:
    """Z-normalize every sequence and feature over its own real steps (the UCR convention).

    Shape and level differences between cases are usually noise in UCR-style
    sets, so each case is compared by its shape; a constant feature becomes 0.

    Returns:
        float32 ``[n, L, F]`` with NaN padding kept.
    """
    data = values.astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column only occurs in padding
        mean = np.nanmean(data, axis=1, keepdims=True)
        std = np.nanstd(data, axis=1, keepdims=True)
    std = np.where(np.isfinite(std) & (std > 1e-8), std, 1.0)
    return ((data - mean) / std).astype(np.float32)


def downsample_factor(length: int, max_steps: int | None) -> int:
    """Whole number of steps averaged into one so that ``length`` fits in ``max_steps``."""
    if max_steps is None or length <= max_steps:
        return 1
    return -(-int(length) // int(max_steps))


def piecewise_mean(values: np.ndarray, factor: int) -> np.ndarray:
    """Piecewise aggregate approximation: mean of each block of ``factor`` real steps.

    A block that holds no real step stays padding (NaN), so unequal lengths survive.

    Returns:
        float32 ``[n, ceil(L / factor), F]``.
    """
    if factor <= 1:
        return values
    n, length, n_features = values.shape
    blocks = -(-length // factor)
    padded = np.full((n, blocks * factor, n_features), np.nan, np.float32)
    padded[:, :length] = values
    padded = padded.reshape(n, blocks, factor, n_features)
    real = np.isfinite(padded)
    count = real.sum(axis=2)
    total = np.where(real, padded, 0.0).sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return out.astype(np.float32)

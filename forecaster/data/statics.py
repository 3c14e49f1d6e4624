"""Static covariates: per-series attributes (region, category, size) as constant model inputs.

A static column is constant within each series of a long-format frame. It is
encoded once per series and appended, after scaling, as constant columns to
every row of that series, so the recurrent model needs no second input and a
panel SavedModel can look the encoded row up by series id inside its graph
(``forecaster.export.export_panel_saved_model``).

* numeric columns are standardized across series (mean and standard
  deviation over the series seen at fit, one value per series);
* text, categorical and boolean columns are one-hot encoded over the
  categories seen at fit (a category first seen later encodes as all zeros,
  with a warning);
* ``include_id=True`` adds a one-hot of the series id itself. The first
  recurrent layer's kernel rows for those columns are then a learned
  per-series vector: an id embedding of the layer's width, without a second
  model input. It costs one input column per series, so it is refused past
  ``MAX_ID_COLUMNS`` series; a series not seen at fit gets the all-zero row
  (the model's "average" series).

The encoder is plain JSON state (:meth:`StaticEncoder.to_dict`), saved in
forecaster.json beside the scalers.

Example:
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"id": ["a", "a", "b"], "region": ["n", "n", "s"], "size": [1.0, 1.0, 3.0]})
    >>> enc = fit_statics(frame, "id", ["region", "size"])
    >>> enc.feature_names
    ['region=n', 'region=s', 'size']
    >>> ids, rows = enc.encode(frame, "id")
    >>> ids, rows.tolist()
    (['a', 'b'], [[1.0, 0.0, -1.0], [0.0, 1.0, 1.0]])
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecaster.errors import ForecasterError

MAX_ID_COLUMNS = 1000
ID_FEATURE = "__id__"

__all__ = ["MAX_ID_COLUMNS", "StaticEncoder", "append_statics", "fit_statics", "static_table"]


@dataclass(frozen=True)
class StaticEncoder:
    """Fitted encoding of static columns: numeric ones standardized, the rest one-hot."""

    columns: tuple[str, ...]
    numeric: dict[str, tuple[float, float]] = field(default_factory=dict)  # column -> (mean, std)
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)  # column -> categories
    include_id: bool = False
    ids: tuple[str, ...] = ()  # fit series ids as text (the one-hot of the id when include_id)

    @property
    def feature_names(self) -> list[str]:
        """Names of the encoded columns, in order (``column=category`` for one-hot columns)."""
        names = []
        for col in self.columns:
            if col in self.numeric:
                names.append(col)
            else:
                names.extend(f"{col}={cat}" for cat in self.categories[col])
        if self.include_id:
            names.extend(f"{ID_FEATURE}={sid}" for sid in self.ids)
        return names

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    def encode(self, frame: pd.DataFrame, id_col: str) -> tuple[list[Any], np.ndarray]:
        """One encoded row per series of ``frame``: ``(ids in order of appearance, float32 [n_series, n_features])``.

        Raises:
            ForecasterError: for a missing column, a missing id, or a static
                column that varies within a series.
        """
        table = static_table(frame, id_col, self.columns)
        rows = np.zeros((len(table), self.n_features), np.float32)
        offset = 0
        for col in self.columns:
            values = table[col]
            if col in self.numeric:
                if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
                    raise ForecasterError(
                        f"static column '{col}' was numeric at fit but holds non-numbers now; "
                        "pass the same kind of values as at fit."
                    )
                mean, std = self.numeric[col]
                rows[:, offset] = (values.to_numpy(np.float64) - mean) / std
                offset += 1
            else:
                cats = self.categories[col]
                lookup = {cat: j for j, cat in enumerate(cats)}
                text = values.map(_as_text)
                unseen = sorted(set(text) - set(lookup))
                if unseen:
                    warnings.warn(
                        f"static column '{col}' has categories not seen at fit ({', '.join(map(repr, unseen[:5]))}); "
                        "they are encoded as all zeros.",
                        stacklevel=2,
                    )
                for i, value in enumerate(text):
                    if value in lookup:
                        rows[i, offset + lookup[value]] = 1.0
                offset += len(cats)
        if self.include_id:
            lookup = {sid: j for j, sid in enumerate(self.ids)}
            for i, sid in enumerate(table.index):
                j = lookup.get(_as_text(sid))
                if j is not None:
                    rows[i, offset + j] = 1.0
        return list(table.index), rows

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe state (lists, floats and strings only)."""
        return {
            "columns": list(self.columns),
            "numeric": {col: [float(m), float(s)] for col, (m, s) in self.numeric.items()},
            "categories": {col: list(cats) for col, cats in self.categories.items()},
            "include_id": self.include_id,
            "ids": list(self.ids),
        }

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> StaticEncoder:
        return cls(
            columns=tuple(state["columns"]),
            numeric={col: (float(m), float(s)) for col, (m, s) in state["numeric"].items()},
            categories={col: tuple(cats) for col, cats in state["categories"].items()},
            include_id=bool(state["include_id"]),
            ids=tuple(state["ids"]),
        )


def static_table(frame: pd.DataFrame, id_col: str, columns: Sequence[str]) -> pd.DataFrame:
    """One row per series (index: the id, in order of first appearance) with its static values.

    Raises:
        ForecasterError: if a column is missing, an id is missing, a static
            value is missing, or a static column varies within a series.
    """
    if not isinstance(frame, pd.DataFrame):
        raise ForecasterError("static covariates need a DataFrame (or a CSV read into one).")
    columns = list(columns)
    missing = [c for c in [id_col, *columns] if c not in frame.columns]
    if missing:
        raise ForecasterError(
            f"column(s) {', '.join(map(repr, missing))} not in the data; the columns are {list(map(str, frame.columns))}."
        )
    if id_col in columns:
        raise ForecasterError(
            f"the id column '{id_col}' cannot also be a static column; use include_id=True for an id embedding."
        )
    if frame[id_col].isna().any():
        raise ForecasterError(f"id column '{id_col}' has missing values; every row needs a series id.")
    groups = frame[[id_col, *columns]].groupby(id_col, sort=False, dropna=False)
    for col in columns:
        if frame[col].isna().any():
            sid = frame.loc[frame[col].isna(), id_col].iloc[0]
            raise ForecasterError(
                f"static column '{col}' has missing values (series {sid!r}); fill them or drop the column from static."
            )
        counts = groups[col].nunique()
        varying = counts[counts > 1]
        if len(varying):
            sid = varying.index[0]
            seen = frame.loc[frame[id_col] == sid, col].unique()[:3]
            raise ForecasterError(
                f"static column '{col}' varies within series {sid!r} (values {', '.join(map(repr, seen))}); "
                "a static covariate must be constant within each series."
            )
    return groups.first()


def fit_statics(
    frame: pd.DataFrame, id_col: str, columns: Sequence[str] = (), *, include_id: bool = False
) -> StaticEncoder:
    """Learn the encoding of ``columns`` (and optionally the id) from the series of ``frame``.

    Fit it on the fit data: the category lists and the numeric means are
    then fixed, so later data encodes the same way.

    Raises:
        ForecasterError: for the problems :func:`static_table` names, no
            static column at all, or ``include_id`` with more than
            ``MAX_ID_COLUMNS`` series.
    """
    columns = list(dict.fromkeys(columns))
    if not columns and not include_id:
        raise ForecasterError("no static columns given; pass static=['col', ...] or include_id=True.")
    table = static_table(frame, id_col, columns)
    numeric: dict[str, tuple[float, float]] = {}
    categories: dict[str, tuple[str, ...]] = {}
    for col in columns:
        values = table[col]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            arr = values.to_numpy(np.float64)
            if not np.isfinite(arr).all():
                raise ForecasterError(f"static column '{col}' has infinite values; static values must be finite.")
            std = float(arr.std())
            numeric[col] = (float(arr.mean()), std if std > 0 else 1.0)
        else:
            categories[col] = tuple(sorted({_as_text(v) for v in values}))
    ids = tuple(_as_text(sid) for sid in table.index)
    if include_id and len(ids) > MAX_ID_COLUMNS:
        raise ForecasterError(
            f"an id embedding adds one input column per series and the data has {len(ids)} series "
            f"(at most {MAX_ID_COLUMNS}); drop include_id or describe the series with static columns."
        )
    return StaticEncoder(tuple(columns), numeric, categories, include_id, ids)


def append_statics(values: np.ndarray, row: np.ndarray) -> np.ndarray:
    """``values`` ``[n_rows, n_columns]`` with the encoded static ``row`` repeated on every row (float32).

    Append after scaling: a per-series scaler would map a constant column to zero.
    """
    values = np.asarray(values, np.float32)
    row = np.asarray(row, np.float32).reshape(1, -1)
    return np.concatenate([values, np.repeat(row, len(values), axis=0)], axis=1)


def _as_text(value: Any) -> str:
    """Category / id as text: the key used in the encoder state and by the SavedModel lookup."""
    if isinstance(value, np.generic):
        value = value.item()
    return str(value)

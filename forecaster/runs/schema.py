"""Validation of forecaster.json before anything trusts it: types, ranges, required keys, shapes.

A damaged or tampered file is one ``ForecasterError`` naming the file and the
first key that is wrong; the Keras model's shapes are checked against it too.
"""

from __future__ import annotations

import math
from typing import Any

from forecaster.errors import ForecasterError
from forecaster.runs.jsonio import _json_type
from forecaster.runs.reading import check_format_version

__all__ = ["FORMAT_VERSION", "check_forecaster_meta"]

# of forecaster.json; 2: conformal scores in each window's local scale (`intervals.score_scale`),
# which a version-1 reader would ignore and misread. Version 1 runs are read as before.
FORMAT_VERSION = 2

# Ranges a genuine run stays far inside; anything outside is damage or tampering.
_MAX_WIDTH = 1_000_000  # input_width and horizon
_MAX_COLUMNS = 100_000
_MAX_SERIES = 10_000_000
_SCALE_RANGE = (1e-30, 1e30)
_MAX_SCALED = 1e6  # |(value - center) / scale| of the kept tail: beyond it forecasts overflow float32


class _Meta:
    """Checks one run JSON; every failure is one sentence naming the file and the key."""

    def __init__(self, meta: dict[str, Any], path: str) -> None:
        self.meta, self.path = meta, path

    def fail(self, what: str) -> None:
        raise ForecasterError(f"'{self.path}' is not a valid run file: {what}; the run directory is damaged or was edited.")

    def get(self, key: str, where: dict[str, Any] | None = None, label: str | None = None) -> Any:
        where = self.meta if where is None else where
        if key not in where:
            self.fail(f"the key `{label or key}` is missing")
        return where[key]

    def integer(self, key: str, low: int, high: int, where: dict | None = None, label: str | None = None) -> int:
        value = self.get(key, where, label)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(f"`{label or key}` must be an integer from {low} to {high} (found {_short(value)})")
        return value

    def text(self, key: str, optional: bool = False, where: dict | None = None, label: str | None = None) -> Any:
        value = self.get(key, where, label)
        if not (isinstance(value, str) or (optional and value is None)):
            kind = "a string or null" if optional else "a string"
            self.fail(f"`{label or key}` must be {kind} (found a JSON {_json_type(value)})")
        return value

    def array(self, key: str, low: int, high: int, where: dict | None = None, label: str | None = None) -> list:
        value = self.get(key, where, label)
        if not isinstance(value, list) or not low <= len(value) <= high:
            found = f"{len(value)} items" if isinstance(value, list) else f"a JSON {_json_type(value)}"
            self.fail(f"`{label or key}` must be an array of {low} to {high} items (found {found})")
        return value

    def numbers(self, values: Any, label: str, length: int, bound: float = 3.4e38) -> list[float]:
        if not isinstance(values, list) or len(values) != length:
            self.fail(f"`{label}` must be an array of {length} numbers")
        for v in values:
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or abs(v) > bound:
                self.fail(f"`{label}` must hold finite numbers of magnitude at most {bound:g} (found {_short(v)})")
        return values


def check_forecaster_meta(meta: dict[str, Any], path: str) -> None:
    """Validate forecaster.json (types, ranges, required keys, consistency) before anything uses it.

    Raises:
        ForecasterError: one sentence naming ``path`` and the first key that is wrong.
    """
    import numpy as np
    import pandas as pd

    from forecaster.config import SCALINGS, validate_params

    check_format_version(meta, path, FORMAT_VERSION)
    m = _Meta(meta, path)
    if meta.get("kind", "forecaster") != "forecaster":
        m.fail(f"`kind` must be 'forecaster' (found {_short(meta.get('kind'))})")
    config = m.get("config")
    if not isinstance(config, dict):
        m.fail(f"`config` must be an object (found a JSON {_json_type(config)})")
    try:
        validate_params({k: tuple(v) if isinstance(v, list) else v for k, v in config.items()})
    except ForecasterError as exc:
        m.fail(f"its config is invalid ({str(exc).rstrip('.')})")
    columns = m.array("columns", 1, _MAX_COLUMNS)
    targets = m.array("targets", 1, _MAX_COLUMNS)
    for label, names in (("columns", columns), ("targets", targets)):
        if not all(isinstance(c, str) for c in names) or len(set(names)) != len(names):
            m.fail(f"`{label}` must be distinct strings")
    if columns[: len(targets)] != targets:
        m.fail("`targets` must be the first entries of `columns`")
    for key in ("n_features", "n_targets"):
        if key in meta and meta[key] != len(columns if key == "n_features" else targets):
            m.fail(f"`{key}` ({_short(meta[key])}) does not match the column lists")
    m.text("date_col", optional=True)
    m.text("id_col", optional=True)
    freq = m.text("freq", optional=True)
    if freq is not None:
        try:
            pd.tseries.frequencies.to_offset(freq)
        except (ValueError, TypeError):
            m.fail(f"`freq` {_short(freq)} is not a pandas frequency")
    horizon = m.integer("horizon", 1, _MAX_WIDTH)
    if config.get("horizon", horizon) != horizon:
        m.fail(f"`horizon` ({horizon}) differs from the config's ({_short(config.get('horizon'))})")
    width = m.integer("input_width", 1, _MAX_WIDTH)
    m.integer("season", 1, _MAX_WIDTH)
    _check_season_keys(m, meta, width)
    m.text("skip", optional=True)
    last = m.text("last_date", optional=True)
    if last is not None:
        try:
            stamp = pd.Timestamp(last)
            if stamp.tz is not None or stamp is pd.NaT:
                raise ValueError("a naive timestamp is expected")
            if freq is not None:  # the forecast dates must exist too
                pd.date_range(stamp, periods=horizon + 1, freq=freq)
        except (ValueError, TypeError, OverflowError, pd.errors.OutOfBoundsDatetime):
            m.fail(f"`last_date` {_short(last)} (with horizon {horizon}) is not a date pandas can represent")
    period = m.integer("seasonal_period", 2, _MAX_WIDTH) if meta.get("seasonal_period") is not None else None
    scalers = m.array("scalers", 1, _MAX_SERIES)
    n = len(columns)
    for i, scaler in enumerate(scalers):
        label = f"scalers[{i}]"
        if not isinstance(scaler, dict):
            m.fail(f"`{label}` must be an object")
        if m.text("method", where=scaler, label=f"{label}.method") not in SCALINGS:
            m.fail(f"`{label}.method` must be one of {', '.join(SCALINGS)}")
        m.numbers(m.get("center", scaler, f"{label}.center"), f"{label}.center", n, _SCALE_RANGE[1])
        scale = m.numbers(m.get("scale", scaler, f"{label}.scale"), f"{label}.scale", n)
        if not all(_SCALE_RANGE[0] <= s <= _SCALE_RANGE[1] for s in scale):
            m.fail(f"`{label}.scale` must be positive (from {_SCALE_RANGE[0]:g} to {_SCALE_RANGE[1]:g}), found {_short(scale)}")
        if "id" in scaler and not _is_id(scaler["id"]):
            m.fail(f"`{label}.id` must be a string, a number or null")
        if scaler.get("seasonal") is not None:
            _check_seasonal(m, scaler["seasonal"], f"{label}.seasonal", period, len(targets))
    if len({_id_key(s.get("id")) for s in scalers}) != len(scalers):
        m.fail("`scalers` names a series twice")
    tail = m.array("tail", 1, _MAX_SERIES)
    for i, entry in enumerate(tail):
        label = f"tail[{i}]"
        if not isinstance(entry, dict):
            m.fail(f"`{label}` must be an object")
        rows = m.array("values", 1, width, where=entry, label=f"{label}.values")
        for row in rows:
            m.numbers(row, f"{label}.values", n)
        by_id = {_id_key(s.get("id")): s for s in scalers}
        scaler = by_id.get(_id_key(entry.get("id")), scalers[0])
        scaled = (np.asarray(rows, np.float64) - np.asarray(scaler["center"])) / np.asarray(scaler["scale"])
        if np.abs(scaled).max() > _MAX_SCALED:
            m.fail(f"`{label}.values` lie more than {_MAX_SCALED:g} scales from the scaler's center")
        dates = m.get("dates", entry, f"{label}.dates")
        if dates is not None:
            if not isinstance(dates, list) or len(dates) != len(rows) or not all(isinstance(d, str) for d in dates):
                m.fail(f"`{label}.dates` must be null or {len(rows)} date strings")
            try:
                index = pd.DatetimeIndex(dates)
            except (ValueError, TypeError, OverflowError, pd.errors.OutOfBoundsDatetime):
                m.fail(f"`{label}.dates` holds values that are not dates")
            if index.tz is not None or not (index.is_monotonic_increasing and index.is_unique):
                m.fail(f"`{label}.dates` must be increasing dates without a time zone")
        if "id" in entry and not _is_id(entry["id"]):
            m.fail(f"`{label}.id` must be a string, a number or null")
        if "n_rows" in entry:
            m.integer("n_rows", len(rows), 10**12, where=entry, label=f"{label}.n_rows")
    training = m.get("training")
    if not isinstance(training, dict):
        m.fail("`training` must be an object")
    m.integer("epochs_run", 0, 10**9, where=training, label="training.epochs_run")
    loss = m.get("best_val_loss", training, "training.best_val_loss")
    if loss is not None and (isinstance(loss, bool) or not isinstance(loss, int | float)):
        m.fail("`training.best_val_loss` must be a number or null")
    refit = training.get("refit")
    # the network's refit trains epochs of batches; the linear model's is one solve, a short series' a second choice
    once = isinstance(refit, dict) and refit.get("model") in ("linear", "window baselines")
    counts = ("rows",) if once else ("rows", "epochs", "batch_size")
    if refit is not None and not (
        isinstance(refit, dict) and all(isinstance(refit.get(k), int) and not isinstance(refit[k], bool) and refit[k] >= 1 for k in counts)
        and (refit.get("model") != "window baselines" or isinstance((refit.get("choice") or {}).get("used"), str))
    ):
        m.fail("`training.refit` must be null or an object with integer rows, epochs and batch_size "
               "(rows only for the linear model; rows and the choice made again for window baselines)")
    m.text("data_hash", optional=True)
    _check_statics(m, meta)


def _check_statics(m: _Meta, meta: dict[str, Any]) -> None:
    """The optional ``statics`` entry: the encoder state and one encoded row per fit series."""
    statics = meta.get("statics")
    if statics is None:
        return
    if not isinstance(statics, dict) or not isinstance(statics.get("rows"), dict):
        m.fail("`statics` must be an object with the encoder state and `rows`")
    from forecaster.data.statics import StaticEncoder

    try:
        state = {k: v for k, v in statics.items() if k != "rows"}
        width = StaticEncoder.from_dict(state).n_features
    except (KeyError, TypeError, ValueError, AttributeError):
        m.fail("`statics` must hold a static encoder's columns, numeric, categories, include_id and ids")
    for key, row in statics["rows"].items():
        m.numbers(row, f"statics.rows[{_short(key)}]", width, 1e6)


def _check_seasonal(m: _Meta, state: Any, label: str, period: int | None, n_targets: int) -> None:
    """A scaler's seasonal indices: ``seasonal_period`` rows of ``n_targets`` positive numbers, and a phase."""
    if period is None or not isinstance(state, dict):
        m.fail(f"`{label}` needs `seasonal_period` and must be an object")
    rows = m.array("indices", period, period, where=state, label=f"{label}.indices")
    for row in rows:
        if any(v <= 0 for v in m.numbers(row, f"{label}.indices", n_targets, 1e6)):
            m.fail(f"`{label}.indices` must be positive")
    m.integer("phase", 0, period - 1, where=state, label=f"{label}.phase")


def _check_season_keys(m: _Meta, meta: dict[str, Any], width: int) -> None:
    """The optional keys of the seasons, MASE scales, conformal intervals and model choice."""
    if "seasons" in meta:
        seasons = m.array("seasons", 0, 16)
        if not all(isinstance(s, int) and not isinstance(s, bool) and 2 <= s <= _MAX_WIDTH for s in seasons):
            m.fail("`seasons` must hold integers from 2 to 1000000")
    if meta.get("encoder_width") is not None:
        m.integer("encoder_width", 1, width)
    if "skip_season" in meta:
        # as models.factory.build_model: the moved season reads one row before the season
        longest = {"seasonal": width, "seasonal_level": width - 1}.get(meta.get("skip"), _MAX_WIDTH)
        m.integer("skip_season", 1, longest)
    scales = meta.get("mase_scales")
    if scales is not None:
        n_targets = len(meta.get("targets", ()))
        if not isinstance(scales, dict):
            m.fail("`mase_scales` must be an object or null")
        for key, values in scales.items():
            if not isinstance(values, list) or len(values) != n_targets or not all(
                v is None or (isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v > 0)
                for v in values
            ):
                m.fail(f"`mase_scales[{_short(key)}]` must hold {n_targets} positive numbers or nulls")
    intervals = meta.get("intervals")
    if intervals is not None:
        from forecaster.evaluation.intervals import check_levels

        try:
            levels = check_levels(intervals["levels"])
            h, t = int(intervals["horizon"]), int(intervals["n_targets"])
            for level in levels:
                q = intervals["quantiles"][repr(float(level))]
                if len(q) != h or any(len(row) != t for row in q):
                    raise ValueError("shape")
                for row in q:
                    m.numbers(row, "intervals.quantiles", t)
            if h != meta.get("horizon") or not isinstance(intervals["scaled"], bool):
                raise ValueError("shape")
            rows = intervals.get("scale_rows")  # a window-baseline plan's local scale (training.choice.fit_intervals)
            if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or rows < 2):
                raise ValueError("scale_rows")
        except (KeyError, TypeError, ValueError, ForecasterError):
            m.fail("`intervals` must be a conformal calibration of the run's horizon and targets")
    choice = meta.get("choice")
    if choice is not None and (not isinstance(choice, dict) or not isinstance(choice.get("used"), str)):
        m.fail("`choice` must be an object naming the model `used`")


def _check_model_shapes(model: Any, meta: dict[str, Any], path: str) -> None:
    """The Keras model must take ``[batch, input_width, n_features]`` and give ``horizon`` steps."""
    shapes = model.input_shape if isinstance(model.input_shape, list) else [model.input_shape]
    series = [s for s in shapes if isinstance(s, tuple) and len(s) == 3]
    statics = meta.get("statics") or {}
    n_static = len(statics.get("rows", {}).get(next(iter(statics.get("rows", {})), ""), [])) if statics else 0
    expected = (meta["input_width"], len(meta["columns"]) + n_static)
    if series and tuple(series[0][1:]) != expected:
        raise ForecasterError(
            f"'{path}' takes inputs of shape {tuple(series[0][1:])} but forecaster.json says "
            f"(input_width, n_features) = {expected}; the run directory is damaged or was edited."
        )
    outputs = model.output_shape
    first = next(iter(outputs.values())) if isinstance(outputs, dict) else outputs
    if isinstance(first, list):
        first = first[0] if first else None
    if isinstance(first, tuple) and len(first) >= 2 and first[1] is not None and first[1] != meta["horizon"]:
        raise ForecasterError(
            f"'{path}' forecasts {first[1]} steps but forecaster.json says horizon = {meta['horizon']}; "
            "the run directory is damaged or was edited."
        )


def _is_id(value: Any) -> bool:
    return value is None or (isinstance(value, str | int | float) and not isinstance(value, bool))


def _id_key(value: Any) -> tuple[str, Any]:
    return (type(value).__name__, value)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."

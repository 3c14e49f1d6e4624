"""The one vocabulary of options and parameter rules, and the table of ``Forecaster`` settings.

* Option lists (``CELLS``, ``HEADS``, ``SKIPS``, ``LOSSES``, ``OPTIMIZERS``,
  ``SCALINGS``, ``FILLS``, ``STRATEGIES``, ``DECODERS``, ``VERBOSITY``,
  ``JIT_CHOICES``) are defined here only; the estimators, ``build_model``,
  ``train``, the tasks and the CLI's choices import them.
* Rules shared by every entry point: :func:`is_int`, :func:`check_number`,
  :func:`check_choice` and the seed rule (:func:`check_seed`), each with the
  message it raises.
* ``FORECASTER_PARAMS`` lists every constructor argument of
  :class:`forecaster.Forecaster` with its default and its rule. The estimator
  validates against it at the top of ``fit`` (never in ``__init__``, so
  ``get_params`` / ``set_params`` / ``clone`` stay plain), and the CLI reads
  the same table for its defaults and to merge a ``--config run.toml`` file
  with its flags.
"""

from __future__ import annotations

import math
import numbers
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from forecaster.errors import ForecasterError

CELLS = ("rnn", "lstm", "gru")
HEADS = ("point", "quantile", "gaussian")
SKIPS = ("auto", "none", "last", "seasonal", "seasonal_level", "mean")
LOSSES = ("mse", "mae", "huber")
OPTIMIZERS = ("adam", "rmsprop", "sgd")
SCALINGS = ("standard", "minmax", "none")
FILLS = ("none", "ffill", "interpolate")
STRATEGIES = (None, "mirrored", "multiworker")  # tf.distribute strategies of `train`
DECODERS = ("direct", "recursive")  # how build_model produces the horizon
VERBOSITY = ("auto", 0, 1, 2)
JIT_CHOICES = ("auto", True, False)
SEED_LIMIT = 2**32  # seeds are in [0, 2**32): what NumPy and Keras accept
SEED_EXPECT = "an integer in [0, 2**32), or None"


def is_int(value: Any) -> bool:
    """Whether ``value`` is an integer (Python or NumPy), booleans excluded."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def seed_ok(value: Any) -> bool:
    """The seed rule: ``None`` (a fresh seed) or an integer in ``[0, 2**32)``."""
    return value is None or (is_int(value) and 0 <= value < SEED_LIMIT)


def check_seed(value: Any, name: str = "seed") -> None:
    """Raise ForecasterError unless ``value`` follows the seed rule."""
    if not seed_ok(value):
        raise ForecasterError(f"`{name}` must be {SEED_EXPECT} (received {name}={value!r}).")


def check_choice(name: str, value: Any, options: tuple) -> None:
    """Raise ForecasterError unless ``value`` is one of ``options``."""
    if isinstance(value, bool) and not any(isinstance(o, bool) for o in options) or value not in options:
        shown = ", ".join(repr(o) if not isinstance(o, str) else o for o in options)
        raise ForecasterError(f"`{name}` must be one of {shown} (received {name}={value!r}).")


def check_number(
    name: str,
    value: Any,
    *,
    integer: bool = False,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    """Raise :class:`ForecasterError` unless ``value`` is a (finite) number in the given range."""
    ok = is_int(value) if integer else (
        isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    )
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        parts = []
        if low is not None:
            parts.append(f"{'>' if low_open else '>='} {low}")
        if high is not None:
            parts.append(f"{'<' if high_open else '<='} {high}")
        rule = " and ".join(parts)
        what = "an integer" if integer else "a number"
        raise ForecasterError(f"`{name}` must be {what}{' ' + rule if rule else ''} (received {name}={value!r}).")


@dataclass(frozen=True)
class Rule:
    """One parameter's default and the check its value must pass."""

    default: Any
    check: Callable[[Any], bool]
    expect: str


def _int(low: int, allow_none: bool = False) -> Callable[[Any], bool]:
    def check(v: Any) -> bool:
        if v is None:
            return allow_none
        return is_int(v) and v >= low

    return check


def _float(low: float, high: float = math.inf, *, low_open: bool = False) -> Callable[[Any], bool]:
    def check(v: Any) -> bool:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            return False
        return (v > low if low_open else v >= low) and v < high

    return check


def _choice(options: tuple) -> Callable[[Any], bool]:
    return lambda v: v in options


def units_ok(v: Any) -> bool:
    """The units rule: a positive integer or a non-empty list of them, one per layer."""
    if is_int(v):
        return v >= 1
    return isinstance(v, list | tuple) and len(v) >= 1 and all(is_int(u) and u >= 1 for u in v)


def cell_ok(v: Any) -> bool:
    """The cell rule: one of ``CELLS``, any case."""
    return isinstance(v, str) and v.lower() in CELLS


def _levels(v: Any) -> bool:
    """Interval levels: each strictly between 0 and 1 (an empty list: no intervals)."""
    return isinstance(v, list | tuple) and all(
        isinstance(q, int | float) and not isinstance(q, bool) and 0 < q < 1 for q in v
    )


def _seasons(v: Any) -> bool:
    return v is None or (isinstance(v, list | tuple) and all(is_int(m) and m >= 2 for m in v))


def _quantiles(v: Any) -> bool:
    return (
        isinstance(v, list | tuple)
        and len(v) >= 1
        and all(isinstance(q, int | float) and 0 < q < 1 for q in v)
        and list(v) == sorted(set(v))
    )


def _static_columns(v: Any) -> bool:
    """Static columns: distinct non-empty names (``None``: none)."""
    return v is None or (
        isinstance(v, list | tuple) and all(isinstance(c, str) and c.strip() for c in v) and len(set(v)) == len(v)
    )


MODEL_CHOICES = ("median", "auto", "network")  # Forecaster(model=...): combine, choose on validation, or the network

FORECASTER_PARAMS: dict[str, Rule] = {
    "cell": Rule("gru", cell_ok, "one of " + ", ".join(CELLS)),
    "units": Rule((64, 64), units_ok, "a positive integer or a list of them, one per layer"),
    "input_width": Rule(None, _int(1, allow_none=True), "an integer >= 1, or None to choose from the season"),
    "horizon": Rule(12, _int(1), "an integer >= 1"),
    "head": Rule("point", _choice(HEADS), "one of " + ", ".join(HEADS)),
    "quantiles": Rule((0.1, 0.5, 0.9), _quantiles, "increasing values strictly between 0 and 1"),
    "skip": Rule("auto", _choice(SKIPS), "one of " + ", ".join(SKIPS)),
    "scaling": Rule("standard", _choice(SCALINGS), "one of " + ", ".join(SCALINGS)),
    "dropout": Rule(0.0, _float(0.0, 1.0), "a number in [0, 1)"),
    "loss": Rule("mae", _choice(LOSSES), "one of " + ", ".join(LOSSES)),
    "optimizer": Rule("adam", _choice(OPTIMIZERS), "one of " + ", ".join(OPTIMIZERS)),
    "learning_rate": Rule(3e-3, _float(0.0, low_open=True), "a number > 0"),
    "clipnorm": Rule(1.0, lambda v: v is None or _float(0.0, low_open=True)(v), "a number > 0, or None"),
    "epochs": Rule("auto", lambda v: v == "auto" or _int(1)(v),
                   "'auto' (100, fewer when that would pass 600,000 training windows) or an integer >= 1"),
    "patience": Rule(10, _int(1), "an integer >= 1"),
    "batch_size": Rule("auto", lambda v: v == "auto" or _int(1)(v),
                       "'auto' (16 to 64, so short series get several steps per epoch) or an integer >= 1"),
    "windows_per_epoch": Rule(None, lambda v: v is None or v == "auto" or _int(1)(v),
                              "None (every window), 'auto' (sampled epochs on long series) or an integer >= 1"),
    "val": Rule(0.15, _float(0.0, 0.9), "a fraction in [0, 0.9)"),
    "test": Rule(0.15, _float(0.0, 0.9, low_open=True), "a fraction in (0, 0.9)"),
    "fill": Rule("none", _choice(FILLS), "one of " + ", ".join(FILLS)),
    "sep": Rule(None, lambda v: v is None or (isinstance(v, str) and 1 <= len(v) <= 3),
                "None (detect) or a separator such as ',', ';', '\\t' or '|'"),
    "decimal": Rule(None, lambda v: v is None or v in (".", ","), "None (detect), '.' or ','"),
    "dayfirst": Rule(None, lambda v: v is None or isinstance(v, bool), "None (detect), True or False"),
    "calendar": Rule("auto", lambda v: v == "auto" or isinstance(v, bool),
                     "'auto' (on for a single dated series of a step of a day or less with a season), True or False"),
    "window_scale": Rule(False, lambda v: isinstance(v, bool), "True or False (needs a skip baseline)"),
    "ensemble": Rule(1, _int(1), "an integer >= 1 (models averaged, each with its own seed)"),
    "seed": Rule(0, seed_ok, SEED_EXPECT),
    "deterministic": Rule(False, lambda v: isinstance(v, bool), "True or False"),
    "strategy": Rule(None, _choice(STRATEGIES), "None, 'mirrored' or 'multiworker'"),
    "jit_compile": Rule("auto", lambda v: v == "auto" or isinstance(v, bool), "'auto', True or False"),
    "verbose": Rule("auto", lambda v: v == "auto" or (is_int(v) and v in VERBOSITY), "'auto', 0, 1 or 2"),
    "holidays": Rule("infer", lambda v: isinstance(v, str) and v.strip() != "",
                     "'infer' (from the history), 'none' or a holiday calendar name such as "
                     "USFederalHolidayCalendar or XNYS"),
    "label": Rule(None, lambda v: v is None or isinstance(v, str), "None or the series name shown on plots"),
    "tensorboard": Rule(None, lambda v: v is None or (isinstance(v, str) and v.strip() != ""),
                        "None or a directory for Keras TensorBoard logs"),
    "model": Rule("median", _choice(MODEL_CHOICES), "'median' (the per-step median of the network, the linear model and the "
                  "best baseline, unless one is clearly better on validation), 'auto' (whichever of them is better on "
                  "validation) or 'network'"),
    "intervals": Rule((0.8, 0.95), _levels, "interval levels strictly between 0 and 1, e.g. 0.8,0.95 (empty: none)"),
    "seasons": Rule(None, _seasons, "None (detect) or season lengths >= 2, e.g. 24,168"),
    "static": Rule(None, _static_columns, "None or static column names (constant within each series), e.g. region,size"),
    "id_embedding": Rule(False, lambda v: isinstance(v, bool), "True or False (a learned per-series input; needs id_col)"),
    "seasonal_adjustment": Rule("auto", lambda v: v == "auto" or isinstance(v, bool),
                                "'auto' (a dated monthly or quarterly panel's seasonal series divided by their seasonal "
                                "indices), True (any step with a season) or False"),
    "refit": Rule(True, lambda v: isinstance(v, bool),
                  "True (forecast with a model refit on every row) or False (the held-out model)"),
}


def validate_params(params: dict[str, Any]) -> None:
    """Raise ForecasterError naming the first parameter that breaks its rule."""
    for name, value in params.items():
        rule = FORECASTER_PARAMS.get(name)
        if rule is None:
            raise ForecasterError(f"unknown parameter `{name}`; known ones: {', '.join(FORECASTER_PARAMS)}.")
        if not rule.check(value):
            raise ForecasterError(f"`{name}` must be {rule.expect} (received {name}={value!r}).")


def load_toml(path: str | os.PathLike) -> dict[str, Any]:
    """Read a TOML settings file into a flat dict; keys may use dashes or underscores."""
    try:
        with open(path, "rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError:
        raise ForecasterError(f"config file '{os.fspath(path)}' does not exist.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ForecasterError(f"config file '{os.fspath(path)}' is not valid TOML ({exc}).") from None
    flat: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, dict):  # allow [data] / [model] / [training] tables
            for inner, inner_value in value.items():
                flat[inner.replace("-", "_")] = inner_value
        else:
            flat[key.replace("-", "_")] = value
    return flat

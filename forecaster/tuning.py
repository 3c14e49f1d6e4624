"""Hyperparameter search for :class:`~forecaster.Forecaster` on KerasTuner, never touching the test part.

``tune(data, trials=N)`` searches the cell, units and layers, input width,
learning rate, dropout and skip (the baseline the network corrects) with
KerasTuner's random search (``pip install "forecaster[tune]"``). Honesty rule:
the rows whose targets form the final fit's test part are cut off first
(the same ``chronological_split`` rule), so no trial sees them. Each trial
fits a Forecaster on the remaining rows with its own chronological
train / validation / hold-out parts and is scored by the raw-scale MAE (MASE
for several series) of the forecasts from every origin of that hold-out
(rolling origins over the end of the training part).

The result holds a leaderboard and the best settings; :meth:`TuneResult.to_toml`
writes them as a file that ``forecaster fit --config`` accepts.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecaster.config import CELLS, FORECASTER_PARAMS, validate_params
from forecaster.data.calendar import CALENDAR_COLUMNS
from forecaster.data.io import SeriesData, load_series
from forecaster.errors import ForecasterError

__all__ = ["SEARCHED", "TuneResult", "tune"]

SEARCHED = ("cell", "units", "input_width", "learning_rate", "dropout", "skip")
DATA_KEYS = ("target", "date_col", "features", "id_col")


@dataclass
class TuneResult:
    """The search's outcome: ``leaderboard`` (one row per trial, best first) and the ``best_params``."""

    best_params: dict[str, Any]
    leaderboard: pd.DataFrame
    objective: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_toml(self, path: str | os.PathLike, csv: str | None = None) -> None:
        """Write the best settings (and the data settings) as a TOML file for ``forecaster fit --config``."""
        lines = [f"# forecaster tune: best of {len(self.leaderboard)} trials by {self.objective} "
                 "on validation windows of the training part"]
        if csv is not None:
            lines.append(f"csv = {_toml(csv)}")
        for key, value in self.data.items():
            if value is not None:
                lines.append(f"{key.replace('_', '-')} = {_toml(value)}")
        from forecaster.cli.fit import FIT_OPTIONS

        settable = {opt.param: opt for opt in FIT_OPTIONS if opt.param}  # what `fit --config` accepts
        for key, value in self.best_params.items():
            if key not in settable:
                continue
            if value is None:
                if FORECASTER_PARAMS[key].default is None:
                    continue
                value = "none"
            if isinstance(value, tuple | list) and not value:
                value = "none"
            if isinstance(value, bool) and settable[key].convert is not None:
                value = "yes" if value else "no"  # a yes|no flag, not an on/off switch
            lines.append(f"{key.replace('_', '-')} = {_toml(value)}")
        from forecaster.runs import atomic_file

        with atomic_file(path) as tmp, open(tmp, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return repr(float(value))
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value))  # a TOML basic string: JSON escapes are TOML escapes


def _keras_tuner() -> Any:
    try:
        import keras_tuner
    except ImportError:
        raise ForecasterError(
            'tuning needs KerasTuner; install it with pip install "forecaster[tune]" (or pip install keras-tuner).'
        ) from None
    return keras_tuner


def _training_frame(series: SeriesData, test: float, horizon: int) -> pd.DataFrame:
    """The rows before each series' test targets (the final fit's rule), as a frame ``fit`` reads."""
    parts = []
    for _, start, stop in series.segments():
        n = stop - start
        n_test = max(round(n * test), horizon)
        parts.append(np.arange(start, start + n - n_test))
    rows = np.concatenate(parts)
    keep = [i for i, c in enumerate(series.columns) if c not in CALENDAR_COLUMNS]
    frame = pd.DataFrame(series.values[rows][:, keep], columns=[series.columns[i] for i in keep])
    if series.dates is not None:
        frame.insert(0, series.date_col or "date", series.dates[rows])
    if series.ids is not None:
        frame.insert(0, series.id_col, series.ids[rows])
    return frame


def _width_choices(season: int, horizon: int, longest: int, val: float, test: float) -> list[int]:
    """Input widths worth trying: about one, two and four seasons (at least the horizon), that fit the data."""
    cap = max(horizon, int(longest * (1 - val - test)) // 2)
    widths = {max(horizon, season), max(2 * season, 2 * horizon, 16), max(4 * season, 2 * horizon)}
    kept = sorted(w for w in widths if w <= cap)
    return kept or [min(widths)]


def tune(
    data: Any,
    trials: int = 10,
    *,
    base: dict[str, Any] | None = None,
    target: Any = None,
    date_col: str | None = None,
    features: Any = None,
    id_col: str | None = None,
    seed: int | None = 0,
) -> TuneResult:
    """Search the Forecaster's settings with KerasTuner on validation windows of the training part.

    Args:
        data: CSV path or DataFrame, as for ``Forecaster.fit``.
        trials: settings tried (KerasTuner random search); at least 1.
        base: the other Forecaster settings (epochs, horizon, ...), kept fixed.
        target, date_col, features, id_col: the data settings of ``fit``.
        seed: seed of the search.

    Returns:
        A :class:`TuneResult`.

    Raises:
        ForecasterError: for a bad budget, bad data or settings, or KerasTuner missing.
    """
    from forecaster.config import is_int

    if not is_int(trials) or trials < 1:
        raise ForecasterError(f"`trials` must be an integer >= 1 (received trials={trials!r}).")
    base = {k: v for k, v in (base or {}).items()}
    validate_params(base)
    kt = _keras_tuner()
    from forecaster.evaluation.baselines import season_length
    from forecaster.forecaster import Forecaster
    from forecaster.logs import silence_retracing_warnings

    defaults = Forecaster(**base)
    series = load_series(
        data, target=target, date_col=date_col, features=features, id_col=id_col, fill=defaults.fill,
        sep=defaults.sep, decimal=defaults.decimal, dayfirst=defaults.dayfirst,
    )
    data_settings = {"target": target, "date_col": date_col, "features": features, "id_col": id_col}
    frame = _training_frame(series, defaults.test, defaults.horizon)
    season = int(season_length(series.freq))
    longest = max(stop - start for _, start, stop in series.segments())
    widths = _width_choices(season, defaults.horizon, int(longest * (1 - defaults.test)), defaults.val, defaults.test)
    skips = ["auto", "last", "mean", "none"] + (["seasonal"] if season > 1 else [])
    objective = "val_mase" if id_col is not None else "val_mae"
    feature_cols = [c for c in series.columns[len(series.targets):] if c not in CALENDAR_COLUMNS] or None

    def settings(hp: Any) -> dict[str, Any]:
        return {
            "cell": hp.Choice("cell", list(CELLS)),
            "units": (hp.Choice("units", [16, 32, 64]),) * hp.Choice("layers", [1, 2]),
            "input_width": hp.Choice("input_width", widths),
            "learning_rate": hp.Float("learning_rate", 3e-4, 1e-2, sampling="log"),
            "dropout": hp.Choice("dropout", [0.0, 0.1, 0.2]),
            "skip": hp.Choice("skip", skips),
        }

    class _Search(kt.RandomSearch):
        def run_trial(self, trial: Any, *args: Any, **kwargs: Any) -> float:
            params = {**base, **settings(trial.hyperparameters), "verbose": 0, "tensorboard": None}
            if "refit" in FORECASTER_PARAMS:  # the score is the held-out one; retraining on every row adds nothing
                params["refit"] = False
            fc = Forecaster(**params).fit(
                frame, target=list(series.targets), date_col=series.date_col, features=feature_cols,
                id_col=series.id_col,
            )
            metrics = fc.metrics_["model"]
            value = metrics.get("mase" if objective == "val_mase" else "mae", math.inf)
            return float(value) if math.isfinite(value) else 1e30

    folder = tempfile.mkdtemp(prefix="forecaster-tune-")
    try:
        search = _Search(
            # KerasTuner reads seed=0 as "no seed" and draws one: shift by one so 0 is a seed too
            max_trials=int(trials), seed=None if seed is None else int(seed) + 1, directory=folder,
            project_name="search", overwrite=True,
            max_consecutive_failed_trials=int(trials),
        )
        with silence_retracing_warnings():
            search.search(verbose=0)
        done = [t for t in search.oracle.trials.values() if t.score is not None]
        if not done:
            raise ForecasterError("no tuning trial finished; check the data and the fixed settings.")
        rows = []
        for t in done:
            hp = settings(t.hyperparameters)
            rows.append({"trial": int(t.trial_id), objective: float(t.score), **{k: hp[k] for k in SEARCHED}})
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    board = pd.DataFrame(rows).sort_values([objective, "trial"], kind="stable").reset_index(drop=True)
    board.index = pd.RangeIndex(1, len(board) + 1, name="rank")
    best = board.iloc[0]
    best_params = Forecaster(**base).get_params()
    best_params.update({k: best[k] for k in SEARCHED})
    best_params["units"] = tuple(int(u) for u in best_params["units"])
    best_params["input_width"] = int(best_params["input_width"])
    best_params.pop("verbose", None)
    return TuneResult(best_params, board, objective, data_settings)

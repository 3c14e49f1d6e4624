"""``forecaster tune``: a KerasTuner search of the Forecaster's settings; writes the best as a ``fit --config`` TOML."""

from __future__ import annotations

import argparse
import os
from typing import Any

from forecaster.cli.common import UsageError, _int, _say, import_tensorflow_quietly
from forecaster.cli.fit import FIT_OPTIONS, _add_options, fit_settings
from forecaster.errors import ForecasterError

# Settings the search chooses; the other fit flags stay fixed for every trial.
_SEARCHED_DESTS = ("cell", "units", "input_width", "lr", "dropout", "skip")
TUNE_OPTIONS = tuple(o for o in FIT_OPTIONS if o.dest not in ("out", "force", "tensorboard", *_SEARCHED_DESTS))


def _add_tune(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "tune",
        help="search cell, units, input width, learning rate, dropout and skip (KerasTuner)",
        description="Random search (KerasTuner) over the cell, units and layers, input width, learning rate, "
        "dropout and skip. The test part is cut off first; each trial is scored on validation windows of "
        "the training part. Prints a leaderboard and writes the best settings as a TOML file for "
        "`forecaster fit --config`. Needs pip install \"forecaster[tune]\".",
        argument_default=argparse.SUPPRESS,
        epilog="Then: forecaster fit --config best.toml --out runs/best",
    )
    parser.add_argument("--trials", type=_int, default=10, metavar="N", help="settings tried (default: 10)")
    _add_options(parser, TUNE_OPTIONS)
    parser.add_argument("--out", default="best.toml", metavar="FILE.toml",
                        help="where the best settings go (default: best.toml)")
    parser.add_argument("--force", action="store_true", default=False, help="replace an existing --out file (default: off)")
    parser.add_argument("--config", dest="config", metavar="run.toml", help="TOML file of fixed settings (default: none)")
    parser.set_defaults(handler=_run_tune)


def _run_tune(args: argparse.Namespace) -> int:
    trials, out, force = args.trials, args.out, args.force
    for name in ("trials", "out", "force"):
        delattr(args, name)
    settings = fit_settings(args)
    if settings["csv"] is None:
        raise UsageError("the following argument is required: --csv (or set csv in --config) (see 'forecaster tune --help').")
    if trials < 1:
        raise ForecasterError(f"`--trials` must be an integer >= 1 (received --trials {trials}).")
    if os.path.exists(out) and not force:
        raise ForecasterError(f"'{out}' already exists; pass --force to replace it.")
    from forecaster.config import validate_params
    from forecaster.tuning import _keras_tuner

    base = {o.param: settings[o.dest] for o in TUNE_OPTIONS if o.param}
    validate_params(base)
    import_tensorflow_quietly()
    _keras_tuner()  # a clear error before any work when KerasTuner is missing
    from forecaster.tuning import tune

    data = {k: settings[k] for k in ("target", "date_col", "features", "id_col")}
    result = tune(settings["csv"], trials, base=base, seed=settings.get("seed"), **data)
    board = result.leaderboard.copy()
    board["units"] = board["units"].map(lambda u: ",".join(str(v) for v in u))
    board["learning_rate"] = board["learning_rate"].map(lambda v: f"{v:.2e}")
    _say(f"leaderboard ({len(board)} trials, {result.objective}: raw-unit validation error on the training part):")
    for line in board.to_string().splitlines():
        _say("  " + line)
    result.to_toml(out, csv=settings["csv"])
    _say(f"best settings written to {out}; train with: forecaster fit --config {out}")
    return 0

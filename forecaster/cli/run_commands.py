"""``forecaster predict``, ``evaluate``, ``export`` and ``windows``: commands that read a run or a CSV."""

from __future__ import annotations

import argparse
from typing import Any

from forecaster.cli.common import (
    _check_run_out,
    _columns,
    _comparison_lines,
    _date_range_text,
    _float,
    _int,
    _is_panel,
    _load_run,
    _metrics_table,
    _panel_lines,
    _require_run_dir,
    _say,
    _write_csv_atomic,
    add_run_input,
    check_run_input,
)
from forecaster.errors import ForecasterError


def _add_predict(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "predict",
        help="forecast the horizon after a CSV's last row",
        description="Forecast the horizon after the last row of FILE with a trained run; "
        "writes the date column, the target columns and any interval columns as CSV.",
    )
    add_run_input(parser, out_help="output CSV (default: stdout)")
    parser.add_argument("--as-of", dest="as_of", metavar="DATE",
                        help="forecast from the last row at or before DATE (default: the last row)")
    parser.set_defaults(handler=_run_predict)


def _served_or_loaded(run_dir: str) -> Any:
    """The run served through its ``export/`` without Keras (fast start-up), else loaded with model.keras."""
    from forecaster.cli.serving import served_run

    fc = served_run(run_dir)
    return _load_run(run_dir) if fc is None else fc


def _run_predict(args: argparse.Namespace) -> int:
    check_run_input(args)
    fc = _served_or_loaded(args.model)
    _write_csv_atomic(fc.predict(args.csv, as_of=args.as_of), args.out)
    return 0


def _add_evaluate(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="model and baseline metrics on a CSV's last windows",
        description="Evaluate a trained run on the windows whose targets lie in the last test "
        "fraction of FILE; prints model and baseline metrics in raw units.",
    )
    add_run_input(parser)
    parser.add_argument("--json", action="store_true", help="print the full metrics as JSON (default: off)")
    parser.add_argument("--as-of", dest="as_of", metavar="DATE",
                        help="score the one forecast from the last row at or before DATE against the rows "
                        "that followed (default: the last test fraction's windows)")
    parser.set_defaults(handler=_run_evaluate)


def _run_evaluate(args: argparse.Namespace) -> int:
    check_run_input(args)
    fc = _served_or_loaded(args.model)
    metrics = fc.evaluate(args.csv, as_of=args.as_of)
    if args.json:
        from forecaster.runs import dumps_json

        _say(dumps_json(metrics))  # strict JSON: an undefined metric is null, never NaN
        return 0
    where = f" as of {args.as_of}" if args.as_of else ""
    if _is_panel(metrics):
        _say(f"{args.csv}{where}: {metrics['n_windows']} windows, horizon {fc.horizon}, season {metrics.get('season')} "
             "(pooled raw metrics omitted: series differ in scale)")
        for line in _panel_lines(metrics):
            _say("  " + line)
        return 0
    _say(f"{args.csv}{where}: {metrics['n_windows']} windows, horizon {fc.horizon}, season {metrics.get('season')} (raw units)")
    for line in _metrics_table(metrics, ("mse", "rmse", "mae", "mase")):
        _say("  " + line)
    for line in _comparison_lines(metrics):
        _say(line)
    return 0


def _add_export(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export",
        help="write the run's model as a self-contained SavedModel",
        description="Write a TensorFlow SavedModel whose `serve` signature takes raw "
        "float32[batch, input_width, n_features] windows and returns raw forecasts.",
    )
    add_run_input(parser, csv_help=None)
    parser.add_argument("--out", required=True, metavar="DIR", help="directory to create")
    parser.add_argument("--force", action="store_true", help="replace an existing export directory")
    parser.set_defaults(handler=_run_export)


def _run_export(args: argparse.Namespace) -> int:
    _require_run_dir(args.model)
    _check_run_out(args.out, args.force, marker="saved_model.pb")
    from forecaster.cli.serving import copy_export

    # the run's export/ was written by Forecaster.export at fit: copying it needs neither TensorFlow nor Keras
    meta = copy_export(args.model, args.out, args.force)
    if meta is not None:
        width, n_features, id_col = meta["input_width"], len(meta["columns"]), meta["id_col"]
        period = meta.get("seasonal_period")
    else:
        fc = _load_run(args.model)
        from forecaster.runs import atomic_directory

        with atomic_directory(args.out, overwrite=args.force) as tmp:
            fc.export(tmp)
        width, n_features, id_col = fc.input_width_, len(fc.columns_), fc.id_col_
        period = getattr(fc, "seasonal_period_", None)
    ids = ", series_id: string[batch]" if id_col is not None else ""
    if period is not None:  # a seasonally adjusted panel (see forecaster.json "signature")
        ids += f", phase: int32[batch] (season position 0-{period - 1} of the first forecast row; optional for the fit tails)"
    _say(f"SavedModel written to {args.out} (signature 'serve': window float32[batch, {width}, "
         f"{n_features}] raw units{ids} in, raw forecasts out)")
    return 0


def _add_windows(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "windows",
        help="show which rows form each window's input and target",
        description="Show how FILE is cut into (input, target) windows and how many windows "
        "fall in the train / validation / test parts. Needs no TensorFlow.",
    )
    parser.add_argument("--csv", required=True, metavar="FILE", help="CSV file")
    parser.add_argument("--input-width", type=_int, metavar="W",
                        help="rows of input per window (default: as fit chooses it, two seasons)")
    parser.add_argument("--horizon", type=_int, default=12, metavar="H", help="rows to forecast per window (default: 12)")
    parser.add_argument("--target", type=_columns, metavar="COL", help="target column(s) (default: detected)")
    parser.add_argument("--date-col", metavar="COL", help="date column (default: detected)")
    parser.add_argument("--features", metavar="a,b|all", help="extra input columns, as for fit (default: the targets only)")
    parser.add_argument("--id-col", metavar="COL", help="series id column of long-format data (default: none)")
    parser.add_argument("--val", type=_float, default=0.15, metavar="FRAC", help="validation fraction (default: 0.15)")
    parser.add_argument("--test", type=_float, default=0.15, metavar="FRAC", help="test fraction (default: 0.15)")
    parser.add_argument("--show", type=_int, default=3, metavar="N", help="windows shown at each end (default: 3)")
    parser.set_defaults(handler=_run_windows)


def _run_windows(args: argparse.Namespace) -> int:
    for flag, value, low in (("--input-width", args.input_width, 1), ("--horizon", args.horizon, 1), ("--show", args.show, 0)):
        if value is not None and value < low:
            raise ForecasterError(f"`{flag}` must be >= {low} (received {flag} {value}).")
    from forecaster.data.io import load_series
    from forecaster.data.split import chronological_split
    from forecaster.data.windowing import count_windows

    series = load_series(args.csv, target=args.target, date_col=args.date_col, features=args.features, id_col=args.id_col)
    horizon = args.horizon
    width = args.input_width
    if width is None:  # the rule Forecaster.fit uses, so the windows shown are the ones fit will cut
        from forecaster.forecaster import Forecaster

        width = Forecaster(horizon=horizon, val=args.val, test=args.test).default_input_width(series)
    segments = series.segments()
    totals = {"all": 0, "train": 0, "val": 0, "test": 0}
    shown = False
    for sid, start, stop in segments:
        n_rows = stop - start
        dates = None if series.dates is None else series.dates[start:stop]
        label = "" if sid is None else f"series {sid!r}: "
        n_windows = count_windows(n_rows, width, horizon)
        if n_windows == 0:
            raise ForecasterError(
                f"{label or 'series '}has {n_rows} rows; input_width + horizon = {width + horizon} are needed "
                "(use a smaller --input-width/--horizon)."
            )
        split = chronological_split(n_rows, width, horizon, val=args.val, test=args.test)
        parts = {name: getattr(split, name) for name in ("train", "val", "test")}
        counts = {name: count_windows(b - a, width, horizon) for name, (a, b) in parts.items()}
        totals["all"] += n_windows
        for name in counts:
            totals[name] += counts[name]
        if not shown:
            shown = True
            where = _date_range_text(dates, 0, n_rows)
            _say(f"{label}{args.csv}: {n_rows} rows ({where}), target {', '.join(series.targets)}, "
                 f"frequency {series.freq or 'none'}")
            _say(f"input_width {width} + horizon {horizon} -> {n_windows} windows (stride 1)")
            _print_windows(dates, n_windows, width, horizon, args.show)
            for name, (a, b) in parts.items():
                line = f"  {name:<5} {counts[name]:>6} windows"
                if counts[name]:
                    first = a + width  # first target row of the part
                    line += f"; targets {_date_range_text(dates, first, b)}"
                _say(line)
    if len(segments) > 1:
        _say(f"{len(segments)} series: {totals['all']} windows in all; "
             f"train {totals['train']} / val {totals['val']} / test {totals['test']}")
    else:
        _say(f"windows: train {totals['train']} / val {totals['val']} / test {totals['test']} "
             f"(val {args.val}, test {args.test})")
    return 0


def _print_windows(dates: Any, n_windows: int, width: int, horizon: int, show: int) -> None:
    index = list(range(n_windows))
    picked = index if n_windows <= 2 * show else index[:show] + [None] + index[-show:]
    pad = len(f"#{n_windows - 1}")
    for s in picked:
        if s is None:
            _say("  ...")
            continue
        inputs = _date_range_text(dates, s, s + width)
        target = _date_range_text(dates, s + width, s + width + horizon)
        _say(f"  {f'#{s}':<{pad}}  input {inputs} ({width} rows)  ->  target {target} ({horizon} rows)")

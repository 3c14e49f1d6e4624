"""The ``forecaster`` command line: a thin shell over :class:`forecaster.Forecaster`.

Commands (``forecaster COMMAND --help`` lists each one's flags)::

    forecaster fit      --csv FILE [--target COL] ... [--config run.toml] [--out RUN_DIR] [--force]
    forecaster predict  --model RUN_DIR --csv FILE [--out forecast.csv]
    forecaster evaluate --model RUN_DIR --csv FILE [--json]
    forecaster export   --model RUN_DIR --out DIR [--force]
    forecaster windows  --csv FILE --input-width W --horizon H

Rules every command follows:

* A user mistake (``ForecasterError``, or a usage problem caught by argparse)
  prints ``error: <one sentence>`` on stderr and exits 2, without a traceback.
  Bugs still raise. Ctrl-C exits 130; run directories are written atomically
  by ``Forecaster.save``, so an interrupted run leaves nothing behind.
* ``--help`` and ``--version`` import neither TensorFlow nor pandas. Commands
  import TensorFlow only when they need it, with its start-up log lines
  silenced (see :func:`import_tensorflow_quietly`).
* Results go to stdout; notes, warnings and errors go to stderr.

Adding a command: write ``_add_<name>(subparsers)`` that creates the
sub-parser and calls ``parser.set_defaults(handler=_run_<name>)``, write
``_run_<name>(args) -> int``, and append the adder to :data:`COMMANDS`.
Nested commands (``forecaster classify fit``) add their own sub-parsers
inside the adder in the same way.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from forecaster import __version__
from forecaster.errors import ForecasterError

PROG = "forecaster"
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

__all__ = ["COMMANDS", "build_parser", "import_tensorflow_quietly", "main"]


# ------------------------------------------------------------------ parser plumbing


class UsageError(ForecasterError):
    """A command-line usage problem (unknown flag, bad flag value, missing flag)."""


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors become ``UsageError`` (printed as ``error: ...``, exit 2)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help').")


def _int_list(text: str) -> tuple[int, ...]:
    """``"64,64"`` -> ``(64, 64)``."""
    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers such as 64,64 (received {text!r})") from None
    if not values:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers such as 64,64 (received {text!r})")
    return values


def _float_list(text: str) -> tuple[float, ...]:
    """``"0.1,0.5,0.9"`` -> ``(0.1, 0.5, 0.9)``."""
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers such as 0.1,0.5,0.9 (received {text!r})") from None
    if not values:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers such as 0.1,0.5,0.9 (received {text!r})")
    return values


def _columns(text: str) -> str | list[str]:
    """``"Close"`` -> ``"Close"``; ``"a,b"`` -> ``["a", "b"]`` (several targets)."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise argparse.ArgumentTypeError("expected a column name")
    return names[0] if len(names) == 1 else names


def _optional_float(text: str) -> float | None:
    if text.strip().lower() == "none":
        return None
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or 'none' (received {text!r})") from None


def _optional_int(text: str) -> int | None:
    if text.strip().lower() == "none":
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer or 'none' (received {text!r})") from None


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer (received {text!r})") from None


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number (received {text!r})") from None


@dataclass(frozen=True)
class Option:
    """One ``fit`` flag; ``dest`` is also its key in a ``--config`` TOML file.

    ``param`` names the ``Forecaster`` argument it sets (``None``: a data or
    run setting); ``convert`` parses the flag's text (``None``: an on/off flag).
    """

    flags: tuple[str, ...]
    dest: str
    help: str
    convert: Callable[[str], Any] | None = str
    param: str | None = None
    default: Any = None
    metavar: str | None = None
    choices: tuple[str, ...] | None = None


def _forecaster_default(name: str) -> Any:
    from forecaster.config import FORECASTER_PARAMS

    return FORECASTER_PARAMS[name].default


# The flags of `fit`, in --help order. Forecaster defaults come from forecaster.config.
FIT_OPTIONS: tuple[Option, ...] = (
    Option(("--csv",), "csv", "CSV file with a date column and numeric columns (required)", metavar="FILE"),
    Option(("--target",), "target", "column(s) to forecast, comma-separated (default: the only numeric "
           "column, or one named close/price/value/y/target)", _columns, metavar="COL"),
    Option(("--date-col",), "date_col", "date column (default: detected)", metavar="COL"),
    Option(("--features",), "features", "extra input columns: a,b or 'all' (default: the targets only)",
           metavar="a,b|all"),
    Option(("--id-col",), "id_col", "series id column of long-format data (one global model)", metavar="COL"),
    Option(("--calendar",), "calendar", "add day-of-week / day-of-year inputs", None, "calendar"),
    Option(("--fill",), "fill", "NaN handling: none (error), ffill or interpolate", param="fill",
           choices=("none", "ffill", "interpolate")),
    Option(("--cell",), "cell", "recurrent cell", param="cell", choices=("lstm", "gru", "rnn")),
    Option(("--units",), "units", "units per recurrent layer, e.g. 64,64", _int_list, "units", metavar="N,N"),
    Option(("--input-width",), "input_width", "rows of history per forecast (default: two seasons)",
           _optional_int, "input_width", metavar="W"),
    Option(("--horizon",), "horizon", "rows to forecast", _int, "horizon", metavar="H"),
    Option(("--head",), "head", "point forecast, quantiles or gaussian mean/std", param="head",
           choices=("point", "quantile", "gaussian")),
    Option(("--quantiles",), "quantiles", "quantile levels of --head quantile, e.g. 0.1,0.5,0.9",
           _float_list, "quantiles", metavar="Q,Q"),
    Option(("--skip",), "skip", "baseline the network corrects", param="skip",
           choices=("auto", "none", "last", "seasonal", "mean")),
    Option(("--scaling",), "scaling", "per-column scaling fit on the training part", param="scaling",
           choices=("standard", "minmax", "none")),
    Option(("--loss",), "loss", "loss of the point head", param="loss", choices=("mae", "mse", "huber")),
    Option(("--dropout",), "dropout", "dropout between recurrent layers", _float, "dropout", metavar="X"),
    Option(("--epochs",), "epochs", "maximum epochs (early stopping on val_loss)", _int, "epochs", metavar="N"),
    Option(("--patience",), "patience", "epochs without improvement before stopping", _int, "patience",
           metavar="N"),
    Option(("--batch-size",), "batch_size", "windows per batch", _int, "batch_size", metavar="B"),
    Option(("--optimizer",), "optimizer", "optimizer", param="optimizer", choices=("adam", "rmsprop", "sgd")),
    Option(("--lr", "--learning-rate"), "lr", "learning rate", _float, "learning_rate", metavar="X"),
    Option(("--clipnorm",), "clipnorm", "gradient clipping by global norm ('none' to disable)",
           _optional_float, "clipnorm", metavar="X"),
    Option(("--val",), "val", "fraction of rows for validation", _float, "val", metavar="FRAC"),
    Option(("--test",), "test", "fraction of rows for the test metrics", _float, "test", metavar="FRAC"),
    Option(("--ensemble",), "ensemble", "models (different seeds) averaged", _int, "ensemble", metavar="N"),
    Option(("--seed",), "seed", "random seed ('none' for a fresh one)", _optional_int, "seed", metavar="S"),
    Option(("--deterministic",), "deterministic", "TensorFlow op determinism: same seed and data give the "
           "same metrics on CPU (slower)", None, "deterministic"),
    Option(("--out",), "out", "run directory (default: runs/<target>-<YYYYmmdd-HHMMSS>)", metavar="RUN_DIR"),
    Option(("--force",), "force", "replace an existing run directory", None, default=False),
    Option(("--quiet",), "quiet", "no progress bar or notes", None, default=False),
)

CONFIG_ALIASES = {"learning_rate": "lr"}


def _add_options(parser: argparse.ArgumentParser, options: Sequence[Option]) -> None:
    for opt in options:
        kwargs: dict[str, Any] = {"dest": opt.dest, "help": opt.help}
        if opt.convert is None:
            kwargs["action"] = "store_true"
        else:
            kwargs.update(type=opt.convert, metavar=opt.metavar, choices=opt.choices)
            if opt.choices:
                kwargs.pop("metavar")
        parser.add_argument(*opt.flags, **kwargs)


# ------------------------------------------------------------------ TensorFlow start-up


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null (C++ log lines), then restore it."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_tensorflow_quietly() -> None:
    """Import TensorFlow and Keras without their start-up log lines.

    ``TF_CPP_MIN_LOG_LEVEL`` (unless the user set it) hides most C++ logs,
    but the absl / oneDNN / CUDA lines printed while TensorFlow loads and
    first initialises its devices bypass it, so file descriptor 2 points at
    /dev/null for exactly that stretch and is restored afterwards (later
    errors still show). absl logging is set to errors only.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if "tensorflow" in sys.modules and "keras" in sys.modules:
        return
    with _native_stderr_silenced(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import tensorflow as tf

        tf.config.list_logical_devices()  # first device initialisation
        import keras  # noqa: F401
    with contextlib.suppress(ImportError):
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)
    tf.get_logger().setLevel(logging.ERROR)


# ------------------------------------------------------------------ shared helpers


def _say(message: str = "") -> None:
    print(message, file=sys.stdout)


def _note(message: str) -> None:
    print(f"note: {message}", file=sys.stderr)


def _require_file(path: str, flag: str) -> None:
    if not os.path.exists(path):
        raise ForecasterError(f"file '{path}' does not exist; check the {flag} path.")
    if os.path.isdir(path):
        raise ForecasterError(f"'{path}' is a directory; {flag} needs a file.")


def _require_run_dir(path: str) -> None:
    """Cheap check (no TensorFlow) that ``path`` looks like a run directory."""
    if not os.path.isdir(path):
        raise ForecasterError(f"run directory '{path}' does not exist; pass the RUN_DIR that `forecaster fit` wrote.")
    if not os.path.isfile(os.path.join(path, "forecaster.json")):
        raise ForecasterError(
            f"'{path}' is not a forecaster run directory (no forecaster.json); "
            "pass the RUN_DIR that `forecaster fit` wrote."
        )


def _check_writable_parent(path: str) -> None:
    parent = os.path.dirname(os.path.abspath(path)) or "."
    if not os.path.isdir(parent):
        raise ForecasterError(f"the folder of '{path}' does not exist; create '{parent}' first.")
    if not os.access(parent, os.W_OK):
        raise ForecasterError(f"cannot write to '{parent}'; choose an --out in a folder you can write to.")


def _check_run_out(path: str, force: bool, marker: str = "forecaster.json") -> None:
    """Refuse an existing ``path`` unless ``--force`` and it holds ``marker`` (what we wrote)."""
    if os.path.lexists(path):
        if not force:
            raise ForecasterError(f"'{path}' already exists; choose another --out or pass --force to replace it.")
        if not os.path.isdir(path) or os.path.islink(path):
            raise ForecasterError(f"'{path}' exists and is not a directory; choose another --out.")
        if os.listdir(path) and not os.path.exists(os.path.join(path, marker)):
            raise ForecasterError(
                f"'{path}' is a non-empty directory that this tool did not write (no {marker}); "
                "--force only replaces its own output, choose another --out."
            )
    else:
        # The nearest existing ancestor must be a folder we can create entries in.
        ancestor = os.path.dirname(os.path.abspath(path))
        while not os.path.exists(ancestor):
            ancestor = os.path.dirname(ancestor)
        if not os.path.isdir(ancestor):
            raise ForecasterError(f"'{ancestor}' is a file, so --out '{path}' cannot be created; choose another --out.")
        if not os.access(ancestor, os.W_OK | os.X_OK):
            raise ForecasterError(f"cannot write to '{ancestor}'; choose an --out in a folder you can write to.")


def _default_run_dir(targets: Sequence[str]) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", "+".join(targets)).strip("._") or "run"
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return os.path.join("runs", f"{name}-{stamp}")


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _metrics_table(metrics: dict[str, Any], names: Sequence[str] = ("mse", "mae", "mase")) -> list[str]:
    rows = [("model", metrics["model"])] + list(metrics.get("baselines", {}).items())
    width = max(len(name) for name, _ in rows) + 2
    lines = [" " * width + "".join(f"{n.upper():>12}" for n in names)]
    for name, values in rows:
        lines.append(f"{name:<{width}}" + "".join(f"{_fmt(values.get(n)):>12}" for n in names))
    return lines


def _date_range_text(dates: Any, start: int, stop: int) -> str:
    """``2019-01-02 .. 2019-03-12`` for rows ``start..stop-1`` (or ``rows 0 .. 47``)."""
    if dates is None:
        return f"rows {start} .. {stop - 1}"

    def text(ts: Any) -> str:
        return str(ts.date()) if ts == ts.normalize() else str(ts)

    return f"{text(dates[start])} .. {text(dates[stop - 1])}"


# ------------------------------------------------------------------ fit


def _add_fit(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "fit",
        help="train a model on a CSV and write a run directory",
        description="Train a recurrent forecaster on FILE, print a summary and write an atomic run "
        "directory (model.keras, export/, forecaster.json, metrics.json, history.csv, forecast.csv, plots/).",
        argument_default=argparse.SUPPRESS,
        epilog="Any flag can also be set in --config run.toml, keyed by its long name "
        "(dashes or underscores, e.g. input-width = 48); flags given on the command line win.",
    )
    _add_options(parser, FIT_OPTIONS)
    parser.add_argument("--config", dest="config", metavar="run.toml", help="TOML file of settings (see below)")
    parser.set_defaults(handler=_run_fit)


def fit_settings(args: argparse.Namespace) -> dict[str, Any]:
    """Merge defaults < ``--config`` file < flags into one ``{dest: value}`` dict.

    Raises:
        ForecasterError: for an unreadable config file, an unknown key or a
            value of the wrong type.
    """
    given = {k: v for k, v in vars(args).items() if k not in ("handler", "config", "command")}
    from_file: dict[str, Any] = {}
    config_path = getattr(args, "config", None)
    if config_path is not None:
        from forecaster.config import load_toml

        from_file = _config_values(load_toml(config_path), config_path)
    settings: dict[str, Any] = {}
    for opt in FIT_OPTIONS:
        settings[opt.dest] = _forecaster_default(opt.param) if opt.param else opt.default
    settings.update(from_file)
    settings.update(given)
    return settings


def _config_values(raw: dict[str, Any], path: str) -> dict[str, Any]:
    by_dest = {opt.dest: opt for opt in FIT_OPTIONS}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        dest = CONFIG_ALIASES.get(key, key)
        opt = by_dest.get(dest)
        if opt is None:
            known = ", ".join(sorted(by_dest))
            raise ForecasterError(f"config file '{path}' has an unknown key `{key}`; known keys are: {known}.")
        values[dest] = _config_value(opt, key, value, path)
    return values


def _config_value(opt: Option, key: str, value: Any, path: str) -> Any:
    """A TOML value, converted like the flag's text (lists and numbers allowed)."""
    if opt.convert is None:
        if not isinstance(value, bool):
            raise ForecasterError(f"config key `{key}` in '{path}' must be true or false (received {value!r}).")
        return value
    if isinstance(value, list):
        text = ",".join(str(v) for v in value)
    elif isinstance(value, bool | dict):
        raise ForecasterError(f"config key `{key}` in '{path}' has a value of the wrong type ({value!r}).")
    else:
        text = str(value)
    try:
        converted = opt.convert(text)
    except argparse.ArgumentTypeError as exc:
        raise ForecasterError(f"config key `{key}` in '{path}': {exc}.") from None
    if opt.choices and converted not in opt.choices:
        raise ForecasterError(
            f"config key `{key}` in '{path}' must be one of {', '.join(opt.choices)} (received {value!r})."
        )
    return converted


def _run_fit(args: argparse.Namespace) -> int:
    settings = fit_settings(args)
    if settings["csv"] is None:
        raise UsageError("the following argument is required: --csv (or set csv in --config) (see 'forecaster fit --help').")
    from forecaster.config import validate_params

    params = {opt.param: settings[opt.dest] for opt in FIT_OPTIONS if opt.param}
    params["verbose"] = 0 if settings["quiet"] else (1 if sys.stdout.isatty() else 2)
    validate_params(params)
    out = settings["out"]
    if out is not None:
        _check_run_out(out, settings["force"])

    # Validate the data before the (slow) TensorFlow import: most mistakes surface here.
    from forecaster.data.io import load_series

    data_args = dict(
        target=settings["target"], date_col=settings["date_col"], features=settings["features"], id_col=settings["id_col"]
    )
    series = load_series(settings["csv"], fill=settings["fill"], **data_args)
    if out is None:
        out = _default_run_dir(series.targets)
        _check_run_out(out, settings["force"])
    if settings["deterministic"] and not settings["quiet"]:
        _note("--deterministic turns on TensorFlow op determinism; training is slower.")

    import_tensorflow_quietly()
    from forecaster.forecaster import Forecaster

    fc = Forecaster(**params).fit(settings["csv"], **data_args)
    fc.save(out, overwrite=settings["force"])
    _print_fit_summary(fc, settings["csv"], out)
    return 0


def _print_fit_summary(fc: Any, csv: str, out: str) -> None:
    series = fc.data_
    n_targets = len(fc.targets_)
    features = list(fc.columns_[n_targets:])
    columns = ", ".join(fc.targets_) + " (target)" + (f" + {', '.join(features)}" if features else "")
    n_series = len(series.segments())
    width = fc.input_width_
    rows = {"train": 0, "val": 0, "test": 0}
    for split in fc.split_:
        rows["train"] += split.train[1] - split.train[0]
        rows["val"] += max(0, split.val[1] - split.val[0] - width)
        rows["test"] += max(0, split.test[1] - split.test[0] - width)
    units = fc.units if isinstance(fc.units, int) else ",".join(str(u) for u in fc.units)
    best = fc.best_val_loss_
    training = f"{fc.n_epochs_} epoch{'s' if fc.n_epochs_ != 1 else ''} run"
    if best is not None:
        training += f", best val_loss {best:.4g}"
    elif fc.val > 0:
        training += ", validation part too small (epochs chosen on rolling origins)"
    else:
        training += ", no validation part (fixed epochs)"
    metrics = fc.metrics_
    _say(f"data      {csv}: {len(series.values)} rows" + (f" in {n_series} series" if n_series > 1 else "")
         + f"; columns {columns}; frequency {fc.freq_ or 'none (no dates)'}")
    _say(f"split     target rows train {rows['train']} / val {rows['val']} / test {rows['test']}")
    _say(f"model     {fc.cell.upper()} units {units}, input_width {width}, horizon {fc.horizon}, "
         f"head {fc.head}, skip {fc.skip_}, {fc.model_.count_params():,} parameters")
    _say(f"training  {training}")
    _say(f"test metrics ({metrics['n_windows']} windows, raw units):")
    for line in _metrics_table(metrics):
        _say("  " + line)
    _say(f"run directory: {out}")


# ------------------------------------------------------------------ predict / evaluate / export


def _add_predict(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "predict",
        help="forecast the horizon after a CSV's last row",
        description="Forecast the horizon after the last row of FILE with a trained run; "
        "writes the date column, the target columns and any interval columns as CSV.",
    )
    parser.add_argument("--model", required=True, metavar="RUN_DIR", help="run directory written by `forecaster fit`")
    parser.add_argument("--csv", required=True, metavar="FILE", help="CSV with the columns the model was fit on")
    parser.add_argument("--out", metavar="OUT.csv", help="output CSV (default: stdout)")
    parser.set_defaults(handler=_run_predict)


def _run_predict(args: argparse.Namespace) -> int:
    _require_run_dir(args.model)
    _require_file(args.csv, "--csv")
    if args.out is not None:
        if os.path.isdir(args.out):
            raise ForecasterError(f"'{args.out}' is a directory; --out needs a CSV file name.")
        _check_writable_parent(args.out)
    fc = _load_run(args.model)
    _write_csv_atomic(fc.predict(args.csv), args.out)
    return 0


def _load_run(path: str) -> Any:
    import_tensorflow_quietly()
    from forecaster.forecaster import load

    return load(path)


def _add_evaluate(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="model and baseline metrics on a CSV's last windows",
        description="Evaluate a trained run on the windows whose targets lie in the last test "
        "fraction of FILE; prints model and baseline metrics in raw units.",
    )
    parser.add_argument("--model", required=True, metavar="RUN_DIR", help="run directory written by `forecaster fit`")
    parser.add_argument("--csv", required=True, metavar="FILE", help="CSV with the columns the model was fit on")
    parser.add_argument("--json", action="store_true", help="print the full metrics as JSON")
    parser.set_defaults(handler=_run_evaluate)


def _run_evaluate(args: argparse.Namespace) -> int:
    _require_run_dir(args.model)
    _require_file(args.csv, "--csv")
    fc = _load_run(args.model)
    metrics = fc.evaluate(args.csv)
    if args.json:
        _say(json.dumps(metrics, indent=2, default=float))
        return 0
    _say(f"{args.csv}: {metrics['n_windows']} windows, horizon {fc.horizon}, season {metrics.get('season')} (raw units)")
    for line in _metrics_table(metrics, ("mse", "rmse", "mae", "mase")):
        _say("  " + line)
    return 0


def _add_export(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export",
        help="write the run's model as a self-contained SavedModel",
        description="Write a TensorFlow SavedModel whose `serve` signature takes raw "
        "float32[batch, input_width, n_features] windows and returns raw forecasts.",
    )
    parser.add_argument("--model", required=True, metavar="RUN_DIR", help="run directory written by `forecaster fit`")
    parser.add_argument("--out", required=True, metavar="DIR", help="directory to create")
    parser.add_argument("--force", action="store_true", help="replace an existing export directory")
    parser.set_defaults(handler=_run_export)


def _run_export(args: argparse.Namespace) -> int:
    _require_run_dir(args.model)
    _check_run_out(args.out, args.force, marker="saved_model.pb")
    fc = _load_run(args.model)
    out = os.path.abspath(args.out)
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f".{os.path.basename(out)}.tmp-", dir=parent)
    try:
        fc.export(os.path.join(staging, "export"))
        if os.path.exists(out):
            shutil.rmtree(out)
        os.replace(os.path.join(staging, "export"), out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _say(f"SavedModel written to {args.out} (signature 'serve': float32[batch, {fc.input_width_}, "
         f"{len(fc.columns_)}] raw units in, raw forecasts out)")
    return 0


# ------------------------------------------------------------------ windows


def _add_windows(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "windows",
        help="show which rows form each window's input and target",
        description="Show how FILE is cut into (input, target) windows and how many windows "
        "fall in the train / validation / test parts. Needs no TensorFlow.",
    )
    parser.add_argument("--csv", required=True, metavar="FILE", help="CSV file")
    parser.add_argument("--input-width", required=True, type=_int, metavar="W", help="rows of input per window")
    parser.add_argument("--horizon", required=True, type=_int, metavar="H", help="rows to forecast per window")
    parser.add_argument("--target", type=_columns, metavar="COL", help="target column(s) (default: detected)")
    parser.add_argument("--date-col", metavar="COL", help="date column (default: detected)")
    parser.add_argument("--id-col", metavar="COL", help="series id column of long-format data")
    parser.add_argument("--val", type=_float, default=0.15, metavar="FRAC", help="validation fraction (0.15)")
    parser.add_argument("--test", type=_float, default=0.15, metavar="FRAC", help="test fraction (0.15)")
    parser.add_argument("--show", type=_int, default=3, metavar="N", help="windows shown at each end (3)")
    parser.set_defaults(handler=_run_windows)


def _run_windows(args: argparse.Namespace) -> int:
    for flag, value, low in (("--input-width", args.input_width, 1), ("--horizon", args.horizon, 1), ("--show", args.show, 0)):
        if value < low:
            raise ForecasterError(f"`{flag}` must be >= {low} (received {flag} {value}).")
    from forecaster.data.io import load_series
    from forecaster.data.split import chronological_split
    from forecaster.data.windowing import count_windows

    series = load_series(args.csv, target=args.target, date_col=args.date_col, id_col=args.id_col)
    width, horizon = args.input_width, args.horizon
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


# ------------------------------------------------------------------ classify / generate


def _write_csv_atomic(frame: Any, path: str | None) -> None:
    """Write ``frame`` to ``path`` via a temporary sibling (stdout when ``path`` is None)."""
    if path is None:
        frame.to_csv(sys.stdout, index=False)
        return
    from forecaster.runs import atomic_file

    with atomic_file(path) as tmp:
        frame.to_csv(tmp, index=False)
    print(f"wrote {len(frame)} rows to {path}", file=sys.stderr)


def _check_csv_out(path: str | None) -> None:
    if path is None:
        return
    if os.path.isdir(path):
        raise ForecasterError(f"'{path}' is a directory; --out needs a CSV file name.")
    _check_writable_parent(path)


def _require_task_dir(path: str, marker: str, command: str) -> None:
    """Cheap check (no TensorFlow) that ``path`` is a run directory holding ``marker``."""
    if not os.path.isdir(path):
        raise ForecasterError(f"run directory '{path}' does not exist; pass the RUN_DIR that `{command}` wrote.")
    if not os.path.isfile(os.path.join(path, marker)):
        raise ForecasterError(f"'{path}' has no {marker}; pass the RUN_DIR that `{command}` wrote.")


def _add_classify(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "classify",
        help="sequence classification: fit / predict",
        description="Classify whole sequences (wide UCR-style CSV: a label column and one column per "
        "time step; or long CSV with --id-col) with recurrent layers.",
    )
    commands = parser.add_subparsers(dest="classify_command", metavar="COMMAND", parser_class=_Parser)

    fit = commands.add_parser(
        "fit",
        help="train a sequence classifier and write a run directory",
        description="Train on --train, report validation (and --test) accuracy, and write an atomic run "
        "directory (model.keras, export/, classifier.json, metrics.json, history.csv, plots/).",
    )
    fit.add_argument("--train", required=True, metavar="FILE", help="CSV of labelled training sequences")
    fit.add_argument("--test", metavar="FILE", help="CSV of labelled sequences to score after training")
    fit.add_argument("--label-col", default="label", metavar="COL", help="label column (default: label)")
    fit.add_argument("--id-col", metavar="COL", help="series id column: read the CSV in the long layout")
    fit.add_argument("--time-col", metavar="COL", help="time column of a long CSV (sorts the steps)")
    fit.add_argument("--cell", default="lstm", choices=("rnn", "lstm", "gru"), help="recurrent cell (default: lstm)")
    fit.add_argument("--units", default=(32,), type=_int_list, metavar="32", help="units per layer (default: 32)")
    fit.add_argument("--bidirectional", action="store_true", help="read sequences both ways")
    fit.add_argument("--epochs", default=50, type=_int, metavar="N", help="most epochs (default: 50)")
    fit.add_argument("--batch-size", default=32, type=_int, metavar="B", help="sequences per batch (default: 32)")
    fit.add_argument("--lr", default=1e-2, type=_float, metavar="X", help="learning rate (default: 0.01)")
    fit.add_argument("--seed", default=0, type=_int, metavar="S", help="random seed (default: 0)")
    fit.add_argument("--out", metavar="RUN_DIR", help="run directory (default: runs/classifier-<time>)")
    fit.add_argument("--force", action="store_true", help="replace an existing RUN_DIR written by this tool")
    fit.add_argument("--quiet", action="store_true", help="no progress output")
    fit.set_defaults(handler=_run_classify_fit)

    predict = commands.add_parser(
        "predict",
        help="label the sequences of a CSV with a trained classifier",
        description="Write one row per sequence: its id, the predicted label and one probability column "
        "per class (p_<class>).",
    )
    predict.add_argument("--model", required=True, metavar="RUN_DIR", help="run directory of `classify fit`")
    predict.add_argument("--csv", required=True, metavar="FILE", help="CSV of sequences (same layout as at fit)")
    predict.add_argument("--out", metavar="OUT.csv", help="output CSV (default: stdout)")
    predict.set_defaults(handler=_run_classify_predict)
    parser.set_defaults(handler=_run_classify_missing)


def _run_classify_missing(args: argparse.Namespace) -> int:
    raise UsageError("choose a classify command: fit or predict (see 'forecaster classify --help').")


def _run_classify_fit(args: argparse.Namespace) -> int:
    _require_file(args.train, "--train")
    if args.test is not None:
        _require_file(args.test, "--test")
    if (args.time_col is not None) and args.id_col is None:
        raise UsageError("--time-col needs --id-col (the long layout) (see 'forecaster classify fit --help').")
    out = args.out or os.path.join("runs", f"classifier-{_dt.datetime.now().strftime('%Y%m%d-%H%M%S')}")
    _check_run_out(out, args.force, marker="classifier.json")
    from forecaster.tasks.sequences import load_sequences

    roles = dict(label_col=args.label_col, id_col=args.id_col, time_col=args.time_col)
    train = load_sequences(args.train, **roles)  # validate the data before importing TensorFlow
    import_tensorflow_quietly()
    from forecaster.tasks.classification import SequenceClassifier

    clf = SequenceClassifier(
        args.cell,
        tuple(args.units),
        bidirectional=args.bidirectional,
        learning_rate=args.lr,
        epochs=args.epochs,
        batch_size=args.batch_size,
        seed=args.seed,
        verbose=0 if args.quiet else (1 if sys.stdout.isatty() else 2),
    )
    clf.fit(args.train, **roles)
    test = clf.evaluate(args.test) if args.test is not None else None
    clf.save(out, overwrite=args.force, metrics=test)
    _say(f"classifier: {args.cell} {','.join(map(str, args.units))} on {len(train)} sequences "
         f"x {clf.max_length_} steps x {clf.n_features_} feature(s); {len(clf.history_)} epochs")
    _say(f"classes: {', '.join(map(str, clf.classes_))}")
    if clf.val_metrics_ is not None:
        _say(f"validation accuracy: {clf.val_metrics_['accuracy']:.3f} ({clf.val_metrics_['n_sequences']} sequences)")
    if test is not None:
        _say(f"test accuracy: {test['accuracy']:.3f} ({test['n_sequences']} sequences)")
        for name, row in test["per_class"].items():
            _say(f"  {name}: precision {row['precision']:.3f}  recall {row['recall']:.3f}  f1 {row['f1-score']:.3f}")
    _say(f"run directory: {out}")
    return 0


def _run_classify_predict(args: argparse.Namespace) -> int:
    _require_task_dir(args.model, "classifier.json", "forecaster classify fit")
    _require_file(args.csv, "--csv")
    _check_csv_out(args.out)
    import_tensorflow_quietly()
    from forecaster.tasks.classification import load_classifier

    frame = load_classifier(args.model).predict_frame(args.csv)
    _write_csv_atomic(frame, args.out)
    return 0


def _add_generate(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="sample future paths from a probabilistic run (or text from a token generator)",
        description="Sample --paths futures of --steps rows from a run fitted with --head gaussian or "
        "quantile, feeding each draw back as input; writes path, date (or step) and target columns. "
        "A TokenGenerator run directory (generator.json) generates --steps characters after --prompt.",
    )
    parser.add_argument("--model", required=True, metavar="RUN_DIR", help="run directory")
    parser.add_argument("--paths", default=100, type=_int, metavar="N", help="number of paths (default: 100)")
    parser.add_argument("--steps", required=True, type=_int, metavar="S", help="rows (or characters) to generate")
    parser.add_argument("--csv", metavar="FILE", help="history to continue (default: the end of the fit data)")
    parser.add_argument("--seed", type=_int, metavar="S", help="seed of the draws (default: random)")
    parser.add_argument("--plot", metavar="FAN.png", help="also save a fan chart of the paths")
    parser.add_argument("--prompt", metavar="TEXT", help="start of the text (token generator runs)")
    parser.add_argument("--temperature", default=1.0, type=_float, metavar="T",
                        help="token sampling temperature, 0 = greedy (default: 1.0)")
    parser.add_argument("--out", metavar="OUT", help="output CSV / text file (default: stdout)")
    parser.set_defaults(handler=_run_generate)


def _run_generate(args: argparse.Namespace) -> int:
    if os.path.isfile(os.path.join(args.model, "generator.json")):
        if args.prompt is None:
            raise UsageError("a token generator run needs --prompt TEXT (see 'forecaster generate --help').")
        import_tensorflow_quietly()
        from forecaster.tasks.text import load_generator

        text = load_generator(args.model).generate(args.prompt, args.steps, args.temperature, seed=args.seed)
        if args.out is None:
            _say(args.prompt + text)
        else:
            _check_writable_parent(args.out)
            with open(args.out, "w", encoding="utf-8") as handle:
                handle.write(args.prompt + text)
        return 0
    _require_run_dir(args.model)
    if args.csv is not None:
        _require_file(args.csv, "--csv")
    _check_csv_out(args.out)
    if args.plot is not None:
        _check_writable_parent(args.plot)
    fc = _load_run(args.model)
    paths, frame = fc.sample(args.paths, args.steps, context=args.csv, seed=args.seed)
    _write_csv_atomic(frame, args.out)
    if args.plot is not None:
        from forecaster.tasks.sampling import plot_paths

        plot_paths(fc, paths, context=args.csv).savefig(args.plot, dpi=110, bbox_inches="tight")
        print(f"wrote the fan chart to {args.plot}", file=sys.stderr)
    return 0


COMMANDS: list[Callable[[Any], None]] = [_add_fit, _add_predict, _add_evaluate, _add_export, _add_windows, _add_classify, _add_generate]


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with one sub-parser per entry of :data:`COMMANDS`."""
    parser = _Parser(
        prog=PROG,
        description="Time-series forecasting with recurrent networks (SimpleRNN, LSTM, GRU) on Keras and TensorFlow.",
        epilog="Example: forecaster fit --csv data/prices.csv --target Close --horizon 12 --out runs/demo",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for add in COMMANDS:
        add(subparsers)
    for sub in subparsers.choices.values():
        sub.allow_abbrev = False
    return parser


def _show_warning(message: Any, category: type, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
    print(f"warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 user error, 130 interrupted).

    Args:
        argv: arguments without the program name (default: ``sys.argv[1:]``).

    Returns:
        The exit status. Only ``ForecasterError`` (user mistakes) is turned
        into ``error: ...``; anything else is a bug and raises.
    """
    parser = build_parser()
    try:
        args, extras = parser.parse_known_args(argv)
        if extras:
            where = f"{PROG} {args.command}" if getattr(args, "command", None) else PROG
            raise UsageError(f"unrecognized arguments: {' '.join(extras)} (see '{where} --help').")
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_USAGE
    except ForecasterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if getattr(args, "handler", None) is None:
        print(f"error: choose a command: {', '.join(_command_names(parser))} (see '{PROG} --help').", file=sys.stderr)
        return EXIT_USAGE
    log_handler = logging.StreamHandler(sys.stderr)
    log_handler.setFormatter(logging.Formatter("note: %(message)s"))
    package_logger = logging.getLogger("forecaster")
    quiet = bool(getattr(args, "quiet", False))
    package_logger.addHandler(log_handler)
    old_level, old_propagate = package_logger.level, package_logger.propagate
    package_logger.setLevel(logging.WARNING if quiet else logging.INFO)
    package_logger.propagate = False  # absl puts a handler on the root logger: no duplicates
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return int(args.handler(args))
    except ForecasterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted; nothing was written.", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        package_logger.removeHandler(log_handler)
        package_logger.setLevel(old_level)
        package_logger.propagate = old_propagate


def _command_names(parser: argparse.ArgumentParser) -> list[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices)
    return []


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

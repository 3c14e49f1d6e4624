"""``forecaster fit``: its flags (one table, defaults from ``forecaster.config``), ``--config`` files, the run."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from forecaster.cli.common import (
    UsageError,
    _check_run_out,
    _columns,
    _default_run_dir,
    _float,
    _float_list,
    _int,
    _int_list,
    _is_panel,
    _metrics_table,
    _note,
    _optional_float,
    _optional_int,
    _panel_lines,
    _say,
    _static_list,
    import_tensorflow_quietly,
    verbosity,
)
from forecaster.config import (
    CELLS,
    FILLS,
    HEADS,
    LOSSES,
    MODEL_CHOICES,
    OPTIMIZERS,
    SCALINGS,
    SKIPS,
)
from forecaster.errors import ForecasterError


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


def _yes_no(text: str) -> bool:
    """``--dayfirst yes|no`` (also true/false) as a bool."""
    answer = {"yes": True, "true": True, "y": True, "no": False, "false": False, "n": False}.get(text.strip().lower())
    if answer is None:
        raise argparse.ArgumentTypeError(f"expected yes or no, received {text!r}")
    return answer


def _auto_yes_no(text: str) -> bool | str:
    """``--calendar auto|yes|no``: ``"auto"`` or a bool."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        return _yes_no(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"expected auto, yes or no, received {text!r}") from None


def _or_auto(convert: Callable[[str], Any]) -> Callable[[str], Any]:
    """A converter that also takes ``auto`` (any case), e.g. ``--epochs N|auto``."""

    def parse(text: str) -> Any:
        return "auto" if text.strip().lower() == "auto" else convert(text)

    return parse


def _levels(text: str) -> tuple:
    """``--intervals 0.8,0.95`` (``none``: no intervals); the range is checked with the other settings."""
    return () if text.strip().lower() == "none" else _float_list(text)


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
    Option(("--static",), "static", "static covariates of a panel: columns constant within each series, "
           "e.g. region,size (needs --id-col)", _static_list, "static", metavar="a,b"),
    Option(("--id-embedding",), "id_embedding", "learn one input vector per series id (needs --id-col)", None,
           "id_embedding"),
    Option(("--seasonal-adjustment",), "seasonal_adjustment", "divide each seasonal series of a dated panel by its "
           "seasonal indices before the global fit and multiply the forecasts back: auto (monthly and quarterly panels), "
           "yes (any step with a season) or no",
           _auto_yes_no, "seasonal_adjustment", metavar="auto|yes|no"),
    Option(("--calendar",), "calendar", "calendar inputs the step calls for (hour of day, day of week, day of "
           "year): auto (on for a single dated series of a step of a day or less with a season), yes or no", _auto_yes_no,
           "calendar", metavar="auto|yes|no"),
    Option(("--fill",), "fill", "NaN and missing-timestamp handling: none (error), ffill or interpolate",
           param="fill", choices=FILLS),
    Option(("--sep",), "sep", "CSV column separator, e.g. ';' or '\\t' (default: detected)", param="sep",
           metavar="CHAR"),
    Option(("--decimal",), "decimal", "CSV decimal mark (default: detected)", param="decimal", choices=(".", ",")),
    Option(("--dayfirst",), "dayfirst", "01/02/2024-style dates are day-first (yes) or month-first (no) "
           "(default: detected)", _yes_no, "dayfirst", metavar="yes|no"),
    Option(("--cell",), "cell", "recurrent cell", param="cell", choices=CELLS),
    Option(("--units",), "units", "units per recurrent layer, e.g. 64,64", _int_list, "units", metavar="N,N"),
    Option(("--input-width",), "input_width", "rows of history per forecast (default: two seasons)",
           _optional_int, "input_width", metavar="W"),
    Option(("--horizon",), "horizon", "rows to forecast", _int, "horizon", metavar="H"),
    Option(("--head",), "head", "point forecast, quantiles or gaussian mean/std", param="head", choices=HEADS),
    Option(("--quantiles",), "quantiles", "quantile levels of --head quantile, e.g. 0.1,0.5,0.9",
           _float_list, "quantiles", metavar="Q,Q"),
    Option(("--skip",), "skip", "baseline the network corrects (mean: the input window's mean)", param="skip",
           choices=SKIPS),
    Option(("--window-scale",), "window_scale", "the network works in units of each input window's spread "
           "(needs a skip baseline)", None, "window_scale"),
    Option(("--choose",), "model", "median (default): forecast with the per-step median of the network, the linear "
           "model (ridge on the window) and the best baseline on validation (last value, window mean, seasonal naive, "
           "seasonal level, Theta), unless one is clearly better on validation; auto: whichever of them is better on "
           "validation; network: always the network", param="model",
           choices=MODEL_CHOICES),
    Option(("--intervals",), "intervals", "conformal interval levels calibrated out of sample, e.g. 0.8,0.95 "
           "('none': no intervals)", _levels, "intervals", metavar="L,L"),
    Option(("--seasons",), "seasons", "season lengths in rows, e.g. 24,168 (default: detected from the "
           "frequency and the training rows)", _int_list, "seasons", metavar="M,M"),
    Option(("--scaling",), "scaling", "per-column scaling fit on the training part", param="scaling",
           choices=SCALINGS),
    Option(("--loss",), "loss", "loss of the point head", param="loss", choices=LOSSES),
    Option(("--dropout",), "dropout", "dropout between recurrent layers", _float, "dropout", metavar="X"),
    Option(("--epochs",), "epochs", "maximum epochs (early stopping on val_loss; 'auto': 100, fewer above "
           "600,000 windows seen)", _or_auto(_int), "epochs",
           metavar="N|auto"),
    Option(("--patience",), "patience", "epochs without a 1%% val_loss gain before stopping", _int, "patience",
           metavar="N"),
    Option(("--batch-size",), "batch_size", "windows per batch ('auto': a quarter of the training windows "
           "within 16..64)", _or_auto(_int), "batch_size",
           metavar="B|auto"),
    Option(("--windows-per-epoch",), "windows_per_epoch", "training windows sampled per epoch ('none': every "
           "window; 'auto': sampled epochs above 4,096 windows); patience counts windows seen",
           _or_auto(_optional_int), "windows_per_epoch",
           metavar="N|auto|none"),
    Option(("--refit",), "refit", "after the held-out metrics, retrain on every row for the budget found and "
           "forecast with that model (no: forecast with the held-out model)", _yes_no, "refit", metavar="yes|no"),
    Option(("--optimizer",), "optimizer", "optimizer", param="optimizer", choices=OPTIMIZERS),
    Option(("--lr", "--learning-rate"), "lr", "learning rate", _float, "learning_rate", metavar="X"),
    Option(("--clipnorm",), "clipnorm", "gradient clipping by global norm ('none' to disable)",
           _optional_float, "clipnorm", metavar="X"),
    Option(("--val",), "val", "fraction of rows for validation", _float, "val", metavar="FRAC"),
    Option(("--test",), "test", "fraction of rows for the test metrics", _float, "test", metavar="FRAC"),
    Option(("--ensemble",), "ensemble", "models (different seeds) averaged", _int, "ensemble", metavar="N"),
    Option(("--seed",), "seed", "random seed ('none' for a fresh one)", _optional_int, "seed", metavar="S"),
    Option(("--deterministic",), "deterministic", "TensorFlow op determinism: same seed and data give the "
           "same metrics on CPU (slower)", None, "deterministic"),
    Option(("--holidays",), "holidays", "days a business-day series' future skips: infer (the weekdays its "
           "history skips every year), none, or a calendar such as USFederalHolidayCalendar or XNYS",
           param="holidays", metavar="NAME"),
    Option(("--label",), "label", "series name on the plots (default: the target column)", param="label",
           metavar="TEXT"),
    Option(("--tensorboard",), "tensorboard", "write Keras TensorBoard logs under DIR (one folder per run; "
           "view with tensorboard --logdir DIR)", param="tensorboard", metavar="DIR"),
    Option(("--out",), "out", "run directory (default: runs/<target>-<YYYYmmdd-HHMMSS>)", metavar="RUN_DIR"),
    Option(("--force",), "force", "replace an existing run directory", None, default=False),
    Option(("--quiet",), "quiet", "no progress bar or notes", None, default=False),
)

CONFIG_ALIASES = {"learning_rate": "lr"}


def _default_text(opt: Option) -> str:
    """`` (default: X)`` for every flag whose help does not already name it (Forecaster defaults from forecaster.config)."""
    if "default:" in opt.help or opt.dest == "csv":
        return ""
    if opt.convert is None:  # an on/off flag
        value = _forecaster_default(opt.param) if opt.param else opt.default
        return f" (default: {'on' if value else 'off'})"
    value = _forecaster_default(opt.param) if opt.param else opt.default
    if value is None:
        return " (default: none)"
    if isinstance(value, tuple):
        value = ",".join(str(v) for v in value)
    return f" (default: {value})"


def _add_options(parser: argparse.ArgumentParser, options: Sequence[Option]) -> None:
    for opt in options:
        kwargs: dict[str, Any] = {"dest": opt.dest, "help": opt.help + _default_text(opt)}
        if opt.convert is None:
            kwargs["action"] = "store_true"
        else:
            kwargs.update(type=opt.convert, metavar=opt.metavar, choices=opt.choices)
            if opt.choices:
                kwargs.pop("metavar")
        parser.add_argument(*opt.flags, **kwargs)


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
    parser.add_argument("--config", dest="config", metavar="run.toml", help="TOML file of settings (see below; default: none)")
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
    if isinstance(value, bool) and opt.convert in (_yes_no, _auto_yes_no):  # refit = true, calendar = false
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
    params["verbose"] = verbosity(settings["quiet"])
    validate_params(params)
    out = settings["out"]
    if out is not None:
        _check_run_out(out, settings["force"])

    # Validate the data before the (slow) TensorFlow import: most mistakes surface here.
    from forecaster.data.io import load_series

    data_args = dict(
        target=settings["target"], date_col=settings["date_col"], features=settings["features"], id_col=settings["id_col"]
    )
    read_args = {name: settings[name] for name in ("fill", "sep", "decimal", "dayfirst")}
    if params.get("static") or params.get("id_embedding"):
        _check_statics(settings, params)
    series = load_series(settings["csv"], **read_args, **data_args)
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


def _check_statics(settings: dict[str, Any], params: dict[str, Any]) -> None:
    """Static-covariate mistakes (no --id-col, a column varying within a series) before TensorFlow loads."""
    if settings["id_col"] is None:
        raise ForecasterError("--static and --id-embedding need a panel; pass --id-col.")
    from forecaster.data.io import read_table
    from forecaster.data.statics import fit_statics

    frame = read_table(settings["csv"], sep=settings["sep"], decimal=settings["decimal"])
    fit_statics(frame, settings["id_col"], params.get("static") or (), include_id=bool(params.get("id_embedding")))


def _print_fit_summary(fc: Any, csv: str, out: str) -> None:
    series = fc.data_
    n_targets = len(fc.targets_)
    from forecaster.data.calendar import CALENDAR_COLUMNS
    from forecaster.training.choice import used_label, used_mae

    features = [c for c in fc.columns_[n_targets:] if c not in CALENDAR_COLUMNS]
    calendar = sorted({c.split("_")[1] for c in fc.columns_ if c in CALENDAR_COLUMNS}, key="hour dow year".find)
    columns = ", ".join(fc.targets_) + " (target)" + (f" + {', '.join(features)}" if features else "")
    if calendar:  # one word per calendar input, not its sin / cos columns
        names = {"hour": "hour of day", "dow": "day of week", "year": "day of year"}
        columns += f"; calendar {', '.join(names[c] for c in calendar)}"
    n_series = len(series.segments())
    refit = getattr(fc, "refit_", None)
    width = fc._heldout_input_width()  # the split's windows
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
    used = (getattr(fc, "choice_", None) or {}).get("used", "network")
    network = getattr(fc, "heldout_model_", None) or fc.model_  # a refit network has as many
    role = {"network": f"{network.count_params():,} parameters", "median": "one of three in a median (see choice)"}
    _say(f"data      {csv}: {len(series.values)} rows" + (f" in {n_series} series" if n_series > 1 else "")
         + f"; columns {columns}; frequency {fc.freq_ or 'none (no dates)'}")
    _say(f"split     target rows train {rows['train']} / val {rows['val']} / test {rows['test']}")
    if not fc.n_epochs_:  # training.plans.short_series_plan
        _say(f"model     none trained: {len(series.values)} rows are too short to train the network and check it on "
             f"held-out windows; a window baseline forecasts, see choice (input_width {width}, horizon {fc.horizon})")
    else:
        _say(f"model     {fc.cell.upper()} units {units}, input_width {width}, horizon {fc.horizon}, "
             f"head {fc.head}, skip {fc.skip_}{', scaled per window' if fc.window_scale else ''}, "
             + role.get(used, "its forecast not used (see choice)"))
    period = getattr(fc, "seasonal_period_", None)
    if period is not None:
        adjusted = sum(sc.seasonal is not None for sc in fc.scalers_)
        _say(f"seasonal  {adjusted} of {len(fc.scalers_)} series seasonally adjusted before the fit (season {period}, "
             "indices from each series' last 10 seasons; metrics on the raw series)")
    if fc.n_epochs_:
        _say(f"training  {training}")
    if refit and "choice" not in refit:  # a short series' second choice is said with the first, below
        how = "one ridge solve" if refit.get("model") == "linear" else f"{refit['epochs']} epochs, batch {refit['batch_size']}"
        _say(f"refit     forecasts come from a model refit on all {refit['rows']} rows ({how}); "
             "the test metrics below are the held-out model's")
    choice = getattr(fc, "choice_", None)
    if choice and not fc.n_epochs_:  # no network: the baselines were compared on the windows before the test part
        _say(f"choice    {used_label(choice)} (MAE {used_mae(choice):.4g} on the {choice['windows']} window(s) before "
             "the test part, against the other window baselines)")
        if refit and "choice" in refit:  # training.choice.choose_on_every_row
            final = refit["choice"]
            _say(f"refit     forecasts come from {used_label(final)}, chosen again on all {final['windows']} window(s) "
                 f"through the last row (MAE {used_mae(final):.4g}); the test metrics below are the first choice's")
    elif choice:
        used = {"network": "the network", "linear": "the linear model",
                "median": f"the per-step median of the network, the linear model and {choice['baseline']}"}.get(
                    choice["used"], choice["used"])
        linear = choice.get("linear_val_mae")
        _say(f"choice    {used} (validation MAE: network {choice['network_val_mae']:.4g}, "
             + (f"linear {linear:.4g}, " if linear is not None else "")
             + f"best baseline {choice['baseline']} {choice['baseline_val_mae']:.4g}"
             + (f", median {choice['median_val_mae']:.4g}" if choice.get("median_val_mae") is not None else "")
             + f"; --choose {fc.model})")
        if refit and "test_mae" in refit:  # training.choice.history_plan_refit
            mae = refit["test_mae"]
            _say(f"refit     forecasts come from {used_label(refit['choice'])}, reading the latest {fc.input_width_} of "
                 f"{refit['rows']} rows: the window baselines over the history beat the held-out model on the test windows "
                 f"(MAE {mae['plan']:.4g} vs {mae['heldout']:.4g}); the test metrics below are the held-out model's")
    panel = _is_panel(metrics)
    if panel:
        _say(f"test metrics ({metrics['n_windows']} windows; pooled raw metrics omitted: series differ in scale):")
        for line in _panel_lines(metrics):
            _say("  " + line)
    else:
        _say(f"test metrics ({metrics['n_windows']} windows, raw units):")
        for line in _metrics_table(metrics):
            _say("  " + line)
    versus = metrics.get("vs_best_baseline")
    if versus and versus.get("mse_ratio") is not None and not panel:
        ratio = versus["mse_ratio"]
        verdict = f"beats it by {1 - ratio:.0%}" if ratio < 1 else f"loses to it by {ratio - 1:.0%}"
        _say(f"best baseline on test: {versus['baseline']}; the model's MSE is {ratio:.2f}x its MSE ({verdict})")
    for level in (metrics.get("intervals") or {}).values():
        _say(f"interval  {level['level']:.0%}: test coverage {level['coverage']:.1%}, mean width {level['mean_width']:.4g}")
    _say(f"run directory: {out}")

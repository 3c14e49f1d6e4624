"""Helpers shared by the command modules: parsing, TensorFlow start-up, checks of paths, output.

Nothing here imports TensorFlow or pandas at import time, so ``forecaster
--help`` stays fast.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import logging
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NoReturn

from forecaster.errors import ForecasterError

# ------------------------------------------------------------------ parser plumbing


class UsageError(ForecasterError):
    """A command-line usage problem (unknown flag, bad flag value, missing flag)."""


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors become ``UsageError`` (printed as ``error: ...``, exit 2)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help').")


def _list_of(convert: Callable[[str], Any], what: str, example: str) -> Callable[[str], tuple]:
    """A flag type for comma-separated values, e.g. ``"64,64"`` -> ``(64, 64)``."""

    def parse(text: str) -> tuple:
        try:
            values = tuple(convert(part) for part in text.split(",") if part.strip())
        except ValueError:
            values = ()
        if not values:
            raise argparse.ArgumentTypeError(f"expected comma-separated {what} such as {example} (received {text!r})")
        return values

    return parse


def _scalar(convert: Callable[[str], Any], what: str, optional: bool = False) -> Callable[[str], Any]:
    """A flag type for one number (``optional``: the text ``none`` gives ``None``)."""

    def parse(text: str) -> Any:
        if optional and text.strip().lower() == "none":
            return None
        try:
            return convert(text)
        except ValueError:
            expected = f"{what} or 'none'" if optional else what
            raise argparse.ArgumentTypeError(f"expected {expected} (received {text!r})") from None

    return parse


_int_list = _list_of(int, "integers", "64,64")
_float_list = _list_of(float, "numbers", "0.1,0.5,0.9")
_int = _scalar(int, "an integer")
_float = _scalar(float, "a number")
_optional_int = _scalar(int, "an integer", optional=True)
_optional_float = _scalar(float, "a number", optional=True)


def _columns(text: str) -> str | list[str]:
    """``"Close"`` -> ``"Close"``; ``"a,b"`` -> ``["a", "b"]`` (several targets)."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise argparse.ArgumentTypeError("expected a column name")
    return names[0] if len(names) == 1 else names


def add_run_input(
    parser: argparse.ArgumentParser,
    model_help: str = "run directory written by `forecaster fit`",
    csv_help: str | None = "CSV with the columns the model was fit on",
    out_help: str | None = None,
) -> None:
    """The ``--model RUN_DIR --csv FILE`` pair (and ``--out OUT.csv`` with ``out_help``) of commands that read a run.

    ``csv_help=None`` leaves out ``--csv`` (commands that read only the run, or take an optional CSV).
    """
    parser.add_argument("--model", required=True, metavar="RUN_DIR", help=model_help)
    if csv_help is not None:
        parser.add_argument("--csv", required=True, metavar="FILE", help=csv_help)
    if out_help is not None:
        parser.add_argument("--out", metavar="OUT.csv", help=out_help)


def check_run_input(args: argparse.Namespace, marker: str = "forecaster.json", command: str = "forecaster fit") -> None:
    """The cheap checks (no TensorFlow) of the flags of :func:`add_run_input`, before a run is loaded.

    ``--model`` must be a run directory holding ``marker`` (written by ``command``),
    ``--csv`` (when given) an existing file, and ``--out`` (when the command has it) a CSV name
    in a folder that can be written.
    """
    if marker == "forecaster.json":
        _require_run_dir(args.model)
    else:
        _require_task_dir(args.model, marker, command)
    if getattr(args, "csv", None) is not None:
        _require_file(args.csv, "--csv")
    _check_csv_out(getattr(args, "out", None))


def verbosity(quiet: bool) -> int:
    """Keras verbosity of a training command: silent with --quiet, bars on a terminal, else one line per epoch."""
    return 0 if quiet else (1 if sys.stdout.isatty() else 2)


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


# ------------------------------------------------------------------ checks and output


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
        from forecaster.runs import run_directory

        run_directory(path)  # raises a true sentence: a file, a missing path, or a run left aside
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


def _static_list(text: str) -> list[str]:
    """``"region,size"`` -> ``["region", "size"]`` (static columns of a panel)."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise argparse.ArgumentTypeError("expected column names, e.g. region,size")
    return names


def _panel_lines(metrics: dict[str, Any], show: int = 3) -> list[str]:
    """A panel's test report: MASE over series (mean, median), pooled raw metrics only when units agree,
    and the best and worst ``show`` series by MASE."""
    rows = [r for r in metrics.get("series_table") or [] if r.get("mase") is not None]
    if not rows:
        return []
    agg = metrics.get("aggregate", {})
    lines = [f"per series ({len(metrics['series_table'])} series; MASE: each series' errors over its own seasonal-naive scale):"]
    width = max(len(name) for name in agg) + 2
    lines.append(" " * width + f"{'MEAN MASE':>12}{'MEDIAN MASE':>13}")
    for name, values in agg.items():
        lines.append(f"{name:<{width}}{_fmt(values.get('mase_mean')):>12}{_fmt(values.get('mase_median')):>13}")
    for label in ("seen", "unseen"):
        part = metrics.get(f"aggregate_{label}")
        if part:
            model = part.get("model", {})
            lines.append(f"{label} series ({part['n_series']}): model MASE mean {_fmt(model.get('mase_mean'))}, "
                         f"median {_fmt(model.get('mase_median'))}")
    ranked = sorted(rows, key=lambda r: r["mase"])
    base = next((k for k in ranked[0] if k.endswith("_mase") and k != "mase"), None)

    def row_text(r: dict[str, Any]) -> str:
        extra = f" ({base.removesuffix('_mase')} {_fmt(r.get(base))})" if base else ""
        return f"{r['series']} MASE {_fmt(r['mase'])}{extra}"

    n = min(show, len(ranked))
    lines.append("best:  " + "; ".join(row_text(r) for r in ranked[:n]))
    lines.append("worst: " + "; ".join(row_text(r) for r in ranked[::-1][:n]))
    return lines


def _is_panel(metrics: dict[str, Any]) -> bool:
    """Several series: raw metrics pooled across them mix units, so they are left out of the summary."""
    return len(metrics.get("series_table") or []) > 1


def _comparison_lines(metrics: dict[str, Any]) -> list[str]:
    """The best baseline on test with the model's MSE ratio to it, and each conformal level's coverage."""
    lines = []
    versus = metrics.get("vs_best_baseline")
    if versus and versus.get("mse_ratio") is not None and not _is_panel(metrics):  # pooled MSE mixes scales
        ratio = versus["mse_ratio"]
        verdict = f"beats it by {1 - ratio:.0%}" if ratio < 1 else f"loses to it by {ratio - 1:.0%}"
        if abs(ratio - 1) < 0.005:
            verdict = "a tie"
        lines.append(f"best baseline on test: {versus['baseline']}; the model's MSE is {ratio:.2f}x its MSE ({verdict})")
    for level in (metrics.get("intervals") or {}).values():
        lines.append(f"interval  {level['level']:.0%}: test coverage {level['coverage']:.1%}, mean width {level['mean_width']:.4g}")
    return lines


def _date_range_text(dates: Any, start: int, stop: int) -> str:
    """``2019-01-02 .. 2019-03-12`` for rows ``start..stop-1`` (or ``rows 0 .. 47``)."""
    if dates is None:
        return f"rows {start} .. {stop - 1}"

    def text(ts: Any) -> str:
        return str(ts.date()) if ts == ts.normalize() else str(ts)

    return f"{text(dates[start])} .. {text(dates[stop - 1])}"


def _load_run(path: str) -> Any:
    import_tensorflow_quietly()
    from forecaster.forecaster import load

    return load(path)


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

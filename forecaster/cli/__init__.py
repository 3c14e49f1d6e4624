"""The ``forecaster`` command line: a thin shell over :class:`forecaster.Forecaster`.

Commands (``forecaster COMMAND --help`` lists each one's flags)::

    forecaster fit      --csv FILE [--target COL] ... [--config run.toml] [--out RUN_DIR] [--force]
    forecaster predict  --model RUN_DIR --csv FILE [--out forecast.csv]
    forecaster evaluate --model RUN_DIR --csv FILE [--json]
    forecaster export   --model RUN_DIR --out DIR [--force]
    forecaster windows  --csv FILE [--input-width W] [--horizon H]
    forecaster tune     --csv FILE --trials N [--out best.toml]

Rules every command follows:

* A user mistake (``ForecasterError``, or a usage problem caught by argparse)
  prints ``error: <one sentence>`` on stderr and exits 2, without a traceback.
  Bugs still raise. Ctrl-C exits 130; run directories are written atomically
  by ``Forecaster.save``, so an interrupted run leaves nothing behind.
* ``--help`` and ``--version`` import neither TensorFlow nor pandas. Commands
  import TensorFlow only when they need it, with its start-up log lines
  silenced (see :func:`import_tensorflow_quietly`).
* Results go to stdout; notes, warnings and errors go to stderr.

Modules: :mod:`~forecaster.cli.common` (shared helpers),
:mod:`~forecaster.cli.fit`, :mod:`~forecaster.cli.run_commands` (predict,
evaluate, export, windows) and :mod:`~forecaster.cli.tasks` (classify,
generate).

Adding a command: write ``_add_<name>(subparsers)`` that creates the
sub-parser and calls ``parser.set_defaults(handler=_run_<name>)``, write
``_run_<name>(args) -> int`` in the module of its group, and append the adder
to :data:`COMMANDS`. Nested commands (``forecaster classify fit``) add their
own sub-parsers inside the adder in the same way.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from forecaster import __version__
from forecaster.cli.common import UsageError, _Parser, import_tensorflow_quietly
from forecaster.cli.fit import FIT_OPTIONS, _add_fit, fit_settings
from forecaster.cli.run_commands import _add_evaluate, _add_export, _add_predict, _add_windows
from forecaster.cli.tasks import _add_classify, _add_generate
from forecaster.cli.tune import _add_tune
from forecaster.errors import ForecasterError

PROG = "forecaster"
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

__all__ = ["COMMANDS", "FIT_OPTIONS", "UsageError", "build_parser", "fit_settings", "import_tensorflow_quietly", "main"]


COMMANDS: list[Callable[[Any], None]] = [
    _add_fit, _add_predict, _add_evaluate, _add_export, _add_windows, _add_tune, _add_classify, _add_generate,
]


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
        from forecaster.runs import committed

        written = committed()  # an interrupt can land after an atomic write completed
        if written:
            print(f"interrupted after {', '.join(written)} was completely written.", file=sys.stderr)
        else:
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

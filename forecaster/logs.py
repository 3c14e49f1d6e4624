"""Quiet TensorFlow by default, so scripts and notebooks show only the toolkit's own output.

``import forecaster`` calls :func:`quiet_tensorflow`, which imports nothing
heavy. It sets ``TF_CPP_MIN_LOG_LEVEL=2`` unless the user set it, and when
TensorFlow is first imported (by the toolkit or by the user) it

- drops TensorFlow's start-up lines from the native stderr: the absl
  "before InitializeLog" banner, the oneDNN / CPU-instruction / "Could not find
  cuda drivers" notices and the ``failed call to cuInit`` error on machines
  without a GPU. ``TF_CPP_MIN_LOG_LEVEL`` cannot hide them (TensorFlow logs them
  while its library loads); every other line is passed through unchanged;
- sets the ``tensorflow`` and ``absl`` Python loggers to ``ERROR`` (Jupyter
  would otherwise get TensorFlow's INFO level);
- on a machine without a GPU, where TensorFlow uses its oneDNN CPU kernels,
  turns off Grappler's ``remapping`` optimizer (op fusion). Its oneDNN fusion
  breaks on a ReLU inside a recurrent loop (e.g. ``SimpleRNN(activation="relu")``
  under ``tf.function`` / ``fit``) and TensorFlow then prints ``E0000 ...
  tfg_optimizer_hook.cc] ... has an empty op name`` and ``meta_optimizer.cc]
  remapper failed: NOT_FOUND: Op type not registered ''`` each time such a graph
  is optimized. The lines are harmless (the graph runs unfused) but come at run
  time, long after the start-up filter, and a run-time filter would need a
  permanent pipe on file descriptor 2 (it makes stderr a non-terminal and loses
  the last lines of a crash). Measured on CPU without remapping: the toolkit's
  LSTM / SimpleRNN / GRU forecasters, its convolutional classifier and a small
  Keras CNN train as fast and reach the same losses. With a GPU (not measured,
  and the failing fusion is oneDNN's) or ``TF_ENABLE_ONEDNN_OPTS=0`` the
  optimizer stays on; a later ``tf.config.optimizer.set_experimental_options``
  call wins.

To see TensorFlow's logs again, set ``FORECASTER_TF_LOGS=1`` (or
``TF_CPP_MIN_LOG_LEVEL=0`` / ``1``) in the environment before starting Python,
or call ``forecaster.set_log_level("INFO")`` before TensorFlow is first used
(the Python loggers follow it at any time; native lines only before TensorFlow
loads, because TensorFlow reads its level once).

Example:
    >>> import logging
    >>> set_log_level("WARNING"); logging.getLogger("tensorflow").level == logging.WARNING
    True
    >>> set_log_level("ERROR")
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
from collections.abc import Iterator
from typing import Any

from forecaster.errors import ForecasterError

__all__ = ["ENV_VAR", "quiet_tensorflow", "set_log_level", "silence_retracing_warnings"]

ENV_VAR = "FORECASTER_TF_LOGS"

_LEVELS = {
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
    "CRITICAL": logging.CRITICAL,
}
# Python level -> TF_CPP_MIN_LOG_LEVEL (0 all, 1 no INFO, 2 no WARNING, 3 no ERROR)
_NATIVE = {
    logging.DEBUG: "0",
    logging.INFO: "0",
    logging.WARNING: "1",
    logging.ERROR: "2",
    logging.CRITICAL: "3",
}

# Native lines TensorFlow prints while its library loads or first looks for a GPU.
# INFO/WARNING lines (absl "I0101 12:00:00.000 123 file.cc:1]" or the older
# "2025-01-01 12:00:00.000: I file.cc:1]" form) are what TF_CPP_MIN_LOG_LEVEL=2
# means to hide; of the ERROR lines only the known no-GPU noise is dropped.
_NOISE = re.compile(
    r"^(?:"
    r"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[IW]\d{4} [\d:.]+ +\d+ [^\]]+\]"
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IW] "
    r"|(?:E\d{4} [\d:.]+ |\d{4}-\d\d-\d\d [\d:.]+: E ).*(?:failed call to cuInit|Unable to register cu\w+ factory)"
    r"|To enable the following instructions: .*rebuild TensorFlow with the appropriate compiler flags"
    r")"
)
_RETRACING = "triggered tf.function retracing"

_state: dict[str, Any] = {"level": logging.ERROR, "finder": None}


def _wants_tf_logs() -> bool:
    """True when the environment asks for TensorFlow's logs (then nothing is changed)."""
    flag = os.environ.get(ENV_VAR, "").strip().lower()
    if flag in ("1", "true", "yes", "on"):
        return True
    native = os.environ.get("TF_CPP_MIN_LOG_LEVEL", "").strip()
    return native in ("0", "1")


def _is_noise(line: str) -> bool:
    return _NOISE.match(line) is not None


@contextlib.contextmanager
def _filtered_native_stderr() -> Iterator[None]:
    """Route file descriptor 2 to a temporary file, then write back every line that is not noise."""
    import tempfile  # here, not at module level: ``import forecaster`` stays light

    try:
        saved = os.dup(2)
    except OSError:  # no stderr descriptor (some embedded interpreters)
        yield
        return
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            text = tmp.read().decode("utf-8", errors="replace")
            kept = "".join(line for line in text.splitlines(keepends=True) if not _is_noise(line))
            if kept:
                os.write(2, kept.encode("utf-8", errors="replace"))


def _apply_python_levels() -> None:
    """Set the TensorFlow and absl Python loggers to the chosen level (imports neither)."""
    level = _state["level"]
    tf = sys.modules.get("tensorflow")
    if tf is not None:
        with contextlib.suppress(Exception):
            tf.get_logger()  # its first call sets INFO in interactive sessions; set ours after it
    logging.getLogger("tensorflow").setLevel(level)
    logging.getLogger("absl").setLevel(level)  # what absl.logging.set_verbosity sets


def _after_tensorflow_import(tf: Any) -> None:
    """Settle TensorFlow's Python logger and trigger its GPU probe while stderr is filtered."""
    _apply_python_levels()
    # Looking for GPUs prints "failed call to cuInit" on machines without one; doing it
    # now keeps that line inside the filter. It does not initialize the runtime, so
    # set_visible_devices, memory growth and threading can still be configured.
    with contextlib.suppress(Exception):
        tf.config.list_physical_devices()
    _skip_failing_fusion(tf)


def _skip_failing_fusion(tf: Any) -> None:
    """Turn off Grappler's remapper on oneDNN CPUs: its ReLU-in-a-loop fusion fails with ERROR lines.

    See the module docstring; this only edits the eager context's options (no runtime start).
    """
    if os.environ.get("TF_ENABLE_ONEDNN_OPTS", "").strip().lower() in ("0", "false"):
        return  # no oneDNN fusions, nothing fails
    with contextlib.suppress(Exception):
        if not tf.config.list_physical_devices("GPU"):
            tf.config.optimizer.set_experimental_options({"remapping": False})


class _QuietTensorFlowImport:
    """A ``sys.meta_path`` finder that wraps the first ``import tensorflow`` in :func:`_filtered_native_stderr`."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != "tensorflow" or _wants_tf_logs() or _state["level"] < logging.ERROR:
            return None
        spec = None
        for finder in sys.meta_path:
            if finder is self:
                continue
            find = getattr(finder, "find_spec", None)
            if find is not None and (spec := find(fullname, path, target)) is not None:
                break
        loader = getattr(spec, "loader", None)
        exec_module = getattr(loader, "exec_module", None)
        if exec_module is None:
            return spec

        def quiet_exec_module(module: Any) -> None:
            self.remove()  # once: later imports find TensorFlow in sys.modules
            with _filtered_native_stderr():
                exec_module(module)
                _after_tensorflow_import(module)

        with contextlib.suppress(AttributeError, TypeError):  # this loader instance, not its class
            loader.exec_module = quiet_exec_module
        return spec

    def remove(self) -> None:
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(self)
        if _state["finder"] is self:
            _state["finder"] = None


def quiet_tensorflow() -> None:
    """Quiet TensorFlow's logging unless the environment asks for it; called by ``import forecaster``.

    Imports nothing heavy: the work happens when TensorFlow is first imported.
    """
    if _wants_tf_logs():
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    _state["level"] = logging.ERROR
    _apply_python_levels()
    if "tensorflow" in sys.modules:  # imported before forecaster: its start-up lines are out
        with _filtered_native_stderr():  # the GPU probe may print "failed call to cuInit"
            _skip_failing_fusion(sys.modules["tensorflow"])
    elif _state["finder"] is None:
        finder = _QuietTensorFlowImport()
        _state["finder"] = finder
        sys.meta_path.insert(0, finder)


def set_log_level(level: str | int) -> None:
    """Set how much TensorFlow, absl and Keras log: "DEBUG", "INFO", "WARNING" or "ERROR" (the default).

    The Python loggers change at once; TensorFlow's native (C++) lines follow
    only when this is called before TensorFlow is first imported.

    Raises:
        ForecasterError: on an unknown level.
    """
    if isinstance(level, str) and level.strip().upper() in _LEVELS:
        value = _LEVELS[level.strip().upper()]
    elif isinstance(level, int) and not isinstance(level, bool) and level in _NATIVE:
        value = level
    else:
        raise ForecasterError(
            f"unknown log level {level!r}; use one of {', '.join(_LEVELS)} (or a logging constant)."
        )
    _state["level"] = value
    _apply_python_levels()
    if "tensorflow" not in sys.modules:
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = _NATIVE[value]
        if value < logging.ERROR and _state["finder"] is not None:
            _state["finder"].remove()
        elif value >= logging.ERROR and _state["finder"] is None:
            finder = _QuietTensorFlowImport()
            _state["finder"] = finder
            sys.meta_path.insert(0, finder)


class _DropRetracing(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return _RETRACING not in record.getMessage()


@contextlib.contextmanager
def silence_retracing_warnings() -> Iterator[None]:
    """Drop TensorFlow's "triggered tf.function retracing" warnings inside the block.

    For loops that build a fresh model per step (refitting backtests, tuning):
    each new model traces its functions once, which TensorFlow counts as
    retracing of the same Python code and warns about although nothing is wrong.
    Every other TensorFlow message still goes through.
    """
    drop = _DropRetracing()
    logger = logging.getLogger("tensorflow")
    logger.addFilter(drop)
    try:
        yield
    finally:
        logger.removeFilter(drop)

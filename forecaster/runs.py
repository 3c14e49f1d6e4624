"""Run directories: atomic writes, JSON (finite, versioned, with a ``kind``), and reading them back.

Every writer of the package goes through :func:`atomic_directory` (a run
directory) or :func:`atomic_file` (one output file such as a forecast CSV):
the content is written to a temporary sibling and renamed into place at the
end, so a failed or interrupted write leaves nothing half-written.

Each run directory holds one JSON file naming its ``kind``:

=======================  ===================  ===========================================
kind                     JSON file            loader
=======================  ===================  ===========================================
``forecaster``           ``forecaster.json``  :func:`load_forecaster`
``sequence_classifier``  ``classifier.json``  ``forecaster.tasks.classification.load_classifier``
``token_generator``      ``generator.json``   ``forecaster.tasks.text.load_generator``
=======================  ===================  ===========================================

:func:`load` reads any of them. Runs written before the ``kind`` key existed
(format version 1 forecasters) are recognised by their JSON file name.

Guarantees (the protocol is in docs/design-notes.md, "Atomic run directories"):
a run path holds either a complete run or nothing, and while a run is
replaced (``overwrite=True`` / ``--force``) it holds the complete old run
until the one instant the complete new run takes its place. Of concurrent
writers without ``overwrite`` one wins and the others get "already exists".
Reading validates everything it trusts: the JSON schema (types, ranges,
required keys, size and nesting), the scaler statistics (finite, scale > 0),
the Keras model (safe mode; its shapes against the JSON), so a damaged or
tampered run directory is one ``ForecasterError`` naming the file.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as _dt
import errno
import functools
import json
import math
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from typing import Any

from forecaster.errors import ForecasterError

try:
    import fcntl
except ImportError:  # not POSIX: no locks, renames alone
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "FORMAT_VERSION",
    "RUN_FILES",
    "atomic_directory",
    "atomic_file",
    "committed",
    "dumps_json",
    "check_forecaster_meta",
    "forecaster_metadata",
    "load",
    "load_forecaster",
    "load_keras_model",
    "read_json",
    "read_run",
    "read_run_json",
    "run_directory",
    "check_format_version",
    "run_kind",
    "save_forecaster",
    "versions",
    "write_json",
]

FORMAT_VERSION = 1  # of forecaster.json
# kind -> the JSON file that describes a run of that kind
RUN_FILES = {
    "forecaster": "forecaster.json",
    "sequence_classifier": "classifier.json",
    "token_generator": "generator.json",
}


# ------------------------------------------------------------------ atomic writes
#
# Replacement protocol (docs/design-notes.md, "Atomic run directories"):
#   1. write the new run into a fresh sibling ``.NAME.tmp-PID-XXXX`` (flock held on it);
#   2. under an flock on the parent folder, with SIGINT/SIGTERM/SIGHUP blocked:
#      remove provably stale siblings, then either rename the new run into the
#      free name, or swap it with the old run in one renameat2(RENAME_EXCHANGE)
#      (Linux), or where that is unsupported move the old run aside to
#      ``.NAME.old-PID-XXXX`` and the new one in;
#   3. release the lock and delete the old run.
# A writer killed before step 2 leaves only its own temp sibling (stale once
# its process is gone); one killed inside the two-rename fallback leaves the
# old run under ``.NAME.old-PID-*``, which the next writer renames back.

_ENV_ERRNOS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EFBIG: "a file grew beyond the allowed size (disk full or file size limit)",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission was denied",
    errno.EPERM: "the operation was not permitted",
}
_ENV_PHRASES = {
    "no space left on device": errno.ENOSPC,
    "disk quota exceeded": errno.EDQUOT,
    "file too large": errno.EFBIG,
    "read-only file system": errno.EROFS,
    "permission denied": errno.EACCES,
}
_BLOCKED = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
_committed: list[str] = []


def committed() -> list[str]:
    """Paths this process has atomically written so far (the CLI's interrupt message reads it)."""
    return list(_committed)


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike, overwrite: bool = False) -> Iterator[str]:
    """Yield a temporary sibling directory that atomically becomes ``path`` when the block succeeds.

    At every instant ``path`` holds either the complete old run or the complete
    new one: the old run is never deleted before the new one is in place. Of
    concurrent writers without ``overwrite``, one wins and the others get
    "already exists"; with ``overwrite`` the last to finish wins. A full disk,
    a read-only folder or a denied permission becomes one ``ForecasterError``
    and leaves ``path`` as it was. Stale temporary siblings of killed writers
    are removed by the next write to the same path.

    Raises:
        ForecasterError: if ``path`` exists and ``overwrite`` is False, is not a
            directory, or cannot be written.
    """
    target = os.path.abspath(os.fspath(path))
    parent, base = os.path.split(target)
    shown = os.fspath(path)
    try:
        os.makedirs(parent, exist_ok=True)
        with _parent_lock(parent):
            _recover(parent, base)
            _remove_stale(parent, base)
            _check_target(target, shown, overwrite)
            tmp = tempfile.mkdtemp(prefix=f".{base}.tmp-{os.getpid()}-", dir=parent)
            keep = _hold(tmp)
    except ForecasterError:
        raise
    except OSError as exc:
        raise _write_error(shown, exc, existed=os.path.lexists(target)) from None
    try:
        with _terminate_as_exit():
            yield tmp
            old = _commit(tmp, target, shown, overwrite)
    except BaseException as exc:
        _release(keep)
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, ForecasterError | KeyboardInterrupt | SystemExit):
            raise
        reason = _environment_reason(exc)
        if reason is None:
            raise
        raise _write_error(shown, reason, existed=os.path.lexists(target)) from exc
    _release(keep)
    if old is not None:
        try:
            shutil.rmtree(old, ignore_errors=True)
        finally:  # an interrupt in the middle must not leave half of the old run behind
            if os.path.lexists(old):
                shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike) -> Iterator[str]:
    """Yield a temporary sibling file name that replaces ``path`` (one rename) when the block succeeds."""
    target = os.path.abspath(os.fspath(path))
    parent, base = os.path.split(target)
    try:
        _remove_stale(parent, base)
        fd, tmp = tempfile.mkstemp(prefix=f".{base}.tmp-{os.getpid()}-", dir=parent)
        os.close(fd)
    except OSError as exc:
        raise _write_error(os.fspath(path), exc, existed=os.path.lexists(target)) from None
    try:
        with _terminate_as_exit():
            yield tmp
            with _signals_blocked():
                os.replace(tmp, target)
                _committed.append(target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, ForecasterError | KeyboardInterrupt | SystemExit):
            raise
        reason = _environment_reason(exc)
        if reason is None:
            raise
        raise _write_error(os.fspath(path), reason, existed=os.path.lexists(target)) from exc


def _check_target(target: str, shown: str, overwrite: bool) -> None:
    if not os.path.lexists(target):
        return
    if os.path.islink(target) or not os.path.isdir(target):
        raise ForecasterError(f"'{shown}' exists and is not a directory; choose another path.")
    if not overwrite:
        raise ForecasterError(f"'{shown}' already exists; pass overwrite=True (CLI: --force) or choose another path.")


def _commit(tmp: str, target: str, shown: str, overwrite: bool) -> str | None:
    """Put the finished ``tmp`` at ``target``; returns where the old run now lies (to delete), if any."""
    parent, base = os.path.split(target)
    with _signals_blocked(), _parent_lock(parent):
        _remove_stale(parent, base)
        _check_target(target, shown, overwrite)  # another writer may have finished first
        if not os.path.lexists(target):
            try:
                os.rename(tmp, target)
            except OSError as exc:  # a writer outside this protocol created it meanwhile
                if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
                    raise ForecasterError(
                        f"'{shown}' already exists; pass overwrite=True (CLI: --force) or choose another path."
                    ) from None
                raise
            _committed.append(target)
            return None
        if _exchange(tmp, target):
            _committed.append(target)
            return tmp  # tmp now holds the old run
        old = os.path.join(parent, f".{base}.old-{os.getpid()}-{secrets.token_hex(4)}")
        os.rename(target, old)
        os.rename(tmp, target)
        _committed.append(target)
        return old


def _recover(parent: str, base: str) -> None:
    """Put back an old run that a writer killed inside the two-rename fallback left aside."""
    target = os.path.join(parent, base)
    if os.path.lexists(target):
        return
    aside = [p for p, pid in _siblings(parent, base, "old") if _is_stale(p, pid)]
    if aside:
        newest = max(aside, key=lambda p: os.stat(p).st_mtime)
        os.rename(newest, target)


def _siblings(parent: str, base: str, kind: str = "tmp|old") -> list[tuple[str, int]]:
    """Temporary siblings ``.BASE.tmp-PID-*`` / ``.BASE.old-PID-*`` of a run path, with their writer's pid."""
    pattern = re.compile(rf"\.{re.escape(base)}\.(?:{kind})-(\d+)-[^/]+")
    try:
        names = os.listdir(parent)
    except OSError:
        return []
    return [(os.path.join(parent, n), int(m.group(1))) for n in names if (m := pattern.fullmatch(n))]


def _is_stale(sibling: str, pid: int) -> bool:
    """Provably abandoned: its writer's process is gone and nobody holds its lock."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
        return False  # alive (or a reused pid: keep it, to be safe)
    except ProcessLookupError:
        pass
    except PermissionError:
        return False
    if os.path.isdir(sibling) and not os.path.islink(sibling):
        try:
            fd = os.open(sibling, os.O_RDONLY)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # a live process (e.g. a child that inherited the lock) still holds it
        finally:
            os.close(fd)
    return True


def _remove_stale(parent: str, base: str) -> None:
    for sibling, pid in _siblings(parent, base):
        if _is_stale(sibling, pid):
            if os.path.isdir(sibling) and not os.path.islink(sibling):
                shutil.rmtree(sibling, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.unlink(sibling)


def _hold(directory: str) -> int | None:
    """Hold an flock on ``directory`` for this writer's lifetime (it proves the temp is in use)."""
    if fcntl is None:
        return None
    fd = os.open(directory, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def _release(fd: int | None) -> None:
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)


@contextlib.contextmanager
def _parent_lock(parent: str) -> Iterator[None]:
    """An exclusive flock on the parent folder, held only for the short create / commit steps."""
    if fcntl is None:
        yield
        return
    fd = os.open(parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def _signals_blocked() -> Iterator[None]:
    """Defer SIGINT / SIGTERM / SIGHUP across the final renames; they take effect just after.

    A signal mask would not do: TensorFlow's threads leave these signals
    unblocked, so the kernel hands them to one of those and Python still
    raises in the main thread. Instead the Python-level handlers only record
    the signal until the renames are done, then the original handlers run.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # Python runs signal handlers in the main thread only: nothing interrupts this one
        return
    pending: list[int] = []
    previous = {}
    for number in _BLOCKED:
        try:
            previous[number] = signal.signal(number, lambda signum, frame: pending.append(signum))
        except (OSError, ValueError, TypeError):  # not installable here
            continue
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)
        for number in dict.fromkeys(pending):
            signal.raise_signal(number)


@contextlib.contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """While writing, turn a default-action SIGTERM into SystemExit so the temp sibling is removed."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _exchange(a: str, b: str) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    libc = _libc()
    if libc is None:
        return False
    if libc.renameat2(-100, os.fsencode(a), -100, os.fsencode(b), 2) == 0:  # AT_FDCWD, RENAME_EXCHANGE
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV):
        return False
    raise OSError(err, os.strerror(err), a)


@functools.cache
def _libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        libc.renameat2.restype = ctypes.c_int
        return libc
    except (OSError, AttributeError):
        return None


def _environment_reason(exc: BaseException) -> int | None:
    """The errno of a full disk / read-only / permission problem behind ``exc`` (any wrapper), if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _ENV_ERRNOS:
            return current.errno
        text = str(current).lower()
        for phrase, number in _ENV_PHRASES.items():
            if phrase in text:
                return number
        current = current.__cause__ or current.__context__
    return None


def _write_error(shown: str, reason: int | OSError, existed: bool) -> ForecasterError:
    number = reason.errno if isinstance(reason, OSError) else reason
    what = _ENV_ERRNOS.get(number) or (os.strerror(number) if number else str(reason)).lower()
    kept = "the previous run is intact" if existed else "nothing was written"
    return ForecasterError(f"could not write '{shown}' because {what} ({kept}); free space or choose another path.")


# ------------------------------------------------------------------------ JSON

# Limits for reading a run's JSON: what forecaster writes stays far below them;
# a bigger or deeper file is damaged or hostile, and is refused before it costs memory or a RecursionError.
MAX_JSON_BYTES = 256 << 20
MAX_JSON_DEPTH = 32


def write_json(path: str | os.PathLike, payload: dict[str, Any]) -> None:
    """Write ``payload`` as indented UTF-8 JSON; NaN / inf become null (strict JSON)."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(dumps_json(payload))
        handle.write("\n")


def dumps_json(payload: Any, indent: int | None = 2) -> str:
    """Strict JSON text: NaN and infinities become ``null``.

    Python's ``json`` would write the non-standard tokens ``NaN`` / ``Infinity``,
    which strict readers (JavaScript, jq, most other languages) reject; a metric
    that is undefined (e.g. MASE on a constant series) is ``null`` instead.
    """
    return json.dumps(_finite(payload), indent=indent, ensure_ascii=False, default=_json_default, allow_nan=False)


def read_json(path: str | os.PathLike) -> dict[str, Any]:
    """Read a JSON object from a run directory (size, nesting and type checked).

    Raises:
        ForecasterError: naming the file, if it cannot be read, is not UTF-8 JSON,
            is too large or too deeply nested, or holds something other than an object.
    """
    name = os.fspath(path)
    damaged = "the run directory is damaged or was edited"
    try:
        size = os.path.getsize(name)
        if size > MAX_JSON_BYTES:
            raise ForecasterError(f"'{name}' has {size} bytes, more than a run file may have ({MAX_JSON_BYTES}); {damaged}.")
        with open(name, "rb") as handle:
            data = json.loads(handle.read().decode("utf-8"))
    except ForecasterError:
        raise
    except RecursionError:
        raise ForecasterError(f"'{name}' is nested too deeply to be a run file; {damaged}.") from None
    except UnicodeDecodeError:
        raise ForecasterError(f"'{name}' is not UTF-8 text; {damaged}.") from None
    except ValueError as exc:
        raise ForecasterError(f"'{name}' is not valid JSON ({_first_line(exc)}); {damaged}.") from None
    except OSError as exc:
        raise ForecasterError(f"could not read '{name}' ({exc.strerror or exc}); check the run directory.") from None
    if _depth(data) > MAX_JSON_DEPTH:
        raise ForecasterError(f"'{name}' is nested more than {MAX_JSON_DEPTH} levels deep; {damaged}.")
    if not isinstance(data, dict):
        raise ForecasterError(f"'{name}' holds a JSON {_json_type(data)}, not an object; {damaged}.")
    return data


def _depth(value: Any) -> int:
    """Nesting depth of parsed JSON, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level <= MAX_JSON_DEPTH:
                stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = text.rstrip(".").replace(". ", "; ")
    return text if len(text) <= 200 else text[:197] + "..."


def _finite(value: Any) -> Any:
    """NaN / inf become None so strict JSON readers accept the file."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if type(value).__module__ == "numpy" and hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return _finite(value.item())
    return value


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return _finite(value.tolist())
    if type(value).__name__ == "Timestamp":
        return str(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def versions() -> dict[str, str]:
    """Versions of the packages a saved run depends on (recorded in its JSON)."""
    import keras
    import numpy
    import pandas
    import tensorflow

    from forecaster import __version__

    return {
        "forecaster": __version__,
        "tensorflow": tensorflow.__version__,
        "keras": keras.__version__,
        "numpy": numpy.__version__,
        "pandas": pandas.__version__,
    }


# -------------------------------------------------------------------- reading


def run_directory(path: str | os.PathLike) -> str:
    """``path`` as a string, checked to be an existing directory (with a true message if not).

    Raises:
        ForecasterError: if ``path`` is a file, missing, or was left aside by an
            interrupted replacement.
    """
    directory = os.fspath(path)
    if os.path.isdir(directory):
        return directory
    if os.path.lexists(directory):
        raise ForecasterError(
            f"'{directory}' is a file, not a run directory; pass the folder that `forecaster fit` or save() wrote."
        )
    parent, base = os.path.split(os.path.abspath(directory))
    aside = _siblings(parent, base, "old")
    if aside:
        raise ForecasterError(
            f"run directory '{directory}' does not exist, but an interrupted replacement left its previous run in "
            f"'{aside[0][0]}'; the next write to '{directory}' puts it back, or rename it yourself."
        )
    raise ForecasterError(f"run directory '{directory}' does not exist; pass the folder that `forecaster fit` wrote.")


def run_kind(path: str | os.PathLike) -> str:
    """The ``kind`` of the run directory at ``path`` (from its JSON file; old runs by file name).

    Raises:
        ForecasterError: if ``path`` holds none of the run JSON files.
    """
    directory = run_directory(path)
    for kind, filename in RUN_FILES.items():
        meta_path = os.path.join(directory, filename)
        if os.path.isfile(meta_path):
            found = read_json(meta_path).get("kind", kind)
            if not isinstance(found, str):
                raise ForecasterError(
                    f"'{meta_path}' has a `kind` that is a JSON {_json_type(found)}, not a string; "
                    "the run directory is damaged or was edited."
                )
            return found
    raise ForecasterError(
        f"'{directory}' is not a forecaster run directory (it has none of {', '.join(RUN_FILES.values())})."
    )


def check_format_version(meta: dict[str, Any], meta_path: str, format_version: int) -> None:
    """Raise a true sentence unless ``meta["format_version"]`` is the integer ``format_version``."""
    found = meta.get("format_version")
    if isinstance(found, int) and not isinstance(found, bool):
        if found != format_version:
            raise ForecasterError(
                f"'{meta_path}' was saved in format version {found}; this forecaster reads version "
                f"{format_version}; refit the model or use a matching forecaster release."
            )
        return
    if "format_version" not in meta:
        raise ForecasterError(f"'{meta_path}' has no `format_version`; the run directory is damaged or was edited.")
    raise ForecasterError(
        f"'{meta_path}' has a `format_version` that is a JSON {_json_type(found)} ({found!r}), not an integer; "
        "the run directory is damaged or was edited."
    )


def read_run_json(path: str | os.PathLike, filename: str, kind: str, format_version: int) -> dict[str, Any]:
    """Read ``path/filename`` written by a ``save``; check its format version and ``config``.

    ``kind`` is the human name of the run kind, used in messages.

    Raises:
        ForecasterError: if the directory or file is missing, unreadable, or of another version.
    """
    directory = run_directory(path)
    meta_path = os.path.join(directory, filename)
    if not os.path.isfile(meta_path):
        raise ForecasterError(f"'{directory}' is not a saved {kind} run directory (no {filename}).")
    meta = read_json(meta_path)
    check_format_version(meta, meta_path, format_version)
    if not isinstance(meta.get("config"), dict):
        raise ForecasterError(f"'{meta_path}' has no `config` object; the run directory is damaged or was edited.")
    return meta


def read_run(path: str | os.PathLike, filename: str, kind: str, format_version: int) -> tuple[dict, dict, Any]:
    """Read a run directory: checked JSON, constructor config (units as a tuple), Keras model.

    Raises:
        ForecasterError: if the JSON is missing, unreadable or of another version, or model.keras is missing.
    """
    directory = run_directory(path)
    meta = read_run_json(directory, filename, kind, format_version)
    model_path = os.path.join(directory, "model.keras")
    if not os.path.isfile(model_path):
        raise ForecasterError(f"'{directory}' has no model.keras; the run directory is incomplete.")
    config = dict(meta["config"])
    for key in ("units", "quantiles"):
        if isinstance(config.get(key), list):
            config[key] = tuple(config[key])
    return meta, config, load_keras_model(model_path)


def load_keras_model(path: str) -> Any:
    """Load a ``.keras`` file in safe mode (no Python code runs) with finite weights.

    Raises:
        ForecasterError: naming the file, for any failure to read it: damaged
            (not a zip, bad HDF5 weights, bad config JSON), or not trusted (a
            ``Lambda`` layer or a layer this package does not define).
    """
    import keras
    import numpy as np

    import forecaster.models.factory  # noqa: F401  (registers the custom layers)

    try:
        model = keras.saving.load_model(path, safe_mode=True)
    except Exception as exc:  # noqa: BLE001 - a damaged file can make Keras, h5py or zipfile fail any way
        text = str(exc)
        if "safe_mode" in text or "Lambda" in text:
            raise ForecasterError(
                f"'{path}' holds Python code (a Lambda layer) that safe mode refuses to run; "
                "the run directory is not trusted, so it was not loaded."
            ) from exc
        if "Could not locate" in text or "Could not deserialize" in text or "Unknown layer" in text:
            raise ForecasterError(
                f"'{path}' uses a layer this forecaster does not define ({_first_line(exc)}); "
                "the run directory is not trusted or comes from another release."
            ) from exc
        raise ForecasterError(
            f"could not load the Keras model '{path}' ({type(exc).__name__}: {_first_line(exc)}); "
            "the run directory is damaged."
        ) from exc
    if not isinstance(model, keras.Model):
        raise ForecasterError(f"'{path}' does not hold a Keras model; the run directory is damaged.")
    for weight in model.weights:
        if not np.isfinite(np.asarray(weight.numpy(), dtype=np.float64)).all():
            raise ForecasterError(
                f"'{path}' has non-finite weights (in {weight.path}); the run directory is damaged, so refit it."
            )
    return model


def load(path: str | os.PathLike) -> Any:
    """Load any saved run (forecaster, sequence classifier, token generator) by its ``kind``.

    Raises:
        ForecasterError: if ``path`` is not a run directory, or of an unknown kind or version.
    """
    kind = run_kind(path)
    if kind == "forecaster":
        return load_forecaster(path)
    if kind == "sequence_classifier":
        from forecaster.tasks.classification import load_classifier

        return load_classifier(path)
    if kind == "token_generator":
        from forecaster.tasks.generation import load_generator

        return load_generator(path)
    raise ForecasterError(
        f"'{os.fspath(path)}' holds a run of kind {kind!r}, which this forecaster cannot read; "
        f"known kinds: {', '.join(RUN_FILES)}."
    )


# ---------------------------------------------------------------- forecasters


def save_forecaster(fc: Any, path: str | os.PathLike, overwrite: bool = False, plots: bool = True) -> None:
    """Write a fitted Forecaster's run directory atomically (see ``Forecaster.save``)."""
    with atomic_directory(path, overwrite) as tmp:
        fc.model_.save(os.path.join(tmp, "model.keras"))
        fc.export(os.path.join(tmp, "export"))  # a panel too: serve(window, series_id)
        write_json(os.path.join(tmp, "forecaster.json"), forecaster_metadata(fc))
        if hasattr(fc, "metrics_"):
            write_json(os.path.join(tmp, "metrics.json"), fc.metrics_)
        fc.history_.to_csv(os.path.join(tmp, "history.csv"), index=False)
        fc.predict().to_csv(os.path.join(tmp, "forecast.csv"), index=False)
        if plots and hasattr(fc, "data_"):
            folder = os.path.join(tmp, "plots")
            os.makedirs(folder, exist_ok=True)
            for name, figure in (
                ("forecast", fc.plot_forecast()),
                ("history", fc.plot_history()),
                ("horizon_error", fc.plot_horizon_error()),
                ("future", fc.plot_future()),
                *((("panel", fc.plot_panel()),) if fc.id_col_ is not None else ()),
            ):
                figure.savefig(os.path.join(folder, f"{name}.png"), dpi=110, bbox_inches="tight")


def forecaster_metadata(fc: Any) -> dict[str, Any]:
    """The contents of forecaster.json: what a downstream script needs to use the export."""
    series = fc._tail_series()
    tail = []
    for sid, start, stop in series.segments():
        begin = max(start, stop - fc.input_width_)
        tail.append(
            {
                "id": _finite(sid),
                "values": series.values[begin:stop].tolist(),
                "dates": None if series.dates is None else [str(d) for d in series.dates[begin:stop]],
                "n_rows": int(stop - start),
            }
        )
    n_targets = len(fc.targets_)
    outputs = {
        "point": "float32[batch, horizon, n_targets]",
        "quantile": "mean: float32[batch, horizon, n_targets], quantiles: float32[batch, horizon, n_targets, n_quantiles]",
        "gaussian": "mean, std: float32[batch, horizon, n_targets]",
    }[fc.head]
    return {
        "format_version": FORMAT_VERSION,
        "kind": "forecaster",
        "config": fc.get_config(),
        "columns": list(fc.columns_),
        "targets": list(fc.targets_),
        "date_col": fc.date_col_,
        "id_col": fc.id_col_,
        "freq": fc.freq_,
        "season": fc.season_,
        "seasons": list(getattr(fc, "seasons_", ())),
        "encoder_width": getattr(fc, "encoder_width_", None),
        "skip_season": getattr(fc, "skip_season_", fc.season_),
        "mase_scales": getattr(fc, "mase_scales_", None),
        "intervals": getattr(fc, "intervals_", None),
        "choice": getattr(fc, "choice_", None),
        "input_width": fc.input_width_,
        "horizon": fc.horizon,
        "n_features": len(fc.columns_),
        "n_targets": n_targets,
        "skip": fc.skip_,
        "last_date": fc.last_date_,
        "holidays": None if getattr(fc, "holidays_", None) is None else fc.holidays_.to_dict(),
        "signature": _signature(fc, outputs),
        "statics": None if getattr(fc, "statics_", None) is None else {
            **fc.statics_.to_dict(),
            "rows": {k: [float(x) for x in v] for k, v in fc.static_rows_.items()},
        },
        "scalers": [
            {"id": _finite(sid), **sc.to_dict()} for sid, sc in zip(fc.series_ids_, fc.scalers_, strict=True)
        ],
        "tail": tail,
        "training": {"epochs_run": fc.n_epochs_, "best_val_loss": fc.best_val_loss_,
                     "refit": getattr(fc, "refit_", None)},
        "data_hash": fc.data_hash_,
        "versions": versions(),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }


def _signature(fc: Any, outputs: str) -> dict[str, Any]:
    """How to call the export: ``serve(window)``, or for a panel ``serve(window, series_id)`` and ``serve_with_stats``."""
    window = f"float32[batch, {fc.input_width_}, {len(fc.columns_)}] raw units, columns in order"
    if fc.id_col_ is None:
        return {"name": "serve", "input": window, "output": outputs}
    statics = getattr(fc, "statics_", None)
    n_static = 0 if statics is None else statics.n_features
    stats_inputs = {
        "window": window,
        "center": f"float32[batch, {len(fc.columns_)}] the series' scaler centre per column",
        "scale": f"float32[batch, {len(fc.columns_)}] the series' scaler scale per column (> 0)",
    }
    if n_static:
        stats_inputs["static"] = f"float32[batch, {n_static}] the encoded static row (statics.feature_names)"
    return {
        "name": "serve",
        "inputs": {"window": window, "series_id": "string[batch] the series id as text (an id seen at fit)"},
        "input": window,
        "output": outputs,
        "serve_with_stats": {
            "inputs": stats_inputs,
            "output": outputs,
            "use": "a series not seen at fit, scaled from its own recent rows (forecaster.data.panel.context_scaler)",
        },
    }


def load_forecaster(path: str | os.PathLike) -> Any:
    """Load a Forecaster saved with ``Forecaster.save`` (JSON + .keras, safe mode).

    The loaded object predicts from the tail of its fit data kept in
    forecaster.json (``predict()``), or from new data (``predict(df)``).
    Everything read is validated first (see :func:`check_forecaster_meta`).

    Raises:
        ForecasterError: if ``path`` is not a forecaster run directory, was
            written by an incompatible format version, or any file in it is
            damaged or untrusted (the message names the file).
    """
    import pandas as pd

    from forecaster.data.scaling import Scaler
    from forecaster.forecaster import Forecaster

    directory = run_directory(path)
    meta_path = os.path.join(directory, "forecaster.json")
    model_path = os.path.join(directory, "model.keras")
    if not os.path.isfile(meta_path) or not os.path.isfile(model_path):
        raise ForecasterError(
            f"'{directory}' is not a forecaster run directory (no forecaster.json and model.keras)."
        )
    meta = read_json(meta_path)
    check_forecaster_meta(meta, meta_path)
    fc = Forecaster.from_config(meta["config"])
    fc.model_ = load_keras_model(model_path)
    _check_model_shapes(fc.model_, meta, model_path)
    fc.columns_ = tuple(meta["columns"])
    fc.targets_ = tuple(meta["targets"])
    fc.date_col_ = meta["date_col"]
    fc.id_col_ = meta["id_col"]
    fc.freq_ = meta["freq"]
    fc.season_ = int(meta["season"])
    # runs written before several seasons: the one season, whole-window encoder, MASE from the data
    fc.seasons_ = tuple(meta.get("seasons", (fc.season_,) if fc.season_ > 1 else ()))
    fc.encoder_width_ = meta.get("encoder_width")
    fc.skip_season_ = int(meta.get("skip_season", fc.season_))
    fc.mase_scales_ = meta.get("mase_scales")
    fc.intervals_ = meta.get("intervals")
    fc.choice_ = meta.get("choice")
    fc.input_width_ = int(meta["input_width"])
    fc.skip_ = meta["skip"]
    fc.last_date_ = meta["last_date"]
    fc.holidays_ = _holidays_from_meta(meta.get("holidays"), meta_path)
    fc.series_ids_ = [s["id"] for s in meta["scalers"]]
    fc.scalers_ = [Scaler.from_dict(s) for s in meta["scalers"]]
    fc.statics_, fc.static_rows_ = None, {}
    if meta.get("statics") is not None:
        import numpy as np

        from forecaster.data.statics import StaticEncoder

        state = dict(meta["statics"])
        fc.static_rows_ = {k: np.asarray(v, np.float32) for k, v in state.pop("rows").items()}
        fc.statics_ = StaticEncoder.from_dict(state)
    fc.data_hash_ = meta["data_hash"]
    fc.n_epochs_ = meta["training"]["epochs_run"]
    fc.best_val_loss_ = meta["training"]["best_val_loss"]
    fc.refit_ = meta["training"].get("refit")
    history = os.path.join(directory, "history.csv")
    fc.history_ = _read_history(history) if os.path.exists(history) else pd.DataFrame()
    metrics = os.path.join(directory, "metrics.json")
    if os.path.exists(metrics):
        fc.metrics_ = read_json(metrics)
    fc.tail_ = _tail_from_meta(meta)
    fc._predict_fn = None
    return fc


def _holidays_from_meta(entry: Any, meta_path: str) -> Any:
    """The run's holiday calendar (``None``: plain weekdays, or a run written before holidays)."""
    if entry is None:
        return None
    from forecaster.data.holidays import HolidayCalendar

    try:
        return HolidayCalendar.from_dict(entry)
    except ForecasterError:
        raise
    except (TypeError, KeyError, ValueError, AttributeError):
        raise ForecasterError(f"'{meta_path}' has an invalid `holidays` entry; the run directory is damaged.") from None


def _read_history(path: str) -> Any:
    import pandas as pd

    try:
        history = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ForecasterError(f"could not read '{path}' ({_first_line(exc)}); the run directory is damaged.") from None
    return history


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
    if refit is not None and not (
        isinstance(refit, dict) and all(isinstance(refit.get(k), int) and not isinstance(refit[k], bool) and refit[k] >= 1 for k in ("rows", "epochs", "batch_size"))
    ):
        m.fail("`training.refit` must be null or an object with integer rows, epochs and batch_size")
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


def _check_season_keys(m: _Meta, meta: dict[str, Any], width: int) -> None:
    """The optional keys of the seasons, MASE scales, conformal intervals and model choice."""
    if "seasons" in meta:
        seasons = m.array("seasons", 0, 16)
        if not all(isinstance(s, int) and not isinstance(s, bool) and 2 <= s <= _MAX_WIDTH for s in seasons):
            m.fail("`seasons` must hold integers from 2 to 1000000")
    if meta.get("encoder_width") is not None:
        m.integer("encoder_width", 1, width)
    if "skip_season" in meta:
        m.integer("skip_season", 1, width if meta.get("skip") == "seasonal" else _MAX_WIDTH)
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


def _tail_from_meta(meta: dict[str, Any]) -> Any:
    import numpy as np
    import pandas as pd

    from forecaster.data.io import SeriesData

    values, dates, ids = [], [], []
    for entry in meta["tail"]:
        rows = np.asarray(entry["values"], np.float32).reshape(-1, len(meta["columns"]))
        values.append(rows)
        if entry["dates"] is not None:
            dates.extend(entry["dates"])
        ids.extend([entry["id"]] * len(rows))
    return SeriesData(
        values=np.concatenate(values),
        columns=tuple(meta["columns"]),
        targets=tuple(meta["targets"]),
        dates=pd.DatetimeIndex(dates) if dates else None,
        freq=meta["freq"],
        date_col=meta["date_col"],
        ids=np.asarray(ids, dtype=object) if meta["id_col"] else None,
        id_col=meta["id_col"],
    )

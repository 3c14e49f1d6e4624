"""Atomic writes of run directories and output files (temp sibling, renamed into place).

Every writer of the package goes through :func:`atomic_directory` (a run
directory) or :func:`atomic_file` (one output file such as a forecast CSV):
the content is written to a temporary sibling and renamed into place at the
end, so a failed or interrupted write leaves nothing half-written. A full disk,
a read-only folder or a denied permission becomes one ``ForecasterError``.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
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

__all__ = ["atomic_directory", "atomic_file", "committed"]

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

"""Fault injection: `forecaster fit` interrupted (SIGINT, SIGTERM, SIGKILL) at each step of writing its run.

Whatever the signal and the moment, with or without ``--force`` over an
existing run, and with two writers racing for one ``--out``: the run path
holds one complete, loadable run (the old one or the new one) or nothing,
the interrupt message is true, and no temporary sibling survives the next
write. Signals are sent by the process to itself at a chosen point (a small
wrapper patches one function), so every case is deterministic.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fork_server import ForkServer

from forecaster import runs
from forecaster.cli import main
from forecaster.errors import ForecasterError

# SimpleRNN: the write path under test does not depend on the cell, and on CPU a GRU turns on XLA
# (jit_compile="auto"), whose compile time made each of the 16 fits here several seconds slower.
# --refit no: nor does it depend on the refit on all rows, a second training in each fit.
TINY = ["--cell", "rnn", "--units", "4", "--input-width", "8", "--horizon", "3", "--epochs", "1",
        "--batch-size", "32", "--refit", "no", "--quiet"]

# Runs `forecaster fit` after arranging for a signal to itself at one point of the write.
WRAPPER = r"""
import os, signal, sys
point, signame, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
if signame == "SIGXFSZ":  # a file-size limit stands in for a full disk
    import resource
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
sig = getattr(signal, signame)
# A shell starts background jobs with SIGINT ignored (e.g. `make test &`); a user's Ctrl-C is not.
signal.signal(signal.SIGINT, signal.default_int_handler)
fired = []
def fire():
    if not fired:  # once: the cleanup that follows an interrupt must be able to run
        fired.append(True)
        os.kill(os.getpid(), sig)
from forecaster import runs
base = "." + os.path.basename(os.path.abspath(argv[argv.index("--out") + 1])) + "."
if point == "train":
    import keras
    fit = keras.Model.fit
    def patched(self, *a, **k):
        fire()
        return fit(self, *a, **k)
    keras.Model.fit = patched
elif point == "write":
    write_json = runs.forecaster_run.write_json
    def patched(*a, **k):
        fire()
        return write_json(*a, **k)
    runs.forecaster_run.write_json = patched
elif point == "commit":
    exchange = runs.atomic._exchange
    def patched(a, b):
        fire()
        return exchange(a, b)
    runs.atomic._exchange = patched
elif point == "fallback":
    runs.atomic._exchange = lambda a, b: False
    rename = os.rename
    def patched(src, dst, *a, **k):
        rename(src, dst, *a, **k)
        if os.path.basename(dst).startswith(base + "old-"):
            fire()
    os.rename = patched
elif point == "cleanup":
    rmtree = runs.atomic.shutil.rmtree
    def patched(path, *a, **k):
        if os.path.basename(str(path)).startswith(base):
            fire()
        return rmtree(path, *a, **k)
    runs.atomic.shutil.rmtree = patched
from forecaster.cli import main
sys.exit(main(argv))
"""


def write_series(path: Path, n: int = 80) -> Path:
    t = np.arange(n)
    value = 10 + np.sin(2 * np.pi * t / 7) + 0.02 * t
    pd.DataFrame({"date": pd.date_range("2024-01-01", periods=n), "value": value}).to_csv(path, index=False)
    return path


def files_of(run: Path) -> set[str]:
    return {str(p.relative_to(run)) for p in run.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, Path, set[str]]:
    """The CSV and one complete run written by `forecaster fit --seed 1` (the 'old' run of each case)."""
    root = tmp_path_factory.mktemp("faults")
    csv = write_series(root / "series.csv")
    run = root / "reference"
    assert main(["fit", "--csv", str(csv), "--out", str(run), "--seed", "1", *TINY]) == 0
    return csv, run, files_of(run)


def seed_of(run: Path) -> int:
    return json.loads((run / "forecaster.json").read_text())["config"]["seed"]


def assert_complete(run: Path, expected: set[str]) -> None:
    """A complete, loadable, self-consistent run: every file, and forecast.csv from this model.keras."""
    assert files_of(run) == expected
    fc = runs.load(run)
    saved = pd.read_csv(run / "forecast.csv")
    np.testing.assert_allclose(fc.predict()["value"], saved["value"], rtol=1e-4, atol=1e-4)


def siblings(run: Path) -> list[str]:
    return sorted(p.name for p in run.parent.iterdir() if p.name.startswith(f".{run.name}."))


def setup_case(tmp_path: Path, reference, existing: bool) -> Path:
    run = tmp_path / "run"
    if existing:
        shutil.copytree(reference[1], run)
    return run


def next_write(run: Path, source: Path) -> None:
    """Another write to the same path (as a later `fit --force` would do)."""
    with runs.atomic_directory(run, overwrite=True) as tmp:
        shutil.copytree(source, tmp, dirs_exist_ok=True)
    assert siblings(run) == []


# The wrapped runs are forked from one interpreter that has imported TensorFlow, Keras and forecaster
# already (that import was half of each run's CPU time; the faults are in the write that follows):
# see fork_server.py. Each is a process of its own for all the test looks at.
@pytest.fixture(scope="module")
def fork_server(tmp_path_factory):
    server = ForkServer(tmp_path_factory.mktemp("fork-server"),
                        modules=("tensorflow", "keras", "forecaster.cli", "forecaster.runs"))
    yield server
    server.close()


def run_wrapped(server: ForkServer, runs_argv: list[list[str]]) -> list[subprocess.CompletedProcess]:
    """The WRAPPER runs with these arguments, started together."""
    return server.run([(WRAPPER, ["-c", *argv], server.folder) for argv in runs_argv])


def wrapped_argv(point: str, signame: str, csv: Path, run: Path, seed: int, force: bool) -> list[str]:
    """The wrapper's arguments: where to fire which signal, then `forecaster fit`'s."""
    argv = ["fit", "--csv", str(csv), "--out", str(run), "--seed", str(seed), *TINY] + (["--force"] if force else [])
    return [point, signame, *argv]


# --------------------------------------------------------------------------- one writer, one fault

# (point, signal, --force over an existing run, what the path holds afterwards, exit status)
CASES = [
    ("train", "SIGINT", False, "nothing", 130),
    ("write", "SIGINT", True, "old", 130),
    ("write", "SIGTERM", True, "old", 143),
    ("write", "SIGKILL", True, "old", -9),
    ("commit", "SIGINT", True, "new", 130),
    ("commit", "SIGTERM", True, "new", 143),
    ("commit", "SIGKILL", True, "old", -9),
    ("fallback", "SIGKILL", True, "aside", -9),
    ("cleanup", "SIGKILL", True, "new", -9),
    ("cleanup", "SIGINT", True, "new", 130),
    ("write", "SIGXFSZ", True, "old", 2),
]


@pytest.fixture(scope="module")
def outcomes(reference, fork_server, tmp_path_factory, request) -> dict[tuple, tuple[Path, subprocess.CompletedProcess]]:
    """Each selected case of CASES run as its own process, two at a time (they are independent)."""
    csv = reference[0]
    selected = [
        item.callspec.params["case"]
        for item in request.session.items
        # only this module's cases: other modules parametrize a `case` of their own
        if getattr(item, "callspec", None) is not None  # doctest items have neither callspec nor module
        and getattr(item, "module", None) is request.module
        and "case" in item.callspec.params
    ]

    found = {}
    for pair in (selected[i : i + 2] for i in range(0, len(selected), 2)):
        runs_of = [setup_case(tmp_path_factory.mktemp(f"{point}-{signame}"), reference, existing=force)
                   for point, signame, force, _, _ in pair]
        procs = run_wrapped(fork_server, [wrapped_argv(point, signame, csv, run, 2, force)
                                          for (point, signame, force, _, _), run in zip(pair, runs_of, strict=True)])
        found.update(zip(pair, zip(runs_of, procs, strict=True), strict=True))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[f"{c[1]}-at-{c[0]}-{'force' if c[2] else 'new'}" for c in CASES])
def test_interrupted_fit_leaves_a_complete_run_or_none(case, outcomes, reference) -> None:
    _, _, expected = reference
    run, proc = outcomes[case]
    point, signame, force, holds, status = case
    assert proc.returncode == status, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    if holds == "nothing":
        assert not run.exists() and siblings(run) == []
    elif holds == "old":
        assert_complete(run, expected)
        assert seed_of(run) == 1
    elif holds == "new":
        assert_complete(run, expected)
        assert seed_of(run) == 2
    else:  # killed between the two renames of the fallback protocol: the old run waits aside
        assert not run.exists()
        with pytest.raises(ForecasterError, match="an interrupted replacement left its previous run"):
            runs.load(run)
        # The next write puts it back first, then finds the path taken.
        with pytest.raises(ForecasterError, match="already exists"), runs.atomic_directory(run):
            pass
        assert_complete(run, expected)
        assert seed_of(run) == 1
    if signame == "SIGINT":
        err = proc.stderr.strip().splitlines()[-1]
        if holds == "new":
            assert "nothing was written" not in err and str(run) in err, err
        else:
            assert err == "interrupted; nothing was written.", err
    if signame == "SIGXFSZ":
        err = proc.stderr.strip().splitlines()
        assert len(err) == 1 and err[0].startswith(f"error: could not write '{run}' because "), err
        assert "the previous run is intact" in err[0]
    if signame in ("SIGINT", "SIGTERM", "SIGXFSZ"):
        assert siblings(run) == []  # cleaned up on the way out
    next_write(run, reference[1])
    assert siblings(run) == [] and (run / "forecaster.json").is_file()


# --------------------------------------------------------------------------- two writers


@pytest.mark.slow
@pytest.mark.parametrize("force", [False, True], ids=["no-force", "force"])
def test_two_concurrent_writers(force, reference, fork_server, tmp_path) -> None:
    csv, _, expected = reference
    run = setup_case(tmp_path, reference, existing=force)
    procs = run_wrapped(fork_server, [wrapped_argv("none", "SIGINT", csv, run, seed, force) for seed in (3, 4)])
    codes = sorted(p.returncode for p in procs)
    for p in procs:
        assert "Traceback" not in p.stderr, p.stderr[-3000:]
    assert_complete(run, expected)
    assert siblings(run) == []
    if force:
        assert codes == [0, 0]  # the last to finish wins; both wrote complete runs
        assert seed_of(run) in (3, 4)
    else:
        assert codes == [0, 2]
        loser = next(p for p in procs if p.returncode == 2)
        assert "already exists" in loser.stderr and loser.stderr.count("\n") == 1, loser.stderr
        winner = next(p for p in procs if p.returncode == 0)
        assert seed_of(run) == (3 if procs[0] is winner else 4)


# --------------------------------------------------------------------------- environment failures, in process


@pytest.mark.parametrize(
    ("number", "reason"),
    [(errno.ENOSPC, "the disk is full"), (errno.EROFS, "the file system is read-only"),
     (errno.EACCES, "permission was denied"), (errno.EDQUOT, "the disk quota is exceeded")],
)
def test_disk_full_read_only_or_denied_during_save_is_one_line_and_keeps_the_old_run(
    number, reason, reference, tmp_path, monkeypatch
) -> None:
    _, old, expected = reference
    run = setup_case(tmp_path, reference, existing=True)

    def failing(path, payload):  # as deep inside Keras / TensorFlow: the OSError arrives wrapped
        try:
            raise OSError(number, os.strerror(number), str(path))
        except OSError as exc:
            raise RuntimeError(f"could not write {path}") from exc

    monkeypatch.setattr(runs.forecaster_run, "write_json", failing)
    fc = runs.load(old)
    with pytest.raises(ForecasterError, match=rf"could not write '.*run' because {reason} \(the previous run is intact\)"):
        fc.save(run, overwrite=True, plots=False)
    assert files_of(run) == expected and seed_of(run) == 1
    assert siblings(run) == []
    with pytest.raises(ForecasterError, match=rf"because {reason} \(nothing was written\)"):
        fc.save(tmp_path / "fresh", plots=False)
    assert not (tmp_path / "fresh").exists() and siblings(tmp_path / "fresh") == []


def test_a_bug_during_save_is_not_disguised(reference, tmp_path, monkeypatch) -> None:
    _, old, _ = reference
    monkeypatch.setattr(runs.forecaster_run, "write_json", lambda path, payload: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        runs.load(old).save(tmp_path / "run", plots=False)
    assert list(tmp_path.iterdir()) == []


def test_stale_siblings_only_of_dead_writers_are_removed(tmp_path) -> None:
    run = tmp_path / "run"
    with runs.atomic_directory(run) as tmp:
        Path(tmp, "a").write_text("a")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    for name in (f".run.tmp-{dead_pid}-x1", f".run.old-{dead_pid}-x2", f".run.tmp-{os.getppid()}-alive",
                 f".other.tmp-{dead_pid}-x3"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "f").write_text("partial")
    with runs.atomic_directory(run, overwrite=True) as tmp:
        Path(tmp, "b").write_text("b")
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([f".other.tmp-{dead_pid}-x3", f".run.tmp-{os.getppid()}-alive", "run"])
    assert [p.name for p in run.iterdir()] == ["b"]


def test_strict_json_outputs_use_null_for_undefined_numbers(tmp_path) -> None:
    text = runs.dumps_json({"mase": float("nan"), "mse": [1.0, float("inf")], "n": np.int64(3)})
    assert json.loads(text, parse_constant=lambda token: pytest.fail(f"non-standard {token}")) == {
        "mase": None, "mse": [1.0, None], "n": 3}

"""User mistakes through the real console script: `error: ...` on stderr, exit 2, nothing left behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SCRIPT = Path(sys.executable).parent / "forecaster"


def _series(n: int = 120) -> pd.DataFrame:
    t = np.arange(n)
    return pd.DataFrame(
        {
            "date": pd.date_range("2023-01-02", periods=n, freq="D").strftime("%Y-%m-%d"),
            "value": 20 + np.sin(t / 3) + 0.01 * t,
            "label": ["a"] * n,
        }
    )


def _make_files(root: Path) -> None:
    """Inputs shared by the cases: good, broken and tricky files."""
    _series().to_csv(root / "good.csv", index=False)
    _series(12).to_csv(root / "short.csv", index=False)
    nan = _series()
    nan.loc[30, "value"] = np.nan
    nan.to_csv(root / "nan.csv", index=False)
    dup = _series()
    dup.loc[5, "date"] = dup.loc[4, "date"]
    dup.to_csv(root / "dup.csv", index=False)
    (root / "empty.csv").write_text("")
    (root / "bad.toml").write_text("epochs = [\n")
    (root / "unknown.toml").write_text("epochs = 2\nlayers = 3\n")
    (root / "existing_run").mkdir()
    (root / "existing_run" / "forecaster.json").write_text("{}")
    (root / "not_a_run").mkdir()
    (root / "not_a_run" / "notes.txt").write_text("hello")
    old = root / "old_run"
    old.mkdir()
    (old / "forecaster.json").write_text(json.dumps({"format_version": 999}))
    (old / "model.keras").write_bytes(b"not a model")


# (name, argv, expected text in the error line). "run" is the --out that must not appear.
CASES = [
    ("missing file", ["fit", "--csv", "missing.csv", "--out", "run"], "does not exist"),
    ("directory as csv", ["fit", "--csv", "not_a_run", "--out", "run"], "is a directory"),
    ("empty file", ["fit", "--csv", "empty.csv", "--out", "run"], "is empty"),
    ("unknown target", ["fit", "--csv", "good.csv", "--target", "Close", "--out", "run"], "target column 'Close'"),
    ("non-numeric target", ["fit", "--csv", "good.csv", "--target", "label", "--out", "run"], "not numeric"),
    ("NaN values", ["fit", "--csv", "nan.csv", "--out", "run"], "missing or infinite values"),
    ("duplicate dates", ["fit", "--csv", "dup.csv", "--out", "run"], "appears more than once"),
    ("bad int flag", ["fit", "--csv", "good.csv", "--epochs", "ten", "--out", "run"], "argument --epochs"),
    ("bad units", ["fit", "--csv", "good.csv", "--units", "64,x", "--out", "run"], "argument --units"),
    ("bad choice", ["fit", "--csv", "good.csv", "--cell", "transformer", "--out", "run"], "invalid choice"),
    ("horizon 0", ["fit", "--csv", "good.csv", "--horizon", "0", "--out", "run"], "`horizon` must be"),
    ("val too big", ["fit", "--csv", "good.csv", "--val", "0.95", "--out", "run"], "`val` must be"),
    ("unknown flag", ["fit", "--csv", "good.csv", "--layers", "3", "--out", "run"], "unrecognized arguments"),
    ("no csv", ["fit", "--out", "run"], "--csv"),
    ("bad TOML", ["fit", "--csv", "good.csv", "--config", "bad.toml", "--out", "run"], "not valid TOML"),
    ("unknown config key", ["fit", "--csv", "good.csv", "--config", "unknown.toml", "--out", "run"], "unknown key `layers`"),
    ("missing config", ["fit", "--csv", "good.csv", "--config", "nope.toml", "--out", "run"], "does not exist"),
    ("existing run", ["fit", "--csv", "good.csv", "--out", "existing_run"], "already exists"),
    ("out below a file", ["fit", "--csv", "good.csv", "--out", "good.csv/run"], "is a file"),
    ("force on foreign dir", ["fit", "--csv", "good.csv", "--out", "not_a_run", "--force"], "did not write"),
    ("no command", [], "choose a command"),
    ("unknown command", ["train", "--csv", "good.csv"], "invalid choice"),
    ("not a run dir", ["predict", "--model", "not_a_run", "--csv", "good.csv", "--out", "run"], "not a forecaster run"),
    ("missing run dir", ["evaluate", "--model", "nowhere", "--csv", "good.csv"], "does not exist"),
    ("predict missing csv", ["predict", "--model", "existing_run", "--csv", "missing.csv", "--out", "run"], "does not exist"),
    ("predict out in missing folder", ["predict", "--model", "existing_run", "--csv", "good.csv", "--out", "no/such/run"],
     "does not exist"),
    ("export over foreign dir", ["export", "--model", "existing_run", "--out", "not_a_run", "--force"], "did not write"),
    ("windows width 0", ["windows", "--csv", "good.csv", "--input-width", "0", "--horizon", "3"], "`--input-width` must be >= 1"),
    ("windows too short", ["windows", "--csv", "short.csv", "--input-width", "10", "--horizon", "5"], "12 rows"),
]

# These fail only after TensorFlow is imported (in the Forecaster / load), so they are slower.
SLOW_CASES = [
    ("series too short to fit", ["fit", "--csv", "short.csv", "--input-width", "4", "--horizon", "3", "--out", "run"],
     "rows"),
    ("run of another format version", ["predict", "--model", "old_run", "--csv", "good.csv", "--out", "run"],
     "format version 999"),
]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cli_errors")
    _make_files(root)
    return root


def _listing(root: Path) -> dict[str, list[str]]:
    return {str(d.relative_to(root)): sorted(os.listdir(d)) for d in [root, *root.rglob("*")] if d.is_dir()}


def _check_case(workdir: Path, argv: list[str], expected: str) -> None:
    before = _listing(workdir)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "MPLBACKEND": "Agg"}
    proc = subprocess.run([str(SCRIPT), *argv], cwd=workdir, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert proc.stderr.startswith("error: "), proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    first = proc.stderr.splitlines()[0]
    assert expected in first, first
    assert proc.stdout == ""
    # Nothing written: no run directory, no temporary sibling, no other file.
    assert _listing(workdir) == before


@pytest.mark.parametrize(("name", "argv", "expected"), CASES, ids=[c[0] for c in CASES])
def test_user_mistake_prints_one_error_line_and_exits_2(workdir, name, argv, expected):
    _check_case(workdir, argv, expected)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "argv", "expected"), SLOW_CASES, ids=[c[0] for c in SLOW_CASES])
def test_user_mistake_found_after_tensorflow_loads(workdir, name, argv, expected):
    _check_case(workdir, argv, expected)


def test_there_are_at_least_15_distinct_cases():
    assert len({tuple(argv) for _, argv, _ in CASES + SLOW_CASES}) >= 15

"""Run-directory helpers: atomic writes, strict JSON, and the run kind of old and new runs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from forecaster.errors import ForecasterError
from forecaster.runs import atomic_directory, atomic_file, read_json, run_kind, write_json

FIXTURE = Path(__file__).parent / "fixtures" / "run_v1"


def test_atomic_directory_leaves_nothing_on_failure_and_refuses_to_overwrite(tmp_path):
    target = tmp_path / "run"
    with pytest.raises(RuntimeError), atomic_directory(target) as tmp:
        (Path(tmp) / "half.txt").write_text("x")
        raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []
    with atomic_directory(target) as tmp:
        (Path(tmp) / "a.txt").write_text("a")
    with pytest.raises(ForecasterError, match=r"pass overwrite=True \(CLI: --force\)"), atomic_directory(target):
        pass
    with atomic_directory(target, overwrite=True) as tmp:
        (Path(tmp) / "b.txt").write_text("b")
    assert sorted(p.name for p in target.iterdir()) == ["b.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_atomic_file_replaces_only_on_success(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_file(target) as tmp:
        Path(tmp).write_text("new")
        raise RuntimeError
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["out.csv"]
    with atomic_file(target) as tmp:
        Path(tmp).write_text("new")
    assert target.read_text() == "new"


def test_write_json_is_strict_and_finite(tmp_path):
    path = tmp_path / "x.json"
    write_json(path, {"a": math.nan, "b": [np.float32(1.5), np.inf], "c": np.arange(2), "d": np.int64(3)})
    assert json.loads(path.read_text()) == {"a": None, "b": [1.5, None], "c": [0, 1], "d": 3}
    assert read_json(path)["d"] == 3
    path.write_text("{not json")
    with pytest.raises(ForecasterError, match="damaged"):
        read_json(path)


def test_run_kind_reads_old_runs_without_a_kind_key(tmp_path):
    assert "kind" not in json.loads((FIXTURE / "forecaster.json").read_text())
    assert run_kind(FIXTURE) == "forecaster"
    (tmp_path / "generator.json").write_text(json.dumps({"kind": "token_generator"}))
    assert run_kind(tmp_path) == "token_generator"
    with pytest.raises(ForecasterError, match="does not exist"):
        run_kind(tmp_path / "missing")
    with pytest.raises(ForecasterError, match="not a forecaster run directory"):
        run_kind(FIXTURE / "export")

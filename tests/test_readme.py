"""Every command and code block of README.md runs, so the README cannot drift from the code.

Blocks run in document order in one temporary directory that holds a link to
``data/`` (later blocks use the run directories earlier ones wrote).
``console`` blocks run their ``$ forecaster ...`` lines through the installed
console script; ``$ make X`` lines are checked with ``make -n X``. ``python``
blocks run in a fresh interpreter. ``text`` blocks are output, not run. A
block preceded by ``<!-- not-run: reason -->`` is skipped and its reason is
checked below.
"""

from __future__ import annotations

import configparser
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BIN = Path(sys.executable).parent
BLOCK = re.compile(r"(<!-- not-run: (?P<reason>.*?) -->\s*)?```(?P<lang>\w+)\n(?P<body>.*?)```", re.S)


def blocks() -> list[tuple[str, str, str | None]]:
    text = README.read_text(encoding="utf-8")
    out = []
    for match in BLOCK.finditer(text):
        body = "\n".join(line[3:] if line.startswith("   ") else line for line in match["body"].splitlines())
        out.append((match["lang"], body, match["reason"]))
    return out


def test_readme_opens_with_the_two_commands():
    runnable = [b for b in blocks() if b[0] == "console"]
    first = [line for line in runnable[0][1].splitlines() if line.startswith("$ ")]
    assert [line.split("#")[0].strip() for line in first] == ["$ make demo", "$ make test"]


def test_skipped_blocks_are_covered_elsewhere():
    skipped = [b for b in blocks() if b[2]]
    assert len(skipped) == 3
    extras = configparser.ConfigParser()
    extras.read(ROOT / "setup.cfg")
    assert "tensorflow[and-cuda]" in extras["options.extras_require"]["gpu"]
    assert (ROOT / "tests" / "test_distributed.py").exists()


@pytest.mark.slow
def test_readme_blocks_run(tmp_path):
    os.symlink(ROOT / "data", tmp_path / "data")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "MPLBACKEND": "Agg"}
    ran = 0
    for lang, body, reason in blocks():
        if reason or lang == "text":
            continue
        if lang == "python":
            result = subprocess.run([sys.executable, "-c", body], cwd=tmp_path, env=env,
                                    capture_output=True, text=True, timeout=600)
            assert result.returncode == 0, f"README python block failed:\n{body}\n{result.stderr[-3000:]}"
            ran += 1
            continue
        assert lang == "console", lang
        for line in body.splitlines():
            if not line.startswith("$ "):
                continue
            argv = shlex.split(line[2:].split(" # ")[0])
            if argv[0] == "make":
                result = subprocess.run(["make", "-n", *argv[1:]], cwd=ROOT, capture_output=True, text=True)
            else:
                assert argv[0] == "forecaster", line
                result = subprocess.run([str(BIN / "forecaster"), *argv[1:]], cwd=tmp_path, env=env,
                                        capture_output=True, text=True, timeout=600)
            assert result.returncode == 0, f"README command failed: {line}\n{result.stderr[-3000:]}"
            ran += 1
    assert ran >= 10
    assert (tmp_path / "runs" / "nile" / "export").is_dir()
    assert (tmp_path / "runs" / "nile-forecast.csv").exists()

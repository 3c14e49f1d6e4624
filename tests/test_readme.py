"""Every command and code block of README.md runs, so the README cannot drift from the code.

The runnable units (each ``python`` block, each ``$ `` line of a ``console`` block) form
chains: a unit joins the chain of an earlier unit whose output path (``--out PATH``,
``.save("PATH")``, ``.to_csv("PATH")``) it names. Each chain runs in document order in its
own temporary directory that holds a link to ``data/``, and each chain is its own test class,
so ``--dist loadscope`` spreads the chains over the workers (one test of every block held one
worker for three minutes). ``console`` blocks run their ``$ forecaster ...`` lines through the
installed console script; ``$ make X`` lines are checked with ``make -n X``. ``python``
blocks run as ``python -c``. ``text`` blocks are output, not run. A block preceded by
``<!-- not-run: reason -->`` is skipped and its reason is checked below. A chain of two or more
such units starts each one as a process forked from an interpreter that has imported TensorFlow
and Keras only (see fork_server.py): the import was 3-7 s of each unit; everything else starts
afresh in each unit, as in a new interpreter.
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
from fork_server import ForkServer

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


# paths a unit writes, and a path named as a whole (not a prefix of a longer name)
OUTPUT = re.compile(r"""--out\s+(?P<out>[^\s#]+)|\.(?:save|to_csv)\(\s*["'](?P<file>[^"']+)["']""")


def named(path: str, text: str) -> bool:
    return re.search(rf"(?<![\w./-]){re.escape(path)}(?![\w./-]*\w)", text) is not None


def units() -> list[tuple[str, str]]:
    """``(lang, text)`` of each runnable unit in document order: a python block, or one ``$ `` console line."""
    out = []
    for lang, body, reason in blocks():
        if reason or lang == "text":
            continue
        assert lang in ("python", "console"), lang
        if lang == "python":
            out.append((lang, body))
        else:
            out.extend((lang, line) for line in body.splitlines() if line.startswith("$ "))
    return out


def outputs(text: str) -> list[str]:
    return [m["out"] or m["file"] for m in OUTPUT.finditer(text)]


def chains() -> list[list[int]]:
    """The units (indices into :func:`units`) grouped by the outputs they share, each chain in document order."""
    found = units()
    chain_of = list(range(len(found)))

    def root(i: int) -> int:
        while chain_of[i] != i:
            i = chain_of[i]
        return i

    for later, (_, text) in enumerate(found):
        for earlier in range(later):
            if any(named(path, text) for path in outputs(found[earlier][1])):
                chain_of[root(later)] = root(earlier)
    grouped: dict[int, list[int]] = {}
    for i in range(len(found)):
        grouped.setdefault(root(i), []).append(i)
    return sorted(grouped.values())


def test_every_runnable_unit_is_in_exactly_one_chain():
    every = [i for chain in chains() for i in chain]
    assert sorted(every) == list(range(len(units()))) and len(every) >= 10
    # the dependencies the README has today are found (a unit reading a file of another chain would fail anyway)
    by_text = {text: n for n, chain in enumerate(chains()) for i in chain for text in [units()[i][1]]}
    nile = [n for text, n in by_text.items() if named("runs/nile", text)]
    stores = [n for text, n in by_text.items() if named("runs/stores", text) or named("stores.csv", text)]
    toml = [n for text, n in by_text.items() if named("best.toml", text)]
    assert len(set(nile)) == len(set(stores)) == len(set(toml)) == 1 and len(nile) >= 6 and len(toml) == 2


def run_chain(chain: list[int], tmp_path: Path) -> None:
    """Run the units of ``chain`` in order in ``tmp_path`` (with a link to data/); each must exit 0."""
    work = tmp_path / "work"
    work.mkdir()
    os.symlink(ROOT / "data", work / "data")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "MPLBACKEND": "Agg"}
    found = units()
    console_script = (BIN / "forecaster").read_text()
    processes = [i for i in chain if found[i][0] == "python" or not found[i][1].startswith("$ make ")]
    server = ForkServer(tmp_path, timeout=600) if len(processes) >= 2 else None

    def start(code: str, argv: list[str], command: list[str]) -> subprocess.CompletedProcess:
        """``command`` in the chain's directory; forked from the server (as ``code`` with ``argv``) when there is one."""
        if server is not None:
            return server.run([(code, argv, work)])[0]
        return subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=600)

    ran = 0
    try:
        for i in chain:
            lang, text = found[i]
            if lang == "python":
                result = start(text, ["-c"], [sys.executable, "-c", text])
                assert result.returncode == 0, f"README python block failed:\n{text}\n{result.stderr[-3000:]}"
                ran += 1
                continue
            argv = shlex.split(text[2:].split(" # ")[0])
            if argv[0] == "make":
                result = subprocess.run(["make", "-n", *argv[1:]], cwd=ROOT, capture_output=True, text=True)
            else:
                assert argv[0] == "forecaster", text
                script = [str(BIN / "forecaster"), *argv[1:]]
                result = start(console_script, script, script)  # the installed script's own code
            assert result.returncode == 0, f"README command failed: {text}\n{result.stderr[-3000:]}"
            ran += 1
    finally:
        if server is not None:
            server.close()
    assert ran == len(chain)
    for i in chain:
        for path in outputs(found[i][1]):
            assert (work / path).exists(), f"README unit did not write {path}: {found[i][1]}"
            if path == "runs/nile":
                assert (work / "runs" / "nile" / "export").is_dir()


class _Chain:
    """One chain of README units; the subclasses below differ only in ``chain``."""

    chain: list[int]

    @pytest.mark.slow
    def test_blocks_run(self, tmp_path):
        run_chain(self.chain, tmp_path)


# One class per chain: --dist loadscope sends each class to a worker of its own.
for _n, _units in enumerate(chains()):
    globals()[f"TestReadmeChain{_n}"] = type(f"TestReadmeChain{_n}", (_Chain,), {"chain": _units})

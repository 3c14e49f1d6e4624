"""Static checks of the analyst notebooks (no execution; CI executes them with nbmake).

Every notebook must use only the public API: ``forecaster`` itself and the
documented public modules below, importing only names listed in a module's
``__all__``; no ``sys.path`` edits; no access to ``_private`` attributes. The
notebooks are committed with their outputs, so each must also have been run
top to bottom without an error and stay small.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPECTED = (
    "01_quickstart",
    "02_cells_compared",
    "03_multivariate",
    "04_probabilistic_backtest",
    "05_export_and_serve",
    "06_classification",
    "07_generation",
)
MAX_BYTES = 1_000_000

# Modules a notebook may import from: the package and the modules that the
# architecture documents as usable on their own. Anything else (forecaster.forecaster,
# forecaster.cli, forecaster.tasks helpers, ...) is an implementation detail.
PUBLIC_MODULES = frozenset(
    {
        "forecaster",
        "forecaster.errors",
        "forecaster.data.io",
        "forecaster.data.split",
        "forecaster.data.scaling",
        "forecaster.data.windowing",
        "forecaster.models.factory",
        "forecaster.models.heads",
        "forecaster.training",
        "forecaster.evaluation",
        "forecaster.evaluation.metrics",
        "forecaster.evaluation.baselines",
        "forecaster.evaluation.backtest",
        "forecaster.evaluation.plots",
        "forecaster.export",
        "forecaster.tasks.classification",
        "forecaster.tasks.generation",
        "forecaster.tasks.sequences",
    }
)
ALLOWED_DUNDERS = frozenset({"__version__", "__name__", "__doc__", "__class__", "__all__"})
MAGIC = re.compile(r"^\s*[%!]")


def _module_file(module: str) -> Path:
    base = ROOT.joinpath(*module.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def _public_names(module: str) -> set[str]:
    """The literal ``__all__`` of a module, read from its source (no import)."""
    tree = ast.parse(_module_file(module).read_text(encoding="utf-8"))
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            return set(ast.literal_eval(node.value))
    raise AssertionError(f"{module} has no literal __all__")


def _code(path: Path) -> str:
    """The notebook's code cells as one Python source, IPython magics removed."""
    nb = nbformat.read(path, as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "code"]
    lines = [line for cell in cells for line in cell.splitlines() if not MAGIC.match(line)]
    return "\n".join(lines)


def api_problems(source: str) -> list[str]:
    """Every use of a non-public forecaster module/name, sys.path edit or private attribute."""
    problems = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "forecaster" and alias.name not in PUBLIC_MODULES:
                    problems.append(f"line {node.lineno}: import of non-public module {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                problems.append(f"line {node.lineno}: relative import")
            elif module.split(".")[0] == "forecaster":
                if module not in PUBLIC_MODULES:
                    problems.append(f"line {node.lineno}: import from non-public module {module}")
                    continue
                public = _public_names(module)
                for alias in node.names:
                    if alias.name not in public:
                        problems.append(
                            f"line {node.lineno}: {module}.{alias.name} is not in {module}.__all__"
                        )
        elif isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id == "sys" and node.attr == "path":
                problems.append(f"line {node.lineno}: sys.path is modified or read")
            elif node.attr.startswith("_") and node.attr not in ALLOWED_DUNDERS:
                problems.append(f"line {node.lineno}: private attribute .{node.attr}")
        elif isinstance(node, ast.Constant) and node.value == "PYTHONPATH":
            problems.append(f"line {node.lineno}: PYTHONPATH is modified or read")
    return problems


def test_expected_notebooks_exist() -> None:
    names = {p.stem for p in NOTEBOOKS}
    assert set(EXPECTED) <= names, f"missing notebooks: {sorted(set(EXPECTED) - names)}"


def test_public_modules_exist() -> None:
    missing = [m for m in PUBLIC_MODULES if not _module_file(m).is_file()]
    assert not missing, f"PUBLIC_MODULES lists modules that do not exist: {missing}"


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from forecaster import Forecaster", []),
        ("from forecaster.training import make_optimizer", []),
        ("from forecaster.forecaster import Forecaster", ["non-public module forecaster.forecaster"]),
        ("import forecaster.cli", ["non-public module forecaster.cli"]),
        ("from forecaster.training import _check_train_args", ["not in forecaster.training.__all__"]),
        ("import sys\nsys.path.insert(0, '..')", ["sys.path"]),
        ("fc._predict_scaled(x)", ["private attribute ._predict_scaled"]),
        ("print(forecaster.__version__)", []),
    ],
)
def test_checker_flags_what_it_should(source: str, expected: list[str]) -> None:
    problems = api_problems(source)
    assert len(problems) == len(expected), problems
    for problem, fragment in zip(problems, expected, strict=True):
        assert fragment in problem


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_uses_only_public_api(path: Path) -> None:
    problems = api_problems(_code(path))
    assert not problems, f"{path.name}: " + "; ".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_executed_and_small(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), "first cell must be a title"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count is not None for c in code), "run every cell before committing"
    counts = [c.execution_count for c in code]
    assert counts == sorted(counts), "cells were run out of order; re-execute top to bottom"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, f"saved outputs contain an error: {errors[0].ename}: {errors[0].evalue}"
    assert path.stat().st_size < MAX_BYTES, f"{path.name} is {path.stat().st_size} bytes"

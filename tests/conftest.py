"""Shared test fixtures: quiet TensorFlow, headless matplotlib, tiny daily frames, op determinism off."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
import pytest

# Set at collection time, before any test module imports TensorFlow or matplotlib
# (a session fixture would run too late for modules that import them at the top).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def without_op_determinism() -> Iterator[None]:
    """TensorFlow's op determinism off for the test, then back as it was.

    It is process-wide, and an earlier deterministic fit in the same worker leaves it on; with it,
    ``jit_compile="auto"`` leaves XLA off and Keras' ``compile(jit_compile=True)`` gives a model without XLA.
    """
    from tensorflow.python.framework.config import (
        disable_op_determinism,
        enable_op_determinism,
        is_op_determinism_enabled,
    )

    was_deterministic = is_op_determinism_enabled()
    disable_op_determinism()
    yield
    if was_deterministic:
        enable_op_determinism()
    else:
        disable_op_determinism()


@pytest.fixture
def daily_frame() -> Callable[..., pd.DataFrame]:
    """Factory for a small daily DataFrame: ``Date`` plus numeric columns.

    ``daily_frame(n=60, columns=("Close",), start="2024-01-01", freq="D", seed=0)``
    returns ``n`` rows; each column is a seeded random walk plus a sine wave so
    scaling and windowing tests see non-constant values.
    """

    def make(
        n: int = 60,
        columns: tuple[str, ...] = ("Close",),
        *,
        start: str = "2024-01-01",
        freq: str = "D",
        seed: int = 0,
    ) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        t = np.arange(n)
        data: dict[str, object] = {"Date": pd.date_range(start, periods=n, freq=freq)}
        for k, name in enumerate(columns):
            data[name] = 100.0 + 10 * k + np.cumsum(rng.normal(size=n)) + np.sin(t / 3 + k)
        return pd.DataFrame(data)

    return make


# --- scheduling under pytest-xdist ----------------------------------------------------------------

# Seconds each long work unit of `make test` took on one worker (2-core machine; the full run of
# 2026-11-30 13:03 UTC, summed from its JUnit report, units of 20 s and more; other jobs held the
# machine at load 5-6, so each is about twice a quiet run's; a class is its own unit under
# --dist loadscope, see test_readme.py and test_classification.py). Units made faster since carry
# that number scaled by their own before/after, measured back to back (commented).
# Only the order matters: a stale number makes the run a little slower, never wrong.
UNIT_SECONDS: dict[str, float] = {
    "tests/test_faults.py": 121,
    "tests/test_forecaster.py": 115,
    "tests/test_export.py": 80,
    "notebooks/02_cells_compared.ipynb": 74,  # 86 before its cheaper long-dependency training
    "notebooks/04_probabilistic_backtest.ipynb": 71,
    "tests/models/test_factory.py": 70,  # 93 before the noisy-sine fits took 8 epochs, not 25
    "tests/tasks/test_classification.py::TestAutoScaling": 69,
    "tests/test_readme.py::TestReadmeChain8": 67,
    "tests/tasks/test_classification.py": 67,
    "tests/test_distributed.py": 66,
    "tests/tasks/test_classification.py::TestRealUCRSet": 62,  # runs notebook 06, see RUN_BY_TEST; 69 before
    "tests/test_panel_global.py": 55,
    "tests/test_logs.py": 55,
    "tests/test_analyst.py": 51,
    "tests/tasks/test_classification.py::TestShapesModel": 50,
    "tests/test_calendar_inputs.py": 49,
    "tests/test_cli.py": 49,
    "tests/test_readme.py::TestReadmeChain6": 47,  # 95 before its units were forked from one TensorFlow import
    "notebooks/07_generation.ipynb": 47,
    "tests/test_choice_intervals.py": 47,
    "tests/test_readme.py::TestReadmeChain7": 45,
    "tests/data/test_windowing.py": 42,
    "tests/tasks/test_generation.py": 41,
    "tests/test_classification_choice.py": 40,
    "notebooks/05_export_and_serve.ipynb": 39,
    "tests/tasks/test_classification.py::TestUnlearnable": 39,
    "tests/test_training.py": 38,
    "tests/test_readme.py::TestReadmeChain2": 35,
    "tests/test_windows_per_epoch.py": 34,
    "notebooks/01_quickstart.ipynb": 34,
    "tests/test_cli_errors.py": 32,
    "forecaster/tasks/classification.py": 32,
    "tests/test_readme.py::TestReadmeChain10": 30,  # 39 before, as chain 6
    "notebooks/03_multivariate.ipynb": 30,
    "tests/test_tuning.py": 30,
    "tests/models/test_window_scale.py": 29,
    "tests/test_panel.py": 25,
    "tests/test_readme.py::TestReadmeChain3": 21,
    "tests/models/test_skip_seasonal_level.py": 21,
    "tests/test_startup_fast_path.py": 20,
}


def work_unit(nodeid: str) -> str:
    """The unit --dist loadscope sends to one worker: the class, else the module (xdist's own rule)."""
    return nodeid.rsplit("::", 1)[0]


# Notebooks that a test executes itself (and checks the results of): nbmake's run of the same
# notebook in the same session would repeat it, so it is left out when that test is collected.
RUN_BY_TEST: dict[str, str] = {
    "notebooks/06_classification.ipynb": "tests/tasks/test_classification.py::TestRealUCRSet",
}


@pytest.hookimpl(trylast=True)  # after -k / -m: a notebook is left out only if its test still runs
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Notebooks of ``RUN_BY_TEST`` out when their test is in; longest work units first, by ``UNIT_SECONDS``.

    A notebook left out still runs, every cell, inside its test (which fails on a cell error as
    nbmake would); run on its own (``pytest --nbmake notebooks``) it stays an nbmake item.

    `make test` runs ``-n auto --dist loadscope --no-loadscope-reorder``: each worker takes the
    next unit (a class, else a module: all its tests, so a module-scoped fit runs once and the
    fault cases' fixture sees all of them) in this order as it frees up. Longest first leaves the
    short units for the end, where they fill in so both workers finish at about the same time.
    Without xdist the order does not matter. The sort is stable: a unit's tests keep their order.
    """
    units = {work_unit(item.nodeid) for item in items}
    repeated = [item for item in items if RUN_BY_TEST.get(work_unit(item.nodeid)) in units]
    if repeated:
        config.hook.pytest_deselected(items=repeated)
        items[:] = [item for item in items if item not in repeated]
    items.sort(
        key=lambda item: (
            -UNIT_SECONDS.get(work_unit(item.nodeid), 0.0),
            item.get_closest_marker("slow") is None and item.path.suffix != ".ipynb",
        )
    )

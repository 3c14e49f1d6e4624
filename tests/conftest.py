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

# Seconds each long work unit of `make test` took on one worker (2-core machine, a quiet full run of
# 2026-12-04 12:32 UTC with --durations=0, setup + call + teardown summed per unit, units of 10 s
# and more; a class is its own unit under --dist loadscope, see test_readme.py and
# test_classification.py). Only the order matters: a stale number makes the run a little slower,
# never wrong (that run's wall time was 501 s against 479 s, half its summed item time).
UNIT_SECONDS: dict[str, float] = {
    "tests/test_faults.py": 54,
    "notebooks/02_cells_compared.ipynb": 46,
    "tests/test_export.py": 44,
    "tests/test_distributed.py": 39,
    "tests/tasks/test_classification.py": 33,
    "notebooks/07_generation.ipynb": 31,
    "tests/test_forecaster.py": 31,
    "tests/tasks/test_classification.py::TestShapesModel": 29,
    "tests/tasks/test_classification.py::TestRealUCRSet": 28,
    "tests/tasks/test_classification.py::TestAutoScaling": 26,
    "tests/models/test_factory.py": 25,
    "tests/test_cli.py": 25,
    "tests/test_logs.py": 24,
    "tests/test_history_plan.py": 22,
    "tests/tasks/test_generation.py": 21,
    "tests/test_panel_global.py": 21,
    "tests/test_choice_intervals.py": 20,
    "notebooks/04_probabilistic_backtest.ipynb": 20,
    "tests/test_readme.py::TestReadmeChain8": 19,
    "tests/test_startup_fast_path.py": 18,
    "notebooks/05_export_and_serve.ipynb": 17,
    "tests/test_readme.py::TestReadmeChain6": 17,
    "tests/test_panel.py": 16,
    "tests/test_seasonal_adjustment.py": 16,
    "tests/test_training.py": 16,
    "tests/test_readme.py::TestReadmeChain2": 16,
    "tests/test_cli_errors.py": 15,
    "notebooks/03_multivariate.ipynb": 15,
    "tests/test_readme.py::TestReadmeChain7": 15,
    "tests/test_train_reuse.py": 14,
    "tests/test_analyst.py": 14,
    "tests/data/test_windowing.py": 13,
    "tests/models/test_window_scale.py": 13,
    "tests/test_readme.py::TestReadmeChain10": 13,
    "notebooks/01_quickstart.ipynb": 12,
    "tests/test_calendar_inputs.py": 12,
    "tests/tasks/test_classification.py::TestUnlearnable": 12,
    "tests/models/test_median.py": 11,
    "tests/test_windows_per_epoch.py": 11,
    "tests/test_readme.py::TestReadmeChain3": 11,
    "tests/test_classification_choice.py": 11,
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

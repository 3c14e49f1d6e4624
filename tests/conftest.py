"""Shared test fixtures: quiet TensorFlow, headless matplotlib, tiny daily frames."""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

# Set at collection time, before any test module imports TensorFlow or matplotlib
# (a session fixture would run too late for modules that import them at the top).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")


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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Put the slow tests and the notebooks first, keeping the order of everything else.

    `make test` runs ``-n auto --dist loadscope --no-loadscope-reorder``: each worker takes the
    next module (all its tests, so a module-scoped fit runs once and the fault cases' fixture
    sees all of them) in this order as it frees up; starting with the long ones keeps one worker
    from finishing minutes after the other. Without xdist the order does not matter.
    """
    items.sort(
        key=lambda item: item.get_closest_marker("slow") is None and item.path.suffix != ".ipynb"
    )

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


# --- scheduling under pytest-xdist (`make test` runs `-n 2 --dist loadgroup`) -------------------

_SHARED_SCOPES = ("module", "class", "package", "session")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Order slow tests first, and keep the tests that share one module-scoped fit on one worker.

    Under ``--dist loadgroup`` each worker takes the next test (or group) as it frees up, so
    starting with the long ones keeps one worker from finishing minutes after the other. Tests of
    one module that use a fixture defined there with a wider scope than a function (one expensive
    fit, shared) get an ``xdist_group``, so that fit runs once and not once per worker; the fault
    cases also run all their subprocesses from one fixture. Without xdist both are harmless.
    """
    for item in items:
        defs = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
        module = getattr(item, "module", None)  # None for doctests and notebooks
        shared = module is not None and any(
            fixturedefs
            and fixturedefs[-1].scope in _SHARED_SCOPES
            and getattr(fixturedefs[-1].func, "__module__", None) == module.__name__
            for fixturedefs in defs.values()
        )
        if shared and item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
    # a stable sort: the order is otherwise kept
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)

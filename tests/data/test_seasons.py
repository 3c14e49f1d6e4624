"""Candidate seasons from frequencies, and the seasons the data supports."""

import time

import numpy as np
import pytest

from forecaster.data.seasons import (
    candidate_seasons,
    detect_seasons,
    primary_season,
    season_length,
    select_seasons,
)
from forecaster.errors import ForecasterError
from forecaster.evaluation.baselines import season_length as season_length_from_baselines


def _hourly(n_weeks: int, weekly: float, seed: int = 0) -> np.ndarray:
    """Hourly rows with a daily cycle, a weekend dip of size ``weekly`` and noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(24 * 7 * n_weeks)
    daily = 2.0 * np.sin(2 * np.pi * t / 24)
    weekend = np.where((t // 24) % 7 >= 5, -weekly, 0.3 * weekly)
    return 10.0 + daily + weekend + 0.3 * rng.normal(size=t.size)


@pytest.mark.parametrize(
    ("freq", "seasons"),
    [
        ("30min", (48, 336)),
        ("h", (24, 168)),
        ("H", (24, 168)),
        ("15min", (96, 672)),
        ("2h", (12, 84)),
        ("D", (7, 365)),
        ("B", (5, 261)),
        ("W", (52,)),
        ("W-SUN", (52,)),
        ("2W", (26,)),
        ("MS", (12,)),
        ("M", (12,)),
        ("QS", (4,)),
        ("Q", (4,)),
        ("SMS", (24,)),
        ("YS", ()),
        ("Y", ()),
        ("s", (60,)),
        (None, ()),
    ],
)
def test_candidate_seasons(freq, seasons):
    assert candidate_seasons(freq) == seasons


def test_candidates_include_the_natural_season_where_there_is_one():
    for freq in ("30min", "h", "15min", "D", "B", "W", "MS", "QS", "2h", "3MS"):
        assert season_length(freq) in candidate_seasons(freq)


def test_season_length_still_importable_from_baselines():
    assert season_length_from_baselines is season_length
    with pytest.raises(ForecasterError, match="not a pandas frequency"):
        candidate_seasons("fortnightly")


def test_two_cycles_kept_weekly_first_when_it_is_stronger():
    seasons = select_seasons(_hourly(12, weekly=1.0), candidate_seasons("h"))
    assert seasons == (168, 24)
    assert primary_season(seasons) == 168


def test_daily_cycle_alone_keeps_only_the_day():
    assert select_seasons(_hourly(12, weekly=0.0), (24, 168)) == (24,)


def test_weekly_order_by_horizon_and_short_data():
    values = _hourly(12, weekly=1.0)
    # Two weeks of rows cannot show a weekly season (three are needed).
    assert select_seasons(values[: 24 * 7 * 2], (24, 168)) == (24,)
    assert detect_seasons(values, "h", horizon=24) == (168, 24)


@pytest.mark.parametrize("kind", ["white_noise", "random_walk", "trend"])
def test_no_season_without_a_cycle(kind):
    rng = np.random.default_rng(3)
    noise = rng.normal(size=24 * 7 * 12)
    values = {
        "white_noise": noise,
        "random_walk": np.cumsum(noise),
        "trend": 0.05 * np.arange(noise.size) + noise,
    }[kind]
    assert select_seasons(values, (24, 168)) == ()
    assert primary_season(select_seasons(values, (24, 168))) == 1


def test_white_noise_rarely_gets_a_season_on_short_monthly_series():
    rng = np.random.default_rng(4)
    hits = sum(bool(select_seasons(rng.normal(size=60), (12,))) for _ in range(200))
    assert hits <= 20  # about alpha = 5 % expected


def test_monthly_season_with_noise_is_found():
    rng = np.random.default_rng(5)
    t = np.arange(72)
    values = 100 + 10 * np.sin(2 * np.pi * t / 12) + 3 * rng.normal(size=t.size)
    assert select_seasons(values, candidate_seasons("MS")) == (12,)


def test_strong_cycle_on_three_seasons_is_kept_without_the_t_test(monkeypatch):
    # Three days of half-hourly solar-like output, each day its own cloudiness: two seasons of
    # evidence give the t-test one degree of freedom; seasonal naive halves naive's error on both.
    def days(seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        t = np.arange(3 * 48)
        cloud = np.repeat(rng.uniform(0.3, 1.0, 3), 48)
        return np.clip(np.sin(2 * np.pi * t / 48 - np.pi / 2), 0, None) * cloud + 0.05 * rng.normal(size=t.size)

    series = [days(seed) for seed in range(8, 28)]
    assert all(select_seasons(v, (48, 336)) == (48,) for v in series)
    import forecaster.data.seasons as seasons

    monkeypatch.setattr(seasons, "STRONG_GAIN", float("inf"))  # the t-test alone misses most of them
    assert sum(select_seasons(v, (48, 336)) == (48,) for v in series) <= 6


def test_noise_rarely_gets_a_season_on_three_seasons_of_rows():
    rng = np.random.default_rng(8)
    for make in (lambda: rng.normal(size=36), lambda: np.cumsum(rng.normal(size=36))):
        assert sum(bool(select_seasons(make(), (12,))) for _ in range(200)) <= 20  # about alpha = 5 %


def test_panel_and_several_targets_pool_columns():
    one = _hourly(3, weekly=0.0, seed=1)
    two = 1000 * _hourly(4, weekly=0.0, seed=2)  # another scale: normalised per column
    assert select_seasons([one, two], (24, 168)) == (24,)
    rng = np.random.default_rng(6)
    stacked = np.column_stack([_hourly(12, weekly=1.0), rng.normal(size=24 * 7 * 12)])
    assert select_seasons(stacked, (24, 168)) == (168, 24)


def test_fast_on_a_million_rows():
    rng = np.random.default_rng(7)
    t = np.arange(1_000_000)
    values = np.sin(2 * np.pi * t / 48) + 0.3 * rng.normal(size=t.size)
    start = time.perf_counter()
    assert select_seasons(values, candidate_seasons("30min")) == (48,)
    assert time.perf_counter() - start < 5.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"candidates": (0,)}, "integers >= 1"),
        ({"candidates": (2.5,)}, "integers >= 1"),
        ({"min_cycles": 1}, "min_cycles"),
        ({"min_gain": 1.5}, "min_gain"),
        ({"alpha": 0.0}, "alpha"),
        ({"horizon": 0}, "horizon"),
    ],
)
def test_bad_arguments_raise(kwargs, match):
    args = {"candidates": (24,), **kwargs}
    with pytest.raises(ForecasterError, match=match):
        select_seasons(np.arange(100.0), **args)


def test_bad_values_raise():
    with pytest.raises(ForecasterError, match="NaN"):
        select_seasons(np.array([1.0, np.nan, 2.0]), (2,))
    with pytest.raises(ForecasterError, match="shape"):
        select_seasons(np.zeros((2, 2, 2)), (2,))


def test_offsets_are_accepted_like_strings():
    import pandas as pd

    assert candidate_seasons(pd.tseries.frequencies.to_offset("30min")) == (48, 336)
    assert season_length(pd.offsets.MonthBegin()) == 12
    with pytest.raises(ForecasterError, match="frequency string, a pandas offset or None"):
        candidate_seasons(24)

"""The window-baseline plan of a single series: forecast by the window baselines instead of a network.

* :func:`short_series_plan`: a single series too short for the network's
  training, validation and test windows and one rolling origin that checks
  it is forecast by the best window baseline instead, chosen on the windows
  before its test part (``training.choice.choose_and_calibrate``).
* :func:`history_plan` builds that plan for any origin: a longer series' plan
  competes with its network after the held-out metrics
  (``training.choice.history_plan_refit``); its window is at most
  ``MAX_HISTORY_ROWS`` rows.
* :func:`short_series_final_plan`: the plan chosen again on every window
  through the last row, as a network is refit on every row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from forecaster.data.split import Split
from forecaster.training.selection import MIN_VAL_WINDOWS, ROLLING_FOLDS

__all__ = ["MAX_HISTORY_ROWS", "ShortPlan", "history_plan", "short_series_final_plan", "short_series_plan"]

# the longest window of a window-baseline plan (history_plan): a series up to this many rows before its test
# windows reads all of them; a longer one reads its latest this many, and its compared windows lie within them
# (training.choice.calibration_windows), so its plan costs what a 1,000-row series' does (about 2 s)
MAX_HISTORY_ROWS = 1000


class ShortPlan(NamedTuple):
    """A window-baseline fit of one series too short for the network (:func:`short_series_plan`)."""

    input_width: int  # the whole training part (at most MAX_HISTORY_ROWS rows): the drift is the line through it
    span: int  # the rows the window mean reads; the compared windows start after them
    seasons: tuple[int, ...]
    splits: list[Split]
    # the latest rows whose mean absolute change scales the conformal scores (the network's window): the
    # whole window's (up to 1,000 rows) lags a change in volatility, and gasoline's test windows had 80 %
    # intervals cover 0.58 with it, 0.75 with these (docs/benchmarks.md)
    scale_rows: int


def short_series_plan(lengths: Sequence[int], input_width: int, horizon: int, natural: int) -> ShortPlan | None:
    """The :class:`ShortPlan` of one series too short for the network, else ``None``.

    The network needs ``input_width + 3 * horizon`` rows (training, validation and test
    windows); 74 % of M3's yearly series and 27 % of its monthly ones have fewer. With
    exactly that many, its validation windows are folded into training and even the last
    rolling origin (:func:`rolling_origin_epochs`) has none: it would train a fixed budget
    that nothing checks, and no out-of-sample window would compare it with the baselines
    (on 145 such M1/M3/tourism series its mean MASE was 2.04, worse than the last value's
    1.90; the plan below gave 1.65). So a series needs ``ceil(MIN_VAL_WINDOWS /
    ROLLING_FOLDS) - 1`` rows more for the network. A series
    of at least ``2 * horizon + 2`` rows still gets an honest forecast: its last ``horizon``
    rows are the test part, and the window baselines, which fit nothing, compete on every
    window before them (``training.choice``). The window is the whole training part, so the
    drift is the line through all of it (on M1/M3/tourism's short series a window of a few
    rows made it a noisy slope: mean MASE 2.05 against 1.85, docs/benchmarks.md). The
    window mean reads the last ``span`` rows, and the comparison starts after them: one
    season where the rows leave such a window before the test part (the mean is then the
    deseasonalised level), else the widest span up to ``input_width`` that does. The
    conformal scores are scaled by the latest ``input_width`` rows of each window.

    Example:
        >>> width, span, seasons, splits, scale_rows = short_series_plan([48], 24, 18, 12)
        >>> width, span, seasons, splits[0].train, splits[0].test, scale_rows
        (30, 12, (12,), (0, 30), (0, 48), 24)
        >>> short_series_plan([14], 6, 6, 1)[:2], short_series_plan([61], 24, 12, 12)
        ((8, 2), None)
    """
    if len(lengths) != 1:
        return None
    n = int(lengths[0])
    checked = input_width + 3 * horizon + -(-MIN_VAL_WINDOWS // ROLLING_FOLDS) - 1  # a network with one rolling origin
    return None if n >= checked else history_plan(n, n - horizon, input_width, horizon, natural)


def history_plan(n_rows: int, origin: int, input_width: int, horizon: int, natural: int) -> ShortPlan | None:
    """The window-baseline plan of the first ``n_rows`` rows of one series whose test windows start at ``origin``:
    the window is every row before it, at most ``MAX_HISTORY_ROWS``, and the candidates are compared on the
    windows before it (``None``: too few rows).

    A short series' plan (:func:`short_series_plan`) has one test window, at ``n_rows - horizon``; a
    series long enough for the network has the plan compete with the held-out model on its test
    windows (``training.choice.history_plan_refit``). ``input_width``: the network's window, the
    span of the window mean when no season fits. The window's bound keeps a long series' plan
    about as cheap as a 1,000-row one's, and its forecast reads the recent rows, not a decade.

    Example:
        >>> plan = history_plan(120, 100, 24, 12, 12)
        >>> plan.input_width, plan.span, plan.seasons, plan.splits[0].train, plan.splits[0].test
        (100, 12, (12,), (0, 100), (0, 120))
        >>> history_plan(5000, 4000, 24, 12, 12).input_width
        1000
    """
    width = min(origin, MAX_HISTORY_ROWS)
    room = width - horizon  # the widest span that leaves one window before the first test window
    if room < 2:  # a window's local scale (the intervals) needs two rows
        return None
    seasonal = 1 < natural <= room
    span = natural if seasonal else min(room, input_width)
    seasons = (natural,) if seasonal else ()
    splits = [Split(train=(0, origin), val=(0, 0), test=(0, n_rows))]
    return ShortPlan(width, span, seasons, splits, max(2, min(input_width, width)))  # a local scale needs two rows


def short_series_final_plan(plan: ShortPlan, natural: int) -> ShortPlan:
    """The plan of a short series' forecast after its held-out metrics: the baselines compared again
    on every window through the last row, as a network is refit on every row.

    The test part's window is the latest and the one with the most history before it, so the
    most like the forecast; the held-out plan's comparison had to stop before it. With it, a
    season of up to ``input_width`` rows also competes, which the held-out plan left out when a
    whole season did not fit before the test part's window (100 of M1's 387 short monthly series).
    On the 1,807 short series of M1, M3 and tourism the mean MASE went from 1.760 to 1.701
    (docs/benchmarks.md, "The short series' choice made again on every window").

    Example:
        >>> final = short_series_final_plan(short_series_plan([42], 24, 18, 12), 12)
        >>> final.input_width, final.span, final.seasons, final.splits[0].train
        (24, 12, (12,), (0, 42))
    """
    n = plan.splits[0].test[1]
    seasonal = 1 < natural <= plan.input_width
    span = natural if seasonal else plan.span
    splits = [Split(train=(0, n), val=(0, 0), test=(n, n))]
    return ShortPlan(plan.input_width, span, (natural,) if seasonal else (), splits, plan.scale_rows)

"""Choices made on the training part before the final fit: seasons, input width, skip baseline, epoch budget.

* :func:`choose_seasons`: the season lengths a ``Forecaster`` keeps (the
  user's, checked against the data, or those the training rows support; a
  panel also keeps a season that ``PANEL_SEASON_SHARE`` of its series
  support on their own).
* :func:`choose_input_width`: the window covers every kept season the skip
  may repeat; the recurrent encoder reads two short seasons, two horizons or
  16 rows.
* :func:`window_plan`: both of the above as ``Forecaster.fit`` applies them
  to a series (a panel's encoder spans one horizon, not two).
* :func:`trainable_segments`: the series long enough for training,
  validation and test windows (the others are skipped with a warning).
* :func:`plan_splits`: the chronological split of each series, and whether
  its validation part is long enough for early stopping (else it is folded
  into training and the epoch budget comes from rolling origins).

* :func:`choose_skip`: which baseline the network corrects when
  ``skip="auto"``: the last value, the seasonal naive forecast or the mean of
  the input window (the *window-mean skip*; not to be confused with the
  history-mean baseline of :mod:`forecaster.evaluation.baselines`), whichever
  has the lowest MAE over the training windows; :func:`resolve_skip` applies
  the ``skip`` parameter (and the season a seasonal skip repeats).
* :func:`check_window_scale`: the ``window_scale`` option checked against
  the skip it needs.
* :func:`resolve_windows_per_epoch` / :func:`per_windows`: the windows one
  epoch samples on a long series, and the epoch counts (patience, budget)
  rescaled so they count windows seen, not epochs; :func:`resolve_epochs`:
  ``epochs="auto"``, at most ``MAX_WINDOWS_SEEN`` windows (large panels).
* :func:`rolling_origin_epochs`: the epoch budget of a series too short for
  early stopping (ACCURACY.md): the model is fit at ``ROLLING_FOLDS`` origins
  at the end of the training rows, each validated on the next few windows,
  and the epoch with the lowest mean validation loss is returned. Every origin
  goes through :func:`forecaster.training.train` from the same seed, so each
  starts from the same initial weights and a fresh optimizer.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from forecaster.data.io import SeriesData
from forecaster.data.split import Split, chronological_split
from forecaster.data.windowing import count_windows
from forecaster.errors import ForecasterError

logger = logging.getLogger(__name__)

__all__ = [
    "AUTO_EPOCHS",
    "MAX_WINDOWS_SEEN",
    "MIN_VAL_WINDOWS",
    "PANEL_SEASON_SHARE",
    "ROLLING_FOLDS",
    "auto_batch_size",
    "baseline_may_forecast",
    "best_epoch",
    "check_window_scale",
    "choose_input_width",
    "choose_seasons",
    "choose_skip",
    "detach_last_fold",
    "per_windows",
    "plan_splits",
    "resolve_epochs",
    "resolve_skip",
    "resolve_windows_per_epoch",
    "rolling_origin_epochs",
    "trainable_segments",
    "window_plan",
]

MIN_VAL_WINDOWS = 8  # fewer validation windows than this make early stopping chance
ROLLING_FOLDS = 4  # origins that choose the epoch budget when the validation part is too small
PANEL_SEASON_SHARE = 0.25  # a panel keeps a season that this share of its series supports on their own


def trainable_segments(segments: list[tuple[Any, int, int]], min_rows: int) -> list[tuple[Any, int, int]]:
    """The ``(id, start, stop)`` segments with at least ``min_rows`` (``input_width + 3 * horizon``) rows.

    Raises:
        ForecasterError: when no series is that long (a warning says how many were skipped otherwise).
    """
    lengths = [stop - start for _, start, stop in segments]
    kept = [seg for seg in segments if seg[2] - seg[1] >= min_rows]
    if not kept:
        raise ForecasterError(
            f"series has {max(lengths)} rows; input_width + 3 * horizon = {min_rows} are needed "
            "for training, validation and test windows (use a longer series or a smaller "
            "input_width / horizon [CLI: --input-width / --horizon])."
        )
    if len(kept) < len(segments):
        warnings.warn(
            f"{len(segments) - len(kept)} of {len(segments)} series have fewer than "
            f"{min_rows} rows (input_width + 3 * horizon) and were skipped.",
            stacklevel=3,
        )
    return kept


def baseline_may_forecast(fc: Any) -> bool:
    """Whether a window baseline or the linear model may forecast instead of the network: ``model``
    ``"auto"`` or ``"median"`` and the point head (a baseline has no quantiles or spread)."""
    return fc.model in ("auto", "median") and fc.head == "point"


def plan_splits(
    lengths: Sequence[int], input_width: int, horizon: int, *, val: float, test: float
) -> tuple[list[Split], bool, bool]:
    """``(splits, use_val, folded)`` for series of ``lengths`` rows.

    ``use_val``: the validation parts hold at least ``MIN_VAL_WINDOWS`` windows
    in all (early stopping on them). Otherwise, when a validation part was
    asked for (``folded``), its rows are folded into training and the epoch
    budget is chosen on ``ROLLING_FOLDS`` rolling origins instead.

    Example:
        >>> splits, use_val, folded = plan_splits([60], 10, 5, val=0.15, test=0.15)
        >>> use_val, folded, splits[0].train, splits[0].test
        (False, True, (0, 51), (41, 60))
    """
    splits = [chronological_split(n, input_width, horizon, val=val, test=test) for n in lengths]
    val_windows = sum(count_windows(s.val[1] - s.val[0], input_width, horizon) for s in splits)
    use_val = val_windows >= MIN_VAL_WINDOWS
    folded = not use_val and val > 0
    if folded:
        logger.info(
            "validation part has %d windows (< %d): choosing the epoch budget on %d rolling origins instead of early stopping",
            val_windows,
            MIN_VAL_WINDOWS,
            ROLLING_FOLDS,
        )
        # Fold the (too small) validation rows into training.
        splits = [Split(train=(0, s.test[0] + input_width), val=(0, 0), test=s.test) for s in splits]
    return splits, use_val, folded


def choose_seasons(
    series: SeriesData,
    segments: list[tuple[Any, int, int]],
    seasons: Sequence[int] | None,
    *,
    horizon: int,
    val: float,
    test: float,
) -> tuple[int, ...]:
    """The seasons: the user's ``seasons`` (checked against the data) or those the training rows support.

    Panels: the pooled rule of ``select_seasons`` first; if it keeps nothing, a
    season is kept when at least ``PANEL_SEASON_SHARE`` of the series keep it on
    their own (a global model still serves the many that follow it).

    Raises:
        ForecasterError: for a user season longer than the training rows allow.
    """
    from forecaster.data.seasons import candidate_seasons, select_seasons

    n_targets = len(series.targets)
    share = 1 - val - test
    rows = [series.values[a : a + int((b - a) * share), :n_targets] for _, a, b in segments]
    longest = max(len(r) for r in rows)
    if seasons is not None:
        for m in seasons:
            if longest < 2 * m + horizon:
                raise ForecasterError(
                    f"season {m} needs at least {2 * m + horizon} training rows (two seasons + horizon); "
                    f"the longest series has {longest} (use a longer series or a shorter season [CLI: --seasons])."
                )
        return tuple(int(m) for m in seasons)
    candidates = candidate_seasons(series.freq)
    if not candidates:
        return ()
    rows = [r for r in rows if len(r) > 2]
    if not rows:
        return ()
    kept = select_seasons(rows if len(rows) > 1 else rows[0], candidates, horizon=horizon)
    if kept or len(rows) < 2:
        return kept
    counts: dict[int, int] = {}
    for r in rows:
        try:
            for m in select_seasons(r, candidates, horizon=horizon):
                counts[m] = counts.get(m, 0) + 1
        except ForecasterError:
            continue
    return tuple(sorted((m for m, c in counts.items() if c >= PANEL_SEASON_SHARE * len(rows)), key=lambda m: -counts[m]))


def choose_input_width(
    input_width: int | None, seasons: tuple[int, ...], natural: int, longest: int, *, horizon: int, val: float, test: float
) -> tuple[int, int | None]:
    """(input_width, encoder_width): the window covers every kept season the skip may repeat,
    the recurrent encoder reads today's width (two short seasons, two horizons, 16 rows).

    The window holds one row more than a season where it can, so the seasonal-level
    baseline of ``model="auto"`` (the change over that season) is available for it too.

    Example:
        >>> choose_input_width(None, (7, 365), 7, 2000, horizon=14, val=0.15, test=0.15)
        (366, 28)
    """
    if input_width is not None:
        return int(input_width), None
    short = min(seasons) if seasons else natural
    # Keep at least ~half the series for windows of the training part.
    cap = max(horizon, int(longest * (1 - val - test)) // 2)
    encoder = int(min(max(2 * short, 2 * horizon, 16), cap))
    width = max([encoder, *(min(m + 1, cap) for m in seasons if m <= cap)])
    return int(width), (encoder if width > encoder else None)


def window_plan(
    series: SeriesData, seasons: Sequence[int] | None, input_width: int | None, *, horizon: int, val: float, test: float
) -> tuple[tuple[int, ...], int, int | None]:
    """``(seasons, input_width, encoder_width)`` that ``Forecaster.fit`` uses on ``series`` (needs no TensorFlow).

    A panel's window spans one horizon, not two (two short seasons still): measured on M3
    monthly (H = 18, docs/benchmarks.md) the 36-row window left the held-out network tied
    with the last value on validation, so ``model="auto"`` fell back to it; 24 rows did not.
    """
    from forecaster.evaluation.baselines import season_length

    segments = series.segments()
    kept = choose_seasons(series, segments, seasons, horizon=horizon, val=val, test=test)
    longest = max(stop - start for _, start, stop in segments)
    # choose_input_width asks for 2 * horizon rows: half the horizon (rounded up) gives one
    width_horizon = -(-horizon // 2) if series.id_col is not None else horizon
    width, encoder = choose_input_width(
        input_width, kept, season_length(series.freq), longest, horizon=width_horizon, val=val, test=test
    )
    return kept, width, encoder


def auto_batch_size(n_windows: int) -> int:
    """``batch_size="auto"``: a quarter of the training windows within [16, 64].

    A short series (Airline: 57 training windows) got one optimizer step per
    epoch at 64, so early stopping judged 10 noisy steps; at 16 it gets four.

    Example:
        >>> auto_batch_size(57), auto_batch_size(100), auto_batch_size(5000)
        (16, 25, 64)
    """
    return int(min(64, max(16, n_windows // 4)))


# windows_per_epoch="auto": a series with more training windows than AUTO_WINDOWS_MIN samples
# epochs of at most AUTO_WINDOWS_PER_EPOCH windows (equal parts of one sweep); shorter ones sweep all.
AUTO_WINDOWS_MIN = 4096
AUTO_WINDOWS_PER_EPOCH = 2048


def resolve_windows_per_epoch(setting: int | str | None, n_windows: int) -> int | None:
    """Windows one training epoch samples: ``None`` sweeps all ``n_windows`` (also for an int >= them).

    ``"auto"``: every window up to ``AUTO_WINDOWS_MIN`` training windows; above,
    one sweep split into ``ceil(n / AUTO_WINDOWS_PER_EPOCH)`` equal sampled epochs.

    Example:
        >>> resolve_windows_per_epoch("auto", 3000), resolve_windows_per_epoch("auto", 6000)
        (None, 2000)
        >>> resolve_windows_per_epoch(512, 6000), resolve_windows_per_epoch(8000, 6000)
        (512, None)
    """
    n = int(n_windows)
    if setting is None:
        return None
    if setting == "auto":
        if n <= AUTO_WINDOWS_MIN:
            return None
        return -(-n // -(-n // AUTO_WINDOWS_PER_EPOCH))
    return None if int(setting) >= n else int(setting)


# epochs="auto": at most AUTO_EPOCHS sweeps and at most MAX_WINDOWS_SEEN training windows in all. On a
# 1,000 x 200 panel (113k windows a sweep) the validation loss still crept down after 5 sweeps: 5
# epochs cost 0.6 % of MASE for 4.4x less CPU than 23 (docs/benchmarks.md, "Panel fit time"); a single
# series below 6,000 training windows keeps all AUTO_EPOCHS.
AUTO_EPOCHS = 100
MAX_WINDOWS_SEEN = 600_000


def resolve_epochs(setting: int | str, n_windows: int) -> int:
    """The most full sweeps over ``n_windows`` training windows a fit trains: an int as given, ``"auto"`` capped.

    Example:
        >>> resolve_epochs("auto", 3000), resolve_epochs("auto", 113_000), resolve_epochs(100, 113_000)
        (100, 5, 100)
    """
    if setting != "auto":
        return int(setting)
    return min(AUTO_EPOCHS, max(1, MAX_WINDOWS_SEEN // max(1, int(n_windows))))


def per_windows(count: int, n_windows: int, windows_per_epoch: int | None) -> int:
    """``count`` full epochs (patience, budget) as sampled epochs of ``windows_per_epoch``: the same windows seen.

    Example:
        >>> per_windows(10, 6000, 2000), per_windows(10, 6000, 512), per_windows(10, 6000, None)
        (30, 118, 10)
    """
    if windows_per_epoch is None:
        return int(count)
    return max(1, -(-int(count) * int(n_windows) // int(windows_per_epoch)))


def choose_skip(
    train_parts: Sequence[np.ndarray],
    n_targets: int,
    season: int | Sequence[int],
    input_width: int,
    horizon: int,
) -> str:
    """The skip baseline with the lowest MAE over the training windows.

    Args:
        train_parts: the scaled training rows of each series ``[rows, n_features]``
            (targets first).
        n_targets: number of target columns.
        season: the season length (candidate ``"seasonal"``), or a sequence of
            the kept seasons (candidates ``"seasonal_<m>"``, one per season);
            a seasonal candidate needs ``1 < m <= input_width``.
        input_width, horizon: window sizes.

    Returns:
        ``"last"``, ``"mean"``, and ``"seasonal"`` or ``"seasonal_<m>"``.
        Ties go to the earlier of last, the seasons in the order given, mean.
    """
    from forecaster.evaluation.baselines import naive, seasonal_naive

    width = input_width
    if isinstance(season, int | np.integer):
        seasonal = {"seasonal": int(season)} if 1 < season <= width else {}
    else:
        seasonal = {f"seasonal_{int(m)}": int(m) for m in season if 1 < m <= width}
    candidates = ("last", *seasonal, "mean")
    errors = dict.fromkeys(candidates, 0.0)
    for part in train_parts:
        train = np.asarray(part)[:, :n_targets]
        # the origins of the training windows, where every baseline sees a full window
        origins = np.arange(width, len(train) - horizon + 1)
        if origins.size == 0:
            continue
        actual = np.lib.stride_tricks.sliding_window_view(train, horizon, axis=0)[origins].transpose(0, 2, 1)
        running = np.concatenate([np.zeros((1, n_targets)), np.cumsum(train, axis=0)])
        window_mean = ((running[origins] - running[origins - width]) / width)[:, None, :]
        errors["last"] += float(np.abs(naive(train, origins, horizon) - actual).mean())
        errors["mean"] += float(np.abs(window_mean - actual).mean())
        for name, m in seasonal.items():
            errors[name] += float(np.abs(seasonal_naive(train, origins, horizon, m) - actual).mean())
    return min(candidates, key=errors.__getitem__)


def resolve_skip(
    skip: str,
    train_parts: Sequence[np.ndarray],
    n_targets: int,
    seasons: Sequence[int],
    *,
    season: int,
    natural: int,
    input_width: int,
    horizon: int,
) -> tuple[str, int]:
    """``(skip_, skip_season_)``: the ``skip`` parameter resolved (``"auto"``: :func:`choose_skip` on ``train_parts``).

    ``train_parts`` (the scaled training rows) are read only for ``"auto"``. The season a
    seasonal skip repeats is the primary ``season``; without one (an explicit
    ``skip="seasonal"``) the frequency's ``natural`` season when the window holds it, else 1.
    """
    skip_season = season if season > 1 else (natural if natural <= input_width else 1)
    if skip != "auto":
        return skip, skip_season
    chosen = choose_skip(train_parts, n_targets, tuple(seasons), input_width, horizon)
    if chosen.startswith("seasonal_"):
        return "seasonal", int(chosen.removeprefix("seasonal_"))
    return chosen, skip_season


def check_window_scale(window_scale: bool, skip: str) -> None:
    """Check the ``window_scale`` parameter against the resolved skip (``skip_``).

    Off by default: on the accuracy benchmark and the M3 panel it helped some series and hurt
    others about as much (docs/benchmarks.md, "Per-window scaling").

    Raises:
        ForecasterError: ``window_scale=True`` without a skip baseline (it scales the correction to one).
    """
    if window_scale and skip == "none":
        raise ForecasterError(
            "window_scale=True scales the network's correction to a skip baseline; "
            "pass skip='auto' (or 'last', 'seasonal', 'mean') or window_scale=False."
        )


def best_epoch(curves: Sequence[Sequence[float]], epochs: int) -> int:
    """1-based epoch of the lowest mean validation loss over origins.

    An origin that stopped early has no loss for later epochs; those epochs
    count as infinitely bad, so they are never chosen.

    Example:
        >>> best_epoch([[3.0, 1.0, 2.0], [2.0, 1.5]], 3)
        2
    """
    padded = np.full((len(curves), epochs), np.inf)
    for row, curve in zip(padded, curves, strict=True):
        row[: len(curve)] = curve
    return int(np.argmin(padded.mean(axis=0))) + 1


def detach_last_fold(fold_models: list, build_fn: Callable[[], Any]) -> Any:
    """The last origin's model, its ``fold_models`` entry replaced by a copy, so the model can train again."""
    from forecaster.training import copy_model

    model, tail = fold_models[-1]
    fold_models[-1] = (copy_model(build_fn, model), tail)
    return model


def rolling_origin_epochs(
    train_parts: Sequence[np.ndarray],
    build_fn: Callable[[], Any],
    *,
    input_width: int,
    horizon: int,
    n_targets: int,
    epochs: int,
    patience: int,
    batch_size: int,
    seed: int,
    loss: Any,
    fold_models: list | None = None,
    **train_args: Any,
) -> int:
    """Epoch budget (at most ``epochs``) chosen on ``ROLLING_FOLDS`` origins at the end of the training rows.

    Each origin is trained by :func:`forecaster.training.train` on the rows
    before it, validated on the next ``ceil(MIN_VAL_WINDOWS / ROLLING_FOLDS)``
    windows and stopped after ``2 * patience`` epochs without a 1 % gain (``training.stopping``),
    without a learning-rate schedule (as the final fit then runs). One short
    validation tail would make the choice chance; a fixed budget overfits.
    ``train_args`` go to ``train`` unchanged (optimizer, learning rate,
    clipping, determinism, strategy, XLA). With ``fold_models`` (a list), each
    origin's trained model is appended as ``(model, tail)``: its validation
    windows' first target rows are ``len(part) - tail`` and the
    ``ceil(MIN_VAL_WINDOWS / ROLLING_FOLDS) - 1`` rows after it (the conformal
    intervals and the baseline choice use these out-of-sample forecasts).
    """
    from forecaster.data.windowing import make_windows
    from forecaster.training import train

    targets = list(range(n_targets))
    per_fold = -(-MIN_VAL_WINDOWS // ROLLING_FOLDS)
    curves, compiled = [], None
    for back in range(ROLLING_FOLDS - 1, -1, -1):
        fold_train, fold_val = [], []
        for part in train_parts:
            end = len(part) - back * per_fold
            cut = end - horizon - per_fold + 1  # first target row of the validation windows
            if cut >= input_width and count_windows(cut, input_width, horizon):
                fold_train.append(part[:cut])
                fold_val.append(part[cut - input_width : end])
        if not fold_train:
            continue
        train_ds = make_windows(
            fold_train, input_width, horizon, targets=targets, batch_size=batch_size, shuffle=True, seed=seed
        )
        val_ds = make_windows(fold_val, input_width, horizon, targets=targets, batch_size=256, cache=True)
        if fold_models and fold_models[-1][0] is compiled:  # the origin before keeps its weights
            detach_last_fold(fold_models, build_fn)
        history = train(
            build_fn,
            train_ds,
            val_ds,
            loss=loss,
            epochs=epochs,
            patience=2 * patience,
            seed=seed,
            verbose=0,
            reduce_lr=False,
            reuse=compiled,  # one compiled model for every origin: traced once
            **train_args,
        )
        compiled = history.model
        curves.append(history.history["val_loss"])
        if fold_models is not None:
            fold_models.append((history.model, back * per_fold + horizon + per_fold - 1))
    if not curves:
        return int(epochs)
    best = best_epoch(curves, epochs)
    logger.info("rolling-origin validation over %d origins chose %d epochs", len(curves), best)
    return best

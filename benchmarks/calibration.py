"""Conformal calibrations compared on the final rows: one fit per series and origin, several rules.

For each series of the accuracy benchmark (and of ``unseen.py``) at each origin (``--offsets``,
as ``accuracy.py --offset``), the default ``Forecaster(horizon=H, seed=0, verbose=0)`` is fit once
on the training rows. The residuals its final intervals are calibrated with (validation windows,
then test windows, each with its origin and local scale) and the final forecast with its local
scale are captured; each calibration rule then rebuilds the final intervals from them, so rules
are compared on the same forecasts: coverage of the final ``H`` rows and the mean width relative
to today's rule, per level. A rule weights the calibration windows (recency, one part only) or
moves the quantile level by the test windows' coverage under the validation windows' calibration
(:func:`corrected_level`). Capturing takes one fit per series-origin; scoring is instant.

    python benchmarks/calibration.py --capture FILE.pkl [--sets accuracy unseen] [--offsets 0 1 2]
    python benchmarks/calibration.py --score FILE.pkl
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import tempfile
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import accuracy  # noqa: E402  (the protocol and the series)

LEVELS = (0.8, 0.95)


def _frame(set_name: str, name: str, folder: str) -> tuple[pd.DataFrame, dict]:
    """The series ``name`` of ``set_name`` as a frame, and its spec."""
    if set_name == "accuracy":
        return pd.read_csv(os.path.join(accuracy.DATA, f"{name}.csv")), accuracy.SERIES[name]
    import unseen

    path = os.path.join(folder, f"{name}.csv")
    if not os.path.exists(path):
        for other, frame in unseen._frames().items():
            frame.to_csv(os.path.join(folder, f"{other}.csv"), index=False)
    return pd.read_csv(path), unseen.SERIES[name]


def capture_one(frame: pd.DataFrame, spec: dict, offset: int) -> dict | None:
    """Fit the default on the training rows at ``offset``; the final calibration's inputs and the final forecast."""
    from forecaster import Forecaster
    from forecaster.training import choice

    h, target = spec["h"], spec["target"]
    frame = frame.iloc[: len(frame) - offset * h].reset_index(drop=True)
    train, test = frame.iloc[:-h].reset_index(drop=True), frame[target].to_numpy(float)[-h:]
    calls: dict[str, list] = {"fit": [], "windows": [], "test": [], "scale": [], "with_test": []}
    names = ("fit_intervals", "calibration_windows", "_part_windows", "windows_local_scale", "calibrate_with_test")
    originals = {n: getattr(choice, n) for n in names}

    def fit_intervals(levels, residuals, local, *rest):
        calls["fit"].append((np.array(residuals), np.array(local)))
        return originals["fit_intervals"](levels, residuals, local, *rest)

    def calibrate_with_test(fc, parts, splits, scores):
        # the validation windows' residuals, then the test windows': the split a corrected level reads
        out = originals["calibrate_with_test"](fc, parts, splits, scores)
        calls["with_test"].append((len(scores[0]), calls["fit"][-1], out))
        return out

    def calibration_windows(*args):
        out = originals["calibration_windows"](*args)
        calls["windows"].append(np.concatenate([o for _, _, o in out]) if out else np.zeros(0, int))
        return out

    def part_windows(fc, splits, part):
        out = originals["_part_windows"](fc, splits, part)
        if part == "test":
            calls["test"].append(np.concatenate([o for _, _, o in out]) if out else np.zeros(0, int))
        return out

    def local_scale(*args):
        out = originals["windows_local_scale"](*args)
        calls["scale"].append(np.array(out))
        return out

    for n, f in (("fit_intervals", fit_intervals), ("calibration_windows", calibration_windows),
                 ("_part_windows", part_windows), ("windows_local_scale", local_scale),
                 ("calibrate_with_test", calibrate_with_test)):
        setattr(choice, n, f)
    try:
        start = time.perf_counter()
        fc = Forecaster(horizon=h, seed=0, verbose=0).fit(train, target=target, features=spec.get("features"))
        seconds = time.perf_counter() - start
        calls["scale"].clear()
        forecast = fc.predict()
    finally:
        for n, f in originals.items():
            setattr(choice, n, f)
    if not calls["fit"] or not calls["scale"]:
        return None
    residuals, local = calls["fit"][-1]
    origins = np.concatenate([calls["windows"][-1], *calls["test"][-1:]])
    n_val = len(calls["windows"][-1])
    if calls["with_test"] and calls["with_test"][-1][2] is fc.intervals_:  # the final intervals: validation + test
        n_val, (residuals, local) = calls["with_test"][-1][:2]
        origins = np.arange(len(residuals))  # in time order within each part
    elif calls["with_test"] or len(origins) != len(residuals):
        # a window-baseline plan's own calibration (no test split), or rolling origins
        origins, n_val = np.arange(len(residuals)), len(residuals)
    point = forecast[target].to_numpy(float)
    bounds = {lv: (forecast[f"{target}_lower_{round(100 * lv)}"].to_numpy(float),
                   forecast[f"{target}_upper_{round(100 * lv)}"].to_numpy(float)) for lv in LEVELS}
    return {
        "residuals": residuals[..., 0], "local": local[:, 0], "origins": origins, "n_val": n_val,
        "point": point, "final_scale": float(calls["scale"][-1].ravel()[0]), "test": test, "bounds": bounds,
        "used": (fc.choice_ or {}).get("used"), "seconds": round(seconds, 1), "h": h,
    }


def weighted_halfwidths(scores: np.ndarray, weights: np.ndarray, level: float, min_windows: int = 20) -> np.ndarray:
    """Half-widths per step (units of the local scale) from scores ``[n, H]`` with one weight per window.

    The weighted split-conformal quantile (Barber et al. 2023): the test window has weight 1 and the
    level-quantile of the weighted scores plus a point at infinity; all weights 1 is the usual
    ``ceil((n + 1) * level)``-th score. Too few (weighted) windows pool the steps as
    ``evaluation.intervals.fit_conformal`` does.
    """
    n, horizon = scores.shape
    p = np.append(weights, 1.0) / (weights.sum() + 1.0)

    def quantile(values: np.ndarray, probs: np.ndarray) -> float:
        order = np.argsort(values)
        reached = np.nonzero(np.cumsum(probs[order]) >= level - 1e-12)[0]
        return float(values[order][reached[0]]) if reached.size else np.inf

    per_step = np.array([quantile(scores[:, k], p[:-1]) for k in range(horizon)])
    if n >= min_windows and np.isfinite(per_step).all():
        return per_step
    profile = (weights[:, None] * scores).sum(axis=0) / weights.sum()
    others = ((weights[:, None] * scores).sum(axis=0)[None] - weights[:, None] * scores) / np.maximum(
        weights.sum() - weights, 1e-12)[:, None]
    normalised = (scores / np.maximum(others, 1e-300)).ravel()
    pooled_w = np.repeat(weights, horizon) / horizon
    pp = np.append(pooled_w, 1.0 / horizon) / (pooled_w.sum() + 1.0 / horizon)
    q = quantile(normalised, pp[:-1])
    if not np.isfinite(q):
        q = float(normalised.max())
    return q * profile


def rules(row: dict) -> dict[str, np.ndarray]:
    """One weight vector per rule over the calibration windows (in time order of their origins)."""
    n, h = len(row["origins"]), row["h"]
    age = (row["origins"].max() - row["origins"]).astype(float)  # rows since the latest calibration window
    out = {"today (equal weights)": np.ones(n)}
    for label, half_life in (("half-life n/2", max(n / 2, 1)), ("half-life n/4", max(n / 4, 1)),
                             ("half-life 4H", 4 * h), ("half-life 8H", 8 * h)):
        out[label] = 0.5 ** (age / half_life)
    out["latest half"] = (age <= np.median(age)).astype(float)
    # the validation windows also chose the epoch and the model, so their residuals may be optimistic
    test = (np.arange(n) >= row["n_val"]).astype(float)
    out["validation windows only"] = 1 - test if row["n_val"] >= 2 else np.ones(n)
    for k in (2, 10):
        out[f"test windows only, if {k} or more"] = test if test.sum() >= k else np.ones(n)
    return out


MIN_SPLIT_WINDOWS = 10  # validation and test windows each, for a level corrected by the test windows' coverage


def corrected_level(scores: np.ndarray, n_val: int, level: float, gain: float, widen_only: bool = False) -> float:
    """``level`` moved by ``gain`` times its shortfall on the test windows when calibrated on the validation ones.

    The held-out coverage (validation windows calibrate, the later test windows score) is
    the one out-of-sample check of the calibration a fit has; a shortfall there says the
    errors grew against the scale, so the final calibration asks for a higher level (a
    one-step adaptive conformal correction, Gibbs and Candes 2021). Clipped to
    ``[level - 0.3, 0.995]``; unchanged with fewer than ``MIN_SPLIT_WINDOWS`` windows on either side.
    """
    n_test = len(scores) - n_val
    if n_val < MIN_SPLIT_WINDOWS or n_test < MIN_SPLIT_WINDOWS:
        return level
    half = weighted_halfwidths(scores[:n_val], np.ones(n_val), level)
    covered = float(np.mean(scores[n_val:] <= half[None, :]))
    shift = gain * (level - covered)
    if widen_only:
        shift = max(shift, 0.0)
    return float(np.clip(level + shift, level - 0.3, 0.995))


def level_rules() -> dict[str, tuple[float, bool]]:
    """``(gain, widen_only)`` of each level-correcting rule (:func:`corrected_level`)."""
    return {f"level corrected by the test windows, gain {g}{', widen only' if w else ''}": (g, w)
            for g in (0.5, 1.0) for w in (False, True)}


def score(rows: dict[str, dict]) -> str:
    """Coverage of the final rows and width (geomean ratio to today) per rule, as Markdown."""
    table: dict[str, dict] = {}
    for key, row in rows.items():
        scores = np.abs(row["residuals"]) / row["local"][:, None]
        equal = np.ones(len(scores))
        today = {level: weighted_halfwidths(scores, equal, level) * row["final_scale"] for level in LEVELS}
        plans: list[tuple[str, np.ndarray, Any]] = [(rule, w, None) for rule, w in rules(row).items()]
        plans += [(rule, equal, gw) for rule, gw in level_rules().items()]
        for rule, weights, gain_widen in plans:
            for level in LEVELS:
                used = level if gain_widen is None else corrected_level(scores, row["n_val"], level, *gain_widen)
                half = weighted_halfwidths(scores, weights, used) * row["final_scale"]
                lo, hi = row["point"] - half, row["point"] + half
                cover = float(np.mean((row["test"] >= lo) & (row["test"] <= hi)))
                if rule.startswith("today"):  # the rebuild must match predict()'s own bounds
                    assert np.allclose(lo, row["bounds"][level][0], rtol=1e-5, atol=1e-6 * np.abs(row["point"]).max()), key
                entry = table.setdefault(rule, {}).setdefault(level, {"cover": [], "width": []})
                entry["cover"].append(cover)
                entry["width"].append(np.log(np.mean(half) / np.mean(today[level])))
    lines = [f"{len(rows)} series-origins", "",
             "| rule | 80 % coverage (SE) | 95 % coverage (SE) | 80 % width / today | 95 % width / today "
             "| series-origins below 0.6 at 80 % | mean distance from 0.8 |",
             "|---|---|---|---|---|---|---|"]
    for rule, by_level in table.items():
        cells = []
        for level in LEVELS:
            c = np.array(by_level[level]["cover"])
            cells.append(f"{c.mean():.3f} ({c.std(ddof=1) / np.sqrt(len(c)):.3f})")
        cells += [f"{np.exp(np.mean(by_level[level]['width'])):.3f}" for level in LEVELS]
        c80 = np.array(by_level[LEVELS[0]]["cover"])
        cells += [str(int(np.sum(c80 < 0.6))), f"{np.mean(np.abs(c80 - LEVELS[0])):.3f}"]
        lines.append(f"| {rule} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def add_capture_flags(parser: argparse.ArgumentParser, what: str) -> None:
    """The flags of a capture-then-score script: ``--capture``, ``--score``, ``--sets``, ``--offsets``, ``--series``."""
    parser.add_argument("--capture", help=f"fit and write the captured {what} to this pickle")
    parser.add_argument("--score", nargs="*", default=[], help="pickles of --capture to score together")
    parser.add_argument("--sets", nargs="*", default=["accuracy", "unseen"], choices=["accuracy", "unseen"])
    parser.add_argument("--offsets", nargs="*", type=int, default=[0, 1, 2])
    parser.add_argument("--series", nargs="*", default=None, help="only these series")


def capture_all(args: argparse.Namespace, capture: Any) -> dict[str, dict]:
    """``capture(frame, spec, offset)`` for every series-origin the flags select (PBS, which ends in zeros,
    and origins too short for a fit left out), each result pickled to ``args.capture`` as it comes."""
    import unseen

    rows: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for set_name in args.sets:
            for name in accuracy.SERIES if set_name == "accuracy" else unseen.SERIES:
                if (args.series and name not in args.series) or name == "pbs_monthly":
                    continue
                frame, spec = _frame(set_name, name, folder)
                for offset in args.offsets:
                    if len(frame) - offset * spec["h"] < 4 * spec["h"] + 20:
                        continue
                    row = capture(frame, spec, offset)
                    if row is None:
                        continue
                    rows[f"{name}@{offset}"] = row
                    print(f"{name}@{offset}", (row.get("choice") or {}).get("used", row.get("used")), flush=True)
                    with open(args.capture, "wb") as handle:
                        pickle.dump(rows, handle)
    return rows


def load_captures(args: argparse.Namespace) -> dict[str, dict]:
    """The captured rows of ``--score`` pickles (default: the one just captured), merged."""
    merged: dict[str, dict] = {}
    for path in args.score or ([args.capture] if args.capture else []):
        with open(path, "rb") as handle:
            merged.update(pickle.load(handle))
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_capture_flags(parser, "calibrations")
    args = parser.parse_args(argv)
    if args.capture:
        capture_all(args, capture_one)
    merged = load_captures(args)
    if merged:
        print(score(merged))
    return 0


if __name__ == "__main__":
    sys.exit(main())

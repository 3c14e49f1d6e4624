"""The network, the linear model and the best baseline: pick one on validation, or combine them (JSON-free, Markdown).

For each series of the accuracy benchmark (and of ``unseen.py``) at each origin (``--offsets``,
as ``accuracy.py --offset``), ``Forecaster(horizon=H, seed=0, verbose=0, model="auto")`` is fit
once on the training rows. Captured: the validation forecasts and errors of the three
candidates ``training.choice`` weighs, and each candidate's final forecast of the ``H`` test rows
after the refit on every training row (the network retrained for the first fit's epoch budget,
the linear model solved again, the baseline as is). ``--score`` then compares rules on the same
forecasts: the pick (``model="auto"``), the per-step median of the three (``model="median"``),
means, and picks among combinations.

    python benchmarks/combinations.py --capture FILE.pkl [--sets accuracy unseen] [--offsets 0 1 2]
    python benchmarks/combinations.py --score FILE.pkl [--per-series]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import accuracy  # noqa: E402  (the protocol and the series)
from calibration import add_capture_flags, capture_all, load_captures  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def capture_one(frame: pd.DataFrame, spec: dict, offset: int) -> dict:
    """Fit ``model="auto"`` at ``offset``; the candidates' validation and final forecasts."""
    from forecaster import Forecaster
    from forecaster.training import choice, members

    h, target = spec["h"], spec["target"]
    frame = frame.iloc[: len(frame) - offset * h].reset_index(drop=True)
    train, test = frame.iloc[:-h].reset_index(drop=True), frame[target].to_numpy(float)[-h:]
    got: dict = {}
    original = choice.choose_and_calibrate

    def wrapped(fc, parts, splits, use_val, fold_models):
        windows = choice.calibration_windows(fc, splits, use_val, fold_models)
        linear = choice._linear_candidate(fc, parts, splits, windows)
        got.update(
            parts=parts,
            heldout=fc.model_,
            net_val=np.concatenate(choice.window_outputs(fc, parts, windows))[..., 0],
            lin_val=None if linear is None else np.concatenate(linear[1])[..., 0],
            y_val=np.concatenate([choice._actuals(parts[i][:, :1], o, fc.horizon) for i, _, o in windows])[..., 0],
        )
        return original(fc, parts, splits, use_val, fold_models)

    choice.choose_and_calibrate = wrapped
    try:
        start = time.perf_counter()
        fc = Forecaster(horizon=h, seed=0, verbose=0, model="auto")
        fc.fit(train, target=target, features=spec.get("features"))
        seconds = time.perf_counter() - start
    finally:
        choice.choose_and_calibrate = original
    picked, best, parts = fc.choice_["used"], fc.choice_["baseline"], got["parts"]

    def final_with(model) -> np.ndarray:
        keep = fc.model_, fc._predict_fn
        fc.model_, fc._predict_fn = model, None
        try:
            return fc.predict()[target].to_numpy(float)
        finally:
            fc.model_, fc._predict_fn = keep

    finals = {"picked": fc.predict()[target].to_numpy(float)}
    if picked == "network":
        finals["network"] = finals["picked"]
    else:  # the network the pick replaced, refit as the pick would have been
        keep, fc.model_ = fc.model_, got["heldout"]
        network, _, _ = members.refit_network(fc, parts, fc._budget)
        fc.model_ = keep
        finals["network"] = final_with(network)
    if got["lin_val"] is not None:
        every_row = choice.train_origins(fc, fc.split_, {i: len(p) for i, p in enumerate(parts)})
        finals["linear"] = finals["picked"] if picked == "linear" else final_with(choice.linear_on(fc, parts, every_row))
    mode, m = (best, None) if best in ("last", "mean") else (
        best.rsplit("_", 1)[0].replace("seasonal_naive", "seasonal"), int(best.rsplit("_", 1)[1]))
    finals["baseline"] = final_with(choice.baseline_model(fc.input_width_, fc._n_inputs(), h, 1, mode, m))
    history = train[target].to_numpy(float)
    naive = {"naive": np.repeat(history[-1], h)}
    naive.update({f"seasonal_naive_{s}": accuracy.seasonal_naive(history, h, s) for s in spec["seasons"] if s > 1})
    primary = f"seasonal_naive_{spec['seasons'][0]}" if spec["seasons"][0] > 1 else "naive"
    return dict(choice=fc.choice_, net_val=got["net_val"], lin_val=got["lin_val"], y_val=got["y_val"],
                finals=finals, naive=naive, primary=primary, test=test, seconds=seconds)


def rules(row: dict) -> dict[str, np.ndarray]:
    """The final forecast of each rule."""
    c, f, y = row["choice"], row["finals"], row["y_val"]
    val = {"network": c["network_val_mae"], "baseline": c["baseline_val_mae"]}
    if row["lin_val"] is None:  # no linear candidate: every rule is the pick
        return {name: f["picked"] for name in RULES}
    val["linear"] = c["linear_val_mae"]
    both = (row["net_val"] + row["lin_val"]) / 2
    trio = np.stack([f["network"], f["linear"], f["baseline"]])
    ranked = sorted(("network", "linear", "baseline"), key=val.get)
    with_mean = {**val, "mean": float(np.mean(np.abs(y - both)))}
    finals = {**f, "mean": (f["network"] + f["linear"]) / 2}
    return {
        "the pick (model='auto')": f["picked"],
        "the median of the three (model='median')": np.median(trio, axis=0),
        "the mean of the three": trio.mean(axis=0),
        "the mean of the network and the linear model": finals["mean"],
        "the mean of the two best on validation": (f[ranked[0]] + f[ranked[1]]) / 2,
        "the pick, with the mean of network and linear as a fourth candidate": finals[
            min(("network", "linear", "baseline", "mean"), key=with_mean.get)],
    }


RULES = ("the pick (model='auto')", "the median of the three (model='median')", "the mean of the three",
         "the mean of the network and the linear model", "the mean of the two best on validation",
         "the pick, with the mean of network and linear as a fourth candidate")


def _ets_mse() -> dict[str, float]:
    """AutoETS's MSE per ``series@offset`` from the committed accuracy and unseen runs of 2026-12-01."""
    out = {}
    for set_name in ("accuracy", "unseen"):
        for k in (0, 1, 2):
            path = os.path.join(RESULTS, f"{set_name}-2026-12-01-offset{k}.json")
            if os.path.exists(path):
                with open(path) as handle:
                    series = json.load(handle)["series"]
                for name, row in series.items():
                    if "ets" in row["scores"]:
                        out[f"{name}@{k}"] = row["scores"]["ets"]["mse"]
    return out


def score(rows: dict[str, dict], per_series: bool = False) -> str:
    """Per rule: final MSE over the pick's and over AutoETS's (geometric means), counts, worst series."""
    ets, table = _ets_mse(), {}
    for key, row in rows.items():
        test = row["test"]
        mse = {name: float(np.mean((p - test) ** 2)) for name, p in rules(row).items()}
        snaive = float(np.mean((row["naive"][row["primary"]] - test) ** 2))
        best_naive = min(float(np.mean((p - test) ** 2)) for p in row["naive"].values())
        picked = mse[RULES[0]]
        for name, value in mse.items():
            entry = table.setdefault(name, {"pick": [], "ets": [], "snaive": 0, "w5": 0, "per": []})
            if value > 0 and picked > 0:
                entry["pick"].append(value / picked)
                entry["per"].append(f"{key} {value / picked:.2f}")
            if ets.get(key):
                entry["ets"].append(np.log(value / ets[key]))
            entry["snaive"] += value < snaive
            entry["w5"] += value <= 1.05 * best_naive
    lines = [f"{len(rows)} series-origins", "",
             "| rule | MSE / the pick (geomean) | MSE / AutoETS (geomean) | beats seasonal naive | within 5 % of the best naive | worst / the pick |",
             "|---|---|---|---|---|---|"]
    for name in RULES:
        e = table[name]
        ratio = np.array(e["pick"])
        lines.append(f"| {name} | {np.exp(np.mean(np.log(ratio))):.3f} | {np.exp(np.mean(e['ets'])):.3f} | "
                     f"{e['snaive']} | {e['w5']} | {ratio.max():.2f} |")
        if per_series:
            lines.append("  " + ", ".join(e["per"]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_capture_flags(parser, "forecasts")
    parser.add_argument("--per-series", action="store_true", help="also list each series-origin's ratio")
    args = parser.parse_args(argv)
    if args.capture:
        capture_all(args, capture_one)
    merged = load_captures(args)
    if merged:
        print(score(merged, args.per_series))
    return 0


if __name__ == "__main__":
    sys.exit(main())

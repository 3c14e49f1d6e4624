"""Measure a validated choice between the default SequenceClassifier and 1-NN Euclidean (JSON).

Per UCR / UEA set (the files of ``benchmarks/classification.py``) and seed: fit the
classifier with ``model="network"`` where that option exists (every default otherwise), then
rebuild its stratified validation split and its model input (same scaling, block averaging
and padding) and score 1-NN Euclidean (scikit-learn, ``n_neighbors=1``) on it:

* ``nn_val``: 1-NN with the search's training part as reference, on the validation part;
* ``nn_loo`` / ``nn_loo_train``: leave-one-out over all training cases / the training part;
* ``nn_test``: 1-NN with all training cases as reference, on the test file;

beside the network's validation figures (``val_best``: the best epoch's accuracy, what
``fit_report_["val_accuracy"]`` holds; ``val_last``: the search model where it stopped;
``val_tail``: the mean over the second half of the search) and its test accuracy.

    python benchmarks/classification_choice.py --sets ArrowHead GunPoint ... [--seeds 0 1]
        [--out FILE.json]
    python benchmarks/classification_choice.py --table FILE.json ...

``--table`` prints the rows of earlier runs as Markdown with the choice ``model="auto"``
makes from them (1-NN when ``nn_val`` and ``nn_loo`` both beat ``val_tail`` by more than one
validation case), and the choice of the first rule tried (``nn_val`` alone).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from classification import find_sets, load  # noqa: E402

from forecaster.tasks.classification import SequenceClassifier  # noqa: E402
from forecaster.tasks.sequences import MASK_VALUE  # noqa: E402


def flat(x: np.ndarray) -> np.ndarray:
    """Model input ``[n, steps, F]`` as 1-NN features ``[n, steps * F]`` (a padding sentinel counts as 0)."""
    x = np.where(x == np.float32(MASK_VALUE), 0.0, x)
    return x.reshape(len(x), -1).astype(np.float64)


def one_nn(reference: np.ndarray, labels: np.ndarray, query: np.ndarray) -> np.ndarray:
    from sklearn.neighbors import KNeighborsClassifier

    return KNeighborsClassifier(n_neighbors=1).fit(reference, labels).predict(query)


def leave_one_out(x: np.ndarray, labels: np.ndarray) -> float:
    from sklearn.metrics import pairwise_distances

    d = pairwise_distances(x)
    np.fill_diagonal(d, np.inf)
    return float(np.mean(labels[d.argmin(axis=1)] == labels))


def measure(name: str, paths: dict, seed: int) -> dict:
    train, test = load(paths["train"]), load(paths["test"])
    params = SequenceClassifier().get_params()
    overrides = {"model": "network"} if "model" in params else {}
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = SequenceClassifier(seed=seed, verbose=0, **overrides).fit(train[0], train[1])
    fit_seconds = time.perf_counter() - started
    index = {c: i for i, c in enumerate(clf.classes_.tolist())}
    encoded = np.asarray([index[v] for v in train[1]], np.int64)
    train_idx, val_idx = clf._split(encoded)
    x = flat(clf._model_input(clf._load(train[0], train[1], True)))
    x_test = flat(clf._model_input(clf._load(test[0], test[1], True)))
    test_codes = np.asarray([index[v] for v in test[1]], np.int64)
    history = clf.history_["val_accuracy"].to_numpy(np.float64)
    net_test = clf.evaluate(test[0], test[1])["accuracy"]
    row = {
        "seed": seed,
        "train_cases": len(encoded),
        "val_cases": int(len(val_idx)),
        "val_best": round(float(clf.fit_report_["val_accuracy"]), 4),
        "val_last": round(float(clf.val_metrics_["accuracy"]), 4),
        "val_tail": round(float(history[len(history) // 2 :].mean()), 4),
        "epochs_run": int(len(history)),
        "net_test": round(float(net_test), 4),
        "nn_val": round(
            float(
                np.mean(one_nn(x[train_idx], encoded[train_idx], x[val_idx]) == encoded[val_idx])
            ),
            4,
        ),
        "nn_loo": round(leave_one_out(x, encoded), 4),
        "nn_loo_train": round(leave_one_out(x[train_idx], encoded[train_idx]), 4),
        "nn_test": round(float(np.mean(one_nn(x, encoded, x_test) == test_codes)), 4),
        "fit_seconds": round(fit_seconds, 1),
        "load": [round(v, 2) for v in os.getloadavg()],
        "fit_report": clf.fit_report_,
    }
    return row


def choice(row: dict) -> str:
    """What ``model="auto"`` keeps for a measured row (the rule of ``_choose_model``)."""
    margin = row["val_tail"] + 1.0 / row["val_cases"] + 1e-6
    return "1-NN" if min(row["nn_val"], row["nn_loo"]) > margin else "network"


def choice_val_only(row: dict) -> str:
    """The first rule tried: 1-NN's validation accuracy alone against the network's."""
    return "1-NN" if row["nn_val"] > row["val_tail"] + 1.0 / row["val_cases"] + 1e-6 else "network"


def table(paths: list[str]) -> str:
    rows = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            rows += json.load(handle)["rows"]
    rows.sort(key=lambda r: (r["set"].lower(), r["seed"]))
    lines = [
        "| set | seed | val cases | network val (tail / best) | 1-NN val | 1-NN LOO | network test | "
        "1-NN test | choice | result test | val-only rule |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        picked = choice(r)
        result = r["nn_test"] if picked == "1-NN" else r["net_test"]
        lines.append(
            f"| {r['set']} | {r['seed']} | {r['val_cases']} | {r['val_tail']:.3f} / {r['val_best']:.3f} | "
            f"{r['nn_val']:.3f} | {r['nn_loo']:.3f} | {r['net_test']:.3f} | {r['nn_test']:.3f} | {picked} | "
            f"{result:.3f} | {choice_val_only(r)} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--table", nargs="+", metavar="FILE.json", help="print earlier runs as Markdown"
    )
    parser.add_argument("--sets", nargs="+")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--out", default="benchmarks/results/classification-choice.json")
    args = parser.parse_args(argv)
    if args.table:
        print(table(args.table))
        return 0
    if not args.sets:
        parser.error("--sets is required unless --table is given")
    available = find_sets()
    report: dict = {"rows": []}
    if os.path.exists(args.out):
        with open(args.out, encoding="utf-8") as handle:
            report = json.load(handle)
    for seed in args.seeds:
        for name in args.sets:
            row = {"set": name, **measure(name, available[name], seed)}
            report["rows"] = [
                r for r in report["rows"] if (r["set"], r["seed"]) != (name, seed)
            ] + [row]
            print(json.dumps({k: v for k, v in row.items() if k != "fit_report"}), flush=True)
            os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
            with open(f"{args.out}.tmp", "w", encoding="utf-8") as handle:
                json.dump(report, handle, indent=2)
                handle.write("\n")
            os.replace(f"{args.out}.tmp", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

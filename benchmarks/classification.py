"""The default SequenceClassifier against 1-NN Euclidean and 1-NN DTW on UCR / UEA sets (JSON).

Sets: every UCR / UEA classification set shipped inside the installed ``aeon``
and ``sktime`` wheels (``<Name>/<Name>_TRAIN.ts`` and ``_TEST.ts`` with
``@classLabel true``), found on disk at run time, so nothing is downloaded.
The official train / test splits are used as shipped. Excluded by name, with
the reason printed: sets that are not in the UCR / UEA archive, and the
equal-length re-samplings of sets whose original is unequal-length.

Per set, in one run and on the same data:

* ``forecaster``: ``SequenceClassifier(seed=S, verbose=0)`` with every default
  (scaling chosen on validation between per-case z-normalization and per-channel
  standard scaling, conv front-end + bidirectional GRU, epoch count
  chosen on a stratified validation part of the training cases, refit on all
  of them; or 1-NN Euclidean on the same model input when it beats the network by
  more than one validation case both on that part and in leave-one-out,
  ``model="auto"``), fit on the training file, scored on the test file;
* ``1nn_ed`` / ``1nn_dtw``: aeon's ``KNeighborsTimeSeriesClassifier`` with
  ``n_neighbors=1`` and ``distance="euclidean"`` / ``"dtw"`` (full warping
  window), on the data as shipped (UCR univariate sets are z-normalized in the
  archive; aeon compares unequal-length cases as it does by default).

Recorded: accuracy, balanced accuracy, fit seconds (prediction seconds for the
lazy 1-NN), the majority-class rate of the test labels, the classifier's own
summary (epochs chosen, ensemble size, learned or not), and ``uptime`` load
averages before and after (the CPU may be shared, which inflates wall times).

A set is skipped, and the reason recorded, when its estimated cost says a fit
would exceed ``--max-fit-seconds`` on this CPU (cases x model steps x features,
calibrated on the measured sets; see ``--max-work``) or 1-NN DTW would need
more than ``--max-dtw-cells`` warping-matrix cells.

    python benchmarks/classification.py [--sets GunPoint ArrowHead ...] [--seed S]
        [--set epochs=50 ...] [--out FILE.json]
    python benchmarks/classification.py --merge part1.json part2.json --out FILE.json

``--merge`` joins reports of runs over disjoint sets (e.g. run side by side)
into one, with one summary.

Needs the ``bench`` extra (aeon, sktime).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sys
import time
import warnings

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from accuracy import parse_set  # noqa: E402  (the benchmarks' one --set parser)

from forecaster.tasks.classification import resolve_max_steps  # noqa: E402

PACKAGES = ("aeon", "sktime")
EXCLUDED = {
    "Covid3Month_disc": "a discretized regression set (Monash TSER archive), not a UCR/UEA set",
    "JapaneseVowels_eq": "equal-length re-sampling of JapaneseVowels (the unequal original is used)",
    "PickupGestureWiimoteZ_eq": "equal-length re-sampling of PickupGestureWiimoteZ (the original is used)",
    "UnitTestTimeStamps": "a time-stamp format test file, not a UCR/UEA set",
}
NOTES = {"UnitTest": "aeon's 20/22-case subsample of the UCR set Chinatown"}


def find_sets() -> dict[str, dict[str, str]]:
    """Name -> {"train", "test", "package"} for every classification .ts pair in the wheels."""
    found: dict[str, dict[str, str]] = {}
    for package in PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            continue
        root = os.path.join(spec.submodule_search_locations[0], "datasets", "data")
        if not os.path.isdir(root):
            continue
        for folder in sorted(os.listdir(root)):
            for entry in sorted(os.listdir(os.path.join(root, folder))) if os.path.isdir(os.path.join(root, folder)) else []:
                if not entry.endswith("_TRAIN.ts"):
                    continue
                name = entry[: -len("_TRAIN.ts")]
                train = os.path.join(root, folder, entry)
                test = os.path.join(root, folder, f"{name}_TEST.ts")
                if name in found or not os.path.isfile(test) or not _is_classification(train):
                    continue
                found[name] = {"train": train, "test": test, "package": package}
    return found


def _is_classification(path: str) -> bool:
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            low = line.strip().lower()
            if low.startswith("@classlabel"):
                return low.split()[1] == "true"
            if low.startswith("@data"):
                return False
    return False


def load(path: str) -> tuple[list[np.ndarray], np.ndarray]:
    """Cases as ``[length, channels]`` arrays and labels as strings."""
    from aeon.datasets import load_from_ts_file

    X, y = load_from_ts_file(path)
    return [np.asarray(case, np.float32).T for case in X], np.asarray([str(v) for v in y], dtype=object)


def to_aeon(cases: list[np.ndarray]) -> np.ndarray | list[np.ndarray]:
    """aeon layout: ``[n, channels, length]`` when equal length, else a list of ``[channels, length_i]``."""
    if len({len(c) for c in cases}) == 1:
        return np.stack([c.T for c in cases]).astype(np.float64)
    return [c.T.astype(np.float64) for c in cases]


def scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, balanced_accuracy_score

    return {
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "balanced_accuracy": round(float(balanced_accuracy_score(y_true, y_pred)), 4),
    }


def nearest_neighbour(distance: str, train: tuple, test: tuple) -> dict[str, float]:
    from aeon.classification.distance_based import KNeighborsTimeSeriesClassifier

    started = time.perf_counter()
    model = KNeighborsTimeSeriesClassifier(n_neighbors=1, distance=distance).fit(to_aeon(train[0]), train[1])
    predicted = np.asarray([str(v) for v in model.predict(to_aeon(test[0]))], dtype=object)
    return {**scores(test[1], predicted), "seconds": round(time.perf_counter() - started, 2)}


def ours(train: tuple, test: tuple, seed: int, overrides: dict) -> dict:
    from forecaster.tasks.classification import SequenceClassifier

    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf = SequenceClassifier(seed=seed, verbose=0, **overrides).fit(train[0], train[1])
    fit_seconds = time.perf_counter() - started
    result = clf.evaluate(test[0], test[1])
    return {
        "accuracy": round(result["accuracy"], 4),
        "balanced_accuracy": round(result["balanced_accuracy"], 4),
        "fit_seconds": round(fit_seconds, 1),
        "above_majority": bool(result["above_majority"]),
        "fit_report": clf.fit_report_,
        "summary": clf.summary(),
        "warnings": sorted({str(w.message) for w in caught if "did not learn" in str(w.message)}),
        "confusion_matrix": result["confusion_matrix"],
    }


def load_average() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", nargs="*", help="set names (default: every one found)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="override a default")
    parser.add_argument("--no-baselines", action="store_true", help="skip 1-NN ED / DTW")
    parser.add_argument("--baselines-only", action="store_true", help="run 1-NN ED / DTW only, not the classifier")
    parser.add_argument("--baselines-from", nargs="+", default=[], metavar="FILE.json",
                        help="reuse the 1-NN ED / DTW rows of earlier reports (same files, so the same results)")
    parser.add_argument("--max-work", type=float, default=3.0e5,
                        help="skip sets above this many training cases x model steps x channels")
    parser.add_argument("--max-dtw-cells", type=float, default=4.0e10,
                        help="skip 1-NN DTW above this many warping cells (train x test x length^2)")
    parser.add_argument("--out", default="benchmarks/results/classification.json")
    parser.add_argument("--merge", nargs="+", metavar="FILE.json", help="join earlier reports instead of running")
    args = parser.parse_args(argv)
    if args.merge:
        return merge(args.merge, args.out)
    overrides = parse_set(args.set)

    reused = {}
    for path in args.baselines_from:
        with open(path) as f:
            for name, old in json.load(f)["sets"].items():
                if "accuracy" in old.get("1nn_dtw", {}):
                    reused[name] = {key: old[key] for key in ("1nn_ed", "1nn_dtw")}
    available = find_sets()
    wanted = args.sets or sorted(available, key=str.lower)
    report: dict = {
        "protocol": "official UCR/UEA train/test files from the aeon / sktime wheels; SequenceClassifier "
        "defaults fit on TRAIN, scored on TEST; 1-NN ED / DTW (aeon, full window) on the same files",
        "seed": args.seed,
        "overrides": overrides,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_before": load_average()},
        "sets": {},
        "skipped": {},
    }
    import aeon

    report["machine"]["aeon"] = aeon.__version__
    for name in wanted:
        if name in EXCLUDED:
            report["skipped"][name] = EXCLUDED[name]
            print(f"skip {name}: {EXCLUDED[name]}", flush=True)
            continue
        if name not in available:
            report["skipped"][name] = "not found in the installed wheels"
            continue
        paths = available[name]
        train, test = load(paths["train"]), load(paths["test"])
        lengths = np.asarray([len(c) for c in train[0]])
        channels = train[0][0].shape[1]
        max_steps = resolve_max_steps(overrides.get("max_steps", "auto"), len(train[0]))
        steps = int(lengths.max()) if max_steps is None else min(int(lengths.max()), max_steps)
        work = len(train[0]) * steps * channels
        if work > args.max_work:
            reason = f"estimated fit above the budget (work {work:.2g} > {args.max_work:.2g})"
            report["skipped"][name] = reason
            print(f"skip {name}: {reason}", flush=True)
            continue
        classes, counts = np.unique(test[1], return_counts=True)
        row = {
            "package": paths["package"],
            "note": NOTES.get(name),
            "train_cases": len(train[0]),
            "test_cases": len(test[0]),
            "channels": int(channels),
            "length": f"{lengths.min()}-{lengths.max()}" if lengths.min() != lengths.max() else int(lengths.max()),
            "classes": len(classes),
            "majority_rate": round(float(counts.max() / counts.sum()), 4),
            "load_before": load_average(),
        }
        print(f"{name}: {row['train_cases']}/{row['test_cases']} cases, length {row['length']}, "
              f"{channels} channel(s), {len(classes)} classes", flush=True)
        if not args.baselines_only:
            row["forecaster"] = ours(train, test, args.seed, overrides)
            print(f"  forecaster acc {row['forecaster']['accuracy']:.3f} "
                  f"bal {row['forecaster']['balanced_accuracy']:.3f} fit {row['forecaster']['fit_seconds']}s",
                  flush=True)
        if name in reused and not args.no_baselines:
            # 1-NN on the same files is deterministic: an earlier run's result is this run's result
            row.update(reused[name], baselines_reused=True)
        elif not args.no_baselines:
            row["1nn_ed"] = nearest_neighbour("euclidean", train, test)
            test_lengths = np.asarray([len(c) for c in test[0]])
            cells = float(len(train[0]) * len(test[0]) * lengths.mean() * test_lengths.mean())
            if cells > args.max_dtw_cells:
                row["1nn_dtw"] = {"skipped": f"{cells:.2g} warping cells > {args.max_dtw_cells:.2g}"}
            else:
                row["1nn_dtw"] = nearest_neighbour("dtw", train, test)
            print(f"  1-NN ED {row['1nn_ed']['accuracy']:.3f}  1-NN DTW "
                  f"{row['1nn_dtw'].get('accuracy', float('nan')):.3f}", flush=True)
        row["load_after"] = load_average()
        report["sets"][name] = row
        _write(args.out, report)
    report["machine"]["load_after"] = load_average()
    if args.baselines_only:
        _write(args.out, report)
        return 0
    report["summary"] = summarize(report["sets"])
    _write(args.out, report)
    print(markdown(report))
    return 0


def merge(paths: list[str], out: str) -> int:
    """Join reports over disjoint sets into one (sets sorted by name) and print the table."""
    parts = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            parts.append(json.load(handle))
    report = {key: parts[0][key] for key in ("protocol", "seed", "overrides")}
    report["machine"] = {"runs": [part["machine"] for part in parts]}
    sets = {name: row for part in parts for name, row in part["sets"].items()}
    report["sets"] = {name: sets[name] for name in sorted(sets, key=str.lower)}
    report["skipped"] = {name: why for part in parts for name, why in part["skipped"].items()}
    report["summary"] = summarize(report["sets"])
    _write(out, report)
    print(markdown(report))
    return 0


def summarize(sets: dict) -> dict:
    """Counts behind the issue's targets."""
    rows = [r for r in sets.values() if "1nn_ed" in r]
    with_dtw = [r for r in rows if "accuracy" in r["1nn_dtw"]]
    ours_acc = [r["forecaster"]["accuracy"] for r in sets.values()]
    return {
        "sets": len(sets),
        "at_least_dtw": sum(r["forecaster"]["accuracy"] >= r["1nn_dtw"]["accuracy"] for r in with_dtw),
        "dtw_compared": len(with_dtw),
        "at_least_ed": sum(r["forecaster"]["accuracy"] >= r["1nn_ed"]["accuracy"] for r in rows),
        "ed_compared": len(rows),
        "at_majority_rate": sum(not r["forecaster"]["above_majority"] for r in sets.values()),
        "mean_accuracy": round(float(np.mean(ours_acc)), 4) if ours_acc else None,
        "mean_accuracy_dtw": round(float(np.mean([r["1nn_dtw"]["accuracy"] for r in with_dtw])), 4) if with_dtw else None,
        "mean_accuracy_ed": round(float(np.mean([r["1nn_ed"]["accuracy"] for r in rows])), 4) if rows else None,
        "max_fit_seconds": max((r["forecaster"]["fit_seconds"] for r in sets.values()), default=None),
    }


def markdown(report: dict) -> str:
    """The per-set table and the summary as Markdown."""
    lines = [
        "| set | train/test | length x ch | classes | ours acc | ours bal. acc | 1-NN ED | 1-NN DTW | "
        "fit s | epochs x ens. | scaling | model | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in report["sets"].items():
        f = r["forecaster"]
        dtw = r.get("1nn_dtw", {})
        lines.append(
            f"| {name} | {r['train_cases']}/{r['test_cases']} | {r['length']} x {r['channels']} | {r['classes']} | "
            f"{f['accuracy']:.3f} | {f['balanced_accuracy']:.3f} | {r.get('1nn_ed', {}).get('accuracy', float('nan')):.3f} | "
            f"{dtw.get('accuracy', float('nan')):.3f} | {f['fit_seconds']:.0f} | "
            f"{f['fit_report']['epochs_chosen']} x {f['fit_report']['ensemble']} | "
            f"{f['fit_report'].get('scaling', '-')} | {f['fit_report'].get('model', 'network')} | "
            f"{r['load_before'][0]:.1f} |"
        )
    s = report.get("summary")
    if s:
        lines += [
            "",
            f"Summary: accuracy >= 1-NN DTW on {s['at_least_dtw']}/{s['dtw_compared']} sets, >= 1-NN ED on "
            f"{s['at_least_ed']}/{s['ed_compared']}, at the majority-class rate on {s['at_majority_rate']}; "
            f"mean accuracy {s['mean_accuracy']} (1-NN DTW {s['mean_accuracy_dtw']}, 1-NN ED {s['mean_accuracy_ed']}); "
            f"longest fit {s['max_fit_seconds']} s.",
        ]
    for name, reason in report.get("skipped", {}).items():
        lines.append(f"- skipped {name}: {reason}")
    return "\n".join(lines)


def _write(path: str, report: dict) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=2)
        handle.write("\n")
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main())

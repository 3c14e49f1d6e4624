"""Default-settings accuracy on the demo series, beside the naive baselines (prints JSON).

Fits ``Forecaster()`` with its defaults (only ``horizon`` per series, and
``--target/--features`` where the file needs them) on each series in data/
and reports test-split MSE and MASE for the model, naive and seasonal naive.

    python benchmarks/accuracy.py [--series prices nile ...] [--epochs N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name -> (file, fit keyword arguments, horizon)
SERIES = {
    "prices": ("prices.csv", {}, 12),
    "nile": ("nile.csv", {}, 10),
    "sunspots": ("sunspots.csv", {}, 11),
    "co2_monthly": ("co2_monthly.csv", {}, 12),
    "elnino_monthly": ("elnino_monthly.csv", {}, 12),
    "us_macro_quarterly": ("us_macro_quarterly.csv", {"target": "realgdp", "features": "all"}, 8),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", nargs="*", default=list(SERIES), choices=list(SERIES))
    parser.add_argument("--epochs", type=int, default=None, help="override the default epochs")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from forecaster import Forecaster

    results = {}
    for name in args.series:
        filename, fit_kwargs, horizon = SERIES[name]
        params = {"horizon": horizon, "seed": args.seed, "verbose": 0}
        if args.epochs:
            params["epochs"] = args.epochs
        start = time.perf_counter()
        fc = Forecaster(**params).fit(os.path.join(ROOT, "data", filename), **fit_kwargs)
        metrics = fc.evaluate()
        row = {
            "rows": int(len(fc.data_.values)),
            "freq": fc.freq_,
            "season": fc.season_,
            "input_width": fc.input_width_,
            "skip": fc.skip_,
            "epochs_run": fc.n_epochs_,
            "seconds": round(time.perf_counter() - start, 1),
        }
        for label, entry in (("model", metrics["model"]), *metrics["baselines"].items()):
            if label in ("model", "naive", "seasonal_naive"):
                row[f"{label}_mse"] = round(entry["mse"], 6)
                row[f"{label}_mase"] = round(entry["mase"], 4)
        row["beats_seasonal_naive"] = row["model_mse"] < row["seasonal_naive_mse"]
        row["beats_naive"] = row["model_mse"] < row["naive_mse"]
        results[name] = row
        print(json.dumps({name: row}), file=sys.stderr)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

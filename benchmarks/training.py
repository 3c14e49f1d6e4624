"""Training throughput: the toolkit against the same model written by hand in plain Keras.

For each cell (SimpleRNN, LSTM, GRU; 2 x 64 units, input_width 48, horizon 12,
batch 256) this times two runs on the same synthetic series:

* ``toolkit``: ``build_model`` + ``train`` on a streaming ``make_windows`` dataset
  (shuffled), with the toolkit's defaults (``jit_compile="auto"``);
* ``hand_written``: the TensorFlow-tutorial way, a ``keras.Sequential`` of the
  same layers compiled with Keras' defaults and fit on pre-built numpy windows.

Both train without validation for ``--epochs`` epochs. Rates are windows per
wall-clock second and per CPU second of the process (all threads; steadier on
a shared machine) over epochs 2..N; the first epoch, which includes tracing
and XLA compilation, is reported separately as ``first_epoch_s``.
``ratio`` / ``cpu_ratio`` are toolkit / hand-written: the median over
``--repeats`` pairs run back to back, because on a shared 2-core machine one
run's rate moves by 10-20 % with the neighbours. The result is printed as
JSON (and written to ``--out`` if given).

Usage::

    python benchmarks/training.py                       # 200k windows, 3 epochs
    python benchmarks/training.py --windows 20000 --epochs 3 --cells lstm,gru
    python benchmarks/training.py --compare-jit         # also the other XLA setting
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from typing import Any

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

INPUT_WIDTH = 48
HORIZON = 12
UNITS = (64, 64)
CELL_NAMES = ("rnn", "lstm", "gru")


def _series(n_windows: int, seed: int = 0) -> np.ndarray:
    """A noisy daily-and-weekly sine with exactly ``n_windows`` windows, float32 [rows, 1]."""
    rows = n_windows + INPUT_WIDTH + HORIZON - 1
    t = np.arange(rows, dtype=np.float64)
    rng = np.random.default_rng(seed)
    values = np.sin(2 * np.pi * t / 24) + 0.5 * np.sin(2 * np.pi * t / 168)
    values += 0.1 * rng.standard_normal(rows)
    return values.astype("float32")[:, None]


class EpochTimer(keras.callbacks.Callback):
    """Records the wall time of each epoch."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []
        self.cpu_times: list[float] = []
        self._start = self._cpu_start = 0.0

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self._start, self._cpu_start = time.perf_counter(), time.process_time()

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self.times.append(time.perf_counter() - self._start)
        self.cpu_times.append(time.process_time() - self._cpu_start)


def _rate(timer: EpochTimer, n_windows: int) -> dict[str, Any]:
    """Windows per wall second and per CPU second (all threads) over epochs 2..N."""
    wall, cpu = timer.times[1:], timer.cpu_times[1:]
    return {
        "samples_per_s": round(n_windows * len(wall) / sum(wall), 1),
        "samples_per_cpu_s": round(n_windows * len(cpu) / sum(cpu), 1),
        "first_epoch_s": round(timer.times[0], 2),
        "epoch_s": [round(t, 2) for t in timer.times],
        "epoch_cpu_s": [round(t, 2) for t in timer.cpu_times],
    }


def run_toolkit(
    cell: str, series: np.ndarray, args: argparse.Namespace, jit: Any
) -> dict[str, Any]:
    """build_model + train on make_windows; returns the timing record."""
    from forecaster.data.windowing import make_windows
    from forecaster.models.factory import build_model
    from forecaster.training import resolve_jit_compile, train

    ds = make_windows(
        series, INPUT_WIDTH, HORIZON, batch_size=args.batch_size, shuffle=True, seed=args.seed
    )
    model = build_model(cell, UNITS, INPUT_WIDTH, series.shape[1], HORIZON, 1)
    timer = EpochTimer()
    train(
        model,
        ds,
        None,
        epochs=args.epochs,
        seed=args.seed,
        verbose=0,
        jit_compile=jit,
        callbacks=[timer],
    )
    record = _rate(timer, args.windows)
    record["jit_compile"] = resolve_jit_compile(jit, model, distributed=False)
    return record


def run_hand_written(cell: str, series: np.ndarray, args: argparse.Namespace) -> dict[str, Any]:
    """The TF-tutorial way: Sequential model, Keras defaults, numpy windows in memory."""
    keras.utils.set_random_seed(args.seed)
    values = series[:, 0]
    windows = np.lib.stride_tricks.sliding_window_view(values, INPUT_WIDTH + HORIZON)
    x = np.ascontiguousarray(windows[:, :INPUT_WIDTH, None])
    y = np.ascontiguousarray(windows[:, INPUT_WIDTH:, None])
    layer = {"rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[
        cell
    ]
    model = keras.Sequential(
        [
            keras.Input((INPUT_WIDTH, 1)),
            layer(UNITS[0], return_sequences=True),
            layer(UNITS[1]),
            keras.layers.Dense(HORIZON),
            keras.layers.Reshape((HORIZON, 1)),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(1e-3, global_clipnorm=1.0), loss="mse")
    timer = EpochTimer()
    model.fit(
        x,
        y,
        batch_size=args.batch_size,
        epochs=args.epochs,
        shuffle=True,
        verbose=0,
        callbacks=[timer],
    )
    record = _rate(timer, args.windows)
    record["jit_compile"] = bool(model.jit_compile)
    return record


def _median_record(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Median rates over repeats, with every repeat's rates kept for inspection."""
    return {
        "samples_per_s": round(float(np.median([r["samples_per_s"] for r in records])), 1),
        "samples_per_cpu_s": round(float(np.median([r["samples_per_cpu_s"] for r in records])), 1),
        "repeats_samples_per_s": [r["samples_per_s"] for r in records],
        "repeats_samples_per_cpu_s": [r["samples_per_cpu_s"] for r in records],
        "first_epoch_s": records[0]["first_epoch_s"],
        "jit_compile": records[0]["jit_compile"],
    }


def _ratios(
    suffix: str, tool: list[dict[str, Any]], hand: list[dict[str, Any]]
) -> dict[str, float]:
    """Median over repeats of the paired toolkit / hand-written ratios (each pair ran back to back)."""
    wall = [t["samples_per_s"] / h["samples_per_s"] for t, h in zip(tool, hand, strict=True)]
    cpu = [t["samples_per_cpu_s"] / h["samples_per_cpu_s"] for t, h in zip(tool, hand, strict=True)]
    return {
        "ratio" + suffix: round(float(np.median(wall)), 2),
        "cpu_ratio" + suffix: round(float(np.median(cpu)), 2),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--windows", type=int, default=200_000, help="training windows per epoch")
    parser.add_argument("--epochs", type=int, default=3, help="epochs timed (>= 2)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--cells", default=",".join(CELL_NAMES), help="comma-separated subset")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="hand-written / toolkit pairs per cell, run alternately; medians are reported",
    )
    parser.add_argument(
        "--compare-jit",
        action="store_true",
        help="also time the toolkit with the other jit_compile setting",
    )
    parser.add_argument("--out", help="also write the JSON here")
    args = parser.parse_args(argv)
    cells = [c.strip().lower() for c in args.cells.split(",") if c.strip()]
    if (
        args.epochs < 2
        or args.windows < 1
        or args.repeats < 1
        or any(c not in CELL_NAMES for c in cells)
    ):
        parser.error(
            "need --epochs >= 2, --windows >= 1, --repeats >= 1 and --cells from rnn,lstm,gru"
        )

    series = _series(args.windows, args.seed)
    results: dict[str, Any] = {}
    for cell in cells:
        # Alternate the runs so that a noisy neighbour slows both sides of a pair alike.
        hand, tool, other = [], [], []
        for _ in range(args.repeats):
            hand.append(run_hand_written(cell, series, args))
            keras.backend.clear_session()
            tool.append(run_toolkit(cell, series, args, "auto"))
            keras.backend.clear_session()
            if args.compare_jit:
                other.append(run_toolkit(cell, series, args, not tool[-1]["jit_compile"]))
                keras.backend.clear_session()
        entry = {
            "toolkit": _median_record(tool),
            "hand_written": _median_record(hand),
            **_ratios("", tool, hand),
        }
        if other:
            suffix = "_jit" if other[0]["jit_compile"] else "_no_jit"
            entry["toolkit" + suffix] = _median_record(other)
            entry.update(_ratios(suffix, other, hand))
        results[cell] = entry
    report = {
        "benchmark": "training_throughput",
        "config": {
            "units": list(UNITS),
            "input_width": INPUT_WIDTH,
            "horizon": HORIZON,
            "batch_size": args.batch_size,
            "windows": args.windows,
            "epochs": args.epochs,
            "repeats": args.repeats,
            "rate": "windows per wall second and per CPU second, epochs 2..N",
        },
        "environment": {
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "python": platform.python_version(),
            "gpus": [d.name for d in tf.config.list_physical_devices("GPU")],
            "cpu_count": os.cpu_count(),
        },
        "results": results,
    }
    text = json.dumps(report, indent=2)
    sys.stdout.write(text + "\n")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    return report


if __name__ == "__main__":
    main()

"""Latency and throughput of one forecast: exported SavedModel vs ``Forecaster.predict``.

Fits a 2x64 LSTM (one epoch: speed does not depend on the weights) on
``data/prices.csv`` (or a synthetic series with ``--synthetic``), exports it,
loads the SavedModel as a downstream script would (``tf.saved_model.load``)
and times:

* ``savedmodel_batch1``: one forecast, raw window in, raw forecast out,
  through the ``serve`` signature (XLA-compiled; plus the plain graph for
  comparison);
* ``predict_batch1``: ``Forecaster.predict()`` (DataFrame with dates out);
* ``savedmodel_batch256``: windows per second at batch 256.

Warm-up calls run before timing, so tracing and XLA compilation are not
counted. Thread pools are pinned with ``--threads`` (inter-op 1, intra-op N)
here only; the library never changes them.

Usage::

    python benchmarks/export.py [--threads 1] [--repeats 1000] [--out bench-results/export.json]

Prints one JSON object (milliseconds for latencies).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def _latency_ms(fn: Callable[[], object], repeats: int, warmup: int) -> dict[str, float]:
    for _ in range(warmup):
        fn()
    times = np.empty(repeats)
    for i in range(repeats):
        start = time.perf_counter()
        fn()
        times[i] = time.perf_counter() - start
    return {
        "p50_ms": round(float(np.percentile(times, 50)) * 1e3, 4),
        "p99_ms": round(float(np.percentile(times, 99)) * 1e3, 4),
        "mean_ms": round(float(times.mean()) * 1e3, 4),
        "repeats": repeats,
    }


def _throughput(fn: Callable[[], object], batch: int, seconds: float) -> dict[str, float]:
    for _ in range(3):
        fn()
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        calls += 1
    elapsed = time.perf_counter() - start
    return {"batch": batch, "windows_per_s": round(calls * batch / elapsed, 1), "calls": calls}


def _data(synthetic: bool) -> tuple[pd.DataFrame, str]:
    if not synthetic and (ROOT / "data" / "prices.csv").exists():
        return pd.read_csv(ROOT / "data" / "prices.csv"), "Close"
    t = np.arange(1500)
    value = 100 + 0.02 * t + 5 * np.sin(2 * np.pi * t / 5) + np.random.default_rng(0).normal(0, 1, t.size)
    return pd.DataFrame({"date": pd.bdate_range("2019-01-01", periods=t.size), "value": value}), "value"


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads (inter-op is 1); 0 = TF default")
    parser.add_argument("--repeats", type=int, default=1000, help="timed single forecasts")
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of the throughput run")
    parser.add_argument("--units", default="64,64", help="LSTM units per layer")
    parser.add_argument("--synthetic", action="store_true", help="use a synthetic series, not data/prices.csv")
    parser.add_argument("--out", help="also write the JSON here")
    args = parser.parse_args(argv)

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    if args.threads > 0:  # must happen before TensorFlow initialises its devices
        tf.config.threading.set_inter_op_parallelism_threads(1)
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)

    from forecaster import Forecaster
    from forecaster.export import export_saved_model

    frame, target = _data(args.synthetic)
    units = tuple(int(u) for u in args.units.split(","))
    fc = Forecaster(cell="lstm", units=units, input_width=48, horizon=12, epochs=1, verbose=0, seed=0)
    start = time.perf_counter()
    fc.fit(frame, target=target)
    fit_s = time.perf_counter() - start

    result: dict[str, object] = {
        "benchmark": "export",
        "model": f"LSTM {units}, input_width {fc.input_width_}, horizon {fc.horizon}, {fc.model_.count_params()} params",
        "data": f"{len(frame)} rows, target {target}",
        "fit_seconds_1_epoch": round(fit_s, 2),
        "threads": {"inter_op": 1 if args.threads > 0 else "default", "intra_op": args.threads or "default"},
    }
    width, n_features = fc.input_width_, len(fc.columns_)
    window = frame[list(fc.columns_)].to_numpy(np.float32)[-width:][None]
    batch = np.repeat(window, 256, axis=0) + np.random.default_rng(0).normal(0, 0.1, (256, width, n_features)).astype(
        np.float32
    )

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        fc.export(os.path.join(tmp, "xla"))
        result["export_seconds"] = round(time.perf_counter() - start, 2)
        scaler = fc.scalers_[0]
        export_saved_model(
            fc.model_, os.path.join(tmp, "plain"), center=scaler.center, scale=scaler.scale,
            n_targets=len(fc.targets_), jit_compile=False,
        )
        xla = tf.saved_model.load(os.path.join(tmp, "xla"))
        plain = tf.saved_model.load(os.path.join(tmp, "plain"))
        one, many = tf.constant(window), tf.constant(batch)

        start = time.perf_counter()
        xla.serve(one)
        result["first_call_seconds_xla_compile"] = round(time.perf_counter() - start, 3)
        result["savedmodel_batch1"] = _latency_ms(lambda: xla.serve(one), args.repeats, 50)
        result["savedmodel_plain_graph_batch1"] = _latency_ms(lambda: plain.serve(one), args.repeats // 2, 20)
        result["savedmodel_batch256"] = _throughput(lambda: xla.serve(many), 256, args.seconds)
        result["savedmodel_plain_graph_batch256"] = _throughput(lambda: plain.serve(many), 256, args.seconds)
        served = xla.serve(one).numpy()[0, :, 0]

    result["predict_batch1"] = _latency_ms(fc.predict, max(args.repeats // 5, 50), 10)
    tail = frame.tail(width + 5)
    result["predict_dataframe_batch1"] = _latency_ms(lambda: fc.predict(tail), max(args.repeats // 10, 30), 5)
    predicted = fc.predict()[target].to_numpy()
    result["savedmodel_vs_predict_max_abs_diff"] = float(np.abs(served - predicted).max())
    result["targets"] = {"savedmodel_p50_ms": 2.0, "predict_p50_ms": 10.0}
    result["meets_targets"] = {
        "savedmodel": result["savedmodel_batch1"]["p50_ms"] <= 2.0,
        "predict": result["predict_batch1"]["p50_ms"] <= 10.0,
    }
    result["versions"] = {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "cpu_count": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])

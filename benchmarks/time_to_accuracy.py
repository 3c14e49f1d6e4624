"""Time to a forecast: the default fit's wall time and test MSE beside torch peers (prints JSON).

Two parts, each optional:

* ``--series``: every series of the accuracy benchmark (``benchmarks/accuracy.py``,
  same files and protocol: the last ``H`` rows are the test rows, every method
  is fit on the rows before them and forecasts the ``H`` test rows once). Beside
  ``Forecaster(horizon=H, seed=0)``: NeuralForecast's ``LSTM`` (500 steps, its
  other defaults) and Darts' ``BlockRNNModel`` (LSTM, 2 x 64 units, input chunk =
  the Forecaster's input width, early stopping with patience 10 on the last 15 %
  of the training rows, min-max scaled on the rest). Series with covariates give
  them to every method (NeuralForecast ``hist_exog_list``, Darts past covariates).
  Ratios are ours / peer: wall time below 1 and MSE below 1 favour the Forecaster.
* ``--long``: a synthetic year of hourly data (daily and weekly cycles, a
  drifting level, noise), ``horizon=24``, fit with the defaults and each
  ``--windows-per-epoch`` value (``Forecaster(windows_per_epoch=...)``: ``auto``,
  ``none`` or a number), beside ``import tensorflow`` timed in a fresh process in
  the same run. Besides the MSE of the one forecast of the last 24 rows, each
  run records the held-out model's MSE over every test window of the training
  rows (``heldout_test_mse``: about 1,300 windows, a steadier score).

Each fit runs alone in a fresh interpreter (``multiprocessing`` "spawn"), its framework imported
before its timer starts, as a user's own process would run it: in one shared process the Forecaster
fits after a NeuralForecast fit ran slower (gasoline 15.9 s, then 18.3 and 18.8 s after one and two
NeuralForecast fits; 28.4 s in a whole run, 21.6 s alone in the next; docs/benchmarks.md).
``--same-process`` runs every fit in this process, as the runs before 2026-12-04 did (but with
TensorFlow's import outside the timer there too).

The peers need the ``peers`` extra (``pip install -e ".[peers]"``); without it
they are skipped with a note. Torch peers are very sensitive to a loaded CPU
(OpenMP threads spin): run on a quiet machine; the load average is recorded.

    python benchmarks/time_to_accuracy.py                       # all series + long
    python benchmarks/time_to_accuracy.py --series a10_monthly lynx_yearly --no-long
    python benchmarks/time_to_accuracy.py --no-long --peers neuralforecast_lstm   # the issue's peer only
    python benchmarks/time_to_accuracy.py --series --long --windows-per-epoch none,auto
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import logging
import multiprocessing
import os
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from accuracy import DATA, SERIES, parse_set  # noqa: E402  (the accuracy benchmark's series and files)

NF_STEPS = 500
DARTS_UNITS, DARTS_LAYERS, DARTS_PATIENCE, DARTS_MAX_EPOCHS = 64, 2, 10, 100
VAL_FRACTION = 0.15


def _loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _mse(test: np.ndarray, pred: np.ndarray) -> float:
    return float(np.mean((np.asarray(test, float) - np.asarray(pred, float)) ** 2))


def _peers_available() -> str | None:
    """None when both peers are installed, else the note to print (found, not imported: the fits import them)."""
    for name in ("darts", "neuralforecast"):
        if importlib.util.find_spec(name) is None:
            return f'note: {name} is not installed (pip install -e ".[peers]"); peers skipped.'
    return None


def _torch_threads(threads: int | None) -> None:
    if threads:
        import torch

        torch.set_num_threads(threads)


def _in_fresh_process(
    fit: Callable[..., dict[str, Any]], *args: Any, torch_threads: int | None = None
) -> dict[str, Any]:
    """``fit(*args)`` in a new interpreter, so no earlier fit's threads or allocations slow it."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        1, mp_context=context, initializer=_torch_threads, initargs=(torch_threads,)
    ) as pool:
        return pool.submit(fit, *args).result()


def _in_this_process(
    fit: Callable[..., dict[str, Any]], *args: Any, torch_threads: int | None = None
) -> dict[str, Any]:
    _torch_threads(torch_threads)
    return fit(*args)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence the peers' progress lines and warnings (lightning logs to stderr)."""
    loggers = [
        logging.getLogger(n)
        for n in ("pytorch_lightning", "lightning", "lightning.pytorch", "darts")
    ]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def fit_forecaster(
    train_frame: pd.DataFrame, target: str, features: list[str] | None, h: int, params: dict
) -> dict[str, Any]:
    import keras  # noqa: F401  (imported before the timer, as torch is for the peers)
    import tensorflow  # noqa: F401

    from forecaster import Forecaster

    start = time.perf_counter()
    fc = Forecaster(**{"horizon": h, "seed": 0, "verbose": 0, **params}).fit(
        train_frame, target=target, features=features
    )
    seconds = time.perf_counter() - start
    pred = fc.predict()[target].to_numpy(dtype=float)  # the H rows after the training rows
    refit = getattr(fc, "refit_", None) or {}
    history = fc.history_
    return {
        "seconds": seconds,
        "pred": pred,
        # the network's window, Darts' input chunk (a window-baseline plan that replaced the refit reads every row)
        "input_width": int(fc._heldout_input_width()),
        "epochs_run": int(fc.n_epochs_),
        "best_epoch": int(history["val_loss"].to_numpy().argmin()) + 1
        if "val_loss" in history
        else None,
        "refit_epochs": refit.get("epochs"),
        "windows_per_epoch": getattr(fc, "windows_per_epoch_", None),
        # the held-out model on every test window of the training rows: a steadier score than one H-row forecast
        "heldout_test_mse": float(fc.metrics_["model"]["mse"]),
        "heldout_test_windows": int(fc.metrics_["n_windows"]),
        "choice": (getattr(fc, "choice_", None) or {}).get("used"),
        "val_loss": [round(float(v), 5) for v in history["val_loss"]]
        if "val_loss" in history
        else None,
    }


def fit_neuralforecast(
    train: np.ndarray, exog: np.ndarray | None, names: list[str], h: int
) -> dict[str, Any]:
    from neuralforecast import NeuralForecast
    from neuralforecast.models import LSTM

    df = pd.DataFrame({"unique_id": "s", "ds": np.arange(len(train)), "y": train})
    for i, name in enumerate(names):
        df[name] = exog[:, i]
    with _quiet():
        start = time.perf_counter()
        model = LSTM(
            h=h,
            max_steps=NF_STEPS,
            hist_exog_list=names or None,
            random_seed=0,
            accelerator="cpu",
            enable_progress_bar=False,
            enable_model_summary=False,
            logger=False,
        )
        nf = NeuralForecast(models=[model], freq=1)
        nf.fit(df)
        pred = nf.predict()["LSTM"].to_numpy(dtype=float)
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "pred": pred}


def fit_darts(train: np.ndarray, exog: np.ndarray | None, h: int, width: int) -> dict[str, Any]:
    from darts import TimeSeries
    from darts.dataprocessing.transformers import Scaler
    from darts.models import BlockRNNModel
    from pytorch_lightning.callbacks import Callback, EarlyStopping

    class Epochs(Callback):  # predict() replaces the trainer, so count epochs while fitting
        count = 0

        def on_train_epoch_end(self, trainer: Any, module: Any) -> None:
            self.count += 1

    epochs = Epochs()
    n = len(train)
    n_val = max(int(round(VAL_FRACTION * n)), h)
    if n - n_val < width + h:
        return {
            "skipped": f"{n} training rows are too few for input {width} + horizon {h} + validation {n_val}"
        }
    with _quiet():
        start = time.perf_counter()
        series = TimeSeries.from_values(train.astype(np.float32))
        scaler = Scaler()
        scaler.fit(series[: n - n_val])
        scaled = scaler.transform(series)
        cov = None
        if exog is not None:
            cov_series = TimeSeries.from_values(exog.astype(np.float32))
            cov_scaler = Scaler()
            cov_scaler.fit(cov_series[: n - n_val])
            cov = cov_scaler.transform(cov_series)
        model = BlockRNNModel(
            input_chunk_length=width,
            output_chunk_length=h,
            model="LSTM",
            hidden_dim=DARTS_UNITS,
            n_rnn_layers=DARTS_LAYERS,
            n_epochs=DARTS_MAX_EPOCHS,
            random_state=0,
            pl_trainer_kwargs={
                "accelerator": "cpu",
                "callbacks": [EarlyStopping("val_loss", patience=DARTS_PATIENCE), epochs],
                "enable_progress_bar": False,
                "enable_model_summary": False,
                "logger": False,
            },
        )
        model.fit(
            scaled[: n - n_val],
            val_series=scaled[n - n_val - width :],
            past_covariates=cov,
            val_past_covariates=cov,
            verbose=False,
        )
        pred_scaled = model.predict(h, series=scaled, past_covariates=cov, verbose=False)
        pred = scaler.inverse_transform(pred_scaled).values()[:, 0].astype(float)
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "pred": pred, "epochs_run": epochs.count}


def run_series(
    name: str,
    params: dict,
    peers: bool,
    only: list[str] | None = None,
    run: Callable[..., dict[str, Any]] = _in_fresh_process,
    torch_threads: int | None = None,
) -> dict[str, Any]:
    """The accuracy benchmark's protocol for one series: ours and the peers on the same rows."""
    spec = SERIES[name]
    frame = pd.read_csv(os.path.join(DATA, f"{name}.csv"))
    h, target, features = spec["h"], spec["target"], spec.get("features")
    train_frame = frame.iloc[:-h].reset_index(drop=True)
    train = train_frame[target].to_numpy(dtype=float)
    test = frame[target].to_numpy(dtype=float)[-h:]
    names = list(features or [])
    exog = train_frame[names].to_numpy(dtype=float) if names else None

    ours = run(fit_forecaster, train_frame, target, features, h, params)
    row: dict[str, Any] = {
        "freq": spec["freq"],
        "train_rows": len(train),
        "h": h,
        "forecaster": {
            "seconds": round(ours["seconds"], 1),
            "mse": _mse(test, ours["pred"]),
            "input_width": ours["input_width"],
            "epochs_run": ours["epochs_run"],
        },
    }
    if peers:
        fits = {
            "neuralforecast_lstm": lambda: run(
                fit_neuralforecast, train, exog, names, h, torch_threads=torch_threads
            ),
            "darts_blockrnn_lstm": lambda: run(
                fit_darts, train, exog, h, ours["input_width"], torch_threads=torch_threads
            ),
        }
        for peer, fit in fits.items():
            if only and peer not in only:
                continue
            try:
                result = fit()
            except Exception as err:  # noqa: BLE001 - a peer failing is a reported result, not a crash
                row[peer] = {"error": f"{type(err).__name__}: {err}"[:300]}
                continue
            if "skipped" in result:
                row[peer] = result
                continue
            entry = {"seconds": round(result["seconds"], 1), "mse": _mse(test, result["pred"])}
            if "epochs_run" in result:
                entry["epochs_run"] = result["epochs_run"]
            entry["time_ratio_ours_over_peer"] = round(ours["seconds"] / result["seconds"], 3)
            entry["mse_ratio_ours_over_peer"] = round(row["forecaster"]["mse"] / entry["mse"], 3)
            row[peer] = entry
    return row


# --- the long hourly series --------------------------------------------------------------------


def synthetic_hourly_year(hours: int = 365 * 24, seed: int = 0) -> pd.DataFrame:
    """Hourly rows with daily and weekly cycles, a drifting (random-walk) level and noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(hours)
    level = np.cumsum(rng.normal(0, 0.05, hours))
    value = (
        10
        + level
        + 2.0 * np.sin(2 * np.pi * t / 24)
        + 0.7 * np.sin(4 * np.pi * t / 24 + 0.5)
        + 1.2 * np.sin(2 * np.pi * t / 168)
        + rng.normal(0, 0.3, hours)
    )
    dates = pd.date_range("2024-01-01", periods=hours, freq="h")
    return pd.DataFrame({"date": dates, "value": value})


def import_tensorflow_seconds() -> float:
    """Wall seconds of ``import tensorflow`` in a fresh interpreter."""
    code = "import time; s = time.perf_counter(); import tensorflow; print(time.perf_counter() - s)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def run_long(
    values: list[int | str | None],
    params: dict,
    hours: int,
    run: Callable[..., dict[str, Any]] = _in_fresh_process,
) -> dict[str, Any]:
    frame = synthetic_hourly_year(hours)
    h = 24
    train_frame, test = frame.iloc[:-h].reset_index(drop=True), frame["value"].to_numpy()[-h:]
    out: dict[str, Any] = {"rows": len(frame), "h": h, "import_tensorflow_seconds": []}
    train = train_frame["value"].to_numpy()
    out["baselines_mse"] = {
        f"seasonal_naive_{m}": _mse(test, train[len(train) - m + (np.arange(h) % m)])
        for m in (1, 24, 168)
    }
    out["import_tensorflow_seconds"].append(round(import_tensorflow_seconds(), 2))
    runs = []
    for value in values:
        fit = run(
            fit_forecaster, train_frame, "value", None, h, {**params, "windows_per_epoch": value}
        )
        runs.append(
            {
                "windows_per_epoch": value,
                "windows_per_epoch_used": fit["windows_per_epoch"],
                "seconds": round(fit["seconds"], 1),
                "mse": _mse(test, fit["pred"]),
                "input_width": fit["input_width"],
                "epochs_run": fit["epochs_run"],
                **{
                    k: fit[k]
                    for k in (
                        "best_epoch",
                        "refit_epochs",
                        "heldout_test_mse",
                        "heldout_test_windows",
                        "choice",
                        "val_loss",
                    )
                },
                "loadavg": _loadavg(),
            }
        )
        print(json.dumps({"long": runs[-1]}), file=sys.stderr, flush=True)
    out["import_tensorflow_seconds"].append(round(import_tensorflow_seconds(), 2))
    tf_seconds = float(np.mean(out["import_tensorflow_seconds"]))
    base = runs[0]
    for run in runs:
        run["seconds_over_import_tensorflow"] = round(run["seconds"] / tf_seconds, 1)
        run["speedup_vs_first"] = round(base["seconds"] / run["seconds"], 2)
        run["mse_ratio_vs_first"] = round(run["mse"] / base["mse"], 3)
    out["runs"] = runs
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", nargs="*", default=list(SERIES), choices=list(SERIES))
    parser.add_argument("--no-peers", action="store_true", help="skip NeuralForecast and Darts")
    parser.add_argument(
        "--peers",
        nargs="+",
        default=None,
        choices=["neuralforecast_lstm", "darts_blockrnn_lstm"],
        help="run only these peers (default: both; Darts' early-stopped fit is the slow one)",
    )
    parser.add_argument("--long", dest="long", action="store_true", default=True)
    parser.add_argument(
        "--no-long", dest="long", action="store_false", help="skip the synthetic year"
    )
    parser.add_argument(
        "--hours", type=int, default=365 * 24, help="rows of the synthetic hourly series"
    )
    parser.add_argument(
        "--windows-per-epoch",
        default="none,auto",
        help="Forecaster(windows_per_epoch=...) values for the long series: none (every window), auto or N",
    )
    parser.add_argument(
        "--set", action="append", default=[], metavar="PARAM=VALUE", help="Forecaster parameter"
    )
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=None,
        help="torch.set_num_threads for the peers (default: torch's own; 1 helps on a loaded machine)",
    )
    parser.add_argument(
        "--same-process",
        action="store_true",
        help="run every fit in this process (each in a fresh interpreter by default)",
    )
    parser.add_argument("--out", default=None, help="also write the JSON here")
    args = parser.parse_args(argv)

    peers = not args.no_peers
    note = _peers_available() if peers else None
    if note:
        print(note, file=sys.stderr)
        peers = False
    params = parse_set(args.set)
    result: dict[str, Any] = {
        "params": params,
        "cpus": os.cpu_count(),
        "loadavg_start": _loadavg(),
        "peers": peers,
        "peers_note": note,
        "series": {},
    }
    run = _in_this_process if args.same_process else _in_fresh_process
    result["fits"] = "this process" if args.same_process else "a fresh process each"
    if peers:
        # None: torch's own default (one thread per core)
        result["torch"] = {"version": metadata.version("torch"), "threads": args.torch_threads}
    for name in args.series:
        row = run_series(name, params, peers, args.peers, run, args.torch_threads)
        row["loadavg"] = _loadavg()
        result["series"][name] = row
        print(json.dumps({name: row}), file=sys.stderr, flush=True)
    if peers and result["series"]:
        for peer in ("neuralforecast_lstm", "darts_blockrnn_lstm"):
            done = [r[peer] for r in result["series"].values() if "mse" in r.get(peer, {})]
            if done:
                t = [d["time_ratio_ours_over_peer"] for d in done]
                m = [d["mse_ratio_ours_over_peer"] for d in done]
                result[f"summary_{peer}"] = {
                    "series": len(done),
                    "geomean_time_ratio": round(float(np.exp(np.mean(np.log(t)))), 3),
                    "geomean_mse_ratio": round(float(np.exp(np.mean(np.log(m)))), 3),
                    "faster_and_at_least_as_accurate": sum(
                        a <= 0.5 and b <= 1 for a, b in zip(t, m, strict=True)
                    ),
                }
    if args.long:
        values: list[int | str | None] = [
            None
            if v.strip().lower() == "none"
            else "auto"
            if v.strip().lower() == "auto"
            else int(v)
            for v in args.windows_per_epoch.split(",")
        ]
        result["long_hourly"] = run_long(values, params, args.hours, run)
    result["loadavg_end"] = _loadavg()
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        with open(args.out, "w") as handle:
            handle.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

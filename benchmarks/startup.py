"""Command start-up: wall time of ``forecaster predict / evaluate / export / --help`` on a tiny run.

Each command runs in a fresh process and is compared with ``python -c "import tensorflow"``
timed in the same run: the commands are alternated (one round runs each once, in order) and
repeated, and the medians are reported, because the machine may be shared. Prints one JSON
object: medians in seconds, ratios to ``import tensorflow``, and the load average at start and end.

    python benchmarks/startup.py [--repeats 5] [--run RUN_DIR] [--cli COMMAND]

``--run`` reuses a run directory; by default a tiny one is fitted into a temporary folder
(``forecaster fit --csv data/prices.csv --epochs 1 --units 8``).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CSV = os.path.join(ROOT, "data", "prices.csv")


def _cli() -> list[str]:
    """The ``forecaster`` entry point next to this Python (the venv's), else ``python -m forecaster``."""
    script = os.path.join(os.path.dirname(sys.executable), "forecaster")
    return [script] if os.path.exists(script) else [sys.executable, "-m", "forecaster"]


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Seconds one fresh process takes, and its stderr (checked for TensorFlow start-up lines)."""
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds, done.stderr


def _tf_lines(stderr: str) -> list[str]:
    """TensorFlow / absl / CUDA start-up lines in a command's stderr (there should be none)."""
    marks = ("I0000", "W0000", "E0000", "absl::InitializeLog", "oneDNN", "cuda", "cuInit", "tensorflow")
    return [line for line in stderr.splitlines() if any(m in line for m in marks)]


def main() -> None:
    """Fit (or reuse) a tiny run, time the commands alternately, print the JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="rounds of every command (default: 5)")
    parser.add_argument("--run", help="existing run directory to reuse (default: fit a tiny one)")
    parser.add_argument("--cli", help="command that runs forecaster, e.g. an older checkout's launcher "
                        "(default: the entry point next to this Python)")
    args = parser.parse_args()
    load_start = os.getloadavg()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
    cli = shlex.split(args.cli) if args.cli else _cli()
    work = tempfile.mkdtemp(prefix="forecaster-startup-")
    try:
        run = args.run
        if run is None:
            run = os.path.join(work, "run")
            _timed([*cli, "fit", "--csv", CSV, "--epochs", "1", "--units", "8", "--out", run, "--quiet"], env)
        commands = {
            "import tensorflow": [sys.executable, "-c", "import tensorflow"],
            "import keras": [sys.executable, "-c", "import keras"],
            "predict": [*cli, "predict", "--model", run, "--csv", CSV, "--out", os.path.join(work, "forecast.csv")],
            "evaluate": [*cli, "evaluate", "--model", run, "--csv", CSV],
            "export": [*cli, "export", "--model", run, "--out", os.path.join(work, "export"), "--force"],
            "--help": [*cli, "--help"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        noisy: dict[str, list[str]] = {}
        for _ in range(args.repeats):
            for name, command in commands.items():
                seconds, stderr = _timed(command, env)
                times[name].append(seconds)
                if name not in ("import tensorflow", "import keras") and _tf_lines(stderr):
                    noisy[name] = _tf_lines(stderr)[:3]
        medians = {name: round(statistics.median(values), 3) for name, values in times.items()}
        base = medians["import tensorflow"]
        print(json.dumps({
            "repeats": args.repeats,
            "median_s": medians,
            "min_s": {name: round(min(values), 3) for name, values in times.items()},
            "ratio_to_import_tensorflow": {name: round(m / base, 3) for name, m in medians.items()},
            "tensorflow_lines": noisy,
            "loadavg_start": [round(x, 2) for x in load_start],
            "loadavg_end": [round(x, 2) for x in os.getloadavg()],
            "cpus": os.cpu_count(),
        }, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

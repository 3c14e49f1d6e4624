"""The `forecaster` command line: parser, config merging, windows, and fit/predict/evaluate/export."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecaster import __version__, cli
from forecaster.cli import build_parser, fit_settings, main, run_commands
from forecaster.data.split import chronological_split
from forecaster.data.windowing import count_windows
from forecaster.errors import ForecasterError

TINY = ["--cell", "lstm", "--units", "8", "--input-width", "14", "--horizon", "4", "--epochs", "2",
        "--batch-size", "32", "--seed", "1", "--quiet"]


def write_csv(path: Path, n: int = 160, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    value = 20 + 0.05 * t + 2 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 0.2, n)
    extra = 5 + np.cos(t / 5)
    frame = pd.DataFrame({"date": pd.date_range("2023-01-02", periods=n, freq="D"), "value": value, "temp": extra})
    frame.to_csv(path, index=False, float_format="%.5f")
    return path


def _env() -> dict[str, str]:
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "MPLBACKEND": "Agg"}


# ------------------------------------------------------------------ start-up


def test_help_and_version_import_no_tensorflow_and_are_fast():
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "forecaster", "--help"],
        capture_output=True, text=True, env=_env(), timeout=120,
    )
    elapsed = time.perf_counter() - start
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "fit" in proc.stdout and "windows" in proc.stdout
    imported = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines() if "|" in line}
    assert "forecaster" in imported
    assert not imported & {"tensorflow", "keras", "pandas", "numpy"}, imported & {"tensorflow", "keras", "pandas"}
    assert elapsed < 5.0  # well under a second on an idle machine; generous for shared CI

    script = "import sys; from forecaster.cli import main; rc = main(['--version']); " \
             "print(rc, sorted(m for m in ('tensorflow', 'keras', 'pandas') if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=_env(), timeout=120)
    assert proc.stdout.splitlines() == [f"forecaster {__version__}", "0 []"]


def test_console_script_is_installed_and_answers_version():
    script = Path(sys.executable).parent / "forecaster"
    proc = subprocess.run([str(script), "--version"], capture_output=True, text=True, env=_env(), timeout=120)
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"forecaster {__version__}"


def test_every_subcommand_has_help(capsys):
    for command in ("fit", "predict", "evaluate", "export", "windows"):
        assert main([command, "--help"]) == 0
        out = capsys.readouterr().out
        assert out.startswith(f"usage: forecaster {command}")
    fit_help = (main(["fit", "--help"]), capsys.readouterr().out)[1]
    for flag in ("--csv", "--target", "--date-col", "--features", "--id-col", "--calendar", "--fill", "--cell",
                 "--units", "--input-width", "--horizon", "--head", "--epochs", "--batch-size", "--optimizer",
                 "--lr", "--seed", "--deterministic", "--config", "--out", "--force", "--quiet"):
        assert flag in fit_help, flag


def test_a_new_subcommand_plugs_in_with_one_function(monkeypatch, capsys):
    def add_hello(subparsers):
        parser = subparsers.add_parser("hello", help="say hello")
        parser.add_argument("--name", required=True)
        parser.set_defaults(handler=lambda args: print(f"hello {args.name}") or 0)

    monkeypatch.setattr(cli, "COMMANDS", [*cli.COMMANDS, add_hello])
    assert main(["hello", "--name", "x"]) == 0
    assert capsys.readouterr().out == "hello x\n"
    assert main(["hello"]) == 2
    assert capsys.readouterr().err.startswith("error: the following arguments are required: --name")


def test_usage_errors_print_one_line_and_return_2(capsys):
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: choose a command: fit, predict, evaluate, export, windows")
    assert main(["fit", "--epochs", "many"]) == 2
    err = capsys.readouterr().err
    assert err == "error: argument --epochs: expected an integer (received 'many') (see 'forecaster fit --help').\n"


def test_keyboard_interrupt_exits_130(monkeypatch, tmp_path, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(run_commands, "_run_windows", interrupted)
    csv = write_csv(tmp_path / "s.csv")
    assert main(["windows", "--csv", str(csv), "--input-width", "3", "--horizon", "2"]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_bugs_are_not_swallowed(monkeypatch, tmp_path):
    def broken(args):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(run_commands, "_run_windows", broken)
    with pytest.raises(ZeroDivisionError):
        main(["windows", "--csv", "x.csv", "--input-width", "3", "--horizon", "2"])


# ------------------------------------------------------------------ config merging


def _fit_args(argv: list[str]) -> argparse.Namespace:
    return build_parser().parse_args(["fit", *argv])


def test_windows_per_epoch_flag_takes_a_number_auto_or_none():
    assert fit_settings(_fit_args(["--csv", "x.csv", "--windows-per-epoch", "2048"]))["windows_per_epoch"] == 2048
    assert fit_settings(_fit_args(["--csv", "x.csv", "--windows-per-epoch", "auto"]))["windows_per_epoch"] == "auto"
    assert fit_settings(_fit_args(["--csv", "x.csv", "--windows-per-epoch", "none"]))["windows_per_epoch"] is None
    assert fit_settings(_fit_args(["--csv", "x.csv"]))["windows_per_epoch"] is None  # the Forecaster default


def test_calendar_flag_and_config_take_auto_yes_or_no(tmp_path):
    assert fit_settings(_fit_args(["--csv", "x.csv"]))["calendar"] == "auto"  # the Forecaster default
    assert fit_settings(_fit_args(["--csv", "x.csv", "--calendar", "no"]))["calendar"] is False
    assert fit_settings(_fit_args(["--csv", "x.csv", "--calendar", "yes"]))["calendar"] is True
    config = tmp_path / "run.toml"
    config.write_text('csv = "x.csv"\ncalendar = true\nrefit = false\n')  # TOML booleans, as the flags were
    settings = fit_settings(_fit_args(["--config", str(config)]))
    assert settings["calendar"] is True and settings["refit"] is False
    config.write_text('csv = "x.csv"\ncalendar = "maybe"\n')
    with pytest.raises(ForecasterError, match="expected auto, yes or no, received 'maybe'"):
        fit_settings(_fit_args(["--config", str(config)]))


def test_config_file_fills_in_and_flags_win(tmp_path):
    config = tmp_path / "run.toml"
    config.write_text(
        textwrap.dedent(
            """
            csv = "prices.csv"
            input-width = 48
            batch_size = 16
            units = [32, 16]
            learning_rate = 0.01
            deterministic = true
            quantiles = "0.2,0.5,0.8"

            [training]
            epochs = 7
            """
        )
    )
    settings = fit_settings(_fit_args(["--config", str(config), "--epochs", "3", "--units", "4"]))
    assert settings["csv"] == "prices.csv"
    assert settings["input_width"] == 48 and settings["batch_size"] == 16
    assert settings["epochs"] == 3  # the flag wins over the file
    assert settings["units"] == (4,)
    assert settings["lr"] == 0.01 and settings["deterministic"] is True
    assert settings["quantiles"] == (0.2, 0.5, 0.8)
    assert settings["horizon"] == 12 and settings["cell"] == "gru"  # Forecaster defaults
    assert settings["force"] is False and settings["out"] is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("epoch = 3", "unknown key `epoch`"),
        ("epochs = 'three'", "config key `epochs`"),
        ("force = 'yes'", "must be true or false"),
        ("cell = 'transformer'", "must be one of rnn, lstm, gru"),
        ("units = [", "is not valid TOML"),
    ],
)
def test_bad_config_files_raise(tmp_path, content, message):
    config = tmp_path / "bad.toml"
    config.write_text(content + "\n")
    with pytest.raises(ForecasterError) as info:
        fit_settings(_fit_args(["--config", str(config)]))
    assert message in str(info.value)


# ------------------------------------------------------------------ windows


def test_windows_shows_alignment_and_split_counts(tmp_path, capsys):
    csv = write_csv(tmp_path / "s.csv", n=100)
    assert main(["windows", "--csv", str(csv), "--input-width", "10", "--horizon", "5", "--target", "value"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith(f"{csv}: 100 rows (2023-01-02 .. 2023-04-11), target value, frequency D")
    assert "-> 86 windows" in lines[1]
    assert re.search(r"#0\s+input 2023-01-02 \.\. 2023-01-11 \(10 rows\)  ->  target 2023-01-12 \.\. 2023-01-16 \(5 rows\)", out)
    assert re.search(r"#85\s+input 2023-03-28 \.\. 2023-04-06 \(10 rows\)  ->  target 2023-04-07 \.\. 2023-04-11", out)
    split = chronological_split(100, 10, 5)
    counts = [count_windows(b - a, 10, 5) for a, b in (split.train, split.val, split.test)]
    assert lines[-1].startswith(f"windows: train {counts[0]} / val {counts[1]} / test {counts[2]}")


def test_windows_without_dates_counts_rows(tmp_path, capsys):
    path = tmp_path / "plain.csv"
    pd.DataFrame({"y": np.arange(30.0)}).to_csv(path, index=False)
    assert main(["windows", "--csv", str(path), "--input-width", "4", "--horizon", "2", "--show", "1",
                 "--val", "0", "--test", "0.2"]) == 0
    out = capsys.readouterr().out
    assert "#0   input rows 0 .. 3 (4 rows)  ->  target rows 4 .. 5 (2 rows)" in out
    assert "#24  input rows 24 .. 27" in out
    assert re.search(r"^  val\s+0 windows$", out, re.M)
    assert re.search(r"^  test\s+5 windows; targets rows 24 \.\. 29$", out, re.M)


# ------------------------------------------------------------------ fit and friends (one tiny fit)


@pytest.fixture(scope="module")
def fitted_run(tmp_path_factory):
    """One tiny `forecaster fit` through main(), with the default run directory name."""
    root = tmp_path_factory.mktemp("cli")
    csv = write_csv(root / "series.csv")
    old = os.getcwd()
    os.chdir(root)
    try:
        rc, out = _capture(lambda: main(["fit", "--csv", "series.csv", "--target", "value", "--features", "temp", *TINY]))
    finally:
        os.chdir(old)
    assert rc == 0, out
    runs = sorted((root / "runs").iterdir())
    return root, csv, runs, out


def _capture(fn):
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        rc = fn()
    return rc, buffer.getvalue()


@pytest.mark.slow
def test_fit_writes_a_run_directory_and_prints_a_summary(fitted_run):
    root, _, runs, out = fitted_run
    assert len(runs) == 1 and re.fullmatch(r"value-\d{8}-\d{6}", runs[0].name)
    run = runs[0]
    for name in ("model.keras", "forecaster.json", "metrics.json", "history.csv", "forecast.csv"):
        assert (run / name).is_file(), name
    assert (run / "export" / "saved_model.pb").is_file()
    assert [p.name for p in (root / "runs").iterdir()] == [run.name]  # no temp sibling left
    lines = out.splitlines()
    assert lines[0].startswith(
        "data      series.csv: 160 rows; columns value (target) + temp; calendar day of week, day of year; frequency D"
    )
    assert lines[1].startswith("split     target rows train")
    assert re.match(r"model     LSTM units 8, input_width 14, horizon 4, head point, skip \w+, "
                    r"([\d,]+ parameters|its forecast not used \(see choice\)|one of three in a median \(see choice\))",
                    lines[2])
    assert re.match(r"training  [12] epochs? run, best val_loss \d", lines[3])
    metrics = json.loads((run / "metrics.json").read_text())
    table = "\n".join(lines[4:])
    assert re.search(r"MSE\s+MAE\s+MASE", table)
    for name in ("model", "naive", "seasonal_naive", "drift", "mean"):
        assert re.search(rf"^\s+{name}\s", table, re.M), name
    assert f"{metrics['model']['mse']:.4g}" in table
    assert lines[-1] == f"run directory: {os.path.join('runs', run.name)}"


@pytest.mark.slow
def test_predict_writes_the_horizon_after_the_last_row(fitted_run, tmp_path, capsys):
    from forecaster import load

    _, csv, runs, _ = fitted_run
    assert main(["predict", "--model", str(runs[0]), "--csv", str(csv)]) == 0
    printed = pd.read_csv(__import__("io").StringIO(capsys.readouterr().out))
    # the point forecast, then the default conformal 80 % and 95 % intervals
    assert list(printed.columns) == [
        "date", "value", "value_lower_80", "value_upper_80", "value_lower_95", "value_upper_95"
    ]
    assert printed["date"].tolist() == [f"2023-06-{d:02d}" for d in (11, 12, 13, 14)]
    out = tmp_path / "forecast.csv"
    assert main(["predict", "--model", str(runs[0]), "--csv", str(csv), "--out", str(out)]) == 0
    written = pd.read_csv(out)
    expected = load(runs[0]).predict(str(csv))
    np.testing.assert_allclose(written["value"], expected["value"], rtol=1e-5)
    np.testing.assert_allclose(printed["value"], expected["value"], rtol=1e-5)
    assert sorted(os.listdir(tmp_path)) == ["forecast.csv"]


@pytest.mark.slow
def test_evaluate_prints_model_and_baseline_metrics(fitted_run, capsys):
    _, csv, runs, _ = fitted_run
    assert main(["evaluate", "--model", str(runs[0]), "--csv", str(csv)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"MSE\s+RMSE\s+MAE\s+MASE", out)
    for name in ("model", "naive", "seasonal_naive", "drift", "mean"):
        assert re.search(rf"^\s+{name}\s", out, re.M), name
    assert main(["evaluate", "--model", str(runs[0]), "--csv", str(csv), "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert set(metrics["baselines"]) >= {"naive", "seasonal_naive"}
    assert metrics["n_windows"] >= 1


@pytest.mark.slow
def test_export_command_matches_predict(fitted_run, tmp_path, capsys):
    import tensorflow as tf

    from forecaster import load

    _, csv, runs, _ = fitted_run
    out = tmp_path / "exported"
    assert main(["export", "--model", str(runs[0]), "--out", str(out)]) == 0
    assert "SavedModel written" in capsys.readouterr().out
    fc = load(runs[0])
    from forecaster.inputs import load_like_fit

    # the raw window in forecaster.json's columns: the data's, then the daily default's calendar inputs
    series, _ = load_like_fit(fc, str(csv))
    assert series.columns == ("value", "temp", "cal_dow_sin", "cal_dow_cos", "cal_year_sin", "cal_year_cos")
    window = series.values.astype(np.float32)[-fc.input_width_ :][None]
    loaded = tf.saved_model.load(str(out))
    served = loaded.serve(tf.constant(window)).numpy()[0, :, 0]
    np.testing.assert_allclose(served, fc.predict(str(csv))["value"], rtol=1e-5, atol=1e-5)
    # An existing export is replaced only with --force.
    assert main(["export", "--model", str(runs[0]), "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["export", "--model", str(runs[0]), "--out", str(out), "--force"]) == 0
    assert sorted(os.listdir(tmp_path)) == ["exported"]


@pytest.mark.slow
def test_fit_refuses_an_existing_run_without_force_and_interrupts_cleanly(fitted_run, monkeypatch, capsys):
    from forecaster.forecaster import Forecaster

    root, csv, runs, _ = fitted_run
    before = (runs[0] / "metrics.json").read_text()
    assert main(["fit", "--csv", str(csv), "--out", str(runs[0]), *TINY]) == 2
    assert capsys.readouterr().err.startswith(f"error: '{runs[0]}' already exists; choose another --out or pass --force")
    assert (runs[0] / "metrics.json").read_text() == before

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Forecaster, "fit", interrupted)
    target = root / "runs" / "interrupted"
    assert main(["fit", "--csv", str(csv), "--out", str(target), *TINY]) == 130
    assert sorted(p.name for p in (root / "runs").iterdir()) == [runs[0].name]


def test_import_tensorflow_quietly_restores_stderr(capfd):
    cli.import_tensorflow_quietly()
    os.write(2, b"still here\n")
    print("python stderr", file=sys.stderr)
    err = capfd.readouterr().err
    assert "still here" in err and "python stderr" in err


@pytest.mark.slow
def test_deterministic_fits_give_identical_metrics(tmp_path):
    # --refit no: metrics.json and history.csv come from the held-out model, before any refit on all rows
    csv = write_csv(tmp_path / "s.csv", n=120)
    script = textwrap.dedent(
        """
        import sys
        from forecaster.cli import main
        csv, a, b = sys.argv[1:4]
        args = ["fit", "--csv", csv, "--cell", "lstm", "--units", "8", "--input-width", "10", "--horizon", "3",
                "--epochs", "2", "--batch-size", "16", "--seed", "7", "--deterministic", "--refit", "no", "--quiet"]
        for out in (a, b):
            assert main([*args, "--out", out]) == 0
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(csv), str(tmp_path / "a"), str(tmp_path / "b")],
        capture_output=True, text=True, env=_env(), timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    a = json.loads((tmp_path / "a" / "metrics.json").read_text())
    b = json.loads((tmp_path / "b" / "metrics.json").read_text())
    assert a == b
    assert (tmp_path / "a" / "history.csv").read_text() == (tmp_path / "b" / "history.csv").read_text()
    assert "Traceback" not in proc.stderr
    assert "cuda" not in proc.stderr.lower()  # TensorFlow's start-up lines are silenced

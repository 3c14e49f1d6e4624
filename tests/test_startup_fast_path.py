"""predict / evaluate / export served from a run's export/ without Keras (forecaster.cli.serving) match the Keras path."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecaster.cli import main
from forecaster.cli.serving import copy_export, served_run
from forecaster.forecaster import load

# --choose network: the served graph is the network's (a one-epoch network may lose to a baseline)
TINY = ["--cell", "lstm", "--units", "8", "--input-width", "14", "--horizon", "4", "--epochs", "1",
        "--batch-size", "32", "--seed", "1", "--choose", "network", "--quiet"]


def _write_csv(path: Path, n: int = 140) -> Path:
    rng = np.random.default_rng(0)
    t = np.arange(n)
    value = 200 + 0.05 * t + 2 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 0.3, n)
    frame = pd.DataFrame({"date": pd.date_range("2023-01-02", periods=n, freq="D"), "value": value,
                          "temp": 5 + np.cos(t / 5)})
    frame.to_csv(path, index=False, float_format="%.5f")
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One tiny fitted run (a target and a feature column, conformal intervals) and its CSV."""
    folder = tmp_path_factory.mktemp("startup")
    csv = _write_csv(folder / "series.csv")
    out = folder / "run"
    assert main(["fit", "--csv", str(csv), "--features", "temp", *TINY, "--out", str(out)]) == 0
    return out, csv


def _close(served: pd.DataFrame, keras_frame: pd.DataFrame) -> None:
    assert list(served.columns) == list(keras_frame.columns)
    assert served.iloc[:, 0].tolist() == keras_frame.iloc[:, 0].tolist()  # dates
    np.testing.assert_allclose(served.iloc[:, 1:].to_numpy(float), keras_frame.iloc[:, 1:].to_numpy(float),
                               rtol=1e-5, atol=1e-5)


def _as_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as the CLI's CSV reads back (dates as text)."""
    return pd.read_csv(io.StringIO(frame.to_csv(index=False)))


def test_served_predict_matches_the_keras_model(run):
    path, csv = run
    served, reference = served_run(str(path)), load(path)
    assert served is not None and served.model_ is None  # no Keras model was built
    frame = served.predict(str(csv))
    assert any(c.startswith("value_lower_") for c in frame.columns)  # the conformal columns are there
    _close(frame, reference.predict(str(csv)))
    _close(served.predict(str(csv), as_of="2023-04-20"), reference.predict(str(csv), as_of="2023-04-20"))
    _close(served.predict(), reference.predict())  # the tail kept in forecaster.json


@pytest.mark.filterwarnings("ignore:this run's model was refit")  # both paths score the fit data
def test_served_evaluate_matches_the_keras_model(run):
    path, csv = run
    served, reference = served_run(str(path)).evaluate(str(csv)), load(path).evaluate(str(csv))
    assert served["n_windows"] == reference["n_windows"] > 0
    for name, value in reference["model"].items():
        assert served["model"][name] == pytest.approx(value, rel=1e-4, abs=1e-6), name
    assert served["baselines"] == reference["baselines"]


def test_cli_predict_serves_without_keras_and_prints_no_tensorflow_lines(run, tmp_path):
    path, csv = run
    out = tmp_path / "forecast.csv"
    script = ("import sys; from forecaster.cli import main; "
              f"rc = main(['predict', '--model', {str(path)!r}, '--csv', {str(csv)!r}, '--out', {str(out)!r}]); "
              "print(rc, sorted(m for m in ('keras', 'sklearn.linear_model', 'matplotlib.pyplot') if m in sys.modules))")
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}  # the command sets it itself
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert proc.stdout.strip() == "0 []", proc.stderr[-2000:]
    assert proc.stderr.strip() == f"wrote 4 rows to {out}"  # no TensorFlow / absl / CUDA start-up lines
    _close(pd.read_csv(out), _as_csv(load(path).predict(str(csv))))


def test_export_copies_the_runs_savedmodel(run, tmp_path, capsys):
    path, _ = run
    out = tmp_path / "export"
    assert main(["export", "--model", str(path), "--out", str(out)]) == 0
    assert "SavedModel written to" in capsys.readouterr().out
    for name in ("saved_model.pb", "variables/variables.index"):
        assert (out / name).read_bytes() == (path / "export" / name).read_bytes()


def test_the_default_median_of_models_is_served_too(run, tmp_path, monkeypatch, capsys):
    """model="median" nests the compiled network, whose optimizer state model.keras also stores: not a mismatch."""
    from forecaster.training import choice

    _, csv = run
    monkeypatch.setattr(choice, "MEDIAN_MARGIN", float("inf"))  # no clear winner: always the median
    flags = [arg for arg in TINY if arg not in ("--choose", "network")]
    out = tmp_path / "median"
    assert main(["fit", "--csv", str(csv), "--features", "temp", *flags, "--out", str(out)]) == 0
    assert json.loads((out / "forecaster.json").read_text())["choice"]["used"] == "median"
    served = served_run(str(out))
    assert served is not None and served.model_ is None
    _close(served.predict(str(csv)), load(out).predict(str(csv)))
    assert copy_export(str(out), str(tmp_path / "x"), overwrite=False) is not None
    capsys.readouterr()


def test_fast_paths_step_aside_without_an_export_or_for_other_heads(run, tmp_path, capsys):
    path, csv = run
    bare = tmp_path / "bare"
    shutil.copytree(path, bare)
    shutil.rmtree(bare / "export")
    assert served_run(str(bare)) is None
    assert copy_export(str(bare), str(tmp_path / "x"), overwrite=False) is None
    # the commands fall back to model.keras: same forecast, and a fresh export
    assert main(["predict", "--model", str(bare), "--csv", str(csv), "--out", str(tmp_path / "f.csv")]) == 0
    _close(pd.read_csv(tmp_path / "f.csv"), _as_csv(load(path).predict(str(csv))))
    assert main(["export", "--model", str(bare), "--out", str(tmp_path / "re")]) == 0
    assert (tmp_path / "re" / "saved_model.pb").is_file()
    capsys.readouterr()

    quantile = tmp_path / "quantile"
    shutil.copytree(path, quantile)
    meta = json.loads((quantile / "forecaster.json").read_text())
    meta["config"]["head"] = "quantile"
    (quantile / "forecaster.json").write_text(json.dumps(meta))
    assert served_run(str(quantile)) is None


def test_a_tampered_model_keras_takes_the_safe_mode_path(run, tmp_path):
    path, _ = run
    copy = tmp_path / "tampered"
    shutil.copytree(path, copy)
    with zipfile.ZipFile(path / "model.keras") as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    files["config.json"] = files["config.json"].replace(b'"class_name": "Dense"', b'"class_name": "EvilDense"')
    with zipfile.ZipFile(copy / "model.keras", "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    assert served_run(str(copy)) is None  # the export is not served for a model.keras it does not match
    assert copy_export(str(copy), str(tmp_path / "x"), overwrite=False) is None


def test_an_export_graph_that_reaches_files_is_not_served(run, tmp_path):
    import tensorflow as tf

    from forecaster.cli.serving import export_graph_is_plain

    path, _ = run
    assert export_graph_is_plain(str(path / "export"))

    class Writes(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, 14, 2], tf.float32)])
        def serve(self, window):
            tf.io.write_file(str(tmp_path / "written.txt"), "x")  # a tampered graph's side effect
            return window[:, :4, :1]

    tf.saved_model.save(Writes(), str(tmp_path / "writes"))
    assert not export_graph_is_plain(str(tmp_path / "writes"))
    assert not (tmp_path / "written.txt").exists()

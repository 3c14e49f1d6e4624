"""Damaged or tampered run directories: always one ForecasterError naming the file, never a traceback.

One tiny run is fitted once per module; each case copies it, damages one
thing, and checks ``forecaster.load`` and the ``predict`` / ``evaluate`` /
``export`` commands (which load the run first) all stop with one error line.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecaster import runs
from forecaster.cli import main
from forecaster.errors import ForecasterError

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> tuple[Path, Path]:
    """A tiny fitted run (no plots) and the CSV it was fitted on."""
    from forecaster import Forecaster

    root = tmp_path_factory.mktemp("hostile")
    t = np.arange(90)
    frame = pd.DataFrame(
        {"date": pd.date_range("2024-01-01", periods=len(t)), "value": 10 + np.sin(2 * np.pi * t / 7) + 0.01 * t}
    )
    csv = root / "series.csv"
    frame.to_csv(csv, index=False)
    # no XLA compile for a one-epoch fixture; no calendar inputs, so the JSON's arrays have one column;
    # the network kept (a one-epoch network may lose to a window baseline), as the cases damage its layers
    fc = Forecaster(cell="gru", units=(4,), input_width=8, horizon=3, epochs=1, verbose=0, seed=0,
                    jit_compile=False, calendar=False, model="network")
    fc.fit(frame)
    run = root / "run"
    fc.save(run, plots=False)
    return run, csv


@pytest.fixture
def run(base, tmp_path) -> Path:
    copy = tmp_path / "run"
    shutil.copytree(base[0], copy)
    return copy


def edit_meta(run: Path, change: Callable[[dict], object]) -> None:
    path = run / "forecaster.json"
    meta = json.loads(path.read_text())
    change(meta)
    path.write_text(json.dumps(meta))


def assert_refused(run: Path, csv: Path, match: str, capsys) -> None:
    """forecaster.load raises ForecasterError, and each CLI command prints one error line and exits 2."""
    with pytest.raises(ForecasterError, match=match) as info:
        runs.load(run)
    message = str(info.value)
    assert "\n" not in message and message.endswith("."), message
    capsys.readouterr()
    for argv in (
        ["predict", "--model", str(run), "--csv", str(csv)],
        ["evaluate", "--model", str(run), "--csv", str(csv), "--json"],
        ["export", "--model", str(run), "--out", str(run.parent / "exported")],
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1, (argv, err)
        assert "Traceback" not in err
    assert not (run.parent / "exported").exists()


# --------------------------------------------------------------------------- forecaster.json


def _deep(n: int) -> str:
    return "[" * n + "]" * n


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[1, 2, 3]", r"forecaster.json' holds a JSON array, not an object"),
        ('"run"', r"holds a JSON string, not an object"),
        ("null", r"holds a JSON null, not an object"),
        ('{"format_version": 1, "config": ', r"is not valid JSON"),
        ("", r"is not valid JSON"),
        (_deep(100_000), r"nested too deeply|nested more than"),
        ('{"a": ' + _deep(60) + "}", r"nested more than 32 levels deep"),
    ],
)
def test_forecaster_json_that_is_not_an_object(run, base, capsys, text, match) -> None:
    (run / "forecaster.json").write_text(text)
    assert_refused(run, base[1], match, capsys)


def test_forecaster_json_not_utf8_or_too_large(run, base, capsys, monkeypatch) -> None:
    (run / "forecaster.json").write_bytes(b'{"a": "\xff\xfe"}')
    assert_refused(run, base[1], "is not UTF-8 text", capsys)
    (run / "forecaster.json").write_text("{}" + " " * 5000)
    monkeypatch.setattr(runs.jsonio, "MAX_JSON_BYTES", 1000)
    with pytest.raises(ForecasterError, match=r"has 5002 bytes, more than a run file may have \(1000\)"):
        runs.load(run)


REQUIRED = ["format_version", "config", "columns", "targets", "date_col", "id_col", "freq", "season",
            "input_width", "horizon", "skip", "last_date", "scalers", "tail", "training", "data_hash"]


@pytest.mark.parametrize("key", REQUIRED)
def test_missing_key(run, key) -> None:
    edit_meta(run, lambda meta: meta.pop(key))
    match = "has no `format_version`" if key == "format_version" else f"the key `{key}` is missing"
    with pytest.raises(ForecasterError, match=match):
        runs.load(run)


def _set(path: str, value) -> Callable[[dict], None]:
    def change(meta: dict) -> None:
        *parents, last = path.split(".")
        node = meta
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[int(last) if isinstance(node, list) else last] = value

    return change


@pytest.mark.parametrize(
    ("path", "value", "match"),
    [
        ("columns", "value", r"`columns` must be an array"),
        ("columns", [1], r"`columns` must be distinct strings"),
        ("targets", ["other"], r"`targets` must be the first entries of `columns`"),
        ("n_features", 7, r"`n_features` \(7\) does not match"),
        ("horizon", "3", r"`horizon` must be an integer from 1 to 1000000 \(found '3'\)"),
        ("horizon", 3.5, r"`horizon` must be an integer"),
        ("horizon", 10**12, r"`horizon` must be an integer from 1 to 1000000 \(found 1000000000000\)"),
        ("horizon", 50, r"`horizon` \(50\) differs from the config's \(3\)"),
        ("input_width", True, r"`input_width` must be an integer"),
        ("input_width", 0, r"`input_width` must be an integer from 1"),
        ("season", -1, r"`season` must be an integer"),
        ("freq", 5, r"`freq` must be a string or null"),
        ("freq", "fortnightly-ish", r"`freq` 'fortnightly-ish' is not a pandas frequency"),
        ("last_date", "yesterday-ish", r"`last_date` 'yesterday-ish' .* is not a date pandas can represent"),
        ("last_date", "99999-01-01", r"`last_date` '99999-01-01' \(with horizon 3\) is not a date pandas can represent"),
        ("last_date", "2024-01-01T00:00+05:00", r"`last_date` .* is not a date pandas can represent"),
        ("date_col", ["date"], r"`date_col` must be a string or null"),
        ("config", [], r"`config` must be an object"),
        ("config.cell", "transformer", r"its config is invalid \(`cell` must be one of rnn, lstm, gru"),
        ("config.rm_rf", True, r"its config is invalid \(unknown parameter `rm_rf`"),
        ("config.units", "many", r"its config is invalid \(`units` must be"),
        ("scalers", {}, r"`scalers` must be an array"),
        ("scalers", [], r"`scalers` must be an array of 1 to"),
        ("scalers.0.scale", [0.0], r"`scalers\[0\].scale` must be positive"),
        ("scalers.0.scale", [-2.0], r"`scalers\[0\].scale` must be positive"),
        ("scalers.0.scale", [1e-300], r"`scalers\[0\].scale` must be positive"),
        ("scalers.0.scale", ["1"], r"`scalers\[0\].scale` must hold finite numbers"),
        ("scalers.0.scale", [1.0, 2.0], r"`scalers\[0\].scale` must be an array of 1 numbers"),
        ("scalers.0.center", [float("nan")], r"`scalers\[0\].center` must hold finite numbers .*\(found nan\)"),
        ("scalers.0.center", [float("inf")], r"`scalers\[0\].center` must hold finite numbers"),
        ("scalers.0.method", "log", r"`scalers\[0\].method` must be one of"),
        ("scalers.0", "standard", r"`scalers\[0\]` must be an object"),
        ("tail", [], r"`tail` must be an array of 1 to"),
        ("tail.0.values", [[1.0]] * 9, r"`tail\[0\].values` must be an array of 1 to 8 items \(found 9 items\)"),
        ("tail.0.values", [["x"]] * 8, r"`tail\[0\].values` must hold finite numbers"),
        ("tail.0.values", [[1e35]] * 8, r"`tail\[0\].values` lie more than 1e\+06 scales from the scaler's center"),
        ("scalers.0.center", [1e35], r"`scalers\[0\].center` must hold finite numbers of magnitude at most 1e\+30"),
        ("tail.0.dates", ["2024-01-01"], r"`tail\[0\].dates` must be null or 8 date strings"),
        ("tail.0.dates", ["not a date"] * 8, r"`tail\[0\].dates` holds values that are not dates"),
        ("tail.0.dates", ["2024-01-01"] * 8, r"`tail\[0\].dates` must be increasing dates without a time zone"),
        ("tail.0.dates", [f"2024-01-0{d}T00:00+01:00" for d in range(1, 9)], r"without a time zone"),
        ("intervals.scale_rows", 1, r"`intervals` must be a conformal calibration"),  # a local scale needs two rows
        ("intervals.scale_rows", "24", r"`intervals` must be a conformal calibration"),
        ("training", [], r"`training` must be an object"),
        ("training.epochs_run", "1", r"`training.epochs_run` must be an integer"),
        ("training.best_val_loss", "low", r"`training.best_val_loss` must be a number or null"),
        ("kind", "forecaster2", r"holds a run of kind 'forecaster2', which this forecaster cannot read"),
        ("kind", 7, r"has a `kind` that is a JSON number, not a string"),
    ],
)
def test_wrong_types_and_ranges(run, path, value, match) -> None:
    edit_meta(run, _set(path, value))
    with pytest.raises(ForecasterError, match=match) as info:
        runs.load(run)
    assert "\n" not in str(info.value)


def test_the_cli_gives_one_line_for_a_tampered_json(run, base, capsys) -> None:
    edit_meta(run, _set("scalers.0.scale", [0]))
    assert_refused(run, base[1], r"scale` must be positive", capsys)


@pytest.mark.parametrize(
    ("version", "match"),
    [
        ("1", r"has a `format_version` that is a JSON string \('1'\), not an integer"),
        (1.0, r"has a `format_version` that is a JSON number \(1.0\), not an integer"),
        (None, r"has a `format_version` that is a JSON null"),
        (3, r"was saved in format version 3; this forecaster reads versions 1 to 2"),
        (0, r"was saved in format version 0; this forecaster reads versions 1 to 2"),
    ],
)
def test_format_version_messages_are_true(run, version, match) -> None:
    edit_meta(run, _set("format_version", version))
    with pytest.raises(ForecasterError, match=match) as info:
        runs.load(run)
    assert "saved in format version 1;" not in str(info.value)


# --------------------------------------------------------------------------- model.keras


def _rewrite_zip(path: Path, change: Callable[[dict[str, bytes]], None]) -> None:
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    change(files)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)


def test_truncated_garbage_empty_or_missing_model(run, base, capsys) -> None:
    model = run / "model.keras"
    raw = model.read_bytes()
    for content, match in (
        (raw[: len(raw) // 2], r"could not load the Keras model .*model.keras.*the run directory is damaged"),
        (b"garbage" * 50, r"could not load the Keras model"),
        (b"", r"could not load the Keras model"),
    ):
        model.write_bytes(content)
        assert_refused(run, base[1], match, capsys)
    model.write_bytes(raw)

    def bad_weights(files: dict[str, bytes]) -> None:
        files["model.weights.h5"] = b"\x89HDF\r\n" + b"\x00" * 64

    _rewrite_zip(model, bad_weights)
    assert_refused(run, base[1], r"could not load the Keras model", capsys)
    model.write_bytes(raw)
    _rewrite_zip(model, lambda files: files.update({"config.json": b"{not json"}))
    assert_refused(run, base[1], r"could not load the Keras model", capsys)
    model.unlink()
    model.mkdir()
    with pytest.raises(ForecasterError, match="not a forecaster run directory"):
        runs.load(run)


def test_lambda_layer_is_refused_as_untrusted(run, base, capsys) -> None:
    import keras

    inputs = keras.Input((8, 1))
    doubled = keras.layers.Lambda(lambda x: x * 2)(inputs)
    outputs = keras.layers.Reshape((3, 1))(keras.layers.Dense(3)(keras.layers.Flatten()(doubled)))
    keras.Model(inputs, outputs).save(run / "model.keras")
    assert_refused(run, base[1], r"holds Python code \(a Lambda layer\) .* the run directory is not trusted", capsys)


def test_unknown_layer_is_refused_as_untrusted(run, base, capsys) -> None:
    def rename_layers(files: dict[str, bytes]) -> None:
        config = files["config.json"].decode()
        files["config.json"] = config.replace('"class_name": "Dense"', '"class_name": "EvilDense"').encode()

    before = (run / "model.keras").read_bytes()
    _rewrite_zip(run / "model.keras", rename_layers)
    assert (run / "model.keras").read_bytes() != before
    assert_refused(run, base[1], r"uses a layer this forecaster does not define .* not trusted", capsys)


def test_non_finite_weights_and_wrong_shapes(run, base, capsys) -> None:
    import keras

    model = keras.saving.load_model(run / "model.keras", safe_mode=True)
    model.set_weights([np.full_like(w, np.nan) for w in model.get_weights()])
    model.save(run / "model.keras")
    assert_refused(run, base[1], r"has non-finite weights", capsys)
    inputs = keras.Input((12, 1))
    outputs = keras.layers.Reshape((3, 1))(keras.layers.Dense(3)(keras.layers.Flatten()(inputs)))
    keras.Model(inputs, outputs).save(run / "model.keras")
    assert_refused(run, base[1], r"takes inputs of shape \(12, 1\) but forecaster.json says", capsys)
    inputs = keras.Input((8, 1))
    outputs = keras.layers.Reshape((5, 1))(keras.layers.Dense(5)(keras.layers.Flatten()(inputs)))
    keras.Model(inputs, outputs).save(run / "model.keras")
    assert_refused(run, base[1], r"forecasts 5 steps but forecaster.json says horizon = 3", capsys)


# --------------------------------------------------------------------------- other files and paths


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("{broken", r"metrics.json' is not valid JSON"),
        ("[1]", r"metrics.json' holds a JSON array"),
        ("NaN", r"metrics.json' holds a JSON number"),
    ],
)
def test_corrupt_metrics(run, base, capsys, text, match) -> None:
    (run / "metrics.json").write_text(text)
    assert_refused(run, base[1], match, capsys)


def test_corrupt_history(run, base, capsys) -> None:
    (run / "history.csv").write_bytes(b'"unterminated\n\x00\x01')
    assert_refused(run, base[1], r"history.csv", capsys)


def test_a_regular_file_or_a_missing_path_gets_a_true_message(tmp_path, base, capsys) -> None:
    path = tmp_path / "run"
    path.write_text("not a run")
    with pytest.raises(ForecasterError, match=r"is a file, not a run directory"):
        runs.load(path)
    assert main(["predict", "--model", str(path), "--csv", str(base[1])]) == 2
    assert "is a file, not a run directory" in capsys.readouterr().err
    with pytest.raises(ForecasterError, match=r"run directory '.*missing' does not exist"):
        runs.load(tmp_path / "missing")


def test_untampered_copy_still_loads_and_predicts_finite_values(run, base) -> None:
    fc = runs.load(run)
    forecast = fc.predict(base[1])
    assert len(forecast) == 3 and np.isfinite(forecast["value"]).all()


def test_predict_on_too_few_rows_states_the_true_requirement(run, base, tmp_path) -> None:
    fc = runs.load(run)
    short = pd.read_csv(base[1]).tail(5)
    with pytest.raises(ForecasterError, match=r"series has 5 rows; predicting needs the last input_width = 8 rows"):
        fc.predict(short)

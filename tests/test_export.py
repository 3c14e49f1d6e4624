"""SavedModel export: raw units in and out, loadable with TensorFlow alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from forecaster.data.scaling import fit_scaler
from forecaster.errors import ForecasterError
from forecaster.export import export_panel_saved_model, export_saved_model

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from forecaster.models.factory import build_model  # noqa: E402

WIDTH, N_FEATURES, HORIZON, N_TARGETS = 12, 3, 4, 2
QUANTILES = (0.1, 0.5, 0.9)


def _raw_series(n: int = 200, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)[:, None]
    base = np.array([100.0, -5.0, 1e4])  # very different scales per column
    spread = np.array([10.0, 0.5, 2e3])
    return (base + spread * (np.sin(t / 5 + np.arange(N_FEATURES)) + 0.1 * rng.normal(size=(n, N_FEATURES)))).astype(
        np.float32
    )


def _windows(values: np.ndarray, count: int = 7) -> np.ndarray:
    starts = np.linspace(0, len(values) - WIDTH, count).astype(int)
    return np.stack([values[s : s + WIDTH] for s in starts]).astype(np.float32)


def _model(head: str, seed: int = 0) -> keras.Model:
    keras.utils.set_random_seed(seed)
    model = build_model("lstm", (8,), WIDTH, N_FEATURES, HORIZON, N_TARGETS, head=head, quantiles=QUANTILES)
    # Non-trivial weights so the outputs differ between windows and heads.
    for weight in model.weights:
        weight.assign(np.random.default_rng(seed).normal(0, 0.3, weight.shape).astype(np.float32))
    return model


def _expected(model: keras.Model, scaler, raw: np.ndarray, head: str) -> dict[str, np.ndarray]:
    """The model in scaled space plus numpy (float64) scaling: what serve must return."""
    out = np.asarray(model(scaler.transform(raw), training=False), np.float64)
    c, s = scaler.center[:N_TARGETS], scaler.scale[:N_TARGETS]
    if head == "point":
        return {"output_0": out * s + c}
    if head == "quantile":
        q = out * s[:, None] + c[:, None]
        return {"mean": q[..., 1], "quantiles": q}
    return {"mean": out[..., 0] * s + c, "std": out[..., 1] * s}


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """One export per head, with the raw windows and the expected outputs."""
    root = tmp_path_factory.mktemp("exports")
    values = _raw_series()
    scaler = fit_scaler(values[:150], "standard")
    raw = _windows(values)
    result = {}
    for head in ("point", "quantile", "gaussian"):
        model = _model(head)
        path = root / head
        export_saved_model(
            model, path, center=scaler.center, scale=scaler.scale, n_targets=N_TARGETS, head=head, quantiles=QUANTILES
        )
        result[head] = (path, model, _expected(model, scaler, raw, head))
    np.save(root / "raw.npy", raw)
    return root, raw, result


def _close(actual: np.ndarray, expected: np.ndarray) -> None:
    # float32 arithmetic in the graph vs float64 numpy scaling: relative float32 tolerance
    scale = np.maximum(np.abs(expected).max(), 1.0)
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=2e-6 * scale)


def _run_with_tensorflow_only(jobs: list[tuple[object, str]]) -> list[dict]:
    """Run each ``(root, body)`` in turn in one fresh process that imports only NumPy and TensorFlow.

    ``body`` sees ``root`` (its export folder, as text) and an empty dict ``out``; returns each
    body's ``out``. The process also records whether any forecaster module got imported, which
    must not happen. One process for all the bodies: TensorFlow's start-up is most of its time.
    """
    lines = ["import json, os, sys", "import numpy as np", "import tensorflow as tf", "outs = []"]
    for number, (_, body) in enumerate(jobs, start=1):
        lines += [f"root = sys.argv[{number}]", "out = {}", textwrap.dedent(body), "outs.append(out)"]
    lines += [
        'forecaster_imported = any(m == "forecaster" or m.startswith("forecaster.") for m in sys.modules)',
        'print(json.dumps([{**out, "forecaster_imported": forecaster_imported} for out in outs]))',
    ]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.run(
        [sys.executable, "-c", "\n".join(lines), *(str(root) for root, _ in jobs)],
        capture_output=True, text=True, env=env, cwd=str(jobs[0][0]), timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(got) == len(jobs) and all(out["forecaster_imported"] is False for out in got)
    return got


# What the test below reads back from each single-series export, in a TensorFlow-only process.
SERVE_SINGLE = """
raw = np.load(os.path.join(root, "raw.npy"))
for head in ("point", "quantile", "gaussian"):
    loaded = tf.saved_model.load(os.path.join(root, head))
    y = loaded.serve(tf.constant(raw))
    y = y if isinstance(y, dict) else {"output_0": y}
    out[head] = {k: v.numpy().tolist() for k, v in y.items()}
    out[head + "_dtypes"] = sorted({v.dtype.name for v in y.values()})
    out[head + "_signature_inputs"] = str(loaded.signatures["serve"].structured_input_signature)
"""

# The same for each panel export: both endpoints, and an unknown series id.
SERVE_PANEL = """
arr = {k: np.load(os.path.join(root, k + ".npy")) for k in ("window", "center", "scale", "static")}
ids = tf.constant(json.load(open(os.path.join(root, "ids.json"))))
for head in ("point", "quantile", "gaussian"):
    loaded = tf.saved_model.load(os.path.join(root, head))
    for name, y in (
        ("serve", loaded.serve(tf.constant(arr["window"]), ids)),
        ("stats", loaded.serve_with_stats(*(tf.constant(arr[k]) for k in ("window", "center", "scale", "static")))),
    ):
        y = y if isinstance(y, dict) else {"output_0": y}
        out[head + "/" + name] = {k: v.numpy().tolist() for k, v in y.items()}
    out[head + "/dtypes"] = sorted({v.dtype.name for v in y.values()})
    out[head + "/signature"] = str(loaded.signatures["serve"].structured_input_signature)
    try:
        loaded.serve(tf.constant(arr["window"][:2]), tf.constant(["store-a", "nowhere"]))
        out[head + "/unknown"] = "no error"
    except tf.errors.InvalidArgumentError as exc:
        out[head + "/unknown"] = str(exc)
"""


@pytest.fixture(scope="module")
def served_by_tensorflow_only(exports, panel_exports) -> tuple[dict, dict]:
    """What the single-series and the panel exports serve in one process that imports only TensorFlow."""
    single, panel = _run_with_tensorflow_only([(exports[0], SERVE_SINGLE), (panel_exports[0], SERVE_PANEL)])
    return single, panel


@pytest.mark.slow
def test_export_loads_in_a_process_that_imports_only_tensorflow(exports, served_by_tensorflow_only):
    _, raw, result = exports
    got = served_by_tensorflow_only[0]
    for head, (_, _, expected) in result.items():
        assert set(got[head]) == set(expected), head
        assert got[head + "_dtypes"] == ["float32"]
        assert f"shape=(None, {WIDTH}, {N_FEATURES})" in got[head + "_signature_inputs"]
        for key, value in expected.items():
            _close(np.asarray(got[head][key]), value)
    assert np.asarray(got["point"]["output_0"]).shape == (len(raw), HORIZON, N_TARGETS)
    assert np.asarray(got["quantile"]["quantiles"]).shape == (len(raw), HORIZON, N_TARGETS, len(QUANTILES))


def test_export_loads_as_tfsmlayer(exports):
    _, raw, result = exports
    path, _, expected = result["point"]
    layer = keras.layers.TFSMLayer(str(path), call_endpoint="serve")
    _close(np.asarray(layer(raw)), expected["output_0"])
    path, _, expected = result["gaussian"]
    out = keras.layers.TFSMLayer(str(path), call_endpoint="serve")(raw)
    _close(np.asarray(out["std"]), expected["std"])
    assert (np.asarray(out["std"]) > 0).all()


def test_export_quantiles_are_ordered_and_mean_is_the_median(exports):
    _, raw, result = exports
    path, _, _ = result["quantile"]
    loaded = tf.saved_model.load(str(path))  # keep a reference: serve uses its variables
    out = loaded.serve(tf.constant(raw))
    q = out["quantiles"].numpy()
    assert (np.diff(q, axis=-1) >= 0).all()
    np.testing.assert_array_equal(out["mean"].numpy(), q[..., 1])


def test_export_batch_dimension_is_free(exports):
    _, raw, result = exports
    path, _, expected = result["point"]
    loaded = tf.saved_model.load(str(path))
    for batch in (1, 3):
        _close(loaded.serve(tf.constant(raw[:batch])).numpy(), expected["output_0"][:batch])


def test_plain_graph_export_matches_too(tmp_path):
    values = _raw_series()
    scaler = fit_scaler(values[:150], "minmax")
    raw = _windows(values, 3)
    model = _model("point", seed=3)
    export_saved_model(
        model, tmp_path / "m", center=scaler.center, scale=scaler.scale, n_targets=N_TARGETS, jit_compile=False
    )
    loaded = tf.saved_model.load(str(tmp_path / "m"))
    out = loaded.serve(tf.constant(raw)).numpy()
    _close(out, _expected(model, scaler, raw, "point")["output_0"])


def test_export_restores_use_cudnn_and_leaves_no_temp_dirs(tmp_path):
    model = _model("point")
    lstm = next(layer for layer in model.layers if isinstance(layer, keras.layers.LSTM))
    assert lstm.use_cudnn == "auto"
    export_saved_model(model, tmp_path / "out", center=np.zeros(3), scale=np.ones(3), n_targets=2)
    assert lstm.use_cudnn == "auto"
    assert sorted(os.listdir(tmp_path)) == ["out"]
    assert os.path.isfile(tmp_path / "out" / "saved_model.pb")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(center=np.zeros(2), scale=np.ones(3), n_targets=2), "`center` needs one value per input column: 3"),
        (dict(center=np.zeros(3), scale=np.array([1.0, 0.0, 1.0]), n_targets=2), "`scale` must be > 0"),
        (dict(center=np.array([0, np.nan, 0]), scale=np.ones(3), n_targets=2), "`center` has NaN"),
        (dict(center=np.zeros(3), scale=np.ones(3), n_targets=4), "`n_targets` must be an integer in [1, n_features=3]"),
        (dict(center=np.zeros(3), scale=np.ones(3), n_targets=1), "needs a model output of shape [batch, horizon, 1]"),
        (dict(center=np.zeros(3), scale=np.ones(3), n_targets=2, head="mixture"), "`head` must be one of"),
        (dict(center=np.zeros(3), scale=np.ones(3), n_targets=2, head="quantile"), "quantile head needs"),
    ],
)
def test_export_rejects_arguments_that_do_not_fit_the_model(tmp_path, kwargs, message):
    with pytest.raises(ForecasterError) as info:
        export_saved_model(_model("point"), tmp_path / "x", **kwargs)
    assert message in str(info.value)
    assert not os.listdir(tmp_path)


def test_export_refuses_an_existing_directory(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("mine")
    with pytest.raises(ForecasterError, match="already exists"):
        export_saved_model(_model("point"), tmp_path / "taken", center=np.zeros(3), scale=np.ones(3), n_targets=2)
    assert (tmp_path / "taken" / "keep.txt").read_text() == "mine"


def _seasonal_frame(n: int = 240) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    t = np.arange(n)
    value = 50 + 0.05 * t + 3 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 0.3, n)
    return pd.DataFrame({"date": pd.date_range("2022-01-01", periods=n, freq="D"), "value": value})


@pytest.mark.slow
@pytest.mark.parametrize("head", ["point", "quantile"])
def test_export_matches_forecaster_predict(tmp_path, head):
    from forecaster import Forecaster

    frame = _seasonal_frame()
    fc = Forecaster(
        cell="lstm", units=(8,), input_width=14, horizon=5, head=head, epochs=1, batch_size=64, verbose=0, seed=0
    ).fit(frame)
    fc.export(tmp_path / "export")
    # a daily series gets the calendar inputs of each row's next date (the README's downstream recipe)
    assert fc.columns_ == ("value", "cal_dow_sin", "cal_dow_cos", "cal_year_sin", "cal_year_cos")
    next_dates = pd.DatetimeIndex(frame["date"])[-fc.input_width_ + 1 :].append(
        pd.DatetimeIndex([frame["date"].iloc[-1] + pd.Timedelta(days=1)])
    )
    day, year = 2 * np.pi * next_dates.day_of_week / 7, 2 * np.pi * (next_dates.day_of_year - 1) / 365.25
    calendar = np.stack([np.sin(day), np.cos(day), np.sin(year), np.cos(year)], axis=1)
    window = np.concatenate([frame[["value"]].to_numpy()[-fc.input_width_ :], calendar], axis=1)
    window = window.astype(np.float32)[None]
    loaded = tf.saved_model.load(str(tmp_path / "export"))
    out = loaded.serve(tf.constant(window))
    mean = (out if head == "point" else out["mean"]).numpy()[0, :, 0]
    predicted = fc.predict()
    _close(mean, predicted["value"].to_numpy(np.float64))
    if head == "quantile":
        _close(out["quantiles"].numpy()[0, :, 0, 0], predicted["value_q10"].to_numpy(np.float64))
        _close(out["quantiles"].numpy()[0, :, 0, 2], predicted["value_q90"].to_numpy(np.float64))


# --------------------------------------------------------------------------- panels

PANEL_IDS = ["store-a", "store-b", "42"]
N_DYNAMIC, N_STATIC = 2, 2  # the model sees 2 scaled columns + 2 static columns


def _panel_model(head: str) -> keras.Model:
    keras.utils.set_random_seed(1)
    model = build_model(
        "gru", (8,), WIDTH, N_DYNAMIC + N_STATIC, HORIZON, 1, head=head, quantiles=QUANTILES
    )
    for weight in model.weights:
        weight.assign(np.random.default_rng(1).normal(0, 0.3, weight.shape).astype(np.float32))
    return model


def _panel_expected(model, window, center, scale, static, head: str) -> dict[str, np.ndarray]:
    """Keras model on windows scaled by hand (float64 numpy) with the static columns appended."""
    scaled = (window.astype(np.float64) - center[:, None, :]) / scale[:, None, :]
    repeated = np.broadcast_to(static[:, None, :], (len(window), WIDTH, static.shape[1]))
    x = np.concatenate([scaled, repeated], axis=-1).astype(np.float32)
    out = np.asarray(model(x, training=False), np.float64)
    c, s = center[:, None, :1], scale[:, None, :1]
    if head == "point":
        return {"output_0": out * s + c}
    if head == "quantile":
        q = out * s[..., None] + c[..., None]
        return {"mean": q[..., 1], "quantiles": q}
    return {"mean": out[..., 0] * s + c, "std": out[..., 1] * s}


@pytest.fixture(scope="module")
def panel_exports(tmp_path_factory):
    """A panel export per head; raw windows of three series at very different scales."""
    root = tmp_path_factory.mktemp("panel")
    rng = np.random.default_rng(5)
    centers = np.array([[100.0, 1.0], [-3.0, 50.0], [2e4, 0.0]])
    scales = np.array([[10.0, 0.5], [0.2, 5.0], [3e3, 1.0]])
    statics = np.array([[1.0, 0.0], [0.0, 1.0], [-0.5, 0.5]])
    order = np.array([2, 0, 1, 1, 0, 2, 2])  # windows from every series, in mixed order
    window = (centers[order][:, None, :] + scales[order][:, None, :] * rng.normal(size=(len(order), WIDTH, 2)))
    window = window.astype(np.float32)
    ids = np.array(PANEL_IDS)[order]
    result = {}
    for head in ("point", "quantile", "gaussian"):
        model = _panel_model(head)
        export_panel_saved_model(
            model, root / head, series_ids=["store-a", "store-b", 42], centers=centers, scales=scales,
            statics=statics, n_targets=1, head=head, quantiles=QUANTILES,
        )
        result[head] = _panel_expected(model, window, centers[order], scales[order], statics[order], head)
    np.save(root / "window.npy", window)
    np.save(root / "center.npy", centers[order].astype(np.float32))
    np.save(root / "scale.npy", scales[order].astype(np.float32))
    np.save(root / "static.npy", statics[order].astype(np.float32))
    (root / "ids.json").write_text(json.dumps(ids.tolist()))
    return root, result


@pytest.mark.slow
def test_panel_export_serves_by_id_in_a_process_that_imports_only_tensorflow(panel_exports, served_by_tensorflow_only):
    _, expected = panel_exports
    got = served_by_tensorflow_only[1]
    for head, wanted in expected.items():
        assert got[head + "/dtypes"] == ["float32"]
        assert f"shape=(None, {WIDTH}, {N_DYNAMIC})" in got[head + "/signature"]
        assert "dtype=tf.string, name='series_id'" in got[head + "/signature"]
        for endpoint in ("serve", "stats"):
            assert set(got[f"{head}/{endpoint}"]) == set(wanted), (head, endpoint)
            for key, value in wanted.items():
                _close(np.asarray(got[f"{head}/{endpoint}"][key]), value)
        assert "series id not seen at fit" in got[head + "/unknown"]
        assert "nowhere" in got[head + "/unknown"]
        assert "store-a" not in got[head + "/unknown"].split("series id not seen at fit")[1]
    assert np.asarray(got["quantile/serve"]["quantiles"]).shape == (7, HORIZON, 1, len(QUANTILES))


def test_panel_export_integer_ids_are_served_as_text_and_batch_is_free(panel_exports):
    root, expected = panel_exports
    window = np.load(root / "window.npy")
    ids = json.loads((root / "ids.json").read_text())
    loaded = tf.saved_model.load(str(root / "point"))
    assert "42" in ids  # fit id 42 (an int) is served as the string "42"
    for batch in (1, 4):
        out = loaded.serve(tf.constant(window[:batch]), tf.constant(ids[:batch])).numpy()
        _close(out, expected["point"]["output_0"][:batch])


def test_panel_export_without_statics_matches_the_single_series_export(tmp_path):
    values = _raw_series()
    scaler = fit_scaler(values[:150], "standard")
    raw = _windows(values, 4)
    model = _model("point")
    export_panel_saved_model(
        model, tmp_path / "panel", series_ids=["only"], centers=scaler.center[None], scales=scaler.scale[None],
        n_targets=N_TARGETS, jit_compile=False,
    )
    loaded = tf.saved_model.load(str(tmp_path / "panel"))
    out = loaded.serve(tf.constant(raw), tf.constant(["only"] * len(raw))).numpy()
    _close(out, _expected(model, scaler, raw, "point")["output_0"])
    stats = loaded.serve_with_stats(
        tf.constant(raw),
        tf.constant(np.tile(scaler.center, (len(raw), 1)), tf.float32),
        tf.constant(np.tile(scaler.scale, (len(raw), 1)), tf.float32),
    ).numpy()
    _close(stats, out)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(series_ids=[]), "needs the list of series ids"),
        (dict(series_ids=["a", "a", "b"]), "series id 'a' appears twice"),
        (dict(series_ids=[1, "1", "b"]), "series id '1' appears twice"),
        (dict(centers=np.zeros((3, 3))), "`centers` needs one row per series and one value per scaled input column: shape [3, 2]"),
        (dict(scales=np.zeros((3, 2))), "`scales` must be > 0"),
        (dict(statics=np.zeros((2, 2))), "`statics` needs one row per series: shape [3, n_static]"),
        (dict(statics=np.zeros((3, 4))), "at least one dynamic (scaled) column"),
        (dict(statics=None), "shape [3, 4]"),
        (dict(n_targets=3), "`n_targets` must be an integer in [1, n_features=2]"),
    ],
)
def test_panel_export_rejects_arguments_that_do_not_fit(tmp_path, kwargs, message):
    args = dict(
        series_ids=PANEL_IDS, centers=np.zeros((3, 2)), scales=np.ones((3, 2)), statics=np.zeros((3, 2)), n_targets=1
    )
    with pytest.raises(ForecasterError) as info:
        export_panel_saved_model(_panel_model("point"), tmp_path / "x", **{**args, **kwargs})
    assert message in str(info.value)
    assert not os.listdir(tmp_path)


@pytest.mark.slow
def test_panel_export_of_a_fitted_forecaster_matches_predict(tmp_path):
    """The wiring contract: fit scalers + model_ -> export_panel_saved_model equals Forecaster.predict."""
    from forecaster import Forecaster
    from forecaster.data.panel import stack_scalers

    rng = np.random.default_rng(2)
    days = pd.date_range("2024-01-01", periods=90, freq="D")
    frame = pd.concat(
        [
            pd.DataFrame({"store": sid, "date": days, "sales": level * (5 + np.sin(np.arange(90) / 3) + rng.normal(0, 0.1, 90))})
            for sid, level in (("a", 1.0), ("b", 100.0), (7, 1e4))
        ],
        ignore_index=True,
    )
    fc = Forecaster(cell="gru", units=(8,), input_width=10, horizon=4, epochs=1, verbose=0, seed=0)
    fc.fit(frame, target="sales", date_col="date", id_col="store")
    ids, centers, scales = stack_scalers(fc.series_ids_, fc.scalers_)
    export_panel_saved_model(fc.model_, tmp_path / "export", series_ids=ids, centers=centers, scales=scales, n_targets=1)
    loaded = tf.saved_model.load(str(tmp_path / "export"))
    windows = np.stack([frame.loc[frame["store"] == sid, ["sales"]].to_numpy(np.float32)[-10:] for sid in ("a", "b", 7)])
    out = loaded.serve(tf.constant(windows), tf.constant(["a", "b", "7"])).numpy()[:, :, 0]
    predicted = fc.predict()
    for row, sid in enumerate(("a", "b", 7)):
        _close(out[row], predicted.loc[predicted["store"] == sid, "sales"].to_numpy(np.float64))


@pytest.mark.parametrize("head", ["point", "quantile", "gaussian"])
def test_panel_export_with_seasonal_indices_adjusts_the_window_and_the_forecast(tmp_path, head):
    """A seasonally adjusted panel: serve(window, id, phase) equals the Scaler arithmetic of predict (to_raw)."""
    from forecaster.data.scaling import Scaler
    from forecaster.data.seasonal_adjustment import SeasonalIndices

    period = 5
    values = np.abs(_raw_series()) + 1.0
    indices = np.random.default_rng(3).uniform(0.6, 1.4, (period, N_TARGETS))
    fitted = fit_scaler(values[:150], "standard")
    raw = _windows(values, 3)
    phases = np.array([0, 3, 4], np.int32)  # of each window's first forecast row
    model = _model(head)
    export_panel_saved_model(
        model, tmp_path / "panel", series_ids=["only"], centers=fitted.center[None], scales=fitted.scale[None],
        seasonal=indices[None], n_targets=N_TARGETS, head=head, quantiles=QUANTILES, jit_compile=False,
    )
    loaded = tf.saved_model.load(str(tmp_path / "panel"))
    served = loaded.serve(tf.constant(raw), tf.constant(["only"] * 3), phase=tf.constant(phases))
    stats = loaded.serve_with_stats(
        window=tf.constant(raw), center=tf.constant(np.tile(fitted.center, (3, 1)), tf.float32),
        scale=tf.constant(np.tile(fitted.scale, (3, 1)), tf.float32),
        seasonal=tf.constant(np.tile(indices[None], (3, 1, 1)), tf.float32), phase=tf.constant(phases),
    )
    for k in range(3):
        scaler = Scaler("standard", fitted.center, fitted.scale, SeasonalIndices(indices, int(phases[k]) - WIDTH))
        out = np.asarray(model(scaler.transform(raw[k])[None], training=False), np.float64)
        factor = scaler.seasonal_factors(np.array([WIDTH]), HORIZON)  # [1, H, T]
        c, s = fitted.center[:N_TARGETS], fitted.scale[:N_TARGETS]
        if head == "quantile":
            q = (out * s[:, None] + c[:, None]) * factor[..., None]
            _close(served["quantiles"].numpy()[k : k + 1], q)
            _close(stats["mean"].numpy()[k : k + 1], q[..., 1])
        elif head == "gaussian":
            _close(served["mean"].numpy()[k : k + 1], (out[..., 0] * s + c) * factor)
            _close(stats["std"].numpy()[k : k + 1], out[..., 1] * s * factor)
        else:
            _close(served.numpy()[k : k + 1], (out * s + c) * factor)
            _close(stats.numpy()[k : k + 1], (out * s + c) * factor)

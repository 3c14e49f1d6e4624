"""Panel (global) models end to end: export, new series, static covariates, per-series reports, plots, backtest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from forecaster import Forecaster, load
from forecaster.errors import ForecasterError

TINY = dict(cell="gru", units=4, input_width=8, horizon=4, epochs=1, seed=0, verbose=0, jit_compile=False,
            intervals=(), model="network")


def tiny_panel(n_series: int = 4, length: int = 60, seed: int = 0) -> pd.DataFrame:
    """Short weekly-seasonal series at very different scales, with a region and a size per series."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2024-01-01", periods=length, freq="D")
    frames = []
    for i in range(n_series):
        level = 10.0 ** (i % 3)
        season = np.sin(2 * np.pi * np.arange(length) / 7)
        frames.append(pd.DataFrame({
            "store": f"s{i}", "date": dates, "sales": level * (5 + season + rng.normal(0, 0.2, length)),
            "region": "north" if i % 2 else "south", "size": float(i + 1),
        }))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return tiny_panel()


@pytest.fixture(scope="module")
def fitted(panel: pd.DataFrame) -> Forecaster:
    return Forecaster(**TINY).fit(panel.drop(columns=["region", "size"]), target="sales", date_col="date", id_col="store")


@pytest.fixture(scope="module")
def fitted_static(panel: pd.DataFrame) -> Forecaster:
    return Forecaster(**TINY, static=("region", "size"), id_embedding=True).fit(
        panel, target="sales", date_col="date", id_col="store"
    )


def test_unseen_series_predict_is_scaled_from_its_own_rows(fitted: Forecaster, panel: pd.DataFrame) -> None:
    new = panel[panel.store == "s1"].drop(columns=["region", "size"]).assign(store="new", sales=lambda f: f.sales * 7)
    both = pd.concat([panel[panel.store == "s1"].drop(columns=["region", "size"]), new])
    with pytest.warns(UserWarning, match="1 series were not seen at fit"):
        out = fitted.predict(both)
    assert out.groupby("store")["seen"].first().to_dict() == {"new": False, "s1": True}
    assert np.isfinite(out["sales"]).all() and len(out) == 2 * fitted.horizon
    # scale-free model: 7x the input gives about 7x the forecast level
    ratio = out[out.store == "new"]["sales"].mean() / out[out.store == "s1"]["sales"].mean()
    assert 3 < ratio < 15
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        metrics = fitted.evaluate(both)
    assert metrics["aggregate_unseen"]["n_series"] == 1 and metrics["aggregate_seen"]["n_series"] == 1
    assert {r["series"]: r["seen"] for r in metrics["series_table"]} == {"s1": True, "new": False}


def test_series_table_and_aggregate_are_json_safe(fitted: Forecaster) -> None:
    m = fitted.metrics_
    rows = m["series_table"]
    assert [r["series"] for r in rows] == ["s0", "s1", "s2", "s3"]
    assert all(r["seen"] and r["mase"] > 0 and r["n_windows"] > 0 for r in rows)
    assert m["aggregate"]["model"]["mase_mean"] == pytest.approx(np.mean([r["mase"] for r in rows]))
    assert len(m["per_step_mase"]["model"]) == fitted.horizon
    json.dumps(m, allow_nan=False)


def test_panel_save_writes_export_and_plots(fitted: Forecaster, panel: pd.DataFrame, tmp_path) -> None:
    run = tmp_path / "run"
    fitted.save(run)
    assert (run / "export" / "saved_model.pb").exists()
    assert (run / "plots" / "panel.png").exists()
    meta = json.loads((run / "forecaster.json").read_text())
    assert set(meta["signature"]["inputs"]) == {"window", "series_id"}
    assert "serve_with_stats" in meta["signature"]
    # the SavedModel agrees with predict, served with TensorFlow only
    width = meta["input_width"]
    script = f"""
import json, numpy as np, pandas as pd, tensorflow as tf
model = tf.saved_model.load({str(run / 'export')!r})
frame = pd.read_csv({str(tmp_path / 'p.csv')!r})
tails = frame.groupby('store').tail({width})
ids = tails.store.unique()
w = np.stack([tails.loc[tails.store == i, ['sales']].to_numpy('float32') for i in ids])
print(json.dumps(model.serve(window=tf.constant(w), series_id=tf.constant(ids.astype(str))).numpy()[:, :, 0].tolist()))
try:
    model.serve(window=tf.constant(w[:1]), series_id=tf.constant(['nope']))
    print('served')
except Exception as exc:
    print('unknown id refused', 'nope' in str(exc))
"""
    panel.drop(columns=["region", "size"]).to_csv(tmp_path / "p.csv", index=False)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    lines = out.stdout.strip().splitlines()
    served = np.array(json.loads(lines[0]))
    expected = fitted.predict().pivot(index="store", columns="date", values="sales").to_numpy()
    np.testing.assert_allclose(served, expected, rtol=1e-4, atol=1e-3)
    assert lines[-1] == "unknown id refused True"
    loaded = load(run)
    pd.testing.assert_frame_equal(loaded.predict(), fitted.predict(), rtol=1e-5)


def test_static_covariates_fit_predict_save_load_export(fitted_static: Forecaster, panel: pd.DataFrame, tmp_path) -> None:
    fc = fitted_static
    assert fc.statics_.feature_names == ["region=north", "region=south", "size", *(f"__id__=s{i}" for i in range(4))]
    assert fc.model_.inputs[0].shape[-1] == 1 + 7
    assert fc.columns_ == ("sales",)  # statics stay out of the dynamic (scaled) columns
    before = fc.predict()
    run = tmp_path / "run"
    fc.save(run, plots=False)
    loaded = load(run)
    pd.testing.assert_frame_equal(loaded.predict(), before, rtol=1e-5)
    # a new series with its static values; without them it is refused
    new = panel[panel.store == "s0"].assign(store="n9", region="north", size=2.5)
    with pytest.warns(UserWarning, match="not seen at fit"):
        out = loaded.predict(new)
    assert not out["seen"].any()
    with pytest.raises(ForecasterError, match="lacks its static column"):
        loaded.predict(new.drop(columns=["region"]))
    import tensorflow as tf

    model = tf.saved_model.load(str(run / "export"))
    w = panel[panel.store == "s2"]["sales"].to_numpy("float32")[-fc.input_width_:].reshape(1, -1, 1)
    served = model.serve(window=tf.constant(w), series_id=tf.constant(["s2"])).numpy()[0, :, 0]
    np.testing.assert_allclose(served, before[before.store == "s2"]["sales"].to_numpy(), rtol=1e-4, atol=1e-3)


def test_static_bad_input_is_one_error(panel: pd.DataFrame) -> None:
    varying = panel.copy()
    varying.loc[varying.index[3], "region"] = "east"
    with pytest.raises(ForecasterError, match="varies within series"):
        Forecaster(**TINY, static=("region",)).fit(varying, target="sales", date_col="date", id_col="store")
    with pytest.raises(ForecasterError, match="need a panel"):
        Forecaster(**TINY, static=("region",)).fit(panel, target="sales", date_col="date")
    nan_ids = panel.copy().astype({"store": object})
    nan_ids.loc[nan_ids.index[5], "store"] = np.nan
    with pytest.raises(ForecasterError, match="missing values"):
        Forecaster(**TINY).fit(nan_ids, target="sales", date_col="date", id_col="store")


def test_plot_titles_and_panel_plot(fitted: Forecaster) -> None:
    fig = fitted.plot_forecast(series_id="s2")
    assert "series s2" in fig.axes[0].get_title() and "MASE" in fig.axes[0].get_title()
    grid = fitted.plot_panel(n=3)
    assert len(grid.axes) == 3 and all("MASE" in ax.get_title() for ax in grid.axes)
    assert "MASE" in fitted.plot_horizon_error().axes[0].get_ylabel()
    with pytest.raises(ForecasterError, match="not in the fit data"):
        fitted.plot_forecast(series_id="zz")


def test_panel_backtest_has_per_series_and_aggregate_rows(fitted: Forecaster, panel: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = fitted.backtest(panel.drop(columns=["region", "size"]), folds=2)
    assert set(table["series"]) == {"s0", "s1", "s2", "s3"}
    assert len(table[table.model == "model"]) == 4 * 2
    summary = table.attrs["per_series"]
    assert set(summary["series"]) == {"s0", "s1", "s2", "s3"}
    agg = table.attrs["aggregate"]
    assert agg["model"]["mase_mean"] == pytest.approx(summary.loc[summary.model == "model", "mase"].mean())


# SimpleRNN: the CLI has no --jit-compile flag, and a GRU would turn on XLA on CPU (slow to compile).
CLI_TINY = ["--cell", "rnn", "--units", "4", "--input-width", "8", "--horizon", "4", "--epochs", "1",
            "--intervals", "none", "--choose", "network", "--quiet"]


def test_cli_fit_prints_per_series_report(panel: pd.DataFrame, tmp_path, capsys) -> None:
    from forecaster.cli import main

    panel.to_csv(tmp_path / "p.csv", index=False)
    code = main(["fit", "--csv", str(tmp_path / "p.csv"), "--target", "sales", "--id-col", "store",
                 "--static", "region,size", "--out", str(tmp_path / "run"), *CLI_TINY])
    out = capsys.readouterr().out
    assert code == 0
    assert "pooled raw metrics omitted: series differ in scale" in out
    assert "MEAN MASE" in out and "best:  " in out and "worst: " in out
    assert (tmp_path / "run" / "export" / "saved_model.pb").exists()
    assert main(["evaluate", "--model", str(tmp_path / "run"), "--csv", str(tmp_path / "p.csv")]) == 0
    assert "worst: " in capsys.readouterr().out


@pytest.mark.parametrize(
    ("case", "extra", "message"),
    [
        ("varying static", ["--id-col", "store", "--static", "region"], "varies within series"),
        ("static without id", ["--static", "region"], "need a panel"),
        ("NaN ids", ["--id-col", "store"], "missing values"),
    ],
)
def test_cli_panel_mistakes_are_one_error_and_write_nothing(panel, tmp_path, capsys, case, extra, message) -> None:
    from forecaster.cli import main

    bad = panel.copy().astype({"store": object})
    if case == "varying static":
        bad.loc[bad.index[3], "region"] = "east"
    if case == "NaN ids":
        bad.loc[bad.index[5], "store"] = np.nan
    bad.to_csv(tmp_path / "bad.csv", index=False)
    code = main(["fit", "--csv", str(tmp_path / "bad.csv"), "--target", "sales", *extra,
                 "--out", str(tmp_path / "run"), *CLI_TINY])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()

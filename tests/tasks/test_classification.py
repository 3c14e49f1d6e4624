"""SequenceClassifier: a real UCR set, generated shapes, layouts, masking, save/load, export, errors.

The fits that take longest sit in classes (``TestRealUCRSet``, ``TestShapesModel``,
``TestAutoScaling``, ``TestUnlearnable``): ``--dist loadscope`` sends each class to a worker of
its own, where the module's tests as one unit held one worker for minutes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from forecaster.errors import ForecasterError
from forecaster.tasks.classification import SequenceClassifier, load_classifier
from forecaster.tasks.sequences import MASK_VALUE, load_sequences, to_model_input

SHAPES = np.array(["sine", "square", "sawtooth"])


def make_shapes(n: int, length: int = 48, seed: int = 0, noise: float = 0.15) -> tuple[np.ndarray, np.ndarray]:
    """``n`` noisy sine / square / sawtooth waves ``[n, length]`` with random period and phase."""
    rng = np.random.default_rng(seed)
    labels = SHAPES[rng.integers(0, 3, n)]
    t = np.arange(length)
    period = rng.uniform(12, 20, n)[:, None]
    phase = rng.uniform(0, 1, n)[:, None]
    cycle = (t[None, :] / period + phase) % 1.0
    waves = {
        "sine": np.sin(2 * np.pi * cycle),
        "square": np.where(cycle < 0.5, 1.0, -1.0),
        "sawtooth": 2 * cycle - 1,
    }
    X = np.select([labels[:, None] == k for k in SHAPES], [waves[k] for k in SHAPES])
    return X + rng.normal(0, noise, X.shape), labels


def make_long(n: int, seed: int = 0) -> pd.DataFrame:
    """Long table: ids with 20..40 steps, two features, labels 'up' / 'down' (trend sign)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        label = "up" if i % 2 else "down"
        length = int(rng.integers(20, 41))
        slope = (1 if label == "up" else -1) * rng.uniform(0.05, 0.15)
        level = np.cumsum(rng.normal(slope, 0.1, length))
        other = rng.normal(0, 1, length)
        for t in range(length):
            rows.append({"series": f"s{i:03d}", "t": t, "label": label, "level": level[t], "noise": other[t]})
    frame = pd.DataFrame(rows)
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)  # time order must come from `t`


@pytest.fixture(scope="module")
def shapes_model() -> tuple[SequenceClassifier, np.ndarray, np.ndarray]:
    # 120 cases and 12 epochs: held-out accuracy 1.000 (as with 240 cases and 25 epochs, which chose 13), fit 24.5 -> 16.6 s
    X, y = make_shapes(120, seed=0)
    clf = SequenceClassifier("gru", (16,), epochs=12, patience=4, ensemble=2, scaling="series", verbose=0, seed=0)
    return clf.fit(X, y), *make_shapes(150, seed=1)


class TestShapesModel:
    """The tests of the module-scoped ``shapes_model`` fit (a class: see the module docstring)."""

    @pytest.mark.slow
    def test_shapes_reach_high_accuracy_on_held_out_data(self, shapes_model) -> None:
        clf, X_test, y_test = shapes_model
        assert clf.classes_.tolist() == ["sawtooth", "sine", "square"]  # sorted order
        result = clf.evaluate(X_test, y_test)
        assert result["accuracy"] >= 0.95, result
        assert set(result["per_class"]) == {"sawtooth", "sine", "square"}
        assert all(row["f1-score"] >= 0.9 for row in result["per_class"].values())
        cm = np.asarray(result["confusion_matrix"])
        assert cm.shape == (3, 3) and cm.sum() == 150
        predicted = clf.predict(X_test)
        assert predicted.dtype == object and set(predicted) <= set(SHAPES)
        probs = clf.predict_proba(X_test)
        assert probs.shape == (150, 3)
        np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
        assert clf.val_metrics_ is not None and clf.history_["epoch"].iloc[0] == 1

    @pytest.mark.slow
    def test_save_load_and_tensorflow_only_export_round_trip(self, shapes_model, tmp_path) -> None:
        clf, X_test, y_test = shapes_model
        metrics = clf.evaluate(X_test, y_test)
        run = tmp_path / "run"
        clf.save(run, metrics=metrics)
        for name in ("model.keras", "classifier.json", "metrics.json", "history.csv", "export",
                     "plots/confusion_matrix.png", "plots/examples.png"):
            assert (run / name).exists(), name
        meta = json.loads((run / "classifier.json").read_text())
        assert meta["classes"] == ["sawtooth", "sine", "square"] and meta["max_length"] == 48
        assert json.loads((run / "metrics.json").read_text())["test"]["accuracy"] == metrics["accuracy"]
        with pytest.raises(ForecasterError, match="already exists"):
            clf.save(run)

        loaded = load_classifier(run)
        # a shorter sequence exercises the padding path (NaN tail -> masked)
        sample = [X_test[0], X_test[1][:30], X_test[2]]
        expected = clf.predict_proba(sample)
        np.testing.assert_allclose(loaded.predict_proba(sample), expected, atol=1e-6)
        assert loaded.predict(sample).tolist() == clf.predict(sample).tolist()
        assert isinstance(loaded.predict(sample)[0], str)
        # a run of format version 1 (before scaling="auto") still loads; a later release's is refused
        assert meta["format_version"] == 2
        (run / "classifier.json").write_text(json.dumps({**meta, "format_version": 1}))
        np.testing.assert_allclose(load_classifier(run).predict_proba(sample), expected, atol=1e-6)
        (run / "classifier.json").write_text(json.dumps({**meta, "format_version": 3}))
        with pytest.raises(ForecasterError, match="format version 3; this forecaster reads versions 1 to 2"):
            load_classifier(run)

        raw = load_sequences(sample, require_labels=False).values  # [3, 48, 1], NaN-padded
        np.save(tmp_path / "x.npy", raw)
        script = (
            "import json, sys, numpy as np, tensorflow as tf\n"
            f"m = tf.saved_model.load({str(run / 'export')!r})\n"
            f"p = m.serve(tf.constant(np.load({str(tmp_path / 'x.npy')!r}))).numpy()\n"
            "assert not any(k.startswith('forecaster') for k in sys.modules)\n"
            "print(json.dumps(p.tolist()))\n"
        )
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                             cwd=tmp_path, check=True)
        exported = np.asarray(json.loads(out.stdout.strip().splitlines()[-1]))
        np.testing.assert_allclose(exported, expected, atol=1e-5)


def test_long_format_with_unequal_lengths_is_padded_and_masked() -> None:
    import keras

    from forecaster.models.factory import build_classifier

    frame = make_long(80, seed=0)
    clf = SequenceClassifier("gru", (8,), conv_filters=(), scaling="standard", learning_rate=2e-2,
                             epochs=12, patience=4, ensemble=1, verbose=0)
    clf.fit(frame, id_col="series", time_col="t")
    assert clf.features_ == ("level", "noise") and clf.n_features_ == 2
    assert clf.max_length_ == frame.groupby("series").size().max()
    test = make_long(40, seed=1)
    assert clf.evaluate(test)["accuracy"] >= 0.85
    table = clf.predict_frame(test)
    assert list(table.columns[:2]) == ["series", "label"] and len(table) == 40
    assert table["series"].tolist() == list(pd.unique(test["series"]))

    # Padding is masked: the padded prediction equals a variable-length copy of the
    # network run on the real steps alone.
    one = test[test["series"] == test["series"].iloc[0]].sort_values("t")
    assert len(one) < clf.max_length_
    padded = clf.predict_proba(one)[0]
    free = build_classifier("gru", (8,), None, 2, 2, mask_value=MASK_VALUE, bidirectional=True)
    free.set_weights(clf.model_.get_weights())
    x = to_model_input(one[["level", "noise"]].to_numpy(np.float32)[None], clf.scaler_.center, clf.scaler_.scale)
    unpadded = keras.ops.convert_to_numpy(free(x, training=False))[0]
    np.testing.assert_allclose(padded, unpadded, atol=1e-5)

    with pytest.raises(ForecasterError, match="value columns"):
        clf.predict(test.rename(columns={"noise": "other"}))
    with pytest.raises(ForecasterError, match="features"):
        clf.predict(np.zeros((2, 10, 3)))


def test_real_zeros_are_not_masked_and_wide_nan_tails_are_padding() -> None:
    rng = np.random.default_rng(0)
    X = [rng.normal(size=int(n)) for n in rng.integers(8, 16, 40)]
    y = ["a" if i % 2 else "b" for i in range(40)]
    clf = SequenceClassifier(
        "lstm", (4,), conv_filters=(), scaling="none", epochs=1, val=0.0, ensemble=1, verbose=0
    ).fit(X, y)
    base = rng.normal(size=6)
    with_zeros = np.concatenate([base, np.zeros(3)])
    p_base, p_zeros = clf.predict_proba([base, with_zeros])
    assert not np.allclose(p_base, p_zeros, atol=1e-6)  # the trailing real zeros were read
    wide = pd.DataFrame([np.concatenate([base, np.full(4, np.nan)])], columns=[f"t{i}" for i in range(10)])
    np.testing.assert_allclose(clf.predict_proba(wide)[0], p_base, atol=1e-6)

    # a real step equal to the sentinel (scaling='none') is nudged, never masked
    scaled = to_model_input(np.array([[[MASK_VALUE], [np.nan]]], np.float32), np.zeros(1), np.ones(1))
    assert scaled[0, 0, 0] != np.float32(MASK_VALUE) and scaled[0, 1, 0] == np.float32(MASK_VALUE)


def test_wide_csv_with_string_labels_and_nan_tails(tmp_path) -> None:
    X, y = make_shapes(30, length=20, seed=3)
    frame = pd.DataFrame(X, columns=[f"t{i}" for i in range(20)])
    frame.insert(0, "kind", y)
    frame.iloc[0, 15:] = np.nan
    path = tmp_path / "train.csv"
    frame.to_csv(path, index=False)
    data = load_sequences(path, label_col="kind")
    assert data.values.shape == (30, 20, 1) and data.lengths[0] == 14 and data.labels[0] == y[0]
    clf = SequenceClassifier("rnn", (4,), epochs=1, val=0.0, ensemble=1, verbose=0).fit(path, label_col="kind")
    assert clf.max_length_ == 20 and len(clf.predict(path)) == 30
    with pytest.warns(UserWarning, match="longer than"):
        clf.predict(np.zeros((1, 25)))


def test_demo_shapes_files_load() -> None:
    root = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "data")
    train = load_sequences(os.path.join(root, "shapes_train.csv"))
    test = load_sequences(os.path.join(root, "shapes_test.csv"))
    assert train.values.shape[1:] == test.values.shape[1:] == (64, 1)
    assert set(train.labels) == set(test.labels) == {"sine", "square", "sawtooth"}


def test_user_errors_raise_forecaster_error(tmp_path) -> None:
    X, y = make_shapes(12, length=10)
    with pytest.raises(ForecasterError, match="not fitted"):
        SequenceClassifier().predict(X)
    with pytest.raises(ForecasterError, match="label column 'target' not found"):
        SequenceClassifier().fit(pd.DataFrame(X).assign(label=y), label_col="target")
    with pytest.raises(ForecasterError, match="only one class"):
        SequenceClassifier().fit(X, ["a"] * 12)
    with pytest.raises(ForecasterError, match="empty"):
        SequenceClassifier().fit(np.zeros((0, 10)), [])
    with pytest.raises(ForecasterError, match="one label per sequence"):
        SequenceClassifier().fit(X, y[:5])
    with pytest.raises(ForecasterError, match="cell"):
        SequenceClassifier(cell="transformer").fit(X, y)
    with pytest.raises(ForecasterError, match="val"):
        SequenceClassifier(val=1.5).fit(X, y)
    with pytest.raises(ForecasterError, match="conv_filters"):
        SequenceClassifier(conv_filters=(0,)).fit(X, y)
    with pytest.raises(ForecasterError, match="scaling"):
        SequenceClassifier(scaling="robust").fit(X, y)
    with pytest.raises(ForecasterError, match="trailing"):
        SequenceClassifier().fit(np.array([[1.0, np.nan, 2.0], [1.0, 2.0, 3.0]]), ["a", "b"])
    with pytest.raises(ForecasterError, match="not a saved sequence classifier"):
        load_classifier(tmp_path)
    with pytest.raises(ForecasterError, match="no parameter"):
        SequenceClassifier().set_params(horizon=3)


def test_params_round_trip() -> None:
    clf = SequenceClassifier("gru", (8, 4), dropout=0.1, seed=3)
    params = clf.get_params()
    assert params["units"] == (8, 4) and params["cell"] == "gru" and params["seed"] == 3
    clone = SequenceClassifier(**params)
    assert clone.get_params() == params
    assert clone.set_params(epochs=3).epochs == 3


# ---------------------------------------------------------------- a real UCR set and the defaults

NOTEBOOK_06 = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "notebooks", "06_classification.ipynb")

# Appended to notebook 06 after its own cells: what the assertions below read from its kernel.
REPORT_CELL = """
import json as _json
import numpy as _np
from forecaster import SequenceClassifier as _SC
print(_json.dumps({
    "params": clf.get_params(), "defaults": _SC().get_params(), "report": clf.fit_report_,
    "summary": clf.summary(), "scores": scores,
}, default=lambda v: v.tolist() if isinstance(v, (_np.ndarray, _np.generic)) else str(v)))
"""


class TestRealUCRSet:
    def test_defaults_learn_a_real_ucr_set(self) -> None:
        """ItalyPowerDemand (UCR, official split, see tests/fixtures/ucr/README.md), fit by notebook 06.

        The defaults except a shorter epoch budget and one ensemble member (to stay fast); 1-NN
        Euclidean scores 0.955 and 1-NN DTW 0.950 on this split. The fit is notebook 06's own: this
        test executes the notebook (every cell must run, as under nbmake) and checks its ``clf`` and
        test ``scores``; tests/conftest.py then leaves the notebook out of nbmake's items, so the
        fit runs once per ``make test``.
        """
        import nbformat
        from nbclient import NotebookClient

        nb = nbformat.read(NOTEBOOK_06, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(REPORT_CELL))
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": os.path.dirname(NOTEBOOK_06)}}).execute()
        stdout = "".join(out.get("text", "") for out in nb.cells[-1].outputs if out.get("name") == "stdout")
        seen = json.loads(stdout)
        # the notebook must fit the defaults, bar the epoch budget, the ensemble size and the printing
        differs = {k for k in seen["defaults"] if seen["params"][k] != seen["defaults"][k]}
        assert differs <= {"epochs", "ensemble", "verbose"}, differs
        assert seen["params"]["epochs"] <= 40 and seen["params"]["ensemble"] == 1
        report, summary, result = seen["report"], seen["summary"], seen["scores"]
        assert report["learned"] and report["val_accuracy"] > report["majority_rate"]
        assert 1 <= report["epochs_chosen"] <= 40 and report["ensemble"] == 1
        assert "learned" in summary and "DID NOT" not in summary
        assert result["n_sequences"] == 1029
        assert result["accuracy"] >= 0.93, result["accuracy"]
        assert result["balanced_accuracy"] >= 0.93 and result["above_majority"]
        cm = np.asarray(result["confusion_matrix"])
        assert cm.shape == (2, 2) and cm.sum() == 1029 and np.trace(cm) / 1029 == pytest.approx(result["accuracy"])


class TestUnlearnable:
    def test_training_that_cannot_learn_is_reported(self) -> None:
        # identical inputs: every prediction is the same class, so validation sits at the majority rate
        # (scaling fixed: the choice of scaling="auto", two more searches, has tests of its own)
        X = np.zeros((30, 12))
        y = ["a"] * 18 + ["b"] * 12
        with pytest.warns(UserWarning, match="did not learn"):
            clf = SequenceClassifier(epochs=3, patience=2, ensemble=1, scaling="series", verbose=0).fit(X, y)
        assert clf.fit_report_["learned"] is False and clf.fit_report_["retried"] is True
        assert "DID NOT LEARN" in clf.summary()


def test_balanced_accuracy_and_confusion_matrix_from_known_predictions() -> None:
    clf = SequenceClassifier()
    clf.classes_ = np.asarray(["a", "b", "c"], dtype=object)
    truth = np.array([0, 0, 0, 0, 0, 0, 1, 1, 2, 2])
    predicted = np.array([0, 0, 0, 0, 0, 0, 0, 1, 0, 0])  # always-"a" but one "b"
    scores = clf._score(np.eye(3, dtype=np.float32)[predicted], truth)
    assert scores["accuracy"] == pytest.approx(0.7)
    assert scores["balanced_accuracy"] == pytest.approx((1.0 + 0.5 + 0.0) / 3)
    assert scores["majority_rate"] == pytest.approx(0.6) and scores["above_majority"]
    assert scores["confusion_matrix"] == [[6, 0, 0], [1, 1, 0], [2, 0, 0]]


def test_per_series_scaling_and_block_means() -> None:
    from forecaster.tasks.sequences import downsample_factor, normalize_each, piecewise_mean

    values = np.array([[[1.0], [2.0], [3.0], [np.nan]], [[5.0], [5.0], [5.0], [5.0]]], np.float32)
    scaled = normalize_each(values)
    np.testing.assert_allclose(scaled[0, :3, 0], [-1.2247449, 0.0, 1.2247449], rtol=1e-5)
    assert np.isnan(scaled[0, 3, 0]) and (scaled[1] == 0).all()  # constant case -> zeros
    assert downsample_factor(1460, 256) == 6 and downsample_factor(200, 256) == 1
    means = piecewise_mean(np.array([[[1.0], [3.0], [5.0], [np.nan], [np.nan]]], np.float32), 2)
    assert means.shape == (1, 3, 1) and means[0, 0, 0] == 2.0 and means[0, 1, 0] == 5.0
    assert np.isnan(means[0, 2, 0])  # a block of padding stays padding


def test_auto_max_steps_keeps_512_steps_unless_the_set_is_large() -> None:
    from forecaster.tasks.classification import AUTO_MAX_STEPS_WORK, resolve_max_steps

    assert resolve_max_steps("auto", 100) == 512  # ACSF1-sized: 1,460 steps in blocks of 3
    assert resolve_max_steps("auto", 537) == 256  # PLAID-sized: 537 x 512 is over the work budget
    assert resolve_max_steps("auto", AUTO_MAX_STEPS_WORK // 300) == 300
    assert resolve_max_steps(64, 10_000) == 64 and resolve_max_steps(None, 3) is None
    clf = SequenceClassifier(epochs=1, val=0.0, ensemble=1, verbose=0, conv_filters=(4,), units=(4,))
    X, y = make_shapes(8, length=600)
    clf.fit(X, y)
    assert clf.factor_ == 2 and clf.model_steps_ == 300 and clf.fit_report_["max_steps"] == 512
    with pytest.raises(ForecasterError, match="max_steps"):
        SequenceClassifier(max_steps="most").fit(X, y)


def test_bad_inputs_get_one_sentence(tmp_path) -> None:
    X, y = make_shapes(24, length=16)
    clf = SequenceClassifier(epochs=1, val=0.0, ensemble=1, verbose=0).fit(X, y)
    with pytest.raises(ForecasterError, match="were not seen at fit"):
        clf.evaluate(X, np.where(y == "sine", "cosine", y))
    with pytest.raises(ForecasterError, match="features but the classifier was fitted on 1"):
        clf.evaluate(np.zeros((2, 16, 3)), ["sine", "square"])
    with pytest.raises(ForecasterError, match="has no values"):
        clf.predict([np.ones(16), np.array([])])
    with pytest.raises(ForecasterError, match="only one class"):
        SequenceClassifier().fit(X, ["sine"] * 24)
    wide = pd.DataFrame(X[:3], columns=[f"t{i}" for i in range(16)]).assign(label=["a", "b", "a"])
    wide.iloc[1, :16] = np.nan
    with pytest.raises(ForecasterError, match="has no values"):
        SequenceClassifier().fit(wide)


def test_cli_rejects_a_single_class_training_file(tmp_path, capsys) -> None:
    from forecaster.cli import main

    X, _ = make_shapes(6, length=8)
    path = tmp_path / "one.csv"
    pd.DataFrame(X).assign(label="only").to_csv(path, index=False)
    assert main(["classify", "fit", "--train", str(path), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "only one class" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.csv"]  # nothing written


def make_levels_or_shapes(n: int, by: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``[n, 24, 2]`` cases whose class shows only in the channel levels (``by="levels"``) or only in the shape."""
    rng = np.random.default_rng(seed)
    labels = np.array(["a", "b"])[np.arange(n) % 2]
    t = np.arange(24)
    cycle = (t[None, :] / 8 + rng.uniform(0, 1, (n, 1))) % 1.0
    if by == "levels":
        # the same noisy wave in every case; class a sits high on channel 0, class b on channel 1
        wave = np.sin(2 * np.pi * cycle)[..., None] + rng.normal(0, 0.3, (n, 24, 2))
        high = np.where(labels == "a", 0, 1)
        levels = np.zeros((n, 1, 2))
        levels[np.arange(n), 0, high] = 3.0
        return wave + levels, labels
    # sine or square, on levels far apart and unrelated to the class (they drown the shape unless each case is scaled)
    shape = np.where(labels[:, None] == "a", np.sin(2 * np.pi * cycle), np.where(cycle < 0.5, 1.0, -1.0))
    X = shape[..., None] + rng.normal(0, 0.1, (n, 24, 2)) + rng.uniform(-60, 60, (n, 1, 2))
    return X, labels


class TestAutoScaling:
    @pytest.mark.parametrize(("by", "expected"), [("levels", "standard"), ("shape", "series")])
    def test_auto_scaling_picks_what_separates_the_classes(self, by: str, expected: str, tmp_path) -> None:
        X, y = make_levels_or_shapes(64, by)
        clf = SequenceClassifier(
            "gru", (4,), conv_filters=(8,), recurrent_steps=8, epochs=16, patience=16, learning_rate=1e-2,
            batch_size=8, val=0.25, ensemble=1, verbose=0, seed=0, jit_compile=False,
        )
        assert clf.scaling == "auto"  # the default
        clf.fit(X, y)
        scores = clf.fit_report_["scaling_scores"]
        assert clf.scaling_ == expected and clf.fit_report_["scaling"] == expected, scores
        assert set(scores) == {"series", "standard"} and f"scaling: {expected}" in clf.summary()
        if expected == "series":
            return
        assert scores["standard"] > scores["series"]
        clf.save(tmp_path / "run")
        assert json.loads((tmp_path / "run" / "classifier.json").read_text())["scaling"] == expected
        again = load_classifier(tmp_path / "run")
        assert again.scaling_ == expected
        np.testing.assert_allclose(again.predict_proba(X[:8]), clf.predict_proba(X[:8]), atol=1e-5)


def test_trainings_of_a_fit_share_one_compiled_model_without_changing_a_number(monkeypatch) -> None:
    # two ensemble members (no validation part, so no search): two trainings, one trace;
    # the default dropout exercises the seed state that a restart must copy from the fresh build
    from forecaster.tasks import classifier_training

    X, y = make_shapes(24, length=24)
    params = dict(units=(4,), conv_filters=(4,), epochs=2, val=0.0, scaling="series", ensemble=2, verbose=0, seed=5)
    built = []

    class Counted(classifier_training._Trainer):
        def __init__(self, clf):
            built.append(self)
            super().__init__(clf)

    monkeypatch.setattr(classifier_training, "_Trainer", Counted)
    shared = SequenceClassifier(**params).fit(X, y)
    assert len(built) == 1 and shared.fit_report_["ensemble"] == 2  # both members trained the one compiled model
    compiled = []
    fit_one = classifier_training._ClassifierTraining._fit_one

    def afresh(self, *args, **kwargs):  # a new compiled model for every training, as before the sharing
        self._trainer = None
        out = fit_one(self, *args, **kwargs)
        compiled.append(self._trainer)
        return out

    monkeypatch.setattr(classifier_training._ClassifierTraining, "_fit_one", afresh)
    fresh = SequenceClassifier(**params).fit(X, y)
    assert len({id(t) for t in compiled}) == len(compiled) == 2
    assert shared.fit_report_ == {**fresh.fit_report_, "fit_seconds": shared.fit_report_["fit_seconds"]}
    np.testing.assert_array_equal(shared.predict_proba(X), fresh.predict_proba(X))
    assert getattr(shared, "_trainer", None) is None  # not kept after the fit

"""SequenceClassifier(model="auto"): the validated choice between the network and 1-NN Euclidean."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

from forecaster.errors import ForecasterError
from forecaster.tasks.classification import SequenceClassifier, load_classifier
from forecaster.tasks.classifier_training import NEAREST, NEAREST_LOO

TINY = dict(
    units=(4,),
    conv_filters=(4,),
    scaling="series",
    ensemble=1,
    verbose=0,
    jit_compile=False,
    seed=0,
)


def _prototypes(n_per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Four classes, each a fixed random shape plus small noise: 1-NN Euclidean is perfect on it."""
    rng = np.random.default_rng(0)
    shapes = rng.normal(size=(4, 16))
    codes = np.repeat(np.arange(4), n_per_class)
    noise = np.random.default_rng(seed).normal(scale=0.05, size=(len(codes), 16))
    return shapes[codes] + noise, np.asarray([f"c{k}" for k in codes], dtype=object)


def _fit(**params: object) -> SequenceClassifier:
    X, y = _prototypes(10, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a forced-weak network may "not learn"
        return SequenceClassifier(**{**TINY, **params}).fit(X, y)


@pytest.fixture(scope="module")
def nearest() -> SequenceClassifier:
    # one epoch at a vanishing learning rate leaves the network untrained
    return _fit(epochs=1, learning_rate=1e-7, val=0.25)


def test_auto_keeps_nearest_neighbour_when_the_network_is_weak(nearest: SequenceClassifier) -> None:
    report = nearest.fit_report_
    assert report["model"] == NEAREST
    assert report["model_scores"][NEAREST] == 1.0
    assert report["model_scores"][NEAREST] > report["model_scores"]["network"] + 1 / 10
    assert report["ensemble"] == 0
    # 1-NN's validation score, with the training part as reference
    assert nearest.val_metrics_["accuracy"] == 1.0
    X_test, y_test = _prototypes(3, seed=2)
    probs = nearest.predict_proba(X_test)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)
    assert set(np.unique(probs.round(6))) <= {0.0, 1.0}  # one-hot: the neighbour's class
    assert (nearest.predict(X_test) == y_test).all()
    assert nearest.evaluate(X_test, y_test)["accuracy"] == 1.0
    assert "1-NN Euclidean" in nearest.summary()


def test_nearest_neighbour_save_load_and_export_round_trip(
    nearest: SequenceClassifier, tmp_path: object
) -> None:
    import tensorflow as tf

    X_test, _ = _prototypes(3, seed=3)
    run = os.path.join(str(tmp_path), "run")
    nearest.save(run, plots=False)
    back = load_classifier(run)
    assert back.fit_report_["model"] == NEAREST and back.model == "auto"
    np.testing.assert_array_equal(back.predict_proba(X_test), nearest.predict_proba(X_test))
    served = tf.saved_model.load(os.path.join(run, "export")).signatures["serve"]
    out = next(iter(served(sequences=tf.constant(X_test[..., None], tf.float32)).values())).numpy()
    np.testing.assert_allclose(out, nearest.predict_proba(X_test), atol=1e-6)


def test_network_option_never_considers_nearest_neighbour() -> None:
    clf = _fit(epochs=1, learning_rate=1e-7, val=0.25, model="network")
    assert clf.fit_report_["model"] == "network" and clf.fit_report_["model_scores"] is None
    assert clf.fit_report_["ensemble"] == 1
    assert "model: network" in clf.summary()


def _choice(
    val_accuracy: list[float], X: np.ndarray | None = None, y: np.ndarray | None = None
) -> dict:
    """``_choose_model`` against a given network search history (default data: 1-NN perfect on it)."""
    if X is None:
        X, y = _prototypes(10, seed=1)
    clf = SequenceClassifier(**TINY)
    clf.classes_ = np.unique(y)
    labels = np.searchsorted(clf.classes_, y).astype(np.int32)
    val_idx = np.arange(0, 40, 4)  # ten validation cases
    train_idx = np.setdiff1d(np.arange(40), val_idx)
    history = {"val_accuracy": val_accuracy}
    return clf._choose_model(X[..., None].astype(np.float32), labels, train_idx, val_idx, history)


def test_ties_and_a_one_case_win_keep_the_network() -> None:
    # second half of the search is what counts: its mean is 1.0 here, a tie with 1-NN
    assert _choice([0.1, 0.1, 1.0, 1.0])["model"] == "network"
    # 1-NN wins by exactly one of the ten validation cases: not enough
    assert _choice([0.9, 0.9])["model"] == "network"
    # by more than one case, on validation and leave-one-out: 1-NN
    choice = _choice([0.8, 0.8])
    assert choice["model"] == NEAREST
    assert choice["model_scores"] == {"network": 0.8, NEAREST: 1.0, NEAREST_LOO: 1.0}


def test_a_validation_win_alone_keeps_the_network() -> None:
    # validation cases (every 4th) and one clean training case per class stay on their class
    # shapes; the other 26 training cases become far-away pairs of two classes, which 1-NN
    # misses when each is left out: validation 1.0, leave-one-out 14 / 40
    X, y = _prototypes(10, seed=1)
    rng = np.random.default_rng(5)
    clean = {1, 13, 21, 33}
    rest = [i for i in range(40) if i % 4 and i not in clean]
    for pair in range(0, len(rest), 2):
        centre = rng.normal(scale=20.0, size=16)
        for k, i in enumerate(rest[pair : pair + 2]):
            X[i] = centre + 0.01 * rng.normal(size=16)
            y[i] = f"c{k}"
    choice = _choice([0.5, 0.5], X, y)
    assert choice["model_scores"] == {"network": 0.5, NEAREST: 1.0, NEAREST_LOO: 0.35}
    assert choice["model"] == "network"


def test_bad_model_option_is_one_sentence() -> None:
    with pytest.raises(ForecasterError, match="`model` must be one of auto, network"):
        SequenceClassifier(model="knn").fit(np.zeros((8, 5)), [0, 1] * 4)

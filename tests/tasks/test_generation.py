"""Sequence generation: sampled paths from probabilistic heads, and the character generator."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from forecaster.data.io import load_series
from forecaster.data.scaling import fit_scaler
from forecaster.errors import ForecasterError
from forecaster.tasks.sampling import _inverse_cdf, plot_paths, sample_paths
from forecaster.tasks.text import TokenGenerator, load_generator

PHI, SIGMA, WIDTH = 0.8, 1.0, 8


def ar1(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = np.zeros(n)
    for t in range(1, n):
        x[t] = PHI * x[t - 1] + rng.normal(0, SIGMA)
    return x + 5.0  # a non-zero level, so raw vs scaled units matter


def lag1(x: np.ndarray) -> float:
    """Lag-1 autocorrelation pooled over rows of ``x`` ``[n_paths, steps]``."""
    centred = x - x.mean()
    return float((centred[:, 1:] * centred[:, :-1]).mean() / centred.var())


def stand_in(series: np.ndarray, head: str, *, train_epochs: int = 0, seed: int = 0) -> SimpleNamespace:
    """A fitted-Forecaster stand-in exposing the attributes sample_paths reads."""
    from forecaster.data.windowing import make_windows
    from forecaster.models.factory import build_model
    from forecaster.training import train

    frame = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=len(series), freq="D"), "y": series})
    data = load_series(frame, target="y", date_col="date")
    scaler = fit_scaler(data.values, "standard")
    quantiles = (0.05, 0.25, 0.5, 0.75, 0.95)

    def build():
        return build_model("gru", (8,), WIDTH, 1, 1, 1, head=head, quantiles=quantiles)

    if train_epochs:
        ds = make_windows(scaler.transform(data.values), WIDTH, 1, batch_size=64, shuffle=True, seed=seed)
        model = train(build, ds, epochs=train_epochs, learning_rate=1e-2, seed=seed, verbose=0,
                      jit_compile=False, reduce_lr=False).model
    else:
        import keras

        keras.utils.set_random_seed(seed)
        model = build()
    return SimpleNamespace(
        model_=model, scaler_=scaler, input_width_=WIDTH, data_=data, head=head, quantiles=quantiles,
        freq_="D", last_date_=str(data.dates[-1]), targets_=("y",), columns_=("y",), date_col_="date",
        id_col_=None,
    )


@pytest.mark.slow
def test_free_running_gaussian_paths_resemble_the_training_series() -> None:
    series = ar1(3000)
    fc = stand_in(series, "gaussian", train_epochs=6)
    paths, frame = sample_paths(fc, n_paths=200, steps=120, seed=7)
    assert paths.shape == (200, 120, 1) and paths.dtype == np.float32
    body = paths[:, 20:, 0]  # after a short burn-in from the seed window
    mean, std = series.mean(), series.std()
    # tolerances: mean within 0.25 std, spread within 20%, lag-1 autocorrelation within 0.1
    assert abs(body.mean() - mean) < 0.25 * std, (body.mean(), mean)
    assert 0.8 < body.std() / std < 1.2, (body.std(), std)
    assert abs(lag1(body) - lag1(series[None])) < 0.1, (lag1(body), lag1(series[None]))

    again, _ = sample_paths(fc, n_paths=200, steps=120, seed=7)
    np.testing.assert_array_equal(paths, again)
    other, _ = sample_paths(fc, n_paths=200, steps=120, seed=8)
    assert not np.array_equal(paths, other)

    assert list(frame.columns) == ["path", "date", "y"] and len(frame) == 200 * 120
    assert frame["date"].iloc[0] == pd.Timestamp(fc.last_date_) + pd.Timedelta(days=1)
    np.testing.assert_allclose(frame["y"].to_numpy()[:120], paths[0, :, 0])
    figure = plot_paths(fc, paths)
    assert figure.axes


@pytest.mark.slow
def test_forecaster_sample_delegates_and_survives_save_load(tmp_path) -> None:
    from forecaster import Forecaster, load

    frame = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=400, freq="D"), "y": ar1(400)})
    fc = Forecaster("gru", (4,), input_width=8, horizon=2, head="quantile", epochs=2, verbose=0, jit_compile=False)
    fc.fit(frame, target="y", date_col="date")
    paths, table = fc.sample(6, 5, seed=2)
    assert paths.shape == (6, 5, 1) and list(table.columns) == ["path", "date", "y"]
    assert table["date"].iloc[0] == pd.Timestamp("2024-01-01") + pd.Timedelta(days=400)
    fc.save(tmp_path / "run")
    reloaded, _ = load(tmp_path / "run").sample(6, 5, seed=2)  # context = the tail kept in the run
    np.testing.assert_allclose(reloaded, paths, rtol=1e-4, atol=1e-4)


def test_quantile_head_paths_are_seeded_and_use_the_context() -> None:
    series = ar1(200)
    fc = stand_in(series, "quantile")
    paths, frame = sample_paths(fc, 5, 4, seed=1)
    np.testing.assert_array_equal(paths, sample_paths(fc, 5, 4, seed=1)[0])
    assert np.isfinite(paths).all() and paths.shape == (5, 4, 1)
    custom, custom_frame = sample_paths(fc, 5, 4, context=series[:50] + 100.0, seed=1)
    assert "step" in custom_frame.columns and custom_frame["step"].tolist()[:4] == [1, 2, 3, 4]
    assert not np.allclose(custom, paths)
    with pytest.raises(ForecasterError, match="input_width"):
        sample_paths(fc, 5, 4, context=series[:3])


def test_inverse_cdf_sampling_matches_the_quantiles() -> None:
    from scipy.stats import norm

    levels = np.array([0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95])
    values = norm.ppf(levels)
    u = np.random.default_rng(0).random(40_000)
    draws = _inverse_cdf(np.broadcast_to(values, (len(u), len(levels))), levels, u)
    for q in (0.1, 0.25, 0.5, 0.75, 0.9):
        assert abs(np.quantile(draws, q) - norm.ppf(q)) < 0.03
    # below the lowest quantile the first segment is extended linearly down to level 0
    assert draws.min() >= values[0] - (values[1] - values[0]) - 1e-9


def test_sampling_errors() -> None:
    series = ar1(100)
    point = stand_in(series, "gaussian")
    point.head = "point"
    with pytest.raises(ForecasterError, match="probabilistic head"):
        sample_paths(point, 2, 3)
    features = stand_in(series, "gaussian")
    features.columns_ = ("y", "temperature")
    with pytest.raises(ForecasterError, match="cannot forecast"):
        sample_paths(features, 2, 3)
    with pytest.raises(ForecasterError, match="steps"):
        sample_paths(stand_in(series, "gaussian"), 2, 0)
    with pytest.raises(ForecasterError, match="not fitted"):
        sample_paths(SimpleNamespace(head="gaussian"), 2, 3)


# ------------------------------------------------------------------ tokens


def corpus(size: int = 3000) -> str:
    lines = ["the cat sat on the mat. ", "a dog ran to the log. ", "we see the sea. "]
    text = ""
    i = 0
    while len(text) < size:
        text += lines[i % len(lines)]
        i += 1
    return text


@pytest.fixture(scope="module")
def token_model() -> TokenGenerator:
    gen = TokenGenerator("gru", (48,), sequence_length=32, embedding_dim=16, epochs=6, batch_size=64,
                         learning_rate=1e-2, seed=0, verbose=0)
    return gen.fit(corpus())


@pytest.mark.slow
def test_token_generator_learns_and_generates_reproducibly(token_model, tmp_path) -> None:
    gen = token_model
    text = corpus()
    assert gen.vocab_ == tuple(sorted(set(text)))
    uniform = math.log(len(gen.vocab_))
    final = float(gen.history_["loss"].iloc[-1])
    assert final < 0.1 * uniform, (final, uniform)  # far below the uniform guess log(vocab_size)

    greedy = gen.generate("the cat ", 40, temperature=0)
    assert greedy == gen.generate("the cat ", 40, temperature=0)
    assert greedy.startswith("sat on the mat.")  # learned the repeating corpus

    sampled = gen.generate("a dog", 60, temperature=1.0, seed=3)
    assert len(sampled) == 60 and set(sampled) <= set(gen.vocab_)
    assert sampled == gen.generate("a dog", 60, temperature=1.0, seed=3)
    hot = [gen.generate("we", 40, temperature=3.0, seed=s) for s in range(3)]
    assert len(set(hot)) > 1  # different seeds differ at a high temperature

    gen.save(tmp_path / "gen")
    loaded = load_generator(tmp_path / "gen")
    assert loaded.vocab_ == gen.vocab_
    # The package-level load() reads any run by its "kind".
    import forecaster

    assert isinstance(forecaster.load(tmp_path / "gen"), TokenGenerator)
    assert loaded.generate("a dog", 60, temperature=1.0, seed=3) == sampled


@pytest.mark.slow
def test_token_generator_errors(tmp_path) -> None:
    with pytest.raises(ForecasterError, match="not fitted"):
        TokenGenerator().generate("a", 3)
    with pytest.raises(ForecasterError, match="sequence_length"):
        TokenGenerator(sequence_length=50).fit("abc" * 5)
    with pytest.raises(ForecasterError, match="one distinct character"):
        TokenGenerator(sequence_length=4).fit("aaaaaaaaaa")
    with pytest.raises(ForecasterError, match="units"):
        TokenGenerator(units=0).fit("abcabcabc")
    gen = TokenGenerator("rnn", (4,), sequence_length=4, epochs=1, verbose=0).fit("abcabcabcabc")
    with pytest.raises(ForecasterError, match="not in the vocabulary"):
        gen.generate("abz", 3)
    with pytest.raises(ForecasterError, match="empty"):
        gen.generate("", 3)
    with pytest.raises(ForecasterError, match="temperature"):
        gen.generate("ab", 3, temperature=-1.0)
    gen.save(tmp_path / "g")
    with pytest.raises(ForecasterError, match="already exists"):
        gen.save(tmp_path / "g")
    with pytest.raises(ForecasterError, match="not a saved token generator"):
        load_generator(tmp_path)


def test_old_module_name_still_exports_the_public_names() -> None:
    import forecaster
    from forecaster.tasks import generation

    assert generation.sample_paths is sample_paths and generation.TokenGenerator is TokenGenerator
    assert forecaster.TokenGenerator is TokenGenerator and forecaster.load_generator is load_generator

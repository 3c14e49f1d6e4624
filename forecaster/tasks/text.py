"""A character-level text generator on the forecasting toolkit's recurrent cells.

:class:`TokenGenerator` is a next-token model: ``Embedding -> recurrent layers
(SimpleRNN / LSTM / GRU, the factory's cells) -> Dense softmax`` over the
vocabulary, trained on every window of ``sequence_length`` characters of a
corpus to predict each following character. ``generate`` feeds the last
``sequence_length`` tokens through a compiled ``tf.function`` per step and
samples the next one from the softmax (``temperature=0``: argmax).
:func:`load_generator` reads a saved one back.

Example:
    >>> text = "abcabcabcabc" * 20
    >>> gen = TokenGenerator(units=(8,), sequence_length=8, epochs=1, verbose=0).fit(text)
    >>> gen.vocab_
    ('a', 'b', 'c')
    >>> len(gen.generate("ab", 5, seed=0))
    5
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from forecaster.config import check_seed
from forecaster.errors import ForecasterError
from forecaster.estimator import Estimator
from forecaster.runs import atomic_directory, read_run, versions, write_json
from forecaster.tasks import check_cell_and_units, check_number

FORMAT_VERSION = 1

__all__ = ["FORMAT_VERSION", "TokenGenerator", "load_generator"]


class TokenGenerator(Estimator):
    """Character-level generator: next-character prediction with recurrent layers.

    Args:
        cell: ``"rnn"``, ``"lstm"`` or ``"gru"``.
        units: units per recurrent layer (every layer returns sequences).
        sequence_length: characters per training window and the context fed at generation.
        embedding_dim: size of the character embedding.
        dropout: rate of the dropout after each recurrent layer, in [0, 1).
        learning_rate: Adam learning rate (> 0).
        epochs: training epochs (a fixed budget; the loss is tracked per epoch).
        batch_size: windows per batch.
        seed: seed of the weights and the window order (None: random).
        verbose: Keras verbosity (``"auto"``, 0, 1, 2).

    Attributes:
        vocab_: the sorted distinct characters of the corpus (token ``i`` is ``vocab_[i]``).
        model_: Keras model ``int32[B, L] -> float32[B, L, len(vocab_)]`` (next-token probabilities).
        history_: DataFrame ``epoch``, ``loss``, ``accuracy``, ``learning_rate``.
        n_windows_: training windows per epoch.
    """

    def __init__(
        self,
        cell: str = "lstm",
        units: int | tuple[int, ...] = (128,),
        *,
        sequence_length: int = 64,
        embedding_dim: int = 32,
        dropout: float = 0.0,
        learning_rate: float = 3e-3,
        epochs: int = 10,
        batch_size: int = 64,
        seed: int | None = 0,
        verbose: str | int = "auto",
    ) -> None:
        self.cell = cell
        self.units = units
        self.sequence_length = sequence_length
        self.embedding_dim = embedding_dim
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.seed = seed
        self.verbose = verbose

    def _validate_params(self) -> None:
        check_cell_and_units(self.cell, self.units, "(128,)")
        check_number("sequence_length", self.sequence_length, integer=True, low=1)
        check_number("embedding_dim", self.embedding_dim, integer=True, low=1)
        check_number("dropout", self.dropout, low=0.0, high=1.0, high_open=True)
        check_number("learning_rate", self.learning_rate, low=0.0, low_open=True)
        check_number("epochs", self.epochs, integer=True, low=1)
        check_number("batch_size", self.batch_size, integer=True, low=1)
        check_seed(self.seed)

    def fit(self, text: str) -> TokenGenerator:
        """Learn the vocabulary and train next-character prediction on ``text``.

        Windows are built by ``tf.data`` from the encoded corpus (one gather per
        batch of shuffled start positions); no window array is materialized.
        Window ``s`` has inputs ``text[s : s + L]`` and targets ``text[s + 1 : s + L + 1]``.

        Args:
            text: the corpus, at least ``sequence_length + 1`` characters with two
                or more distinct characters.

        Returns:
            ``self``, fitted.

        Raises:
            ForecasterError: for bad option values or a corpus that is too short.

        State change:
            Checks the parameters, then drops any earlier fit (restored if this
            one fails) and writes ``vocab_``, ``model_``, ``history_``, ``n_windows_``.
        """
        with self._fit_context():
            return self._fit(text)

    def _fit(self, text: str) -> TokenGenerator:
        if not isinstance(text, str):
            raise ForecasterError(f"`text` must be a string (received {type(text).__name__}).")
        length = int(self.sequence_length)
        if len(text) < length + 1:
            raise ForecasterError(
                f"the text has {len(text)} characters; sequence_length + 1 = {length + 1} are needed."
            )
        vocab = tuple(sorted(set(text)))
        if len(vocab) < 2:
            raise ForecasterError("the text has only one distinct character; nothing to learn.")
        lookup = {ch: i for i, ch in enumerate(vocab)}
        encoded = np.fromiter((lookup[ch] for ch in text), dtype=np.int32, count=len(text))
        self.vocab_ = vocab
        self.n_windows_ = int(len(encoded) - length)
        self._train(encoded)
        return self

    def _train(self, encoded: np.ndarray) -> None:
        import keras
        import tensorflow as tf

        from forecaster.data.windowing import untuned_options
        from forecaster.training import resolve_seed, train

        seed = resolve_seed(self.seed)
        length = int(self.sequence_length)
        corpus = tf.constant(encoded)
        offsets = tf.range(length + 1, dtype=tf.int64)

        def gather(starts: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
            chunk = tf.gather(corpus, starts[:, None] + offsets[None, :])
            return chunk[:, :-1], chunk[:, 1:]

        dataset = (
            tf.data.Dataset.range(self.n_windows_)
            .shuffle(self.n_windows_, seed=seed, reshuffle_each_iteration=True)
            .batch(int(self.batch_size))
            .map(gather, num_parallel_calls=tf.data.AUTOTUNE)
            .prefetch(tf.data.AUTOTUNE)
            .with_options(untuned_options())
        )
        history = train(
            self._builder(),
            dataset,
            None,
            loss=keras.losses.SparseCategoricalCrossentropy(),
            learning_rate=self.learning_rate,
            epochs=int(self.epochs),
            patience=max(2, int(self.epochs)),
            seed=seed,
            verbose=self.verbose,
            metrics=["accuracy"],
        )
        self.model_ = history.model
        frame = pd.DataFrame(history.history)
        frame.insert(0, "epoch", np.arange(1, len(frame) + 1))
        self.history_ = frame

    def _builder(self) -> Any:
        import keras

        from forecaster.models.factory import CELLS

        cell = self.cell.lower()
        units = (self.units,) if isinstance(self.units, int) else tuple(self.units)
        vocab_size = len(self.vocab_)

        def build() -> keras.Model:  # called by `train` after it has seeded Keras
            tokens = keras.Input((None,), dtype="int32", name="tokens")
            hidden = keras.layers.Embedding(vocab_size, int(self.embedding_dim), name="embedding")(tokens)
            for i, size in enumerate(units):
                hidden = CELLS[cell](size, return_sequences=True, name=f"{cell}_{i}")(hidden)
                if self.dropout:
                    hidden = keras.layers.Dropout(float(self.dropout), name=f"dropout_{i}")(hidden)
            probs = keras.layers.Dense(vocab_size, activation="softmax", name="next_token")(hidden)
            return keras.Model(tokens, probs, name=f"{cell}_token_generator")

        return build

    def encode(self, text: str) -> np.ndarray:
        """Token ids ``int32[len(text)]`` of ``text``.

        Raises:
            ForecasterError: for characters outside ``vocab_``.
        """
        self._check_fitted("encode")
        lookup = {ch: i for i, ch in enumerate(self.vocab_)}
        unknown = sorted({ch for ch in text if ch not in lookup})
        if unknown:
            raise ForecasterError(
                f"character(s) {', '.join(map(repr, unknown[:10]))} are not in the vocabulary of "
                f"{len(self.vocab_)} characters seen at fit; remove them from the prompt."
            )
        return np.asarray([lookup[ch] for ch in text], np.int32)

    def next_token_probabilities(self, prompt: str) -> np.ndarray:
        """Probabilities ``float32[len(vocab_)]`` of the character after ``prompt``.

        Only the last ``sequence_length`` characters of ``prompt`` are read.
        """
        tokens = self.encode(prompt)
        if len(tokens) == 0:
            raise ForecasterError("`prompt` is empty; pass at least one character.")
        return self._probabilities(tokens[-int(self.sequence_length) :])

    def _probabilities(self, context: np.ndarray) -> np.ndarray:
        import tensorflow as tf

        def make() -> Any:
            model = self.model_
            spec = tf.TensorSpec([1, None], tf.int32)
            return tf.function(lambda t: model(t, training=False)[0, -1], input_signature=[spec])

        return self._compiled_predict(make)(tf.constant(context[None, :])).numpy()

    def generate(self, prompt: str, length: int, temperature: float = 1.0, seed: int | None = None) -> str:
        """Continue ``prompt`` with ``length`` characters, one model call per character.

        Args:
            prompt: the start of the text (>= 1 character, all in ``vocab_``).
            length: number of characters to generate (>= 1).
            temperature: 0 picks the most probable character (deterministic);
                otherwise sample from ``softmax(log(p) / temperature)`` (< 1 sharper, > 1 flatter).
            seed: seed of the sampling; the same seed gives the same text.

        Returns:
            The ``length`` generated characters (without the prompt).

        Raises:
            ForecasterError: if unfitted, the prompt is empty or has unknown
                characters, or ``length`` / ``temperature`` is out of range.

        Writes nothing to ``self`` (beyond caching the compiled step function).
        """
        self._check_fitted("generate")
        if not isinstance(prompt, str):
            raise ForecasterError(f"`prompt` must be a string (received {type(prompt).__name__}).")
        check_number("length", length, integer=True, low=1)
        check_number("temperature", temperature, low=0.0)
        check_seed(seed)
        tokens = list(self.encode(prompt))
        if not tokens:
            raise ForecasterError("`prompt` is empty; pass at least one character.")
        rng = np.random.default_rng(seed)
        window = int(self.sequence_length)
        for _ in range(int(length)):
            probs = self._probabilities(np.asarray(tokens[-window:], np.int32)).astype(np.float64)
            tokens.append(_pick(probs, float(temperature), rng))
        return "".join(self.vocab_[t] for t in tokens[-int(length) :])

    def metadata(self) -> dict[str, Any]:
        """The contents of ``generator.json``."""
        self._check_fitted("metadata")
        params = self.get_params()
        params["units"] = list(params["units"]) if isinstance(params["units"], tuple) else params["units"]
        last_loss = float(self.history_["loss"].iloc[-1]) if len(self.history_) else None
        return {
            "format_version": FORMAT_VERSION,
            "kind": "token_generator",
            "config": params,
            "vocab": list(self.vocab_),
            "n_windows": getattr(self, "n_windows_", None),
            "training": {"epochs_run": int(len(self.history_)), "final_loss": last_loss},
            "signature": {
                "input": "int32[batch, length] token ids (vocab order)",
                "output": f"float32[batch, length, {len(self.vocab_)}] next-token probabilities",
            },
            "versions": versions(),
        }

    def save(self, path: str | os.PathLike, overwrite: bool = False) -> None:
        """Write ``model.keras``, ``generator.json`` (vocabulary, config, versions) and
        ``history.csv`` to a new directory, atomically.

        Raises:
            ForecasterError: if unfitted, or ``path`` exists and ``overwrite`` is False.
        """
        self._check_fitted("save")
        with atomic_directory(path, overwrite) as tmp:
            self.model_.save(os.path.join(tmp, "model.keras"))
            write_json(os.path.join(tmp, "generator.json"), self.metadata())
            self.history_.to_csv(os.path.join(tmp, "history.csv"), index=False)


def load_generator(path: str | os.PathLike) -> TokenGenerator:
    """Load a :class:`TokenGenerator` saved with :meth:`TokenGenerator.save` (JSON + ``.keras``, safe mode).

    Raises:
        ForecasterError: if ``path`` is not a generator run directory or has another format version.
    """
    directory = os.fspath(path)
    meta, config, model = read_run(directory, "generator.json", "token generator", FORMAT_VERSION)
    gen = TokenGenerator(**config)
    gen.vocab_ = tuple(meta["vocab"])
    gen.n_windows_ = meta.get("n_windows")
    gen.model_ = model
    history = os.path.join(directory, "history.csv")
    gen.history_ = pd.read_csv(history) if os.path.exists(history) else pd.DataFrame()
    return gen


def _pick(probs: np.ndarray, temperature: float, rng: np.random.Generator) -> int:
    """Index drawn from ``probs`` at ``temperature`` (0: argmax)."""
    if temperature == 0:
        return int(np.argmax(probs))
    logits = np.log(np.maximum(probs, 1e-30)) / temperature
    logits -= logits.max()
    weights = np.exp(logits)
    weights /= weights.sum()
    return int(rng.choice(len(weights), p=weights))

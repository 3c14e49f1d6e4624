"""Sequence generation: sampled future paths and a character-level text generator.

Continuous paths -- :func:`sample_paths` (``Forecaster.sample`` delegates here):

    From a fitted ``Forecaster`` with a ``"gaussian"`` or ``"quantile"`` head
    whose inputs are its targets only, draw ``n_paths`` futures of ``steps``
    rows autoregressively. Each step runs the model once on the batch of
    ``n_paths`` windows ``[n_paths, input_width_, n_targets]`` (scaled), takes
    the head's output for the first horizon step, draws one value per path and
    target, and appends it to that path's window. Gaussian heads draw from
    ``N(mean, std)``; quantile heads draw by inverse-CDF sampling of the
    piecewise-linear distribution through the predicted quantiles (the first
    and last segments are extended linearly to levels 0 and 1). Draws use a
    ``numpy.random.Generator`` seeded with ``seed``: the same seed gives the same
    paths. :func:`plot_paths` draws them as a fan chart.

Discrete tokens -- :class:`TokenGenerator`:

    A character-level next-token model: ``Embedding -> recurrent layers
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

import logging
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecaster.errors import ForecasterError
from forecaster.estimator import Estimator
from forecaster.runs import atomic_directory, read_run, versions, write_json
from forecaster.tasks import check_cell_and_units, check_number

logger = logging.getLogger(__name__)

SAMPLING_HEADS = ("gaussian", "quantile")
FORMAT_VERSION = 1

__all__ = ["FORMAT_VERSION", "TokenGenerator", "load_generator", "plot_paths", "sample_paths"]


# ============================================================== continuous paths


def sample_paths(
    forecaster: Any,
    n_paths: int,
    steps: int,
    *,
    context: Any = None,
    seed: int | None = None,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Draw future paths from a probabilistic ``Forecaster``, feeding each draw back.

    Args:
        forecaster: a fitted ``Forecaster`` with ``head="gaussian"`` or
            ``"quantile"`` and no input columns besides its targets.
        n_paths: number of paths (>= 1); they run as one batch.
        steps: rows to generate per path (>= 1).
        context: the history the paths continue: ``None`` (the end of the fit
            data; for a panel, its last series), a CSV path / DataFrame with the
            target (and date / id) columns of the fit data, or raw values
            ``[n_rows, n_targets]`` / ``[n_rows]``. At least ``input_width_`` rows.
        seed: seed of the draws (``None``: fresh randomness).

    Returns:
        ``(paths, frame)``: ``paths`` float32 ``[n_paths, steps, n_targets]`` in raw
        units, and a long DataFrame with columns ``path`` (0-based), the future
        dates (named like the date column, from the context's last date and
        ``freq_``) or ``step`` (1-based) when there are no dates, then one column
        per target. A panel model puts its id column first.

    Raises:
        ForecasterError: if the forecaster is unfitted, has a point head or input
            features other than its targets, or the context is too short.

    Writes nothing to ``forecaster``.
    """
    check_number("n_paths", n_paths, integer=True, low=1)
    check_number("steps", steps, integer=True, low=1)
    if seed is not None:
        check_number("seed", seed, integer=True, low=0)
    if not hasattr(forecaster, "model_"):
        raise ForecasterError("this Forecaster is not fitted yet; call fit(data) before sample.")
    head = forecaster.head
    if head not in SAMPLING_HEADS:
        raise ForecasterError(
            f"sampling paths needs a probabilistic head, but the model has head={head!r}; "
            "refit with head='gaussian' or head='quantile'."
        )
    targets = tuple(forecaster.targets_)
    columns = tuple(forecaster.columns_)
    if columns != targets:
        extra = [c for c in columns if c not in targets]
        raise ForecasterError(
            f"sampling feeds each draw back as the next input, but the model also reads {extra}, "
            "which it cannot forecast; refit without features (and without calendar columns)."
        )
    levels = np.asarray(forecaster.quantiles, np.float64) if head == "quantile" else None
    if levels is not None and len(levels) < 2:
        raise ForecasterError(
            f"sampling from a quantile head needs at least two quantiles (received quantiles={tuple(levels)})."
        )
    width = int(forecaster.input_width_)
    history, dates, series_id, scaler = _context(forecaster, context)
    if len(history) < width:
        raise ForecasterError(
            f"the context has {len(history)} rows; input_width = {width} are needed to start sampling."
        )
    n_targets = len(targets)
    window = scaler.transform(history[-width:])[:, :n_targets]
    scaled = _run_paths(forecaster.model_, window, int(n_paths), int(steps), head, levels, seed)
    paths = scaler.inverse_transform(scaled, columns=slice(0, n_targets))
    frame = _paths_frame(forecaster, paths, dates, series_id, targets)
    return paths, frame


def _run_paths(
    model: Any,
    window: np.ndarray,
    n_paths: int,
    steps: int,
    head: str,
    levels: np.ndarray | None,
    seed: int | None,
) -> np.ndarray:
    """Autoregressive loop in scaled space; returns ``float32[n_paths, steps, n_targets]``."""
    import tensorflow as tf

    width, n_targets = window.shape
    spec = tf.TensorSpec([None, width, n_targets], tf.float32)
    step_fn = tf.function(lambda x: model(x, training=False)[:, 0], input_signature=[spec])
    rng = np.random.default_rng(seed)
    windows = np.repeat(window[None].astype(np.float32), n_paths, axis=0)
    out = np.empty((n_paths, steps, n_targets), np.float32)
    for step in range(steps):
        head_out = step_fn(tf.constant(windows)).numpy().astype(np.float64)  # [P, T, 2] or [P, T, Q]
        if head == "gaussian":
            draw = head_out[..., 0] + head_out[..., 1] * rng.standard_normal(head_out.shape[:-1])
        else:
            draw = _inverse_cdf(np.sort(head_out, axis=-1), levels, rng.random(head_out.shape[:-1]))
        out[:, step] = draw
        windows = np.concatenate([windows[:, 1:], draw[:, None, :].astype(np.float32)], axis=1)
    return out


def _inverse_cdf(values: np.ndarray, levels: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Values at probability ``u`` ``[...]`` of piecewise-linear CDFs through ``values`` ``[..., Q]``.

    The first and last segments are extended linearly to levels 0 and 1.

    Example:
        >>> _inverse_cdf(np.array([[0.0, 1.0, 2.0]]), np.array([0.25, 0.5, 0.75]), np.array([0.5, 0.0, 1.0])).tolist()
        [1.0, -1.0, 3.0]
    """
    values = np.broadcast_to(values, (*u.shape, values.shape[-1])) if values.ndim == u.ndim + 1 else values
    low_slope = (values[..., 1] - values[..., 0]) / (levels[1] - levels[0])
    high_slope = (values[..., -1] - values[..., -2]) / (levels[-1] - levels[-2])
    extended = np.concatenate(
        [
            (values[..., 0] - levels[0] * low_slope)[..., None],
            values,
            (values[..., -1] + (1.0 - levels[-1]) * high_slope)[..., None],
        ],
        axis=-1,
    )
    grid = np.concatenate([[0.0], levels, [1.0]])
    upper = np.clip(np.searchsorted(grid, u, side="right"), 1, len(grid) - 1)
    lower = upper - 1
    weight = (u - grid[lower]) / (grid[upper] - grid[lower])
    left = np.take_along_axis(extended, lower[..., None], axis=-1)[..., 0]
    right = np.take_along_axis(extended, upper[..., None], axis=-1)[..., 0]
    return left + weight * (right - left)


def _context(forecaster: Any, context: Any) -> tuple[np.ndarray, pd.DatetimeIndex | None, Any, Any]:
    """Raw history ``[n_rows, n_targets]``, its dates, its series id and the scaler to use."""
    n_targets = len(forecaster.targets_)
    if context is None:
        series = getattr(forecaster, "data_", None)
        if series is None:
            series = getattr(forecaster, "tail_", None)
        if series is None:
            raise ForecasterError("this Forecaster keeps no fit data; pass `context` with the recent history.")
        return _from_series(forecaster, series)
    if isinstance(context, str | os.PathLike | pd.DataFrame):
        from forecaster.data.io import load_series

        series = load_series(
            context,
            target=list(forecaster.targets_),
            date_col=getattr(forecaster, "date_col_", None),
            id_col=getattr(forecaster, "id_col_", None),
        )
        if len(series.segments()) > 1:
            raise ForecasterError(
                "`context` holds several series; pass the rows of the one series to continue."
            )
        return _from_series(forecaster, series)
    try:
        values = np.asarray(context, np.float64)
    except (TypeError, ValueError):
        raise ForecasterError(
            f"`context` must be a DataFrame, a CSV path or an array of numbers (received {type(context).__name__})."
        ) from None
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2 or values.shape[1] != n_targets:
        raise ForecasterError(
            f"`context` must have shape [n_rows, {n_targets}] (one column per target; received {values.shape})."
        )
    if not np.isfinite(values).all():
        raise ForecasterError("`context` has NaN or infinite values; fill or drop them first.")
    return values, None, None, _scaler_for(forecaster, None)


def _from_series(forecaster: Any, series: Any) -> tuple[np.ndarray, Any, Any, Any]:
    series_id, start, stop = series.segments()[-1]
    values = np.asarray(series.values[start:stop, : len(forecaster.targets_)], np.float64)
    dates = None if series.dates is None else series.dates[start:stop]
    return values, dates, series_id, _scaler_for(forecaster, series_id)


def _scaler_for(forecaster: Any, series_id: Any) -> Any:
    """The fitted scaler of ``series_id`` (one scaler for single-series models)."""
    scalers = getattr(forecaster, "scalers_", None)
    if scalers is None:
        return forecaster.scaler_
    if len(scalers) == 1:
        return scalers[0]
    ids = list(getattr(forecaster, "series_ids_", []))
    if series_id is None:
        raise ForecasterError(
            "this model was fitted on several series; pass `context` as a DataFrame with its id column."
        )
    for sid, scaler in zip(ids, scalers, strict=False):
        if str(sid) == str(series_id):
            return scaler
    raise ForecasterError(f"series {series_id!r} was not seen at fit; its scaling is unknown.")


def _future_dates(forecaster: Any, dates: Any, steps: int) -> pd.DatetimeIndex | None:
    """``steps`` timestamps after the context's last date, on ``freq_`` (the median step without it)."""
    if dates is None or not len(dates):
        return None
    last = pd.Timestamp(dates[-1])
    freq = getattr(forecaster, "freq_", None)
    if freq is not None:
        return pd.date_range(last, periods=steps + 1, freq=freq)[1:]
    if len(dates) > 1:
        delta = pd.Timedelta(np.median(np.diff(pd.DatetimeIndex(dates).asi8)))
        return pd.DatetimeIndex([last + delta * (i + 1) for i in range(steps)])
    return None


def _paths_frame(
    forecaster: Any, paths: np.ndarray, dates: Any, series_id: Any, targets: Sequence[str]
) -> pd.DataFrame:
    n_paths, steps, _ = paths.shape
    future = _future_dates(forecaster, dates, steps)
    columns: dict[str, Any] = {}
    id_col = getattr(forecaster, "id_col_", None)
    if id_col is not None and series_id is not None:
        columns[id_col] = np.repeat(np.asarray([series_id], dtype=object), n_paths * steps)
    columns["path"] = np.repeat(np.arange(n_paths), steps)
    if future is None:
        columns["step"] = np.tile(np.arange(1, steps + 1), n_paths)
    else:
        columns[getattr(forecaster, "date_col_", None) or "date"] = np.tile(future.values, n_paths)
    for j, name in enumerate(targets):
        columns[name] = paths[:, :, j].reshape(-1)
    return pd.DataFrame(columns)


def plot_paths(
    forecaster: Any,
    paths: np.ndarray,
    *,
    context: Any = None,
    target: str | None = None,
    n_context: int | None = None,
    quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95),
    title: str | None = None,
) -> Any:
    """Fan chart of paths from :func:`sample_paths`, after the history they continue.

    Args:
        forecaster: the fitted ``Forecaster`` the paths came from.
        paths: ``[n_paths, steps, n_targets]`` raw paths.
        context: the same ``context`` given to :func:`sample_paths`.
        target: which target to draw (default: the first).
        n_context: history rows shown (default ``max(3 * steps, input_width_)``).
        quantiles: band levels of the fan.
        title: figure title.

    Returns:
        A matplotlib ``Figure``.

    Raises:
        ForecasterError: for an unknown target or a bad ``paths`` shape.
    """
    from forecaster.evaluation.plots import plot_fan

    targets = list(forecaster.targets_)
    name = targets[0] if target is None else target
    if name not in targets:
        raise ForecasterError(f"`target` must be one of {targets} (received target={target!r}).")
    paths = np.asarray(paths)
    if paths.ndim != 3 or paths.shape[2] != len(targets):
        raise ForecasterError(
            f"`paths` must have shape [n_paths, steps, {len(targets)}] (received {paths.shape})."
        )
    history, dates, _, _ = _context(forecaster, context)
    steps = paths.shape[1]
    shown = n_context or max(3 * steps, int(forecaster.input_width_))
    j = targets.index(name)
    future = _future_dates(forecaster, dates, steps)
    return plot_fan(
        None if dates is None else dates[-shown:],
        history[-shown:, j],
        future,
        paths[:, :, j],
        quantiles=quantiles,
        title=title,
        target=name,
    )


# ============================================================== discrete tokens


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
        if self.seed is not None:
            check_number("seed", self.seed, integer=True, low=0)

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
        if seed is not None:
            check_number("seed", seed, integer=True, low=0)
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

"""Classification figures: the confusion matrix and example sequences per class."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from forecaster.errors import ForecasterError
from forecaster.evaluation.plots.base import _figure, _set_suptitle, _set_title


def plot_confusion_matrix(
    cm: object,
    class_names: Sequence[str],
    *,
    normalize: bool = False,
    title: str | None = None,
) -> Figure:
    """Confusion matrix as a heat map with the counts (or row shares) written in.

    Args:
        cm: ``[n_classes, n_classes]`` counts, rows = true class, columns =
            predicted (as ``sklearn.metrics.confusion_matrix`` returns).
        class_names: one name per class, in the order of ``cm``.
        normalize: divide each row by its total (share of each true class).
        title: figure title; default ``"Confusion matrix"`` (plus "normalized
            by true class").

    Returns:
        The Figure (the matrix and a colour bar).

    Raises:
        ForecasterError: if ``cm`` is not square or does not match ``class_names``.
    """
    from sklearn.metrics import ConfusionMatrixDisplay

    mat = np.asarray(cm)
    names = [str(c) for c in class_names]
    if mat.ndim != 2 or mat.shape[0] != mat.shape[1] or mat.shape[0] != len(names):
        raise ForecasterError(
            f"`cm` must be square [n_classes, n_classes] with one entry of `class_names` per class "
            f"(received shape {mat.shape} and {len(names)} names)."
        )
    if normalize:
        totals = mat.sum(axis=1, keepdims=True).astype(np.float64)
        mat = np.divide(mat, totals, out=np.zeros(mat.shape), where=totals > 0)
    size = 3.0 + 0.5 * len(names)
    fig = _figure(size + 1.0, size)
    ax = fig.add_subplot()
    ConfusionMatrixDisplay(mat, display_labels=names).plot(
        ax=ax,
        cmap="Blues",
        colorbar=True,
        values_format=".2f" if normalize else None,
        xticks_rotation=45 if max(map(len, names), default=0) > 6 else "horizontal",
    )
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    default = "Confusion matrix (normalized by true class)" if normalize else "Confusion matrix"
    _set_title(ax, title or default)
    return fig


def _trim_padding(seq: np.ndarray, pad_value: float | None) -> np.ndarray:
    """Drop leading/trailing time steps whose features all equal ``pad_value``."""
    if pad_value is None:
        return seq
    is_pad = np.isnan(seq) if np.isnan(pad_value) else seq == pad_value
    real = np.flatnonzero(~is_pad.all(axis=1))
    return seq[real[0] : real[-1] + 1] if real.size else seq[:0]


def plot_class_examples(
    X: object,
    y: object,
    class_names: Sequence[str],
    *,
    per_class: int = 3,
    title: str | None = None,
    pad_value: float | None = 0.0,
    feature_names: Sequence[str] | None = None,
) -> Figure:
    """A grid of example sequences: one row per class, ``per_class`` columns.

    Args:
        X: sequences ``[n, length, n_features]`` (or ``[n, length]``), possibly padded.
        y: class of each sequence, ``[n]``: integer indices into ``class_names``
            or the names themselves.
        class_names: one name per class.
        per_class: examples shown per class (the first ones of that class).
        title: figure title; default ``"Examples per class"``.
        pad_value: time steps at the start or end whose features all equal this
            value are treated as padding and not drawn (``nan`` allowed);
            ``None`` draws every step.
        feature_names: legend names for the features (default ``feature 0``...).

    Returns:
        The Figure (``n_classes x per_class`` axes; empty cells for classes with
        fewer examples).

    Raises:
        ForecasterError: on mismatched shapes or a label outside ``class_names``.
    """
    arr = np.asarray(X, dtype=np.float64)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    labels = np.asarray(y)
    names = [str(c) for c in class_names]
    if arr.ndim != 3 or labels.shape != (arr.shape[0],):
        raise ForecasterError(
            f"`X` must be [n, length, n_features] and `y` [n] (received {arr.shape} and {labels.shape})."
        )
    if isinstance(per_class, bool) or not isinstance(per_class, int) or per_class < 1:
        raise ForecasterError(
            f"`per_class` must be an integer >= 1 (received per_class={per_class!r})."
        )
    if not names:
        raise ForecasterError("`class_names` is empty; pass one name per class.")
    if labels.size and not np.issubdtype(labels.dtype, np.integer):
        lookup = {name: i for i, name in enumerate(names)}
        unknown = sorted({str(v) for v in labels} - set(lookup))
        if unknown:
            raise ForecasterError(f"labels {unknown[:5]} are not in `class_names` {names}.")
        labels = np.array([lookup[str(v)] for v in labels])
    if labels.size and (labels.min() < 0 or labels.max() >= len(names)):
        raise ForecasterError(f"class indices in `y` must lie in 0..{len(names) - 1}.")
    n_feat = arr.shape[2]
    fnames = (
        list(feature_names)
        if feature_names is not None
        else [f"feature {j}" for j in range(n_feat)]
    )
    if len(fnames) != n_feat:
        raise ForecasterError(f"`feature_names` has {len(fnames)} names for {n_feat} features.")

    n_cls = len(names)
    fig = _figure(2.8 * per_class + 0.5, 1.9 * n_cls + 0.8)
    axes = fig.subplots(n_cls, per_class, squeeze=False, sharex=True)
    for c in range(n_cls):
        members = np.flatnonzero(labels == c)[:per_class]
        for k in range(per_class):
            ax = axes[c, k]
            if k < members.size:
                seq = _trim_padding(arr[members[k]], pad_value)
                for j in range(n_feat):
                    ax.plot(
                        np.arange(seq.shape[0]),
                        seq[:, j],
                        color=f"C{j % 10}",
                        linewidth=1.0,
                        label=fnames[j],
                    )
                _set_title(ax, f"{names[c]} #{members[k]}", fontsize=9)
            else:
                ax.text(
                    0.5,
                    0.5,
                    "no example",
                    ha="center",
                    va="center",
                    transform=ax.transAxes,
                    color="0.5",
                )
            ax.tick_params(labelsize=8)
            if k == 0:
                ax.set_ylabel(names[c])
            if c == n_cls - 1:
                ax.set_xlabel("time step")
    handles, labs = axes[0, 0].get_legend_handles_labels()
    if not handles:  # first class had no examples: take any populated axes
        for ax in axes.flat:
            handles, labs = ax.get_legend_handles_labels()
            if handles:
                break
    if handles:
        fig.legend(handles, labs, loc="outside lower center", ncol=min(n_feat, 6), fontsize=8)
    _set_suptitle(fig, title or "Examples per class")
    return fig

"""Write ``data/shapes_train.csv`` and ``data/shapes_test.csv``: a SYNTHETIC
sequence-classification set in the UCR "wide" layout.

Each row is one sequence of 64 steps: ``label,t0,t1,...,t63``. The label is a
string, one of ``sine``, ``square`` or ``sawtooth``; the values are one
waveform of that shape with a random number of cycles (1.5 to 4 per
sequence), phase, amplitude (0.5 to 2), vertical offset and Gaussian noise.
Classes are balanced (100 + 100 + 100 train rows, 50 + 50 + 50 test rows)
and rows are shuffled. Train and test come from one seeded generator, so the
two files never share a sequence. Regenerate with::

    .venv/bin/python data/make_classification.py

Example:
    >>> train = generate_shapes(6, seed=0)
    >>> train.shape
    (6, 65)
    >>> sorted(train["label"].unique())
    ['sawtooth', 'sine', 'square']
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 64
LENGTH = 64
CLASSES = ("sine", "square", "sawtooth")
N_TRAIN = 300
N_TEST = 150
OUT_DIR = Path(__file__).resolve().parent


def _waveform(shape: str, phase: np.ndarray) -> np.ndarray:
    """Unit-amplitude waveform of ``shape`` at ``phase`` (in cycles)."""
    if shape == "sine":
        return np.sin(2.0 * np.pi * phase)
    if shape == "square":
        return np.where(np.mod(phase, 1.0) < 0.5, 1.0, -1.0)
    return 2.0 * np.mod(phase, 1.0) - 1.0  # sawtooth


def generate_shapes(
    n_rows: int, seed: int | np.random.Generator = SEED, length: int = LENGTH
) -> pd.DataFrame:
    """Simulate ``n_rows`` labelled sequences (balanced classes, shuffled).

    Args:
        n_rows: number of sequences; a multiple of 3 gives exactly balanced classes.
        seed: an int seed or a NumPy ``Generator`` to draw from.
        length: steps per sequence (columns ``t0`` .. ``t{length-1}``).

    Returns:
        DataFrame ``[n_rows, 1 + length]``: ``label`` (str) then float columns,
        values rounded to 4 decimals.
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    labels = np.array([CLASSES[i % len(CLASSES)] for i in range(n_rows)])
    labels = labels[rng.permutation(n_rows)]
    steps = np.arange(length) / length
    rows = np.empty((n_rows, length))
    for i, label in enumerate(labels):
        cycles = rng.uniform(1.5, 4.0)
        start = rng.uniform(0.0, 1.0)
        amplitude = rng.uniform(0.5, 2.0)
        offset = rng.normal(0.0, 0.3)
        noise = rng.normal(0.0, rng.uniform(0.05, 0.25), size=length)
        rows[i] = offset + amplitude * _waveform(label, start + cycles * steps) + noise
    frame = pd.DataFrame(np.round(rows, 4), columns=[f"t{j}" for j in range(length)])
    frame.insert(0, "label", labels)
    return frame


def write_shapes(out_dir: str | Path = OUT_DIR, seed: int = SEED) -> tuple[Path, Path]:
    """Write ``shapes_train.csv`` (300 rows) and ``shapes_test.csv`` (150 rows).

    Args:
        out_dir: target folder.
        seed: seed of the single generator that draws train, then test.

    Returns:
        The train and test paths.
    """
    out_dir = Path(out_dir)
    rng = np.random.default_rng(seed)
    paths = (out_dir / "shapes_train.csv", out_dir / "shapes_test.csv")
    for path, n_rows in zip(paths, (N_TRAIN, N_TEST), strict=True):
        generate_shapes(n_rows, rng).to_csv(path, index=False, lineterminator="\n")
    return paths


def main(argv: list[str] | None = None) -> None:
    """Command line: ``make_classification.py [--out-dir DIR] [--seed S]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", default=str(OUT_DIR), help="output folder (default: data/)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default: {SEED})")
    args = parser.parse_args(argv)
    for path in write_shapes(args.out_dir, seed=args.seed):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()

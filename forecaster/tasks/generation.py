"""Sequence generation, kept importable from its old place.

Sampled forecast paths live in :mod:`forecaster.tasks.sampling` and the
character model in :mod:`forecaster.tasks.text`; this module re-exports them.
"""

from forecaster.tasks.sampling import SAMPLING_HEADS, plot_paths, sample_paths
from forecaster.tasks.text import FORMAT_VERSION, TokenGenerator, load_generator

__all__ = ["FORMAT_VERSION", "SAMPLING_HEADS", "TokenGenerator", "load_generator", "plot_paths", "sample_paths"]

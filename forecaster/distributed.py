"""Moved to :mod:`forecaster.training.distributed`; these names stay importable from here."""

from forecaster.training.distributed import fit_custom_loop, is_chief, multiworker_strategy

__all__ = ["fit_custom_loop", "is_chief", "multiworker_strategy"]

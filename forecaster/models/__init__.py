"""Recurrent model builders and their output heads.

``build_model`` lives in :mod:`forecaster.models.factory`, ``build_classifier`` in
:mod:`forecaster.models.classifier` (both importable from the factory), their
shared recurrent stack in :mod:`forecaster.models.recurrent`, the custom layers in
:mod:`forecaster.models.layers`; the heads, their losses and the helpers that read
them back (``loss_for``, ``head_of``, ``point_forecast``) in :mod:`forecaster.models.heads`.
Importing this package registers the custom layers and losses with Keras, which
loading a saved ``.keras`` model needs.
"""

from forecaster.models.factory import build_classifier, build_model
from forecaster.models.heads import head_of, loss_for, point_forecast

__all__ = ["build_classifier", "build_model", "head_of", "loss_for", "point_forecast"]

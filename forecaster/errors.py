"""The exception types for mistakes a user can cause.

Library code raises :class:`ForecasterError` with one sentence that says what
is wrong and how to fix it; the CLI prints it as ``error: ...`` and exits 2.
Bugs in the toolkit itself raise ordinary exceptions.
"""


class ForecasterError(ValueError):
    """A user-facing error: bad input data, bad option value, missing run."""


class NotFittedError(ForecasterError, AttributeError):
    """An estimator was used before ``fit`` (or ``load``); like scikit-learn's ``NotFittedError``."""

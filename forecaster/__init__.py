"""forecaster: time-series forecasting with recurrent networks on Keras 3 and TensorFlow.

The public names are listed in ``__all__``. Heavy modules (TensorFlow, Keras,
pandas) are imported only when a name that needs them is first used, so
``import forecaster`` and ``forecaster --help`` stay fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from forecaster.errors import ForecasterError, NotFittedError
from forecaster.logs import quiet_tensorflow as _quiet_tensorflow
from forecaster.logs import set_log_level

_quiet_tensorflow()  # TensorFlow logs only errors unless FORECASTER_TF_LOGS=1 (see forecaster.logs)

__version__ = "0.1.0"

__all__ = [
    "Forecaster",
    "ForecasterError",
    "NotFittedError",
    "SequenceClassifier",
    "TokenGenerator",
    "__version__",
    "build_classifier",
    "build_model",
    "load",
    "load_classifier",
    "load_generator",
    "make_windows",
    "set_log_level",
    "train",
]

# public name -> module that defines it (imported on first access)
_LAZY = {
    "Forecaster": "forecaster.forecaster",
    "load": "forecaster.runs",
    "make_windows": "forecaster.data.windowing",
    "build_model": "forecaster.models.factory",
    "build_classifier": "forecaster.models.factory",
    "train": "forecaster.training",
    "SequenceClassifier": "forecaster.tasks.classification",
    "TokenGenerator": "forecaster.tasks.text",
    "load_classifier": "forecaster.tasks.classification",
    "load_generator": "forecaster.tasks.text",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'forecaster' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

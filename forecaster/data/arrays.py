"""Series given as arrays: one array is one series, a list of arrays a panel.

The one reader of that convention for the functions that take either
(:func:`forecaster.data.seasons.choose_seasons`, the MASE scale of
:mod:`forecaster.evaluation.metrics`), so both accept and reject the same inputs.

Example:
    >>> import numpy as np
    >>> [a.shape for a in series_arrays([np.zeros(3), np.zeros((4, 2))], "values")]
    [(3, 1), (4, 2)]
    >>> [a.shape for a in series_arrays([1.0, 2.0, 3.0], "values")]
    [(3, 1)]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecaster.errors import ForecasterError


def series_arrays(values: object, name: str) -> list[np.ndarray]:
    """Each series of ``values`` as a float64 ``[n_rows, n_columns]`` array.

    A non-empty list or tuple of arrays (NumPy, Series or DataFrame) is a panel,
    one series per item; anything else is one series (a plain list of numbers too).

    Raises:
        ForecasterError: when a series is not 1-D or 2-D (``name`` is the argument's name).
    """
    panel = (
        isinstance(values, list | tuple)
        and len(values) > 0
        and all(isinstance(part, np.ndarray | pd.Series | pd.DataFrame) for part in values)
    )
    arrays = []
    for part in list(values) if panel else [values]:
        arr = np.asarray(part, dtype=np.float64)
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2:
            raise ForecasterError(
                f"`{name}` must have shape [n_rows, n_targets] or [n_rows], or be a list of such "
                f"arrays for several series (received shape {arr.shape})."
            )
        arrays.append(arr)
    return arrays

"""Strict JSON of run files: NaN / inf written as null, reads checked for size, nesting and type."""

from __future__ import annotations

import json
import math
import os
from typing import Any

from forecaster.errors import ForecasterError

__all__ = ["MAX_JSON_BYTES", "MAX_JSON_DEPTH", "dumps_json", "read_json", "versions", "write_json"]

# Limits for reading a run's JSON: what forecaster writes stays far below them;
# a bigger or deeper file is damaged or hostile, and is refused before it costs memory or a RecursionError.
MAX_JSON_BYTES = 256 << 20
MAX_JSON_DEPTH = 32


def write_json(path: str | os.PathLike, payload: dict[str, Any]) -> None:
    """Write ``payload`` as indented UTF-8 JSON; NaN / inf become null (strict JSON)."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(dumps_json(payload))
        handle.write("\n")


def dumps_json(payload: Any, indent: int | None = 2) -> str:
    """Strict JSON text: NaN and infinities become ``null``.

    Python's ``json`` would write the non-standard tokens ``NaN`` / ``Infinity``,
    which strict readers (JavaScript, jq, most other languages) reject; a metric
    that is undefined (e.g. MASE on a constant series) is ``null`` instead.
    """
    return json.dumps(_finite(payload), indent=indent, ensure_ascii=False, default=_json_default, allow_nan=False)


def read_json(path: str | os.PathLike) -> dict[str, Any]:
    """Read a JSON object from a run directory (size, nesting and type checked).

    Raises:
        ForecasterError: naming the file, if it cannot be read, is not UTF-8 JSON,
            is too large or too deeply nested, or holds something other than an object.
    """
    name = os.fspath(path)
    damaged = "the run directory is damaged or was edited"
    try:
        size = os.path.getsize(name)
        if size > MAX_JSON_BYTES:
            raise ForecasterError(f"'{name}' has {size} bytes, more than a run file may have ({MAX_JSON_BYTES}); {damaged}.")
        with open(name, "rb") as handle:
            data = json.loads(handle.read().decode("utf-8"))
    except ForecasterError:
        raise
    except RecursionError:
        raise ForecasterError(f"'{name}' is nested too deeply to be a run file; {damaged}.") from None
    except UnicodeDecodeError:
        raise ForecasterError(f"'{name}' is not UTF-8 text; {damaged}.") from None
    except ValueError as exc:
        raise ForecasterError(f"'{name}' is not valid JSON ({_first_line(exc)}); {damaged}.") from None
    except OSError as exc:
        raise ForecasterError(f"could not read '{name}' ({exc.strerror or exc}); check the run directory.") from None
    if _depth(data) > MAX_JSON_DEPTH:
        raise ForecasterError(f"'{name}' is nested more than {MAX_JSON_DEPTH} levels deep; {damaged}.")
    if not isinstance(data, dict):
        raise ForecasterError(f"'{name}' holds a JSON {_json_type(data)}, not an object; {damaged}.")
    return data


def _depth(value: Any) -> int:
    """Nesting depth of parsed JSON, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level <= MAX_JSON_DEPTH:
                stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = text.rstrip(".").replace(". ", "; ")
    return text if len(text) <= 200 else text[:197] + "..."


def _finite(value: Any) -> Any:
    """NaN / inf become None so strict JSON readers accept the file."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if type(value).__module__ == "numpy" and hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return _finite(value.item())
    return value


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return _finite(value.tolist())
    if type(value).__name__ == "Timestamp":
        return str(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def versions() -> dict[str, str]:
    """Versions of the packages a saved run depends on (recorded in its JSON)."""
    import keras
    import numpy
    import pandas
    import tensorflow

    from forecaster import __version__

    return {
        "forecaster": __version__,
        "tensorflow": tensorflow.__version__,
        "keras": keras.__version__,
        "numpy": numpy.__version__,
        "pandas": pandas.__version__,
    }

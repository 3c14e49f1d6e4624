"""CSV dialect detection: the column separator and decimal mark a file proves, or an error.

Separators (``,`` ``;`` tab ``|``) and the decimal mark (``.`` or ``,``) are
read from the first 64 KiB; ambiguous evidence stops reading and asks for
``sep=`` / ``decimal=`` (CLI ``--sep`` / ``--decimal``) instead of guessing.
"""

from __future__ import annotations

import csv
import io
import re

from forecaster.data.columns import _show
from forecaster.errors import ForecasterError

SEPARATORS = (",", ";", "\t", "|")
DECIMALS = (".", ",")
_SNIFF_BYTES = 1 << 16
_SNIFF_ROWS = 1000

# Numbers as written in CSV cells, classified by what they prove about the decimal mark.
_COMMA_DECIMAL = re.compile(r"[+-]?(?:\d+|[1-9]\d{0,2}(?:\.\d{3})+),\d+")  # 1,5  0,125  1.234,5
_DOT_DECIMAL = re.compile(
    r"[+-]?(?:(?:\d+|[1-9]\d{0,2}(?:,\d{3})+)\.\d+|\d+(?:\.\d*)?[eE][+-]?\d+|\.\d+)"  # 1.5  1,234.5  1e5
)
_ONE_GROUP = re.compile(r"[+-]?[1-9]\d{0,2}([.,])\d{3}")  # 1,234 or 1.234: decimal or thousands?
_GROUPS = re.compile(r"[+-]?[1-9]\d{0,2}(?:([.,])\d{3})(?:\1\d{3})+")  # 1,234,567: thousands mark


def _check_dialect_args(sep: str | None, decimal: str | None) -> tuple[str | None, str | None]:
    if sep is not None:
        if not isinstance(sep, str):
            raise ForecasterError(f"`sep` must be one character such as ',' or ';' (received sep={sep!r}).")
        sep = {"\\t": "\t", "tab": "\t"}.get(sep.lower(), sep)
        if len(sep) != 1 or sep in "\"'\r\n" or sep.isalnum():
            raise ForecasterError(f"`sep` must be one character such as ',' or ';' (received sep={sep!r}).")
    if decimal is not None and decimal not in DECIMALS:
        raise ForecasterError(f"`decimal` must be '.' or ',' (received decimal={decimal!r}).")
    if sep is not None and sep == decimal == ".":
        raise ForecasterError("`sep` and `decimal` cannot both be '.'.")
    return sep, decimal


def _sample_text(path: str) -> str | None:
    """The file's first complete lines (up to 64 KiB) as text, or ``None`` if unreadable."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(_SNIFF_BYTES + 1)
    except OSError:
        return None  # pandas reports the problem in its own words
    if len(raw) > _SNIFF_BYTES:
        raw = raw[: raw.rfind(b"\n", 0, _SNIFF_BYTES) + 1] or raw[:_SNIFF_BYTES]
    return raw.decode("utf-8-sig", errors="replace")


class _Row(list):
    """The fields of one CSV record, and the file line it ends on."""

    def __init__(self, fields: list[str], line: int) -> None:
        super().__init__(fields)
        self.line = line


def _split_rows(text: str, sep: str) -> list[list[str]] | None:
    """The sample split at ``sep`` (quotes respected, blank lines dropped), or ``None``."""
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
        rows = []
        for row in reader:
            if row and any(field.strip() for field in row):
                rows.append(_Row(row, reader.line_num))
            if len(rows) >= _SNIFF_ROWS:
                break
        return rows
    except csv.Error:
        return None


def _detect_dialect(path: str, text: str | None, sep: str | None, decimal: str | None) -> tuple[str, str]:
    """The separator and decimal mark of a CSV file: given, proven by the sample, or an error."""
    if text is None or not text.strip():
        return sep or ",", decimal or "."
    name = _show(path)
    if sep is None:
        split = {c: _split_rows(text, c) for c in SEPARATORS}
        # A separator is consistent when it splits the header and every sampled row
        # into the same number (> 1) of fields.
        consistent = [
            c for c, rows in split.items()
            if rows and len(rows[0]) > 1 and all(len(r) == len(rows[0]) for r in rows)
        ]
        if len(consistent) > 1:
            shown = " and ".join(repr(c) for c in consistent)
            raise ForecasterError(
                f"cannot tell the column separator of '{name}': {shown} both split every line into "
                "equal columns; pass sep=',' or the right one (CLI: --sep)."
            )
        sep = consistent[0] if consistent else ","
    rows = _split_rows(text, sep) or []
    if rows:
        wider = next((r for r in rows[1:] if len(r) > len(rows[0])), None)
        if wider is not None:
            # pandas would silently turn the extra field into the row index.
            raise ForecasterError(
                f"could not read '{name}' as CSV (line {wider.line} has {len(wider)} fields but the header "
                f"has {len(rows[0])} when split at {sep!r}); pass the right separator and decimal mark "
                "with sep= and decimal= (CLI: --sep, --decimal)."
            )
    if decimal is None:
        decimal = _detect_decimal(name, sep, rows[1:])
    return sep, decimal


def _detect_decimal(name: str, sep: str, rows: list[list[str]]) -> str:
    """The decimal mark proven by the sampled cells, ``"."`` when none proves anything."""
    comma, dot, ambiguous = None, None, None
    for row in rows:
        for cell in row:
            token = cell.strip()
            if not token or not (token[0].isdigit() or token[0] in "+-."):
                continue
            groups = _GROUPS.fullmatch(token)
            if groups:  # 1,234,567 or 1.234.567: the repeated mark is the thousands mark
                if groups.group(1) == ",":
                    dot = dot or token
                else:
                    comma = comma or token
            elif _ONE_GROUP.fullmatch(token):
                ambiguous = ambiguous or token
            elif _COMMA_DECIMAL.fullmatch(token):
                comma = comma or token
            elif _DOT_DECIMAL.fullmatch(token):
                dot = dot or token
    if comma and dot:
        raise ForecasterError(
            f"'{name}' mixes decimal points ({dot!r}) and decimal commas ({comma!r}); "
            "pass decimal='.' or decimal=',' (CLI: --decimal) after making the file consistent."
        )
    if comma:
        return ","
    if dot:
        return "."
    if ambiguous and not (sep == "," and "," not in ambiguous):
        # In a comma-separated file an unquoted 1.234 can only be a decimal point.
        raise ForecasterError(
            f"cannot tell whether {ambiguous[_ONE_GROUP.fullmatch(ambiguous).start(1)]!r} in values "
            f"like {ambiguous!r} in '{name}' is a decimal mark or a thousands separator; "
            "pass decimal='.' or decimal=',' (CLI: --decimal)."
        )
    return "."

"""Reading numbers as people type them in Vietnamese and English spreadsheets.

"56,83%", "56.83", "1.234,5" (Vietnamese thousands dot, decimal comma), "1,234.5", "56.039" as a dossier
count. Whether a lone "." or "," is a decimal or a thousands separator depends on what the column holds:
a count is a whole number, so "56.039" in a count column is 56039; in a measure column it is 56.039.
"""

from __future__ import annotations

import re

from dxtrack.core.errors import DataError

MISSING = {"", "na", "n/a", "nan", "null", "none", "-", "–", "—", "..", "...", "x"}
_GROUPED = {".": re.compile(r"^\d{1,3}(\.\d{3})+$"), ",": re.compile(r"^\d{1,3}(,\d{3})+$")}


def parse_number(text: object, *, kind: str = "measure", where: dict | None = None) -> float | None:
    """A float, or None where the cell is blank or a missing-value marker.

    kind "measure": a single "." or "," is the decimal separator; with both, the last one is.
    kind "count": a whole, non-negative number; "." and "," can only be thousands separators.
    `where` (file, row, column) goes into the DataError raised for anything unreadable.
    """
    where = where or {}
    if text is None:
        return None
    raw = str(text)
    s = raw.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").strip()
    if s.lower() in MISSING:
        return None
    if s.endswith("%"):
        s = s[:-1]
    sign = ""
    if s[:1] and s[0] in "+-":
        sign, s = s[0].replace("+", ""), s[1:]
    if not s or not re.fullmatch(r"[\d.,]+", s) or not s[0].isdigit():
        raise DataError("not a number", value=raw, **where)
    if kind == "count":
        value = _count(s, raw, where)
    else:
        value = _measure(s, raw, where)
    if sign == "-" and kind == "count":
        raise DataError("a count cannot be negative", value=raw, **where)
    return -value if sign == "-" else value


def _count(s: str, raw: str, where: dict) -> float:
    if s.isdigit():
        return float(s)
    for sep, pattern in _GROUPED.items():
        if pattern.match(s):
            return float(s.replace(sep, ""))
    raise DataError("a count must be a whole number (thousands may be grouped with '.' or ',')", value=raw, **where)


def _measure(s: str, raw: str, where: dict) -> float:
    dots, commas = s.count("."), s.count(",")
    if dots and commas:
        decimal = "." if s.rfind(".") > s.rfind(",") else ","
        thousands = "," if decimal == "." else "."
        head, _, tail = s.rpartition(decimal)
        if not _GROUPED[thousands].match(head) or not tail.isdigit():
            raise DataError("ambiguous separators in number", value=raw, **where)
        return float(head.replace(thousands, "") + "." + tail)
    if commas == 1:
        return float(s.replace(",", "."))
    if dots == 1 or (not dots and not commas):
        return float(s)
    sep = "." if dots else ","
    if _GROUPED[sep].match(s):
        return float(s.replace(sep, ""))
    raise DataError("not a number", value=raw, **where)

"""The words of the scorecard and task sections: keys `sub.*` of report/labels.yaml, in Vietnamese and English.

A thin door so the CLI and the report say `w("state.overdue", lang)` rather than repeating the prefix.
"""

from __future__ import annotations

from dxtrack.report.labels import t


def w(key: str, lang: str, **fields) -> str:
    """The words for `sub.<key>` in `lang`, placeholders filled."""
    return t(f"sub.{key}", lang, **fields)

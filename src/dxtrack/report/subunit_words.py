"""The words of the scorecard and task sections: keys `sub.*` of report/labels.yaml, in Vietnamese and English.

A thin door so the CLI and the report say `w("state.overdue", lang)` rather than repeating the prefix.
"""

from __future__ import annotations

from dxtrack.report.labels import fmt_number, t


def w(key: str, lang: str, **fields) -> str:
    """The words for `sub.<key>` in `lang`, placeholders filled."""
    return t(f"sub.{key}", lang, **fields)


def distribution_line(row: dict, lang: str) -> str:
    """'n units, median …, from … to …' for one scorecard_distribution row (points to two decimals)."""
    return w(
        "distribution.line",
        lang,
        units=row["units"],
        median=fmt_number(row["median"], lang, 2),
        low=fmt_number(row["min"], lang, 2),
        high=fmt_number(row["max"], lang, 2),
    )

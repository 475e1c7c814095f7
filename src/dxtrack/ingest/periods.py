"""Reference periods: a full calendar year, or a part of one (quarter, half, month, a span of days).

Accepted forms, optionally followed by a note in parentheses: YYYY, YYYY-Qn, YYYY-Hn, YYYY-MM, YYYY-MM-DD,
and spans A..B of those. Only a bare "YYYY" (or a span covering 1 Jan to 31 Dec) is a full year: a
"YYYY (to date, reported 11 Nov)" is a partial year, because the note says so. Texts the rules would
misread are listed, with the reason, under `periods:` in data/raw/series.yaml.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from dxtrack.core.errors import DataError

_TOKEN = re.compile(r"^(\d{4})(?:-(Q[1-4]|H[12]|\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    label: str
    whole: bool = True  # False where a note says the span is only partly covered ("2024 (to Jul)")

    @property
    def full_year(self) -> bool:
        spans_year = (self.start.month, self.start.day, self.end.month, self.end.day) == (1, 1, 12, 31)
        return self.whole and spans_year and self.start.year == self.end.year


def _bounds(token: str) -> tuple[date, date]:
    m = _TOKEN.match(token)
    if not m:
        raise ValueError(token)
    year, part, day = int(m[1]), m[2], m[3]
    if part is None:
        return date(year, 1, 1), date(year, 12, 31)
    if part.startswith("Q"):
        q = int(part[1])
        return date(year, 3 * q - 2, 1), date(year, 3 * q, calendar.monthrange(year, 3 * q)[1])
    if part.startswith("H"):
        h = int(part[1])
        return (date(year, 1, 1), date(year, 6, 30)) if h == 1 else (date(year, 7, 1), date(year, 12, 31))
    month = int(part)
    if day is not None:
        d = date(year, month, int(day))
        return d, d
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def parse_period(text: str | None, year: int, overrides: dict | None = None, *, where: dict | None = None) -> Period:
    """The period a row covers. A blank period means the full reference `year`."""
    where = where or {}
    label = (text or "").strip()
    if not label:
        return Period(date(year, 1, 1), date(year, 12, 31), str(year))
    if overrides and label in overrides:
        o = overrides[label]
        return Period(date.fromisoformat(str(o["start"])), date.fromisoformat(str(o["end"])), label)
    head, _, note = label.partition("(")
    head = head.strip()
    try:
        if ".." in head:
            a, b = head.split("..", 1)
            start, end = _bounds(a.strip())[0], _bounds(b.strip())[1]
        else:
            start, end = _bounds(head)
    except ValueError:
        raise DataError(
            "unreadable period; use YYYY, YYYY-Qn, YYYY-Hn, YYYY-MM, YYYY-MM-DD or A..B", value=text, **where
        ) from None
    # "2024 (to Jul …)": a note on a bare year marks a part of the year whose end the text does not fix.
    whole = not (note.strip() and re.fullmatch(r"\d{4}", head))
    if start > end:
        raise DataError("period starts after it ends", value=text, **where)
    if end.year != year and start.year != year:
        raise DataError(f"period does not fall in the row's year {year}", value=text, **where)
    return Period(start, end, label, whole)

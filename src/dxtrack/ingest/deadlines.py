"""Deadlines as plans write them, read into due dates; recurring ones expanded into occurrences.

Accepted (Vietnamese or English, case and accents as typed):
  "trước ngày 20/5/2022", "before 20/5/2022"      -> due 19/5/2022 (before a day = by the day before)
  "ngày 20/5/2022", "by 20/5/2022", "2022-05-20"   -> due 20/5/2022
  "quý I/2023", "trong quý I/2023", "Q1/2023"      -> due on the quarter's last day
  "năm 2023", "in 2023"                            -> due 31/12/2023
  "hàng quý, trước ngày 20 của tháng cuối quý", "quarterly, before the 20th of the last month of each quarter"
                                                   -> every quarter, due the 19th of its last month
  "hàng năm, trước ngày 30/11", "yearly, before 30/11" -> every year, due 29 November
A due date is the last day on which doing the task is on time; a recurring deadline needs the window
(from, to) its occurrences fall in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from dxtrack.core.errors import DataError
from dxtrack.core.names import clean_text, strip_accents

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_DMY = r"(\d{1,2})/(\d{1,2})/(\d{4})"


@dataclass(frozen=True)
class Deadline:
    text: str
    kind: str  # "once" or "quarterly" or "yearly"
    due: date | None = None  # kind "once"
    day: int | None = None  # recurring: day of the month the occurrence is due
    month: int | None = None  # yearly: month it is due

    def occurrences(self, start: date, end: date) -> list[date]:
        """Due dates in [start, end]; a one-off deadline is its own single occurrence."""
        if self.kind == "once":
            assert self.due is not None  # parse_deadline sets due for kind "once"
            return [self.due]
        day, month = self.day, self.month
        if self.kind == "quarterly":
            assert day is not None  # parse_deadline sets day for a recurring kind
            dates = [date(y, m, day) for y in range(start.year, end.year + 1) for m in (3, 6, 9, 12)]
        else:
            assert day is not None and month is not None  # and month for kind "yearly"
            dates = [date(y, month, day) for y in range(start.year, end.year + 1)]
        return [d for d in dates if start <= d <= end]


def _norm(text: str) -> str:
    return " ".join(strip_accents(clean_text(text)).lower().replace(",", " ").split())


def _date(day: str, month: str, year: str, before: bool, text: str, where: dict) -> date:
    try:
        d = date(int(year), int(month), int(day))
    except ValueError:
        raise DataError("not a calendar date", value=text, **where) from None
    return d - timedelta(days=1) if before else d


def _quarter_end(q: int, year: int) -> date:
    return date(year, 3 * q, 31 if q in (1, 4) else 30)


def parse_deadline(text: str, *, where: dict | None = None) -> Deadline:
    where = where or {}
    s = _norm(text or "")
    if not s:
        raise DataError("missing deadline", value=text, **where)
    before = bool(re.search(r"\b(truoc|before)\b", s))
    if re.search(r"\b(hang quy|quarterly|moi quy|each quarter)\b", s):
        m = re.search(r"(?:ngay|the)\s*(\d{1,2})", s)
        if not m or not re.search(r"(thang cuoi quy|last month)", s):
            raise DataError("a quarterly deadline names a day of the quarter's last month", value=text, **where)
        day = int(m[1]) - (1 if before else 0)
        if not 1 <= day <= 28:  # every month has the day, so every quarter has an occurrence
            raise DataError("a quarterly deadline's day must fall on days 1-28", value=text, **where)
        return Deadline(clean_text(text), "quarterly", day=day)
    if re.search(r"\b(hang nam|yearly|annually|moi nam|each year)\b", s):
        m = re.search(r"(\d{1,2})/(\d{1,2})(?!/)", s)
        if not m:
            raise DataError("a yearly deadline names a day and month (dd/mm)", value=text, **where)
        d = _date(m[1], m[2], "2001", before, text, where)  # a non-leap year: 29/2 is refused
        return Deadline(clean_text(text), "yearly", day=d.day, month=d.month)
    m = re.search(_DMY, s)
    if m:
        return Deadline(clean_text(text), "once", due=_date(m[1], m[2], m[3], before, text, where))
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", s)
    if m:
        return Deadline(clean_text(text), "once", due=_date(m[3], m[2], m[1], False, text, where))
    m = re.search(r"\b(?:quy\s+(i{1,3}|iv|[1-4])|q([1-4]))\s*/\s*(\d{4})", s)
    if m:
        q = _ROMAN.get(m[1], None) if m[1] and not m[1].isdigit() else int(m[1] or m[2])
        assert q is not None  # the pattern admits only the roman numerals of _ROMAN
        return Deadline(clean_text(text), "once", due=_quarter_end(q, int(m[3])))
    m = re.fullmatch(r"(?:trong\s+)?(?:nam|in)\s+(\d{4})", s)
    if m:
        return Deadline(clean_text(text), "once", due=date(int(m[1]), 12, 31))
    raise DataError(
        "unreadable deadline; e.g. 'trước ngày 20/5/2022', 'quý I/2023', 'năm 2023', "
        "'hàng quý, trước ngày 20 của tháng cuối quý', 'hàng năm, trước ngày 30/11'",
        value=text,
        **where,
    )

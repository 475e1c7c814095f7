"""Words the scheme, score and task code agree on (keys only; report/subunit_words.py gives them vi/en text).

Units below the province have a level (what they are) and a unit type (which scheme may score them): Lâm Đồng
scores departments with administrative procedures on 1,000 points and those without on 800, so "department"
alone cannot say which scheme applies.
"""

from __future__ import annotations

LEVELS = ("country", "province", "department", "district", "commune")
UNIT_TYPES = (
    "country",
    "province",
    "department",
    "department_with_procedures",
    "department_without_procedures",
    "district",
    "commune",
)
LEVEL_OF_TYPE = {
    "country": "country",
    "province": "province",
    "department": "department",
    "department_with_procedures": "department",
    "department_without_procedures": "department",
    "district": "district",
    "commune": "commune",
}

# Reporting periods a scheme can state; a score's period must be one of its scheme's.
PERIOD_KINDS = ("quarter", "half_year", "year")

# How much of a ranking a source publishes: every unit ("complete") or a top/bottom list ("partial"). Ranks and
# distributions are computed only from complete rankings; a partial list keeps the ranks it published.
COVERAGE = ("complete", "partial")
POSITIONS = ("last",)  # a published position that is not a number ("xếp cuối cùng")

# Task registers: what a researcher records, and what the model derives as of a date.
UPDATE_STATUSES = ("done", "in_progress", "not_started")
TASK_STATES = ("overdue", "due_soon", "open", "done_late", "done_on_time")  # report order: overdue first

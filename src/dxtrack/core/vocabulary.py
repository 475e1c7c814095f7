"""The project's shared words, each written once: maps, the map-for-a-date rule, status keys, figure identity.

Everything here is a fact other packages agree on; none of it is configurable (tunable numbers live in
params.yaml, words a reader sees live in report/labels.yaml).
"""

from __future__ import annotations

from datetime import date

# ---- maps ------------------------------------------------------------------------------------------------
# "63": the provinces before 1 July 2025; "34": the units of Resolution 202/2025/QH15; "VN": the country.
MAPS = ("63", "34")
MAP_SIZES = {"63": 63, "34": 34}
COUNTRY_MAP = "VN"
COUNTRY_CODE = "VN"
ALL_MAPS = (*MAPS, COUNTRY_MAP)


def map_for_period_end(end: date, merger_date: date) -> str:
    """The map a figure belongs to when its source does not say: periods ending before the merger are on the
    63-unit map, later ones on the 34-unit map."""
    return "63" if end < merger_date else "34"


def map_for_document(document_date: date | None, merger_date: date) -> str:
    """The map in force when a document was issued; an undated document is taken as pre-merger."""
    return "34" if document_date is not None and document_date >= merger_date else "63"


def rank_of(map_: str) -> int | None:
    """How many units a ranking on `map_` ranks (None for the country, which is not ranked)."""
    return MAP_SIZES.get(map_)


# ---- statuses (model/pace.py decides them; report/labels.yaml words them) ---------------------------------
STATUSES = (
    "achieved",
    "met so far",
    "on track",
    "acceleration needed",
    "too slow",
    "regressing",
    "year passed, pending",
    "insufficient data",
    "no data",
    "not assessable",
)
# achieved: met in the target year (observed) · met so far: already at the target, its year still ahead ·
# on track / acceleration needed / too slow / regressing: pace and P(meet) read together (model/pace.py) ·
# year passed, pending: the target year is over, its figure not yet published (the forecast of that year
# stands in) · insufficient data: one point, no pace · no data · not assessable: no numeric target or year.

# ---- the identity of one figure: the same series, unit and period is the same figure -----------------------
# `period_key` is "" for an exact period and the period's label for a vague one ("2024 (to Jul)").
FIGURE_IDENTITY = ["map", "province_code", "indicator", "series", "period_start", "period_end", "period_key"]

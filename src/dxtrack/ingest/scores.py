"""Unit scores as published (layout `unit_scores`): totals, and components where published, checked against
their scheme.

One row per unit, period and item: `component` blank for the unit's total, else a main index or component id of
the scheme. A source folder says whether it publishes whole rankings (`coverage: complete`) or top/bottom lists
(`coverage: partial`); only complete ones are ranked by the model, partial ones keep the ranks they published.

Checked here, each failure a DataError naming file, row, column and value: a scheme that does not exist, a unit of
another province or of a type the scheme does not score, a period the scheme does not report or outside its
validity, a score above the scheme's total or an item's maximum, components that do not add up to the total,
the same figure twice, and published ranks that contradict the published scores.
"""

from __future__ import annotations

import re
from datetime import date
from functools import partial
from pathlib import Path

import polars as pl

from dxtrack.core.errors import DataError, DataErrors, location
from dxtrack.core.subunits import COVERAGE, POSITIONS
from dxtrack.ingest.cells import read_table, require_columns
from dxtrack.ingest.numbers import parse_number
from dxtrack.ingest.periods import parse_period
from dxtrack.ingest.subunits import Subunits

COLUMNS = [
    "scheme_id",
    "period",
    "unit",
    "component",
    "score",
    "published_rank",
    "published_position",
    "source_url",
    "quote",
]
TOLERANCE = 0.01  # published points carry two decimals
_PERIOD = re.compile(r"^(\d{4})(?:-(Q[1-4]|H[12]))?$")
_KIND = {None: "year", "Q": "quarter", "H": "half_year"}

RAW_SCHEMA = {
    "source_row": pl.Int64,
    "scheme_id": pl.String,
    "period_label": pl.String,
    "period_kind": pl.String,
    "period_start": pl.Date,
    "period_end": pl.Date,
    "unit_name": pl.String,
    "component_id": pl.String,
    "score": pl.Float64,
    "published_rank": pl.Int64,
    "published_position": pl.String,
    "source_url": pl.String,
    "quote": pl.String,
}


def read_unit_scores(path: Path, entry: dict, display: str) -> pl.DataFrame:
    """The file as typed rows (numbers, periods, ranks read); names are resolved later by `check_scores`."""
    df, _ = read_table(path, display)
    require_columns(df, COLUMNS, display)
    rows, errors = [], []
    for r in df.iter_rows(named=True):
        where = partial(location, display, r["__row"])

        try:
            rows.append(_score_row(r, where))
        except DataError as exc:
            errors.append(exc)
    if errors:
        raise DataErrors(errors)
    return pl.DataFrame(rows, schema=RAW_SCHEMA)


def _score_row(r: dict, where) -> dict:
    for column in ("scheme_id", "period", "unit", "score", "source_url", "quote"):
        if not r[column]:
            raise DataError("missing", **where(column))
    m = _PERIOD.match(r["period"])
    if not m:
        raise DataError("unreadable period; use YYYY, YYYY-Qn or YYYY-Hn", value=r["period"], **where("period"))
    period = parse_period(r["period"], int(m[1]), where=where("period"))
    score = parse_number(r["score"], where=where("score"))
    if score is None or score < 0:
        raise DataError("a score is a number of points, zero or more", value=r["score"], **where("score"))
    rank = parse_number(r["published_rank"], kind="count", where=where("published_rank"))
    if rank is not None and rank < 1:
        raise DataError("ranks start at 1", value=r["published_rank"], **where("published_rank"))
    position = r["published_position"]
    if position is not None and position not in POSITIONS:
        raise DataError(f"expected one of {list(POSITIONS)} or blank", value=position, **where("published_position"))
    if not re.match(r"^https?://\S+$", r["source_url"]):
        raise DataError("not an http(s) URL", value=r["source_url"], **where("source_url"))
    return {
        "source_row": r["__row"],
        "scheme_id": r["scheme_id"],
        "period_label": r["period"],
        "period_kind": _KIND[m[2][0] if m[2] else None],
        "period_start": period.start,
        "period_end": period.end,
        "unit_name": r["unit"],
        "component_id": r["component"],
        "score": score,
        "published_rank": None if rank is None else int(rank),
        "published_position": position,
        "source_url": r["source_url"],
        "quote": r["quote"],
    }


def check_scores(
    raw: pl.DataFrame,
    *,
    source_id: str,
    entry: dict,
    display: str,
    schemes: pl.DataFrame,
    items: pl.DataFrame,
    units: Subunits,
) -> pl.DataFrame:
    """Raw score rows placed on their units and checked against their schemes (see the module docstring)."""
    coverage = entry.get("coverage")
    if coverage not in COVERAGE:
        raise DataError(
            f"a `unit_scores` source states its `coverage`: one of {list(COVERAGE)}",
            file=f"{Path(display).parent}/source.yaml",
            column="coverage",
            value=coverage,
        )
    by_id = {r["scheme_id"]: {**r, "_mains": set()} for r in schemes.iter_rows(named=True)}
    for r in items.filter(pl.col("kind") == "main").iter_rows(named=True):
        by_id[r["scheme_id"]]["_mains"].add(r["item_id"])
    maxima = {(r["scheme_id"], r["item_id"]): r["max_points"] for r in items.iter_rows(named=True)}
    rows, errors = [], []
    for r in raw.iter_rows(named=True):
        where = partial(location, display, r["source_row"])

        try:
            rows.append(_placed(r, by_id, maxima, units, where))
        except DataError as exc:
            errors.append(exc)
    if errors:
        raise DataErrors(errors)
    placed = pl.DataFrame(
        rows, schema={**RAW_SCHEMA, "unit_id": pl.String, "unit_type": pl.String, "province_code": pl.String}
    )
    placed = placed.with_columns(
        pl.lit(source_id).alias("source_id"),
        pl.lit(coverage).alias("coverage"),
        pl.lit(bool(entry.get("synthetic", False))).alias("synthetic"),
    )
    for check in (_no_repeats, _components_add_up, _ranks_agree):
        errors.extend(check(placed, by_id, maxima, display))
    if errors:
        raise DataErrors(errors)
    return placed.sort("scheme_id", "period_start", "unit_id", "component_id", nulls_last=False)


def _placed(r: dict, schemes: dict, maxima: dict, units: Subunits, where) -> dict:
    scheme = schemes.get(r["scheme_id"])
    if scheme is None:
        raise DataError(
            f"no such scheme in data/raw/schemes/; known: {sorted(schemes)}", value=r["scheme_id"], **where("scheme_id")
        )
    if r["period_kind"] not in scheme["reporting"]:
        raise DataError(
            f"scheme {scheme['scheme_id']} reports by {scheme['reporting']}, not {r['period_kind']}",
            value=r["period_label"],
            **where("period"),
        )
    valid_to = scheme["valid_to"] or date.max
    if r["period_end"] < scheme["valid_from"] or r["period_start"] > valid_to:
        raise DataError(
            f"outside scheme {scheme['scheme_id']}'s validity ({scheme['valid_from']} to "
            f"{scheme['valid_to'] or 'open'})",
            value=r["period_label"],
            **where("period"),
        )
    level = {"department_with_procedures": "department", "department_without_procedures": "department"}.get(
        scheme["applies_to"], scheme["applies_to"]
    )
    unit = units.resolve(scheme["issuer_code"], level, r["unit_name"], **where("unit"))
    if unit["unit_type"] != scheme["applies_to"]:
        raise DataError(
            f"a {unit['unit_type']} unit; scheme {scheme['scheme_id']} scores {scheme['applies_to']} units",
            value=r["unit_name"],
            **where("unit"),
        )
    if unit["valid_to"] and r["period_start"] > unit["valid_to"]:
        raise DataError(
            f"the unit ceased on {unit['valid_to']}, before this period", value=r["unit_name"], **where("unit")
        )
    if r["component_id"] is None:
        if scheme["total"] is not None and r["score"] > scheme["total"] + TOLERANCE:
            raise DataError(f"above the scheme's total of {scheme['total']:g}", value=r["score"], **where("score"))
    else:
        if (scheme["scheme_id"], r["component_id"]) not in maxima:
            raise DataError(
                f"not an item of scheme {scheme['scheme_id']}", value=r["component_id"], **where("component")
            )
        top = maxima[(scheme["scheme_id"], r["component_id"])]
        if top is not None and r["score"] > top + TOLERANCE:
            raise DataError(f"above the item's maximum of {top:g}", value=r["score"], **where("score"))
        if r["published_rank"] is not None or r["published_position"] is not None:
            raise DataError(
                "ranks are published for totals, not items", value=r["published_rank"], **where("published_rank")
            )
    return {**r, "unit_id": unit["unit_id"], "unit_type": unit["unit_type"], "province_code": scheme["issuer_code"]}


def _no_repeats(df: pl.DataFrame, schemes: dict, maxima: dict, display: str) -> list[DataError]:
    twice = df.filter(pl.struct("scheme_id", "period_label", "unit_id", "component_id").is_duplicated())
    return [
        DataError(
            "the same unit, period and item appear twice",
            file=display,
            row=r["source_row"],
            column="unit",
            value=r["unit_name"],
        )
        for r in twice.iter_rows(named=True)
    ]


def _components_add_up(df: pl.DataFrame, schemes: dict, maxima: dict, display: str) -> list[DataError]:
    """Where every main index of a scheme is published for a unit and period, they add up to its total."""
    errors = []
    for r in df.filter(pl.col("component_id").is_null()).iter_rows(named=True):
        parts = df.filter(
            (pl.col("scheme_id") == r["scheme_id"])
            & (pl.col("period_label") == r["period_label"])
            & (pl.col("unit_id") == r["unit_id"])
            & pl.col("component_id").is_not_null()
        )
        expected = schemes[r["scheme_id"]]["_mains"]
        got = set(parts["component_id"].to_list())
        main_parts = parts.filter(pl.col("component_id").is_in(list(expected)))
        if expected and expected <= got and abs(main_parts["score"].sum() - r["score"]) > TOLERANCE:
            errors.append(
                DataError(
                    f"the main indices add up to {main_parts['score'].sum():g}, not the total",
                    file=display,
                    row=r["source_row"],
                    column="score",
                    value=r["score"],
                )
            )
    return errors


def _ranks_agree(df: pl.DataFrame, schemes: dict, maxima: dict, display: str) -> list[DataError]:
    """A better published rank never has fewer points; the unit published as last has the fewest."""
    errors = []
    totals = df.filter(pl.col("component_id").is_null())
    for (_, _), group in totals.group_by(["scheme_id", "period_label"], maintain_order=True):
        ranked = group.filter(pl.col("published_rank").is_not_null()).sort("published_rank")
        previous = None
        for r in ranked.iter_rows(named=True):
            if previous is not None and r["score"] > previous["score"] + TOLERANCE:
                errors.append(
                    DataError(
                        f"published rank {r['published_rank']} has more points than rank "
                        f"{previous['published_rank']} ({previous['score']:g})",
                        file=display,
                        row=r["source_row"],
                        column="published_rank",
                        value=r["published_rank"],
                    )
                )
            previous = r
        lowest: float = group["score"].min()  # type: ignore[assignment]  # polars: min of any dtype; score is Float64
        for r in group.filter(pl.col("published_position") == "last").iter_rows(named=True):
            if r["score"] > lowest + TOLERANCE:
                errors.append(
                    DataError(
                        f"published as last but another unit has fewer points ({lowest:g})",
                        file=display,
                        row=r["source_row"],
                        column="published_position",
                        value=r["published_position"],
                    )
                )
    return errors

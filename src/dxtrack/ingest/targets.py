"""The target registry, cleaned: one row per target a document sets for a unit.

Rules (each recorded in a column, so a report can say why):
- Map. A target belongs to the map in force on its document's date: before 1 July 2025 the 63-unit map,
  from then on the 34-unit map (and a rank goal then counts out of 34, not 63). An undated document is
  placed on the 63-unit map, and `map_basis` says that this was assumed.
- One target, read twice. The same document's target can appear twice in the registry (read from a news
  page and from the plan text, sometimes worded `=` 20 vs `<=` 20 for a top-20 goal): rows that agree on
  unit, indicator, year, value and document are one target, with every source row, URL and quote kept.
- Comparators. `comparator_norm` is how the model reads it: a rank goal "top N" is `<=` N; elsewhere `=`
  is read as "at least" (`>=`), and `>`/`>=` stay as written.
- Dates. A document dated after the registry was retrieved (its source.yaml `retrieved`, or today) is refused,
  and so is a target year before its document's year: a plan sets targets for its own year or later.
- In force. Where several documents set the same indicator and year for a unit, the most recent dated
  document is in force and older ones are marked superseded by it; all are kept. Undated documents cannot
  be ordered, so they stay in force beside the latest dated one, and `in_force_note` says so.
"""

from __future__ import annotations

import hashlib
from datetime import date

import polars as pl

from dxtrack.core.errors import DataError
from dxtrack.core.names import clean_text
from dxtrack.core.paths import Project
from dxtrack.ingest.cells import read_csv_strings, require_columns
from dxtrack.ingest.numbers import parse_number
from dxtrack.ingest.units import Registry

COMPARATORS = {">", ">=", "=", "<="}
REQUIRED = [
    "jurisdiction_as_source",
    "indicator",
    "comparator",
    "target_value",
    "target_year",
    "document",
    "document_date",
    "source_url",
    "quote",
]
TARGET_SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    "target_id": pl.String,
    "map": pl.String,
    "unit_level": pl.String,
    "province_code": pl.String,
    "jurisdiction_as_source": pl.String,
    "indicator": pl.String,
    "comparator": pl.String,
    "comparator_norm": pl.String,
    "target_value": pl.Float64,
    "target_year": pl.Int64,
    "rank_of": pl.Int64,
    "document": pl.String,
    "document_date": pl.Date,
    "map_basis": pl.String,
    "in_force": pl.Boolean,
    "in_force_note": pl.String,
    "source_rows": pl.String,
    "source_urls": pl.String,
    "quotes": pl.String,
}
IDENTITY = ["map", "province_code", "indicator", "target_year", "target_value", "document_key"]


def _is_rank_goal(indicator: dict) -> bool:
    return indicator.get("unit") == "rank"


# How demanding a reading is: "> 20" asks more than ">= 20" (and "< 5" more than "<= 5"). Where one target was
# read twice with different comparators, the stricter reading is assessed (a target is never made easier).
STRICTNESS = {">=": 1, ">": 2, "<=": 1, "<": 2}


def stricter(readings: list[str]) -> str:
    """The strictest of a target's comparator readings; readings pointing different ways are an error upstream
    (a target is either a floor or a ceiling), so only same-direction readings reach here."""
    return max(readings, key=lambda c: (STRICTNESS[c], c))


def _normalise_comparator(comparator: str, rank_goal: bool) -> str:
    if rank_goal:
        return "<="
    return ">=" if comparator == "=" else comparator


def read_targets(project: Project, registry: Registry, source_id: str | None = None) -> pl.DataFrame:
    """The target registry (the one source with layout `targets`, unless `source_id` names one)."""
    path = project.source_path(source_id or project.only_source("targets"))
    display = project.display(path)
    df = read_csv_strings(path, display)
    require_columns(df, REQUIRED, display)
    source = project.catalogue[source_id or project.only_source("targets")]
    retrieved = source.entry.get("retrieved") or date.today()
    rows = [_parse_row(r, project, registry, display, min(retrieved, date.today())) for r in df.iter_rows(named=True)]
    parsed = pl.DataFrame(
        rows,
        schema={
            **{
                k: v
                for k, v in TARGET_SCHEMA.items()
                if k not in ("target_id", "in_force", "in_force_note", "source_rows", "source_urls", "quotes")
            },
            "document_key": pl.String,
            "source_row": pl.Int64,
            "source_url": pl.String,
            "quote": pl.String,
        },
    )
    return _mark_in_force(_merge_duplicates(parsed))


def _parse_row(r: dict, project: Project, registry: Registry, display: str, retrieved: date | None = None) -> dict:
    row = r["__row"]
    where = lambda column: {"file": display, "row": row, "column": column}  # noqa: E731

    indicator = r["indicator"]
    if indicator not in project.indicators:
        raise DataError(
            "unknown indicator",
            value=indicator,
            **where("indicator"),
            hint="indicators are defined in data/raw/indicators.yaml",
        )
    definition = project.indicators[indicator]
    rank_goal = _is_rank_goal(definition)

    comparator = (r["comparator"] or "").strip()
    if comparator not in COMPARATORS:
        raise DataError(
            f"comparator must be one of {sorted(COMPARATORS)}", value=r["comparator"], **where("comparator")
        )

    raw_date = (r["document_date"] or "").strip()
    try:
        doc_date = date.fromisoformat(raw_date) if raw_date else None
    except ValueError:
        raise DataError("document_date must be YYYY-MM-DD or blank", value=raw_date, **where("document_date")) from None
    if doc_date is not None and retrieved is not None and doc_date > retrieved:
        raise DataError(
            f"the document is dated after the registry was retrieved ({retrieved.isoformat()}): a document "
            "cannot set targets before it exists (a typo in the year?)",
            value=raw_date,
            **where("document_date"),
        )
    if doc_date is None:
        map_, basis = "63", "undated document: assumed issued before the 1 July 2025 merger"
    elif doc_date >= project.merger_date:
        map_, basis = "34", "document issued after the merger"
    else:
        map_, basis = "63", "document issued before the merger"
    unit = registry.resolve(r["jurisdiction_as_source"] or "", map_, **where("jurisdiction_as_source"))
    rank_of = (34 if map_ == "34" else 63) if rank_goal else None

    value = parse_number(r["target_value"], where=where("target_value"))
    if value is None and not rank_goal:
        raise DataError(
            "a target needs a value (only a qualitative rank goal, e.g. 'nhóm khá', may be blank)",
            value=r["target_value"],
            **where("target_value"),
        )
    if value is not None:
        low, high = definition.get("lower"), definition.get("upper") or rank_of
        if (low is not None and value < low) or (high is not None and value > high):
            raise DataError(
                f"outside the indicator's range [{low}, {high}]", value=r["target_value"], **where("target_value")
            )

    raw_year = (r["target_year"] or "").strip()
    if raw_year and not (raw_year.isdigit() and 2000 <= int(raw_year) <= 2100):
        raise DataError("target_year must be a four-digit year or blank", value=raw_year, **where("target_year"))
    if raw_year and doc_date is not None and int(raw_year) < doc_date.year:
        raise DataError(
            f"the target year is before its document (dated {doc_date.isoformat()}): a document sets "
            "targets for its own year or later",
            value=raw_year,
            **where("target_year"),
            hint="check target_year and document_date",
        )

    document = clean_text(r["document"] or "")
    return {
        "map": unit.map,
        "unit_level": unit.level,
        "province_code": unit.code,
        "jurisdiction_as_source": r["jurisdiction_as_source"],
        "indicator": indicator,
        "comparator": comparator,
        "comparator_norm": _normalise_comparator(comparator, rank_goal),
        "target_value": value,
        "target_year": int(raw_year) if raw_year else None,
        "rank_of": rank_of,
        "document": document,
        "document_date": doc_date,
        "map_basis": basis,
        "document_key": document.casefold(),
        "source_row": row,
        "source_url": r["source_url"],
        "quote": r["quote"],
    }


def _merge_duplicates(parsed: pl.DataFrame) -> pl.DataFrame:
    """Rows that are one target read twice become one row; every source row, URL and quote is kept."""
    merged = (
        parsed.sort("source_row")
        .group_by(IDENTITY, maintain_order=True)
        .agg(
            pl.col(
                "unit_level",
                "jurisdiction_as_source",
                "comparator_norm",
                "rank_of",
                "document",
                "document_date",
                "map_basis",
            ).first(),
            pl.col("comparator").unique(maintain_order=True).str.join(" | "),
            # the strictest reading: as stricter() decides (strictness, then the symbol)
            pl.col("comparator_norm")
            .sort_by(pl.col("comparator_norm").replace_strict(STRICTNESS), pl.col("comparator_norm"))
            .last()
            .alias("_strictest"),
            pl.col("source_row").cast(pl.String).str.join("; ").alias("source_rows"),
            pl.col("source_url").drop_nulls().unique(maintain_order=True).str.join(" | ").alias("source_urls"),
            pl.col("quote").drop_nulls().unique(maintain_order=True).str.join(" | ").alias("quotes"),
        )
        .with_columns(pl.col("_strictest").alias("comparator_norm"))
        .drop("_strictest")
    )
    key = pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in IDENTITY], separator="\x1f")
    return merged.with_columns(
        key.map_elements(lambda s: hashlib.sha1(s.encode()).hexdigest()[:12], return_dtype=pl.String).alias("target_id")
    )


def _mark_in_force(targets: pl.DataFrame) -> pl.DataFrame:
    group = ["map", "province_code", "indicator", "target_year"]
    latest_date = pl.col("document_date").max().over(group)
    n_docs = pl.col("document_key").n_unique().over(group)
    latest_doc = (
        pl.when(pl.col("document_date") == latest_date)
        .then(pl.col("document"))
        .otherwise(None)
        .drop_nulls()
        .first()
        .over(group)
    )
    undated = pl.col("document_date").is_null()
    in_force = (n_docs == 1) | undated | latest_date.is_null() | (pl.col("document_date") == latest_date)
    note = (
        pl.when(n_docs == 1)
        .then(pl.lit("the only document setting this target"))
        .when(undated)
        .then(pl.lit("undated document: cannot tell whether a later document replaced it"))
        .when(pl.col("document_date") == latest_date)
        .then(pl.lit("the most recent dated document"))
        .otherwise(pl.format("superseded by {} ({})", latest_doc, latest_date.cast(pl.String)))
    )
    return (
        targets.with_columns(in_force.alias("in_force"), note.alias("in_force_note"))
        .select(list(TARGET_SCHEMA))
        .sort("map", "province_code", "indicator", "target_year", "document_date", "target_id", nulls_last=True)
    )

"""What the data covers and what the cleaning found: the numbers behind metrics/data_quality.json
(coverage itself is counted by dxtrack.core.coverage)."""

from __future__ import annotations

import polars as pl

from dxtrack.core.coverage import coverage
from dxtrack.ingest.check import rank_clashes


def national_years(observations: pl.DataFrame) -> dict:
    """For the country unit: which full-year values exist, by indicator and series."""
    rows = observations.filter((pl.col("unit_level") == "country") & pl.col("full_year"))
    out: dict = {}
    for r in (
        rows.group_by("indicator", "series")
        .agg(pl.col("year").unique().sort())
        .sort("indicator", "series")
        .iter_rows(named=True)
    ):
        out.setdefault(r["indicator"], {})[r["series"]] = r["year"]
    return out


def _records(df: pl.DataFrame, columns: list[str]) -> list[dict]:
    return [
        {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()}
        for r in df.select(columns).iter_rows(named=True)
    ]


def clean_report(
    *,
    candidates: int,
    observations: pl.DataFrame,
    superseded: pl.DataFrame,
    conflicts: pl.DataFrame,
    duplicates_merged: int,
    targets: pl.DataFrame,
    target_rows: int,
    accounts: dict[str, dict] | None = None,
) -> dict:
    """The clean stage's data-quality metric."""
    conflict_groups = conflicts.filter(pl.col("chosen")).height
    accounts = accounts or {}
    return {
        "rows_definition": "per source: rows read = rows kept (at least one value) + rows reported with a reason",
        "rows": {
            sid: {
                "read": a["rows_read"],
                "kept": a["rows_kept"],
                "reported": {reason: {"count": len(rows), "rows": rows} for reason, rows in a["rows_reported"].items()},
            }
            for sid, a in sorted(accounts.items())
        },
        "coverage_definition": "units of the map with a full-year published value (any series) / units on the map",
        "coverage": coverage(observations),
        "national_full_year_values": national_years(observations),
        "counts": {
            "published_figures_read": candidates,
            "observations_kept": observations.height,
            "observations_partial_period": observations.filter(~pl.col("full_year")).height,
            "observations_computed_from_counts": observations.filter(pl.col("derived")).height,
            "observations_proxy": observations.filter(pl.col("proxy")).height,
            "rows_read": sum(a["rows_read"] for a in accounts.values()),
            "rows_kept": sum(a["rows_kept"] for a in accounts.values()),
            "rows_reported": sum(len(r) for a in accounts.values() for r in a["rows_reported"].values()),
            "conflicts": conflict_groups,
            "superseded": superseded.height,
            "duplicates_merged": duplicates_merged,
        },
        "not_kept_as_observations": {
            "duplicate of a figure kept (listed in also_in)": duplicates_merged,
            "superseded by a later release (data/interim/superseded.parquet)": superseded.height,
            "conflict, value not chosen (data/interim/conflicts.parquet)": conflicts.height - conflict_groups,
        },
        "rank_clashes": [{**r, "value": int(r["value"])} for r in rank_clashes(observations).iter_rows(named=True)],
        "conflicts": _records(
            conflicts,
            [
                "map",
                "province_code",
                "indicator",
                "series",
                "year",
                "value",
                "chosen",
                "authority",
                "source_id",
                "source_row",
                "rule",
            ],
        ),
        "superseded": _records(
            superseded,
            [
                "map",
                "province_code",
                "indicator",
                "series",
                "year",
                "value",
                "release",
                "superseded_by_release",
                "source_id",
                "source_row",
            ],
        ),
        "targets": {
            "registry_rows": target_rows,
            "targets": targets.height,
            "registry_rows_merged_as_one_target_read_twice": target_rows - targets.height,
            "in_force": targets.filter(pl.col("in_force")).height,
            "superseded_by_later_document": targets.filter(~pl.col("in_force")).height,
            "undated_documents": targets.filter(pl.col("document_date").is_null()).height,
            "without_target_year": targets.filter(pl.col("target_year").is_null()).height,
            "on_34_map": targets.filter(pl.col("map") == "34").height,
        },
    }

"""From candidate rows to one value per series, unit and period: revisions, duplicates and conflicts.

A figure's identity is (map, unit, indicator, series, period). A period is its start and end, except a vague
one ("2024 (to Jul)", whose end the source does not fix), which is its label. For each identity, in this order:

1. Revisions. Where rows carry different known releases, the latest release is the value; rows of earlier
   releases go to the `superseded` table with the release that replaced them. A row of unknown release is
   never superseded (nothing says it is older).
2. Duplicates. Rows of the current release(s) that agree (to 1e-9) are one figure reported twice: the
   figure is kept once and the other places it was found are listed in `also_in` (the first ALSO_IN_LIMIT
   in row order, then "… and N more (M places in all)"; places sorted as text).
3. Conflicts. Rows of the current release(s) that disagree are a conflict. The value kept is the one from
   the highest authority (1 = the estimator's own publication, 2 = a secondary report; see
   data/raw/series.yaml), then from the source retrieved first (then by id), then the earlier row. Every
   row of a conflict goes to the `conflicts` table with the value chosen and this rule, and the kept row is
   flagged `conflict`, so no disagreement is hidden.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from dxtrack.core.vocabulary import FIGURE_IDENTITY

IDENTITY = FIGURE_IDENTITY
# `also_in` lists at most this many other places, then says how many more: 5,000 copies of one row must not make
# an 89,000-character cell (docs/adding-data.md §5).
ALSO_IN_LIMIT = 10
# Sources are listed by `retrieved` date, then id (dxtrack.ingest.collect.observation_sources).
CONFLICT_RULE = "highest authority, then first-listed source, then earlier row"


@dataclass
class Resolved:
    observations: pl.DataFrame
    superseded: pl.DataFrame
    conflicts: pl.DataFrame
    duplicates_merged: int


def resolve(candidates: pl.DataFrame, source_order: list[str]) -> Resolved:
    if "copies" not in candidates.columns:
        candidates = candidates.with_columns(
            pl.lit(1, pl.Int64).alias("copies"), pl.lit(None, pl.String).alias("copies_at")
        )
    candidates = candidates.with_columns(pl.col("copies").fill_null(1))
    ranked = candidates.with_columns(
        pl.when(pl.col("period_exact")).then(pl.lit("")).otherwise(pl.col("period_label")).alias("period_key"),
        pl.col("source_id")
        .replace_strict({s: i for i, s in enumerate(source_order)}, default=len(source_order), return_dtype=pl.Int64)
        .alias("_source_rank"),
        pl.format("{}:{}", "source_id", "source_row").alias("_place"),
    )
    latest = pl.col("release").max().over(IDENTITY)
    is_old = pl.col("release").is_not_null() & (pl.col("release") < latest)
    # The latest release is computed over all rows of an identity, before old ones are split off.
    superseded = ranked.with_columns(latest.alias("superseded_by_release")).filter(is_old.fill_null(False))
    current = ranked.filter(~is_old.fill_null(False))

    order = [*IDENTITY, "authority", "_source_rank", "source_row"]
    current = current.sort(order).with_columns(
        (pl.col("value").round(9).n_unique().over(IDENTITY) > 1).alias("conflict"),
        pl.int_range(pl.len()).over(IDENTITY).alias("_position"),
    )
    winners = current.filter(pl.col("_position") == 0)
    chosen_value = winners.select(*IDENTITY, pl.col("value").alias("chosen_value"))

    # Places where the kept figure was found again (same value), for provenance: other rows with the value, and
    # the identical copies of any of them that the reader folded into one row (`copies`, `copies_at`).
    mine = pl.concat_list(
        pl.when(pl.col("_position") > 0)
        .then(pl.concat_list(pl.col("_place")))
        .otherwise(pl.lit([], pl.List(pl.String))),
        pl.col("copies_at").str.split("; ").fill_null(pl.lit([], pl.List(pl.String))),
    )
    agreeing = (
        current.join(chosen_value, on=IDENTITY, nulls_equal=True)
        .filter(pl.col("value").round(9) == pl.col("chosen_value").round(9))
        .with_columns(
            mine.alias("_mine"), ((pl.col("_position") > 0).cast(pl.Int64) + pl.col("copies") - 1).alias("_n")
        )
        .group_by(IDENTITY)
        .agg(
            pl.col("_mine").list.explode(keep_nulls=False, empty_as_null=False).sort().alias("_places"),
            pl.col("_n").sum(),
        )
        .filter(pl.col("_n") > 0)
        .with_columns(
            pl.when(pl.col("_n") > ALSO_IN_LIMIT)
            .then(
                pl.format(
                    "{}; … and {} more ({} places in all)",
                    pl.col("_places").list.head(ALSO_IN_LIMIT).list.join("; "),
                    pl.col("_n") - ALSO_IN_LIMIT,
                    pl.col("_n"),
                )
            )
            .otherwise(pl.col("_places").list.join("; "))
            .alias("also_in")
        )
        .drop("_places", "_n")
    )
    observations = winners.join(agreeing, on=IDENTITY, how="left", nulls_equal=True).drop(
        "_source_rank", "_place", "_position", "copies", "copies_at"
    )

    conflicts = (
        current.filter(pl.col("conflict"))
        .join(chosen_value, on=IDENTITY, nulls_equal=True)
        .with_columns((pl.col("_position") == 0).alias("chosen"), pl.lit(CONFLICT_RULE).alias("rule"))
        .select(
            *IDENTITY,
            "unit_level",
            "year",
            "value",
            "chosen_value",
            "chosen",
            "authority",
            "source_id",
            "source_row",
            "name_as_source",
            "release",
            "source_url",
            "rule",
        )
    )
    duplicates = current.join(chosen_value, on=IDENTITY, nulls_equal=True).filter(
        (pl.col("_position") > 0) & (pl.col("value").round(9) == pl.col("chosen_value").round(9))
    ).height + int((current["copies"] - 1).sum())
    return Resolved(
        observations=observations.drop("period_key"),
        superseded=superseded.drop("_source_rank", "_place", "period_key", "copies", "copies_at"),
        conflicts=conflicts.drop("period_key"),
        duplicates_merged=duplicates,
    )

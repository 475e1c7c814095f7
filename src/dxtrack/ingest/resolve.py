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

# The conflicts table (a caller that passes candidates without the wide text columns, e.g. `dxtrack check`
# comparing in memory, gets it without name_as_source and source_url).
CONFLICT_COLUMNS = [
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
]


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
    # The rules run on a slim frame (identity, ordering keys, value, provenance of copies) with each row's index
    # `_i`; the wide text columns (quote, URL, notes) are gathered once for the rows kept. A 50 MB table's
    # 400,000 candidates then cost a few columns per step, not the whole table per step.
    slim = candidates.select(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("_i"),
        *[c for c in IDENTITY if c != "period_key"],
        pl.when(pl.col("period_exact")).then(pl.lit("")).otherwise(pl.col("period_label")).alias("period_key"),
        "release",
        "authority",
        pl.col("source_id")
        .replace_strict({s: i for i, s in enumerate(source_order)}, default=len(source_order), return_dtype=pl.Int64)
        .alias("_source_rank"),
        "source_id",
        "source_row",
        "value",
        "copies",
        "copies_at",
    )
    # Sorted by identity then preference, each identity is a run of rows: `_g` numbers the runs, and the rules
    # group by that one integer instead of hashing the seven identity columns at every step.
    order = [*IDENTITY, "authority", "_source_rank", "source_row"]
    starts = pl.any_horizontal(pl.col(c).ne_missing(pl.col(c).shift(1)) for c in IDENTITY)
    slim = slim.sort(order).with_columns((starts | (pl.int_range(pl.len()) == 0)).cast(pl.UInt32).cum_sum().alias("_g"))
    latest = pl.col("release").max().over("_g")
    is_old = pl.col("release").is_not_null() & (pl.col("release") < latest)
    # The latest release is computed over all rows of an identity, before old ones are split off.
    slim = slim.with_columns(latest.alias("superseded_by_release"), is_old.fill_null(False).alias("_old"))
    superseded = _gather(candidates, slim.filter("_old").select("_i", "superseded_by_release").sort("_i")).drop(
        "copies", "copies_at"
    )
    current = slim.filter(~pl.col("_old")).drop("superseded_by_release", "_old")
    del slim

    current = current.with_columns(
        (pl.col("value").round(9).n_unique().over("_g") > 1).alias("conflict"),
        pl.int_range(pl.len()).over("_g").alias("_position"),
        pl.col("value").first().over("_g").alias("chosen_value"),
    )
    winners = current.filter(pl.col("_position") == 0)
    with_chosen = current
    same = pl.col("value").round(9) == pl.col("chosen_value").round(9)

    # Places where the kept figure was found again (same value), for provenance: other rows with the value, and
    # the identical copies of any of them that the reader folded into one row (`copies`, `copies_at`).
    mine = pl.concat_list(
        pl.when(pl.col("_position") > 0)
        .then(pl.concat_list(pl.format("{}:{}", "source_id", "source_row")))
        .otherwise(pl.lit([], pl.List(pl.String))),
        pl.col("copies_at").str.split("; ").fill_null(pl.lit([], pl.List(pl.String))),
    )
    agreeing = (
        with_chosen.filter(
            same & ((pl.col("_position") > 0) | (pl.col("copies") > 1) | pl.col("copies_at").is_not_null())
        )
        .with_columns(
            mine.alias("_mine"), ((pl.col("_position") > 0).cast(pl.Int64) + pl.col("copies") - 1).alias("_n")
        )
        .group_by("_g")
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
    kept = winners.join(agreeing, on="_g", how="left", maintain_order="left")
    observations = _gather(candidates, kept.select("_i", "conflict", "also_in")).drop("copies", "copies_at")

    clashing = with_chosen.filter(pl.col("conflict"))
    wide = [c for c in ("unit_level", "year", "name_as_source", "source_url") if c in candidates.columns]
    conflicts = _gather(
        candidates.select(wide),
        clashing.select(
            "_i",
            *IDENTITY,
            "value",
            "chosen_value",
            (pl.col("_position") == 0).alias("chosen"),
            "authority",
            "source_id",
            "source_row",
            "release",
            pl.lit(CONFLICT_RULE).alias("rule"),
        ),
    )
    conflicts = conflicts.select(c for c in CONFLICT_COLUMNS if c in conflicts.columns)
    duplicates = with_chosen.filter((pl.col("_position") > 0) & same).height + int((current["copies"] - 1).sum())
    return Resolved(
        observations=observations,
        superseded=superseded,
        conflicts=conflicts.drop("period_key"),
        duplicates_merged=duplicates,
    )


def _gather(frame: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
    """The rows of `frame` at the indices `rows["_i"]`, in that order, with the other columns of `rows` added."""
    return pl.concat([frame.select(pl.all().gather(rows["_i"])), rows.drop("_i")], how="horizontal")

"""Ranks, movers and distributions of unit scores, like with like only.

A ranking group is one scheme, one unit type and one period: two schemes (other totals or items) are never ranked
together, not even the same province's two years under two decisions. Ties share the best rank and the next
rank skips ("standard competition": 1, 2, 2, 4); `tied` marks them. Only complete published rankings are
ranked here; a partial list (top three and the last unit) keeps the ranks it published, and has no distribution.
"""

from __future__ import annotations

import polars as pl

GROUP = ["scheme_id", "unit_type", "period_label"]


def totals(scores: pl.DataFrame) -> pl.DataFrame:
    """The total rows (one per unit, scheme and period)."""
    return scores.filter(pl.col("component_id").is_null())


def ranks(scores: pl.DataFrame) -> pl.DataFrame:
    """Every total with its rank within its group: computed for complete rankings, as published otherwise."""
    rows = totals(scores)
    computed = pl.col("score").rank(method="min", descending=True).over(GROUP).cast(pl.Int64)
    size = pl.len().over(GROUP).cast(pl.Int64)
    complete = pl.col("coverage") == "complete"
    return rows.with_columns(
        pl.when(complete).then(computed).otherwise(pl.col("published_rank")).alias("rank"),
        pl.when(complete).then(size).otherwise(None).alias("rank_of"),
        pl.when(complete).then(pl.lit("computed")).otherwise(pl.lit("published")).alias("rank_basis"),
        (complete & (pl.col("score").count().over([*GROUP, "score"]) > 1)).alias("tied"),
    ).sort(
        [*GROUP, "rank", "score", "unit_id"], descending=[False] * len(GROUP) + [False, True, False], nulls_last=True
    )


def movers(ranked: pl.DataFrame) -> pl.DataFrame:
    """Rank and score change of each unit between consecutive periods of the same scheme, unit type and period
    kind (years with years, quarters with quarters); only units ranked in both periods."""
    rows = ranked.filter(pl.col("rank").is_not_null()).select(
        "scheme_id", "unit_type", "period_kind", "period_label", "period_start", "unit_id", "rank", "score"
    )
    periods = (
        rows.select("scheme_id", "unit_type", "period_kind", "period_start", "period_label")
        .unique()
        .sort("period_start")
        .with_columns(
            pl.col("period_label").shift(1).over(["scheme_id", "unit_type", "period_kind"]).alias("previous_label")
        )
    )
    now = rows.join(
        periods.select("scheme_id", "unit_type", "period_label", "previous_label"),
        on=["scheme_id", "unit_type", "period_label"],
    )
    before = rows.select(
        "scheme_id",
        "unit_type",
        pl.col("period_label").alias("previous_label"),
        "unit_id",
        pl.col("rank").alias("previous_rank"),
        pl.col("score").alias("previous_score"),
    )
    moved = now.join(before, on=["scheme_id", "unit_type", "previous_label", "unit_id"], how="inner")
    return (
        moved.with_columns(
            (pl.col("previous_rank") - pl.col("rank")).alias("places_gained"),
            (pl.col("score") - pl.col("previous_score")).round(2).alias("score_change"),
        )
        .select(
            "scheme_id",
            "unit_type",
            "period_kind",
            "previous_label",
            "period_label",
            "unit_id",
            "previous_rank",
            "rank",
            "places_gained",
            "previous_score",
            "score",
            "score_change",
        )
        .sort(
            "scheme_id",
            "unit_type",
            "period_label",
            "places_gained",
            "unit_id",
            descending=[False, False, False, True, False],
        )
    )


def distribution(scores: pl.DataFrame) -> pl.DataFrame:
    """Median and spread of totals per ranking group; complete rankings only (a top/bottom list would mislead)."""
    rows = totals(scores).filter(pl.col("coverage") == "complete")
    return (
        rows.group_by(GROUP + ["period_kind", "period_start"])
        .agg(
            pl.len().alias("units"),
            pl.col("score").median().alias("median"),
            pl.col("score").quantile(0.25, "linear").alias("q1"),
            pl.col("score").quantile(0.75, "linear").alias("q3"),
            pl.col("score").min().alias("min"),
            pl.col("score").max().alias("max"),
        )
        .with_columns((pl.col("max") - pl.col("min")).alias("range"), (pl.col("q3") - pl.col("q1")).alias("iqr"))
        .sort(GROUP)
    )

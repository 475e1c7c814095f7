"""What a task register says as of a date: overdue, due soon, open, done late, done on time.

For each occurrence (a recurring task has one per due date) the latest update recorded on or before the date
counts. Done on or before the due date is on time, after it late; not done and past due is overdue; not done and
due within `due_soon_days` is due soon. `no_update` marks occurrences nobody has recorded anything about, so a
report can tell "overdue, reported not started" from "overdue, never checked". Owners that ceased by the date
(the Department of Information and Communications after 1 March 2025) carry their successor. Keys only: the
report words them.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from dxtrack.core.names import match_key


def task_status(
    tasks: pl.DataFrame,
    occurrences: pl.DataFrame,
    updates: pl.DataFrame,
    agencies: pl.DataFrame,
    as_of: date,
    due_soon_days: int,
) -> pl.DataFrame:
    """One row per task occurrence that is due by `as_of` + `due_soon_days` or has an update."""
    known = updates.filter(pl.col("date") <= as_of).sort("date", "source_row")
    latest = known.group_by("task_id", "occurrence").agg(
        pl.col("status").last().alias("last_status"),
        pl.col("date").last().alias("last_update"),
        pl.col("evidence_url").last(),
        pl.col("quote").last().alias("evidence_quote"),
        pl.col("date").filter(pl.col("status") == "done").first().alias("done_on"),
    )
    rows = occurrences.join(latest, on=["task_id", "occurrence"], how="left")
    horizon = pl.lit(as_of) + pl.duration(days=due_soon_days)
    done = pl.col("done_on").is_not_null()
    state = (
        pl.when(done & (pl.col("done_on") <= pl.col("due_date")))
        .then(pl.lit("done_on_time"))
        .when(done)
        .then(pl.lit("done_late"))
        .when(pl.col("due_date") < pl.lit(as_of))
        .then(pl.lit("overdue"))
        .when(pl.col("due_date") <= horizon)
        .then(pl.lit("due_soon"))
        .otherwise(pl.lit("open"))
    )
    rows = rows.with_columns(
        state.alias("state"),
        pl.col("last_status").is_null().alias("no_update"),
        pl.when(~done & (pl.col("due_date") < pl.lit(as_of)))
        .then((pl.lit(as_of) - pl.col("due_date")).dt.total_days())
        .alias("days_overdue"),
        pl.when(done).then((pl.col("done_on") - pl.col("due_date")).dt.total_days()).alias("days_late"),
        pl.lit(as_of).alias("as_of"),
    )
    rows = rows.filter((pl.col("due_date") <= horizon) | pl.col("last_status").is_not_null())
    return _owners(rows.join(tasks, on="task_id", how="left"), agencies, as_of).sort(
        "province_code", "task_id", "occurrence"
    )


def _owners(rows: pl.DataFrame, agencies: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """The lead agency's successor where it ceased by `as_of` (matched on the agency's name, any province)."""
    ceased = {k: r for r in agencies.filter(pl.col("ceased") <= as_of).iter_rows(named=True) for k in r["keys"]}
    successor_vi = [ceased.get(match_key(a), {}).get("successor_vi") for a in rows["lead_agency"].to_list()]
    successor_en = [ceased.get(match_key(a), {}).get("successor_en") for a in rows["lead_agency"].to_list()]
    return rows.with_columns(
        pl.Series("lead_successor_vi", successor_vi, pl.String), pl.Series("lead_successor_en", successor_en, pl.String)
    )

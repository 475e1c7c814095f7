"""The model stage's share for units below the province: ranks, movers, distributions and task status as of the
edition date (params `edition_date`, `model.tasks.due_soon_days`), from the clean stage's interim tables, so the
report only reads tables.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from dxtrack.model import scorecard
from dxtrack.model.taskstatus import task_status


def subunit_outputs(project, as_of: date, due_soon_days: int) -> dict[str, pl.DataFrame]:
    interim = project.interim
    scores = pl.read_parquet(interim / "unit_scores.parquet")
    ranked = scorecard.ranks(scores)
    tasks, occurrences, updates, agencies = (
        pl.read_parquet(interim / f"{n}.parquet") for n in ("tasks", "task_occurrences", "task_updates", "agencies")
    )
    status = task_status(
        tasks,
        occurrences,
        updates,
        agencies,
        as_of,
        due_soon_days,
    )
    return {
        "data/processed/scorecard_ranks.parquet": ranked,
        "data/processed/scorecard_movers.parquet": scorecard.movers(ranked),
        "data/processed/scorecard_distribution.parquet": scorecard.distribution(scores),
        "data/processed/task_status.parquet": status,
    }

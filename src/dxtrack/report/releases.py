"""What changed since the last release: revised and new figures, and targets whose status moved.

A *release* is a snapshot of the tables a briefing was built from, kept in git under `releases/<edition>/`
(`dxtrack release` writes it when a briefing is sent). The next briefing compares the current tables with
the latest earlier snapshot, so a reader sees what new data changed, not only where things stand.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl

from dxtrack.core.paths import Project

SNAPSHOT = ("observations.parquet", "status.parquet")
FIGURE_KEY = ["map", "province_code", "indicator", "series", "period_start", "period_end", "period_label"]


def releases_dir(project: Project) -> Path:
    return project.root / "releases"


def previous_release(project: Project, edition: int) -> Path | None:
    """The latest snapshot of an edition before `edition`, or None for a first release."""
    folder = releases_dir(project)
    editions = sorted(int(p.name) for p in folder.iterdir() if p.is_dir() and p.name.isdigit()) if folder.exists() else []
    earlier = [e for e in editions if e < edition]
    return folder / str(earlier[-1]) if earlier else None


def snapshot(project: Project, edition: int) -> Path:
    """Copy the current observations and statuses into releases/<edition>/ (overwriting that edition)."""
    target = releases_dir(project) / str(edition)
    target.mkdir(parents=True, exist_ok=True)
    for name in SNAPSHOT:
        source = project.processed / name
        if not source.exists():
            raise FileNotFoundError(f"{source} does not exist: run `dvc repro` first")
        shutil.copyfile(source, target / name)
    return target


def figure_changes(old: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    """Figures added, revised (same series, unit and period, another value) or withdrawn."""
    keep = [*FIGURE_KEY, "year", "value", "source_id"]
    o, n = old.select(keep), new.select(keep)
    joined = o.join(n, on=FIGURE_KEY, how="full", suffix="_new", coalesce=True)
    kind = (pl.when(pl.col("value").is_null()).then(pl.lit("added"))
            .when(pl.col("value_new").is_null()).then(pl.lit("withdrawn"))
            .when(pl.col("value") != pl.col("value_new")).then(pl.lit("revised"))
            .otherwise(None))
    return (joined.with_columns(kind.alias("change"), pl.coalesce("year_new", "year").alias("year"))
            .filter(pl.col("change").is_not_null())
            .select("change", *FIGURE_KEY, "year", pl.col("value").alias("old_value"),
                    pl.col("value_new").alias("new_value"), pl.col("source_id_new").alias("source_id"))
            .sort("change", *FIGURE_KEY))


def status_changes(old: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    """Targets whose preferred status changed (or that are new) since the snapshot."""
    cols = ["target_id", "map", "province_code", "indicator", "target_value", "target_year", "status", "p_meet"]
    o = old.filter(pl.col("preferred")).select(cols)
    n = new.filter(pl.col("preferred")).select(cols)
    joined = n.join(o.select("target_id", pl.col("status").alias("old_status"), pl.col("p_meet").alias("old_p_meet")),
                    on="target_id", how="left")
    return (joined.filter(pl.col("old_status").is_null() | (pl.col("old_status") != pl.col("status")))
            .sort("map", "province_code", "indicator", "target_year", "target_id"))


def compare(project: Project, edition: int) -> dict | None:
    """{'since': edition, 'figures': frame, 'statuses': frame} against the previous release, or None."""
    previous = previous_release(project, edition)
    if previous is None:
        return None
    old_obs, old_status = (pl.read_parquet(previous / name) for name in SNAPSHOT)
    new_obs, new_status = (pl.read_parquet(project.processed / name) for name in SNAPSHOT)
    return {"since": int(previous.name), "figures": figure_changes(old_obs, new_obs),
            "statuses": status_changes(old_status, new_status)}

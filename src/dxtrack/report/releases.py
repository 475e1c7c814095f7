"""What changed since the last release: figures added, revised and withdrawn, targets whose status moved, new
sources.

A *release* is a snapshot of the tables a briefing was built from, kept in git under `releases/<edition>/`
(`dxtrack release` writes it when a briefing is sent, with `release.json`: the edition, the day it was made and
the sources it was built from). A briefing compares the current tables with the **latest snapshot, whatever its
edition** (the highest edition not after this one): the README's flow — send, `dxtrack release`, commit, add a
table, `dvc repro` — shows the change list in the same edition, "since the release of <day>". A later
`dxtrack release` of the same edition replaces that snapshot, so the list always runs from the last briefing
sent.

`changes()` returns the change lists as frames with the words a page needs (unit names vi/en, indicator and series
names, period, old → new, source; old and new status with the reason key and words), for the briefing's page to
lay out (dxtrack.report.text.changes_html is the minimal rendering).
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import polars as pl

from dxtrack.core.paths import Project

SNAPSHOT = ("observations.parquet", "status.parquet")
META = "release.json"
FIGURE_KEY = ["map", "province_code", "indicator", "series", "period_start", "period_end", "period_label"]


def releases_dir(project: Project) -> Path:
    return project.root / "releases"


def latest_release(project: Project, edition: int) -> Path | None:
    """The latest snapshot whatever its edition (the highest edition not after `edition`), or None before the
    first release."""
    folder = releases_dir(project)
    editions = (
        sorted(
            int(p.name)
            for p in folder.iterdir()
            if p.is_dir() and p.name.isdigit() and all((p / n).exists() for n in SNAPSHOT)
        )
        if folder.exists()
        else []
    )
    earlier = [e for e in editions if e <= edition]
    return folder / str(earlier[-1]) if earlier else None


previous_release = latest_release  # the name earlier code used


def release_info(folder: Path) -> dict:
    """release.json of a snapshot: edition, released (ISO day) and sources; older snapshots have none."""
    path = folder / META
    info = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return {"edition": int(folder.name), "released": info.get("released"), "sources": info.get("sources")}


def snapshot(project: Project, edition: int, released: date | None = None) -> Path:
    """Copy the current observations and statuses into releases/<edition>/ (replacing that edition's snapshot),
    with release.json saying when and from which sources."""
    target = releases_dir(project) / str(edition)
    target.mkdir(parents=True, exist_ok=True)
    for name in SNAPSHOT:
        source = project.processed / name
        if not source.exists():
            raise FileNotFoundError(f"{source} does not exist: run `dvc repro` first")
        shutil.copyfile(source, target / name)
    meta = {
        "edition": edition,
        "released": (released or date.today()).isoformat(),
        "sources": sorted(project.catalogue),
    }
    (target / META).write_text(json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return target


def figure_changes(old: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    """Figures added, revised (same series, unit and period, another value) or withdrawn."""
    keep = [*FIGURE_KEY, "year", "value", "source_id", "derived"]
    o, n = (
        frame.with_columns(pl.col("derived") if "derived" in frame.columns else pl.lit(False).alias("derived")).select(
            keep
        )
        for frame in (old, new)
    )
    joined = o.join(n, on=FIGURE_KEY, how="full", suffix="_new", coalesce=True, nulls_equal=True)
    kind = (
        pl.when(pl.col("value").is_null())
        .then(pl.lit("added"))
        .when(pl.col("value_new").is_null())
        .then(pl.lit("withdrawn"))
        .when(pl.col("value") != pl.col("value_new"))
        .then(pl.lit("revised"))
        .otherwise(None)
    )
    return (
        joined.with_columns(kind.alias("change"), pl.coalesce("year_new", "year").alias("year"))
        .filter(pl.col("change").is_not_null())
        .select(
            "change",
            *FIGURE_KEY,
            "year",
            pl.col("value").alias("old_value"),
            pl.col("value_new").alias("new_value"),
            pl.coalesce("source_id_new", "source_id").alias("source_id"),
            # derived: a 34-map aggregate, a continued or computed figure (a page may list published ones only)
            pl.coalesce("derived_new", "derived").fill_null(False).alias("derived"),
        )
        .sort("change", *FIGURE_KEY, nulls_last=True)
    )


STATUS_COLUMNS = [
    "target_id",
    "map",
    "province_code",
    "indicator",
    "target_value",
    "target_year",
    "series",
    "status",
    "p_meet",
    "reason_key",
    "reason_fields",
]


def status_changes(old: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    """Targets whose preferred status changed (or that are new) since the snapshot, with the old and new reason."""
    cols = [c for c in STATUS_COLUMNS if c in new.columns]
    o = old.filter(pl.col("preferred")).select([c for c in cols if c in old.columns])
    n = new.filter(pl.col("preferred")).select(cols)
    o = o.with_columns(*[pl.lit(None, n.schema[c]).alias(c) for c in cols if c not in o.columns])  # older snapshots
    renamed = {c: f"old_{c}" for c in ("status", "p_meet", "series", "reason_key", "reason_fields")}
    joined = n.join(o.select("target_id", *renamed).rename(renamed), on="target_id", how="left")
    return joined.filter(pl.col("old_status").is_null() | (pl.col("old_status") != pl.col("status"))).sort(
        "map", "province_code", "indicator", "target_year", "target_id", nulls_last=True
    )


def compare(project: Project, edition: int) -> dict | None:
    """{'since': edition of the snapshot, 'released': its day, 'figures', 'statuses', 'sources'} against the latest
    release, or None before the first one."""
    previous = latest_release(project, edition)
    if previous is None:
        return None
    old_obs, old_status = (pl.read_parquet(previous / name) for name in SNAPSHOT)
    new_obs, new_status = (pl.read_parquet(project.processed / name) for name in SNAPSHOT)
    info = release_info(previous)
    before = set(info["sources"]) if info["sources"] is not None else set(old_obs["source_id"].unique().to_list())
    new_sources = sorted(set(project.catalogue) - before - {"derived"})
    return {
        "since": info["edition"],
        "released": info["released"],
        "figures": figure_changes(old_obs, new_obs),
        "statuses": status_changes(old_status, new_status),
        "sources": new_sources,
    }


# ---- the change lists with the words a page needs ------------------------------------------------------------
def _unit_names(project: Project) -> pl.DataFrame:
    from dxtrack.report import labels

    units = pl.read_parquet(project.processed / "units.parquet").select(
        "map", "province_code", "name_vi", pl.col("name_ascii").alias("name_en")
    )
    country = pl.DataFrame(
        {
            "map": ["VN"],
            "province_code": ["VN"],
            "name_vi": [labels.t("unit.country", "vi")],
            "name_en": [labels.t("unit.country", "en")],
        }
    )
    return pl.concat([units, country], how="vertical")


def _named(frame: pl.DataFrame, project: Project) -> pl.DataFrame:
    from dxtrack.report import labels

    def words(column: str, fn, lang: str) -> pl.Expr:
        return pl.col(column).map_elements(lambda v: fn(v, lang) if v is not None else None, return_dtype=pl.String)

    named = frame.join(_unit_names(project), on=["map", "province_code"], how="left")
    return named.with_columns(
        *[words("indicator", labels.indicator_name, lang).alias(f"indicator_{lang}") for lang in ("vi", "en")],
        *[
            words("series", labels.series_name, lang).alias(f"series_{lang}")
            for lang in ("vi", "en")
            if "series" in frame.columns
        ],
    )


def changes(project: Project, edition: int) -> dict | None:
    """The change lists since the latest release, as frames ready for a page (None before the first release):

    - `figures`: change (added / revised / withdrawn), unit (map, code, name_vi, name_en), indicator (+ names),
      series (+ names), period_label, year, old_value → new_value, source_id (+ its publisher), `derived` (an
      aggregate, continued or computed figure rather than a published one);
    - `statuses`: targets whose preferred status moved or that are new: unit, indicator, target, old_status →
      status, old and new reason (key, fields, words vi/en);
    - `sources`: sources added since the release, with publisher and what they measure;
    - `since`, `released`: the snapshot's edition and day."""
    from dxtrack.report.reasons import reason_text

    diff = compare(project, edition)
    if diff is None:
        return None
    catalogue = project.sources
    publisher = pl.col("source_id").map_elements(
        lambda s: str((catalogue.get(s) or {}).get("publisher") or s), return_dtype=pl.String
    )
    figures = _named(diff["figures"], project).with_columns(publisher.alias("publisher"))
    statuses = _named(diff["statuses"], project)

    def reason(key_col: str, fields_col: str, lang: str) -> pl.Series:
        return pl.Series(
            [
                reason_text(k, f, lang) if k is not None else None
                for k, f in zip(statuses[key_col].to_list(), statuses[fields_col].to_list())
            ],
            dtype=pl.String,
        )

    if statuses.height:
        statuses = statuses.with_columns(
            *[reason("reason_key", "reason_fields", lang).alias(f"reason_{lang}") for lang in ("vi", "en")],
            *[reason("old_reason_key", "old_reason_fields", lang).alias(f"old_reason_{lang}") for lang in ("vi", "en")],
        )
    sources = pl.DataFrame(
        [
            {
                "source_id": s,
                "publisher": str(catalogue[s].get("publisher", "")),
                "measures": str(catalogue[s].get("measures", "")),
                "synthetic": bool(catalogue[s].get("synthetic", False)),
            }
            for s in diff["sources"]
        ],
        schema={"source_id": pl.String, "publisher": pl.String, "measures": pl.String, "synthetic": pl.Boolean},
    )
    return {
        "since": diff["since"],
        "released": diff["released"],
        "figures": figures,
        "statuses": statuses,
        "sources": sources,
    }

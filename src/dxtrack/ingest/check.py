"""`dxtrack check PATH`: validate a new table before the pipeline runs, and say what it would change.

The file must be described by an entry in data/raw/sources.yaml (its `layout` picks the reader; see
docs/adding-data.md). PATH may be where that entry puts the file, or anywhere else (`--source-id` then names
the entry): a table can be checked before it is copied into data/raw. Nothing is written.

The comparison is with data/interim/observations.parquet when it exists (the last `dvc repro`); otherwise
with the observations the clean stage would build in memory from data/raw without PATH. It lists what the
file would add, supersede (a later release of the same series), conflict with (same release, another value:
the rule in dxtrack.ingest.resolve decides which is kept), replace (a value of the same source changed) or drop.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import polars as pl

from dxtrack.core import contracts
from dxtrack.core.errors import DataError
from dxtrack.core.paths import Project
from dxtrack.core.sources import SOURCE_FILE, Source, load_source
from dxtrack.core.vocabulary import FIGURE_IDENTITY
from dxtrack.ingest.collect import observation_sources, read_source
from dxtrack.ingest.layouts import LAYOUTS, OBSERVATIONS, check_layouts
from dxtrack.ingest.reader import CANDIDATE_SCHEMA, Reader
from dxtrack.ingest.resolve import resolve
from dxtrack.ingest.units import Registry

KEY = FIGURE_IDENTITY
# The candidate columns `compare` reads (resolve's rules, the change table, rank clashes).
_COMPARED = [
    c
    for c in CANDIDATE_SCHEMA
    if c
    not in (
        *("source_column", "name_as_source", "numerator", "denominator", "source_url", "quote", "series_note"),
        *("derived_from", "derivation"),
    )
]
KINDS = ["add", "supersede", "conflict", "replace", "drop", "older release", "unchanged"]


def find_source(project: Project, path: Path) -> Source:
    """The source folder `path` is (or holds the file of), validated: in data/raw/sources/ or anywhere else
    (a table can be checked before it is copied in)."""
    path = path.absolute()
    folder = path if path.is_dir() else path.parent
    if not (folder / SOURCE_FILE).is_file():
        raise DataError(
            f"no {SOURCE_FILE} here: a table goes in its own folder, described by a {SOURCE_FILE}",
            file=project.display(folder),
            hint="see docs/adding-data.md §1 and §3",
        )
    source = load_source(folder, project.root)
    if not path.is_dir() and path.resolve() != source.path.resolve():
        raise DataError(
            f"the folder's {SOURCE_FILE} describes {source.entry['file']!r}, not this file",
            file=project.display(path),
            hint="one folder holds one table",
        )
    return source


def read_new(project: Project, registry: Registry, source: Source) -> tuple[pl.DataFrame, Reader]:
    """The source's candidate rows, validated like the clean stage validates them."""
    check_layouts(project)
    layout = LAYOUTS.get(source.layout)
    if layout is None or layout.kind != "observations":
        raise DataError(
            f"layout {source.layout!r} is not an observation table; known: {OBSERVATIONS}",
            **source.where("layout", project.root),
            value=source.layout,
        )
    reader = Reader(project, registry, source)
    assert layout.read is not None, "every observation layout has a reader"
    candidates = layout.read(reader)
    return contracts.validate(
        candidates, contracts.observation_schema(project), project, files={source.id: reader.display}
    ), reader


def comparable(candidates: pl.DataFrame) -> pl.DataFrame:
    """The candidate columns `compare` reads (identity, release, value, rank, copies), without the wide text."""
    return candidates.select(_COMPARED)


Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


def _keyed(df: Frame) -> Frame:
    return df.with_columns(
        pl.when(pl.col("period_exact")).then(pl.lit("")).otherwise(pl.col("period_label")).alias("period_key")
    )


def compare(project: Project, registry: Registry, source: Source, new: pl.DataFrame) -> dict:
    """What adding `new` (the candidates of `source`) changes, by kind of change — this file's effect only:
    both sides are built in memory from data/raw, without and with this file (a version of the same source
    already in data/raw is the "before")."""
    known = observation_sources(project)
    order = known if source.id in known else [*known, source.id]  # a new file arrives last
    others = [read_source(project, registry, s) for s in order if s != source.id]
    previous = []
    if source.id in project.catalogue and project.catalogue[source.id].folder.resolve() != source.folder.resolve():
        previous = [read_source(project, registry, source.id)]
    # Only the columns a comparison reads: a 50 MB table's quotes and URLs are not copied three times over.
    empty = pl.DataFrame(schema=CANDIDATE_SCHEMA).select(_COMPARED)
    others, previous = [f.select(_COMPARED) for f in others], [f.select(_COMPARED) for f in previous]
    new = comparable(new)
    before = resolve(pl.concat([empty, *others, *previous], how="vertical"), order).observations
    after = resolve(pl.concat([empty, *others, new], how="vertical"), order)
    inside = resolve(pl.concat([empty, new], how="vertical"), [source.id])  # duplicates and conflicts in the file
    basis = "data/raw without this file" + (" (its earlier version)" if previous else "")

    old = _keyed(before.lazy()).select(
        *KEY,
        "period_label",
        pl.col("value").alias("old"),
        pl.col("release").alias("old_release"),
        pl.col("source_id").alias("old_source"),
    )
    now = _keyed(after.observations.lazy()).select(
        *KEY,
        "period_label",
        "year",
        pl.col("value").alias("new"),
        pl.col("release").alias("new_release"),
        pl.col("source_id").alias("new_source"),
        "conflict",
    )
    both = old.join(now, on=KEY, how="full", nulls_equal=True, coalesce=True, suffix="_new").with_columns(
        pl.coalesce("period_label_new", "period_label").alias("period_label")
    )
    # The conflicts table has no period label: a vague period's conflict is matched on its dates.
    conflicted = after.conflicts.lazy().filter(pl.col("source_id") == source.id).select(KEY[:-1]).unique()
    conflicted = conflicted.with_columns(pl.lit(True).alias("involves_file"))
    both = both.join(conflicted, on=KEY[:-1], how="left", nulls_equal=True)
    kind = (
        pl.when(pl.col("old").is_null())
        .then(pl.lit("add"))
        .when(pl.col("new").is_null())
        .then(pl.lit("drop"))
        .when(pl.col("involves_file").fill_null(False))
        .then(pl.lit("conflict"))
        .when(pl.col("old").round(9) == pl.col("new").round(9))
        .then(pl.lit("unchanged"))
        .when(
            (pl.col("new_source") == source.id)
            & pl.col("old_release").is_not_null()
            & (pl.col("new_release") > pl.col("old_release"))
        )
        .then(pl.lit("supersede"))
        .otherwise(pl.lit("replace"))
    )
    # "unchanged": this file's figures already in the data with the same value (kept once, listed in also_in)
    compared = both.with_columns(kind.alias("kind"))
    unchanged = compared.filter(pl.col("kind") == "unchanged").join(
        _keyed(new.lazy()).select(KEY), on=KEY, how="semi", nulls_equal=True
    )
    changes = pl.concat([compared.filter(pl.col("kind") != "unchanged"), unchanged]).collect()
    older = (
        _keyed(after.superseded)
        .filter(pl.col("source_id") == source.id)
        .select(
            *KEY,
            "period_label",
            pl.col("value").alias("new"),
            pl.col("release").alias("new_release"),
            pl.col("superseded_by_release").alias("old_release"),
        )
        .with_columns(pl.lit("older release").alias("kind"))
    )
    return {
        "basis": basis,
        "changes": changes,
        "older": older,
        "before": before.height,
        "after": after.observations.height,
        "inside": inside,
        "rank_clashes": rank_clashes(after.observations).join(
            _keyed(new).select("indicator", "series", "map", "year").unique(),
            on=["indicator", "series", "map", "year"],
            how="semi",
        ),
    }


def rank_clashes(observations: pl.DataFrame) -> pl.DataFrame:
    """Two or more units holding one rank of one full-year ranking (indicator, series, map, year): a finding to
    look at (e.g. a rank that belongs to another year), kept as published, never resolved silently."""
    ranks = observations.filter(pl.col("rank_of").is_not_null() & pl.col("full_year"))
    return (
        ranks.group_by("indicator", "series", "map", "year", "value")
        .agg(pl.col("province_code").sort().alias("units"), pl.col("source_id").unique().sort().alias("sources"))
        .filter(pl.col("units").list.len() > 1)
        .sort("indicator", "series", "map", "year", "value")
    )

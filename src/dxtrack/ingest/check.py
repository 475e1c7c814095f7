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

import polars as pl

from dxtrack.core import contracts
from dxtrack.core.paths import Project
from dxtrack.core.vocabulary import FIGURE_IDENTITY
from dxtrack.core.errors import DataError, DataErrors
from dxtrack.ingest.units import Registry
from dxtrack.ingest.resolve import resolve
from dxtrack.ingest.reader import CANDIDATE_SCHEMA, READERS, Reader, observation_sources, read_source

KEY = FIGURE_IDENTITY
KINDS = ["add", "supersede", "conflict", "replace", "drop", "older release", "unchanged"]


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("check", help="validate a new table; show what it would add, supersede or conflict with",
                              description=__doc__.split("\n\n")[0])
    p.add_argument("path", help="the table (CSV, tab-separated text or XLSX)")
    p.add_argument("--source-id", help="its entry in data/raw/sources.yaml (default: the entry whose path is PATH)")
    p.add_argument("--limit", type=int, default=20, help="rows listed per kind of change (default 20)")
    p.set_defaults(func=cmd_check)


def source_for(project: Project, path: Path, source_id: str | None) -> str:
    """The sources.yaml entry describing `path`."""
    if source_id is not None:
        if source_id not in project.sources:
            raise DataError("no such entry in data/raw/sources.yaml", file="data/raw/sources.yaml", value=source_id,
                            hint="add an entry (see docs/adding-data.md)")
        return source_id
    for sid, entry in project.sources.items():
        if entry.get("path") and (project.raw / entry["path"]).resolve() == path.resolve():
            return sid
    raise DataError("the file is not described in data/raw/sources.yaml", file=str(path),
                    hint="add an entry whose `path` is this file, or name the entry with --source-id "
                         "(see docs/adding-data.md)")


def _relocated(exc: DataError, entry_file: str, shown: str) -> DataError:
    """Schema errors name the file where sources.yaml puts the table; name the file actually checked."""
    errors = exc.errors if isinstance(exc, DataErrors) else [exc]
    for e in errors:
        if e.file == entry_file:
            e.file = shown
    return DataErrors(errors) if isinstance(exc, DataErrors) else DataError(
        exc.message, file=exc.file, row=exc.row, column=exc.column, value=exc.value, hint=exc.hint)


def read_new(project: Project, registry: Registry, source_id: str, path: Path) -> tuple[pl.DataFrame, Reader]:
    """The file's candidate rows, validated like the clean stage validates them."""
    layout = project.sources[source_id].get("layout")
    if layout not in READERS:
        raise DataError(f"layout {layout!r} is not a table reader; known: {sorted(READERS)}",
                        file="data/raw/sources.yaml", column=f"{source_id}.layout", value=layout)
    reader = Reader(project, registry, source_id).at(path)
    candidates = READERS[layout](reader)
    try:
        candidates = contracts.validate(candidates, contracts.observation_schema(project), project)
    except DataError as exc:
        raise _relocated(exc, f"data/raw/{project.sources[source_id]['path']}", reader.display) from None
    return candidates, reader


def _keyed(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(
        pl.when(pl.col("period_exact")).then(pl.lit("")).otherwise(pl.col("period_label")).alias("period_key"))


def compare(project: Project, registry: Registry, source_id: str, path: Path, new: pl.DataFrame) -> dict:
    """What adding `new` (the candidates of `source_id` read from `path`) changes, by kind of change."""
    order = observation_sources(project)
    if source_id not in order:
        order = [*order, source_id]
    others = [read_source(project, registry, s) for s in order if s != source_id and s in project.sources]
    after = resolve(pl.concat([*others, new], how="vertical"), order)
    current = project.interim / "observations.parquet"
    if current.exists():
        before, basis = pl.read_parquet(current), str(current.relative_to(project.root))
    else:
        in_place = project.source_path(source_id) if source_id in project.sources else None
        previous = [read_source(project, registry, source_id)] if (
            in_place is not None and in_place.exists() and in_place.resolve() != path.resolve()) else []
        before = resolve(pl.concat([*others, *previous], how="vertical") if others or previous
                         else pl.DataFrame(schema=CANDIDATE_SCHEMA), order).observations
        basis = "data/raw without this file (clean stage in memory; data/interim/observations.parquet is absent)"

    old = _keyed(before).select(*KEY, "period_label", pl.col("value").alias("old"), pl.col("release").alias("old_release"),
                                pl.col("source_id").alias("old_source"))
    now = _keyed(after.observations).select(*KEY, "period_label", "year", pl.col("value").alias("new"),
                                            pl.col("release").alias("new_release"),
                                            pl.col("source_id").alias("new_source"), "conflict")
    both = old.join(now, on=KEY, how="full", nulls_equal=True, coalesce=True, suffix="_new").with_columns(
        pl.coalesce("period_label_new", "period_label").alias("period_label"))
    # The conflicts table has no period label: a vague period's conflict is matched on its dates.
    conflicted = after.conflicts.filter(pl.col("source_id") == source_id).select(KEY[:-1]).unique()
    conflicted = conflicted.with_columns(pl.lit(True).alias("involves_file"))
    both = both.join(conflicted, on=KEY[:-1], how="left", nulls_equal=True)
    kind = (pl.when(pl.col("old").is_null()).then(pl.lit("add"))
            .when(pl.col("new").is_null()).then(pl.lit("drop"))
            .when(pl.col("involves_file").fill_null(False)).then(pl.lit("conflict"))
            .when(pl.col("old").round(9) == pl.col("new").round(9)).then(pl.lit("unchanged"))
            .when((pl.col("new_source") == source_id) & pl.col("old_release").is_not_null()
                  & (pl.col("new_release") > pl.col("old_release"))).then(pl.lit("supersede"))
            .otherwise(pl.lit("replace")))
    both = both.with_columns(kind.alias("kind"))
    older = _keyed(after.superseded).filter(pl.col("source_id") == source_id).select(
        *KEY, "period_label", pl.col("value").alias("new"), pl.col("release").alias("new_release"),
        pl.col("superseded_by_release").alias("old_release")).with_columns(pl.lit("older release").alias("kind"))
    return {"basis": basis, "changes": both, "older": older, "before": before.height,
            "after": after.observations.height}


def _names(registry: Registry) -> dict[tuple[str, str], str]:
    names = {(m, c): u.name_vi for m in ("63", "34") for c, u in registry.units[m].items()}
    names[("VN", "VN")] = registry.country.name_vi
    return names


def _line(r: dict, names: dict) -> str:
    unit = f"{r['map']}:{r['province_code']} {names.get((r['map'], r['province_code']), '?')}"
    old = "—" if r.get("old") is None else f"{r['old']:g}"
    new = "—" if r.get("new") is None else f"{r['new']:g}"
    release = ""
    if r["kind"] in ("supersede", "older release"):
        release = f"  (release {r.get('old_release') or '?'} → {r.get('new_release') or '?'})"
    return f"  {unit:<34} {r['indicator']:<32} [{r['series']}] {r['period_label']}: {old} → {new}{release}"


def cmd_check(args, project: Project) -> int:
    path = Path(args.path).expanduser()
    if not path.is_absolute() and not path.exists() and (project.root / path).exists():
        path = project.root / path  # data/raw/observations/… named from outside the project folder
    path = path.absolute()
    source_id = source_for(project, path, args.source_id)
    registry = Registry.load(project.raw)
    new, reader = read_new(project, registry, source_id, path)
    info = reader.info
    layout = project.sources[source_id]["layout"]
    how = f"{info.format}, {info.encoding}" + (f", {info.delimiter}-separated" if info.delimiter else "")
    header = "-".join(str(n) for n in (info.header_rows[0], info.header_rows[-1])) if len(info.header_rows) > 1 \
        else str(info.header_rows[0])
    print(f"{reader.display}: source {source_id}, layout {layout} ({how}; header row {header})")
    maps = ", ".join(sorted(new["map"].unique())) or "–"
    years = ", ".join(str(y) for y in sorted(new["year"].unique())) or "–"
    print(f"  valid: {new['source_row'].n_unique()} rows, {new.height} values; map {maps}; year {years}; "
          f"indicators {', '.join(sorted(new['indicator'].unique()))}")
    result = compare(project, registry, source_id, path, new)
    changes = pl.concat([result["changes"].select("kind", *KEY, "period_label", "old", "new", "old_release",
                                                  "new_release"),
                         result["older"].select("kind", *KEY, "period_label", pl.lit(None, pl.Float64).alias("old"),
                                                "new", "old_release", "new_release")], how="vertical")
    changes = changes.sort("kind", "indicator", "map", "province_code", "series", "period_start", "period_label")
    print(f"compared with {result['basis']} ({result['before']} observations; {result['after']} with this file)")
    counts = dict(changes.group_by("kind").len().iter_rows())
    for kind in KINDS:
        print(f"  {kind:<14}{counts.get(kind, 0):>6}")
    names = _names(registry)
    for kind in KINDS[:-1]:
        rows = changes.filter(pl.col("kind") == kind)
        if rows.height:
            shown = f"first {args.limit} of {rows.height}" if rows.height > args.limit else str(rows.height)
            print(f"\n{kind} ({shown}):")
            for r in rows.head(args.limit).iter_rows(named=True):
                print(_line(r, names))
    print("\nnothing was written; to add the file: put it where its sources.yaml entry says, then `dvc repro`")
    return 0


"""`dxtrack check PATH`: what a new table would change, printed (the logic: dxtrack.ingest.check)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from dxtrack.core.paths import Project
from dxtrack.core.sources import sha256_of
from dxtrack.ingest.check import KEY, KINDS, comparable, compare, find_source, read_new
from dxtrack.ingest.units import Registry


def add_parser(subparsers) -> None:
    from dxtrack.ingest import check

    p = subparsers.add_parser(
        "check",
        help="validate a new table; show what it would add, supersede or conflict with",
        description=check.__doc__.split("\n\n")[0],
    )
    p.add_argument("path", help="a source folder (the table + its source.yaml), or the table in it")
    p.add_argument("--limit", type=int, default=20, help="rows listed per kind of change (default 20)")
    p.set_defaults(func=cmd_check)


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
        path = project.root / path  # data/raw/sources/… named from outside the project folder
    source = find_source(project, path)
    registry = Registry.load(project)
    new, reader = read_new(project, registry, source)
    info = reader.info
    assert info is not None, "every observation layout reads its table through Reader.table"
    how = f"{info.format}, {info.encoding}" + (f", {info.delimiter}-separated" if info.delimiter else "")
    header = (
        "-".join(str(n) for n in (info.header_rows[0], info.header_rows[-1]))
        if len(info.header_rows) > 1
        else str(info.header_rows[0])
    )
    print(f"{reader.display}: source {source.id}, layout {source.layout} ({how}; header row {header})")
    print(f"  sha256 {sha256_of(source.path)} (matches its source.yaml)")
    maps = ", ".join(sorted(new["map"].unique())) or "–"
    years = ", ".join(str(y) for y in sorted(new["year"].unique())) or "–"
    distinct = new["source_row"].n_unique()
    rows = distinct + sum(n - 1 for n, _ in reader.copies.values())
    shown = f"{rows} rows ({distinct} distinct)" if rows != distinct else f"{rows} rows"
    print(
        f"  valid: {shown}, {new.height} values; map {maps}; year {years}; "
        f"indicators {', '.join(sorted(new['indicator'].unique()))}"
    )
    account = reader.account()
    reported = sum(len(rows) for rows in account["rows_reported"].values())
    print(f"  rows: {account['rows_read']} read = {account['rows_kept']} kept + {reported} reported")
    for reason, rows in account["rows_reported"].items():
        listed = ", ".join(str(r) for r in rows[: args.limit]) + (" …" if len(rows) > args.limit else "")
        print(f"    {len(rows)} row(s) without a value: {reason} (rows {listed})")
    flags = [
        f"{new.filter(pl.col(c)).height} {label}"
        for c, label in (
            ("proxy", "proxy value(s): the series is a proxy, labelled wherever shown"),
            ("derived", "value(s) computed from published counts"),
        )
        if new.filter(pl.col(c)).height
    ]
    if flags:
        print("  " + "; ".join(flags))
    lean = comparable(new)
    del new, reader  # the comparison needs only the lean columns: a 50 MB table's text is not held twice
    result = compare(project, registry, source, lean)
    names_ = _names(registry)
    inside = result["inside"]
    print(
        f"  inside the file: {inside.duplicates_merged} duplicate value(s), "
        f"{inside.conflicts.filter(pl.col('chosen')).height} conflict(s)"
    )
    changes = pl.concat(
        [
            result["changes"].select("kind", *KEY, "period_label", "old", "new", "old_release", "new_release"),
            result["older"].select(
                "kind", *KEY, "period_label", pl.lit(None, pl.Float64).alias("old"), "new", "old_release", "new_release"
            ),
        ],
        how="vertical",
    )
    changes = changes.sort("kind", "indicator", "map", "province_code", "series", "period_start", "period_label")
    for r in result["rank_clashes"].iter_rows(named=True):
        print(
            f"  rank clash: {r['indicator']} [{r['series']}] {r['year']} map {r['map']}: rank {r['value']:g} held by "
            + ", ".join(f"{r['map']}:{c} {names_.get((r['map'], c), '?')}" for c in r["units"])
            + f" (sources {', '.join(r['sources'])}; kept as published)"
        )
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
    where = (
        "in data/raw/sources/"
        if source.folder.resolve().parent == project.sources_dir.resolve()
        else "copy the folder into data/raw/sources/, then"
    )
    print(f"\nnothing was written; {where} run `dvc repro`")
    return 0

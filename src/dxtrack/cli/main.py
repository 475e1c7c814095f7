"""The `dxtrack` command: quick answers from the built tables, for the terminal.

    dxtrack coverage [--map 63|34] [--all]   which units have full-year values, by indicator and year
    dxtrack conflicts                        figures that sources report differently, and the value kept
    dxtrack resolve NAME [--map 63|34]       which unit a spelling means on a map
    dxtrack status --province NAME [--map]   a unit's targets: status, P(meet), pace and why
    dxtrack check PATH                       validate a new table (its source folder): what it would change
    dxtrack release [--edition YEAR]         snapshot the tables the briefing was built from (releases/<year>/)
    dxtrack scorecard --province NAME        schemes scoring a province's own units; ranks, movers, spread
    dxtrack tasks --province NAME [--as-of]  a province's assigned tasks: overdue and due first (--json)
    dxtrack diff [--edition YEAR]            what changed since that snapshot: figures, statuses, new sources

Every failure ends in one `dxtrack: …` message and exit status 2 (1 for an internal error); `--debug` (or
DXTRACK_DEBUG=1) also prints the traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import polars as pl

from dxtrack.cli import check
from dxtrack.cli import subunits as subunit_commands
from dxtrack.core.errors import DataError
from dxtrack.core.paths import Project
from dxtrack.core.stage import debugging, describe
from dxtrack.ingest.units import Registry, Unit
from dxtrack.report import labels, releases
from dxtrack.report.reasons import worded

# Indicators shown by `coverage` unless --all: the ones targets are set on.


def _metrics(project: Project, name: str) -> dict:
    path = project.metrics / name
    if not path.exists():
        raise DataError("does not exist yet: run `dvc repro` first", file=project.display(path))
    return json.loads(path.read_text(encoding="utf-8"))


def coverage_table(coverage: dict, maps: list[str], indicators: list[str] | None) -> str:
    years = sorted({y for per_map in coverage.values() for m in per_map.values() for y in m})
    lines = [f"{'indicator':<34}{'map':>4}  " + "".join(f"{y:>8}" for y in years)]
    for indicator in sorted(coverage):
        if indicators and indicator not in indicators:
            continue
        for map_ in maps:
            cells = coverage[indicator].get(map_, {})
            if not cells:
                continue
            row = "".join(f"{cells[y]['units']:>5}/{cells[y]['of']:<2}" if y in cells else f"{'–':>8}" for y in years)
            lines.append(f"{indicator:<34}{map_:>4}  {row}")
    return "\n".join(lines)


def _dump(value) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True, default=str))


def cmd_coverage(args, project: Project) -> int:
    metric = _metrics(project, "harmonize.json")
    maps = [args.map] if args.map else ["63", "34"]
    picked = {
        i: {m: c for m, c in per.items() if m in maps}
        for i, per in metric["coverage"].items()
        if args.all or i in project.headline_indicators
    }
    if args.json:
        _dump(
            [
                {
                    "indicator": i,
                    "indicator_name": labels.indicator_name(i, args.lang),
                    "map": m,
                    "year": int(y),
                    "units": c["units"],
                    "of": c["of"],
                }
                for i, per in sorted(picked.items())
                for m, years in sorted(per.items())
                for y, c in sorted(years.items())
            ]
        )
        return 0
    print(labels.t("cli.coverage_head", args.lang))
    table = coverage_table(metric["coverage"], maps, None if args.all else project.headline_indicators)
    if args.lang == "vi":
        table = "\n".join(_vi_indicator(line) for line in table.splitlines())
    print(table)
    return 0


def _vi_indicator(line: str) -> str:
    """A coverage line with the indicator id replaced by its Vietnamese name (the id kept in brackets)."""
    ident = line[:34].strip()
    try:
        name = labels.indicator_name(ident, "vi")
    except KeyError:
        return line
    return f"{name} [{ident}]".ljust(34)[:60] + line[34:]


def cmd_conflicts(args, project: Project) -> int:
    metric = _metrics(project, "data_quality.json")
    if args.json:
        _dump(metric["conflicts"])
        return 0
    for c in metric["conflicts"]:
        mark = "kept" if c["chosen"] else "    "
        print(
            f"{mark}  {c['map']}:{c['province_code']} {c['indicator']} [{c['series']}] {c['year']}: "
            f"{c['value']:g}  ({c['source_id']} row {c['source_row']}, authority {c['authority']})"
        )
    if metric["conflicts"]:
        print(f"{labels.t('cli.rule', args.lang)}: {metric['conflicts'][0]['rule']}")
    else:
        print(labels.t("cli.no_conflicts", args.lang))
    return 0


def cmd_resolve(args, project: Project) -> int:
    unit = Registry.load(project).resolve(args.name, args.map)
    extra = (
        f"; formed from old units {', '.join(unit.members)}"
        if unit.members
        else (f"; merged into new unit {unit.successor}" if unit.successor else "")
    )
    print(f"{unit.map}:{unit.code} {unit.name_vi}{extra}")
    return 0


def _find_unit(registry: Registry, name: str, map_: str | None) -> Unit:
    """A name on the map asked for; without --map, the 34-unit map first, then the old 63 (e.g. "Trà Vinh")."""
    if map_:
        return registry.resolve(name, map_)
    try:
        return registry.resolve(name, "34")
    except DataError:
        return registry.resolve(name, "63")


def _target_line(row: dict) -> str:
    unit = (
        "%" if row["measured_by"] != "dti_rank" and row["target_value"] is not None and row["rank_of"] is None else ""
    )
    value = "?" if row["target_value"] is None else f"{row['target_value']:g}{unit}"
    year = row["target_year"] or "no year"
    force = "" if row["in_force"] else "  (not in force: " + (row["in_force_note"] or "superseded") + ")"
    return f"{row['indicator']} {row['comparator_norm']} {value} by {year}  [{row['document']}]{force}"


def _status_line(row: dict) -> str:
    parts = [row["status"]]
    if row["p_meet"] is not None:
        parts.append(f"P(meet) {row['p_meet']:.0%}")
    if row["expected_rank"] is not None:
        parts.append(f"median forecast rank {row['expected_rank']:.1f}")
    if row["pace_ratio"] is not None:
        parts.append(f"pace ratio {row['pace_ratio']:.2f}")
    series = f" [series {row['series']}]" if row["series"] else ""
    return f"{' · '.join(parts)}{series}\n      {row['reason']}"


def cmd_status(args, project: Project) -> int:
    path = project.processed / "status.parquet"
    if not path.exists():
        raise DataError("does not exist yet: run `dvc repro` first", file=project.display(path))
    status = worded(pl.read_parquet(path))
    registry = Registry.load(project)
    unit = _find_unit(registry, args.province, args.map)
    if args.json or args.lang == "vi":
        return _status_worded(args, status, registry, unit)
    if unit.map == "34":
        print(
            f"34:{unit.code} {unit.name_vi} (since 1 July 2025)"
            + (
                f", formed from {', '.join(registry.unit('63', c).name_vi for c in unit.members)}"
                if unit.members
                else ""
            )
        )
        groups = [
            (
                f"targets set by {unit.name_vi} (34:{unit.code})",
                status.filter((pl.col("map") == "34") & (pl.col("province_code") == unit.code)),
            )
        ]
        groups += [
            (
                f"targets set by {registry.unit('63', c).name_vi} (63:{c}, before the merger)",
                status.filter((pl.col("map") == "63") & (pl.col("province_code") == c)),
            )
            for c in unit.members
        ]
    else:
        label = unit.name_vi if unit.map == "VN" else f"63:{unit.code} {unit.name_vi} (before 1 July 2025)"
        merged = (
            f"; merged into 34:{unit.successor} {registry.unit('34', unit.successor).name_vi}" if unit.successor else ""
        )
        print(label + merged)
        groups = [("targets", status.filter((pl.col("map") == unit.map) & (pl.col("province_code") == unit.code)))]
    for title, rows in groups:
        print(f"\n{title}: {rows['target_id'].n_unique()}")
        for target_id in rows.sort("target_year", "indicator", "target_id", nulls_last=True)["target_id"].unique(
            maintain_order=True
        ):
            series_rows = rows.filter(pl.col("target_id") == target_id).sort("preferred", descending=True)
            first = series_rows.row(0, named=True)
            print(f"  {_target_line(first)}")
            for row in series_rows.iter_rows(named=True):
                print(f"    {'*' if row['preferred'] else ' '} {_status_line(row)}")
            if first["note"]:
                print(f"      note: {first['note']}")
    print(
        "\n* preferred series (params.yaml model.series_preference); statuses: dxtrack.model.pace, P(meet): "
        "default method at the target year (params.yaml model.default_method)"
    )
    return 0


def _status_worded(args, status: pl.DataFrame, registry: Registry, unit: Unit) -> int:
    """`status` in the reader's language (--lang) or as JSON (--json): one record per target and series."""
    from dxtrack.report.text import target_text

    lang = args.lang
    keys = [("34", unit.code)] + [("63", c) for c in unit.members] if unit.map == "34" else [(unit.map, unit.code)]
    records = []
    for m, c in keys:
        rows = status.filter((pl.col("map") == m) & (pl.col("province_code") == c))
        name = labels.t("unit.country", lang) if m == "VN" else registry.unit(m, c).name_vi
        for r in rows.sort(
            "target_year",
            "indicator",
            "target_id",
            "preferred",
            nulls_last=True,
            descending=[False, False, False, True],
        ).iter_rows(named=True):
            records.append(
                {
                    "set_by": name,
                    "map": m,
                    "province_code": c,
                    "target_id": r["target_id"],
                    "indicator": r["indicator"],
                    "indicator_name": labels.indicator_name(r["indicator"], lang),
                    "target": target_text(r, lang),
                    "document": r["document"],
                    "in_force": r["in_force"],
                    "series": r["series"],
                    "series_name": labels.series_name(r["series"], lang) if r["series"] else None,
                    "official": r["preferred"],
                    "status": r["status"],
                    "status_label": labels.status_label(r["status"], lang),
                    "p_meet": r["p_meet"],
                    "latest_value": r["latest_value"],
                    "latest_year": r["latest_year"],
                    "reason": r["reason_vi"] if lang == "vi" else r["reason"],
                    "note": r["note_vi"] if lang == "vi" else r["note"],
                }
            )
    if args.json:
        _dump({"unit": {"map": unit.map, "code": unit.code, "name": unit.name_vi}, "targets": records})
        return 0
    print(f"{unit.map}:{unit.code} {unit.name_vi}")
    for r in records:
        mark = "*" if r["official"] else " "
        p = (
            f" · {labels.t('col.p_meet', lang)} {labels.fmt_probability(r['p_meet'], lang)}"
            if r["p_meet"] is not None
            else ""
        )
        print(f"  {r['set_by']}: {r['indicator_name']}, {r['target']} [{r['document']}]")
        print(f"    {mark} {r['status_label']}{p}" + (f" [{r['series_name']}]" if r["series_name"] else ""))
        print(f"      {r['reason']}")
    print(labels.t("cli.official_mark", lang))
    return 0


def cmd_release(args, project: Project) -> int:
    edition = args.edition or int(project.params["render"]["year"])
    target = releases.snapshot(project, edition)
    print(
        f"release {edition}: observations, statuses and the list of sources saved in "
        f"{target.relative_to(project.root)}/ (commit it: from now on the briefing reports what changed since, "
        f"in this edition and the next)"
    )
    return 0


def cmd_diff(args, project: Project) -> int:
    """The facts people watch, against the last release (outside the test suite: live data moves)."""
    edition = args.edition or int(project.params["render"]["year"])
    diff = releases.changes(project, edition)
    if diff is None:
        print("no release yet: `dxtrack release` saves one when a briefing is sent")
        return 0
    figures, statuses, sources = diff["figures"], diff["statuses"], diff["sources"]
    derived = figures.filter(pl.col("derived")).height
    figures = figures.filter(~pl.col("derived"))  # published figures; derived ones follow from them
    counts = dict(figures.group_by("change").len().iter_rows())
    print(
        f"since the release of edition {diff['since']}"
        + (f" ({diff['released']})" if diff["released"] else "")
        + f": {counts.get('added', 0)} added, {counts.get('revised', 0)} revised, {counts.get('withdrawn', 0)} "
        f"withdrawn published figures ({derived} derived figures moved with them); {statuses.height} target(s) "
        f"changed status; {sources.height} new source(s)"
    )
    for r in sources.iter_rows(named=True):
        print(f"  new source {r['source_id']}: {r['publisher']}" + ("  [synthetic]" if r["synthetic"] else ""))
    for r in figures.head(args.limit).iter_rows(named=True):
        old = "—" if r["old_value"] is None else f"{r['old_value']:g}"
        new = "—" if r["new_value"] is None else f"{r['new_value']:g}"
        print(
            f"  {r['change']:<9} {r['map']}:{r['province_code']} {r['name_vi'] or ''} / {r['name_en'] or ''}  "
            f"{r['indicator']} [{r['series']}] {r['period_label']}: {old} → {new}  ({r['source_id']})"
        )
    if figures.height > args.limit:
        print(f"  … {figures.height - args.limit} more (--limit)")
    for r in statuses.iter_rows(named=True):
        print(
            f"  status  {r['map']}:{r['province_code']} {r['name_vi'] or ''}  {r['indicator']} {r['target_year']}: "
            f"{r['old_status'] or '—'} → {r['status']}\n          {r['reason_en']}"
        )
    return 0


def _reader_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", choices=list(labels.LANGS), default="en", help="words in Vietnamese (vi) or English (en)")
    p.add_argument("--json", action="store_true", help="machine-readable output (JSON)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dxtrack", description=__doc__.split("\n\n")[0])
    parser.add_argument("--debug", action="store_true", help="print the traceback of a failure (or DXTRACK_DEBUG=1)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("coverage", help="units with full-year values by indicator and year")
    p.add_argument("--map", choices=["63", "34"])
    p.add_argument("--all", action="store_true", help="every indicator, not only the headline ones")
    _reader_options(p)
    p.set_defaults(func=cmd_coverage)
    p = sub.add_parser("conflicts", help="figures reported differently by two sources")
    _reader_options(p)
    p.set_defaults(func=cmd_conflicts)
    p = sub.add_parser("resolve", help="which unit a name means")
    p.add_argument("name")
    p.add_argument("--map", choices=["63", "34"], default="34")
    p.set_defaults(func=cmd_resolve)
    p = sub.add_parser("status", help="a unit's targets with status, probability and pace")
    p.add_argument("--province", required=True, help='a name as written anywhere, e.g. "Trà Vinh" or "TP. HCM"')
    p.add_argument("--map", choices=["63", "34"], help="default: the 34-unit map, else the old 63")
    _reader_options(p)
    p.set_defaults(func=cmd_status)
    check.add_parser(sub)
    subunit_commands.add_parsers(sub)
    p = sub.add_parser("release", help="snapshot this edition's tables so the next briefing can show what changed")
    p.add_argument("--edition", type=int, help="default: render.year in params.yaml")
    p.set_defaults(func=cmd_release)
    p = sub.add_parser("diff", help="what changed since the last release: figures, statuses, sources")
    p.add_argument("--edition", type=int, help="default: render.year in params.yaml")
    p.add_argument("--limit", type=int, default=40, help="figures listed (default 40)")
    p.set_defaults(func=cmd_diff)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    debug = args.debug or debugging([])
    project = None
    try:
        project = Project.find()
        project.check_params()  # before any command reads data
        return args.func(args, project)
    except BrokenPipeError:  # output piped into `head`: stop quietly (Python docs, "Note on SIGPIPE")
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("dxtrack: interrupted", file=sys.stderr)
        return 130
    except SystemExit:
        raise
    except Exception as exc:  # one line, never a traceback unless asked for
        if debug:
            import traceback

            traceback.print_exception(exc)
        print(f"dxtrack: {describe(exc, project)}", file=sys.stderr)
        return 2 if isinstance(exc, (DataError, OSError)) else 1


if __name__ == "__main__":
    sys.exit(main())

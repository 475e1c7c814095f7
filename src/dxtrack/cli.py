"""The `dxtrack` command: quick answers from the built tables, for the terminal.

    dxtrack coverage [--map 63|34] [--all]   which units have full-year values, by indicator and year
    dxtrack conflicts                        figures that sources report differently, and the value kept
    dxtrack resolve NAME [--map 63|34]       which unit a spelling means on a map
"""

from __future__ import annotations

import argparse
import json
import sys

from dxtrack.config import Project
from dxtrack.errors import DataError
from dxtrack.provinces import Registry

# Indicators shown by `coverage` unless --all: the ones targets are set on.
HEADLINE = ["dti", "dti_rank", "digital_economy_share_grdp", "online_filing_rate"]


def _metrics(project: Project, name: str) -> dict:
    path = project.metrics / name
    if not path.exists():
        raise SystemExit(f"{path} does not exist yet: run `dvc repro` first")
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


def cmd_coverage(args, project: Project) -> int:
    metric = _metrics(project, "harmonize.json")
    maps = [args.map] if args.map else ["63", "34"]
    print("Units with a full-year value (published, or derived for merged units) / units on the map")
    print(coverage_table(metric["coverage"], maps, None if args.all else HEADLINE))
    return 0


def cmd_conflicts(args, project: Project) -> int:
    metric = _metrics(project, "data_quality.json")
    for c in metric["conflicts"]:
        mark = "kept" if c["chosen"] else "    "
        print(f"{mark}  {c['map']}:{c['province_code']} {c['indicator']} [{c['series']}] {c['year']}: "
              f"{c['value']:g}  ({c['source_id']} row {c['source_row']}, authority {c['authority']})")
    if metric["conflicts"]:
        print(f"rule: {metric['conflicts'][0]['rule']}")
    else:
        print("no conflicts")
    return 0


def cmd_resolve(args, project: Project) -> int:
    unit = Registry.load(project.raw).resolve(args.name, args.map)
    extra = f"; formed from old units {', '.join(unit.members)}" if unit.members else (
        f"; merged into new unit {unit.successor}" if unit.successor else "")
    print(f"{unit.map}:{unit.code} {unit.name_vi}{extra}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dxtrack", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("coverage", help="units with full-year values by indicator and year")
    p.add_argument("--map", choices=["63", "34"])
    p.add_argument("--all", action="store_true", help="every indicator, not only the headline ones")
    p.set_defaults(func=cmd_coverage)
    p = sub.add_parser("conflicts", help="figures reported differently by two sources")
    p.set_defaults(func=cmd_conflicts)
    p = sub.add_parser("resolve", help="which unit a name means")
    p.add_argument("name")
    p.add_argument("--map", choices=["63", "34"], default="34")
    p.set_defaults(func=cmd_resolve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args, Project.find())
    except DataError as exc:
        print(f"dxtrack: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

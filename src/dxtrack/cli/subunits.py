"""`dxtrack scorecard` and `dxtrack tasks`: units below the province and task registers, from data/raw.

    dxtrack scorecard --province "Đồng Nai" [--lang vi|en] [--data DIR]
    dxtrack tasks --province "Nam Định" [--as-of YYYY-MM-DD] [--soon DAYS] [--all] [--json] [--lang vi|en]

Both read and check the raw files in-process (a second or less), so they work before `dvc repro`; `--data` points
at another folder of the same shape, e.g. tests/fixtures/subunits for the SYNTHETIC worked example.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl

from dxtrack.core.paths import Project
from dxtrack.core.subunits import TASK_STATES
from dxtrack.ingest.subunit_tables import build
from dxtrack.ingest.units import Registry
from dxtrack.model import scorecard
from dxtrack.model.taskstatus import task_status
from dxtrack.report.labels import fmt_number
from dxtrack.report.subunit_words import distribution_line, w


def add_parsers(sub) -> None:
    p = sub.add_parser("scorecard", help="schemes scoring a province's departments, districts and communes; ranks")
    p.add_argument("--province", required=True, help='e.g. "Đồng Nai" (a 34-unit name lists its former provinces)')
    p.add_argument("--lang", choices=["vi", "en"], default="en")
    p.add_argument("--data", type=Path, help="a folder shaped like data/raw (default: the project's data/raw)")
    p.set_defaults(func=cmd_scorecard)
    p = sub.add_parser("tasks", help="a province's assigned tasks: overdue and due first")
    p.add_argument("--province", required=True)
    p.add_argument("--as-of", type=date.fromisoformat, default=None, help="default: today")
    p.add_argument(
        "--soon",
        type=int,
        default=None,
        help="days ahead counted as due soon (default: model.tasks.due_soon_days in params.yaml)",
    )
    p.add_argument("--all", action="store_true", help="also tasks done and not yet due")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--lang", choices=["vi", "en"], default="en")
    p.add_argument("--data", type=Path)
    p.set_defaults(func=cmd_tasks)


def _codes(registry: Registry, name: str) -> tuple[str, list[str]]:
    """The unit's display name and the 63-map codes whose schemes and registers belong to it."""
    from dxtrack.core.errors import DataError

    try:
        unit = registry.resolve(name, "34")
        return unit.name_vi, list(unit.members)
    except DataError:
        unit = registry.resolve(name, "63")
        return unit.name_vi, [unit.code]


def _tables(project: Project, data: Path | None) -> tuple[Registry, dict]:
    registry = Registry.load(project)
    if data is None:
        return registry, build(project.raw, registry, root=project.root, catalogue=project.catalogue)
    return registry, build(data.resolve(), registry, root=project.root)


def _rank_text(r: dict, lang: str) -> str:
    if r["rank_basis"] == "computed":
        text = w("rank.computed", lang, rank=r["rank"], of=r["rank_of"])
        return f"{text}, {w('rank.tied', lang)}" if r["tied"] else text
    if r["rank"] is not None:
        return w("rank.published", lang, rank=r["rank"])
    return w("rank.last", lang) if r["published_position"] == "last" else w("rank.none", lang)


def cmd_scorecard(args, project: Project) -> int:
    registry, t = _tables(project, args.data)
    name, codes = _codes(registry, args.province)
    lang = args.lang
    schemes = t["schemes"].filter(pl.col("issuer_code").is_in(codes) & (pl.col("issuer_map") == "63"))
    units = t["subunits"].select("unit_id", "name_vi", "name_en", "valid_to", "successor_vi", "successor_en")
    ranked = scorecard.ranks(t["unit_scores"]).join(units, on="unit_id", how="left")
    movers = scorecard.movers(ranked).join(units, on="unit_id", how="left")
    dist = scorecard.distribution(t["unit_scores"])
    print(f"{w('section.scorecard', lang)} — {name}")
    if schemes.height == 0:
        print(f"  {w('scheme.no_scores', lang)}")
    for s in schemes.iter_rows(named=True):
        print(f"\n{s['name_vi'] if lang == 'vi' else s['name_en']}  [{s['scheme_id']}]")
        if s["synthetic"]:
            print(f"  {w('synthetic.banner', lang)}")
        print(
            f"  {w('scheme.applies_to', lang, unit_type=w('unit_type.' + s['applies_to'], lang))}; "
            + (
                w("scheme.total", lang, total=fmt_number(s["total"], lang, 0))
                if s["total"] is not None
                else w("scheme.total_unknown", lang)
            )
        )
        counts = (
            w("scheme.structure", lang, main=s["main_indices_count"] or "?", components=s["components_count"] or "?")
            if s["main_indices_count"] or s["components_count"]
            else w("scheme.structure_unknown", lang)
        )
        print(f"  {counts}" + ("" if s["components_known"] else f" — {w('scheme.components_unknown', lang)}"))
        mains = t["scheme_items"].filter((pl.col("scheme_id") == s["scheme_id"]) & (pl.col("kind") == "main"))
        if mains.height:
            print(
                "  "
                + "; ".join(
                    f"{m['name_vi'] if lang == 'vi' else m['name_en']}"
                    + (f" ({fmt_number(m['max_points'], lang, 0)})" if m["max_points"] is not None else "")
                    for m in mains.sort("position").iter_rows(named=True)
                )
            )
        print(
            f"  {w('scheme.valid', lang, start=s['valid_from'], end=s['valid_to'] or w('scheme.open', lang))}; "
            f"{w('scheme.document', lang, document=s['document_number'] or s['document_url'])}"
        )
        rows = ranked.filter(pl.col("scheme_id") == s["scheme_id"])
        if rows.height == 0:
            print(f"  {w('scheme.no_scores', lang)}")
        for (period,), group in rows.group_by(["period_label"], maintain_order=True):
            note = w("rank.ties_note", lang) if group["rank_basis"][0] == "computed" else w("rank.partial_note", lang)
            print(f"\n  {period}  ({note})")
            for r in group.iter_rows(named=True):
                unit = r["name_vi"] if lang == "vi" else r["name_en"]
                later = ""
                if r["valid_to"] is not None:
                    later = f"  ({w('unit.ceased', lang, date=r['valid_to'].strftime('%d/%m/%Y'))}"
                    successor = r["successor_vi"] if lang == "vi" else r["successor_en"]
                    later += f"; {w('unit.successor', lang, successor=successor)})" if successor else ")"
                print(f"    {fmt_number(r['score'], lang, 2):>8}  {unit:<40} {_rank_text(r, lang)}{later}")
            d = dist.filter((pl.col("scheme_id") == s["scheme_id"]) & (pl.col("period_label") == period))
            if d.height:
                d0 = d.row(0, named=True)
                print("    " + distribution_line(d0, lang))
            for m in movers.filter(
                (pl.col("scheme_id") == s["scheme_id"]) & (pl.col("period_label") == period)
            ).iter_rows(named=True):
                print(
                    "    "
                    + w(
                        "movers.line",
                        lang,
                        unit=m["name_vi"] if lang == "vi" else m["name_en"],
                        change=m["places_gained"],
                        before=m["previous_rank"],
                        after=m["rank"],
                    )
                )
    return 0


def task_rows(t: dict, codes: list[str], as_of: date, soon: int, everything: bool) -> pl.DataFrame:
    """A province's task occurrences as of a date, overdue first, then due soon, then the rest."""
    rows = task_status(t["tasks"], t["task_occurrences"], t["task_updates"], t["agencies"], as_of, soon)
    rows = rows.filter(pl.col("province_code").is_in(codes))
    if not everything:
        rows = rows.filter(pl.col("state").is_in(["overdue", "due_soon"]))
    order = {s: i for i, s in enumerate(TASK_STATES)}
    return (
        rows.with_columns(pl.col("state").replace_strict(order).alias("_order"))
        .sort("_order", "due_date", "task_id", "occurrence")
        .drop("_order")
    )


def cmd_tasks(args, project: Project) -> int:
    registry, t = _tables(project, args.data)
    name, codes = _codes(registry, args.province)
    as_of = args.as_of or date.today()
    soon = project.due_soon_days if args.soon is None else args.soon
    rows = task_rows(t, codes, as_of, soon, args.all)
    if args.json:
        keep = [
            "state",
            "task_id",
            "occurrence",
            "due_date",
            "days_overdue",
            "days_late",
            "no_update",
            "last_status",
            "last_update",
            "province_code",
            "document",
            "document_date",
            "issuer",
            "task_vi",
            "summary_en",
            "lead_agency",
            "co_agencies",
            "lead_successor_vi",
            "lead_successor_en",
            "deadline_text",
            "source_url",
            "source_text",
            "synthetic",
        ]
        print(
            json.dumps(
                {"province": name, "as_of": as_of.isoformat(), "tasks": rows.select(keep).to_dicts()},
                ensure_ascii=False,
                indent=2,
                default=str,
            )
        )
        return 0
    lang = args.lang
    print(f"{w('section.tasks', lang)} — {name}. {w('task.as_of', lang, date=as_of.strftime('%d/%m/%Y'))}")
    if rows.height == 0:
        print(f"  {w('task.none', lang)}")
    for r in rows.iter_rows(named=True):
        flags = [w("state." + r["state"], lang), w("task.due", lang, due=r["due_date"].strftime("%d/%m/%Y"))]
        if r["days_overdue"]:
            flags.append(w("task.days_overdue", lang, days=r["days_overdue"]))
        if r["no_update"]:
            flags.append(w("task.no_update", lang))
        print(f"\n  [{r['task_id']}#{r['occurrence']}] {' · '.join(flags)}")
        print(f"    {r['task_vi'] if lang == 'vi' else r['summary_en']}")
        lead = w("task.lead", lang, lead=r["lead_agency"])
        successor = r["lead_successor_vi"] if lang == "vi" else r["lead_successor_en"]
        if successor:
            lead += f" ({w('task.owner_successor', lang, lead=r['lead_agency'], successor=successor)})"
        print(f"    {lead}" + (f"; {w('task.co', lang, co='; '.join(r['co_agencies']))}" if r["co_agencies"] else ""))
        source = r["source_url"] or w("task.no_address", lang)
        print(f"    {r['document']} ({r['document_date'].strftime('%d/%m/%Y')}) — {source}")
    return 0

"""Units below the province in the reports: a unit report's scorecard and task sections, and each scheme's page.

Everything here returns escaped HTML (text.esc; only http(s) URLs become links, text.link); words come from
report/labels.yaml (`sub.*`, via subunit_words.w). A report on the 34-unit map shows its former provinces'
schemes and registers (a unit's `member_codes`), each under its former province's name: Nam Định's tasks are in
Ninh Bình's report, Đồng Nai's and Bình Phước's schemes in Đồng Nai's. Tables are the model stage's
(`scorecard_ranks`, `scorecard_movers`, `scorecard_distribution`, `task_status`, flags as of `edition_date`).
"""

from __future__ import annotations

import polars as pl

from dxtrack.core.params import renders_unit
from dxtrack.core.subunits import TASK_STATES
from dxtrack.core.tables import Tables
from dxtrack.report import labels
from dxtrack.report.labels import fmt_date, fmt_number
from dxtrack.report.subunit_words import distribution_line, w
from dxtrack.report.text import cards_table, esc, link

SCHEME_DIR = "schemes"


def member_codes(tables: Tables, map_: str, code: str) -> list[str]:
    """The 63-map codes whose schemes and registers a report shows: a 34-unit's former provinces, or itself."""
    if map_ == "34":
        return sorted(tables.unit("34", code)["member_codes"] or [])
    return [code] if map_ == "63" else []


def scheme_file(scheme_id: str, lang: str) -> str:
    return f"{scheme_id}.{lang}.html"


def _name(row: dict, lang: str, prefix: str = "") -> str:
    return row[f"{prefix}name_vi"] if lang == "vi" or not row.get(f"{prefix}name_en") else row[f"{prefix}name_en"]


def _unit_names(tables: Tables) -> pl.DataFrame:
    return tables.subunits.select(
        "unit_id",
        pl.col("name_vi").alias("unit_vi"),
        pl.col("name_en").alias("unit_en"),
        pl.col("valid_to").alias("unit_valid_to"),
        "successor_vi",
        "successor_en",
    )


def ranked_rows(tables: Tables, scheme_id: str) -> pl.DataFrame:
    """Every total under a scheme with its rank and the unit's names, best first within each period."""
    rows = tables.scorecard_ranks.filter((pl.col("scheme_id") == scheme_id) & pl.col("component_id").is_null())
    return rows.join(_unit_names(tables), on="unit_id", how="left").sort(
        ["period_start", "rank", "score"], descending=[True, False, True], nulls_last=True
    )


def schemes_of(tables: Tables, codes: list[str]) -> pl.DataFrame:
    """Schemes issued by these 63-map provinces (with or without scores collected)."""
    return tables.schemes.filter((pl.col("issuer_map") == "63") & pl.col("issuer_code").is_in(codes)).sort(
        "issuer_code", "valid_from", "scheme_id"
    )


def _rank_text(r: dict, lang: str) -> str:
    if r["rank_basis"] == "computed" and r["rank"] is not None:
        text = w("rank.computed", lang, rank=r["rank"], of=r["rank_of"])
        return f"{text}, {w('rank.tied', lang)}" if r["tied"] else text
    if r["rank"] is not None:
        return w("rank.published", lang, rank=r["rank"])
    return w("rank.last", lang) if r["published_position"] == "last" else w("rank.none", lang)


def _unit_cell(r: dict, lang: str) -> str:
    name = r["unit_vi"] if lang == "vi" or not r["unit_en"] else r["unit_en"]
    out = esc(name or r["unit_name"])
    if r.get("unit_valid_to") is not None:
        note = w("unit.ceased", lang, date=fmt_date(r["unit_valid_to"], lang))
        successor = r["successor_vi"] if lang == "vi" else r["successor_en"]
        if successor:
            note += "; " + w("unit.successor", lang, successor=successor)
        out += f"<br><small>{esc(note)}</small>"
    return out


def _source_cell(r: dict, lang: str) -> str:
    out = link(r["source_url"], esc(labels.t("word.source_link", lang)))
    if r.get("quote"):
        out += f'<br><small><q lang="vi">{esc(r["quote"])}</q></small>'
    return out


def _scheme_facts(s: dict, lang: str) -> str:
    parts = [
        w("scheme.applies_to", lang, unit_type=w("unit_type." + s["applies_to"], lang)),
        w("scheme.total", lang, total=fmt_number(s["total"], lang, 0))
        if s["total"] is not None
        else w("scheme.total_unknown", lang),
    ]
    if s["main_indices_count"] or s["components_count"]:
        parts.append(
            w("scheme.structure", lang, main=s["main_indices_count"] or "?", components=s["components_count"] or "?")
        )
    else:
        parts.append(w("scheme.structure_unknown", lang))
    parts.append(
        w(
            "scheme.valid",
            lang,
            start=fmt_date(s["valid_from"], lang),
            end=fmt_date(s["valid_to"], lang) if s["valid_to"] else w("scheme.open", lang),
        )
    )
    document = " ".join(
        x for x in (s["document_number"], fmt_date(s["document_date"], lang) if s["document_date"] else None) if x
    )
    doc_html = esc(w("scheme.document", lang, document=document or labels.MISSING))
    out = "<p>" + esc("; ".join(parts)) + ". " + link(s["document_url"], doc_html) + "</p>"
    if not s["components_known"]:
        out += f"<p><small>{esc(w('scheme.components_unknown', lang))}</small></p>"
    if s["synthetic"]:
        out = f'<p class="dx-synthetic"><strong>{esc(w("synthetic.banner", lang))}</strong></p>' + out
    return out


def _period_table(rows: pl.DataFrame, lang: str) -> str:
    headers = [w("col.rank", lang), w("col.unit", lang), w("col.points", lang), w("col.source", lang)]
    body = [
        [esc(_rank_text(r, lang)), _unit_cell(r, lang), esc(fmt_number(r["score"], lang, 2)), _source_cell(r, lang)]
        for r in rows.iter_rows(named=True)
    ]
    note = w("rank.ties_note", lang) if rows["rank_basis"][0] == "computed" else w("rank.partial_note", lang)
    return cards_table(headers, body, classes=["", "", "num", ""]) + f"<p><small>{esc(note)}</small></p>"


def _period_extras(tables: Tables, scheme_id: str, period: str, lang: str) -> str:
    out = ""
    d = tables.scorecard_distribution.filter((pl.col("scheme_id") == scheme_id) & (pl.col("period_label") == period))
    if d.height:
        d0 = d.row(0, named=True)
        out += "<p>" + esc(distribution_line(d0, lang)) + "</p>"
    moved = (
        tables.scorecard_movers.filter(
            (pl.col("scheme_id") == scheme_id) & (pl.col("period_label") == period) & (pl.col("places_gained") != 0)
        )
        .join(_unit_names(tables), on="unit_id", how="left")
        .sort("places_gained", "unit_id", descending=[True, False])
    )
    if moved.height:
        items = "".join(
            f"<li>{esc(w('movers.line', lang, unit=m['unit_vi'] if lang == 'vi' else m['unit_en'], change=m['places_gained'], before=m['previous_rank'], after=m['rank']))}</li>"
            for m in moved.iter_rows(named=True)
        )
        out += (
            f"<p>{esc(w('movers.title', lang, previous=moved['previous_label'][0], period=period))}</p><ul>{items}</ul>"
        )
    return out


def scorecard_html(tables: Tables, map_: str, code: str, lang: str, *, scheme_base: str = "../schemes/") -> str:
    """A unit report's scorecard: per former province and scheme, the latest period's units with points and
    ranks, movers since the previous period, the spread, and a link to the scheme's page. "" when none."""
    codes = member_codes(tables, map_, code)
    schemes = schemes_of(tables, codes)
    if schemes.height == 0:
        return ""
    out = []
    for (issuer,), group in schemes.group_by(["issuer_code"], maintain_order=True):
        if map_ == "34" and len(codes) > 1:
            out.append(f"<h3>{esc(w('member_heading', lang, name=tables.unit('63', issuer)['name_vi']))}</h3>")
        for s in group.iter_rows(named=True):
            rows = ranked_rows(tables, s["scheme_id"])
            page = f"{scheme_base}{scheme_file(s['scheme_id'], lang)}"
            out.append(f'<h4><a href="{esc(page)}">{esc(_name(s, lang))}</a></h4>' + _scheme_facts(s, lang))
            if rows.height == 0:
                out.append(f"<p>{esc(w('scheme.no_scores', lang))}</p>")
                continue
            latest = rows["period_label"][0]
            out.append(f"<p><strong>{esc(w('period.latest', lang, period=latest))}</strong></p>")
            out.append(_period_table(rows.filter(pl.col("period_label") == latest), lang))
            out.append(_period_extras(tables, s["scheme_id"], latest, lang))
    return "".join(out)


def scorecard_chart_rows(tables: Tables, map_: str, code: str, lang: str) -> list[dict]:
    """Latest period's totals of each scheme in a report, for the dot chart."""
    out = []
    for s in schemes_of(tables, member_codes(tables, map_, code)).iter_rows(named=True):
        rows = ranked_rows(tables, s["scheme_id"])
        if rows.height == 0:
            continue
        latest = rows["period_label"][0]
        for r in rows.filter(pl.col("period_label") == latest).iter_rows(named=True):
            out.append(
                {
                    "scheme": _name(s, lang) + (f" ({w('synthetic.short', lang)})" if s["synthetic"] else ""),
                    "period": latest,
                    "unit": r["unit_vi"] if lang == "vi" else r["unit_en"] or r["unit_vi"],
                    "points": r["score"],
                    "rank": _rank_text(r, lang),
                    "source_url": r["source_url"],
                }
            )
    return out


# ---- tasks -------------------------------------------------------------------------------------------------------
def task_rows(tables: Tables, map_: str, code: str) -> pl.DataFrame:
    """A report's task occurrences: overdue first, then due soon, not yet due, done late, done on time."""
    order = {s: i for i, s in enumerate(TASK_STATES)}
    rows = tables.task_status.filter(
        (pl.col("province_map") == "63") & pl.col("province_code").is_in(member_codes(tables, map_, code))
    )
    return (
        rows.with_columns(pl.col("state").replace_strict(order, return_dtype=pl.Int64).alias("_order"))
        .sort("_order", "due_date", "province_code", "task_id", "occurrence")
        .drop("_order")
    )


def _flag_cell(r: dict, lang: str) -> str:
    flags = [f'<strong class="dx-task-{esc(r["state"])}">{esc(w("state." + r["state"], lang))}</strong>']
    if r["days_overdue"]:
        flags.append(esc(w("task.days_overdue", lang, days=r["days_overdue"])))
    if r["no_update"]:
        flags.append(esc(w("task.no_update", lang)))
    elif r["last_status"]:
        evidence = esc(
            w("task.update", lang, status=w("update." + r["last_status"], lang), date=fmt_date(r["last_update"], lang))
        )
        flags.append(
            link(r["evidence_url"], evidence)
            + (f'<br><small><q lang="vi">{esc(r["evidence_quote"])}</q></small>' if r["evidence_quote"] else "")
        )
    return "<br>".join(flags)


def _task_cell(r: dict, lang: str) -> str:
    quote = f'<q lang="vi">{esc(r["task_vi"])}</q>'
    if lang == "en" and r["summary_en"]:
        return f"{esc(r['summary_en'])}<br><small>{esc(labels.t('text.quote_document', lang))}: {quote}</small>"
    return quote


def _lead_cell(r: dict, lang: str) -> str:
    out = esc(r["lead_agency"])
    successor = r["lead_successor_vi"] if lang == "vi" else r["lead_successor_en"]
    if successor:
        out += f"<br><small>{esc(w('task.owner_successor', lang, lead=r['lead_agency'], successor=successor))}</small>"
    if r["co_agencies"] is not None and len(r["co_agencies"]):
        out += f"<br><small>{esc(w('task.co', lang, co='; '.join(r['co_agencies'])))}</small>"
    return out


def _document_cell(r: dict, lang: str) -> str:
    doc = esc(f"{r['document']} ({fmt_date(r['document_date'], lang)})")
    if r["source_url"]:
        return link(r["source_url"], doc)
    return f"{doc}<br><small>{esc(w('task.no_address', lang))}</small>"


def tasks_html(tables: Tables, map_: str, code: str, lang: str) -> str:
    """A unit report's task section: every occurrence flagged as of the edition date, overdue first. "" when none."""
    rows = task_rows(tables, map_, code)
    if rows.height == 0:
        return ""
    as_of = rows["as_of"][0]
    counts = {s: rows.filter(pl.col("state") == s).height for s in TASK_STATES}
    summary = "; ".join(f"{w('state.' + s, lang)}: {n}" for s, n in counts.items() if n)
    out = [f"<p>{esc(w('task.as_of', lang, date=fmt_date(as_of, lang)))}. {esc(summary)}.</p>"]
    if rows["synthetic"].any():
        out.append(f'<p class="dx-synthetic"><strong>{esc(w("synthetic.banner", lang))}</strong></p>')
    headers = [
        w("col.state", lang),
        w("col.due", lang),
        w("col.task", lang),
        w("col.lead", lang),
        w("col.document", lang),
    ]
    codes = member_codes(tables, map_, code)
    for province in codes:
        mine = rows.filter(pl.col("province_code") == province)
        if mine.height == 0:
            continue
        if map_ == "34" and len(codes) > 1:
            out.append(f"<h3>{esc(w('member_heading', lang, name=tables.unit('63', province)['name_vi']))}</h3>")
        body = [
            [
                _flag_cell(r, lang),
                esc(fmt_date(r["due_date"], lang)) + f"<br><small>{esc(r['deadline_text'])}</small>",
                _task_cell(r, lang),
                _lead_cell(r, lang),
                _document_cell(r, lang),
            ]
            for r in mine.iter_rows(named=True)
        ]
        out.append(
            cards_table(headers, body, row_classes=[f"dx-task-{r['state']}" for r in mine.iter_rows(named=True)])
        )
    return "".join(out)


def sources_of(tables: Tables, map_: str, code: str) -> list[str]:
    """The source folders behind a report's scorecard and task sections."""
    codes = member_codes(tables, map_, code)
    scores = tables.scorecard_ranks.filter(pl.col("province_code").is_in(codes))["source_id"].to_list()
    tasks = task_rows(tables, map_, code)["source_id"].to_list()
    return sorted(set(scores) | set(tasks))


# ---- a scheme's own page -------------------------------------------------------------------------------------------
def scheme_body_html(tables: Tables, scheme_id: str, lang: str, *, unit_base: str = "../provinces/") -> str:
    """Everything a scheme page says: facts, items where known, and every period with every unit ranked."""
    s = tables.schemes.filter(pl.col("scheme_id") == scheme_id).row(0, named=True)
    out = [_scheme_facts(s, lang)]
    if s["document_quote"]:
        out.append(f'<blockquote lang="vi">{esc(s["document_quote"])}</blockquote>')
    if s["issuer_map"] == "63":
        issuer = tables.unit("63", s["issuer_code"])
        successor = issuer.get("successor_code")
        name = esc(issuer["name_vi"])
        if successor and renders_unit(tables.project.params, successor):  # its report is in the edition
            new = tables.unit("34", successor)
            name = f'<a href="{esc(unit_base)}{esc(successor)}-{esc(new["slug"])}.{lang}.html">{name}</a>'
        out.append(f"<p>{esc(w('scheme.issuer', lang))}: {name}</p>")
    items = tables.scheme_items.filter((pl.col("scheme_id") == scheme_id) & (pl.col("kind") == "main")).sort("position")
    if items.height:
        out.append(
            "<ul>"
            + "".join(
                f"<li>{esc(_name(m, lang))}"
                + (f" ({esc(fmt_number(m['max_points'], lang, 0))})" if m["max_points"] else "")
                + "</li>"
                for m in items.iter_rows(named=True)
            )
            + "</ul>"
        )
    rows = ranked_rows(tables, scheme_id)
    if rows.height == 0:
        out.append(f"<p>{esc(w('scheme.no_scores', lang))}</p>")
    for (period,), group in rows.group_by(["period_label"], maintain_order=True):
        out.append(f"<h2>{esc(w('period.heading', lang, period=period))}</h2>")
        out.append(_period_table(group, lang))
        out.append(_period_extras(tables, scheme_id, period, lang))
    return "".join(out)


def scheme_index_rows(tables: Tables, lang: str) -> list[list[str]]:
    """One row per scheme for the site index: name (linked), issuer, units scored, periods."""
    rows = []
    for s in tables.schemes.sort("issuer_map", "issuer_code", "scheme_id").iter_rows(named=True):
        scored = tables.scorecard_ranks.filter(pl.col("scheme_id") == s["scheme_id"])
        issuer = (
            tables.unit("63", s["issuer_code"])["name_vi"]
            if s["issuer_map"] == "63"
            else labels.t("unit.country", lang)
        )
        name = esc(_name(s, lang)) + (f" <small>({esc(w('synthetic.short', lang))})</small>" if s["synthetic"] else "")
        rows.append(
            [
                f'<a href="{SCHEME_DIR}/{esc(scheme_file(s["scheme_id"], lang))}">{name}</a>',
                esc(issuer),
                esc(w("unit_type." + s["applies_to"], lang)),
                str(scored["unit_id"].n_unique()),
                esc(", ".join(sorted(scored["period_label"].unique().to_list()))) or labels.MISSING,
            ]
        )
    return rows

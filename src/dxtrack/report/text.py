"""The reports' words: Markdown and HTML fragments in Vietnamese or English, built from the report data.

Notebooks call these and display the result; every sentence comes from the i18n table, every number is
formatted for the reader's locale, and every string that came from a source document (names, quotes) is
HTML-escaped, so a quote containing `<` or `*` prints as written.
"""

from __future__ import annotations

import html

import polars as pl

from dxtrack.report import labels
from dxtrack.report import selections
from dxtrack.report.releases import changes
from dxtrack.report.labels import t
from dxtrack.core.vocabulary import STATUSES
from dxtrack.core.tables import Tables

def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def unit_name(tables: Tables, map_: str, code: str, lang: str) -> str:
    if map_ == "VN":
        return t("unit.country", lang)
    return tables.unit(map_, code)["name_vi"]


def target_text(row: dict, lang: str) -> str:
    """"≥ 20% by 2025" / "≥ 20% năm 2025"; rank goals "top 20"."""
    unit = _unit_kind(row)
    value = row["target_value"]
    if value is None:
        shown = labels.MISSING
    elif unit == "rank":
        shown = t("word.top", lang, n=int(value))
    else:
        shown = f"{labels.comparator_symbol(row['comparator_norm'])} {labels.fmt_target(value, unit, lang)}"
    return t("word.by_year", lang, value=shown, year=row["target_year"] or "?")


def _unit_kind(row: dict) -> str:
    """percent, index or rank: the unit of the indicator a target is measured by."""
    return labels.indicator_definition(row["measured_by"]).get("unit", "percent")


def report_title(tables: Tables, map_: str, code: str, year: int, lang: str) -> str:
    return f"# {esc(t('text.province_title', lang, name=unit_name(tables, map_, code, lang), year=year))}"


def identity(tables: Tables, map_: str, code: str, lang: str) -> str:
    """Who the unit is: a merged unit's members, an old unit's successor, its region."""
    unit = tables.unit(map_, code)
    region = unit["region_vi"] if lang == "vi" else unit["region_en"]
    if map_ == "34":
        members = [tables.unit("63", c)["name_vi"] for c in unit["member_codes"]]
        if len(members) > 1:
            text = t("text.identity_merged", lang, name=unit["name_vi"], members=", ".join(members))
        else:
            text = t("text.identity_unchanged", lang, name=unit["name_vi"])
    else:
        successor = tables.unit("34", unit["successor_code"])["name_vi"]
        text = t("text.identity_old", lang, name=unit["name_vi"], successor=successor)
    return esc(text) + " " + esc(t("text.region", lang, region=region))


def targets_table(rows: pl.DataFrame, lang: str) -> str:
    """HTML table of a unit's targets, preferred series only, with the document's own words."""
    if rows.height == 0:
        return f"<p>{esc(t('text.no_targets', lang))}</p>"
    head = "".join(f"<th>{esc(t(k, lang))}</th>" for k in (
        "col.set_by", "col.indicator", "col.target", "col.document", "col.in_force", "col.status", "col.p_meet",
        "col.reason"))
    body = []
    for r in rows.filter(pl.col("preferred")).iter_rows(named=True):
        quote = "; ".join(q for q in (r.get("quotes") or "").split(" | ") if q) or ""
        document = esc(r["document"]) + (f" ({esc(r['document_date'])})" if r.get("document_date") else "")
        if quote:
            document += f"<details><summary>{esc(t('text.quote', lang))}</summary><q lang=\"vi\">{esc(quote)}</q></details>"
        reason = r["reason_vi"] if lang == "vi" else r["reason"]
        note = r.get("note_vi") if lang == "vi" else r.get("note")
        status = labels.status_label(r["status"], lang)
        body.append(
            f"<tr class=\"status-{esc(r['status'].replace(' ', '-').replace('/', ''))}\">"
            f"<td>{esc(r['set_by_name'])}</td><td>{esc(labels.indicator_name(r['indicator'], lang))}</td>"
            f"<td>{esc(target_text(r, lang))}</td><td>{document}</td>"
            f"<td>{esc(t('word.yes' if r['in_force'] else 'word.no', lang))}</td><td>{esc(status)}</td>"
            f"<td>{esc(labels.fmt_probability(r['p_meet'], lang)) if r['p_meet'] is not None else labels.MISSING}</td>"
            f"<td>{esc(reason)}{('<br><em>' + esc(note) + '</em>') if note else ''}</td></tr>")
    return f"<table class=\"dx-table\"><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def missing_list(rows: pl.DataFrame, lang: str) -> str:
    missing = selections.missing_data(rows)
    if missing.height == 0:
        return esc(t("text.nothing_missing", lang))
    names = sorted({labels.indicator_name(i, lang) for i in missing["measured_by"].to_list()})
    intro = t("text.missing_intro", lang, n=missing.height, total=rows.filter(pl.col("preferred")).height)
    return esc(intro) + "\n\n" + "\n".join(f"- {esc(n)}" for n in names)


def headline_sentences(tables: Tables, lang: str) -> str:
    head = selections.headline(tables)
    lines = []
    for indicator, key in (("digital_economy_share_grdp", "text.headline_de"), ("online_filing_rate", "text.headline_filing"),
                           ("dti", "text.headline_dti")):
        if indicator not in head:
            lines.append(f"- {esc(t('text.headline_missing', lang, indicator=labels.indicator_name(indicator, lang)))}")
            continue
        h = head[indicator]
        unit = labels.indicator_definition(indicator).get("unit")
        lines.append("- " + esc(t(key, lang, value=labels.fmt_value(h["value"], unit, lang), year=h["year"],
                                   series=labels.series_name(h["series"], lang))))
    return "\n".join(lines)


def status_counts(tables: Tables, lang: str) -> str:
    """One sentence per status: how many in-force targets (preferred series) are in it."""
    rows = tables.status.filter(pl.col("preferred") & pl.col("in_force"))
    counts = dict(rows.group_by("status").len().iter_rows())
    items = [f"{esc(labels.status_label(s, lang))}: {counts.get(s, 0)}" for s in STATUSES]
    return esc(t("text.status_counts", lang, n=rows.height)) + " " + "; ".join(items) + "."


def frame_table(frame: pl.DataFrame, columns: dict[str, str], lang: str, formats: dict | None = None) -> str:
    """A small HTML table: `columns` maps frame column -> i18n key of its header; values escaped."""
    formats = formats or {}
    head = "".join(f"<th>{esc(t(k, lang))}</th>" for k in columns.values())
    body = "".join("<tr>" + "".join(f"<td>{esc(formats.get(c, str)(r[c]))}</td>" for c in columns) + "</tr>"
                   for r in frame.iter_rows(named=True))
    return f"<table class=\"dx-table\"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def backtest_html(tables: Tables, lang: str) -> str:
    table = selections.backtest_table(tables).with_columns(
        pl.col("family").replace_strict({"level": t("text.family_level", lang), "rank": t("text.family_rank", lang)}),
        pl.col("method").map_elements(lambda m: labels.method_label(m, lang), return_dtype=pl.String),
        pl.col("default").replace_strict({True: t("word.yes", lang), False: ""}, return_dtype=pl.String))
    number = lambda x: labels.fmt_number(x, lang, 3)  # noqa: E731
    return frame_table(table, {"family": "col.family", "method": "col.method", "default": "col.default",
                               "n": "col.cases", "mae_model_scale": "col.mae_model", "mae": "col.mae",
                               "bias": "col.bias", "coverage80": "col.coverage80"}, lang,
                       {"mae_model_scale": number, "mae": number, "bias": number,
                        "coverage80": lambda x: labels.fmt_probability(x, lang)})


def methods_text(tables: Tables, lang: str) -> str:
    pace = tables.project.params["model"]["pace"]
    return esc(t("text.methods", lang, on_track=labels.fmt_number(pace["on_track_ratio"], lang, 1),
                 acceleration=labels.fmt_number(pace["acceleration_ratio"], lang, 1),
                 draws=labels.fmt_number(tables.project.params["model"]["ranks"]["draws"], lang, 0)))


def briefing_title(year: int, lang: str) -> str:
    return f"# {esc(t('text.briefing_title', lang, year=year))}"


def map_rule(lang: str) -> str:
    return esc(t("text.map_rule", lang))


def sources_text(tables: Tables, lang: str, source_ids: list[str] | None = None) -> str:
    """The publishers behind the figures (all observation sources, or `source_ids`), from each source's
    source.yaml; every row also keeps its own URL."""
    lines = [esc(t("text.sources_intro", lang))]
    if source_ids is None:  # the briefing: every source a figure comes from
        source_ids = sorted(set(tables.observations["source_id"].to_list()) - {"derived"})
    for source_id in sorted(source_ids):
        lines.append(f"- `{esc(source_id)}`: {esc(tables.sources[source_id].get('publisher', ''))}")
    lines.append(esc(t("text.boundaries_credit", lang)))
    return "\n".join(lines)


def leaders_html(tables: Tables, lang: str) -> str:
    years = selections.complete_ranking_years(tables)
    if not years:
        return f"<p>{esc(t('text.no_complete_ranking', lang))}</p>"
    table = selections.leaders_laggards(tables, years[-1]).with_columns(
        pl.col("group").replace_strict({"leader": t("text.leader", lang), "laggard": t("text.laggard", lang)}))
    caption = f"<p>{esc(t('text.leaders_caption', lang, year=years[-1]))}</p>"
    return caption + frame_table(table, {"group": "col.group", "name_vi": "col.province", "rank": "col.rank"}, lang,
                                 {"rank": lambda r: f"{int(r)}/63"})


def merger_text(tables: Tables, lang: str) -> str:
    redraw = selections.merger_redraw(tables)
    merged = tables.units.filter((pl.col("map") == "34") & (pl.col("member_codes").list.len() > 1)).height
    return esc(t("text.merger", lang, merged=merged, groups=redraw.height,
                 differ=redraw.filter(pl.col("values_differ")).height))


def merger_html(tables: Tables, lang: str) -> str:
    """New units whose former provinces set different values for the same indicator and year."""
    differ = selections.merger_redraw(tables).filter(pl.col("values_differ")).with_columns(
        pl.col("indicator").map_elements(lambda i: labels.indicator_name(i, lang), return_dtype=pl.String),
        pl.col("values").map_elements(lambda v: ", ".join(labels.fmt_number(x, lang, 0) for x in v),
                                      return_dtype=pl.String))
    return frame_table(differ, {"name_vi": "col.unit_34", "indicator": "col.indicator", "target_year": "col.year",
                                "members_with_target": "col.members_with_target", "values": "col.values"}, lang)


def changes_html(tables: Tables, edition: int, lang: str, limit: int = 50) -> str:
    """What changed since the latest release (dxtrack.report.releases.changes), or that this is the first one.
    The data is releases.changes(); this is a minimal page rendering of it."""
    diff = changes(tables.project, edition)
    if diff is None:
        return f"<p>{esc(t('text.first_release', lang))}</p>"
    figures_, statuses, sources = diff["figures"].filter(~pl.col("derived")), diff["statuses"], diff["sources"]
    counts = dict(figures_.group_by("change").len().iter_rows())
    since = f"{diff['since']} ({diff['released']})" if diff["released"] else diff["since"]
    intro = t("text.changes_intro", lang, since=since, added=counts.get("added", 0),
              revised=counts.get("revised", 0), withdrawn=counts.get("withdrawn", 0), statuses=statuses.height)
    parts = [f"<p>{esc(intro)}</p>"]
    if figures_.height:
        number = lambda x: labels.fmt_number(x, lang, 4).rstrip("0").rstrip(",.") if x is not None else labels.MISSING  # noqa: E731
        shown = figures_.sort(pl.col("change").replace_strict({"revised": 0, "withdrawn": 1, "added": 2}),
                              "map", "province_code", "indicator", "period_start").head(limit)
        parts.append(frame_table(shown.with_columns(pl.col("change").map_elements(
            lambda c: t(f"change_kind.{c}", lang), return_dtype=pl.String)),
            {"change": "col.change", f"name_{lang}": "col.province", f"indicator_{lang}": "col.indicator",
             f"series_{lang}": "col.series", "period_label": "col.period", "old_value": "col.old_value",
             "new_value": "col.new_value", "source_id": "col.source"}, lang,
            {"old_value": number, "new_value": number}))
        if figures_.height > limit:
            parts.append(f"<p>{esc(t('text.changes_more', lang, more=figures_.height - limit))}</p>")
    if statuses.height:
        label = lambda s: labels.status_label(s, lang) if s else labels.MISSING  # noqa: E731
        parts.append(frame_table(statuses,
            {f"name_{lang}": "col.province", f"indicator_{lang}": "col.indicator", "target_year": "col.year",
             "old_status": "col.old_status", "status": "col.status", f"reason_{lang}": "col.reason"}, lang,
            {"old_status": label, "status": label}))
    if sources.height:
        parts.append(f"<p>{esc(t('text.changes_sources', lang, sources=', '.join(sources['source_id'])))}</p>")
    return "".join(parts)

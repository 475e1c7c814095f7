"""The reports' words: Markdown and HTML fragments in Vietnamese or English, built from the report data.

Notebooks call these and display the result; every sentence comes from the i18n table, every number is
formatted for the reader's locale, and every string that came from a source document (names, quotes) is
HTML-escaped, so a quote containing `<` or `*` prints as written.
"""

from __future__ import annotations

import html

import polars as pl

from dxtrack.core.params import renders_unit
from dxtrack.core.tables import Tables
from dxtrack.core.vocabulary import STATUSES
from dxtrack.report import labels, selections
from dxtrack.report.labels import t
from dxtrack.report.releases import changes


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def unit_name(tables: Tables, map_: str, code: str, lang: str) -> str:
    if map_ == "VN":
        return t("unit.country", lang)
    return tables.unit(map_, code)["name_vi"]


def target_text(row: dict, lang: str) -> str:
    """ "≥ 20% by 2025" / "≥ 20% năm 2025"; rank goals "top 20"."""
    unit = _unit_kind(row)
    value = row["target_value"]
    if value is None:
        shown = labels.MISSING
    elif unit == "rank":
        shown = t("word.top", lang, n=int(value)) + (f" / {int(row['rank_of'])}" if row.get("rank_of") else "")
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
    head = "".join(
        f"<th>{esc(t(k, lang))}</th>"
        for k in (
            "col.set_by",
            "col.indicator",
            "col.target",
            "col.document",
            "col.in_force",
            "col.status",
            "col.p_meet",
            "col.reason",
        )
    )
    body = []
    for r in rows.filter(pl.col("preferred")).iter_rows(named=True):
        quote = "; ".join(q for q in (r.get("quotes") or "").split(" | ") if q) or ""
        document = esc(r["document"]) + (f" ({esc(r['document_date'])})" if r.get("document_date") else "")
        if quote:
            document += fold(esc(t("text.quote", lang)), f'<q lang="vi">{esc(quote)}</q>')
        reason = r["reason_vi"] if lang == "vi" else r["reason"]
        note = r.get("note_vi") if lang == "vi" else r.get("note")
        status = labels.status_label(r["status"], lang)
        body.append(
            f'<tr class="status-{esc(r["status"].replace(" ", "-").replace("/", ""))}">'
            f"<td>{esc(r['set_by_name'])}</td><td>{esc(labels.indicator_name(r['indicator'], lang))}</td>"
            f"<td>{esc(target_text(r, lang))}</td><td>{document}</td>"
            f"<td>{esc(t('word.yes' if r['in_force'] else 'word.no', lang))}</td><td>{esc(status)}</td>"
            f"<td>{esc(labels.fmt_probability(r['p_meet'], lang)) if r['p_meet'] is not None else labels.MISSING}</td>"
            f"<td>{esc(reason)}{('<br><em>' + esc(note) + '</em>') if note else ''}</td></tr>"
        )
    return f'<table class="dx-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


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
    for indicator in tables.project.headline_indicators:
        if labels.indicator_definition(indicator).get("unit") == "rank":
            continue  # ranks are not national figures
        # an indicator may have its own sentence (text.headline.<id>); otherwise the generic one
        key = f"text.headline.{indicator}" if f"text.headline.{indicator}" in labels.LABELS else "text.headline.other"
        if indicator not in head:
            lines.append(f"- {esc(t('text.headline_missing', lang, indicator=labels.indicator_name(indicator, lang)))}")
            continue
        h = head[indicator]
        unit = labels.indicator_definition(indicator).get("unit")
        lines.append(
            "- "
            + esc(
                t(
                    key,
                    lang,
                    value=labels.fmt_value(h["value"], str(unit), lang),
                    year=h["year"],
                    series=labels.series_name(h["series"], lang),
                    indicator=labels.indicator_name(indicator, lang),
                )
            )
        )
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
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(formats.get(c, str)(r[c]))}</td>" for c in columns) + "</tr>"
        for r in frame.iter_rows(named=True)
    )
    return f'<table class="dx-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def backtest_html(tables: Tables, lang: str) -> str:
    table = selections.backtest_table(tables).with_columns(
        pl.col("family").replace_strict({"level": t("text.family_level", lang), "rank": t("text.family_rank", lang)}),
        pl.col("method").map_elements(lambda m: labels.method_label(m, lang), return_dtype=pl.String),
        pl.col("default").replace_strict({True: t("word.yes", lang), False: ""}, return_dtype=pl.String),
    )
    number = lambda x: labels.fmt_number(x, lang, 3)  # noqa: E731
    return frame_table(
        table,
        {
            "family": "col.family",
            "method": "col.method",
            "default": "col.default",
            "n": "col.cases",
            "mae_model_scale": "col.mae_model",
            "mae": "col.mae",
            "bias": "col.bias",
            "coverage80": "col.coverage80",
            "coverage80_calibrated": "col.coverage80_calibrated",
            "coverage95_calibrated": "col.coverage95_calibrated",
        },
        lang,
        {
            "mae_model_scale": number,
            "mae": number,
            "bias": number,
            "coverage80": lambda x: labels.fmt_probability(x, lang),
            "coverage80_calibrated": lambda x: labels.fmt_probability(x, lang),
            "coverage95_calibrated": lambda x: labels.fmt_probability(x, lang),
        },
    )


def methods_text(tables: Tables, lang: str) -> str:
    pace = tables.project.params["model"]["pace"]
    return esc(
        t(
            "text.methods",
            lang,
            on_track=labels.fmt_number(pace["on_track_ratio"], lang, 1),
            acceleration=labels.fmt_number(pace["acceleration_ratio"], lang, 1),
            draws=labels.fmt_number(tables.project.params["model"]["ranks"]["draws"], lang, 0),
            min_cases=labels.fmt_number(
                (tables.project.params["model"].get("calibration") or {}).get("min_cases", 30), lang, 0
            ),
        )
    )


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
        lines.append(f"- `{esc(source_id)}`: {esc(publisher_name(tables.sources[source_id], source_id, lang))}")
    lines.append(esc(t("text.boundaries_credit", lang)))
    return "\n".join(lines)


def leaders_html(tables: Tables, lang: str) -> str:
    years = selections.complete_ranking_years(tables)
    if not years:
        return f"<p>{esc(t('text.no_complete_ranking', lang))}</p>"
    table = selections.leaders_laggards(tables, years[-1]).with_columns(
        pl.col("group").replace_strict({"leader": t("text.leader", lang), "laggard": t("text.laggard", lang)})
    )
    caption = f"<p>{esc(t('text.leaders_caption', lang, year=years[-1]))}</p>"
    of = int(table["rank_of"].max() or 63) if table.height else 63  # type: ignore[arg-type]  # polars max
    return caption + frame_table(
        table,
        {"group": "col.group", "name_vi": "col.province", "rank": "col.rank"},
        lang,
        {"rank": lambda r: t("word.rank_value", lang, rank=int(r), of=of)},
    )


def ranking_year_html(tables: Tables, edition: int, lang: str, year: int | None = None) -> str:
    """Why the leaders table and the movers use an older year than the edition: the latest complete ranking
    (`year`, default the latest complete one) and what later years hold. Empty when the year is the edition's."""
    complete = selections.complete_ranking_years(tables)
    year = year if year is not None else (complete[-1] if complete else None)
    if year is None or year >= edition:
        return ""
    ranks = tables.observations.filter(
        (pl.col("indicator") == "dti_rank") & (pl.col("map") == "63") & pl.col("full_year") & (pl.col("year") > year)
    )
    counts = ranks.group_by("year").agg(pl.col("province_code").n_unique().alias("n"), pl.col("rank_of").max())
    of = tables.units.filter(pl.col("map") == "63").height
    later = ""
    if counts.height:
        years = ", ".join(t("word.n_of", lang, year=y, n=n, of=o or of) for y, n, o in counts.sort("year").iter_rows())
        later = t("text.ranking_later_partial", lang, years=years)
    if not selections.complete_ranking_years(tables, "34"):
        later += t("text.ranking_none_34", lang)
    return (
        f'<p class="dx-why">{esc(t("text.ranking_year_why", lang, year=year, edition=edition, of=of, later=later))}</p>'
    )


def movers_year_html(tables: Tables, edition: int, lang: str) -> str:
    """Which two years the rank movers compare, and why those in a later edition (empty without movers)."""
    years = selections.movers_years(tables)
    if years is None:
        return ""
    start, end = years
    return f'<p class="dx-why">{esc(t("text.movers_year_why", lang, start=start, end=end, edition=edition))}</p>'


def fold(summary_html: str, body_html: str) -> str:
    """A collapsed `<details>` on screen whose content also sits in a print-only copy: a page printed without
    scripts (PDF, Word import) still shows it (page.css: `.dx-print-only` shows, `details.dx-fold` hides in print).
    Both arguments are HTML already escaped by the caller."""
    return (
        f'<details class="dx-fold"><summary>{summary_html}</summary>{body_html}</details>'
        f'<div class="dx-print-only">{body_html}</div>'
    )


def merger_text(tables: Tables, lang: str) -> str:
    redraw = selections.merger_redraw(tables)
    merged = tables.units.filter((pl.col("map") == "34") & (pl.col("member_codes").list.len() > 1)).height
    return esc(
        t(
            "text.merger",
            lang,
            merged=merged,
            groups=redraw.height,
            differ=redraw.filter(pl.col("values_differ")).height,
        )
    )


def merger_html(tables: Tables, lang: str) -> str:
    """New units whose former provinces set different values for the same indicator and year."""
    differ = (
        selections.merger_redraw(tables)
        .filter(pl.col("values_differ"))
        .with_columns(
            pl.col("indicator").map_elements(lambda i: labels.indicator_name(i, lang), return_dtype=pl.String),
            pl.col("values").map_elements(
                lambda v: ", ".join(labels.fmt_number(x, lang, 0) for x in v), return_dtype=pl.String
            ),
        )
    )
    return frame_table(
        differ,
        {
            "name_vi": "col.unit_34",
            "indicator": "col.indicator",
            "target_year": "col.year",
            "members_with_target": "col.members_with_target",
            "values": "col.values",
        },
        lang,
    )


def changes_html(tables: Tables, edition: int, lang: str, limit: int = 50) -> str:
    """What changed since the latest release (dxtrack.report.releases.changes), or that this is the first one.
    The data is releases.changes(); this is a minimal page rendering of it."""
    diff = changes(tables.project, edition)
    if diff is None:
        return f"<p>{esc(t('text.first_release', lang))}</p>"
    figures_, statuses, sources = diff["figures"].filter(~pl.col("derived")), diff["statuses"], diff["sources"]
    counts = dict(figures_.group_by("change").len().iter_rows())
    since = f"{diff['since']} ({diff['released']})" if diff["released"] else diff["since"]
    intro = t(
        "text.changes_intro",
        lang,
        since=since,
        added=counts.get("added", 0),
        revised=counts.get("revised", 0),
        withdrawn=counts.get("withdrawn", 0),
        statuses=statuses.height,
    )
    parts = [f"<p>{esc(intro)}</p>"]
    if figures_.height:
        number = lambda x: labels.fmt_number(x, lang, 4).rstrip("0").rstrip(",.") if x is not None else labels.MISSING  # noqa: E731
        shown = figures_.sort(
            pl.col("change").replace_strict({"revised": 0, "withdrawn": 1, "added": 2}),
            "map",
            "province_code",
            "indicator",
            "period_start",
        ).head(limit)
        parts.append(
            frame_table(
                shown.with_columns(
                    pl.col("change").map_elements(lambda c: t(f"change_kind.{c}", lang), return_dtype=pl.String)
                ),
                {
                    "change": "col.change",
                    f"name_{lang}": "col.province",
                    f"indicator_{lang}": "col.indicator",
                    f"series_{lang}": "col.series",
                    "period_label": "col.period",
                    "old_value": "col.old_value",
                    "new_value": "col.new_value",
                    "source_id": "col.source",
                },
                lang,
                {"old_value": number, "new_value": number},
            )
        )
        if figures_.height > limit:
            parts.append(f"<p>{esc(t('text.changes_more', lang, more=figures_.height - limit))}</p>")
    if statuses.height:
        label = lambda s: labels.status_label(s, lang) if s else labels.MISSING  # noqa: E731
        parts.append(
            frame_table(
                statuses,
                {
                    f"name_{lang}": "col.province",
                    f"indicator_{lang}": "col.indicator",
                    "target_year": "col.year",
                    "old_status": "col.old_status",
                    "status": "col.status",
                    f"reason_{lang}": "col.reason",
                },
                lang,
                {"old_status": label, "status": label},
            )
        )
    if sources.height:
        parts.append(f"<p>{esc(t('text.changes_sources', lang, sources=', '.join(sources['source_id'])))}</p>")
    return "".join(parts)


# ---- answer first, every number checkable (issue 13) ----------------------------------------------------------
# Everything below builds escaped HTML: text that comes from data or metadata (names, documents, publishers,
# quotes, URLs) is never read as Markdown or HTML, and only http(s) URLs become links.


def link(url: object, text: str) -> str:
    """`text` (already escaped) linked to `url` when it is an http(s) URL, else `text` alone."""
    u = str(url or "").strip()
    if u.lower().startswith(("http://", "https://")) and not any(c in u for c in "\n\r\t <>\"'"):
        return f'<a href="{esc(u)}" rel="noopener noreferrer">{text}</a>'
    return text


def host(url: object) -> str:
    """The site a URL points to ("baomoi.net.vn"): a language-neutral name for a source link."""
    from urllib.parse import urlparse

    u = str(url or "")
    if not u.lower().startswith(("http://", "https://")):
        return ""
    name = urlparse(u).hostname or ""
    return name[4:] if name.startswith("www.") else name


def _td(value: str, label: str, cls: str = "") -> str:
    return f'<td data-label="{esc(label)}"{f" class={chr(34)}{cls}{chr(34)}" if cls else ""}>{value}</td>'


def cards_table(
    headers: list[str], rows: list[list[str]], *, classes: list[str] | None = None, row_classes: list[str] | None = None
) -> str:
    """A table that turns into cards on a phone (each cell labelled by its column); cells are HTML already."""
    classes = classes or [""] * len(headers)
    head = "".join(f"<th{f' class={chr(34)}{c}{chr(34)}' if c else ''}>{esc(h)}</th>" for h, c in zip(headers, classes))
    body = []
    for i, r in enumerate(rows):
        rc = f' class="{row_classes[i]}"' if row_classes and row_classes[i] else ""
        body.append(f"<tr{rc}>" + "".join(_td(v, h, c) for v, h, c in zip(r, headers, classes)) + "</tr>")
    return f'<table class="dx-table dx-cards"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def publisher_name(entry: dict | None, source_id: str, lang: str) -> str:
    """A source's publisher as a reader of `lang` sees it (plain text: escape it): on Vietnamese pages the
    `publisher_vi` of its source.yaml, else the English name marked as such ("… (tên tiếng Anh)")."""
    entry = entry or {}
    english = str(entry.get("publisher") or source_id)
    if lang != "vi":
        return english
    vietnamese = entry.get("publisher_vi")
    return str(vietnamese) if vietnamese else f"{english} ({t('text.publisher_english_only', lang)})"


def _publisher(tables: Tables, source_id: str | None, lang: str = "en") -> str:
    if not source_id or source_id == "derived":
        return ""
    return publisher_name(tables.sources.get(source_id), source_id, lang)


def _rank_text(value: float, rank_of: int | None, lang: str) -> str:
    return t("word.rank_value", lang, rank=int(round(value)), of=rank_of or "?")


def _shown_value(row: dict, lang: str) -> str:
    indicator = row["measured_by"]
    unit = labels.indicator_definition(indicator).get("unit", "percent")
    if row.get("latest_value") is None:
        return labels.MISSING
    if unit == "rank":
        return _rank_text(row["latest_value"], row.get("rank_of"), lang)
    if unit == "index":
        return labels.fmt_value(row["latest_value"], unit, lang) + " " + labels.unit_label("index", lang, short=True)
    return labels.fmt_value(row["latest_value"], unit, lang)


def _pace_text(row: dict, lang: str) -> str:
    unit = labels.indicator_definition(row["measured_by"]).get("unit")
    obs, req = row.get("observed_change"), row.get("required_change")
    parts = [labels.fmt_change(x, unit, lang) if x is not None else labels.MISSING for x in (obs, req)]
    return " / ".join(parts) if any(x is not None for x in (obs, req)) else labels.MISSING


def kpi_table(
    tables: Tables, rows: pl.DataFrame, lang: str, *, show_unit: bool = True, official_only: bool = False
) -> str:
    """Assessable targets, every series side by side with the official one marked (selections.kpi_rows);
    `official_only` keeps the official series (the briefing's list of every unit's targets)."""
    kpi = selections.kpi_rows(tables, rows)
    if official_only:
        kpi = kpi.filter(pl.col("preferred"))
    if kpi.height == 0:
        return f"<p>{esc(t('text.kpi_none', lang))}</p>"
    headers = ([t("col.unit", lang)] if show_unit else []) + [
        t("col.indicator", lang),
        t("col.target", lang),
        t("col.series", lang),
        t("col.value", lang),
        t("col.source", lang),
        t("col.pace", lang),
        t("col.share_target", lang),
        t("col.status", lang),
        t("col.p_meet", lang),
    ]
    classes = ([""] if show_unit else []) + ["", "", "", "num", "", "num", "num", "", "num"]
    body, row_classes = [], []
    for r in kpi.iter_rows(named=True):
        unit = unit_name(tables, r["map"], r["province_code"], lang)
        href = unit_href(tables, r["map"], r["province_code"], lang)
        series = esc(labels.series_name(r["series"], lang))
        if r["preferred"]:  # a proxy is the series used, never "official"
            series = f"<strong>{series}</strong>" + ("" if r.get("proxy") else f" ({esc(t('word.official', lang))})")
        if r.get("proxy"):
            series += f' <span class="dx-badge dx-proxy">{esc(t("word.proxy", lang))}</span>'
        year = r.get("latest_year")
        value = esc(_shown_value(r, lang)) + (f" ({year})" if year else "")
        publisher = esc(host(r.get("source_url")) or _publisher(tables, r.get("source_id"), lang) or labels.MISSING)
        cells = ([link(href, esc(unit)) if href else esc(unit)] if show_unit else []) + [
            esc(labels.indicator_name(r["indicator"], lang)),
            esc(target_text(r, lang)),
            series,
            value,
            link(r.get("source_url"), publisher),
            esc(_pace_text(r, lang)),
            esc(labels.fmt_percent(100 * r["share_of_target"], lang, 0))
            if r.get("share_of_target") is not None
            else labels.MISSING,
            f'<span class="dx-status dx-status-{_status_class(r["status"])}">{esc(labels.status_label(r["status"], lang))}</span>'
            + (f"<br><small>{esc(t('text.proxy_status', lang))}</small>" if r.get("proxy") else ""),
            esc(labels.fmt_probability(r["p_meet"], lang)),
        ]
        body.append(cells)
        row_classes.append("dx-official" if r["preferred"] else "dx-alt")
    return cards_table(headers, body, classes=classes, row_classes=row_classes)


def _status_class(status: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in status).strip("-")


def unit_href(tables: Tables, map_: str, code: str, lang: str, base: str = "provinces/") -> str | None:
    """The report page of a unit of the report map, relative to the edition folder (None for others, and for a
    unit whose report the edition does not render: params render.units)."""
    province_map = str(tables.project.params["render"]["province_map"])
    if map_ == province_map:
        if not renders_unit(tables.project.params, code):
            return None
        unit = tables.unit(map_, code)
        return f"{base}{code}-{unit['slug']}.{lang}.html"
    if map_ == "63" and province_map == "34":
        successor = tables.unit("63", code).get("successor_code")
        return unit_href(tables, "34", successor, lang, base) if successor else None
    return None


def answer_html(tables: Tables, lang: str) -> str:
    """The briefing's opening: the sentence-level answer, the series disagreement at national level, which
    targets can be assessed, and the coverage line."""
    rows = tables.status
    a = selections.answer(rows)
    share = labels.fmt_percent(100 * a["unknown"] / a["total"], lang, 0) if a["total"] else labels.MISSING
    parts = [
        f'<p class="dx-answer">{esc(t("text.answer", lang, total=a["total"], assessed=a["assessed"], on_course=a["on_course"], behind=a["behind"], pending=a["pending"], unknown=a["unknown"], unknown_share=share))}</p>'
    ]
    national = selections.kpi_rows(tables, rows.filter(pl.col("map") == "VN"))
    de = national.filter(pl.col("indicator") == "digital_economy_share_grdp").sort("target_year")
    if de.height:
        year = de["target_year"][0]
        series = de.filter(pl.col("target_year") == year)
        values = "; ".join(
            t(
                "text.answer_series",
                lang,
                value=_shown_value(r, lang),
                year=r["latest_year"],
                series=labels.series_name(r["series"], lang),
                status=labels.status_label(r["status"], lang),
            )
            for r in series.iter_rows(named=True)
        )
        parts.append(f"<p>{esc(t('text.answer_national', lang, values=values))}</p>")
    assessed = selections.kpi_rows(tables, rows).filter(pl.col("preferred"))
    assessed = assessed.filter(pl.col("status").is_not_null() & ~pl.col("status").is_in(selections.UNASSESSED))
    if assessed.height:
        items = []
        for r in assessed.iter_rows(named=True):
            name = unit_name(tables, r["map"], r["province_code"], lang)
            href = unit_href(tables, r["map"], r["province_code"], lang)
            item = esc(
                t(
                    "text.answer_item",
                    lang,
                    unit=name,
                    indicator=labels.indicator_name(r["indicator"], lang),
                    target=target_text(r, lang),
                    status=labels.status_label(r["status"], lang),
                )
            )
            items.append(f"<li>{link(href, item) if href else item}</li>")
        parts.append(
            fold(f"{esc(t('text.answer_which', lang))} {len(items)}", f'<ul class="dx-columns">{"".join(items)}</ul>')
        )
    inforce = rows.filter(pl.col("preferred") & pl.col("in_force"))
    with_data = inforce.filter(pl.col("series").is_not_null()).height
    no_figure = inforce.group_by("measured_by").agg(pl.col("series").is_not_null().any().alias("any"))
    parts.append(
        f"<p>{esc(t('text.coverage_line', lang, with_data=with_data, total=inforce.height, indicators=no_figure.filter(~pl.col('any')).height))}</p>"
    )
    return "".join(parts)


def unit_summary_html(tables: Tables, map_: str, code: str, rows: pl.DataFrame, lang: str) -> str:
    """A unit report's first lines: how many targets, how many assessable, on course, and what is unknown."""
    name = unit_name(tables, map_, code, lang)
    a = selections.answer(rows)
    if a["total"] == 0:
        return f'<p class="dx-answer">{esc(t("text.summary_no_targets", lang, name=name))}</p>'
    lines = [
        t("text.summary_targets", lang, name=name, total=a["total"], assessed=a["assessed"]),
        t("text.summary_status", lang, on_course=a["on_course"], behind=a["behind"], pending=a["pending"])
        if a["assessed"]
        else t("text.summary_status_none", lang),
        t("text.summary_gap", lang, unknown=a["unknown"]) if a["unknown"] else t("text.summary_gap_none", lang),
    ]
    return '<ul class="dx-answer">' + "".join(f"<li>{esc(x)}</li>" for x in lines) + "</ul>"


def missing_groups_html(tables: Tables, rows: pl.DataFrame, lang: str) -> str:
    """In-force targets without any figure, one line per indicator: what to collect and who set it."""
    groups = selections.missing_groups(rows)
    total = rows.filter(pl.col("preferred") & pl.col("in_force")).height
    if groups.height == 0:
        return f"<p>{esc(t('text.nothing_missing', lang) if total else t('text.no_targets', lang))}</p>"
    intro = t("text.missing_groups_intro", lang, n=int(groups["n"].sum()), total=total)
    headers = [
        t("col.indicator", lang),
        t("col.targets_missing", lang),
        t("col.years", lang),
        t("col.set_by", lang),
        t("col.documents", lang),
    ]
    body = []
    for g in groups.iter_rows(named=True):
        years = str(g["first_year"]) if g["first_year"] == g["last_year"] else f"{g['first_year']}–{g['last_year']}"
        docs = "<br>".join(esc(d) for d in g["documents"] if d)
        body.append(
            [
                esc(labels.indicator_name(g["measured_by"], lang)),
                str(g["n"]),
                esc(years),
                esc(", ".join(x for x in g["set_by"] if x)),
                docs,
            ]
        )
    return f"<p>{esc(intro)}</p>" + cards_table(headers, body, classes=["", "num", "num", "", ""])


def _quotes_html(row: dict, lang: str) -> str:
    """The document's words, or English press wording labelled as such with its article linked."""
    quotes = [q for q in (row.get("quotes") or "").split(" | ") if q]
    urls = [u for u in (row.get("source_urls") or "").split(" | ") if u]
    out = []
    for i, q in enumerate(quotes):
        url = urls[i] if i < len(urls) else (urls[0] if urls else None)
        if is_press_wording(q):
            label = t("text.press_wording", lang)
            out.append(
                f'<blockquote lang="en" class="dx-press"><small>{esc(label)}'
                + (f" — {link(url, esc(t('word.article', lang)))}" if url else "")
                + f"</small><br>{esc(q)}</blockquote>"
            )
        else:
            out.append(
                f'<blockquote lang="vi"><small>{esc(t("text.quote_document", lang))}</small><br>{esc(q)}</blockquote>'
            )
    return "".join(out)


def is_press_wording(quote: str) -> bool:
    """A quote with no Vietnamese letter at all is an English paraphrase from the press, not the document."""
    import unicodedata

    letters = [c for c in quote if c.isalpha()]
    if not letters:
        return False
    decomposed = unicodedata.normalize("NFD", quote)
    return not any(unicodedata.combining(c) for c in decomposed) and not any(c in "đĐ" for c in quote)


def document_html(row: dict, lang: str) -> str:
    """Document name, its date (d/m/yyyy in Vietnamese), the source link(s) and the quote(s)."""
    doc = esc(row.get("document") or labels.MISSING)
    if row.get("document_date"):
        doc += f" ({esc(labels.fmt_date(row['document_date'], lang))})"
    urls = [u for u in (row.get("source_urls") or "").split(" | ") if u]
    links = ", ".join(
        link(u, esc(t("word.source_link", lang)) + (f" {i + 1}" if len(urls) > 1 else "")) for i, u in enumerate(urls)
    )
    links = ", ".join(x for x in links.split(", ") if x.startswith("<a")) if links else ""
    return doc + (f" · {links}" if links else "") + _quotes_html(row, lang)


def targets_detail_html(tables: Tables, rows: pl.DataFrame, lang: str, *, in_force: bool = True) -> str:
    """Every target (in force, with at least one figure; or superseded) with set-by, document, source link,
    quote, status and reason; targets that former provinces set differently are flagged."""
    pick = rows.filter(pl.col("preferred") & (pl.col("in_force") if in_force else ~pl.col("in_force")))
    if in_force:
        pick = pick.filter(pl.col("series").is_not_null())
    if pick.height == 0:
        return ""
    disagree = selections.inherited_disagreements(rows)
    headers = [
        t("col.set_by", lang),
        t("col.indicator", lang),
        t("col.target", lang),
        t("col.document", lang),
        t("col.status", lang),
        t("col.reason", lang),
    ]
    body = []
    for r in pick.iter_rows(named=True):
        target = esc(target_text(r, lang))
        if r["target_id"] in disagree:
            target += f'<br><small class="dx-flag">⚠ {esc(t("text.disagree", lang))}</small>'
        reason = r["reason_vi"] if lang == "vi" else r["reason"]
        note = r.get("note_vi") if lang == "vi" else r.get("note")
        body.append(
            [
                esc(r["set_by_name"]),
                esc(labels.indicator_name(r["indicator"], lang)),
                target,
                document_html(r, lang),
                esc(labels.status_label(r["status"], lang))
                + (f' <span class="dx-badge dx-proxy">{esc(t("word.proxy", lang))}</span>' if r.get("proxy") else ""),
                esc(reason or labels.MISSING) + (f"<br><em>{esc(note)}</em>" if note else ""),
            ]
        )
    return cards_table(headers, body)


# Reference inputs (registries, weights, province lists, boundaries) are not "where the figures come from".
_REFERENCE_LAYOUTS = ("targets", "weights", "provinces_63", "provinces_34", "boundaries", "boundary_names")


def sources_html(tables: Tables, lang: str, source_ids: list[str] | None = None) -> str:
    """The publishers behind the figures, each linked to its table (http(s) only), as escaped HTML."""
    items = []
    for source_id in sorted(tables.sources if source_ids is None else source_ids):
        entry = tables.sources.get(source_id) or {}
        if source_ids is None and entry.get("layout") in _REFERENCE_LAYOUTS:
            continue
        publisher = esc(publisher_name(entry, source_id, lang))
        measures = esc(entry.get("measures", ""))
        if lang == "vi" and entry.get("measures_vi"):
            measures = esc(entry["measures_vi"])
        elif measures and lang == "vi":  # only an English description: say so on a Vietnamese page
            measures = f'{esc(t("text.measures_english", lang))}: <span lang="en">{measures}</span>'
        items.append(f"<li>{link(entry.get('url'), publisher)}{(' — ' + measures) if measures else ''}</li>")
    return (
        f"<p>{esc(t('text.sources_list', lang))}</p><ul>{''.join(items)}</ul>"
        f"<p><small>{esc(t('text.boundaries_credit', lang))}</small></p>"
    )

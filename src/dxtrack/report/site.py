"""The edition as a small static site: navigation on every page, the edition line, "cite this", and the index
pages (reports/<year>/index.<lang>.html) with a search that works from disk.

Pages sit in reports/<year>/ (briefing, index, annex) and reports/<year>/provinces/ (one per unit); every link is
relative, so the folder can be copied, zipped or opened by double-click. All text is escaped HTML built from
report/labels.yaml; names come from the units table.
"""

from __future__ import annotations

import json
from datetime import date

import polars as pl

from dxtrack.core.params import render_units
from dxtrack.core.tables import Tables
from dxtrack.report import labels, selections, subunits
from dxtrack.report.labels import t
from dxtrack.report.text import esc

OTHER = {"vi": "en", "en": "vi"}


def collected_date(tables: Tables) -> date | None:
    """The latest date a source was retrieved: the edition's "figures collected up to" date."""
    days = []
    for entry in tables.sources.values():
        value = (entry or {}).get("retrieved")
        if isinstance(value, date):
            days.append(value)
        elif isinstance(value, str):
            try:
                days.append(date.fromisoformat(value[:10]))
            except ValueError:
                pass
    return max(days) if days else None


def edition_line(tables: Tables, year: int, lang: str) -> str:
    return t("text.edition", lang, year=year, date=labels.fmt_date(collected_date(tables), lang))


def briefing_file(lang: str) -> str:
    return f"briefing.{lang}.html"


def unit_file(tables: Tables, map_: str, code: str, lang: str) -> str:
    return f"{code}-{tables.unit(map_, code)['slug']}.{lang}.html"


def page_title(
    tables: Tables, kind: str, year: int, lang: str, map_: str | None = None, code: str | None = None
) -> str:
    """The <title> of a page: the briefing's, a unit's report or the index."""
    if kind == "briefing":
        return t("text.briefing_title", lang, year=year)
    if kind == "index":
        return t("index.title", lang, year=year)
    if kind == "scheme":  # `code` is the scheme id
        s = tables.schemes.filter(pl.col("scheme_id") == code).row(0, named=True)
        return t("sub.section.scheme_page", lang, scheme=s["name_vi"] if lang == "vi" else s["name_en"])
    if map_ != "VN":
        assert map_ is not None and code is not None  # a unit's page names its unit
        name = tables.unit(map_, code)["name_vi"]
    else:
        name = t("unit.country", lang)
    return t("text.province_title", lang, name=name, year=year)


def nav_html(tables: Tables, kind: str, year: int, lang: str, map_: str | None = None, code: str | None = None) -> str:
    """The bar on top of every page: all reports, the briefing, the other language, the annex; the edition line."""
    up = "../" if kind in ("unit", "scheme") else ""
    other = OTHER[lang]
    if kind == "unit":
        assert map_ is not None and code is not None  # a unit's page names its unit
        here_other = unit_file(tables, map_, code, other)
    elif kind == "scheme":
        assert code is not None  # a scheme's page names its scheme (in `code`)
        here_other = subunits.scheme_file(code, other)
    elif kind == "briefing":
        here_other = briefing_file(other)
    else:
        here_other = f"index.{other}.html"
    items = [f'<a href="{up}index.{lang}.html">{esc(t("nav.index", lang))}</a>']
    if kind != "briefing":
        items.append(f'<a href="{up}{briefing_file(lang)}">{esc(t("nav.briefing", lang))}</a>')
    items.append(
        f'<a href="{here_other}" hreflang="{other}" lang="{other}" title="{esc(t("nav.switch_title", lang))}">'
        f"{esc(t('nav.switch', lang))}</a>"
    )
    items.append(f'<a href="{up}annex.xlsx">{esc(t("nav.annex", lang))}</a>')
    return (
        f'<nav class="dx-nav">{" · ".join(items)}</nav>'
        f'<p class="dx-edition">{esc(edition_line(tables, year, lang))}</p>'
    )


def cite_html(tables: Tables, kind: str, year: int, lang: str, map_: str | None = None, code: str | None = None) -> str:
    title = page_title(tables, kind, year, lang, map_, code)
    if kind == "unit":
        assert map_ is not None and code is not None  # a unit's page names its unit
        file = f"{year}/provinces/{unit_file(tables, map_, code, lang)}"
    elif kind == "scheme":
        assert code is not None  # a scheme's page names its scheme (in `code`)
        file = f"{year}/{subunits.SCHEME_DIR}/{subunits.scheme_file(code, lang)}"
    elif kind == "briefing":
        file = f"{year}/{briefing_file(lang)}"
    else:
        file = f"{year}/index.{lang}.html"
    text = t("text.cite", lang, year=year, title=title, date=labels.fmt_date(collected_date(tables), lang), file=file)
    return f'<h2 id="cite">{esc(t("section.cite", lang))}</h2><p class="dx-cite">{esc(text)}</p>'


# ---- index pages --------------------------------------------------------------------------------------------
_STYLE = """
:root { --ink:#1f1f1f; --muted:#555; --rule:#d9d9d9; --accent:#0b4f80; --soft:#f5f7f9; }
* { box-sizing: border-box; }
body { margin:0; color:var(--ink); line-height:1.5; font-family:"Noto Sans","DejaVu Sans","Segoe UI",Roboto,Arial,sans-serif; }
main { max-width:1100px; margin:0 auto; padding:0 24px 48px; }
a { color:var(--accent); }
h1 { font-size:1.9rem; line-height:1.2; margin:0.6em 0 0.3em; }
h2 { font-size:1.35rem; margin:1.4em 0 0.5em; border-top:1px solid var(--rule); padding-top:0.3em; }
p { max-width:78ch; }
.dx-nav { margin-top:12px; font-size:0.95rem; }
.dx-edition { color:var(--muted); font-size:0.9rem; margin:2px 0 0; }
.dx-tools { display:flex; flex-wrap:wrap; gap:12px; align-items:end; margin:8px 0 12px; }
.dx-tools label { display:flex; flex-direction:column; font-size:0.9rem; color:var(--muted); }
.dx-tools input, .dx-tools select { font:inherit; padding:6px 8px; border:1px solid #999; border-radius:4px; min-width:18em; }
table { border-collapse:collapse; width:100%; font-size:0.92rem; }
th, td { border-bottom:1px solid var(--rule); padding:6px 8px; text-align:left; vertical-align:top; }
th { background:var(--soft); }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
.dx-lead a { font-size:1.15rem; font-weight:600; }
@media (max-width:600px) {
  main { padding:0 12px 32px; } h1 { font-size:1.45rem; }
  .dx-tools input, .dx-tools select { min-width:0; width:100%; } .dx-tools label { width:100%; }
  table, tbody, tr, td { display:block; width:100%; } thead { display:none; }
  tr { border:1px solid var(--rule); border-radius:6px; margin:0 0 10px; padding:4px 8px; }
  td { border:0; padding:2px 0; text-align:left !important; }
  td[data-label]::before { content:attr(data-label) ": "; font-weight:600; color:var(--muted); }
  tr[hidden] { display:none !important; }
}
@page { size:A4; margin:16mm 14mm; }
@media print { .dx-tools { display:none; } tr { break-inside:avoid; } h1, h2 { break-after:avoid; } a { color:inherit; } }
"""

# Search ignores case, diacritics and đ/Đ, so "vinh long", "Vĩnh Long" and "VINH LONG" all find Vĩnh Long.
_SCRIPT = """
(function () {
  function fold(s) {
    return (s || "").normalize("NFD").replace(/[\\u0300-\\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase()
      .replace(/\\s+/g, " ").trim();
  }
  var q = document.getElementById("dx-q"), f = document.getElementById("dx-f");
  var rows = Array.prototype.slice.call(document.querySelectorAll("#dx-units tbody tr"));
  var none = document.getElementById("dx-none");
  function apply() {
    var needle = fold(q.value), which = f.value, shown = 0;
    rows.forEach(function (r) {
      var hit = fold(r.getAttribute("data-search")).indexOf(needle) >= 0;
      if (which === "assessed") hit = hit && Number(r.getAttribute("data-assessed")) > 0;
      if (which === "no_targets") hit = hit && Number(r.getAttribute("data-targets")) === 0;
      r.hidden = !hit; if (hit) shown++;
    });
    none.hidden = shown > 0;
  }
  q.addEventListener("input", apply); f.addEventListener("change", apply);
  var hash = decodeURIComponent((location.hash || "").slice(1));
  if (hash) { q.value = hash; }
  apply();
})();
"""


def rendered_index(tables: Tables) -> pl.DataFrame:
    """selections.unit_index of the report map, for the units whose reports the edition renders (render.units)."""
    params = tables.project.params
    units = selections.unit_index(tables, str(params["render"]["province_map"]))
    selected = render_units(params)
    return units if selected is None else units.filter(pl.col("province_code").is_in(sorted(selected)))


def index_html(tables: Tables, year: int, lang: str, units: pl.DataFrame | None = None) -> str:
    """reports/<year>/index.<lang>.html: the briefing, every unit's report with search and filter, the annex.
    `units`: rendered_index(tables), when the caller has it already (it is the same in every language)."""
    units = rendered_index(tables) if units is None else units
    region = "region_vi" if lang == "vi" else "region_en"
    head = [
        t("col.province", lang),
        t("col.region", lang),
        t("col.former", lang),
        t("col.targets", lang),
        t("col.assessed", lang),
        t("col.on_course", lang),
    ]
    rows = []
    for u in units.iter_rows(named=True):
        href = f"provinces/{u['province_code']}-{u['slug']}.{lang}.html"
        search = " ".join([u["name_vi"], u["name_ascii"], *u["members"]])
        cells = [
            link_local(href, esc(u["name_vi"])),
            esc(u[region]),
            esc(", ".join(u["members"])) or labels.MISSING,
            str(u["targets"]),
            str(u["assessed"]),
            str(u["on_course"]),
        ]
        num = ' class="num"'
        tds = "".join(
            f'<td data-label="{esc(h)}"{num if i >= 3 else ""}>{c}</td>' for i, (h, c) in enumerate(zip(head, cells))
        )
        rows.append(
            f'<tr data-search="{esc(search)}" data-targets="{u["targets"]}" data-assessed="{u["assessed"]}">{tds}</tr>'
        )
    num = ' class="num"'
    ths = "".join(f"<th{num if i >= 3 else ''}>{esc(h)}</th>" for i, h in enumerate(head))
    title = page_title(tables, "index", year, lang)
    options = "".join(
        f'<option value="{v}">{esc(t(k, lang))}</option>'
        for v, k in (
            ("all", "index.filter_all"),
            ("assessed", "index.filter_assessed"),
            ("no_targets", "index.filter_no_targets"),
        )
    )
    body = (
        nav_html(tables, "index", year, lang)
        + f"<h1>{esc(title)}</h1>"
        + f"<p>{esc(t('index.intro', lang, n=units.height))}</p>"
        + f'<p class="dx-lead">{link_local(briefing_file(lang), esc(t("text.briefing_title", lang, year=year)))}</p>'
        + f"<h2>{esc(t('index.units', lang))}</h2>"
        + '<div class="dx-tools">'
        + f'<label for="dx-q">{esc(t("index.search", lang))}<input id="dx-q" type="search" autocomplete="off"></label>'
        + f'<label for="dx-f">{esc(t("index.filter", lang))}<select id="dx-f">{options}</select></label></div>'
        + f'<table id="dx-units"><thead><tr>{ths}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
        + f'<p id="dx-none" hidden>{esc(t("index.no_match", lang))}</p>'
        + schemes_section(tables, lang)
        + f"<h2>{esc(t('index.download', lang))}</h2>"
        + f"<ul><li>{link_local('annex.xlsx', esc(t('nav.annex', lang)))}</li></ul>"
        + cite_html(tables, "index", year, lang)
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{esc(title)}</title>\n'
        f'<link rel="alternate" hreflang="{OTHER[lang]}" href="index.{OTHER[lang]}.html">\n'
        f"<style>{_STYLE}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n<script>{_SCRIPT}</script>\n"
        "</body>\n</html>\n"
    )


def schemes_section(tables: Tables, lang: str) -> str:
    """The index's list of scoring schemes, each linked to its page ("" when there are none)."""
    rows = subunits.scheme_index_rows(tables, lang)
    if not rows:
        return ""
    from dxtrack.report.text import cards_table

    head = [t(f"sub.col.{k}", lang) for k in ("scheme", "issuer", "applies_to", "units_scored", "periods")]
    return (
        f'<h2 id="schemes">{esc(t("sub.index.schemes", lang))}</h2>'
        f"<p>{esc(t('sub.index.schemes_intro', lang))}</p>"
        + cards_table(head, rows, classes=["", "", "", "num", ""]).replace(
            'class="dx-table dx-cards"', 'id="dx-schemes"'
        )
    )


def _page(title: str, lang: str, other_href: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{esc(title)}</title>\n'
        f'<link rel="alternate" hreflang="{OTHER[lang]}" href="{esc(other_href)}">\n'
        f"<style>{_STYLE}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def scheme_html(tables: Tables, scheme_id: str, year: int, lang: str) -> str:
    """reports/<year>/schemes/<scheme_id>.<lang>.html: a scheme's facts and every unit ranked, period by period."""
    title = page_title(tables, "scheme", year, lang, code=scheme_id)
    body = (
        nav_html(tables, "scheme", year, lang, code=scheme_id)
        + f"<h1>{esc(title)}</h1>"
        + subunits.scheme_body_html(tables, scheme_id, lang)
        + cite_html(tables, "scheme", year, lang, code=scheme_id)
    )
    return _page(title, lang, subunits.scheme_file(scheme_id, OTHER[lang]), body)


def link_local(href: str, text: str) -> str:
    """A link to a page of the edition (relative path built here, never from data)."""
    return f'<a href="{esc(href)}">{text}</a>'


def search_data(tables: Tables) -> str:
    """The units as JSON (name, ASCII name, slug): for tests and other tools."""
    units = rendered_index(tables)
    return json.dumps(units.select("province_code", "name_vi", "name_ascii", "slug").to_dicts(), ensure_ascii=False)

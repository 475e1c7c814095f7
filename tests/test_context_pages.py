"""Every figure reaches the pages (issue 11): a fixture table added the documented way (a source folder), the
project rebuilt, unit reports rendered for real — and every new value is found in the report it concerns, formatted
for the reader's locale; a proxy carries its label wherever it is shown; a unit's PAPI figures (its context
indicator) appear in its report. Runs on the frozen copy of the data; nothing pins a fact of the live data (the
PAPI values checked are read from the built observations)."""

from __future__ import annotations

import html
import re

import polars as pl
import pytest
from conftest import add_source, frozen_project

from dxtrack.core.stage import write
from dxtrack.core.tables import load
from dxtrack.harmonize.stage import harmonize_stage
from dxtrack.ingest.stage import clean
from dxtrack.model.stage import model_stage
from dxtrack.report import context, labels, selections
from dxtrack.report.labels import t

pytestmark = pytest.mark.render  # unit reports are rendered for real (kernel, export)

# FIXTURES, invented values (not real data): PAPI e-governance for 2025 on the 34-unit map (a unit that did not
# merge, Hà Nội, and a merged one, Khánh Hòa), and a proxy figure for Hà Nội.
PAPI_2025 = """year,province_name_as_source,score,source_url,quote
2025,Hà Nội,4.4321,https://example.invalid/papi-2025,fixture row
2025,Khánh Hòa,3.8765,https://example.invalid/papi-2025,fixture row
"""
PROXY_2025 = """year,province_name_as_source,value_pct,source_url,quote
2025,Hà Nội,87.6,https://example.invalid/edoc-2025,fixture row
"""
FIXTURES = ("papi_2025_fixture", "edoc_2025_fixture")
# The new values as a reader must see them (fmt_figure's format, written out so a locale slip fails here).
EXPECTED = {
    ("01", "papi_egovernance"): {"vi": "4,43", "en": "4.43"},
    ("56", "papi_egovernance"): {"vi": "3,88", "en": "3.88"},
    ("01", "work_records_online_province"): {"vi": "87,6%", "en": "87.6%"},
}
PAGES = {("01", "vi"), ("01", "en"), ("56", "vi")}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The frozen project grown by two fixture tables, rebuilt, and three unit reports rendered."""
    from dxtrack.notebook.engine import render_all
    from dxtrack.report.stage import RenderParams, plan

    project = frozen_project(tmp_path_factory.mktemp("context"), notebooks=True)
    project = add_source(
        project,
        FIXTURES[0],
        "papi_2025_fixture.csv",
        PAPI_2025,
        layout="indicator_table",
        map=34,
        url="https://example.invalid/papi-2025",
        indicators={"score": "papi_egovernance"},
        series={"fixed": {"series": "papi_undp", "authority": 2}},
    )
    project = add_source(
        project,
        FIXTURES[1],
        "edoc_2025_fixture.csv",
        PROXY_2025,
        layout="indicator_table",
        map=34,
        url="https://example.invalid/edoc-2025",
        indicators={"value_pct": "work_records_online_province"},
        series={"fixed": {"series": "edoc_exchange_proxy", "authority": 2}},
    )
    for stage in (clean, harmonize_stage, model_stage):
        write(project, stage(project))
    tables = load(project.root)
    slugs = dict(tables.units.filter(pl.col("map") == "34").select("province_code", "slug").iter_rows())
    wanted = {f"{code}-{slugs[code]}.{lang}.html": (code, lang) for code, lang in PAGES}
    jobs = [j for j in plan(project, tables, RenderParams.from_params(project.params)) if j.output_html.name in wanted]
    assert len(jobs) == len(PAGES)
    render_all(jobs, workers=1, progress=False, cwd=project.root)
    pages = {wanted[j.output_html.name]: j.output_html.read_text(encoding="utf-8") for j in jobs}
    return tables, pages


def visible(page: str) -> str:
    """The page's text as a reader sees it (scripts, styles and tags removed, entities decoded)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def rows_with(page: str, needle: str) -> list[str]:
    """The HTML of every table row whose visible text contains `needle`."""
    return [r for r in re.findall(r"<tr\b.*?</tr>", page, flags=re.S) if needle in visible(r)]


def test_every_new_value_is_on_its_units_page_in_the_readers_locale(site):
    tables, pages = site
    new = tables.observations.filter(pl.col("source_id").is_in(FIXTURES) & (pl.col("map") == "34"))
    assert new.height == len(EXPECTED)  # the fixture rows all went in
    for r in new.iter_rows(named=True):
        for (code, lang), page in pages.items():
            if code != r["province_code"]:
                continue
            shown = context.fmt_figure(r["value"], r["indicator"], lang)
            assert shown.startswith(EXPECTED[(code, r["indicator"])][lang])
            name = labels.indicator_name(r["indicator"], lang)
            rows = [row for row in rows_with(page, shown) if name in visible(row)]
            assert rows, f"{r['indicator']} {shown} is not on the {lang} page of unit {code}"
            text = visible(rows[0])
            assert "2025" in text
            assert labels.map_label("34", lang, short=True) in text  # the map of the figure
            assert 'href="https://example.invalid/' in rows[0]  # its source, linked


def test_a_merged_units_page_names_the_former_provinces_figures(site):
    tables, pages = site
    page = pages[("56", "vi")]
    for member in tables.unit("34", "56")["member_codes"]:
        name = tables.unit("63", member)["name_vi"]
        assert t("word.former_province", "vi", name=name) in visible(page)


def test_a_proxy_shown_carries_the_proxy_label(site):
    tables, pages = site
    for (code, lang), page in pages.items():
        proxies = selections.latest_values(tables, "34", code).filter(pl.col("proxy"))
        for r in proxies.iter_rows(named=True):
            shown = context.fmt_figure(r["value"], r["indicator"], lang, r["rank_of"])
            rows = rows_with(page, shown)
            assert rows and all("dx-proxy" in row and t("word.proxy", lang) in visible(row) for row in rows), (
                code,
                lang,
                shown,
            )
    # Hà Nội's fixture proxy is among them, and no proxy row calls itself official
    assert rows_with(pages[("01", "en")], "87.6%")
    for row in rows_with(pages[("01", "en")], t("word.proxy", "en")):
        assert f"({t('word.official', 'en')})" not in visible(row)


def test_a_units_papi_values_appear_in_its_report(site):
    """The latest PAPI figure in the table; every year of the series in the context chart's data."""
    tables, pages = site
    papi = tables.observations.filter(
        (pl.col("indicator") == "papi_egovernance") & (pl.col("map") == "63") & pl.col("province_code").is_in(["01"])
    )
    assert papi.height >= 2
    page = pages[("01", "vi")]
    assert t("section.context", "vi") in visible(page)
    for r in papi.iter_rows(named=True):
        value = labels.fmt_value(r["value"], "score", "vi")
        assert value in page, f"PAPI {r['year']} ({value}) is not in Hà Nội's report"
    # the merged unit: each former province's latest PAPI figure is in its table
    page = pages[("56", "vi")]
    for member in tables.unit("34", "56")["member_codes"]:
        latest = (
            tables.observations.filter(
                (pl.col("indicator") == "papi_egovernance")
                & (pl.col("map") == "63")
                & (pl.col("province_code") == member)
            )
            .sort("year")
            .tail(1)
        )
        if latest.height:
            shown = context.fmt_figure(latest["value"][0], "papi_egovernance", "vi")
            name = tables.unit("63", member)["name_vi"]
            assert any(name in visible(r) for r in rows_with(page, shown)), (member, shown)


def test_a_unit_that_did_not_merge_shows_each_series_once(site):
    tables, _ = site
    rows = context.latest_rows(tables, "34", "01")
    not_ranks = rows.filter(~pl.col("indicator").str.contains("rank"))
    assert not_ranks.group_by("indicator", "series").len()["len"].max() == 1
    papi = rows.filter(pl.col("indicator") == "papi_egovernance").row(0, named=True)
    assert (papi["year"], papi["observed_map"]) == (2025, "34")  # the continued series, newest point on the new map


def test_the_34_map_view_never_fills_a_missing_member(site):
    tables, _ = site
    year = int(context.published_63(tables, "papi_egovernance")["year"].max())
    shown = context.complete_34_values(tables, "papi_egovernance", year)
    have = set(
        tables.observations.filter(
            (pl.col("indicator") == "papi_egovernance") & (pl.col("map") == "63") & (pl.col("year") == year)
        )["province_code"].to_list()
    )
    for code in shown.filter(pl.col("derived"))["province_code"].to_list():
        assert set(tables.unit("34", code)["member_codes"]) <= have
    # drop one former province's value: its new unit leaves the view
    merged = next(
        c
        for c in shown.filter(pl.col("derived"))["province_code"].to_list()
        if len(tables.unit("34", c)["member_codes"]) > 1
    )
    gone = tables.unit("34", merged)["member_codes"][0]
    import dataclasses

    fewer = dataclasses.replace(
        tables,
        observations=tables.observations.filter(
            ~(
                (pl.col("indicator") == "papi_egovernance")
                & (pl.col("map") == "63")
                & (pl.col("province_code") == gone)
                & (pl.col("year") == year)
            )
        ),
    )
    assert merged not in context.complete_34_values(fewer, "papi_egovernance", year)["province_code"].to_list()


def test_the_briefings_key_figures_label_a_proxy_and_never_let_it_settle_a_target(site):
    tables, _ = site
    figures = context.key_figures(tables)
    assert figures.height and figures.filter(pl.col("proxy")).height  # the frozen data has a national proxy
    for lang in labels.LANGS:
        page = context.key_figures_html(tables, lang)
        items = re.findall(r"<li\b.*?</li>", page, flags=re.S)
        assert len(items) == figures.height
        for item, f in zip(items, figures.iter_rows(named=True)):
            text = visible(item)
            assert labels.indicator_name(f["measured_by"], lang) in text
            assert context.fmt_figure(f["value"], f["measured_by"], lang) in text and str(f["year"]) in text
            assert (t("word.proxy", lang) in text and t("text.proxy_note", lang) in text) == bool(f["proxy"])


def test_the_context_overview_counts_what_is_published(site):
    tables, _ = site
    overview = context.context_overview(tables)
    assert "papi_egovernance" in overview["indicator"].to_list()
    for r in overview.iter_rows(named=True):
        values = context.published_63(tables, r["indicator"]).filter(pl.col("year") == r["year"])
        assert r["year"] == context.published_63(tables, r["indicator"])["year"].max()
        assert r["units"] == values["province_code"].n_unique() and r["of"] == 63
        top = max(values["value"].to_list())
        assert r["leaders"][0]["value"] == top
    page = context.context_overview_html(tables, "vi")
    assert "<script" not in page and t("col.median", "vi") in page


def test_the_context_chart_draws_one_series_for_an_unchanged_unit_and_the_former_provinces_for_a_merged_one(site):
    tables, _ = site
    one = context.context_rows(tables, "34", "01", "en")
    assert {r["line"] for r in one} == {"Hà Nội"}
    # the series continues across the merger: old-map points and the fixture's new-map point, each with its map
    papi = [r for r in one if r["indicator"] == labels.indicator_name("papi_egovernance", "en")]
    assert {r["map"] for r in papi} == {
        labels.map_label("63", "en", short=True),
        labels.map_label("34", "en", short=True),
    }
    assert len({r["year"] for r in papi}) == len(papi)  # one point per year: no copy drawn twice
    merged = context.context_rows(tables, "34", "56", "en")
    formers = {
        t("word.former_province", "en", name=tables.unit("63", c)["name_vi"])
        for c in tables.unit("34", "56")["member_codes"]
    }
    lines = {r["line"] for r in merged}
    assert formers <= lines and lines - formers <= {"Khánh Hòa"}  # plus the new unit's own published figure
    assert not [r for r in merged if r["derived"] and r["line"] == "Khánh Hòa"]  # never a derived mean
    chart = context.context_chart(tables, "34", "56", "vi").to_dict()
    assert chart["usermeta"]["dxtrack_download"]["rows"]

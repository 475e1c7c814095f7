"""params render.units: `all` (the default) renders every unit report; a list renders those units only, and the
edition stays whole — the index lists, and the briefing, maps and scheme pages link to, only the reports it has."""

from __future__ import annotations

import json
import re

import polars as pl
import pytest

from dxtrack.core.errors import DataError
from dxtrack.core.paths import Project
from dxtrack.core.tables import load
from dxtrack.report import site, stage, subunits, text

SOME = ["01", "86"]  # an unmerged unit and a unit formed from three former provinces (structure, not live facts)


@pytest.fixture(scope="module")
def tables(built_project):
    return load(built_project.root)


@pytest.fixture
def only_some(tables, monkeypatch):
    """The tables' params with render.units = SOME (restored after the test)."""
    monkeypatch.setitem(tables.project.params["render"], "units", list(SOME))
    return tables


def _params(project: Project, old: str, new: str) -> Project:
    path = project.root / "params.yaml"
    content = path.read_text(encoding="utf-8")
    assert old in content, old
    path.write_text(content.replace(old, new, 1), encoding="utf-8")
    return Project(project.root)


def _unit_jobs(jobs) -> list[str]:
    return sorted(j.output_html.name for j in jobs if "province" in j.parameters)


def test_the_default_is_every_unit(project, tables):
    assert project.params["render"]["units"] == "all"
    settings = stage.RenderParams.from_params(project.params)
    assert settings.units is None
    units = tables.units.filter(pl.col("map") == settings.province_map)
    jobs = stage.plan(project, tables, settings)
    assert len(_unit_jobs(jobs)) == units.height * len(settings.languages)
    assert sum("province" not in j.parameters for j in jobs) == len(settings.languages)  # the briefings


def test_absent_key_means_every_unit(tmp_project: Project):
    project = _params(tmp_project, "  units: all\n", "")
    assert "units" not in project.params["render"]
    assert stage.RenderParams.from_params(project.params).units is None


def test_a_list_plans_the_briefing_and_those_units_only(tmp_project: Project, tables):
    project = _params(tmp_project, "units: all", "units: [86, 01]")  # bare YAML numbers become codes
    settings = stage.RenderParams.from_params(project.params)
    assert settings.units == frozenset(SOME)
    jobs = stage.plan(project, tables, settings)
    slugs = dict(tables.units.filter(pl.col("map") == "34").select("province_code", "slug").iter_rows())
    assert _unit_jobs(jobs) == sorted(f"{c}-{slugs[c]}.{lang}.html" for c in SOME for lang in ("vi", "en"))
    assert sorted(j.output_html.name for j in jobs if "province" not in j.parameters) == [
        "briefing.en.html",
        "briefing.vi.html",
    ]


@pytest.mark.parametrize("value", ["some", "[]", '["1"]', '["01", "01"]', "[1.5]", '"01"'])
def test_a_bad_selection_is_named_with_its_line(tmp_project: Project, value: str):
    with pytest.raises(DataError) as info:
        _params(tmp_project, "units: all", f"units: {value}").check_params()
    message = str(info.value)
    assert "file params.yaml" in message and "column 'render.units'" in message and "row " in message, message


def test_a_code_that_is_not_a_unit_of_the_map_is_named(tmp_project: Project, tables):
    project = _params(tmp_project, "units: all", 'units: ["86", "99"]')
    with pytest.raises(DataError) as info:
        stage.plan(project, tables, stage.RenderParams.from_params(project.params))
    message = str(info.value)
    assert "column 'render.units'" in message and "99" in message and "row " in message, message
    assert "'86'" not in message.split("value", 1)[-1]  # only the unknown code is named


def test_the_index_lists_the_rendered_units_only(only_some, tables):
    for lang in ("vi", "en"):
        page = site.index_html(tables, 2026, lang)
        listed = re.findall(r'href="provinces/(\d{2})-[^"]+"', page)
        assert sorted(listed) == SOME, listed
        assert page.count('<tr data-search="') == len(SOME)
    assert sorted(u["province_code"] for u in json.loads(site.search_data(tables))) == SOME


def test_links_go_only_to_rendered_reports(only_some, tables):
    """text.unit_href (the briefing's tables, the maps' links): a unit of the report map links iff it is rendered;
    a former province links to its successor's report iff that one is rendered."""
    successor = dict(tables.units.filter(pl.col("map") == "63").select("province_code", "successor_code").iter_rows())
    linked = 0
    for map_, code in tables.units.filter(pl.col("map").is_in(["34", "63"])).select("map", "province_code").iter_rows():
        href = text.unit_href(tables, map_, code, "vi")
        shown = code if map_ == "34" else successor[code]
        assert (href is not None) == (shown in SOME), (map_, code, href)
        if href is not None:
            linked += 1
            assert href.startswith(f"provinces/{shown}-") and href.endswith(".vi.html"), href
    assert linked > len(SOME)  # the former provinces of a merged unit link to it too


def test_scheme_pages_link_an_issuer_only_when_its_report_is_rendered(tables, monkeypatch):
    issued = tables.schemes.filter(pl.col("issuer_map") == "63")
    assert issued.height, "the frozen data has schemes issued by a former province"
    for scheme_id, issuer in issued.select("scheme_id", "issuer_code").iter_rows():
        successor = tables.unit("63", issuer).get("successor_code")
        assert successor
        for selection, linked in (([successor], True), ([c for c in SOME if c != successor] or ["48"], False)):
            monkeypatch.setitem(tables.project.params["render"], "units", selection)
            page = subunits.scheme_body_html(tables, scheme_id, "vi")
            assert (f'href="../provinces/{successor}-' in page) == linked, (scheme_id, selection)

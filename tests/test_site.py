"""The site and the answer-first pages, checked on their structure (never on live facts): escaping, links only
for http(s), the index search data, the annex's safety and bytes, the CLI's reader options."""

from __future__ import annotations

import io
import json
import zipfile

import polars as pl
import pytest

from dxtrack.core.tables import load
from dxtrack.core.vocabulary import STATUSES
from dxtrack.notebook.engine import _csv, _download_link
from dxtrack.report import labels, selections, site, stage, text


@pytest.fixture(scope="module")
def tables(built_project):
    return load(built_project.root)


def test_links_only_for_http_urls_and_text_escaped():
    assert (
        text.link("https://a.vn/x?a=1&b=2", "t")
        == '<a href="https://a.vn/x?a=1&amp;b=2" rel="noopener noreferrer">t</a>'
    )
    for bad in ("javascript:alert(1)", "data:text/html,<b>", "ftp://x", "/etc/passwd", 'https://a.vn/"onmouseover=x'):
        assert text.link(bad, "t") == "t"
    row = {
        "document": "<script>x</script> **bold**",
        "document_date": "2020-06-03",
        "quotes": "<img src=x onerror=1> | over 80% of records",
        "source_urls": "javascript:1 | https://b.vn/a",
    }
    html = text.document_html(row, "vi")
    assert "<script>" not in html and "<img" not in html and "&lt;script&gt;" in html and "**bold**" in html
    assert "3/6/2020" in html  # d/m/yyyy in Vietnamese
    assert 'href="https://b.vn/a"' in html and "javascript" not in html
    assert labels.t("text.press_wording", "vi") in html  # the English paraphrase is labelled as press wording


def test_press_wording_is_recognised():
    assert text.is_press_wording("over 80% of work records at the commune level")
    assert not text.is_press_wording("80% dịch vụ công trực tuyến mức độ 4")
    assert not text.is_press_wording("2025")


def test_answer_counts_add_up_and_cover_every_status(tables):
    a = selections.answer(tables.status)
    assert a["assessed"] + a["unknown"] == a["total"] == sum(a["counts"].values())
    assert a["on_course"] + a["behind"] + a["pending"] == a["assessed"]
    assert set(STATUSES) <= set(a["counts"])


def test_the_answer_counts_each_status_under_the_words_that_describe_it():
    """'met so far' is on course, 'year passed, pending' is neither on course nor behind (the summary said a unit
    whose one assessed target awaited its result was 'too slow or regressing')."""
    rows = pl.DataFrame(
        {
            "status": ["met so far", "year passed, pending", "too slow", "acceleration needed", "no data"],
            "preferred": [True] * 5,
            "in_force": [True] * 5,
        }
    )
    a = selections.answer(rows)
    assert (a["on_course"], a["pending"], a["behind"], a["unknown"]) == (1, 1, 2, 1)


def test_kpi_rows_mark_exactly_one_official_series_per_target(tables):
    kpi = selections.kpi_rows(tables, tables.status)
    assert kpi.height > 0
    per_target = kpi.group_by("target_id").agg(pl.col("preferred").sum())
    assert per_target["preferred"].max() <= 1
    assert kpi["latest_value"].null_count() == 0 and kpi["in_force"].all()


def test_a_unit_without_targets_says_so(tables):
    index = selections.unit_index(tables, "34")
    empty = index.filter(pl.col("targets") == 0)
    if empty.height == 0:
        pytest.skip("every unit has targets in this data")
    code = empty["province_code"][0]
    rows = selections.unit_targets(tables, "34", code)
    html = text.unit_summary_html(tables, "34", code, rows, "vi")
    assert "Chưa thu thập được mục tiêu" in html
    assert labels.t("text.nothing_missing", "vi") not in text.missing_groups_html(tables, rows, "vi")


def test_map_classes_are_distinct():
    assert selections.map_class(0, 0, 0) == "no_targets"
    assert selections.map_class(3, 0, 0) == "none_assessed"
    assert selections.map_class(3, 2, 2) == "all" and selections.map_class(3, 2, 1) == "most"
    assert selections.map_class(3, 3, 1) == "some" and selections.map_class(3, 2, 0) == "none"
    for c in selections.MAP_CLASSES:
        assert labels.t(f"mapclass.{c}", "vi") and labels.t(f"mapclass.{c}", "en")


def test_index_page_lists_every_unit_with_ascii_search_text(tables):
    for lang in ("vi", "en"):
        page = site.index_html(tables, 2026, lang)
        units = tables.units.filter(pl.col("map") == "34")
        assert page.count('<tr data-search="') == units.height
        assert f"<title>{labels.t('index.title', lang, year=2026)}</title>" in page
        for _name_vi, name_ascii, slug, code in units.select(
            "name_vi", "name_ascii", "slug", "province_code"
        ).iter_rows():
            assert f'href="provinces/{code}-{slug}.{lang}.html"' in page
            assert name_ascii in page
        assert f"index.{site.OTHER[lang]}.html" in page and "briefing." + lang in page
        assert "<script src=" not in page and "data/" not in page and "dxtrack release" not in page


def test_chart_download_is_a_csv_data_link_with_formulas_neutralised():
    spec = {
        "title": "x",
        "usermeta": {
            "dxtrack_download": {
                "label": "Tải <CSV>",
                "filename": "a b.csv",
                "columns": ["name", "v"],
                "rows": [["=1+1", 2], ["Hà Nội", 3]],
            }
        },
    }
    link_html = _download_link(spec)
    assert "usermeta" not in spec  # rows travel once: in the link, not in the spec
    assert link_html.count('href="data:text/csv;charset=utf-8,') == 1 and 'download="a-b.csv"' in link_html
    assert "Tải &lt;CSV&gt;" in link_html
    assert _csv(["a"], [["=cmd"], ["-2"], ["@x"], ["ok"]]).splitlines() == ["a", "'=cmd", "'-2", "'@x", "ok"]


@pytest.mark.render
def test_every_chart_carries_its_data_for_download(tables):
    from dxtrack.report import figures

    for name, chart in figures.briefing_charts(tables, "en").items():
        meta = chart.to_dict()["usermeta"]["dxtrack_download"]
        assert meta["rows"] and meta["columns"], name
        assert meta["label"] == labels.t("download.csv", "en")


@pytest.mark.render
def test_annex_neutralises_formulas_has_filters_and_fixed_bytes(tables, tmp_path):
    from openpyxl import load_workbook

    assert stage.neutralise("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert stage.neutralise("\tx") == "'\tx" and stage.neutralise("ok") == "ok" and stage.neutralise(3) == 3
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    stage.write_annex(tables, a)
    stage.write_annex(tables, b)
    assert a.read_bytes() == b.read_bytes()
    wb = load_workbook(a)
    assert wb.sheetnames[0] == "README" and {"observations", "projections", "status"} <= set(wb.sheetnames)
    for ws in wb.worksheets:
        assert ws.auto_filter.ref, ws.title
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    assert "/" in wb["observations"]["A1"].value  # readable, bilingual header
    with zipfile.ZipFile(io.BytesIO(a.read_bytes())) as z:
        assert {i.date_time for i in z.infolist()} == {(2000, 1, 1, 0, 0, 0)}


def test_cli_speaks_vietnamese_and_json(built_project, monkeypatch, capsys):
    from dxtrack.cli import main as cli

    monkeypatch.chdir(built_project.root)
    assert cli.main(["status", "--province", "Vinh Long", "--json", "--lang", "vi"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["unit"]["code"] and out["targets"]
    assert {r["status_label"] for r in out["targets"]} <= {labels.status_label(s, "vi") for s in STATUSES}
    assert cli.main(["coverage", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)
    assert cli.main(["conflicts", "--lang", "vi"]) == 0
    assert cli.main(["status", "--province", "Vĩnh Long", "--lang", "vi"]) == 0
    assert labels.t("cli.official_mark", "vi") in capsys.readouterr().out

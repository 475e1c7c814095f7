"""Units below the province through the pipeline: a fixture project (the real province lists and observations,
the SYNTHETIC sub-province fixture in place of the real schemes, scores and registers) run through clean,
harmonize and model in-process; the report sections, scheme pages and index built from its tables; the source
catalogue and params rules the new inputs follow. No fact of the live sub-province data is pinned here."""

from __future__ import annotations

import re
import shutil
import warnings
from pathlib import Path

import polars as pl
import pytest
import yaml

from dxtrack.core.errors import DataError, DataErrors
from dxtrack.core.paths import Project
from dxtrack.core.sources import load_source
from dxtrack.core.stage import write
from dxtrack.ingest.layouts import LAYOUTS, OBSERVATIONS, check_layouts

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
FIXTURE = ROOT / "tests" / "fixtures" / "subunits"
SUB_LAYOUTS = ("unit_scores", "task_register", "task_updates")
AS_OF = "2024-09-01"


def _layout(folder: Path) -> str:
    return yaml.safe_load((folder / "source.yaml").read_text(encoding="utf-8"))["layout"]


def make_fixture_project(root: Path) -> Project:
    """data/raw without its sub-province inputs, plus the SYNTHETIC fixture's; the edition dated AS_OF."""
    shutil.copytree(RAW, root / "data" / "raw", ignore=shutil.ignore_patterns("geo_*"))
    raw = root / "data" / "raw"
    for folder in list((raw / "sources").iterdir()):
        if _layout(folder) in SUB_LAYOUTS:
            shutil.rmtree(folder)
    for part in ("schemes", "subunits"):
        shutil.rmtree(raw / part)
        shutil.copytree(FIXTURE / part, raw / part)
    for folder in (FIXTURE / "sources").iterdir():
        shutil.copytree(folder, raw / "sources" / folder.name)
    params = (ROOT / "params.yaml").read_text(encoding="utf-8")
    params = re.sub(r"^edition_date: .*$", f'edition_date: "{AS_OF}"', params, flags=re.M)
    params = re.sub(r"^  year: \d+$", "  year: 2024", params, flags=re.M)
    (root / "params.yaml").write_text(params, encoding="utf-8")
    shutil.copy(ROOT / "dvc.yaml", root / "dvc.yaml")
    return Project(root)


@pytest.fixture(scope="module")
def fixture_tables(tmp_path_factory):
    from dxtrack.core.tables import load
    from dxtrack.harmonize.stage import harmonize_stage
    from dxtrack.ingest.stage import clean
    from dxtrack.model.stage import model_stage

    project = make_fixture_project(tmp_path_factory.mktemp("subunit_project"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the backtest's verdict on the default method is not this test's business
        for stage in (clean, harmonize_stage, model_stage):
            write(project, stage(project))
    return load(project.root)


def test_clean_and_model_write_every_sub_province_table(fixture_tables):
    root = fixture_tables.project.root
    for name in (
        "schemes",
        "scheme_items",
        "subunits",
        "agencies",
        "unit_scores",
        "tasks",
        "task_occurrences",
        "task_updates",
    ):
        assert (root / "data" / "interim" / f"{name}.parquet").is_file(), name
    for name in ("scorecard_ranks", "scorecard_movers", "scorecard_distribution", "task_status"):
        assert (root / "data" / "processed" / f"{name}.parquet").is_file(), name
    assert fixture_tables.scorecard_ranks["synthetic"].all() and fixture_tables.schemes["synthetic"].all()


def test_model_flags_tasks_as_of_the_edition_date(fixture_tables):
    status = fixture_tables.task_status
    assert status["as_of"].unique().to_list() == [pl.Series([AS_OF]).str.to_date()[0]]
    overdue = status.filter(pl.col("state") == "overdue")
    assert overdue.height and (overdue["due_date"] < overdue["as_of"]).all()
    assert {"overdue", "due_soon", "done_late", "done_on_time"} <= set(status["state"])


def test_ties_reach_the_processed_ranks(fixture_tables):
    tied = fixture_tables.scorecard_ranks.filter(pl.col("tied") & pl.col("component_id").is_null())
    assert tied.height >= 2 and tied.group_by("period_label", "rank").len()["len"].min() >= 2


@pytest.mark.parametrize(
    "lang, overdue, banner", [("en", "Overdue", "SYNTHETIC DATA"), ("vi", "Quá hạn", "DỮ LIỆU GIẢ LẬP")]
)
def test_a_34_unit_report_shows_its_former_provinces_tasks_overdue_first(fixture_tables, lang, overdue, banner):
    from dxtrack.report import subunits

    html = subunits.tasks_html(fixture_tables, "34", "75", lang)  # Đồng Nai (34) holds old Đồng Nai's register
    assert banner in html and f'<strong class="dx-task-overdue">{overdue}</strong>' in html
    states = re.findall(r'<tr class="dx-task-([a-z_]+)"', html)
    order = ["overdue", "due_soon", "open", "done_late", "done_on_time"]
    assert states and states == sorted(states, key=order.index) and states[0] == "overdue"
    assert "Nhiệm vụ giả lập" in html or "Synthetic task" in html  # the task's own words (or its summary)
    assert subunits.tasks_html(fixture_tables, "63", "75", lang).count("dx-task-overdue") == html.count(
        "dx-task-overdue"
    )


def test_scorecard_section_ranks_links_and_chart(fixture_tables):
    from dxtrack.report import figures, subunits

    html = subunits.scorecard_html(fixture_tables, "34", "75", "en")
    assert "SYNTHETIC DATA" in html and "rank 2 of 6, tied" in html
    assert 'href="../schemes/synthetic_dong_nai_districts.en.html"' in html
    assert "places (" in html  # movers since the previous quarter
    charts = figures.province_charts(fixture_tables, "34", "75", "en")["scorecard"]
    assert len(charts) == 1 and charts[0].to_dict()["usermeta"]  # data attached for download


def test_data_text_is_escaped_in_the_sections(fixture_tables):
    from dxtrack.report import subunits

    hostile = fixture_tables.task_status.with_columns(
        pl.lit("<script>x</script> & co").alias("task_vi"), pl.lit("javascript:alert(1)").alias("source_url")
    )
    tables = type(fixture_tables)(**{**fixture_tables.__dict__, "task_status": hostile})
    html = subunits.tasks_html(tables, "34", "75", "vi")
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt; &amp; co" in html
    assert "javascript:" not in html.split("href=")[-1][:20] and 'href="javascript' not in html


def test_scheme_page_ranks_every_unit_and_index_links_it(fixture_tables):
    from dxtrack.report import site

    page = site.scheme_html(fixture_tables, "synthetic_dong_nai_districts", 2024, "vi")
    assert page.startswith("<!DOCTYPE html>") and 'hreflang="en" href="synthetic_dong_nai_districts.en.html"' in page
    assert page.count("hạng 2/6, đồng hạng") == 2 and "DỮ LIỆU GIẢ LẬP" in page
    assert page.count("<h2>Kỳ ") == fixture_tables.scorecard_ranks["period_label"].n_unique()
    index = site.index_html(fixture_tables, 2024, "en")
    assert 'href="schemes/synthetic_dong_nai_districts.en.html"' in index


def test_site_pages_written_and_stale_scheme_pages_removed(fixture_tables, tmp_path):
    from dxtrack.report.stage import RenderParams, site_pages, write_site_pages

    (tmp_path / "schemes").mkdir()
    (tmp_path / "schemes" / "gone.vi.html").write_text("old", encoding="utf-8")
    settings = RenderParams(2024, ("vi", "en"), "34", 1)
    paths = write_site_pages(site_pages(fixture_tables, settings, tmp_path), tmp_path)
    schemes = [p for p in paths if p.parent.name == "schemes"]
    assert sorted(p.name for p in (tmp_path / "schemes").iterdir()) == sorted(p.name for p in schemes)
    assert len(schemes) == 2 * fixture_tables.schemes.height
    assert sorted(p.name for p in tmp_path.glob("index.*.html")) == ["index.en.html", "index.vi.html"]


# ---- the catalogue and params rules the new inputs follow ------------------------------------------------------
def test_every_real_source_folder_passes_the_catalogue(project):
    check_layouts(project)
    for layout in SUB_LAYOUTS:
        assert layout in LAYOUTS and layout not in OBSERVATIONS


def test_coverage_must_be_complete_or_partial(tmp_path):
    folder = tmp_path / "scores_x"
    shutil.copytree(FIXTURE / "sources" / "synthetic_scores", folder)
    meta = folder / "source.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("coverage: complete", "coverage: most"), encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_source(folder)
    assert err.value.column == "coverage" and err.value.value == "most" and err.value.row


def test_a_mistyped_sub_province_layout_is_an_error(tmp_project):
    folder = tmp_project.sources_dir / "nam_dinh_tb128_2022"
    meta = folder / "source.yaml"
    meta.write_text(
        meta.read_text(encoding="utf-8").replace("layout: task_register", "layout: task_registr"), encoding="utf-8"
    )
    with pytest.raises(DataError) as err:
        check_layouts(tmp_project)
    assert "task_register" in (err.value.hint or "")


def test_a_task_without_url_needs_the_sources_notes(tmp_project):
    from dxtrack.ingest.subunit_tables import interim_tables
    from dxtrack.ingest.units import Registry

    meta = tmp_project.sources_dir / "nam_dinh_tb128_2022" / "source.yaml"
    meta.write_text(re.sub(r"^notes: .*\n", "", meta.read_text(encoding="utf-8"), flags=re.M), encoding="utf-8")
    with pytest.raises((DataError, DataErrors)) as err:
        interim_tables(tmp_project, Registry.load(tmp_project))
    assert "notes" in str(err.value) and "nam_dinh_tb128_2022" in str(err.value)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ('edition_date: "2026-02-30"', "real date"),
        ('edition_date: "2019-01-01"', "edition's year"),
        ("edition_date: soon", "date written YYYY-MM-DD"),
    ],
)
def test_edition_date_is_checked_with_its_line(tmp_project, text, fragment):
    path = tmp_project.root / "params.yaml"
    path.write_text(re.sub(r"^edition_date: .*$", text, path.read_text(encoding="utf-8"), flags=re.M), encoding="utf-8")
    with pytest.raises(DataError) as err:
        _ = Project(tmp_project.root).edition_date
    assert fragment in err.value.message and err.value.file == "params.yaml" and err.value.row


def test_due_soon_days_is_checked(tmp_project):
    path = tmp_project.root / "params.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("due_soon_days: 30", "due_soon_days: -3"), encoding="utf-8"
    )
    with pytest.raises(DataError) as err:
        _ = Project(tmp_project.root).due_soon_days
    assert err.value.column == "model.tasks.due_soon_days"

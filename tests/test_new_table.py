"""Next year's tables: a new valid table added to a copy of the (frozen) data goes through the suite's end-to-end
path — clean, harmonize, model, the change list — and every rule the reports rely on still holds. Nothing here
pins a fact of the live data; the live data is only checked for validity."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest
from conftest import ROOT, add_source, frozen_project

from dxtrack.core.paths import Project
from dxtrack.core.stage import write
from dxtrack.harmonize.aggregate import CONTINUED
from dxtrack.harmonize.stage import harmonize_stage
from dxtrack.ingest.stage import clean
from dxtrack.model.stage import model_stage
from dxtrack.report import releases

# FIXTURES, invented values (not real data): a 34-unit DTI table for 2025 and a 34-unit digital-economy share.
DTI_2025 = """Xếp hạng,"Tỉnh, thành phố",Chính quyền số,Kinh tế số,Xã hội số,DTI
1,Hà Nội,0.9100,0.8200,0.7300,0.8300
2,TP. Đà Nẵng,0.8800,0.7500,0.6900,0.7800
3,Điện Biên,0.6100,0.4700,0.5200,0.5400
"""
SHARE_2025 = """year,province_name_as_source,value_pct,source_url,quote,estimator
2025,Hà Nội,21.5,https://example.invalid/share-2025,fixture row,MIC
2025,Quảng Ninh,14.0,https://example.invalid/share-2025,fixture row,MIC
"""


def _run(project: Project) -> None:
    for stage in (clean, harmonize_stage, model_stage):
        write(project, stage(project))


@pytest.fixture(scope="module")
def grown(tmp_path_factory) -> tuple[Project, dict]:
    """The frozen project built, released, then grown by two new tables and rebuilt (the README's flow)."""
    project = frozen_project(tmp_path_factory.mktemp("grown"), geo=False)
    _run(project)
    releases.snapshot(project, int(project.params["render"]["year"]), released=date(2026, 12, 1))
    before = pl.read_parquet(project.processed / "observations.parquet")
    project = add_source(
        project,
        "dti_2025_fixture",
        "dti_2025_fixture.csv",
        DTI_2025,
        layout="ministry_dti",
        year=2025,
        map=34,
        url="https://example.invalid/dti-2025",
        series={"fixed": {"series": "mic_dti", "authority": 1}},
    )
    project = add_source(
        project,
        "share_2025_fixture",
        "share_2025_fixture.csv",
        SHARE_2025,
        layout="digital_economy_share",
        map=34,
        series={"column": "estimator", "texts": {"MIC": {"series": "mic", "authority": 1}}},
    )
    _run(project)
    return project, {"before": before}


def _obs(project: Project) -> pl.DataFrame:
    return pl.read_parquet(project.processed / "observations.parquet")


def test_the_live_data_is_valid():
    """The live data/raw passes the clean stage's checks (any valid table keeps this green)."""
    clean(Project(ROOT))


def test_every_row_read_is_kept_or_reported(grown):
    project, _ = grown
    quality = json.loads((project.metrics / "data_quality.json").read_text(encoding="utf-8"))
    for sid, account in quality["rows"].items():
        reported = sum(r["count"] for r in account["reported"].values())
        assert account["read"] == account["kept"] + reported, sid
    assert quality["rows"]["dti_2025_fixture"] == {"read": 3, "kept": 3, "reported": {}}


def test_every_new_value_reaches_the_observations(grown):
    project, _ = grown
    obs = _obs(project)
    new = obs.filter(pl.col("source_id").is_in(["dti_2025_fixture", "share_2025_fixture"]) & (pl.col("map") == "34"))
    assert new.height == 3 * 5 + 2  # rank, three pillars and total for three units; two shares


def test_a_unit_formed_from_one_old_unit_continues_its_series(grown):
    project, _ = grown
    obs = _obs(project)
    hanoi_63 = obs.filter(
        (pl.col("map") == "63")
        & (pl.col("province_code") == "01")
        & (pl.col("indicator") == "digital_economy_share_grdp")
        & (pl.col("series") == "mic")
    )
    continued = hanoi_63.filter(pl.col("year") == 2025).row(0, named=True)
    assert continued["derivation"] == CONTINUED and continued["observed_map"] == "34" and continued["value"] == 21.5
    assert continued["source_id"] == "share_2025_fixture"  # provenance kept
    # ranks never continue: a rank out of 34 is not a rank out of 63
    assert obs.filter(
        (pl.col("map") == "63") & (pl.col("indicator") == "dti_rank") & (pl.col("year") == 2025)
    ).is_empty()
    # a merged unit's figures stay its own (Đà Nẵng absorbed Quảng Nam): nothing continues to old 48
    assert obs.filter((pl.col("map") == "63") & (pl.col("province_code") == "48") & (pl.col("year") == 2025)).is_empty()


def test_old_targets_are_assessed_with_the_new_map_figures(grown):
    project, _ = grown
    status = pl.read_parquet(project.processed / "status.parquet")
    row = status.filter(
        (pl.col("map") == "63")
        & (pl.col("province_code") == "01")
        & (pl.col("indicator") == "digital_economy_share_grdp")
        & (pl.col("series") == "mic")
    )
    assert row.height and row["latest_year"].max() == 2025 and row["n_points"].max() >= 2


def test_no_merged_note_on_a_unit_that_did_not_merge(grown):
    project, _ = grown
    status = pl.read_parquet(project.processed / "status.parquet")
    units = pl.read_parquet(project.processed / "units.parquet").filter(pl.col("map") == "34")
    single = {c for c, m in units.select("province_code", "member_codes").iter_rows() if len(m) == 1}
    merged = status.filter(pl.col("note_key").is_in(["merged", "proxy_merged"]))
    assert merged.height and not merged.filter(pl.col("unit_34_code").is_in(sorted(single))).height


def test_a_proxy_never_settles_a_target_silently(grown):
    project, _ = grown
    status = pl.read_parquet(project.processed / "status.parquet")
    obs = _obs(project)
    proxy_series = set(obs.filter(pl.col("proxy"))["series"].to_list())
    rows = status.filter(pl.col("series").is_in(sorted(proxy_series)))
    assert rows.height and rows["proxy"].all() and rows["note_key"].is_in(["proxy", "proxy_merged"]).all()
    # where a real measure exists too, the proxy is never the preferred row
    for target_id in rows["target_id"].unique().to_list():
        others = status.filter(
            (pl.col("target_id") == target_id)
            & ~pl.col("series").is_in(sorted(proxy_series))
            & pl.col("series").is_not_null()
        )
        if others.height:
            assert not rows.filter((pl.col("target_id") == target_id) & pl.col("preferred")).height


def test_the_status_invariants_hold_with_the_new_table(grown):
    from test_status_invariants import violations

    from dxtrack.model.forecast import ModelParams as Params

    project, _ = grown
    status = pl.read_parquet(project.processed / "status.parquet")
    assert violations(status, Params.from_params(project.params)) == []


def test_the_change_list_names_every_new_figure_in_the_same_edition(grown):
    project, _ = grown
    edition = int(project.params["render"]["year"])
    diff = releases.changes(project, edition)
    assert diff is not None and diff["since"] == edition and diff["released"] == "2026-12-01"
    added = diff["figures"].filter((pl.col("change") == "added") & ~pl.col("derived"))
    new = added.filter(pl.col("source_id").is_in(["dti_2025_fixture", "share_2025_fixture"]))
    assert new.filter(pl.col("map") == "34").height == 3 * 5 + 2
    hanoi = new.filter(
        (pl.col("map") == "34") & (pl.col("province_code") == "01") & (pl.col("indicator") == "dti")
    ).row(0, named=True)
    assert (hanoi["name_vi"], hanoi["name_en"], hanoi["new_value"], hanoi["old_value"]) == (
        "Hà Nội",
        "Ha Noi",
        0.83,
        None,
    )
    assert hanoi["indicator_en"] and hanoi["series_vi"] and hanoi["period_label"] == "2025"
    assert set(diff["sources"]["source_id"]) == {"dti_2025_fixture", "share_2025_fixture"}
    moved = diff["statuses"]
    assert {"old_status", "status", "reason_en", "reason_vi", "name_vi", "name_en"} <= set(moved.columns)


FILING = """year,period,province_name_as_source,value_pct,dossiers_total,dossiers_online,source_url,quote,definition_scope
2023,2023,Hà Nam,,2000,1500,https://example.invalid/f,fixture,def
2023,2023,Hà Giang,,2000,,https://example.invalid/f,fixture,def
"""


def test_counts_without_a_rate_are_kept_as_a_computed_rate(tmp_project):
    """The documented choice (docs/adding-data.md §5): a rate computed from the published counts, flagged derived
    with its formula; a row with one count only is reported, never dropped silently."""
    from dxtrack.ingest.collect import read_source_accounted
    from dxtrack.ingest.layouts.online_filing_rate import COUNTS_FORMULA
    from dxtrack.ingest.units import Registry

    project = add_source(
        tmp_project,
        "filing_counts",
        "filing_counts.csv",
        FILING,
        layout="online_filing_rate",
        series={"fixed": {"series": "unspecified", "authority": 2}},
    )
    frame, account = read_source_accounted(project, Registry.load(project), "filing_counts")
    row = frame.row(0, named=True)
    assert frame.height == 1 and row["value"] == 75.0 and row["derived"] and row["derivation"] == COUNTS_FORMULA
    assert row["derived_from"] == "dossiers_online=1500; dossiers_total=2000"
    assert account["rows_read"] == 2 and account["rows_kept"] == 1
    assert [rows for rows in account["rows_reported"].values()] == [[3]]


PANEL = """year,province_name_as_source,score,extra,source_url
2024,Hà Nam,5.5,x,https://example.invalid/p
"""
LEVELS = """year,province_name_as_source,value_pct,source_url
2023,Ninh Thuận [district level],96.5,https://example.invalid/l
"""


def test_indicator_table_refuses_an_unknown_column_and_an_unmapped_qualifier(tmp_project):
    from dxtrack.core.errors import DataError
    from dxtrack.ingest.collect import read_source
    from dxtrack.ingest.units import Registry

    project = add_source(
        tmp_project,
        "panel_x",
        "panel_x.csv",
        PANEL,
        layout="indicator_table",
        indicators={"score": "papi_egovernance"},
        series={"fixed": {"series": "papi_undp"}},
    )
    with pytest.raises(DataError, match="unknown column") as err:
        read_source(project, Registry.load(project), "panel_x")
    assert err.value.column == "extra"
    project = add_source(
        project,
        "levels_x",
        "levels_x.csv",
        LEVELS,
        layout="indicator_table",
        indicators={"value_pct": {"province level": "work_records_online_province"}},
        series={"fixed": {"series": "edoc_exchange_proxy"}},
    )
    with pytest.raises(DataError, match=r"no indicator for the qualifier \[district level\]"):
        read_source(project, Registry.load(project), "levels_x")


def test_a_reports_latest_figures_include_every_new_value_with_its_map(grown):
    from dxtrack.core.tables import load
    from dxtrack.report import selections

    project, _ = grown
    tables = load(project.root)
    latest = selections.latest_values(tables, "34", "01")
    dti = latest.filter((pl.col("map") == "34") & (pl.col("indicator") == "dti")).row(0, named=True)
    assert (dti["year"], dti["value"], dti["observed_map"]) == (2025, 0.83, "34") and dti["points"] >= 2
    old = latest.filter((pl.col("map") == "63") & (pl.col("indicator") == "dti")).row(0, named=True)
    assert old["year"] == 2025 and old["derived"]  # the old unit's series continues


def test_national_series_flag_proxies_beside_the_targets_they_measure(grown):
    from dxtrack.core.tables import load
    from dxtrack.report import selections

    project, _ = grown
    national = selections.national_series(load(project.root))
    assert national.filter(pl.col("proxy").fill_null(False))["series"].unique().to_list() == ["edoc_exchange_proxy"]
    assert set(national["measured_by"]) >= {
        "smartphone_share",
        "fibre_household_coverage",
        "epayment_account_adults",
        "level4_services_share",
    }


def test_a_report_fingerprint_follows_what_it_shows_at_display_precision(built_project, tmp_path):
    """Bands that move in the fifth decimal, or a series declared that a report does not show, leave its
    fingerprint alone; a move a reader can see, or a name it shows, changes it."""
    import dataclasses
    import shutil

    import yaml

    from dxtrack.core.tables import load
    from dxtrack.notebook.engine import Job
    from dxtrack.report.stage import code_fingerprint, job_fingerprint

    root = tmp_path / "p"
    shutil.copytree(built_project.root, root)
    tables = load(root)
    job = Job(
        root / "n.ipynb", root / "o.ipynb", root / "o.html", {"province": "04", "map": "34", "year": 0, "lang": "en"}
    )
    code = code_fingerprint(tables.project)
    base = job_fingerprint(tables, job, code)
    bump = lambda d: dataclasses.replace(  # noqa: E731
        tables,
        projections=tables.projections.with_columns(  # noqa: E731
            *[(pl.col(c) + d) for c in ("mean", "lo80", "hi80", "lo95", "hi95")]
        ),
    )
    assert job_fingerprint(bump(1e-6), job, code) == base
    assert job_fingerprint(bump(0.01), job, code) != base
    series = root / "data" / "raw" / "series.yaml"
    declared = yaml.safe_load(series.read_text(encoding="utf-8"))
    declared["series"]["a_new_series_nobody_shows"] = {"name_en": "New", "name_vi": "Mới"}
    series.write_text(yaml.safe_dump(declared, allow_unicode=True), encoding="utf-8")
    again = load(root)
    assert code_fingerprint(again.project) == code and job_fingerprint(again, job, code) == base
    declared["series"]["mic_dti"]["name_en"] = "Renamed"  # a series Hà Nội's report shows
    series.write_text(yaml.safe_dump(declared, allow_unicode=True), encoding="utf-8")
    hanoi = Job(
        root / "n.ipynb", root / "o.ipynb", root / "o.html", {"province": "01", "map": "34", "year": 0, "lang": "en"}
    )
    assert job_fingerprint(load(root), hanoi, code) != job_fingerprint(tables, hanoi, code)

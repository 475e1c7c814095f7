"""Report selections on the real data (built in a temporary project by the session fixture)."""

from __future__ import annotations

import polars as pl
import pytest

from dxtrack.core.tables import load
from dxtrack.report import figures, selections


@pytest.fixture(scope="module")
def tables(built_project):
    return load(built_project.root)


def test_merged_unit_lists_its_members_targets(tables):
    rows = selections.unit_targets(tables, "34", "86")  # Vĩnh Long = old Vĩnh Long + Bến Tre + Trà Vinh
    assert {"Trà Vinh", "Bến Tre"} <= set(rows["set_by_name"])
    assert set(rows["target_id"]) == set(tables.status.filter(pl.col("unit_34_code") == "86")["target_id"])
    assert "dti_rank" in {indicator for _, _, indicator in figures.chart_units(rows)}


def test_missing_data_lists_targets_without_any_figure(tables):
    missing = selections.missing_data(selections.unit_targets(tables, "63", "84"))
    assert (missing["status"].is_in(["no data", "not assessable"])).all()
    assert "online_filing_rate" in missing["measured_by"].to_list()  # Trà Vinh: no filing-rate figure published


def test_summary_status_is_the_worst_assessed_status(tables):
    summary = selections.summary_status(tables, "63")
    assert summary.height == 63
    trà_vinh = summary.filter(pl.col("province_code") == "84").row(0, named=True)
    # its only assessed in-force target, the 2025 DTI rank goal, read in the 2026 edition: its year has passed
    assert trà_vinh["status"] == "year passed, pending"
    untargeted = summary.filter(pl.col("targets").is_null())
    assert untargeted["status"].null_count() == untargeted.height
    assert selections.summary_status(tables, "34").height == 34


def test_leaders_and_laggards_come_from_a_complete_ranking(tables):
    years = selections.complete_ranking_years(tables)
    assert 2022 in years
    table = selections.leaders_laggards(tables, 2022)
    leaders, laggards = table.filter(pl.col("group") == "leader"), table.filter(pl.col("group") == "laggard")
    assert leaders["rank"].to_list() == [1, 2, 3, 4, 5] and laggards["rank"].to_list() == [63, 62, 61, 60, 59]


def test_movers_split_gains_and_losses(tables):
    movers = selections.dti_movers(tables, 2021, 2022)
    gains = movers["gain"].to_list()
    assert all(g != 0 for g in gains) and gains[0] == max(gains) and min(gains) < 0


def test_headline_takes_the_preferred_national_series(tables):
    head = selections.headline(tables)
    assert head["digital_economy_share_grdp"]["series"] == "gso" and head["digital_economy_share_grdp"]["year"] >= 2023


def test_merger_redraw_flags_units_whose_members_set_different_values(tables):
    redraw = selections.merger_redraw(tables)
    bac_ninh = redraw.filter(
        (pl.col("unit_34_code") == "24")
        & (pl.col("indicator") == "digital_economy_share_grdp")
        & (pl.col("target_year") == 2025)
    ).row(0, named=True)
    assert bac_ninh["members_with_target"] == 2 and bac_ninh["values_differ"]


def test_backtest_table_marks_one_default_per_family(tables):
    table = selections.backtest_table(tables)
    assert table.group_by("family").agg(pl.col("default").sum())["default"].to_list() == [1, 1]


def test_movers_compare_the_latest_complete_ranking_with_the_one_before(tables):
    end = selections.complete_ranking_years(tables)[-1]
    ranked = tables.observations.filter((pl.col("indicator") == "dti_rank") & (pl.col("map") == "63"))["year"]
    assert selections.movers_years(tables) == (max(y for y in ranked.to_list() if y < end), end)


def test_load_reads_each_table_once_and_hands_out_independent_frames(built_project, tmp_path):
    import shutil

    first = load(built_project.root)
    first.status.insert_column(0, pl.lit("changed").alias("in_place"))  # a notebook changing its frame in place
    second = load(built_project.root)
    assert "in_place" not in second.status.columns
    assert second.observations.equals(load(built_project.root).observations)

    # a new version of a file is read again
    copy = tmp_path / "project"
    shutil.copytree(built_project.root, copy, ignore=shutil.ignore_patterns("reports", ".dvc"))
    before = load(copy).status.height
    path = copy / "data" / "processed" / "status.parquet"
    pl.read_parquet(path).head(3).write_parquet(path)
    assert before > 3 and load(copy).status.height == 3


def test_load_reuses_the_project_until_a_configuration_or_source_file_changes(built_project, tmp_path):
    import shutil

    copy = tmp_path / "project"
    shutil.copytree(built_project.root, copy, ignore=shutil.ignore_patterns("reports", ".dvc"))
    first = load(copy).project
    assert load(copy).project is first  # its catalogue is not read and hashed again
    source_yaml = sorted((copy / "data" / "raw" / "sources").glob("*/source.yaml"))[0]
    source_yaml.write_text(source_yaml.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    second = load(copy).project
    assert second is not first
    params = copy / "params.yaml"
    params.write_text(params.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert load(copy).project is not second

"""The target registry, cleaned: maps by date, one target read twice, comparators, the document in force."""

from __future__ import annotations

import polars as pl
import pytest
from conftest import rehash

from dxtrack.core.errors import DataError
from dxtrack.ingest.targets import read_targets, stricter
from dxtrack.ingest.units import Registry


@pytest.fixture(scope="module")
def targets(project, registry) -> pl.DataFrame:
    return read_targets(project, registry)


def one(df: pl.DataFrame, **where) -> dict:
    rows = df.filter(*[pl.col(k) == v for k, v in where.items()])
    assert rows.height == 1, f"expected one row for {where}, got {rows.height}"
    return rows.row(0, named=True)


def test_every_registry_row_is_kept_in_some_target(targets):
    rows = {int(x) for cell in targets["source_rows"] for x in cell.split("; ")}
    assert rows == set(range(2, 267))  # 265 data rows, spreadsheet numbering


def test_target_read_from_news_and_plan_text_is_one_target(targets):
    # Trà Vinh KH 50/2022 "top 20 in DTI": a news page writes "= 20", the plan text "<= 20".
    goal = one(targets, province_code="84", map="63", indicator="dti_rank_goal", target_year=2025)
    assert goal["comparator"] == "= | <="
    assert goal["comparator_norm"] == "<="
    assert goal["target_value"] == 20 and goal["rank_of"] == 63
    assert len(goal["source_rows"].split("; ")) == 2


def test_equals_is_read_as_at_least_except_for_ranks(targets):
    vn = targets.filter(
        (pl.col("map") == "VN")
        & (pl.col("indicator") == "digital_economy_share_grdp")
        & (pl.col("target_year") == 2030)
        & (pl.col("document") == "Quyết định 411/QĐ-TTg")
    )
    assert vn["comparator"].to_list() == ["="] and vn["comparator_norm"].to_list() == [">="]


def test_later_document_is_in_force_and_earlier_kept(targets):
    # National 20% digital economy by 2025: Decision 749 (2020) and then Decision 411 (2022).
    vn = targets.filter(
        (pl.col("map") == "VN")
        & (pl.col("indicator") == "digital_economy_share_grdp")
        & (pl.col("target_year") == 2025)
    ).sort("document_date")
    assert vn["document"].to_list() == ["Quyết định 749/QĐ-TTg", "Quyết định 411/QĐ-TTg"]
    assert vn["in_force"].to_list() == [False, True]
    assert "411/QĐ-TTg" in vn["in_force_note"][0]


def test_disagreeing_undated_documents_both_stay_in_force(targets):
    # Hải Phòng: 35% by 2025 in Kế hoạch 106, 25% in a Standing Committee resolution; neither is dated.
    hp = targets.filter(
        (pl.col("province_code") == "31")
        & (pl.col("indicator") == "digital_economy_share_grdp")
        & (pl.col("target_year") == 2025)
    )
    assert sorted(hp["target_value"].to_list()) == [25.0, 35.0]
    assert hp["in_force"].all()
    assert all("undated" in n for n in hp["in_force_note"])


def test_post_merger_goal_counts_out_of_34(targets):
    kh = one(targets, map="34", province_code="56", indicator="dti_rank_goal", target_year=2025)
    assert kh["rank_of"] == 34 and kh["document_date"].isoformat() == "2025-09-29"
    assert kh["map_basis"] == "document issued after the merger"


def test_qualitative_rank_goal_kept_without_value(targets):
    nt = one(targets, map="63", province_code="58", indicator="dti_rank_goal")
    assert nt["target_value"] is None and "khá" in nt["quotes"]


def test_target_ids_are_stable_across_reads(project, registry, targets):
    again = read_targets(project, registry)
    assert again["target_id"].to_list() == targets["target_id"].to_list()


def _rewrite(tmp_project, row: int, column: str, value: str) -> None:
    path = tmp_project.source_path("targets")
    df = pl.read_csv(path, infer_schema=False)
    df = (
        df.with_row_index("i", offset=2)
        .with_columns(pl.when(pl.col("i") == row).then(pl.lit(value)).otherwise(pl.col(column)).alias(column))
        .drop("i")
    )
    df.write_csv(path)


@pytest.mark.parametrize(
    "column, value, message",
    [
        ("indicator", "digital_econ_share", "unknown indicator"),
        ("comparator", "≥", "comparator must be one of"),
        ("target_value", "120", "outside the indicator's range"),
        ("document_date", "03/02/2021", "document_date must be YYYY-MM-DD"),
        ("jurisdiction_as_source", "Hà Tây", "unknown province name"),
        ("target_year", "25", "target_year must be a four-digit year"),
    ],
)
def test_bad_registry_row_is_located(tmp_project, registry, column, value, message):
    _rewrite(tmp_project, 7, column, value)
    with pytest.raises(DataError) as err:
        read_targets(tmp_project, registry)
    e = err.value
    assert (e.file, e.row, e.column, e.value) == ("data/raw/sources/targets/targets.csv", 7, column, value)
    assert message in str(e)


@pytest.mark.parametrize(
    "readings, expected", [([">=", ">"], ">"), ([">", ">="], ">"), ([">="], ">="), (["<=", "<"], "<"), (["<="], "<=")]
)
def test_the_stricter_reading_is_kept(readings, expected):
    assert stricter(readings) == expected


def test_a_target_read_twice_keeps_the_stricter_comparator(tmp_project):
    path = tmp_project.source_path("targets")
    header, *rows = path.read_text(encoding="utf-8").splitlines()
    columns = header.split(",")
    base = dict(zip(columns, [""] * len(columns)))
    base.update(
        jurisdiction_as_source="Hà Nội",
        indicator="digital_economy_share_grdp",
        target_value="30",
        target_year="2030",
        document="FIXTURE plan 1/KH",
        document_date="2024-01-01",
        source_url="https://example.invalid/x",
        quote="fixture",
    )
    twice = [{**base, "comparator": "="}, {**base, "comparator": ">"}]  # "= 30%" and "> 30%": one target
    path.write_text("\n".join([header, *[",".join(r[c] for c in columns) for r in twice]]) + "\n", encoding="utf-8")
    project = rehash(tmp_project)
    targets = read_targets(project, Registry.load(project))
    assert targets.height == 1 and targets["comparator"][0] == "= | >" and targets["comparator_norm"][0] == ">"

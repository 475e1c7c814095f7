"""Unit scores against their schemes (SYNTHETIC fixture): located errors, ranks with ties, movers, distribution."""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import polars as pl
import pytest

from dxtrack.core.errors import DataError, DataErrors
from dxtrack.ingest.subunit_tables import build
from dxtrack.model import scorecard

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "subunits"
SCORES = Path("sources") / "synthetic_scores" / "scores_synthetic.csv"


@pytest.fixture(scope="module")
def tables(registry):
    return build(FIXTURE, registry, root=ROOT)


def test_fixture_is_labelled_synthetic_everywhere(tables):
    assert "synthetic" in SCORES.name
    assert tables["unit_scores"]["synthetic"].all()
    assert tables["schemes"]["synthetic"].all()


def test_ties_share_the_best_rank_and_the_next_rank_skips(tables):
    q2 = scorecard.ranks(tables["unit_scores"]).filter(pl.col("period_label") == "2024-Q2")
    assert q2["rank"].to_list() == [1, 2, 2, 4, 5, 6]
    tied = q2.filter(pl.col("tied"))
    assert tied.height == 2 and tied["score"].n_unique() == 1 and set(tied["rank"]) == {2}
    assert q2["rank_of"].unique().to_list() == [6] and set(q2["rank_basis"]) == {"computed"}


def test_movers_compare_consecutive_periods_of_one_scheme(tables):
    ranked = scorecard.ranks(tables["unit_scores"])
    moved = scorecard.movers(ranked)
    assert moved.height == 6 and set(moved["previous_label"]) == {"2024-Q1"}
    row = moved.row(0, named=True)  # the biggest climber first
    assert row["places_gained"] == row["previous_rank"] - row["rank"] == moved["places_gained"].max()
    assert moved["places_gained"].sum() == (moved["previous_rank"].sum() - moved["rank"].sum())


def test_two_schemes_are_never_ranked_together(tables):
    other = tables["unit_scores"].with_columns(
        pl.when(pl.col("unit_id").str.contains("bien-hoa"))
        .then(pl.lit("another_scheme"))
        .otherwise(pl.col("scheme_id"))
        .alias("scheme_id")
    )
    ranked = scorecard.ranks(other)
    assert ranked.filter(pl.col("scheme_id") == "another_scheme")["rank"].to_list() == [1, 1]
    assert scorecard.movers(ranked).filter(pl.col("unit_id").str.contains("bien-hoa")).height == 1
    assert set(ranked.filter(pl.col("scheme_id") != "another_scheme")["rank_of"]) == {5}


def test_distribution_is_for_complete_rankings_only(tables):
    dist = scorecard.distribution(tables["unit_scores"])
    q1 = dist.filter(pl.col("period_label") == "2024-Q1").row(0, named=True)
    totals = scorecard.totals(tables["unit_scores"]).filter(pl.col("period_label") == "2024-Q1")["score"]
    assert q1["units"] == 6 and q1["median"] == pytest.approx(totals.median())
    assert q1["range"] == pytest.approx(totals.max() - totals.min())
    partial = tables["unit_scores"].with_columns(pl.lit("partial").alias("coverage"))
    assert scorecard.distribution(partial).height == 0
    assert scorecard.ranks(partial)["rank"].null_count() == scorecard.totals(partial).height  # none published


# ---- bad input ------------------------------------------------------------------------------------------------


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "fx"
    shutil.copytree(FIXTURE, target)
    return target


def _edit(root: Path, row_number: int, **changes) -> None:
    """Change cells of one data row (spreadsheet numbering: header is row 1) and re-record the SHA-256."""
    path = root / SCORES
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    for column, value in changes.items():
        rows[row_number - 1][header.index(column)] = value
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    meta = path.parent / "source.yaml"
    text = meta.read_text(encoding="utf-8").splitlines()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    meta.write_text(
        "\n".join(f"sha256: {digest}" if line.startswith("sha256:") else line for line in text) + "\n", encoding="utf-8"
    )


def _located(root: Path, registry) -> list[DataError]:
    with pytest.raises(DataError) as info:
        build(root, registry, root=root)
    return info.value.errors if isinstance(info.value, DataErrors) else [info.value]


@pytest.mark.parametrize(
    "row, changes, column, fragment",
    [
        (4, {"score": "35"}, "score", "above the item's maximum of 30"),  # nen_tang_a max 30
        (2, {"score": "150"}, "score", "above the scheme's total of 100"),
        (2, {"score": "99.5"}, "score", "main indices add up to"),
        (2, {"unit": "Huyện Cẩm Mỹ"}, "unit", "unknown district"),
        (2, {"period": "2023-Q4"}, "period", "outside scheme"),
        (2, {"period": "2024-H1"}, "period", "reports by"),
        (3, {"component": "khong_co"}, "component", "not an item"),
        (2, {"scheme_id": "no_such_scheme"}, "scheme_id", "no such scheme"),
    ],
)
def test_bad_scores_are_located(tmp_path, registry, row, changes, column, fragment):
    root = _copy(tmp_path)
    _edit(root, row, **changes)
    errors = _located(root, registry)
    match = [e for e in errors if fragment in e.message]
    assert match, [str(e) for e in errors]
    assert match[0].row == row and match[0].column == column and match[0].file.endswith("scores_synthetic.csv")


def test_a_unit_of_the_wrong_type_is_refused(tmp_path, registry):
    root = _copy(tmp_path)
    _edit(root, 2, unit="Sở Thông tin và Truyền thông")  # a department under a district scheme
    errors = _located(root, registry)
    assert any(e.row == 2 and e.column == "unit" for e in errors), [str(e) for e in errors]


def test_published_ranks_that_contradict_scores_are_refused(tmp_path, registry):
    root = _copy(tmp_path)
    _edit(root, 2, published_rank="2")  # Biên Hòa Q1 73.36
    _edit(root, 9, published_rank="1")  # Long Khánh Q1 65.12: rank 1 with fewer points than rank 2
    errors = _located(root, registry)
    assert any(e.column == "published_rank" and e.row == 2 for e in errors), [str(e) for e in errors]


def test_an_edited_raw_file_is_caught_by_its_checksum(tmp_path, registry):
    root = _copy(tmp_path)
    path = root / SCORES
    path.write_text(path.read_text(encoding="utf-8").replace("73.36", "73.37", 1), encoding="utf-8")
    errors = _located(root, registry)
    assert errors[0].column == "sha256"

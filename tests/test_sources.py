"""dxtrack.ingest.reader: every reader on its real file, then on malformed copies of it.

Row numbers are spreadsheet rows: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import csv
import unicodedata
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from dxtrack.core.errors import DataError
from dxtrack.core.paths import Project
from dxtrack.ingest.collect import observation_sources, read_all, read_source
from dxtrack.ingest.layouts.dti_wide import DTI_WIDE_COLUMNS
from dxtrack.ingest.reader import CANDIDATE_SCHEMA
from dxtrack.ingest.units import Registry

SOURCE_IDS = ["dti_provincial", "dti_supplementary", "dti_aggregates", "digital_economy_share", "online_filing_rate"]
VALUE_COLUMN = {
    "dti_supplementary": "value",
    "dti_aggregates": "value",
    "digital_economy_share": "value_pct",
    "online_filing_rate": "value_pct",
}
FILES = {sid: f"data/raw/sources/{sid}/{sid}.csv" for sid in SOURCE_IDS}


# ---- helpers ---------------------------------------------------------------------------------------------


def load(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    return header, [dict(zip(header, r)) for r in rows[1:]]


def save(path: Path, header: list[str], rows: list[dict], encoding: str = "utf-8") -> None:
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def locate(rows: list[dict], **criteria) -> int:
    """Index of the one row matching all criteria."""
    found = [i for i, r in enumerate(rows) if all(r[k] == v for k, v in criteria.items())]
    assert len(found) == 1, (criteria, found)
    return found[0]


def locate_last(rows: list[dict], **criteria) -> int:
    """Index of the last row matching all criteria (for province-years reported twice)."""
    found = [i for i, r in enumerate(rows) if all(r[k] == v for k, v in criteria.items())]
    assert found, criteria
    return found[-1]


def sheet_row(index: int) -> int:
    return index + 2


def only(df: pl.DataFrame, **criteria) -> dict:
    out = df.filter(*[pl.col(k) == v for k, v in criteria.items()])
    assert out.height == 1, (criteria, out)
    return out.row(0, named=True)


def read_error(project: Project, source_id: str) -> DataError:
    registry = Registry.load(project)
    with pytest.raises(DataError) as info:
        read_source(project, registry, source_id)
    return info.value


def assert_located(err: DataError, source_id: str, row: int | None, column: str | None, value=None):
    assert err.file == FILES[source_id]
    assert err.row == row
    assert err.column == column
    if value is not None:
        assert err.value == value
    text = str(err)
    assert FILES[source_id] in text
    if row is not None:
        assert f"row {row}" in text


# ---- the real files --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def frames(project: Project, registry: Registry) -> dict[str, pl.DataFrame]:
    return {sid: read_source(project, registry, sid) for sid in SOURCE_IDS}


def test_all_observation_sources_are_covered(project: Project):
    found = observation_sources(project)
    key = [(project.catalogue[s].entry["retrieved"], s) for s in found]
    assert key == sorted(key) and set(SOURCE_IDS) <= set(found)  # retrieved, then id; new tables only add to it


@pytest.mark.parametrize("sid", SOURCE_IDS)
def test_reader_output_shape(frames, registry: Registry, project: Project, sid: str):
    df = frames[sid]
    assert df.height > 0
    assert df.columns == list(CANDIDATE_SCHEMA)
    assert dict(df.schema) == CANDIDATE_SCHEMA
    assert df["source_id"].unique().to_list() == [sid]
    _, rows = load(project.source_path(sid))
    assert df["source_row"].min() >= 2
    assert df["source_row"].max() <= len(rows) + 1
    assert df["value"].null_count() == 0
    assert df["source_url"].null_count() == 0
    assert df["series"].null_count() == 0 and df["authority"].null_count() == 0
    for r in df.select("map", "province_code", "unit_level").unique().iter_rows(named=True):
        if r["map"] == "VN":
            assert (r["province_code"], r["unit_level"]) == ("VN", "country")
        else:
            # every real figure predates the merger, so it belongs to the 63 map
            assert r["map"] == "63"
            assert r["province_code"] in registry.units["63"]
    assert (df["period_start"] <= df["period_end"]).all()
    assert (df["period_end"] < date(2025, 7, 1)).all()


@pytest.mark.parametrize("sid", ["dti_supplementary", "dti_aggregates", "digital_economy_share", "online_filing_rate"])
def test_one_candidate_per_filled_value_cell_long(frames, project: Project, sid: str):
    _, rows = load(project.source_path(sid))
    filled = [sheet_row(i) for i, r in enumerate(rows) if r[VALUE_COLUMN[sid]].strip()]
    assert sorted(frames[sid]["source_row"].to_list()) == filled


def test_one_candidate_per_filled_value_cell_wide(frames, project: Project):
    header, rows = load(project.source_path("dti_provincial"))
    measures = [c for c in header if c in DTI_WIDE_COLUMNS]
    assert "rank" in measures and "dti_score" in measures
    expected = sorted((sheet_row(i), DTI_WIDE_COLUMNS[c]) for i, r in enumerate(rows) for c in measures if r[c].strip())
    got = sorted(zip(frames["dti_provincial"]["source_row"].to_list(), frames["dti_provincial"]["indicator"].to_list()))
    assert got == expected


def test_dti_provincial_hand_checked_values(frames):
    df = frames["dti_provincial"]
    row = only(df, province_code="48", year=2020, indicator="dti_rank", source_row=2)
    assert row["value"] == 1 and row["rank_of"] == 63 and row["name_as_source"] == "Đà Nẵng"
    assert only(df, province_code="48", year=2020, indicator="dti", source_row=2)["value"] == pytest.approx(0.4874)
    # Bắc Ninh 2020 is reported twice (spreadsheet rows 4 and 108): the rows agree
    for source_row in (4, 108):
        assert only(df, province_code="27", year=2020, indicator="dti_rank", source_row=source_row)["value"] == 3
        assert only(df, province_code="27", year=2020, indicator="dti", source_row=source_row)[
            "value"
        ] == pytest.approx(0.4096)
    assert only(df, province_code="27", year=2020, indicator="dti_digital_government", source_row=4)[
        "value"
    ] == pytest.approx(0.4449)
    assert only(df, province_code="27", year=2020, indicator="dti_rank_digital_economy")["value"] == 2
    assert set(df["series"].unique()) == {"mic_dti"}
    assert df["full_year"].all()


def test_dti_ranks_have_rank_of_63(frames):
    for sid in ("dti_provincial", "dti_supplementary"):
        df = frames[sid]
        ranks = df.filter(pl.col("indicator").str.starts_with("dti_rank"))
        scores = df.filter(~pl.col("indicator").str.starts_with("dti_rank"))
        assert ranks.height > 0
        assert (ranks["rank_of"] == 63).all()
        assert ranks["value"].is_between(1, 63).all()
        assert (ranks["value"] == ranks["value"].round(0)).all()
        assert scores["rank_of"].null_count() == scores.height
        assert scores["value"].is_between(0, 1).all()


def test_dti_2022_ranks_cover_all_63(frames, registry: Registry):
    df = frames["dti_provincial"].filter((pl.col("indicator") == "dti_rank") & (pl.col("year") == 2022))
    assert set(df["province_code"]) == set(registry.units["63"])


def test_dti_supplementary_hand_checked_values(frames):
    df = frames["dti_supplementary"]
    row = only(df, province_code="48", year=2022, indicator="dti_activity_digital_government")
    assert row["value"] == pytest.approx(0.8575)
    assert row["name_as_source"] == "TP. Đà Nẵng"
    assert row["source_row"] == 2
    assert only(df, province_code="48", year=2022, indicator="dti_activity_digital_economy")["value"] == pytest.approx(
        0.7836
    )


def test_dti_aggregates(frames):
    df = frames["dti_aggregates"]
    assert df.height == 4
    assert (df["map"] == "VN").all() and (df["province_code"] == "VN").all()
    national = only(df, year=2023, series="mic_dti_national")
    assert national["value"] == pytest.approx(0.7326) and national["indicator"] == "dti"
    avg = only(df, year=2021, series="mic_dti_provincial_average")
    assert avg["value"] == pytest.approx(0.4014)
    assert avg["quote"] == "32.7% vs 2020"


def test_digital_economy_share_bac_ninh(frames):
    row = only(frames["digital_economy_share"], province_code="27", year=2022)
    assert row["value"] == pytest.approx(56.83)
    assert row["map"] == "63"
    assert row["series"] == "mic" and row["authority"] == 1
    assert row["indicator"] == "digital_economy_share_grdp"
    assert row["full_year"] is True
    assert row["name_as_source"] == "Bắc Ninh"


def test_digital_economy_share_estimators_and_releases(frames):
    df = frames["digital_economy_share"]
    national_2022 = df.filter((pl.col("province_code") == "VN") & (pl.col("year") == 2022))
    by = {(r["series"], r["release"]): r["value"] for r in national_2022.iter_rows(named=True)}
    assert by == {
        ("gso", "2023-12-29"): pytest.approx(12.63),
        ("gso", "2025-01-06"): pytest.approx(12.83),
        ("gso", "2023-12-04"): pytest.approx(12.67),
        ("mic", None): pytest.approx(14.26),
    }
    hcmc = only(df, name_as_source="Tp.HCM")
    assert (hcmc["province_code"], hcmc["value"], hcmc["series"]) == ("79", pytest.approx(18.66), "mic")
    danang_2024 = only(df, name_as_source="Da Nang City", year=2024)
    assert (danang_2024["map"], danang_2024["province_code"]) == ("63", "48")
    assert danang_2024["series"] == "unnamed_city_statement" and danang_2024["authority"] == 2
    assert only(df, name_as_source="TP. Đà Nẵng", year=2021)["series"] == "danang_doic"


def test_online_filing_ha_nam(frames):
    row = only(frames["online_filing_rate"], province_code="35", year=2024)
    assert row["value"] == pytest.approx(68.54)
    assert row["numerator"] == 115665
    assert row["denominator"] == 168746
    assert row["series"] == "emc_full_process"
    assert row["full_year"] is True and row["period_exact"] is True


def test_online_filing_national_2021_end_of_year_is_full_year(frames):
    row = only(frames["online_filing_rate"], province_code="VN", year=2021)
    assert row["value"] == 30
    assert row["period_label"] == "2021-12 (end of year)"
    assert (row["period_start"], row["period_end"]) == (date(2021, 1, 1), date(2021, 12, 31))
    assert row["full_year"] is True
    assert row["series"] == "mic_processed_online"
    assert (row["map"], row["unit_level"]) == ("VN", "country")


def test_online_filing_partial_periods(frames):
    df = frames["online_filing_rate"]
    to_date = only(df, period_label="2022 (to date, reported 11 Nov 2022)")
    assert to_date["full_year"] is False and to_date["period_exact"] is False
    h1 = only(df, period_label="2024-H1")
    assert (h1["period_start"], h1["period_end"]) == (date(2024, 1, 1), date(2024, 6, 30))
    assert h1["full_year"] is False and h1["period_exact"] is True
    kon_tum = only(df, province_code="62")
    assert (kon_tum["numerator"], kon_tum["denominator"]) == (12516, 56039)
    assert (kon_tum["period_start"], kon_tum["period_end"]) == (date(2023, 1, 1), date(2023, 3, 31))
    can_tho = only(df, province_code="92")
    assert can_tho["series"] == "centre_only"
    assert (can_tho["numerator"], can_tho["denominator"]) == (58460, 93892)
    assert can_tho["name_as_source"] == "Can Tho City"
    block = df.filter(pl.col("series") == "emc_full_process_provinces_block")
    assert block.height == 2 and (block["province_code"] == "VN").all()
    # seven rows are full-year figures: the 2021 override and six 2024 annual values
    assert df["full_year"].sum() == 7


def test_read_all_concatenates_every_source(project: Project, registry: Registry, frames):
    everything = read_all(project, registry)
    assert everything.height == sum(read_source(project, registry, s).height for s in observation_sources(project))
    assert set(SOURCE_IDS) <= set(everything["source_id"].unique())


# ---- malformed copies -----------------------------------------------------------------------------------


def edit(project: Project, source_id: str, change) -> None:
    """Load the source's CSV from the temporary project, let `change(header, rows)` modify it, write it back."""
    path = project.source_path(source_id)
    header, rows = load(path)
    result = change(header, rows)
    if result is not None:
        header, rows = result
    save(path, header, rows)


def test_tmp_project_reads_like_the_real_one(tmp_project: Project, frames):
    assert tmp_project.root != Path(__file__).resolve().parents[1]
    df = read_source(tmp_project, Registry.load(tmp_project), "online_filing_rate")
    assert df.drop("source_id").equals(frames["online_filing_rate"].drop("source_id"))


def test_rewritten_unchanged_file_still_reads(tmp_project: Project, frames):
    edit(tmp_project, "digital_economy_share", lambda h, rows: None)
    df = read_source(tmp_project, Registry.load(tmp_project), "digital_economy_share")
    assert df.equals(frames["digital_economy_share"])


@pytest.mark.parametrize(
    "sid, column",
    [
        ("digital_economy_share", "value_pct"),
        ("digital_economy_share", "estimator"),
        ("dti_provincial", "province_name_as_source"),
        ("dti_supplementary", "field"),
        ("online_filing_rate", "definition_scope"),
        ("online_filing_rate", "period"),
        ("dti_aggregates", "measure"),
    ],
)
def test_missing_required_column(tmp_project: Project, sid: str, column: str):
    edit(tmp_project, sid, lambda h, rows: ([c for c in h if c != column], rows))
    err = read_error(tmp_project, sid)
    assert err.file == FILES[sid]
    assert err.row == 1
    assert column in str(err)
    assert "missing" in str(err)


def test_decimal_comma_and_percent_sign_parse(tmp_project: Project):
    def change(header, rows):
        rows[locate(rows, year="2022", province_name_as_source="Bắc Ninh")]["value_pct"] = "56,83%"

    edit(tmp_project, "digital_economy_share", change)
    df = read_source(tmp_project, Registry.load(tmp_project), "digital_economy_share")
    assert only(df, province_code="27", year=2022)["value"] == pytest.approx(56.83)


def test_vietnamese_formatted_counts_and_rate_parse(tmp_project: Project):
    def change(header, rows):
        r = rows[locate(rows, year="2024", province_name_as_source="Hà Nam")]
        r.update(value_pct="68,54 %", dossiers_total="168.746", dossiers_online="115.665")

    edit(tmp_project, "online_filing_rate", change)
    df = read_source(tmp_project, Registry.load(tmp_project), "online_filing_rate")
    row = only(df, province_code="35")
    assert row["value"] == pytest.approx(68.54)
    assert (row["numerator"], row["denominator"]) == (115665, 168746)


def test_names_in_nfd_with_eth_and_prefixes_resolve(tmp_project: Project):
    spellings = {
        "Bắc Ninh": unicodedata.normalize("NFD", "Tỉnh Bắc Ninh"),
        "Đà Nẵng": "TP.  \u00d0à  Nẵng",
        "Hải Phòng": "Tp. Hải Phòng",
    }

    def change(header, rows):
        for r in rows:
            if r["year"] == "2022" and r["province_name_as_source"] in spellings:
                r["province_name_as_source"] = spellings[r["province_name_as_source"]]

    edit(tmp_project, "digital_economy_share", change)
    df = read_source(tmp_project, Registry.load(tmp_project), "digital_economy_share").filter(pl.col("year") == 2022)
    assert only(df, province_code="27")["value"] == pytest.approx(56.83)
    assert only(df, province_code="48", series="mic", authority=1)["value"] == pytest.approx(19.76)
    assert only(df, province_code="31")["value"] == pytest.approx(29.48)
    # the name is stored cleaned (NFC, Đ) but as the source wrote it
    assert only(df, province_code="27")["name_as_source"] == "Tỉnh Bắc Ninh"
    assert only(df, province_code="48", series="mic", authority=1)["name_as_source"] == "TP. Đà Nẵng"


def test_file_with_bom_reads(tmp_project: Project, frames):
    path = tmp_project.source_path("online_filing_rate")
    header, rows = load(path)
    save(path, header, rows, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    df = read_source(tmp_project, Registry.load(tmp_project), "online_filing_rate")
    assert df.height == frames["online_filing_rate"].height


def test_unknown_province_name(tmp_project: Project):
    index = {}

    def change(header, rows):
        index["i"] = i = locate(rows, year="2022", province_name_as_source="Thái Nguyên")
        rows[i]["province_name_as_source"] = "Tỉnh Xyzabc"

    edit(tmp_project, "digital_economy_share", change)
    err = read_error(tmp_project, "digital_economy_share")
    assert_located(err, "digital_economy_share", sheet_row(index["i"]), "province_name_as_source", "Tỉnh Xyzabc")
    assert "Tỉnh Xyzabc" in str(err)
    assert "closest" in str(err)


def test_error_in_first_data_row_is_row_2(tmp_project: Project):
    def change(header, rows):
        rows[0]["province_name_as_source"] = "Nowhere Province"

    edit(tmp_project, "dti_provincial", change)
    err = read_error(tmp_project, "dti_provincial")
    assert_located(err, "dti_provincial", 2, "province_name_as_source", "Nowhere Province")


@pytest.mark.parametrize("bad", ["70", "64", "0"])
def test_rank_out_of_range(tmp_project: Project, bad: str):
    index = {}

    def change(header, rows):
        index["i"] = i = locate_last(rows, year="2020", province_name_as_source="Bắc Ninh")
        rows[i]["rank"] = bad

    edit(tmp_project, "dti_provincial", change)
    err = read_error(tmp_project, "dti_provincial")
    assert_located(err, "dti_provincial", sheet_row(index["i"]), "rank", bad)
    assert "63" in str(err)


def test_rank_out_of_range_in_long_file(tmp_project: Project):
    index = {}

    def change(header, rows):
        index["i"] = i = next(i for i, r in enumerate(rows) if r["field"].startswith("rank_digital_economy"))
        rows[i]["value"] = "70"

    edit(tmp_project, "dti_supplementary", change)
    err = read_error(tmp_project, "dti_supplementary")
    assert_located(err, "dti_supplementary", sheet_row(index["i"]), "value", "70")


def test_share_value_that_is_text(tmp_project: Project):
    index = {}

    def change(header, rows):
        index["i"] = i = locate(rows, year="2022", province_name_as_source="Hà Nội")
        rows[i]["value_pct"] = "abc"

    edit(tmp_project, "digital_economy_share", change)
    err = read_error(tmp_project, "digital_economy_share")
    assert_located(err, "digital_economy_share", sheet_row(index["i"]), "value_pct", "abc")


def test_dti_score_that_is_text(tmp_project: Project):
    index = {}

    def change(header, rows):
        index["i"] = i = locate_last(rows, year="2020", province_name_as_source="Quảng Ninh")
        rows[i]["dti_score"] = "0,38x"

    edit(tmp_project, "dti_provincial", change)
    err = read_error(tmp_project, "dti_provincial")
    assert_located(err, "dti_provincial", sheet_row(index["i"]), "dti_score", "0,38x")


@pytest.mark.parametrize("content", [b"", b"\n\n", b"   \n"])
def test_empty_file(tmp_project: Project, content: bytes):
    tmp_project.source_path("digital_economy_share").write_bytes(content)
    err = read_error(tmp_project, "digital_economy_share")
    assert err.file == FILES["digital_economy_share"]
    assert "empty" in str(err)


@pytest.mark.parametrize("sid", SOURCE_IDS)
def test_header_only_file(tmp_project: Project, sid: str):
    edit(tmp_project, sid, lambda h, rows: (h, []))
    err = read_error(tmp_project, sid)
    assert err.file == FILES[sid]
    assert "no data rows" in str(err)


def test_file_in_utf16_reads_like_utf8(tmp_project: Project, frames):
    # Excel's "Unicode Text" and "CSV UTF-16" exports carry a byte-order mark: they are accepted.
    path = tmp_project.source_path("online_filing_rate")
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    df = read_source(tmp_project, Registry.load(tmp_project), "online_filing_rate")
    assert df.drop("source_id").equals(frames["online_filing_rate"].drop("source_id"))


def test_utf16_without_byte_order_mark_is_refused(tmp_project: Project):
    path = tmp_project.source_path("online_filing_rate")
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16-le"))
    err = read_error(tmp_project, "online_filing_rate")
    assert err.file == FILES["online_filing_rate"]
    assert "UTF-16" in str(err)


def test_unknown_estimator(tmp_project: Project):
    index = {}
    text = "World Bank estimate (new)"

    def change(header, rows):
        index["i"] = i = locate(rows, year="2022", province_name_as_source="Vĩnh Phúc")
        rows[i]["estimator"] = text

    edit(tmp_project, "digital_economy_share", change)
    err = read_error(tmp_project, "digital_economy_share")
    assert_located(err, "digital_economy_share", sheet_row(index["i"]), "estimator", text)
    assert "source.yaml" in str(err)


def test_estimator_matching_is_exact(tmp_project: Project):
    # A near-miss of a listed text (one word changed) is a new estimator, not the old one.
    index = {}

    def change(header, rows):
        index["i"] = i = locate(rows, year="2023", province_name_as_source="TP. Hồ Chí Minh")
        rows[i]["estimator"] = "MIC estimate (not GSO!)"

    edit(tmp_project, "digital_economy_share", change)
    err = read_error(tmp_project, "digital_economy_share")
    assert_located(err, "digital_economy_share", sheet_row(index["i"]), "estimator", "MIC estimate (not GSO!)")


def test_unknown_definition_scope(tmp_project: Project):
    index = {}

    def change(header, rows):
        index["i"] = i = locate(rows, year="2024", province_name_as_source="Hà Giang")
        rows[i]["definition_scope"] = "some other definition"

    edit(tmp_project, "online_filing_rate", change)
    err = read_error(tmp_project, "online_filing_rate")
    assert_located(err, "online_filing_rate", sheet_row(index["i"]), "definition_scope", "some other definition")
    assert "source.yaml" in str(err)


@pytest.mark.parametrize("sid", ["dti_provincial", "dti_supplementary"])
def test_ranking_group_63_after_the_merger(tmp_project: Project, sid: str):
    index = {}

    def change(header, rows):
        index["i"] = 3
        rows[3]["year"] = "2026"

    edit(tmp_project, sid, change)
    err = read_error(tmp_project, sid)
    assert_located(err, sid, sheet_row(index["i"]), "ranking_group")
    assert "2026" in str(err)


def test_ranking_group_must_be_63_or_34(tmp_project: Project):
    def change(header, rows):
        rows[5]["ranking_group"] = "64"

    edit(tmp_project, "dti_provincial", change)
    err = read_error(tmp_project, "dti_provincial")
    assert_located(err, "dti_provincial", sheet_row(5), "ranking_group", "64")


def test_more_online_dossiers_than_total(tmp_project: Project):
    index = {}

    def change(header, rows):
        index["i"] = i = locate(rows, year="2024", province_name_as_source="Hà Nam")
        rows[i]["dossiers_online"] = "200000"

    edit(tmp_project, "online_filing_rate", change)
    err = read_error(tmp_project, "online_filing_rate")
    assert_located(err, "online_filing_rate", sheet_row(index["i"]), "dossiers_online", "200000")


def test_negative_count(tmp_project: Project):
    index = {}

    def change(header, rows):
        index["i"] = i = locate(rows, province_name_as_source="Kon Tum")
        rows[i]["dossiers_total"] = "-56039"

    edit(tmp_project, "online_filing_rate", change)
    err = read_error(tmp_project, "online_filing_rate")
    assert_located(err, "online_filing_rate", sheet_row(index["i"]), "dossiers_total", "-56039")


def test_unreadable_period(tmp_project: Project):
    index = {}

    def change(header, rows):
        index["i"] = i = locate(rows, year="2024", province_name_as_source="Nam Định")
        rows[i]["period"] = "cả năm 2024"

    edit(tmp_project, "online_filing_rate", change)
    err = read_error(tmp_project, "online_filing_rate")
    assert_located(err, "online_filing_rate", sheet_row(index["i"]), "period", "cả năm 2024")


def test_bad_year(tmp_project: Project):
    def change(header, rows):
        rows[6]["year"] = "20x2"

    edit(tmp_project, "digital_economy_share", change)
    err = read_error(tmp_project, "digital_economy_share")
    assert_located(err, "digital_economy_share", sheet_row(6), "year", "20x2")


def test_target_kind_is_not_an_observation(tmp_project: Project):
    def change(header, rows):
        rows[4]["kind"] = "target"

    edit(tmp_project, "digital_economy_share", change)
    err = read_error(tmp_project, "digital_economy_share")
    assert_located(err, "digital_economy_share", sheet_row(4), "kind", "target")


def test_unknown_dti_field(tmp_project: Project):
    def change(header, rows):
        rows[7]["field"] = "rank_happiness"

    edit(tmp_project, "dti_supplementary", change)
    err = read_error(tmp_project, "dti_supplementary")
    assert_located(err, "dti_supplementary", sheet_row(7), "field", "rank_happiness")


def test_post_merger_period_uses_the_34_map(tmp_project: Project):
    def change(header, rows):
        r = rows[locate(rows, year="2024", province_name_as_source="Đà Nẵng")]
        r.update(year="2025", period="2025-09")

    edit(tmp_project, "online_filing_rate", change)
    df = read_source(tmp_project, Registry.load(tmp_project), "online_filing_rate")
    row = only(df, year=2025)
    assert (row["map"], row["province_code"]) == ("34", "48")


def test_old_province_name_in_a_post_merger_period(tmp_project: Project):
    index = {}

    def change(header, rows):
        index["i"] = i = locate(rows, year="2024", province_name_as_source="Nam Định")
        rows[i].update(year="2025", period="2025-09")

    edit(tmp_project, "online_filing_rate", change)
    err = read_error(tmp_project, "online_filing_rate")
    assert_located(err, "online_filing_rate", sheet_row(index["i"]), "province_name_as_source", "Nam Định")
    assert "Ninh Bình" in str(err)


def _unquoted_decimal_comma(text: str) -> str:
    # "56,83%" typed into the CSV without quotes: the row gets one field more than the header
    return text.replace("\n2022,Bắc Ninh,56.83,", "\n2022,Bắc Ninh,56,83%,", 1)


def _unbalanced_quote(text: str) -> str:
    return text.replace("\n2022,Thái Nguyên,", '\n2022,"Thái Nguyên,', 1)


def _duplicate_header_after_cleaning(text: str) -> str:
    header, rest = text.split("\n", 1)
    return header.replace(",kind,", ",year ,", 1) + "\n" + rest


@pytest.mark.parametrize("damage", [_unquoted_decimal_comma, _unbalanced_quote, _duplicate_header_after_cleaning])
def test_broken_csv_structure_is_a_data_error(tmp_project: Project, damage):
    # A structurally broken CSV is bad input like any other: it must raise DataError naming the file,
    # not a bare polars exception that says neither file nor row.
    path = tmp_project.source_path("digital_economy_share")
    text = path.read_text(encoding="utf-8")
    damaged = damage(text)
    assert damaged != text
    path.write_text(damaged, encoding="utf-8")
    err = read_error(tmp_project, "digital_economy_share")
    assert err.file == FILES["digital_economy_share"]

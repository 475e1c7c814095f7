"""dxtrack.ingest.resolve.resolve: revisions, duplicates and conflicts, on hand-made candidates and on the real data."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from dxtrack.core.paths import Project
from dxtrack.ingest.collect import observation_sources, read_all
from dxtrack.ingest.reader import CANDIDATE_SCHEMA
from dxtrack.ingest.resolve import CONFLICT_RULE, resolve
from dxtrack.ingest.units import Registry

ORDER = ["src_a", "src_b", "src_c"]


def cand(**kw) -> dict:
    row = {
        "source_id": "src_a",
        "source_row": 2,
        "name_as_source": "Hà Nội",
        "map": "63",
        "unit_level": "province",
        "province_code": "01",
        "indicator": "digital_economy_share_grdp",
        "series": "gso",
        "release": None,
        "authority": 1,
        "year": 2022,
        "period_label": "2022",
        "period_start": date(2022, 1, 1),
        "period_end": date(2022, 12, 31),
        "full_year": True,
        "period_exact": True,
        "value": 10.0,
        "numerator": None,
        "denominator": None,
        "rank_of": None,
        "source_url": "https://example.org/x",
        "quote": None,
        "series_note": None,
    }
    unknown = set(kw) - set(row)
    assert not unknown, unknown
    row.update(kw)
    return row


def frame(*rows: dict) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=CANDIDATE_SCHEMA)


def places(df: pl.DataFrame) -> list[tuple[str, int]]:
    return sorted(zip(df["source_id"].to_list(), df["source_row"].to_list()))


# ---- revisions ----------------------------------------------------------------------------------------------


def test_later_release_supersedes_earlier():
    res = resolve(
        frame(
            cand(source_row=3, release="2023-12-29", value=12.88), cand(source_row=7, release="2025-01-06", value=12.87)
        ),
        ORDER,
    )
    assert res.observations.height == 1
    kept = res.observations.row(0, named=True)
    assert (kept["value"], kept["release"], kept["source_row"]) == (12.87, "2025-01-06", 7)
    assert res.superseded.height == 1
    old = res.superseded.row(0, named=True)
    assert (old["value"], old["release"], old["source_row"]) == (12.88, "2023-12-29", 3)
    assert old["superseded_by_release"] == "2025-01-06"
    assert res.conflicts.height == 0
    assert res.duplicates_merged == 0


def test_supersession_does_not_depend_on_row_order():
    res = resolve(
        frame(
            cand(source_row=2, release="2025-01-06", value=12.83),
            cand(source_row=9, release="2023-12-04", value=12.67),
            cand(source_row=5, release="2023-12-29", value=12.63),
        ),
        ORDER,
    )
    assert res.observations["value"].to_list() == [12.83]
    assert sorted(res.superseded["release"].to_list()) == ["2023-12-04", "2023-12-29"]
    assert set(res.superseded["superseded_by_release"]) == {"2025-01-06"}
    assert res.conflicts.height == 0


def test_superseded_even_when_the_value_is_unchanged():
    res = resolve(
        frame(
            cand(source_row=2, release="2023-12-29", value=12.66), cand(source_row=6, release="2025-01-06", value=12.66)
        ),
        ORDER,
    )
    assert res.observations.height == 1
    assert res.observations["release"].to_list() == ["2025-01-06"]
    assert res.superseded["source_row"].to_list() == [2]
    assert res.duplicates_merged == 0


def test_unknown_release_is_never_superseded():
    res = resolve(
        frame(
            cand(source_row=2, release=None, value=14.0, authority=2),
            cand(source_row=3, release="2025-01-06", value=13.0),
        ),
        ORDER,
    )
    assert res.superseded.height == 0
    # both rows are current; they disagree, so it is a conflict, and authority 1 wins
    assert res.observations["value"].to_list() == [13.0]
    assert res.conflicts.height == 2
    assert None in res.conflicts["release"].to_list()


def test_release_only_supersedes_within_its_own_identity():
    res = resolve(
        frame(
            cand(source_row=2, release="2023-12-29", value=1.0, province_code="01"),
            cand(source_row=3, release="2025-01-06", value=2.0, province_code="79"),  # other unit
            cand(source_row=4, release="2023-12-29", value=3.0, series="hids"),  # other series
            cand(
                source_row=5,
                release="2023-12-29",
                value=4.0,
                period_start=date(2021, 1, 1),
                period_end=date(2021, 12, 31),
                period_label="2021",
                year=2021,
            ),  # other period
            cand(source_row=6, release="2025-01-06", value=5.0, indicator="online_filing_rate"),  # other indicator
        ),
        ORDER,
    )
    assert res.superseded.height == 0
    assert res.observations.height == 5


# ---- duplicates -------------------------------------------------------------------------------------------


def test_agreeing_duplicates_merge_into_one_row():
    res = resolve(
        frame(
            cand(source_id="src_b", source_row=5, value=10.0),
            cand(source_id="src_a", source_row=9, value=10.0),
            cand(source_id="src_a", source_row=2, value=10.0),
        ),
        ORDER,
    )
    assert res.observations.height == 1
    kept = res.observations.row(0, named=True)
    assert (kept["source_id"], kept["source_row"]) == ("src_a", 2)
    assert set(kept["also_in"].split("; ")) == {"src_a:9", "src_b:5"}
    assert kept["conflict"] is False
    assert res.duplicates_merged == 2
    assert res.conflicts.height == 0
    assert res.superseded.height == 0


def test_values_equal_to_1e_9_are_duplicates():
    res = resolve(frame(cand(source_row=2, value=0.1 + 0.2), cand(source_row=3, value=0.3)), ORDER)
    assert res.observations.height == 1
    assert res.conflicts.height == 0
    assert res.duplicates_merged == 1


def test_single_row_has_no_also_in():
    res = resolve(frame(cand()), ORDER)
    assert res.observations.height == 1
    assert res.observations["also_in"].to_list() == [None]
    assert res.duplicates_merged == 0


def test_duplicates_are_counted_across_identities():
    res = resolve(
        frame(
            cand(source_row=2, province_code="01"),
            cand(source_row=3, province_code="01"),
            cand(source_row=4, province_code="79"),
            cand(source_row=5, province_code="79"),
            cand(source_row=6, province_code="79"),
        ),
        ORDER,
    )
    assert res.observations.height == 2
    assert res.duplicates_merged == 3


def test_exact_periods_with_different_labels_but_same_dates_are_one_figure():
    res = resolve(
        frame(
            cand(
                source_row=2,
                period_label="2024",
                year=2024,
                period_start=date(2024, 1, 1),
                period_end=date(2024, 12, 31),
            ),
            cand(
                source_row=3,
                period_label="2024-01..2024-12",
                year=2024,
                period_start=date(2024, 1, 1),
                period_end=date(2024, 12, 31),
            ),
        ),
        ORDER,
    )
    assert res.observations.height == 1
    assert res.duplicates_merged == 1


# ---- conflicts ----------------------------------------------------------------------------------------------


def test_disagreeing_rows_are_a_conflict_lower_authority_number_wins():
    res = resolve(
        frame(cand(source_row=3, value=18.86, authority=2), cand(source_row=10, value=18.66, authority=1)), ORDER
    )
    assert res.observations.height == 1
    kept = res.observations.row(0, named=True)
    assert (kept["value"], kept["source_row"], kept["conflict"]) == (18.66, 10, True)
    c = res.conflicts.sort("source_row")
    assert c.height == 2
    assert c["value"].to_list() == [18.86, 18.66]
    assert c["chosen"].to_list() == [False, True]
    assert c["chosen_value"].to_list() == [18.66, 18.66]
    assert set(c["rule"]) == {CONFLICT_RULE}
    assert res.duplicates_merged == 0


def test_conflict_tie_on_authority_goes_to_first_listed_source():
    rows = (cand(source_id="src_b", source_row=2, value=1.0), cand(source_id="src_a", source_row=50, value=2.0))
    res = resolve(frame(*rows), ["src_a", "src_b"])
    assert res.observations["value"].to_list() == [2.0]
    assert res.observations["source_id"].to_list() == ["src_a"]
    res = resolve(frame(*rows), ["src_b", "src_a"])
    assert res.observations["value"].to_list() == [1.0]
    assert res.observations["source_id"].to_list() == ["src_b"]


def test_source_missing_from_source_order_ranks_last():
    res = resolve(
        frame(
            cand(source_id="zzz_unlisted", source_row=2, value=1.0), cand(source_id="src_c", source_row=40, value=2.0)
        ),
        ORDER,
    )
    assert res.observations["source_id"].to_list() == ["src_c"]


def test_conflict_tie_on_authority_and_source_goes_to_lower_row():
    res = resolve(frame(cand(source_row=12, value=1.0), cand(source_row=4, value=2.0)), ORDER)
    assert res.observations["source_row"].to_list() == [4]
    assert res.observations["value"].to_list() == [2.0]
    c = res.conflicts.sort("source_row")
    assert c["chosen"].to_list() == [True, False]


def test_authority_beats_source_order_and_row():
    res = resolve(
        frame(
            cand(source_id="src_a", source_row=2, value=1.0, authority=2),
            cand(source_id="src_c", source_row=99, value=2.0, authority=1),
        ),
        ORDER,
    )
    assert res.observations["value"].to_list() == [2.0]


def test_conflict_with_an_agreeing_third_row():
    res = resolve(
        frame(
            cand(source_row=2, value=5.0),
            cand(source_row=3, value=6.0),
            cand(source_id="src_b", source_row=4, value=5.0),
        ),
        ORDER,
    )
    assert res.observations.height == 1
    kept = res.observations.row(0, named=True)
    assert (kept["value"], kept["conflict"], kept["also_in"]) == (5.0, True, "src_b:4")
    assert res.conflicts.height == 3
    assert res.conflicts["chosen"].sum() == 1
    assert res.duplicates_merged == 1


def test_supersession_happens_before_conflict_detection():
    res = resolve(
        frame(
            cand(source_row=2, release="2023-12-29", value=1.0),
            cand(source_row=3, release="2025-01-06", value=2.0),
            cand(source_row=4, release="2025-01-06", value=2.5, authority=2),
        ),
        ORDER,
    )
    assert res.superseded["source_row"].to_list() == [2]
    assert sorted(res.conflicts["source_row"].to_list()) == [3, 4]  # the old release is not part of the conflict
    assert res.observations["value"].to_list() == [2.0]


# ---- what never merges ----------------------------------------------------------------------------------------


def test_two_series_never_merge():
    res = resolve(
        frame(
            cand(source_row=2, series="gso", value=12.63),
            cand(source_row=3, series="mic", value=14.26),
            cand(source_row=4, series="hids", value=12.63),
        ),
        ORDER,
    )
    assert res.observations.height == 3
    assert sorted(res.observations["series"].to_list()) == ["gso", "hids", "mic"]
    assert res.conflicts.height == 0
    assert res.duplicates_merged == 0


def test_same_code_on_different_maps_never_merges():
    # code 15 is Yên Bái on the 63 map and Lào Cai on the 34 map
    res = resolve(
        frame(
            cand(source_row=2, map="63", province_code="15", value=1.0),
            cand(source_row=3, map="34", province_code="15", value=2.0),
        ),
        ORDER,
    )
    assert res.observations.height == 2
    assert res.conflicts.height == 0


def test_different_indicators_never_merge():
    res = resolve(
        frame(
            cand(source_row=2, indicator="dti", value=0.5),
            cand(source_row=3, indicator="dti_digital_economy", value=0.6),
        ),
        ORDER,
    )
    assert res.observations.height == 2
    assert res.conflicts.height == 0


def test_vague_partial_periods_with_different_labels_are_different_figures():
    common = dict(
        year=2024, period_start=date(2024, 1, 1), period_end=date(2024, 12, 31), full_year=False, period_exact=False
    )
    res = resolve(
        frame(
            cand(source_row=2, period_label="2024 (to Jul)", value=17.0, **common),
            cand(source_row=3, period_label="2024 (to date, reported 11 Nov)", value=30.0, **common),
        ),
        ORDER,
    )
    assert res.observations.height == 2
    assert res.conflicts.height == 0
    assert sorted(res.observations["period_label"].to_list()) == ["2024 (to Jul)", "2024 (to date, reported 11 Nov)"]


def test_vague_partial_periods_with_the_same_label_are_one_figure():
    common = dict(
        year=2024,
        period_label="2024 (to Jul)",
        period_start=date(2024, 1, 1),
        period_end=date(2024, 12, 31),
        full_year=False,
        period_exact=False,
    )
    res = resolve(frame(cand(source_row=2, value=17.0, **common), cand(source_row=3, value=18.0, **common)), ORDER)
    assert res.observations.height == 1
    assert res.conflicts.height == 2


def test_vague_partial_year_is_not_the_full_year_figure():
    res = resolve(
        frame(
            cand(
                source_row=2,
                period_label="2024",
                year=2024,
                period_start=date(2024, 1, 1),
                period_end=date(2024, 12, 31),
                value=45.8,
            ),
            cand(
                source_row=3,
                period_label="2024 (to Jul)",
                year=2024,
                period_start=date(2024, 1, 1),
                period_end=date(2024, 12, 31),
                full_year=False,
                period_exact=False,
                value=42.0,
            ),
        ),
        ORDER,
    )
    assert res.observations.height == 2
    assert res.conflicts.height == 0


def test_output_has_no_helper_columns():
    res = resolve(
        frame(
            cand(source_row=2, value=1.0), cand(source_row=3, value=2.0), cand(source_row=4, release="2020", value=3.0)
        ),
        ORDER,
    )
    for df in (res.observations, res.superseded, res.conflicts):
        assert not [c for c in df.columns if c.startswith("_") or c == "period_key"], df.columns
    # copies/copies_at (identical rows the reader folded) are folded into also_in and the duplicate count
    assert set(CANDIDATE_SCHEMA) - {"copies", "copies_at"} <= set(res.observations.columns)
    assert not {"copies", "copies_at"} & set(res.observations.columns)
    assert {"conflict", "also_in"} <= set(res.observations.columns)


def test_empty_candidates():
    res = resolve(frame(), ORDER)
    assert res.observations.height == 0
    assert res.superseded.height == 0
    assert res.conflicts.height == 0
    assert res.duplicates_merged == 0


# ---- the real data ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(project: Project, registry: Registry):
    return resolve(read_all(project, registry), observation_sources(project))


def test_real_conflicts_da_nang_and_hcmc_2022_mic(real):
    mic_2022 = real.conflicts.filter(
        (pl.col("series") == "mic") & (pl.col("year") == 2022) & (pl.col("indicator") == "digital_economy_share_grdp")
    )
    chosen = {r["province_code"]: r["chosen_value"] for r in mic_2022.iter_rows(named=True)}
    assert chosen == {"48": pytest.approx(19.76), "79": pytest.approx(18.66)}
    dn = mic_2022.filter(pl.col("province_code") == "48").sort("source_row")
    assert dn["value"].to_list() == pytest.approx([19.76, 17.0])
    assert dn["chosen"].to_list() == [True, False]
    hcm = mic_2022.filter(pl.col("province_code") == "79").sort("source_row")
    assert hcm["value"].to_list() == pytest.approx([18.66, 18.86])
    assert hcm["chosen"].to_list() == [True, False]
    for code, value in (("48", 19.76), ("79", 18.66)):
        obs = real.observations.filter(
            (pl.col("province_code") == code) & (pl.col("series") == "mic") & (pl.col("year") == 2022)
        )
        assert obs.height == 1
        assert obs["value"][0] == pytest.approx(value)
        assert obs["conflict"][0] is True


def test_real_gso_revisions(real):
    gso_vn = real.observations.filter((pl.col("series") == "gso") & (pl.col("province_code") == "VN"))
    by_year = {r["year"]: (r["value"], r["release"]) for r in gso_vn.iter_rows(named=True)}
    assert by_year[2022] == (pytest.approx(12.83), "2025-01-06")
    assert by_year[2021] == (pytest.approx(12.87), "2025-01-06")
    old = real.superseded.filter((pl.col("series") == "gso") & (pl.col("province_code") == "VN"))
    assert set(old["superseded_by_release"]) == {"2025-01-06"}
    assert sorted(old["year"].to_list()) == [2020, 2021, 2022, 2022, 2023]  # four 2023-12-29 rows + the trial
    # the HIDS 2022 vintage for HCMC 2021 is superseded by the 2024-04 one
    hids = real.superseded.filter(pl.col("series") == "hids")
    assert hids["value"].to_list() == pytest.approx([14.41])
    assert hids["superseded_by_release"].to_list() == ["2024-04"]


def test_real_observations_are_unique_per_identity(real):
    key = ["map", "province_code", "indicator", "series", "period_start", "period_end", "period_label"]
    exact = real.observations.filter(pl.col("period_exact"))
    assert exact.select(key[:-1]).is_duplicated().sum() == 0
    assert real.observations.select(key).is_duplicated().sum() == 0


def test_real_estimators_never_mix(real):
    vn_2022 = real.observations.filter(
        (pl.col("province_code") == "VN")
        & (pl.col("year") == 2022)
        & (pl.col("indicator") == "digital_economy_share_grdp")
    )
    assert dict(zip(vn_2022["series"], vn_2022["value"])) == {"gso": pytest.approx(12.83), "mic": pytest.approx(14.26)}


def test_real_duplicate_dti_rows_are_merged(real):
    # Bắc Ninh 2020 appears in two rows of dti_provincial that agree
    row = real.observations.filter(
        (pl.col("province_code") == "27") & (pl.col("year") == 2020) & (pl.col("indicator") == "dti_rank")
    ).row(0, named=True)
    assert row["value"] == 3
    assert row["source_row"] == 4
    assert "dti_provincial:108" in row["also_in"]
    assert real.duplicates_merged > 0

"""63 -> 34: arithmetic on hand-checked examples, and the rules that stop a guess."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from dxtrack.harmonize.aggregate import harmonize
from dxtrack.ingest.reader import CANDIDATE_SCHEMA

INDICATORS = {
    "dti": {"unit": "index", "aggregation": {"method": "weighted_mean", "weight": "population"}},
    "dti_rank": {"unit": "rank", "aggregation": {"method": "none"}},
    "share": {"unit": "percent", "aggregation": {"method": "weighted_mean", "weight": "grdp"}},
    "rate": {"unit": "percent", "aggregation": {"method": "ratio_of_counts"}},
}
# Two merged units: new 24 = old 24 + 27; new 01 = old 01 alone.
UNITS = pl.DataFrame(
    {
        "map": ["34", "34", "63", "63", "63"],
        "province_code": ["24", "01", "24", "27", "01"],
        "member_codes": [["24", "27"], ["01"], [], [], []],
    }
)
WEIGHTS = pl.DataFrame(
    {
        "province_code": ["24", "27", "01", "24"],
        "year": [2019, 2019, 2019, 2022],
        "population_thousand": [1810.4, 1378.6, 8093.9, None],
        "grdp_billion_vnd": [None, None, None, 200000.0],
    }
)


def obs(
    code: str,
    indicator: str,
    value: float,
    *,
    map_: str = "63",
    numerator=None,
    denominator=None,
    year: int = 2022,
    series: str = "s",
) -> dict:
    row = {k: None for k in CANDIDATE_SCHEMA}
    row.update(
        source_id="src",
        source_row=2,
        map=map_,
        unit_level="province",
        province_code=code,
        indicator=indicator,
        series=series,
        year=year,
        period_label=str(year),
        period_start=date(year, 1, 1),
        period_end=date(year, 12, 31),
        full_year=True,
        period_exact=True,
        value=value,
        numerator=numerator,
        denominator=denominator,
        authority=1,
    )
    return row


def run(rows: list[dict]):
    frame = pl.DataFrame(rows, schema=CANDIDATE_SCHEMA).with_columns(
        pl.lit(False).alias("conflict"), pl.lit(None, pl.String).alias("also_in")
    )
    return harmonize(frame, UNITS, WEIGHTS, INDICATORS, 2019)


def derived(result, code: str, indicator: str) -> dict | None:
    rows = result.observations.filter(
        (pl.col("map") == "34") & (pl.col("province_code") == code) & (pl.col("indicator") == indicator)
    )
    return rows.row(0, named=True) if rows.height else None


def test_population_weighted_mean_by_hand():
    result = run([obs("24", "dti", 0.3615), obs("27", "dti", 0.4096)])
    row = derived(result, "24", "dti")
    # (0.3615 * 1810.4 + 0.4096 * 1378.6) / (1810.4 + 1378.6) = 1219.1289... / 3189.0
    assert row["value"] == pytest.approx(
        (0.3615 * 1810.4 + 0.4096 * 1378.6) / 3189.0, abs=1e-9
    )  # stored rounded to 1e-10
    assert row["value"] == pytest.approx(0.382294, abs=1e-6)
    assert row["derived"] and row["source_id"] == "derived"
    assert "63:24=0.3615" in row["derived_from"] and "63:27=0.4096" in row["derived_from"]


def test_ratio_of_counts_sums_numerators_and_denominators():
    result = run(
        [obs("24", "rate", 50.0, numerator=50, denominator=100), obs("27", "rate", 10.0, numerator=30, denominator=300)]
    )
    row = derived(result, "24", "rate")
    assert row["value"] == pytest.approx(100 * 80 / 400)  # 20%, not the unweighted 30%
    assert (row["numerator"], row["denominator"]) == (80, 400)


def test_no_aggregate_when_a_member_lacks_a_value():
    result = run([obs("24", "dti", 0.36)])
    assert derived(result, "24", "dti") is None
    assert result.report["not_derived"]["dti"] == {"a member unit has no value": 1}


def test_no_aggregate_when_a_weight_is_missing():
    result = run([obs("24", "share", 40.0), obs("27", "share", 50.0)])  # GRDP missing for 27
    assert derived(result, "24", "share") is None
    assert result.report["not_derived"]["share"] == {"grdp weight missing for a member": 1}


def test_ranks_never_aggregate_even_for_a_single_member():
    result = run([obs("01", "dti_rank", 43.0)])
    assert derived(result, "01", "dti_rank") is None


def test_single_member_unit_carries_value_over_exactly():
    result = run([obs("01", "share", 17.15)])
    row = derived(result, "01", "share")
    assert row["value"] == 17.15 and row["derivation"] == "single member: carried over"


def test_published_34_map_value_is_never_overwritten():
    published = obs("24", "dti", 0.70, map_="34")
    result = run([obs("24", "dti", 0.3615), obs("27", "dti", 0.4096), published])
    rows = result.observations.filter((pl.col("map") == "34") & (pl.col("province_code") == "24"))
    assert rows.height == 1
    assert rows["value"][0] == 0.70 and not rows["derived"][0]
    assert result.report["derived_not_kept_published_value_exists"] == 1


def test_different_series_are_aggregated_separately():
    result = run([obs("24", "dti", 0.3, series="a"), obs("27", "dti", 0.4, series="b")])
    assert derived(result, "24", "dti") is None

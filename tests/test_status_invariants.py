"""A status and its P(meet) never contradict each other: invariants checked on every row of status.parquet.

The checker is a function, so a test can also show that it catches a doctored row (it must be able to fail).
"""

from __future__ import annotations

import json

import polars as pl
import pytest

from dxtrack.core.vocabulary import STATUSES
from dxtrack.model.forecast import ModelParams
from dxtrack.model.pace import DISAGREEMENT_REASONS, meets

FORWARD = ("on track", "acceleration needed", "too slow", "regressing")


def violations(status: pl.DataFrame, params: ModelParams) -> list[str]:
    out = []
    for r in status.iter_rows(named=True):
        where = f"{r['target_id']} [{r['series']}] {r['status']} P={r['p_meet']} ({r['reason_key']})"
        p, observed = r["p_meet"], r["forecast_method"] == "observed"
        if r["status"] not in STATUSES:
            out.append(f"unknown status: {where}")
        if p is not None and not observed and not (0 < p < 1):
            out.append(f"P of exactly 0 or 1 before the outcome is observed: {where}")
        if observed and p not in (0.0, 1.0):
            out.append(f"an observed outcome has P other than 0 or 1: {where}")
        if r["status"] == "achieved" and not (observed and p == 1.0):
            out.append(f"achieved without the target year observed and met: {where}")
        if observed and r["status"] not in ("achieved", "too slow", "regressing"):
            out.append(f"an observed outcome must settle the status: {where}")
        if r["status"] == "on track" and p is not None and p < params.p_on_track:
            out.append(f"on track with P below {params.p_on_track}: {where}")
        if r["status"] in FORWARD[1:] and not observed and p is not None and p >= params.p_on_track:
            out.append(f"behind with P at or above {params.p_on_track}: {where}")
        ratio = r["pace_ratio"]
        if r["status"] in FORWARD and not observed and ratio is not None and p is not None:
            pace_says = ratio >= params.on_track_ratio
            forecast_says = p >= params.p_on_track
            if pace_says != forecast_says and r["reason_key"] not in DISAGREEMENT_REASONS:
                out.append(f"pace and forecast disagree but the reason does not say so: {where}")
            if pace_says == forecast_says and r["reason_key"] in DISAGREEMENT_REASONS:
                out.append(f"a disagreement reason where pace and forecast agree: {where}")
        if r["status"] == "regressing" and not observed and not (ratio is not None and ratio <= 0):
            out.append(f"regressing without moving away: {where}")
        if (
            r["status"] == "too slow"
            and not observed
            and not (ratio is not None and 0 < ratio < params.acceleration_ratio)
        ):
            out.append(f"too slow outside 0 < ratio < {params.acceleration_ratio}: {where}")
        if r["status"] == "met so far" and not meets(r["latest_value"], r["comparator_norm"], r["target_value"]):
            out.append(f"met so far but the latest value does not meet the target: {where}")
        if r["status"] == "met so far" and r["latest_year"] >= r["target_year"]:
            out.append(f"met so far after the target year: {where}")
        if r["status"] == "year passed, pending" and not (
            r["target_year"] < max(params.edition_year or 0, (r["latest_year"] or 0) + 1)
        ):
            out.append(f"pending while the target year is still ahead: {where}")
        if r["status"] == "insufficient data" and (r["n_points"] or 0) > 1:
            out.append(f"insufficient data with {r['n_points']} points: {where}")
        if r["status"] == "insufficient data" and p is not None and r["forecast_method"] != "naive":
            out.append(f"a P resting on a borrowed trend alone: {where}")
        if r["reason_key"] is None or json.loads(r["reason_fields"]) is None:
            out.append(f"no reason: {where}")
    return out


@pytest.fixture(scope="module")
def status_and_params(built_project):
    return (pl.read_parquet(built_project.processed / "status.parquet"), ModelParams.from_params(built_project.params))


def test_every_row_of_status_parquet_keeps_the_invariants(status_and_params):
    status, params = status_and_params
    assert status.height > 0
    assert violations(status, params) == []


def test_the_official_series_settles_a_target_whenever_the_unit_has_it(status_and_params):
    status, params = status_and_params
    assessed = status.filter(pl.col("series").is_not_null())
    per_target = assessed.group_by("target_id").agg(
        pl.col("official").any().alias("has_official"),
        pl.col("series").filter(pl.col("preferred")).first().alias("preferred_series"),
        pl.col("official_series").first(),
    )
    with_official = per_target.filter(pl.col("has_official"))
    assert (with_official["preferred_series"] == with_official["official_series"]).all()
    assert status.filter(pl.col("preferred")).group_by("target_id").len()["len"].max() == 1


@pytest.mark.parametrize(
    "change, message",
    [
        ({"status": "on track", "p_meet": 0.1}, "on track with P below"),
        ({"p_meet": 1.0}, "P of exactly 0 or 1"),
    ],
)
def test_the_checker_catches_a_doctored_row(status_and_params, change, message):
    status, params = status_and_params
    row = status.filter(
        pl.col("p_meet").is_not_null() & (pl.col("forecast_method") != "observed") & pl.col("status").is_in(FORWARD)
    ).head(1)
    if not row.height:
        row = status.filter(pl.col("p_meet").is_not_null() & (pl.col("forecast_method") != "observed")).head(1)
    doctored = row.with_columns(**{k: pl.lit(v) for k, v in change.items()})
    assert any(message in v for v in violations(doctored, params))

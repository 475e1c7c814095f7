"""Is each unit on course for each of its targets? One status row per target and observed series.

For every target in the registry and every series of its measured indicator that has figures for the unit,
a row gives P(target met in the target year) from the default method's predictive distribution, the forecast
at the target year, and one status read from the pace and that P together (dxtrack.model.pace). P is never 0
or 1 before the outcome is observed (clipped to `model.status.p_floor`), and is left out where it would rest
on a borrowed trend alone (fewer than `min_points_for_p` points with a trend method). A target is settled on
the series params name as official (`model.official_series`): that row is the preferred one whenever the unit
has figures on it; the other series are assessed beside it (`official` false), never silently preferred. Rank goals ("top 20 in DTI") are answered by
simulating every unit of the ranking jointly (dxtrack.model.ranks). A target without any figure for its unit gets
one row with status `no data`, so no target disappears. Contract: docs/architecture.md (status.parquet).
"""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import polars as pl

from dxtrack.model.forecast import Forecasts, PoolKey
from dxtrack.model.pace import Pace, assess, meets
from dxtrack.model.pools import unit_key
from dxtrack.model.ranks import rank_goal, simulate_ranks

PACE_METHOD = "average annual change, first to latest full-year value"

TARGET_COLUMNS = [
    "target_id",
    "map",
    "province_code",
    "unit_34_code",
    "indicator",
    "comparator_norm",
    "target_value",
    "target_year",
    "rank_of",
    "document",
    "document_date",
    "in_force",
    "in_force_note",
]

STATUS_SCHEMA = {
    "target_id": pl.String,
    "map": pl.String,
    "province_code": pl.String,
    "unit_34_code": pl.String,
    "indicator": pl.String,
    "comparator_norm": pl.String,
    "target_value": pl.Float64,
    "target_year": pl.Int64,
    "rank_of": pl.Int64,
    "document": pl.String,
    "document_date": pl.String,
    "in_force": pl.Boolean,
    "in_force_note": pl.String,
    "measured_by": pl.String,
    "series": pl.String,
    "preferred": pl.Boolean,
    "status": pl.String,
    "reason_key": pl.String,
    "reason_fields": pl.String,
    "pace_method": pl.String,
    "n_points": pl.Int64,
    "base_year": pl.Int64,
    "latest_year": pl.Int64,
    "latest_value": pl.Float64,
    "observed_change": pl.Float64,
    "required_change": pl.Float64,
    "pace_ratio": pl.Float64,
    "forecast_method": pl.String,
    "p_meet": pl.Float64,
    "expected_rank": pl.Float64,
    "projected_mean": pl.Float64,
    "projected_lo80": pl.Float64,
    "projected_hi80": pl.Float64,
    "note_key": pl.String,
    "note_fields": pl.String,
    "official": pl.Boolean,
    "official_series": pl.String,
    "proxy": pl.Boolean,
}


def measured_by(indicator: str, indicators: dict) -> str:
    return indicators[indicator].get("measured_by", indicator)


def series_order(
    indicator: str, available: list[str], preference: dict[str, list[str]], official: str | None = None
) -> list[str]:
    """Series with figures: the official one first (params model.official_series), then the order of
    model.series_preference, the rest alphabetically."""
    ranked = preference.get(indicator, [])
    return sorted(available, key=lambda s: (s != official, ranked.index(s) if s in ranked else len(ranked), s))


class Progress:
    def __init__(self, observations: pl.DataFrame, units: pl.DataFrame, forecasts: Forecasts, merger_date: date):
        self.observations = observations.sort("map", "province_code", "indicator", "series", "period_end")
        self.units = units
        self.forecasts = forecasts
        self.params = forecasts.params
        self.indicators = forecasts.indicators
        self.merger_date = merger_date
        self.names = {(m, c): n for m, c, n in units.select("map", "province_code", "name_vi").iter_rows()}
        self._rank_cache: dict[tuple[PoolKey, int], dict] = {}
        self.members = {
            c: list(m or [])
            for c, m in units.filter(pl.col("map") == "34").select("province_code", "member_codes").iter_rows()
        }

    def table(self, targets: pl.DataFrame) -> pl.DataFrame:
        rows = [row for target in targets.sort("target_id").iter_rows(named=True) for row in self.rows_for(target)]
        return pl.DataFrame(rows, schema=STATUS_SCHEMA).sort(
            "map", "province_code", "indicator", "target_year", "target_id", "series", nulls_last=True
        )

    def rows_for(self, target: dict) -> list[dict]:
        base = {k: target.get(k) for k in TARGET_COLUMNS}
        if isinstance(base["document_date"], date):
            base["document_date"] = base["document_date"].isoformat()
        indicator = measured_by(target["indicator"], self.indicators)
        figures = self.observations.filter(
            (pl.col("map") == target["map"])
            & (pl.col("province_code") == target["province_code"])
            & (pl.col("indicator") == indicator)
        )
        official = self.params.official_series.get(indicator)
        base.update(measured_by=indicator, pace_method=PACE_METHOD, official_series=official, **self.notes(target))
        # A proxy series (observations' `proxy`) comes after every real measure of the indicator, and its rows
        # say so (`proxy`, note "proxy"): a proxy never settles a target silently.
        proxies = set(figures.filter(pl.col("proxy"))["series"].to_list()) if "proxy" in figures.columns else set()
        available = sorted(
            series_order(indicator, figures["series"].unique().to_list(), self.params.series_preference, official),
            key=lambda s: s in proxies,
        )
        if not available:
            pace = assess(
                [],
                [],
                target=target["target_value"],
                comparator=target["comparator_norm"],
                target_year=target["target_year"],
            )
            key = pace.reason_key
            if (
                pace.status == "no data"
                and target["map"] == "34"
                and self.indicators[indicator].get("unit") == "rank"
                and self.observations.filter((pl.col("map") == "34") & (pl.col("indicator") == indicator)).is_empty()
            ):
                key = "no_34_ranking"
            return [
                {
                    **base,
                    "series": None,
                    "preferred": True,
                    "official": None,
                    "status": pace.status,
                    **_reasons(key, {}),
                }
            ]
        return [
            {
                **base,
                **self.assess_series(target, indicator, series, figures.filter(pl.col("series") == series)),
                "series": series,
                "preferred": i == 0,
                "official": series == official,
                "proxy": series in proxies,
                **(_proxy_note(base) if series in proxies else {}),
            }
            for i, series in enumerate(available)
        ]

    def assess_series(self, target: dict, indicator: str, series: str, figures: pl.DataFrame) -> dict:
        full = figures.filter(pl.col("full_year"))
        years, values = full["year"].to_list(), full["value"].to_list()
        unit = self.indicators[indicator].get("unit")
        if not years:
            latest = figures.row(figures.height - 1, named=True)
            return {
                "status": "insufficient data",
                "n_points": 0,
                **_reasons("partial_only", {"value": latest["value"], "period": latest["period_label"], "unit": unit}),
            }
        forecast = {}
        if target["target_value"] is not None and target["target_year"] is not None:
            forecast = self.forecast_columns(target, indicator, series, dict(zip(years, values)))
            if (
                forecast.get("forecast_method") not in (None, "observed", "naive")
                and len(years) < self.params.min_points_for_p
            ):
                forecast["p_meet"] = None  # it would rest on the borrowed (pooled) trend alone
        pace = assess(
            years,
            values,
            target=target["target_value"],
            comparator=target["comparator_norm"],
            target_year=target["target_year"],
            on_track_ratio=self.params.on_track_ratio,
            acceleration_ratio=self.params.acceleration_ratio,
            unit=unit,
            p_meet=forecast.get("p_meet") if forecast.get("forecast_method") != "observed" else None,
            p_on_track=self.params.p_on_track,
            edition_year=self.params.edition_year,
        )
        out = self.pace_columns(pace, years, values)
        return {**out, **forecast}

    @staticmethod
    def pace_columns(pace: Pace, years: list[int], values: list[float]) -> dict:
        latest_year = max(years) if years else None
        return {
            "status": pace.status,
            **_reasons(pace.reason_key, pace.fields),
            "n_points": len(years),
            "base_year": min(years) if years else None,
            "latest_year": latest_year,
            "latest_value": dict(zip(years, values))[latest_year] if latest_year is not None else None,
            "observed_change": pace.observed_change,
            "required_change": pace.required_change,
            "pace_ratio": pace.ratio,
        }

    def _clip(self, p: float) -> float:
        """Before the outcome is observed, P is never exactly 0 or 1."""
        floor = self.params.p_floor
        return round(min(max(p, floor), 1 - floor), 4)

    def forecast_columns(self, target: dict, indicator: str, series: str, observed: dict[int, float]) -> dict:
        key = (indicator, series, target["map"])
        unit = unit_key(target["map"], target["province_code"])
        year, value, comparator = target["target_year"], target["target_value"], target["comparator_norm"]
        method = self.forecasts.default_method(indicator)
        out = {"forecast_method": method}
        if year in observed:  # the target year is observed: no forecast needed
            met = meets(observed[year], comparator, value)
            return {
                **out,
                "forecast_method": "observed",
                "p_meet": 1.0 if met else 0.0,
                "projected_mean": observed[year],
                "projected_lo80": observed[year],
                "projected_hi80": observed[year],
            }
        prediction = self.forecasts.latent(key, unit, year)
        if prediction is None:
            return out
        if self.forecasts.transform(indicator).kind == "rank":
            ranks = self.simulated_ranks(key, year)[unit]
            p, expected = rank_goal(ranks, value)
            lo, hi = (float(q) for q in np.quantile(ranks, [0.1, 0.9]))
            return {
                **out,
                "p_meet": self._clip(p),
                "expected_rank": round(expected, 2),
                "projected_mean": round(expected, 2),
                "projected_lo80": lo,
                "projected_hi80": hi,
            }
        threshold = float(self.forecasts.transform(indicator).forward(value))
        p = prediction.prob_at_least(threshold)
        band = self.forecasts.band(key, prediction)
        return {
            **out,
            "p_meet": self._clip(1 - p if comparator == "<=" else p),
            "projected_mean": band["mean"],
            "projected_lo80": band["lo80"],
            "projected_hi80": band["hi80"],
        }

    def simulated_ranks(self, key: PoolKey, year: int) -> dict:
        """Every unit of the map drawn jointly; units without any figure draw from the marginal N(0, 1)."""
        if (key, year) not in self._rank_cache:
            map_units = [
                unit_key(key[2], c) for c in self.units.filter(pl.col("map") == key[2])["province_code"].to_list()
            ]
            predictions = {u: self.forecasts.latent(key, u, year) for u in map_units}
            self._rank_cache[(key, year)] = simulate_ranks(
                predictions, map_units, self.params.rank_draws, self.params.rank_seed, year
            )
        return self._rank_cache[(key, year)]

    def notes(self, target: dict) -> dict[str, str | None]:
        """A note key where an old unit's target lies beyond the merger (the report words it)."""
        code = target.get("unit_34_code")
        members = self.members.get(code, [])
        # Only a unit that merged with others: one formed from this unit alone is the same place (its series continue).
        if (
            target["map"] == "63"
            and target["target_year"] is not None
            and target["target_year"] > self.merger_date.year
            and len(members) > 1
        ):
            fields = {
                "name": self.names.get(("34", code), code),
                "code": code,
                "year": target["target_year"],
                "date": self.merger_date.isoformat(),
            }
            return {"note_key": "merged", "note_fields": _json(fields)}
        return {"note_key": None, "note_fields": None}


def _proxy_note(base: dict) -> dict[str, str]:
    """The note of a row assessed on a proxy series (with the merged note's fields where it had one)."""
    fields = json.loads(base["note_fields"]) if base.get("note_fields") else {}
    return {"note_key": "proxy_merged" if base.get("note_key") == "merged" else "proxy", "note_fields": _json(fields)}


def _json(fields: dict) -> str:
    return json.dumps(fields, ensure_ascii=False, sort_keys=True)


def _reasons(key: str, fields: dict) -> dict[str, str]:
    """A reason as data: its key and the fields its words need (report/reasons.py writes the sentence)."""
    return {"reason_key": key, "reason_fields": _json(fields)}

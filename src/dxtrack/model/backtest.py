"""Forecast skill: a rolling-origin backtest of every method on the real data.

For each pool (indicator, series, map) and each year that a unit has a value for after at least two earlier
years of its own, every method is fitted on all units' data before that year and predicts the unit's value
for that year. Scores per method and indicator: MAE and bias in the indicator's unit, coverage of the 80%
interval, the number of cases, and MAE on the model scale (logit or latent rank score), which is comparable
across indicators and decides the best method overall.
"""

from __future__ import annotations

import polars as pl

from dxtrack.model.estimators import METHODS, Settings, fit
from dxtrack.model.pools import build_pools
from dxtrack.model.scales import Transform

CASE_SCHEMA = {"indicator": pl.String, "series": pl.String, "map": pl.String, "unit": pl.String, "year": pl.Int64,
               "method": pl.String, "actual": pl.Float64, "predicted": pl.Float64, "lo80": pl.Float64,
               "hi80": pl.Float64, "error": pl.Float64, "error_model_scale": pl.Float64, "covered80": pl.Boolean}


def backtest_cases(observations: pl.DataFrame, units: pl.DataFrame, indicators: dict, indicator_ids: list[str],
                   settings: Settings, clip: float, interval: float = 0.8) -> pl.DataFrame:
    full = build_pools(observations, units, indicators, settings, clip)
    low, high = (1 - interval) / 2, (1 + interval) / 2
    cases = []
    for (indicator, series, map_), pool in sorted(full.items()):
        if indicator not in indicator_ids:
            continue
        transform = Transform.for_indicator(indicators[indicator], clip)
        rank_of = {"63": 63, "34": 34}.get(map_)
        targets = {}  # origin year -> units to predict there
        for unit, s in pool.units.items():
            for k in range(2, s.n):
                targets.setdefault(int(s.years[k]), []).append((unit, float(s.values[k])))
        for year in sorted(targets):
            past = build_pools(observations, units, indicators, settings, clip, before_year=year)
            past_pool = past.get((indicator, series, map_))
            if past_pool is None:
                continue
            for method in METHODS:
                model = fit(method, past_pool, settings)
                for unit, actual_z in sorted(targets[year]):
                    p = model.predict(unit, year)
                    if p is None:
                        continue
                    back = lambda z: float(transform.inverse(z, rank_of))  # noqa: E731
                    actual, predicted = back(actual_z), back(p.mean)
                    lo, hi = sorted((back(p.quantile(low)), back(p.quantile(high))))
                    cases.append({"indicator": indicator, "series": series, "map": map_, "unit": unit, "year": year,
                                  "method": method, "actual": actual, "predicted": predicted, "lo80": lo, "hi80": hi,
                                  "error": predicted - actual, "error_model_scale": p.mean - actual_z,
                                  "covered80": lo <= actual <= hi})
    return pl.DataFrame(cases, schema=CASE_SCHEMA).sort("indicator", "series", "map", "year", "unit", "method")


def family(indicator: dict) -> str:
    """Methods are chosen per family: ranks behave unlike levels (scores and shares)."""
    return "rank" if indicator.get("unit") == "rank" else "level"


def _scores(frame: pl.DataFrame) -> dict:
    if not frame.height:
        return {"n": 0, "mae": None, "bias": None, "coverage80": None, "mae_model_scale": None}
    return {"n": frame.height, "mae": round(float(frame["error"].abs().mean()), 6),
            "bias": round(float(frame["error"].mean()), 6),
            "coverage80": round(float(frame["covered80"].mean()), 4),
            "mae_model_scale": round(float(frame["error_model_scale"].abs().mean()), 6)}


def _common_cases(cases: pl.DataFrame) -> pl.DataFrame:
    """Cases every method could predict, so no method is judged on easier cases than another."""
    keys = ["indicator", "series", "map", "unit", "year"]
    common = cases.group_by(keys).agg(pl.col("method").n_unique().alias("k")).filter(pl.col("k") == len(METHODS))
    return cases.join(common.select(keys), on=keys, how="semi")


def summarise(cases: pl.DataFrame, indicators: dict, default_method: dict[str, str], tie_margin: float) -> dict:
    shared = _common_cases(cases).with_columns(
        pl.col("indicator").replace_strict({k: family(v) for k, v in indicators.items()}).alias("family"))
    by_family = {}
    for fam in ("level", "rank"):
        rows = shared.filter(pl.col("family") == fam)
        table = {m: _scores(rows.filter(pl.col("method") == m)) for m in METHODS}
        scored = [m for m in METHODS if table[m]["n"]]
        best = min(scored, key=lambda m: table[m]["mae_model_scale"]) if scored else None
        chosen = default_method[fam]
        within = best is None or table[chosen]["mae_model_scale"] <= table[best]["mae_model_scale"] * (1 + tie_margin)
        by_family[fam] = {"methods": table, "best_method": best, "default_method": chosen,
                          "default_is_best_within_margin": within}
    by_indicator = {ind: {m: _scores(shared.filter((pl.col("indicator") == ind) & (pl.col("method") == m)))
                          for m in METHODS}
                    for ind in sorted(shared["indicator"].unique().to_list())}
    return {
        "interval": 0.8,
        "comparison": "MAE on the model scale (logit, or latent rank score) over the cases every method could predict",
        "tie_margin": tie_margin,
        "cases": cases.height,
        "by_family": by_family,
        "by_indicator": by_indicator,
    }

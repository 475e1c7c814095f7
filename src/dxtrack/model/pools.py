"""Observations grouped the way the models need them: one pool per indicator, series and map.

Only full-year values enter (partial-year figures are not a year). Derived 34-map values enter the 34-map
pools: for a merged unit they are that unit's values. Each unit carries its region, so the pooled model
can shrink toward a regional trend.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from dxtrack.model.estimators import Pool, Series, Settings, country_slope
from dxtrack.model.scales import Transform

POOL_KEY = ["indicator", "series", "map"]


def unit_key(map_: str, code: str) -> str:
    return f"{map_}:{code}"


def full_year(observations: pl.DataFrame) -> pl.DataFrame:
    return observations.filter(pl.col("full_year")).sort("map", "province_code", "indicator", "series", "year")


def build_pools(observations: pl.DataFrame, units: pl.DataFrame, indicators: dict, settings: Settings,
                clip: float, *, before_year: int | None = None) -> dict[tuple[str, str, str], Pool]:
    """Pools keyed by (indicator, series, map); `before_year` keeps only earlier years (for backtests)."""
    rows = full_year(observations)
    if before_year is not None:
        rows = rows.filter(pl.col("year") < before_year)
    region = {unit_key(m, c): r for m, c, r in units.select("map", "province_code", "region_en").iter_rows()}
    series_by_pool: dict[tuple[str, str, str], dict[str, Series]] = {}
    for (indicator, series, map_, code), group in rows.group_by(
            ["indicator", "series", "map", "province_code"], maintain_order=True):
        transform = Transform.for_indicator(indicators[indicator], clip)
        y = transform.forward(group["value"].to_numpy(), group["rank_of"].to_numpy())
        key = unit_key(map_, code)
        series_by_pool.setdefault((indicator, series, map_), {})[key] = Series(
            group["year"].to_numpy().astype(float), np.asarray(y, dtype=float), region.get(key, ""))
    pools = {}
    for (indicator, series, map_), members in series_by_pool.items():
        country = series_by_pool.get((indicator, series, "VN"), {}).get(unit_key("VN", "VN")) if map_ != "VN" else None
        pools[(indicator, series, map_)] = Pool(members, country_slope(country, settings))
    return pools

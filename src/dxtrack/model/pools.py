"""Observations grouped the way the models need them: one pool per indicator, series and map.

Only full-year values enter (partial-year figures are not a year). Derived 34-map values enter the 34-map
pools: for a merged unit they are that unit's values. Each unit carries its region, so the pooled model
can shrink toward a regional trend. Built column-wise (one transform per pool, no per-unit Python loop).
"""

from __future__ import annotations

from typing import cast

import numpy as np
import polars as pl

from dxtrack.model.estimators import Pool, Series, Settings, country_slope
from dxtrack.model.scales import Transform

POOL_KEY = ["indicator", "series", "map"]


def unit_key(map_: str, code: str) -> str:
    return f"{map_}:{code}"


def full_year(observations: pl.DataFrame) -> pl.DataFrame:
    return observations.filter(pl.col("full_year")).sort("map", "province_code", "indicator", "series", "year")


def build_pools(
    observations: pl.DataFrame,
    units: pl.DataFrame,
    indicators: dict,
    settings: Settings,
    clip: float,
    *,
    before_year: int | None = None,
) -> dict[tuple[str, str, str], Pool]:
    """Pools keyed by (indicator, series, map); `before_year` keeps only earlier years (for backtests)."""
    rows = observations.filter(pl.col("full_year"))
    if before_year is not None:
        rows = rows.filter(pl.col("year") < before_year)
    rows = (
        rows.select("indicator", "series", "map", "province_code", "year", "value", "rank_of")
        .with_columns((pl.col("map") + ":" + pl.col("province_code")).alias("unit"))
        .sort("indicator", "series", "map", "unit", "year")
    )
    region = dict(zip((units["map"] + ":" + units["province_code"]).to_list(), units["region_en"].to_list()))
    arrays: dict[tuple[str, str, str], tuple] = {}
    for (indicator, series, map_), group in rows.group_by(POOL_KEY, maintain_order=True):
        transform = Transform.for_indicator(indicators[indicator], clip)
        z = np.asarray(transform.forward(group["value"].to_numpy(), group["rank_of"].to_numpy()), dtype=float)
        names, idx = np.unique(group["unit"].to_numpy(), return_inverse=True)
        regions = np.array([region.get(u, "") or "" for u in names], dtype=object)
        arrays[(indicator, series, map_)] = (
            list(names),
            regions,
            idx.astype(np.int64),
            group["year"].to_numpy().astype(float),
            z,
            transform.kind == "rank",
        )
    pools = {}
    for key, (names, regions, idx, years, z, rank) in arrays.items():
        indicator, series, map_ = key
        country = None
        if map_ != "VN" and (indicator, series, "VN") in arrays:
            c_names, _, c_idx, c_years, c_z, _ = arrays[(indicator, series, "VN")]
            if unit_key("VN", "VN") in c_names:
                m = c_idx == c_names.index(unit_key("VN", "VN"))
                country = Series(c_years[m], c_z[m])
        pools[key] = Pool(
            country_slope=country_slope(country, settings), rank=rank, arrays=(names, regions, idx, years, z)
        )
    return pools


def revision_pairs(
    observations: pl.DataFrame,
    superseded: pl.DataFrame | None,
    conflicts: pl.DataFrame | None,
    indicators: dict,
    clip: float,
) -> pl.DataFrame:
    """Pairs of values published for the same figure (unit, indicator, series, year): a superseded release
    against the value in force, and each rejected conflicting value against the chosen one, with the
    difference on the model scale. Only logit-scale indicators (shares and indices) are kept: their
    differences are comparable across indicators; ranks are published once."""
    keys = ["map", "province_code", "indicator", "series", "year"]
    frames = []
    if superseded is not None and superseded.height:
        current = observations.filter(pl.col("full_year")).select(*keys, pl.col("value").alias("current"))
        frames.append(superseded.filter(pl.col("full_year")).select(*keys, "value").join(current, on=keys))
    if conflicts is not None and conflicts.height:
        frames.append(
            conflicts.filter(~pl.col("chosen")).select(*keys, "value", pl.col("chosen_value").alias("current"))
        )
    schema = {
        **{k: pl.String for k in keys},
        "year": pl.Int64,
        "value": pl.Float64,
        "current": pl.Float64,
        "diff_model_scale": pl.Float64,
    }
    if not frames:
        return pl.DataFrame(schema=schema)
    pairs = pl.concat(frames, how="vertical_relaxed").filter(pl.col("indicator").is_in(list(indicators)))
    diffs = []
    for indicator, value, current in pairs.select("indicator", "value", "current").iter_rows():
        t = Transform.for_indicator(indicators[indicator], clip)
        diffs.append(float(t.forward(value) - t.forward(current)) if t.kind == "logit" else None)
    return (
        pairs.with_columns(pl.Series("diff_model_scale", diffs, dtype=pl.Float64))
        .drop_nulls("diff_model_scale")
        .select(list(schema))
        .sort(keys + ["value"])
    )


def revision_variance(pairs: pl.DataFrame) -> float:
    """Mean squared revision on the model scale (0 when the data hold no revision)."""
    if not pairs.height:
        return 0.0
    return float(cast(float, (pairs["diff_model_scale"] ** 2).mean()))

"""Coverage, counted the way a researcher asks it: for each indicator, year and map, how many of the map's
units have a full-year value (any series), out of how many units the map has. Partial-year figures are kept in
the data but do not count as coverage of a year."""

from __future__ import annotations

import polars as pl

from dxtrack.core.vocabulary import MAP_SIZES


def coverage(observations: pl.DataFrame, *, derived: bool | None = None) -> dict:
    """{indicator: {map: {year: {"units", "of", "share"}}}} over province units with full-year values.

    `derived`: None counts every value; False only published ones; True only derived ones.
    """
    rows = observations.filter((pl.col("unit_level") == "province") & pl.col("full_year"))
    if derived is not None and "derived" in rows.columns:
        rows = rows.filter(pl.col("derived") == derived)
    counts = (
        rows.group_by("indicator", "map", "year")
        .agg(pl.col("province_code").n_unique().alias("units"))
        .sort("indicator", "map", "year")
    )
    out: dict = {}
    for r in counts.iter_rows(named=True):
        of = MAP_SIZES[r["map"]]
        out.setdefault(r["indicator"], {}).setdefault(r["map"], {})[str(r["year"])] = {
            "units": r["units"],
            "of": of,
            "share": round(r["units"] / of, 4),
        }
    return out

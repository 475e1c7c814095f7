"""Merge weights from the shared reference: population (complete for 2019) and GRDP (essentially missing).

Weights are kept as published, per old (63-map) unit and year, with the reference's own reliability note.
Harmonisation asks for one year's weight; a unit without it gets no aggregate, never a guessed weight.
"""

from __future__ import annotations

from functools import partial

import polars as pl

from dxtrack.core.errors import DataError, location
from dxtrack.core.paths import Project
from dxtrack.ingest.cells import read_csv_strings, require_columns
from dxtrack.ingest.numbers import parse_number

WEIGHT_SCHEMA = {
    "province_code": pl.String,
    "year": pl.Int64,
    "population_thousand": pl.Float64,
    "grdp_billion_vnd": pl.Float64,
    "note": pl.String,
    "source_url": pl.String,
    "source_row": pl.Int64,
}


def read_weights(project: Project, source_id: str | None = None) -> pl.DataFrame:
    """Merge weights (the one source with layout `weights`, unless `source_id` names one)."""
    path = project.source_path(source_id or project.only_source("weights"))
    display = project.display(path)
    df = read_csv_strings(path, display)
    require_columns(df, ["gso_code", "year", "population_thousand", "grdp_billion_vnd"], display)
    rows = []
    for r in df.iter_rows(named=True):
        where = partial(location, display, r["__row"])
        rows.append(
            {
                "province_code": r["gso_code"],
                "year": _year(r["year"], where("year")),
                "population_thousand": parse_number(r["population_thousand"], where=where("population_thousand")),
                "grdp_billion_vnd": parse_number(r["grdp_billion_vnd"], where=where("grdp_billion_vnd")),
                "note": r.get("note"),
                "source_url": r.get("source_url"),
                "source_row": r["__row"],
            }
        )
    return pl.DataFrame(rows, schema=WEIGHT_SCHEMA).sort("province_code", "year")


def population(weights: pl.DataFrame, year: int) -> dict[str, float]:
    """Population (thousand) by old code for one year; units without a value are absent."""
    rows = weights.filter((pl.col("year") == year) & pl.col("population_thousand").is_not_null())
    return dict(zip(rows["province_code"], rows["population_thousand"]))


def require_population(weights: pl.DataFrame, project: Project, codes: list[str]) -> dict[str, float]:
    """Population for `harmonize.population_year` of every old unit, or a DataError naming the key: a year the
    weights table lacks (even for one unit) would silently remove every merge weight it touches."""
    year = project.params["harmonize"]["population_year"]
    found = population(weights, year)
    missing = sorted(set(codes) - set(found))
    if missing:
        complete = sorted(
            y
            for y, g in weights.filter(pl.col("population_thousand").is_not_null()).group_by("year")
            if set(codes) <= set(g["province_code"])
        )
        complete = [y[0] if isinstance(y, tuple) else y for y in complete]
        have = (
            "no population"
            if len(missing) == len(codes)
            else f"no population for {len(missing)} units ({', '.join(missing[:5])}{' …' if len(missing) > 5 else ''})"
        )
        raise DataError(
            f"the weights table ({project.display(project.source_path(project.only_source('weights')))}) "
            f"has {have} in {year}",
            **project.params.where("harmonize.population_year"),
            value=year,
            hint=f"years complete for all {len(codes)} units: {complete or 'none'}",
        )
    return found


def _year(text: str | None, where: dict) -> int:
    year = parse_number(text, kind="count", where=where)
    if year is None:
        raise DataError("a weight needs its year", value=text, **where)
    return int(year)

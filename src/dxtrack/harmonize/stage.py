"""Stage `harmonize`: 34-map values derived from 63-map values; targets told which new unit lists them."""

from __future__ import annotations

import polars as pl

from dxtrack.core import contracts
from dxtrack.core.coverage import coverage
from dxtrack.core.paths import Project
from dxtrack.core.stage import StageOutput
from dxtrack.harmonize.aggregate import harmonize


def harmonize_stage(project: Project) -> StageOutput:
    interim = project.interim
    observations = pl.read_parquet(interim / "observations.parquet")
    units = pl.read_parquet(interim / "units.parquet")
    weights = pl.read_parquet(interim / "weights.parquet")
    targets = pl.read_parquet(interim / "targets.parquet")
    result = harmonize(observations, units, weights, project.indicators, project.params["harmonize"]["population_year"])
    merged = contracts.validate(result.observations, contracts.observation_schema(project), project)
    successor = dict(units.filter(pl.col("map") == "63").select("province_code", "successor_code").iter_rows())
    # Targets stay with the unit whose document set them; `unit_34_code` says which new unit lists them.
    targets = targets.with_columns(
        pl.when(pl.col("map") == "63")
        .then(pl.col("province_code").replace_strict(successor, default=None))
        .otherwise(pl.col("province_code"))
        .alias("unit_34_code")
    )
    return StageOutput(
        tables={
            "data/processed/observations.parquet": merged,
            "data/processed/targets.parquet": targets,
            "data/processed/units.parquet": units,
        },
        metrics={
            "metrics/harmonize.json": {
                **result.report,
                "coverage_definition": "units of the map with a full-year value (published or derived) / units on the map",
                "coverage": coverage(merged),
            }
        },
    )

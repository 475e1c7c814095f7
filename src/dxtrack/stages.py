"""The pipeline's stages as functions: inputs in, frames and metrics out, nothing written.

pipelines/*.py call these and write the results atomically; tests call them directly.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import polars as pl

from dxtrack import schema
from dxtrack.atomic import write_json, write_parquet
from dxtrack.config import Project
from dxtrack.errors import DataError
from dxtrack.harmonize import harmonize
from dxtrack.provinces import Registry
from dxtrack.quality import clean_report, coverage
from dxtrack.series import resolve
from dxtrack.sources import observation_sources, read_all
from dxtrack.targets import read_targets
from dxtrack.weights import population, read_weights

OBS_ORDER = ["map", "province_code", "indicator", "series", "period_start", "period_end", "period_label"]


@dataclass
class StageOutput:
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)  # path relative to the project root -> frame
    metrics: dict[str, dict] = field(default_factory=dict)  # path relative to the project root -> JSON


def clean(project: Project) -> StageOutput:
    registry = Registry.load(project.raw)
    candidates = schema.validate(read_all(project, registry), schema.observation_schema(project), project)
    resolved = resolve(candidates, observation_sources(project))
    targets = schema.validate(read_targets(project, registry), schema.target_schema(project), project,
                              row_column="source_rows", source_column=None)
    weights = schema.validate(read_weights(project), schema.weights_schema(), project, source_column=None)
    schema.validate(resolved.superseded, schema.observation_schema(project), project)
    schema.validate(resolved.conflicts, schema.conflict_schema(), project, source_column=None)
    units = schema.validate(registry.units_frame(population(weights, project.params["harmonize"]["population_year"])),
                            schema.units_schema(), project, row_column="province_code", source_column=None)
    # Every registry row lands in exactly one target (tests/test_targets.py), so the rows are countable here.
    target_rows = int(targets["source_rows"].str.split("; ").list.len().sum())
    report = clean_report(candidates=candidates.height, observations=resolved.observations,
                          superseded=resolved.superseded, conflicts=resolved.conflicts,
                          duplicates_merged=resolved.duplicates_merged, targets=targets, target_rows=target_rows)
    return StageOutput(
        tables={
            "data/interim/observations.parquet": resolved.observations.sort(OBS_ORDER),
            "data/interim/superseded.parquet": resolved.superseded.sort([*OBS_ORDER, "release"]),
            "data/interim/conflicts.parquet": resolved.conflicts.sort([*OBS_ORDER[:6], "source_id", "source_row"]),
            "data/interim/targets.parquet": targets,
            "data/interim/units.parquet": units,
            "data/interim/weights.parquet": weights,
        },
        metrics={"metrics/data_quality.json": report},
    )


def harmonize_stage(project: Project) -> StageOutput:
    interim = project.interim
    observations = pl.read_parquet(interim / "observations.parquet")
    units = pl.read_parquet(interim / "units.parquet")
    weights = pl.read_parquet(interim / "weights.parquet")
    targets = pl.read_parquet(interim / "targets.parquet")
    result = harmonize(observations, units, weights, project.indicators,
                       project.params["harmonize"]["population_year"])
    merged = schema.validate(result.observations, schema.observation_schema(project), project)
    successor = dict(units.filter(pl.col("map") == "63").select("province_code", "successor_code").iter_rows())
    # Targets stay with the unit whose document set them; `unit_34_code` says which new unit lists them.
    targets = targets.with_columns(
        pl.when(pl.col("map") == "63").then(pl.col("province_code").replace_strict(successor, default=None))
        .otherwise(pl.col("province_code")).alias("unit_34_code"))
    return StageOutput(
        tables={
            "data/processed/observations.parquet": merged,
            "data/processed/targets.parquet": targets,
            "data/processed/units.parquet": units,
        },
        metrics={"metrics/harmonize.json": {
            **result.report,
            "coverage_definition": "units of the map with a full-year value (published or derived) / units on the map",
            "coverage": coverage(merged),
        }},
    )


def model_stage(project: Project) -> StageOutput:
    # Imported here: scipy and the models cost half a second that the clean and harmonize stages need not pay.
    from dxtrack.backtest import backtest_cases, summarise
    from dxtrack.forecast import Forecasts, ModelParams, projection_table
    from dxtrack.progress import Progress, measured_by

    processed = project.processed
    observations = pl.read_parquet(processed / "observations.parquet")
    targets = pl.read_parquet(processed / "targets.parquet")
    units = pl.read_parquet(processed / "units.parquet")
    params = ModelParams.from_params(project.params)
    indicators = project.indicators
    # Model every indicator some target is measured by, and the DTI score the briefing reports.
    modelled = {measured_by(i, indicators) for i in targets["indicator"].unique().to_list()} | {"dti"}
    forecasts = Forecasts(observations, units, indicators, modelled, params)
    status = Progress(observations, units, forecasts, project.merger_date).table(targets)
    cases = backtest_cases(observations, units, indicators, sorted(modelled), params.settings, params.logit_clip)
    skill = summarise(cases, indicators, params.default_method, params.tie_margin)
    return StageOutput(
        tables={
            "data/processed/projections.parquet": projection_table(forecasts),
            "data/processed/status.parquet": status,
            "data/processed/backtest_cases.parquet": cases,
        },
        metrics={"metrics/backtest.json": skill},
    )


def write(project: Project, output: StageOutput) -> None:
    """Write a stage's outputs, each file atomically (temporary file + rename)."""
    for relative, frame in output.tables.items():
        write_parquet(frame, project.root / relative)
    for relative, data in output.metrics.items():
        write_json(data, project.root / relative)


def run(stage, label: str) -> int:
    """What a pipelines/ script does: run one stage on the project here, write its outputs, or report."""
    project = Project.find()
    try:
        output = stage(project)
    except DataError as exc:
        print(f"{label}: {exc}", file=sys.stderr)
        return 1
    write(project, output)
    return 0

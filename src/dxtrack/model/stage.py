"""Stage `model`: trajectories and projections, one status row per target and series, and the backtest."""

from __future__ import annotations

import polars as pl

from dxtrack.core.paths import Project
from dxtrack.core.stage import StageOutput
from dxtrack.model.backtest import backtest_cases, summarise
from dxtrack.model.forecast import Forecasts, ModelParams, projection_table
from dxtrack.model.status import Progress, measured_by


def model_stage(project: Project) -> StageOutput:
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

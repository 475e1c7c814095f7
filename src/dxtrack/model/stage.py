"""Stage `model`: trajectories and projections, one status row per target and series, and the backtest."""

from __future__ import annotations

import warnings
from dataclasses import replace

import polars as pl

from dxtrack.core import contracts
from dxtrack.core.paths import Project
from dxtrack.core.stage import StageOutput
from dxtrack.model.backtest import backtest_cases, backtest_indicators, crps_t, log_score, summarise
from dxtrack.model.calibration import cross_validated, fit_groups
from dxtrack.model.forecast import Forecasts, ModelParams, projection_table
from dxtrack.model.pools import revision_pairs, revision_variance
from dxtrack.model.status import Progress, measured_by
from dxtrack.model.subunit_outputs import subunit_outputs


def _read(path) -> pl.DataFrame | None:
    return pl.read_parquet(path) if path.exists() else None


def params_with_revision_floor(
    params: ModelParams, observations: pl.DataFrame, interim, indicators: dict
) -> tuple[ModelParams, dict]:
    """The revision floor: `model.revision_floor` as a number (an SD on the logit scale), or `auto` — estimated
    from the data's own revisions (superseded releases and rejected conflicting values)."""
    pairs = revision_pairs(
        observations,
        _read(interim / "superseded.parquet"),
        _read(interim / "conflicts.parquet"),
        indicators,
        params.logit_clip,
    )
    estimated = revision_variance(pairs)
    var = estimated if params.revision_floor == "auto" else float(params.revision_floor) ** 2
    info = {
        "source": "data" if params.revision_floor == "auto" else "params",
        "pairs": pairs.height,
        "sd_logit": round(var**0.5, 6),
        "estimated_sd_logit": round(estimated**0.5, 6),
    }
    return replace(params, settings=replace(params.settings, revision_var=var)), info


def model_stage(project: Project) -> StageOutput:
    processed = project.processed
    observations = pl.read_parquet(processed / "observations.parquet")
    targets = pl.read_parquet(processed / "targets.parquet")
    units = pl.read_parquet(processed / "units.parquet")
    indicators = project.indicators
    params, revision = params_with_revision_floor(
        ModelParams.from_params(project.params), observations, project.interim, indicators
    )
    # Model every indicator some target is measured by, the DTI score the briefing reports, and the context
    # indicators (indicators.yaml `context: true`: PAPI, the 766 index), whose trajectories the reports show.
    modelled = (
        {measured_by(i, indicators) for i in targets["indicator"].unique().to_list()}
        | {"dti"}
        | {i for i, d in indicators.items() if d.get("context")}
    )
    forecasts = Forecasts(observations, units, indicators, modelled, params)
    tested = backtest_indicators(observations, modelled, params.backtest_datasets)
    cases = backtest_cases(observations, units, indicators, tested, params, forecasts.settings_for)
    # Calibrate the spread on the backtest's residuals (dxtrack.model.calibration), then project and assess
    # with the calibrated distributions; the metric reports the calibrated coverage out of sample.
    calibrations = fit_groups(cases, params.calibration)
    forecasts.calibrate(calibrations)
    status = Progress(observations, units, forecasts, project.merger_date).table(targets)
    rescored = cross_validated(cases, params.calibration, crps_t, log_score)
    skill = {**summarise(cases, params, rescored, calibrations), "revision_floor": revision}
    for fam, result in skill["by_family"].items():
        if not result["default"]["supported"]:
            warnings.warn(
                f"model: the backtest no longer supports the default method {result['default_method']!r} "
                f"for {fam} indicators (best: {result['best_method']!r}; {result['default']['why']}); "
                f"see metrics/backtest.json and change model.default_method in params.yaml",
                stacklevel=2,
            )
    # Units below the province: ranks, movers, spread, and task flags as of the edition date (issue 15).
    subunit = {
        path: contracts.validate(
            frame, contracts.SUBUNIT_PROCESSED[path.split("/")[-1].removesuffix(".parquet")](), project
        )
        for path, frame in subunit_outputs(project, project.edition_date, project.due_soon_days).items()
    }
    return StageOutput(
        tables={
            **subunit,
            "data/processed/projections.parquet": projection_table(forecasts),
            "data/processed/status.parquet": status,
            "data/processed/backtest_cases.parquet": cases,
        },
        metrics={"metrics/backtest.json": skill},
    )

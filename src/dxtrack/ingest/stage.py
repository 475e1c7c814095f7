"""Stage `clean`: every raw source read, placed and validated; revisions, duplicates and conflicts resolved."""

from __future__ import annotations

from dxtrack.core import contracts
from dxtrack.core.paths import Project
from dxtrack.core.stage import StageOutput
from dxtrack.ingest.collect import observation_sources, read_all
from dxtrack.ingest.quality import clean_report
from dxtrack.ingest.resolve import resolve
from dxtrack.ingest.subunit_tables import interim_tables
from dxtrack.ingest.targets import read_targets
from dxtrack.ingest.units import Registry
from dxtrack.ingest.weights import read_weights, require_population

OBS_ORDER = ["map", "province_code", "indicator", "series", "period_start", "period_end", "period_label"]


def clean(project: Project) -> StageOutput:
    registry = Registry.load(project)
    accounts: dict[str, dict] = {}
    candidates = contracts.validate(
        read_all(project, registry, accounts), contracts.observation_schema(project), project
    )
    resolved = resolve(candidates, observation_sources(project))
    targets = contracts.validate(
        read_targets(project, registry),
        contracts.target_schema(project),
        project,
        row_column="source_rows",
        source_column=None,
    )
    weights = contracts.validate(read_weights(project), contracts.weights_schema(), project, source_column=None)
    contracts.validate(resolved.superseded, contracts.observation_schema(project), project)
    contracts.validate(resolved.conflicts, contracts.conflict_schema(), project, source_column=None)
    units = contracts.validate(
        registry.units_frame(require_population(weights, project, list(registry.units["63"]))),
        contracts.units_schema(),
        project,
        row_column="province_code",
        source_column=None,
    )
    # Every registry row lands in exactly one target (tests/test_targets.py), so the rows are countable here.
    target_rows = int(targets["source_rows"].str.split("; ").list.len().sum())
    # Units below the province: schemes, sub-province units, their scores, task registers (issue 15).
    subunit = {
        path: contracts.validate(
            frame, contracts.SUBUNIT_INTERIM[path.split("/")[-1].removesuffix(".parquet")](), project
        )
        for path, frame in interim_tables(project, registry).items()
    }
    report = clean_report(
        candidates=candidates.height,
        observations=resolved.observations,
        superseded=resolved.superseded,
        conflicts=resolved.conflicts,
        duplicates_merged=resolved.duplicates_merged,
        targets=targets,
        target_rows=target_rows,
        accounts=accounts,
    )
    return StageOutput(
        tables={
            "data/interim/observations.parquet": resolved.observations.sort(OBS_ORDER),
            "data/interim/superseded.parquet": resolved.superseded.sort([*OBS_ORDER, "release"]),
            "data/interim/conflicts.parquet": resolved.conflicts.sort([*OBS_ORDER[:6], "source_id", "source_row"]),
            "data/interim/targets.parquet": targets,
            "data/interim/units.parquet": units,
            "data/interim/weights.parquet": weights,
            **subunit,
        },
        metrics={"metrics/data_quality.json": report},
    )

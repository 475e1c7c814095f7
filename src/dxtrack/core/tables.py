"""The built tables in one call, for notebooks and reports.

    from dxtrack.core.tables import load
    t = load()                       # finds the project from the working directory
    t.observations.filter(...)       # polars frames; t.pandas("status") for a pandas copy

Reads only what `dvc repro` wrote; says which stage to run when something is missing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from dxtrack.core.paths import Project, file_version

FRAMES = {
    "observations": "data/processed/observations.parquet",
    "targets": "data/processed/targets.parquet",
    "units": "data/processed/units.parquet",
    "status": "data/processed/status.parquet",
    "projections": "data/processed/projections.parquet",
    "backtest_cases": "data/processed/backtest_cases.parquet",
    "conflicts": "data/interim/conflicts.parquet",
    "superseded": "data/interim/superseded.parquet",
    # units below the province (issue 15)
    "schemes": "data/interim/schemes.parquet",
    "scheme_items": "data/interim/scheme_items.parquet",
    "subunits": "data/interim/subunits.parquet",
    "scorecard_ranks": "data/processed/scorecard_ranks.parquet",
    "scorecard_movers": "data/processed/scorecard_movers.parquet",
    "scorecard_distribution": "data/processed/scorecard_distribution.parquet",
    "task_status": "data/processed/task_status.parquet",
}
METRICS = {
    "quality": "metrics/data_quality.json",
    "harmonize": "metrics/harmonize.json",
    "backtest": "metrics/backtest.json",
}


@dataclass
class Tables:
    project: Project
    observations: pl.DataFrame
    targets: pl.DataFrame
    units: pl.DataFrame
    status: pl.DataFrame
    projections: pl.DataFrame
    backtest_cases: pl.DataFrame
    conflicts: pl.DataFrame
    superseded: pl.DataFrame
    schemes: pl.DataFrame
    scheme_items: pl.DataFrame
    subunits: pl.DataFrame
    scorecard_ranks: pl.DataFrame
    scorecard_movers: pl.DataFrame
    scorecard_distribution: pl.DataFrame
    task_status: pl.DataFrame
    quality: dict = field(default_factory=dict)
    harmonize: dict = field(default_factory=dict)
    backtest: dict = field(default_factory=dict)

    @property
    def indicators(self) -> dict:
        return self.project.indicators

    @property
    def sources(self) -> dict:
        return self.project.sources

    def pandas(self, name: str):
        return getattr(self, name).to_pandas()

    def unit(self, map_: str, code: str) -> dict:
        rows = self.units.filter((pl.col("map") == map_) & (pl.col("province_code") == code))
        if rows.height != 1:
            raise KeyError(f"no unit {map_}:{code} in data/processed/units.parquet")
        return rows.row(0, named=True)


def _require(path: Path) -> Path:
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: run `dvc repro` (or `make`) first")
    return path


def load(root: str | Path | None = None) -> Tables:
    project = _same_project(Project.find(root))
    frames = {name: _read_parquet(_require(project.root / rel)) for name, rel in FRAMES.items()}
    metrics = {
        name: json.loads(_require(project.root / rel).read_text(encoding="utf-8")) for name, rel in METRICS.items()
    }
    parts: dict[str, Any] = {**frames, **metrics}
    return Tables(project=project, **parts)


def _read_parquet(path: Path) -> pl.DataFrame:
    """A built table, read from disk once per version of its file (`file_version`) in a process: a render worker
    loads the tables for every report it renders (~16 ms a time). Each caller gets its own clone (cheap: columns are
    shared until written), so changing a frame in place never reaches the next caller."""
    return _read_version(str(path.resolve()), file_version(path)).clone()


@lru_cache(maxsize=64)
def _read_version(path: str, version: tuple[int, ...] | None) -> pl.DataFrame:
    return pl.read_parquet(path)


_projects: dict[Path, tuple[tuple, Project]] = {}


def _same_project(found: Project) -> Project:
    """`found`, or the Project a previous load() returned for the same folder if none of its configuration and source
    files changed since (nor the date, which source checks use): the source catalogue reads and hashes every source
    folder (~12 ms), which a render worker would otherwise redo for every report it renders."""
    signature = (date.today(), *((str(p), file_version(p)) for p in _configuration_files(found)))
    cached = _projects.get(found.root)
    if cached is not None and cached[0] == signature:
        return cached[1]
    _projects[found.root] = (signature, found)
    return found


def _configuration_files(project: Project) -> list[Path]:
    files = [project.root / "params.yaml", *sorted(project.raw.glob("*.yaml"))]
    if project.sources_dir.is_dir():
        files += sorted(p for p in project.sources_dir.rglob("*") if p.is_file())
    return files

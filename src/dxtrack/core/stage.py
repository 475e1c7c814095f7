"""What every stage shares: outputs as data (frames + metrics, nothing written yet) and how a pipeline script
writes them and reports bad input.

Each stage package has a `stage.py` whose function takes the Project and returns a StageOutput;
pipelines/<stage>.py calls `run(stage, label)`; tests call the stage functions directly.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import polars as pl

from dxtrack.core.atomic import write_json, write_parquet
from dxtrack.core.errors import DataError
from dxtrack.core.paths import Project


@dataclass
class StageOutput:
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)  # path relative to the project root -> frame
    metrics: dict[str, dict] = field(default_factory=dict)  # path relative to the project root -> JSON


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

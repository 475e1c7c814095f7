"""Shared fixtures: the real project, its registry, and a throw-away copy of the project for malformed inputs."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from dxtrack.core.paths import Project
from dxtrack.ingest.units import Registry

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"


@pytest.fixture(scope="session")
def project() -> Project:
    return Project.find(ROOT)


@pytest.fixture(scope="session")
def registry(project: Project) -> Registry:
    return Registry.load(project.raw)


@pytest.fixture(scope="session")
def built_project(tmp_path_factory) -> Project:
    """The real raw data run through clean, harmonize and model (in-process) in a temporary project."""
    from dxtrack.core.stage import write
    from dxtrack.harmonize.stage import harmonize_stage
    from dxtrack.ingest.stage import clean
    from dxtrack.model.stage import model_stage

    root = tmp_path_factory.mktemp("built")
    shutil.copytree(RAW, root / "data" / "raw")
    shutil.copy(ROOT / "params.yaml", root / "params.yaml")
    project = Project(root)
    for stage in (clean, harmonize_stage, model_stage):
        write(project, stage(project))
    return project


@pytest.fixture
def tmp_project(tmp_path: Path) -> Project:
    """A copy of data/raw and params.yaml under tmp_path, safe to modify."""
    shutil.copytree(RAW, tmp_path / "data" / "raw", ignore=shutil.ignore_patterns("geo"))
    shutil.copy(ROOT / "params.yaml", tmp_path / "params.yaml")
    return Project(tmp_path)


def read_rows(path: Path) -> list[dict]:
    """A raw CSV as dicts, read independently of dxtrack's own reader."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def raw_spellings() -> list[str]:
    """Every province spelling that occurs in the raw observation files and the target registry."""
    names: set[str] = set()
    for path in sorted((RAW / "observations").glob("*.csv")):
        names.update(r["province_name_as_source"] for r in read_rows(path) if r.get("province_name_as_source"))
    names.update(r["jurisdiction_as_source"] for r in read_rows(RAW / "targets" / "targets.csv")
                 if r.get("jurisdiction_as_source"))
    return sorted(names)

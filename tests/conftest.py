"""Shared fixtures: the real project, its registry, and a throw-away copy of the project for malformed inputs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dxtrack.config import Project
from dxtrack.provinces import Registry

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"


@pytest.fixture(scope="session")
def project() -> Project:
    return Project.find(ROOT)


@pytest.fixture(scope="session")
def registry(project: Project) -> Registry:
    return Registry.load(project.raw)


@pytest.fixture
def tmp_project(tmp_path: Path) -> Project:
    """A copy of data/raw and params.yaml under tmp_path, safe to modify."""
    shutil.copytree(RAW, tmp_path / "data" / "raw", ignore=shutil.ignore_patterns("geo"))
    shutil.copy(ROOT / "params.yaml", tmp_path / "params.yaml")
    return Project(tmp_path)

"""Shared fixtures: a project on the FROZEN copy of the data (tests/fixtures/project/data/raw), its registry, and
throw-away copies for malformed inputs. No test reads the live data/raw: adding a valid table there must leave the
suite green (tests/test_new_table.py adds one to a copy and runs the end-to-end path)."""

from __future__ import annotations

import csv
import hashlib
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

from dxtrack.core.paths import Project
from dxtrack.ingest.units import Registry

ROOT = Path(__file__).resolve().parents[1]
FROZEN = ROOT / "tests" / "fixtures" / "project"
RAW = FROZEN / "data" / "raw"  # a snapshot of data/raw: the data every test runs on
LIVE_RAW = ROOT / "data" / "raw"
BIN = Path(sys.executable).parent
# The unit reports the end-to-end tests that re-render render (params render.units): Hà Nội (unmerged), Cao Bằng
# (unmerged, a unit whose figures a new table leaves alone), Đà Nẵng and Vĩnh Long (formed from 2 and 3 former
# provinces). The full edition (every unit) is rendered once per session: `repro_project`.
SOME_UNITS = ("01", "04", "48", "86")


def frozen_project(dest: Path, *, notebooks: bool = False, geo: bool = True) -> Project:
    """A project at `dest`: the frozen data, today's params.yaml and dvc.yaml (and notebooks)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(RAW, dest / "data" / "raw", ignore=None if geo else shutil.ignore_patterns("geo_*"))
    for name in ("params.yaml", "dvc.yaml"):
        shutil.copy(ROOT / name, dest / name)
    if notebooks:
        shutil.copytree(ROOT / "notebooks", dest / "notebooks")
    return Project(dest)


@pytest.fixture(scope="session")
def project(tmp_path_factory) -> Project:
    return frozen_project(tmp_path_factory.mktemp("frozen"))


@pytest.fixture(scope="session")
def registry(project: Project) -> Registry:
    return Registry.load(project)


@pytest.fixture(scope="session")
def built_project(tmp_path_factory) -> Project:
    """The real raw data run through clean, harmonize and model (in-process) in a temporary project."""
    from dxtrack.core.stage import write
    from dxtrack.harmonize.stage import harmonize_stage
    from dxtrack.ingest.stage import clean
    from dxtrack.model.stage import model_stage

    project = frozen_project(tmp_path_factory.mktemp("built"), notebooks=True)
    for stage in (clean, harmonize_stage, model_stage):
        write(project, stage(project))
    return project


def copy_repository(dest: Path, *, live_data: bool = False) -> Path:
    """The repository's files as a fresh clone has them, with the frozen data/raw in place of the live one."""
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.splitlines()
    for name in files:
        source = ROOT / name
        if (
            source.is_file()
            and not name.startswith(("data/interim/", "data/processed/", "tests/fixtures/project/"))
            and (live_data or not name.startswith("data/raw/"))
        ):
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    if not live_data:
        shutil.copytree(RAW, dest / "data" / "raw")
    subprocess.run(["git", "init", "-q"], cwd=dest, check=True)
    return dest


def render_only(project: Path, codes: tuple[str, ...] = SOME_UNITS) -> None:
    """Set params render.units of a copied repository to these unit codes (the default renders every unit)."""
    path = project / "params.yaml"
    text = path.read_text(encoding="utf-8")
    assert "\n  units: all\n" in text, "params.yaml's render.units is not `all`"
    listed = ", ".join(f'"{c}"' for c in codes)
    path.write_text(text.replace("\n  units: all\n", f"\n  units: [{listed}]\n", 1), encoding="utf-8")


def dvc(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    env.pop("DXTRACK_ROOT", None)
    return subprocess.run([str(BIN / "dvc"), *args], cwd=project, env=env, capture_output=True, text=True)


@pytest.fixture(scope="session")
def repro_project(tmp_path_factory) -> Path:
    """`dvc repro` on a fresh copy of the repository with the frozen data and today's params: the whole edition
    (every unit report in every language, the briefing, index, annex), as `make` builds it. Read-only: a test
    that changes a built project copies it or builds its own (tests/test_pipeline.py's `built`)."""
    project = copy_repository(tmp_path_factory.mktemp("repro"))
    result = dvc(project, "repro")
    assert result.returncode == 0, result.stdout + result.stderr
    return project


@pytest.fixture
def tmp_project(tmp_path: Path) -> Project:
    """A copy of the frozen data/raw and params.yaml under tmp_path, safe to modify."""
    shutil.copytree(RAW, tmp_path / "data" / "raw", ignore=shutil.ignore_patterns("geo_*"))
    shutil.copy(ROOT / "params.yaml", tmp_path / "params.yaml")
    return Project(tmp_path)


def read_rows(path: Path) -> list[dict]:
    """A raw CSV as dicts, read independently of dxtrack's own reader."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def raw_spellings() -> list[str]:
    """Every province spelling that occurs in the raw observation files and the target registry, as the readers
    resolve it: after the source.yaml's `names:` mapping, without an indicator_table's trailing [qualifier]."""
    names: set[str] = set()
    for path in sorted((RAW / "sources").glob("*/*.csv")):
        entry = yaml.safe_load((path.parent / "source.yaml").read_text(encoding="utf-8")) or {}
        mapping = entry.get("names") or {}
        rows = read_rows(path)
        for r in rows:
            for column in ("province_name_as_source", "jurisdiction_as_source"):
                if r.get(column):
                    name = str(mapping.get(r[column], r[column]))
                    if entry.get("layout") == "indicator_table":
                        name = re.sub(r"\s*\[[^\]]+\]\s*$", "", name)
                    names.add(name)
    return sorted(names)


def source_file(source_id: str) -> Path:
    """The data file of a source folder of the frozen data."""
    folder = RAW / "sources" / source_id
    return folder / yaml.safe_load((folder / "source.yaml").read_text(encoding="utf-8"))["file"]


def add_source(project: Project, source_id: str, file_name: str, data: bytes | str, **entry) -> Project:
    """A new source folder, as docs/adding-data.md says to add one: the file + a source.yaml with its checksum.
    Returns a fresh Project (the catalogue is read once per Project)."""
    folder = project.raw / "sources" / source_id
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    meta = {
        "file": file_name,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "publisher": "FIXTURE for tests (not real data)",
        "measures": "fixture",
        "licence": "fixture",
        "retrieved": date(2026, 11, 23),
        "row_provenance": "n/a",
        "synthetic": True,
        **entry,
    }
    (folder / "source.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return Project(project.root)


def rehash(project: Project) -> Project:
    """Record the current checksum of every source file (after a test edited a raw file on purpose)."""
    for meta in sorted((project.raw / "sources").glob("*/source.yaml")):
        text = meta.read_text(encoding="utf-8")
        name = re.search(r"^file:\s*['\"]?([^'\"\n]+?)['\"]?\s*$", text, re.M)
        data = meta.parent / name.group(1) if name else None
        if data is not None and data.is_file():
            digest = hashlib.sha256(data.read_bytes()).hexdigest()
            meta.write_text(re.sub(r"^sha256:.*$", f"sha256: {digest}", text, count=1, flags=re.M), encoding="utf-8")
    return Project(project.root)

"""Where things are and what the project's YAML files say. Everything else asks here."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path

import yaml


def find_root(start: str | os.PathLike | None = None) -> Path:
    """The project root: $DXTRACK_ROOT, else the nearest folder upward holding dvc.yaml and data/raw."""
    if os.environ.get("DXTRACK_ROOT"):
        return Path(os.environ["DXTRACK_ROOT"]).resolve()
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "params.yaml").exists() and (folder / "data" / "raw").is_dir():
            return folder
    raise FileNotFoundError(f"no dxtrack project (params.yaml + data/raw) at or above {here}")


def read_yaml(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


@dataclass(frozen=True)
class Project:
    """A dxtrack project on disk: paths plus its parsed configuration files."""

    root: Path

    @classmethod
    def find(cls, start: str | os.PathLike | None = None) -> "Project":
        return cls(find_root(start))

    # folders
    @property
    def raw(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def interim(self) -> Path:
        return self.root / "data" / "interim"

    @property
    def processed(self) -> Path:
        return self.root / "data" / "processed"

    @property
    def metrics(self) -> Path:
        return self.root / "metrics"

    # configuration
    @cached_property
    def params(self) -> dict:
        return read_yaml(self.root / "params.yaml")

    @cached_property
    def indicators(self) -> dict[str, dict]:
        return read_yaml(self.raw / "indicators.yaml")

    @cached_property
    def sources(self) -> dict[str, dict]:
        return read_yaml(self.raw / "sources.yaml")

    @cached_property
    def series(self) -> dict:
        return read_yaml(self.raw / "series.yaml")

    @property
    def merger_date(self) -> date:
        return date.fromisoformat(str(self.params.get("merger_date", "2025-07-01")))

    def source_path(self, source_id: str) -> Path:
        return self.raw / self.sources[source_id]["path"]

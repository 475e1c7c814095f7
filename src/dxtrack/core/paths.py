"""Where things are and what the project's YAML files say. Everything else asks here."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path

from dxtrack.core.errors import DataError
from dxtrack.core.params import Params, check_references, load_params
from dxtrack.core.sources import Source, load_catalogue
from dxtrack.core.yamlfile import load_yaml


def find_root(start: str | os.PathLike | None = None) -> Path:
    """The project root: $DXTRACK_ROOT, else the nearest folder upward holding dvc.yaml and data/raw."""
    if os.environ.get("DXTRACK_ROOT"):
        return Path(os.environ["DXTRACK_ROOT"]).resolve()
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "params.yaml").exists() and (folder / "data" / "raw").is_dir():
            return folder
    raise FileNotFoundError(f"no dxtrack project (params.yaml + data/raw) at or above {here}")


def file_version(path: Path) -> tuple[int, ...] | None:
    """A file's version, for caches of what was read from it: device, inode, size and modification time (None when it
    is missing). The stages write a new file and rename it into place, so a rewrite is a new inode even within the
    clock's resolution."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


def expand_families(raw: dict, display: str) -> dict[str, dict]:
    """Indicator entries with their family's keys filled in (keys an entry sets itself win): a note shared by
    twenty DTI sub-indices is written once."""
    families = raw.get("families") or {}
    out = {}
    for indicator, entry in raw.items():
        if indicator == "families":
            continue
        family = (entry or {}).get("family")
        if family is not None and family not in families:
            raise DataError(
                f"unknown family; indicators.yaml defines {sorted(families)}",
                file=display,
                column=f"{indicator}.family",
                value=family,
            )
        out[indicator] = {**families.get(family, {}), **{k: v for k, v in (entry or {}).items() if k != "family"}}
    return out


def read_yaml(path: Path, display: str | None = None) -> dict:
    """A project YAML file, safely (no Python tags), with located errors (dxtrack.core.yamlfile)."""
    data, _ = load_yaml(path, display)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DataError("must be a YAML mapping", file=display or str(path), row=1)
    return data


@dataclass(frozen=True)
class Project:
    """A dxtrack project on disk: paths plus its parsed configuration files."""

    root: Path

    @classmethod
    def find(cls, start: str | os.PathLike | None = None) -> Project:
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
    def params(self) -> Params:
        """params.yaml, read once and validated against dxtrack.core.params.SCHEMA (a DataError naming the key
        otherwise); ids it names are checked against indicators.yaml and series.yaml."""
        params = load_params(self.root)
        check_references(params, self.indicators, self.series)
        return params

    @cached_property
    def indicators(self) -> dict[str, dict]:
        """data/raw/indicators.yaml, each entry completed from its `family:` (the `families:` section)."""
        return expand_families(
            read_yaml(self.raw / "indicators.yaml", self.display(self.raw / "indicators.yaml")),
            self.display(self.raw / "indicators.yaml"),
        )

    @property
    def headline_indicators(self) -> list[str]:
        """Indicators marked `headline: N` in indicators.yaml, in that order: what the headline figures show."""
        marked = {i: d["headline"] for i, d in self.indicators.items() if d.get("headline") is not None}
        return sorted(marked, key=lambda i: (marked[i], i))

    @property
    def sources_dir(self) -> Path:
        return self.raw / "sources"

    @cached_property
    def catalogue(self) -> dict[str, Source]:
        """Every source folder under data/raw/sources/, validated (dxtrack.core.sources)."""
        return load_catalogue(self.sources_dir, self.root)

    @property
    def sources(self) -> dict[str, dict]:
        """Each source's metadata (its source.yaml), by id."""
        return {sid: source.entry for sid, source in self.catalogue.items()}

    def sources_with_layout(self, *layouts: str) -> list[str]:
        return [sid for sid, source in self.catalogue.items() if source.layout in layouts]

    @cached_property
    def series(self) -> dict:
        return read_yaml(self.raw / "series.yaml", self.display(self.raw / "series.yaml"))

    @property
    def merger_date(self) -> date:
        return date.fromisoformat(self.params["merger_date"])

    @property
    def edition_date(self) -> date:
        """`edition_date` in params.yaml: the day the edition states task flags as of (overdue, due soon). Fixed
        in params, never "today", so the same inputs give the same tables. Checked: a real YYYY-MM-DD date in the
        edition's year or the next (an edition may be closed in January)."""
        value = self.params.get("edition_date")
        year = int(self.params.get("render", {}).get("year", 0) or 0)
        text = value.isoformat() if isinstance(value, date) else value
        try:
            day = date.fromisoformat(text) if isinstance(text, str) and len(text) == 10 else None
        except ValueError:
            day = None
        if day is None:
            raise self.params_error("edition_date", "must be a real date written YYYY-MM-DD", value)
        if year and not year <= day.year <= year + 1:
            raise self.params_error(
                "edition_date", f"must fall in the edition's year (render.year {year}) or the next", value
            )
        return day

    @property
    def due_soon_days(self) -> int:
        """`model.tasks.due_soon_days`: a task occurrence due within this many days after the edition date is
        "due soon" (a whole number, 0-366)."""
        value = (self.params.get("model", {}).get("tasks") or {}).get("due_soon_days")
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 366:
            raise self.params_error("model.tasks.due_soon_days", "must be a whole number of days, 0-366", value)
        return value

    def check_params(self) -> Params:
        """params.yaml, validated (every stage and command calls this before reading any data)."""
        return self.params

    def params_error(self, dotted: str, message: str, value: object) -> DataError:
        """A DataError naming params.yaml, the line of the (last part of the) key, the key and the value."""
        path = self.root / "params.yaml"
        row = None
        if path.exists():
            last = dotted.split(".")[-1]
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if line.lstrip().startswith(f"{last}:"):
                    row = number
                    break
        return DataError(message, file="params.yaml", row=row, column=dotted, value=value)

    def only_source(self, layout: str) -> str:
        """The one source of a layout there must be exactly one of (each map's province list, the weights)."""
        found = self.sources_with_layout(layout)
        if len(found) != 1:
            raise DataError(
                f"expected exactly one source with layout {layout!r}, found {found or 'none'}",
                file=self.display(self.sources_dir),
            )
        return found[0]

    def source_path(self, source_id: str) -> Path:
        return self.catalogue[source_id].path

    def display(self, path: Path) -> str:
        """A path as messages show it: relative to the project when inside it."""
        path = Path(path)
        return str(path.relative_to(self.root)) if path.is_relative_to(self.root) else str(path)

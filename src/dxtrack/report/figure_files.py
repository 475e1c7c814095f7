"""Files the reports' figures are drawn from or saved as, without drawing anything (no Altair here: the render
stage's main process uses these and never builds a chart)."""

from __future__ import annotations

import json
from pathlib import Path


def boundary_files(project) -> dict[str, Path]:
    """Each map's boundaries (sources with layout `boundaries`, by their `map:`) and the name crosswalk ("names")."""
    files = {
        str(project.sources[sid]["map"]): project.source_path(sid) for sid in project.sources_with_layout("boundaries")
    }
    return {**files, "names": project.source_path(project.only_source("boundary_names"))}


def prune_figures(folder: Path, lang: str) -> list[Path]:
    """Remove `<name>.<lang>.png|svg` in `folder` whose chart the record (`.figures.<lang>.json`) no longer lists:
    run after a switch-over, so a figure is only ever removed once the pages that showed it are gone."""
    record = folder / f".figures.{lang}.json"
    if not record.is_file():
        return []
    names = set(json.loads(record.read_text(encoding="utf-8")))
    removed = []
    for ext in ("png", "svg"):
        for path in sorted(folder.glob(f"*.{lang}.{ext}")):
            if path.name[: -len(f".{lang}.{ext}")] not in names:
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed

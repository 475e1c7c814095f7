"""Everything below the province, read and checked in one call: schemes, units, scores, task registers.

`build(raw, registry)` reads data/raw/schemes/, data/raw/subunits/ and the source folders of layouts
unit_scores, task_register and task_updates (validated by dxtrack.core.sources like every source folder), and
returns the tables the clean stage writes to data/interim/. Tests call it on tests/fixtures/subunits/, which has
the same shape.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from dxtrack.core.errors import DataError, DataErrors
from dxtrack.core.sources import Source, load_catalogue
from dxtrack.ingest.schemes import read_schemes
from dxtrack.ingest.scores import RAW_SCHEMA, check_scores, read_unit_scores
from dxtrack.ingest.subunits import Subunits, read_agencies
from dxtrack.ingest.tasks import UPDATE_SCHEMA, check_updates, place_tasks, read_task_register, read_task_updates
from dxtrack.ingest.units import Registry

LAYOUTS = ("unit_scores", "task_register", "task_updates")  # registered in dxtrack.ingest.layouts.LAYOUTS
TABLES = ("schemes", "scheme_items", "subunits", "agencies", "unit_scores", "tasks", "task_occurrences", "task_updates")


def _show(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if root in path.parents else str(path)


def build(
    raw: Path,
    registry: Registry,
    *,
    root: Path | None = None,
    today: date | None = None,
    schemes_dir: Path | None = None,
    catalogue: dict[str, Source] | None = None,
) -> dict[str, pl.DataFrame]:
    """`catalogue`: the project's validated source folders (default: those under `raw`/sources, validated)."""
    root = root or raw.parent.parent
    if catalogue is None:
        catalogue = load_catalogue(raw / "sources", root, today=today)
    schemes, items = read_schemes(schemes_dir or raw / "schemes", registry, root)
    agencies_path = raw / "subunits" / "agencies.yaml"
    agencies = read_agencies(agencies_path, _show(agencies_path, root))
    units_path = raw / "subunits" / "units.csv"
    units = Subunits.read(units_path, _show(units_path, root), registry, agencies)
    scores, registers, updates, shown = [], [], [], {}
    errors: list[DataError] = []
    for source_id, source in catalogue.items():
        if source.layout not in LAYOUTS:
            continue
        path, entry = source.path, source.entry
        display = _show(path, root)
        shown[source_id] = display
        try:
            if entry["layout"] == "unit_scores":
                scores.append(
                    check_scores(
                        read_unit_scores(path, entry, display),
                        source_id=source_id,
                        entry=entry,
                        display=display,
                        schemes=schemes,
                        items=items,
                        units=units,
                    )
                )
            elif entry["layout"] == "task_register":
                registers.append((source_id, display, read_task_register(path, entry, display)))
            else:
                updates.append(
                    read_task_updates(path, entry, display).with_columns(pl.lit(source_id).alias("source_id"))
                )
        except DataErrors as exc:
            errors.extend(exc.errors)
        except DataError as exc:
            errors.append(exc)
    if errors:
        raise DataErrors(errors)
    tasks, occurrences = place_tasks(registers, registry)
    update_frame = pl.concat(updates) if updates else pl.DataFrame(schema={**UPDATE_SCHEMA, "source_id": pl.String})
    check_updates(update_frame, occurrences, shown)
    score_frame = (
        pl.concat(scores)
        if scores
        else pl.DataFrame(
            schema={
                **RAW_SCHEMA,
                "unit_id": pl.String,
                "unit_type": pl.String,
                "province_code": pl.String,
                "source_id": pl.String,
                "coverage": pl.String,
                "synthetic": pl.Boolean,
            }
        )
    )
    agency_frame = pl.DataFrame(
        [
            {
                "name_vi": a.name_vi,
                "name_en": a.name_en,
                "ceased": a.ceased,
                "successor_vi": a.successor_vi,
                "successor_en": a.successor_en,
                "url": a.url,
                "quote": a.quote,
                "keys": sorted(a.keys),
            }
            for a in agencies
        ],
        schema={
            "name_vi": pl.String,
            "name_en": pl.String,
            "ceased": pl.Date,
            "successor_vi": pl.String,
            "successor_en": pl.String,
            "url": pl.String,
            "quote": pl.String,
            "keys": pl.List(pl.String),
        },
    )
    return {
        "schemes": schemes,
        "scheme_items": items,
        "subunits": units.table(),
        "agencies": agency_frame,
        "unit_scores": score_frame.sort(
            "source_id", "scheme_id", "period_start", "unit_id", "component_id", nulls_last=False
        ),
        "tasks": tasks,
        "task_occurrences": occurrences,
        "task_updates": update_frame.sort("task_id", "occurrence", "date", "source_row"),
    }


def interim_tables(project, registry: Registry) -> dict[str, pl.DataFrame]:
    """The clean stage's share: every table above, as data/interim/<name>.parquet (list columns kept)."""
    built = build(project.raw, registry, root=project.root, catalogue=project.catalogue)
    return {f"data/interim/{name}.parquet": frame for name, frame in built.items()}

"""Every `layout:` a source.yaml may name, and what reads it: one module per observation layout, plus the
layouts of the reference inputs (targets, provinces, weights, boundaries), read by their own modules.

A new published table in a known layout is a new source folder only. A new layout is one new module here and
one line in LAYOUTS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl
from rapidfuzz import fuzz, process

from dxtrack.core.errors import DataError
from dxtrack.core.paths import Project
from dxtrack.ingest.layouts import (
    digital_economy_share,
    dti_aggregates,
    dti_long,
    dti_wide,
    indicator_table,
    ministry_dti,
    online_filing_rate,
)
from dxtrack.ingest.reader import Reader


@dataclass(frozen=True)
class Layout:
    kind: str  # "observations", or what else the clean stage makes of it
    read: Callable[[Reader], pl.DataFrame] | None = None  # observation layouts: the reader
    doc: str = ""


LAYOUTS: dict[str, Layout] = {
    "dti_wide": Layout("observations", dti_wide.read_dti_wide),
    "dti_long": Layout("observations", dti_long.read_dti_long),
    "dti_aggregates": Layout("observations", dti_aggregates.read_dti_aggregates),
    "digital_economy_share": Layout("observations", digital_economy_share.read_digital_economy_share),
    "online_filing_rate": Layout("observations", online_filing_rate.read_online_filing_rate),
    "ministry_dti": Layout("observations", ministry_dti.read_ministry_dti),
    "indicator_table": Layout("observations", indicator_table.read_indicator_table),
    "targets": Layout("targets", doc="a target registry (dxtrack.ingest.targets)"),
    "weights": Layout("weights", doc="population and GRDP by old unit and year (dxtrack.ingest.weights)"),
    "provinces_63": Layout("units", doc="the 63 pre-merger provinces (dxtrack.ingest.units)"),
    "provinces_34": Layout("units", doc="the 34 post-merger units (dxtrack.ingest.units)"),
    "boundaries": Layout("reference", doc="TopoJSON boundaries, drawn by the report's maps"),
    "boundary_names": Layout("reference", doc="boundary feature names -> unit codes"),
    # Units below the province (dxtrack.ingest.subunit_tables): never observations, so the observation readers
    # skip them; a mistyped name is still an unknown layout.
    "unit_scores": Layout(
        "unit_scores",
        doc="points of departments, districts, communes under a scheme "
        "(dxtrack.ingest.scores); source.yaml states `coverage`",
    ),
    "task_register": Layout("tasks", doc="tasks a document assigns, with deadlines (dxtrack.ingest.tasks)"),
    "task_updates": Layout("task_updates", doc="status updates of those tasks, with evidence (dxtrack.ingest.tasks)"),
}
OBSERVATIONS = sorted(name for name, layout in LAYOUTS.items() if layout.kind == "observations")


def check_layouts(project: Project) -> None:
    """Every source names a known layout (a typo is a located error, never a skipped file)."""
    for source in project.catalogue.values():
        if source.layout not in LAYOUTS:
            close = process.extractOne(source.layout, list(LAYOUTS), scorer=fuzz.WRatio)
            raise DataError(
                "unknown layout",
                **source.where("layout", project.root),
                value=source.layout,
                hint=(f"did you mean {close[0]!r}? " if close and close[1] >= 70 else "")
                + f"known: {', '.join(sorted(LAYOUTS))}",
            )


def sources_of_kind(project: Project, kind: str) -> list[str]:
    return [sid for sid, s in project.catalogue.items() if LAYOUTS[s.layout].kind == kind]

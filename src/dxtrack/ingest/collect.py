"""All observation sources read into one frame of candidate rows (nothing merged yet: dxtrack.ingest.resolve)."""

from __future__ import annotations

import polars as pl

from dxtrack.core.paths import Project
from dxtrack.ingest.layouts import LAYOUTS, check_layouts, sources_of_kind
from dxtrack.ingest.reader import CANDIDATE_SCHEMA, Reader
from dxtrack.ingest.units import Registry


def observation_sources(project: Project) -> list[str]:
    """Ids of the sources whose layout holds observations, earliest `retrieved` first, then by id. This order
    breaks ties between conflicting figures of equal authority (dxtrack.ingest.resolve): the figure already in
    the data stays ahead of one that arrives later with the same authority, and the conflict is reported."""
    check_layouts(project)
    return sorted(sources_of_kind(project, "observations"),
                  key=lambda sid: (project.catalogue[sid].entry["retrieved"], sid))


def read_source(project: Project, registry: Registry, source_id: str) -> pl.DataFrame:
    source = project.catalogue[source_id]
    return LAYOUTS[source.layout].read(Reader(project, registry, source))


def read_all(project: Project, registry: Registry) -> pl.DataFrame:
    frames = [read_source(project, registry, sid) for sid in observation_sources(project)]
    return pl.concat(frames, how="vertical") if frames else pl.DataFrame(schema=CANDIDATE_SCHEMA)

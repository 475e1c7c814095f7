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
    return sorted(
        sources_of_kind(project, "observations"), key=lambda sid: (project.catalogue[sid].entry["retrieved"], sid)
    )


def read_source(project: Project, registry: Registry, source_id: str) -> pl.DataFrame:
    return read_source_accounted(project, registry, source_id)[0]


def read_source_accounted(project: Project, registry: Registry, source_id: str) -> tuple[pl.DataFrame, dict]:
    """A source's candidate rows and the account of its rows: read = kept + reported with a reason."""
    source = project.catalogue[source_id]
    reader = Reader(project, registry, source)
    read = LAYOUTS[source.layout].read
    assert read is not None, f"layout {source.layout!r} of an observation source has a reader"
    frame = read(reader)
    return frame, reader.account()


def read_all(project: Project, registry: Registry, accounts: dict | None = None) -> pl.DataFrame:
    """Every observation source's candidate rows; `accounts`, if given, receives each source's row account."""
    frames = []
    for sid in observation_sources(project):
        frame, account = read_source_accounted(project, registry, sid)
        frames.append(frame)
        if accounts is not None:
            accounts[sid] = account
    return pl.concat(frames, how="vertical") if frames else pl.DataFrame(schema=CANDIDATE_SCHEMA)

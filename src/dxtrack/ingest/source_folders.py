"""Source folders of the layouts this package adds (unit_scores, task_register, task_updates): found, checked
and read.

Interim: the lead's generic loader (source.yaml schema + the `dxtrack.ingest.layouts` registry) replaces
`source_folders` when it lands; the readers below are plain `(path, entry, display)` functions so they plug into
that registry unchanged. Checked here: the keys source.yaml must have, the file's SHA-256, an http(s) URL and a
retrieval date that is not in the future.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

from dxtrack.core.errors import DataError
from dxtrack.ingest import yamlines

REQUIRED = ("file", "sha256", "layout", "publisher", "url", "licence", "retrieved", "measures", "row_provenance")


def source_folders(raw: Path, layouts: set[str], today: date | None = None) -> list[tuple[str, Path, dict]]:
    """(source id, file path, entry) for every data/raw/sources/<id>/source.yaml whose layout is in `layouts`."""
    found = []
    for meta in sorted((raw / "sources").glob("*/source.yaml")):
        entry = yamlines.load(meta)
        display = str(meta.relative_to(raw.parent.parent)) if raw.parent.parent in meta.parents else str(meta)
        if entry.get("layout") not in layouts:
            continue
        for key in REQUIRED:
            if key == "url" and entry.get("url") is None and entry.get("document_copy"):
                continue  # a text captured without its address: the project's copy is named instead
            if entry.get(key) in (None, ""):
                raise DataError("missing", file=display, row=yamlines.line(entry, key), column=key)
        path = meta.parent / str(entry["file"])
        if not path.is_file():
            raise DataError("no such file beside source.yaml", file=display, row=yamlines.line(entry, "file"),
                            column="file", value=entry["file"])
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != entry["sha256"]:
            raise DataError(f"the file's SHA-256 is {digest}: it changed since it was recorded", file=display,
                            row=yamlines.line(entry, "sha256"), column="sha256", value=entry["sha256"],
                            hint="raw files are never edited; a corrected table is a new source folder")
        if entry.get("url") is not None and not re.match(r"^https?://\S+$", str(entry["url"])):
            raise DataError("not an http(s) URL", file=display, row=yamlines.line(entry, "url"), column="url",
                            value=entry["url"])
        retrieved = entry["retrieved"]
        if not isinstance(retrieved, date) or retrieved > (today or date.today()):
            raise DataError("a date (YYYY-MM-DD) not in the future", file=display,
                            row=yamlines.line(entry, "retrieved"), column="retrieved", value=str(retrieved))
        if not isinstance(entry.get("synthetic", False), bool):
            raise DataError("true or false", file=display, row=yamlines.line(entry, "synthetic"),
                            column="synthetic", value=entry["synthetic"])
        found.append((meta.parent.name, path, yamlines.plain(entry)))
    return found

"""The source catalogue: every raw input is a folder `data/raw/sources/<id>/` holding the file exactly as
downloaded and a `source.yaml` saying what it is, where it came from and how to read it (in the manner of
OWID's snapshot metadata).

    data/raw/sources/dti_2025/
        dti_2025.csv      the table, never edited
        source.yaml       file, sha256, layout, provenance, the map when stated, series rules

A new table is a new folder; no other file changes. `source.yaml` is checked here before anything reads the
file: a missing or unknown key, a duplicated key, a wrong type, a checksum that does not match, a `file:` that
points outside its folder (symlinks resolved), a folder without `source.yaml`, or a data file the folder's
`source.yaml` does not name is a located `DataError` (file, row = the line in source.yaml, key, value) — never a
skip. Whether the `layout` names a reader is checked by the ingest package, which owns the readers.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from dxtrack.core.errors import DataError, DataErrors
from dxtrack.core.subunits import COVERAGE
from dxtrack.core.yamlfile import NoAliases, compose

SOURCE_FILE = "source.yaml"
# Files a folder may hold besides the data file and source.yaml: notes for people, never read as data.
NOTES = {"README.md", "NOTES.md"}

# key -> (required, accepted types, meaning). The meanings are the documentation: docs/adding-data.md copies them.
KEYS: dict[str, tuple[bool, tuple[type, ...], str]] = {
    "file": (True, (str,), "the data file's name in this folder, as downloaded"),
    "sha256": (True, (str,), "SHA-256 of that file (64 hex digits); `dxtrack check` prints it"),
    "layout": (True, (str,), "which reader reads the file (docs/adding-data.md lists them)"),
    "publisher": (True, (str,), "who published the table"),
    "publisher_vi": (
        False,
        (str,),
        "the publisher's name in Vietnamese, as the publisher writes it (shown on Vietnamese pages; "
        "absent: the English name, labelled as such)",
    ),
    "measures": (True, (str,), "what it measures, years, unit"),
    "measures_vi": (
        False,
        (str,),
        "the same in Vietnamese (shown on Vietnamese pages; absent: the English description, labelled as such)",
    ),
    "licence": (True, (str,), "licence or terms, as stated by the publisher"),
    "retrieved": (True, (date,), "the date the file was downloaded (YYYY-MM-DD, not in the future)"),
    "row_provenance": (True, (str,), "where each row's own URL/quote are, or 'n/a'"),
    "url": (False, (str,), "where the table was published (http or https)"),
    "map": (False, (str, int), "63 or 34: the provincial map of every row, when the table states it"),
    "year": (False, (int,), "the reference year, for layouts whose rows do not carry one"),
    "encoding": (False, (str,), "overrides the encoding detection (e.g. cp1258)"),
    "sheet": (False, (str,), "the worksheet to read in a workbook (default: the only sheet holding a table)"),
    "hidden": (
        False,
        (str,),
        "a workbook's hidden rows, columns or sheets: `read` (they are data) or `skip` "
        "(leave them out); absent: a hidden cell holding data is refused",
    ),
    "series": (False, (dict,), "which series the figures belong to: `fixed:` or `column:` + `texts:`"),
    "periods": (False, (dict,), "period texts the generic rules would misread: text -> {start, end, why}"),
    "names": (
        False,
        (dict,),
        "spellings in this table that stand for a unit under another name: as written -> "
        "the unit's name (e.g. a block label 'Việt Nam (localities)' -> 'Việt Nam')",
    ),
    "indicators": (
        False,
        (dict,),
        "layout indicator_table: value column -> indicator id, or -> {qualifier: "
        "indicator id} where a unit name ends in a [qualifier]",
    ),
    "synthetic": (False, (bool,), "true for invented data (tests, examples): labelled wherever it is shown"),
    "notes": (
        False,
        (str,),
        "anything a reader of the data should know; a document with no public address omits `url` and says so here",
    ),
    "coverage": (
        False,
        (str,),
        "ranking layouts (`unit_scores`): `complete` when every unit ranked is listed, "
        "`partial` for a top/bottom list; only complete rankings are ranked again",
    ),
}
_SHA = re.compile(r"^[0-9a-f]{64}$")
_ID = re.compile(r"^[a-z0-9][a-z0-9_]*$")


@dataclass(frozen=True)
class Source:
    """One source folder, validated."""

    id: str
    folder: Path
    entry: dict[str, Any]
    lines: dict[str, int]  # key -> line in source.yaml, for located errors

    @property
    def path(self) -> Path:
        return self.folder / self.entry["file"]

    @property
    def layout(self) -> str:
        return self.entry["layout"]

    @property
    def metadata_file(self) -> Path:
        return self.folder / SOURCE_FILE

    def where(self, key: str, root: Path | None = None) -> dict:
        """file/row/column of a key of this source.yaml, for errors about the metadata rather than the table."""
        return {"file": _display(self.metadata_file, root), "row": self.lines.get(key), "column": key}


def _display(path: Path, root: Path | None) -> str:
    if root is not None and path.resolve().is_relative_to(root.resolve()):
        return str(path.resolve().relative_to(root.resolve()))
    return str(path)


class _LineLoader(NoAliases, yaml.SafeLoader):
    """Safe YAML that refuses duplicated keys (PyYAML keeps the last one silently) and remembers key lines."""

    located = False  # True: every mapping comes back as a `Located` dict carrying its own key lines
    lines: dict[str, int] = {}  # set per document: top-level key -> line
    display: str | None = None
    root_node: yaml.Node | None = None


class Located(dict):
    """A YAML mapping that knows the line of each of its keys (nested files: schemes, agencies)."""

    lines: dict[str, int]


def line_of(mapping: object, key: str) -> int | None:
    """The line `key` is on in a mapping read by `read_located` (the mapping's first line when it is missing)."""
    lines = getattr(mapping, "lines", None) or {}
    return lines.get(key) or (min(lines.values()) if lines else None)


def _mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    loader.flatten_mapping(node)
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise DataError(
                f"the key appears twice (lines {seen[key]} and {line}); YAML would keep only the last",
                file=getattr(loader, "display", None),
                row=line,
                column=str(key),
                value=key,
            )
        seen[key] = line
    data = loader.construct_mapping(node, deep=True)
    if node is getattr(loader, "root_node", None):
        loader.lines = {str(k): v for k, v in seen.items()}
    if loader.located:
        located = Located(data)
        located.lines = {str(k): v for k, v in seen.items()}
        located.lines.setdefault("", node.start_mark.line + 1)
        return located
    return data


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def read_located(path: Path, display: str) -> Any:
    """A hand-written YAML file (a mapping or a list) whose every mapping is `Located`: errors about nested keys
    name their line (`line_of`). Same safety as `read_metadata`: safe tags only, duplicated keys refused."""
    return _read(path, display, located=True)[0]


def read_metadata(path: Path, display: str) -> tuple[dict, dict[str, int]]:
    """A YAML mapping and the line of each top-level key; located errors for bad YAML and duplicate keys."""
    data, lines = _read(path, display, located=False)
    if not isinstance(data, dict):
        raise DataError("must be a YAML mapping of keys to values (see docs/adding-data.md)", file=display, row=1)
    return data, lines


def _read(path: Path, display: str, *, located: bool) -> tuple[Any, dict[str, int]]:
    # Every report page reads the whole catalogue (its sources list, its edition line) and PyYAML's composer is
    # slow: the same text is parsed once per process (a changed file is new text). Callers get their own copy.
    return copy.deepcopy(_parse(path.read_text(encoding="utf-8"), display, located=located))


@functools.lru_cache(maxsize=1024)
def _parse(text: str, display: str, *, located: bool) -> tuple[Any, dict[str, int]]:
    loader = _LineLoader(text)
    loader.display = display
    loader.located = located
    try:
        loader.root_node = compose(text, loader)
        data = loader.construct_document(loader.root_node) if loader.root_node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise DataError(
            f"not valid YAML: {problem}", file=display, row=None if mark is None else mark.line + 1
        ) from None
    finally:
        loader.dispose()
    return data, getattr(loader, "lines", {})


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_source(
    folder: Path, root: Path | None = None, *, today: date | None = None, verify_checksum: bool = True
) -> Source:
    """One folder's source.yaml, validated against KEYS and against the folder's files."""
    folder = Path(folder)
    source_id = folder.name
    meta = folder / SOURCE_FILE
    display = _display(meta, root)
    if not _ID.match(source_id):
        raise DataError(
            "a source folder's name is its id: lower-case letters, digits and _ only",
            file=_display(folder, root),
            value=source_id,
        )
    if not meta.is_file():
        files = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        raise DataError(
            f"a source folder needs a {SOURCE_FILE} describing its file (it holds {files})",
            file=_display(folder, root),
            hint="see docs/adding-data.md, §3",
        )
    entry, lines = read_metadata(meta, display)
    source = Source(source_id, folder, entry, lines)
    errors: list[DataError] = []
    for key in entry:
        if key not in KEYS:
            close = process.extractOne(str(key), list(KEYS), scorer=fuzz.WRatio)
            hint = f"did you mean {close[0]!r}?" if close and close[1] >= 70 else f"known keys: {', '.join(KEYS)}"
            errors.append(DataError("unknown key", **source.where(str(key), root), value=key, hint=hint))
    for key, (required, types, meaning) in KEYS.items():
        value = entry.get(key)
        if value is None:
            if required:
                errors.append(DataError(f"missing required key `{key}`: {meaning}", file=display, column=key))
            continue
        if isinstance(value, bool) and bool not in types or not isinstance(value, types):
            errors.append(DataError(f"`{key}` must be {meaning}", **source.where(key, root), value=value))
    if errors:
        raise DataErrors(errors) if len(errors) > 1 else errors[0]
    _check_values(source, root, today or date.today())
    _check_file(source, root, verify_checksum)
    return source


def _check_values(source: Source, root: Path | None, today: date) -> None:
    entry = source.entry
    if entry["retrieved"] > today:
        raise DataError(
            "`retrieved` is in the future", **source.where("retrieved", root), value=str(entry["retrieved"])
        )
    url = entry.get("url")
    if url is not None and not re.match(r"^https?://[^\s/]+", url, re.IGNORECASE):
        raise DataError("`url` must be an http:// or https:// address", **source.where("url", root), value=url)
    if entry.get("hidden") is not None and entry["hidden"] not in ("read", "skip"):
        raise DataError("`hidden` must be `read` or `skip`", **source.where("hidden", root), value=entry["hidden"])
    if "map" in entry and str(entry["map"]) not in ("63", "34"):
        raise DataError("`map` must be 63 or 34", **source.where("map", root), value=entry["map"])
    if "coverage" in entry and entry["coverage"] not in COVERAGE:
        raise DataError(
            f"`coverage` must be one of {list(COVERAGE)}", **source.where("coverage", root), value=entry["coverage"]
        )
    if not _SHA.match(entry["sha256"]):
        raise DataError(
            "`sha256` must be 64 lower-case hex digits", **source.where("sha256", root), value=entry["sha256"]
        )


def _check_file(source: Source, root: Path | None, verify_checksum: bool) -> None:
    name = source.entry["file"]
    folder = source.folder.resolve()
    target = (source.folder / name).resolve()  # symlinks resolved: a link out of the folder is refused too
    if Path(name).name != name or target.parent != folder:
        raise DataError(
            "`file` must name a file inside this folder (no path, no link out of it)",
            **source.where("file", root),
            value=name,
        )
    if not target.is_file():
        present = sorted(p.name for p in source.folder.iterdir() if p.name != SOURCE_FILE)
        raise DataError(f"no such file in the folder (it holds {present})", **source.where("file", root), value=name)
    extra = sorted(
        p.name
        for p in source.folder.iterdir()
        if p.name not in {SOURCE_FILE, name, *NOTES} and not p.name.startswith(".")
    )
    if extra:
        raise DataError(
            f"files not described by {SOURCE_FILE}: {extra}; one folder holds one table",
            file=_display(source.folder / extra[0], root),
            hint="give each table its own folder with its own source.yaml",
        )
    if verify_checksum:
        actual = sha256_of(target)
        if actual != source.entry["sha256"]:
            raise DataError(
                f"the file's SHA-256 is {actual}, not the one recorded: the file changed since it was "
                "described (raw files are never edited; a revised table is a new folder)",
                **source.where("sha256", root),
                value=source.entry["sha256"],
                hint=f"if this is the file as downloaded, record sha256: {actual}",
            )


def load_catalogue(sources_dir: Path, root: Path | None = None, *, today: date | None = None) -> dict[str, Source]:
    """Every source folder under `sources_dir`, by id (sorted: the order is the id order, never listing order)."""
    if not sources_dir.is_dir():
        raise DataError("no sources folder", file=_display(sources_dir, root))
    stray = sorted(
        p.name for p in sources_dir.iterdir() if not p.is_dir() and not p.name.startswith(".") and p.name not in NOTES
    )
    if stray:
        raise DataError(
            f"a table must sit in its own folder with a {SOURCE_FILE}, not directly here",
            file=_display(sources_dir / stray[0], root),
            hint="see docs/adding-data.md, §1",
        )
    catalogue: dict[str, Source] = {}
    errors: list[DataError] = []
    for folder in sorted(p for p in sources_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            catalogue[folder.name] = load_source(folder, root, today=today)
        except DataErrors as exc:
            errors.extend(exc.errors)
        except DataError as exc:
            errors.append(exc)
    if errors:
        raise DataErrors(errors) if len(errors) > 1 else errors[0]
    return catalogue

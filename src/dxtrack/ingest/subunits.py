"""Units below the province: departments, districts and communes, each with a level, a unit type and a parent.

data/raw/subunits/units.csv lists the units that published scores name; data/raw/subunits/agencies.yaml lists
agencies that ceased everywhere (the Department of Information and Communications merged into Science and
Technology on 1 March 2025). A unit that ceased keeps its history: its rows stay, with the date it ceased and
its successor where known, as provinces keep theirs across the 2025 merger.

Names match as provinces do (case, accents, spacing, parentheses ignored) plus the sub-province prefixes
("huyện", "xã", "phường", "thị trấn", "thị xã", "quận"); a commune name that two districts share is told apart by
its parenthesis ("Xã Bình An (Lâm Bình)"). An unknown name is an error naming file, row and spelling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

import polars as pl
from rapidfuzz import fuzz, process

from dxtrack.core.errors import DataError, DataErrors, location
from dxtrack.core.names import clean_text, match_key, slug, strip_accents
from dxtrack.core.sources import line_of, read_located
from dxtrack.core.subunits import LEVEL_OF_TYPE, LEVELS, UNIT_TYPES
from dxtrack.ingest.cells import read_table, require_columns
from dxtrack.ingest.units import Registry

COLUMNS = [
    "province",
    "level",
    "unit_type",
    "name_vi",
    "name_en",
    "parent",
    "aliases",
    "valid_from",
    "valid_to",
    "successor",
    "note",
    "source_url",
]
_PREFIX = re.compile(r"^(?:huyen|xa|phuong|thi tran|thi xa|quan|thanh pho|tp\.?)\s+")
_PAREN = re.compile(r"\(([^)]*)\)")

SUBUNIT_SCHEMA = {
    "unit_id": pl.String,
    "province_map": pl.String,
    "province_code": pl.String,
    "level": pl.String,
    "unit_type": pl.String,
    "name_vi": pl.String,
    "name_en": pl.String,
    "parent_id": pl.String,
    "valid_from": pl.Date,
    "valid_to": pl.Date,
    "successor_id": pl.String,
    "successor_vi": pl.String,
    "successor_en": pl.String,
    "ceased_note": pl.String,
    "ceased_url": pl.String,
    "source_row": pl.Int64,
}


def unit_key(name: str) -> str:
    """Match key of a sub-province name: the province rules, then the level prefix dropped."""
    text = " ".join(strip_accents(clean_text(name)).lower().split())
    text = _PAREN.sub(" ", text).strip()
    return match_key(_PREFIX.sub("", text))


@dataclass
class Agency:
    """An agency that ceased everywhere on a date, and what succeeded it."""

    name_vi: str
    name_en: str
    ceased: date
    successor_vi: str | None
    successor_en: str | None
    url: str
    quote: str
    keys: set[str] = field(default_factory=set)


def read_agencies(path: Path, display: str) -> list[Agency]:
    doc = read_located(path, display) if path.exists() else []
    if not isinstance(doc, list):
        raise DataError("agencies.yaml is a list of agencies", file=display, row=1)
    agencies, errors = [], []
    for entry in doc:
        missing = [k for k in ("name_vi", "name_en", "ceased", "url", "quote") if not entry.get(k)]
        if missing:
            errors.append(DataError("missing", file=display, row=line_of(entry, missing[0]), column=missing[0]))
            continue
        if not isinstance(entry["ceased"], date):
            errors.append(
                DataError(
                    "not a date (YYYY-MM-DD)",
                    file=display,
                    row=line_of(entry, "ceased"),
                    column="ceased",
                    value=entry["ceased"],
                )
            )
            continue
        if not re.match(r"^https?://", str(entry["url"])):
            errors.append(
                DataError(
                    "not an http(s) URL", file=display, row=line_of(entry, "url"), column="url", value=entry["url"]
                )
            )
            continue
        names = [entry["name_vi"], *(entry.get("aliases") or [])]
        agencies.append(
            Agency(
                clean_text(entry["name_vi"]),
                entry["name_en"],
                entry["ceased"],
                entry.get("successor_vi"),
                entry.get("successor_en"),
                entry["url"],
                clean_text(entry["quote"]),
                {match_key(n) for n in names},
            )
        )
    if errors:
        raise DataErrors(errors)
    return agencies


def ceased_agency(name: str, agencies: list[Agency]) -> Agency | None:
    """The agency record for `name` if it is one that ceased (matching ignores case, accents and spacing)."""
    key = match_key(name)
    return next((a for a in agencies if key in a.keys), None)


def _date(text: str | None, where: dict) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DataError("not a date (YYYY-MM-DD)", value=text, **where) from None


class Subunits:
    """The sub-province units of every province, and name resolution within a province and level."""

    def __init__(self, frame: pl.DataFrame, display: str):
        self.frame = frame
        self.display = display
        self._by_key: dict[tuple[str, str, str], list[dict]] = {}
        for row in frame.iter_rows(named=True):
            for key in {unit_key(name) for name in row["_names"]}:
                self._by_key.setdefault((row["province_code"], row["level"], key), []).append(row)

    @classmethod
    def read(cls, path: Path, display: str, registry: Registry, agencies: list[Agency]) -> Subunits:
        df, _ = read_table(path, display)
        require_columns(df, COLUMNS, display)
        rows, errors = [], []
        for r in df.iter_rows(named=True):
            where = partial(location, display, r["__row"])

            try:
                rows.append(_unit_row(r, registry, agencies, where))
            except DataError as exc:
                errors.append(exc)
        if errors:
            raise DataErrors(errors)
        frame = pl.DataFrame(
            rows, schema={**SUBUNIT_SCHEMA, "_names": pl.List(pl.String), "_parent": pl.String, "_successor": pl.String}
        )
        duplicated = frame.filter(pl.col("unit_id").is_duplicated())
        if duplicated.height:
            r = duplicated.row(0, named=True)
            raise DataError(
                "the same unit is listed twice", file=display, row=r["source_row"], column="name_vi", value=r["name_vi"]
            )
        units = cls(frame, display)
        units._link()
        return units

    def _link(self) -> None:
        """Parents and successors are names in the same province: resolve them to unit ids."""
        parents, successors = [], []
        for r in self.frame.iter_rows(named=True):
            where = {"file": self.display, "row": r["source_row"]}
            parent = None
            if r["_parent"]:
                level = "district" if r["level"] == "commune" else "province"
                parent = self.resolve(r["province_code"], level, r["_parent"], column="parent", **where)["unit_id"]
            elif r["level"] == "commune":
                raise DataError("a commune needs its district as parent", column="parent", **where)
            parents.append(parent or f"{r['province_map']}:{r['province_code']}")
            successors.append(
                self.resolve(r["province_code"], r["level"], r["_successor"], column="successor", **where)["unit_id"]
                if r["_successor"]
                else None
            )
        self.frame = self.frame.with_columns(
            pl.Series("parent_id", parents, pl.String), pl.Series("successor_id", successors, pl.String)
        )

    def resolve(
        self,
        province_code: str,
        level: str,
        name: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> dict:
        """The unit `name` means among `province_code`'s units of `level`; a located error otherwise."""
        found = self._by_key.get((province_code, level, unit_key(name)), [])
        if len(found) > 1:
            hint = _PAREN.search(clean_text(name))
            if hint:
                parent_key = unit_key(hint.group(1))
                found = [u for u in found if u["_parent"] and unit_key(u["_parent"]) == parent_key]
        if len(found) == 1:
            return found[0]
        if found:
            raise DataError(
                f"the name matches {len(found)} {level} units of province {province_code}",
                file=file,
                row=row,
                column=column,
                value=name,
                hint="add the parent in parentheses, e.g. 'Xã Bình An (Lâm Bình)'",
            )
        choices = {
            u["unit_id"]: u["name_vi"]
            for u in self.frame.iter_rows(named=True)
            if u["province_code"] == province_code and u["level"] == level
        }
        close = process.extract(name, choices, scorer=fuzz.WRatio, limit=3, processor=unit_key) if choices else []
        raise DataError(
            f"unknown {level} of province {province_code}",
            file=file,
            row=row,
            column=column,
            value=name,
            hint=("closest: " + ", ".join(c[0] for c in close)) if close else "add it to data/raw/subunits/units.csv",
        )

    def table(self) -> pl.DataFrame:
        return self.frame.drop("_names", "_parent", "_successor").sort("province_code", "level", "unit_id")


def _unit_row(r: dict, registry: Registry, agencies: list[Agency], where) -> dict:
    for column in ("province", "level", "unit_type", "name_vi", "name_en", "source_url"):
        if not r[column]:
            raise DataError("missing", **where(column))
    province = registry.resolve(r["province"], "63", **where("province"))
    if r["level"] not in LEVELS:
        raise DataError(f"unknown level; expected one of {list(LEVELS)}", value=r["level"], **where("level"))
    if r["unit_type"] not in UNIT_TYPES or LEVEL_OF_TYPE[r["unit_type"]] != r["level"]:
        raise DataError(f"unit type does not fit level {r['level']!r}", value=r["unit_type"], **where("unit_type"))
    if not re.match(r"^https?://\S+$", r["source_url"]):
        raise DataError("not an http(s) URL", value=r["source_url"], **where("source_url"))
    valid_from, valid_to = _date(r["valid_from"], where("valid_from")), _date(r["valid_to"], where("valid_to"))
    if valid_from and valid_to and valid_to < valid_from:
        raise DataError("the unit ceases before it starts", value=r["valid_to"], **where("valid_to"))
    parent_slug = f"{slug(r['parent'])}." if r["level"] == "commune" and r["parent"] else ""
    unit_id = f"{province.code}.{r['level']}.{parent_slug}{slug(r['name_vi'])}"
    agency = ceased_agency(r["name_vi"], agencies) if r["level"] == "department" else None
    successor_vi = successor_en = note = url = None
    if agency:  # ceased everywhere: the agencies file is the one place that says when and into what
        valid_to = valid_to or date.fromordinal(agency.ceased.toordinal() - 1)
        successor_vi, successor_en, note, url = agency.successor_vi, agency.successor_en, agency.quote, agency.url
    names = [r["name_vi"], r["name_en"], *[a for a in (r["aliases"] or "").split(";") if a.strip()]]
    return {
        "unit_id": unit_id,
        "province_map": "63",
        "province_code": province.code,
        "level": r["level"],
        "unit_type": r["unit_type"],
        "name_vi": r["name_vi"],
        "name_en": r["name_en"],
        "parent_id": None,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "successor_id": None,
        "successor_vi": successor_vi,
        "successor_en": successor_en,
        "ceased_note": note or r["note"],
        "ceased_url": url or (r["source_url"] if valid_to else None),
        "source_row": r["__row"],
        "_names": names,
        "_parent": r["parent"],
        "_successor": r["successor"],
    }

"""Scoring schemes as data: one YAML file per scheme under data/raw/schemes/, checked and flattened to tables.

A scheme is a published set of weighted items with a total, for one unit type and a validity period (DESIGN.md).
Documents often state only counts ("10 main indices, 40 components, 1,000 points") without the list: a file
declares what is known and says what is not (`main_indices_known`, `components_known`, `total: null`), so no
component is ever invented. Every problem is a DataError naming the file, the line and the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from dxtrack.core.errors import DataError, DataErrors
from dxtrack.core.sources import line_of, read_located
from dxtrack.core.subunits import PERIOD_KINDS, UNIT_TYPES
from dxtrack.ingest.units import Registry

SCALE_UNITS = ("points", "index")
_ID = re.compile(r"^[a-z0-9_]+$")
TOLERANCE = 1e-6

SCHEME_SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    "scheme_id": pl.String,
    "name_vi": pl.String,
    "name_en": pl.String,
    "issuer_map": pl.String,
    "issuer_code": pl.String,
    "applies_to": pl.String,
    "total": pl.Float64,
    "scale_unit": pl.String,
    "reporting": pl.List(pl.String),
    "ranked": pl.String,
    "valid_from": pl.Date,
    "valid_to": pl.Date,
    "valid_note": pl.String,
    "document_number": pl.String,
    "document_date": pl.Date,
    "document_url": pl.String,
    "document_quote": pl.String,
    "structure_source": pl.String,
    "structure_quote": pl.String,
    "main_indices_count": pl.Int64,
    "components_count": pl.Int64,
    "main_indices_known": pl.Boolean,
    "components_known": pl.Boolean,
    "synthetic": pl.Boolean,
    "file": pl.String,
}
ITEM_SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    "scheme_id": pl.String,
    "item_id": pl.String,
    "parent_id": pl.String,
    "kind": pl.String,
    "name_vi": pl.String,
    "name_en": pl.String,
    "max_points": pl.Float64,
    "position": pl.Int64,
}


@dataclass
class _Check:
    """Collects located problems in one file so the user sees them all at once."""

    display: str
    errors: list

    def fail(self, message: str, mapping: dict, key: str, value: object = None, hint: str | None = None) -> None:
        self.errors.append(
            DataError(message, file=self.display, row=line_of(mapping, key), column=key, value=value, hint=hint)
        )

    def get(self, mapping: dict, key: str, kind, *, required: bool = True, where: str = ""):
        value = mapping.get(key) if isinstance(mapping, dict) else None
        name = f"{where}{key}"
        if value is None:
            if required:
                self.errors.append(DataError("missing", file=self.display, row=line_of(mapping, key), column=name))
            return None
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if kind is date and isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                pass
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            self.errors.append(
                DataError(
                    f"expected {getattr(kind, '__name__', kind)}",
                    file=self.display,
                    row=line_of(mapping, key),
                    column=name,
                    value=value,
                )
            )
            return None
        return value


def _url(check: _Check, mapping: dict, key: str, where: str, required: bool = True) -> str | None:
    url = check.get(mapping, key, str, required=required, where=where)
    if url is not None and not re.match(r"^https?://\S+$", url):
        check.fail("not an http(s) URL", mapping, key, url)
        return None
    return url


def _points(check: _Check, item: dict, where: str) -> float | None:
    points = check.get(item, "max_points", float, required=False, where=where)
    if points is not None and points <= 0:
        check.fail("maximum points must be positive", item, "max_points", points)
    return points


def read_scheme(path: Path, registry: Registry, display: str | None = None) -> tuple[dict, list[dict]]:
    """One scheme file -> (scheme row, item rows); DataErrors listing every problem found."""
    display = display or str(path)
    doc = read_located(path, display)  # bad YAML and repeated keys: located DataErrors
    check = _Check(display, [])
    if not isinstance(doc, dict):
        raise DataError("a scheme file is a YAML mapping", file=display, row=1)
    scheme_id = check.get(doc, "scheme_id", str)
    if scheme_id is not None and (not _ID.match(scheme_id) or scheme_id != path.stem):
        check.fail(
            "scheme_id must be lower-case letters, digits and _ and equal the file name",
            doc,
            "scheme_id",
            scheme_id,
            hint=f"the file is {path.name}",
        )
    names = {k: check.get(doc, k, str) for k in ("name_vi", "name_en")}
    issuer = check.get(doc, "issuer", str)
    unit = None
    if issuer is not None:
        try:
            unit = registry.resolve(issuer, "63")
        except DataError as exc:
            check.fail(exc.message, doc, "issuer", issuer, hint=exc.hint)
    applies_to = check.get(doc, "applies_to", str)
    if applies_to is not None and applies_to not in UNIT_TYPES:
        check.fail(f"unknown unit type; expected one of {list(UNIT_TYPES)}", doc, "applies_to", applies_to)
    scale = check.get(doc, "scale", dict) or {}
    total = check.get(scale, "total", float, required=False, where="scale.")
    if total is not None and total <= 0:
        check.fail("the total must be positive", scale, "total", total)
    scale_unit = check.get(scale, "unit", str, where="scale.")
    if scale_unit is not None and scale_unit not in SCALE_UNITS:
        check.fail(f"expected one of {list(SCALE_UNITS)}", scale, "unit", scale_unit)
    reporting = check.get(doc, "reporting", list) or []
    for kind in reporting:
        if kind not in PERIOD_KINDS:
            check.fail(f"unknown reporting period; expected {list(PERIOD_KINDS)}", doc, "reporting", kind)
    if not reporting:
        check.fail("at least one reporting period", doc, "reporting")
    ranked = check.get(doc, "ranked", str, required=False)
    if ranked is not None and ranked not in reporting:
        check.fail("the ranking period must be one of the reporting periods", doc, "ranked", ranked)
    valid = check.get(doc, "valid", dict) or {}
    valid_from = check.get(valid, "from", date, where="valid.")
    valid_to = check.get(valid, "to", date, required=False, where="valid.")
    if valid_from and valid_to and valid_to < valid_from:
        check.fail("validity ends before it starts", valid, "to", str(valid_to))
    document = check.get(doc, "document", dict) or {}
    doc_number = check.get(document, "number", str, required=False, where="document.")
    doc_date = check.get(document, "date", date, required=False, where="document.")
    doc_url = _url(check, document, "url", "document.")
    doc_quote = check.get(document, "quote", str, where="document.")
    structure = check.get(doc, "structure", dict) or {}
    counts = {
        k: check.get(structure, k, int, required=False, where="structure.") for k in ("main_indices", "components")
    }
    known = {k: check.get(structure, f"{k}_known", bool, where="structure.") for k in ("main_indices", "components")}
    structure_source = check.get(structure, "source", str, where="structure.")
    structure_quote = check.get(structure, "quote", str, where="structure.")
    synthetic = check.get(doc, "synthetic", bool)
    items = _items(check, doc, scheme_id, total, counts, known)
    if check.errors:
        raise DataErrors(check.errors)
    assert unit is not None  # a missing or unknown issuer is one of check.errors
    row = {
        "scheme_id": scheme_id,
        **names,
        "issuer_map": unit.map,
        "issuer_code": unit.code,
        "applies_to": applies_to,
        "total": total,
        "scale_unit": scale_unit,
        "reporting": list(reporting),
        "ranked": ranked,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "valid_note": valid.get("note"),
        "document_number": doc_number,
        "document_date": doc_date,
        "document_url": doc_url,
        "document_quote": doc_quote,
        "structure_source": structure_source,
        "structure_quote": structure_quote,
        "main_indices_count": counts["main_indices"],
        "components_count": counts["components"],
        "main_indices_known": known["main_indices"],
        "components_known": known["components"],
        "synthetic": synthetic,
        "file": display,
    }
    return row, items


def _items(
    check: _Check, doc: dict, scheme_id: str | None, total: float | None, counts: dict, known: dict
) -> list[dict]:
    """Main indices and their components as rows; their points must add up wherever the document gives them all."""
    mains = check.get(doc, "main_indices", list, required=False) or []
    rows, seen = [], set()
    for i, main in enumerate(mains):
        where = f"main_indices[{i}]."
        if not isinstance(main, dict):
            check.fail(
                "each main index is a mapping (id, name_vi, name_en, max_points, components)", doc, "main_indices", main
            )
            continue
        main_id = check.get(main, "id", str, where=where)
        if main_id in seen:
            check.fail("repeated item id", main, "id", main_id)
        seen.add(main_id)
        points = _points(check, main, where)
        rows.append(
            {
                "scheme_id": scheme_id,
                "item_id": main_id,
                "parent_id": None,
                "kind": "main",
                "name_vi": check.get(main, "name_vi", str, where=where),
                "name_en": check.get(main, "name_en", str, where=where),
                "max_points": points,
                "position": i + 1,
            }
        )
        components = check.get(main, "components", list, required=False, where=where) or []
        if known["components"] and not components:
            check.fail("components_known is true but this main index lists none", main, "id", main_id)
        parts = []
        for j, comp in enumerate(components):
            cwhere = f"{where}components[{j}]."
            if not isinstance(comp, dict):
                check.fail("each component is a mapping (id, name_vi, name_en, max_points)", main, "components", comp)
                continue
            comp_id = check.get(comp, "id", str, where=cwhere)
            if comp_id in seen:
                check.fail("repeated item id", comp, "id", comp_id)
            seen.add(comp_id)
            comp_points = _points(check, comp, cwhere)
            parts.append(comp_points)
            rows.append(
                {
                    "scheme_id": scheme_id,
                    "item_id": comp_id,
                    "parent_id": main_id,
                    "kind": "component",
                    "name_vi": check.get(comp, "name_vi", str, where=cwhere),
                    "name_en": check.get(comp, "name_en", str, where=cwhere),
                    "max_points": comp_points,
                    "position": j + 1,
                }
            )
        if (
            known["components"]
            and points is not None
            and parts
            and None not in parts
            and abs(sum(parts) - points) > TOLERANCE  # type: ignore[arg-type]  # `None not in parts` does not narrow
        ):
            check.fail(
                f"the components' maximum points add up to {sum(parts):g}, not the main index's {points:g}",  # type: ignore[arg-type]
                main,
                "max_points",
                points,
            )
    n_main = sum(r["kind"] == "main" for r in rows)
    n_comp = sum(r["kind"] == "component" for r in rows)
    if known["main_indices"] and counts["main_indices"] is not None and n_main != counts["main_indices"]:
        check.fail(
            f"main_indices_known is true but {n_main} are listed",
            doc.get("structure", {}),
            "main_indices",
            counts["main_indices"],
        )
    if known["components"] and counts["components"] is not None and n_comp != counts["components"]:
        check.fail(
            f"components_known is true but {n_comp} are listed",
            doc.get("structure", {}),
            "components",
            counts["components"],
        )
    if not known["main_indices"] and counts["main_indices"] is not None and n_main > counts["main_indices"]:
        check.fail(
            f"{n_main} main indices listed, more than the {counts['main_indices']} the document states",
            doc.get("structure", {}),
            "main_indices",
            counts["main_indices"],
        )
    main_points = [r["max_points"] for r in rows if r["kind"] == "main"]
    if (
        known["main_indices"]
        and total is not None
        and main_points
        and None not in main_points
        and abs(sum(main_points) - total) > TOLERANCE
    ):
        check.fail(
            f"the main indices' maximum points add up to {sum(main_points):g}, not the total {total:g}",
            doc.get("scale", {}),
            "total",
            total,
        )
    return rows


def read_schemes(folder: Path, registry: Registry, root: Path | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every data/raw/schemes/*.yaml -> (schemes, items), sorted; all files' problems reported together."""
    rows, items, errors = [], [], []
    for path in sorted(folder.glob("*.yaml")):
        display = str(path.relative_to(root)) if root else str(path)
        try:
            row, its = read_scheme(path, registry, display)
        except DataErrors as exc:
            errors.extend(exc.errors)
            continue
        except DataError as exc:
            errors.append(exc)
            continue
        rows.append(row)
        items.extend(its)
    if errors:
        raise DataErrors(errors)
    schemes = pl.DataFrame(rows, schema=SCHEME_SCHEMA).sort("scheme_id")
    return schemes, pl.DataFrame(items, schema=ITEM_SCHEMA).sort(
        "scheme_id", "kind", "parent_id", "position", nulls_last=False
    )

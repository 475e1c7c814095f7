"""Task registers (layout `task_register`) and the status updates a researcher records (layout `task_updates`).

A register row is one task as a document assigns it: the document, who issued it, the task in the document's own
words, the lead and co-operating agencies as the document names them, and the deadline as written (parsed by
dxtrack.ingest.deadlines; a recurring one is expanded over its window into occurrences). An update row says, for
one occurrence, done / in progress / not started on a date, with an evidence URL and quote.
"""

from __future__ import annotations

import re
from datetime import date
from functools import partial
from pathlib import Path
from typing import Literal, overload

import polars as pl

from dxtrack.core.errors import DataError, DataErrors, location
from dxtrack.core.subunits import UPDATE_STATUSES
from dxtrack.ingest.cells import read_table, require_columns
from dxtrack.ingest.deadlines import parse_deadline
from dxtrack.ingest.units import Registry

TASK_COLUMNS = [
    "task_id",
    "province",
    "document",
    "document_date",
    "issuer",
    "task_vi",
    "summary_en",
    "lead_agency",
    "co_agencies",
    "deadline",
    "recur_from",
    "recur_to",
    "source_url",
]
UPDATE_COLUMNS = ["task_id", "occurrence", "date", "status", "evidence_url", "quote"]

TASK_SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    "task_id": pl.String,
    "province": pl.String,
    "document": pl.String,
    "document_date": pl.Date,
    "issuer": pl.String,
    "task_vi": pl.String,
    "summary_en": pl.String,
    "lead_agency": pl.String,
    "co_agencies": pl.List(pl.String),
    "deadline_text": pl.String,
    "deadline_kind": pl.String,
    "due_dates": pl.List(pl.Date),
    "source_url": pl.String,
    "source_text": pl.String,
    "source_row": pl.Int64,
    "synthetic": pl.Boolean,
}
OCCURRENCE_SCHEMA = {"task_id": pl.String, "occurrence": pl.Int64, "due_date": pl.Date}
UPDATE_SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    "task_id": pl.String,
    "occurrence": pl.Int64,
    "date": pl.Date,
    "status": pl.String,
    "evidence_url": pl.String,
    "quote": pl.String,
    "source_row": pl.Int64,
    "synthetic": pl.Boolean,
}


@overload
def _date(text: str | None, where: dict, required: Literal[True] = True) -> date: ...
@overload
def _date(text: str | None, where: dict, required: bool) -> date | None: ...
def _date(text: str | None, where: dict, required: bool = True) -> date | None:
    if not text:
        if required:
            raise DataError("missing", **where)
        return None
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    try:
        return date(int(m[3]), int(m[2]), int(m[1])) if m else date.fromisoformat(text)
    except ValueError:
        raise DataError("not a date (YYYY-MM-DD or dd/mm/yyyy)", value=text, **where) from None


def _url(text: str | None, where: dict) -> str:
    if not text or not re.match(r"^https?://\S+$", text):
        raise DataError("not an http(s) URL", value=text, **where)
    return text


def _provenance(url: str | None, entry: dict, where: dict) -> dict:
    """A row's URL (its own, else the source's). A document with no public address has no `url` in its
    source.yaml, whose `notes` must say so (and where the project's copy is): the report then says "no public
    address known" instead of a link."""
    if url:
        return {"source_url": _url(url, where), "source_text": None}
    if entry.get("notes"):
        return {"source_url": None, "source_text": entry["notes"]}
    raise DataError("no URL for this task, and its source.yaml has neither `url` nor `notes` saying why", **where)


def read_task_register(path: Path, entry: dict, display: str) -> pl.DataFrame:
    """One row per task, its deadline parsed and expanded into `due_dates` (see `place_tasks`)."""
    df, _ = read_table(path, display)
    require_columns(df, TASK_COLUMNS, display)
    tasks, errors = [], []
    for r in df.iter_rows(named=True):
        where = partial(location, display, r["__row"])

        try:
            for column in ("task_id", "province", "document", "issuer", "task_vi", "summary_en", "lead_agency"):
                if not r[column]:
                    raise DataError("missing", **where(column))
            deadline = parse_deadline(r["deadline"], where=where("deadline"))
            start = _date(r["recur_from"], where("recur_from"), required=deadline.kind != "once")
            end = _date(r["recur_to"], where("recur_to"), required=deadline.kind != "once")
            if deadline.kind != "once":
                assert start is not None and end is not None  # required for a recurring deadline
                if end < start:
                    raise DataError("the window ends before it starts", value=r["recur_to"], **where("recur_to"))
                dues = deadline.occurrences(start, end)
            else:
                assert deadline.due is not None  # parse_deadline sets it for kind "once"
                dues = [deadline.due]
            if not dues:
                raise DataError(
                    "no occurrence falls in the window",
                    value=f"{r['recur_from']}..{r['recur_to']}",
                    **where("recur_to"),
                )
            tasks.append(
                {
                    "task_id": r["task_id"],
                    "province": r["province"],
                    "document": r["document"],
                    "document_date": _date(r["document_date"], where("document_date")),
                    "issuer": r["issuer"],
                    "task_vi": r["task_vi"],
                    "summary_en": r["summary_en"],
                    "lead_agency": r["lead_agency"],
                    "co_agencies": [a.strip() for a in (r["co_agencies"] or "").split(";") if a.strip()],
                    "deadline_text": deadline.text,
                    "deadline_kind": deadline.kind,
                    "due_dates": dues,
                    **_provenance(r["source_url"] or entry.get("url"), entry, where("source_url")),
                    "source_row": r["__row"],
                    "synthetic": bool(entry.get("synthetic", False)),
                }
            )
        except DataError as exc:
            errors.append(exc)
    if errors:
        raise DataErrors(errors)
    return pl.DataFrame(tasks, schema=TASK_SCHEMA)


def place_tasks(
    registers: list[tuple[str, str, pl.DataFrame]], registry: Registry
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(tasks, occurrences) of every register (source id, display, frame): provinces resolved on the map of
    the document's date, task ids unique across registers, one occurrence row per due date."""
    tasks: list[dict] = []
    occurrences: list[dict] = []
    errors: list[DataError] = []
    seen: dict[str, str] = {}
    for source_id, display, frame in registers:
        for r in frame.iter_rows(named=True):
            where = {"file": display, "row": r["source_row"]}
            if r["task_id"] in seen:
                errors.append(
                    DataError(
                        f"task id already used ({seen[r['task_id']]})", column="task_id", value=r["task_id"], **where
                    )
                )
                continue
            seen[r["task_id"]] = f"{display} row {r['source_row']}"
            try:
                unit = registry.resolve(r["province"], "63", column="province", **where)
            except DataError as exc:
                errors.append(exc)
                continue
            tasks.append(
                {
                    **{k: v for k, v in r.items() if k not in ("province", "due_dates")},
                    "province_map": unit.map,
                    "province_code": unit.code,
                    "source_id": source_id,
                }
            )
            occurrences.extend(
                {"task_id": r["task_id"], "occurrence": i + 1, "due_date": d} for i, d in enumerate(r["due_dates"])
            )
    if errors:
        raise DataErrors(errors)
    schema = {k: v for k, v in TASK_SCHEMA.items() if k not in ("province", "due_dates")}
    schema |= {"province_map": pl.String, "province_code": pl.String, "source_id": pl.String}
    return (
        pl.DataFrame(tasks, schema=schema).sort("province_code", "task_id"),
        pl.DataFrame(occurrences, schema=OCCURRENCE_SCHEMA).sort("task_id", "occurrence"),
    )


def read_task_updates(path: Path, entry: dict, display: str) -> pl.DataFrame:
    """Status updates as recorded; `occurrence` blank means the task's only occurrence."""
    df, _ = read_table(path, display)
    require_columns(df, UPDATE_COLUMNS, display)
    retrieved = entry.get("retrieved")
    rows, errors = [], []
    for r in df.iter_rows(named=True):
        where = partial(location, display, r["__row"])

        try:
            if not r["task_id"]:
                raise DataError("missing", **where("task_id"))
            when = _date(r["date"], where("date"))
            if isinstance(retrieved, date) and when > retrieved:
                raise DataError(
                    f"an update dated after the file was compiled ({retrieved})", value=r["date"], **where("date")
                )
            if r["status"] not in UPDATE_STATUSES:
                raise DataError(f"expected one of {list(UPDATE_STATUSES)}", value=r["status"], **where("status"))
            if not r["quote"]:
                raise DataError("missing: the evidence's own words", **where("quote"))
            occurrence = int(r["occurrence"]) if r["occurrence"] and r["occurrence"].isdigit() else None
            if r["occurrence"] and occurrence is None:
                raise DataError("an occurrence number (1, 2, …) or blank", value=r["occurrence"], **where("occurrence"))
            rows.append(
                {
                    "task_id": r["task_id"],
                    "occurrence": occurrence or 1,
                    "date": when,
                    "status": r["status"],
                    "evidence_url": _url(r["evidence_url"], where("evidence_url")),
                    "quote": r["quote"],
                    "source_row": r["__row"],
                    "synthetic": bool(entry.get("synthetic", False)),
                }
            )
        except DataError as exc:
            errors.append(exc)
    if errors:
        raise DataErrors(errors)
    return pl.DataFrame(rows, schema=UPDATE_SCHEMA)


def check_updates(updates: pl.DataFrame, occurrences: pl.DataFrame, display_of: dict[str, str]) -> None:
    """Every update names a task occurrence that exists."""
    known = set(occurrences.select("task_id", "occurrence").iter_rows())
    errors = [
        DataError(
            "no such task occurrence in any task register",
            file=display_of.get(r["source_id"]),
            row=r["source_row"],
            column="task_id",
            value=f"{r['task_id']} #{r['occurrence']}",
        )
        for r in updates.iter_rows(named=True)
        if (r["task_id"], r["occurrence"]) not in known
    ]
    if errors:
        raise DataErrors(errors)

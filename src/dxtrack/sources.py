"""One reader per raw source layout: a published table in, tidy candidate observation rows out.

A candidate row is one published figure with everything needed to place it: the unit (map + code), the
indicator, the series it belongs to (estimator or definition, release, authority), the period it covers,
and where it came from (source id, spreadsheet row, URL, quote). Nothing is merged, dropped or filled
here; dxtrack.series decides duplicates, revisions and conflicts across all candidates.

`data/raw/sources.yaml` names each file's layout; `READERS` maps a layout to its reader.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import polars as pl

from dxtrack.config import Project
from dxtrack.errors import DataError
from dxtrack.names import clean_text
from dxtrack.numbers import parse_number
from dxtrack.periods import Period, parse_period
from dxtrack.provinces import Registry, Unit

CANDIDATE_SCHEMA: dict[str, pl.DataType] = {
    "source_id": pl.String, "source_row": pl.Int64, "source_column": pl.String, "name_as_source": pl.String,
    "map": pl.String, "unit_level": pl.String, "province_code": pl.String,
    "indicator": pl.String, "series": pl.String, "release": pl.String, "authority": pl.Int64,
    "year": pl.Int64, "period_label": pl.String, "period_start": pl.Date, "period_end": pl.Date,
    "full_year": pl.Boolean, "period_exact": pl.Boolean, "value": pl.Float64, "numerator": pl.Float64, "denominator": pl.Float64,
    "rank_of": pl.Int64, "source_url": pl.String, "quote": pl.String, "series_note": pl.String,
}

# dti_provincial.csv: measure columns -> indicator ids
DTI_WIDE_COLUMNS = {
    "dti_score": "dti", "rank": "dti_rank",
    "digital_government": "dti_digital_government", "digital_economy": "dti_digital_economy",
    "digital_society": "dti_digital_society",
    "rank_government": "dti_rank_digital_government", "rank_economy": "dti_rank_digital_economy",
    "rank_society": "dti_rank_digital_society",
    "awareness": "dti_awareness", "institutions": "dti_institutions", "infrastructure": "dti_infrastructure",
    "human_resources": "dti_human_resources", "cybersecurity": "dti_cybersecurity",
}


def read_csv_strings(path: Path, display: str) -> pl.DataFrame:
    """Every cell as NFC text (blank -> null), plus `__row`: the spreadsheet row number (header = 1).

    The csv module reads in strict mode so that a broken structure (a stray quote, an unquoted decimal
    comma that adds a field) is reported with its row instead of shifting values into the wrong columns.
    Rows that are entirely blank (trailing rows of a spreadsheet export) are skipped.
    """
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"not UTF-8 text (byte {exc.start})", file=display,
                        hint="save the file as UTF-8 CSV") from None
    if not text.strip():
        raise DataError("the file is empty", file=display)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [clean_text(h) for h in next(reader)]
        records = []
        for number, record in enumerate(reader, start=2):
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                raise DataError(f"{len(record)} fields where the header has {len(header)}", file=display, row=number,
                                hint="a decimal comma or a comma inside text must be quoted, e.g. \"56,83\"")
            records.append((number, record))
    except csv.Error as exc:
        raise DataError(f"broken CSV structure: {exc}", file=display, row=reader.line_num,
                        hint="look for an unbalanced quote") from None
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated or "" in header:
        raise DataError(f"column names must be distinct and non-empty; repeated: {duplicated}", file=display, row=1,
                        column=(duplicated or [""])[0])
    if not records:
        raise DataError("the file has a header but no data rows", file=display)
    columns = {h: [clean_text(r[i]) if r[i].strip() else None for _, r in records] for i, h in enumerate(header)}
    return pl.DataFrame({"__row": [n for n, _ in records], **columns},
                        schema={"__row": pl.Int64, **{h: pl.String for h in header}})


def require_columns(df: pl.DataFrame, required: Iterable[str], display: str) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        found = [c for c in df.columns if c != "__row"]
        raise DataError(f"missing column(s) {missing}; the file has {found}", file=display, row=1, column=missing[0])


@dataclass
class SeriesRule:
    series: str
    release: str | None
    authority: int
    note: str | None
    indicator: str | None = None


class Reader:
    """Shared machinery of the per-layout readers: locating, resolving and validating one file."""

    def __init__(self, project: Project, registry: Registry, source_id: str):
        self.project, self.registry, self.source_id = project, registry, source_id
        self.path = project.source_path(source_id)
        self.display = str(self.path.relative_to(project.root)) if self.path.is_relative_to(project.root) else str(self.path)
        self.rules = project.series.get("sources", {}).get(source_id, {})
        self.rows: list[dict] = []

    def table(self, required: Iterable[str]) -> pl.DataFrame:
        df = read_csv_strings(self.path, self.display)
        require_columns(df, required, self.display)
        return df

    def where(self, row: int, column: str) -> dict:
        return {"file": self.display, "row": row, "column": column}

    def year(self, r: dict, column: str = "year") -> int:
        value = r.get(column)
        if value is None or not str(value).strip().isdigit() or not 1990 <= int(value) <= 2100:
            raise DataError("year must be a four-digit year", value=value, **self.where(r["__row"], column))
        return int(value)

    def series_rule(self, r: dict) -> SeriesRule:
        if "fixed" in self.rules:
            f = self.rules["fixed"]
            return SeriesRule(f["series"], f.get("release"), int(f.get("authority", 1)), f.get("note"), f.get("indicator"))
        column = self.rules.get("column")
        if column is None:
            raise DataError(f"no series rule for source '{self.source_id}'", file="data/raw/series.yaml")
        text = r.get(column) or ""
        rule = self.rules.get("texts", {}).get(text)
        if rule is None:
            raise DataError(f"this {column} is not listed in data/raw/series.yaml", value=text,
                            **self.where(r["__row"], column),
                            hint="add it there with the series it belongs to, so estimators or definitions never mix silently")
        release = rule.get("release")
        return SeriesRule(rule["series"], None if release is None else str(release), int(rule.get("authority", 1)),
                          rule.get("note"), rule.get("indicator"))

    def map_for(self, r: dict, period: Period) -> str:
        """The map a row's unit belongs to: stated by `ranking_group`, else by when the period ends."""
        stated = r.get("ranking_group")
        if stated is not None:
            if stated not in ("63", "34"):
                raise DataError("ranking_group must be 63 or 34", value=stated, **self.where(r["__row"], "ranking_group"))
            if stated == "63" and period.start >= self.project.merger_date:
                raise DataError("the 63-unit map ended on 30 June 2025; this period starts after it",
                                value=period.label, **self.where(r["__row"], "ranking_group"))
            return stated
        return "63" if period.end < self.project.merger_date else "34"

    def unit(self, r: dict, column: str, map_: str) -> Unit:
        return self.registry.resolve(r[column] or "", map_, **self.where(r["__row"], column))

    def add(self, r: dict, *, name_column: str, value_column: str, indicator: str, value: float, period: Period,
            rule: SeriesRule,
            map_: str | None = None, numerator: float | None = None, denominator: float | None = None,
            rank_of: int | None = None, quote: str | None = None) -> None:
        map_ = map_ or self.map_for(r, period)
        unit = self.unit(r, name_column, map_)
        self.rows.append({
            "source_id": self.source_id, "source_row": r["__row"], "source_column": value_column,
            "name_as_source": r[name_column],
            "map": unit.map, "unit_level": unit.level, "province_code": unit.code,
            "indicator": indicator, "series": rule.series, "release": rule.release, "authority": rule.authority,
            "year": period.start.year if period.start.year == period.end.year else self.year(r),
            "period_label": period.label, "period_start": period.start, "period_end": period.end,
            "full_year": period.full_year, "period_exact": period.whole, "value": value, "numerator": numerator, "denominator": denominator,
            "rank_of": rank_of, "source_url": r.get("source_url"), "quote": quote if quote is not None else r.get("quote"),
            "series_note": rule.note,
        })

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(self.rows, schema=CANDIDATE_SCHEMA)

    def number(self, r: dict, column: str, kind: str = "measure") -> float | None:
        return parse_number(r.get(column), kind=kind, where=self.where(r["__row"], column))

    def rank(self, r: dict, column: str, rank_of: int) -> float | None:
        value = self.number(r, column, kind="count")
        if value is not None and not 1 <= value <= rank_of:
            raise DataError(f"a rank must lie between 1 and {rank_of}", value=r[column], **self.where(r["__row"], column))
        return value


def read_dti_wide(reader: Reader) -> pl.DataFrame:
    df = reader.table(["year", "ranking_group", "province_name_as_source", "source_url"])
    measures = [c for c in DTI_WIDE_COLUMNS if c in df.columns]
    if not measures:
        raise DataError(f"no DTI measure column; expected some of {list(DTI_WIDE_COLUMNS)}", file=reader.display, row=1)
    for r in df.iter_rows(named=True):
        year = reader.year(r)
        period = parse_period(None, year)
        rule = reader.series_rule(r)
        rank_of = int(reader.map_for(r, period))
        for column in measures:
            indicator = DTI_WIDE_COLUMNS[column]
            is_rank = indicator.startswith("dti_rank")
            value = reader.rank(r, column, rank_of) if is_rank else reader.number(r, column)
            if value is not None:
                reader.add(r, name_column="province_name_as_source", value_column=column, indicator=indicator,
                           value=value, period=period, rule=rule, rank_of=rank_of if is_rank else None)
    return reader.frame()


def read_dti_long(reader: Reader) -> pl.DataFrame:
    df = reader.table(["year", "ranking_group", "province_name_as_source", "field", "value", "source_url"])
    known = set(reader.project.indicators)
    for r in df.iter_rows(named=True):
        year = reader.year(r)
        period = parse_period(None, year)
        field = (r["field"] or "").split(" ")[0]
        indicator = f"dti_{field}"
        if indicator not in known or not indicator.startswith("dti_"):
            raise DataError("unknown DTI field", value=r["field"], **reader.where(r["__row"], "field"),
                            hint="known fields: " + ", ".join(sorted(k[4:] for k in known if k.startswith("dti_"))))
        rank_of = int(reader.map_for(r, period))
        is_rank = indicator.startswith("dti_rank")
        value = reader.rank(r, "value", rank_of) if is_rank else reader.number(r, "value")
        if value is not None:
            reader.add(r, name_column="province_name_as_source", value_column="value", indicator=indicator,
                       value=value, period=period,
                       rule=reader.series_rule(r), rank_of=rank_of if is_rank else None)
    return reader.frame()


def read_dti_aggregates(reader: Reader) -> pl.DataFrame:
    df = reader.table(["year", "measure", "value", "source_url"]).with_columns(
        pl.lit("Việt Nam").alias("__unit"))
    for r in df.iter_rows(named=True):
        period = parse_period(None, reader.year(r))
        rule = reader.series_rule(r)
        value = reader.number(r, "value")
        if value is not None:
            reader.add(r, name_column="__unit", value_column="value", indicator=rule.indicator or "dti", value=value, period=period,
                       rule=rule, quote=r.get("note"))
    return reader.frame()


def read_digital_economy_share(reader: Reader) -> pl.DataFrame:
    df = reader.table(["year", "province_name_as_source", "value_pct", "source_url", "estimator"])
    for r in df.iter_rows(named=True):
        kind = r.get("kind") or "actual"
        if kind != "actual":
            raise DataError("only published actual values are observations (targets belong in targets.csv)",
                            value=kind, **reader.where(r["__row"], "kind"))
        value = reader.number(r, "value_pct")
        if value is not None:
            reader.add(r, name_column="province_name_as_source", value_column="value_pct",
                       indicator="digital_economy_share_grdp",
                       value=value, period=parse_period(None, reader.year(r)), rule=reader.series_rule(r))
    return reader.frame()


def read_online_filing_rate(reader: Reader) -> pl.DataFrame:
    df = reader.table(["year", "period", "province_name_as_source", "value_pct", "source_url", "definition_scope"])
    overrides = reader.rules.get("periods", {})
    for r in df.iter_rows(named=True):
        year = reader.year(r)
        period = parse_period(r["period"], year, overrides, where=reader.where(r["__row"], "period"))
        total = reader.number(r, "dossiers_total", kind="count")
        online = reader.number(r, "dossiers_online", kind="count")
        if total is not None and online is not None and online > total:
            raise DataError(f"more online dossiers than dossiers in total ({total:.0f})", value=r["dossiers_online"],
                            **reader.where(r["__row"], "dossiers_online"))
        value = reader.number(r, "value_pct")
        if value is not None:
            reader.add(r, name_column="province_name_as_source", value_column="value_pct",
                       indicator="online_filing_rate", value=value,
                       period=period, rule=reader.series_rule(r), numerator=online, denominator=total)
    return reader.frame()


READERS: dict[str, Callable[[Reader], pl.DataFrame]] = {
    "dti_wide": read_dti_wide,
    "dti_long": read_dti_long,
    "dti_aggregates": read_dti_aggregates,
    "digital_economy_share": read_digital_economy_share,
    "online_filing_rate": read_online_filing_rate,
}


def observation_sources(project: Project) -> list[str]:
    """Source ids whose layout is an observation reader, in sources.yaml order."""
    return [sid for sid, s in project.sources.items() if s.get("layout") in READERS]


def read_source(project: Project, registry: Registry, source_id: str) -> pl.DataFrame:
    layout = project.sources[source_id].get("layout")
    if layout not in READERS:
        raise DataError(f"unknown layout {layout!r} for source {source_id}; known: {sorted(READERS)}",
                        file="data/raw/sources.yaml")
    return READERS[layout](Reader(project, registry, source_id))


def read_all(project: Project, registry: Registry) -> pl.DataFrame:
    frames = [read_source(project, registry, sid) for sid in observation_sources(project)]
    return pl.concat(frames, how="vertical") if frames else pl.DataFrame(schema=CANDIDATE_SCHEMA)

"""Placing a row: from a table's cells to candidate observation rows with everything needed to place them.

A candidate row is one published figure: the unit (map + code), the indicator, the series it belongs to
(estimator or definition, release, authority), the period it covers, and where it came from (source id,
spreadsheet row, URL, quote). Nothing is merged, dropped or filled here; dxtrack.ingest.resolve decides
duplicates, revisions and conflicts across all candidates. Each layout (dxtrack.ingest.layouts) reads its
columns and calls `Reader.add` once per figure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from dxtrack.core.errors import DataError
from dxtrack.core.paths import Project
from dxtrack.core.sources import Source
from dxtrack.core.vocabulary import map_for_period_end
from dxtrack.ingest.cells import COPIES, COPIES_AT, TableInfo, read_table, require_columns
from dxtrack.ingest.numbers import parse_number
from dxtrack.ingest.periods import Period
from dxtrack.ingest.units import Registry, Unit

CANDIDATE_SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    "source_id": pl.String,
    "source_row": pl.Int64,
    "source_column": pl.String,
    "name_as_source": pl.String,
    "map": pl.String,
    "unit_level": pl.String,
    "province_code": pl.String,
    "indicator": pl.String,
    "series": pl.String,
    "release": pl.String,
    "authority": pl.Int64,
    "year": pl.Int64,
    "period_label": pl.String,
    "period_start": pl.Date,
    "period_end": pl.Date,
    "full_year": pl.Boolean,
    "period_exact": pl.Boolean,
    "value": pl.Float64,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "rank_of": pl.Int64,
    "source_url": pl.String,
    "quote": pl.String,
    "series_note": pl.String,
    # a proxy: the nearest published figure for an indicator nobody reports (its series says `proxy: true`)
    "proxy": pl.Boolean,
    # a value computed here from published figures (e.g. a rate from published counts), with its formula
    "derived": pl.Boolean,
    "derived_from": pl.String,
    "derivation": pl.String,
    # identical rows of the file read once (dxtrack.ingest.cells.read_table `collapse`): how many, and where
    "copies": pl.Int64,
    "copies_at": pl.String,
}
NO_VALUE = "no value published in the row (blank = not published; nothing is filled in)"

_CHUNK_ROWS = 50_000  # candidates held as Python values before they move into a frame

_HTTP_URL = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)
_YEAR = re.compile(r"^(?:năm\s+)?(\d{4})$", re.IGNORECASE)


@dataclass
class SeriesRule:
    series: str
    release: str | None
    authority: int
    note: str | None
    indicator: str | None = None
    proxy: bool = False


class Reader:
    """Shared machinery of the per-layout readers: locating, resolving and validating one file."""

    def __init__(self, project: Project, registry: Registry, source: Source):
        self.project, self.registry, self.source = project, registry, source
        self.source_id, self.entry = source.id, source.entry
        self.at(source.path)
        self.rules = self.entry.get("series") or {}
        self.periods = self.entry.get("periods") or {}
        # the candidate rows, column by column (one list per CANDIDATE_SCHEMA column: a 50 MB table's 400,000
        # figures cost their values, not 400,000 dicts)
        self.columns: dict[str, list] = {name: [] for name in CANDIDATE_SCHEMA}
        self.chunks: list[pl.DataFrame] = []  # earlier candidates, moved out of Python objects (`_flush`)
        self.kept: set[int] = set()  # rows that yielded a candidate (`account`)
        self.info: TableInfo | None = None
        self.row_numbers: list[int] = []  # every data row of the table, for the account of rows read
        self.reasons: dict[int, str] = {}  # row -> why it yields no value (see `account`)
        self.copies: dict[int, tuple[int, str | None]] = {}  # row -> (identical rows, their numbers)

    def meta(self, key: str) -> dict:
        """Where a key of this source's source.yaml is, for errors about the metadata rather than the table."""
        return self.source.where(key, self.project.root)

    def at(self, path: Path) -> Reader:
        """Read the table from `path` instead of the source folder's file (`dxtrack check` of a copy)."""
        self.path = Path(path)
        root = self.project.root
        self.display = str(self.path.relative_to(root)) if self.path.is_relative_to(root) else str(self.path)
        return self

    def table(self, required: Iterable[str]) -> pl.DataFrame:
        df, self.info = read_table(
            self.path,
            self.display,
            encoding=self.entry.get("encoding"),
            sheet=self.entry.get("sheet"),
            hidden=self.entry.get("hidden"),
            collapse=True,
        )
        repeated = df.filter(pl.col(COPIES) > 1)
        self.copies = {
            row: (n, "; ".join(f"{self.source_id}:{x}" for x in at.split("; ")))
            for row, n, at in repeated.select("__row", COPIES, COPIES_AT).iter_rows()
        }
        df = df.drop(COPIES, COPIES_AT)
        require_columns(df, required, self.display, self.info.header_rows[-1])
        self.row_numbers = df["__row"].to_list()
        return df

    def skip(self, r: dict, reason: str) -> None:
        """Say why a row yields no value; a row that yields none and says nothing is counted under NO_VALUE."""
        self.reasons.setdefault(r["__row"], reason)

    def account(self) -> dict:
        """Rows read = rows kept (at least one value) + rows reported with a reason: nothing silently skipped."""
        kept = self.kept | set(self.columns["source_row"])
        reported: dict[str, list[int]] = {}
        for row in self.row_numbers:
            if row not in kept:
                reported.setdefault(self.reasons.get(row, NO_VALUE), []).append(row)
        return {
            "rows_read": len(self.row_numbers),
            "rows_kept": len(kept & set(self.row_numbers)),
            "rows_reported": {reason: rows for reason, rows in sorted(reported.items())},
        }

    def where(self, row: int, column: str) -> dict:
        return {"file": self.display, "row": row, "column": column}

    def year(self, r: dict, column: str = "year") -> int:
        """A four-digit year; "năm 2023" ("year 2023", as Vietnamese sheets type it) reads as 2023."""
        value = r.get(column)
        m = _YEAR.match(str(value or "").strip())
        if value is None or not m or not 1990 <= int(m[1]) <= 2100:
            partial = (
                " (a part of a year belongs in a period column, e.g. 2024-H1)"
                if m is None and value and str(value).strip()[:4].isdigit()
                else ""
            )
            raise DataError(f"year must be a four-digit year{partial}", value=value, **self.where(r["__row"], column))
        return int(m[1])

    def series_rule(self, r: dict) -> SeriesRule:
        """The series a row's figures belong to, from the `series:` rules of its source.yaml."""
        if "fixed" in self.rules:
            return self._rule(self.rules["fixed"])
        column = self.rules.get("column")
        if column is None:
            raise DataError(
                "no series rule: say which series the figures belong to (`series: {fixed: {series: "
                "<id>, authority: 1}}`, or `column:` + `texts:`)",
                **self.meta("series"),
                hint="docs/adding-data.md §3",
            )
        text = r.get(column) or ""
        rule = (self.rules.get("texts") or {}).get(text)
        if rule is None:
            raise DataError(
                f"this {column} is not listed under `series: texts:` in {self.meta('series')['file']}",
                value=text,
                **self.where(r["__row"], column),
                hint="add it there with the series it belongs to, so estimators or definitions never mix silently",
            )
        return self._rule(rule)

    def _rule(self, rule: dict) -> SeriesRule:
        declared = self.project.series.get("series") or {}
        if not isinstance(rule, dict) or rule.get("series") not in declared:
            raise DataError(
                "series not declared in data/raw/series.yaml (add it there once, with name_vi and name_en)",
                **self.meta("series"),
                value=rule.get("series") if isinstance(rule, dict) else rule,
            )
        release = rule.get("release")
        return SeriesRule(
            rule["series"],
            None if release is None else str(release),
            int(rule.get("authority", 1)),
            rule.get("note"),
            rule.get("indicator"),
            bool(declared[rule["series"]].get("proxy", False)),
        )

    def stated_map(self, r: dict) -> str | None:
        """The map the source states: a row's `ranking_group` column, or `map:` in its source.yaml (both: they
        must agree)."""
        row, whole = r.get("ranking_group"), self.entry.get("map")
        if row is not None and row not in ("63", "34"):
            raise DataError("ranking_group must be 63 or 34", value=row, **self.where(r["__row"], "ranking_group"))
        if row is not None and whole is not None and row != str(whole):
            raise DataError(
                f"the row says map {row}, the source's source.yaml says map {whole}",
                value=row,
                **self.where(r["__row"], "ranking_group"),
            )
        return row if row is not None else (None if whole is None else str(whole))

    def map_for(self, r: dict, period: Period) -> str:
        """The map a row's unit belongs to: as the source states it, else by when the period ends."""
        stated = self.stated_map(r)
        if stated is not None:
            if stated == "63" and period.start >= self.project.merger_date:
                where = self.where(r["__row"], "ranking_group") if r.get("ranking_group") else self.meta("map")
                raise DataError(
                    "the 63-unit map ended on 30 June 2025; this period starts after it", value=period.label, **where
                )
            return stated
        return map_for_period_end(period.end, self.project.merger_date)

    def unit(self, r: dict, column: str, map_: str) -> Unit:
        return self.registry.resolve(self.spelling(r, column), map_, **self.where(r["__row"], column))

    def spelling(self, r: dict, column: str) -> str:
        """The name to resolve: as written, unless the source.yaml's `names:` says it stands for another name."""
        text = r.get(column) or ""
        return str((self.entry.get("names") or {}).get(text, text))

    def straddles(self, period: Period) -> bool:
        return period.start < self.project.merger_date <= period.end

    def unambiguous(self, r: dict, column: str, unit: Unit, period: Period) -> None:
        """A period spanning 1 July 2025 (the year 2025) with no stated map: a name that means one unit on the old
        map and a larger merged unit on the new one ("Vĩnh Long") cannot be placed."""
        if unit.map != "34" or len(unit.members) < 2:
            return
        try:
            old = self.registry.resolve(self.spelling(r, column), "63")
        except DataError:
            return
        raise DataError(
            f"ambiguous: the period {period.label} spans the 1 July 2025 merger and the table does not "
            f"say its map; this name is old {old.name_vi} (63:{old.code}) on the 63-unit map and merged "
            f"{unit.name_vi} (34:{unit.code}, from {len(unit.members)} old units) on the 34-unit map",
            value=r[column],
            **self.where(r["__row"], column),
            hint="state the map: a ranking_group column (63 or 34), or `map:` in the source's source.yaml",
        )

    def not_future(self, r: dict, period: Period) -> None:
        """An observation cannot start after the file was retrieved (`retrieved` in source.yaml)."""
        retrieved = self.entry.get("retrieved")
        if isinstance(retrieved, date) and period.start > retrieved:
            column = "period" if r.get("period") else "year"
            raise DataError(
                f"the period starts after the file was retrieved ({retrieved.isoformat()}): a typo, or a "
                "target rather than an observation?",
                value=r.get(column) or period.label,
                **self.where(r["__row"], column),
            )

    def add(
        self,
        r: dict,
        *,
        name_column: str,
        value_column: str,
        indicator: str,
        value: float,
        period: Period,
        rule: SeriesRule,
        map_: str | None = None,
        numerator: float | None = None,
        denominator: float | None = None,
        rank_of: int | None = None,
        quote: str | None = None,
        derivation: str | None = None,
        derived_from: str | None = None,
        name_as_source: str | None = None,
    ) -> None:
        self.not_future(r, period)
        url = r.get("source_url")
        if url is not None and not all(_HTTP_URL.match(part) for part in str(url).split(" | ")):
            raise DataError(
                "not an http(s) URL: a row's source_url becomes the link of its figures in every report",
                value=url,
                **self.where(r["__row"], "source_url"),
                hint="several URLs are separated by ' | '; each starts with http:// or https://",
            )
        copies = self.copies.get(r["__row"], (1, None))
        stated = map_ is not None or self.stated_map(r) is not None
        map_ = map_ or self.map_for(r, period)
        unit = self.unit(r, name_column, map_)
        if not stated and self.straddles(period):
            self.unambiguous(r, name_column, unit, period)
        row = {
            "source_id": self.source_id,
            "source_row": r["__row"],
            "source_column": value_column,
            "name_as_source": r[name_column] if name_as_source is None else name_as_source,
            "map": unit.map,
            "unit_level": unit.level,
            "province_code": unit.code,
            "indicator": indicator,
            "series": rule.series,
            "release": rule.release,
            "authority": rule.authority,
            "year": period.start.year if period.start.year == period.end.year else self.year(r),
            "period_label": period.label,
            "period_start": period.start,
            "period_end": period.end,
            "full_year": period.full_year,
            "period_exact": period.whole,
            "value": value,
            "numerator": numerator,
            "denominator": denominator,
            "rank_of": rank_of,
            "source_url": r.get("source_url"),
            "quote": quote if quote is not None else r.get("quote"),
            "series_note": rule.note,
            "proxy": rule.proxy,
            "derived": derivation is not None,
            "derived_from": derived_from,
            "derivation": derivation,
            "copies": copies[0],
            "copies_at": copies[1],
        }
        for key, cell in row.items():
            self.columns[key].append(cell)
        if len(self.columns["source_row"]) >= _CHUNK_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self.columns["source_row"]:
            self.kept.update(self.columns["source_row"])
            self.chunks.append(pl.DataFrame(self.columns, schema=CANDIDATE_SCHEMA))
            self.columns = {name: [] for name in CANDIDATE_SCHEMA}

    def frame(self) -> pl.DataFrame:
        """The candidates read so far, handed over (the reader keeps only the account of rows)."""
        self._flush()
        frame = pl.concat([pl.DataFrame(schema=CANDIDATE_SCHEMA), *self.chunks], how="vertical")
        self.chunks = [frame]
        return frame

    def number(self, r: dict, column: str, kind: str = "measure") -> float | None:
        return parse_number(r.get(column), kind=kind, where=self.where(r["__row"], column))

    def rank(self, r: dict, column: str, rank_of: int) -> float | None:
        value = self.number(r, column, kind="count")
        if value is not None and not 1 <= value <= rank_of:
            raise DataError(
                f"a rank must lie between 1 and {rank_of}", value=r[column], **self.where(r["__row"], column)
            )
        return value

"""One reader per raw source layout: a published table in, tidy candidate observation rows out.

A candidate row is one published figure with everything needed to place it: the unit (map + code), the
indicator, the series it belongs to (estimator or definition, release, authority), the period it covers,
and where it came from (source id, spreadsheet row, URL, quote). Nothing is merged, dropped or filled
here; dxtrack.ingest.resolve decides duplicates, revisions and conflicts across all candidates.

`data/raw/sources.yaml` names each file's layout; `READERS` maps a layout to its reader.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable, Iterable

import polars as pl
from rapidfuzz import fuzz, process, utils

from dxtrack.core.paths import Project
from dxtrack.core.errors import DataError
from dxtrack.core.names import clean_text, strip_accents
from dxtrack.ingest.numbers import parse_number
from dxtrack.ingest.periods import Period, parse_period
from dxtrack.ingest.units import Registry, Unit

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


# ---- reading a table: CSV/TSV in any encoding Excel exports, or XLSX -----------------------------------

# Byte-order marks, longest first (a UTF-32 mark starts like a UTF-16 one, and Excel never writes UTF-32).
_BOMS = [(codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with BOM"), (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 LE with BOM"),
         (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 BE with BOM")]
_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
# UTF-8 text that was once decoded as Windows-1252/1258 and saved again ("Äà Náºµng" for "Đà Nẵng").
_MOJIBAKE = re.compile("áº|á»|Æ°|Æ¡|Ä‘|Ä\u0090|Ã[\u00a0-\u00bf]")
_YEAR = re.compile(r"^(?:năm\s+)?(\d{4})$", re.IGNORECASE)
_NUMBER_LIKE = re.compile(r"^[+-]?\d[\d.,\s]*%?$")


@dataclass
class TableInfo:
    """How a file was read, for `dxtrack check` and error messages."""

    format: str  # "csv" or "xlsx"
    encoding: str  # e.g. "UTF-8", "UTF-16 LE with BOM", "Windows-1258"; "xlsx" for a workbook
    delimiter: str | None = None
    header_rows: tuple[int, ...] = (1,)


def decode_bytes(data: bytes, display: str, declared: str | None = None) -> tuple[str, str]:
    """Text and the name of the encoding used: a declared one; else a BOM; else strict UTF-8; else Windows-1258.

    Windows-1258 writes most toned letters as a base letter plus a combining tone mark, so the text is
    NFC-normalised afterwards (every cell goes through names.clean_text).
    """
    if declared:
        try:
            codec = codecs.lookup(declared).name
            return data.decode("utf-8-sig" if codec == "utf-8" else declared), declared
        except LookupError:
            raise DataError("unknown encoding named in sources.yaml", file=display, column="encoding",
                            value=declared) from None
        except UnicodeDecodeError as exc:
            raise DataError(f"not {declared} text (byte {exc.start})", file=display, column="encoding",
                            value=declared, hint="fix or remove `encoding` in its sources.yaml entry") from None
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), label
            except UnicodeDecodeError as exc:
                raise DataError(f"not {label} text (byte {exc.start})", file=display) from None
    try:
        text, label = data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        try:
            text, label = data.decode("cp1258"), "Windows-1258"
        except UnicodeDecodeError as exc:
            raise DataError(f"neither UTF-8 nor Windows-1258 text (byte {exc.start})", file=display,
                            hint="save the file from Excel as 'CSV UTF-8'") from None
    if "\x00" in text:
        raise DataError("the file holds NUL bytes: UTF-16 text without a byte-order mark?", file=display,
                        hint="save from Excel as 'CSV UTF-8' or 'Unicode Text', which write the mark")
    return text, label


def _delimiter(first_line: str) -> str:
    """The delimiter that splits the header line into the most fields (ties: comma, semicolon, tab)."""
    counts = {d: len(next(csv.reader([first_line], delimiter=d), [])) for d in _DELIMITERS}
    return max(_DELIMITERS, key=lambda d: counts[d])  # max keeps the first of equal counts


def _text_rows(text: str, display: str) -> tuple[list[tuple[int, list[str]]], str]:
    lines = [line for line in text.splitlines()[:20] if line.strip(" \t,;")]
    # Judged on the first line that splits at all: a title line above the header may hold no delimiter.
    delimiter = ","
    for line in lines:
        d = _delimiter(line)
        if len(next(csv.reader([line], delimiter=d), [])) > 1:
            delimiter = d
            break
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        return [(number, record) for number, record in enumerate(reader, start=1)], delimiter
    except csv.Error as exc:
        raise DataError(f"broken CSV structure: {exc}", file=display, row=reader.line_num,
                        hint="look for an unbalanced quote") from None


def _cell_text(cell) -> str:
    """An Excel cell as the text a person sees: whole numbers without '.0', percent-formatted cells with '%'."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        if "%" in (cell.number_format or ""):
            value = round(value * 100, 9)
            return (str(int(value)) if float(value).is_integer() else repr(value)) + "%"
        return str(int(value)) if float(value).is_integer() else repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _xlsx_rows(path: Path, display: str, sheet: str | None) -> tuple[list[tuple[int, list[str]]], set[int]]:
    """Rows of one worksheet (the first, or `sheet`), merged header cells filled; and the rows merges touch."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError or its own errors for a damaged workbook
        raise DataError(f"not a readable .xlsx workbook ({type(exc).__name__})", file=display) from None
    if sheet is not None and sheet not in book.sheetnames:
        raise DataError(f"no worksheet named {sheet!r}; the workbook has {book.sheetnames}", file=display,
                        column="sheet", value=sheet)
    ws = book[sheet] if sheet is not None else book.worksheets[0]
    rows = {cell_row[0].row: [_cell_text(c) for c in cell_row] for cell_row in ws.iter_rows() if cell_row}
    merged_rows: set[int] = set()
    for merged in ws.merged_cells.ranges:
        # Fill a merged range from its top-left cell only near the top (headers): data cells stay as typed,
        # and a title merged across one row stays a single cell.
        single = merged.min_row == merged.max_row and sum(bool(c) for c in rows[merged.min_row]) <= 1
        if merged.min_row > 6 or single:
            continue
        merged_rows.update(range(merged.min_row, merged.max_row + 1))
        top_left = rows[merged.min_row][merged.min_col - 1]
        for r in range(merged.min_row, merged.max_row + 1):
            for c in range(merged.min_col, merged.max_col + 1):
                rows[r][c - 1] = top_left
    book.close()
    return sorted(rows.items()), merged_rows


def _is_blank(record: list[str]) -> bool:
    return not any(cell.strip() for cell in record)


def _header(rows: list[tuple[int, list[str]]], merged_rows: set[int]) -> tuple[list[str], tuple[int, ...], int]:
    """The column names, the sheet rows they came from, and the index of the first data row.

    Rows above the header holding at most one cell (a title, a date line) are skipped. A header split over two
    rows (a merged-cell header: "Chỉ số thành phần" over "Chính quyền số | Kinh tế số | …") is recognised when
    the first row has merged or blank cells and the next row holds text but no number; each column is then
    named by its parts from top to bottom, joined with " / " (a part repeated by a merge appears once).
    """
    i = 0
    while i < len(rows) and sum(bool(c.strip()) for c in rows[i][1]) <= 1:
        i += 1
    top_number, top = rows[i]
    top = [clean_text(c) for c in top]
    if i + 1 < len(rows):
        second_number, second = rows[i + 1]
        second = [clean_text(c) for c in second]
        split = (top_number in merged_rows or "" in top[:len(second)]) and any(second) and not any(
            _NUMBER_LIKE.match(c) for c in second if c)
        if split:
            filled, last = [], ""
            for t, s in zip(top + [""] * (len(second) - len(top)), second + [""] * (len(top) - len(second))):
                last = t or (last if s else "")
                parts = [p for p in (last, s) if p]
                filled.append(" / ".join(dict.fromkeys(parts)))
            return filled, (top_number, second_number), i + 2
    return top, (top_number,), i + 1


def read_table(path: Path, display: str, *, encoding: str | None = None,
               sheet: str | None = None) -> tuple[pl.DataFrame, TableInfo]:
    """Every cell as NFC text (blank -> null), plus `__row`: the spreadsheet row number.

    CSV or tab-separated text (delimiter: the one that splits the header into most fields) in UTF-8, UTF-16
    or Windows-1258 (see decode_bytes), or an .xlsx workbook. The csv module reads in strict mode so that a
    broken structure (a stray quote, an unquoted decimal comma that adds a field) is reported with its row
    instead of shifting values into the wrong columns. Blank rows are skipped; blank header cells at the end
    of the header, with nothing below them, are dropped.
    """
    if not path.exists():
        raise DataError("the file does not exist", file=display)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        rows, merged_rows = _xlsx_rows(path, display, sheet)
        info = TableInfo("xlsx", "xlsx")
    else:
        data = path.read_bytes()
        if not data:
            raise DataError("the file is empty (0 bytes)", file=display, row=1, value="")
        text, label = decode_bytes(data, display, encoding)
        rows, delimiter = _text_rows(text, display)
        merged_rows = set()
        info = TableInfo("csv", label, _DELIMITERS[delimiter])
    rows = [(n, r) for n, r in rows if not _is_blank(r)]
    if not rows:
        raise DataError("the file is empty", file=display, row=1, value="")
    header, info.header_rows, first = _header(rows, merged_rows)
    while header and not header[-1]:
        header.pop()
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated or "" in header:
        raise DataError(f"column names must be distinct and non-empty; repeated: {duplicated}", file=display,
                        row=info.header_rows[0], column=(duplicated or [""])[0],
                        value=(duplicated or [""])[0], hint=f"the header reads {header}")
    width = len(header)
    records = []
    for number, record in rows[first:]:
        if len(record) > width and _is_blank(record[width:]):
            record = record[:width]
        if len(record) != width:
            extra = next((c for c in record[width:] if c.strip()), None)
            raise DataError(f"{len(record)} fields where the header has {width}", file=display, row=number,
                            column=None if extra is None else f"(field {len(record)})", value=extra,
                            hint="a decimal comma or a comma inside text must be quoted, e.g. \"56,83\"")
        for column, cell in zip(header, record):
            if _MOJIBAKE.search(cell):
                raise DataError("garbled text: UTF-8 that was read as Windows-1252 and saved again", file=display,
                                row=number, column=column, value=cell,
                                hint="open the original file again choosing UTF-8, or re-export it as 'CSV UTF-8'")
        records.append((number, record))
    if not records:
        raise DataError("the file has a header but no data rows", file=display, row=info.header_rows[-1] + 1,
                        column=header[0], value="")
    columns = {h: [clean_text(r[i]) if r[i].strip() else None for _, r in records] for i, h in enumerate(header)}
    df = pl.DataFrame({"__row": [n for n, _ in records], **columns},
                      schema={"__row": pl.Int64, **{h: pl.String for h in header}})
    return df, info


def read_csv_strings(path: Path, display: str) -> pl.DataFrame:
    """read_table without the reading details (targets and weights use it)."""
    return read_table(path, display)[0]


def require_columns(df: pl.DataFrame, required: Iterable[str], display: str, header_row: int = 1) -> None:
    """Every required column is present; else an error naming the first missing one and the closest column found."""
    missing = [c for c in required if c not in df.columns]
    if missing:
        found = [c for c in df.columns if c != "__row"]
        closest = process.extractOne(missing[0], found, scorer=fuzz.WRatio, processor=utils.default_process) if found else None
        value = closest[0] if closest and closest[1] >= 60 else None
        renamed = f"; renamed to {value!r}?" if value else ""
        raise DataError(f"missing column(s) {missing}{renamed} the file has {found}", file=display, row=header_row,
                        column=missing[0], value=value)


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
        self.entry = project.sources[source_id]
        self.at(project.source_path(source_id))
        self.rules = project.series.get("sources", {}).get(source_id, {})
        self.rows: list[dict] = []
        self.info: TableInfo | None = None

    def at(self, path: Path) -> "Reader":
        """Read the source's table from `path` instead of where sources.yaml puts it (`dxtrack check`)."""
        self.path = Path(path)
        root = self.project.root
        self.display = str(self.path.relative_to(root)) if self.path.is_relative_to(root) else str(self.path)
        return self

    def table(self, required: Iterable[str]) -> pl.DataFrame:
        df, self.info = read_table(self.path, self.display, encoding=self.entry.get("encoding"),
                                   sheet=self.entry.get("sheet"))
        require_columns(df, required, self.display, self.info.header_rows[-1])
        return df

    def where(self, row: int, column: str) -> dict:
        return {"file": self.display, "row": row, "column": column}

    def year(self, r: dict, column: str = "year") -> int:
        """A four-digit year; "năm 2023" ("year 2023", as Vietnamese sheets type it) reads as 2023."""
        value = r.get(column)
        m = _YEAR.match(str(value or "").strip())
        if value is None or not m or not 1990 <= int(m[1]) <= 2100:
            partial = " (a part of a year belongs in a period column, e.g. 2024-H1)" if m is None and value and \
                str(value).strip()[:4].isdigit() else ""
            raise DataError(f"year must be a four-digit year{partial}", value=value, **self.where(r["__row"], column))
        return int(m[1])

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

    def straddles(self, period: Period) -> bool:
        return period.start < self.project.merger_date <= period.end

    def unambiguous(self, r: dict, column: str, unit: Unit, period: Period) -> None:
        """A period spanning 1 July 2025 (the year 2025) with no stated map: a name that means one unit on the old
        map and a larger merged unit on the new one ("Vĩnh Long") cannot be placed."""
        if unit.map != "34" or len(unit.members) < 2:
            return
        try:
            old = self.registry.resolve(r[column] or "", "63")
        except DataError:
            return
        raise DataError(f"ambiguous: the period {period.label} spans the 1 July 2025 merger and the table does not "
                        f"say its map; this name is old {old.name_vi} (63:{old.code}) on the 63-unit map and merged "
                        f"{unit.name_vi} (34:{unit.code}, from {len(unit.members)} old units) on the 34-unit map",
                        value=r[column], **self.where(r["__row"], column),
                        hint="state the map: a ranking_group column (63 or 34), or ranking_group in sources.yaml")

    def not_future(self, r: dict, period: Period) -> None:
        """An observation cannot start after the file was retrieved (sources.yaml `retrieved`)."""
        retrieved = self.entry.get("retrieved")
        if isinstance(retrieved, date) and period.start > retrieved:
            column = "period" if r.get("period") else "year"
            raise DataError(f"the period starts after the file was retrieved ({retrieved.isoformat()}): a typo, or a "
                            "target rather than an observation?", value=r.get(column) or period.label,
                            **self.where(r["__row"], column))

    def add(self, r: dict, *, name_column: str, value_column: str, indicator: str, value: float, period: Period,
            rule: SeriesRule,
            map_: str | None = None, numerator: float | None = None, denominator: float | None = None,
            rank_of: int | None = None, quote: str | None = None) -> None:
        self.not_future(r, period)
        stated = map_ is not None or r.get("ranking_group") is not None
        map_ = map_ or self.map_for(r, period)
        unit = self.unit(r, name_column, map_)
        if not stated and self.straddles(period):
            self.unambiguous(r, name_column, unit, period)
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
    required = ["year", "ranking_group", "province_name_as_source", "source_url"]
    df = reader.table(required)
    measures = [c for c in DTI_WIDE_COLUMNS if c in df.columns]
    unknown = [c for c in df.columns if c not in {"__row", "quote", *required, *DTI_WIDE_COLUMNS}]
    if unknown:  # a renamed measure column would otherwise be skipped silently
        raise DataError(f"unknown column; expected some of {list(DTI_WIDE_COLUMNS)} (or quote)",
                        file=reader.display, row=reader.info.header_rows[-1], column=unknown[0], value=unknown[0])
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


# ---- a ministry-style DTI table: rank, province, sub-indices, total ------------------------------------
# Header texts are compared without case, accents, spaces or punctuation; a two-row header's parts
# ("Chính quyền số / Xếp hạng") are read together: a topic (a pillar or the total) and whether it is a rank.
_M_PROVINCE = {"tinhthanhpho", "tinhthanh", "tinhtp", "tinh", "tentinh", "diaphuong", "province", "provincecity"}
_M_RANK = {"xephang", "hang", "thuhang", "rank", "ranking"}
_M_ROW_NUMBER = {"stt", "tt", "sothutu", "no"}
_M_TOTAL = {"dti", "tong", "tongdiem", "chisodti", "diemdti", "dtiscore", "dtitong", "tongchiso", "total", "overall"}
_M_PILLARS = {
    "chinhquyenso": "digital_government", "digitalgovernment": "digital_government",
    "kinhteso": "digital_economy", "digitaleconomy": "digital_economy",
    "xahoiso": "digital_society", "digitalsociety": "digital_society",
    "nhanthucso": "awareness", "thecheso": "institutions", "hatangso": "infrastructure",
    "nhanlucso": "human_resources", "antoanthongtinmang": "cybersecurity", "antoanthongtin": "cybersecurity",
}
_M_NEUTRAL = {"diem", "diemso", "score", "giatri", "chisothanhphan", "chisochinh", "trucot", "cactrucot",
              "chisonentang", "nentang", "thanhphan", "chiso"}  # words that name neither a topic nor a rank
_M_IGNORED = {"ghichu", "note", "notes", "matinh", "ma", "code", "khuvuc", "vung", "region"}


def _header_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", strip_accents(clean_text(text)).lower())


def ministry_column(name: str) -> str | None:
    """What a ministry table's column holds: "province", "row_number", "ignored", an indicator id, or None."""
    parts = [_header_key(p) for p in name.split(" / ")]
    if len(parts) == 1 and parts[0] in _M_PROVINCE:
        return "province"
    if len(parts) == 1 and parts[0] in _M_ROW_NUMBER:
        return "row_number"
    if len(parts) == 1 and parts[0] in _M_IGNORED:
        return "ignored"
    topics = [p for p in parts if p in _M_PILLARS or p in _M_TOTAL]
    is_rank = any(p in _M_RANK for p in parts)
    if any(p not in _M_PILLARS and p not in _M_TOTAL and p not in _M_RANK and p not in _M_NEUTRAL for p in parts) \
            or len(set(topics)) > 1 or not (topics or is_rank):
        return None
    pillar = _M_PILLARS.get(topics[0]) if topics else None
    if pillar is None:
        return "dti_rank" if is_rank else "dti"
    return f"dti_rank_{pillar}" if is_rank else f"dti_{pillar}"


def _entry_where(project: Project, source_id: str, key: str) -> dict:
    """file/row/column of a key of one sources.yaml entry, for errors about the entry rather than the table."""
    lines = (project.raw / "sources.yaml").read_text(encoding="utf-8").splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(f"{source_id}:")), None)
    row = None
    if start is not None:
        row = start + 1
        for i in range(start + 1, len(lines)):
            if lines[i] and not lines[i][0].isspace():
                break
            if lines[i].strip().startswith(f"{key}:"):
                row = i + 1
                break
    return {"file": "data/raw/sources.yaml", "row": row, "column": f"{source_id}.{key}"}


def _stt_is_rank(reader: Reader, df: pl.DataFrame, stt: str, total: str | None) -> bool:
    """STT (a row number) is read as the rank only when it follows the order of the total score."""
    if total is None:
        return False
    pairs = sorted((reader.number(r, stt, kind="count"), reader.number(r, total)) for r in df.iter_rows(named=True)
                   if r[stt] is not None and r[total] is not None)
    scores = [t for _, t in pairs]
    return len(pairs) > 1 and all(a >= b for a, b in zip(scores, scores[1:]))


def read_ministry_dti(reader: Reader) -> pl.DataFrame:
    """A DTI ranking table as the ministry publishes it; its year, map and URL come from the sources.yaml entry."""
    entry, project = reader.entry, reader.project
    year = entry.get("year")
    if not isinstance(year, int) or not 1990 <= year <= 2100:
        raise DataError("a ministry_dti entry needs `year:` (the DTI's reference year)", value=year,
                        **_entry_where(project, reader.source_id, "year"))
    if not entry.get("url"):
        raise DataError("a ministry_dti entry needs `url:` (where the table was published)", value=entry.get("url"),
                        **_entry_where(project, reader.source_id, "url"))
    period = parse_period(None, year)
    stated = entry.get("ranking_group")
    if stated is not None:
        stated = str(stated)
        if stated not in ("63", "34"):
            raise DataError("ranking_group must be 63 or 34", value=stated,
                            **_entry_where(project, reader.source_id, "ranking_group"))
        if stated == "63" and period.start >= project.merger_date:
            raise DataError(f"the 63-unit map ended on 30 June 2025; the year {year} is after it", value=stated,
                            **_entry_where(project, reader.source_id, "ranking_group"))
    retrieved = entry.get("retrieved")
    if isinstance(retrieved, date) and period.start > retrieved:
        raise DataError(f"the year starts after the table was retrieved ({retrieved.isoformat()})", value=year,
                        **_entry_where(project, reader.source_id, "year"))

    df = reader.table([])
    header_row = reader.info.header_rows[-1]
    roles = {c: ministry_column(c) for c in df.columns if c != "__row"}
    for column, role in roles.items():
        if role is None:
            raise DataError("unrecognised column in a ministry_dti table", file=reader.display, row=header_row,
                            column=column, value=column,
                            hint="expected: Xếp hạng or STT, Tỉnh/thành phố, pillar columns (Chính quyền số, Kinh tế "
                                 "số, Xã hội số, …), DTI or Tổng; rename the column or use another layout")
    provinces = [c for c, role in roles.items() if role == "province"]
    if len(provinces) != 1:
        raise DataError(f"expected one province column, found {provinces}", file=reader.display, row=header_row,
                        column=provinces[1] if provinces else "Tỉnh, thành phố", value=", ".join(roles))
    province = provinces[0]
    measures = {c: role for c, role in roles.items() if role not in ("province", "row_number", "ignored")}
    twice = sorted({i for i in measures.values() if list(measures.values()).count(i) > 1})
    if twice:
        column = next(c for c, i in measures.items() if i == twice[0])
        raise DataError(f"two columns hold {twice[0]}", file=reader.display, row=header_row, column=column, value=column)
    stt = next((c for c, role in roles.items() if role == "row_number"), None)
    total = next((c for c, i in measures.items() if i == "dti"), None)
    if stt and "dti_rank" not in measures.values() and _stt_is_rank(reader, df, stt, total):
        measures[stt] = "dti_rank"
    if not measures:
        raise DataError("no DTI measure column (rank, pillar or total)", file=reader.display, row=header_row,
                        column=province, value=", ".join(roles))

    rows = [{**r, "source_url": entry["url"], "quote": None, "ranking_group": stated}
            for r in df.iter_rows(named=True)]
    map_ = stated or ("63" if period.end < project.merger_date else "34")
    _check_one_map(reader, rows, province, map_, stated is not None, year)
    rank_of = int(map_)
    for r in rows:
        if reader.registry.resolve(r[province] or "", map_, **reader.where(r["__row"], province)).level == "country":
            raise DataError("a national row in a provincial ranking", value=r[province],
                            **reader.where(r["__row"], province),
                            hint="national figures go in observations/dti_aggregates.csv (national_dti or "
                                 "provincial_average_dti)")
        rule = reader.series_rule(r)
        for column, indicator in measures.items():
            is_rank = indicator.startswith("dti_rank")
            value = reader.rank(r, column, rank_of) if is_rank else reader.number(r, column)
            if value is not None:
                reader.add(r, name_column=province, value_column=column, indicator=indicator, value=value,
                           period=period, rule=rule, rank_of=rank_of if is_rank else None)
    return reader.frame()


def _check_one_map(reader: Reader, rows: list[dict], column: str, map_: str, stated: bool, year: int) -> None:
    """A table is on one map: no pre-merger names on the 34-unit map, and not the 34 units under an old year."""
    registry = reader.registry
    if map_ == "34":
        old = []
        for r in rows:
            try:
                registry.resolve(r[column] or "", "34")
            except DataError:
                try:
                    old.append((r, registry.resolve(r[column] or "", "63")))
                except DataError:
                    pass  # an unknown name: reported with its closest matches when the row is read
        if old:
            r, unit = old[0]
            new = registry.unit("34", unit.successor)
            raise DataError(f"{year} is on the 34-unit map (since 1 July 2025), but {len(old)} of {len(rows)} rows name "
                            f"pre-merger provinces ({unit.name_vi} became part of {new.name_vi}, code {new.code}): a "
                            "63-unit table for a year after the merger, or a table mixing the two maps",
                            value=r[column], **reader.where(r["__row"], column),
                            hint="check the year in sources.yaml; a table of the 63 units must cover a year before 2025")
    elif not stated:
        units = {}
        for r in rows:
            try:
                units[registry.resolve(r[column] or "", "34").code] = r
            except DataError:
                return  # a name only the old map knows: a 63-unit table
        if len(rows) == len(registry.units["34"]) and set(units) == set(registry.units["34"]):
            code, r = next((c, r) for c, r in units.items() if len(registry.units["34"][c].members) > 1)
            raise DataError(f"the table lists the 34 post-merger units, but its year {year} puts it on the 63-unit "
                            f"map, where this name means only the old province", value=r[column],
                            **reader.where(r["__row"], column),
                            hint="if the ranking really is of the 34 units, say `ranking_group: 34` in its sources.yaml "
                                 "entry")


READERS: dict[str, Callable[[Reader], pl.DataFrame]] = {
    "dti_wide": read_dti_wide,
    "dti_long": read_dti_long,
    "dti_aggregates": read_dti_aggregates,
    "digital_economy_share": read_digital_economy_share,
    "online_filing_rate": read_online_filing_rate,
    "ministry_dti": read_ministry_dti,
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

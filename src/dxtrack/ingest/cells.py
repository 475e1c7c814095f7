"""Bytes to cells: a published table as NFC text cells with their spreadsheet row numbers.

CSV/TSV in any encoding Excel exports (UTF-8, UTF-16, Windows-1258), or an XLSX workbook; the header row(s)
found under title lines, a two-row merged header joined; a broken structure reported with its row. Nothing here
knows what a column means: placing a row (unit, map, period, series) is dxtrack.ingest.reader's job.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from rapidfuzz import fuzz, process, utils

from dxtrack.core.errors import DataError
from dxtrack.core.names import clean_text

_BOMS = [
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 LE with BOM"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 BE with BOM"),
]
_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
# UTF-8 text that was once decoded as Windows-1252/1258 and saved again ("Äà Náºµng" for "Đà Nẵng").
_MOJIBAKE = re.compile("áº|á»|Æ°|Æ¡|Ä‘|Ä\u0090|Ã[\u00a0-\u00bf]")
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
            raise DataError(
                "unknown encoding named in sources.yaml", file=display, column="encoding", value=declared
            ) from None
        except UnicodeDecodeError as exc:
            raise DataError(
                f"not {declared} text (byte {exc.start})",
                file=display,
                column="encoding",
                value=declared,
                hint="fix or remove `encoding` in its sources.yaml entry",
            ) from None
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
            raise DataError(
                f"neither UTF-8 nor Windows-1258 text (byte {exc.start})",
                file=display,
                hint="save the file from Excel as 'CSV UTF-8'",
            ) from None
    if "\x00" in text:
        raise DataError(
            "the file holds NUL bytes: UTF-16 text without a byte-order mark?",
            file=display,
            hint="save from Excel as 'CSV UTF-8' or 'Unicode Text', which write the mark",
        )
    return text, label


def _delimiter(first_line: str) -> str:
    """The delimiter that splits the header line into the most fields (ties: comma, semicolon, tab)."""
    counts = {d: len(next(csv.reader([first_line], delimiter=d), [])) for d in _DELIMITERS}
    return max(_DELIMITERS, key=lambda d: counts[d])  # max keeps the first of equal counts


def _text_rows(text: str, display: str) -> tuple[Iterable[tuple[int, list[str]]], str]:
    """(row number, cells) of every line, lazily (a 50 MB table is never held as a list of lists), and the
    delimiter, judged on the first line that splits at all (a title line above the header may hold none)."""
    lines = [line for line in text[:65536].splitlines()[:20] if line.strip(" \t,;")]
    delimiter = ","
    for line in lines:
        d = _delimiter(line)
        if len(next(csv.reader([line], delimiter=d), [])) > 1:
            delimiter = d
            break

    def rows():
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        try:
            yield from enumerate(reader, start=1)
        except csv.Error as exc:
            raise DataError(
                f"broken CSV structure: {exc}", file=display, row=reader.line_num, hint="look for an unbalanced quote"
            ) from None

    return rows(), delimiter


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


HIDDEN_RULES = ("read", "skip")  # source.yaml `hidden:`; absent: hidden rows, columns and sheets with data are refused


def _excel_problem(cell, formula) -> str | None:
    """Why a workbook cell cannot be read as what it shows: an error value, a date where figures are, or a
    formula saved without its computed value (a file written by a program that does not calculate)."""
    if cell.value is None:
        if formula is not None:
            return (
                "a formula saved without its computed value (the workbook was written by a program that does "
                "not calculate): open it in Excel or LibreOffice and save it again"
            )
        return None
    if getattr(cell, "data_type", None) == "e" or (isinstance(cell.value, str) and cell.value.strip() in _EXCEL_ERRORS):
        return "an Excel error value, not a figure: fix the formula in the workbook, or leave the cell blank"
    if getattr(cell, "is_date", False) or hasattr(cell.value, "isoformat") or hasattr(cell.value, "total_seconds"):
        return (
            "a date-formatted cell: Excel shows this number as a date, so the figure typed is lost; format "
            "the column as Number (or Text) and check its values"
        )
    return None


_EXCEL_ERRORS = {
    "#N/A",
    "#DIV/0!",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#NULL!",
    "#SPILL!",
    "#CALC!",
    "#GETTING_DATA",
    "#FIELD!",
    "#BLOCKED!",
    "#CONNECT!",
    "#BUSY!",
    "#UNKNOWN!",
}


def _data_sheet(book, display: str, sheet: str | None, hidden: str | None):
    """The worksheet to read: the one `sheet:` names, else the only one holding a table (a row with two or more
    filled cells: a notes or cover sheet is not a table). A hidden sheet with a table is refused unless
    `hidden:` says what to do with it."""
    if sheet is not None:
        if sheet not in book.sheetnames:
            raise DataError(
                f"no worksheet named {sheet!r}; the workbook has {book.sheetnames}",
                file=display,
                column="sheet",
                value=sheet,
            )
        return book[sheet]

    def has_table(ws) -> bool:
        return any(
            sum(v is not None and str(v).strip() != "" for v in row) >= 2 for row in ws.iter_rows(values_only=True)
        )

    tables = [ws for ws in book.worksheets if has_table(ws)]
    hidden_tables = [ws for ws in tables if ws.sheet_state != "visible"]
    if hidden_tables and hidden not in HIDDEN_RULES:
        ws = hidden_tables[0]
        raise DataError(
            f"the workbook has a hidden worksheet holding a table ({ws.sheet_state})",
            file=display,
            column="sheet",
            value=ws.title,
            hint="say which sheet to read (`sheet:` in source.yaml), or `hidden: skip` / `hidden: read`",
        )
    if hidden == "skip":
        tables = [ws for ws in tables if ws.sheet_state == "visible"]
    if len(tables) == 1:
        return tables[0]
    if not tables:
        first = book.worksheets[0]
        raise DataError(
            "no worksheet holds a table: no row has two filled cells",
            file=display,
            column="sheet",
            value=first.title,
            hint=f"the workbook's sheets: {book.sheetnames}",
        )
    raise DataError(
        f"{len(tables)} worksheets hold tables: {[ws.title for ws in tables]}",
        file=display,
        column="sheet",
        value=tables[0].title,
        hint="name the one to read with `sheet:` in source.yaml",
    )


def _hidden_lines(ws) -> tuple[set[int], set[int]]:
    rows = {r for r, dim in ws.row_dimensions.items() if dim.hidden}
    columns: set[int] = set()
    from openpyxl.utils import column_index_from_string

    for letter, dim in ws.column_dimensions.items():
        if dim.hidden:
            lo = dim.min or column_index_from_string(letter)
            hi = dim.max or lo
            columns.update(range(lo, hi + 1))
    return rows, columns


# A workbook is read whole, twice (values and formulas: hidden rows, merged headers and missing cached values are
# only known from the whole sheet), at ~16 MB of memory per MB of sheet XML: above this much XML (a 50 MB export,
# or a small file that inflates like a zip bomb) it is refused before reading, with the way round.
XLSX_XML_LIMIT_MB = 40


def _workbook_size(path: Path, display: str) -> None:
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            inflated = sum(
                i.file_size for i in z.infolist() if i.filename.startswith("xl/") and i.filename.endswith(".xml")
            )
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataError(f"not a readable .xlsx workbook ({type(exc).__name__})", file=display) from None
    if inflated > XLSX_XML_LIMIT_MB * 1_000_000:
        raise DataError(
            f"the workbook is too large to check whole: its sheets are {inflated / 1e6:.0f} MB of XML "
            f"(limit {XLSX_XML_LIMIT_MB} MB; {path.stat().st_size / 1e6:.1f} MB compressed)",
            file=display,
            hint="save the data sheet as 'CSV UTF-8' and describe that file in source.yaml (a CSV streams)",
        )


def _xlsx_rows(
    path: Path, display: str, sheet: str | None, hidden: str | None = None
) -> tuple[list[tuple[int, list[str]]], set[int]]:
    """Rows of one worksheet (see _data_sheet), merged header cells filled; and the rows merges touch.

    Hidden rows and columns that hold anything are refused with their place, unless `hidden:` (source.yaml)
    says `read` (they are data) or `skip` (they are left out). Error values, date-formatted cells and formulas
    without a computed value are refused with their cell."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    _workbook_size(path, display)
    try:
        book = openpyxl.load_workbook(path, data_only=True)
        formulas = openpyxl.load_workbook(path, data_only=False)
    except Exception as exc:  # openpyxl raises zipfile, KeyError or its own errors for a damaged workbook
        raise DataError(f"not a readable .xlsx workbook ({type(exc).__name__})", file=display) from None
    if hidden is not None and hidden not in HIDDEN_RULES:
        raise DataError(f"`hidden` must be one of {list(HIDDEN_RULES)}", file=display, column="hidden", value=hidden)
    ws = _data_sheet(book, display, sheet, hidden)
    where = f"{display} [sheet {ws.title}]" if len(book.sheetnames) > 1 else display
    if ws.sheet_state != "visible" and hidden is None:
        raise DataError(
            f"the worksheet is {ws.sheet_state}",
            file=where,
            column="sheet",
            value=ws.title,
            hint="say `hidden: read` in source.yaml if it really is the table to read",
        )
    fws = formulas[ws.title]
    hidden_rows, hidden_columns = _hidden_lines(ws)
    rows: dict[int, list[str]] = {}
    for cell_row in ws.iter_rows():
        if not cell_row:
            continue
        number = cell_row[0].row
        texts = []
        for cell in cell_row:
            formula = fws.cell(row=cell.row, column=cell.column).value
            formula = formula if isinstance(formula, str) and formula.startswith("=") else None
            is_hidden = number in hidden_rows or cell.column in hidden_columns
            if is_hidden and hidden == "skip":
                continue
            problem = _excel_problem(cell, formula)
            if problem:
                raise DataError(
                    problem,
                    file=where,
                    row=number,
                    column=f"{get_column_letter(cell.column)}",
                    value=formula or (str(cell.value) if cell.value is not None else ""),
                )
            text = _cell_text(cell)
            if is_hidden and text.strip() and hidden is None:
                what = f"row {number}" if number in hidden_rows else f"column {get_column_letter(cell.column)}"
                raise DataError(
                    f"hidden {what} holds data: hidden cells are not what a reader of the table sees",
                    file=where,
                    row=number,
                    column=get_column_letter(cell.column),
                    value=text,
                    hint="unhide and check it, or say in source.yaml `hidden: read` (they are data) "
                    "or `hidden: skip` (leave them out)",
                )
            texts.append(text)
        if number in hidden_rows and hidden == "skip":
            continue
        rows[number] = texts
    merged_rows: set[int] = set()
    for merged in ws.merged_cells.ranges:
        # Fill a merged range from its top-left cell only near the top (headers): data cells stay as typed,
        # and a title merged across one row stays a single cell.
        if merged.min_row not in rows:
            continue
        single = merged.min_row == merged.max_row and sum(bool(c) for c in rows[merged.min_row]) <= 1
        if merged.min_row > 6 or single or hidden == "skip" and hidden_columns:
            continue
        merged_rows.update(range(merged.min_row, merged.max_row + 1))
        top_left = rows[merged.min_row][merged.min_col - 1]
        for r in range(merged.min_row, merged.max_row + 1):
            for c in range(merged.min_col, merged.max_col + 1):
                if r in rows and c - 1 < len(rows[r]):
                    rows[r][c - 1] = top_left
    book.close()
    formulas.close()
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
    if i == len(rows):
        number, first = rows[0]
        raise NotATable(number, next((c for c in first if c.strip()), ""))
    top_number, top = rows[i]
    top = [clean_text(c) for c in top]
    if i + 1 < len(rows):
        second_number, second = rows[i + 1]
        second = [clean_text(c) for c in second]
        split = (
            (top_number in merged_rows or "" in top[: len(second)])
            and any(second)
            and not any(_NUMBER_LIKE.match(c) for c in second if c)
        )
        if split:
            filled, last = [], ""
            for t, s in zip(top + [""] * (len(second) - len(top)), second + [""] * (len(top) - len(second))):
                last = t or (last if s else "")
                parts = [p for p in (last, s) if p]
                filled.append(" / ".join(dict.fromkeys(parts)))
            return filled, (top_number, second_number), i + 2
    return top, (top_number,), i + 1


class NotATable(Exception):
    def __init__(self, row: int, value: str):
        self.row, self.value = row, value


COPIES, COPIES_AT = "__copies", "__copies_at"
COPIES_LISTED = 10  # rows named per set of identical rows (the count covers them all)


def read_table(
    path: Path,
    display: str,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    hidden: str | None = None,
    collapse: bool = False,
) -> tuple[pl.DataFrame, TableInfo]:
    """Every cell as NFC text (blank -> null), plus `__row`: the spreadsheet row number.

    CSV or tab-separated text (delimiter: the one that splits the header into most fields) in UTF-8, UTF-16
    or Windows-1258 (see decode_bytes), or an .xlsx workbook. The csv module reads in strict mode so that a
    broken structure (a stray quote, an unquoted decimal comma that adds a field) is reported with its row
    instead of shifting values into the wrong columns. Blank rows are skipped; blank header cells at the end
    of the header, with nothing below them, are dropped.

    `collapse`: rows identical in every cell are read once — the first one, with `__copies` (how many identical
    rows there are) and `__copies_at` (the other rows' numbers, the first COPIES_LISTED). A table pasted under
    itself, or a 50 MB export, then costs what its distinct rows cost (dxtrack.ingest.resolve counts the copies
    as duplicates and lists them in `also_in`).
    """
    if not path.exists():
        raise DataError("the file does not exist", file=display)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        sheet_rows, merged_rows = _xlsx_rows(path, display, sheet, hidden)
        rows: Iterable[tuple[int, list[str]]] = iter(sheet_rows)
        info = TableInfo("xlsx", "xlsx")
    else:
        data = path.read_bytes()
        if not data:
            raise DataError("the file is empty (0 bytes)", file=display, row=1, value="")
        text, label = decode_bytes(data, display, encoding)
        del data
        rows, delimiter = _text_rows(text, display)
        merged_rows = set()
        info = TableInfo("csv", label, _DELIMITERS[delimiter])
    rows = ((n, r) for n, r in rows if not _is_blank(r))
    head, found = [], None
    for item in rows:  # the header: the first row with two filled cells (and the row after it); the body streams
        head.append(item)
        if found is None and sum(bool(c.strip()) for c in item[1]) >= 2:
            found = len(head)
        if found is not None and len(head) > found:
            break
    if not head:
        raise DataError("the file is empty", file=display, row=1, value="")
    try:
        header, info.header_rows, first = _header(head, merged_rows)
    except NotATable as exc:
        hint = (
            f"the file was decoded as {encoding} because source.yaml says `encoding: {encoding}`: is that right?"
            if encoding
            else "a table needs a header row and data rows of two or more columns; check the "
            "delimiter, the encoding, or (a workbook) the sheet"
        )
        raise DataError(
            f"not a table: no line has two filled cells ({info.encoding}"
            f"{', ' + info.delimiter + '-separated' if info.delimiter else ''})",
            file=display,
            row=exc.row,
            value=exc.value[:80],
            hint=hint,
        ) from None
    while header and not header[-1]:
        header.pop()
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated or "" in header:
        raise DataError(
            f"column names must be distinct and non-empty; repeated: {duplicated}",
            file=display,
            row=info.header_rows[0],
            column=(duplicated or [""])[0],
            value=(duplicated or [""])[0],
            hint=f"the header reads {header}",
        )
    reserved = next((h for h in header if h.startswith("__")), None)
    if reserved is not None:  # "__row" would overwrite the row numbers every message names
        raise DataError(
            "column names starting with '__' are reserved for the reader's own columns (row numbers, copies)",
            file=display,
            row=info.header_rows[-1],
            column=reserved,
            value=reserved,
            hint="rename the column",
        )
    width = len(header)
    # The body streams into column chunks of raw text (Arrow memory, not one Python object per cell); checks and
    # cleaning then run column by column (dxtrack.core.names.clean_text's rules, vectorised in `_clean`).
    cells = [f"__c{i}" for i in range(width)]
    schema = {"__row": pl.Int64, **{c: pl.String for c in cells}}
    numbers: list[int] = []
    columns: list[list[str]] = [[] for _ in cells]
    chunks: list[pl.DataFrame] = []

    def flush() -> None:
        if numbers:
            chunk = pl.DataFrame({"__row": numbers, **dict(zip(cells, columns))}, schema=schema)
            if collapse:  # identical rows of the chunk read once: the first, how many, the first few rows
                chunk = chunk.group_by(cells, maintain_order=True).agg(
                    pl.col("__row").first(), pl.col("__row").head(COPIES_LISTED + 1).alias("__rows"), pl.len()
                )
            chunks.append(chunk)
            numbers.clear()
            for column in columns:
                column.clear()

    for number, record in itertools.chain(head[first:], rows):
        if len(record) > width and _is_blank(record[width:]):
            record = record[:width]
        if len(record) != width:
            flush()
            _no_mojibake(chunks, cells, header, display)  # a garbled row above this one is reported first
            extra = next((c for c in record[width:] if c.strip()), None)
            raise DataError(
                f"{len(record)} fields where the header has {width}",
                file=display,
                row=number,
                column=None if extra is None else f"(field {len(record)})",
                value=extra,
                hint='a decimal comma or a comma inside text must be quoted, e.g. "56,83"',
            )
        numbers.append(number)
        for column, cell in zip(columns, record):
            column.append(cell)
        if len(numbers) >= _CHUNK_ROWS:
            flush()
    flush()
    if not chunks:
        raise DataError(
            "the file has a header but no data rows",
            file=display,
            row=info.header_rows[-1] + 1,
            column=header[0],
            value="",
        )
    _no_mojibake(chunks, cells, header, display)
    body = pl.concat(chunks, how="vertical", rechunk=True)
    chunks.clear()
    out_schema = {"__row": pl.Int64, **{h: pl.String for h in header}}
    if collapse:
        # Identical rows are read once (the first), with how many there are and the other rows' numbers: the
        # chunks' counts added up, their row lists joined in order.
        body = (
            body.group_by(cells, maintain_order=True)
            .agg(
                pl.col("__row").first(),
                pl.col("len").sum().cast(pl.Int64).alias(COPIES),
                pl.col("__rows").explode().slice(1, COPIES_LISTED).alias(COPIES_AT),
            )
            .with_columns(
                pl.when(pl.col(COPIES_AT).list.len() > 0)
                .then(pl.col(COPIES_AT).cast(pl.List(pl.String)).list.join("; "))
                .alias(COPIES_AT)
            )
            .sort("__row")
        )
        out_schema |= {COPIES: pl.Int64, COPIES_AT: pl.String}
    body = body.with_columns(_clean(pl.col(c)) for c in cells).rename(dict(zip(cells, header)))
    return body.select(list(out_schema)).cast(out_schema), info  # type: ignore[arg-type]


_CHUNK_ROWS = 50_000
# dxtrack.core.names.clean_text as column expressions: lookalikes fixed, NFC, whitespace runs (str.split's
# whitespace: Unicode White_Space plus U+001C–U+001F) collapsed to one space and trimmed; blank -> null.
_LOOKALIKE_PAIRS = {"Ð": "Đ", "ð": "đ", "Ɖ": "Đ", "ɖ": "đ", "\u00a0": " ", "–": "-", "—": "-"}
_SPACES = r"[\s\x1c-\x1f]+"


def _clean(column: pl.Expr) -> pl.Expr:
    text = (
        column.str.replace_many(list(_LOOKALIKE_PAIRS), list(_LOOKALIKE_PAIRS.values()))
        .str.normalize("NFC")
        .str.replace_all(_SPACES, " ")
        .str.strip_chars(" ")
    )
    return pl.when(text != "").then(text)


def _no_mojibake(chunks: list[pl.DataFrame], cells: list[str], header: list[str], display: str) -> None:
    """The first row (then the first column in it) holding UTF-8 that was read as Windows-1252 and saved again."""
    hits = [
        frame.filter(pl.col(c).str.contains(_MOJIBAKE.pattern))
        .select("__row", pl.col(c).alias("value"))
        .head(1)
        .with_columns(pl.lit(k).alias("column"))
        for frame in chunks
        for k, c in enumerate(cells)
    ]
    found = pl.concat(hits).sort("__row", "column") if hits else None
    if found is not None and found.height:
        row, value, k = found.row(0)
        raise DataError(
            "garbled text: UTF-8 that was read as Windows-1252 and saved again",
            file=display,
            row=row,
            column=header[k],
            value=value,
            hint="open the original file again choosing UTF-8, or re-export it as 'CSV UTF-8'",
        )


def read_csv_strings(path: Path, display: str) -> pl.DataFrame:
    """read_table without the reading details (targets and weights use it)."""
    return read_table(path, display)[0]


def require_columns(df: pl.DataFrame, required: Iterable[str], display: str, header_row: int = 1) -> None:
    """Every required column is present; else an error naming the first missing one and the closest column found."""
    missing = [c for c in required if c not in df.columns]
    if missing:
        found = [c for c in df.columns if c != "__row"]
        closest = (
            process.extractOne(missing[0], found, scorer=fuzz.WRatio, processor=utils.default_process)
            if found
            else None
        )
        value = closest[0] if closest and closest[1] >= 60 else None
        renamed = f"; renamed to {value!r}?" if value else ""
        raise DataError(
            f"missing column(s) {missing}{renamed} the file has {found}",
            file=display,
            row=header_row,
            column=missing[0],
            value=value,
        )

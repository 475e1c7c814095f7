"""Stage `render`: every report of a year, in every language, plus static figures and the Excel annex.

    reports/<year>/briefing.<lang>.html
    reports/<year>/provinces/<code>-<slug>.<lang>.html      (the 34-unit map; params render.province_map)
    reports/<year>/figures/<chart>.<lang>.png|svg           (the briefing's charts, vl-convert; staged, and
                                                             switched over with the briefing's pages)
    reports/<year>/annex.xlsx                               (status, targets, coverage, backtest; openpyxl)
    reports/<year>/notebooks/…ipynb                         (the executed notebooks, for inspection)

Notebooks run in parallel in warm render workers (dxtrack.notebook.engine); everything here is a leaf output. A report is
re-rendered only when what it draws on changed: each job has a fingerprint (the code, the parameters, and
the data in its scope, dxtrack.report.selections.report_scope; the briefing: all data), kept in
reports/<year>/.render-state.json, so a new table touching three provinces re-renders those three and the
briefing, not all 70 files.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import zipfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import polars as pl
import yaml

from dxtrack.core.atomic import recover, sweep, write_bytes, write_json
from dxtrack.core.params import render_units
from dxtrack.core.paths import Project
from dxtrack.core.stage import lock, state_dir
from dxtrack.core.tables import Tables, load
from dxtrack.notebook.engine import Job, RenderError, RenderPool
from dxtrack.report import labels, releases, selections, site
from dxtrack.report.figure_files import boundary_files, prune_figures
from dxtrack.report.reasons import worded


@dataclass(frozen=True)
class RenderParams:
    year: int
    languages: tuple[str, ...]
    province_map: str
    workers: int
    units: frozenset[str] | None = None  # render.units: the unit reports rendered (None: every unit of the map)

    @classmethod
    def from_params(cls, params: dict) -> RenderParams:
        r = params["render"]
        return cls(
            int(r["year"]), tuple(r["languages"]), str(r["province_map"]), int(r["workers"]), render_units(params)
        )


def report_dir(project: Project, year: int) -> Path:
    return project.root / "reports" / str(year)


def planned_units(tables: Tables, settings: RenderParams) -> pl.DataFrame:
    """The units of the report map whose reports are rendered: every one, or those render.units lists (a code
    that is not a unit of the map is an error naming the key)."""
    units = tables.units.filter(pl.col("map") == settings.province_map).sort("province_code")
    if settings.units is None:
        return units
    unknown = sorted(settings.units - set(units["province_code"].to_list()))
    if unknown:
        raise tables.project.params_error(
            "render.units",
            f"lists codes that are not units of the {settings.province_map}-unit map (render.province_map)",
            ", ".join(unknown),
        )
    return units.filter(pl.col("province_code").is_in(sorted(settings.units)))


def plan(project: Project, tables: Tables, settings: RenderParams) -> list[Job]:
    """The briefing and one report per unit of the chosen map (render.units: all or those listed), in each
    language. The briefings come first: they take longest, and started last they would finish alone."""
    out = report_dir(project, settings.year)
    units = planned_units(tables, settings)
    notebooks = project.root / "notebooks"
    jobs = []
    static = out / "figures" / "static"  # each chart as SVG: what a page shows when scripts do not run
    for lang in settings.languages:
        staging = staging_dir(project, settings.year) / f"briefing.{lang}"
        jobs.append(
            Job(
                notebooks / "briefing.ipynb",
                out / "notebooks" / f"briefing.{lang}.ipynb",
                out / f"briefing.{lang}.html",
                # relative to the project (the notebooks run there): no absolute path in any output
                {
                    "year": settings.year,
                    "lang": lang,
                    "figures_dir": staging.relative_to(project.root).as_posix(),
                    "figures_current": (out / "figures").relative_to(project.root).as_posix(),
                },
                title=site.page_title(tables, "briefing", settings.year, lang),
                static_dir=static,
                # the named figures switch over with the briefing's .ipynb and .html, or not at all
                staged=(staging, out / "figures"),
            )
        )
    for lang in settings.languages:
        for code, slug in units.select("province_code", "slug").iter_rows():
            jobs.append(
                Job(
                    notebooks / "province_report.ipynb",
                    out / "notebooks" / "provinces" / f"{code}-{slug}.{lang}.ipynb",
                    out / "provinces" / f"{code}-{slug}.{lang}.html",
                    {"province": code, "map": settings.province_map, "year": settings.year, "lang": lang},
                    title=site.page_title(tables, "unit", settings.year, lang, settings.province_map, code),
                    static_dir=static,
                )
            )
    return jobs


def site_pages(tables: Tables, settings: RenderParams, out: Path) -> dict[Path, str]:
    """The pages built from Python, not from a notebook (quick, so built every time): reports/<year>/index.<lang>.html
    and schemes/<scheme_id>.<lang>.html, one per scheme and language (a ranked table, no chart)."""
    from dxtrack.report.subunits import SCHEME_DIR, scheme_file

    units = site.rendered_index(tables)
    pages = {
        out / f"index.{lang}.html": site.index_html(tables, settings.year, lang, units) for lang in settings.languages
    }
    for scheme_id in tables.schemes["scheme_id"].to_list():
        for lang in settings.languages:
            pages[out / SCHEME_DIR / scheme_file(scheme_id, lang)] = site.scheme_html(
                tables, scheme_id, settings.year, lang
            )
    return pages


def write_site_pages(pages: Mapping[Path, str], out: Path) -> list[Path]:
    """Write each of `pages` that changed; scheme pages of schemes that no longer exist go."""
    from dxtrack.core.atomic import write_text_if_changed
    from dxtrack.report.subunits import SCHEME_DIR

    for path, html in pages.items():
        write_text_if_changed(html, path)
    folder = out / SCHEME_DIR
    if folder.is_dir():
        for stale in set(folder.glob("*.html")) - set(pages):
            stale.unlink()
    return list(pages)


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def _frame_bytes(frame: pl.DataFrame) -> bytes:
    hashes = frame.hash_rows(seed=0).sort()  # stable for one polars version (pinned); else all re-render once
    return (",".join(frame.columns) + ";").encode() + hashes.to_numpy().tobytes()


def render_code(project: Project, package: Path | None = None) -> list[Path]:
    """The code the render stage runs, as dvc.yaml lists it (its src/ packages and notebooks): one list decides
    both when DVC re-runs the stage and which changes re-render every report. A change to another package
    (the model's, say) reaches a report only through the data it changes."""
    with open(project.root / "dvc.yaml", encoding="utf-8") as fh:
        deps = yaml.safe_load(fh)["stages"]["render"]["deps"]
    package = package or Path(__file__).resolve().parents[1]  # src/dxtrack, wherever the package is installed
    files: list[Path] = []
    for dep in deps:
        if dep.startswith(("src/dxtrack/", "notebooks/")):
            path = package / dep.removeprefix("src/dxtrack/") if dep.startswith("src/") else project.root / dep
            files += (
                sorted(f for f in path.rglob("*") if f.is_file() and "__pycache__" not in f.parts)
                if path.is_dir()
                else [path]
            )
    return files


def code_fingerprint(project: Project, package: Path | None = None) -> str:
    """Everything every report's rendering depends on besides data: render code, labels, boundaries, params.
    Indicator definitions and series names enter each report's own fingerprint, for what it shows only: declaring
    a new series or indicator re-renders the reports that show it (and the briefing), not all of them."""
    files = [*render_code(project, package), *boundary_files(project).values()]
    params = json.dumps({k: project.params[k] for k in ("render", "model", "merger_date")}, sort_keys=True).encode()
    return _digest(*(f.read_bytes() for f in files if f.is_file()), params)


# Decimals a reader sees, by indicator unit (dxtrack.report.labels.fmt_value, charts' tooltips): a report's
# fingerprint hashes its numbers at this precision, so a band that moves in the fifth decimal re-renders nothing.
DISPLAY_DECIMALS = {"percent": 1, "index": 3, "rank": 0, "score": 2}
# Columns holding a value in the indicator's unit (rounded as above; one more decimal for changes per year) and
# columns with a fixed display precision.
_IN_UNIT = ("mean", "lo80", "hi80", "lo95", "hi95", "projected_mean", "projected_lo80", "projected_hi80")
_CHANGES = ("observed_change", "required_change")
_FIXED = {"p_meet": 2, "pace_ratio": 2, "expected_rank": 1}


def display_rounded(frame: pl.DataFrame, indicators: dict) -> pl.DataFrame:
    """A frame's computed numbers rounded to what a report displays (published values are left exact)."""
    if "indicator" not in frame.columns:
        return frame
    units = {i: d.get("unit", "percent") for i, d in indicators.items()}
    unit = pl.col("indicator").replace_strict(units, default="percent", return_dtype=pl.String)

    def rounded(column: str, extra: int) -> pl.Expr:
        expr = pl.col(column)
        for name, decimals in DISPLAY_DECIMALS.items():
            expr = pl.when(unit == name).then(pl.col(column).round(decimals + extra)).otherwise(expr)
        return expr.alias(column)

    if "reason" in frame.columns and "reason_fields" in frame.columns:
        # the reason's numbers reach the reader through its words (reason, reason_vi), already at display precision
        frame = frame.drop("reason_fields")
    return frame.with_columns(
        *[rounded(c, 0) for c in _IN_UNIT if c in frame.columns],
        *[rounded(c, 1) for c in _CHANGES if c in frame.columns],
        *[pl.col(c).round(d) for c, d in _FIXED.items() if c in frame.columns],
    )


def _shown(scope: dict[str, pl.DataFrame], column: str) -> list[str]:
    return sorted(
        {
            v
            for frame in scope.values()
            if column in frame.columns
            for v in frame[column].drop_nulls().unique().to_list()
        }
    )


def job_fingerprint(tables: Tables, job: Job, code: str, scopes: dict | None = None) -> str:
    """What a job's report shows, hashed: the code, its parameters, and the data in its scope at display precision.
    `scopes` keeps each unit's scope digest between calls (a unit's reports in every language share it)."""
    params = json.dumps(job.parameters, sort_keys=True).encode()
    project = tables.project
    if "province" not in job.parameters:  # the briefing draws on everything
        files = sorted(
            [
                *project.processed.glob("*.parquet"),
                *project.interim.glob("*.parquet"),
                *project.metrics.glob("*.json"),
                *(project.root / "releases").rglob("*"),
                *project.sources_dir.glob("*/source.yaml"),
                project.raw / "indicators.yaml",
                project.raw / "series.yaml",
            ]
        )
        return _digest(code.encode(), params, *(f.read_bytes() for f in files if f.is_file()))
    unit = (job.parameters["map"], job.parameters["province"])
    scopes = {} if scopes is None else scopes
    if unit not in scopes:
        scopes[unit] = _scope_digest(tables, *unit)
    return _digest(code.encode(), params, scopes[unit].encode())


def _scope_digest(tables: Tables, map_: str, code: str) -> str:
    project = tables.project
    scope = selections.report_scope(tables, map_, code)
    sources = json.dumps(
        {s: tables.sources[s] for s in selections.sources_of(scope)}, sort_keys=True, default=str
    ).encode()
    indicators, series = project.indicators, project.series.get("series") or {}
    shown = json.dumps(
        {
            "indicators": {i: indicators.get(i) for i in _shown(scope, "indicator") + _shown(scope, "measured_by")},
            "series": {s: series.get(s) for s in _shown(scope, "series")},
        },
        sort_keys=True,
        default=str,
    ).encode()
    return _digest(sources, shown, *(_frame_bytes(display_rounded(scope[k], indicators)) for k in sorted(scope)))


def state_path(project: Project, year: int) -> Path:
    return report_dir(project, year) / ".render-state.json"


def stale_jobs(jobs: list[Job], fingerprints: dict[str, str], state: dict[str, str], root: Path) -> list[Job]:
    """Jobs whose output is missing or whose fingerprint differs from the one it was rendered with."""
    return [
        job
        for job in jobs
        if not job.output_html.exists() or state.get(_key(job, root)) != fingerprints[_key(job, root)]
    ]


def _key(job: Job, root: Path) -> str:
    return str(job.output_html.relative_to(root))


ANNEX_COLUMNS = {
    "status": [
        "map",
        "province_code",
        "name_vi",
        "indicator",
        "comparator_norm",
        "target_value",
        "target_year",
        "document",
        "document_date",
        "in_force",
        "series",
        "status",
        "reason_vi",
        "reason",
        "p_meet",
        "expected_rank",
        "latest_year",
        "latest_value",
        "observed_change",
        "required_change",
        "pace_ratio",
        "note_vi",
        "note",
        "target_id",
    ],
    "targets": [
        "target_id",
        "map",
        "province_code",
        "unit_34_code",
        "indicator",
        "comparator",
        "target_value",
        "target_year",
        "document",
        "document_date",
        "in_force",
        "in_force_note",
        "quotes",
        "source_urls",
    ],
    "observations": [
        "map",
        "province_code",
        "name_vi",
        "indicator",
        "series",
        "year",
        "period_label",
        "full_year",
        "value",
        "numerator",
        "denominator",
        "rank_of",
        "derived",
        "derived_from",
        "source_id",
        "source_url",
        "quote",
        "conflict",
        "also_in",
    ],
    "projections": [
        "indicator",
        "series",
        "map",
        "province_code",
        "name_vi",
        "method",
        "is_default",
        "year",
        "kind",
        "mean",
        "lo80",
        "hi80",
        "lo95",
        "hi95",
        "rank_of",
    ],
}

# Readable column headers in the annex: (Vietnamese / English); a column not listed keeps its id.
ANNEX_HEADERS = {
    "map": "Bản đồ / Map",
    "province_code": "Mã tỉnh / Code",
    "name_vi": "Tên / Name",
    "indicator": "Chỉ tiêu / Indicator",
    "comparator_norm": "So sánh / Comparator",
    "comparator": "So sánh (văn bản) / Comparator as written",
    "target_value": "Giá trị mục tiêu / Target value",
    "target_year": "Năm mục tiêu / Target year",
    "document": "Văn bản / Document",
    "document_date": "Ngày văn bản / Document date",
    "in_force": "Còn hiệu lực / In force",
    "in_force_note": "Vì sao / Why in force",
    "series": "Chuỗi số liệu / Series",
    "status": "Tình trạng (mã) / Status key",
    "status_vi": "Tình trạng / Status",
    "reason_vi": "Lý do / Lý do (vi)",
    "reason": "Why (en)",
    "p_meet": "Xác suất đạt / P(met)",
    "expected_rank": "Hạng trung vị dự báo / Median forecast rank",
    "latest_year": "Năm gần nhất / Latest year",
    "latest_value": "Giá trị gần nhất / Latest value",
    "observed_change": "Thay đổi thực tế mỗi năm / Observed change per year",
    "required_change": "Thay đổi cần đạt mỗi năm / Required change per year",
    "pace_ratio": "Tỷ số tốc độ / Pace ratio",
    "note_vi": "Ghi chú / Note (vi)",
    "note": "Note (en)",
    "target_id": "Mã mục tiêu / Target id",
    "unit_34_code": "Mã tỉnh mới / New-unit code",
    "quotes": "Trích dẫn / Quotes",
    "source_urls": "Nguồn / Source URLs",
    "year": "Năm / Year",
    "period_label": "Kỳ / Period",
    "full_year": "Cả năm / Full year",
    "value": "Giá trị / Value",
    "numerator": "Tử số / Numerator",
    "denominator": "Mẫu số / Denominator",
    "rank_of": "Trên tổng số / Out of",
    "derived": "Tính toán / Derived",
    "derived_from": "Tính từ / Derived from",
    "source_id": "Mã nguồn / Source id",
    "source_url": "Nguồn / Source URL",
    "quote": "Trích dẫn / Quote",
    "conflict": "Xung đột / Conflict",
    "also_in": "Cũng có ở / Also in",
    "method": "Phương pháp / Method",
    "is_default": "Mặc định / Default",
    "kind": "Loại / Kind",
    "mean": "Dự báo / Projected",
    "lo80": "Cận dưới 80% / Lower 80%",
    "hi80": "Cận trên 80% / Upper 80%",
    "lo95": "Cận dưới 95% / Lower 95%",
    "hi95": "Cận trên 95% / Upper 95%",
    "units": "Số tỉnh có số liệu / Units with data",
    "of": "Tổng số tỉnh / Units",
}

# The README sheet: what each sheet holds (both languages).
ANNEX_README = [
    (
        "status",
        "Tình trạng từng mục tiêu (chuỗi chính thức) và lý do",
        "Each target's status (official series) and why",
    ),
    (
        "targets",
        "Sổ mục tiêu: văn bản, ngày, trích dẫn, nguồn",
        "The target registry: documents, dates, quotes, sources",
    ),
    (
        "observations",
        "Mọi số liệu đã công bố hoặc tính toán, kèm nguồn",
        "Every published or derived figure, with its source",
    ),
    (
        "projections",
        "Dự báo của từng chuỗi đến năm cuối, với khoảng 80% và 95%",
        "Projections of every series, with 80% and 95% bands",
    ),
    ("coverage", "Độ phủ số liệu theo chỉ tiêu, bản đồ và năm", "Data coverage by indicator, map and year"),
    ("backtest", "Kiểm định dự báo trên số liệu quá khứ", "Forecast skill in the backtest"),
]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A text cell that a spreadsheet would read as a formula (= + - @ tab CR first) gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def annex_frames(tables: Tables) -> dict[str, pd.DataFrame]:
    """The tables people paste into Word: preferred statuses, the target registry, observations, projections,
    coverage, forecast skill; and a README sheet first."""
    names = tables.units.select("map", "province_code", "name_vi")
    status = (
        worded(tables.status.filter(pl.col("preferred")))
        .join(names, on=["map", "province_code"], how="left")
        .with_columns(
            pl.col("name_vi").fill_null(labels.t("unit.country", "vi")),
            pl.col("status")
            .map_elements(lambda s: labels.status_label(s, "vi"), return_dtype=pl.String)
            .alias("status_vi"),
        )
    )
    columns = ANNEX_COLUMNS["status"][:11] + ["status_vi"] + ANNEX_COLUMNS["status"][11:]
    coverage = selections.coverage_rows(tables, sorted(tables.harmonize["coverage"]))
    named = lambda f: f.join(names, on=["map", "province_code"], how="left").with_columns(  # noqa: E731
        pl.col("name_vi").fill_null(labels.t("unit.country", "vi"))
    )
    obs = named(tables.observations).with_columns(
        pl.col("derived_from").cast(pl.List(pl.String)).list.join(", ")
        if tables.observations.schema.get("derived_from") == pl.List(pl.String)
        else pl.col("derived_from").cast(pl.String)
    )
    obs = obs.select([c for c in ANNEX_COLUMNS["observations"] if c in obs.columns]).sort(
        "map", "province_code", "indicator", "series", "year"
    )
    proj = (
        named(tables.projections)
        .select(ANNEX_COLUMNS["projections"])
        .sort("indicator", "series", "map", "province_code", "method", "year")
    )
    readme = pd.DataFrame([{"Trang / Sheet": s, "Nội dung": vi, "Contents": en} for s, vi, en in ANNEX_README])
    diff = releases.changes(tables.project, int(tables.project.params["render"]["year"]))
    change_columns = [
        "change",
        "map",
        "province_code",
        "name_vi",
        "name_en",
        "indicator",
        "series",
        "period_label",
        "year",
        "old_value",
        "new_value",
        "source_id",
    ]
    changed = (
        diff["figures"].filter(~pl.col("derived")).select(change_columns)
        if diff
        else pl.DataFrame(schema={c: pl.String for c in change_columns})
    )
    return {
        "README": readme,
        "status": status.select(columns).to_pandas(),
        "targets": tables.targets.select(ANNEX_COLUMNS["targets"]).to_pandas(),
        "observations": obs.to_pandas(),
        "projections": proj.to_pandas(),
        "coverage": coverage.to_pandas(),
        "backtest": selections.backtest_table(tables).to_pandas(),
        "changes": changed.to_pandas(),
    }


def write_annex(tables: Tables, path: Path) -> Path:
    """The Excel annex (`annex_bytes`), written atomically."""
    write_bytes(annex_bytes(tables), path)
    return path


def annex_bytes(tables: Tables) -> bytes:
    """The Excel annex: one sheet per table, readable headers, frozen header row, auto-filter; no text cell is
    ever written as a formula; fixed workbook properties and zip timestamps, so the same inputs give the same
    bytes."""
    import io

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)  # rows streamed out as they are added: about half the time of a normal save
    bold = Font(bold=True)
    for sheet, frame in annex_frames(tables).items():
        ws = wb.create_sheet(sheet)
        headers = [ANNEX_HEADERS.get(c, c) for c in frame.columns]
        ws.freeze_panes = "A2"
        if frame.shape[1]:
            ws.auto_filter.ref = f"A1:{get_column_letter(frame.shape[1])}{max(frame.shape[0] + 1, 1)}"
            for i, h in enumerate(headers, start=1):
                ws.column_dimensions[get_column_letter(i)].width = min(max(len(str(h)) + 2, 10), 48)
        header_cells = []
        for h in headers:
            cell = WriteOnlyCell(ws, value=h)
            cell.font = bold
            header_cells.append(cell)
        ws.append(header_cells)
        for row in frame.itertuples(index=False):
            ws.append([_cell(v) for v in row])
    from datetime import datetime

    fixed = datetime(2000, 1, 1)
    wb.properties.creator = "dxtrack"
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.lastModifiedBy = "dxtrack"
    buffer = io.BytesIO()
    wb.save(buffer)
    return _fix_zip_times(buffer.getvalue())


def _cell(value: object) -> object:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, (list, tuple)):
        value = ", ".join(map(str, value))
    return neutralise(value)


def _fix_zip_times(xlsx: bytes) -> bytes:
    """The xlsx zip again with one fixed timestamp per entry (openpyxl stamps the current time); openpyxl also
    writes the save time into docProps/core.xml, which is replaced by the fixed date."""
    import io

    with zipfile.ZipFile(io.BytesIO(xlsx)) as zin:
        entries = [(i, zin.read(i.filename)) for i in zin.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>2000-01-01T00:00:00Z\g<3>", data
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            zout.writestr(fixed, data)
    return out.getvalue()


def _record(path: Path, state: dict, fingerprints: dict, done: set[str], failed: set[str]) -> None:
    state = {k: v for k, v in state.items() if k not in failed} | {k: fingerprints[k] for k in done}
    write_json(dict(sorted(state.items())), path)


def staging_dir(project: Project, year: int) -> Path:
    """Where render jobs stage the files that switch over with their pages (outside reports/: never published)."""
    return state_dir(project) / "staging" / f"render-{year}"


def journal_dir(project: Project, year: int) -> Path:
    return state_dir(project) / "journal" / f"render-{year}"


def incomplete_path(project: Project, year: int) -> Path:
    """Present while a render of the edition runs (or after one was killed): which reports it was redoing."""
    return report_dir(project, year) / ".render-incomplete.json"


def prepare_outputs(project: Project, settings: RenderParams, jobs: list[Job]) -> None:
    """Before any notebook runs: every output folder exists and is writable (else an OSError naming it, so an
    unwritable folder stops the stage in a second, not after every notebook ran); switch-overs a killed render
    left half done are finished; temporary files of killed writers are removed."""
    out = report_dir(project, settings.year)
    folders = sorted({out, out / "figures", *(p.parent for j in jobs for p in (j.output_html, j.output_ipynb))})
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        if not os.access(folder, os.W_OK | os.X_OK):
            raise PermissionError(errno.EACCES, "Permission denied", str(folder))
        sweep(folder)
    for journal in sorted(journal_dir(project, settings.year).glob("*.json")):
        recover(journal)


def remove_unplanned(project: Project, settings: RenderParams, jobs: list[Job], state: dict) -> dict:
    """Province reports that the plan no longer has (the map was switched, a unit left the list) are removed,
    with their fingerprints: the edition's folder holds exactly the reports of the current settings."""
    out = report_dir(project, settings.year)
    planned = {p.resolve() for j in jobs for p in (j.output_html, j.output_ipynb)}
    for folder, pattern in (
        (out / "provinces", "*.html"),
        (out / "notebooks" / "provinces", "*.ipynb"),
        (out / "notebooks", "briefing.*.ipynb"),
        (out, "briefing.*.html"),
    ):
        for path in sorted(folder.glob(pattern)) if folder.is_dir() else []:
            if path.resolve() not in planned:
                path.unlink()
                state.pop(str(path.relative_to(project.root)), None)
    return state


def render_stage(project: Project, *, progress: bool = True) -> list[Path]:
    """Render what changed; return the HTML files rendered (the annex is always rewritten: it is quick).

    One renderer per edition at a time: a second one is refused (core.atomic.Busy naming the first one's pid).
    """
    settings = RenderParams.from_params(project.params)
    with lock(project, f"render-{settings.year}", f"render of edition {settings.year}"):
        return _render_locked(project, settings, progress)


# What the report notebooks import: the render workers import it while this process works out what to render.
NOTEBOOK_MODULES = (
    "altair",
    "polars",
    "dxtrack.core.tables",
    "dxtrack.report.context",
    "dxtrack.report.figures",
    "dxtrack.report.site",
    "dxtrack.report.subunits",
    "dxtrack.report.text",
)


def _render_locked(project: Project, settings: RenderParams, progress: bool) -> list[Path]:
    pool = RenderPool(
        settings.workers,
        cwd=project.root,
        journal_dir=journal_dir(project, settings.year),
        preload=NOTEBOOK_MODULES,
    )
    try:
        return _plan_and_render(project, settings, progress, pool)
    finally:
        pool.close(terminate=True)  # after run() its workers have finished; before it, nothing is lost


def _plan_and_render(project: Project, settings: RenderParams, progress: bool, pool: RenderPool) -> list[Path]:
    tables = load(project.root)
    jobs = plan(project, tables, settings)
    code = code_fingerprint(project)
    scopes: dict = {}
    fingerprints = {_key(job, project.root): job_fingerprint(tables, job, code, scopes) for job in jobs}
    prepare_outputs(project, settings, jobs)
    path = state_path(project, settings.year)
    state = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    state = remove_unplanned(project, settings, jobs, state)
    todo = stale_jobs(jobs, fingerprints, state, project.root)
    # Reports being redone lose their fingerprint first: a killed render leaves them stale in the state (they
    # re-render next time) and leaves this file naming them, so a mixed set never passes for a finished one.
    marker = incomplete_path(project, settings.year)
    if todo:
        write_json(
            {
                "rendering": sorted(_key(j, project.root) for j in todo),
                "why": "a render of this edition started and has not finished; these reports may be from the "
                "previous run (the next render redoes them)",
            },
            marker,
        )
        _record(path, state, fingerprints, set(), {_key(j, project.root) for j in todo})
    # The annex and the site pages are built while the reports render (they need only the tables) and written once
    # the reports have: a failed render leaves them as they were, beside the reports they describe.
    out = report_dir(project, settings.year)
    builder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dxtrack-annex")
    annex = builder.submit(annex_bytes, tables)
    pages = builder.submit(site_pages, tables, settings, out)
    builder.shutdown(wait=False)  # the thread ends with its two tasks
    try:
        pool.run(todo, progress=progress)
    except RenderError as exc:  # keep what did render; a failed job keeps no fingerprint, so it re-runs
        failed = {_key(f.job, project.root) for f in exc.failures}
        _record(path, state, fingerprints, {_key(j, project.root) for j in todo} - failed, failed)
        raise
    finally:
        for lang in settings.languages:  # figures the switched-over briefings no longer show
            prune_figures(report_dir(project, settings.year) / "figures", lang)
    if todo:
        _record(path, state, fingerprints, {_key(j, project.root) for j in todo}, set())
    write_bytes(annex.result(), out / "annex.xlsx")
    write_site_pages(pages.result(), out)
    prune_static(out)
    marker.unlink(missing_ok=True)
    return [job.output_html for job in todo]


_STATIC_REF = re.compile(r"static/([0-9a-f]{16}\.svg)")


def prune_static(out: Path) -> list[Path]:
    """Remove no-script SVGs that no page of the edition links any more. They are named by their content and never
    overwritten, so each changed chart leaves its old file behind: without this the folder only grows, and an
    edition re-rendered over time differs from the same edition built fresh. Returns what was removed."""
    folder = out / "figures" / "static"
    if not folder.is_dir():
        return []
    linked = {name for page in out.rglob("*.html") for name in _STATIC_REF.findall(page.read_text(encoding="utf-8"))}
    gone = sorted(svg for svg in folder.glob("*.svg") if svg.name not in linked)
    for svg in gone:
        svg.unlink()
    return gone

"""Stage `render`: every report of a year, in every language, plus static figures and the Excel annex.

    reports/<year>/briefing.<lang>.html
    reports/<year>/provinces/<code>-<slug>.<lang>.html      (the 34-unit map; params render.province_map)
    reports/<year>/figures/<chart>.<lang>.png|svg           (the briefing's charts, vl-convert)
    reports/<year>/annex.xlsx                               (status, targets, coverage, backtest; openpyxl)
    reports/<year>/notebooks/…ipynb                         (the executed notebooks, for inspection)

Notebooks run in parallel on warm kernels (dxtrack.render); everything here is a leaf output.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import polars as pl

from dxtrack import figures, i18n, report
from dxtrack.atomic import atomic_path
from dxtrack.config import Project
from dxtrack.render import Job, render_all, save_figures
from dxtrack.tables import Tables, load


@dataclass(frozen=True)
class RenderParams:
    year: int
    languages: tuple[str, ...]
    province_map: str
    workers: int

    @classmethod
    def from_params(cls, params: dict) -> "RenderParams":
        r = params["render"]
        return cls(int(r["year"]), tuple(r["languages"]), str(r["province_map"]), int(r["workers"]))


def report_dir(project: Project, year: int) -> Path:
    return project.root / "reports" / str(year)


def plan(project: Project, tables: Tables, settings: RenderParams) -> list[Job]:
    """The briefing and one report per unit of the chosen map, in each language."""
    out = report_dir(project, settings.year)
    notebooks = project.root / "notebooks"
    jobs = []
    for lang in settings.languages:
        jobs.append(Job(notebooks / "briefing.ipynb", out / "notebooks" / f"briefing.{lang}.ipynb",
                        out / f"briefing.{lang}.html", {"year": settings.year, "lang": lang}))
        units = tables.units.filter(pl.col("map") == settings.province_map).sort("province_code")
        for code, slug in units.select("province_code", "slug").iter_rows():
            jobs.append(Job(notebooks / "province_report.ipynb",
                            out / "notebooks" / "provinces" / f"{code}-{slug}.{lang}.ipynb",
                            out / "provinces" / f"{code}-{slug}.{lang}.html",
                            {"province": code, "map": settings.province_map, "year": settings.year, "lang": lang}))
    return jobs


def write_figures(tables: Tables, settings: RenderParams) -> list[Path]:
    folder = report_dir(tables.project, settings.year) / "figures"
    written = []
    for lang in settings.languages:
        for name, chart in figures.briefing_charts(tables, lang).items():
            written += save_figures(chart, folder / f"{name}.{lang}", lang=lang)
    return written


ANNEX_COLUMNS = {
    "status": ["map", "province_code", "name_vi", "indicator", "comparator_norm", "target_value", "target_year",
               "document", "document_date", "in_force", "series", "status", "reason_vi", "reason", "p_meet",
               "expected_rank", "latest_year", "latest_value", "observed_change", "required_change", "pace_ratio",
               "note_vi", "note", "target_id"],
    "targets": ["target_id", "map", "province_code", "unit_34_code", "indicator", "comparator", "target_value",
                "target_year", "document", "document_date", "in_force", "in_force_note", "quotes", "source_urls"],
}


def annex_frames(tables: Tables) -> dict[str, pd.DataFrame]:
    """The tables people paste into Word: preferred statuses, the target registry, coverage, forecast skill."""
    names = tables.units.select("map", "province_code", "name_vi")
    status = (tables.status.filter(pl.col("preferred")).join(names, on=["map", "province_code"], how="left")
              .with_columns(pl.col("name_vi").fill_null(i18n.t("unit.country", "vi")),
                            pl.col("status").map_elements(lambda s: i18n.status_label(s, "vi"),
                                                          return_dtype=pl.String).alias("status_vi")))
    columns = ANNEX_COLUMNS["status"][:11] + ["status_vi"] + ANNEX_COLUMNS["status"][11:]
    coverage = report.coverage_rows(tables, sorted(tables.harmonize["coverage"]))
    return {
        "status": status.select(columns).to_pandas(),
        "targets": tables.targets.select(ANNEX_COLUMNS["targets"]).to_pandas(),
        "coverage": coverage.to_pandas(),
        "backtest": report.backtest_table(tables).to_pandas(),
    }


def write_annex(tables: Tables, path: Path) -> Path:
    with atomic_path(path) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for sheet, frame in annex_frames(tables).items():
                frame.to_excel(writer, sheet_name=sheet, index=False)
                writer.sheets[sheet].freeze_panes = "A2"
    return path


def render_stage(project: Project, *, progress: bool = True) -> list[Path]:
    tables = load(project.root)
    settings = RenderParams.from_params(project.params)
    jobs = plan(project, tables, settings)
    render_all(jobs, workers=settings.workers, progress=progress, cwd=project.root)
    written = [job.output_html for job in jobs]
    written += write_figures(tables, settings)
    written.append(write_annex(tables, report_dir(project, settings.year) / "annex.xlsx"))
    return written

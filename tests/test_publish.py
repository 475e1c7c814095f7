"""Which reports must be re-rendered: a report's fingerprint moves with its own data, not with others'."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import polars as pl
import pytest

from dxtrack.core.tables import load
from dxtrack.report import stage as publish


@pytest.fixture(scope="module")
def setup(built_project):
    tables = load(built_project.root)
    settings = publish.RenderParams.from_params(built_project.params)
    jobs = {job.output_html.name: job for job in publish.plan(built_project, tables, settings)}
    return tables, jobs, publish.code_fingerprint(built_project)


def _with_dti(tables, map_: str, code: str, value: float):
    """The tables with one more DTI figure for a unit (a fixture value)."""
    row = (
        tables.observations.filter(pl.col("indicator") == "dti")
        .head(1)
        .with_columns(
            pl.lit(map_).alias("map"),
            pl.lit(code).alias("province_code"),
            pl.lit(2030, dtype=pl.Int64).alias("year"),
            pl.lit(value).alias("value"),
        )
    )
    return dataclasses.replace(tables, observations=pl.concat([tables.observations, row]))


def test_plan_covers_every_unit_in_both_languages(setup):
    _, jobs, _ = setup
    assert len(jobs) == 2 * (34 + 1) and "86-vinh-long.vi.html" in jobs and "briefing.en.html" in jobs
    assert jobs["01-ha-noi.en.html"].parameters == {"province": "01", "map": "34", "year": 2026, "lang": "en"}


def test_a_units_new_figure_changes_its_report_and_its_members_not_others(setup):
    tables, jobs, code = setup
    before = {name: publish.job_fingerprint(tables, job, code) for name, job in jobs.items() if "briefing" not in name}
    changed = _with_dti(tables, "63", "84", 0.5)  # old Trà Vinh, now part of Vĩnh Long (34:86)
    after = {name: publish.job_fingerprint(changed, job, code) for name, job in jobs.items() if "briefing" not in name}
    moved = {name for name in before if before[name] != after[name]}
    assert moved == {"86-vinh-long.vi.html", "86-vinh-long.en.html"}


def test_code_change_moves_every_fingerprint(setup):
    tables, jobs, code = setup
    job = jobs["01-ha-noi.vi.html"]
    assert publish.job_fingerprint(tables, job, code) != publish.job_fingerprint(tables, job, code + "x")
    assert publish.job_fingerprint(tables, job, code) == publish.job_fingerprint(tables, job, code)


def test_stale_jobs_are_the_missing_and_the_changed(setup, tmp_path):
    _, jobs, _ = setup
    a, b = jobs["01-ha-noi.vi.html"], jobs["04-cao-bang.vi.html"]
    root = a.output_html.parents[2]
    a.output_html.parent.mkdir(parents=True, exist_ok=True)
    for job in (a, b):
        job.output_html.write_text("x", encoding="utf-8")
    keys = {publish._key(j, root): "f" for j in (a, b)}
    state = dict(keys) | {publish._key(b, root): "old"}
    assert publish.stale_jobs([a, b], keys, state, root) == [b]
    a.output_html.unlink()
    assert publish.stale_jobs([a, b], keys, state, root) == [a, b]


def test_only_code_the_render_stage_runs_re_renders_reports(built_project, tmp_path):
    """One rule (dvc.yaml's render deps) decides which code changes re-render every report."""
    package = tmp_path / "dxtrack"
    shutil.copytree(Path(publish.__file__).resolve().parents[1], package, ignore=shutil.ignore_patterns("__pycache__"))
    before = publish.code_fingerprint(built_project, package)
    with open(package / "model" / "pace.py", "a", encoding="utf-8") as fh:
        fh.write("\n# a model change reaches reports only through the data it changes\n")
    with open(package / "ingest" / "cells.py", "a", encoding="utf-8") as fh:
        fh.write("\n# so does an ingest change\n")
    assert publish.code_fingerprint(built_project, package) == before
    with open(package / "report" / "text.py", "a", encoding="utf-8") as fh:
        fh.write("\n# a change to the words re-renders\n")
    assert publish.code_fingerprint(built_project, package) != before


def test_pages_built_from_python_are_written_only_when_they_change(tmp_path):
    """The index and scheme pages are rebuilt every run; a page whose text did not move keeps its file (and its
    timestamp), so "what was re-rendered" lists only what changed."""
    import os

    from dxtrack.core.atomic import write_text_if_changed

    page = tmp_path / "index.vi.html"
    assert write_text_if_changed("<p>Hà Nội</p>", page) is True
    os.utime(page, ns=(1, 1))
    assert write_text_if_changed("<p>Hà Nội</p>", page) is False
    assert page.stat().st_mtime_ns == 1
    assert write_text_if_changed("<p>Hà Nội, 2026</p>", page) is True
    assert page.read_text(encoding="utf-8") == "<p>Hà Nội, 2026</p>" and page.stat().st_mtime_ns != 1


def test_svg_fallbacks_no_page_links_are_removed(tmp_path):
    """Fallback SVGs are named by content, so a changed chart leaves its old file: the edition keeps only the
    files some page links (else a re-rendered edition differs from the same edition built fresh)."""
    from dxtrack.report.stage import prune_static

    static = tmp_path / "figures" / "static"
    static.mkdir(parents=True)
    (tmp_path / "provinces").mkdir()
    kept, old = "0123456789abcdef.svg", "fedcba9876543210.svg"
    for name in (kept, old):
        (static / name).write_text("<svg/>", encoding="utf-8")
    (tmp_path / "provinces" / "86.vi.html").write_text(
        f'<noscript><img src="../figures/static/{kept}"></noscript>', encoding="utf-8"
    )
    assert prune_static(tmp_path) == [static / old]
    assert sorted(p.name for p in static.iterdir()) == [kept]

"""What changed since the last release: figures added, revised and withdrawn; statuses that moved."""

from __future__ import annotations

import shutil
from datetime import date

import polars as pl

from dxtrack.cli.main import main
from dxtrack.core.paths import Project
from dxtrack.report import releases


def _obs(rows):
    return pl.DataFrame(
        [
            {
                "map": "63",
                "province_code": c,
                "indicator": "dti",
                "series": "mic_dti",
                "period_start": date(y, 1, 1),
                "period_end": date(y, 12, 31),
                "period_label": str(y),
                "year": y,
                "value": v,
                "source_id": "fixture",
            }
            for c, y, v in rows
        ]
    )


def test_figure_changes_classifies_each_kind():
    old = _obs([("01", 2022, 0.61), ("02", 2022, 0.40), ("03", 2022, 0.50)])
    new = _obs([("01", 2022, 0.62), ("02", 2022, 0.40), ("04", 2023, 0.55)])
    diff = releases.figure_changes(old, new)
    assert dict(diff.select("province_code", "change").iter_rows()) == {
        "01": "revised",
        "03": "withdrawn",
        "04": "added",
    }
    revised = diff.filter(pl.col("change") == "revised").row(0, named=True)
    assert (revised["old_value"], revised["new_value"]) == (0.61, 0.62)


def test_status_changes_lists_moved_and_new_targets(built_project):
    new = pl.read_parquet(built_project.processed / "status.parquet")
    moved_id = new.filter(pl.col("preferred") & (pl.col("status") == "acceleration needed"))["target_id"][0]
    old = new.with_columns(
        pl.when(pl.col("target_id") == moved_id).then(pl.lit("on track")).otherwise(pl.col("status")).alias("status")
    )
    old = old.filter(pl.col("target_id") != new["target_id"][0])
    diff = releases.status_changes(old, new)
    assert set(diff["target_id"]) == {moved_id, new["target_id"][0]}
    assert diff.filter(pl.col("target_id") == moved_id)["old_status"].to_list() == ["on track"]


def test_release_then_compare_round_trip(built_project, tmp_path, monkeypatch):
    root = tmp_path / "p"
    shutil.copytree(built_project.root, root)
    project = Project(root)
    monkeypatch.setenv("DXTRACK_ROOT", str(root))
    assert releases.compare(project, 2026) is None  # first release: nothing to compare
    assert main(["release", "--edition", "2025"]) == 0
    assert (root / "releases" / "2025" / "status.parquet").exists()
    diff = releases.compare(project, 2026)
    assert diff["since"] == 2025 and diff["figures"].height == 0 and diff["statuses"].height == 0

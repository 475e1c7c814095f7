"""docs/adding-data.md's worked example, run as written; and `dxtrack check` on fixture tables.

The tables here are FIXTURES (invented values), written into temporary copies of the project only.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from conftest import add_source

from dxtrack.cli.main import main
from dxtrack.core.paths import Project
from dxtrack.core.stage import write
from dxtrack.ingest.stage import clean

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "adding-data.md"
EXAMPLE = re.compile(r"<!-- example: (\S+) -->\n```\w*\n(.*?)```", re.S)


def examples() -> list[tuple[str, str]]:
    return EXAMPLE.findall(DOC.read_text(encoding="utf-8"))


def apply_examples(project: Project) -> None:
    """Save the example's files as the doc says: a new folder, nothing else touched."""
    for relative, text in examples():
        path = project.root / relative
        assert not path.exists(), f"the example would overwrite {relative}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def check(project: Project, monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("DXTRACK_ROOT", str(project.root))
    code = main(["check", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def listing(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_example_is_one_new_folder():
    paths = [path for path, _ in examples()]
    assert paths == ["data/raw/sources/dti_2025/dti_2025.csv", "data/raw/sources/dti_2025/source.yaml"]
    assert "FIXTURE" in DOC.read_text(encoding="utf-8")


def test_worked_example_checks_and_cleans(tmp_project: Project, monkeypatch, capsys):
    apply_examples(tmp_project)
    before = listing(tmp_project.root)
    code, out, err = check(tmp_project, monkeypatch, capsys, "data/raw/sources/dti_2025")
    assert code == 0, err
    assert listing(tmp_project.root) == before  # check writes nothing
    counts = dict(re.findall(r"^  (add|supersede|conflict|replace|drop|older release|unchanged)\s+(\d+)$", out, re.M))
    assert counts["add"] == "15" and counts["supersede"] == counts["conflict"] == counts["drop"] == "0"
    assert "34:86 Vĩnh Long" in out and "0.54" in out
    assert "csv, UTF-8, comma-separated" in out

    project = Project(tmp_project.root)
    output = clean(project)
    obs = output.tables["data/interim/observations.parquet"].filter(pl.col("source_id") == "dti_2025")
    assert obs.height == 15 and set(obs["map"]) == {"34"}
    vinh_long = obs.filter((pl.col("province_code") == "86") & (pl.col("indicator") == "dti"))
    assert vinh_long["value"].to_list() == [0.54] and vinh_long["year"].to_list() == [2025]
    assert obs.filter(pl.col("indicator") == "dti_rank")["rank_of"].unique().to_list() == [34]

    # once built, checking the same file again changes nothing
    write(project, output)
    code, out, _ = check(tmp_project, monkeypatch, capsys, "data/raw/sources/dti_2025/dti_2025.csv")
    assert code == 0 and re.search(r"^  add\s+15$", out, re.M)  # this file's effect, whatever is built already


def test_worked_example_without_ranking_group_is_ambiguous(tmp_project: Project, monkeypatch, capsys):
    apply_examples(tmp_project)
    meta = tmp_project.raw / "sources" / "dti_2025" / "source.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("map: 34\n", ""), encoding="utf-8")
    code, _, err = check(tmp_project, monkeypatch, capsys, "data/raw/sources/dti_2025")
    assert code == 2
    assert "dti_2025.csv" in err and "row 3" in err and "TP. Đà Nẵng" in err and "ambiguous" in err


def test_check_reports_conflicts_and_unchanged_against_the_data(
    tmp_project: Project, monkeypatch, capsys, tmp_path_factory
):
    # FIXTURE: a ministry table for 2022 outside data/raw; Đà Nẵng's total agrees with dti_provincial.csv
    # (0.8002), Hồ Chí Minh's does not (0.7000 vs 0.7163).
    downloads = tmp_path_factory.mktemp("downloads")
    add_source(
        Project(downloads),
        "dti_2022_fixture",
        "dti_2022_fixture.csv",
        'Xếp hạng,"Tỉnh, thành phố",DTI\n1,TP. Đà Nẵng,0.8002\n2,TP. Hồ Chí Minh,0.7000\n',
        layout="ministry_dti",
        year=2022,
        url="https://example.invalid/fixture",
        retrieved=date(2026, 11, 30),
        series={"fixed": {"series": "mic_dti", "authority": 1}},
    )
    outside = downloads / "data" / "raw" / "sources" / "dti_2022_fixture"
    code, out, err = check(tmp_project, monkeypatch, capsys, str(outside))
    assert code == 0, err
    counts = dict(re.findall(r"^  (add|supersede|conflict|replace|drop|older release|unchanged)\s+(\d+)$", out, re.M))
    assert counts["conflict"] == "1" and counts["add"] == "0" and counts["drop"] == "0"
    # equal authority: the figure retrieved first (dti_provincial) is kept, the conflict reported
    assert re.search(r"63:79 .*dti .*2022: 0.7163 → 0.7163", out)
    assert not (tmp_project.interim / "observations.parquet").exists()


def test_check_names_an_undescribed_file(tmp_project: Project, monkeypatch, capsys, tmp_path):
    stray = tmp_path / "new.csv"
    stray.write_text("a,b\n1,2\n", encoding="utf-8")
    code, _, err = check(tmp_project, monkeypatch, capsys, str(stray))
    assert code == 2 and "no source.yaml here" in err


@pytest.mark.parametrize("bad", ["156.83"])
def test_check_locates_a_schema_failure_in_the_file_checked(tmp_project: Project, monkeypatch, capsys, tmp_path, bad):
    source = tmp_project.catalogue["digital_economy_share"]
    revised = source.path.read_text(encoding="utf-8").replace("2022,Bắc Ninh,56.83", f"2022,Bắc Ninh,{bad}")
    entry = {k: v for k, v in source.entry.items() if k not in ("file", "sha256")}
    add_source(Project(tmp_path), "share_revised", "share_revised.csv", revised, **entry)
    code, _, err = check(tmp_project, monkeypatch, capsys, str(tmp_path / "data/raw/sources/share_revised"))
    assert code == 2
    assert "share_revised.csv," in err and "row 16" in err and "'value_pct'" in err and bad in err


def test_readme_worked_example_is_the_tested_one():
    """The README repeats the worked example; it must stay the one the tests above run."""
    readme = (DOC.parents[1] / "README.md").read_text(encoding="utf-8")
    assert EXAMPLE.findall(readme) == examples() and len(examples()) == 2

"""docs/adding-data.md's worked example, run as written; and `dxtrack check` on fixture tables.

The tables here are FIXTURES (invented values), written into temporary copies of the project only.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

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
    for relative, text in examples():
        path = project.root / relative
        if path.exists():  # sources.yaml, series.yaml: the example is appended at the end
            with open(path, "a", encoding="utf-8") as fh:
                fh.write("\n" + text)
        else:
            path.write_text(text, encoding="utf-8")


def check(project: Project, monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("DXTRACK_ROOT", str(project.root))
    code = main(["check", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def listing(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_doc_has_the_three_example_files():
    assert [path for path, _ in examples()] == ["data/raw/observations/dti_2025.csv", "data/raw/sources.yaml",
                                                "data/raw/series.yaml"]
    assert "FIXTURE" in DOC.read_text(encoding="utf-8")


def test_worked_example_checks_and_cleans(tmp_project: Project, monkeypatch, capsys):
    apply_examples(tmp_project)
    before = listing(tmp_project.root)
    code, out, err = check(tmp_project, monkeypatch, capsys, "data/raw/observations/dti_2025.csv")
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
    code, out, _ = check(tmp_project, monkeypatch, capsys, "data/raw/observations/dti_2025.csv")
    assert code == 0 and re.search(r"^  add\s+0$", out, re.M) and re.search(r"^  unchanged\s+\d+$", out, re.M)


def test_worked_example_without_ranking_group_is_ambiguous(tmp_project: Project, monkeypatch, capsys):
    apply_examples(tmp_project)
    sources = tmp_project.raw / "sources.yaml"
    sources.write_text(sources.read_text(encoding="utf-8").replace("  ranking_group: 34\n", ""), encoding="utf-8")
    code, _, err = check(tmp_project, monkeypatch, capsys, "data/raw/observations/dti_2025.csv")
    assert code == 2
    assert "dti_2025.csv" in err and "row 3" in err and "TP. Đà Nẵng" in err and "ambiguous" in err


def test_check_reports_conflicts_and_unchanged_against_the_data(tmp_project: Project, monkeypatch, capsys,
                                                                tmp_path_factory):
    # FIXTURE: a ministry table for 2022 outside data/raw; Đà Nẵng's total agrees with dti_provincial.csv
    # (0.8002), Hồ Chí Minh's does not (0.7000 vs 0.7163).
    outside = tmp_path_factory.mktemp("downloads") / "dti_2022_fixture.csv"
    outside.write_text('Xếp hạng,"Tỉnh, thành phố",DTI\n1,TP. Đà Nẵng,0.8002\n2,TP. Hồ Chí Minh,0.7000\n',
                       encoding="utf-8")
    with open(tmp_project.raw / "sources.yaml", "a", encoding="utf-8") as fh:
        fh.write("\ndti_2022_fixture:\n  path: observations/dti_2022_fixture.csv\n  layout: ministry_dti\n"
                 "  year: 2022\n  url: https://example.invalid/fixture\n  retrieved: 2026-11-23\n")
    with open(tmp_project.raw / "series.yaml", "a", encoding="utf-8") as fh:
        fh.write("\n  dti_2022_fixture:\n    fixed: {series: mic_dti, authority: 1}\n")
    code, out, err = check(tmp_project, monkeypatch, capsys, str(outside), "--source-id", "dti_2022_fixture")
    assert code == 0, err
    counts = dict(re.findall(r"^  (add|supersede|conflict|replace|drop|older release|unchanged)\s+(\d+)$", out, re.M))
    assert counts["conflict"] == "1" and counts["add"] == "0" and counts["drop"] == "0"
    assert re.search(r"63:79 .*dti .*2022: 0.7163 → 0.7163", out)  # dti_provincial is listed first: it is kept
    assert not (tmp_project.interim / "observations.parquet").exists()


def test_check_names_an_undescribed_file(tmp_project: Project, monkeypatch, capsys, tmp_path):
    stray = tmp_path / "new.csv"
    stray.write_text("a,b\n1,2\n", encoding="utf-8")
    code, _, err = check(tmp_project, monkeypatch, capsys, str(stray))
    assert code == 2 and "not described in data/raw/sources.yaml" in err and "new.csv" in err


@pytest.mark.parametrize("bad", ["156.83"])
def test_check_locates_a_schema_failure_in_the_file_checked(tmp_project: Project, monkeypatch, capsys, tmp_path, bad):
    source = tmp_project.source_path("digital_economy_share")
    copy = tmp_path / "share_revised.csv"
    copy.write_text(source.read_text(encoding="utf-8").replace("2022,Bắc Ninh,56.83", f"2022,Bắc Ninh,{bad}"),
                    encoding="utf-8")
    code, _, err = check(tmp_project, monkeypatch, capsys, str(copy), "--source-id", "digital_economy_share")
    assert code == 2
    assert "file share_revised.csv," in err and "row 16" in err and "'value_pct'" in err and bad in err


def test_readme_worked_example_is_the_tested_one():
    """The README repeats the worked example; it must stay the one the tests above run."""
    readme = (DOC.parents[1] / "README.md").read_text(encoding="utf-8")
    assert EXAMPLE.findall(readme) == examples() and len(examples()) == 3

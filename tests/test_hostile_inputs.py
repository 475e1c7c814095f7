"""Hostile and careless inputs (issue 14), with the harness of tests/test_bad_inputs.py: each `case_*` writes one
file into a temporary copy of the project and returns the located message it must fail with (Fails: file, row,
column, value, words) or the documented rule that handles it (Handled). Every table is a seeded FIXTURE.

The classes: Excel (hidden rows/columns/sheets, formulas without values, error cells, dates, which sheet),
files that are not tables, unsafe YAML, letters from other alphabets, ranks against scores, duplicates and
missing markers. params.yaml, the registry's dates, the CLI and pipeline scripts, half-written outputs and the
render stage's locks and files are tested below the cases.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from conftest import ROOT, rehash
from test_bad_inputs import (
    FIXTURE_FILE,
    MINISTRY,
    Fails,
    Handled,
    ministry_rows,
    register,
    run_source,
    value,
    write_ministry,
)

from dxtrack.core.errors import DataError
from dxtrack.core.paths import Project

XLSX_FILE = "data/raw/sources/dti_fixture/dti_fixture.xlsx"


def ministry_book(rows: list[list[str]] | None = None, edit=None) -> bytes:
    """A ministry table as an .xlsx workbook (numbers as numbers); `edit(book, sheet)` makes it hostile."""
    rows = rows or ministry_rows("63", 10)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "DTI"
    sheet.append(rows[0])
    for r in rows[1:]:
        sheet.append([int(r[0]), r[1], *(float(c) for c in r[2:])])
    if edit:
        edit(book, sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def register_book(p: Project, data: bytes, **extra) -> Project:
    return register(p, data, name="dti_fixture.xlsx", **extra)


# ---- Excel ------------------------------------------------------------------------------------------------


def case_hidden_excel_row(p):  # a hidden row with data: what a reader of the sheet does not see is not read
    register_book(p, ministry_book(edit=lambda b, s: setattr(s.row_dimensions[4], "hidden", True)))
    return Fails(MINISTRY, XLSX_FILE, 4, "A", "3", "hidden row 4")


def case_hidden_excel_column(p):
    register_book(p, ministry_book(edit=lambda b, s: setattr(s.column_dimensions["D"], "hidden", True)))
    return Fails(MINISTRY, XLSX_FILE, 1, "D", "Kinh tế số", "hidden column D")


def case_hidden_rows_read_when_declared(p):  # source.yaml `hidden: read`: the hidden row is data
    register_book(p, ministry_book(edit=lambda b, s: setattr(s.row_dimensions[4], "hidden", True)), hidden="read")
    return Handled(MINISTRY, "hidden: read", lambda r: r.candidates.filter(pl.col("source_row") == 4).height == 5)


def case_hidden_rows_skipped_when_declared(p):  # `hidden: skip`: left out
    register_book(p, ministry_book(edit=lambda b, s: setattr(s.row_dimensions[4], "hidden", True)), hidden="skip")
    return Handled(
        MINISTRY, "hidden: skip", lambda r: 4 not in r.candidates["source_row"].to_list() and r.candidates.height == 45
    )


def case_hidden_sheet_with_a_table(p):
    def edit(book, sheet):
        old = book.create_sheet("cũ")
        for row in ministry_rows("63", 10, seed=7):
            old.append(row)
        old.sheet_state = "hidden"

    register_book(p, ministry_book(edit=edit))
    return Fails(MINISTRY, XLSX_FILE, None, "sheet", "cũ", "hidden worksheet")


def case_formula_without_cached_value(p):  # written by a program that does not calculate (openpyxl, pandas)
    register_book(p, ministry_book(edit=lambda b, s: s.__setitem__("F5", "=AVERAGE(C5:E5)")))
    return Fails(MINISTRY, XLSX_FILE, 5, "F", "=AVERAGE(C5:E5)", "formula saved without its computed value")


def case_excel_error_cell(p):
    register_book(p, ministry_book(edit=lambda b, s: s.__setitem__("D3", "#DIV/0!")))
    return Fails(MINISTRY, XLSX_FILE, 3, "D", "#DIV/0!", "Excel error value")


def case_date_formatted_number(p):  # 0.5683 typed into a column Excel formats as dates
    def edit(book, sheet):
        sheet["C6"].number_format = "dd/mm/yyyy"

    register_book(p, ministry_book(edit=edit))
    return Fails(MINISTRY, XLSX_FILE, 6, "C", None, "date-formatted")


def case_notes_first_sheet(p):  # the first sheet is notes: the only sheet holding a table is read
    def edit(book, sheet):
        notes = book.create_sheet("Ghi chú", 0)
        notes.append(["Bảng xếp hạng DTI (FIXTURE): ghi chú của người tổng hợp"])
        notes.append(["Nguồn: example.invalid"])

    rows = ministry_rows("63", 10)
    register_book(p, ministry_book(rows, edit))
    return Handled(
        MINISTRY, "the only data sheet", lambda r: value(r, province_code="01", indicator="dti") == float(rows[1][5])
    )


def second_table(book, sheet):
    other = book.create_sheet("2023")
    for row in ministry_rows("63", 5, seed=3):
        other.append(row)


def case_two_data_sheets(p):
    register_book(p, ministry_book(edit=second_table))
    return Fails(MINISTRY, XLSX_FILE, None, "sheet", "DTI", "`sheet:`")


def case_sheet_named_in_source_yaml(p):
    register_book(p, ministry_book(edit=second_table), sheet="2023")
    return Handled(MINISTRY, "sheet:", lambda r: r.candidates["source_row"].max() == 6)


# ---- not a table ------------------------------------------------------------------------------------------


def case_one_column_file(p):  # no line has two filled cells: a located message, not IndexError
    register(p, "Tỉnh\nHà Nội\nHải Phòng\n".encode())
    return Fails(MINISTRY, FIXTURE_FILE, 1, None, "Tỉnh", "no line has two filled cells")


def case_notes_only_csv(p):
    register(p, "BẢNG DTI (FIXTURE)\n\nGhi chú: xem bảng tính đính kèm\n".encode())
    return Fails(MINISTRY, FIXTURE_FILE, 1, None, "BẢNG DTI (FIXTURE)", "not a table")


def case_wrongly_declared_encoding(p):  # UTF-8 bytes declared as UTF-16: decodes to one column of CJK noise
    data = "\r\n".join(",".join(r) for r in ministry_rows("63", 10)).encode("utf-8")
    register(p, data + b"\n" * (len(data) % 2), encoding="utf-16-le")
    return Fails(MINISTRY, FIXTURE_FILE, 1, None, None, "encoding: utf-16-le")


def case_column_named_like_the_readers_own(p):  # "__row" would overwrite the row numbers every message names
    rows = ministry_rows("63", 10)
    write_ministry(p, [[*rows[0], "__row"], *([*r, "7"] for r in rows[1:])])
    return Fails(MINISTRY, FIXTURE_FILE, 1, "__row", "__row", "reserved")


def case_row_url_that_is_not_http(p):  # a row's source_url is its figures' link: "javascript:" is refused
    data = (
        "year,province_name_as_source,source_url,value_pct\r\n"
        "2024,Hà Nội,https://example.org/fixture,55.5\r\n"
        "2024,Hải Phòng,javascript:alert(1),60.1\r\n"
    )
    register(p, data.encode(), layout="indicator_table", indicators={"value_pct": "online_filing_rate"}, map=63)
    return Fails(MINISTRY, FIXTURE_FILE, 3, "source_url", "javascript:alert(1)", "http(s)")


def case_python_tag_in_source_yaml(p):  # safe YAML only: a located message, never an object built
    write_ministry(p, ministry_rows("63", 10))
    meta = p.raw / "sources" / MINISTRY / "source.yaml"
    meta.write_text(
        meta.read_text(encoding="utf-8") + "notes: !!python/object/apply:os.system ['echo pwned']\n", encoding="utf-8"
    )
    line = len(meta.read_text(encoding="utf-8").splitlines())
    return Fails(MINISTRY, f"data/raw/sources/{MINISTRY}/source.yaml", line, None, None, "not valid YAML")


def case_alias_bomb_in_source_yaml(p):  # "billion laughs": nine nested aliases never finish walking; refused
    write_ministry(p, ministry_rows("63", 10))
    meta = p.raw / "sources" / MINISTRY / "source.yaml"
    first = len(meta.read_text(encoding="utf-8").splitlines()) + 1
    bomb = "laughs0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"laughs{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 10)
    )
    meta.write_text(meta.read_text(encoding="utf-8") + bomb, encoding="utf-8")
    return Fails(MINISTRY, f"data/raw/sources/{MINISTRY}/source.yaml", first + 1, None, None, "alias (*l0)")


# ---- letters ----------------------------------------------------------------------------------------------


def case_letter_from_another_alphabet(p):  # "Hậս Giang" with an Armenian ս: never Hà Giang
    rows = ministry_rows("63", 10)
    rows[3][1] = "Hậս Giang"
    write_ministry(p, rows)
    return Fails(MINISTRY, FIXTURE_FILE, 4, "Tỉnh, thành phố", "Hậս Giang", "U+057D ARMENIAN SMALL LETTER SEH")


def case_cyrillic_lookalike(p):
    rows = ministry_rows("63", 10)
    rows[2][1] = "Hà Giаng"  # Cyrillic а
    write_ministry(p, rows)
    return Fails(MINISTRY, FIXTURE_FILE, 3, "Tỉnh, thành phố", "Hà Giаng", "Hà Giang (02)")


def case_invisible_character_in_a_name(p):
    rows = ministry_rows("63", 10)
    rows[5][1] = rows[5][1][:2] + "\u200b" + rows[5][1][2:]
    write_ministry(p, rows)
    return Fails(MINISTRY, FIXTURE_FILE, 6, "Tỉnh, thành phố", rows[5][1], "ZERO WIDTH SPACE")


# ---- ranks and scores, duplicates, missing markers --------------------------------------------------------


def case_ranks_contradict_scores(p):  # 1, 1, 1, 9, 9, 2, 40 … down a falling score column
    rows = ministry_rows("63", 10)
    for row, rank in zip(rows[1:], ["1", "1", "1", "9", "9", "2", "40", "3", "4", "5"]):
        row[0] = rank
    write_ministry(p, rows)
    return Fails(MINISTRY, FIXTURE_FILE, 3, "Xếp hạng", "1", "contradict")


def case_tied_scores_share_a_rank(p):  # documented: equal scores may share a rank (or not: rounding)
    rows = ministry_rows("63", 10)
    rows[3][5] = rows[2][5]
    rows[3][0] = rows[2][0]
    write_ministry(p, rows)
    return Handled(MINISTRY, "ties", lambda r: value(r, province_code="04", indicator="dti_rank") == 2)


def case_five_thousand_duplicates(p):  # also_in is capped with a count
    rows = ministry_rows("63", 3)
    rows += [list(rows[1]) for _ in range(5000)]
    write_ministry(p, rows)

    def check(r):
        also = r.observations.filter((pl.col("province_code") == "01") & (pl.col("indicator") == "dti"))["also_in"][0]
        assert len(also) < 300 and also.endswith("… and 4990 more (5000 places in all)"), also
        assert r.observations.filter(pl.col("province_code") == "01").height == 5

    return Handled(MINISTRY, "duplicates", check)


def case_missing_value_markers(p):  # NaN, null, None, "-", "…": not published (docs/adding-data.md §5)
    rows = ministry_rows("63", 10)
    rows[1][2], rows[2][3], rows[3][4], rows[4][2], rows[5][3] = "NaN", "null", "None", "-", "..."
    write_ministry(p, rows)
    return Handled(MINISTRY, "missing markers", lambda r: r.candidates.height == 45)


CASES = {name[5:]: fn for name, fn in sorted(globals().items()) if name.startswith("case_")}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_input(tmp_project: Project, name: str):
    expected = CASES[name](tmp_project)
    if isinstance(expected, Fails):
        with pytest.raises(DataError) as info:
            run_source(tmp_project, expected.source_id)
        text = str(info.value)
        assert "Traceback" not in text
        assert f"file {expected.file}" in text, text
        if expected.row is not None:
            assert f"row {expected.row}" in text, text
        if expected.column is not None:
            assert f"column '{expected.column}'" in text, text
        if expected.value is not None:
            assert f"value {expected.value!r}" in text, text
        assert expected.words in text, text
    else:
        result = run_source(tmp_project, expected.source_id)
        assert expected.check(result) is not False, expected.rule


# ---- params.yaml ------------------------------------------------------------------------------------------


def _params_error(project: Project, old: str, new: str) -> str:
    path = project.root / "params.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DataError) as info:
        Project(project.root).check_params()
    return str(info.value)


def test_a_workbook_too_large_to_read_whole_is_refused_before_reading(tmp_path: Path, monkeypatch):
    """openpyxl holds a whole workbook (twice): a large or zip-bomb-like .xlsx is a located message naming the way
    round, not a process that runs out of memory. The limit is lowered so that the fixture stays small."""
    from dxtrack.ingest import cells

    path = tmp_path / "big.xlsx"
    book = openpyxl.Workbook()
    for n in range(2000):
        book.active.append([f"Tỉnh {n}", "x" * 200, n])
    book.save(path)
    monkeypatch.setattr(cells, "XLSX_XML_LIMIT_MB", 0.1)
    with pytest.raises(DataError) as info:
        cells.read_table(path, "big.xlsx")
    text = str(info.value)
    assert "file big.xlsx" in text and "too large to check whole" in text and "CSV UTF-8" in text, text


def test_identical_rows_are_counted_across_the_reader_s_chunks(tmp_path: Path, monkeypatch):
    """A large table streams in chunks (cells._CHUNK_ROWS): copies of a row in different chunks are still one
    row, with every copy counted and the first ones listed in row order."""
    from dxtrack.ingest import cells

    path = tmp_path / "t.csv"
    path.write_text("h1,h2\n" + "a,b\nc,d\n" * 40 + "e,f\n", encoding="utf-8")
    whole, _ = cells.read_table(path, "t.csv", collapse=True)
    monkeypatch.setattr(cells, "_CHUNK_ROWS", 7)
    chunked, _ = cells.read_table(path, "t.csv", collapse=True)
    assert chunked.equals(whole)
    assert whole["__row"].to_list() == [2, 3, 82] and whole[cells.COPIES].to_list() == [40, 40, 1]
    assert whole[cells.COPIES_AT][0] == "; ".join(str(n) for n in range(4, 24, 2))


@pytest.mark.parametrize(
    "old, new, key",
    [
        ("draws: 4000", "draws: 0", "model.ranks.draws"),
        ("bootstrap_draws: 1000", "bootstrap_draws: -5", "model.backtest.bootstrap_draws"),
        ("min_units_region: 3", "min_units_region: -1", "model.pooled.min_units_region"),
        ('merger_date: "2025-07-01"', "merger_date: 2025-13-01", "merger_date"),
        ('merger_date: "2025-07-01"', 'merger_date: "1 July 2025"', "merger_date"),
        ("workers: 2", "workers: 0", "render.workers"),
        ('province_map: "34"', 'province_map: "99"', "render.province_map"),
        ("year: 2026", "year: 1900", "render.year"),
        ("languages: [vi, en]", "languages: [vi, fr]", "render.languages"),
        ("population_year: 2019", "population_year: nineteen", "harmonize.population_year"),
        ("logit_clip: 0.005", "logit_clip: 0.7", "model.logit_clip"),
        ("recency: 0.25", "recency: 0", "model.pooled.recency"),
        ("damping: 0.2", "damping: 1.5", "model.pooled.damping"),
        ("slope_drift_sd: 0.1", "slope_drift_sd: -0.1", "model.pooled.slope_drift_sd"),
        ("p_on_track: 0.5", "p_on_track: 1.5", "model.status.p_on_track"),
        ("p_floor: 0.001", "p_floor: 0.5", "model.status.p_floor"),
        ("tie_margin: 0.02", "tie_margin: '2%'", "model.backtest.tie_margin"),
        ("horizons: [1, 2, 3]", "horizons: [0, 1]", "model.backtest.horizons"),
        ("acceleration_ratio: 0.5", "acceleration_ratio: 1.5", "model.pace.acceleration_ratio"),
        ("revision_floor: auto", "revision_floor: sometimes", "model.revision_floor"),
        ("    level: naive", "    level: bayes", "model.default_method.level"),
        ("target80: [0.75, 0.85]", "target80: [0.85, 0.75]", "model.calibration.target80"),
        ("    folds: 10", "    folds: 1", "model.calibration.folds"),
        ("horizon: 2030", "horizon: 2020", "model.horizon"),
        ("seed: 20250701", "seed: -1", "model.ranks.seed"),
        ("    draws: 4000", "    draws: 4000\n    drawz: 10", "model.ranks.drawz"),
        ("    dti: mic_dti\n", "    dti: no_such_series\n", "model.official_series.dti"),
    ],
)
def test_params_are_checked_with_the_key_named(tmp_project: Project, old: str, new: str, key: str):
    text = _params_error(tmp_project, old, new)
    assert "file params.yaml" in text and f"column '{key}'" in text and "row " in text, text


def test_params_python_tag_is_a_located_message(tmp_project: Project):
    text = _params_error(tmp_project, "workers: 2", "workers: !!python/object/apply:os.getpid []")
    assert "params.yaml" in text and "not valid YAML" in text and "row " in text, text


def test_today_s_params_are_valid(project: Project):
    params = project.params
    assert params["render"]["province_map"] == "34" and params.line("model.ranks.draws") > 1


def test_every_key_of_params_yaml_is_in_the_schema():
    from dxtrack.core.params import SCHEMA
    from dxtrack.core.yamlfile import load_yaml

    _, lines = load_yaml(ROOT / "params.yaml")
    open_maps = ("model.backtest.datasets.", "model.official_series.", "model.series_preference.")
    assert {k for k in lines if not k.startswith(open_maps)} <= set(SCHEMA)


def test_a_population_year_missing_from_the_weights_is_named(tmp_project: Project):
    from dxtrack.ingest.stage import clean

    path = tmp_project.root / "params.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("population_year: 2019", "population_year: 2023"), encoding="utf-8"
    )
    with pytest.raises(DataError) as info:
        clean(Project(tmp_project.root))
    text = str(info.value)
    assert "column 'harmonize.population_year'" in text and "value 2023" in text and "[2019]" in text, text


# ---- the target registry's dates ------------------------------------------------------------------------


def _edit_targets(project: Project, change) -> Project:
    import csv

    path = project.source_path(project.only_source("targets"))
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    fields = list(rows[0])
    change(rows)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return rehash(project)


def _targets_error(project: Project) -> str:
    from dxtrack.ingest.targets import read_targets
    from dxtrack.ingest.units import Registry

    with pytest.raises(DataError) as info:
        read_targets(project, Registry.load(project))
    return str(info.value)


def test_a_target_before_its_document_is_refused(tmp_project: Project):
    def change(rows):
        row = next(r for r in rows if r["document_date"] and r["target_year"])
        row["document_date"], row["target_year"] = "2024-03-01", "2023"

    text = _targets_error(_edit_targets(tmp_project, change))
    assert "column 'target_year'" in text and "value '2023'" in text and "before its document" in text, text


def test_a_document_dated_in_the_future_is_refused(tmp_project: Project):
    def change(rows):
        next(r for r in rows if r["document_date"])["document_date"] = "2031-01-01"

    text = _targets_error(_edit_targets(tmp_project, change))
    assert "column 'document_date'" in text and "value '2031-01-01'" in text and "retrieved" in text, text


# ---- every error path ends in one line ------------------------------------------------------------------


def _run(args: list[str], root: Path, **env) -> subprocess.CompletedProcess:
    environ = {**os.environ, "DXTRACK_ROOT": str(root), "PYTHONPATH": str(ROOT / "src"), **env}
    environ.pop("DXTRACK_DEBUG", None) if "DXTRACK_DEBUG" not in env else None
    return subprocess.run([sys.executable, *args], cwd=root, env=environ, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    "script", ["pipelines/clean.py", "pipelines/harmonize.py", "pipelines/model.py", "pipelines/render.py", "cli"]
)
@pytest.mark.slow
def test_bad_params_end_in_one_line_without_traceback(tmp_project: Project, script: str):
    path = tmp_project.root / "params.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("draws: 4000", "draws: 0"), encoding="utf-8")
    args = ["-m", "dxtrack.cli.main", "coverage"] if script == "cli" else [str(ROOT / script)]
    result = _run(args, tmp_project.root)
    label = "dxtrack" if script == "cli" else Path(script).stem
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith(f"{label}: file params.yaml"), result.stderr
    assert "model.ranks.draws" in result.stderr.splitlines()[0]
    debug = _run(args, tmp_project.root, DXTRACK_DEBUG="1")
    assert "Traceback" in debug.stderr and f"{label}: file params.yaml" in debug.stderr


@pytest.mark.slow
def test_cli_missing_outputs_and_debug_flag(tmp_project: Project):
    result = _run(["-m", "dxtrack.cli.main", "coverage"], tmp_project.root)
    assert result.returncode == 2 and result.stderr.startswith("dxtrack: file metrics/harmonize.json")
    assert "Traceback" not in result.stderr
    debug = _run(["-m", "dxtrack.cli.main", "--debug", "coverage"], tmp_project.root)
    assert "Traceback" in debug.stderr


@pytest.mark.slow
def test_unwritable_output_folder_changes_nothing(tmp_project: Project, monkeypatch, capsys):
    """The metrics folder cannot be written (here: a file stands where the folder should be): the stage ends in
    one line and no output changes — none of data/interim was switched over either."""
    from dxtrack.core.stage import run, write
    from dxtrack.ingest.stage import clean

    write(tmp_project, clean(tmp_project))
    before = {p: p.read_bytes() for p in sorted(tmp_project.interim.glob("*"))}
    metrics = tmp_project.root / "metrics"
    for f in metrics.glob("*"):
        f.unlink()
    metrics.rmdir()
    metrics.write_text("not a folder\n", encoding="utf-8")
    # a different result, so a partial write would show
    rows = ministry_rows("63", 10)
    write_ministry(tmp_project, rows)
    rehash(tmp_project)
    monkeypatch.setenv("DXTRACK_ROOT", str(tmp_project.root))
    assert run(clean, "clean") == 1
    err = capsys.readouterr().err
    assert err.startswith("clean: cannot write or read metrics") and err.count("\n") == 1, err
    assert {p: p.read_bytes() for p in sorted(tmp_project.interim.glob("*"))} == before


# ---- half-written: atomic groups, temp files, locks --------------------------------------------------------


def test_a_group_fails_before_the_switch_and_changes_nothing(tmp_path: Path):
    from dxtrack.core.atomic import atomic_group

    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("old a"), b.write_text("old b")
    with pytest.raises(OSError):
        with atomic_group([a, b], journal=tmp_path / "j.json") as (ta, tb):
            ta.write_text("new a")
            raise OSError(28, "No space left on device")
    assert (a.read_text(), b.read_text()) == ("old a", "old b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def test_a_killed_switch_over_is_finished_from_its_journal(tmp_path: Path):
    from dxtrack.core.atomic import _write_journal, recover

    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("old a"), b.write_text("new b")  # b was switched over, then the writer was killed
    ta = tmp_path / ".a.txt.x.tmp"
    ta.write_text("new a")
    _write_journal(tmp_path / "j.json", [(ta, a), (tmp_path / ".b.txt.y.tmp", b)])
    assert recover(tmp_path / "j.json") == [a]
    assert (a.read_text(), b.read_text()) == ("new a", "new b") and not (tmp_path / "j.json").exists()


def test_a_live_writer_s_temporary_file_is_never_removed(tmp_path: Path, monkeypatch):
    from dxtrack.core import atomic

    monkeypatch.setattr(atomic, "STALE_SECONDS", 0.0)
    live = atomic._Temp(tmp_path / "out.parquet")
    assert atomic.sweep(tmp_path) == [] and live.path.exists()  # another writer is still writing it
    live.close(remove=False)  # its writer "dies": the lock is released, the file stays behind
    assert atomic.sweep(tmp_path) == [live.path] and not live.path.exists()


def test_a_second_run_of_a_stage_is_refused(tmp_project: Project, monkeypatch, capsys):
    from dxtrack.core.stage import lock, run
    from dxtrack.ingest.stage import clean

    monkeypatch.setenv("DXTRACK_ROOT", str(tmp_project.root))
    with lock(tmp_project, "clean", "stage clean"):
        assert run(clean, "clean") == 1
    err = capsys.readouterr().err
    assert err.startswith("clean: already running (pid ") and "stage clean" in err, err


# ---- the render stage -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_second_renderer_of_one_edition_is_refused(built_project: Project):
    from dxtrack.core.atomic import Busy
    from dxtrack.core.stage import lock
    from dxtrack.report.stage import render_stage

    with lock(built_project, "render-2026"):
        with pytest.raises(Busy):
            render_stage(built_project, progress=False)


@pytest.mark.slow
def test_unwritable_reports_stop_before_any_notebook_runs(built_project: Project, monkeypatch):
    from dxtrack.report import stage

    monkeypatch.setattr(stage.RenderPool, "run", lambda *a, **k: pytest.fail("a notebook ran"))
    reports = stage.report_dir(built_project, 2026)
    reports.mkdir(parents=True, exist_ok=True)
    blocker = reports / "provinces"
    blocker.write_text("a file where a folder should be\n", encoding="utf-8")
    try:
        with pytest.raises(OSError):
            stage.render_stage(built_project, progress=False)
    finally:
        blocker.unlink()


def test_a_render_job_writes_its_notebook_and_html_together_or_neither(tmp_path: Path):
    from dxtrack.notebook.engine import Job, write_pair

    job = Job(tmp_path / "in.ipynb", tmp_path / "out.ipynb", tmp_path / "out.html", {})
    job.output_ipynb.write_text("old nb"), job.output_html.write_text("old html")
    write_pair(job, "new nb", "new html", tmp_path / "journal")
    assert (job.output_ipynb.read_text(), job.output_html.read_text()) == ("new nb", "new html")
    job.output_html.unlink()
    job.output_html.mkdir()  # the HTML cannot be replaced: the notebook must not change either
    with pytest.raises(OSError):
        write_pair(job, "newer nb", "newer html", tmp_path / "journal")
    assert job.output_ipynb.read_text() == "new nb"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_render_jobs_staged_figures_switch_over_with_its_pages_or_not_at_all(tmp_path: Path):
    from dxtrack.notebook.engine import Job, write_pair

    staging, figures = tmp_path / "staging", tmp_path / "figures"
    job = Job(tmp_path / "in.ipynb", tmp_path / "out.ipynb", tmp_path / "out.html", {}, staged=(staging, figures))
    figures.mkdir()
    (figures / "chart.vi.png").write_bytes(b"old png")
    job.output_ipynb.write_text("old nb"), job.output_html.write_text("old html")
    staging.mkdir()
    (staging / "chart.vi.png").write_bytes(b"new png")
    (staging / "other.vi.svg").write_text("<svg>new</svg>")
    job.output_html.unlink()
    job.output_html.mkdir()  # the HTML cannot be replaced: neither the notebook nor any figure may change
    with pytest.raises(OSError):
        write_pair(job, "new nb", "new html", tmp_path / "journal")
    assert job.output_ipynb.read_text() == "old nb"
    assert (figures / "chart.vi.png").read_bytes() == b"old png" and not (figures / "other.vi.svg").exists()
    assert not [p for p in tmp_path.rglob("*.tmp")]
    job.output_html.rmdir()
    write_pair(job, "new nb", "new html", tmp_path / "journal")
    assert (job.output_ipynb.read_text(), job.output_html.read_text()) == ("new nb", "new html")
    assert (figures / "chart.vi.png").read_bytes() == b"new png"
    assert (figures / "other.vi.svg").read_text() == "<svg>new</svg>"
    assert not staging.exists()  # emptied after the switch-over


@pytest.mark.render
def test_a_render_job_that_fails_after_writing_figures_changes_no_file(tmp_path: Path):
    """The notebook stages a figure, then a later cell raises: the published figure, notebook and HTML stay the
    previous run's, and what the failed run staged never reaches the next run's switch-over."""
    import nbformat

    from dxtrack.notebook.engine import Job, RenderError, render_all

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    nb.metadata["language_info"] = {"name": "python"}
    params = nbformat.v4.new_code_cell('staging = ""\nfigure = "new"\nfail = False')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell(
            "from pathlib import Path\nPath(staging).mkdir(parents=True, exist_ok=True)\n"
            "(Path(staging) / 'chart.vi.png').write_text(figure)\n"
            "(Path(staging) / 'extra.vi.svg').write_text(figure)"
        ),
        nbformat.v4.new_code_cell("if fail:\n    raise ValueError('asked to fail after writing its figures')"),
    ]
    notebook = tmp_path / "staged.ipynb"
    nbformat.write(nb, notebook)
    staging, figures = tmp_path / "staging", tmp_path / "figures"

    def job(figure: str, fail: bool) -> Job:
        parameters = {"staging": str(staging), "figure": figure, "fail": fail}
        return Job(notebook, tmp_path / "out.ipynb", tmp_path / "out.html", parameters, staged=(staging, figures))

    render_all([job("first", False)], workers=1, progress=False)
    before = {p: p.read_bytes() for p in (tmp_path / "out.ipynb", tmp_path / "out.html", figures / "chart.vi.png")}
    assert (figures / "chart.vi.png").read_text() == "first" and not staging.exists()
    with pytest.raises(RenderError, match="asked to fail after writing its figures"):
        render_all([job("second", True)], workers=1, progress=False)
    assert {p: p.read_bytes() for p in before} == before
    assert (staging / "chart.vi.png").read_text() == "second"  # staged by the failed run, never switched over
    render_all([job("third", False)], workers=1, progress=False)  # starts from an empty staging folder
    assert (figures / "chart.vi.png").read_text() == "third" and not staging.exists()


def test_briefing_figures_are_staged_and_a_dropped_chart_is_pruned_after_the_switch_over(tmp_path: Path):
    import json

    import altair as alt

    from dxtrack.report.figures import prune_figures, save_briefing_figures

    def chart(n: int) -> alt.Chart:
        return alt.Chart(alt.Data(values=[{"x": n, "y": n}])).mark_point().encode(x="x:Q", y="y:Q")

    published, staging = tmp_path / "figures", tmp_path / "staging"
    assert save_briefing_figures({"a": chart(1), "b": chart(2)}, str(published), "vi") == ["a", "b"]
    a_png = (published / "a.vi.png").read_bytes()
    saved = save_briefing_figures({"a": chart(1), "c": chart(3)}, str(staging), "vi", current=str(published))
    assert saved == ["c"]  # "a" is unchanged and already published: not written again
    assert sorted(p.name for p in staging.iterdir()) == [".figures.vi.json", "c.vi.png", "c.vi.svg"]
    assert (published / "b.vi.png").exists() and (published / "a.vi.png").read_bytes() == a_png  # nothing published yet
    for p in staging.iterdir():  # what the job's switch-over does
        p.replace(published / p.name)
    assert sorted(json.loads((published / ".figures.vi.json").read_text())) == ["a", "c"]
    assert [p.name for p in prune_figures(published, "vi")] == ["b.vi.png", "b.vi.svg"]
    assert sorted(p.name for p in published.iterdir()) == [
        ".figures.vi.json",
        *("a.vi.png", "a.vi.svg", "c.vi.png", "c.vi.svg"),
    ]


def test_svg_ids_do_not_depend_on_what_the_worker_drew_before(tmp_path: Path):
    import vl_convert as vlc

    from dxtrack.notebook.engine import stable_svg_ids

    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "width": 50,
        "height": 50,
        "data": {"values": [{"a": 1, "b": 2}, {"a": 2, "b": 3}]},
        "mark": "area",
        "encoding": {
            "x": {"field": "a", "type": "quantitative"},
            "y": {"field": "b", "type": "quantitative"},
            "color": {
                "value": {
                    "gradient": "linear",
                    "stops": [{"offset": 0, "color": "red"}, {"offset": 1, "color": "blue"}],
                }
            },
        },
    }
    first, second = vlc.vegalite_to_svg(spec), vlc.vegalite_to_svg(spec)
    assert first != second  # vl-convert's counters moved on
    assert stable_svg_ids(first) == stable_svg_ids(second)
    assert 'id="gradient_0"' in stable_svg_ids(second) and "url(#gradient_0)" in stable_svg_ids(second)

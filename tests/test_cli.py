"""The `dxtrack` command."""

from __future__ import annotations

from dxtrack.cli.main import coverage_table, main


def test_resolve_prints_the_unit_and_its_members(capsys):
    assert main(["resolve", "TP. Đà Nẵng", "--map", "34"]) == 0
    assert capsys.readouterr().out.strip() == "34:48 Đà Nẵng; formed from old units 48, 49"


def test_resolve_old_name_on_new_map_fails_with_explanation(capsys):
    assert main(["resolve", "Quảng Nam", "--map", "34"]) == 2
    err = capsys.readouterr().err
    assert "pre-merger province" in err and "Đà Nẵng (code 48)" in err


def test_coverage_table_shows_units_of_map_and_gaps():
    table = coverage_table(
        {"dti": {"63": {"2020": {"units": 7, "of": 63}}, "34": {"2022": {"units": 5, "of": 34}}}}, ["63", "34"], None
    )
    lines = table.splitlines()
    assert lines[0].split()[-2:] == ["2020", "2022"]
    assert lines[1].split() == ["dti", "63", "7/63", "–"]
    assert lines[2].split() == ["dti", "34", "–", "5/34"]

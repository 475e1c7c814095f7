"""dxtrack.ingest.periods.parse_period: every accepted form, what counts as a full year, overrides, errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from dxtrack.core.errors import DataError
from dxtrack.ingest.periods import parse_period

WHERE = {"file": "data/raw/sources/online_filing_rate/online_filing_rate.csv", "row": 5, "column": "period"}
FILING_SOURCE = Path(__file__).resolve().parent / "fixtures/project/data/raw/sources/online_filing_rate/source.yaml"


@pytest.mark.parametrize(
    "text, year, start, end, full_year",
    [
        # YYYY
        ("2024", 2024, date(2024, 1, 1), date(2024, 12, 31), True),
        (None, 2023, date(2023, 1, 1), date(2023, 12, 31), True),
        ("", 2023, date(2023, 1, 1), date(2023, 12, 31), True),
        ("  2022  ", 2022, date(2022, 1, 1), date(2022, 12, 31), True),
        # YYYY-Qn
        ("2023-Q1", 2023, date(2023, 1, 1), date(2023, 3, 31), False),
        ("2023-Q2", 2023, date(2023, 4, 1), date(2023, 6, 30), False),
        ("2023-Q3", 2023, date(2023, 7, 1), date(2023, 9, 30), False),
        ("2023-Q4", 2023, date(2023, 10, 1), date(2023, 12, 31), False),
        # YYYY-Hn
        ("2024-H1", 2024, date(2024, 1, 1), date(2024, 6, 30), False),
        ("2024-H2", 2024, date(2024, 7, 1), date(2024, 12, 31), False),
        # YYYY-MM
        ("2022-08", 2022, date(2022, 8, 1), date(2022, 8, 31), False),
        ("2024-02", 2024, date(2024, 2, 1), date(2024, 2, 29), False),  # leap year
        ("2023-02", 2023, date(2023, 2, 1), date(2023, 2, 28), False),
        ("2021-12", 2021, date(2021, 12, 1), date(2021, 12, 31), False),
        # YYYY-MM-DD
        ("2024-03-15", 2024, date(2024, 3, 15), date(2024, 3, 15), False),
        # A..B
        ("2022-01..2022-04", 2022, date(2022, 1, 1), date(2022, 4, 30), False),
        ("2024-02-28..2024-07-31", 2024, date(2024, 2, 28), date(2024, 7, 31), False),
        ("2024-01..2024-12", 2024, date(2024, 1, 1), date(2024, 12, 31), True),
        ("2024-01-01..2024-12-31", 2024, date(2024, 1, 1), date(2024, 12, 31), True),
        ("2024-Q1..2024-Q4", 2024, date(2024, 1, 1), date(2024, 12, 31), True),
        ("2024-H1..2024-H2", 2024, date(2024, 1, 1), date(2024, 12, 31), True),
        ("2024-01-02..2024-12-31", 2024, date(2024, 1, 2), date(2024, 12, 31), False),
        ("2023-12..2024-01", 2024, date(2023, 12, 1), date(2024, 1, 31), False),
        ("2023..2024", 2023, date(2023, 1, 1), date(2024, 12, 31), False),  # two years is not a full year
        # a note in parentheses after a precise form changes nothing
        ("2023-Q1 (15/12/2022-14/3/2023)", 2023, date(2023, 1, 1), date(2023, 3, 31), False),
        ("2024-08 (MIC measurement announced Aug 2024)", 2024, date(2024, 8, 1), date(2024, 8, 31), False),
    ],
)
def test_forms(text, year, start, end, full_year):
    p = parse_period(text, year)
    assert (p.start, p.end) == (start, end)
    assert p.full_year is full_year


def test_label_is_kept():
    assert parse_period("2023-Q1 (15/12/2022-14/3/2023)", 2023).label == "2023-Q1 (15/12/2022-14/3/2023)"
    assert parse_period(None, 2022).label == "2022"


@pytest.mark.parametrize(
    "text, year",
    [
        ("2024 (to Jul)", 2024),
        ("2024 (to Jul, 9th NCDT meeting)", 2024),
        ("2022 (to date, reported 11 Nov 2022)", 2022),
    ],
)
def test_bare_year_with_a_note_is_a_partial_year(text, year):
    p = parse_period(text, year)
    assert p.full_year is False
    assert p.whole is False
    assert p.start.year == year and p.end.year == year


def test_month_without_override_is_not_a_full_year():
    p = parse_period("2021-12 (end of year)", 2021)
    assert (p.start, p.end) == (date(2021, 12, 1), date(2021, 12, 31))
    assert p.full_year is False


def test_override_dict_is_honoured():
    overrides = {"2021-12 (end of year)": {"start": "2021-01-01", "end": "2021-12-31", "why": "stated at year end"}}
    p = parse_period("2021-12 (end of year)", 2021, overrides)
    assert (p.start, p.end) == (date(2021, 1, 1), date(2021, 12, 31))
    assert p.full_year is True
    assert p.label == "2021-12 (end of year)"


def test_override_can_make_a_text_readable_and_partial():
    overrides = {"cuối quý IV/2023": {"start": "2023-10-01", "end": "2023-12-31"}}
    p = parse_period("cuối quý IV/2023", 2023, overrides)
    assert (p.start, p.end) == (date(2023, 10, 1), date(2023, 12, 31))
    assert p.full_year is False
    with pytest.raises(DataError):
        parse_period("cuối quý IV/2023", 2023)  # without the override it is unreadable


def test_override_applies_only_to_its_exact_text():
    overrides = {"2021-12 (end of year)": {"start": "2021-01-01", "end": "2021-12-31"}}
    p = parse_period("2021-12 (to 31 Dec)", 2021, overrides)
    assert p.full_year is False


def test_source_yaml_override_reads_as_full_year():
    overrides = yaml.safe_load(FILING_SOURCE.read_text(encoding="utf-8"))["periods"]
    p = parse_period("2021-12 (end of year)", 2021, overrides)
    assert p.full_year is True


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "Q1 2024",
        "2024-Q5",
        "2024-H3",
        "2024-13",
        "2024-00",
        "2024-02-30",
        "2024-1",
        "24",
        "2024..",
        "..2024",
        "2024/03",
        "03/2024",
        "năm 2024",
    ],
)
def test_unreadable_period_is_a_located_data_error(text):
    with pytest.raises(DataError) as info:
        parse_period(text, 2024, where=WHERE)
    err = info.value
    assert (err.file, err.row, err.column, err.value) == (WHERE["file"], 5, "period", text)


def test_period_ending_before_it_starts_is_an_error():
    with pytest.raises(DataError) as info:
        parse_period("2024-06..2024-03", 2024, where=WHERE)
    assert info.value.value == "2024-06..2024-03"
    assert info.value.row == 5


def test_period_outside_the_rows_year_is_an_error():
    with pytest.raises(DataError, match="2024") as info:
        parse_period("2023-Q2", 2024, where=WHERE)
    assert info.value.column == "period"

"""dxtrack.ingest.numbers.parse_number: numbers as Vietnamese and English spreadsheets write them."""

from __future__ import annotations

import pytest

from dxtrack.core.errors import DataError
from dxtrack.ingest.numbers import parse_number

WHERE = {"file": "data/raw/sources/x/x.csv", "row": 7, "column": "value_pct"}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("56.83", 56.83),
        ("56,83", 56.83),  # decimal comma
        ("56,83%", 56.83),  # decimal comma + percent sign
        ("56.83%", 56.83),
        (" 45 % ", 45.0),
        ("0,5", 0.5),
        ("1.234,5", 1234.5),  # Vietnamese thousands dot, decimal comma
        ("1,234.5", 1234.5),  # English thousands comma, decimal point
        ("12.345.678,9", 12345678.9),
        ("12,345,678.9", 12345678.9),
        ("1.234.567", 1234567.0),  # several dots can only be thousands
        ("1,234,567", 1234567.0),
        ("1 234,5", 1234.5),  # space as thousands separator
        ("1\u00a0234,5", 1234.5),  # no-break space as thousands separator
        ("56.039", 56.039),  # in a measure column a lone dot is a decimal point
        ("-3,5", -3.5),
        ("+7", 7.0),
        ("30", 30.0),
        ("0", 0.0),
    ],
)
def test_measure(text, expected):
    assert parse_number(text, kind="measure") == pytest.approx(expected, abs=1e-12)


def test_measure_is_the_default_kind():
    assert parse_number("56.039") == pytest.approx(56.039)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("56.039", 56039.0),  # Vietnamese thousands dot in a count
        ("56,039", 56039.0),
        ("168.746", 168746.0),
        ("93,892", 93892.0),
        ("1.234.567", 1234567.0),
        ("12516", 12516.0),
        ("0", 0.0),
        ("4 910", 4910.0),
    ],
)
def test_count(text, expected):
    value = parse_number(text, kind="count")
    assert value == expected
    assert value.is_integer()


@pytest.mark.parametrize(
    "marker",
    [None, "", " ", "NA", "na", "N/A", "n/a", "nan", "NaN", "null", "None", "-", "–", "—", "..", "...", "x", "X"],
)
@pytest.mark.parametrize("kind", ["measure", "count"])
def test_missing_markers_are_none(marker, kind):
    assert parse_number(marker, kind=kind) is None


@pytest.mark.parametrize(
    "text", ["abc", "12a", "1..2", "1.2.3,4,5", "1,2.3", "1.234.56", ".5", "1e5", "+", "12-3", "tăng 5%", "5% (ước)"]
)
def test_garbage_is_a_located_data_error(text):
    with pytest.raises(DataError) as info:
        parse_number(text, kind="measure", where=WHERE)
    err = info.value
    assert err.file == WHERE["file"]
    assert err.row == WHERE["row"]
    assert err.column == WHERE["column"]
    assert err.value == text
    assert WHERE["file"] in str(err) and "row 7" in str(err)


@pytest.mark.parametrize("text", ["1.5", "1,5", "12.34", "1.234,5", "56.039,0", "abc"])
def test_count_must_be_whole(text):
    where = {**WHERE, "column": "dossiers_total"}
    with pytest.raises(DataError) as info:
        parse_number(text, kind="count", where=where)
    err = info.value
    assert (err.file, err.row, err.column, err.value) == (where["file"], 7, "dossiers_total", text)


@pytest.mark.parametrize("text", ["-5", "-56.039", "-1,234"])
def test_negative_count_is_an_error(text):
    where = {**WHERE, "column": "dossiers_online"}
    with pytest.raises(DataError, match="negative") as info:
        parse_number(text, kind="count", where=where)
    assert (info.value.column, info.value.value) == ("dossiers_online", text)


@pytest.mark.parametrize("kind", ["measure", "count"])
def test_lone_percent_sign_is_a_located_data_error(kind):
    # A cell holding only "%" (a value left out, the unit kept) is unreadable: it must be reported as a
    # DataError that says where, not crash with an IndexError.
    with pytest.raises(DataError) as info:
        parse_number("%", kind=kind, where=WHERE)
    assert (info.value.file, info.value.row, info.value.column, info.value.value) == (
        WHERE["file"],
        7,
        "value_pct",
        "%",
    )


def test_error_without_where_still_has_value():
    with pytest.raises(DataError) as info:
        parse_number("abc")
    assert info.value.value == "abc"
    assert info.value.file is None and info.value.row is None


def test_numbers_pass_through():
    assert parse_number(12.5) == 12.5
    assert parse_number(7, kind="count") == 7.0

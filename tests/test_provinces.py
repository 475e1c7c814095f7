"""dxtrack.ingest.units: both maps, the merger crosswalk, and map-aware name resolution."""

from __future__ import annotations

import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from conftest import raw_spellings, read_rows

from dxtrack.core.errors import DataError
from dxtrack.core.names import match_key
from dxtrack.ingest.units import Registry

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
ETH = "\u00d0"  # Ð lookalike
COUNTRY_NAMES = ("Việt Nam", "Viet Nam", "Vietnam", "Cả nước", "Toàn quốc", "Nationwide", "National")


OLD_ROWS = read_rows(RAW / "sources" / "provinces_63" / "provinces_63.csv")
NEW_ROWS = read_rows(RAW / "sources" / "provinces_34" / "provinces_34.csv")


def reference_names() -> list[tuple[str, str]]:
    """(gso_code, spelling) for every official name, ASCII name and alias in provinces_63.csv."""
    out = []
    for r in OLD_ROWS:
        for name in (r["name_vi"], r["name_ascii"], *r["aliases"].split(";")):
            if name.strip():
                out.append((r["gso_code"], name))
    return out


RAW_SPELLINGS = raw_spellings()
REFERENCE_NAMES = reference_names()
KEYS_BY_CODE = {r["gso_code"]: {match_key(n) for c, n in REFERENCE_NAMES if c == r["gso_code"]} for r in OLD_ROWS}


# ---- the two maps ----------------------------------------------------------------------------------------


def test_map_sizes(registry: Registry):
    assert len(registry.units["63"]) == 63
    assert len(registry.units["34"]) == 34
    assert len(OLD_ROWS) == 63 and len(NEW_ROWS) == 34


def test_34_codes_equal_the_vietnam_provinces_package(registry: Registry):
    from vietnam_provinces import Province

    package = {f"{int(p.code):02d}": p.name for p in Province.iter_all()}
    assert len(package) == 34
    assert set(registry.units["34"]) == set(package)
    assert {r["code"] for r in NEW_ROWS} == set(package)
    for code, name in package.items():
        assert match_key(registry.units["34"][code].name_vi) == match_key(name), code


def test_every_old_unit_is_in_exactly_one_new_unit(registry: Registry):
    counts = Counter(code for unit in registry.units["34"].values() for code in unit.members)
    assert set(counts) == set(registry.units["63"])
    assert all(n == 1 for n in counts.values()), {c: n for c, n in counts.items() if n != 1}
    # ... and that unit is the successor the 63 table names, both in the registry and in the CSVs.
    for old in registry.units["63"].values():
        assert old.code in registry.units["34"][old.successor].members
    formed = {r["code"]: set(r["formed_from_codes"].split(";")) for r in NEW_ROWS}
    for r in OLD_ROWS:
        assert r["gso_code"] in formed[r["new_province_code"]]


def test_members_are_sorted_tuples_of_old_codes(registry: Registry):
    assert registry.units["34"]["48"].members == ("48", "49")
    assert registry.units["34"]["79"].members == ("74", "77", "79")
    assert registry.units["34"]["15"].members == ("10", "15")
    assert [u.code for u in registry.members("92")] == ["92", "93", "94"]


def test_seven_codes_mean_a_different_province_on_each_map(registry: Registry):
    old, new = registry.units["63"], registry.units["34"]
    traps = {
        c
        for c in set(old) & set(new)
        if match_key(old[c].name_vi) != match_key(new[c].name_vi) and new[c].members != (c,)
    }
    assert traps == {"15", "24", "44", "52", "80", "82", "91"}


# ---- every spelling that occurs in the raw files -----------------------------------------------------------


def test_spellings_were_collected():
    assert len(RAW_SPELLINGS) > 50
    assert len(REFERENCE_NAMES) > 63 * 2


@pytest.mark.parametrize("name", RAW_SPELLINGS)
def test_raw_spelling_resolves_on_63_map(registry: Registry, name: str):
    unit = registry.resolve(name, "63", file="test", row=2, column="province_name_as_source")
    if unit.level == "country":
        assert (unit.map, unit.code) == ("VN", "VN")
        assert match_key(name) in {match_key(n) for n in COUNTRY_NAMES}
    else:
        assert unit.map == "63"
        assert unit.code in KEYS_BY_CODE
        # the official name (or one of that row's aliases in provinces_63.csv) shares the spelling's key
        assert match_key(name) in KEYS_BY_CODE[unit.code], (name, unit.code, unit.name_vi)


# Raw-file spellings whose code is checked by hand.
RAW_EXPECTED = {
    "TP.Huế": "46",
    "Thừa Thiên - Huế": "46",
    "Thừa Thiên Huế": "46",
    "Tp.HCM": "79",
    "TPHCM": "79",
    "TP. HCM": "79",
    "TP HCM": "79",
    "TP.HCM": "79",
    "TP.Hồ Chí Minh": "79",
    "TP. Hồ Chí Minh": "79",
    "Thành phố Hồ Chí Minh": "79",
    "Ho Chi Minh City": "79",
    "Can Tho City": "92",
    "TP. Cần Thơ": "92",
    "Cần Thơ": "92",
    "Da Nang City": "48",
    "TP. Đà Nẵng": "48",
    "Thành phố Đà Nẵng": "48",
    "Đà Nẵng": "48",
    "Binh Duong": "74",
    "Bình Dương": "74",
    "TP Hải Phòng": "31",
    "TP. Hải Phòng": "31",
    "TP. Hà Nội": "01",
    "Hòa Bình": "17",
    "Yên Bái": "15",
    "Lào Cai": "10",
    "Quảng Nam": "49",
    "Bắc Ninh": "27",
    "Bắc Giang": "24",
    "Bà Rịa - Vũng Tàu": "77",
    "Kon Tum": "62",
    "Đắk Nông": "67",
    "Việt Nam": "VN",
    "Việt Nam (khối tỉnh, thành)": "VN",
    "Việt Nam (provincial level)": "VN",
}


@pytest.mark.parametrize("name, code", sorted(RAW_EXPECTED.items()))
def test_raw_spelling_exact_code(registry: Registry, name: str, code: str):
    assert name in RAW_SPELLINGS, f"{name!r} no longer occurs in the raw files"
    assert registry.resolve(name, "63").code == code


@pytest.mark.parametrize("code, name", REFERENCE_NAMES)
def test_reference_name_or_alias_resolves_to_its_row(registry: Registry, code: str, name: str):
    unit = registry.resolve(name, "63")
    assert (unit.map, unit.code) == ("63", code)


# ---- explicit traps -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, code",
    [
        (unicodedata.normalize("NFD", "Thừa Thiên Huế"), "46"),
        (unicodedata.normalize("NFD", "Đắk Lắk"), "66"),
        (unicodedata.normalize("NFD", "Bà Rịa - Vũng Tàu"), "77"),
        (unicodedata.normalize("NFD", "TP. Hồ Chí Minh"), "79"),
        (ETH + "à Nẵng", "48"),
        (ETH + "ồng Nai", "75"),
        (ETH + "ắk Nông", "67"),
        ("Hoà Bình", "17"),
        ("Hòa Bình", "17"),
        ("Tỉnh Hoà Bình", "17"),
        ("Thanh Hoá", "38"),
        ("Thanh Hóa", "38"),
        ("Khánh Hoà", "56"),
        ("Đà  Nẵng", "48"),
        ("  Hà   Nội  ", "01"),
        ("Bà  Rịa  -  Vũng  Tàu", "77"),
        ("TP. Đà Nẵng", "48"),
        ("Tp. Đà Nẵng", "48"),
        ("TP Đà Nẵng", "48"),
        ("TP.Đà Nẵng", "48"),
        ("Tp. Cần Thơ", "92"),
        ("TP Hải Phòng", "31"),
        ("Thành phố Hồ Chí Minh", "79"),
        ("Thành phố Cần Thơ", "92"),
        ("Tỉnh Bình Dương", "74"),
        ("Tỉnh Quảng Nam", "49"),
        ("Da Nang City", "48"),
        ("Ho Chi Minh City", "79"),
        ("Binh Duong", "74"),
        ("Binh Duong Province", "74"),
        ("Can Tho City", "92"),
        ("Hanoi", "01"),
        ("Tp.HCM", "79"),
        ("TP.Huế", "46"),
        (unicodedata.normalize("NFD", "TP.  " + ETH + "à  Nẵng"), "48"),
    ],
)
def test_trap_spellings_on_63_map(registry: Registry, name: str, code: str):
    unit = registry.resolve(name, "63")
    assert (unit.map, unit.code) == ("63", code)


def test_trap_inputs_are_really_traps():
    # The explicit cases above only mean something if the inputs differ from the clean forms.
    assert unicodedata.normalize("NFD", "Thừa Thiên Huế") != "Thừa Thiên Huế"
    assert ETH != "\u0110"
    assert "Hoà Bình" != "Hòa Bình" and "Thanh Hoá" != "Thanh Hóa"


@pytest.mark.parametrize("name", COUNTRY_NAMES)
@pytest.mark.parametrize("map_", ["63", "34"])
def test_country_names_resolve_to_the_country(registry: Registry, name: str, map_: str):
    unit = registry.resolve(name, map_)
    assert (unit.map, unit.code, unit.level) == ("VN", "VN", "country")


# ---- map awareness --------------------------------------------------------------------------------------------


def test_code_15_trap(registry: Registry):
    assert registry.resolve("Yên Bái", "63").code == "15"
    assert registry.resolve("Lào Cai", "63").code == "10"
    lao_cai_new = registry.resolve("Lào Cai", "34")
    assert (lao_cai_new.map, lao_cai_new.code) == ("34", "15")
    assert lao_cai_new.members == ("10", "15")
    # same code, different provinces: units are (map, code), never a bare code
    assert registry.unit("63", "15").name_vi == "Yên Bái"
    assert registry.unit("34", "15").name_vi == "Lào Cai"
    assert registry.unit("63", "15") != registry.unit("34", "15")


def test_yen_bai_on_34_map_names_lao_cai(registry: Registry):
    with pytest.raises(DataError) as info:
        registry.resolve("Yên Bái", "34", file="observations/x.csv", row=9, column="province_name_as_source")
    err = info.value
    assert "Lào Cai" in str(err)
    assert (err.file, err.row, err.column, err.value) == ("observations/x.csv", 9, "province_name_as_source", "Yên Bái")


def test_da_nang_on_34_map_is_the_merged_city(registry: Registry):
    unit = registry.resolve("Đà Nẵng", "34")
    assert (unit.map, unit.code) == ("34", "48")
    assert unit.members == ("48", "49")
    # the city's old spellings carry over to the merged unit
    assert registry.resolve("TP. Đà Nẵng", "34").code == "48"
    assert registry.resolve("Da Nang City", "34").code == "48"


def test_quang_nam_on_34_map_names_da_nang(registry: Registry):
    with pytest.raises(DataError) as info:
        registry.resolve("Quảng Nam", "34", file="f.csv", row=4, column="c")
    assert "Đà Nẵng" in str(info.value)
    assert info.value.value == "Quảng Nam"


@pytest.mark.parametrize(
    "old_name, new_name",
    [
        ("Bình Dương", "Hồ Chí Minh"),
        ("Bà Rịa - Vũng Tàu", "Hồ Chí Minh"),
        ("Hà Giang", "Tuyên Quang"),
        ("Hà Nam", "Ninh Bình"),
        ("Kiên Giang", "An Giang"),
        ("Hậu Giang", "Cần Thơ"),
    ],
)
def test_absorbed_old_units_on_34_map_name_their_successor(registry: Registry, old_name: str, new_name: str):
    with pytest.raises(DataError, match=new_name):
        registry.resolve(old_name, "34")


def test_renamed_single_member_unit_keeps_old_names_on_34_map(registry: Registry):
    assert registry.resolve("Thừa Thiên Huế", "34").code == "46"
    assert registry.resolve("Huế", "34").code == "46"
    assert registry.resolve("Thành phố Hồ Chí Minh", "34").code == "79"


def test_unknown_name_error_says_where_what_and_closest(registry: Registry):
    with pytest.raises(DataError) as info:
        registry.resolve("Tỉnh Xyzabc", "63", file="observations/foo.csv", row=12, column="province_name_as_source")
    err = info.value
    text = str(err)
    assert "observations/foo.csv" in text
    assert "row 12" in text
    assert "Tỉnh Xyzabc" in text
    assert "closest" in text
    assert (err.file, err.row, err.column, err.value) == (
        "observations/foo.csv",
        12,
        "province_name_as_source",
        "Tỉnh Xyzabc",
    )


def test_unknown_name_closest_suggestions_are_sensible(registry: Registry):
    with pytest.raises(DataError) as info:
        registry.resolve("Đà Nẳng xyz", "63", file="f.csv", row=3)
    assert "Đà Nẵng (48)" in str(info.value)
    assert registry.closest("Quang Ngai", "63")[0] == "Quảng Ngãi (51)"


def test_unknown_map_is_an_error(registry: Registry):
    with pytest.raises(DataError):
        registry.resolve("Hà Nội", "99")


def test_empty_name_is_an_error(registry: Registry):
    with pytest.raises(DataError):
        registry.resolve("", "63", file="f.csv", row=2, column="c")

"""dxtrack.core.names: clean_text, match_key, slug — on hand-made traps and on every spelling in the raw files."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from conftest import raw_spellings, read_rows

from dxtrack.core.names import clean_text, match_key, slug

RAW = Path(__file__).resolve().parent / "fixtures" / "project" / "data" / "raw"
D_WITH_STROKE = "\u0110"  # Đ, the Vietnamese letter
ETH = "\u00d0"  # Ð, the Icelandic lookalike found in real exports


def reference_keys() -> dict[str, str]:
    """match key -> GSO code (63 map), built straight from provinces_63.csv, plus the country names."""
    keys: dict[str, str] = {}
    for r in read_rows(RAW / "sources" / "provinces_63" / "provinces_63.csv"):
        for name in (r["name_vi"], r["name_ascii"], *r["aliases"].split(";")):
            if name.strip():
                keys[match_key(name)] = r["gso_code"]
    for name in ("Việt Nam", "Viet Nam", "Vietnam"):
        keys[match_key(name)] = "VN"
    return keys


RAW_SPELLINGS = raw_spellings()


def test_raw_spellings_were_collected():
    # Guards the parametrised test below against silently running over nothing.
    assert len(RAW_SPELLINGS) > 50
    assert "Tp.HCM" in RAW_SPELLINGS and "Thừa Thiên - Huế" in RAW_SPELLINGS


@pytest.mark.parametrize("name", RAW_SPELLINGS)
def test_every_raw_spelling_has_the_key_of_a_reference_name(name):
    keys = reference_keys()
    assert match_key(name) in keys, f"{name!r} -> {match_key(name)!r} matches no name or alias in provinces_63.csv"


# ---- clean_text ----------------------------------------------------------------------------------------


def test_clean_text_turns_nfd_into_nfc():
    nfc = "Thừa Thiên Huế"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc  # the input really is decomposed
    assert clean_text(nfd) == nfc
    assert unicodedata.is_normalized("NFC", clean_text(nfd))


def test_clean_text_replaces_eth_with_d_stroke():
    cleaned = clean_text(ETH + "à Nẵng")
    assert cleaned == D_WITH_STROKE + "à Nẵng"
    assert ETH not in cleaned
    assert clean_text("\u00f0ồng") == "\u0111ồng"


def test_clean_text_collapses_and_strips_whitespace():
    assert clean_text("  Bà  Rịa -   Vũng\tTàu  ") == "Bà Rịa - Vũng Tàu"
    assert clean_text("Hà\u00a0Nội") == "Hà Nội"


def test_clean_text_keeps_diacritics_and_case():
    assert clean_text("TP. Hồ Chí Minh") == "TP. Hồ Chí Minh"


def test_clean_text_accepts_non_strings():
    assert clean_text(2024) == "2024"


# ---- match_key -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        "Đà Nẵng",
        "TP. Đà Nẵng",
        "Tp. Đà Nẵng",
        "TP Đà Nẵng",
        "TP.Đà Nẵng",
        "Thành phố Đà Nẵng",
        "thành phố đà nẵng",
        "Da Nang City",
        "Da Nang",
        "Danang",
        "ĐÀ  NẴNG",
        ETH + "à Nẵng",
        unicodedata.normalize("NFD", "TP. Đà Nẵng"),
        "  Đà   Nẵng  ",
    ],
)
def test_match_key_danang_variants(spelling):
    assert match_key(spelling) == "danang"


@pytest.mark.parametrize(
    "a, b",
    [
        ("Hoà Bình", "Hòa Bình"),
        ("Thanh Hoá", "Thanh Hóa"),
        ("Khánh Hoà", "Khánh Hòa"),
        ("Tỉnh Bình Dương", "Binh Duong"),
        ("Binh Duong Province", "Bình Dương"),
        ("Ho Chi Minh City", "Thành phố Hồ Chí Minh"),
        ("TP.Hồ Chí Minh", "Hồ Chí Minh"),
        ("Can Tho City", "Thành phố Cần Thơ"),
        ("TP. Cần Thơ", "Cần Thơ"),
        ("Tp. Cần Thơ", "Cần Thơ"),
        ("Bà Rịa–Vũng Tàu", "Bà Rịa - Vũng Tàu"),
        ("Thừa Thiên - Huế", "Thừa Thiên Huế"),
        ("Việt Nam (khối tỉnh, thành)", "Việt Nam"),
        (unicodedata.normalize("NFD", "Hoà Bình"), "Hòa Bình"),
    ],
)
def test_match_key_equivalences(a, b):
    assert match_key(a) == match_key(b)


@pytest.mark.parametrize("spelling", ["TPHCM", "TP.HCM", "Tp.HCM", "TP HCM", "TP. HCM", "HCM"])
def test_match_key_hcm_abbreviations(spelling):
    assert match_key(spelling) == "hcm"


@pytest.mark.parametrize(
    "a, b",
    [
        ("Quảng Nam", "Quảng Ninh"),
        ("Hà Nam", "Hà Nội"),
        ("Bắc Ninh", "Bắc Giang"),
        ("Tây Ninh", "Ninh Thuận"),
        ("Tiền Giang", "Kiên Giang"),
    ],
)
def test_match_key_keeps_different_provinces_apart(a, b):
    assert match_key(a) != match_key(b)


def test_match_key_does_not_eat_names_that_start_like_a_prefix():
    # "Tiền", "Tây", "Thái" begin with "T" but are not the "TP"/"Tỉnh" prefixes.
    assert match_key("Tiền Giang") == "tiengiang"
    assert match_key("Tây Ninh") == "tayninh"
    assert match_key("Thái Nguyên") == "thainguyen"
    assert match_key("Tuyên Quang") == "tuyenquang"


# ---- slug ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Thành phố Hồ Chí Minh", "thanh-pho-ho-chi-minh"),
        ("Đà Nẵng", "da-nang"),
        (ETH + "ắk Lắk", "dak-lak"),
        ("Bà Rịa - Vũng Tàu", "ba-ria-vung-tau"),
        (unicodedata.normalize("NFD", "Thừa Thiên Huế"), "thua-thien-hue"),
        ("  Hà   Nội ", "ha-noi"),
    ],
)
def test_slug(name, expected):
    assert slug(name) == expected

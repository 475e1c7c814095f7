"""Labels and number formats (dxtrack.report.labels): both languages everywhere, correct Vietnamese, locale conventions."""

from __future__ import annotations

import re
import string
import unicodedata

import pytest
import vl_convert

from dxtrack.model.pace import STATUSES
from dxtrack.report import labels
from dxtrack.report.labels import LABELS, t

VIETNAMESE_LETTERS = set("ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(LABELS))
def test_every_label_has_both_languages_nfc_and_same_placeholders(key):
    entry = LABELS[key]
    assert set(entry) == set(labels.LANGS), f"{key}: languages {sorted(entry)}"
    for lang, text in entry.items():
        assert text.strip(), f"{key} [{lang}] is empty"
        assert unicodedata.normalize("NFC", text) == text, f"{key} [{lang}] is not NFC"
    assert placeholders(entry["vi"]) == placeholders(entry["en"]), key


def test_status_labels_cover_pace_statuses_with_the_agreed_vietnamese():
    expected_vi = {
        "achieved": "Đã đạt",
        "on track": "Đúng tiến độ",
        "acceleration needed": "Cần tăng tốc",
        "met so far": "Đã đạt trước hạn – cần giữ vững",
        "too slow": "Quá chậm",
        "regressing": "Đi lùi",
        "year passed, pending": "Đã qua năm mục tiêu, chưa công bố kết quả",
        "insufficient data": "Chưa đủ dữ liệu",
        "no data": "Không có dữ liệu",
        "not assessable": "Không đánh giá được",
    }
    assert set(expected_vi) == set(STATUSES)
    for status in STATUSES:
        assert labels.status_label(status, "vi") == unicodedata.normalize("NFC", expected_vi[status])
        assert labels.status_label(status, "en")
    # seven distinct labels per language: a legend can tell them apart
    for lang in labels.LANGS:
        assert len({labels.status_label(s, lang) for s in STATUSES}) == len(STATUSES)


def test_vietnamese_labels_carry_diacritics():
    """A label table typed without diacritics would still pass the emptiness test; this one would not."""
    vi_texts = [e["vi"].lower() for k, e in LABELS.items() if k.startswith(("status.", "legend.", "axis."))]
    with_marks = [x for x in vi_texts if set(x) & VIETNAMESE_LETTERS]
    assert len(with_marks) / len(vi_texts) > 0.9
    assert t("legend.band80", "vi") == "Khoảng dự báo 80%"
    assert t("legend.projection", "vi") == "Dự báo" and t("legend.observed", "vi") == "Quan sát"
    assert t("legend.target", "vi") == "Mục tiêu" and t("word.source", "vi") == "Nguồn"
    assert t("map.63", "vi") == "63 tỉnh (trước 1/7/2025)"


def test_t_fills_placeholders_and_fails_clearly():
    assert t("title.movers", "vi", start=2020, end=2022) == "Các tỉnh thay đổi thứ hạng DTI nhiều nhất, 2020–2022"
    with pytest.raises(KeyError, match="no label 'status.done'"):
        t("status.done", "vi")
    with pytest.raises(KeyError, match="unknown language 'fr'"):
        t("status.achieved", "fr")
    with pytest.raises(KeyError, match="needs field 'end'"):
        t("title.movers", "en", start=2020)


def test_indicator_names_come_from_indicators_yaml(project):
    assert labels.indicator_name("digital_economy_share_grdp", "vi") == "Tỷ trọng kinh tế số trong GRDP"
    assert labels.indicator_name("digital_economy_share_grdp", "en") == "Digital economy share of GRDP"
    assert labels.indicator_name(project.indicators["dti"], "vi") == "Chỉ số chuyển đổi số cấp tỉnh (DTI)"
    for ind, definition in project.indicators.items():
        for lang in labels.LANGS:
            name = labels.indicator_name(definition, lang)
            assert name and unicodedata.normalize("NFC", name) == name, ind
    with pytest.raises(KeyError, match="name_vi"):
        labels.indicator_name({"name_en": "x"}, "vi")
    with pytest.raises(KeyError, match="unknown indicator"):
        labels.indicator_name("no_such_indicator", "vi")


def test_series_names_come_from_series_yaml():
    assert labels.series_name("gso", "vi") == "Chỉ tiêu chính thức của Tổng cục Thống kê"
    assert labels.series_name("gso", "en") == "GSO official indicator"
    assert labels.series_name("not_a_series", "en") == "not_a_series"


@pytest.mark.parametrize(
    "x, lang, decimals, expected",
    [
        (1234.5, "vi", 1, "1.234,5"),
        (1234.5, "en", 1, "1,234.5"),
        (1234567.891, "vi", 2, "1.234.567,89"),
        (0.6098, "vi", 3, "0,610"),
        (0.6098, "en", 3, "0.610"),
        (-12.25, "vi", 1, "\u221212,2"),  # banker's rounding of the binary value 12.25 -> 12.2, as Python formats
        (-0.04, "vi", 1, "0,0"),  # no "−0,0"
        (20, "vi", 0, "20"),
        (None, "vi", 1, "–"),
        (float("nan"), "en", 1, "–"),
    ],
)
def test_fmt_number(x, lang, decimals, expected):
    assert labels.fmt_number(x, lang, decimals) == expected


def test_fmt_percent_probability_value_target():
    assert labels.fmt_percent(12.66, "vi") == "12,7%"
    assert labels.fmt_percent(12.66, "en") == "12.7%"
    assert labels.fmt_probability(0.72, "vi") == "72%"
    assert labels.fmt_probability(0.0, "vi") == "0%" and labels.fmt_probability(1.0, "en") == "100%"
    assert labels.fmt_probability(0.001, "vi") == "< 1%" and labels.fmt_probability(0.999, "vi") == "> 99%"
    assert labels.fmt_probability(None, "vi") == "–"
    with pytest.raises(ValueError):
        labels.fmt_probability(72, "vi")
    assert labels.fmt_value(0.6098, "index", "vi") == "0,610"
    assert labels.fmt_value(6.0, "rank", "vi") == "6"
    assert labels.fmt_target(20.0, "percent", "vi") == "20%"
    assert labels.fmt_target(20.5, "percent", "vi") == "20,5%"
    with pytest.raises(KeyError):
        labels.fmt_value(1.0, "dong", "vi")


def test_vega_format_locale():
    vi, en = labels.vega_format_locale("vi"), labels.vega_format_locale("en")
    assert vi["number"] == {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " ₫"]}
    assert en["number"]["decimal"] == "." and en["number"]["thousands"] == ","
    assert en["number"] == vl_convert.get_format_locale("en-US")
    # the hard-coded time locales are d3-time-format's, as vl-convert ships them
    assert vi["time"] == vl_convert.get_time_format_locale("vi-VN")
    assert en["time"] == vl_convert.get_time_format_locale("en-US")
    vi["number"]["decimal"] = "?"  # a copy: callers cannot corrupt the module's table
    assert labels.vega_format_locale("vi")["number"]["decimal"] == ","
    with pytest.raises(KeyError):
        labels.vega_format_locale("de")


def test_no_label_contains_ascii_stand_ins_for_vietnamese():
    """Guard against "Da dat"-style labels: no vi label is pure ASCII letters unless it is a symbol or code."""
    for key, entry in LABELS.items():
        letters = re.sub(r"[^A-Za-zÀ-ỹ]", "", re.sub(r"\{\w+\}", "", entry["vi"]))
        if len(letters) >= 6 and key.startswith(("status.", "legend.", "axis.", "title.", "tooltip.")):
            assert not letters.isascii(), f"{key}: {entry['vi']!r} has no Vietnamese letters"

"""Vietnamese and English labels for everything a chart or report shows, and locale-aware number formatting.

The words themselves live in report/labels.yaml (a data file: a translator edits it, not this module).

Vietnamese is first-class: every key carries both languages, NFC-normalised, with the same `{placeholders}`
(tests/test_i18n.py checks). Numbers follow each language's convention: Vietnamese writes 1.234,5 (decimal
comma, thousands dot), English 1,234.5. `vega_format_locale` gives the same conventions to Vega (d3-format
has no vi-VN number locale, so it is defined here); charts put it in the spec's `config.locale`.

Indicator and series names live in data/raw/indicators.yaml and data/raw/series.yaml (name_vi / name_en);
`indicator_name` and `series_name` read them from there rather than repeating them.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

LANGS = ("vi", "en")
LABELS_FILE = Path(__file__).with_name("labels.yaml")


def _load_labels() -> dict[str, dict[str, str]]:
    """report/labels.yaml: key -> {"vi": ..., "en": ...}; a key missing a language fails at import."""
    with open(LABELS_FILE, encoding="utf-8") as fh:
        labels = yaml.safe_load(fh)
    for key, entry in labels.items():
        missing = [lang for lang in LANGS if not (isinstance(entry, dict) and entry.get(lang))]
        if missing:
            raise KeyError(f"{LABELS_FILE.name}: label {key!r} has no text in {', '.join(missing)}")
    return labels


# One entry per string shown to a reader, grouped by prefix: status.* (one per core.vocabulary.STATUSES),
# reason.* and note.* (the model's reason and note keys), method.*, map.*, unit.*, legend.*, axis.*, tooltip.*,
# title.*, caption.*, section.*, text.*.
LABELS: dict[str, dict[str, str]] = _load_labels()

MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# d3-format / d3-time-format locales (Vega `config.locale` or vega-embed's formatLocale/timeFormatLocale).
# d3-format ships no vi-VN number locale; the time locale is d3-time-format's vi-VN (as vl_convert returns it).
_NUMBER_LOCALE = {
    "vi": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " ₫"]},
    "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["$", ""]},
}
_TIME_LOCALE = {
    "vi": {
        "dateTime": "%a, %e %b, %Y %H:%M",
        "date": "%d/%m/%Y",
        "time": "%H:%M:%S",
        "periods": ["AM", "PM"],
        "days": ["Chủ nhật", "Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy"],
        "shortDays": ["CN", "Thứ 2", "Thứ 3", "Thứ 4", "Thứ 5", "Thứ 6", "Thứ 7"],
        "months": [
            "Tháng một",
            "Tháng hai",
            "Tháng ba",
            "Tháng tư",
            "Tháng năm",
            "Tháng sáu",
            "Tháng bảy",
            "Tháng tám",
            "Tháng chín",
            "Tháng mười",
            "Tháng mười một",
            "Tháng mười hai",
        ],
        "shortMonths": [f"Tháng {m}" for m in range(1, 13)],
    },
    "en": {
        "dateTime": "%x, %X",
        "date": "%-m/%-d/%Y",
        "time": "%-I:%M:%S %p",
        "periods": ["AM", "PM"],
        "days": ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
        "shortDays": ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
        "months": list(MONTHS_EN),
        "shortMonths": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    },
}

MINUS = "\u2212"  # d3-format's default minus sign; fmt_number uses the same so text and charts agree
MISSING = "–"

# How comparators read in any language: "≥ 20%".
COMPARATOR_SYMBOLS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "=": "="}


def comparator_symbol(comparator: str) -> str:
    return COMPARATOR_SYMBOLS.get(comparator, comparator)


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise KeyError(f"unknown language {lang!r}: dxtrack labels exist in {', '.join(LANGS)}")
    return lang


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def t(key: str, lang: str, **fields: Any) -> str:
    """The label `key` in `lang`, with `{placeholders}` filled from `fields` (KeyError naming what is missing)."""
    _check_lang(lang)
    entry = LABELS.get(key)
    if entry is None:
        close = sorted(k for k in LABELS if k.split(".")[0] == key.split(".")[0])
        hint = f"; keys under {key.split('.')[0]!r}: {', '.join(close)}" if close else ""
        raise KeyError(f"no label {key!r} in dxtrack.report.labels.LABELS{hint}")
    text = entry.get(lang)
    if not text:
        raise KeyError(f"label {key!r} has no {lang!r} text")
    if fields:
        try:
            text = text.format(**fields)
        except KeyError as exc:
            raise KeyError(f"label {key!r} needs field {exc.args[0]!r}") from None
    return nfc(text)


def status_label(status: str, lang: str) -> str:
    return t(f"status.{status}", lang)


def method_label(method: str, lang: str) -> str:
    return t(f"method.{method}", lang)


def map_label(map_: str, lang: str, short: bool = False) -> str:
    return t(f"map.short.{map_}" if short else f"map.{map_}", lang)


def unit_label(unit: str, lang: str, short: bool = False) -> str:
    """Axis label for an indicator unit (percent, index, rank); `short` for use after a number."""
    return t(f"unit.short.{unit}" if short else f"unit.{unit}", lang)


# ---- catalogue names (indicators.yaml, series.yaml) ---------------------------------------------------------
@lru_cache(maxsize=1)
def _catalogue() -> tuple[dict, dict]:
    from dxtrack.core.paths import Project

    project = Project.find(Path(__file__).resolve().parent)
    return project.indicators, (project.series.get("series") or {})


def indicator_definition(indicator: str) -> dict:
    indicators, _ = _catalogue()
    if indicator not in indicators:
        raise KeyError(f"unknown indicator {indicator!r}: not in data/raw/indicators.yaml")
    return indicators[indicator]


def indicator_name(indicator_def: Mapping | str, lang: str) -> str:
    """An indicator's name in `lang`: from its indicators.yaml definition (a dict), or its id."""
    _check_lang(lang)
    definition = indicator_definition(indicator_def) if isinstance(indicator_def, str) else indicator_def
    name = definition.get(f"name_{lang}")
    if not name:
        raise KeyError(f"indicator definition has no name_{lang}: {dict(definition)!r}")
    return nfc(str(name))


def series_name(series: str | None, lang: str) -> str:
    """A series' name from data/raw/series.yaml; an unknown id is shown as itself."""
    _check_lang(lang)
    if not series:
        return MISSING
    _, catalogue = _catalogue()
    entry = catalogue.get(series) or {}
    return nfc(str(entry.get(f"name_{lang}") or series))


# ---- numbers --------------------------------------------------------------------------------------------
def _is_missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def fmt_number(x: float | int | None, lang: str, decimals: int = 1) -> str:
    """1234.5 -> "1.234,5" (vi) or "1,234.5" (en); None/NaN -> "–"; negatives use the minus sign."""
    _check_lang(lang)
    if _is_missing(x):
        return MISSING
    assert x is not None  # _is_missing covers None
    text = f"{abs(float(x)):,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    if float(x) < 0 and any(c not in "0.," for c in text):
        text = MINUS + text
    return text


def fmt_percent(x: float | None, lang: str, decimals: int = 1) -> str:
    """A value already in percent (0–100): 12.66 -> "12,7%" (vi) / "12.7%" (en)."""
    return MISSING if _is_missing(x) else fmt_number(x, lang, decimals) + "%"


def fmt_probability(p: float | None, lang: str) -> str:
    """A probability (0–1) as a whole percent: 0.72 -> "72%"; below 1% "< 1%", above 99% "> 99%"."""
    _check_lang(lang)
    if _is_missing(p):
        return MISSING
    assert p is not None  # _is_missing covers None
    if not 0 <= p <= 1:
        raise ValueError(f"probability {p!r} is outside 0–1")
    if 0 < p < 0.005:
        return "< 1%"
    if 0.995 < p < 1:
        return "> 99%"
    return f"{round(p * 100):d}%"


def fmt_value(x: float | None, unit: str, lang: str, decimals: int | None = None) -> str:
    """A value in an indicator's unit, as a reader sees it: "12,7%", "0,610" (index), "6" (rank).
    `decimals` overrides the unit's default (1 for percent, 3 for index, 0 for rank)."""
    default = {"percent": 1, "index": 3, "rank": 0, "score": 2}
    if unit not in default:
        raise KeyError(f"unknown indicator unit {unit!r} (percent, index, rank or score)")
    d = default[unit] if decimals is None else decimals
    return fmt_percent(x, lang, d) if unit == "percent" else fmt_number(x, lang, d)


def fmt_change(x: float, unit: str | None, lang: str) -> str:
    """An annual change with its sign: "+2,3 điểm %/năm" (vi), "−1.7 places/year" (en)."""
    decimals = {"index": 3}.get(unit or "", 2)
    number = fmt_number(abs(x), lang, decimals).rstrip("0").rstrip(",.") if decimals else fmt_number(abs(x), lang, 0)
    sign = "−" if x < 0 else "+"
    return t(
        f"change.{unit if unit in ('percent', 'index', 'rank', 'score') else 'none'}", lang, value=f"{sign}{number}"
    )


def fmt_target(x: float | None, unit: str, lang: str) -> str:
    """A target as documents state it: whole numbers without decimals ("20%"), others as fmt_value."""
    if _is_missing(x):
        return MISSING
    assert x is not None  # _is_missing covers None
    return fmt_value(x, unit, lang, 0 if float(x) == round(float(x)) and unit != "index" else None)


def vega_format_locale(lang: str) -> dict[str, dict]:
    """{"number": d3-format locale, "time": d3-time-format locale} for `lang` (Vega-Lite `config.locale`)."""
    _check_lang(lang)
    return {
        "number": dict(_NUMBER_LOCALE[lang]),
        "time": {k: (list(v) if isinstance(v, list) else v) for k, v in _TIME_LOCALE[lang].items()},
    }


def fmt_date(d: Any, lang: str) -> str:
    """A date as readers write it: 3/6/2020 (vi, d/m/yyyy), 3 June 2020 (en); None -> "–"; text passes through."""
    _check_lang(lang)
    if _is_missing(d):
        return MISSING
    if isinstance(d, str):
        from datetime import date

        try:
            d = date.fromisoformat(d[:10])
        except ValueError:
            return d
    return f"{d.day}/{d.month}/{d.year}" if lang == "vi" else f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}"

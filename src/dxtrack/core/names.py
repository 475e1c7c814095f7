"""Normalising Vietnamese place names for display and for matching.

`clean_text` fixes what arrives in real files (NFD text, "Ð" U+00D0 for "Đ", stray spaces) and keeps the
diacritics. `match_key` reduces a name to the letters that identify it, so that "TP. Đà Nẵng",
"Thành phố Đà Nẵng", "Da Nang City", "Danang" and "ĐÀ  NẴNG" all become "danang", and old-style tone
placement ("Hoà", "Thanh Hoá") meets the new style ("Hòa", "Thanh Hóa").
"""

from __future__ import annotations

import re
import unicodedata

# Lookalikes that real exports contain instead of Vietnamese letters.
_LOOKALIKES = str.maketrans({"Ð": "Đ", "ð": "đ", "Ɖ": "Đ", "ɖ": "đ", "\u00a0": " ", "–": "-", "—": "-"})

# Administrative prefixes and suffixes that are not part of a unit's name (matched after accents are removed).
_PREFIX = re.compile(r"^(?:thanh pho|tinh|t\.p\.?|tp\.?)(?:\s+|\.|(?=hcm\b))")
_SUFFIX = re.compile(r"\s+(?:city|province)$")
_PARENTHETICAL = re.compile(r"\([^)]*\)")


def clean_text(text: str) -> str:
    """NFC, lookalike letters fixed, whitespace collapsed: the form every stored string takes."""
    text = unicodedata.normalize("NFC", str(text).translate(_LOOKALIKES))
    return " ".join(text.split())


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def match_key(name: str) -> str:
    """The identity of a name for matching: no case, accents, prefixes, punctuation or spaces."""
    text = strip_accents(clean_text(name)).lower()
    text = _PARENTHETICAL.sub(" ", text)
    text = " ".join(re.sub(r"[-_/,;:]", " ", text).split())
    text = _PREFIX.sub("", text).strip()
    text = _SUFFIX.sub("", text)
    return re.sub(r"[^a-z0-9]", "", text)


def slug(name: str) -> str:
    """A file-name-safe ASCII slug: 'Thành phố Hồ Chí Minh' -> 'thanh-pho-ho-chi-minh'."""
    text = strip_accents(clean_text(name)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")

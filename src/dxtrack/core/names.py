"""Normalising Vietnamese place names for display and for matching.

`clean_text` fixes what arrives in real files (NFD text, "Ð" U+00D0 for "Đ", stray spaces) and keeps the
diacritics. `match_key` reduces a name to the letters that identify it, so that "TP. Đà Nẵng",
"Thành phố Đà Nẵng", "Da Nang City", "Danang" and "ĐÀ  NẴNG" all become "danang", and old-style tone
placement ("Hoà", "Thanh Hoá") meets the new style ("Hòa", "Thanh Hóa").

Letters are compared as letters, never squeezed to ASCII: a letter of another script that looks like a
Vietnamese one ("Hậս Giang" with an Armenian ս, a Cyrillic "а") stays in the key, so it cannot match a
*different* province once deleted; `foreign_letters` names it, and name resolution refuses it with the closest
candidates (dxtrack.ingest.units).
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
    return "".join(ch for ch in text if ch.isalnum())


def _vietnamese_letter(ch: str) -> bool:
    """A letter of the Vietnamese (Latin) alphabet, with any accents: its base letter is a-z, or đ."""
    base = unicodedata.normalize("NFD", ch)[0]
    return ("a" <= base.lower() <= "z" and base.isascii()) or base in "Đđ"


def foreign_letters(text: str) -> list[str]:
    """Characters of a name that are not Vietnamese letters, digits, spaces or punctuation: letters or digits of
    another script (Cyrillic "а", Armenian "ս", Greek "ο", fullwidth "Ｈ", dotless "ı") and invisible format
    or control characters. Each as "'ս' (U+057D ARMENIAN SMALL LETTER SEH)"."""
    found = []
    for ch in dict.fromkeys(unicodedata.normalize("NFC", str(text).translate(_LOOKALIKES))):
        category = unicodedata.category(ch)
        if category.startswith("M"):
            continue  # a combining mark on a letter (a tone left over after NFC)
        odd = (
            (category.startswith("L") and not _vietnamese_letter(ch))
            or (category.startswith("N") and not ch.isascii())
            or category in ("Cf", "Cc", "Co", "Cn", "Cs")
        )
        if odd:
            shown = f"{ch!r} " if category.startswith(("L", "N")) else "an invisible "
            found.append(f"{shown}(U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed character')})")
    return found


def slug(name: str) -> str:
    """A file-name-safe ASCII slug: 'Thành phố Hồ Chí Minh' -> 'thanh-pho-ho-chi-minh'."""
    text = strip_accents(clean_text(name)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")

"""Status reasons and notes in words: the model stores a key and its fields, the report says them.

status.parquet holds `reason_key` + `reason_fields` and `note_key` + `note_fields` (fields as JSON); `worded`
adds the sentences in both languages for the tables, charts and annex that show them. A third language is a
new column of report/labels.yaml, not a change to the model's output.
"""

from __future__ import annotations

import json

import polars as pl

from dxtrack.report import labels


def _fields(fields: str | dict | None) -> dict:
    if fields is None:
        return {}
    return json.loads(fields) if isinstance(fields, str) else dict(fields)


def _compact(value: float, unit: str | None, lang: str) -> str:
    """A published value without padding zeros: 16.5 -> "16,5%" (vi), 45.8 -> "45.8%"; ranks whole."""
    if unit not in ("percent", "index"):
        return labels.fmt_value(value, unit, lang) if unit else str(value)
    number = labels.fmt_number(value, lang, 2 if unit == "percent" else 4).rstrip("0").rstrip(",.")
    return number + ("%" if unit == "percent" else "")


def reason_text(key: str, fields: str | dict | None, lang: str) -> str:
    """Fill a reason template: values become "12,7%" / "12.7%", changes "+2,3 điểm %/năm" / "+2.3 pp/year".
    The indicator's unit (percent, index, rank) travels in the fields as `unit`."""
    fields = _fields(fields)
    unit = fields.get("unit")
    shown = {}
    for name, value in fields.items():
        if name == "target":
            shown[name] = labels.fmt_target(value, unit, lang) if unit else str(value)
        elif name in ("latest", "value"):
            shown[name] = _compact(value, unit, lang)
        elif name in ("observed", "required"):
            shown[name] = labels.fmt_change(value, unit, lang)
        elif name == "comparator":
            shown[name] = labels.comparator_symbol(value)
        elif name == "p":
            shown[name] = labels.fmt_probability(value, lang)
        else:
            shown[name] = value
    shown.setdefault("p", labels.fmt_probability(None, lang))  # P(meet) is left out where it would mean nothing
    text = labels.t(f"reason.{key}", lang, **{k: v for k, v in shown.items() if k != "unit"})
    return (labels.t("reason.moving_away", lang) + text) if fields.get("moving_away") else text


def note_text(key: str | None, fields: str | dict | None, lang: str) -> str | None:
    return None if key is None else labels.t(f"note.{key}", lang, **_fields(fields))


def worded(status: pl.DataFrame) -> pl.DataFrame:
    """`status` with `reason`, `reason_vi`, `note`, `note_vi` in words (English, Vietnamese)."""

    def column(fn, key: str, fields: str, lang: str) -> pl.Series:
        return pl.Series(
            [
                fn(k, f, lang) if k is not None else None
                for k, f in zip(status[key].to_list(), status[fields].to_list())
            ],
            dtype=pl.String,
        )

    return status.with_columns(
        column(reason_text, "reason_key", "reason_fields", "en").alias("reason"),
        column(reason_text, "reason_key", "reason_fields", "vi").alias("reason_vi"),
        column(note_text, "note_key", "note_fields", "en").alias("note"),
        column(note_text, "note_key", "note_fields", "vi").alias("note_vi"),
    )

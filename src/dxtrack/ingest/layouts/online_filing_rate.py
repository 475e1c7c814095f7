"""Layout `online_filing_rate`: the share of dossiers filed online, with its period, definition and counts."""

from __future__ import annotations

import polars as pl

from dxtrack.core.errors import DataError
from dxtrack.ingest.periods import parse_period
from dxtrack.ingest.reader import Reader


def read_online_filing_rate(reader: Reader) -> pl.DataFrame:
    df = reader.table(["year", "period", "province_name_as_source", "value_pct", "source_url", "definition_scope"])
    overrides = reader.periods
    for r in df.iter_rows(named=True):
        year = reader.year(r)
        period = parse_period(r["period"], year, overrides, where=reader.where(r["__row"], "period"))
        total = reader.number(r, "dossiers_total", kind="count")
        online = reader.number(r, "dossiers_online", kind="count")
        if total is not None and online is not None and online > total:
            raise DataError(f"more online dossiers than dossiers in total ({total:.0f})", value=r["dossiers_online"],
                            **reader.where(r["__row"], "dossiers_online"))
        value = reader.number(r, "value_pct")
        if value is not None:
            reader.add(r, name_column="province_name_as_source", value_column="value_pct",
                       indicator="online_filing_rate", value=value,
                       period=period, rule=reader.series_rule(r), numerator=online, denominator=total)
    return reader.frame()

"""Layout `online_filing_rate`: the share of dossiers filed online, with its period, definition and counts.

A row with both dossier counts but no percentage is kept: its rate is computed from the published counts
(100 × dossiers_online / dossiers_total), flagged `derived` with that formula. A row with neither a percentage
nor both counts yields no value and is reported (rows read = rows kept + rows reported)."""

from __future__ import annotations

import polars as pl

from dxtrack.core.errors import DataError
from dxtrack.ingest.periods import parse_period
from dxtrack.ingest.reader import Reader

COUNTS_FORMULA = "computed from published counts: 100 × dossiers_online / dossiers_total"


def read_online_filing_rate(reader: Reader) -> pl.DataFrame:
    df = reader.table(["year", "period", "province_name_as_source", "value_pct", "source_url", "definition_scope"])
    overrides = reader.periods
    for r in df.iter_rows(named=True):
        year = reader.year(r)
        period = parse_period(r["period"], year, overrides, where=reader.where(r["__row"], "period"))
        total = reader.number(r, "dossiers_total", kind="count")
        online = reader.number(r, "dossiers_online", kind="count")
        if total is not None and online is not None and online > total:
            raise DataError(
                f"more online dossiers than dossiers in total ({total:.0f})",
                value=r["dossiers_online"],
                **reader.where(r["__row"], "dossiers_online"),
            )
        value = reader.number(r, "value_pct")
        derivation = derived_from = None
        if value is None and total is not None and online is not None and total > 0:
            value = round(100.0 * online / total, 10)
            derivation = COUNTS_FORMULA
            derived_from = f"dossiers_online={online:g}; dossiers_total={total:g}"
        if value is not None:
            reader.add(
                r,
                name_column="province_name_as_source",
                value_column="value_pct",
                indicator="online_filing_rate",
                value=value,
                period=period,
                rule=reader.series_rule(r),
                numerator=online,
                denominator=total,
                derivation=derivation,
                derived_from=derived_from,
            )
        elif total is not None or online is not None:
            reader.skip(r, "one dossier count without the other and no percentage: no rate can be computed")
    return reader.frame()

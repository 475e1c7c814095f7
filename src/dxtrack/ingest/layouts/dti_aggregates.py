"""Layout `dti_aggregates`: national DTI figures, one row per year and measure."""

from __future__ import annotations

import polars as pl

from dxtrack.ingest.periods import parse_period
from dxtrack.ingest.reader import Reader


def read_dti_aggregates(reader: Reader) -> pl.DataFrame:
    df = reader.table(["year", "measure", "value", "source_url"]).with_columns(pl.lit("Việt Nam").alias("__unit"))
    for r in df.iter_rows(named=True):
        period = parse_period(None, reader.year(r))
        rule = reader.series_rule(r)
        value = reader.number(r, "value")
        if value is not None:
            reader.add(
                r,
                name_column="__unit",
                value_column="value",
                indicator=rule.indicator or "dti",
                value=value,
                period=period,
                rule=rule,
                quote=r.get("note"),
            )
    return reader.frame()

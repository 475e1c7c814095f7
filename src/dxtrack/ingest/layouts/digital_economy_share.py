"""Layout `digital_economy_share`: the digital economy's share of GRDP, one row per unit, year and estimator."""

from __future__ import annotations

import polars as pl

from dxtrack.core.errors import DataError
from dxtrack.ingest.periods import parse_period
from dxtrack.ingest.reader import Reader


def read_digital_economy_share(reader: Reader) -> pl.DataFrame:
    df = reader.table(["year", "province_name_as_source", "value_pct", "source_url", "estimator"])
    for r in df.iter_rows(named=True):
        kind = r.get("kind") or "actual"
        if kind != "actual":
            raise DataError(
                "only published actual values are observations (targets belong in targets.csv)",
                value=kind,
                **reader.where(r["__row"], "kind"),
            )
        value = reader.number(r, "value_pct")
        if value is not None:
            reader.add(
                r,
                name_column="province_name_as_source",
                value_column="value_pct",
                indicator="digital_economy_share_grdp",
                value=value,
                period=parse_period(None, reader.year(r)),
                rule=reader.series_rule(r),
            )
    return reader.frame()

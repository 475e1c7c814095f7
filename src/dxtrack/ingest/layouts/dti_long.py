"""Layout `dti_long`: one row per province, year and DTI field (`field` is an indicator id without `dti_`)."""

from __future__ import annotations

import polars as pl

from dxtrack.core.errors import DataError
from dxtrack.ingest.periods import parse_period
from dxtrack.ingest.reader import Reader


def read_dti_long(reader: Reader) -> pl.DataFrame:
    df = reader.table(["year", "ranking_group", "province_name_as_source", "field", "value", "source_url"])
    known = set(reader.project.indicators)
    for r in df.iter_rows(named=True):
        year = reader.year(r)
        period = parse_period(None, year)
        field = (r["field"] or "").split(" ")[0]
        indicator = f"dti_{field}"
        if indicator not in known or not indicator.startswith("dti_"):
            raise DataError(
                "unknown DTI field",
                value=r["field"],
                **reader.where(r["__row"], "field"),
                hint="known fields: " + ", ".join(sorted(k[4:] for k in known if k.startswith("dti_"))),
            )
        rank_of = int(reader.map_for(r, period))
        is_rank = indicator.startswith("dti_rank")
        value = reader.rank(r, "value", rank_of) if is_rank else reader.number(r, "value")
        if value is not None:
            reader.add(
                r,
                name_column="province_name_as_source",
                value_column="value",
                indicator=indicator,
                value=value,
                period=period,
                rule=reader.series_rule(r),
                rank_of=rank_of if is_rank else None,
            )
    return reader.frame()

"""Layout `dti_wide`: one row per province and year, DTI measures as columns (rank, score, pillars…)."""

from __future__ import annotations

import polars as pl

from dxtrack.core.errors import DataError
from dxtrack.ingest.periods import parse_period
from dxtrack.ingest.reader import Reader

DTI_WIDE_COLUMNS = {
    "dti_score": "dti",
    "rank": "dti_rank",
    "digital_government": "dti_digital_government",
    "digital_economy": "dti_digital_economy",
    "digital_society": "dti_digital_society",
    "rank_government": "dti_rank_digital_government",
    "rank_economy": "dti_rank_digital_economy",
    "rank_society": "dti_rank_digital_society",
    "awareness": "dti_awareness",
    "institutions": "dti_institutions",
    "infrastructure": "dti_infrastructure",
    "human_resources": "dti_human_resources",
    "cybersecurity": "dti_cybersecurity",
}


def read_dti_wide(reader: Reader) -> pl.DataFrame:
    required = ["year", "ranking_group", "province_name_as_source", "source_url"]
    df = reader.table(required)
    assert reader.info is not None  # set by reader.table
    measures = [c for c in DTI_WIDE_COLUMNS if c in df.columns]
    unknown = [c for c in df.columns if c not in {"__row", "quote", *required, *DTI_WIDE_COLUMNS}]
    if unknown:  # a renamed measure column would otherwise be skipped silently
        raise DataError(
            f"unknown column; expected some of {list(DTI_WIDE_COLUMNS)} (or quote)",
            file=reader.display,
            row=reader.info.header_rows[-1],
            column=unknown[0],
            value=unknown[0],
        )
    if not measures:
        raise DataError(f"no DTI measure column; expected some of {list(DTI_WIDE_COLUMNS)}", file=reader.display, row=1)
    for r in df.iter_rows(named=True):
        year = reader.year(r)
        period = parse_period(None, year)
        rule = reader.series_rule(r)
        rank_of = int(reader.map_for(r, period))
        for column in measures:
            indicator = DTI_WIDE_COLUMNS[column]
            is_rank = indicator.startswith("dti_rank")
            value = reader.rank(r, column, rank_of) if is_rank else reader.number(r, column)
            if value is not None:
                reader.add(
                    r,
                    name_column="province_name_as_source",
                    value_column=column,
                    indicator=indicator,
                    value=value,
                    period=period,
                    rule=rule,
                    rank_of=rank_of if is_rank else None,
                )
    return reader.frame()

"""FIXTURE, not project data: the PAPI e-governance panel read straight from the shared additions, shaped as
observation rows so the backtest can be measured on a long real panel before PAPI is a data source.

    from papi_fixture import papi_observations, PAPI_DEFINITION
    extra = papi_observations(registry, like=observations)   # rows for pl.concat

Rows carry source_id "fixture_papi_shared_csv" and series "papi_fixture" so they can never pass for a source.
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl

SHARED = Path("/work/shared/data/observations/papi_egovernance.csv")
INDICATOR = "papi_egovernance_fixture"
PAPI_DEFINITION = {
    "name_vi": "PAPI – Quản trị điện tử (fixture)",
    "name_en": "PAPI – e-governance (fixture)",
    "unit": "score",
    "lower": 1,
    "upper": 10,
    "higher_is_better": True,
    "transform": "none",
}


def papi_observations(registry, like: pl.DataFrame, path: Path = SHARED) -> pl.DataFrame:
    """The panel as 63-map full-year observation rows (the columns of `like`, nulls where not applicable)."""
    rows = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for i, r in enumerate(csv.DictReader(fh), start=2):
            if not r["d8_e_governance"]:
                continue
            code = registry.resolve(r["province_name_as_source"], "63", file=str(path), row=i)
            code = getattr(code, "code", code)
            year = int(r["year"])
            rows.append(
                {
                    "map": "63",
                    "province_code": code,
                    "indicator": INDICATOR,
                    "series": "papi_fixture",
                    "year": year,
                    "value": float(r["d8_e_governance"]),
                    "full_year": True,
                    "derived": False,
                    "source_id": "fixture_papi_shared_csv",
                    "source_row": i,
                }
            )
    frame = pl.DataFrame(rows)
    missing = [c for c in like.columns if c not in frame.columns]
    frame = frame.with_columns([pl.lit(None, dtype=like.schema[c]).alias(c) for c in missing])
    return frame.select([pl.col(c).cast(like.schema[c]) for c in like.columns])

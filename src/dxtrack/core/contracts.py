"""pandera schemas of the tidy tables, and validation that points back at the source file and row.

Every table the pipeline writes is validated here before it is written. A failure becomes a DataError
that names the raw file and spreadsheet row the offending value came from (each tidy row carries
`source_id` and `source_row`), the column and the value, so a user can open the file and fix it.

Eager frames only: pandera validates a LazyFrame's schema but not its values (see STACK.md).
"""

from __future__ import annotations

import pandera.errors
import pandera.polars as pa
import polars as pl

from dxtrack.core.paths import Project
from dxtrack.core.errors import DataError, DataErrors

MAP_VALUES = ["63", "34", "VN"]
CODE_PATTERN = r"^(\d{2}|VN)$"


def _common_unit_columns() -> dict[str, pa.Column]:
    return {
        "map": pa.Column(str, pa.Check.isin(MAP_VALUES)),
        "unit_level": pa.Column(str, pa.Check.isin(["province", "country"])),
        "province_code": pa.Column(str, pa.Check.str_matches(CODE_PATTERN)),
    }


def observation_schema(project: Project, *, derived_allowed: bool = False) -> pa.DataFrameSchema:
    """Tidy observations: one published (or, after harmonize, derived) value per series, unit and period."""
    indicators = sorted(project.indicators)
    bounds = {k: (v.get("lower"), v.get("upper")) for k, v in project.indicators.items()}

    def within_bounds(data) -> pl.LazyFrame:
        lower = pl.col("indicator").replace_strict({k: b[0] for k, b in bounds.items()}, default=None,
                                                   return_dtype=pl.Float64)
        upper = pl.col("indicator").replace_strict({k: b[1] for k, b in bounds.items()}, default=None,
                                                   return_dtype=pl.Float64)
        upper = pl.coalesce(upper, pl.col("rank_of").cast(pl.Float64))
        ok = (lower.is_null() | (pl.col("value") >= lower)) & (upper.is_null() | (pl.col("value") <= upper))
        return data.lazyframe.select(ok.alias("within_bounds"))

    def counts_consistent(data) -> pl.LazyFrame:
        ok = pl.col("numerator").is_null() | pl.col("denominator").is_null() | (pl.col("numerator") <= pl.col("denominator"))
        return data.lazyframe.select(ok)

    def ranks_whole(data) -> pl.LazyFrame:
        ok = pl.col("rank_of").is_null() | (pl.col("value") == pl.col("value").round(0))
        return data.lazyframe.select(ok)

    return pa.DataFrameSchema(
        {
            **_common_unit_columns(),
            "indicator": pa.Column(str, pa.Check.isin(indicators)),
            "series": pa.Column(str, pa.Check.isin(sorted(project.series.get("series", {})) + (["derived"] if derived_allowed else []))),
            "year": pa.Column(int, pa.Check.in_range(1990, 2100)),
            "period_start": pa.Column(pl.Date),
            "period_end": pa.Column(pl.Date),
            "full_year": pa.Column(bool),
            "value": pa.Column(float, nullable=False),
            "numerator": pa.Column(float, pa.Check.ge(0), nullable=True),
            "denominator": pa.Column(float, pa.Check.gt(0), nullable=True),
            "rank_of": pa.Column(int, pa.Check.isin([34, 63]), nullable=True),
            "source_id": pa.Column(str),
            "source_row": pa.Column(int, nullable=True),
        },
        checks=[
            pa.Check(within_bounds, name="value within the indicator's bounds (indicators.yaml)"),
            pa.Check(counts_consistent, name="online count not above total count"),
            pa.Check(ranks_whole, name="ranks are whole numbers"),
            pa.Check(lambda d: d.lazyframe.select(pl.col("period_start") <= pl.col("period_end")),
                     name="period starts before it ends"),
        ],
        strict=False,
        name="observations",
    )


def target_schema(project: Project) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "target_id": pa.Column(str, unique=True),
            **_common_unit_columns(),
            "indicator": pa.Column(str, pa.Check.isin(sorted(project.indicators))),
            "comparator_norm": pa.Column(str, pa.Check.isin([">", ">=", "<="])),
            "target_value": pa.Column(float, nullable=True),
            "target_year": pa.Column(int, pa.Check.in_range(2000, 2100), nullable=True),
            "rank_of": pa.Column(int, pa.Check.isin([34, 63]), nullable=True),
            "document": pa.Column(str),
            "in_force": pa.Column(bool),
        },
        strict=False,
        name="targets",
    )


def units_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "map": pa.Column(str, pa.Check.isin(["63", "34"])),
            "province_code": pa.Column(str, pa.Check.str_matches(r"^\d{2}$")),
            "name_vi": pa.Column(str),
            "slug": pa.Column(str, pa.Check.str_matches(r"^[a-z0-9-]+$")),
        },
        checks=[pa.Check(lambda d: d.lazyframe.select(pl.struct("map", "province_code").is_unique()),
                         name="one row per (map, code)")],
        strict=False,
        name="units",
    )


def validate(df: pl.DataFrame, schema: pa.DataFrameSchema, project: Project, *, row_column: str = "source_row",
             source_column: str | None = "source_id", files: dict[str, str] | None = None) -> pl.DataFrame:
    """Validate eagerly; on failure raise DataErrors locating each bad value in its raw file (`files`: source id
    -> the file to name instead, e.g. a table checked outside data/raw)."""
    try:
        return schema.validate(df, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        raise DataErrors([_locate(case, df, schema, project, row_column, source_column, files or {})
                          for case in exc.failure_cases.iter_rows(named=True)]) from None


def _locate(case: dict, df: pl.DataFrame, schema: pa.DataFrameSchema, project: Project, row_column: str,
            source_column: str | None, files: dict[str, str]) -> DataError:
    index, column, value = case.get("index"), case.get("column"), case.get("failure_case")
    if index is None:  # about the table, not a row: e.g. a column missing
        return DataError(f"the {schema.name} table fails the check '{case.get('check')}'", column=column, value=value)
    file = row = None
    if index is not None and 0 <= index < df.height:
        record = df.row(index, named=True)
        row = record.get(row_column)
        source = record.get(source_column) if source_column else None
        if source in files:
            file = files[source]
        elif source in project.sources:
            file = project.display(project.source_path(source))
        if column not in df.columns:  # a whole-row check: name the value and the indicator, not the whole row
            column = record.get("source_column") or "value"
            value = record.get("value")
            context = f" for indicator {record.get('indicator')}" if record.get("indicator") else ""
            return DataError(f"fails the {schema.name} schema check '{case.get('check')}'{context}",
                             file=file or f"<{schema.name} table>", row=row, column=column, value=value)
    return DataError(f"fails the {schema.name} schema check '{case.get('check')}'", file=file or f"<{schema.name} table>",
                     row=row, column=column, value=value)


def conflict_schema() -> pa.DataFrameSchema:
    """Each conflict has exactly one chosen row, and the chosen value is one of the values reported."""
    return pa.DataFrameSchema(
        {**_common_unit_columns(), "value": pa.Column(float), "chosen_value": pa.Column(float),
         "chosen": pa.Column(bool), "rule": pa.Column(str)},
        checks=[pa.Check(lambda d: d.lazyframe.select(
            pl.col("chosen").sum().over("map", "province_code", "indicator", "series", "period_start",
                                        "period_end") == 1), name="one chosen row per conflict")],
        strict=False, name="conflicts")


def weights_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {"province_code": pa.Column(str, pa.Check.str_matches(r"^\d{2}$")),
         "year": pa.Column(int, pa.Check.in_range(1990, 2100)),
         "population_thousand": pa.Column(float, pa.Check.gt(0), nullable=True),
         "grdp_billion_vnd": pa.Column(float, pa.Check.gt(0), nullable=True)},
        checks=[pa.Check(lambda d: d.lazyframe.select(pl.struct("province_code", "year").is_unique()),
                         name="one row per (unit, year)")],
        strict=False, name="weights")

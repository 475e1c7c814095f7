"""pandera schemas of the tidy tables, and validation that points back at the source file and row.

Every table the pipeline writes is validated here before it is written. A failure becomes a DataError
that names the raw file and spreadsheet row the offending value came from (each tidy row carries
`source_id` and `source_row`), the column and the value, so a user can open the file and fix it.

Eager frames only: pandera validates a LazyFrame's schema but not its values (see STACK.md).
"""

from __future__ import annotations

from collections.abc import Callable

import pandera.errors
import pandera.polars as pa
import polars as pl

from dxtrack.core.errors import DataError, DataErrors
from dxtrack.core.paths import Project

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
        lower = pl.col("indicator").replace_strict(
            {k: b[0] for k, b in bounds.items()}, default=None, return_dtype=pl.Float64
        )
        upper = pl.col("indicator").replace_strict(
            {k: b[1] for k, b in bounds.items()}, default=None, return_dtype=pl.Float64
        )
        upper = pl.coalesce(upper, pl.col("rank_of").cast(pl.Float64))
        ok = (lower.is_null() | (pl.col("value") >= lower)) & (upper.is_null() | (pl.col("value") <= upper))
        return data.lazyframe.select(ok.alias("within_bounds"))

    def counts_consistent(data) -> pl.LazyFrame:
        ok = (
            pl.col("numerator").is_null()
            | pl.col("denominator").is_null()
            | (pl.col("numerator") <= pl.col("denominator"))
        )
        return data.lazyframe.select(ok)

    def ranks_whole(data) -> pl.LazyFrame:
        ok = pl.col("rank_of").is_null() | (pl.col("value") == pl.col("value").round(0))
        return data.lazyframe.select(ok)

    return pa.DataFrameSchema(
        {
            **_common_unit_columns(),
            "indicator": pa.Column(str, pa.Check.isin(indicators)),
            "series": pa.Column(
                str, pa.Check.isin(sorted(project.series.get("series", {})) + (["derived"] if derived_allowed else []))
            ),
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
            pa.Check(
                lambda d: d.lazyframe.select(pl.col("period_start") <= pl.col("period_end")),
                name="period starts before it ends",
            ),
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
        checks=[
            pa.Check(
                lambda d: d.lazyframe.select(pl.struct("map", "province_code").is_unique()),
                name="one row per (map, code)",
            )
        ],
        strict=False,
        name="units",
    )


def validate(
    df: pl.DataFrame,
    schema: pa.DataFrameSchema,
    project: Project,
    *,
    row_column: str = "source_row",
    source_column: str | None = "source_id",
    files: dict[str, str] | None = None,
) -> pl.DataFrame:
    """Validate eagerly; on failure raise DataErrors locating each bad value in its raw file (`files`: source id
    -> the file to name instead, e.g. a table checked outside data/raw)."""
    try:
        valid = schema.validate(df, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        raise DataErrors(
            [
                _locate(case, df, schema, project, row_column, source_column, files or {})
                for case in exc.failure_cases.iter_rows(named=True)
            ]
        ) from None
    if schema.name == "observations":
        files = files or {}

        def display(source: str) -> str:
            if source in files:
                return files[source]
            return project.display(project.source_path(source)) if source in project.sources else source

        check_ranks_follow_scores(valid, display)
    return valid


def _locate(
    case: dict,
    df: pl.DataFrame,
    schema: pa.DataFrameSchema,
    project: Project,
    row_column: str,
    source_column: str | None,
    files: dict[str, str],
) -> DataError:
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
            return DataError(
                f"fails the {schema.name} schema check '{case.get('check')}'{context}",
                file=file or f"<{schema.name} table>",
                row=row,
                column=column,
                value=value,
            )
    return DataError(
        f"fails the {schema.name} schema check '{case.get('check')}'",
        file=file or f"<{schema.name} table>",
        row=row,
        column=column,
        value=value,
    )


def conflict_schema() -> pa.DataFrameSchema:
    """Each conflict has exactly one chosen row, and the chosen value is one of the values reported."""
    return pa.DataFrameSchema(
        {
            **_common_unit_columns(),
            "value": pa.Column(float),
            "chosen_value": pa.Column(float),
            "chosen": pa.Column(bool),
            "rule": pa.Column(str),
        },
        checks=[
            pa.Check(
                lambda d: d.lazyframe.select(
                    pl.col("chosen")
                    .sum()
                    .over("map", "province_code", "indicator", "series", "period_start", "period_end")
                    == 1
                ),
                name="one chosen row per conflict",
            )
        ],
        strict=False,
        name="conflicts",
    )


def weights_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "province_code": pa.Column(str, pa.Check.str_matches(r"^\d{2}$")),
            "year": pa.Column(int, pa.Check.in_range(1990, 2100)),
            "population_thousand": pa.Column(float, pa.Check.gt(0), nullable=True),
            "grdp_billion_vnd": pa.Column(float, pa.Check.gt(0), nullable=True),
        },
        checks=[
            pa.Check(
                lambda d: d.lazyframe.select(pl.struct("province_code", "year").is_unique()),
                name="one row per (unit, year)",
            )
        ],
        strict=False,
        name="weights",
    )


# ---- units below the province: schemes, scores, task registers (issue 15) --------------------------------------
# The clean stage writes the first eight tables (data/interim), the model stage the last four (data/processed).
# Errors name the raw file through `file`/`source_id` + `source_row` where the table carries them.


def _unique(*columns: str, name: str) -> pa.Check:
    return pa.Check(lambda d: d.lazyframe.select(pl.struct(*columns).is_unique()), name=name)


def _subunit_vocabulary():
    from dxtrack.core.subunits import COVERAGE, LEVELS, PERIOD_KINDS, TASK_STATES, UNIT_TYPES, UPDATE_STATUSES

    return COVERAGE, LEVELS, PERIOD_KINDS, TASK_STATES, UNIT_TYPES, UPDATE_STATUSES


def schemes_schema() -> pa.DataFrameSchema:
    _, _, _, _, unit_types, _ = _subunit_vocabulary()
    return pa.DataFrameSchema(
        {
            "scheme_id": pa.Column(str, pa.Check.str_matches(r"^[a-z0-9_]+$"), unique=True),
            "issuer_map": pa.Column(str, pa.Check.isin(MAP_VALUES)),
            "issuer_code": pa.Column(str, pa.Check.str_matches(CODE_PATTERN)),
            "applies_to": pa.Column(str, pa.Check.isin(list(unit_types))),
            "total": pa.Column(float, pa.Check.gt(0), nullable=True),
            "valid_from": pa.Column(pl.Date),
            "valid_to": pa.Column(pl.Date, nullable=True),
            "document_quote": pa.Column(str),
            "synthetic": pa.Column(bool),
        },
        checks=[
            pa.Check(
                lambda d: d.lazyframe.select(
                    pl.col("valid_to").is_null() | (pl.col("valid_from") <= pl.col("valid_to"))
                ),
                name="validity starts before it ends",
            )
        ],
        strict=False,
        name="schemes",
    )


def scheme_items_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "scheme_id": pa.Column(str),
            "item_id": pa.Column(str),
            "kind": pa.Column(str, pa.Check.isin(["main", "component"])),
            "max_points": pa.Column(float, pa.Check.gt(0), nullable=True),
        },
        checks=[_unique("scheme_id", "item_id", name="one row per (scheme, item)")],
        strict=False,
        name="scheme_items",
    )


def subunits_schema() -> pa.DataFrameSchema:
    _, levels, _, _, unit_types, _ = _subunit_vocabulary()
    return pa.DataFrameSchema(
        {
            "unit_id": pa.Column(str, unique=True),
            "province_map": pa.Column(str, pa.Check.isin(MAP_VALUES)),
            "province_code": pa.Column(str, pa.Check.str_matches(CODE_PATTERN)),
            "level": pa.Column(str, pa.Check.isin(list(levels))),
            "unit_type": pa.Column(str, pa.Check.isin(list(unit_types))),
            "name_vi": pa.Column(str),
            "valid_to": pa.Column(pl.Date, nullable=True),
        },
        strict=False,
        name="subunits",
    )


def agencies_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "name_vi": pa.Column(str, unique=True),
            "ceased": pa.Column(pl.Date),
            "url": pa.Column(str, pa.Check.str_matches(r"^https?://")),
        },
        strict=False,
        name="agencies",
    )


def unit_scores_schema() -> pa.DataFrameSchema:
    coverage, _, kinds, _, _, _ = _subunit_vocabulary()
    return pa.DataFrameSchema(
        {
            "scheme_id": pa.Column(str),
            "period_label": pa.Column(str),
            "period_kind": pa.Column(str, pa.Check.isin(list(kinds))),
            "period_start": pa.Column(pl.Date),
            "period_end": pa.Column(pl.Date),
            "unit_id": pa.Column(str),
            "score": pa.Column(float, pa.Check.ge(0)),
            "published_rank": pa.Column(int, pa.Check.ge(1), nullable=True),
            "source_url": pa.Column(str, pa.Check.str_matches(r"^https?://")),
            "quote": pa.Column(str),
            "coverage": pa.Column(str, pa.Check.isin(list(coverage))),
            "synthetic": pa.Column(bool),
            "source_id": pa.Column(str),
            "source_row": pa.Column(int),
        },
        checks=[
            _unique("scheme_id", "period_label", "unit_id", "component_id", name="one score per unit, period and item")
        ],
        strict=False,
        name="unit_scores",
    )


def tasks_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "task_id": pa.Column(str, unique=True),
            "province_map": pa.Column(str, pa.Check.isin(MAP_VALUES)),
            "province_code": pa.Column(str, pa.Check.str_matches(CODE_PATTERN)),
            "document": pa.Column(str),
            "task_vi": pa.Column(str),
            "lead_agency": pa.Column(str),
            "source_url": pa.Column(str, pa.Check.str_matches(r"^https?://"), nullable=True),
            "source_id": pa.Column(str),
            "source_row": pa.Column(int),
            "synthetic": pa.Column(bool),
        },
        checks=[
            pa.Check(
                lambda d: d.lazyframe.select(pl.col("source_url").is_not_null() | pl.col("source_text").is_not_null()),
                name="a URL, or the source's note saying why there is none",
            )
        ],
        strict=False,
        name="tasks",
    )


def task_occurrences_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {"task_id": pa.Column(str), "occurrence": pa.Column(int, pa.Check.ge(1)), "due_date": pa.Column(pl.Date)},
        checks=[_unique("task_id", "occurrence", name="one row per occurrence")],
        strict=False,
        name="task_occurrences",
    )


def task_updates_schema() -> pa.DataFrameSchema:
    _, _, _, _, _, statuses = _subunit_vocabulary()
    return pa.DataFrameSchema(
        {
            "task_id": pa.Column(str),
            "occurrence": pa.Column(int, pa.Check.ge(1)),
            "date": pa.Column(pl.Date),
            "status": pa.Column(str, pa.Check.isin(list(statuses))),
            "evidence_url": pa.Column(str, pa.Check.str_matches(r"^https?://")),
            "quote": pa.Column(str),
            "source_id": pa.Column(str),
            "source_row": pa.Column(int),
        },
        strict=False,
        name="task_updates",
    )


def scorecard_ranks_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "scheme_id": pa.Column(str),
            "unit_id": pa.Column(str),
            "score": pa.Column(float, pa.Check.ge(0)),
            "rank": pa.Column(int, pa.Check.ge(1), nullable=True),
            "rank_of": pa.Column(int, pa.Check.ge(1), nullable=True),
            "rank_basis": pa.Column(str, pa.Check.isin(["computed", "published", "none"])),
            "tied": pa.Column(bool),
            "source_id": pa.Column(str),
            "source_row": pa.Column(int),
        },
        checks=[
            pa.Check(
                lambda d: d.lazyframe.select(
                    pl.col("rank").is_null() | pl.col("rank_of").is_null() | (pl.col("rank") <= pl.col("rank_of"))
                ),
                name="a rank is within its ranking",
            )
        ],
        strict=False,
        name="scorecard_ranks",
    )


def scorecard_movers_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "scheme_id": pa.Column(str),
            "unit_id": pa.Column(str),
            "previous_rank": pa.Column(int, pa.Check.ge(1)),
            "rank": pa.Column(int, pa.Check.ge(1)),
            "places_gained": pa.Column(int),
        },
        checks=[
            pa.Check(
                lambda d: d.lazyframe.select(pl.col("places_gained") == pl.col("previous_rank") - pl.col("rank")),
                name="places gained = previous rank - rank",
            )
        ],
        strict=False,
        name="scorecard_movers",
    )


def scorecard_distribution_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {"scheme_id": pa.Column(str), "period_label": pa.Column(str), "median": pa.Column(float)},
        checks=[
            pa.Check(
                lambda d: d.lazyframe.select((pl.col("min") <= pl.col("median")) & (pl.col("median") <= pl.col("max"))),
                name="min <= median <= max",
            )
        ],
        strict=False,
        name="scorecard_distribution",
    )


def task_status_schema() -> pa.DataFrameSchema:
    _, _, _, states, _, _ = _subunit_vocabulary()
    return pa.DataFrameSchema(
        {
            "task_id": pa.Column(str),
            "occurrence": pa.Column(int, pa.Check.ge(1)),
            "due_date": pa.Column(pl.Date),
            "state": pa.Column(str, pa.Check.isin(list(states))),
            "as_of": pa.Column(pl.Date),
            "province_code": pa.Column(str, pa.Check.str_matches(CODE_PATTERN)),
            "no_update": pa.Column(bool),
            "source_id": pa.Column(str),
            "source_row": pa.Column(int),
        },
        checks=[
            _unique("task_id", "occurrence", name="one row per occurrence"),
            pa.Check(
                lambda d: d.lazyframe.select((pl.col("state") != "overdue") | (pl.col("due_date") < pl.col("as_of"))),
                name="overdue only after the due date",
            ),
        ],
        strict=False,
        name="task_status",
    )


SUBUNIT_INTERIM = {
    "schemes": schemes_schema,
    "scheme_items": scheme_items_schema,
    "subunits": subunits_schema,
    "agencies": agencies_schema,
    "unit_scores": unit_scores_schema,
    "tasks": tasks_schema,
    "task_occurrences": task_occurrences_schema,
    "task_updates": task_updates_schema,
}
SUBUNIT_PROCESSED = {
    "scorecard_ranks": scorecard_ranks_schema,
    "scorecard_movers": scorecard_movers_schema,
    "scorecard_distribution": scorecard_distribution_schema,
    "task_status": task_status_schema,
}


# ---- ranks against their own scores ---------------------------------------------------------------------------
_PAIR_KEYS = ["source_id", "map", "series", "period_start", "period_end", "period_label", "measure"]


def check_ranks_follow_scores(candidates: pl.DataFrame, display: Callable[[str], str]) -> None:
    """In one table, the DTI rank must agree with the DTI score it ranks (`dti_rank` with `dti`, for the same map,
    series and period): a higher score has a strictly better (smaller) rank. Pillar ranks are not checked: tables
    order pillars by sub-scores the ministry does not always publish.

    Ties: equal scores may share a rank or not — published scores are rounded and the ministry ranks on the
    unrounded total, so 0.7312 and 0.7312 may be 5th and 6th — but two different scores never share a rank,
    and a lower score never outranks a higher one. Rows listing only some units are checked among themselves.
    A table whose ranks contradict its scores (1, 1, 1, 9, 9, 2, 40 … down a falling score column) is refused
    naming the first row out of order and the row it contradicts. A unit listed twice with different figures is a
    conflict, reported as such by dxtrack.ingest.resolve, and left out of this check.
    """
    if not {"source_id", "source_row", "source_column", "period_label", "series"} <= set(candidates.columns):
        return
    candidates = candidates.filter(pl.col("source_id") != "derived")
    ranks = candidates.filter(pl.col("indicator") == "dti_rank")
    if ranks.is_empty():
        return
    ranks = ranks.select(
        "source_row",
        "source_column",
        "province_code",
        *_PAIR_KEYS[:-1],
        pl.col("value").alias("rank"),
        pl.col("indicator").str.replace(r"^dti_rank", "dti").alias("measure"),
    )
    scores = candidates.filter(pl.col("indicator") == "dti").select(
        "source_row", *_PAIR_KEYS[:-1], pl.col("indicator").alias("measure"), pl.col("value").alias("score")
    )
    pairs = ranks.join(scores, on=["source_row", *_PAIR_KEYS], nulls_equal=True)
    # A unit listed twice with different figures is a conflict (dxtrack.ingest.resolve reports it): not checked here.
    pairs = pairs.filter(pl.struct("rank", "score").n_unique().over(*_PAIR_KEYS, "province_code") == 1)
    if pairs.is_empty():
        return
    groups = (
        pairs.group_by(*_PAIR_KEYS, "score")
        .agg(
            pl.col("rank").min().alias("lo"),
            pl.col("rank").max().alias("hi"),
            pl.col("source_row").sort_by("rank").first().alias("row"),
            pl.col("source_column").first().alias("column"),
        )
        .sort(*_PAIR_KEYS, "score", descending=[False] * len(_PAIR_KEYS) + [True], nulls_last=True)
    )
    groups = groups.with_columns(pl.col("hi").cum_max().shift(1).over(_PAIR_KEYS).alias("better_hi"))
    bad = groups.filter(pl.col("lo") <= pl.col("better_hi"))
    if bad.is_empty():
        return
    first = bad.sort("row").row(0, named=True)
    keys = [pl.col(k).eq_missing(first[k]) for k in _PAIR_KEYS]
    culprit = (
        groups.filter(*keys, pl.col("score") > first["score"], pl.col("hi") >= first["lo"])
        .sort("score", descending=True)
        .row(0, named=True)
    )
    raise DataError(
        f"rank {first['lo']:g} for score {first['score']:g}, but row {culprit['row']} has the higher "
        f"score {culprit['score']:g} with rank {culprit['hi']:g}: the ranks contradict the scores they "
        "rank",
        file=display(first["source_id"]),
        row=first["row"],
        column=first["column"],
        value=f"{first['lo']:g}",
        hint="a higher score has a strictly better rank; equal scores may share a rank (docs/adding-data.md §5)",
    )

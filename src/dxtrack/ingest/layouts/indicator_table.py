"""Layout `indicator_table`: a generic table of one or more indicators by unit and year — national series,
survey panels (PAPI), indices with a rank and a score (Decision 766). Which column holds which indicator is
said in the source's source.yaml, so a new table of this shape is a new folder, not new code:

    indicators:
      d8_e_governance: papi_egovernance          # value column -> indicator id (data/raw/indicators.yaml)
      rank: index766_rank                        # an indicator whose unit is `rank` is read as a rank
      value_pct:                                 # or, where a unit name ends in a [qualifier] ("Ninh Thuận
        province level: work_records_online_province    #  [district level]"): qualifier -> indicator id
        district level: work_records_online_district    #  ("" for a name without one)

Columns: `year`, `province_name_as_source`, `source_url`, the value columns named under `indicators:`, and any of
`period` (a part of a year, as the other layouts read it), `quote`, `note`, `definition_scope`, `n_ranked` (the
size of the ranking a rank is out of; else the map's), `ranking_group` (the map). Any other column is an error: a
renamed value column is never skipped silently. The series comes from `series:` as in every layout (`fixed:`,
or `column:` + `texts:`, whose entries may also name the `indicator`).
"""

from __future__ import annotations

import re
from dataclasses import replace

import polars as pl

from dxtrack.core.errors import DataError
from dxtrack.core.vocabulary import rank_of as map_size
from dxtrack.ingest.periods import parse_period
from dxtrack.ingest.reader import Reader

REQUIRED = ["year", "province_name_as_source", "source_url"]
OPTIONAL = {"period", "quote", "note", "definition_scope", "n_ranked", "ranking_group"}
_QUALIFIED = re.compile(r"^(.*?)\s*\[([^\]]+)\]\s*$")


def _mapping(reader: Reader) -> dict[str, str | dict]:
    indicators = reader.entry.get("indicators")
    if not indicators:
        raise DataError(
            "an indicator_table source needs `indicators:` (value column -> indicator id)",
            **reader.meta("indicators"),
            hint="docs/adding-data.md §2, layout indicator_table",
        )
    known = reader.project.indicators
    for _column, target in indicators.items():
        ids = target.values() if isinstance(target, dict) else [target]
        for indicator in ids:
            if indicator not in known:
                raise DataError(
                    "indicator not declared in data/raw/indicators.yaml (add it there once, with "
                    "name_vi, name_en, unit, bounds, transform and aggregation)",
                    **reader.meta("indicators"),
                    value=indicator,
                )
    return indicators


def read_indicator_table(reader: Reader) -> pl.DataFrame:
    indicators = _mapping(reader)
    series_column = (reader.rules or {}).get("column")
    df = reader.table([*REQUIRED, *indicators])
    assert reader.info is not None  # set by reader.table
    allowed = {"__row", *REQUIRED, *OPTIONAL, *indicators, *([series_column] if series_column else [])}
    unknown = [c for c in df.columns if c not in allowed]
    if unknown:
        raise DataError(
            f"unknown column; this source's `indicators:` names {list(indicators)}, and the layout "
            f"also reads {sorted(OPTIONAL)}",
            file=reader.display,
            row=reader.info.header_rows[-1],
            column=unknown[0],
            value=unknown[0],
            hint="name the column under `indicators:` in source.yaml if it holds figures",
        )
    for r in df.iter_rows(named=True):
        year = reader.year(r)
        period = parse_period(r.get("period"), year, reader.periods, where=reader.where(r["__row"], "period"))
        name = r["province_name_as_source"] or ""
        qualified = _QUALIFIED.match(name)
        unit_name, qualifier = (qualified[1], qualified[2]) if qualified else (name, "")
        row = {**r, "province_name_as_source": unit_name}
        rule = reader.series_rule(r)
        if r.get("note"):  # the compiler's note on this row travels with its figures
            rule = replace(rule, note="; ".join(n for n in (rule.note, r["note"]) if n))
        for column, target in indicators.items():
            if isinstance(target, dict):
                indicator = target.get(qualifier)
                if indicator is None:
                    raise DataError(
                        f"no indicator for the qualifier [{qualifier}] under `indicators: {column}:` in "
                        f"{reader.meta('indicators')['file']}",
                        value=name,
                        **reader.where(r["__row"], "province_name_as_source"),
                        hint=f"known qualifiers: {sorted(target)}",
                    )
            elif qualifier:
                raise DataError(
                    f"the name carries a qualifier [{qualifier}] that `indicators: {column}:` does not "
                    "map to an indicator",
                    value=name,
                    **reader.where(r["__row"], "province_name_as_source"),
                    hint="map each qualifier to an indicator: `indicators: {column: {qualifier: id}}`",
                )
            else:
                indicator = rule.indicator or target
            if reader.project.indicators[indicator].get("unit") == "rank":
                size = reader.number(r, "n_ranked", kind="count") if r.get("n_ranked") else None
                size_of_map = map_size(reader.map_for(r, period))
                rank_of = int(size) if size is not None else size_of_map
                if rank_of is None:
                    raise DataError(
                        "a national row cannot hold a rank", value=r.get(column), **reader.where(r["__row"], column)
                    )
                value = reader.rank(r, column, rank_of)
            else:
                rank_of = None
                value = reader.number(r, column)
            if value is not None:
                reader.add(
                    row,
                    name_column="province_name_as_source",
                    value_column=column,
                    indicator=indicator,
                    value=value,
                    period=period,
                    rule=rule,
                    rank_of=rank_of,
                    name_as_source=name,
                )
        if not any(r.get(c) not in (None, "") for c in indicators):
            reader.skip(r, f"no value in {', '.join(indicators)} (blank = not published)")
    return reader.frame()

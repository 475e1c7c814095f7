"""Layout `ministry_dti`: a DTI ranking as the ministry publishes it (rank, province, pillars, total);
its year, map and URL come from the source's source.yaml."""

from __future__ import annotations

from datetime import date

import polars as pl

from dxtrack.core.errors import DataError
from dxtrack.core.names import clean_text, strip_accents
from dxtrack.core.vocabulary import map_for_period_end
from dxtrack.ingest.periods import parse_period
from dxtrack.ingest.reader import Reader

# ---- a ministry-style DTI table: rank, province, sub-indices, total ------------------------------------
# Header texts are compared without case, accents, spaces or punctuation; a two-row header's parts
# ("Chính quyền số / Xếp hạng") are read together: a topic (a pillar or the total) and whether it is a rank.
_M_PROVINCE = {"tinhthanhpho", "tinhthanh", "tinhtp", "tinh", "tentinh", "diaphuong", "province", "provincecity"}
_M_RANK = {"xephang", "hang", "thuhang", "rank", "ranking"}
_M_ROW_NUMBER = {"stt", "tt", "sothutu", "no"}
_M_TOTAL = {"dti", "tong", "tongdiem", "chisodti", "diemdti", "dtiscore", "dtitong", "tongchiso", "total", "overall"}
_M_PILLARS = {
    "chinhquyenso": "digital_government",
    "digitalgovernment": "digital_government",
    "kinhteso": "digital_economy",
    "digitaleconomy": "digital_economy",
    "xahoiso": "digital_society",
    "digitalsociety": "digital_society",
    "nhanthucso": "awareness",
    "thecheso": "institutions",
    "hatangso": "infrastructure",
    "nhanlucso": "human_resources",
    "antoanthongtinmang": "cybersecurity",
    "antoanthongtin": "cybersecurity",
}
_M_NEUTRAL = {
    "diem",
    "diemso",
    "score",
    "giatri",
    "chisothanhphan",
    "chisochinh",
    "trucot",
    "cactrucot",
    "chisonentang",
    "nentang",
    "thanhphan",
    "chiso",
}  # words that name neither a topic nor a rank
_M_IGNORED = {"ghichu", "note", "notes", "matinh", "ma", "code", "khuvuc", "vung", "region"}


def _header_key(text: str) -> str:
    return "".join(ch for ch in strip_accents(clean_text(text)).lower() if ch.isalnum())


def ministry_column(name: str) -> str | None:
    """What a ministry table's column holds: "province", "row_number", "ignored", an indicator id, or None."""
    parts = [_header_key(p) for p in name.split(" / ")]
    if len(parts) == 1 and parts[0] in _M_PROVINCE:
        return "province"
    if len(parts) == 1 and parts[0] in _M_ROW_NUMBER:
        return "row_number"
    if len(parts) == 1 and parts[0] in _M_IGNORED:
        return "ignored"
    topics = [p for p in parts if p in _M_PILLARS or p in _M_TOTAL]
    is_rank = any(p in _M_RANK for p in parts)
    if (
        any(p not in _M_PILLARS and p not in _M_TOTAL and p not in _M_RANK and p not in _M_NEUTRAL for p in parts)
        or len(set(topics)) > 1
        or not (topics or is_rank)
    ):
        return None
    pillar = _M_PILLARS.get(topics[0]) if topics else None
    if pillar is None:
        return "dti_rank" if is_rank else "dti"
    return f"dti_rank_{pillar}" if is_rank else f"dti_{pillar}"


def _stt_is_rank(reader: Reader, df: pl.DataFrame, stt: str, total: str | None) -> bool:
    """STT (a row number) is read as the rank only when it follows the order of the total score."""
    if total is None:
        return False
    read = [(reader.number(r, stt, kind="count"), reader.number(r, total)) for r in df.iter_rows(named=True)]
    # a missing-value marker ("-") reads as None: such a row says nothing about the order
    pairs = sorted((n, t) for n, t in read if n is not None and t is not None)
    scores = [t for _, t in pairs]
    return len(pairs) > 1 and all(a >= b for a, b in zip(scores, scores[1:]))


def read_ministry_dti(reader: Reader) -> pl.DataFrame:
    """A DTI ranking table as the ministry publishes it; its year, map and URL come from its source.yaml."""
    entry, project = reader.entry, reader.project
    year = entry.get("year")
    if not isinstance(year, int) or not 1990 <= year <= 2100:
        raise DataError(
            "a ministry_dti source needs `year:` (the DTI's reference year)", value=year, **reader.meta("year")
        )
    if not entry.get("url"):
        raise DataError(
            "a ministry_dti source needs `url:` (where the table was published)",
            value=entry.get("url"),
            **reader.meta("url"),
        )
    period = parse_period(None, year)
    stated = entry.get("map")
    if stated is not None:
        stated = str(stated)
        if stated not in ("63", "34"):
            raise DataError("`map` must be 63 or 34", value=stated, **reader.meta("map"))
        if stated == "63" and period.start >= project.merger_date:
            raise DataError(
                f"the 63-unit map ended on 30 June 2025; the year {year} is after it",
                value=stated,
                **reader.meta("map"),
            )
    retrieved = entry.get("retrieved")
    if isinstance(retrieved, date) and period.start > retrieved:
        raise DataError(
            f"the year starts after the table was retrieved ({retrieved.isoformat()})",
            value=year,
            **reader.meta("year"),
        )

    df = reader.table([])
    assert reader.info is not None  # set by reader.table
    header_row = reader.info.header_rows[-1]
    roles = {c: ministry_column(c) for c in df.columns if c != "__row"}
    for column, role in roles.items():
        if role is None:
            raise DataError(
                "unrecognised column in a ministry_dti table",
                file=reader.display,
                row=header_row,
                column=column,
                value=column,
                hint="expected: Xếp hạng or STT, Tỉnh/thành phố, pillar columns (Chính quyền số, Kinh tế "
                "số, Xã hội số, …), DTI or Tổng; rename the column or use another layout",
            )
    provinces = [c for c, role in roles.items() if role == "province"]
    if len(provinces) != 1:
        raise DataError(
            f"expected one province column, found {provinces}",
            file=reader.display,
            row=header_row,
            column=provinces[1] if provinces else "Tỉnh, thành phố",
            value=", ".join(roles),
        )
    province = provinces[0]
    measures = {
        c: role for c, role in roles.items() if role is not None and role not in ("province", "row_number", "ignored")
    }
    twice = sorted({i for i in measures.values() if list(measures.values()).count(i) > 1})
    if twice:
        column = next(c for c, i in measures.items() if i == twice[0])
        raise DataError(
            f"two columns hold {twice[0]}", file=reader.display, row=header_row, column=column, value=column
        )
    stt = next((c for c, role in roles.items() if role == "row_number"), None)
    total = next((c for c, i in measures.items() if i == "dti"), None)
    if stt and "dti_rank" not in measures.values() and _stt_is_rank(reader, df, stt, total):
        measures[stt] = "dti_rank"
    if not measures:
        raise DataError(
            "no DTI measure column (rank, pillar or total)",
            file=reader.display,
            row=header_row,
            column=province,
            value=", ".join(roles),
        )

    rows = [{**r, "source_url": entry["url"], "quote": None, "ranking_group": stated} for r in df.iter_rows(named=True)]
    map_ = stated or map_for_period_end(period.end, project.merger_date)
    _check_one_map(reader, rows, province, map_, stated is not None, year)
    rank_of = int(map_)
    for r in rows:
        if reader.registry.resolve(r[province] or "", map_, **reader.where(r["__row"], province)).level == "country":
            raise DataError(
                "a national row in a provincial ranking",
                value=r[province],
                **reader.where(r["__row"], province),
                hint="national figures go in a dti_aggregates table (national_dti or provincial_average_dti)",
            )
        rule = reader.series_rule(r)
        for column, indicator in measures.items():
            is_rank = indicator.startswith("dti_rank")
            value = reader.rank(r, column, rank_of) if is_rank else reader.number(r, column)
            if value is not None:
                reader.add(
                    r,
                    name_column=province,
                    value_column=column,
                    indicator=indicator,
                    value=value,
                    period=period,
                    rule=rule,
                    rank_of=rank_of if is_rank else None,
                )
    return reader.frame()


def _check_one_map(reader: Reader, rows: list[dict], column: str, map_: str, stated: bool, year: int) -> None:
    """A table is on one map: no pre-merger names on the 34-unit map, and not the 34 units under an old year."""
    registry = reader.registry
    if map_ == "34":
        old = []
        for r in rows:
            try:
                registry.resolve(r[column] or "", "34")
            except DataError:
                try:
                    old.append((r, registry.resolve(r[column] or "", "63")))
                except DataError:
                    pass  # an unknown name: reported with its closest matches when the row is read
        if old:
            r, unit = old[0]
            assert unit.successor is not None  # every old unit names its successor (checked when loaded)
            new = registry.unit("34", unit.successor)
            raise DataError(
                f"{year} is on the 34-unit map (since 1 July 2025), but {len(old)} of {len(rows)} rows name "
                f"pre-merger provinces ({unit.name_vi} became part of {new.name_vi}, code {new.code}): a "
                "63-unit table for a year after the merger, or a table mixing the two maps",
                value=r[column],
                **reader.where(r["__row"], column),
                hint="check `year:` in its source.yaml; a table of the 63 units must cover a year before 2025",
            )
    elif not stated:
        units = {}
        for r in rows:
            try:
                units[registry.resolve(r[column] or "", "34").code] = r
            except DataError:
                return  # a name only the old map knows: a 63-unit table
        if len(rows) == len(registry.units["34"]) and set(units) == set(registry.units["34"]):
            code, r = next((c, r) for c, r in units.items() if len(registry.units["34"][c].members) > 1)
            raise DataError(
                f"the table lists the 34 post-merger units, but its year {year} puts it on the 63-unit "
                f"map, where this name means only the old province",
                value=r[column],
                **reader.where(r["__row"], column),
                hint="if the ranking really is of the 34 units, say `map: 34` in its source.yaml",
            )

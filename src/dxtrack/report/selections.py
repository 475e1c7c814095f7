"""What the reports say, as data: selections and summaries the notebooks turn into text and charts.

Every function takes the loaded tables (dxtrack.core.tables.Tables) and returns a polars frame or a dict, so the
notebooks hold narrative only and tests reach every rule here.
"""

from __future__ import annotations

import polars as pl

from dxtrack.core.tables import Tables
from dxtrack.report.reasons import worded

# Worst first: a unit's summary status is the worst status among its in-force targets that could be assessed.
SEVERITY = [
    "regressing",
    "too slow",
    "acceleration needed",
    "year passed, pending",
    "on track",
    "met so far",
    "achieved",
]
UNASSESSED = ["insufficient data", "no data", "not assessable"]


def unit_targets(t: Tables, map_: str, code: str) -> pl.DataFrame:
    """Status rows for a unit's targets. A 34-map unit lists its own and its members' (pre-merger) targets,
    with `set_by_map`/`set_by_code`/`set_by_name` saying whose document set each."""
    if map_ == "34":
        members = t.unit("34", code)["member_codes"]
        rows = t.status.filter(
            ((pl.col("map") == "34") & (pl.col("province_code") == code))
            | ((pl.col("map") == "63") & pl.col("province_code").is_in(members))
        )
    else:
        rows = t.status.filter((pl.col("map") == map_) & (pl.col("province_code") == code))
    names = t.units.select(pl.col("map"), pl.col("province_code"), pl.col("name_vi").alias("set_by_name"))
    extra = t.targets.select("target_id", "quotes", "source_urls", "jurisdiction_as_source")
    return (
        worded(rows)
        .join(names, on=["map", "province_code"], how="left")
        .with_columns(pl.col("set_by_name").fill_null("Việt Nam"))
        .join(extra, on="target_id", how="left")
        .rename({"map": "set_by_map", "province_code": "set_by_code"})
        .sort(
            "set_by_map",
            "set_by_code",
            "target_year",
            "indicator",
            "target_id",
            "preferred",
            descending=[False, False, False, False, False, True],
            nulls_last=True,
        )
    )


def missing_data(rows: pl.DataFrame) -> pl.DataFrame:
    """Targets without a single figure to assess them by: what a researcher would need to collect."""
    return (
        rows.filter(pl.col("preferred") & pl.col("series").is_null())
        .select(
            "set_by_name",
            "indicator",
            "measured_by",
            "comparator_norm",
            "target_value",
            "target_year",
            "document",
            "status",
            "reason",
        )
        .unique(maintain_order=True)
    )


def summary_status(t: Tables, map_: str) -> pl.DataFrame:
    """One status per unit of a map, for choropleths: the worst assessed status among its in-force targets
    (a 34-map unit counts its members' targets); a unit whose targets cannot be assessed shows the best
    of `insufficient data`, `no data`, `not assessable`; a unit with no target at all shows null."""
    rows = t.status.filter(pl.col("preferred") & pl.col("in_force"))
    if map_ == "63":
        rows = rows.filter(pl.col("map") == "63")
    else:
        rows = rows.filter(pl.col("map") != "VN").with_columns(
            pl.when(pl.col("map") == "63")
            .then(pl.col("unit_34_code"))
            .otherwise(pl.col("province_code"))
            .alias("province_code")
        )
    order = {s: i for i, s in enumerate(SEVERITY + UNASSESSED)}
    ranked = rows.with_columns(pl.col("status").replace_strict(order).alias("severity"))
    summary = ranked.group_by("province_code").agg(
        pl.col("status").sort_by("severity").first().alias("status"),
        pl.len().alias("targets"),
        pl.col("status").is_in(SEVERITY).sum().alias("assessed"),
    )
    units = t.units.filter(pl.col("map") == map_).select("map", "province_code", "name_vi", "region_vi", "region_en")
    return units.join(summary, on="province_code", how="left").sort("province_code")


def status_matrix(t: Tables, map_: str = "63", in_force_only: bool = True) -> pl.DataFrame:
    """Units × targets for the matrix chart: one preferred status per target, with unit names and labels."""
    rows = t.status.filter(pl.col("preferred") & (pl.col("map") == map_))
    if in_force_only:
        rows = rows.filter(pl.col("in_force"))
    names = t.units.filter(pl.col("map") == map_).select("province_code", "name_vi", "region_vi")
    return worded(rows).join(names, on="province_code", how="left").sort("province_code", "indicator", "target_year")


def headline(t: Tables) -> dict[str, dict]:
    """The national figures the briefing opens with: the latest full-year value of each preferred series."""
    preference = t.project.params["model"]["series_preference"]
    national = t.observations.filter((pl.col("map") == "VN") & pl.col("full_year"))
    out = {}
    for indicator in t.project.headline_indicators:  # `headline: N` in indicators.yaml
        rows = national.filter(pl.col("indicator") == indicator)
        for series in preference.get(indicator, []) + sorted(set(rows["series"]) - set(preference.get(indicator, []))):
            pick = rows.filter(pl.col("series") == series).sort("year")
            if pick.height:
                last = pick.row(pick.height - 1, named=True)
                out[indicator] = {
                    "series": series,
                    "year": last["year"],
                    "value": last["value"],
                    "source_id": last["source_id"],
                    "period_label": last["period_label"],
                }
                break
    return out


def dti_movers(t: Tables, from_year: int, to_year: int, top: int = 5) -> pl.DataFrame:
    """Largest DTI rank changes (63-unit ranking) between two years; positive `gain` = moved up."""
    ranks = t.observations.filter((pl.col("indicator") == "dti_rank") & (pl.col("map") == "63") & pl.col("full_year"))
    start = ranks.filter(pl.col("year") == from_year).select("province_code", pl.col("value").alias("rank_from"))
    end = ranks.filter(pl.col("year") == to_year).select("province_code", pl.col("value").alias("rank_to"))
    moved = (
        start.join(end, on="province_code")
        .with_columns((pl.col("rank_from") - pl.col("rank_to")).alias("gain"))
        .join(t.units.filter(pl.col("map") == "63").select("province_code", "name_vi"), on="province_code")
    )
    ups = moved.filter(pl.col("gain") > 0).sort(["gain", "province_code"], descending=[True, False]).head(top)
    downs = moved.filter(pl.col("gain") < 0).sort(["gain", "province_code"]).head(top)
    return pl.concat([ups, downs])


def complete_ranking_years(t: Tables, map_: str = "63") -> list[int]:
    """Years in which every unit of the map has a published DTI rank (a partial list is not a ranking)."""
    ranks = t.observations.filter((pl.col("indicator") == "dti_rank") & (pl.col("map") == map_) & pl.col("full_year"))
    counts = ranks.group_by("year").agg(pl.col("province_code").n_unique().alias("n"), pl.col("rank_of").max())
    return sorted(counts.filter(pl.col("n") == pl.col("rank_of"))["year"].to_list())


def movers_years(t: Tables) -> tuple[int, int] | None:
    """(from, to) for the rank-movers chart: the latest complete 63-unit ranking and the ranking before it."""
    ranked = sorted(
        t.observations.filter((pl.col("indicator") == "dti_rank") & (pl.col("map") == "63"))["year"].unique().to_list()
    )
    end = (complete_ranking_years(t) or ranked or [None])[-1]
    earlier = [y for y in ranked if end is not None and y < end]
    return (earlier[-1], end) if earlier else None


def leaders_laggards(t: Tables, year: int, top: int = 5) -> pl.DataFrame:
    """The top and bottom `top` units of the 63-unit DTI ranking of `year` (published ranks)."""
    ranks = t.observations.filter(
        (pl.col("indicator") == "dti_rank") & (pl.col("map") == "63") & (pl.col("year") == year) & pl.col("full_year")
    )
    named = ranks.join(t.units.filter(pl.col("map") == "63").select("province_code", "name_vi"), on="province_code")
    lead = named.sort("value", "province_code").head(top).with_columns(pl.lit("leader").alias("group"))
    lag = (
        named.join(lead.select("province_code"), on="province_code", how="anti")
        .sort(["value", "province_code"], descending=[True, False])
        .head(top)
        .with_columns(pl.lit("laggard").alias("group"))
    )
    return pl.concat([lead, lag]).select("group", "province_code", "name_vi", pl.col("value").alias("rank"), "rank_of")


def merger_redraw(t: Tables) -> pl.DataFrame:
    """How the merger re-drew the targets: per new unit, its members' in-force targets per indicator and
    year, and whether different values were set for the same thing (`values_differ`)."""
    rows = (
        t.targets.filter(pl.col("in_force") & (pl.col("map") == "63") & pl.col("target_year").is_not_null())
        .group_by("unit_34_code", "indicator", "target_year")
        .agg(
            pl.col("province_code").n_unique().alias("members_with_target"),
            pl.col("target_value").drop_nulls().unique().sort().alias("values"),
        )
    )
    names = t.units.filter(pl.col("map") == "34").select(
        pl.col("province_code").alias("unit_34_code"), "name_vi", pl.col("member_codes").list.len().alias("members")
    )
    return (
        rows.join(names, on="unit_34_code", how="left")
        .with_columns((pl.col("values").list.len() > 1).alias("values_differ"))
        .sort("unit_34_code", "indicator", "target_year")
    )


def backtest_table(t: Tables) -> pl.DataFrame:
    """metrics/backtest.json as rows: family × method with MAE (model scale), bias, coverage, cases, and the
    80%/95% coverage of the calibrated bands the reports show (out of sample; None where not calibrated)."""
    rows = []
    for fam, result in t.backtest["by_family"].items():
        calibrated = (result.get("calibrated") or {}).get("methods") or {}
        for method, scores in result["methods"].items():
            cal = calibrated.get(method) or {}
            rows.append(
                {
                    "family": fam,
                    "method": method,
                    "default": method == result["default_method"],
                    **{k: scores[k] for k in ("n", "mae_model_scale", "mae", "bias", "coverage80")},
                    "coverage80_calibrated": cal.get("coverage80"),
                    "coverage95_calibrated": cal.get("coverage95"),
                }
            )
    schema = {
        "family": pl.String,
        "method": pl.String,
        "default": pl.Boolean,
        "n": pl.Int64,
        **{k: pl.Float64 for k in ("mae_model_scale", "mae", "bias", "coverage80")},
        "coverage80_calibrated": pl.Float64,
        "coverage95_calibrated": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema)


def coverage_rows(t: Tables, indicators: list[str]) -> pl.DataFrame:
    """metrics/harmonize.json coverage as rows: indicator × map × year → units with a value / units."""
    rows = [
        {"indicator": ind, "map": m, "year": int(y), "units": c["units"], "of": c["of"]}
        for ind, maps in t.harmonize["coverage"].items()
        if ind in indicators
        for m, years in maps.items()
        for y, c in years.items()
    ]
    return pl.DataFrame(
        rows, schema={"indicator": pl.String, "map": pl.String, "year": pl.Int64, "units": pl.Int64, "of": pl.Int64}
    ).sort("indicator", "map", "year")


def report_scope(t: Tables, map_: str, code: str) -> dict[str, pl.DataFrame]:
    """Everything a unit's report draws on: its own and its members' (or successor's) figures, statuses and
    projections, and the DTI ranks of its region's peers. A report whose scope is unchanged need not be
    re-rendered (dxtrack.report.stage)."""
    if map_ == "34":
        own = [("34", code)] + [("63", c) for c in t.unit("34", code)["member_codes"]]
    else:
        own = [(map_, code)] + ([("34", t.unit(map_, code)["successor_code"])] if map_ == "63" else [])
    keys = pl.DataFrame(own, schema=["map", "province_code"], orient="row")
    regions = t.units.join(keys, on=["map", "province_code"], how="semi")["region_vi"].unique().to_list()
    peers = t.units.filter((pl.col("map") == "63") & pl.col("region_vi").is_in(regions)).select("map", "province_code")
    mine = lambda frame: frame.join(keys, on=["map", "province_code"], how="semi")  # noqa: E731
    return {
        "units": t.units.join(pl.concat([keys, peers]).unique(), on=["map", "province_code"], how="semi"),
        "status": unit_targets(t, map_, code) if map_ != "VN" else mine(t.status),
        "observations": mine(t.observations),
        # a report draws the default method's trajectory only (the other methods are compared in the briefing)
        "projections": mine(t.projections.filter(pl.col("is_default"))),
        "peer_ranks": t.observations.filter(pl.col("indicator") == "dti_rank").join(
            peers, on=["map", "province_code"], how="semi"
        ),
        "ranking_years": pl.DataFrame({"year": complete_ranking_years(t)}),
        **_subunit_scope(t, map_, code),
    }


def _subunit_scope(t: Tables, map_: str, code: str) -> dict[str, pl.DataFrame]:
    """A report's sub-province sections: its (former) provinces' schemes, scores, movers, spread and tasks."""
    codes = (t.unit("34", code)["member_codes"] or []) if map_ == "34" else [code] if map_ == "63" else []
    schemes = t.schemes.filter((pl.col("issuer_map") == "63") & pl.col("issuer_code").is_in(codes))
    ids = schemes["scheme_id"].to_list()
    return {
        "schemes": schemes,
        "scorecard_ranks": t.scorecard_ranks.filter(pl.col("scheme_id").is_in(ids)),
        "scorecard_movers": t.scorecard_movers.filter(pl.col("scheme_id").is_in(ids)),
        "scorecard_distribution": t.scorecard_distribution.filter(pl.col("scheme_id").is_in(ids)),
        "subunits": t.subunits.filter(pl.col("province_code").is_in(codes)),
        "task_status": t.task_status.filter(pl.col("province_code").is_in(codes)),
    }


def sources_of(scope: dict[str, pl.DataFrame]) -> list[str]:
    """The raw files a report's figures come from (a derived 34-unit value's come with its members')."""
    ids = set(scope["observations"]["source_id"].to_list()) | set(scope["peer_ranks"]["source_id"].to_list())
    for key in ("scorecard_ranks", "task_status"):  # the sub-province sections' own sources
        if key in scope:
            ids |= set(scope[key]["source_id"].to_list())
    return sorted(ids - {"derived"})


# ---- answer first: KPI rows, summaries, grouped gaps (issue 13) ------------------------------------------------
# Statuses come from core.vocabulary.STATUSES; a report groups them: whether the target could be assessed (not one
# of UNASSESSED), and an assessed target as on course (ON_COURSE), awaiting its result (PENDING) or behind (the
# rest). A status the model adds later is shown under its own label and counted as behind until listed here.
ON_COURSE = ("achieved", "met so far", "on track")
PENDING = ("year passed, pending",)


def is_assessed(status: str | None) -> bool:
    return status is not None and status not in UNASSESSED


def _latest_sources(t: Tables) -> pl.DataFrame:
    """(map, code, indicator, series, year) -> source_id and URL of the full-year figure a status row uses."""
    return (
        t.observations.filter(pl.col("full_year"))
        .sort("map", "province_code", "indicator", "series", "year", "authority", "source_id", "source_row")
        .group_by("map", "province_code", "indicator", "series", "year", maintain_order=True)
        .agg(pl.col("source_id").first(), pl.col("source_url").first(), pl.col("derived").first())
    )


def kpi_rows(t: Tables, status_rows: pl.DataFrame) -> pl.DataFrame:
    """Assessable in-force targets with every series of their indicator side by side (the preferred, official
    one first): value, year, series, source, target, observed vs required pace, share of the target reached,
    status, P(meet). `status_rows` are status.parquet rows (or unit_targets rows, whose map/code columns are
    named set_by_*)."""
    rows = status_rows
    if "set_by_map" in rows.columns:
        rows = rows.rename({"set_by_map": "map", "set_by_code": "province_code"})
    rows = rows.filter(pl.col("in_force") & pl.col("series").is_not_null() & pl.col("latest_value").is_not_null())
    assessed = [s for s in rows["status"].unique().to_list() if is_assessed(s)]
    keep = rows.group_by("target_id").agg(pl.col("status").is_in(assessed).any().alias("any_assessed"))
    rows = rows.join(keep.filter(pl.col("any_assessed")).select("target_id"), on="target_id", how="semi")
    src = _latest_sources(t).rename({"indicator": "measured_by", "year": "latest_year"})
    rows = rows.join(src, on=["map", "province_code", "measured_by", "series", "latest_year"], how="left")
    names = t.units.select("map", "province_code", "name_vi")
    rows = rows.join(names, on=["map", "province_code"], how="left").with_columns(
        pl.col("name_vi").fill_null(pl.lit(None)),
        pl.when(pl.col("comparator_norm").str.contains(">") & (pl.col("target_value") > 0))
        .then(pl.col("latest_value") / pl.col("target_value"))
        .otherwise(None)
        .alias("share_of_target"),
    )
    return rows.sort(
        "map",
        "province_code",
        "indicator",
        "target_year",
        "target_id",
        "preferred",
        "series",
        descending=[False, False, False, False, False, True, False],
    )


def status_counts(rows: pl.DataFrame) -> dict[str, int]:
    """In-force targets (preferred series) per status, every status of STATUSES present (0 when none)."""
    from dxtrack.core.vocabulary import STATUSES

    pick = rows.filter(pl.col("preferred") & pl.col("in_force"))
    counts = dict(pick.group_by("status").len().iter_rows())
    return {s: int(counts.get(s, 0)) for s in [*STATUSES, *sorted(set(counts) - set(STATUSES))]}


def answer(rows: pl.DataFrame) -> dict:
    """The sentence-level answer for a set of status rows: how many targets are in force, how many can be
    assessed, how many are on course, and the assessed ones by name (target ids, for the KPI table)."""
    counts = status_counts(rows)
    total = sum(counts.values())
    assessed = {s: n for s, n in counts.items() if is_assessed(s) and n}
    on_course = sum(n for s, n in assessed.items() if s in ON_COURSE)
    pending = sum(n for s, n in assessed.items() if s in PENDING)
    return {
        "total": total,
        "counts": counts,
        "assessed": sum(assessed.values()),
        "on_course": on_course,
        "pending": pending,
        "behind": sum(assessed.values()) - on_course - pending,
        "unknown": total - sum(assessed.values()),
    }


def missing_groups(rows: pl.DataFrame) -> pl.DataFrame:
    """In-force targets with no figure at all, one row per indicator: what is missing and which documents set it."""
    gaps = rows.filter(pl.col("preferred") & pl.col("in_force") & pl.col("series").is_null())
    return (
        gaps.group_by("measured_by", maintain_order=True)
        .agg(
            pl.len().alias("n"),
            pl.col("target_year").min().alias("first_year"),
            pl.col("target_year").max().alias("last_year"),
            pl.col("document").unique(maintain_order=True).alias("documents"),
            pl.col("set_by_name").unique(maintain_order=True).alias("set_by"),
        )
        .sort("n", "measured_by", descending=[True, False])
    )


def superseded(rows: pl.DataFrame) -> pl.DataFrame:
    """Targets no longer in force (a later document for the same unit, indicator and year replaced them)."""
    return rows.filter(pl.col("preferred") & ~pl.col("in_force"))


def inherited_disagreements(rows: pl.DataFrame) -> set[str]:
    """Target ids of in-force targets that former provinces of one new unit set differently for the same
    indicator and year (the new unit will have to settle on one)."""
    pick = rows.filter(pl.col("preferred") & pl.col("in_force") & pl.col("target_value").is_not_null())
    if "set_by_map" not in pick.columns or pick.filter(pl.col("set_by_map") == "63").height == 0:
        return set()
    groups = pick.group_by("indicator", "target_year").agg(
        pl.col("set_by_code").n_unique().alias("units"),
        pl.col("target_value").n_unique().alias("values"),
        pl.col("target_id"),
    )
    return {
        tid
        for ids in groups.filter((pl.col("units") > 1) & (pl.col("values") > 1))["target_id"].to_list()
        for tid in ids
    }


def unit_index(t: Tables, map_: str) -> pl.DataFrame:
    """One row per unit of `map_` for the site index and the status map: name, ASCII name, slug, region, former
    provinces, targets in force, assessed, on course (a 34-unit counts its members' targets)."""
    units = t.units.filter(pl.col("map") == map_).sort("province_code")
    out = []
    for u in units.iter_rows(named=True):
        rows = unit_targets(t, map_, u["province_code"]) if map_ != "VN" else t.status
        a = answer(rows)
        members = [t.unit("63", c)["name_vi"] for c in (u["member_codes"] or [])] if map_ == "34" else []
        out.append(
            {
                "map": map_,
                "province_code": u["province_code"],
                "name_vi": u["name_vi"],
                "name_ascii": u["name_ascii"],
                "slug": u["slug"],
                "region_vi": u["region_vi"],
                "region_en": u["region_en"],
                "members": [m for m in members if m != u["name_vi"]],
                "targets": a["total"],
                "assessed": a["assessed"],
                "on_course": a["on_course"],
            }
        )
    return pl.DataFrame(out, schema_overrides={"members": pl.List(pl.String)})


def map_class(targets: int, assessed: int, on_course: int) -> str:
    """The status map's class of a unit: no targets collected, none assessable, or the share on course."""
    if targets == 0:
        return "no_targets"
    if assessed == 0:
        return "none_assessed"
    share = on_course / assessed
    return "all" if share >= 1 else "most" if share >= 0.5 else "some" if share > 0 else "none"


MAP_CLASSES = ("all", "most", "some", "none", "none_assessed", "no_targets")


def latest_figures(t: Tables, keys: pl.DataFrame) -> pl.DataFrame:
    """The latest full-year figure of every (unit, indicator, series) in `keys` (map, province_code): a place for
    "every figure in a unit's scope" tables."""
    obs = t.observations.join(keys, on=["map", "province_code"], how="semi").filter(pl.col("full_year"))
    return (
        obs.sort("year")
        .group_by("map", "province_code", "indicator", "series", maintain_order=True)
        .last()
        .sort("map", "province_code", "indicator", "series")
    )


def status_matrix_34(t: Tables) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The matrix of the current units: every in-force target (preferred series) placed on its 34-unit successor
    (a former province's target sits on the unit it merged into) plus the national ones, and only the
    (indicator, year) columns where at least one target can be assessed. Returns (rows, collapsed): the
    columns left out, with how many targets each holds."""
    rows = worded(t.status.filter(pl.col("preferred") & pl.col("in_force") & pl.col("target_year").is_not_null()))
    rows = rows.with_columns(
        pl.when(pl.col("map") == "63")
        .then(pl.col("unit_34_code"))
        .otherwise(pl.col("province_code"))
        .alias("unit_code"),
        pl.when(pl.col("map") == "VN").then(pl.lit("VN")).otherwise(pl.lit("34")).alias("unit_map"),
    )
    assessed = rows.with_columns(
        pl.col("status").is_in([s for s in rows["status"].unique().to_list() if is_assessed(s)]).alias("assessed")
    )
    cols = assessed.group_by("indicator", "target_year").agg(pl.col("assessed").any().alias("any"), pl.len().alias("n"))
    shown = cols.filter(pl.col("any")).select("indicator", "target_year")
    collapsed = cols.filter(~pl.col("any")).select("indicator", "target_year", "n").sort("indicator", "target_year")
    out = assessed.join(shown, on=["indicator", "target_year"], how="semi")
    names = t.units.filter(pl.col("map") == "34").select(
        pl.col("province_code").alias("unit_code"), pl.col("name_vi").alias("unit_name")
    )
    out = out.join(names, on="unit_code", how="left")
    return out.sort("unit_map", "unit_code", "indicator", "target_year"), collapsed


def latest_values(t: Tables, map_: str, code: str) -> pl.DataFrame:
    """Every figure in a unit's scope, latest first: one row per (unit, indicator, series) with its latest value —
    a 34-map unit lists its own and its members' (a 63-map unit its own and its successor's). Carries the flags a
    page must show: `observed_map` (the map the figure was published on), `derived` (+ `derivation`), `proxy`,
    `full_year` and the period, with the source. For the report's "latest figures" table (issue 11)."""
    if map_ == "34":
        keys = [("34", code)] + [("63", c) for c in t.unit("34", code)["member_codes"]]
    elif map_ == "63":
        successor = t.unit("63", code)["successor_code"]
        keys = [("63", code)] + ([("34", successor)] if successor else [])
    else:
        keys = [(map_, code)]
    units = pl.DataFrame(keys, schema=["map", "province_code"], orient="row")
    rows = t.observations.join(units, on=["map", "province_code"], how="semi")
    columns = [
        c
        for c in (
            "map",
            "province_code",
            "indicator",
            "series",
            "year",
            "period_label",
            "full_year",
            "value",
            "rank_of",
            "observed_map",
            "derived",
            "derivation",
            "proxy",
            "source_id",
            "source_url",
        )
        if c in rows.columns
    ]
    return (
        # the latest period; among figures of one period the most authoritative (lowest `authority`), then the
        # first source row — explicit, so a page never depends on the order rows were read in
        rows.sort(
            "period_end",
            "period_start",
            "authority",
            "source_id",
            "source_row",
            descending=[False, False, True, True, True],
            nulls_last=False,
            maintain_order=True,
        )
        .group_by("map", "province_code", "indicator", "series")
        .agg(pl.all().last(), pl.len().alias("points"))
        .select(*columns, "points")
        .sort("map", "province_code", "indicator", "series")
    )


def national_series(t: Tables) -> pl.DataFrame:
    """The national figures that measure a national target (smartphones, fibre, level-4 services, payment
    accounts, online filing, the digital economy …): per target indicator and series, the latest national value
    (full-year first) with the target it measures. Proxies and non-official series are flagged, never hidden."""
    national_targets = (
        t.status.filter((pl.col("map") == "VN") & pl.col("in_force"))
        .select("measured_by", "target_id", "comparator_norm", "target_value", "target_year")
        .unique()
    )
    obs = t.observations.filter(pl.col("map") == "VN")
    latest = (
        obs.sort("full_year", "period_end")
        .group_by("indicator", "series")
        .agg(
            pl.col("year").last(),
            pl.col("period_label").last(),
            pl.col("full_year").last(),
            pl.col("value").last(),
            pl.col("source_id").last(),
            (pl.col("proxy").any() if "proxy" in obs.columns else pl.lit(False)).alias("proxy"),
            pl.len().alias("points"),
        )
    )
    return national_targets.join(latest, left_on="measured_by", right_on="indicator", how="left").sort(
        "measured_by", "target_year", "target_id", "series", nulls_last=True
    )

"""Which charts each report shows, in order: the notebooks display them, the render stage exports the
briefing's as PNG/SVG. One list, so the HTML and the static figures never disagree."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import polars as pl
from altair.utils.schemapi import debug_mode

from dxtrack.core.tables import Tables
from dxtrack.report import charts, selections, subunits
from dxtrack.report.figure_files import boundary_files, prune_figures

# The two value maps sit side by side on a 1100 px page (notebook cell tag `dx-side-by-side`, page.css): each
# about 470 px with its labels, plus the chart menu.
MAP_WIDTH, MAP_HEIGHT = 320, 500


def chart_units(rows: pl.DataFrame) -> list[tuple[str, str, str]]:
    """(map, code, indicator) of every series a unit's targets are assessed on: one chart each."""
    have = rows.filter(pl.col("series").is_not_null())
    return sorted({(m, c, i) for m, c, i in have.select("set_by_map", "set_by_code", "measured_by").iter_rows()})


def ended_on(t: Tables, unit: tuple[str, str], *, ranked: bool = False) -> date | None:
    """The day a unit ceased to exist, for charts that must not project past it: a former province (63 map) that
    was merged into a larger unit ended on the merger date. One that lives on unchanged as a current unit goes on,
    except for ranks (`ranked`): a rank among the 63 ended with the 63 map."""
    map_, code = unit
    if map_ != "63":
        return None
    if ranked:
        return t.project.merger_date
    row = t.units.filter((pl.col("map") == "63") & (pl.col("province_code") == code))
    successor = row["successor_code"][0] if row.height else None
    if successor is None:
        return t.project.merger_date
    members = t.units.filter((pl.col("map") == "34") & (pl.col("province_code") == successor))["member_codes"]
    return None if members.len() and list(members[0]) == [code] else t.project.merger_date


def province_charts(t: Tables, map_: str, code: str, lang: str) -> dict[str, list]:
    """Trajectory charts (levels), DTI rank histories and regional peers for one unit's report."""
    # Altair validates every sub-object as it is built (debug mode): each chart becomes its spec once, unvalidated
    # (charts.ChartSpec), and the tests validate the specs (ChartSpec.to_dict()).
    with debug_mode(False):
        return _province_charts(t, map_, code, lang)


def _province_charts(t: Tables, map_: str, code: str, lang: str) -> dict[str, list]:
    rows = selections.unit_targets(t, map_, code)
    args = (t.observations, t.projections)
    out: dict[str, list] = {"trajectory": [], "rank": [], "peers": [], "scorecard": []}
    scorecard = charts.scorecard_chart(subunits.scorecard_chart_rows(t, map_, code, lang), lang)
    if scorecard is not None:
        out["scorecard"].append(scorecard)
    for m, c, indicator in chart_units(rows):
        if indicator == "dti_rank":
            continue
        out["trajectory"].append(
            charts.trajectory_chart(
                *args, t.targets, t.status, t.units, (m, c), indicator, lang, ended=ended_on(t, (m, c))
            )
        )
    # Ranks were published for the 63 old units: a new unit shows its own (once ranked) and its members'.
    members = [("63", c) for c in t.unit("34", code)["member_codes"]] if map_ == "34" else []
    ranks = t.observations.filter((pl.col("indicator") == "dti_rank") & pl.col("full_year"))
    last_ranked = {
        (m, c): y for m, c, y in ranks.group_by("map", "province_code").agg(pl.col("year").max()).iter_rows()
    }
    ranked = [unit for unit in [(map_, code), *members] if unit in last_ranked]
    for unit in ranked:
        out["rank"].append(
            charts.rank_history_chart(*args, t.status, t.units, unit, lang, ended=ended_on(t, unit, ranked=True))
        )
    # Peers in the latest complete ranking of the map, else in the last ranking the unit appears in. The former
    # provinces that form this unit share one chart (their regions' peers, all of them highlighted).
    groups = [[u] for u in ranked if u[0] != "63"]
    former = [u for u in ranked if u[0] == "63"]
    if former:
        groups += [former] if members else [[u] for u in former]
    for group in groups:
        last = max(last_ranked[u] for u in group)
        complete = [y for y in selections.complete_ranking_years(t, group[0][0]) if y <= last]
        year = complete[-1] if complete else last
        others = [c for _, c in group[1:]]
        out["peers"].append(
            charts.peers_chart(t.observations, t.units, group[0], "dti_rank", year, lang, members=others)
        )
    return out


def unit_hrefs(t: Tables, map_: str, lang: str) -> dict[str, str]:
    """code -> the report page of the unit (a former province: its successor's), relative to the briefing."""
    from dxtrack.report.text import unit_href

    units = t.units.filter(pl.col("map") == map_)["province_code"].to_list()
    return {c: h for c in units if (h := unit_href(t, map_, c, lang))}


def briefing_charts(t: Tables, lang: str) -> dict[str, object]:
    """The briefing's charts by name (the names become figure file names), in the order the briefing shows them."""
    with debug_mode(False):  # see province_charts
        return _briefing_charts(t, lang)


def _briefing_charts(t: Tables, lang: str) -> dict[str, object]:
    geo = boundary_files(t.project)
    cw = geo["names"]
    from dxtrack.report.text import publisher_name

    publishers = {k: publisher_name(v, k, lang) for k, v in t.sources.items()}
    official = t.status.filter(
        (pl.col("map") == "VN")
        & (pl.col("indicator") == "digital_economy_share_grdp")
        & pl.col("preferred")
        & pl.col("series").is_not_null()
    )["series"]
    out: dict[str, object] = {}
    out["coverage"] = charts.coverage_chart(t.harmonize["coverage"], lang, indicators=t.project.headline_indicators)
    out["headline_series"] = charts.series_chart(
        t.observations,
        t.targets,
        t.units,
        ("VN", "VN"),
        "digital_economy_share_grdp",
        lang,
        official=official[0] if official.len() else None,
        sources=publishers,
    )
    out["headline_digital_economy"] = charts.headline_chart(t.observations, t.projections, t.targets, t.status, lang)
    rows, collapsed = selections.status_matrix_34(t)
    hrefs34 = unit_hrefs(t, "34", lang)
    out["status_matrix"] = charts.status_matrix_34_chart(rows, collapsed, lang, hrefs=hrefs34)
    out["map_34"] = charts.status_map_chart(selections.unit_index(t, "34"), geo["34"], cw, lang, hrefs=hrefs34)
    # The DTI on the current map where a new unit's members all have a figure (harmonize derives it; never
    # filled in), next to the former map it was published on.
    dti = t.observations.filter(pl.col("indicator").eq("dti") & pl.col("full_year") & pl.col("map").is_in(["34", "63"]))
    domain = [float(dti["value"].min()), float(dti["value"].max())] if dti.height else None  # type: ignore[arg-type]
    if dti.filter(pl.col("map") == "34").height:
        out["map_dti_34"] = charts.value_map_chart(
            t.observations,
            geo["34"],
            cw,
            "dti",
            "34",
            lang,
            units=t.units,
            hrefs=hrefs34,
            domain=domain,
            width=MAP_WIDTH,
            height=MAP_HEIGHT,
        )
    out["map_dti_63"] = charts.value_map_chart(
        t.observations,
        geo["63"],
        cw,
        "dti",
        "63",
        lang,
        units=t.units,
        hrefs=unit_hrefs(t, "63", lang),
        domain=domain,
        width=MAP_WIDTH,
        height=MAP_HEIGHT,
    )
    movers = selections.movers_years(t)
    if movers:
        out["dti_movers"] = charts.movers_chart(t.observations, *movers, t.units, lang)
    # context indicators (PAPI …): the 63 map, and the 34 map where every former province has a value
    from dxtrack.report import context

    maps = context.context_maps(t, lang, geo, {"63": unit_hrefs(t, "63", lang), "34": hrefs34})
    out.update({f"context_{name}": chart for name, chart in maps.items()})
    return out


def save_briefing_figures(
    charts_by_name: Mapping[str, charts.ChartSpec], folder: str, lang: str, current: str | None = None
) -> list[str]:
    """PNG and SVG of each briefing chart (called by the briefing notebook when the render stage asks).
    A figure whose chart spec, and the way figures are drawn (engine.static_drawing), are unchanged since it was
    saved is kept (`.figures.<lang>.json` records their hashes): vl-convert is the slowest part of a re-render.
    Returns the names saved.

    `current`: the folder the figures are published in, when `folder` is the render job's staging folder (the
    render stage's case): what is already in `current` is compared, what changed is written to `folder` with the
    new record, and the job switches them over with its pages (engine Job.staged); figures of charts no longer
    drawn are removed after the switch-over (`prune_figures`). Without it, `folder` is both."""
    from dxtrack.core.atomic import write_json
    from dxtrack.notebook.engine import save_figures, static_drawing

    published = Path(current or folder)
    state_file = published / f".figures.{lang}.json"
    state = json.loads(state_file.read_text(encoding="utf-8")) if state_file.exists() else {}
    Path(folder).mkdir(parents=True, exist_ok=True)
    saved = []
    for name, chart in charts_by_name.items():
        drawn = [chart.to_dict(validate=False), static_drawing()]
        digest = hashlib.sha256(json.dumps(drawn, sort_keys=True).encode()).hexdigest()
        files = [published / f"{name}.{lang}.{ext}" for ext in ("png", "svg")]
        if state.get(name) == digest and all(f.exists() for f in files):
            continue
        save_figures(chart, f"{folder}/{name}.{lang}", lang=lang)
        state[name] = digest
        saved.append(name)
    # A chart the briefing no longer draws leaves no figure behind: the folder holds this edition's figures only.
    for gone in sorted(set(state) - set(charts_by_name)):
        del state[gone]
    write_json(state, Path(folder) / state_file.name)
    if current is None:
        prune_figures(Path(folder), lang)
    return saved


def with_figure_images(charts_by_name: Mapping[str, charts.ChartSpec], folder: str, lang: str) -> dict:
    """The charts, each naming its saved PNG in `folder` (`<name>.<lang>.png`, where `save_briefing_figures`
    publishes it) as its no-script fallback: a raster drawn once, that reads the same with any installed font."""
    return {name: chart.with_static_image(f"{folder}/{name}.{lang}.png") for name, chart in charts_by_name.items()}

"""Every figure in a unit's scope, and the context indicators, as pages show them (issue 11).

- `latest_rows` / `latest_table_html`: the latest value of every (unit, indicator, series) a unit report covers —
  the unit's own and, for a new unit, its former provinces' — with period, the map the figure was published on,
  its source (linked, http(s) only), and the labels a reader needs: proxy, derived, context indicator.
- `context_rows` / `context_chart`: the full series of the context indicators (`context: true` in
  indicators.yaml: PAPI, the Decision-766 index …) for the unit, one compact chart. A unit formed from one old
  unit is one continuous series with the map of each point; a merged unit shows its former provinces' series,
  labelled as such (plus any figure published for the new unit itself, never a derived mean).
- `context_overview_html`, `context_maps`: the briefing's section — per context indicator, how many provinces
  have a value, the median, leaders and laggards on the 63 map; maps on the 63 map and, where every former
  province of a new unit has a value, on the 34 map (never filled in).
- `key_figures_html`: the national series that measure a national target, one line each, with unit, period,
  series and source; a proxy says so and that it does not settle the target.

Every string from data or metadata is escaped; every word comes from labels.yaml; numbers follow the locale.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from dxtrack.core.tables import Tables
from dxtrack.report import labels, selections
from dxtrack.report.labels import t
from dxtrack.report.text import cards_table, esc, host, link, target_text, unit_name


# ---- indicator facts -----------------------------------------------------------------------------------------
def _definition(indicator: str) -> dict:
    try:
        return labels.indicator_definition(indicator)
    except KeyError:
        return {}


def is_context(indicator: str) -> bool:
    """A context indicator: measured and shown beside the targets, never a target's measure."""
    return bool(_definition(indicator).get("context"))


def _unit_kind(indicator: str) -> str:
    return str(_definition(indicator).get("unit") or "percent")


def context_indicators(t_: Tables) -> list[str]:
    """Context indicators with a value on any map, in indicators.yaml order (ranks left to the tables)."""
    present = set(t_.observations["indicator"].unique().to_list())
    return [
        i for i, d in t_.project.indicators.items() if d.get("context") and i in present and d.get("unit") != "rank"
    ]


def _indicator_order(t_: Tables) -> dict[str, int]:
    return {i: n for n, i in enumerate(t_.project.indicators)}


# ---- formatting ------------------------------------------------------------------------------------------------
def fmt_figure(value: float | None, indicator: str, lang: str, rank_of: Any = None) -> str:
    """A value as a reader sees it, with its unit: "84,4%", "0,610 (chỉ số 0–1)", "4,05 điểm", "hạng 6 / 63"."""
    if value is None:
        return labels.MISSING
    kind = _unit_kind(indicator)
    if kind == "rank":
        return t("word.rank_value", lang, rank=int(round(value)), of=int(rank_of) if rank_of else "?")
    shown = labels.fmt_value(value, kind, lang)
    if kind in ("index", "score"):
        definition = _definition(indicator)
        lo, hi = definition.get("lower"), definition.get("upper")
        if kind == "score" and lo is not None and hi is not None:
            return t("word.score_of", lang, value=shown, lower=_bound(lo, lang), upper=_bound(hi, lang))
        return shown + " " + labels.unit_label(kind, lang, short=True)
    return shown


def _bound(x: Any, lang: str) -> str:
    return labels.fmt_number(x, lang, 0 if float(x) == round(float(x)) else 1)


def fmt_period(row: dict, lang: str) -> str:
    """The year of a full-year figure; otherwise its dates ("3/2024", "1/2023–4/2023", "19/8/2024")."""
    if row.get("full_year") or not row.get("period_start") or not row.get("period_end"):
        return str(row["year"])
    start, end = row["period_start"], row["period_end"]
    if start == end:
        return labels.fmt_date(start, lang)
    month = lambda d: f"{d.month}/{d.year}" if lang == "vi" else f"{labels.MONTHS_EN[d.month - 1][:3]} {d.year}"  # noqa: E731
    if (start.year, start.month) == (end.year, end.month):
        return month(start)
    return f"{month(start)}–{month(end)}"


def map_text(row: dict, lang: str) -> str:
    """The map the figure was published on (its 63/34 map, or national)."""
    observed = row.get("observed_map") or row.get("map")
    if row.get("derived") and _derivation_kind(row) == "mean":  # a new unit's estimate: its own map
        observed = row.get("map")
    return labels.map_label(str(observed), lang, short=True)


def short_publisher(publisher: object) -> str:
    """The publisher's name without its explanation ("UNDP, CECODES and RTA — PAPI (…); …" -> "UNDP, CECODES and
    RTA"): a table cell names the source; the sources section quotes it in full."""
    text = str(publisher or "").strip()
    for cut in (" — ", "; ", " (", ": "):
        if cut in text:
            text = text.split(cut, 1)[0]
    return text.strip()


def proxy_badge(lang: str) -> str:
    return (
        f'<span class="dx-badge dx-proxy" title="{esc(t("text.proxy_note", lang))}">{esc(t("word.proxy", lang))}</span>'
    )


def context_badge(lang: str) -> str:
    return f'<span class="dx-badge dx-context">{esc(t("word.context", lang))}</span>'


def source_html(t_: Tables, row: dict, lang: str) -> str:
    """Publisher (short) linked to the row's own URL, else the source's; a derived figure says how it was made."""
    if row.get("derived") and row.get("source_id") in (None, "derived"):
        return esc(t("text.derived_from_members", lang))
    entry = t_.sources.get(row.get("source_id") or "") or {}
    name = short_publisher(entry.get("publisher")) or host(row.get("source_url")) or labels.MISSING
    url = row.get("source_url") or entry.get("url")
    first = str(url or "").split(" | ")[0].strip()
    return link(first, esc(name))


# ---- the latest figures of a unit ---------------------------------------------------------------------------------
def latest_rows(t_: Tables, map_: str, code: str) -> pl.DataFrame:
    """selections.latest_values for the report, one row per figure a reader needs: a unit formed from a single
    old unit shows each non-rank series once (its own map's rows already continue across the merger, each point
    with its map); ranks out of 63 and out of 34 stay apart. Adds `role` (unit / member / successor), `unit_name`
    and `context`, and sorts by indicator (indicators.yaml order), then unit."""
    rows = selections.latest_values(t_, map_, code)
    if rows.is_empty():
        return rows.with_columns(
            pl.lit(None, pl.String).alias("role"),
            pl.lit(None, pl.String).alias("unit_name"),
            pl.lit(False).alias("context"),
        )
    single = map_ == "34" and len(t_.unit("34", code)["member_codes"] or []) == 1
    if map_ == "63" and (successor := t_.unit("63", code).get("successor_code")):
        single = len(t_.unit("34", successor)["member_codes"] or []) == 1
    if single:
        # the same place on both maps: one row per series — the newest figure, a published one before its copy
        # on the other map (which has no source of its own); ranks out of 63 and out of 34 stay apart
        is_rank = pl.col("indicator").map_elements(lambda i: _unit_kind(i) == "rank", return_dtype=pl.Boolean)
        rows = (
            rows.with_columns(pl.when(is_rank).then(pl.col("map")).otherwise(pl.lit("")).alias("_scale"))
            .sort("year", pl.col("derived").not_(), "map", maintain_order=True)
            .group_by("indicator", "series", "_scale", maintain_order=True)
            .last()
            .drop("_scale")
        )
    names = t_.units.select("map", "province_code", pl.col("name_vi").alias("unit_name"))
    order = _indicator_order(t_)
    out = rows.join(names, on=["map", "province_code"], how="left").with_columns(
        pl.when((pl.col("map") == map_) & (pl.col("province_code") == code))
        .then(pl.lit("unit"))
        .when(pl.lit(map_ == "34"))
        .then(pl.lit("member"))
        .otherwise(pl.lit("successor"))
        .alias("role"),
        *([pl.lit(unit_name(t_, map_, code, "vi")).alias("unit_name")] if single else []),
        pl.col("indicator").map_elements(is_context, return_dtype=pl.Boolean).alias("context"),
        pl.col("indicator").replace_strict(order, default=len(order), return_dtype=pl.Int64).alias("_order"),
    )
    if single:  # one place: every row is the unit's own
        out = out.with_columns(pl.lit("unit").alias("role"))
    return out.sort("_order", "indicator", pl.col("role") != "unit", "map", "province_code", "series").drop("_order")


def latest_table_html(t_: Tables, map_: str, code: str, lang: str) -> str:
    """The report's table of latest figures (escaped HTML; a card list on a phone)."""
    rows = latest_rows(t_, map_, code)
    if rows.is_empty():
        return f"<p>{esc(t('text.latest_none', lang))}</p>"
    headers = [
        t("col.indicator", lang),
        t("col.unit", lang),
        t("col.series", lang),
        t("col.value", lang),
        t("col.period", lang),
        t("col.map", lang),
        t("col.source", lang),
    ]
    body, row_classes = [], []
    for r in rows.iter_rows(named=True):
        indicator = esc(labels.indicator_name(r["indicator"], lang))
        if r["context"]:
            indicator += " " + context_badge(lang)
        who = esc(r["unit_name"] or unit_name(t_, r["map"], r["province_code"], lang))
        if r["role"] == "member":
            who = esc(t("word.former_province", lang, name=r["unit_name"] or r["province_code"]))
        series = esc(labels.series_name(r["series"], lang))
        if r.get("proxy"):
            series += " " + proxy_badge(lang)
        value = esc(fmt_figure(r["value"], r["indicator"], lang, r.get("rank_of")))
        if r.get("derived"):
            value += f'<br><small class="dx-derived">{esc(_derivation_text(r, lang))}</small>'
        body.append(
            [
                indicator,
                who,
                series,
                value,
                esc(fmt_period(r, lang)),
                esc(map_text(r, lang)),
                source_html(t_, r, lang),
            ]
        )
        row_classes.append("dx-proxy-row" if r.get("proxy") else "")
    return cards_table(headers, body, classes=["", "", "", "num", "num", "", ""], row_classes=row_classes)


def _derivation_text(row: dict, lang: str) -> str:
    """Why a figure is not the published one: carried over from the single former province (or continued on the
    new map), or a mean of the former provinces' figures (an approximation)."""
    return t(f"text.derived_{_derivation_kind(row)}", lang)


def _derivation_kind(row: dict) -> str:
    """carried (the same place's figure from the other map) or mean (of the former provinces' figures)."""
    how = str(row.get("derivation") or "")
    return "carried" if "carried" in how or "continu" in how else "mean"


# ---- the context indicators of a unit ---------------------------------------------------------------------------
def _line_units(t_: Tables, map_: str, code: str) -> tuple[list[tuple[str, str]], bool]:
    """The (map, code) whose rows form the unit's context lines, and whether they are former provinces."""
    if map_ == "34":
        members = t_.unit("34", code)["member_codes"] or []
        if len(members) > 1:
            return [("63", c) for c in members], True
    return [(map_, code)], False


def context_rows(t_: Tables, map_: str, code: str, lang: str) -> list[dict]:
    """Plotting rows of the unit's context indicators: one line per unit (the unit, or each former province),
    each point with the map it was published on. A merged unit's derived mean is not drawn; a figure published
    for the new unit itself is (its own line)."""
    indicators = context_indicators(t_)
    if not indicators:
        return []
    lines, former = _line_units(t_, map_, code)
    keys = pl.DataFrame(lines, schema=["map", "province_code"], orient="row")
    obs = t_.observations.filter(pl.col("indicator").is_in(indicators) & pl.col("full_year"))
    rows = obs.join(keys, on=["map", "province_code"], how="semi")
    if former:
        own = obs.filter((pl.col("map") == map_) & (pl.col("province_code") == code) & ~pl.col("derived"))
        rows = pl.concat([rows, own], how="diagonal_relaxed")
    elif map_ == "34":
        # an unchanged unit: its old-map figures with their own sources rather than the copies carried over to the
        # new map (which have none); one point per year, a published figure before a copy
        member = (t_.unit("34", code)["member_codes"] or [None])[0]
        old = obs.filter((pl.col("map") == "63") & (pl.col("province_code") == member))
        rows = (
            pl.concat([old, rows.filter(pl.col("source_id") != "derived")], how="diagonal_relaxed")
            .sort("indicator", "series", "year", "derived", "map", maintain_order=True)
            .unique(["indicator", "series", "year"], keep="first", maintain_order=True)
            .with_columns(pl.lit(map_).alias("map"), pl.lit(code).alias("province_code"))
        )
    names = {(m, c): n for m, c, n in t_.units.select("map", "province_code", "name_vi").iter_rows()}
    publishers = {k: short_publisher((v or {}).get("publisher")) for k, v in t_.sources.items()}
    out = []
    for r in rows.sort("indicator", "map", "province_code", "year", "series", "source_id", "source_row").iter_rows(
        named=True
    ):
        name = names.get((r["map"], r["province_code"]), r["province_code"])
        is_member = former and r["map"] == "63"
        out.append(
            {
                "indicator": labels.indicator_name(r["indicator"], lang),
                "line": t("word.former_province", lang, name=name) if is_member else name,
                "year": int(r["year"]),
                "value": float(r["value"]),
                "value_text": fmt_figure(r["value"], r["indicator"], lang, r.get("rank_of")),
                "map": map_text(r, lang),
                "series": labels.series_name(r["series"], lang),
                "source": publishers.get(r["source_id"], "") if r["source_id"] != "derived" else "",
                "derived": bool(r["derived"]),
            }
        )
    return out


def context_chart(t_: Tables, map_: str, code: str, lang: str) -> Any:
    """One compact chart of the unit's context indicators over the years (a panel per indicator, each on its own
    scale); None when the unit has no context figure."""
    from altair.utils.schemapi import debug_mode

    with debug_mode(False):  # as figures.province_charts: the tests validate the spec whole
        return _context_chart(t_, map_, code, lang)


def _context_chart(t_: Tables, map_: str, code: str, lang: str) -> Any:
    import altair as alt

    from dxtrack.report import charts

    rows = context_rows(t_, map_, code, lang)
    if not rows:
        return None
    _, former = _line_units(t_, map_, code)
    years = [r["year"] for r in rows]
    x = charts._year_x(lang, years)
    tips = [
        charts._tip("line", "tooltip.province", lang),
        charts._tip("indicator", "tooltip.indicator", lang),
        charts._tip("year", "tooltip.year", lang, "Q", charts.YEAR_FORMAT),
        charts._tip("value_text", "tooltip.value", lang),
        charts._tip("map", "tooltip.map", lang),
        charts._tip("series", "tooltip.series", lang),
        charts._tip("source", "tooltip.source", lang),
    ]
    color = alt.Color("line:N", title=t("legend.context_line", lang), legend=alt.Legend(orient="bottom", columns=2))
    y = alt.Y("value:Q", title=None, scale=alt.Scale(zero=False), axis=alt.Axis(format=",.4~f"))
    line = alt.Chart().mark_line(strokeWidth=1.5).encode(x=x, y=y, color=color, detail=alt.Detail("line:N"))
    points = (
        alt.Chart()
        .mark_point(filled=True, size=55)
        .encode(
            x=x,
            y=y,
            color=color,
            shape=alt.Shape("map:N", title=t("legend.published_map", lang), legend=alt.Legend(orient="bottom")),
            tooltip=tips,
        )
    )
    sources = sorted({r["source"] for r in rows if r["source"]})
    caption = charts._caption(
        lang,
        years=t("caption.years", lang, years=charts._years_text(years)),
        sources=sources,
        extra=[t("caption.context", lang), t("caption.context_former" if former else "caption.context_one", lang)],
    )
    name = unit_name(t_, map_, code, lang)
    chart = charts._layer(line, points, data=charts._data(rows), width=260, height=170).facet(
        facet=alt.Facet("indicator:N", title=None, header=alt.Header(labelFontSize=12, labelLimit=300)), columns=2
    )
    # set in place: `.resolve_scale()` / `.properties()` would rebuild the chart, copying its layers each time
    chart.resolve = alt.Resolve(scale=alt.ScaleResolveMap(y="independent"))
    chart.title = charts._title(t("title.context", lang, name=name), caption)
    return charts._finish(chart, lang, {"unit": name})


# ---- the briefing: context indicators across the provinces ---------------------------------------------------------
def published_63(t_: Tables, indicator: str) -> pl.DataFrame:
    """Full-year figures of `indicator` published for the 63 old provinces (a figure continued from the new map
    for an unchanged unit is not one: it would make a later year look like a ranking of one)."""
    obs = t_.observations.filter((pl.col("indicator") == indicator) & (pl.col("map") == "63") & pl.col("full_year"))
    if "observed_map" in obs.columns:
        obs = obs.filter(pl.col("observed_map").fill_null("63") == "63")
    return obs.filter(~pl.col("derived"))


def context_overview(t_: Tables, top: int = 3) -> pl.DataFrame:
    """Per context indicator: the latest year with full-year values on the 63 map, how many provinces have one,
    the median, and the `top` leaders and laggards (names and values). Provinces without a value are counted as
    missing, never filled."""
    out = []
    units63 = t_.units.filter(pl.col("map") == "63")
    names = dict(units63.select("province_code", "name_vi").iter_rows())
    for indicator in context_indicators(t_):
        obs = published_63(t_, indicator)
        if obs.is_empty():
            continue
        year = int(obs["year"].max())  # type: ignore[arg-type]
        latest = (
            obs.filter(pl.col("year") == year)
            .sort("authority", "source_id", "source_row")
            .unique(["province_code"], keep="first")
            .sort("value", "province_code", descending=[True, False])
        )
        higher = _definition(indicator).get("higher_is_better", True)
        ordered = latest if higher else latest.reverse()
        pick = lambda frame: [  # noqa: E731
            {"name": names.get(c, c), "value": v} for c, v in frame.select("province_code", "value").iter_rows()
        ]
        n = latest.height
        sparse = n * 2 < units63.height  # a few published values, not a ranking: list them all, name no laggard
        lead = ordered if sparse else ordered.head(min(top, n))
        lag = ordered.head(0) if sparse else ordered.tail(min(top, max(n - lead.height, 0))).reverse()
        national = t_.observations.filter(
            (pl.col("indicator") == indicator) & (pl.col("map") == "VN") & (pl.col("year") == year)
        )
        out.append(
            {
                "indicator": indicator,
                "year": year,
                "units": n,
                "of": units63.height,
                "sparse": sparse,
                "median": float(latest["value"].median()),  # type: ignore[arg-type]
                "national": float(national["value"][0]) if national.height else None,
                "leaders": pick(lead),
                "laggards": pick(lag),
                "series": latest["series"][0],
                "source_id": latest["source_id"][0],
                "source_url": latest["source_url"][0],
            }
        )
    return pl.DataFrame(
        out,
        schema={
            "indicator": pl.String,
            "year": pl.Int64,
            "units": pl.Int64,
            "of": pl.Int64,
            "sparse": pl.Boolean,
            "median": pl.Float64,
            "national": pl.Float64,
            "leaders": pl.List(pl.Struct({"name": pl.String, "value": pl.Float64})),
            "laggards": pl.List(pl.Struct({"name": pl.String, "value": pl.Float64})),
            "series": pl.String,
            "source_id": pl.String,
            "source_url": pl.String,
        },
    )


def context_overview_html(t_: Tables, lang: str) -> str:
    """The briefing's context section: one row per context indicator (escaped HTML)."""
    overview = context_overview(t_)
    if overview.is_empty():
        return f"<p>{esc(t('text.context_none', lang))}</p>"
    headers = [
        t("col.indicator", lang),
        t("col.year", lang),
        t("col.units_with_value", lang),
        t("col.median", lang),
        t("col.leaders", lang),
        t("col.laggards", lang),
        t("col.source", lang),
    ]
    body = []
    for r in overview.iter_rows(named=True):
        ind, kind = r["indicator"], _unit_kind(r["indicator"])
        # the scale once (median column), bare numbers beside the names
        names = [
            "<br>".join(f"{esc(i['name'])}: {esc(labels.fmt_value(i['value'], kind, lang))}" for i in r[group])
            for group in ("leaders", "laggards")
        ]
        median = esc(fmt_figure(r["median"], ind, lang))
        if r["national"] is not None:
            median += f"<br><small>{esc(t('text.national_value', lang, value=labels.fmt_value(r['national'], kind, lang)))}</small>"
        indicator = (
            f"{esc(labels.indicator_name(ind, lang))}<br><small>{esc(labels.series_name(r['series'], lang))}</small>"
        )
        if r["sparse"]:
            indicator += f"<br><small><em>{esc(t('text.context_sparse', lang))}</em></small>"
        body.append(
            [
                indicator,
                str(r["year"]),
                esc(t("text.units_of", lang, n=r["units"], of=r["of"])),
                median,
                names[0],
                names[1] or labels.MISSING,
                source_html(t_, {"source_id": r["source_id"], "source_url": r["source_url"]}, lang),
            ]
        )
    intro = f"<p>{esc(t('text.context_intro', lang))}</p>"
    return intro + cards_table(headers, body, classes=["", "num", "num", "", "", "", ""])


def complete_34_values(t_: Tables, indicator: str, year: int) -> pl.DataFrame:
    """The 34-map full-year figures of `year` for new units whose former provinces all have a figure that year
    (a published 34-map figure always counts). Never fills a missing member."""
    obs = t_.observations.filter((pl.col("indicator") == indicator) & pl.col("full_year") & (pl.col("year") == year))
    have = set(obs.filter(pl.col("map") == "63")["province_code"].to_list())
    units34 = t_.units.filter(pl.col("map") == "34").select("province_code", "member_codes")
    complete = {c for c, members in units34.iter_rows() if members and set(members) <= have}
    new = obs.filter(pl.col("map") == "34")
    return new.filter(~pl.col("derived") | pl.col("province_code").is_in(sorted(complete)))


def context_maps(t_: Tables, lang: str, geo: dict, hrefs: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Briefing figures of the first context indicator with a panel (most provinces have a value): its latest year
    on the 63 map, and the same year for the new units whose former provinces all have a value (a bar per unit —
    cheaper than a second map, and a missing member is never filled in). Names become figure file names."""
    from dxtrack.report import charts

    out: dict[str, Any] = {}
    overview = context_overview(t_)
    panels = overview.filter(~pl.col("sparse"))
    if panels.is_empty():
        return out
    indicator, year = panels["indicator"][0], int(panels["year"][0])
    obs = published_63(t_, indicator).filter(pl.col("year") == year)
    chart = charts.value_map_chart(
        obs, geo["63"], geo["names"], indicator, "63", lang, units=t_.units, hrefs=hrefs.get("63")
    )
    chart.spec["title"]["text"] = charts._wrap(
        [t("title.context_map", lang, indicator=labels.indicator_name(indicator, lang), year=year)], 80
    )
    out[f"map_{indicator}_63"] = chart
    bars = context_34_chart(t_, indicator, year, lang, hrefs.get("34"))
    if bars is not None:
        out[f"units34_{indicator}"] = bars
    return out


def context_34_chart(t_: Tables, indicator: str, year: int, lang: str, hrefs: dict[str, str] | None = None) -> Any:
    """The new units' values of `year` (complete_34_values), one bar each, highest first; the caption names the
    units left out because a former province has no value."""
    import altair as alt

    from dxtrack.report import charts

    values = complete_34_values(t_, indicator, year)
    if values.is_empty():
        return None
    units = t_.units.filter(pl.col("map") == "34").select("province_code", "name_vi", "member_codes")
    names = dict(units.select("province_code", "name_vi").iter_rows())
    rows = [
        {
            "name": names.get(r["province_code"], r["province_code"]),
            "value": float(r["value"]),
            "value_text": fmt_figure(r["value"], indicator, lang),
            "kind": t("legend.observed_derived" if r["derived"] else "legend.observed_published", lang),
            "href": (hrefs or {}).get(r["province_code"], ""),
        }
        for r in values.sort("value", "province_code", descending=[True, False]).iter_rows(named=True)
    ]
    left_out = sorted(set(names) - set(values["province_code"].to_list()))
    extra = [t("caption.context_34", lang)]
    if left_out:
        extra.append(t("caption.context_34_missing", lang, units=", ".join(names[c] for c in left_out)))
    caption = charts._caption(
        lang,
        unit=labels.unit_label(_unit_kind(indicator), lang),
        years=t("caption.years", lang, years=str(year)),
        sources=[labels.series_name(values["series"][0], lang)],
        extra=extra,
    )
    bars = (
        alt.Chart(charts._data(rows))
        .mark_bar(color=charts.COLORS["projection"], cursor="pointer")
        .encode(
            y=alt.Y("name:N", sort=None, title=None),
            x=alt.X("value:Q", title=labels.unit_label(_unit_kind(indicator), lang)),
            href=alt.Href("href:N"),
            tooltip=[
                charts._tip("name", "tooltip.province", lang),
                charts._tip("value_text", "tooltip.value", lang),
                charts._tip("kind", "tooltip.kind", lang),
            ],
        )
        .properties(
            width=420,
            height=14 * len(rows),
            title=charts._title(
                t("title.context_34", lang, indicator=labels.indicator_name(indicator, lang), year=year), caption
            ),
        )
    )
    return charts._finish(bars, lang, {"indicator": labels.indicator_name(indicator, lang), "year": year})


# ---- the briefing: national key figures ---------------------------------------------------------------------------
def key_figures(t_: Tables) -> pl.DataFrame:
    """One row per indicator that measures an in-force national target and has a national figure: the series the
    status uses (preferred), else the latest figure; with the targets it measures."""
    national = selections.national_series(t_).filter(pl.col("series").is_not_null())
    if national.is_empty():
        return national
    status = t_.status.filter((pl.col("map") == "VN") & pl.col("in_force") & pl.col("preferred"))
    preferred = status.select("measured_by", "series").unique()
    ranked = national.join(
        preferred.with_columns(pl.lit(0).alias("_rank")), on=["measured_by", "series"], how="left"
    ).with_columns(pl.col("_rank").fill_null(1))
    pick = (
        ranked.sort(
            "measured_by",
            "_rank",
            pl.col("full_year").not_(),
            pl.col("year"),
            "series",
            descending=[False, False, False, True, False],
        )
        .group_by("measured_by", maintain_order=True)
        .first()
        .select("measured_by", "series", "year", "period_label", "full_year", "value", "source_id", "proxy")
    )
    order = _indicator_order(t_)
    return (
        pick.with_columns(
            pl.col("measured_by").replace_strict(order, default=len(order), return_dtype=pl.Int64).alias("_order")
        )
        .sort("_order", "measured_by")
        .drop("_order")
    )


def key_figures_html(t_: Tables, lang: str) -> str:
    """The national key figures as a list: value with unit, period, series, source, the targets it measures and
    their status; a proxy is labelled and said not to settle the target."""
    figures = key_figures(t_)
    if figures.is_empty():
        return ""
    obs = t_.observations.filter(pl.col("map") == "VN")
    status = t_.status.filter((pl.col("map") == "VN") & pl.col("in_force"))
    items = []
    for f in figures.iter_rows(named=True):
        row = (
            obs.filter(
                (pl.col("indicator") == f["measured_by"])
                & (pl.col("series") == f["series"])
                & (pl.col("year") == f["year"])
            )
            .sort(
                pl.col("full_year").not_(),
                pl.col("period_end"),
                "authority",
                "source_id",
                "source_row",
                descending=[False, True, False, False, False],
            )
            .row(0, named=True)
        )
        targets = status.filter((pl.col("measured_by") == f["measured_by"]) & (pl.col("series") == f["series"]))
        goals = "; ".join(
            f"{target_text(s, lang)} ({labels.status_label(s['status'], lang)})"
            for s in targets.sort("target_year", "target_id")
            .unique("target_id", keep="first", maintain_order=True)
            .iter_rows(named=True)
        )
        line = esc(
            t(
                "text.key_figure",
                lang,
                indicator=labels.indicator_name(f["measured_by"], lang),
                value=fmt_figure(f["value"], f["measured_by"], lang),
                period=fmt_period(row, lang),
                series=labels.series_name(f["series"], lang),
            )
        )
        line += " — " + source_html(t_, row, lang)
        if goals:
            line += "<br><small>" + esc(t("text.key_figure_targets", lang, targets=goals)) + "</small>"
        if f["proxy"]:
            line = proxy_badge(lang) + " " + line + f"<br><small>{esc(t('text.proxy_note', lang))}</small>"
        items.append(f'<li class="{"dx-proxy-row" if f["proxy"] else ""}">{line}</li>')
    return f'<p>{esc(t("text.key_figures_intro", lang))}</p><ul class="dx-key-figures">{"".join(items)}</ul>'

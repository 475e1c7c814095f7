"""Every chart a dxtrack report shows, one builder per chart; notebooks only call these.

Each builder takes tidy frames (polars or pandas) and a language ("vi" or "en") and returns a finished Altair
chart whose Vega-Lite spec carries everything a reader needs:

- title and axis/legend labels from `dxtrack.report.labels`; a caption in the title's subtitle giving unit, year(s) and
  source (and the boundary source for maps);
- tooltips on every mark, with numbers formatted by the spec's own locale;
- `config.locale` = `labels.vega_format_locale(lang)`, so Vietnamese charts write 12,5 and 1.234 both in static
  exports (vl-convert honours it) and in HTML (Vega reads `config.locale` when the view is built);
- years on a `d`-formatted axis (never "2,020") and an explicit font with full Vietnamese coverage;
- one colour-blind-safe status palette (`STATUS_COLORS`, Okabe–Ito hues plus greys) everywhere.

Units are `(map, province_code)` pairs, as everywhere in dxtrack: ("63", "01"), ("34", "79"), ("VN", "VN").
Frames follow the contracts in docs/architecture.md (observations, targets, units, projections, status).
"""

from __future__ import annotations

import json
import math
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import altair as alt
import polars as pl

from dxtrack.core.vocabulary import STATUSES
from dxtrack.report import labels
from dxtrack.report.geometry import Boundaries, read_boundaries
from dxtrack.report.labels import t

# DejaVu Sans first: it covers Vietnamese and the signs charts print (≥ ≤ − –). Noto Sans lacks ≥ and the minus
# sign d3 writes for negatives, and vl-convert then drops the whole text line to a serif fallback (seen in PNGs).
# Browsers fall back per glyph, so Noto Sans / sans-serif remain safe fallbacks where DejaVu is not installed.
# config.font reaches every text of a chart, facet headers included.
FONT = "DejaVu Sans, Noto Sans, sans-serif"

# Okabe–Ito hues for the assessed classes (blue = good, orange/vermillion = behind), greys of distinct lightness
# for the classes that say something about the data rather than the pace. Same mapping in every chart.
STATUS_COLORS: dict[str, str] = {
    "achieved": "#0072B2",
    "met so far": "#009E73",
    "on track": "#56B4E9",
    "acceleration needed": "#F0E442",
    "too slow": "#E69F00",
    "regressing": "#D55E00",
    "year passed, pending": "#CC79A7",
    "insufficient data": "#BDBDBD",
    "no data": "#E6E6E6",
    "not assessable": "#8C8C8C",
}

# Trajectory layers: observed, fitted, projected, intervals, targets (legend colours are the drawn colours).
COLORS = {
    "published": "#222222",
    "derived": "#8C8C8C",
    "fit": "#0B4F80",
    "projection": "#0072B2",
    "band80": "#9CC7E8",
    "band95": "#D4E6F4",
    "target": "#D55E00",
    "highlight": "#D55E00",
    "peer": "#8FB8D8",
    "gain": "#0072B2",
    "loss": "#D55E00",
}

VALUE_FORMAT = {"percent": ",.1f", "index": ".3f", "rank": "d", "score": ",.2f"}  # tooltips
AXIS_FORMAT = {"percent": ",.2~f", "index": ".2~f", "rank": "d", "score": ",.2~f"}
YEAR_FORMAT = "d"
WIDTH, HEIGHT = 560, 320
CAPTION_WIDTH = 110  # characters per caption line
MAP_CAPTION_WIDTH = 72  # value maps sit side by side: captions no wider than the map

UnitRef = tuple[str, str]


# =============================================================================================================
# shared helpers
# =============================================================================================================
def _frame(df: Any) -> pl.DataFrame:
    if df is None:
        return pl.DataFrame()
    if isinstance(df, pl.DataFrame):
        return df
    if isinstance(df, pl.LazyFrame):
        return df.collect()
    return pl.from_pandas(df)


def _has(df: pl.DataFrame, *cols: str) -> bool:
    return all(c in df.columns for c in cols)


def _json_value(v: Any) -> Any:
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def _data(rows: Iterable[Mapping[str, Any]]) -> alt.InlineData:
    """Inline records (each layer carries its own rows: specs are self-contained and easy to test).

    The rows are a tuple: Altair deep-copies every list in a chart each time a layer, a property or a config is
    added, and the rows are never modified after this point, so a tuple (which it shares instead of copying and
    still writes as a JSON array) saves most of a chart's build time."""
    return alt.InlineData(values=tuple({k: _json_value(v) for k, v in r.items()} for r in rows))


def _layer(*layers: alt.Chart | alt.LayerChart, **properties: Any) -> alt.LayerChart:
    """`alt.layer` for layers made for this chart alone, without its copies: Altair's LayerChart deep-copies every
    layer two or three times while it lifts selection parameters (no dxtrack chart has any; one that has goes to
    `alt.layer`) and the data the layers share; a unit's charts built ~30 % slower for it. Shared data is lifted
    here as Altair lifts it (data every layer holds, or that the chart holds and the layers hold or leave out), so
    the spec is the same (tests/test_charts.py; all specs of seven units and both briefings compared)."""
    layers_ = list(layers)
    if any(getattr(layer, "params", alt.Undefined) is not alt.Undefined for layer in layers_):
        return alt.LayerChart(layer=layers_, **properties)  # selection parameters: Altair lifts them
    data = properties.get("data", alt.Undefined)
    if data is alt.Undefined:
        shared = layers_[0].data if layers_ else alt.Undefined
        if shared is not alt.Undefined and all(layer.data is shared for layer in layers_):
            properties["data"] = data = shared
    if data is not alt.Undefined and all(layer.data is alt.Undefined or layer.data is data for layer in layers_):
        for layer in layers_:
            layer.data = alt.Undefined
    chart = alt.LayerChart(**properties)  # no layers yet: nothing to copy
    chart.layer = layers_  # type: ignore[assignment]  # Altair types `layer` as any chart kind
    return chart


def _kind_color(kinds: Sequence[str], lang: str) -> alt.Color:
    """Colour by the `legend` column: each kind's label (`legend.<kind>`) in its colour (COLORS[kind]), legend below."""
    return alt.Color(
        "legend:N",
        legend=alt.Legend(title=None, orient="bottom"),
        scale=alt.Scale(domain=[t(f"legend.{k}", lang) for k in kinds], range=[COLORS[k] for k in kinds]),
    )


class ChartSpec:
    """A finished chart: its Vega-Lite spec, converted from Altair's objects once.

    Altair converts a chart's whole object tree again (and validates it against the schema) every time the chart
    is shown or saved, which took longer than building it. A finished chart never changes, so reports show this
    dict. `to_dict()` validates by default, as Altair's does (tests rely on it); the display path does not.
    """

    def __init__(self, spec: dict[str, Any]):
        self.spec = spec

    def to_dict(self, validate: bool = True) -> dict[str, Any]:
        spec = json.loads(json.dumps(self.spec))  # a copy, in JSON's types (row tuples become the arrays they are)
        if validate:
            alt.Root.validate(spec)
        return spec

    def with_static_image(self, path: str) -> ChartSpec:
        """The same chart, naming an image of itself already written (`path`, relative to the folder the notebook
        runs in): a rendered page shows that image when scripts do not run, instead of drawing another one."""
        from dxtrack.notebook.engine import STATIC_KEY

        return ChartSpec({**self.spec, "usermeta": {**(self.spec.get("usermeta") or {}), STATIC_KEY: path}})

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Any:
        renderer = alt.renderers.get()  # the active Altair renderer (dxtrack's in reports), as Altair would
        return renderer(self.spec) if renderer else {}


def _locale(lang: str) -> alt.Locale:
    loc = labels.vega_format_locale(lang)
    return alt.Locale(number=alt.NumberLocale(**loc["number"]), time=alt.TimeLocale(**loc["time"]))


def _finish(chart: alt.TopLevelMixin, lang: str, about: Mapping[str, Any] | None = None) -> ChartSpec:
    """The one place where locale, font and common styling are set (top-level `config`), where the data
    behind the chart is attached for download (see `_download`), and where the chart becomes its spec.

    Set in place on the chart each builder has just made (Altair's `configure_*` / `properties` would copy the
    whole chart once per call)."""
    chart.config = alt.Config(  # type: ignore[attr-defined]  # every top-level chart has config and usermeta
        locale=_locale(lang),
        font=FONT,
        title=alt.TitleConfig(
            anchor="start", fontSize=15, subtitleFontSize=11, subtitleColor="#4D4D4D", subtitlePadding=6, offset=10
        ),
        axis=alt.AxisConfig(labelFontSize=11, titleFontSize=12, grid=True, gridColor="#EEEEEE"),
        legend=alt.LegendConfig(labelFontSize=11, titleFontSize=11, labelLimit=320),
        view=alt.ViewConfig(stroke=None),
    )
    chart.usermeta = {}  # type: ignore[attr-defined]  # filled below: set now so the key sits where Altair puts it
    spec = chart.to_dict(validate=False)
    spec["usermeta"] = _download(spec, lang, about or {})
    return ChartSpec(spec)


# Columns of plotting rows that only steer marks (colours, dashes, joins): left out of the CSV.
_PLOT_ONLY = {"legend", "kind", "band", "gid", "unit_order", "href", "share", "text", "cls", "x", "y"}


def _download(spec: Mapping[str, Any], lang: str, about: Mapping[str, Any]) -> dict:
    """The rows every layer draws (TopoJSON shapes aside), as one table with the chart's context columns
    first (unit, indicator, caption lines); the page offers it as CSV (dxtrack.notebook.engine)."""
    tables: list[Sequence[dict]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            values = node.get("values")
            if isinstance(values, (list, tuple)) and values and all(isinstance(v, dict) for v in values):
                tables.append(values)
            for v in node.values():
                walk(v)
        elif isinstance(node, (list, tuple)):
            for v in node:
                walk(v)

    walk({k: v for k, v in spec.items() if k not in ("config", "usermeta")})
    for _name, rows in (spec.get("datasets") or {}).items():
        if isinstance(rows, (list, tuple)) and rows and all(isinstance(r, dict) for r in rows):
            tables.append(rows)
    columns: list[str] = list(about)
    seen: set[str] = set()
    out: list[list[Any]] = []
    for rows in tables:
        for r in rows:
            for k in r:
                if k not in columns and k not in _PLOT_ONLY:
                    columns.append(k)
    for rows in tables:
        for r in rows:
            line = [about.get(c) if c in about else _csv_cell(r.get(c)) for c in columns]
            key = json.dumps(line, ensure_ascii=False, default=str)
            if key not in seen:
                seen.add(key)
                out.append(line)
    title = spec.get("title")
    text = title.get("text") if isinstance(title, dict) else title
    text = " ".join(text) if isinstance(text, list) else (text or "chart")
    slug = labels.nfc(str(text)).lower()
    import unicodedata

    slug = "".join(c for c in unicodedata.normalize("NFD", slug.replace("đ", "d")) if not unicodedata.combining(c))
    slug = "-".join("".join(c if c.isalnum() else " " for c in slug).split())[:60] or "chart"
    return {
        "dxtrack_download": {
            "label": t("download.csv", lang),
            "filename": f"{slug}.csv",
            "columns": columns,
            "rows": out,
        }
    }


def _csv_cell(v: Any) -> Any:
    if isinstance(v, list):
        return "; ".join(str(x) for x in v)
    return v


def _wrap(lines: Iterable[str], width: int = CAPTION_WIDTH) -> list[str]:
    out: list[str] = []
    for line in lines:
        if line:
            out.extend(textwrap.wrap(line, width=width, break_long_words=False, break_on_hyphens=False) or [""])
    return out


def _title(text: str, subtitle: Iterable[str], width: int = CAPTION_WIDTH) -> alt.TitleParams:
    """A title (wrapped at 80 characters) and its subtitle lines (at `width`; narrower for charts shown side
    by side, so the title does not widen the chart past its plot)."""
    return alt.TitleParams(text=_wrap([text], min(80, width * 2 // 3)), subtitle=_wrap(subtitle, width))


def _caption(
    lang: str,
    *,
    unit: str | None = None,
    years: str | None = None,
    sources: Iterable[str] = (),
    extra: Iterable[str] = (),
) -> list[str]:
    """Caption lines: "Unit: …; Years: …", then extra notes, then "Source: …" (unique, in order)."""
    first = "; ".join(x for x in (unit and t("caption.unit", lang, unit=unit), years) if x)
    srcs = list(dict.fromkeys(s for s in sources if s))
    lines = [first] if first else []
    lines += [e for e in extra if e]
    if srcs:
        lines.append(t("caption.source", lang, source="; ".join(srcs)))
    return lines


def _years_text(years: Iterable[int]) -> str:
    ys = sorted({int(y) for y in years if y is not None})
    if not ys:
        return labels.MISSING
    if len(ys) == 1:
        return str(ys[0])
    if ys == list(range(ys[0], ys[-1] + 1)):
        return f"{ys[0]}–{ys[-1]}"
    return ", ".join(str(y) for y in ys)


def _tip(field: str, key: str, lang: str, kind: str = "N", fmt: str | None = None, **fields: Any) -> alt.Tooltip:
    kw: dict[str, Any] = {"format": fmt} if fmt else {}
    return alt.Tooltip(f"{field}:{kind}", title=t(key, lang, **fields), **kw)


def _matrix_tips(lang: str) -> list[alt.Tooltip]:
    """The tooltip of a status-matrix cell (both matrices show the same fields)."""
    return [
        _tip("unit", "tooltip.province", lang),
        _tip("indicator", "tooltip.indicator", lang),
        _tip("year", "tooltip.target_year", lang, "Q", YEAR_FORMAT),
        _tip("goal", "tooltip.target", lang),
        _tip("status_label", "tooltip.status", lang),
        _tip("p_meet_text", "tooltip.p_meet", lang),
        _tip("document", "tooltip.document", lang),
        _tip("n_targets", "tooltip.n_targets", lang, "Q", "d"),
        _tip("reason", "tooltip.reason", lang),
    ]


def _year_x(lang: str, years: Iterable[int], *, pad: float = 0.4) -> alt.X:
    ys = [int(y) for y in years if y is not None]
    lo, hi = (min(ys), max(ys)) if ys else (2020, 2030)
    return alt.X(
        "year:Q",
        title=t("axis.year", lang),
        axis=alt.Axis(format=YEAR_FORMAT, tickMinStep=1, labelOverlap=True),
        scale=alt.Scale(domain=[lo - pad, hi + pad], nice=False, zero=False),
    )


def _unit_name(units: pl.DataFrame | None, unit: UnitRef, lang: str) -> str:
    map_, code = unit
    if map_ == "VN" or code == "VN":
        return t("unit.country", lang)
    if units is not None and not units.is_empty():
        row = units.filter((pl.col("map") == map_) & (pl.col("province_code") == code))
        if row.height:
            return labels.nfc(row["name_vi"][0])
    return f"{code} ({labels.map_label(map_, lang, short=True)})"


def _unit_names(units: pl.DataFrame | None) -> dict[UnitRef, str]:
    if units is None or units.is_empty():
        return {}
    return {(m, c): labels.nfc(n) for m, c, n in units.select("map", "province_code", "name_vi").iter_rows()}


def _names_with_successor(units: pl.DataFrame | None) -> dict[UnitRef, str]:
    """Unit names; a former province's followed by the unit it is part of today when that is named otherwise
    ("Trà Vinh → Vĩnh Long"), so a reader of a chart on the 63 map finds today's unit."""
    names = _unit_names(units)
    if units is None or "successor_code" not in units.columns:
        return names
    former = units.filter(pl.col("map") == "63").select("province_code", "successor_code")
    for code, successor in former.iter_rows():
        name, today = names.get(("63", code)), names.get(("34", successor)) if successor else None
        if name and today and today != name:
            names[("63", code)] = f"{name} → {today}"
    return names


def _status_scale(lang: str) -> alt.Scale:
    return alt.Scale(
        domain=[labels.status_label(s, lang) for s in STATUSES], range=[STATUS_COLORS[s] for s in STATUSES]
    )


def _status_color(lang: str, field: str = "status_label") -> alt.Color:
    return alt.Color(
        f"{field}:N",
        scale=_status_scale(lang),
        title=t("legend.status", lang),
        legend=alt.Legend(
            orient="bottom", columns=4, symbolType="square", symbolStrokeColor="#999999", symbolStrokeWidth=0.5
        ),
    )


def _cmp(comparator: str | None) -> str:
    c = (comparator or ">=").split("|")[-1].strip()
    return labels.comparator_symbol(c)


def _unit_of(indicator: str) -> str:
    return labels.indicator_definition(indicator)["unit"]


# =============================================================================================================
# trajectories (observed, fitted, projected, bands, targets)
# =============================================================================================================
def _unit_rows(df: pl.DataFrame, unit: UnitRef) -> pl.DataFrame:
    if df.is_empty():
        return df
    return df.filter((pl.col("map") == unit[0]) & (pl.col("province_code") == unit[1]))


def _status_rows(status: pl.DataFrame, unit: UnitRef, measured_by: str) -> pl.DataFrame:
    """The unit's status rows for targets measured by `measured_by`, preferred series only."""
    st = _unit_rows(status, unit)
    if st.is_empty():
        return st
    col = "measured_by" if "measured_by" in st.columns else "indicator"
    st = st.filter(pl.col(col) == measured_by)
    if "preferred" in st.columns:
        st = st.filter(pl.col("preferred"))
    return st


def _pick_series(obs: pl.DataFrame, status_u: pl.DataFrame, series: str | None) -> str | None:
    if series:
        return series
    if not status_u.is_empty() and "series" in status_u.columns:
        chosen = [s for s in status_u["series"].to_list() if s]
        if chosen:
            return chosen[0]
    if obs.is_empty() or "series" not in obs.columns:
        return None
    counts = obs.group_by("series").len().sort(["len", "series"], descending=[True, False])
    return counts["series"][0]


def _value_text(value: float | None, unit_kind: str, lang: str, rank_of: Any = None) -> str:
    """A value as shown in labels and tooltips; a rank carries the number of units ranked ("hạng 10 / 34")."""
    if unit_kind == "rank" and value is not None and rank_of:
        return t("word.rank_value", lang, rank=int(round(value)), of=int(rank_of))
    return labels.fmt_value(value, unit_kind, lang)


def _observed_rows(obs: pl.DataFrame, lang: str, unit_kind: str) -> tuple[list[dict], int]:
    """Observation records for plotting (full years only) and the number of part-year values left out."""
    omitted = 0
    if "full_year" in obs.columns:
        omitted = obs.filter(~pl.col("full_year")).height
        obs = obs.filter(pl.col("full_year"))
    rows = []
    for r in obs.sort("year").iter_rows(named=True):
        derived = bool(r.get("derived"))
        legend = t("legend.observed_derived" if derived else "legend.observed_published", lang)
        rows.append(
            {
                "year": int(r["year"]),
                "value": r["value"],
                "legend": legend,
                "origin": t("value.derived" if derived else "value.published", lang),
                "series_name": labels.series_name(r.get("series"), lang),
                "period": r.get("period_label") or str(r["year"]),
                "value_text": _value_text(r["value"], unit_kind, lang, r.get("rank_of")),
                "source_url": r.get("source_url"),
            }
        )
    return rows, omitted


def _projection_rows(proj: pl.DataFrame, lang: str, unit_kind: str) -> list[dict]:
    """One record per (year, kind); the last fitted year is repeated as the first projected point so the solid
    and dashed segments join."""
    rows: list[dict] = []
    if proj.is_empty():
        return rows
    proj = proj.sort("year")
    fmt = lambda v: labels.fmt_value(v, unit_kind, lang)  # noqa: E731
    method = labels.method_label(proj["method"][0], lang)
    for r in proj.iter_rows(named=True):
        kind = r["kind"]
        rows.append(
            {
                "year": int(r["year"]),
                "mean": r["mean"],
                "lo80": r["lo80"],
                "hi80": r["hi80"],
                "lo95": r["lo95"],
                "hi95": r["hi95"],
                "kind": kind,
                "legend": t(f"legend.{'fit' if kind == 'fit' else 'projection'}", lang),
                "kind_label": t(f"value.{'fit' if kind == 'fit' else 'projection'}", lang),
                "method": method,
                "mean_text": fmt(r["mean"]),
                "interval80": f"{fmt(r['lo80'])} – {fmt(r['hi80'])}",
                "interval95": f"{fmt(r['lo95'])} – {fmt(r['hi95'])}",
            }
        )
    fits = [r for r in rows if r["kind"] == "fit"]
    if fits and any(r["kind"] != "fit" for r in rows):
        joint = dict(fits[-1], kind="projection", legend=t("legend.projection", lang))
        rows.insert(rows.index(fits[-1]) + 1, joint)
    return rows


def _target_rows(
    targets: pl.DataFrame,
    status_u: pl.DataFrame,
    unit: UnitRef,
    indicator: str,
    lang: str,
    unit_kind: str,
    years: Sequence[int] | None = None,
) -> list[dict]:
    """One record per distinct (year, comparator, value) target of the unit, with its status if assessed."""
    tg = _unit_rows(targets, unit)
    if not tg.is_empty():
        tg = tg.filter(pl.col("indicator") == indicator)
        if "in_force" in tg.columns:
            tg = tg.filter(pl.col("in_force").fill_null(True))
    elif not status_u.is_empty():
        tg = status_u
    if tg.is_empty():
        return []
    tg = tg.filter(pl.col("target_value").is_not_null() & pl.col("target_year").is_not_null())
    if years:
        tg = tg.filter(pl.col("target_year").is_in(list(years)))
    by_id = {}
    if not status_u.is_empty() and _has(status_u, "target_id"):
        by_id = {r["target_id"]: r for r in status_u.iter_rows(named=True)}
    out: dict[tuple, dict] = {}
    for r in tg.sort("target_year", "target_value").iter_rows(named=True):
        comparator = r.get("comparator_norm") or r.get("comparator")
        key = (int(r["target_year"]), _cmp(comparator), float(r["target_value"]))
        st = by_id.get(r.get("target_id")) or {}
        rec = out.setdefault(
            key,
            {
                "year": key[0],
                "value": key[2],
                "legend": t("legend.target", lang),
                "goal": f"{key[1]} {labels.fmt_target(key[2], unit_kind, lang)}",
                "label": f"{key[1]} {labels.fmt_target(key[2], unit_kind, lang)} ({key[0]})",
                "documents": [],
                "status": st.get("status"),
                "p_meet": st.get("p_meet"),
                "expected_rank": st.get("expected_rank"),
            },
        )
        if r.get("document") and r["document"] not in rec["documents"]:
            rec["documents"].append(r["document"])
        if rec["status"] is None and st.get("status"):
            rec.update(status=st["status"], p_meet=st.get("p_meet"), expected_rank=st.get("expected_rank"))
    rows = []
    for rec in out.values():
        rec["document_text"] = "; ".join(rec.pop("documents")) or labels.MISSING
        rec["status_label"] = labels.status_label(rec["status"], lang) if rec["status"] else labels.MISSING
        rec["p_meet_text"] = labels.fmt_probability(rec["p_meet"], lang)
        rows.append(rec)
    return rows


def _legend_color(entries: list[tuple[str, str]]) -> alt.Color:
    return alt.Color(
        "legend:N",
        scale=alt.Scale(domain=[e[0] for e in entries], range=[e[1] for e in entries]),
        legend=alt.Legend(title=None, orient="bottom", columns=3, symbolType="circle"),
    )


def _trajectory_layers(
    obs_rows: list[dict],
    proj_rows: list[dict],
    target_rows: list[dict],
    lang: str,
    unit_kind: str,
    y_scale: alt.Scale,
    y_title: str,
) -> list[alt.Chart]:
    """Bands, fitted/projected line, observed points and target markers sharing one x, y and legend."""
    legend: list[tuple[str, str]] = []
    if any(r["origin"] == t("value.published", lang) for r in obs_rows):
        legend.append((t("legend.observed_published", lang), COLORS["published"]))
    if any(r["origin"] == t("value.derived", lang) for r in obs_rows):
        legend.append((t("legend.observed_derived", lang), COLORS["derived"]))
    if proj_rows:
        if any(r["kind"] == "fit" for r in proj_rows):
            legend.append((t("legend.fit", lang), COLORS["fit"]))
        if any(r["kind"] != "fit" for r in proj_rows):
            legend.append((t("legend.projection", lang), COLORS["projection"]))
        legend += [(t("legend.band80", lang), COLORS["band80"]), (t("legend.band95", lang), COLORS["band95"])]
    if target_rows:
        legend.append((t("legend.target", lang), COLORS["target"]))
    color = _legend_color(legend)
    years = [r["year"] for r in obs_rows + proj_rows + target_rows]
    x = _year_x(lang, years)
    y_fmt, ax_fmt = VALUE_FORMAT[unit_kind], AXIS_FORMAT[unit_kind]

    def y(field: str) -> alt.Y:
        return alt.Y(f"{field}:Q", scale=y_scale, title=y_title, axis=alt.Axis(format=ax_fmt))

    layers: list[alt.Chart] = []
    if proj_rows:
        by_year = {r["year"]: r for r in proj_rows}  # one row per year (the joint row repeats a fitted year)
        for band, (lo, hi) in (("band95", ("lo95", "hi95")), ("band80", ("lo80", "hi80"))):
            # an area is one shape, so its tooltip names the band; per-year values are on the line's points
            rows = [
                dict(r, legend=t(f"legend.{band}", lang), band=t(f"legend.{band}", lang))
                for _, r in sorted(by_year.items())
            ]
            layers.append(
                alt.Chart(_data(rows))
                .mark_area(opacity=1, interpolate="linear", clip=True)
                .encode(
                    x=x,
                    y=y(lo),
                    y2=alt.Y2(f"{hi}:Q"),
                    color=color,
                    tooltip=[_tip("band", "tooltip.band", lang), _tip("method", "tooltip.method", lang)],
                )
            )
        dash = alt.StrokeDash(
            "legend:N",
            legend=None,
            scale=alt.Scale(domain=[t("legend.fit", lang), t("legend.projection", lang)], range=[[1, 0], [6, 4]]),
        )
        layers.append(
            alt.Chart(_data(proj_rows))
            .mark_line(strokeWidth=2, point=alt.OverlayMarkDef(filled=True, size=16))
            .encode(
                x=x,
                y=y("mean"),
                color=color,
                strokeDash=dash,
                detail=alt.Detail("kind:N"),
                tooltip=[
                    _tip("year", "tooltip.year", lang, "Q", YEAR_FORMAT),
                    _tip("kind_label", "tooltip.kind", lang),
                    _tip("mean", "tooltip.mean", lang, "Q", y_fmt),
                    _tip("interval80", "tooltip.interval80", lang),
                    _tip("interval95", "tooltip.interval95", lang),
                    _tip("method", "tooltip.method", lang),
                ],
            )
        )
    if obs_rows:
        layers.append(
            alt.Chart(_data(obs_rows))
            .mark_point(filled=True, size=70, opacity=1)
            .encode(
                x=x,
                y=y("value"),
                color=color,
                shape=alt.Shape(
                    "origin:N",
                    legend=None,
                    scale=alt.Scale(
                        domain=[t("value.published", lang), t("value.derived", lang)], range=["circle", "triangle-up"]
                    ),
                ),
                tooltip=[
                    _tip("year", "tooltip.year", lang, "Q", YEAR_FORMAT),
                    _tip("value_text", "tooltip.value", lang)
                    if unit_kind == "rank"
                    else _tip("value", "tooltip.value", lang, "Q", y_fmt),
                    _tip("period", "tooltip.period", lang),
                    _tip("origin", "tooltip.kind", lang),
                    _tip("series_name", "tooltip.series", lang),
                ],
            )
        )
    if target_rows:
        target_tips = [
            _tip("label", "tooltip.target", lang),
            _tip("year", "tooltip.target_year", lang, "Q", YEAR_FORMAT),
            _tip("status_label", "tooltip.status", lang),
            _tip("p_meet_text", "tooltip.p_meet", lang),
            _tip("document_text", "tooltip.document", lang),
        ]
        base = alt.Chart(_data(target_rows)).encode(x=x, y=y("value"), tooltip=target_tips)
        layers.append(
            base.mark_point(shape="diamond", filled=True, size=150, opacity=1, stroke="white", strokeWidth=0.8).encode(
                color=color
            )
        )
        layers.append(
            base.mark_text(
                align="right", baseline="bottom", dx=-6, dy=-6, fontSize=11, fontWeight="bold", color=COLORS["target"]
            ).encode(text=alt.Text("label:N"))
        )
    return layers


def _status_lines(target_rows: list[dict], lang: str, rank: bool = False, of: int | None = None) -> list[str]:
    lines = []
    for r in sorted(target_rows, key=lambda r: (r["year"], r["value"])):
        if not r.get("status"):
            continue
        if rank:
            goal = t("word.top", lang, n=int(r["value"]))
            line = t("subtitle.target_status", lang, target=goal, year=r["year"], status=r["status_label"])
            if r.get("p_meet") is not None:
                line += " · " + t("subtitle.p_rank", lang, n=int(r["value"]), year=r["year"], p=r["p_meet_text"])
            if r.get("expected_rank") is not None:
                expected = labels.fmt_number(r["expected_rank"], lang, 1) + (f" / {of}" if of else "")
                line += " · " + t("subtitle.expected_rank", lang, rank=expected)
        else:
            line = t("subtitle.target_status", lang, target=r["goal"], year=r["year"], status=r["status_label"])
            if r.get("p_meet") is not None:
                line += " · " + t("subtitle.p_meet", lang, p=r["p_meet_text"])
        lines.append(line)
    return lines


def _trajectory(
    observations: Any,
    projections: Any,
    targets: Any,
    status: Any,
    units: Any,
    unit: UnitRef,
    indicator: str,
    lang: str,
    *,
    series: str | None,
    method: str | None,
    title: str | None,
    target_years: Sequence[int] | None,
    rank_goals: Sequence[tuple[int, int]] | None = None,
    ended: date | None = None,
    width: int,
    height: int,
) -> ChartSpec:
    obs_all, proj_all = _frame(observations), _frame(projections)
    status_df, units_df = _frame(status), _frame(units)
    definition = labels.indicator_definition(indicator)
    unit_kind = definition["unit"]
    status_u = _status_rows(status_df, unit, indicator)
    obs_u = _unit_rows(obs_all, unit)
    obs_u = obs_u.filter(pl.col("indicator") == indicator) if not obs_u.is_empty() else obs_u
    chosen = _pick_series(obs_u, status_u, series)
    if chosen is not None and not obs_u.is_empty():
        obs_u = obs_u.filter(pl.col("series") == chosen)
    if not status_u.is_empty() and chosen is not None and "series" in status_u.columns:
        status_u = status_u.filter(pl.col("series").is_null() | (pl.col("series") == chosen))
    proj_u = _unit_rows(proj_all, unit)
    if not proj_u.is_empty():
        proj_u = proj_u.filter(pl.col("indicator") == indicator)
        if chosen is not None and "series" in proj_u.columns:
            proj_u = proj_u.filter(pl.col("series") == chosen)
        proj_u = proj_u.filter(pl.col("method") == method) if method else proj_u.filter(pl.col("is_default"))
    # A unit that ceased (a former province) is not projected past the last year it existed.
    last_year = (ended - timedelta(days=1)).year if ended is not None else None
    if last_year is not None and not proj_u.is_empty():
        proj_u = proj_u.filter(pl.col("year") <= last_year)

    obs_rows, omitted = _observed_rows(obs_u, lang, unit_kind)
    proj_rows = _projection_rows(proj_u, lang, unit_kind)
    if not proj_u.is_empty() and proj_u.filter(pl.col("kind") != "fit").is_empty():
        proj_u = proj_u.head(0)  # nothing left to project: no line without a projection
    if rank_goals is None:
        target_rows = _target_rows(_frame(targets), status_u, unit, indicator, lang, unit_kind, target_years)
    else:
        target_rows = _rank_goal_rows(status_u, unit, rank_goals, lang)

    if unit_kind == "rank":
        rank_of = _rank_of(obs_u, proj_u, status_u)
        y_scale = alt.Scale(domain=[1, rank_of], reverse=True, nice=False, zero=False)
        y_title = f"{labels.unit_label(unit_kind, lang)} / {rank_of}"
    elif unit_kind == "index":
        y_scale = alt.Scale(domain=[0, 1], nice=False)
    else:
        y_scale = alt.Scale(zero=True, nice=True)
    if unit_kind != "rank":
        y_title = labels.unit_label(unit_kind, lang)
    layers = _trajectory_layers(obs_rows, proj_rows, target_rows, lang, unit_kind, y_scale, y_title)
    if rank_goals is not None and target_rows:
        layers += _goal_rules(target_rows, lang)
    if not layers:
        raise ValueError(f"nothing to draw: no observations, projections or targets of {indicator} for {unit}")

    unit_name = _unit_name(units_df, unit, lang)
    head = title or t("title.trajectory", lang, indicator=labels.indicator_name(definition, lang), unit=unit_name)
    years_line = t("caption.years_observed", lang, years=_years_text(r["year"] for r in obs_rows))
    if proj_rows:
        years_line += "; " + t(
            "caption.projection", lang, year=max(r["year"] for r in proj_rows), method=proj_rows[0]["method"]
        )
    sources = list(dict.fromkeys(r["series_name"] for r in obs_rows))
    if proj_rows:
        sources.append(t("caption.model", lang))
    documents = list(
        dict.fromkeys(d for r in target_rows for d in r["document_text"].split("; ") if d != labels.MISSING)
    )
    extra = []
    if any(r["origin"] == t("value.derived", lang) for r in obs_rows):
        extra.append(t("caption.derived_note", lang))
    if omitted:
        extra.append(t("caption.partial_omitted", lang, n=omitted))
    if ended is not None:
        note = "caption.ended_rank" if unit_kind == "rank" else "caption.ended"
        line = t(note, lang, unit=unit_name, date=labels.fmt_date(ended, lang), year=last_year)
        if target_rows:  # the former province's own targets are still judged, on the model's projection
            line += "; " + t("caption.ended_targets", lang)
        extra.append(line)
    if documents:
        extra.append(t("caption.targets", lang, documents="; ".join(documents)))
    caption = _caption(lang, unit=labels.unit_label(unit_kind, lang), years=years_line, sources=sources, extra=extra)
    of = _rank_of(obs_u, proj_u, status_u) if unit_kind == "rank" else None
    status_lines = _status_lines(target_rows, lang, rank=rank_goals is not None, of=of)
    if status_lines and "proxy" in status_u.columns and status_u["proxy"].fill_null(False).any():
        note = t("text.proxy_status", lang)  # a proxy's status never settles the target
        status_lines.append(note[:1].upper() + note[1:])
    subtitle = status_lines + caption
    # Everything set in one construction: each `.properties()` / `.resolve_scale()` on a layered chart would rebuild
    # it, deep-copying every layer twice.
    chart = _layer(
        *layers,
        title=_title(head, subtitle),
        width=width,
        height=height,
        resolve=alt.Resolve(scale=alt.ScaleResolveMap(color="shared")),
    )
    about = {
        "unit": unit_name,
        "indicator": labels.indicator_name(definition, lang),
        "measure": labels.unit_label(unit_kind, lang),
    }
    return _finish(chart, lang, about)


def trajectory_chart(
    observations: Any,
    projections: Any,
    targets: Any,
    status: Any,
    units: Any,
    unit: UnitRef,
    indicator: str,
    lang: str,
    *,
    series: str | None = None,
    method: str | None = None,
    title: str | None = None,
    target_years: Sequence[int] | None = None,
    ended: date | None = None,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> ChartSpec:
    """One unit's indicator over time: observed points (published ● / derived ▲), the fitted line and projection of
    the default method (or `method`), 80% and 95% bands, and a marker + label at each target.

    The series shown is `series`, else the one status.parquet marks `preferred`, else the unit's longest. The
    subtitle gives each assessed target's status and P(met), then unit, years, target documents and sources.
    `projections`, `targets`, `status` and `units` may be None or empty (those layers/lines are then left out).
    `ended`: the day the unit ceased to exist (a former province): the projection stops at the last year it
    existed and the caption says so; its targets keep the status the model gave them.
    """
    return _trajectory(
        observations,
        projections,
        targets,
        status,
        units,
        unit,
        indicator,
        lang,
        series=series,
        method=method,
        title=title,
        target_years=target_years,
        ended=ended,
        width=width,
        height=height,
    )


# =============================================================================================================
# DTI rank history
# =============================================================================================================
def _rank_of(obs: pl.DataFrame, proj: pl.DataFrame, status_u: pl.DataFrame) -> int:
    for df in (obs, proj, status_u):
        if not df.is_empty() and "rank_of" in df.columns and df["rank_of"].drop_nulls().len():
            return int(df["rank_of"].drop_nulls().max())  # type: ignore[arg-type]  # polars: max of any dtype
    return 63


def _ranked_of(observations: Any, unit: UnitRef) -> int:
    """How many units a rank on `unit`'s map is out of: the published `rank_of`, else the map's size."""
    obs = _frame(observations)
    if not obs.is_empty() and _has(obs, "rank_of", "map", "indicator"):
        of = obs.filter((pl.col("map") == unit[0]) & (pl.col("indicator") == "dti_rank"))["rank_of"].drop_nulls()
        if of.len():
            return int(of.max())  # type: ignore[arg-type]  # polars: max of any dtype
    return 34 if unit[0] == "34" else 63


def _rank_goal_rows(status_u: pl.DataFrame, unit: UnitRef, goals: Sequence[tuple[int, int]], lang: str) -> list[dict]:
    """Goal records (top N by year) with status, P(rank ≤ N) and median forecast rank from the status rows."""
    found: dict[tuple[int, int], dict] = {}
    if not status_u.is_empty():
        for r in (
            status_u.filter(pl.col("target_value").is_not_null() & pl.col("target_year").is_not_null())
            .sort("target_year", "target_value")
            .iter_rows(named=True)
        ):
            found.setdefault((int(r["target_value"]), int(r["target_year"])), r)
    keys = list(goals) or sorted(found, key=lambda k: (k[1], k[0]))
    rows = []
    for n, year in keys:
        st = found.get((int(n), int(year)), {})
        label = f"{t('word.top', lang, n=int(n))} ({year})"
        rows.append(
            {
                "year": int(year),
                "value": float(n),
                "legend": t("legend.target", lang),
                "label": label,
                "status": st.get("status"),
                "p_meet": st.get("p_meet"),
                "expected_rank": st.get("expected_rank"),
                "status_label": labels.status_label(st["status"], lang) if st.get("status") else labels.MISSING,
                "p_meet_text": labels.fmt_probability(st.get("p_meet"), lang),
                "expected_rank_text": labels.fmt_number(st.get("expected_rank"), lang, 1),
                "document_text": st.get("document") or labels.MISSING,
            }
        )
    return rows


def _goal_rules(goal_rows: list[dict], lang: str) -> list[alt.Chart]:
    """A horizontal dashed rule at each rank goal N (the marker sits at the goal's year)."""
    tips = [
        _tip("label", "tooltip.target", lang),
        _tip("status_label", "tooltip.status", lang),
        _tip("p_meet_text", "tooltip.p_meet", lang),
        _tip("document_text", "tooltip.document", lang),
    ]
    return [
        alt.Chart(_data(goal_rows))
        .mark_rule(strokeDash=[3, 3], color=COLORS["target"], opacity=0.7)
        .encode(y=alt.Y("value:Q"), tooltip=tips)
    ]


def rank_history_chart(
    observations: Any,
    projections: Any,
    status: Any,
    units: Any,
    unit: UnitRef,
    lang: str,
    *,
    goals: Sequence[int | tuple[int, int]] | None = None,
    indicator: str = "dti_rank",
    ended: date | None = None,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> ChartSpec:
    """A unit's DTI rank over time, 1 at the top, with the naive projection's bands and each rank goal as a
    dashed rule plus a marker at its year. Goals come from status rows measured by `indicator` (target_value =
    N of "top N"), or `goals` (N, or (N, year)); the subtitle gives P(rank ≤ N) and the median forecast rank. The title
    says out of how many units the rank is ("out of 63" / "out of 34"); `ended` as in `trajectory_chart`."""
    status_df = _frame(status)
    status_u = _status_rows(status_df, unit, indicator)
    goal_list: list[tuple[int, int]] = []
    years = sorted({int(y) for y in status_u["target_year"].drop_nulls()}) if not status_u.is_empty() else []
    for g in goals or ():
        if isinstance(g, tuple):
            goal_list.append((int(g[0]), int(g[1])))
        elif len(years) == 1:
            goal_list.append((int(g), years[0]))
        else:
            raise ValueError(f"rank goal {g}: give it as (N, year); the status rows name target years {years}")
    return _trajectory(
        observations,
        projections,
        None,
        status_df,
        units,
        unit,
        indicator,
        lang,
        series=None,
        method=None,
        title=t(
            "title.rank_history", lang, unit=_unit_name(_frame(units), unit, lang), of=_ranked_of(observations, unit)
        ),
        target_years=None,
        rank_goals=goal_list,
        ended=ended,
        width=width,
        height=height,
    )


# =============================================================================================================
# regional peers
# =============================================================================================================
def peers_chart(
    observations: Any,
    units: Any,
    unit: UnitRef,
    indicator: str,
    year: int,
    lang: str,
    *,
    series: str | None = None,
    width: int = 480,
    members: Sequence[str] = (),
) -> ChartSpec:
    """Latest value (up to `year`) of `indicator` for the unit and the other units of its region on the same map,
    as bars sorted by value, the unit highlighted. One series only (`series`, else the unit's, else the most
    common among peers), so estimators never mix.

    `members`: more units of the same (former) map highlighted with it, for the former provinces that together
    form one unit today: one chart for all of them instead of one near-identical chart each."""
    obs, units_df = _frame(observations), _frame(units)
    unit_kind = _unit_of(indicator)
    highlighted = [unit[1], *(c for c in members if c != unit[1])]
    me = units_df.filter((pl.col("map") == unit[0]) & pl.col("province_code").is_in(highlighted))
    if me.height != len(highlighted):
        missing_units = sorted(set(highlighted) - set(me["province_code"].to_list()))
        raise KeyError(f"units {[(unit[0], c) for c in missing_units]} are not in the units table")
    region_col = "region_vi" if lang == "vi" else "region_en"
    region = ", ".join(dict.fromkeys(me.sort("province_code")[region_col].to_list()))
    peers = units_df.filter((pl.col("map") == unit[0]) & pl.col("region_vi").is_in(me["region_vi"].unique().to_list()))
    # Units of a former map are compared only with peers that have a unit today, each shown with its successor.
    former = unit[0] == "63" and "successor_code" in units_df.columns
    successors: dict[str, str] = {}
    if former:
        peers = peers.filter(pl.col("successor_code").is_not_null() | pl.col("province_code").is_in(highlighted))
        now = _unit_names(units_df)
        successors = {
            c: now.get(("34", s), s) for c, s in peers.select("province_code", "successor_code").iter_rows() if s
        }
    codes = peers["province_code"].to_list()
    rows = obs.filter(
        (pl.col("map") == unit[0])
        & pl.col("province_code").is_in(codes)
        & (pl.col("indicator") == indicator)
        & (pl.col("year") <= year)
    )
    if "full_year" in rows.columns:
        rows = rows.filter(pl.col("full_year"))
    if series is None and not rows.is_empty():
        mine = rows.filter(pl.col("province_code").is_in(highlighted))
        series = _pick_series(mine if not mine.is_empty() else rows, pl.DataFrame(), None)
    if series is not None and not rows.is_empty():
        rows = rows.filter(pl.col("series") == series)
    latest = rows.sort("year").group_by("province_code", maintain_order=True).last()
    # "Trà Vinh → Vĩnh Long": a former province and the unit it is part of today
    names = _names_with_successor(units_df) if former else _unit_names(units_df)
    # the members of one unit today, named by it: "part of Vĩnh Long" (one member alone: "this province")
    today = successors.get(unit[1]) if len(highlighted) > 1 else None
    mine_label = t("legend.member_of", lang, unit=today) if today else t("legend.highlight", lang)
    records = []
    for r in latest.iter_rows(named=True):
        is_mine = r["province_code"] in highlighted
        records.append(
            {
                "name": names.get((unit[0], r["province_code"]), r["province_code"]),
                "value": r["value"],
                "year": int(r["year"]),
                "legend": mine_label if is_mine else t("legend.peer", lang),
                "value_text": _value_text(r["value"], unit_kind, lang, r.get("rank_of")),
                "series_name": labels.series_name(r.get("series"), lang),
                "origin": t("value.derived" if r.get("derived") else "value.published", lang),
            }
        )
    if not records:
        raise ValueError(f"no {indicator} values up to {year} for {unit} or its regional peers")
    missing = [names.get((unit[0], c), c) for c in codes if c not in set(latest["province_code"].to_list())]
    color = alt.Color(
        "legend:N",
        legend=alt.Legend(title=None, orient="bottom"),
        scale=alt.Scale(domain=[mine_label, t("legend.peer", lang)], range=[COLORS["highlight"], COLORS["peer"]]),
    )
    tips = [
        _tip("name", "tooltip.province", lang),
        _tip("value", "tooltip.value", lang, "Q", VALUE_FORMAT[unit_kind]),
        _tip("year", "tooltip.year", lang, "Q", YEAR_FORMAT),
        _tip("origin", "tooltip.kind", lang),
        _tip("series_name", "tooltip.series", lang),
    ]
    records.sort(key=lambda r: (r["value"] if unit_kind == "rank" else -r["value"], r["name"]))
    base = alt.Chart(_data(records)).encode(
        y=alt.Y("name:N", sort=[r["name"] for r in records], title=None, axis=alt.Axis(labelLimit=200)),
        x=alt.X(
            "value:Q",
            title=labels.unit_label(unit_kind, lang),
            axis=alt.Axis(format=AXIS_FORMAT[unit_kind]),
            scale=alt.Scale(domain=[0, 1]) if unit_kind == "index" else alt.Scale(zero=True),
        ),
        tooltip=tips,
    )
    bars = base.mark_bar(height={"band": 0.75}).encode(color=color)
    value_labels = base.mark_text(align="left", dx=4, fontSize=10, color="#333333").encode(
        text=alt.Text("value_text:N")
    )
    subtitle = [t("subtitle.region", lang, region=region, year=year)]
    if former:  # which map the comparison is on, and why
        subtitle.append(t("subtitle.peers_former_map", lang, year=year))
    extra = []
    if missing:
        extra.append(t("subtitle.no_peer_data", lang, n=len(missing), names=", ".join(missing)))
    if any(r["origin"] == t("value.derived", lang) for r in records):
        extra.append(t("caption.derived_note", lang))
    caption = _caption(
        lang,
        unit=labels.unit_label(unit_kind, lang),
        years=t("caption.years", lang, years=_years_text(r["year"] for r in records)),
        sources=[r["series_name"] for r in records],
        extra=extra,
    )
    head = t(
        "title.peers_members" if today else "title.peers_former" if former else "title.peers",
        lang,
        indicator=labels.indicator_name(indicator, lang),
        unit=today or _unit_name(units_df, unit, lang),
    )
    chart = _layer(bars, value_labels, title=_title(head, subtitle + caption), width=width, height=alt.Step(22))
    return _finish(chart, lang)


# =============================================================================================================
# status matrix
# =============================================================================================================
def _pick_target(rows: pl.DataFrame) -> pl.DataFrame:
    """One status row per (unit, indicator, target year): preferred series, in force, latest document."""
    if "preferred" in rows.columns:
        rows = rows.filter(pl.col("preferred"))
    keys = ["map", "province_code", "indicator", "target_year"]
    order = [c for c in ("in_force", "document_date") if c in rows.columns]
    if order:
        rows = rows.sort(order, descending=True, nulls_last=True)
    n = rows.group_by(keys).len().rename({"len": "n_targets"})
    return rows.group_by(keys, maintain_order=True).first().join(n, on=keys, how="left")


def status_matrix_chart(
    status: Any,
    units: Any,
    lang: str,
    *,
    map_: str | None = None,
    indicators: Sequence[str] | None = None,
    width: int | None = None,
) -> ChartSpec:
    """Units × targets (indicator, year) coloured by status, in the shared status palette. Several targets of one
    unit, indicator and year (different documents) show as one cell: in force and most recent first; the tooltip
    says how many there are."""
    st, units_df = _frame(status), _frame(units)
    if map_ is not None:
        st = st.filter(pl.col("map") == map_)
    if indicators is not None:
        st = st.filter(pl.col("indicator").is_in(list(indicators)))
    st = st.filter(pl.col("target_year").is_not_null())
    if st.is_empty():
        raise ValueError("no status rows with a target year to show")
    st = _pick_target(st).sort("indicator", "target_year", "map", "province_code")
    names = _unit_names(units_df)
    several_maps = st["map"].n_unique() > 1
    records: list[dict[str, Any]] = []
    for r in st.iter_rows(named=True):
        unit_kind = _unit_of(r["indicator"])
        name = names.get((r["map"], r["province_code"])) or _unit_name(None, (r["map"], r["province_code"]), lang)
        if several_maps and r["map"] != "VN":
            name = f"{name} · {labels.map_label(r['map'], lang, short=True)}"
        target_value = r.get("target_value")
        goal = (
            t("word.top", lang, n=int(target_value))
            if unit_kind == "rank" and target_value is not None
            else f"{_cmp(r.get('comparator_norm'))} {labels.fmt_target(target_value, unit_kind, lang)}"
            if target_value is not None
            else labels.MISSING
        )
        records.append(
            {
                "unit": name,
                "unit_order": f"{r['map']}:{r['province_code']}",
                "target": f"{labels.indicator_name(r['indicator'], lang)} ({r['target_year']})",
                "indicator": labels.indicator_name(r["indicator"], lang),
                "year": int(r["target_year"]),
                "goal": goal,
                "status_label": labels.status_label(r["status"], lang),
                "p_meet_text": labels.fmt_probability(r.get("p_meet"), lang),
                "document": r.get("document") or labels.MISSING,
                "reason": r.get("reason_vi" if lang == "vi" else "reason") or r.get("reason") or labels.MISSING,
                "n_targets": int(r["n_targets"]),
            }
        )
    tips = _matrix_tips(lang)
    target_order = list(dict.fromkeys(r["target"] for r in records))
    unit_order = [r["unit"] for r in sorted(records, key=lambda r: r["unit_order"])]
    chart = (
        alt.Chart(_data(records))
        .mark_rect(stroke="white", strokeWidth=1)
        .encode(
            x=alt.X(
                "target:N",
                title=t("axis.target", lang),
                sort=target_order,
                axis=alt.Axis(labelAngle=-40, labelLimit=240, orient="top", grid=False),
            ),
            y=alt.Y(
                "unit:N",
                title=t("axis.province", lang),
                sort=list(dict.fromkeys(unit_order)),
                axis=alt.Axis(grid=False),
            ),
            color=_status_color(lang),
            tooltip=tips,
        )
    )
    maps = sorted(st["map"].unique().to_list())
    caption = _caption(
        lang,
        years=t("caption.years", lang, years=_years_text(r["year"] for r in records)),
        extra=[t("caption.map", lang, map=", ".join(labels.map_label(m, lang) for m in maps))],
    )
    caption.append(t("caption.status_source", lang))
    props: dict[str, Any] = {"title": _title(t("title.status_matrix", lang), caption), "height": alt.Step(18)}
    props["width"] = width if width is not None else alt.Step(26)
    return _finish(chart.properties(**props), lang)


# =============================================================================================================
# choropleth
# =============================================================================================================
def _read_crosswalk(crosswalk: Any) -> pl.DataFrame:
    if isinstance(crosswalk, (str, Path)):
        return pl.read_csv(crosswalk, infer_schema=False)
    return _frame(crosswalk).with_columns(pl.all().cast(pl.String))


def choropleth_chart(
    status_by_unit: Any,
    topojson_path: str | Path,
    crosswalk: Any,
    map_: str,
    lang: str,
    *,
    units: Any = None,
    title: str | None = None,
    subtitle: Sequence[str] = (),
    width: int = 340,
    height: int = 560,
) -> ChartSpec:
    """Provinces of one map ("63" or "34") coloured by status. `status_by_unit` has one row per unit: map,
    province_code, status (pace.STATUSES), optional `note`; units without a row show as "no data".

    The TopoJSON is read from disk, simplified for a national map (geometry) and inlined (alt.topo_feature would
    fetch a URL); each feature's `gid` is joined to a province code through name_crosswalk.csv (`crosswalk`: its
    path or frame) with a lookup transform. The caption attributes the boundary source (CC BY-SA 4.0)."""
    if map_ not in ("63", "34"):
        raise ValueError(f"map must be '63' or '34', not {map_!r}")
    path = Path(topojson_path)
    geo, cw = _geo(path, crosswalk)
    gids = geo.gids
    code_col, name_col = (
        ("gso_code_old", "name_vi_old") if map_ == "63" else ("new_province_code", "new_province_name_vi")
    )
    if cw.height != len(gids) or set(cw["feature_gid"].cast(pl.Int64).to_list()) != set(gids):
        raise ValueError(f"{path.name}: crosswalk rows ({cw.height}) do not match its {len(gids)} features")
    sbu = _frame(status_by_unit)
    sbu = sbu.filter(pl.col("map") == map_) if "map" in sbu.columns else sbu
    by_code = {r["province_code"]: r for r in sbu.iter_rows(named=True)}
    unknown = set(by_code) - set(cw[code_col].to_list())
    if unknown:
        raise KeyError(f"status rows for codes not on the {map_} map: {sorted(unknown)}")
    names = _unit_names(_frame(units))
    records = []
    for r in cw.sort(pl.col("feature_gid").cast(pl.Int64)).iter_rows(named=True):
        code = r[code_col]
        st = by_code.get(code, {})
        status = st.get("status") or "no data"
        records.append(
            {
                "gid": int(r["feature_gid"]),
                "province_code": code,
                "name": names.get((map_, code)) or labels.nfc(r[name_col]),
                "status": status,
                "status_label": labels.status_label(status, lang),
                "note": st.get("note") or labels.MISSING,
            }
        )
    fields = ["province_code", "name", "status", "status_label", "note"]
    tips = [
        _tip("name", "tooltip.province", lang),
        _tip("status_label", "tooltip.status", lang),
        _tip("note", "tooltip.note", lang),
    ]
    chart = (
        alt.Chart(_topo_data(geo))
        .mark_geoshape(stroke="white", strokeWidth=0.4)
        .transform_lookup(lookup="properties.gid", from_=alt.LookupData(data=_data(records), key="gid", fields=fields))
        .encode(color=_status_color(lang), tooltip=tips)
        .project(type="mercator")
    )
    caption = _caption(
        lang, extra=[t("caption.map", lang, map=labels.map_label(map_, lang)), *subtitle, t("caption.boundaries", lang)]
    )
    caption.append(t("caption.status_source", lang))
    chart = chart.properties(title=_title(title or t("title.choropleth", lang), caption), width=width, height=height)
    return _finish(chart, lang)


# =============================================================================================================
# DTI rank movers
# =============================================================================================================
def movers_chart(
    observations: Any,
    from_year: int,
    to_year: int,
    units: Any,
    lang: str,
    *,
    map_: str = "63",
    top: int = 8,
    indicator: str = "dti_rank",
    width: int = 420,
) -> ChartSpec:
    """The `top` biggest gains and losses in DTI rank between two years (positive = moved up), as bars."""
    obs, units_df = _frame(observations), _frame(units)
    obs = obs.filter(
        (pl.col("indicator") == indicator) & (pl.col("map") == map_) & pl.col("year").is_in([from_year, to_year])
    )
    if "full_year" in obs.columns:
        obs = obs.filter(pl.col("full_year"))
    wide = (
        obs.group_by("province_code", "year")
        .agg(pl.col("value").first())
        .pivot(on="year", index="province_code", values="value")
    )
    a, b = str(from_year), str(to_year)
    if a not in wide.columns or b not in wide.columns:
        raise ValueError(f"no {indicator} ranks on the {map_} map for both {from_year} and {to_year}")
    wide = wide.drop_nulls([a, b]).with_columns((pl.col(a) - pl.col(b)).alias("change"))
    gains = wide.filter(pl.col("change") > 0).sort(["change", "province_code"], descending=[True, False]).head(top)
    losses = wide.filter(pl.col("change") < 0).sort(["change", "province_code"]).head(top)
    names = _names_with_successor(units_df)
    records = [
        {
            "name": names.get((map_, r["province_code"]), r["province_code"]),
            "change": r["change"],
            "rank_from": r[a],
            "rank_to": r[b],
            "legend": t("legend.gain" if r["change"] > 0 else "legend.loss", lang),
        }
        for r in pl.concat([gains, losses]).iter_rows(named=True)
    ]
    if not records:
        raise ValueError(f"no rank changed between {from_year} and {to_year}")
    color = _kind_color(("gain", "loss"), lang)
    tips = [
        _tip("name", "tooltip.province", lang),
        _tip("rank_from", "tooltip.rank_from", lang, "Q", "d", year=from_year),
        _tip("rank_to", "tooltip.rank_to", lang, "Q", "d", year=to_year),
        _tip("change", "tooltip.change", lang, "Q", "+d"),
    ]
    records.sort(key=lambda r: (-r["change"], r["name"]))
    signed = "datum.value > 0 ? '+' + datum.label : datum.label"
    base = alt.Chart(_data(records)).encode(
        y=alt.Y("name:N", sort=[r["name"] for r in records], title=None),
        x=alt.X(
            "change:Q",
            title=t("axis.rank_change", lang),
            axis=alt.Axis(format="d", labelExpr=signed, tickMinStep=1, tickCount=6),
        ),
        tooltip=tips,
    )
    bars = base.mark_bar(height={"band": 0.75}).encode(color=color)
    value_labels = base.mark_text(align="left", dx=4, fontSize=10, color="#333333").encode(
        text=alt.Text("change:Q", format="+d"), x=alt.XValue(width + 4)
    )
    rank_of = (
        int(obs["rank_of"].drop_nulls().max())  # type: ignore[arg-type]  # polars: max of any dtype
        if "rank_of" in obs.columns and obs["rank_of"].drop_nulls().len()
        else None
    )
    subtitle = [t("subtitle.movers", lang, n=wide.height, top=top)]
    caption = _caption(
        lang,
        unit=labels.unit_label("rank", lang) + (f" / {rank_of}" if rank_of else ""),
        years=t("caption.years", lang, years=f"{from_year}, {to_year}"),
        extra=[t("caption.map", lang, map=labels.map_label(map_, lang))],
    )
    if any(" → " in r["name"] for r in records):
        caption.append(t("caption.arrow_today", lang))
    caption.append(t("caption.dti_source", lang))
    chart = _layer(
        bars,
        value_labels,
        title=_title(t("title.movers", lang, start=from_year, end=to_year), subtitle + caption),
        width=width,
        height=alt.Step(20),
    )
    return _finish(chart, lang)


# =============================================================================================================
# data coverage
# =============================================================================================================
def coverage_chart(
    coverage: Mapping[str, Mapping[str, Mapping[str, Mapping[str, Any]]]],
    lang: str,
    *,
    indicators: Sequence[str] | None = None,
) -> ChartSpec:
    """Heat map of data coverage (metrics/harmonize.json "coverage": indicator → map → year → {units, of}):
    indicators × years, one panel per map, cell text "units/of"."""
    records: list[dict[str, Any]] = []
    for ind, maps in coverage.items():
        if indicators is not None and ind not in indicators:
            continue
        for map_, years in maps.items():
            for year, c in years.items():
                units_n, of = int(c["units"]), int(c["of"])
                records.append(
                    {
                        "indicator": labels.indicator_name(ind, lang),
                        "indicator_id": ind,
                        "map": labels.map_label(map_, lang),
                        "year": int(year),
                        "units": units_n,
                        "of": of,
                        "share": units_n / of if of else 0.0,
                        "text": f"{units_n}/{of}",
                    }
                )
    if not records:
        raise ValueError("coverage is empty")
    records.sort(key=lambda r: (r["indicator_id"], r["map"], r["year"]))
    tips = [
        _tip("indicator", "tooltip.indicator", lang),
        _tip("map", "tooltip.map", lang),
        _tip("year", "tooltip.year", lang, "O"),
        _tip("units", "tooltip.units_with_data", lang, "Q", "d"),
        _tip("of", "tooltip.units_total", lang, "Q", "d"),
        _tip("share", "tooltip.coverage", lang, "Q", ".0%"),
    ]
    order = list(dict.fromkeys(r["indicator"] for r in records))
    base = alt.Chart(_data(records)).encode(
        x=alt.X("year:O", title=t("axis.year", lang), axis=alt.Axis(labelAngle=0, grid=False)),
        y=alt.Y("indicator:N", title=None, sort=order, axis=alt.Axis(labelLimit=300, grid=False)),
        tooltip=tips,
    )
    rect = base.mark_rect(stroke="white").encode(
        color=alt.Color(
            "share:Q",
            title=t("legend.coverage", lang),
            scale=alt.Scale(scheme="blues", domain=[0, 1]),
            legend=alt.Legend(format=".0%", orient="bottom"),
        )
    )
    text = base.mark_text(fontSize=9).encode(
        text=alt.Text("text:N"),
        color=alt.ColorValue("#222222", condition={"test": "datum.share > 0.5", "value": "white"}),
    )
    caption = _caption(lang, years=t("caption.years", lang, years=_years_text(r["year"] for r in records)))
    caption.append(t("caption.coverage_source", lang))
    panels = [labels.map_label(m, lang) for m in ("63", "34", "VN")]
    chart = _layer(rect, text, width=alt.Step(42), height=alt.Step(16)).facet(
        column=alt.Column("map:N", title=None, sort=panels, header=alt.Header(labelFontSize=12))
    )
    chart.title = _title(t("title.coverage", lang), caption)  # in place: `.properties()` would rebuild the chart
    return _finish(chart, lang)


# =============================================================================================================
# national headline
# =============================================================================================================
def headline_chart(
    observations: Any,
    projections: Any,
    targets: Any,
    status: Any,
    lang: str,
    *,
    indicator: str = "digital_economy_share_grdp",
    target_years: Sequence[int] = (2025, 2030),
    series: str | None = None,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> ChartSpec:
    """Viet Nam's digital-economy share against its national targets (20% by 2025, 30% by 2030): the national
    trajectory chart with a headline title built from the targets it shows."""
    unit = ("VN", "VN")
    tg = _unit_rows(_frame(targets), unit)
    tg = (
        tg.filter(
            (pl.col("indicator") == indicator)
            & pl.col("target_year").is_in(list(target_years))
            & pl.col("target_value").is_not_null()
        )
        if not tg.is_empty()
        else tg
    )
    pairs = (
        sorted({(int(y), float(v)) for y, v in tg.select("target_year", "target_value").iter_rows()})
        if not tg.is_empty()
        else []
    )
    unit_kind = _unit_of(indicator)
    named = f" {t('word.and', lang)} ".join(
        t("word.by_year", lang, value=labels.fmt_target(v, unit_kind, lang), year=y) for y, v in pairs
    )
    title = t("title.headline", lang, targets=named) if pairs else None
    return _trajectory(
        observations,
        projections,
        targets,
        status,
        None,
        unit,
        indicator,
        lang,
        series=series,
        method=None,
        title=title,
        target_years=target_years,
        width=width,
        height=height,
    )


# =============================================================================================================
# every series of one indicator side by side (the national headline: the series disagree, and that is the finding)
# =============================================================================================================
SERIES_COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]


def series_chart(
    observations: Any,
    targets: Any,
    units: Any,
    unit: UnitRef,
    indicator: str,
    lang: str,
    *,
    official: str | None = None,
    sources: Mapping[str, str] | None = None,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> ChartSpec:
    """Every full-year series of `indicator` for `unit` as its own line (the official series marked in the
    legend), with the unit's in-force targets as diamonds. `sources` maps source_id -> publisher for tooltips."""
    obs = _unit_rows(_frame(observations), unit)
    obs = obs.filter((pl.col("indicator") == indicator) & pl.col("full_year")) if not obs.is_empty() else obs
    if obs.is_empty():
        raise ValueError(f"no full-year {indicator} figures for {unit}")
    unit_kind = _unit_of(indicator)
    names = sorted(obs["series"].unique().to_list(), key=lambda x: (x != official, x))
    label = {
        s: labels.series_name(s, lang) + (f" ({t('word.official', lang)})" if s == official else "") for s in names
    }
    rows = [
        {
            "year": int(r["year"]),
            "value": r["value"],
            "legend": label[r["series"]],
            "series_name": labels.series_name(r["series"], lang),
            "value_text": labels.fmt_value(r["value"], unit_kind, lang),
            "source": (sources or {}).get(r["source_id"], r["source_id"]),
            "source_url": r.get("source_url"),
        }
        for r in obs.sort("series", "year").iter_rows(named=True)
    ]
    target_rows = _target_rows(_frame(targets), pl.DataFrame(), unit, indicator, lang, unit_kind)
    domain = [label[s] for s in names] + ([t("legend.target", lang)] if target_rows else [])
    colors = SERIES_COLORS[: len(names)] + ([COLORS["target"]] if target_rows else [])
    color = alt.Color(
        "legend:N",
        scale=alt.Scale(domain=domain, range=colors),
        legend=alt.Legend(title=None, orient="bottom", columns=2, labelLimit=420),
    )
    years = [r["year"] for r in rows + target_rows]
    x = _year_x(lang, years)
    y = alt.Y(
        "value:Q",
        title=labels.unit_label(unit_kind, lang),
        scale=alt.Scale(zero=True, nice=True),
        axis=alt.Axis(format=AXIS_FORMAT[unit_kind]),
    )
    tips = [
        _tip("series_name", "tooltip.series", lang),
        _tip("year", "tooltip.year", lang, "Q", YEAR_FORMAT),
        _tip("value", "tooltip.value", lang, "Q", VALUE_FORMAT[unit_kind]),
        _tip("source", "tooltip.source", lang),
    ]
    lines = (
        alt.Chart(_data(rows))
        .mark_line(strokeWidth=2, point=alt.OverlayMarkDef(filled=True, size=60))
        .encode(x=x, y=y, color=color, detail=alt.Detail("series_name:N"), tooltip=tips)
    )
    layers: list[Any] = [lines]
    if target_rows:
        base = alt.Chart(_data(target_rows)).encode(
            x=x, y=y, tooltip=[_tip("label", "tooltip.target", lang), _tip("document_text", "tooltip.document", lang)]
        )
        layers += [
            base.mark_point(shape="diamond", filled=True, size=150, opacity=1).encode(color=color),
            base.mark_text(
                align="right", baseline="bottom", dx=-6, dy=-6, fontSize=11, fontWeight="bold", color=COLORS["target"]
            ).encode(text=alt.Text("label:N")),
        ]
    unit_name = _unit_name(_frame(units), unit, lang)
    head = t("title.trajectory", lang, indicator=labels.indicator_name(indicator, lang), unit=unit_name)
    srcs = list(dict.fromkeys(r["source"] for r in rows if r["source"]))
    caption = _caption(
        lang,
        unit=labels.unit_label(unit_kind, lang),
        years=t("caption.years_observed", lang, years=_years_text(r["year"] for r in rows)),
        sources=srcs,
    )
    chart = _layer(*layers, title=_title(head, caption), width=width, height=height)
    return _finish(
        chart,
        lang,
        {
            "unit": unit_name,
            "indicator": labels.indicator_name(indicator, lang),
            "measure": labels.unit_label(unit_kind, lang),
        },
    )


# =============================================================================================================
# maps: the status map (share of assessable targets on course) and value maps; the archipelagos drawn and named
# =============================================================================================================
MAP_CLASS_COLORS = {
    "all": "#0072B2",
    "most": "#56B4E9",
    "some": "#E69F00",
    "none": "#D55E00",
    "none_assessed": "#BDBDBD",
    "no_targets": "#FFFFFF",
}

# Where the archipelagos' labels sit (longitude, latitude) and the unit each belongs to on the 34-unit map.
ARCHIPELAGOS = [("place.hoang_sa", 112.0, 16.5), ("place.truong_sa", 114.0, 9.8)]


def _archipelago_layers(lang: str) -> list[alt.Chart]:
    rows = [{"name": t(k, lang), "lon": lon, "lat": lat} for k, lon, lat in ARCHIPELAGOS]
    base = alt.Chart(_data(rows)).encode(
        longitude=alt.Longitude("lon:Q"),
        latitude=alt.Latitude("lat:Q"),
        tooltip=[_tip("name", "tooltip.province", lang)],
    )
    return [
        base.mark_point(shape="circle", size=260, filled=False, stroke="#333333", strokeWidth=1.2, strokeDash=[3, 2]),
        base.mark_point(shape="circle", size=14, filled=True, color="#333333"),
        base.mark_text(align="left", dx=12, dy=0, fontSize=10.5, color="#222222").encode(text=alt.Text("name:N")),
    ]


def _topo_data(geo: Boundaries) -> alt.InlineData:
    """Boundaries inline as one JSON string (Vega parses a string by its `format`). As a dict, Altair would deep-copy
    and convert their thousands of coordinates every time a layer, a property or a config is added and every time
    the chart is written out. A string it passes along as it is."""
    return alt.InlineData(values=geo.text, format=alt.DataFormat(type="topojson", feature=geo.feature))


def _geo(topojson_path: str | Path, crosswalk: Any) -> tuple[Boundaries, pl.DataFrame]:
    """The boundaries as drawn (geometry.read_boundaries) and the crosswalk rows of their file."""
    path = Path(topojson_path)
    return read_boundaries(path), _read_crosswalk(crosswalk).filter(pl.col("file") == path.name)


def status_map_chart(
    index: Any,
    topojson_path: str | Path,
    crosswalk: Any,
    lang: str,
    *,
    map_: str = "34",
    hrefs: Mapping[str, str] | None = None,
    width: int = 420,
    height: int = 640,
) -> ChartSpec:
    """Units coloured by the share of their assessable targets on course (selections.map_class), with a class of
    its own for units where no target was collected; each unit links to its report (`hrefs`: code -> URL)."""
    from dxtrack.report.selections import MAP_CLASSES, map_class

    geo, cw = _geo(topojson_path, crosswalk)
    code_col = "gso_code_old" if map_ == "63" else "new_province_code"
    by_code = {r["province_code"]: r for r in _frame(index).iter_rows(named=True)}
    records = []
    for r in cw.sort(pl.col("feature_gid").cast(pl.Int64)).iter_rows(named=True):
        u = by_code.get(r[code_col], {})
        cls = map_class(u.get("targets", 0), u.get("assessed", 0), u.get("on_course", 0))
        records.append(
            {
                "gid": int(r["feature_gid"]),
                "province_code": r[code_col],
                "name": u.get("name_vi", r[code_col]),
                "cls": cls,
                "class_label": t(f"mapclass.{cls}", lang),
                "targets": u.get("targets", 0),
                "assessed": u.get("assessed", 0),
                "on_course": u.get("on_course", 0),
                "href": (hrefs or {}).get(r[code_col], ""),
            }
        )
    scale = alt.Scale(
        domain=[t(f"mapclass.{c}", lang) for c in MAP_CLASSES], range=[MAP_CLASS_COLORS[c] for c in MAP_CLASSES]
    )
    fields = ["province_code", "name", "class_label", "targets", "assessed", "on_course", "href"]
    tips = [
        _tip("name", "tooltip.province", lang),
        _tip("class_label", "legend.map_class", lang),
        _tip("targets", "tooltip.targets", lang, "Q", "d"),
        _tip("assessed", "tooltip.assessed", lang, "Q", "d"),
        _tip("on_course", "tooltip.on_course", lang, "Q", "d"),
    ]
    shapes = (
        alt.Chart(_topo_data(geo))
        .mark_geoshape(stroke="#555555", strokeWidth=0.5, cursor="pointer")
        .transform_lookup(lookup="properties.gid", from_=alt.LookupData(data=_data(records), key="gid", fields=fields))
        .encode(
            color=alt.Color(
                "class_label:N",
                scale=scale,
                title=t("legend.map_class", lang),
                legend=alt.Legend(
                    orient="bottom",
                    columns=2,
                    symbolType="square",
                    symbolStrokeColor="#555555",
                    symbolStrokeWidth=0.8,
                    labelLimit=300,
                ),
            ),
            href=alt.Href("href:N"),
            tooltip=tips,
        )
    )
    caption = _caption(
        lang,
        extra=[
            t("caption.map_rule", lang),
            t("caption.map", lang, map=labels.map_label(map_, lang)),
            t("caption.boundaries", lang),
        ],
    )
    caption.append(t("caption.status_source", lang))
    chart = _layer(
        shapes,
        *_archipelago_layers(lang),
        projection=alt.Projection(type="mercator"),
        title=_title(t("title.status_map", lang), caption),
        width=width,
        height=height,
    )
    return _finish(chart, lang, {})


def value_map_chart(
    observations: Any,
    topojson_path: str | Path,
    crosswalk: Any,
    indicator: str,
    map_: str,
    lang: str,
    *,
    units: Any = None,
    series: str | None = None,
    year: int | None = None,
    hrefs: Mapping[str, str] | None = None,
    domain: Sequence[float] | None = None,
    width: int = 420,
    height: int = 640,
) -> ChartSpec:
    """The latest full-year value (up to `year`) of one series of `indicator` per unit of `map_`; units without a
    figure are left white. Units link to their reports (`hrefs`: code -> URL). `domain`: the colour scale's
    [low, high], shared by maps shown side by side so one colour means one value on both."""
    geo, cw = _geo(topojson_path, crosswalk)
    code_col = "gso_code_old" if map_ == "63" else "new_province_code"
    obs = _frame(observations).filter(
        (pl.col("map") == map_) & (pl.col("indicator") == indicator) & pl.col("full_year")
    )
    if year is not None:
        obs = obs.filter(pl.col("year") <= year)
    if series is None and obs.height:
        series = obs.group_by("series").len().sort(["len", "series"], descending=[True, False])["series"][0]
    obs = obs.filter(pl.col("series") == series)
    if obs.is_empty():
        raise ValueError(f"no full-year {indicator} figures on the {map_} map")
    latest = {
        r["province_code"]: r
        for r in obs.sort("year").group_by("province_code", maintain_order=True).last().iter_rows(named=True)
    }
    unit_kind = _unit_of(indicator)
    names = _unit_names(_frame(units))
    records = []
    for r in cw.sort(pl.col("feature_gid").cast(pl.Int64)).iter_rows(named=True):
        code = r[code_col]
        o = latest.get(code)
        records.append(
            {
                "gid": int(r["feature_gid"]),
                "province_code": code,
                "name": names.get((map_, code), code),
                "value": o["value"] if o else None,
                "year": int(o["year"]) if o else None,
                "value_text": labels.fmt_value(o["value"], unit_kind, lang) if o else labels.MISSING,
                "href": (hrefs or {}).get(code, ""),
            }
        )
    fields = ["province_code", "name", "value", "year", "value_text", "href"]
    tips = [
        _tip("name", "tooltip.province", lang),
        _tip("value_text", "tooltip.value", lang),
        _tip("year", "tooltip.year", lang, "Q", YEAR_FORMAT),
    ]
    shapes = (
        alt.Chart(_topo_data(geo))
        .mark_geoshape(stroke="#555555", strokeWidth=0.4, cursor="pointer", invalid=None)
        .transform_lookup(lookup="properties.gid", from_=alt.LookupData(data=_data(records), key="gid", fields=fields))
        .encode(
            # A unit without a figure stays drawn (mark `invalid=None`: not filtered out) and white, so the
            # outline of the country, and the archipelagos, are always there.
            color=alt.condition(
                "!isValid(datum.value)",
                alt.value("#FFFFFF"),
                alt.Color(
                    "value:Q",
                    title=labels.unit_label(unit_kind, lang),
                    scale=alt.Scale(scheme="blues", domain=list(domain)) if domain else alt.Scale(scheme="blues"),
                    legend=alt.Legend(orient="bottom", format=AXIS_FORMAT[unit_kind], gradientLength=260),
                ),
            ),
            href=alt.Href("href:N"),
            tooltip=tips,
        )
    )
    years = [r["year"] for r in records if r["year"]]
    extra = [t("caption.map", lang, map=labels.map_label(map_, lang)), t("caption.boundaries", lang)]
    if "derived" in obs.columns and obs.filter(pl.col("derived").fill_null(False)).height:
        extra.insert(0, t("caption.value_map_derived", lang))
    caption = _caption(
        lang,
        unit=labels.unit_label(unit_kind, lang),
        years=t("caption.years", lang, years=_years_text(years)),
        sources=[labels.series_name(series, lang)],
        extra=extra,
    )
    head = t(
        "title.value_map", lang, indicator=labels.indicator_name(indicator, lang), year=max(years) if years else ""
    )
    chart = _layer(
        shapes,
        *_archipelago_layers(lang),
        projection=alt.Projection(type="mercator"),
        title=_title(head, caption, MAP_CAPTION_WIDTH),
        width=width,
        height=height,
    )
    return _finish(
        chart,
        lang,
        {
            "indicator": labels.indicator_name(indicator, lang),
            "series": labels.series_name(series, lang),
            "measure": labels.unit_label(unit_kind, lang),
        },
    )


# Hatching for "no data" cells: diagonal strokes inside each cell (a texture that prints in black and white,
# unlike a pale grey), as (x0, y0, x1, y1) in fractions of the cell from its centre. The legend draws the same
# hatch as a custom symbol (SVG path on the unit square), so it reads as the cells do.
HATCH = [(-0.5, 0.5, 0.5, -0.5), (-0.5, 0.0, 0.0, -0.5), (0.0, 0.5, 0.5, 0.0)]
HATCH_COLOR = "#6E6E6E"
HATCH_SYMBOL = "M-1,-1H1V1H-1Z M-1,1L1,-1 M-1,0L0,-1 M0,1L1,0"


def _hatch_layers(
    base: alt.Chart, recs: Sequence[Mapping[str, Any]], lang: str, tips: list, cell: tuple[int, int]
) -> list[alt.Chart]:
    """Diagonal hatching over the "no data" cells of a matrix (`base` encodes x and y on bands of `cell` px),
    with a legend entry of its own ("hatched: no data")."""
    if not any(r.get("status") == "no data" for r in recs):
        return []
    w, h = cell
    label = t("legend.no_data_hatch", lang)
    layers = []
    for i, (x0, y0, x1, y1) in enumerate(HATCH):
        layers.append(
            base.transform_filter(alt.datum.status == "no data")
            .transform_calculate(hatch=f"'{label}'")
            .mark_rule(
                strokeWidth=1,
                xOffset=x0 * w,
                yOffset=y0 * h,
                x2Offset=x1 * w,
                y2Offset=y1 * h,
            )
            .encode(
                x2=alt.X2("year:O"),
                y2=alt.Y2("unit:N"),
                stroke=alt.Stroke(
                    "hatch:N",
                    scale=alt.Scale(domain=[label], range=[HATCH_COLOR]),
                    legend=alt.Legend(title=None, orient="bottom", symbolType=HATCH_SYMBOL, symbolSize=140)
                    if i == 0
                    else None,
                ),
                tooltip=tips,
            )
        )
    return layers


def status_matrix_34_chart(
    rows: Any, collapsed: Any, lang: str, *, hrefs: Mapping[str, str] | None = None
) -> ChartSpec:
    """The current units (rows; the country first) × targets grouped by indicator with the target year beneath
    (selections.status_matrix_34). Several targets in one cell (former provinces' documents) show the worst
    assessed status; the tooltip lists how many. Only columns with an assessable target are drawn; the caption
    counts the others."""
    from dxtrack.report.selections import SEVERITY, UNASSESSED

    st = _frame(rows)
    if st.is_empty():
        raise ValueError("no assessable column in the status matrix")
    order = {s: i for i, s in enumerate([*SEVERITY, *STATUSES, *UNASSESSED])}
    records: dict[tuple, dict] = {}
    for r in st.iter_rows(named=True):
        name = t("unit.country", lang) if r["unit_map"] == "VN" else (r["unit_name"] or r["unit_code"])
        key = (r["unit_map"], r["unit_code"], r["indicator"], int(r["target_year"]))
        rec = records.get(key)
        unit_kind = _unit_of(r["indicator"])
        goal = (
            t("word.top", lang, n=int(r["target_value"]))
            if unit_kind == "rank" and r["target_value"] is not None
            else f"{_cmp(r['comparator_norm'])} {labels.fmt_target(r['target_value'], unit_kind, lang)}"
            if r["target_value"] is not None
            else labels.MISSING
        )
        cand = {
            "unit": name,
            "unit_order": ("0" if r["unit_map"] == "VN" else "1") + r["unit_code"],
            "indicator": labels.indicator_name(r["indicator"], lang),
            "year": int(r["target_year"]),
            "goal": goal,
            "status": r["status"],
            "status_label": labels.status_label(r["status"], lang),
            "p_meet_text": labels.fmt_probability(r["p_meet"], lang),
            "document": r["document"] or labels.MISSING,
            "reason": (r["reason_vi"] if lang == "vi" else r["reason"]) or labels.MISSING,
            "n_targets": 1,
            "href": "" if r["unit_map"] == "VN" else (hrefs or {}).get(r["unit_code"], ""),
        }
        if rec is None:
            records[key] = cand
        else:
            n = rec["n_targets"] + 1
            if order.get(cand["status"], 99) < order.get(rec["status"], 99):
                records[key] = cand
            records[key]["n_targets"] = n
    recs = sorted(records.values(), key=lambda r: (r["unit_order"], r["indicator"], r["year"]))
    tips = _matrix_tips(lang)
    units_order = list(dict.fromkeys(r["unit"] for r in recs))
    base = alt.Chart(_data(recs)).encode(
        x=alt.X("year:O", title=None, axis=alt.Axis(labelAngle=0, orient="bottom", grid=False)),
        y=alt.Y("unit:N", title=None, sort=units_order, axis=alt.Axis(grid=False, labelLimit=160)),
    )
    rect = base.mark_rect(stroke="white", strokeWidth=1, cursor="pointer").encode(
        color=_status_color(lang), tooltip=tips, href=alt.Href("href:N")
    )
    nodata = _hatch_layers(base, recs, lang, tips, cell=(22, 16))
    coll = _frame(collapsed)
    extra = []
    if coll.height:
        extra.append(t("caption.collapsed", lang, n=coll.height, targets=int(coll["n"].sum())))
    caption = _caption(
        lang,
        years=t("caption.years", lang, years=_years_text(r["year"] for r in recs)),
        extra=[*extra, t("caption.map", lang, map=labels.map_label("34", lang))],
    )
    caption.append(t("caption.status_source", lang))
    chart = _layer(rect, *nodata, width=alt.Step(22), height=alt.Step(16)).facet(
        column=alt.Column(
            "indicator:N",
            title=None,
            header=alt.Header(
                labelAngle=-90,
                labelAlign="right",
                labelOrient="top",
                labelAnchor="end",
                labelLimit=220,
                labelFontSize=11,
            ),
        ),
        spacing=4,
    )
    chart.title = _title(t("title.status_matrix", lang), caption)  # in place: `.properties()` would rebuild it
    return _finish(chart, lang, {})


# ---- units below the province (issue 15) ---------------------------------------------------------------------
def scorecard_chart(rows: Sequence[Mapping[str, Any]], lang: str) -> ChartSpec | None:
    """Small multiples, one per scheme: each unit's points in the scheme's latest period as a dot, best on top.
    Schemes have their own totals, so each panel has its own axis and schemes are never drawn on one scale."""
    if not rows:
        return None
    from dxtrack.report.subunit_words import w

    points, unit, scheme, rank = (
        w("col.points", lang),
        w("col.unit", lang),
        w("col.scheme", lang),
        w("col.rank", lang),
    )
    data = [
        {
            scheme: r["scheme"],
            unit: r["unit"],
            points: r["points"],
            rank: r["rank"],
            "period": r["period"],
            "source_url": r["source_url"],
        }
        for r in rows
    ]
    base = (
        alt.Chart(_data(data))
        .mark_circle(size=90, color="#0b4f80", opacity=0.9)
        .encode(
            x=alt.X(f"{points}:Q", title=points, scale=alt.Scale(zero=False)),
            y=alt.Y(f"{unit}:N", title=None, sort=alt.EncodingSortField(field=points, order="descending")),
            tooltip=[
                alt.Tooltip(f"{unit}:N"),
                alt.Tooltip(f"{points}:Q", format=",.2f"),
                alt.Tooltip(f"{rank}:N"),
                alt.Tooltip("period:N"),
            ],
        )
        .properties(width=420)
    )
    chart = base.facet(
        row=alt.Row(f"{scheme}:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left", labelLimit=420))
    )
    # set in place: `.resolve_scale()` / `.properties()` would rebuild the chart each time
    chart.resolve = alt.Resolve(scale=alt.ScaleResolveMap(x="independent", y="independent"))
    chart.title = _title(w("chart.title", lang), [w("chart.subtitle", lang)])
    return _finish(chart, lang)

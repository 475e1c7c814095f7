"""Chart builders (dxtrack.report.charts), tested on their Vega-Lite specs and, where it matters, on rendered SVG.

Observations, projections, targets and status rows below are SYNTHETIC FIXTURES built in this file (made-up
values shaped like the contracts in docs/architecture.md); units, indicator names, boundaries and the crosswalk
are the project's real files under data/.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import polars as pl
import pytest
import vl_convert

from dxtrack.model.pace import STATUSES
from dxtrack.report import charts, labels

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "tests" / "fixtures" / "project" / "data" / "raw" / "sources"
TOPO = {
    "34": SOURCES / "geo_34" / "diaphantinhvn_merged_34.topo.json",
    "63": SOURCES / "geo_63" / "diaphantinh_63_fixednames.topo.json",
}
CROSSWALK = SOURCES / "geo_crosswalk" / "name_crosswalk.csv"
UNIT = ("34", "01")  # Hà Nội on the 34-unit map
SHARE = "digital_economy_share_grdp"


# ---- synthetic fixtures ------------------------------------------------------------------------------------
def obs_row(year, value, *, indicator=SHARE, unit=UNIT, series="mic", derived=False, full_year=True, rank_of=None):
    return {
        "map": unit[0],
        "province_code": unit[1],
        "indicator": indicator,
        "series": series,
        "year": year,
        "value": value,
        "derived": derived,
        "full_year": full_year,
        "period_label": str(year),
        "source_id": "derived" if derived else "digital_economy_share",
        "rank_of": rank_of,
    }


@pytest.fixture(scope="module")
def units(built_project) -> pl.DataFrame:
    return pl.read_parquet(built_project.processed / "units.parquet")  # built from data/raw by the fixture


@pytest.fixture(scope="module")
def observations() -> pl.DataFrame:
    """Synthetic: three full years for Hà Nội (one derived), a part-year value, another series, another unit."""
    rows = [
        obs_row(2021, 10.5),
        obs_row(2022, 11.25),
        obs_row(2023, 12.0, derived=True),
        obs_row(2024, 13.9, full_year=False),
        obs_row(2022, 99.0, series="hids"),
        obs_row(2022, 14.0, unit=("34", "79")),
    ]
    ranks = {"01": (30, 24, 6), "24": (20, 18, 25), "22": (40, 12, 10), "33": (10, 35, 30)}
    for code, (r20, r22, r23) in ranks.items():
        for year, rank in ((2020, r20), (2022, r22), (2023, r23)):
            rows.append(
                obs_row(year, float(rank), indicator="dti_rank", unit=("63", code), series="mic_dti", rank_of=63)
            )
    for code, value in {"01": 0.61, "24": 0.67, "22": 0.70, "33": 0.45, "30": 0.35}.items():
        rows.append(obs_row(2022, value, indicator="dti", unit=("63", code), series="mic_dti"))
    return pl.DataFrame(rows)


def projection_rows(
    unit, indicator, series, method, is_default, first, last_fit, horizon, start, slope, spread, rank_of=None
):
    rows = []
    for year in range(first, horizon + 1):
        mean = start + slope * (year - first)
        h = max(year - last_fit, 0)
        rows.append(
            {
                "indicator": indicator,
                "series": series,
                "map": unit[0],
                "province_code": unit[1],
                "method": method,
                "is_default": is_default,
                "year": year,
                "kind": "fit" if year <= last_fit else "projection",
                "mean": mean,
                "lo80": mean - spread * (h + 0.5),
                "hi80": mean + spread * (h + 0.5),
                "lo95": mean - 1.5 * spread * (h + 0.5),
                "hi95": mean + 1.5 * spread * (h + 0.5),
                "rank_of": rank_of,
            }
        )
    return rows


@pytest.fixture(scope="module")
def projections() -> pl.DataFrame:
    """Synthetic: pooled (default) and linear fits of the share; naive rank projection for old Hà Nội."""
    rows = (
        projection_rows(UNIT, SHARE, "mic", "pooled", True, 2021, 2023, 2030, 10.5, 0.75, 0.4)
        + projection_rows(UNIT, SHARE, "mic", "linear", False, 2021, 2023, 2030, 10.4, 0.9, 0.6)
        + projection_rows(
            ("63", "01"), "dti_rank", "mic_dti", "naive", True, 2020, 2023, 2030, 6.0, 0.0, 2.0, rank_of=63
        )
    )
    return pl.DataFrame(rows)


@pytest.fixture(scope="module")
def targets() -> pl.DataFrame:
    """Synthetic: ≥ 20% by 2025 and ≥ 30% by 2030 for Hà Nội, plus an unrelated indicator's target."""
    base = {"map": UNIT[0], "province_code": UNIT[1], "comparator_norm": ">=", "in_force": True, "rank_of": None}
    return pl.DataFrame(
        [
            {
                **base,
                "target_id": "t25",
                "indicator": SHARE,
                "target_value": 20.0,
                "target_year": 2025,
                "document": "Kế hoạch số 1/KH-UBND",
            },
            {
                **base,
                "target_id": "t30",
                "indicator": SHARE,
                "target_value": 30.0,
                "target_year": 2030,
                "document": "Nghị quyết số 2/NQ-TU",
            },
            {
                **base,
                "target_id": "tx",
                "indicator": "online_filing_rate",
                "target_value": 80.0,
                "target_year": 2025,
                "document": "Khác",
            },
        ]
    )


@pytest.fixture(scope="module")
def status(targets) -> pl.DataFrame:
    """Synthetic status rows: the two share targets (preferred series mic, and a non-preferred hids row), a rank
    goal of old Hà Nội, and targets of other units for the matrix."""
    share = targets.filter(pl.col("indicator") == SHARE).select(
        "target_id",
        "map",
        "province_code",
        "indicator",
        "comparator_norm",
        "target_value",
        "target_year",
        "document",
        "in_force",
    )
    rows = []
    for r, (st, p) in zip(share.iter_rows(named=True), (("acceleration needed", 0.72), ("on track", 0.35))):
        rows.append(
            {
                **r,
                "measured_by": SHARE,
                "series": "mic",
                "preferred": True,
                "status": st,
                "p_meet": p,
                "expected_rank": None,
                "reason": "synthetic",
                "rank_of": None,
            }
        )
        rows.append(
            {
                **r,
                "measured_by": SHARE,
                "series": "hids",
                "preferred": False,
                "status": "achieved",
                "p_meet": 0.99,
                "expected_rank": None,
                "reason": "synthetic",
                "rank_of": None,
            }
        )
    rows.append(
        {
            "target_id": "g1",
            "map": "63",
            "province_code": "01",
            "indicator": "dti_rank_goal",
            "comparator_norm": "<=",
            "target_value": 10.0,
            "target_year": 2025,
            "document": "Nghị quyết X",
            "in_force": True,
            "measured_by": "dti_rank",
            "series": "mic_dti",
            "preferred": True,
            "status": "achieved",
            "p_meet": 0.64,
            "expected_rank": 8.4,
            "reason": "synthetic",
            "rank_of": 63,
        }
    )
    for code, st in (("79", "regressing"), ("48", "no data"), ("31", "not assessable")):
        rows.append(
            {
                "target_id": f"o{code}",
                "map": "34",
                "province_code": code,
                "indicator": SHARE,
                "comparator_norm": ">=",
                "target_value": 25.0,
                "target_year": 2025,
                "document": "Văn bản",
                "in_force": True,
                "measured_by": SHARE,
                "series": None,
                "preferred": True,
                "status": st,
                "p_meet": None,
                "expected_rank": None,
                "reason": "synthetic",
                "rank_of": None,
            }
        )
    return pl.DataFrame(rows, infer_schema_length=None)


# ---- spec helpers ------------------------------------------------------------------------------------------
def unit_specs(spec: dict, data: dict | None = None):
    """Every single-view spec (one with a mark) in a (layered / faceted) Vega-Lite spec, each with the `data`
    it draws (its own, or inherited from the nearest enclosing spec, where Altair lifts shared data)."""
    data = spec.get("data", data)
    if "mark" in spec:
        yield {**spec, "data": data} if data is not None else spec
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for sub in spec.get(key, []):
            yield from unit_specs(sub, data)
    if "spec" in spec:
        yield from unit_specs(spec["spec"], data)


def mark_type(s: dict) -> str:
    return s["mark"] if isinstance(s["mark"], str) else s["mark"]["type"]


def title_text(spec: dict) -> tuple[str, str]:
    title = spec["title"]
    text = title["text"] if isinstance(title["text"], str) else " ".join(title["text"])
    return text, "\n".join(title.get("subtitle", []))


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def assert_tooltips_everywhere(spec: dict) -> None:
    specs = list(unit_specs(spec))
    assert specs
    for s in specs:
        tip = s.get("encoding", {}).get("tooltip")
        assert tip, f"{mark_type(s)} layer has no tooltip"
        for item in tip if isinstance(tip, list) else [tip]:
            assert item.get("title"), f"{mark_type(s)} tooltip {item} has no title"


def assert_locale_and_font(spec: dict, lang: str) -> None:
    number = spec["config"]["locale"]["number"]
    assert number["decimal"] == ("," if lang == "vi" else ".")
    assert number["thousands"] == ("." if lang == "vi" else ",")
    assert spec["config"]["locale"]["time"]["months"][0] == ("Tháng một" if lang == "vi" else "January")
    assert "DejaVu Sans" in spec["config"]["font"]


def resolve(data: dict, root: dict):
    """Inline values, or (Altair consolidates inline data) the root's `datasets` entry the data names. Values
    inlined as a string (the boundaries) are parsed, as Vega parses them."""
    values = data["values"] if "values" in data else root["datasets"][data["name"]]
    return json.loads(values) if isinstance(values, str) else values


def layer_data(s: dict, root: dict) -> list[dict]:
    return resolve(s["data"], root)


@pytest.fixture(scope="module")
def trajectory(observations, projections, targets, status, units):
    return {
        lang: charts.trajectory_chart(observations, projections, targets, status, units, UNIT, SHARE, lang).to_dict()
        for lang in labels.LANGS
    }


# ---- trajectory --------------------------------------------------------------------------------------------
def test_trajectory_encodings_year_axis_and_values(trajectory):
    spec = trajectory["vi"]
    layers = list(unit_specs(spec))
    for s in layers:
        if "x" in s["encoding"]:
            x = s["encoding"]["x"]
            assert x["field"] == "year"
            assert x["type"] == "ordinal" or x["axis"]["format"] == "d"
    ys = {s["encoding"]["y"]["field"] for s in layers}
    assert {"value", "mean", "lo80", "lo95"} <= ys
    assert {s["encoding"]["y2"]["field"] for s in layers if "y2" in s["encoding"]} == {"hi80", "hi95"}
    assert_tooltips_everywhere(spec)
    assert_locale_and_font(spec, "vi")
    assert_locale_and_font(trajectory["en"], "en")


def test_trajectory_titles_in_both_languages(trajectory):
    vi_title, vi_sub = title_text(trajectory["vi"])
    en_title, en_sub = title_text(trajectory["en"])
    assert nfc("Tỷ trọng kinh tế số trong GRDP") in vi_title and "Hà Nội" in vi_title
    assert "Digital economy share of GRDP" in en_title
    # status and P(meet) of the preferred series (mic), not the non-preferred hids row (achieved, 99%)
    assert "Cần tăng tốc" in vi_sub and "72%" in vi_sub and "Đúng tiến độ" in vi_sub and "35%" in vi_sub
    assert "Needs acceleration" in en_sub and "Đã đạt" not in vi_sub and "99%" not in vi_sub
    # caption: unit, years, sources, target documents
    assert "Đơn vị: Phần trăm (%)" in vi_sub and "2021–2023" in vi_sub
    assert "Nguồn: Ước tính của Bộ TT&TT (mô hình PTIT)" in vi_sub
    assert "Kế hoạch số 1/KH-UBND" in vi_sub and "Khác" not in vi_sub
    assert "1 giá trị chưa đủ năm không được vẽ" in vi_sub


def test_trajectory_target_markers_at_target_years(trajectory):
    spec = trajectory["vi"]
    diamonds = [s for s in unit_specs(spec) if mark_type(s) == "point" and s["mark"].get("shape") == "diamond"]
    assert len(diamonds) == 1
    values = {(r["year"], r["value"]) for r in layer_data(diamonds[0], spec)}
    assert values == {(2025, 20.0), (2030, 30.0)}  # the online-filing target is not this indicator's
    labels = [s for s in unit_specs(spec) if mark_type(s) == "text"]
    assert {r["label"] for r in layer_data(labels[0], spec)} == {"≥ 20% (2025)", "≥ 30% (2030)"}
    assert {r["p_meet_text"] for r in layer_data(diamonds[0], spec)} == {"72%", "35%"}


def test_trajectory_observed_points_published_vs_derived(trajectory):
    spec = trajectory["vi"]
    (points,) = [s for s in unit_specs(spec) if mark_type(s) == "point" and s["mark"].get("shape") != "diamond"]
    rows = layer_data(points, spec)
    assert [(r["year"], r["value"]) for r in rows] == [(2021, 10.5), (2022, 11.25), (2023, 12.0)]  # mic, full years
    assert [r["origin"] for r in rows] == ["Công bố", "Công bố", "Tính từ số liệu 63 tỉnh"]
    assert points["encoding"]["shape"]["field"] == "origin"
    scale = points["encoding"]["shape"]["scale"]
    assert len(set(scale["range"])) == 2


def test_trajectory_uses_default_method_unless_told(observations, projections, targets, status, units, trajectory):
    (line,) = [s for s in unit_specs(trajectory["en"]) if mark_type(s) == "line"]
    assert {r["method"] for r in layer_data(line, trajectory["en"])} == {"Pooled trend (empirical Bayes)"}
    assert max(r["year"] for r in layer_data(line, trajectory["en"])) == 2030
    assert line["encoding"]["strokeDash"]["field"] == "legend"
    linear = charts.trajectory_chart(
        observations, projections, targets, status, units, UNIT, SHARE, "en", method="linear"
    ).to_dict()
    (line,) = [s for s in unit_specs(linear) if mark_type(s) == "line"]
    assert {r["method"] for r in layer_data(line, linear)} == {"Linear trend"}
    bands = [s for s in unit_specs(linear) if mark_type(s) == "area"]
    assert len(bands) == 2 and all(len(layer_data(b, linear)) == 10 for b in bands)  # one row per year 2021–2030


def test_trajectory_without_model_outputs_still_draws(observations, targets, units):
    spec = charts.trajectory_chart(observations, None, targets, None, units, UNIT, SHARE, "vi").to_dict()
    marks = [mark_type(s) for s in unit_specs(spec)]
    assert "area" not in marks and "line" not in marks and "point" in marks
    assert_tooltips_everywhere(spec)


def test_index_axis_is_zero_to_one(observations, units):
    spec = charts.trajectory_chart(observations, None, None, None, units, ("63", "01"), "dti", "vi").to_dict()
    (points,) = list(unit_specs(spec))
    assert points["encoding"]["y"]["scale"]["domain"] == [0, 1]
    assert "Chỉ số chuyển đổi số cấp tỉnh (DTI)" in title_text(spec)[0]


# ---- rank history -------------------------------------------------------------------------------------------
def test_rank_history_reversed_axis_goal_rule_and_probabilities(observations, projections, status, units):
    spec = charts.rank_history_chart(observations, projections, status, units, ("63", "01"), "vi").to_dict()
    layers = list(unit_specs(spec))
    ys = [s["encoding"]["y"] for s in layers if "scale" in s["encoding"].get("y", {})]
    assert ys and all(y["scale"]["reverse"] is True and y["scale"]["domain"] == [1, 63] for y in ys)
    rules = [s for s in layers if mark_type(s) == "rule"]
    assert rules and layer_data(rules[0], spec)[0]["value"] == 10.0
    title, sub = title_text(spec)
    assert title == "Xếp hạng DTI (hạng … / 63) — Hà Nội"
    assert "top 10" in sub and "64%" in sub and "thứ hạng trung vị dự báo 8,4" in sub  # decimal comma
    assert_tooltips_everywhere(spec)
    en = charts.rank_history_chart(
        observations, projections, status, units, ("63", "01"), "en", goals=[(20, 2030)]
    ).to_dict()
    _, sub = title_text(en)
    rule = [s for s in unit_specs(en) if mark_type(s) == "rule"][0]
    assert layer_data(rule, en)[0]["value"] == 20.0 and layer_data(rule, en)[0]["year"] == 2030
    # a bare N takes the status rows' only goal year
    top15 = charts.rank_history_chart(
        observations, projections, status, units, ("63", "01"), "en", goals=[15]
    ).to_dict()
    rule = [s for s in unit_specs(top15) if mark_type(s) == "rule"][0]
    assert (layer_data(rule, top15)[0]["value"], layer_data(rule, top15)[0]["year"]) == (15.0, 2025)


# ---- peers --------------------------------------------------------------------------------------------------
def test_peers_chart_highlights_unit_among_region_peers(observations, units):
    spec = charts.peers_chart(observations, units, ("63", "01"), "dti", 2023, "vi").to_dict()
    (bars,) = [s for s in unit_specs(spec) if mark_type(s) == "bar"]
    rows = layer_data(bars, spec)
    red_river = set(units.filter((pl.col("map") == "63") & (pl.col("region_vi") == "Đồng bằng sông Hồng"))["name_vi"])
    # a former province is named with the unit it is part of today ("Hải Dương → Hải Phòng")
    assert {r["name"].split(" → ")[0] for r in rows} <= red_river and "Hà Nội" in {r["name"] for r in rows}
    assert [r["value"] for r in rows] == sorted((r["value"] for r in rows), reverse=True)
    highlighted = [r["name"] for r in rows if r["legend"] == "Tỉnh đang xem"]
    assert highlighted == ["Hà Nội"]
    assert "0,610" in {r["value_text"] for r in rows}
    assert_tooltips_everywhere(spec)
    _, sub = title_text(spec)
    assert "Đồng bằng sông Hồng" in sub and "Nguồn:" in sub


# ---- status matrix and palette ------------------------------------------------------------------------------
def test_status_palette_covers_every_status_and_is_distinct():
    assert tuple(charts.STATUS_COLORS) == STATUSES
    assert len(set(charts.STATUS_COLORS.values())) == len(STATUSES)


def test_status_matrix(status, units):
    spec = charts.status_matrix_chart(status, units, "vi").to_dict()
    (rect,) = list(unit_specs(spec))
    color = rect["encoding"]["color"]
    assert color["scale"]["domain"] == [labels.status_label(s, "vi") for s in STATUSES]
    assert color["scale"]["range"] == [charts.STATUS_COLORS[s] for s in STATUSES]
    rows = layer_data(rect, spec)
    # Hà Nội 2025 share: preferred row only, one cell
    cells = [r for r in rows if r["unit"].startswith("Hà Nội") and r["year"] == 2025 and "GRDP" in r["target"]]
    assert len(cells) == 1 and cells[0]["status_label"] == "Cần tăng tốc" and cells[0]["p_meet_text"] == "72%"
    assert {r["status_label"] for r in rows} >= {"Đi lùi", "Không có dữ liệu", "Không đánh giá được"}
    assert_tooltips_everywhere(spec)
    assert_locale_and_font(spec, "vi")


# ---- choropleth ---------------------------------------------------------------------------------------------
# One status per kind of join, by code on both maps: Hà Nội (01), Hồ Chí Minh (79) and Đà Nẵng (48).
CHOROPLETH_STATUSES = {"01": "achieved", "79": "on track", "48": "regressing"}


@pytest.fixture(scope="module")
def choropleths(units) -> dict[str, dict]:
    """The choropleth spec of each map for CHOROPLETH_STATUSES (built once: inlining a map's shapes is slow)."""
    out = {}
    for map_ in ("34", "63"):
        sbu = pl.DataFrame(
            {
                "map": [map_] * len(CHOROPLETH_STATUSES),
                "province_code": list(CHOROPLETH_STATUSES),
                "status": list(CHOROPLETH_STATUSES.values()),
            }
        )
        out[map_] = charts.choropleth_chart(sbu, TOPO[map_], CROSSWALK, map_, "vi", units=units).to_dict()
    return out


@pytest.mark.parametrize("map_", ["34", "63"])
def test_choropleth_joins_every_feature(map_, units, choropleths):
    codes = units.filter(pl.col("map") == map_)["province_code"].to_list()
    spec = choropleths[map_]
    (shape,) = list(unit_specs(spec))
    topology = resolve(shape["data"], spec)
    assert topology["type"] == "Topology"
    assert shape["data"]["format"] == {"type": "topojson", "feature": next(iter(topology["objects"]))}
    (lookup,) = [tr for tr in shape["transform"] if "lookup" in tr]
    assert lookup["lookup"] == "properties.gid"
    records = resolve(lookup["from"]["data"], spec)
    topo = json.loads(TOPO[map_].read_text(encoding="utf-8"))
    gids = {g["properties"]["gid"] for g in next(iter(topo["objects"].values()))["geometries"]}
    assert len(records) == int(map_) and {r["gid"] for r in records} == gids
    assert sorted(r["province_code"] for r in records) == sorted(codes)
    by_code = {r["province_code"]: r for r in records}
    assert by_code["01"]["status_label"] == "Đã đạt" and by_code["79"]["status_label"] == "Đúng tiến độ"
    assert by_code["48"]["status_label"] == "Đi lùi"
    assert sum(r["status"] == "no data" for r in records) == int(map_) - len(CHOROPLETH_STATUSES)
    assert shape["encoding"]["color"]["scale"]["range"] == [charts.STATUS_COLORS[s] for s in STATUSES]
    assert_tooltips_everywhere(spec)
    _, sub = title_text(spec)
    assert "Open Development Mekong" in sub and "Talia Cao" in sub and "CC BY-SA 4.0" in sub


def test_choropleth_renders_34_joined_shapes(choropleths):
    """Rendered: 34 geoshapes, each labelled (Vega's aria-label = the tooltip) with its name and joined status."""
    svg = vl_convert.vegalite_to_svg(choropleths["34"])
    labels = re.findall(r'<path aria-label="([^"]*)"[^>]*aria-roledescription="geoshape"', svg)
    assert len(labels) == 34
    assert sum("Đi lùi" in x for x in labels) == 1
    assert any("Đà Nẵng" in x and "Đi lùi" in x for x in labels)
    assert sum("Đã đạt" in x for x in labels) == 1 and sum("Đúng tiến độ" in x for x in labels) == 1
    assert sum("Không có dữ liệu" in x for x in labels) == 34 - len(CHOROPLETH_STATUSES)
    assert charts.STATUS_COLORS["regressing"].lower() in svg.lower()


def test_choropleth_rejects_codes_not_on_the_map(units):
    sbu = pl.DataFrame({"map": ["34"], "province_code": ["02"], "status": ["achieved"]})  # 02 is old Hà Giang
    with pytest.raises(KeyError, match="02"):
        charts.choropleth_chart(sbu, TOPO["34"], CROSSWALK, "34", "vi", units=units)


# ---- movers, coverage, headline -----------------------------------------------------------------------------
def test_movers_chart(observations, units):
    spec = charts.movers_chart(observations, 2020, 2023, units, "vi", top=2).to_dict()
    (bars,) = [s for s in unit_specs(spec) if mark_type(s) == "bar"]
    rows = layer_data(bars, spec)
    # synthetic ranks 2020 -> 2023: Hà Nội 30 -> 6 (+24), Quảng Ninh 40 -> 10 (+30), Bắc Giang 20 -> 25 (-5),
    # Hưng Yên 10 -> 30 (-20); a former province merged into a unit named otherwise is shown with it
    assert [(r["name"], r["change"]) for r in rows] == [
        ("Quảng Ninh", 30.0),
        ("Hà Nội", 24.0),
        ("Bắc Giang → Bắc Ninh", -5.0),
        ("Hưng Yên", -20.0),
    ]
    assert labels.t("caption.arrow_today", "vi") in " ".join(spec["title"]["subtitle"])
    assert {r["legend"] for r in rows} == {"Tăng hạng", "Giảm hạng"}
    assert_tooltips_everywhere(spec)
    assert "2020–2023" in title_text(spec)[0]


def test_coverage_chart():
    coverage = {
        "dti": {
            "63": {"2020": {"units": 7, "of": 63}, "2022": {"units": 16, "of": 63}},
            "34": {"2022": {"units": 5, "of": 34}},
        }
    }
    spec = charts.coverage_chart(coverage, "vi").to_dict()
    assert spec["facet"]["column"]["field"] == "map"
    rect = [s for s in unit_specs(spec) if mark_type(s) == "rect"][0]
    rows = layer_data(rect, spec)
    assert len(rows) == 3 and {r["text"] for r in rows} == {"7/63", "16/63", "5/34"}
    assert rect["encoding"]["x"]["type"] == "ordinal" and rect["encoding"]["x"]["field"] == "year"
    assert_tooltips_everywhere(spec)
    assert_locale_and_font(spec, "vi")


def test_headline_chart_national_targets(projections):
    obs = pl.DataFrame(
        [
            obs_row(y, v, unit=("VN", "VN"), series="gso")
            for y, v in [(2020, 12.66), (2021, 12.87), (2022, 12.83), (2023, 12.87), (2024, 13.17)]
        ]
    )
    base = {"map": "VN", "province_code": "VN", "indicator": SHARE, "comparator_norm": ">=", "in_force": True}
    tg = pl.DataFrame(
        [
            {**base, "target_id": "a", "target_value": 20.0, "target_year": 2025, "document": "QĐ 411"},
            {**base, "target_id": "b", "target_value": 30.0, "target_year": 2030, "document": "QĐ 411"},
            {**base, "target_id": "c", "target_value": 16.0, "target_year": 2023, "document": "KH 2023"},
        ]
    )
    vi = charts.headline_chart(obs, None, tg, None, "vi").to_dict()
    title, sub = title_text(vi)
    assert title == "Tỷ trọng kinh tế số của cả nước so với mục tiêu 20% năm 2025 và 30% năm 2030"
    (diamonds,) = [s for s in unit_specs(vi) if mark_type(s) == "point" and s["mark"].get("shape") == "diamond"]
    assert {(r["year"], r["value"]) for r in layer_data(diamonds, vi)} == {(2025, 20.0), (2030, 30.0)}
    assert "Tổng cục Thống kê" in sub
    en_title, _ = title_text(charts.headline_chart(obs, None, tg, None, "en").to_dict())
    assert "20% by 2025 and 30% by 2030" in en_title


def test_unknown_language_is_an_error(observations, units):
    with pytest.raises(KeyError, match="unknown language"):
        charts.peers_chart(observations, units, ("63", "01"), "dti", 2023, "fr")


# ---- rendered output: the locale really applies --------------------------------------------------------------
def svg_texts(svg: str) -> str:
    return nfc(" ".join(re.findall(r">([^<>]+)<", svg)))


def test_vietnamese_svg_has_decimal_commas_and_diacritics(observations, units):
    """Rendered with vl-convert: Vega itself formats the index axis (0,2 … not 0.2), years stay 2022 (not
    2.022), and Vietnamese text keeps its diacritics."""
    vi = charts.trajectory_chart(observations, None, None, None, units, ("63", "01"), "dti", "vi").to_dict()
    text = svg_texts(vl_convert.vegalite_to_svg(vi))
    assert re.search(r"\b0,[2468]\b", text), text[:500]
    assert not re.search(r"\b0\.[2468]\b", text)
    assert "2022" in text and "2.022" not in text and "2,022" not in text
    assert nfc("Chỉ số chuyển đổi số cấp tỉnh (DTI) — Hà Nội") in text
    assert nfc("Năm") in text and nfc("Nguồn") in text
    en = charts.trajectory_chart(observations, None, None, None, units, ("63", "01"), "dti", "en").to_dict()
    text_en = svg_texts(vl_convert.vegalite_to_svg(en))
    assert re.search(r"\b0\.[2468]\b", text_en) and not re.search(r"\b0,[2468]\b", text_en)


@pytest.mark.render  # vl-convert writes real PNG/SVG
def test_a_briefing_figure_no_longer_drawn_leaves_no_file(tmp_path):
    import altair as alt

    from dxtrack.report.figures import save_briefing_figures

    chart = alt.Chart(alt.Data(values=[{"x": 1, "y": 2}])).mark_point().encode(x="x:Q", y="y:Q")
    save_briefing_figures({"kept": chart, "dropped": chart}, str(tmp_path), "en")
    assert (tmp_path / "dropped.en.svg").exists()
    save_briefing_figures({"kept": chart}, str(tmp_path), "en")  # the next edition no longer draws "dropped"
    assert (tmp_path / "kept.en.png").exists() and not list(tmp_path.glob("dropped.*"))
    assert "dropped" not in json.loads((tmp_path / ".figures.en.json").read_text(encoding="utf-8"))


@pytest.mark.render  # vl-convert writes real PNG/SVG
def test_a_briefing_figure_drawn_another_way_is_drawn_again(tmp_path, monkeypatch):
    """A figure is kept only while its chart and the way figures are drawn (vl-convert, fonts) are unchanged: a
    project updated to a new way of drawing must end with the files a fresh build writes."""
    import altair as alt

    from dxtrack.notebook import engine
    from dxtrack.report.figures import save_briefing_figures

    chart = alt.Chart(alt.Data(values=[{"x": 1, "y": 2}])).mark_point().encode(x="x:Q", y="y:Q")
    assert save_briefing_figures({"a": chart}, str(tmp_path), "en") == ["a"]
    assert save_briefing_figures({"a": chart}, str(tmp_path), "en") == []  # unchanged: kept
    monkeypatch.setattr(engine, "SVG_FONT_FAMILIES", "Liberation Sans, sans-serif")
    assert save_briefing_figures({"a": chart}, str(tmp_path), "en") == ["a"]
    assert 'font-family="Liberation Sans, sans-serif"' in (tmp_path / "a.en.svg").read_text(encoding="utf-8")


def _layer_cases():
    import altair as alt

    own = [alt.Data(values=[{"x": i, "y": i * 2}]) for i in range(2)]
    shared = alt.Data(values=[{"x": 1, "y": 2}])
    point = alt.Chart(shared).mark_point().encode(x=alt.X("x:Q"), y=alt.Y("y:Q"))
    return {
        "own data": lambda: ([alt.Chart(d).mark_line().encode(x=alt.X("x:Q"), y=alt.Y("y:Q")) for d in own], {}),
        "shared data": lambda: ([point, point.mark_line()], {}),
        "chart data": lambda: ([alt.Chart().mark_point().encode(x=alt.X("x:Q")), point], {"data": shared}),
        "selection": lambda: ([point.add_params(alt.selection_point()), point.mark_line()], {}),
    }


@pytest.mark.parametrize("case", ["own data", "shared data", "chart data", "selection"])
def test_layer_gives_altairs_spec(case):
    """charts._layer skips Altair's copies but must give the spec alt.layer gives (data lifted the same way)."""
    import altair as alt

    from dxtrack.report.charts import _layer

    def faceted(chart):  # a facet needs the shared data lifted when the layers are combined, not when written
        return chart.facet(column=alt.Column("x:N")) if case == "shared data" else chart

    layers, properties = _layer_cases()[case]()
    expected = faceted(alt.layer(*layers, **properties)).to_dict()
    layers, properties = _layer_cases()[case]()
    assert faceted(_layer(*layers, **properties)).to_dict() == expected

"""What a reader of a page can check (issue 13): publishers named in the page's language, former provinces not
projected past their end, ranks with their N, peers named with their successor, hatched no-data cells, value
maps on both maps with every unit drawn, why an older ranking year, and folded content printed without scripts.
Chart specs and HTML are asserted on synthetic frames or the frozen data, never on live facts."""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import yaml
from conftest import RAW, add_source

from dxtrack.core.paths import Project
from dxtrack.core.sources import KEYS, load_source
from dxtrack.core.tables import load
from dxtrack.report import charts, figures, labels, selections, text
from dxtrack.report.labels import t

TEMPLATES = Path(charts.__file__).resolve().parents[1] / "notebook" / "templates" / "dxtrack"
MERGER = date(2025, 7, 1)


@pytest.fixture(scope="module")
def tables(built_project):
    return load(built_project.root)


@pytest.fixture(scope="module")
def units(tables) -> pl.DataFrame:
    return tables.units


def layers_of(spec: dict) -> list[dict]:
    """Every unit spec (layers, facets and concatenations flattened)."""
    out, todo = [], [spec]
    while todo:
        s = todo.pop()
        for key in ("layer", "hconcat", "vconcat", "concat"):
            todo.extend(s.get(key, []))
        if "spec" in s:
            todo.append(s["spec"])
        if "mark" in s:
            out.append(s)
    return out


def data_of(s: dict, root: dict) -> list[dict]:
    data = s.get("data") or root.get("data") or {}
    if "name" in data:
        return root["datasets"][data["name"]]
    return data.get("values", [])


def subtitle(spec: dict) -> str:
    """The subtitle lines as one whitespace-normalised text (captions are wrapped)."""
    return " ".join(" ".join(spec["title"]["subtitle"]).split())


def title(spec: dict) -> str:
    text_ = spec["title"]["text"]
    return " ".join(text_) if isinstance(text_, list) else text_


# ---- 1. publishers in Vietnamese -------------------------------------------------------------------------------
def test_publisher_vi_is_an_optional_validated_string_key(tmp_path):
    required, types, meaning = KEYS["publisher_vi"]
    assert not required and types == (str,) and meaning
    project = add_source(
        Project(tmp_path), "pub_x", "pub_x.csv", "a\n1\n", layout="ministry_dti", publisher_vi=["not", "a", "name"]
    )
    folder = project.raw / "sources" / "pub_x"
    with pytest.raises(Exception, match="publisher_vi"):
        load_source(folder, project.root)


@pytest.mark.parametrize("key", ["publisher_vi", "measures_vi"])
def test_every_real_source_names_its_publisher_and_says_what_it_measures_in_vietnamese(key):
    for meta in sorted((RAW / "sources").glob("*/source.yaml")):
        entry = yaml.safe_load(meta.read_text(encoding="utf-8"))
        if entry.get("synthetic"):
            continue
        assert isinstance(entry.get(key), str) and entry[key].strip(), meta


def test_vietnamese_source_list_describes_sources_in_vietnamese(tables):
    """measures_vi on Vietnamese pages; without it, the English description marked as English."""
    vi, en = text.sources_html(tables, "vi"), text.sources_html(tables, "en")
    listed = [e for e in tables.sources.values() if e.get("measures") and html.escape(e["measures"]) in en]
    assert listed
    for entry in listed:
        assert html.escape(entry["measures_vi"]) in vi and html.escape(entry["measures"]) not in vi
    # a source described in English only (the key is optional): shown, and marked as English
    english_only = type("Tables", (), {"sources": {"x": {"publisher": "Ministry of X", "measures": "Share of Y"}}})()
    shown = text.sources_html(english_only, "vi", ["x"])  # type: ignore[arg-type]
    assert t("text.measures_english", "vi") in shown and '<span lang="en">Share of Y</span>' in shown


def test_publisher_name_by_language_with_a_labelled_fallback():
    entry = {"publisher": "Ministry of X", "publisher_vi": "Bộ X"}
    assert text.publisher_name(entry, "s", "vi") == "Bộ X"
    assert text.publisher_name(entry, "s", "en") == "Ministry of X"
    fallback = text.publisher_name({"publisher": "Ministry of X"}, "s", "vi")
    assert fallback.startswith("Ministry of X") and t("text.publisher_english_only", "vi") in fallback
    assert text.publisher_name(None, "s", "vi").startswith("s")


def test_vietnamese_source_list_shows_vietnamese_names(tables):
    vi, en = text.sources_html(tables, "vi"), text.sources_html(tables, "en")
    listed = [e for e in tables.sources.values() if e.get("publisher") and html.escape(e["publisher"]) in en]
    assert listed
    for entry in listed:
        if entry.get("publisher_vi"):
            assert html.escape(entry["publisher_vi"]) in vi
            assert html.escape(entry["publisher"]) not in vi, entry["publisher"]
        else:
            assert html.escape(text.publisher_name(entry, "", "vi")) in vi


def test_a_chart_of_a_target_measured_by_a_proxy_says_it_does_not_settle_it(tables):
    proxied = tables.status.filter(pl.col("proxy").fill_null(False) & pl.col("series").is_not_null())
    assert proxied.height, "the frozen data has targets measured by a proxy"
    note = t("text.proxy_status", "vi")
    for r in proxied.unique(["map", "province_code", "measured_by"]).iter_rows(named=True):
        spec = charts.trajectory_chart(
            tables.observations,
            tables.projections,
            tables.targets,
            tables.status,
            tables.units,
            (r["map"], r["province_code"]),
            r["measured_by"],
            "vi",
        ).to_dict()
        assert note[1:] in subtitle(spec), (r["map"], r["province_code"], r["measured_by"])


# ---- 2 and 3. former provinces stop at their end; ranks say out of how many ---------------------------------
def _rank_frames(map_: str = "63", code: str = "01", of: int = 63) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Synthetic: a unit ranked 2020–2023 and a naive projection of its rank to 2030."""
    obs = pl.DataFrame(
        [
            {
                "map": map_,
                "province_code": code,
                "indicator": "dti_rank",
                "series": "mic_dti",
                "year": y,
                "value": float(r),
                "derived": False,
                "full_year": True,
                "period_label": str(y),
                "source_id": "dti_provincial",
                "rank_of": of,
            }
            for y, r in ((2020, 20), (2022, 12), (2023, 10))
        ]
    )
    proj = pl.DataFrame(
        [
            {
                "indicator": "dti_rank",
                "series": "mic_dti",
                "map": map_,
                "province_code": code,
                "method": "naive",
                "is_default": True,
                "year": y,
                "kind": "fit" if y <= 2023 else "projection",
                "mean": 10.0,
                "lo80": 8.0,
                "hi80": 12.0,
                "lo95": 6.0,
                "hi95": 14.0,
                "rank_of": of,
            }
            for y in range(2020, 2031)
        ]
    )
    return obs, proj


def _projected_years(spec: dict) -> set[int]:
    return {r["year"] for s in layers_of(spec) for r in data_of(s, spec) if "lo95" in r}


def test_a_former_province_is_not_projected_past_its_last_year(units):
    obs, proj = _rank_frames()
    open_ended = charts.rank_history_chart(obs, proj, None, units, ("63", "01"), "vi").to_dict()
    assert max(_projected_years(open_ended)) == 2030
    ended = charts.rank_history_chart(obs, proj, None, units, ("63", "01"), "vi", ended=MERGER).to_dict()
    assert max(_projected_years(ended)) == 2025  # 1 July 2025: it existed for part of 2025
    assert " ".join(t("caption.ended_rank", "vi", date="1/7/2025", year=2025).split()) in subtitle(ended)
    assert t("caption.ended_targets", "vi") not in subtitle(ended)  # no targets: nothing to say about them
    english = charts.rank_history_chart(obs, proj, None, units, ("63", "01"), "en", ended=MERGER).to_dict()
    assert "nothing is projected beyond 2025" in subtitle(english)


def test_ended_targets_keep_their_marker_and_status(units):
    obs, proj = _rank_frames()
    status = pl.DataFrame(
        [
            {
                "map": "63",
                "province_code": "01",
                "measured_by": "dti_rank",
                "indicator": "dti_rank",
                "series": "mic_dti",
                "target_id": "t1",
                "target_value": 5.0,
                "target_year": 2030,
                "status": "acceleration needed",
                "p_meet": 0.3,
                "expected_rank": 9.0,
                "preferred": True,
            }
        ]
    )
    spec = charts.rank_history_chart(obs, proj, status, units, ("63", "01"), "vi", ended=MERGER).to_dict()
    assert max(_projected_years(spec)) == 2025
    goals = [r for s in layers_of(spec) for r in data_of(s, spec) if r.get("label", "").startswith("top")]
    assert {r["year"] for r in goals} == {2030}
    assert labels.status_label("acceleration needed", "vi") in subtitle(spec)
    assert " ".join(t("caption.ended_targets", "vi").split()) in subtitle(spec)
    assert t("subtitle.expected_rank", "vi", rank="9,0 / 63") in subtitle(spec)  # an expected rank with its N


def test_rank_titles_and_values_carry_their_n(units):
    for of, map_, code in ((63, "63", "01"), (34, "34", "01")):
        obs, proj = _rank_frames(map_, code, of)
        vi = charts.rank_history_chart(obs, proj, None, units, (map_, code), "vi").to_dict()
        en = charts.rank_history_chart(obs, proj, None, units, (map_, code), "en").to_dict()
        assert f"/ {of})" in title(vi) and f"out of {of}" in title(en)
        shown = {r.get("value_text") for s in layers_of(vi) for r in data_of(s, vi)}
        assert t("word.rank_value", "vi", rank=10, of=of) in shown


def test_ended_on_follows_the_merger(tables):
    merger = tables.project.merger_date
    units = tables.units
    members = {
        c: list(m) for c, m in units.filter(pl.col("map") == "34").select("province_code", "member_codes").iter_rows()
    }
    merged = [c for m in members.values() if len(m) > 1 for c in m]
    unchanged = [m[0] for m in members.values() if len(m) == 1]
    assert merged and unchanged
    assert figures.ended_on(tables, ("63", merged[0])) == merger
    assert figures.ended_on(tables, ("63", unchanged[0])) is None  # lives on as a current unit
    assert figures.ended_on(tables, ("63", unchanged[0]), ranked=True) == merger  # a rank among 63 does not
    assert figures.ended_on(tables, ("34", unchanged[0])) is None


def test_no_rank_chart_of_a_report_projects_past_the_merger(tables):
    merger_year = tables.project.merger_date.year
    merged = tables.units.filter((pl.col("map") == "34") & (pl.col("member_codes").list.len() > 1))
    checked = 0
    for code in merged["province_code"].to_list():
        for chart in figures.province_charts(tables, "34", code, "vi")["rank"]:
            years = _projected_years(chart.to_dict())
            assert not years or max(years) <= merger_year
            checked += bool(years)
        if checked:
            break
    assert checked > 0


def _dti_ranks_2022(codes: list[str]) -> pl.DataFrame:
    """A 63-map DTI ranking of 2022 for `codes`, ranked in the order given."""
    return pl.DataFrame(
        [
            {
                "map": "63",
                "province_code": c,
                "indicator": "dti_rank",
                "series": "mic_dti",
                "year": 2022,
                "value": float(i + 1),
                "derived": False,
                "full_year": True,
                "rank_of": 63,
            }
            for i, c in enumerate(codes)
        ]
    )


# ---- 4. peers of a former province -------------------------------------------------------------------------
def test_peers_of_a_former_province_name_their_successor_and_the_map(units):
    region = units.filter((pl.col("map") == "63") & (pl.col("province_code") == "84"))["region_vi"][0]
    codes = units.filter((pl.col("map") == "63") & (pl.col("region_vi") == region))["province_code"].to_list()
    obs = _dti_ranks_2022(codes)
    spec = charts.peers_chart(obs, units, ("63", "84"), "dti_rank", 2022, "vi").to_dict()
    rows = [r for s in layers_of(spec) if s["mark"].get("type", s["mark"]) == "bar" for r in data_of(s, spec)]
    names = dict(units.filter(pl.col("map") == "34").select("province_code", "name_vi").iter_rows())
    old = units.filter(pl.col("map") == "63")
    for code, name, successor in old.select("province_code", "name_vi", "successor_code").iter_rows():
        if code in codes and names.get(successor, name) != name:
            assert f"{name} → {names[successor]}" in {r["name"] for r in rows}
    assert all(" / 63" in r["value_text"] for r in rows)
    assert " ".join(t("subtitle.peers_former_map", "vi", year=2022).split()) in subtitle(spec)
    assert "63" in title(spec)


def test_the_former_provinces_of_a_merged_unit_share_one_peers_chart(units):
    """A unit formed from several former provinces: one peers chart highlighting all of them, named by the unit
    they form today (not one near-identical chart per member)."""
    merged = units.filter((pl.col("map") == "34") & (pl.col("member_codes").list.len() > 1)).sort("province_code")
    members = list(merged["member_codes"][0])
    today = merged["name_vi"][0]
    regions = units.filter((pl.col("map") == "63") & pl.col("province_code").is_in(members))["region_vi"].unique()
    codes = units.filter((pl.col("map") == "63") & pl.col("region_vi").is_in(regions.to_list()))["province_code"]
    obs = _dti_ranks_2022(codes.to_list())
    spec = charts.peers_chart(obs, units, ("63", members[0]), "dti_rank", 2022, "vi", members=members[1:]).to_dict()
    rows = [r for s in layers_of(spec) if s["mark"].get("type", s["mark"]) == "bar" for r in data_of(s, spec)]
    mine = t("legend.member_of", "vi", unit=today)
    names63 = dict(units.filter(pl.col("map") == "63").select("province_code", "name_vi").iter_rows())
    highlighted = {r["name"].split(" → ")[0] for r in rows if r["legend"] == mine}
    assert highlighted == {names63[m] for m in members}
    assert {r["legend"] for r in rows} == {mine, t("legend.peer", "vi")}
    assert today in title(spec)


# ---- 5. hatched no-data cells --------------------------------------------------------------------------------
def test_status_matrix_hatches_no_data_cells_with_a_legend(tables):
    rows, collapsed = selections.status_matrix_34(tables)
    assert rows.filter(pl.col("status") == "no data").height > 0
    spec = charts.status_matrix_34_chart(rows, collapsed, "vi").to_dict()
    marks = layers_of(spec)
    assert not [s for s in marks if s["mark"].get("type") == "text" and s["mark"].get("text") == "×"]
    hatches = [s for s in marks if s["mark"].get("type") == "rule"]
    assert len(hatches) == len(charts.HATCH)
    assert all(s["encoding"]["x2"]["field"] == "year" and s["encoding"]["y2"]["field"] == "unit" for s in hatches)
    legends = [s["encoding"]["stroke"].get("legend") for s in hatches]
    shown = [lg for lg in legends if lg]
    assert len(shown) == 1 and shown[0]["symbolType"] == charts.HATCH_SYMBOL
    assert hatches[0]["encoding"]["stroke"]["scale"]["domain"] == [t("legend.no_data_hatch", "vi")]


# ---- 6. value map on the 34 map, every unit drawn ------------------------------------------------------------
def test_value_maps_draw_every_unit_and_the_archipelagos(tables):
    geo = figures.boundary_files(tables.project)
    for map_ in ("34", "63"):
        if not tables.observations.filter((pl.col("map") == map_) & (pl.col("indicator") == "dti")).height:
            continue
        spec = charts.value_map_chart(
            tables.observations, geo[map_], geo["names"], "dti", map_, "vi", units=tables.units
        ).to_dict()
        (shape,) = [s for s in layers_of(spec) if s["mark"].get("type") == "geoshape"]
        assert shape["mark"]["invalid"] is None  # a unit without a figure is not filtered out
        color = shape["encoding"]["color"]
        assert color["condition"]["value"] == "#FFFFFF" and "!isValid" in color["condition"]["test"]
        lookup = shape["transform"][0]["from"]["data"]
        records = spec["datasets"][lookup["name"]] if "name" in lookup else lookup["values"]
        features = json_features(geo[map_])
        assert {r["gid"] for r in records} == features
        texts = [r["name"] for s in layers_of(spec) if s["mark"].get("type") == "text" for r in data_of(s, spec)]
        assert t("place.hoang_sa", "vi") in texts and t("place.truong_sa", "vi") in texts


def json_features(path: Path) -> set[int]:
    import json

    topo = json.loads(Path(path).read_text(encoding="utf-8"))
    (obj,) = topo["objects"].values()
    return {int(g["properties"]["gid"]) for g in obj["geometries"]}


def test_briefing_has_the_34_value_map_next_to_the_63_one(tables):
    charts_by_name = figures.briefing_charts(tables, "en")
    has_34 = tables.observations.filter(
        (pl.col("map") == "34") & (pl.col("indicator") == "dti") & pl.col("full_year")
    ).height
    assert ("map_dti_34" in charts_by_name) == bool(has_34)
    names = list(charts_by_name)
    if has_34:
        assert names.index("map_dti_34") + 1 == names.index("map_dti_63")
        spec = charts_by_name["map_dti_34"].to_dict()
        assert " ".join(t("caption.value_map_derived", "en").split()) in subtitle(spec)
        domains = [
            s["encoding"]["color"]["scale"]["domain"]
            for name in ("map_dti_34", "map_dti_63")
            for s in layers_of(charts_by_name[name].to_dict())
            if s["mark"].get("type") == "geoshape"
        ]
        assert len(domains) == 2 and domains[0] == domains[1]  # one colour, one value, on both maps


# ---- 7. why an older ranking year ----------------------------------------------------------------------------
def test_ranking_year_is_explained_with_the_year(tables):
    years = selections.complete_ranking_years(tables)
    assert years
    page = text.ranking_year_html(tables, years[-1] + 4, "vi")
    assert str(years[-1]) in page and str(years[-1] + 4) in page
    assert text.ranking_year_html(tables, years[-1], "vi") == ""  # the edition's own year needs no excuse
    movers = selections.movers_years(tables)
    if movers:
        sentence = text.movers_year_html(tables, years[-1] + 4, "en")
        assert str(movers[0]) in sentence and str(movers[1]) in sentence


def test_leaders_ranks_carry_their_n(tables):
    page = text.leaders_html(tables, "vi")
    assert "hạng " in page and " / 63<" in page


# ---- 8. folded content printed without scripts ----------------------------------------------------------------
def test_folded_content_has_a_print_only_copy_and_no_script_is_needed():
    folded = text.fold("Trích dẫn", "<q>nguyên văn</q>")
    assert folded.count("<q>nguyên văn</q>") == 2
    assert '<details class="dx-fold">' in folded and '<div class="dx-print-only">' in folded
    css = (TEMPLATES / "page.css").read_text(encoding="utf-8")
    screen, _, printed = css.partition("@media print")
    assert ".dx-print-only { display: none; }" in screen
    assert ".celltag_dx-side-by-side .jp-OutputArea { display: flex;" in screen  # the value maps side by side
    assert "details.dx-fold { display: none !important; }" in printed
    assert ".dx-print-only { display: block !important; }" in printed
    assert "beforeprint" not in (TEMPLATES / "index.html.j2").read_text(encoding="utf-8")


def test_target_quotes_are_folded_for_print(tables):
    rows = selections.unit_targets(tables, "34", tables.units.filter(pl.col("map") == "34")["province_code"][0])
    page = text.targets_table(rows, "vi")
    assert "<details>" not in page  # every fold goes through text.fold

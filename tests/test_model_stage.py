"""The model stage on the real data: every target gets a status and a reason; projections are sane."""

from __future__ import annotations

import json

import polars as pl
import pytest

from dxtrack.cli.main import main
from dxtrack.model.pace import STATUSES
from dxtrack.report.reasons import worded


@pytest.fixture(scope="module")
def status(built_project) -> pl.DataFrame:
    return worded(pl.read_parquet(built_project.processed / "status.parquet"))  # the reasons in words, as shown


@pytest.fixture(scope="module")
def projections(built_project) -> pl.DataFrame:
    return pl.read_parquet(built_project.processed / "projections.parquet")


def _rows(status: pl.DataFrame, code: str, indicator: str, year: int, value: float, map_: str = "63") -> pl.DataFrame:
    return status.filter(
        (pl.col("map") == map_)
        & (pl.col("province_code") == code)
        & (pl.col("indicator") == indicator)
        & (pl.col("target_year") == year)
        & (pl.col("target_value") == value)
    )


def test_every_target_has_exactly_one_preferred_status_with_a_reason(built_project, status):
    targets = pl.read_parquet(built_project.processed / "targets.parquet")
    assert set(status["target_id"]) == set(targets["target_id"])
    preferred = status.filter(pl.col("preferred")).group_by("target_id").len()
    assert preferred.height == targets.height and preferred["len"].max() == 1
    assert set(status["status"]) <= set(STATUSES)
    # Reasons are keys with their fields (words are the report's job), and every key has words.
    assert status["reason_key"].null_count() == 0 and status["reason_fields"].null_count() == 0
    words = worded(status)
    assert words["reason"].null_count() == 0 and (words["reason_vi"].str.len_chars() > 10).all()


def test_the_model_writes_no_sentences(built_project):
    status = pl.read_parquet(built_project.processed / "status.parquet")
    assert not {"reason", "reason_vi", "note", "note_vi"} & set(status.columns)
    assert set(status["note_key"].drop_nulls()) <= {"merged", "proxy", "proxy_merged"}


@pytest.mark.parametrize(
    "code, indicator, year, value",
    [
        ("84", "digital_economy_share_grdp", 2025, 10.0),  # Trà Vinh KH 50/2022 and KH 59/2022: > 10% by 2025
        ("84", "digital_economy_share_grdp", 2030, 25.0),  # Trà Vinh KH 50/2022: > 25% by 2030
        ("84", "online_filing_rate", 2025, 60.0),  # Trà Vinh: >= 60% of dossiers online by 2025
        ("84", "dti_rank_goal", 2025, 20.0),  # Trà Vinh: top 20 in DTI
        ("58", "digital_economy_share_grdp", 2025, 20.0),  # Ninh Thuận KH 562/2021: 20% by 2025
        ("75", "online_filing_rate_department", 2024, 80.0),  # Đồng Nai 2024 plan, by level
        ("75", "online_filing_rate_district", 2024, 40.0),
        ("75", "online_filing_rate_commune", 2024, 30.0),
    ],
)
def test_seed_plan_targets_get_a_status(status, code, indicator, year, value):
    rows = _rows(status, code, indicator, year, value)
    assert rows.height >= 1
    for row in rows.iter_rows(named=True):
        assert row["status"] in STATUSES and row["reason"]


@pytest.mark.parametrize("year, value", [(2025, 20.0), (2030, 30.0)])
def test_national_digital_economy_targets_are_assessed_on_every_series(status, year, value):
    rows = _rows(status, "VN", "digital_economy_share_grdp", year, value, map_="VN")
    assessed = rows.filter(pl.col("series").is_not_null())
    assert {"gso", "mic"} <= set(assessed["series"])
    assert assessed.filter(pl.col("preferred"))["series"].unique().to_list() == ["gso"]  # official statistics first
    assert assessed["p_meet"].is_between(0, 1).all()


def test_rank_goal_has_a_probability_and_expected_rank_from_the_joint_simulation(status):
    row = _rows(status, "84", "dti_rank_goal", 2025, 20.0).row(0, named=True)
    assert row["measured_by"] == "dti_rank" and row["series"] == "mic_dti"
    assert 0 < row["p_meet"] < 1 and 1 <= row["expected_rank"] <= 63
    assert row["projected_lo80"] <= row["expected_rank"] <= row["projected_hi80"]


def test_new_map_rank_goal_without_a_new_ranking_says_so(status):
    rows = status.filter((pl.col("map") == "34") & (pl.col("indicator") == "dti_rank_goal"))
    assert rows.height >= 1
    assert (rows["status"] == "no data").all() and rows["reason"].str.contains("34 new units").all()


def test_old_units_post_merger_targets_name_the_new_unit(status):
    row = _rows(status, "84", "digital_economy_share_grdp", 2030, 25.0).row(0, named=True)
    assert "Vĩnh Long (34:86)" in row["note"] and "hợp nhất vào Vĩnh Long (34:86)" in row["note_vi"]


def test_a_passed_target_year_with_an_observation_is_settled_by_it(status):
    row = (
        _rows(status, "VN", "online_filing_rate", 2024, 50.0, map_="VN").filter(pl.col("preferred")).row(0, named=True)
    )
    assert row["forecast_method"] == "observed" and row["p_meet"] == 0.0 and row["status"] in ("too slow", "regressing")
    assert row["reason_key"] == "missed"


def test_projections_stay_inside_the_bounds_and_bands_nest(projections):
    shares = projections.filter(pl.col("indicator") == "digital_economy_share_grdp")
    assert shares["lo95"].min() > 0 and shares["hi95"].max() < 100
    dti = projections.filter(pl.col("indicator") == "dti")
    assert dti["lo95"].min() > 0 and dti["hi95"].max() < 1
    assert (projections["lo95"] <= projections["lo80"]).all() and (projections["hi80"] <= projections["hi95"]).all()
    assert ((projections["lo80"] <= projections["mean"]) & (projections["mean"] <= projections["hi80"])).all()


def test_only_units_with_observations_are_projected(built_project, projections):
    observed = pl.read_parquet(built_project.processed / "observations.parquet").filter(pl.col("full_year"))
    keys = ["indicator", "series", "map", "province_code"]
    orphans = projections.select(keys).unique().join(observed.select(keys).unique(), on=keys, how="anti")
    assert orphans.height == 0


def test_every_method_and_one_default_per_series(projections):
    per_series = projections.group_by("indicator", "series", "map", "province_code").agg(
        pl.col("method").n_unique().alias("methods"),
        pl.col("method").filter(pl.col("is_default")).n_unique().alias("defaults"),
    )
    assert (per_series["defaults"] == 1).all() and per_series["methods"].max() == 3


def test_backtest_json_reports_every_family_and_data_set_with_the_verdict_on_the_default(built_project):
    skill = json.loads((built_project.metrics / "backtest.json").read_text(encoding="utf-8"))
    defaults = built_project.params["model"]["default_method"]
    assert skill["horizons"] == built_project.params["model"]["backtest"]["horizons"]
    for fam, result in skill["by_family"].items():
        assert result["default_method"] == defaults[fam]
        assert isinstance(result["default"]["supported"], bool)
        for scores in result["methods"].values():
            assert {"n", "mae", "bias", "coverage80", "coverage95", "crps", "log_score"} <= set(scores)
        for diff in result["vs_naive"].values():
            if diff["n"]:
                lo, hi = diff["d_crps"]["ci95"]
                assert lo <= diff["d_crps"]["mean"] <= hi
    for _fam, sets in skill["by_dataset"].items():
        assert sets and all(block["methods"]["naive"]["n"] > 0 for block in sets.values())


def test_backtest_json_reports_the_calibrated_default_out_of_sample_and_flags_every_miss(built_project):
    skill = json.loads((built_project.metrics / "backtest.json").read_text(encoding="utf-8"))
    cal = skill["calibration"]
    lo80, hi80 = cal["target80"]
    lo95, hi95 = cal["target95"]
    flagged = []
    blocks = [(fam, r) for fam, r in skill["by_family"].items()]
    blocks += [(f"{fam}/{ds}", b) for fam, sets in skill["by_dataset"].items() for ds, b in sets.items()]
    for name, block in blocks:
        d = block["calibrated"]["default"]
        assert {"n", "coverage80", "coverage95", "crps", "log_score", "within_target", "flag", "judged"} <= set(d)
        assert d["judged"] == (d["n"] >= cal["min_cases"])
        inside = lo80 <= d["coverage80"] <= hi80 and lo95 <= d["coverage95"] <= hi95
        assert d["within_target"] == inside
        assert (d["flag"] is not None) == (d["judged"] and not inside)
        if d["flag"]:
            flagged.append(name)
        for diff in block["calibrated"]["vs_naive"].values():
            if diff["n"]:
                assert diff["d_crps"]["ci95"][0] <= diff["d_crps"]["mean"] <= diff["d_crps"]["ci95"][1]
    assert sorted(flagged) == sorted(cal["misses_target"])
    for group in cal["groups"].values():
        for c in group.values():
            assert c["scale"] > 0 and (c["source"] == "own") == (c["n"] >= cal["min_cases"])


def test_projections_and_p_meet_read_the_calibrated_distribution(built_project):
    from dxtrack.model.backtest import backtest_cases, backtest_indicators
    from dxtrack.model.calibration import Calibrated, fit_groups
    from dxtrack.model.forecast import Forecasts, ModelParams

    obs = pl.read_parquet(built_project.processed / "observations.parquet")
    units = pl.read_parquet(built_project.processed / "units.parquet")
    params = ModelParams.from_params(built_project.params)
    ids = {"dti", "dti_rank"} & set(obs["indicator"].unique().to_list())
    forecasts = Forecasts(obs, units, built_project.indicators, ids, params)
    cases = backtest_cases(obs, units, built_project.indicators, backtest_indicators(obs, ids, {}), params)
    groups = fit_groups(cases, params.calibration)
    raw = {key: dict(models) for key, models in forecasts.models.items()}
    forecasts.calibrate(groups)
    checked = 0
    for key, models in forecasts.models.items():
        for method, model in models.items():
            assert isinstance(model, Calibrated) and model.model is raw[key][method]
            unit = model.pool.names[int(model.pool.n.argmax())]
            before, after = raw[key][method].predict(unit, 2030), forecasts.latent(key, unit, 2030, method)
            if before is None:
                continue
            assert after is not None and after.mean == before.mean
            assert after.scale == pytest.approx(before.scale * model.calibration.scale)
            checked += model.calibration.scale != 1.0
    assert checked  # at least one pool really was rescaled
    forecasts.calibrate(groups)  # calibrating twice does not compound
    assert all(m.model is raw[k][name] for k, ms in forecasts.models.items() for name, m in ms.items())


def test_the_stage_warns_exactly_when_the_backtest_does_not_support_a_default(built_project):
    import warnings

    from dxtrack.model.stage import model_stage

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        skill = model_stage(built_project).metrics["metrics/backtest.json"]
    warned = {fam for fam in skill["by_family"] if any(f"for {fam} indicators" in str(w.message) for w in caught)}
    assert warned == {fam for fam, r in skill["by_family"].items() if not r["default"]["supported"]}


def test_status_command_prints_an_old_units_targets(built_project, monkeypatch, capsys):
    monkeypatch.setenv("DXTRACK_ROOT", str(built_project.root))
    assert main(["status", "--province", "Trà Vinh"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("63:84 Trà Vinh") and "merged into 34:86 Vĩnh Long" in out
    assert "dti_rank_goal <= 20 by 2025" in out and "P(meet)" in out and "median forecast rank" in out


def test_status_command_lists_a_merged_units_members(built_project, monkeypatch, capsys):
    monkeypatch.setenv("DXTRACK_ROOT", str(built_project.root))
    assert main(["status", "--province", "Vĩnh Long"]) == 0
    out = capsys.readouterr().out
    assert "targets set by Trà Vinh (63:84, before the merger)" in out and "Bến Tre" in out


def test_once_a_new_map_ranking_exists_an_unranked_unit_has_plain_no_data(built_project):
    from dxtrack.model.forecast import Forecasts, ModelParams
    from dxtrack.model.status import Progress

    processed = built_project.processed
    obs = pl.read_parquet(processed / "observations.parquet")
    ranked = (
        obs.filter(pl.col("indicator") == "dti_rank")
        .head(1)
        .with_columns(  # a fixture 34-unit rank
            pl.lit("34").alias("map"),
            pl.lit("01").alias("province_code"),
            pl.lit(34, dtype=obs["rank_of"].dtype).alias("rank_of"),
            pl.lit(2025, dtype=pl.Int64).alias("year"),
            pl.lit(1.0).alias("value"),
        )
    )
    obs = pl.concat([obs, ranked])
    units, targets = pl.read_parquet(processed / "units.parquet"), pl.read_parquet(processed / "targets.parquet")
    params = ModelParams.from_params(built_project.params)
    forecasts = Forecasts(obs, units, built_project.indicators, {"dti_rank"}, params)
    rows = Progress(obs, units, forecasts, built_project.merger_date).table(
        targets.filter((pl.col("map") == "34") & (pl.col("indicator") == "dti_rank_goal"))
    )
    assert (rows["status"] == "no data").all() and (rows["reason_key"] == "no_data").all()

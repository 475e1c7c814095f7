"""Calibrated spread on seeded synthetic panels (synthetic data exists only here): t-noise random walks whose
raw bands are deliberately too wide or too narrow; the unit-clustered, cross-validated calibration brings them
to their nominal coverage, and its multiplier moves the right way."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from dxtrack.model.backtest import crps_t, log_score
from dxtrack.model.calibration import (
    Calibrated,
    Calibration,
    CalibrationParams,
    cross_validated,
    fit_calibration,
    fit_groups,
    lookup,
    within_target,
)
from dxtrack.model.estimators import Pool, Series, Settings, fit

PARAMS = CalibrationParams(min_cases=30, folds=10)


def random_walk_cases(rng: np.random.Generator, units: int, years: int, step_df: float, dataset: str = "synthetic"):
    """Backtest cases (as the backtest writes them) of naive forecasts 1–3 years ahead on a SYNTHETIC panel of
    random walks with t(step_df) yearly steps. Naive's raw spread is the pool's mean squared step with as many
    df as steps: with heavy-tailed steps that makes its 80% band too wide and its tails too thin."""
    members = {}
    for i in range(units):
        t = np.arange(2010, 2010 + years, dtype=float)
        members[f"u{i:03d}"] = Series(t, rng.normal(0, 1) + np.cumsum(0.1 * rng.standard_t(step_df, years)), "R")
    pool = Pool(members)
    rows = []
    for origin in range(2011, 2010 + years - 1):
        past = pool.before(origin)
        ahead = np.isin(pool.years - origin, [1, 2, 3])
        idx, yrs, actual = pool.idx[ahead], pool.years[ahead], pool.values[ahead]
        p = fit("naive", past, Settings()).predict_many(idx, yrs)
        for j in np.flatnonzero(p.ok):
            rows.append(
                {
                    "family": "level",
                    "dataset": dataset,
                    "method": "naive",
                    "map": "S",
                    "unit": pool.names[idx[j]],
                    "error_model_scale": float(p.mean[j] - actual[j]),
                    "scale_model": float(p.scale[j]),
                    "df": float(p.df[j]),
                    "covered80": bool(abs(actual[j] - p.mean[j]) <= p.quantile(0.9)[j] - p.mean[j]),
                    "covered95": bool(abs(actual[j] - p.mean[j]) <= p.quantile(0.975)[j] - p.mean[j]),
                    "crps": 0.0,
                    "log_score": 0.0,
                }
            )
    return pl.DataFrame(rows)


def scaled_cases(rng: np.random.Generator, n_units: int, per_unit: int, true_scale: float, df: float) -> pl.DataFrame:
    """SYNTHETIC cases whose predictive scale is 1 (normal) while the truth is true_scale × t(df)."""
    n = n_units * per_unit
    z = true_scale * rng.standard_t(df, n)
    return pl.DataFrame(
        {
            "family": ["level"] * n,
            "dataset": ["synthetic"] * n,
            "method": ["naive"] * n,
            "map": ["S"] * n,
            "unit": [f"u{i // per_unit:03d}" for i in range(n)],
            "error_model_scale": -z,
            "scale_model": np.ones(n),
            "df": np.full(n, math.inf),
            "covered80": np.abs(z) <= 1.2816,
            "covered95": np.abs(z) <= 1.96,
            "crps": np.zeros(n),
            "log_score": np.zeros(n),
        }
    )


def test_heavy_tailed_random_walks_too_wide_bands_come_back_to_nominal_out_of_sample():
    cases = random_walk_cases(np.random.default_rng(31), units=60, years=9, step_df=2.5)
    raw80 = cases["covered80"].mean()
    assert cases.height > 500 and raw80 > 0.86  # the raw bands are too wide: the test has something to fix
    cal = fit_groups(cases, PARAMS)[("level", "synthetic", "naive")]
    assert cal.scale < 1 and cal.df is not None and cal.df <= 6  # narrower, with heavier tails
    cv = cross_validated(cases, PARAMS, crps_t, log_score)
    assert 0.75 <= cv["covered80"].mean() <= 0.85 and 0.90 <= cv["covered95"].mean() <= 0.98
    assert within_target(cv["covered80"].mean(), cv["covered95"].mean(), PARAMS)


@pytest.mark.parametrize("true_scale, direction", [(2.0, 1), (0.5, -1), (1.0, 0)])
def test_the_multiplier_moves_the_right_way_and_reaches_nominal_coverage(true_scale, direction):
    cases = scaled_cases(np.random.default_rng(5), n_units=40, per_unit=15, true_scale=true_scale, df=4)
    cal = fit_calibration(-cases["error_model_scale"].to_numpy())
    if direction:
        assert (cal.scale - 1) * direction > 0.3
    else:
        assert abs(cal.scale - 1) < 0.3  # t(4) at scale 1 is near a normal at scale ~1 in its 80–95% band
    cv = cross_validated(cases, PARAMS, crps_t, log_score)
    assert 0.75 <= cv["covered80"].mean() <= 0.85, cv["covered80"].mean()
    assert 0.90 <= cv["covered95"].mean() <= 0.98, cv["covered95"].mean()
    # the raw bands missed (except where they were right to begin with)
    if direction:
        assert not (0.75 <= cases["covered80"].mean() <= 0.85)


def test_tail_shape_is_learnt():
    heavy = fit_calibration(np.random.default_rng(1).standard_t(2.5, 4000))
    light = fit_calibration(np.random.default_rng(1).standard_normal(4000))
    assert heavy.df is not None and light.df is not None and heavy.df < 5 and light.df >= 15


def test_a_small_data_set_stays_uncalibrated_and_the_fit_is_deterministic():
    rng = np.random.default_rng(8)
    big = scaled_cases(rng, n_units=20, per_unit=5, true_scale=0.5, df=4)
    small = scaled_cases(rng, n_units=3, per_unit=5, true_scale=3.0, df=4).with_columns(
        pl.lit("few").alias("dataset"), (pl.col("unit") + "x").alias("unit")
    )
    cases = pl.concat([big, small])
    groups = fit_groups(cases, PARAMS)
    assert groups[("level", "few", "naive")].scale == 1.0 and groups[("level", "few", "naive")].df is None
    assert groups[("level", "synthetic", "naive")].scale < 1
    assert lookup(groups, "rank", "unseen", "naive") == Calibration(source="not backtested: uncalibrated")
    assert fit_groups(cases, PARAMS) == groups  # same inputs, same calibration
    first = cross_validated(cases, PARAMS, crps_t, log_score)
    assert first.equals(cross_validated(cases, PARAMS, crps_t, log_score))
    # cross-validation never lets a unit calibrate itself: each fold's scale comes from the other units
    assert first.filter(pl.col("dataset") == "few")["cal_scale"].unique().to_list() == [1.0]


def test_a_calibrated_model_keeps_the_mean_and_rescales_the_band():
    members = {f"u{i}": Series(np.arange(2018, 2023, dtype=float), np.linspace(0, 1, 5) + i, "R") for i in range(4)}
    model = fit("naive", Pool(members), Settings())
    raw, cal = model.predict("u1", 2026), Calibrated(model, Calibration(scale=2.0, df=3.0)).predict("u1", 2026)
    assert raw is not None and cal is not None
    assert cal.mean == raw.mean and cal.scale == pytest.approx(2 * raw.scale) and cal.df == 3.0
    assert Calibrated(model, Calibration(scale=2.0, df=3.0)).predict("absent", 2026) is None


def test_a_units_own_cases_never_calibrate_its_bands():
    cases = scaled_cases(np.random.default_rng(12), n_units=40, per_unit=10, true_scale=1.0, df=4)
    wild = cases.with_columns(
        pl.when(pl.col("unit") == "u000").then(pl.col("error_model_scale") * 50).otherwise(pl.col("error_model_scale"))
    )
    before = cross_validated(cases, PARAMS, crps_t, log_score)
    after = cross_validated(wild, PARAMS, crps_t, log_score)
    own = pl.col("unit") == "u000"
    assert before.filter(own)["cal_scale"].equals(after.filter(own)["cal_scale"])  # fitted without u000
    assert not before.filter(~own)["cal_scale"].equals(after.filter(~own)["cal_scale"])  # u000 trains the rest

"""Estimators on synthetic series (seeded; synthetic data exists only here): known slope and noise."""

from __future__ import annotations

import numpy as np
import pytest

from dxtrack.model.estimators import Pool, Series, Settings, fit

SLOPE, NOISE = 0.3, 0.1  # per year, on the model scale


def synthetic_pool(rng: np.random.Generator, units: int, years: int) -> tuple[Pool, dict]:
    members, truth = {}, {}
    for i in range(units):
        t = np.arange(2018, 2018 + years, dtype=float)
        level = rng.normal(0, 1)
        slope = SLOPE + rng.normal(0, 0.05)
        members[f"u{i}"] = Series(t, level + slope * (t - 2018) + rng.normal(0, NOISE, years), "R")
        truth[f"u{i}"] = (level, slope)
    return Pool(members), truth


def test_pooled_recovers_the_slope():
    pool, truth = synthetic_pool(np.random.default_rng(7), units=40, years=5)
    model = fit("pooled", pool, Settings())
    slopes = np.array([model.slope(u)[0] for u in pool.units])
    assert slopes.mean() == pytest.approx(SLOPE, abs=0.03)
    assert np.abs(slopes - np.array([truth[u][1] for u in pool.units])).mean() < 0.05


def test_one_observation_takes_the_prior_trend_with_a_wider_interval():
    pool, _ = synthetic_pool(np.random.default_rng(8), units=30, years=5)
    pool = Pool({**pool.units, "single": Series(np.array([2022.0]), np.array([0.5]), "R")})
    model = fit("pooled", pool, Settings())
    single, full = model.predict("single", 2025), model.predict("u0", 2025)
    assert single.mean == pytest.approx(0.5 + 3 * model.slope("single")[0])
    assert model.slope("single")[0] == pytest.approx(SLOPE, abs=0.05)
    assert single.scale > full.scale
    assert model.predict("absent", 2025) is None and fit("linear", pool, Settings()).predict("single", 2025) is None


@pytest.mark.parametrize("method", ["linear", "pooled"])
@pytest.mark.parametrize(
    "noise_df, years, band80",
    [
        (np.inf, 6, (0.72, 0.88)),
        (4, 6, (0.72, 0.88)),
        (4, 3, (0.75, 0.95)),  # two points each: the noise comes from the prior, so no narrower than nominal
    ],
)
def test_interval_coverage_near_nominal(method, noise_df, years, band80):
    """Seeded synthetic panels with t-distributed noise and short series: the 80% and 95% intervals of a
    one-year-ahead forecast cover the held-out value near their nominal rate (never well below it)."""
    rng = np.random.default_rng(11)
    settings = Settings(recency=1.0, damping=1.0, slope_drift_sd=0.0)
    hits80 = hits95 = total = 0
    for _ in range(80):
        members = {}
        for i in range(12):
            t = np.arange(2018, 2018 + years, dtype=float)
            draws = rng.standard_t(noise_df, years) if np.isfinite(noise_df) else rng.standard_normal(years)
            members[f"u{i}"] = Series(
                t, rng.normal(0, 1) + (SLOPE + rng.normal(0, 0.02)) * (t - 2018) + NOISE * draws, "R"
            )
        past = Pool({u: Series(s.years[:-1], s.values[:-1], s.region) for u, s in members.items()})
        model = fit(method, past, settings)
        for unit, s in members.items():
            p = model.predict(unit, int(s.years[-1]))
            if p is None:
                continue
            hits80 += p.quantile(0.1) <= s.values[-1] <= p.quantile(0.9)
            hits95 += p.quantile(0.025) <= s.values[-1] <= p.quantile(0.975)
            total += 1
    assert total > 500
    assert band80[0] <= hits80 / total <= band80[1], hits80 / total
    assert 0.90 <= hits95 / total <= (0.99 if years > 3 else 0.995), hits95 / total


def test_t_quantiles_use_the_residual_degrees_of_freedom():
    pool, _ = synthetic_pool(np.random.default_rng(3), units=2, years=3)  # 2 residual df in all
    p = fit("pooled", pool, Settings()).predict("u0", 2025)
    assert p.df == 2
    assert p.quantile(0.975) - p.mean > 1.96 * p.scale * 2  # t(2) is far wider than the normal


def test_spread_grows_with_the_horizon_and_the_revision_floor_widens_every_forecast():
    pool, _ = synthetic_pool(np.random.default_rng(4), units=20, years=5)
    model = fit("pooled", pool, Settings(slope_drift_sd=0.1))
    scales = [model.predict("u0", y).scale for y in (2023, 2025, 2030)]
    assert scales[0] < scales[1] < scales[2]
    flat = fit("pooled", pool, Settings(slope_drift_sd=0.0)).predict("u0", 2030).scale
    assert scales[2] > flat
    floored = fit("naive", pool, Settings(revision_var=0.2**2)).predict("u0", 2023)
    assert floored.scale > fit("naive", pool, Settings()).predict("u0", 2023).scale > 0


def test_damping_pulls_the_far_projection_toward_the_last_level():
    pool, _ = synthetic_pool(np.random.default_rng(5), units=20, years=5)
    full = fit("pooled", pool, Settings(damping=1.0)).predict("u0", 2030).mean
    damped = fit("pooled", pool, Settings(damping=0.5)).predict("u0", 2030).mean
    last = pool.units["u0"].values[-1]
    assert abs(damped - last) < abs(full - last)


def test_ranks_take_a_heavy_tailed_walk_with_no_trend_prior():
    rng = np.random.default_rng(6)
    members = {
        f"u{i}": Series(np.array([2020.0, 2021.0]), rng.normal(0, 1) + np.array([0.0, 0.5]), "R") for i in range(20)
    }  # every unit "rose": a trend prior would project every one to keep rising
    pool = Pool(members, rank=True)
    naive = fit("naive", pool, Settings())
    assert naive.predict("u0", 2023).df == 3
    assert fit("pooled", pool, Settings()).national.mean == 0.0


def test_vectorised_predictions_equal_one_at_a_time():
    pool, _ = synthetic_pool(np.random.default_rng(9), units=8, years=4)
    pool.units  # noqa: B018  (the dict view is built on demand)
    for method in ("naive", "linear", "pooled"):
        model = fit(method, pool, Settings(recency=0.5, damping=0.8, slope_drift_sd=0.05))
        idx = np.repeat(np.arange(8), 3)
        years = np.tile([2021.0, 2024.0, 2030.0], 8)
        many = model.predict_many(idx, years)
        for k in range(len(idx)):
            one = model.predict(pool.names[idx[k]], int(years[k]))
            assert one.mean == pytest.approx(many.mean[k]) and one.scale == pytest.approx(many.scale[k])


def test_clustered_bootstrap_ci_and_an_unsupported_default_is_flagged():
    import polars as pl

    from dxtrack.model.backtest import clustered_ci, summarise
    from dxtrack.model.forecast import ModelParams

    diff = np.r_[np.full(30, 1.0), np.full(30, -1.0)]
    mean, lo, hi = clustered_ci(diff, np.repeat(["a", "b"], 30), 500, 1)
    assert mean == 0 and lo < 0 < hi  # two clusters: the CI reflects two units, not 60 cases
    rng = np.random.default_rng(2)
    rows = []
    for u in range(30):
        for method, crps in (("naive", 0.1), ("pooled", 0.5), ("linear", 0.4)):
            rows.append(
                {
                    "indicator": "x",
                    "series": "s",
                    "map": "63",
                    "unit": f"63:{u:02d}",
                    "dataset": "x",
                    "family": "level",
                    "origin": 2020,
                    "year": 2021,
                    "horizon": 1,
                    "points_before": 2,
                    "method": method,
                    "actual": 0.0,
                    "predicted": 0.0,
                    "lo80": 0.0,
                    "hi80": 0.0,
                    "error": 0.0,
                    "error_model_scale": rng.normal(),
                    "covered80": True,
                    "covered95": True,
                    "crps": crps + rng.normal(0, 0.01),
                    "log_score": crps,
                }
            )
    params = ModelParams(
        methods=("naive", "linear", "pooled"),
        default_method={"level": "pooled", "rank": "naive"},
        horizon=2030,
        logit_clip=0.005,
        settings=Settings(),
        on_track_ratio=1,
        acceleration_ratio=0.5,
        rank_draws=10,
        rank_seed=1,
        tie_margin=0.02,
        bootstrap_draws=200,
    )
    verdict = summarise(pl.DataFrame(rows), params)["by_family"]["level"]
    assert verdict["best_method"] == "naive" and verdict["default"]["supported"] is False
    assert verdict["vs_naive"]["pooled"]["d_crps"]["ci95"][0] > 0


def test_rank_goal_states_the_median_rank_not_a_mean_pulled_by_the_tail():
    import numpy as np

    from dxtrack.model.ranks import rank_goal

    ranks = np.array([2] * 7 + [30] * 3)  # most draws keep rank 2, a few fall far: a mean would say 10.4
    p, middle = rank_goal(ranks, 3)
    assert p == 0.7 and middle == 2.0


def test_rank_simulation_is_seeded_and_respects_clear_leaders():
    from dxtrack.model.estimators import Prediction
    from dxtrack.model.ranks import rank_goal, simulate_ranks

    predictions = {"a": Prediction(3.0, 0.1), "b": Prediction(0.0, 0.1), "c": Prediction(-3.0, 0.1), "d": None}
    first = simulate_ranks(predictions, ["a", "b", "c", "d"], draws=2000, seed=1, year=2025)
    again = simulate_ranks(predictions, ["a", "b", "c", "d"], draws=2000, seed=1, year=2025)
    assert all((first[u] == again[u]).all() for u in first)
    p_first, _ = rank_goal(first["a"], 1)
    assert 0.99 < p_first < 1  # far ahead; the unit without data draws N(0, 1), above 3 about once in 740
    p_top2, middle = rank_goal(first["b"], 2)
    assert 0.45 < p_top2 < 0.55 and middle in (2.0, 2.5, 3.0)  # "d" draws N(0, 1): ahead of "b" half the time
    assert set(first["c"]) <= {3, 4}


def test_model_distributions_are_scipy_stats_bit_for_bit():
    """model.distributions evaluates the normal and t with scipy.special (importing scipy.stats cost half a second
    per model run): every function must give exactly scipy.stats' numbers, ends of the support included."""
    from scipy import stats

    from dxtrack.model.distributions import norm, student_t

    rng = np.random.default_rng(7)
    x = np.concatenate([rng.normal(0, 3, 4000), [0.0, -0.0, 1e-300, 40.0, -40.0]])
    q = np.concatenate([rng.uniform(0, 1, 4000), [0.0, 1.0, 1e-12, 1 - 1e-12, 0.5]])
    df = np.concatenate([rng.uniform(1.0001, 60, 4000), [1.0001, 2.0, 3.0, 1e6, 30.0]])

    def same(a, b) -> bool:
        return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))

    assert same(norm.cdf(x), stats.norm.cdf(x)) and same(norm.sf(x), stats.norm.sf(x))
    assert same(norm.pdf(x), stats.norm.pdf(x)) and same(norm.logpdf(x), stats.norm.logpdf(x))
    assert same(norm.ppf(q), stats.norm.ppf(q))
    assert same(student_t.cdf(x, df), stats.t.cdf(x, df)) and same(student_t.sf(x, df), stats.t.sf(x, df))
    assert same(student_t.pdf(x, df), stats.t.pdf(x, df)) and same(student_t.logpdf(x, df), stats.t.logpdf(x, df))
    assert same(student_t.ppf(q, df), stats.t.ppf(q, df))
    assert float(student_t.ppf(0.9, 5.0)) == float(stats.t.ppf(0.9, 5.0))

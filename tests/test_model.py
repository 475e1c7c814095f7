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
    pool.units["single"] = Series(np.array([2022.0]), np.array([0.5]), "R")
    model = fit("pooled", pool, Settings())
    single, full = model.predict("single", 2025), model.predict("u0", 2025)
    assert single.mean == pytest.approx(0.5 + 3 * model.slope("single")[0])
    assert model.slope("single")[0] == pytest.approx(SLOPE, abs=0.05)
    assert single.scale > full.scale
    assert model.predict("absent", 2025) is None and fit("linear", pool, Settings()).predict("single", 2025) is None


@pytest.mark.parametrize("method", ["linear", "pooled"])
def test_interval_coverage_near_nominal(method):
    rng = np.random.default_rng(11)
    hits = total = 0
    for _ in range(60):
        pool, truth = synthetic_pool(rng, units=10, years=6)
        held = {u: s.values[-1] for u, s in pool.units.items()}
        past = Pool({u: Series(s.years[:-1], s.values[:-1], s.region) for u, s in pool.units.items()})
        model = fit(method, past, Settings())
        for unit, actual in held.items():
            p = model.predict(unit, 2023)
            hits += p.quantile(0.1) <= actual <= p.quantile(0.9)
            total += 1
    assert 0.72 <= hits / total <= 0.90


def test_rank_simulation_is_seeded_and_respects_clear_leaders():
    from dxtrack.model.estimators import Prediction
    from dxtrack.model.ranks import rank_goal, simulate_ranks

    predictions = {"a": Prediction(3.0, 0.1), "b": Prediction(0.0, 0.1), "c": Prediction(-3.0, 0.1), "d": None}
    first = simulate_ranks(predictions, ["a", "b", "c", "d"], draws=2000, seed=1, year=2025)
    again = simulate_ranks(predictions, ["a", "b", "c", "d"], draws=2000, seed=1, year=2025)
    assert all((first[u] == again[u]).all() for u in first)
    p_first, _ = rank_goal(first["a"], 1)
    assert 0.99 < p_first < 1  # far ahead; the unit without data draws N(0, 1), above 3 about once in 740
    p_top2, expected = rank_goal(first["b"], 2)
    assert 0.45 < p_top2 < 0.55 and 2.4 < expected < 2.6  # "d" draws N(0, 1): ahead of "b" half the time
    assert set(first["c"]) <= {3, 4}

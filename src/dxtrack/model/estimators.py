"""Trajectories on the model scale: three estimators with one interface.

A *pool* is every unit's full-year observations of one indicator, one series and one map, already on the
model scale (see transforms). `fit(method, pool, settings)` returns a fitted model whose `predict(unit, year)`
gives a predictive distribution (Student t: mean, scale, degrees of freedom) or None where the method cannot
say anything (no observations, or one point for a per-unit trend). No method ever invents a line for a unit
without observations.

- `naive`: the last value carried forward; the spread grows with the horizon as the pool's observed
  year-on-year changes did (an empirical random walk).
- `linear`: an ordinary least-squares trend per unit (two points or more); residual variance from the unit
  when it has three points or more, else pooled across the pool's units.
- `pooled`: empirical Bayes. Each unit's slope is shrunk toward a prior trend: its region's (when at least
  `min_units_region` units there have a slope), else the national one — the precision-weighted mean of all
  units' slopes plus the country's own series, if it has one (DerSimonian–Laird for the between-unit
  variance τ², floored at `slope_sd_floor`). A unit with one observation takes the prior trend with its full
  uncertainty; the level is anchored at the unit's own mean. Predictive variance adds level, slope and
  observation noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.stats import norm
from scipy.stats import t as student_t

METHODS = ("naive", "linear", "pooled")


@lru_cache(maxsize=4096)
def standard_quantile(q: float, df: float) -> float:
    """Quantile of the standard t (normal when df is infinite); cached: projections ask for the same few."""
    return float(student_t.ppf(q, df) if math.isfinite(df) else norm.ppf(q))


@dataclass(frozen=True)
class Prediction:
    mean: float
    scale: float
    df: float = math.inf

    def quantile(self, q: float) -> float:
        return self.mean + self.scale * standard_quantile(q, self.df)

    def prob_at_least(self, threshold: float) -> float:
        x = (threshold - self.mean) / self.scale
        return float(student_t.sf(x, self.df) if math.isfinite(self.df) else norm.sf(x))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        draws = rng.standard_t(self.df, size) if math.isfinite(self.df) else rng.standard_normal(size)
        return self.mean + self.scale * draws


@dataclass
class Series:
    """One unit's observations on the model scale."""

    years: np.ndarray
    values: np.ndarray
    region: str = ""

    @property
    def n(self) -> int:
        return len(self.years)

    def ols(self) -> tuple[float, float, float, float]:
        """(mean year, mean value, slope, residual sum of squares); needs two distinct years."""
        t_bar, y_bar = self.years.mean(), self.values.mean()
        sxx = float(((self.years - t_bar) ** 2).sum())
        slope = float(((self.years - t_bar) * (self.values - y_bar)).sum() / sxx)
        rss = float(((self.values - y_bar - slope * (self.years - t_bar)) ** 2).sum())
        return t_bar, y_bar, slope, rss

    @property
    def sxx(self) -> float:
        return float(((self.years - self.years.mean()) ** 2).sum())


@dataclass
class Settings:
    noise_sd_prior: float = 0.15
    slope_sd_floor: float = 0.05
    slope_sd_prior: float = 0.25
    step_sd_prior: float = 0.25
    min_units_region: int = 3

    @classmethod
    def from_params(cls, params: dict) -> "Settings":
        keys = cls.__dataclass_fields__
        return cls(**{k: v for k, v in params.items() if k in keys})


@dataclass
class Pool:
    units: dict[str, Series]
    country_slope: tuple[float, float] | None = None  # (slope, variance) of the country's own series, if any

    def with_units(self, keep) -> "Pool":
        return Pool({u: s for u, s in self.units.items() if keep(u, s)}, self.country_slope)


def pooled_noise(pool: Pool, prior_sd: float) -> tuple[float, float]:
    """Within-unit residual variance and its degrees of freedom, from units with three points or more."""
    rss = dfs = 0.0
    for s in pool.units.values():
        if s.n >= 3 and s.sxx > 0:
            rss += s.ols()[3]
            dfs += s.n - 2
    if dfs == 0:
        return prior_sd ** 2, math.inf
    return max(rss / dfs, 1e-6), dfs


class Naive:
    def __init__(self, pool: Pool, settings: Settings):
        self.pool = pool
        steps = [(float(np.diff(s.values)[i]) ** 2 / float(np.diff(s.years)[i]))
                 for s in pool.units.values() for i in range(s.n - 1)]
        self.step_var = float(np.mean(steps)) if steps else settings.step_sd_prior ** 2

    def predict(self, unit: str, year: int) -> Prediction | None:
        s = self.pool.units.get(unit)
        if s is None or s.n == 0:
            return None
        horizon = max(year - float(s.years[-1]), 1.0)
        return Prediction(float(s.values[-1]), math.sqrt(self.step_var * horizon))


class Linear:
    def __init__(self, pool: Pool, settings: Settings):
        self.pool = pool
        self.noise_var, self.noise_df = pooled_noise(pool, settings.noise_sd_prior)

    def predict(self, unit: str, year: int) -> Prediction | None:
        s = self.pool.units.get(unit)
        if s is None or s.n < 2 or s.sxx == 0:
            return None
        t_bar, y_bar, slope, rss = s.ols()
        var, df = (rss / (s.n - 2), s.n - 2) if s.n >= 3 and rss > 0 else (self.noise_var, self.noise_df)
        scale = math.sqrt(var * (1 + 1 / s.n + (year - t_bar) ** 2 / s.sxx))
        return Prediction(y_bar + slope * (year - t_bar), scale, df)


@dataclass
class SlopePrior:
    mean: float
    var_mean: float
    tau2: float
    source: str


def dersimonian_laird(slopes: list[float], variances: list[float], floor: float) -> tuple[float, float, float]:
    """Random-effects mean of slopes: (mean, variance of the mean, between-unit variance τ²)."""
    b, v = np.asarray(slopes), np.asarray(variances)
    w = 1 / v
    fixed = float((w * b).sum() / w.sum())
    q = float((w * (b - fixed) ** 2).sum())
    c = float(w.sum() - (w ** 2).sum() / w.sum())
    tau2 = max((q - (len(b) - 1)) / c, 0.0) if c > 0 else 0.0
    tau2 = max(tau2, floor ** 2)
    w_star = 1 / (v + tau2)
    return float((w_star * b).sum() / w_star.sum()), float(1 / w_star.sum()), tau2


class Pooled:
    def __init__(self, pool: Pool, settings: Settings):
        self.pool, self.settings = pool, settings
        self.noise_var, _ = pooled_noise(pool, settings.noise_sd_prior)
        self.slopes = {u: (s.ols()[2], self.noise_var / s.sxx) for u, s in pool.units.items() if s.n >= 2 and s.sxx > 0}
        self.national = self._prior(list(self.slopes.items()), "national", with_country=True)
        self.regional: dict[str, SlopePrior] = {}
        regions = {s.region for s in pool.units.values() if s.region}
        for region in sorted(regions):
            members = [(u, sv) for u, sv in self.slopes.items() if pool.units[u].region == region]
            if len(members) >= settings.min_units_region:
                self.regional[region] = self._prior(members, f"region: {region}", with_country=False)

    def _prior(self, members: list, source: str, with_country: bool) -> SlopePrior:
        slopes = [sv[0] for _, sv in members]
        variances = [sv[1] for _, sv in members]
        if with_country and self.pool.country_slope is not None:
            slopes.append(self.pool.country_slope[0])
            variances.append(max(self.pool.country_slope[1], 1e-6))
        if not slopes:
            return SlopePrior(0.0, 0.0, self.settings.slope_sd_prior ** 2, "no trend information: flat prior")
        mean, var_mean, tau2 = dersimonian_laird(slopes, variances, self.settings.slope_sd_floor)
        return SlopePrior(mean, var_mean, tau2, source)

    def prior_for(self, unit: str) -> SlopePrior:
        return self.regional.get(self.pool.units[unit].region, self.national)

    def slope(self, unit: str) -> tuple[float, float]:
        """Posterior slope of a unit and its variance."""
        prior = self.prior_for(unit)
        prior_var = prior.tau2 + prior.var_mean
        if unit not in self.slopes:
            return prior.mean, prior_var
        b, v = self.slopes[unit]
        precision = 1 / v + 1 / prior_var
        return (b / v + prior.mean / prior_var) / precision, 1 / precision

    def predict(self, unit: str, year: int) -> Prediction | None:
        s = self.pool.units.get(unit)
        if s is None or s.n == 0:
            return None
        slope, slope_var = self.slope(unit)
        t_bar, y_bar = float(s.years.mean()), float(s.values.mean())
        var = self.noise_var / s.n + (year - t_bar) ** 2 * slope_var + self.noise_var
        return Prediction(y_bar + slope * (year - t_bar), math.sqrt(var))


def fit(method: str, pool: Pool, settings: Settings):
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")
    return {"naive": Naive, "linear": Linear, "pooled": Pooled}[method](pool, settings)


def country_slope(series: Series | None, settings: Settings) -> tuple[float, float] | None:
    """The country's own trend in a series, as a prior input for its provinces."""
    if series is None or series.n < 2 or series.sxx == 0:
        return None
    noise, _ = pooled_noise(Pool({"VN": series}), settings.noise_sd_prior)
    return series.ols()[2], noise / series.sxx

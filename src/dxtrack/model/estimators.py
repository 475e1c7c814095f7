"""Trajectories on the model scale: three estimators with one interface, computed on arrays.

A *pool* is every unit's full-year observations of one indicator, one series and one map, already on the
model scale (see scales). `fit(method, pool, settings)` returns a fitted model; `predict_many(idx, years)`
gives, for unit indices and years (arrays), the predictive distribution of each pair as a location-scale
Student t (`mean`, `scale`, `df`), with `ok` false where the method cannot say anything (no observations, or
one point for a per-unit trend). `predict(unit, year)` is the one-pair convenience. No method ever invents a
line for a unit without observations.

Every predictive variance carries a revision floor (`Settings.revision_var`, on the model scale): published
figures are revised and redefined, and a forecast cannot be surer than the figure it will be scored against.

- `naive`: the last value carried forward, a random walk. Levels: the spread grows with the horizon as the
  pool's observed year-on-year changes did, t with as many degrees of freedom as there were changes. Ranks
  (`Pool.rank`): a heavy-tailed t (`rank_df`, 3) with a robust scale (median absolute yearly change), since a
  few provinces jump many places while most barely move.
- `linear`: an ordinary least-squares trend per unit (two points or more); residual variance from the unit
  when it has three points or more, else pooled across the pool's units; t quantiles with the residual df.
- `pooled`: empirical Bayes. Each unit's slope is shrunk toward a prior trend: its region's (when at least
  `min_units_region` units there have a slope), else the national one — the precision-weighted mean of all
  units' slopes plus the country's own series, if it has one (DerSimonian–Laird for the between-unit
  variance τ², floored at `slope_sd_floor`). Rank pools have no trend prior (mean 0): ranks are zero-sum.
  Beyond a unit's last observation the trend is damped (`damping` φ: year k ahead adds φᵏ of the slope) and
  the slope itself may drift (`slope_drift_sd`, a random walk in the slope), so the spread grows with the
  horizon faster than the straight-line formula. Slopes are fitted by recency-weighted least squares
  (`recency`: a point k years before the unit's last one weighs recencyᵏ, after ESCAP's time-weighted
  regression), so one surge or break period cannot dominate the prior. All three were chosen on the rolling-origin backtest
  (benchmarks/backtest_table.py --grid). A unit with one observation takes the prior trend with its full uncertainty.
  t quantiles with the pool's residual degrees of freedom.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from dataclasses import fields as dc_fields
from functools import lru_cache

import numpy as np

from dxtrack.model.distributions import norm, student_t

METHODS = ("naive", "linear", "pooled")


@lru_cache(maxsize=4096)
def standard_quantile(q: float, df: float) -> float:
    """Quantile of the standard t (normal when df is infinite); cached: projections ask for the same few."""
    return float(student_t.ppf(q, df) if math.isfinite(df) else norm.ppf(q))


def quantiles(q: float, df: np.ndarray) -> np.ndarray:
    """Standard t quantile for an array of df (few distinct values: computed once each)."""
    df = np.asarray(df, dtype=float)
    values, inverse = np.unique(df, return_inverse=True)
    return np.array([standard_quantile(q, float(v)) for v in values])[inverse].reshape(df.shape)


def t_sf(x: np.ndarray | float, df: np.ndarray | float) -> np.ndarray:
    x, df = np.broadcast_arrays(np.asarray(x, float), np.asarray(df, float))
    finite = np.isfinite(df)
    return np.where(finite, student_t.sf(x, np.where(finite, df, 1.0)), norm.sf(x))


@dataclass(frozen=True)
class Prediction:
    mean: float
    scale: float
    df: float = math.inf

    def quantile(self, q: float) -> float:
        return self.mean + self.scale * standard_quantile(q, self.df)

    def prob_at_least(self, threshold: float) -> float:
        return float(t_sf((threshold - self.mean) / self.scale, self.df))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        draws = rng.standard_t(self.df, size) if math.isfinite(self.df) else rng.standard_normal(size)
        return self.mean + self.scale * draws


@dataclass
class Predictions:
    """Many predictive distributions at once (arrays of equal length); `ok` false where nothing is said."""

    mean: np.ndarray
    scale: np.ndarray
    df: np.ndarray
    ok: np.ndarray

    def quantile(self, q: float) -> np.ndarray:
        return self.mean + self.scale * quantiles(q, self.df)

    def at(self, i: int) -> Prediction | None:
        return Prediction(float(self.mean[i]), float(self.scale[i]), float(self.df[i])) if self.ok[i] else None


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
    prior_df: float = 4.0  # t degrees of freedom where a variance comes from a prior, not from residuals
    recency: float = 1.0  # pooled: weight of a point k years before the unit's last one is recency^k
    damping: float = 1.0  # pooled: share of the slope kept each further year beyond the last observation
    slope_drift_sd: float = 0.0  # pooled: yearly random-walk SD of the slope itself
    rank_df: float = 3.0  # naive for ranks: t degrees of freedom of the yearly move
    revision_var: float = 0.0  # set by the stage from the data's own revisions (not a params key)

    @classmethod
    def from_params(cls, params: dict) -> Settings:
        keys = {f.name for f in dc_fields(cls)}
        return cls(**{k: v for k, v in params.items() if k in keys})


class Pool:
    """Observations of one pool as sorted arrays: unit index, year, value (model scale)."""

    def __init__(
        self,
        units: dict[str, Series] | None = None,
        country_slope: tuple[float, float] | None = None,
        *,
        rank: bool = False,
        arrays: tuple | None = None,
    ):
        self.country_slope, self.rank = country_slope, rank
        if arrays is not None:
            self.names, self.regions, self.idx, self.years, self.values = arrays
        else:
            units = units or {}
            self.names = sorted(units)
            self.regions = np.array([units[u].region for u in self.names], dtype=object)
            order = [(i, s) for i, u in enumerate(self.names) for s in [units[u]]]
            self.idx = (
                np.concatenate([np.full(s.n, i) for i, s in order]).astype(np.int64) if order else np.zeros(0, np.int64)
            )
            self.years = np.concatenate([np.asarray(s.years, float) for _, s in order]) if order else np.zeros(0)
            self.values = np.concatenate([np.asarray(s.values, float) for _, s in order]) if order else np.zeros(0)
            sort = np.lexsort((self.years, self.idx))
            self.idx, self.years, self.values = self.idx[sort], self.years[sort], self.values[sort]
        self.position = {u: i for i, u in enumerate(self.names)}
        self._stats()

    def _stats(self) -> None:
        k, idx, t, y = len(self.names), self.idx, self.years, self.values
        self.n = np.bincount(idx, minlength=k).astype(float)
        safe_n = np.maximum(self.n, 1)
        self.t_bar = np.bincount(idx, t, minlength=k) / safe_n
        self.y_bar = np.bincount(idx, y, minlength=k) / safe_n
        dt, dy = t - self.t_bar[idx], y - self.y_bar[idx]
        self.sxx = np.bincount(idx, dt * dt, minlength=k)
        sxy = np.bincount(idx, dt * dy, minlength=k)
        has_slope = self.sxx > 1e-12
        self.slope = np.where(has_slope, sxy / np.where(has_slope, self.sxx, 1), np.nan)
        resid = dy - np.nan_to_num(self.slope)[idx] * dt
        self.rss = np.bincount(idx, resid * resid, minlength=k)
        last = np.r_[np.flatnonzero(np.diff(idx)), len(idx) - 1] if len(idx) else np.zeros(0, int)
        first = np.r_[0, last[:-1] + 1] if len(idx) else np.zeros(0, int)
        self.last_year = np.full(k, np.nan)
        self.last_value = np.full(k, np.nan)
        self.first_year = np.full(k, np.nan)
        self.last_year[idx[last]], self.last_value[idx[last]], self.first_year[idx[first]] = t[last], y[last], t[first]
        same = idx[1:] == idx[:-1]
        self.step_dy, self.step_dt = np.diff(y)[same], np.diff(t)[same]
        self._weighted: dict[float, dict[str, np.ndarray]] = {}  # recency -> weighted fit, computed once

    def weighted(self, recency: float) -> dict[str, np.ndarray]:
        """Recency-weighted least squares per unit (weight recency^(last year − year), after ESCAP's
        time-weighted regression): anchor year and value, slope, Σ(w·dt)²/(Σw·dt²)² (the slope's variance per
        unit of noise variance) and 1/n_eff (the anchor's)."""
        if recency >= 1.0:
            return {
                "t_bar": self.t_bar,
                "y_bar": self.y_bar,
                "slope": self.slope,
                "slope_factor": np.where(self.sxx > 1e-12, 1 / np.where(self.sxx > 1e-12, self.sxx, 1), np.nan),
                "level_factor": 1 / np.maximum(self.n, 1),
            }
        if recency in self._weighted:
            return self._weighted[recency]
        k, idx, t, y = len(self.names), self.idx, self.years, self.values
        w = recency ** (self.last_year[idx] - t)
        sw = np.bincount(idx, w, minlength=k)
        sw = np.where(sw > 0, sw, 1.0)
        t_bar = np.bincount(idx, w * t, minlength=k) / sw
        y_bar = np.bincount(idx, w * y, minlength=k) / sw
        dt, dy = t - t_bar[idx], y - y_bar[idx]
        swxx = np.bincount(idx, w * dt * dt, minlength=k)
        has = swxx > 1e-12
        slope = np.where(has, np.bincount(idx, w * dt * dy, minlength=k) / np.where(has, swxx, 1), np.nan)
        factor = np.where(has, np.bincount(idx, (w * dt) ** 2, minlength=k) / np.where(has, swxx, 1) ** 2, np.nan)
        level = np.bincount(idx, w * w, minlength=k) / sw**2
        self._weighted[recency] = {
            "t_bar": t_bar,
            "y_bar": y_bar,
            "slope": slope,
            "slope_factor": factor,
            "level_factor": level,
        }
        return self._weighted[recency]

    @property
    def units(self) -> dict[str, Series]:
        out = {}
        for i, u in enumerate(self.names):
            m = self.idx == i
            out[u] = Series(self.years[m], self.values[m], self.regions[i])
        return out

    def before(self, year: float) -> Pool:
        """The pool as it was known with data up to and including `year` (units keep their indices)."""
        m = self.years <= year
        return Pool(
            country_slope=self.country_slope,
            rank=self.rank,
            arrays=(self.names, self.regions, self.idx[m], self.years[m], self.values[m]),
        )

    def indices(self, units) -> np.ndarray:
        return np.array([self.position.get(u, -1) for u in units], dtype=np.int64)


def pooled_noise(pool: Pool, prior_sd: float, prior_df: float = math.inf) -> tuple[float, float]:
    """Within-unit residual variance and its degrees of freedom, from units with three points or more."""
    use = (pool.n >= 3) & (pool.sxx > 1e-12)
    dfs = float((pool.n[use] - 2).sum())
    if dfs == 0:
        return prior_sd**2, prior_df
    return max(float(pool.rss[use].sum()) / dfs, 1e-6), dfs


def _empty(k: int) -> Predictions:
    return Predictions(np.zeros(k), np.ones(k), np.full(k, math.inf), np.zeros(k, bool))


class _Model:
    pool: Pool

    def predict_many(self, idx: np.ndarray, years: np.ndarray) -> Predictions:
        raise NotImplementedError  # each estimator predicts many (unit, year) pairs at once

    def predict(self, unit: str, year: int) -> Prediction | None:
        i = self.pool.position.get(unit)
        if i is None:
            return None
        return self.predict_many(np.array([i]), np.array([float(year)])).at(0)

    def _gather(self, idx: np.ndarray, years: np.ndarray):
        idx, years = np.asarray(idx, np.int64), np.asarray(years, float)
        known = (idx >= 0) & (self.pool.n[np.maximum(idx, 0)] > 0) if len(self.pool.names) else np.zeros(len(idx), bool)
        return np.maximum(idx, 0), years, known


class Naive(_Model):
    def __init__(self, pool: Pool, settings: Settings):
        self.pool, self.settings = pool, settings
        dy, dt = pool.step_dy, pool.step_dt
        if pool.rank:
            self.df = settings.rank_df
            if len(dy):
                robust = float(np.median(np.abs(dy) / np.sqrt(dt)))
                self.step_var = (max(robust, 1e-3) / standard_quantile(0.75, self.df)) ** 2
            else:
                self.step_var = settings.step_sd_prior**2
            self.floor = 0.0
        else:
            self.step_var = float(np.mean(dy**2 / dt)) if len(dy) else settings.step_sd_prior**2
            self.df = float(len(dy)) if len(dy) else settings.prior_df
            self.floor = settings.revision_var

    def predict_many(self, idx, years) -> Predictions:
        if not len(self.pool.names):
            return _empty(len(idx))
        i, years, ok = self._gather(idx, years)
        horizon = np.maximum(years - self.pool.last_year[i], 1.0)
        scale = np.sqrt(self.step_var * horizon + self.floor)
        return Predictions(
            np.where(ok, self.pool.last_value[i], 0.0), np.where(ok, scale, 1.0), np.full(len(i), self.df), ok
        )


class Linear(_Model):
    def __init__(self, pool: Pool, settings: Settings):
        self.pool, self.settings = pool, settings
        self.noise_var, self.noise_df = pooled_noise(pool, settings.noise_sd_prior, settings.prior_df)

    def predict_many(self, idx, years) -> Predictions:
        if not len(self.pool.names):
            return _empty(len(idx))
        i, years, ok = self._gather(idx, years)
        p = self.pool
        n, sxx, rss = p.n[i], p.sxx[i], p.rss[i]
        ok = ok & (n >= 2) & (sxx > 1e-12)
        own = (n >= 3) & (rss > 0)
        var = np.where(own, rss / np.maximum(n - 2, 1), self.noise_var)
        df = np.where(own, n - 2, self.noise_df)
        x = years - p.t_bar[i]
        scale = np.sqrt(
            var * (1 + 1 / np.maximum(n, 1) + x**2 / np.where(sxx > 1e-12, sxx, 1)) + self.settings.revision_var
        )
        mean = p.y_bar[i] + np.nan_to_num(p.slope[i]) * x
        return Predictions(np.where(ok, mean, 0.0), np.where(ok, scale, 1.0), np.where(ok, df, math.inf), ok)


@dataclass
class SlopePrior:
    mean: float
    var_mean: float
    tau2: float
    source: str


def dersimonian_laird(slopes, variances, floor: float, zero_mean: bool = False) -> tuple[float, float, float]:
    """Random-effects mean of slopes: (mean, variance of the mean, between-unit variance τ²).
    `zero_mean`: the mean is known to be 0 (ranks): τ² is the excess of the slopes' spread around 0."""
    b, v = np.asarray(slopes, float), np.asarray(variances, float)
    if zero_mean:
        tau2 = max(float(np.mean(b**2 - v)), floor**2)
        return 0.0, 0.0, tau2
    w = 1 / v
    fixed = float((w * b).sum() / w.sum())
    q = float((w * (b - fixed) ** 2).sum())
    c = float(w.sum() - (w**2).sum() / w.sum())
    tau2 = max((q - (len(b) - 1)) / c, 0.0) if c > 0 else 0.0
    tau2 = max(tau2, floor**2)
    w_star = 1 / (v + tau2)
    return float((w_star * b).sum() / w_star.sum()), float(1 / w_star.sum()), tau2


def damped_horizon(h: np.ndarray, phi: float) -> np.ndarray:
    """Σ_{k=1..h} φᵏ: how many years of slope h further years add under damping φ."""
    h = np.maximum(h, 0.0)
    if phi >= 1.0:
        return h
    return phi * (1 - phi**h) / (1 - phi)


class Pooled(_Model):
    def __init__(self, pool: Pool, settings: Settings):
        self.pool, self.settings = pool, settings
        self.noise_var, self.noise_df = pooled_noise(pool, settings.noise_sd_prior, settings.prior_df)
        self.fit_ = pool.weighted(settings.recency)
        has = (pool.n >= 2) & (pool.sxx > 1e-12)
        self.has_slope = has
        self.b = np.where(has, self.fit_["slope"], np.nan)
        self.v = np.where(has, self.noise_var * self.fit_["slope_factor"], np.nan)
        members = np.flatnonzero(has)
        self.national = self._prior(members, "national", with_country=not pool.rank)
        self.regional: dict[str, SlopePrior] = {}
        for region in sorted({r for r in pool.regions if r}):
            own = members[pool.regions[members] == region]
            if len(own) >= settings.min_units_region:
                self.regional[region] = self._prior(own, f"region: {region}", with_country=False)
        # Per-unit prior and posterior slope, as arrays.
        priors = [self.regional.get(r, self.national) for r in pool.regions]
        prior_mean = np.array([p.mean for p in priors], float)
        prior_var = np.array([p.tau2 + p.var_mean for p in priors], float)
        precision = np.where(has, 1 / np.where(has, self.v, 1) + 1 / prior_var, 1 / prior_var)
        self.post_slope = np.where(
            has, (np.nan_to_num(self.b) / np.where(has, self.v, 1) + prior_mean / prior_var) / precision, prior_mean
        )
        self.post_var = 1 / precision

    def _prior(self, members: np.ndarray, source: str, with_country: bool) -> SlopePrior:
        slopes, variances = list(self.b[members]), list(self.v[members])
        if with_country and self.pool.country_slope is not None:
            slopes.append(self.pool.country_slope[0])
            variances.append(max(self.pool.country_slope[1], 1e-6))
        if not slopes:
            return SlopePrior(0.0, 0.0, self.settings.slope_sd_prior**2, "no trend information: flat prior")
        mean, var_mean, tau2 = dersimonian_laird(
            slopes, variances, self.settings.slope_sd_floor, zero_mean=self.pool.rank
        )
        return SlopePrior(mean, var_mean, tau2, source)

    def prior_for(self, unit: str) -> SlopePrior:
        return self.regional.get(self.pool.regions[self.pool.position[unit]], self.national)

    def slope(self, unit: str) -> tuple[float, float]:
        """Posterior slope of a unit and its variance."""
        i = self.pool.position[unit]
        return float(self.post_slope[i]), float(self.post_var[i])

    def predict_many(self, idx, years) -> Predictions:
        if not len(self.pool.names):
            return _empty(len(idx))
        i, years, ok = self._gather(idx, years)
        p, s, f = self.pool, self.settings, self.fit_
        last, t_bar = p.last_year[i], f["t_bar"][i]
        ahead = np.maximum(years - last, 0.0)
        x = np.minimum(years, last) - t_bar + damped_horizon(ahead, s.damping)
        drift = s.slope_drift_sd**2 * ahead * (ahead + 1) * (2 * ahead + 1) / 6
        var = self.noise_var * f["level_factor"][i] + x**2 * self.post_var[i] + self.noise_var + drift + s.revision_var
        mean = f["y_bar"][i] + self.post_slope[i] * x
        return Predictions(np.where(ok, mean, 0.0), np.where(ok, np.sqrt(var), 1.0), np.full(len(i), self.noise_df), ok)


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

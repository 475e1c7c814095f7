"""Fitted models for every pool, and their projections on the indicator's own scale.

`Forecasts` holds, for each pool (indicator, series, map), one fitted model per method, and answers
`predict(pool_key, unit, year, method)` on the original scale (percent, index, or rank). `projection_table`
writes every unit's trajectory from its first observed year to the horizon, for every method, with 80% and
95% bands (data/processed/projections.parquet, contract in docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from dxtrack.model.backtest import family
from dxtrack.model.estimators import Pool, Prediction, Settings, fit
from dxtrack.model.pools import build_pools
from dxtrack.model.scales import Transform

PoolKey = tuple[str, str, str]  # (indicator, series, map)
RANK_OF = {"63": 63, "34": 34}

PROJECTION_SCHEMA = {
    "indicator": pl.String, "series": pl.String, "map": pl.String, "province_code": pl.String,
    "method": pl.String, "is_default": pl.Boolean, "year": pl.Int64, "kind": pl.String,
    "mean": pl.Float64, "lo80": pl.Float64, "hi80": pl.Float64, "lo95": pl.Float64, "hi95": pl.Float64,
    "rank_of": pl.Int64,
}


@dataclass(frozen=True)
class ModelParams:
    """params.yaml `model:` block."""

    methods: tuple[str, ...]
    default_method: dict[str, str]
    horizon: int
    logit_clip: float
    settings: Settings
    on_track_ratio: float
    acceleration_ratio: float
    rank_draws: int
    rank_seed: int
    tie_margin: float
    series_preference: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params: dict) -> "ModelParams":
        m = params["model"]
        return cls(methods=tuple(m["methods"]), default_method=dict(m["default_method"]), horizon=int(m["horizon"]),
                   logit_clip=float(m["logit_clip"]), settings=Settings.from_params(m["pooled"]),
                   on_track_ratio=float(m["pace"]["on_track_ratio"]),
                   acceleration_ratio=float(m["pace"]["acceleration_ratio"]),
                   rank_draws=int(m["ranks"]["draws"]), rank_seed=int(m["ranks"]["seed"]),
                   tie_margin=float(m["backtest"]["tie_margin"]),
                   series_preference={k: list(v) for k, v in (m.get("series_preference") or {}).items()})

    def default_for(self, indicator: dict) -> str:
        return self.default_method[family(indicator)]


class Forecasts:
    def __init__(self, observations: pl.DataFrame, units: pl.DataFrame, indicators: dict, indicator_ids: set[str],
                 params: ModelParams):
        self.indicators, self.params = indicators, params
        self.pools: dict[PoolKey, Pool] = {
            key: pool for key, pool in build_pools(observations, units, indicators, params.settings,
                                                   params.logit_clip).items() if key[0] in indicator_ids}
        self.models = {key: {m: fit(m, pool, params.settings) for m in params.methods}
                       for key, pool in sorted(self.pools.items())}

    def transform(self, indicator: str) -> Transform:
        return Transform.for_indicator(self.indicators[indicator], self.params.logit_clip)

    def default_method(self, indicator: str) -> str:
        return self.params.default_for(self.indicators[indicator])

    def latent(self, key: PoolKey, unit: str, year: int, method: str | None = None) -> Prediction | None:
        """Predictive distribution on the model scale, or None where the method has nothing to say."""
        if key not in self.models:
            return None
        return self.models[key][method or self.default_method(key[0])].predict(unit, year)

    def to_scale(self, key: PoolKey, z):
        return self.transform(key[0]).inverse(z, RANK_OF.get(key[2]))

    def band(self, key: PoolKey, prediction: Prediction) -> dict[str, float]:
        """Mean and 80/95% bands on the indicator's scale (ranks: low = better, so bounds are sorted)."""
        out = {"mean": float(self.to_scale(key, prediction.mean))}
        for level, (lo, hi) in {"80": (0.1, 0.9), "95": (0.025, 0.975)}.items():
            a, b = sorted((float(self.to_scale(key, prediction.quantile(lo))),
                           float(self.to_scale(key, prediction.quantile(hi)))))
            out[f"lo{level}"], out[f"hi{level}"] = a, b
        return out


def projection_table(forecasts: Forecasts) -> pl.DataFrame:
    rows = []
    for key, pool in sorted(forecasts.pools.items()):
        indicator, series, map_ = key
        default = forecasts.default_method(indicator)
        for unit, s in sorted(pool.units.items()):
            first, last = int(s.years.min()), int(s.years.max())
            for method in forecasts.params.methods:
                # The naive method has no fitted past: it starts at the last observation.
                start = last if method == "naive" else first
                for year in range(start, max(forecasts.params.horizon, last) + 1):
                    p = forecasts.latent(key, unit, year, method)
                    if p is None:
                        break
                    band = forecasts.band(key, p)
                    if method == "naive" and year == last:  # the naive line starts at the observation itself
                        value = float(forecasts.to_scale(key, s.values[-1]))
                        band = {name: value for name in band}
                    rows.append({"indicator": indicator, "series": series, "map": map_,
                                 "province_code": unit.split(":", 1)[1], "method": method,
                                 "is_default": method == default, "year": year,
                                 "kind": "fit" if year <= last else "projection", **band,
                                 "rank_of": RANK_OF.get(map_) if forecasts.transform(indicator).kind == "rank" else None})
    return pl.DataFrame(rows, schema=PROJECTION_SCHEMA).sort(
        "indicator", "series", "map", "province_code", "method", "year")

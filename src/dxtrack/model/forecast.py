"""Fitted models for every pool, and their projections on the indicator's own scale.

`Forecasts` holds, for each pool (indicator, series, map), one fitted model per method, and answers
`latent(pool_key, unit, year, method)` on the model scale. `projection_table` writes every unit's trajectory
from its first observed year to the horizon, for every method, with 80% and 95% bands
(data/processed/projections.parquet, contract in docs/architecture.md). It is built column-wise: one array
computation per pool and method, no per-row Python. After `calibrate` (the model stage calls it with the
backtest's calibrations, dxtrack.model.calibration) every model's spread is the calibrated one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from dxtrack.core.vocabulary import MAP_SIZES
from dxtrack.model.calibration import Calibrated, CalibrationParams, dataset_of, lookup
from dxtrack.model.estimators import Pool, Prediction, Predictions, Settings, fit
from dxtrack.model.pools import build_pools
from dxtrack.model.scales import Transform

PoolKey = tuple[str, str, str]  # (indicator, series, map)
RANK_OF = dict(MAP_SIZES)

PROJECTION_SCHEMA = {
    "indicator": pl.String,
    "series": pl.String,
    "map": pl.String,
    "province_code": pl.String,
    "method": pl.String,
    "is_default": pl.Boolean,
    "year": pl.Int64,
    "kind": pl.String,
    "mean": pl.Float64,
    "lo80": pl.Float64,
    "hi80": pl.Float64,
    "lo95": pl.Float64,
    "hi95": pl.Float64,
    "rank_of": pl.Int64,
}
BANDS = {"80": (0.1, 0.9), "95": (0.025, 0.975)}


def family(indicator: dict) -> str:
    """Methods are chosen per family: ranks behave unlike levels (scores and shares)."""
    return "rank" if indicator.get("unit") == "rank" else "level"


@dataclass(frozen=True)
class ModelParams:
    """params.yaml `model:` block (see the comments there for each key)."""

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
    official_series: dict[str, str] = field(default_factory=dict)
    p_on_track: float = 0.5
    p_floor: float = 0.001
    min_points_for_p: int = 2
    revision_floor: str | float = "auto"
    edition_year: int | None = None
    backtest_horizons: tuple[int, ...] = (1, 2, 3)
    backtest_datasets: dict[str, list[str]] = field(default_factory=dict)
    bootstrap_draws: int = 1000
    bootstrap_seed: int = 12
    calibration: CalibrationParams = field(default_factory=CalibrationParams)

    @classmethod
    def from_params(cls, params: dict) -> ModelParams:
        m = params["model"]
        status = m.get("status") or {}
        bt = m.get("backtest") or {}
        cal = m.get("calibration") or {}
        return cls(
            methods=tuple(m["methods"]),
            default_method=dict(m["default_method"]),
            horizon=int(m["horizon"]),
            logit_clip=float(m["logit_clip"]),
            settings=Settings.from_params(m["pooled"]),
            on_track_ratio=float(m["pace"]["on_track_ratio"]),
            acceleration_ratio=float(m["pace"]["acceleration_ratio"]),
            rank_draws=int(m["ranks"]["draws"]),
            rank_seed=int(m["ranks"]["seed"]),
            tie_margin=float(bt["tie_margin"]),
            series_preference={k: list(v) for k, v in (m.get("series_preference") or {}).items()},
            official_series=dict(m.get("official_series") or {}),
            p_on_track=float(status.get("p_on_track", 0.5)),
            p_floor=float(status.get("p_floor", 0.001)),
            min_points_for_p=int(status.get("min_points_for_p", 2)),
            revision_floor=m.get("revision_floor", "auto"),
            edition_year=int(params["render"]["year"]) if "render" in params else None,
            backtest_horizons=tuple(int(h) for h in bt.get("horizons", (1, 2, 3))),
            backtest_datasets={k: list(v) for k, v in (bt.get("datasets") or {}).items()},
            bootstrap_draws=int(bt.get("bootstrap_draws", 1000)),
            bootstrap_seed=int(bt.get("bootstrap_seed", 12)),
            calibration=CalibrationParams(
                min_cases=int(cal.get("min_cases", 30)),
                folds=int(cal.get("folds", 10)),
                target80=tuple(float(x) for x in cal.get("target80", (0.75, 0.85))),  # type: ignore[arg-type]
                target95=tuple(float(x) for x in cal.get("target95", (0.90, 0.98))),  # type: ignore[arg-type]
            ),
        )

    def default_for(self, indicator: dict) -> str:
        return self.default_method[family(indicator)]


class Forecasts:
    def __init__(
        self,
        observations: pl.DataFrame,
        units: pl.DataFrame,
        indicators: dict,
        indicator_ids: set[str],
        params: ModelParams,
    ):
        self.indicators, self.params = indicators, params
        self.pools: dict[PoolKey, Pool] = {
            key: pool
            for key, pool in build_pools(observations, units, indicators, params.settings, params.logit_clip).items()
            if key[0] in indicator_ids
        }
        self.models: dict[PoolKey, dict[str, Any]] = {
            key: {m: fit(m, pool, self.settings_for(key[0])) for m in params.methods}
            for key, pool in sorted(self.pools.items())
        }

    def calibrate(self, calibrations: dict) -> None:
        """Give every fitted model its calibration (calibration.lookup: the data set's own, else the family's):
        projections, P(meet) and the rank simulation then all read the calibrated distributions."""
        for key, models in self.models.items():
            fam = family(self.indicators[key[0]])
            ds = dataset_of(key[0], self.params.backtest_datasets)
            for method, model in models.items():
                inner = model.model if isinstance(model, Calibrated) else model
                models[method] = Calibrated(inner, lookup(calibrations, fam, ds, method))

    def settings_for(self, indicator: str) -> Settings:
        """The revision floor applies to indicators on the scale it was estimated on (logit shares and scores)."""
        s = self.params.settings
        if self.transform(indicator).kind != "logit":
            return Settings(**{**s.__dict__, "revision_var": 0.0})
        return s

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

    def bands(self, key: PoolKey, p: Predictions) -> dict[str, np.ndarray]:
        """Mean and 80/95% bands on the indicator's scale. Ranks: low = better, so bounds are sorted, and
        clipped to 1..N (a rank band cannot leave the ranking)."""
        rank_of = RANK_OF.get(key[2])
        is_rank = self.transform(key[0]).kind == "rank"
        out = {"mean": np.asarray(self.to_scale(key, p.mean), float)}
        for level, (lo, hi) in BANDS.items():
            a = np.asarray(self.to_scale(key, p.quantile(lo)), float)
            b = np.asarray(self.to_scale(key, p.quantile(hi)), float)
            out[f"lo{level}"], out[f"hi{level}"] = np.minimum(a, b), np.maximum(a, b)
        if is_rank and rank_of:
            for name in out:
                out[name] = np.clip(out[name], 1.0, float(rank_of))
        return out

    def band(self, key: PoolKey, prediction: Prediction) -> dict[str, float]:
        p = Predictions(
            np.array([prediction.mean]), np.array([prediction.scale]), np.array([prediction.df]), np.array([True])
        )
        return {k: float(v[0]) for k, v in self.bands(key, p).items()}


def projection_table(forecasts: Forecasts) -> pl.DataFrame:
    frames = []
    horizon = forecasts.params.horizon
    for key, pool in sorted(forecasts.pools.items()):
        indicator, series, map_ = key
        default = forecasts.default_method(indicator)
        is_rank = forecasts.transform(indicator).kind == "rank"
        has = pool.n > 0
        units = np.flatnonzero(has)
        if not len(units):
            continue
        first, last = pool.first_year[units].astype(np.int64), pool.last_year[units].astype(np.int64)
        end = np.maximum(horizon, last)
        codes = [pool.names[i].split(":", 1)[1] for i in units]
        for method in forecasts.params.methods:
            # The naive method has no fitted past: it starts at the last observation.
            start = last if method == "naive" else first
            counts = end - start + 1
            idx = np.repeat(units, counts)
            offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
            years = np.repeat(start, counts) + offsets
            p = forecasts.models[key][method].predict_many(idx, years.astype(float))
            if not p.ok.any():
                continue
            band = forecasts.bands(key, p)
            unit_last = np.repeat(last, counts)
            if method == "naive":  # the naive line starts at the observation itself
                at_last = years == unit_last
                observed = np.asarray(forecasts.to_scale(key, pool.last_value[idx]), float)
                if is_rank and RANK_OF.get(map_):
                    observed = np.clip(observed, 1.0, float(RANK_OF[map_]))
                for name in band:
                    band[name] = np.where(at_last, observed, band[name])
            ok = p.ok
            unit_row = np.repeat(np.arange(len(units)), counts)[ok]
            frame = pl.DataFrame(
                {
                    "province_code": pl.Series(codes, dtype=pl.String).gather(unit_row),
                    "year": pl.Series(years[ok], dtype=pl.Int64),
                    "fit": pl.Series(years[ok] <= unit_last[ok], dtype=pl.Boolean),
                    **{name: pl.Series(values[ok], dtype=pl.Float64) for name, values in band.items()},
                }
            )
            frames.append(
                frame.select(
                    pl.lit(indicator, pl.String).alias("indicator"),
                    pl.lit(series, pl.String).alias("series"),
                    pl.lit(map_, pl.String).alias("map"),
                    "province_code",
                    pl.lit(method, pl.String).alias("method"),
                    pl.lit(method == default, pl.Boolean).alias("is_default"),
                    "year",
                    pl.when(pl.col("fit")).then(pl.lit("fit")).otherwise(pl.lit("projection")).alias("kind"),
                    "mean",
                    "lo80",
                    "hi80",
                    "lo95",
                    "hi95",
                    pl.lit(RANK_OF.get(map_) if is_rank else None, pl.Int64).alias("rank_of"),
                )
            )
            del p, band
    if not frames:
        return pl.DataFrame(schema=PROJECTION_SCHEMA)
    return pl.concat(frames).sort("indicator", "series", "map", "province_code", "method", "year")

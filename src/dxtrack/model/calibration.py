"""Calibrated predictive spread: a scale multiplier and a tail shape learned from the backtest's own residuals.

The estimators' bands rest on assumptions (a random walk's step SD, a slope prior, t degrees of freedom) that the
rolling-origin backtest can check: on real held-out values the raw bands may cover too much (PAPI: 94% for a
nominal 80%) or too little (DTI ranks: 70%). Calibration corrects both the width and the shape, per method and
per calibration group (family × data set, see `model.backtest.datasets`):

- Each backtest case of a method has a standardised residual z = (actual − mean) / scale on the model scale.
  The calibrated predictive distribution is the same mean with scale × `scale` and a Student t with `df`
  degrees of freedom, chosen so that its 80% and 95% central intervals match the empirical 0.8 and 0.95
  quantiles of the group's |z| (least squares on the log scale; `df` from a fixed grid `DF_GRID`, normal
  included; the scale rounded to 4 decimals: same inputs → same bytes). This fits the bands the reports show,
  like split-conformal intervals with normalised scores, and gives a whole distribution for P(meet) and the
  rank simulation. (A maximum-likelihood fit of the same t was tried: on the DTI ranks a few large jumps pull
  it to 3 df and its 80% band covers 73% out of sample.)
- A data set with at least `min_cases` cases of the method gets its own calibration; a smaller one (and an
  indicator no backtest case covers) keeps the method's own spread: a few cases cannot show it is wrong, and
  borrowing another data set's correction would transfer that data set's behaviour (the PAPI panel moves
  slowly; its bands are shrunk, which would be wrong for a digital-economy share).
- The reported coverage of the calibrated bands is out of sample: units are dealt into `folds` folds (sorted
  unit keys, round robin), and each fold's cases are scored with a calibration fitted on the other folds only
  (unit-clustered cross-validation: a unit's cases never calibrate their own bands). A group whose
  cross-validated 80% or 95% coverage still misses the target range (`target80`, `target95`) with n ≥
  `min_cases` is flagged in metrics/backtest.json, never forced.

The projections, P(meet) and the rank simulation all use the calibrated distributions (forecast.Forecasts).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fnmatch import fnmatch

import numpy as np
import polars as pl

from dxtrack.model.estimators import Predictions, quantiles, standard_quantile

DF_GRID = (2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0, 20.0, 30.0, 50.0, math.inf)


@dataclass(frozen=True)
class Calibration:
    """Multiply the predictive scale by `scale` and use `df` degrees of freedom (None: keep the method's)."""

    scale: float = 1.0
    df: float | None = None
    n: int = 0
    source: str = "none"

    def apply(self, p: Predictions) -> Predictions:
        if self.scale == 1.0 and self.df is None:
            return p
        df = p.df if self.df is None else np.full(len(p.df), self.df)
        return Predictions(p.mean, p.scale * self.scale, df, p.ok)

    def to_json(self) -> dict:
        return {
            "scale": self.scale,
            "df": None if self.df is None or not math.isfinite(self.df) else self.df,
            "normal": self.df is not None and not math.isfinite(self.df),
            "n": self.n,
            "source": self.source,
        }


@dataclass(frozen=True)
class CalibrationParams:
    min_cases: int = 30
    folds: int = 10
    target80: tuple[float, float] = (0.75, 0.85)
    target95: tuple[float, float] = (0.90, 0.98)


def fit_calibration(z: np.ndarray, source: str = "own") -> Calibration:
    """The t (scale multiplier, degrees of freedom) whose 80% and 95% central intervals best match the
    empirical 0.8 and 0.95 quantiles of |z| (least squares on the log scale; df from `DF_GRID`, the scale in
    closed form). The bands a reader sees, and the tails P(meet) reads, are fitted to the residuals directly,
    in the spirit of split-conformal intervals with normalised scores."""
    a = np.abs(np.asarray(z, float))
    a = a[np.isfinite(a)]
    if len(a) < 2:
        return Calibration(n=len(a), source="too few cases")
    e80, e95 = (max(float(v), 1e-9) for v in np.quantile(a, [0.8, 0.95]))
    best: tuple[float, float, float] | None = None
    for df in DF_GRID:
        g80 = math.log(e80 / standard_quantile(0.9, df))
        g95 = math.log(e95 / standard_quantile(0.975, df))
        log_c = (g80 + g95) / 2
        loss = (g80 - log_c) ** 2 + (g95 - log_c) ** 2
        if best is None or loss < best[0] - 1e-12:
            best = (loss, math.exp(log_c), df)
    assert best is not None
    return Calibration(scale=round(best[1], 4), df=best[2], n=len(a), source=source)


def dataset_of(indicator: str, datasets: dict[str, list[str]]) -> str:
    """The data set an indicator is reported in: the first whose patterns match it (fnmatch), else its own id."""
    for name, patterns in datasets.items():
        if any(fnmatch(indicator, p) for p in patterns):
            return name
    return indicator


class Calibrated:
    """A fitted model whose predictive distributions carry a calibration (same means, rescaled t)."""

    def __init__(self, model, calibration: Calibration):
        self.model, self.calibration, self.pool = model, calibration, model.pool

    def predict_many(self, idx, years) -> Predictions:
        return self.calibration.apply(self.model.predict_many(idx, years))

    def predict(self, unit: str, year: int):
        i = self.pool.position.get(unit)
        if i is None:
            return None
        return self.predict_many(np.array([i]), np.array([float(year)])).at(0)


def standardised(cases: pl.DataFrame) -> np.ndarray:
    """z = (actual − mean) / scale on the model scale, from backtest cases."""
    return (-cases["error_model_scale"].to_numpy()) / cases["scale_model"].to_numpy()


def fit_groups(cases: pl.DataFrame, params: CalibrationParams) -> dict[tuple[str, str, str], Calibration]:
    """Calibration per (family, data set, method): fitted where the group has at least `min_cases` cases, else
    the identity (the method's own spread: too few cases to say it is wrong, and a narrowing learnt on another
    data set — the PAPI panel moves slowly — is not evidence about this one)."""
    out: dict[tuple[str, str, str], Calibration] = {}
    for (fam, ds, method), g in sorted(cases.group_by("family", "dataset", "method"), key=lambda kv: kv[0]):
        out[(fam, ds, method)] = (
            fit_calibration(standardised(g))
            if g.height >= params.min_cases
            else Calibration(n=g.height, source="too few cases: uncalibrated")
        )
    return out


def lookup(calibrations: dict, fam: str, dataset: str, method: str) -> Calibration:
    """A group's calibration; the identity for a group the backtest never saw."""
    return calibrations.get((fam, dataset, method)) or Calibration(source="not backtested: uncalibrated")


def _fold_of(cases: pl.DataFrame, folds: int) -> np.ndarray:
    keys = (cases["map"] + ":" + cases["unit"]).to_numpy()
    labels, inverse = np.unique(keys, return_inverse=True)
    return (np.arange(len(labels)) % folds)[inverse]


def cross_validated(cases: pl.DataFrame, params: CalibrationParams, crps_t, log_score) -> pl.DataFrame:
    """The cases rescored with out-of-fold calibrations (units left out): covered80/95, crps and log_score are
    replaced (model scale); `cal_scale` and `cal_df` say what each case was scored with."""
    if not cases.height:
        return cases.with_columns(pl.lit(None, pl.Float64).alias("cal_scale"), pl.lit(None, pl.Float64).alias("cal_df"))
    fold = _fold_of(cases, params.folds)
    scale_mult = np.ones(cases.height)
    df_new = cases["df"].to_numpy().astype(float).copy()
    fam, ds, method = (cases[c].to_numpy() for c in ("family", "dataset", "method"))
    for k in range(params.folds):
        held = fold == k
        if not held.any():
            continue
        trained = fit_groups(cases.filter(pl.Series(~held)), params)
        for g in {(a, b, c) for a, b, c in zip(fam[held], ds[held], method[held], strict=True)}:
            sel = held & (fam == g[0]) & (ds == g[1]) & (method == g[2])
            cal = lookup(trained, *g)
            scale_mult[sel] = cal.scale
            if cal.df is not None:
                df_new[sel] = cal.df
    z = standardised(cases) / scale_mult
    q80, q95 = quantiles(0.9, df_new), quantiles(0.975, df_new)
    return cases.with_columns(
        pl.Series("covered80", np.abs(z) <= q80),
        pl.Series("covered95", np.abs(z) <= q95),
        pl.Series("crps", cases["scale_model"].to_numpy() * scale_mult * crps_t(z, df_new)),
        pl.Series("log_score", log_score(z, cases["scale_model"].to_numpy() * scale_mult, df_new)),
        pl.Series("cal_scale", scale_mult),
        pl.Series("cal_df", df_new),
    )


def within_target(coverage80: float | None, coverage95: float | None, params: CalibrationParams) -> bool | None:
    if coverage80 is None or coverage95 is None:
        return None
    return bool(
        params.target80[0] <= coverage80 <= params.target80[1]
        and params.target95[0] <= coverage95 <= params.target95[1]
    )

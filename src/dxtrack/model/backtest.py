"""Forecast skill: a rolling-origin backtest of every method on whatever panel the observations hold.

For each pool (indicator, series, map) and each origin year T, every method is fitted on the pool's published
(not derived) full-year values up to and including T and predicts every value of years T+h (h in
`model.backtest.horizons`, 1–3) of every unit that had at least one value by T — units with one earlier
point included (naive carries it, pooled gives it the prior trend; linear cannot, and says so by predicting
nothing). Nothing after T is seen.

Per case and method: error (model scale and the indicator's unit), 80% and 95% coverage, CRPS and the log
score of the t predictive distribution on the model scale (logit, latent rank score, or the value). Scores
are reported per family (level, rank) and per data set (`model.backtest.datasets`: DTI, shares, PAPI …, each
with its n), and every method is compared with naive on the cases both predicted: the mean difference and a
95% CI from a bootstrap that resamples units (a unit's cases move together). The family's best method is
the one with the lowest CRPS on their common cases among the methods that predict every case naive does
(a default must answer for a unit with one point; linear is compared, never chosen); the configured default is *supported*
when it is that method, within `tie_margin` of it, or not distinguishable from it (the CI of the difference
covers 0). The stage warns when it is not.

Given the cases re-scored with out-of-fold calibrations (dxtrack.model.calibration.cross_validated), each
family and data set also gets a `calibrated` block — the same scores and CIs for the calibrated bands the
reports show, and the default's coverage against the target ranges, flagged where n ≥ `min_cases` and it misses.
"""

from __future__ import annotations

import math
from fnmatch import fnmatch
from typing import Any

import numpy as np
import polars as pl
from scipy.special import betaln

from dxtrack.model.calibration import dataset_of, within_target
from dxtrack.model.distributions import norm, student_t
from dxtrack.model.estimators import METHODS, fit
from dxtrack.model.forecast import RANK_OF, ModelParams, family
from dxtrack.model.pools import build_pools
from dxtrack.model.scales import Transform

CASE_SCHEMA = {
    "indicator": pl.String,
    "series": pl.String,
    "map": pl.String,
    "unit": pl.String,
    "dataset": pl.String,
    "family": pl.String,
    "origin": pl.Int64,
    "year": pl.Int64,
    "horizon": pl.Int64,
    "points_before": pl.Int64,
    "method": pl.String,
    "actual": pl.Float64,
    "predicted": pl.Float64,
    "lo80": pl.Float64,
    "hi80": pl.Float64,
    "error": pl.Float64,
    "error_model_scale": pl.Float64,
    "scale_model": pl.Float64,
    "df": pl.Float64,
    "covered80": pl.Boolean,
    "covered95": pl.Boolean,
    "crps": pl.Float64,
    "log_score": pl.Float64,
}


def backtest_indicators(observations: pl.DataFrame, modelled: set[str], datasets: dict[str, list[str]]) -> list[str]:
    """Every modelled indicator, plus any observed indicator a data set names (e.g. the PAPI panel)."""
    present = set(observations["indicator"].unique().to_list())
    named = {i for i in present if any(fnmatch(i, p) for ps in datasets.values() for p in ps)}
    return sorted((modelled & present) | named)


def crps_t(z: np.ndarray, df: np.ndarray) -> np.ndarray:
    """CRPS of the standard t (normal where df is infinite) at standardised outcomes z; multiply by the scale."""
    z, df = np.broadcast_arrays(np.asarray(z, float), np.asarray(df, float))
    out = np.empty_like(z)
    inf = ~np.isfinite(df)
    if inf.any():
        zz = z[inf]
        out[inf] = zz * (2 * norm.cdf(zz) - 1) + 2 * norm.pdf(zz) - 1 / math.sqrt(math.pi)
    fin = ~inf
    if fin.any():
        zz, v = z[fin], np.maximum(df[fin], 1.0001)
        out[fin] = (
            zz * (2 * student_t.cdf(zz, v) - 1)
            + 2 * student_t.pdf(zz, v) * (v + zz**2) / (v - 1)
            - 2 * np.sqrt(v) * np.exp(betaln(0.5, v - 0.5) - 2 * betaln(0.5, v / 2)) / (v - 1)
        )
    return out


def log_score(z: np.ndarray, scale: np.ndarray, df: np.ndarray) -> np.ndarray:
    """Negative log predictive density (lower is better)."""
    z, scale, df = np.broadcast_arrays(np.asarray(z, float), np.asarray(scale, float), np.asarray(df, float))
    finite = np.isfinite(df)
    dens = np.where(finite, student_t.logpdf(z, np.where(finite, df, 1.0)), norm.logpdf(z))
    return -(dens - np.log(scale))


def backtest_cases(
    observations: pl.DataFrame,
    units: pl.DataFrame,
    indicators: dict,
    indicator_ids: list[str],
    params: ModelParams,
    settings_for=None,
) -> pl.DataFrame:
    published = observations.filter(~pl.col("derived")) if "derived" in observations.columns else observations
    pools = build_pools(
        published.filter(pl.col("indicator").is_in(indicator_ids)),
        units,
        indicators,
        params.settings,
        params.logit_clip,
    )
    horizons = np.array(params.backtest_horizons, dtype=float)
    columns: dict[str, list] = {k: [] for k in CASE_SCHEMA}
    for key, pool in sorted(pools.items()):
        indicator, series, map_ = key
        transform = Transform.for_indicator(indicators[indicator], params.logit_clip)
        settings = settings_for(indicator) if settings_for else params.settings
        rank_of = RANK_OF.get(map_)
        for origin in np.unique(pool.years)[:-1]:
            past = pool.before(origin)
            ahead = pool.years - origin
            mask = np.isin(ahead, horizons) & (past.n[pool.idx] > 0)
            if not mask.any():
                continue
            idx, years, actual_z = pool.idx[mask], pool.years[mask], pool.values[mask]
            for method in METHODS:
                p = fit(method, past, settings).predict_many(idx, years)
                ok = p.ok
                if not ok.any():
                    continue
                z = (actual_z[ok] - p.mean[ok]) / p.scale[ok]
                lo80, hi80 = p.quantile(0.1)[ok], p.quantile(0.9)[ok]
                lo95, hi95 = p.quantile(0.025)[ok], p.quantile(0.975)[ok]
                back = lambda v, transform=transform, rank_of=rank_of: np.asarray(transform.inverse(v, rank_of), float)  # noqa: E731
                actual, predicted = back(actual_z[ok]), back(p.mean[ok])
                a, b = back(lo80), back(hi80)
                k = int(ok.sum())
                columns["indicator"] += [indicator] * k
                columns["series"] += [series] * k
                columns["map"] += [map_] * k
                columns["unit"] += [pool.names[i] for i in idx[ok]]
                columns["origin"] += [int(origin)] * k
                columns["year"] += years[ok].astype(int).tolist()
                columns["horizon"] += (years[ok] - origin).astype(int).tolist()
                columns["points_before"] += past.n[idx[ok]].astype(int).tolist()
                columns["method"] += [method] * k
                columns["actual"] += actual.tolist()
                columns["predicted"] += predicted.tolist()
                columns["lo80"] += np.minimum(a, b).tolist()
                columns["hi80"] += np.maximum(a, b).tolist()
                columns["error"] += (predicted - actual).tolist()
                columns["error_model_scale"] += (p.mean[ok] - actual_z[ok]).tolist()
                columns["scale_model"] += p.scale[ok].tolist()
                columns["df"] += p.df[ok].tolist()
                columns["covered80"] += ((lo80 <= actual_z[ok]) & (actual_z[ok] <= hi80)).tolist()
                columns["covered95"] += ((lo95 <= actual_z[ok]) & (actual_z[ok] <= hi95)).tolist()
                columns["crps"] += (p.scale[ok] * crps_t(z, p.df[ok])).tolist()
                columns["log_score"] += log_score(z, p.scale[ok], p.df[ok]).tolist()
    n = len(columns["indicator"])
    columns["dataset"] = [dataset_of(i, params.backtest_datasets) for i in columns["indicator"]]
    columns["family"] = [family(indicators[i]) for i in columns["indicator"]]
    assert all(len(v) == n for v in columns.values())
    return pl.DataFrame(columns, schema=CASE_SCHEMA).sort(
        "indicator", "series", "map", "origin", "year", "unit", "method"
    )


def _r(x: Any, digits: int = 6) -> float | None:
    # x: a number or None, mostly a polars aggregate (typed by polars as any Python literal)
    return None if x is None or not math.isfinite(x) else round(float(x), digits)


def _scores(frame: pl.DataFrame) -> dict:
    if not frame.height:
        return {
            "n": 0,
            "units": 0,
            **{k: None for k in ("mae", "bias", "mae_model_scale", "coverage80", "coverage95", "crps", "log_score")},
            "by_horizon": {},
        }
    out: dict[str, Any] = {
        "n": frame.height,
        "units": frame.select("map", "unit").n_unique(),
        "mae": _r(frame["error"].abs().mean()),
        "bias": _r(frame["error"].mean()),
        "mae_model_scale": _r(frame["error_model_scale"].abs().mean()),
        "coverage80": _r(frame["covered80"].mean(), 4),
        "coverage95": _r(frame["covered95"].mean(), 4),
        "crps": _r(frame["crps"].mean()),
        "log_score": _r(frame["log_score"].mean()),
    }
    out["by_horizon"] = {
        str(h): {
            "n": g.height,
            "crps": _r(g["crps"].mean()),
            "coverage80": _r(g["covered80"].mean(), 4),
            "coverage95": _r(g["covered95"].mean(), 4),
        }
        for (h,), g in sorted(frame.group_by("horizon"), key=lambda kv: kv[0][0])
    }
    return out


def clustered_ci(diff: np.ndarray, clusters: np.ndarray, draws: int, seed: int) -> tuple[float, float, float]:
    """Mean of `diff` and its 95% CI by a bootstrap that resamples clusters (units) with replacement."""
    labels, inverse = np.unique(clusters, return_inverse=True)
    sums = np.bincount(inverse, diff, minlength=len(labels))
    counts = np.bincount(inverse, minlength=len(labels)).astype(float)
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(labels), size=(draws, len(labels)))
    means = sums[pick].sum(axis=1) / counts[pick].sum(axis=1)
    lo, hi = np.quantile(means, [0.025, 0.975])
    return float(diff.mean()), float(lo), float(hi)


def _paired(cases: pl.DataFrame, method: str, baseline: str, draws: int, seed: int) -> dict:
    keys = ["indicator", "series", "map", "unit", "origin", "year"]
    a = cases.filter(pl.col("method") == method).select(*keys, "crps", "log_score", "error_model_scale")
    b = cases.filter(pl.col("method") == baseline).select(*keys, "crps", "log_score", "error_model_scale")
    both = a.join(b, on=keys, suffix="_base").sort(keys)
    if not both.height:
        return {"n": 0}
    clusters = (both["map"] + ":" + both["unit"]).to_numpy()
    out: dict[str, Any] = {"n": both.height, "units": len(set(clusters))}
    for name, x, y in (
        ("crps", "crps", "crps_base"),
        ("log_score", "log_score", "log_score_base"),
        ("abs_error", "error_model_scale", "error_model_scale_base"),
    ):
        xv, yv = both[x].to_numpy(), both[y].to_numpy()
        if name == "abs_error":
            xv, yv = np.abs(xv), np.abs(yv)
        mean, lo, hi = clustered_ci(xv - yv, clusters, draws, seed)
        out[f"d_{name}"] = {"mean": _r(mean), "ci95": [_r(lo), _r(hi)]}
    return out


def _common_cases(cases: pl.DataFrame, methods) -> pl.DataFrame:
    """Cases every one of `methods` could predict, so no method is judged on easier cases than another."""
    keys = ["indicator", "series", "map", "unit", "origin", "year"]
    cases = cases.filter(pl.col("method").is_in(list(methods)))
    common = cases.group_by(keys).agg(pl.col("method").n_unique().alias("k")).filter(pl.col("k") == len(methods))
    return cases.join(common.select(keys), on=keys, how="semi")


def _block(cases: pl.DataFrame, params: ModelParams) -> dict:
    return {
        "methods": {m: _scores(cases.filter(pl.col("method") == m)) for m in METHODS},
        "vs_naive": {
            m: _paired(cases, m, "naive", params.bootstrap_draws, params.bootstrap_seed)
            for m in METHODS
            if m != "naive"
        },
    }


def _calibrated_default(block: dict, method: str, params: ModelParams) -> dict:
    """The default's cross-validated calibrated coverage and whether it lands in the target ranges; a data set
    with fewer than `min_cases` cases is not judged (too few to tell)."""
    s = block["methods"].get(method) or {"n": 0}
    n = s["n"]
    out = {
        "method": method,
        "n": n,
        "coverage80": s.get("coverage80"),
        "coverage95": s.get("coverage95"),
        "crps": s.get("crps"),
        "log_score": s.get("log_score"),
        "judged": n >= params.calibration.min_cases,
    }
    hit = within_target(out["coverage80"], out["coverage95"], params.calibration)
    out["within_target"] = hit
    out["flag"] = "misses target coverage" if out["judged"] and hit is False else None
    return out


def summarise(
    cases: pl.DataFrame,
    params: ModelParams,
    calibrated: pl.DataFrame | None = None,
    calibrations: dict | None = None,
) -> dict:
    by_family: dict[str, Any] = {}
    by_dataset: dict[str, Any] = {}
    misses = []
    for fam in ("level", "rank"):
        rows = cases.filter(pl.col("family") == fam)
        # A default must answer every case naive can (a unit with one point still needs a forecast): methods
        # that predict fewer cases (linear) are compared, never chosen.
        counts = {m: rows.filter(pl.col("method") == m).height for m in METHODS}
        complete = [m for m in METHODS if counts[m] and counts[m] == max(counts.values())]
        common = _common_cases(rows, complete)
        common_scores = {m: _scores(common.filter(pl.col("method") == m)) for m in complete}
        scored = [m for m in complete if common_scores[m]["n"]]
        best = min(scored, key=lambda m: common_scores[m]["crps"]) if scored else None
        chosen = params.default_method[fam]
        verdict = {"supported": True, "why": "no cases"}
        if best is not None:
            if chosen == best:
                verdict = {"supported": True, "why": "best"}
            else:
                diff = _paired(common, chosen, best, params.bootstrap_draws, params.bootstrap_seed)
                rel = common_scores[chosen]["crps"] / common_scores[best]["crps"] - 1
                lo = diff["d_crps"]["ci95"][0]
                within = rel <= params.tie_margin
                indistinct = lo is not None and lo <= 0
                verdict = {
                    "supported": bool(within or indistinct),
                    "why": "within tie margin"
                    if within
                    else ("not distinguishable" if indistinct else "another method is better"),
                    "relative_crps_vs_best": _r(rel, 4),
                    "vs_best": diff,
                }
        by_family[fam] = {
            **_block(rows, params),
            "candidates": complete,
            "common_cases": common_scores,
            "best_method": best,
            "default_method": chosen,
            "default": verdict,
        }
        by_dataset[fam] = {
            ds: _block(g, params) for (ds,), g in sorted(rows.group_by("dataset"), key=lambda kv: kv[0][0])
        }
        if calibrated is not None:
            cal_rows = calibrated.filter(pl.col("family") == fam)
            block = _block(cal_rows, params)
            by_family[fam]["calibrated"] = {**block, "default": _calibrated_default(block, chosen, params)}
            if by_family[fam]["calibrated"]["default"]["flag"]:
                misses.append(fam)
            for (ds,), g in sorted(cal_rows.group_by("dataset"), key=lambda kv: kv[0][0]):
                block = _block(g, params)
                by_dataset[fam][ds]["calibrated"] = {**block, "default": _calibrated_default(block, chosen, params)}
                if by_dataset[fam][ds]["calibrated"]["default"]["flag"]:
                    misses.append(f"{fam}/{ds}")
    calibration: dict[str, Any] = {}
    if calibrated is not None:
        calibration = {
            "calibration": {
                "rule": (
                    "per method and group (family x data set; a data set with fewer than min_cases cases, or an "
                    "indicator not backtested, is left uncalibrated): the predictive scale is multiplied by `scale` and the t takes "
                    "`df` degrees of freedom, so that its 80% and 95% central intervals match the 0.8 and 0.95 "
                    "quantiles of the standardised backtest residuals |z| (least squares on the log scale); "
                    "the `calibrated` blocks score each unit's cases with a calibration fitted without that "
                    "unit (unit-clustered cross-validation over `folds` folds)"
                ),
                "min_cases": params.calibration.min_cases,
                "folds": params.calibration.folds,
                "target80": list(params.calibration.target80),
                "target95": list(params.calibration.target95),
                "groups": {
                    f"{fam}/{ds}": {
                        m: c.to_json()
                        for (f2, d2, m), c in sorted((calibrations or {}).items())
                        if (f2, d2) == (fam, ds)
                    }
                    for fam, ds in sorted({(k[0], k[1]) for k in (calibrations or {})})
                },
                "misses_target": misses,
            }
        }
    return {
        "comparison": (
            "CRPS on the model scale (logit, latent rank score, or the value) over the cases every "
            "candidate (a method that predicts every case naive does) could predict; differences vs naive with unit-clustered bootstrap 95% CIs"
        ),
        "horizons": list(params.backtest_horizons),
        "tie_margin": params.tie_margin,
        "bootstrap": {"draws": params.bootstrap_draws, "seed": params.bootstrap_seed, "cluster": "unit"},
        "cases": cases.height,
        "by_family": by_family,
        "by_dataset": by_dataset,
        **calibration,
    }

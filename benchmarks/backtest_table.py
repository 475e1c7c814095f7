"""The extended backtest on the real data plus the PAPI e-governance panel as a FIXTURE (read from the shared
additions, benchmarks/papi_fixture.py), and the grid that chose the pooled model's damping and slope drift.

    python benchmarks/backtest_table.py PROJECT_DIR [--grid] [--out benchmarks/backtest.json]

PROJECT_DIR: a project whose data/processed holds the clean and harmonize outputs (e.g. after `dvc repro`).
Prints per family and data set: n, MAE, bias, 80%/95% coverage, CRPS, log score, and each method's CRPS
difference vs naive with its unit-clustered 95% CI. --grid scores pooled over recency × damping × slope drift (CRPS over
every level case; coverage per data set) and names the best.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from papi_fixture import INDICATOR, PAPI_DEFINITION, papi_observations  # noqa: E402

from dxtrack.core.paths import Project  # noqa: E402
from dxtrack.ingest.units import Registry  # noqa: E402
from dxtrack.model.backtest import backtest_cases, backtest_indicators, summarise  # noqa: E402
from dxtrack.model.forecast import Forecasts, ModelParams  # noqa: E402
from dxtrack.model.stage import params_with_revision_floor  # noqa: E402
from dxtrack.model.status import measured_by  # noqa: E402


def inputs(root: Path):
    project = Project(root)
    obs = pl.read_parquet(project.processed / "observations.parquet")
    obs = pl.concat([obs, papi_observations(Registry.load(project.raw), like=obs)])
    indicators = {**project.indicators, INDICATOR: PAPI_DEFINITION}
    targets = pl.read_parquet(project.processed / "targets.parquet")
    units = pl.read_parquet(project.processed / "units.parquet")
    params, _ = params_with_revision_floor(ModelParams.from_params(project.params), obs, project.interim, indicators)
    modelled = {measured_by(i, indicators) for i in targets["indicator"].unique().to_list()} | {"dti"}
    return obs, units, indicators, params, modelled


def run(obs, units, indicators, params, modelled):
    f = Forecasts(obs.head(0), units, indicators, set(), params)  # only for settings_for
    tested = backtest_indicators(obs, modelled, params.backtest_datasets)
    cases = backtest_cases(obs, units, indicators, tested, params, f.settings_for)
    return cases, summarise(cases, params)


def table(skill: dict) -> str:
    lines = [
        "family | data set | method | n | units | MAE | bias | cov80 | cov95 | CRPS | log score | dCRPS vs naive [95% CI]",
        "---|---|---|---|---|---|---|---|---|---|---|---",
    ]
    for fam, sets in skill["by_dataset"].items():
        for ds, block in sets.items():
            for m, s in block["methods"].items():
                if not s["n"]:
                    continue
                d = block["vs_naive"].get(m, {}).get("d_crps")
                dtxt = f"{d['mean']:+.4f} [{d['ci95'][0]:+.4f}, {d['ci95'][1]:+.4f}]" if d else "—"
                lines.append(
                    f"{fam} | {ds} | {m} | {s['n']} | {s['units']} | {s['mae']:.4g} | {s['bias']:+.4g} | "
                    f"{s['coverage80']:.3f} | {s['coverage95']:.3f} | {s['crps']:.4f} | {s['log_score']:.3f} | {dtxt}"
                )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("project", type=Path)
    parser.add_argument("--grid", action="store_true")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    obs, units, indicators, params, modelled = inputs(args.project)
    start = time.perf_counter()
    cases, skill = run(obs, units, indicators, params, modelled)
    print(f"backtest with the PAPI fixture: {cases.height} case rows in {time.perf_counter() - start:.2f} s")
    print(table(skill))
    for fam, r in skill["by_family"].items():
        print(fam, "best:", r["best_method"], "default:", r["default_method"], r["default"])
    result = {"fixture": "PAPI e-governance read from /work/shared/data (not a project source)", "skill": skill}
    if args.grid:
        grid = []
        import itertools

        for recency, damping, drift in itertools.product((1.0, 0.5, 0.25), (1.0, 0.8, 0.5, 0.2), (0.0, 0.05, 0.1)):
            p = replace(
                params, settings=replace(params.settings, recency=recency, damping=damping, slope_drift_sd=drift)
            )
            c, _ = run(obs, units, indicators, p, modelled)
            lv = c.filter((pl.col("family") == "level") & (pl.col("method") == "pooled"))
            row = {
                "recency": recency,
                "damping": damping,
                "slope_drift_sd": drift,
                "n": lv.height,
                "crps": lv["crps"].mean(),
                "log_score": lv["log_score"].mean(),
            }
            for ds, g in lv.group_by("dataset"):
                row[f"{ds[0]}_crps"] = round(g["crps"].mean(), 5)
                row[f"{ds[0]}_cov80"] = round(g["covered80"].mean(), 3)
                row[f"{ds[0]}_cov95"] = round(g["covered95"].mean(), 3)
            grid.append(row)
            print(row, flush=True)
        best = min(grid, key=lambda r: r["crps"])
        print("best by CRPS over every level case:", best)
        result["grid"] = grid
    if args.out:
        args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""Measure the pipeline as a researcher meets it, and write benchmarks/results.json.

    python benchmarks/run.py                 # everything (about 15 minutes on 2 cores)
    python benchmarks/run.py --skip-render-ratio --skip-scale --repeat 5

Steps 1-4 run `--repeat` times (default 3), each time in a fresh copy; each step reports the median seconds with
every run's seconds, and its CPU seconds (user + system of all its processes), which a busier machine does not
inflate as much as wall time.

1. cold: `dvc repro` of the whole pipeline in a fresh copy of the project (git-tracked files only), without the
   one real table of step 3;
2. no-op: a second `dvc repro`;
3. one real new table: a shared addition of November 2026 (`--real-table`, default the Decision-766 index) put
   back as a researcher adds it — its folder copied into data/raw/sources/ — then `dvc repro`; seconds and the
   reports re-rendered (an HTML file rewritten);
4. one new table: the worked example of docs/adding-data.md (a fixture DTI table, labelled as one)
   added as its folder, then `dvc repro`;
5. rendering the real province report vs a naive per-notebook `papermill` + `nbconvert` loop (benchmarks/render.py);
6. peak memory: the largest resident set of any process of each run;
7. scale (SYNTHETIC data from a seeded generator): communes × years × indicators through the clean stage's
   validation and the model stage's pools, fits and projections, at growing fractions of 3,321 communes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def copy_project(dest: Path) -> Path:
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, check=True, capture_output=True, text=True).stdout.split("\n")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    subprocess.run(["git", "init", "-q"], cwd=dest, check=True)
    return dest


def timed(cmd: list[str], cwd: Path) -> dict:
    """Wall time and peak RSS (MB) of a command and its children, run in a fresh process for the RSS."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    env.pop("DXTRACK_ROOT", None)
    wrapper = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
        "print(time.perf_counter() - t, u.ru_maxrss, u.ru_utime + u.ru_stime, r.returncode); "
        "sys.stderr.write(r.stdout[-3000:] + r.stderr[-3000:])"
    )
    out = subprocess.run([sys.executable, "-c", wrapper, *cmd], cwd=cwd, env=env, capture_output=True, text=True)
    seconds, rss_kb, cpu, code = out.stdout.split()
    if code != "0":
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stderr}")
    ran = re.findall(r"Running stage '(\w+)'", out.stderr)
    return {
        "seconds": round(float(seconds), 2),
        "cpu_seconds": round(float(cpu), 2),  # user + system, all processes: what a busier machine stretches
        "peak_rss_mb": round(int(rss_kb) / 1024, 1),
        "stages_run": ran,
    }


def add_worked_example(project: Path) -> None:
    """The docs/adding-data.md example: its table and sources.yaml entry, from the doc's marked blocks."""
    sys.path.insert(0, str(ROOT / "tests"))
    from test_adding_data import apply_examples  # the same steps the test of the doc takes

    from dxtrack.core.paths import Project

    apply_examples(Project(project))


def _html_times(project: Path) -> dict[str, int]:
    return {str(p.relative_to(project)): p.stat().st_mtime_ns for p in (project / "reports").rglob("*.html")}


def _rerendered(project: Path, step) -> dict:
    before = _html_times(project)
    result = step()
    after = _html_times(project)
    result["reports_rerendered"] = sorted(name for name in after if before.get(name) != after[name])
    result["reports_rerendered_count"] = len(result["reports_rerendered"])
    result["reports_total"] = len(after)
    return result


def pipeline_runs(work: Path, real_table: str, repeat: int = 1) -> dict:
    """The steps below `repeat` times, each time in a fresh copy: each step's seconds are the median, with every
    run's seconds listed (runs on a shared machine vary; the median of several says more than one)."""
    runs = [_pipeline_run(work / f"run{i}", real_table) for i in range(repeat)]
    results = runs[len(runs) // 2] if repeat % 2 else runs[0]  # the middle run's details
    for step in results:
        results[step] = {
            **results[step],
            "seconds": round(statistics.median(run[step]["seconds"] for run in runs), 2),
            "cpu_seconds": round(statistics.median(run[step]["cpu_seconds"] for run in runs), 2),
            "runs_seconds": [run[step]["seconds"] for run in runs],
        }
    return results


def _pipeline_run(work: Path, real_table: str) -> dict:
    work.mkdir(parents=True)
    project = copy_project(work / "project")
    aside = work / real_table
    shutil.move(project / "data" / "raw" / "sources" / real_table, aside)  # not yet published
    dvc = str(BIN / "dvc")
    results = {"cold_full_pipeline": timed([dvc, "repro"], project)}
    results["noop_repro"] = timed([dvc, "repro"], project)
    shutil.copytree(aside, project / "data" / "raw" / "sources" / real_table)  # the researcher's one step
    results["one_real_new_table"] = {
        "source": real_table,
        **_rerendered(project, lambda: timed([dvc, "repro"], project)),
    }
    add_worked_example(project)
    results["one_new_table"] = {
        "source": "dti_2025 (docs worked example, FIXTURE)",
        **_rerendered(project, lambda: timed([dvc, "repro"], project)),
    }
    return results


def render_ratio(jobs: int) -> dict:
    out = ROOT / "benchmarks" / "render.json"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "render.py"),
            str(ROOT / "notebooks" / "province_report.ipynb"),  # the real province report, as the issue asks
            "--jobs",
            str(jobs),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        check=True,
    )
    return json.loads(out.read_text(encoding="utf-8"))


def scale_runs(fractions: list[float], years: int = 10, indicators: int = 20, communes: int = 3321) -> list[dict]:
    """SYNTHETIC: a seeded generator's communes × years × indicators through validation, pools, fits and projections."""
    import numpy as np
    import pandera.polars as pa
    import polars as pl

    from dxtrack.core.paths import read_yaml
    from dxtrack.model.forecast import Forecasts, ModelParams, projection_table

    params = ModelParams.from_params(read_yaml(ROOT / "params.yaml"))
    params = ModelParams(**{**params.__dict__, "horizon": 2030})
    defs = {
        f"synthetic_{i:02d}": {"unit": "percent", "lower": 0, "upper": 100, "transform": "logit"}
        for i in range(indicators)
    }
    runs = []
    for fraction in fractions:
        n = max(int(communes * fraction), 1)
        rng = np.random.default_rng(20250701)
        codes = np.repeat([f"{i:05d}" for i in range(n)], years * indicators)
        ind = np.tile(np.repeat(list(defs), years), n)
        year = np.tile(np.arange(2015, 2015 + years), n * indicators)
        level = rng.normal(0, 1, n * indicators).repeat(years)
        slope = rng.normal(0.15, 0.05, n * indicators).repeat(years)
        z = level + slope * (year - 2015) + rng.normal(0, 0.1, len(year))
        obs = pl.DataFrame(
            {
                "map": "63",
                "province_code": codes,
                "indicator": ind,
                "series": "synthetic",
                "year": year,
                "value": 100 / (1 + np.exp(-z)),
                "full_year": True,
                "rank_of": pl.Series([None] * len(year), dtype=pl.Int64),
            }
        )
        units = pl.DataFrame(
            {"map": "63", "province_code": [f"{i:05d}" for i in range(n)], "region_en": [f"R{i % 6}" for i in range(n)]}
        )
        start = time.perf_counter()
        schema = pa.DataFrameSchema(
            {
                "value": pa.Column(float, pa.Check.in_range(0, 100)),
                "year": pa.Column(int, pa.Check.in_range(1990, 2100)),
            }
        )
        schema.validate(obs, lazy=True)  # the clean stage's value checks, on every row
        validated = time.perf_counter()
        forecasts = Forecasts(obs, units, defs, set(defs), params)
        fitted = time.perf_counter()
        projections = projection_table(forecasts)
        done = time.perf_counter()
        runs.append(
            {
                "synthetic": True,
                "communes": n,
                "years": years,
                "indicators": indicators,
                "rows": obs.height,
                "validate_s": round(validated - start, 2),
                "fit_s": round(fitted - validated, 2),
                "project_s": round(done - fitted, 2),
                "projection_rows": projections.height,
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
        )
        print(runs[-1], flush=True)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--render-jobs", type=int, default=34)
    parser.add_argument("--skip-render-ratio", action="store_true")
    parser.add_argument(
        "--real-table",
        default="index766_provincial",
        help="the shared addition measured as 'one real new table' (a folder of data/raw/sources)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="pipeline runs, each in a fresh copy (median reported)")
    parser.add_argument("--skip-scale", action="store_true", help="keep the last synthetic scale results")
    parser.add_argument(
        "--scale",
        type=float,
        nargs="*",
        default=[0.1, 0.3, 1.0],
        help="fractions of 3,321 communes for the synthetic scale run",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.json")
    args = parser.parse_args()
    results = {
        "date": date.today().isoformat(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
    }
    with tempfile.TemporaryDirectory(prefix="dxtrack-bench-") as work:
        results["pipeline"] = pipeline_runs(Path(work), args.real_table, args.repeat)
        print(json.dumps(results["pipeline"], indent=1), flush=True)
    if not args.skip_render_ratio:
        results["render_vs_naive"] = render_ratio(args.render_jobs)
    elif (ROOT / "benchmarks" / "render.json").exists():  # the last measured ratio, kept as it was
        results["render_vs_naive"] = json.loads((ROOT / "benchmarks" / "render.json").read_text(encoding="utf-8"))
    if args.skip_scale and args.out.exists():
        results["scale_synthetic"] = json.loads(args.out.read_text(encoding="utf-8")).get("scale_synthetic", [])
    else:
        results["scale_synthetic"] = scale_runs(args.scale)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

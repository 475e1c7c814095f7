"""Benchmark: a naive shell loop of papermill + nbconvert CLI calls versus dxtrack.notebook.engine.render_all.

    python benchmarks/render.py [--jobs 8 34] [--workers 2] [--out benchmarks/render.json] [notebook ...]

For each job count, both approaches render the same jobs (one per province of the 34-province map, cycling
through the notebooks given, by default the test fixture): (a) a bash loop running
`papermill in out -r province_code X ...` then `jupyter nbconvert --to html out` once per notebook, in
sequence; (b) render_all in `--workers` processes (worker start-up included), writing the same two files per job;
(c) render_all also drawing every chart's no-script SVG into a fresh folder, as the render stage does (work the
loop does not do). Prints a table and writes JSON with the times and both ratios.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "notebooks" / "fixture_report.ipynb"
PROVINCES = ROOT / "data" / "raw" / "sources" / "provinces_34" / "provinces_34.csv"


def provinces() -> list[tuple[str, str]]:
    if PROVINCES.is_file():
        with open(PROVINCES, encoding="utf-8-sig", newline="") as fh:
            return [(r["code"], r["name_vi"]) for r in csv.DictReader(fh)]
    # never guess codes: a made-up code fails the real report and the naive loop with it
    raise SystemExit(f"benchmarks/render.py: the 34-unit list {PROVINCES} is missing")


def job_params(n: int) -> list[dict[str, str]]:
    units = provinces()
    # `province`/`map` are the real province report's parameters (the fixture ignores them): each job renders a
    # different unit, as the render stage does, so charts (and their static SVGs) differ between jobs.
    return [
        {
            "province_code": units[i % len(units)][0],
            "province_name": units[i % len(units)][1],
            "province": units[i % len(units)][0],
            "map": "34",
            "lang": "vi",
            "quote": "Mục tiêu: 100% hồ sơ trực tuyến toàn trình",
        }
        for i in range(n)
    ]


def naive(notebooks: list[Path], params: list[dict[str, str]], out: Path) -> float:
    """The shell loop a person would write: one papermill and one nbconvert process per notebook."""
    bindir = Path(sys.executable).parent
    lines = ["set -e"]
    for i, p in enumerate(params):
        nb = notebooks[i % len(notebooks)]
        target = out / f"{i:03d}-{p['province_code']}.ipynb"
        args = " ".join(f"-r {k} {shlex.quote(v)}" for k, v in p.items())
        lines.append(
            f"{bindir}/papermill --no-progress-bar -k python3 {shlex.quote(str(nb))} "
            f"{shlex.quote(str(target))} {args} 2>/dev/null"
        )
        lines.append(f"{bindir}/jupyter nbconvert --to html --log-level=ERROR {shlex.quote(str(target))}")
    script = out / "loop.sh"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    t0 = time.perf_counter()
    subprocess.run(["bash", str(script)], check=True, cwd=ROOT)
    seconds = time.perf_counter() - t0
    assert len(list(out.glob("*.html"))) == len(params)
    return seconds


def fast(notebooks: list[Path], params: list[dict[str, str]], out: Path, workers: int, static: bool = False) -> float:
    from dxtrack.notebook.engine import Job, render_all

    jobs = [
        Job(
            notebooks[i % len(notebooks)],
            out / f"{i:03d}-{p['province_code']}.ipynb",
            out / f"{i:03d}-{p['province_code']}.html",
            p,
            static_dir=out / "static" if static else None,
        )
        for i, p in enumerate(params)
    ]
    t0 = time.perf_counter()
    render_all(jobs, workers=workers, progress=True, cwd=ROOT)
    seconds = time.perf_counter() - t0
    assert all(j.output_html.is_file() for j in jobs)
    return seconds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*", type=Path, help=f"notebooks to render (default {FIXTURE.name})")
    ap.add_argument("--jobs", type=int, nargs="+", default=[34], help="job counts to time (default 34)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "render.json")
    args = ap.parse_args(argv)
    notebooks = [p.resolve() for p in (args.notebooks or [FIXTURE])]

    runs = []
    for n in args.jobs:
        params = job_params(n)
        with tempfile.TemporaryDirectory(prefix="dxtrack-bench-") as tmp:
            a, b = Path(tmp, "naive"), Path(tmp, "fast")
            a.mkdir(), b.mkdir()
            print(f"[{n} jobs] naive shell loop (papermill + jupyter nbconvert per notebook)…", file=sys.stderr)
            t_naive = naive(notebooks, params, a)
            print(f"[{n} jobs] render_all, {args.workers} workers…", file=sys.stderr)
            t_fast = fast(notebooks, params, b, args.workers)
            c = Path(tmp, "fast-static")
            c.mkdir()
            print(f"[{n} jobs] render_all with every chart's no-script SVG (fresh folder)…", file=sys.stderr)
            t_static = fast(notebooks, params, c, args.workers, static=True)
        run = {
            "jobs": n,
            "workers": args.workers,
            "naive_seconds": round(t_naive, 2),
            # like for like: both write the executed notebook and its HTML page, nothing else
            "render_all_seconds": round(t_fast, 2),
            "ratio": round(t_naive / t_fast, 1),
            # render_all also drawing every chart's SVG fallback (the render stage's extra work; the loop has none)
            "render_all_with_svg_fallbacks_seconds": round(t_static, 2),
            "ratio_with_svg_fallbacks": round(t_naive / t_static, 1),
            "naive_seconds_per_notebook": round(t_naive / n, 3),
            "render_all_seconds_per_notebook": round(t_fast / n, 3),
        }
        runs.append(run)
        print(
            f"{n:>4} jobs  naive {t_naive:7.1f} s ({t_naive / n:.2f} s/nb)   render_all {t_fast:6.1f} s "
            f"({t_fast / n:.2f} s/nb), ratio {t_naive / t_fast:5.1f}x   with SVG fallbacks {t_static:6.1f} s, "
            f"ratio {t_naive / t_static:5.1f}x"
        )

    result = {
        "notebooks": [str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p) for p in notebooks],
        "runs": runs,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(f".{args.out.name}.tmp")
    tmp.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, args.out)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`dxtrack check` of a large ministry table: seconds and peak memory (issue 14: ≤ 30 s and ≤ 1 GB for 50 MB).

    python benchmarks/check_large.py [--mb 50] [--shape distinct|repeated|all] [--xlsx] [--keep DIR]

Every table here is SYNTHETIC (values from random.Random(SEED), not real figures), written as a new source folder
of a temporary copy of the project, labelled `synthetic: true` and "SYNTHETIC" in its publisher and in every row,
and checked with the `dxtrack` command in a fresh process; its wall time and peak resident memory (the process
and its children) go to benchmarks/check_large.json, one entry per shape.

Two shapes:

- `distinct`: every row different — the shape of a ministry monitoring export (layout `indicator_table`): one row
  per unit, day and definition (series), 63 provinces up to 30 June 2025 and 34 after, two value columns
  (online filing rate, full-process online services share), names spelled as portals spell them ("Tỉnh …",
  "TP. …", upper case), each row with its own URL and quote. No two rows share a figure identity, so nothing is
  collapsed: this is the case the ≤ 30 s / ≤ 1 GB target is about.
- `repeated`: a seeded DTI ranking of the 63 pre-merger provinces (layout `ministry_dti`) repeated until the file
  reaches the size asked for — a table pasted under itself many times; identical rows are read once.

`--xlsx` also writes the distinct table as an .xlsx workbook (same rows, up to --xlsx-rows) and checks it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SEED = 20261130
RETRIEVED = dt.date(2026, 11, 23)
# The distinct table's definitions (series texts) and the series they map to in data/raw/series.yaml.
DEFINITIONS = {
    "SYNTHETIC EMC daily monitoring: online dossiers / all dossiers processed": "mic_processed_online",
    "SYNTHETIC EMC daily monitoring: full-process online dossiers / all dossiers handled": "emc_full_process",
    "SYNTHETIC provincial system: online / all dossiers received": "provincial_system_received",
}
CITIES = {"Hà Nội", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Huế", "Hồ Chí Minh"}
DISTINCT_HEADER = [
    "year",
    "period",
    "ranking_group",
    "province_name_as_source",
    "definition_scope",
    "online_filing_pct",
    "full_process_pct",
    "source_url",
    "quote",
]


def _units():
    sys.path.insert(0, str(ROOT / "src"))
    from dxtrack.core.paths import Project
    from dxtrack.ingest.units import Registry

    registry = Registry.load(Project(ROOT))
    return {m: sorted(registry.units[m].values(), key=lambda u: u.code) for m in ("63", "34")}


def _spelled(name: str, rng: random.Random) -> str:
    """A province's name as a portal might print it: as registered, with "Tỉnh"/"TP." in front, or in capitals."""
    style = rng.randrange(4)
    bare = name.removeprefix("Thành phố ")
    if style == 1:
        return ("TP. " if bare != name or bare in CITIES else "Tỉnh ") + bare
    if style == 2:
        return name.upper()
    return name


def distinct_rows(target_bytes: int):
    """Rows of the distinct table (lists of cells), until their CSV size reaches `target_bytes`."""
    units = _units()
    rng = random.Random(SEED)
    merger = dt.date(2025, 7, 1)
    size = 0
    for definition in DEFINITIONS:
        day = dt.date(2019, 1, 1)
        while day <= dt.date(2026, 10, 31):
            map_ = "63" if day < merger else "34"
            for u in units[map_]:
                rate = rng.uniform(5, 99)
                full = rng.uniform(1, rate)
                iso = day.isoformat()
                row = [
                    str(day.year),
                    iso,
                    map_,
                    _spelled(u.name_vi, rng),
                    definition,
                    f"{rate:.2f}",
                    f"{full:.2f}",
                    f"https://example.invalid/synthetic/emc/{map_}/{u.code}/{iso}",
                    f"SYNTHETIC: ngày {day.day}/{day.month}/{day.year} tỷ lệ hồ sơ trực tuyến {rate:.2f}%".replace(
                        ".", ","
                    ),
                ]
                size += sum(len(c.encode()) for c in row) + len(row) + 2
                yield row
                if size >= target_bytes:
                    return
            day += dt.timedelta(days=1)


def _csv(rows) -> bytes:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def repeated_table(target_bytes: int) -> bytes:
    units = _units()["63"]
    rng = random.Random(SEED)
    totals = sorted((round(rng.uniform(0.30, 0.90), 4) for _ in units), reverse=True)
    block = "".join(
        f"{rank},{u.name_vi},{rng.uniform(0.2, 0.95):.4f},{rng.uniform(0.2, 0.95):.4f},"
        f"{rng.uniform(0.2, 0.95):.4f},{total:.4f}\r\n"
        for rank, (u, total) in enumerate(zip(units, totals), start=1)
    ).encode("utf-8")
    header = 'Xếp hạng,"Tỉnh, thành phố",Chính quyền số,Kinh tế số,Xã hội số,DTI\r\n'.encode()
    copies = max(1, (target_bytes - len(header)) // len(block))
    return header + block * copies


def _xlsx(rows: list[list[str]], path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("data")
    numeric = {0, 2, 5, 6}
    for n, row in enumerate(rows):
        sheet.append([float(c) if n and i in numeric else c for i, c in enumerate(row)])
    book.properties.creator = "SYNTHETIC benchmark"
    book.save(path)


def _source(work: Path, name: str, data_file: str, data: bytes, meta: dict) -> Path:
    folder = work / "data" / "raw" / "sources" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / data_file).write_bytes(data)
    entry = {
        "file": data_file,
        "sha256": hashlib.sha256(data).hexdigest(),
        **meta,
        "url": "https://example.invalid/synthetic-benchmark",
        "licence": "synthetic",
        "retrieved": RETRIEVED,
        "row_provenance": "n/a (synthetic)",
        "synthetic": True,
    }
    (folder / "source.yaml").write_text(yaml.safe_dump(entry, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder / data_file


def _check(work: Path, path: Path) -> dict:
    """`dxtrack check PATH` in a fresh process: wall time, and the peak resident memory of that process (wait4).
    The source folder is removed afterwards: each table is checked against data/raw alone (`check` reads every
    other source to compare with)."""
    env = {**os.environ, "DXTRACK_ROOT": str(work), "PYTHONPATH": str(ROOT / "src")}
    log = work / "check.log"
    with log.open("w") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "dxtrack.cli.main", "check", str(path), "--limit", "3"],
            cwd=work,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
    shutil.rmtree(path.parent)
    return {
        "seconds": round(seconds, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "exit_status": os.waitstatus_to_exitcode(status),
        "output_tail": log.read_text(encoding="utf-8").strip().splitlines()[-14:],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=50.0)
    parser.add_argument("--shape", choices=["distinct", "repeated", "all"], default="all")
    parser.add_argument("--xlsx", action="store_true", help="also check the distinct table as an .xlsx workbook")
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="build the project copy here and keep it")
    parser.add_argument("--no-record", action="store_true", help="print, do not write benchmarks/check_large.json")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="dxtrack-check-bench-"))
    shutil.copytree(ROOT / "data" / "raw", work / "data" / "raw", dirs_exist_ok=True)
    for name in ("params.yaml", "dvc.yaml"):
        shutil.copy(ROOT / name, work / name)
    target = int(args.mb * 1_000_000)
    runs = []
    if args.shape in ("distinct", "all"):
        rows = [DISTINCT_HEADER, *distinct_rows(target)]
        meta = {
            "layout": "indicator_table",
            "publisher": "SYNTHETIC benchmark table (benchmarks/check_large.py), not real data",
            "measures": "SYNTHETIC daily online-dossier rates by province and definition, every row distinct",
            "indicators": {
                "online_filing_pct": "online_filing_rate",
                "full_process_pct": "full_process_online_services_share",
            },
            "series": {
                "column": "definition_scope",
                "texts": {text: {"series": series, "authority": 1} for text, series in DEFINITIONS.items()},
            },
        }
        data = _csv(rows)
        path = _source(work, "emc_synthetic_distinct", "emc_synthetic_distinct.csv", data, meta)
        runs.append(
            {
                "shape": "distinct",
                "format": "csv",
                "file_mb": round(len(data) / 1e6, 1),
                "rows": len(rows) - 1,
                "distinct_rows": len({tuple(r) for r in rows[1:]}),
                **_check(work, path),
            }
        )
        del data
        if args.xlsx:
            book = work / "book.xlsx"
            _xlsx(rows[: args.xlsx_rows + 1], book)
            data = book.read_bytes()
            path = _source(work, "emc_synthetic_distinct_xlsx", "emc_synthetic_distinct.xlsx", data, meta)
            runs.append(
                {
                    "shape": "distinct",
                    "format": "xlsx",
                    "file_mb": round(len(data) / 1e6, 1),
                    "rows": min(len(rows) - 1, args.xlsx_rows),
                    **_check(work, path),
                }
            )
        del rows
    if args.shape in ("repeated", "all"):
        data = repeated_table(target)
        meta = {
            "layout": "ministry_dti",
            "year": 2024,
            "map": 63,
            "publisher": "SYNTHETIC benchmark table (benchmarks/check_large.py), not real data",
            "measures": "SYNTHETIC DTI ranking repeated to size",
            "series": {"fixed": {"series": "mic_dti", "authority": 1}},
        }
        path = _source(work, "dti_synthetic_large", "dti_synthetic_large.csv", data, meta)
        runs.append(
            {
                "shape": "repeated",
                "format": "csv",
                "file_mb": round(len(data) / 1e6, 1),
                "rows": data.count(b"\n") - 1,
                **_check(work, path),
            }
        )
    limits = {"seconds": 30, "peak_rss_mb": 1024}
    out = {
        "synthetic": True,
        "note": "SYNTHETIC tables (seeded), see benchmarks/check_large.py; peak_rss_mb is the check process's; "
        "seconds is wall time on a shared 2-core machine (cpu_seconds, user + system, does not depend on the load)",
        "limits": limits,
        "cpu": os.cpu_count(),
        "runs": runs,
    }
    text = json.dumps(out, ensure_ascii=False, indent=2) + "\n"
    if not args.no_record:
        (ROOT / "benchmarks" / "check_large.json").write_text(text, encoding="utf-8")
    print(text)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    ok = all(
        r["exit_status"] == 0 and r["seconds"] <= limits["seconds"] and r["peak_rss_mb"] <= limits["peak_rss_mb"]
        for r in runs
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

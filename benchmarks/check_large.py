"""`dxtrack check` of a large ministry table: seconds and peak memory (issue 14: ≤ 30 s and ≤ 1 GB for 50 MB).

    python benchmarks/check_large.py [--mb 50] [--keep DIR]

The table is SYNTHETIC: a seeded DTI ranking of the 63 pre-merger provinces (values from random.Random(SEED),
not real DTI figures), repeated until the file reaches the size asked for — the shape of a ministry export that
lists every province many times (copied blocks, a table pasted under itself). It is written as a new source
folder of a temporary copy of the project, labelled `synthetic: true` and "SYNTHETIC" in its publisher, and
checked with the `dxtrack` command in a fresh process; its wall time and peak resident memory (the process and
its children) go to benchmarks/check_large.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SEED = 20261130


def synthetic_table(target_bytes: int) -> bytes:
    sys.path.insert(0, str(ROOT / "src"))
    from dxtrack.core.paths import Project
    from dxtrack.ingest.units import Registry

    units = sorted(Registry.load(Project(ROOT)).units["63"].values(), key=lambda u: u.code)
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=50.0)
    parser.add_argument("--keep", type=Path, help="build the project copy here and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="dxtrack-check-bench-"))
    shutil.copytree(ROOT / "data" / "raw", work / "data" / "raw", dirs_exist_ok=True)
    for name in ("params.yaml", "dvc.yaml"):
        shutil.copy(ROOT / name, work / name)
    data = synthetic_table(int(args.mb * 1_000_000))
    folder = work / "data" / "raw" / "sources" / "dti_synthetic_large"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dti_synthetic_large.csv").write_bytes(data)
    meta = {
        "file": "dti_synthetic_large.csv",
        "sha256": hashlib.sha256(data).hexdigest(),
        "layout": "ministry_dti",
        "year": 2024,
        "map": 63,
        "url": "https://example.invalid/synthetic-benchmark",
        "publisher": "SYNTHETIC benchmark table (benchmarks/check_large.py), not real data",
        "measures": "SYNTHETIC DTI ranking repeated to size",
        "licence": "synthetic",
        "retrieved": __import__("datetime").date(2026, 11, 23),
        "row_provenance": "n/a",
        "synthetic": True,
        "series": {"fixed": {"series": "mic_dti", "authority": 1}},
    }
    (folder / "source.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
    env = {**os.environ, "DXTRACK_ROOT": str(work), "PYTHONPATH": str(ROOT / "src")}
    t0 = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "dxtrack.cli.main", "check", str(folder), "--limit", "3"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    out = {
        "synthetic": True,
        "file_mb": round(len(data) / 1e6, 1),
        "rows": data.count(b"\n") - 1,
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(peak_mb),
        "exit_status": result.returncode,
        "limits": {"seconds": 30, "peak_rss_mb": 1024},
        "output_tail": (result.stdout + result.stderr).strip().splitlines()[-12:],
    }
    (ROOT / "benchmarks" / "check_large.json").write_text(
        json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(json.dumps(out, ensure_ascii=False, indent=2))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if result.returncode == 0 and seconds <= 30 and peak_mb <= 1024 else 1


if __name__ == "__main__":
    sys.exit(main())

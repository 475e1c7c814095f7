"""Projection building at commune scale on SYNTHETIC data (seeded, labelled): 3,321 communes × 10 years ×
20 indicators through pools, fits (every method) and projections.parquet's table. Target: ≤ 15 s, ≤ 1.5 GB.

    python benchmarks/projections_scale.py [--fraction 1.0]

Prints one JSON line (seconds per step, rows, peak resident memory of this process) and appends nothing to
the project: the numbers go into the README / the issue's closing note by hand.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import run  # noqa: E402  (benchmarks/run.py: the seeded synthetic generator, validation, pools, fits, projections)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fraction", type=float, default=1.0)
    args = parser.parse_args()
    result = run.scale_runs([args.fraction])[0]
    result["total_model_s"] = round(result["fit_s"] + result["project_s"], 2)
    result["peak_rss_gb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2, 2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()

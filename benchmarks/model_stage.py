"""Time the model stage (all series, the rank simulation and the backtest) on the project's processed data.

    python benchmarks/model_stage.py [--repeat 5]

Needs data/processed from `dvc repro` (clean and harmonize). Prints seconds per run (min and median), wall and CPU
(CPU time is the fairer figure on a shared, loaded machine).
"""

from __future__ import annotations

import argparse
import statistics
import time

from dxtrack.core.paths import Project
from dxtrack.model.stage import model_stage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    project = Project.find()
    times, cpu = [], []
    for _ in range(args.repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        output = model_stage(project)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    rows = {name: frame.height for name, frame in output.tables.items()}
    print(
        f"model stage: min {min(times):.2f} s, median {statistics.median(times):.2f} s wall "
        f"(CPU min {min(cpu):.2f} s, median {statistics.median(cpu):.2f} s) over {args.repeat} runs; rows {rows}"
    )


if __name__ == "__main__":
    main()

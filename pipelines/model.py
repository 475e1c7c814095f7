"""Stage `model`: trajectories, projections, statuses and the backtest (see dxtrack.stages.model_stage)."""

import sys

from dxtrack.stages import model_stage, run

if __name__ == "__main__":
    sys.exit(run(model_stage, "model"))

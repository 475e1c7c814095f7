"""DVC stage `model`: see dxtrack.model.stage. Exits 1 with a located message on bad input."""

import sys

from dxtrack.core.stage import run
from dxtrack.model.stage import model_stage

if __name__ == "__main__":
    sys.exit(run(model_stage, "model"))

"""DVC stage `harmonize`: see dxtrack.harmonize.stage. Exits 1 with a located message on bad input."""

import sys

from dxtrack.core.stage import run
from dxtrack.harmonize.stage import harmonize_stage

if __name__ == "__main__":
    sys.exit(run(harmonize_stage, "harmonize"))

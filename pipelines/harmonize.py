"""DVC stage `harmonize`: see dxtrack.stages.harmonize_stage. Exits 1 with a located message on bad input."""

import sys

from dxtrack.stages import harmonize_stage, run

if __name__ == "__main__":
    sys.exit(run(harmonize_stage, "harmonize"))

"""DVC stage `clean`: see dxtrack.stages.clean. Exits 1 with a located message on bad input."""

import sys

from dxtrack.stages import clean, run

if __name__ == "__main__":
    sys.exit(run(clean, "clean"))

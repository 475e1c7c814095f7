"""DVC stage `clean`: see dxtrack.ingest.stage. Exits 1 with a located message on bad input."""

import sys

from dxtrack.core.stage import run
from dxtrack.ingest.stage import clean

if __name__ == "__main__":
    sys.exit(run(clean, "clean"))

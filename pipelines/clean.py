"""DVC stage `clean`: see dxtrack.stages.clean. Exit 1 with a located message on bad input."""

import sys

from dxtrack.config import Project
from dxtrack.errors import DataError
from dxtrack.stages import clean, write


def main() -> int:
    project = Project.find()
    try:
        output = clean(project)
    except DataError as exc:
        print(f"clean: {exc}", file=sys.stderr)
        return 1
    write(project, output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
